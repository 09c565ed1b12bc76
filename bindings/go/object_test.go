package gilstuff_test

import (
	"math"
	"reflect"
	"testing"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

func TestImportCallAttr(t *testing.T) {
	h := must(gilstuff.Import("gotest_helpers"))
	defer closeOK(t, h)
	box := must(h.CallMethod("Box", 10))
	defer closeOK(t, box)
	r := must(box.CallMethod("add", 5, gilstuff.KW{"times": 2}))
	defer closeOK(t, r)
	if v := must(r.Int()); v != 20 {
		t.Fatalf("add: %d, want 20", v)
	}
	if err := box.SetAttr("v", "seven"); err != nil {
		t.Fatal(err)
	}
	v := must(box.Attr("v"))
	defer closeOK(t, v)
	if s := must(v.String()); s != "seven" {
		t.Fatalf("v = %q", s)
	}
	get := must(box.Attr("get"))
	defer closeOK(t, get)
	g := must(get.Call())
	defer closeOK(t, g)
	if s := must(g.Repr()); s != "'seven'" {
		t.Fatalf("repr %s", s)
	}
	if err := get.Invoke(); err != nil {
		t.Fatal(err)
	}
}

func TestConversions(t *testing.T) {
	h := must(gilstuff.Import("gotest_helpers"))
	defer closeOK(t, h)
	kinds := must(h.Attr("kinds"))
	defer closeOK(t, kinds)
	type myInt int16
	one := must(gilstuff.ValueOf(1))
	defer closeOK(t, one)
	r := must(kinds.Call(nil, true, 1, int8(-2), uint64(math.MaxUint64), 2.5, float32(1),
		"s", []byte("b"), one, gilstuff.Tuple{1, "x"}, []int{1, 2}, [2]string{"a", "b"},
		map[string]int{"a": 1}, map[int]any{1: nil}, myInt(3), gilstuff.KW{"x": 1}, ""))
	defer closeOK(t, r)
	got := must(r.Repr())
	want := "['NoneType', 'bool', 'int', 'int', 'int', 'float', 'float', 'str', 'bytes', 'int', " +
		"'tuple', 'list', 'list', 'dict', 'dict', 'int']"
	// The KW in the last-but-one position is a dict; the last "" is a str.
	want = want[:len(want)-1] + ", 'dict', 'str']"
	if got != want {
		t.Fatalf("kinds:\n got %s\nwant %s", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, v := range []int64{0, 1, -1, math.MaxInt64, math.MinInt64} {
		o := must(gilstuff.ValueOf(v))
		if got := must(o.Int()); got != v {
			t.Errorf("int %d -> %d", v, got)
		}
		closeOK(t, o)
	}
	u := must(gilstuff.ValueOf(uint64(math.MaxUint64)))
	if got := must(u.Uint()); got != math.MaxUint64 {
		t.Errorf("uint %d", got)
	}
	closeOK(t, u)
	for _, f := range []float64{0, -1.5, math.Inf(1), math.SmallestNonzeroFloat64} {
		o := must(gilstuff.ValueOf(f))
		if got := must(o.Float()); got != f {
			t.Errorf("float %g -> %g", f, got)
		}
		closeOK(t, o)
	}
	for _, s := range []string{"", "héllo wörld ✓", "nul\x00inside", string(make([]byte, 100000))} {
		o := must(gilstuff.ValueOf(s))
		if got := must(o.String()); got != s {
			t.Errorf("str %.20q -> %.20q", s, got)
		}
		closeOK(t, o)
	}
	for _, b := range [][]byte{{}, {0, 255, 1}} {
		o := must(gilstuff.ValueOf(b))
		if got := must(o.Bytes()); !reflect.DeepEqual(got, b) {
			t.Errorf("bytes %v -> %v", b, got)
		}
		closeOK(t, o)
	}
	for _, c := range []struct {
		v    any
		want bool
	}{{true, true}, {false, false}, {0, false}, {"x", true}, {[]int{}, false}} {
		o := must(gilstuff.ValueOf(c.v))
		if got := must(o.Bool()); got != c.want {
			t.Errorf("bool(%v) = %v", c.v, got)
		}
		closeOK(t, o)
	}
	n := must(gilstuff.ValueOf(nil))
	if !must(n.IsNone()) {
		t.Error("nil is not None")
	}
	closeOK(t, n)
}

func TestContainers(t *testing.T) {
	d := must(gilstuff.ValueOf(map[string]any{"a": []any{1, "two", gilstuff.Tuple{3.0}}}))
	defer closeOK(t, d)
	if err := d.SetItem("b", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if n := must(d.Len()); n != 2 {
		t.Fatalf("len %d", n)
	}
	a := must(d.GetItem("a"))
	defer closeOK(t, a)
	if s := must(a.Repr()); s != "[1, 'two', (3.0,)]" {
		t.Fatalf("repr %s", s)
	}
	if tn := must(a.TypeName()); tn != "list" {
		t.Fatalf("type %s", tn)
	}
	// A dict as globals for Eval and Exec.
	if err := d.Exec("c = len(a) * 2"); err != nil {
		t.Fatal(err)
	}
	c := must(d.Eval("c + 1"))
	defer closeOK(t, c)
	if v := must(c.Int()); v != 7 {
		t.Fatalf("c+1 = %d", v)
	}
	// Self-reference is stopped by the depth bound, not a stack overflow.
	loop := []any{nil}
	loop[0] = loop
	if _, err := gilstuff.ValueOf(loop); err == nil {
		t.Fatal("self-referential slice converted")
	}
	// Unsupported Go types are an error.
	wantCode(t, second(gilstuff.ValueOf(make(chan int))), gilstuff.ErrInvalidArgument)
}

func TestMainDictAndExec(t *testing.T) {
	if err := gilstuff.Exec("_go_exec = [1, 2, 3]"); err != nil {
		t.Fatal(err)
	}
	m := must(gilstuff.MainDict())
	defer closeOK(t, m)
	l := must(m.GetItem("_go_exec"))
	defer closeOK(t, l)
	c := must(l.Clone())
	defer closeOK(t, c)
	if n := must(c.Len()); n != 3 {
		t.Fatal(n)
	}
}

func TestWithGILBatchesObjectCalls(t *testing.T) {
	thing := must(gilstuff.Import("thing"))
	defer closeOK(t, thing)
	inc := must(thing.Attr("inc"))
	defer closeOK(t, inc)
	var before, after int64
	err := gilstuff.WithGIL(func() error {
		// Under one GIL acquisition no other thread can run inc in between.
		before = evalInt(t, "__import__('thing').x")
		for i := 0; i < 10; i++ {
			if err := inc.Invoke(); err != nil {
				return err
			}
		}
		after = evalInt(t, "__import__('thing').x")
		return nil
	})
	if err != nil || after-before != 10 {
		t.Fatalf("err %v, delta %d", err, after-before)
	}
}
