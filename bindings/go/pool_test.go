package gilstuff_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

func newPool(t testing.TB, n int) *gilstuff.Pool {
	t.Helper()
	p, err := gilstuff.NewPool(n, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// 1,000 goroutines x 10 calls of add through a 2-interpreter pool.
func TestPoolManyGoroutines(t *testing.T) {
	p := newPool(t, 2)
	const goroutines, calls = 1000, 10
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				r, err := p.Call("gotest_pool", "add", g, i*1000)
				if err == nil && r != int64(g+i*1000) {
					err = errors.New("wrong sum")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestPoolValues(t *testing.T) {
	p := newPool(t, 1)
	cases := []struct {
		in, want any
	}{
		{nil, nil},
		{true, true},
		{42, int64(42)},
		{int8(-3), int64(-3)},
		{uint32(7), int64(7)},
		{int64(math.MinInt64), int64(math.MinInt64)},
		{2.5, 2.5},
		{float32(0.5), 0.5},
		{"héllo\x00world", "héllo\x00world"},
		{"", ""},
		{[]byte{0, 1, 255}, []byte{0, 1, 255}},
		{[]byte{}, []byte{}},
		{[]int{1, 2}, []any{int64(1), int64(2)}},
		{[]any{nil, "a", []string{"b"}, [][]byte{{9}}}, []any{nil, "a", []any{"b"}, []any{[]byte{9}}}},
		{[2]bool{true, false}, []any{true, false}},
		{[]any{}, []any{}},
		{[]byte(nil), nil},
		{[]int(nil), nil},
	}
	for _, c := range cases {
		got, err := p.Call("gotest_pool", "echo", c.in)
		if err != nil {
			t.Fatalf("%#v: %v", c.in, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%#v: got %#v, want %#v", c.in, got, c.want)
		}
	}
	got, err := p.Call("gotest_pool", "kinds", nil, true, 1, 1.5, "s", []byte("b"), []int{})
	if want := []any{"NoneType", "bool", "int", "float", "str", "bytes", "list"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatal(got, err)
	}
	// Tuples come back as lists; results larger than the Go buffers work too.
	if got, err := p.Call("gotest_pool", "echo", 1, "x"); err != nil || !reflect.DeepEqual(got, []any{int64(1), "x"}) {
		t.Fatal(got, err)
	}
	got, err = p.Call("gotest_pool", "big", 500)
	if err != nil {
		t.Fatal(err)
	}
	if l := got.([]any); len(l) != 500 || l[499] != strings.Repeat("499", 10) {
		t.Fatal(len(l))
	}
	if got, err := p.Call("gotest_pool", "add", 1.5, 2); err != nil || got != 3.5 {
		t.Fatal(got, err)
	}
}

func TestPoolErrors(t *testing.T) {
	p := newPool(t, 2)
	_, err := p.Call("gotest_pool", "boom", "pool broke")
	e := wantCode(t, err, gilstuff.ErrPython)
	if e.PythonType != "ValueError" || !strings.Contains(e.Message, "pool broke") || !strings.Contains(e.Traceback, "in boom") {
		t.Fatalf("type %q message %q traceback %q", e.PythonType, e.Message, e.Traceback)
	}
	_, err = p.Call("no_such_module_here", "f")
	if e := wantCode(t, err, gilstuff.ErrPython); e.PythonType != "ModuleNotFoundError" {
		t.Fatal(e.PythonType)
	}
	_, err = p.Call("gotest_pool", "missing")
	if e := wantCode(t, err, gilstuff.ErrPython); e.PythonType != "AttributeError" {
		t.Fatal(e.PythonType)
	}
	_, err = p.Call("gotest_pool", "not_plain")
	wantCode(t, err, gilstuff.ErrType)
	_, err = p.Call("gotest_pool", "echo", "bad \xff")
	wantCode(t, err, gilstuff.ErrInvalidUTF8)
	_, err = p.Call("gotest_pool", "echo", map[string]int{"a": 1})
	wantCode(t, err, gilstuff.ErrInvalidArgument)
	_, err = p.Call("gotest_pool", "echo", uint64(math.MaxUint64))
	wantCode(t, err, gilstuff.ErrOverflow)
	obj := must(gilstuff.ValueOf(1))
	defer closeOK(t, obj)
	_, err = p.Call("gotest_pool", "echo", obj)
	wantCode(t, err, gilstuff.ErrInvalidArgument)
	_, err = p.Call("gotest\x00pool", "echo")
	wantCode(t, err, gilstuff.ErrInvalidArgument)
	_, err = gilstuff.NewPool(0, nil)
	wantCode(t, err, gilstuff.ErrInvalidArgument)
	if !ownGILSupported(t) {
		cfg := gilstuff.DefaultInterpConfig()
		cfg.OwnGIL, cfg.IsolatedModules = true, true
		_, err = gilstuff.NewPool(2, &cfg)
		wantCode(t, err, gilstuff.ErrUnsupported)
	}
	// The pool still works after all that.
	if r, err := p.Call("gotest_pool", "add", 2, 3); err != nil || r != int64(5) {
		t.Fatal(r, err)
	}
}

func TestPoolClose(t *testing.T) {
	p, err := gilstuff.NewPool(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := must(p.Interp(1))
	wantCode(t, in.Close(), gilstuff.ErrInvalidHandle) // owned by the pool
	if err := in.Exec("import gotest_pool; gotest_pool.set_marker('prepared')"); err != nil {
		t.Fatal(err)
	}
	_, err = p.Interp(2)
	wantCode(t, err, gilstuff.ErrInvalidArgument)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, p.Close(), gilstuff.ErrInvalidHandle)
	_, err = p.Call("gotest_pool", "add", 1, 2)
	wantCode(t, err, gilstuff.ErrInvalidHandle)
	_, err = p.Interp(0)
	wantCode(t, err, gilstuff.ErrInvalidHandle)
	_, err = in.Eval("1")
	wantCode(t, err, gilstuff.ErrInvalidHandle)
	var nilPool *gilstuff.Pool
	_, err = nilPool.Call("m", "f")
	wantCode(t, err, gilstuff.ErrInvalidHandle)
}

// Closing while calls are in flight waits for them; calls that start later fail with
// ErrInvalidHandle, none with anything else.
func TestPoolCloseDuringCalls(t *testing.T) {
	p, err := gilstuff.NewPool(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	started := make(chan struct{}, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				r, err := p.Call("gotest_pool", "sum_squares", 2000)
				if i == 0 {
					started <- struct{}{}
				}
				if errors.Is(err, gilstuff.ErrInvalidHandle) {
					return
				}
				if err == nil && r != int64(2664667000) {
					err = errors.New("wrong result")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-started
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A pool call from inside a WithGIL callback of the main interpreter works.
func TestPoolInsideWithGIL(t *testing.T) {
	p := newPool(t, 1)
	err := gilstuff.WithGIL(func() error {
		r, err := p.Call("gotest_pool", "add", "a", "b")
		if err == nil && r != "ab" {
			t.Errorf("got %v", r)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
