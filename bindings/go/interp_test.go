package gilstuff_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

// ownGILSupported reports whether the linked CPython (3.12+) gives sub-interpreters
// their own GIL.
func ownGILSupported(t testing.TB) bool {
	t.Helper()
	v := strings.SplitN(gilstuff.PythonVersion(), ".", 3)
	major, _ := strconv.Atoi(v[0])
	minor, _ := strconv.Atoi(v[1])
	return major > 3 || major == 3 && minor >= 12
}

func newInterp(t testing.TB) *gilstuff.Interp {
	t.Helper()
	in, err := gilstuff.NewInterp(gilstuff.DefaultInterpConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

// evalIn evaluates expr in interp and returns it as an int64.
func evalIn(in *gilstuff.Interp, expr string) (int64, error) {
	o, err := in.Eval(expr)
	if err != nil {
		return 0, err
	}
	defer o.Close()
	return o.Int()
}

const modulesID = "id(__import__('sys').modules)"

func TestInterpDefaultConfig(t *testing.T) {
	cfg := gilstuff.DefaultInterpConfig()
	if cfg.OwnGIL != ownGILSupported(t) {
		t.Fatalf("Python %s: default OwnGIL = %v", gilstuff.PythonVersion(), cfg.OwnGIL)
	}
	if !cfg.AllowThreads {
		t.Fatal("default config does not allow threads")
	}
	in, err := gilstuff.NewInterp(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if !ownGILSupported(t) {
		// Before 3.12 an own GIL is refused with a message naming 3.12.
		_, err := gilstuff.NewInterp(gilstuff.InterpConfig{OwnGIL: true, IsolatedModules: true})
		if e := wantCode(t, err, gilstuff.ErrUnsupported); !strings.Contains(e.Message, "3.12") {
			t.Fatal(e.Message)
		}
	}
}

func TestInterpID(t *testing.T) {
	if id := gilstuff.MainInterp().ID(); id != 0 {
		t.Fatal("main interpreter ID", id)
	}
	a, b := newInterp(t), newInterp(t)
	if a.ID() <= 0 || b.ID() <= a.ID() {
		t.Fatalf("IDs %d, %d", a.ID(), b.ID())
	}
}

// Goroutines switch between main and a sub-interpreter, also nested inside callbacks:
// each call sees its own interpreter.
func TestInterpSwitchingFromGoroutines(t *testing.T) {
	sub := newInterp(t)
	mainID, err := evalIn(gilstuff.MainInterp(), modulesID)
	if err != nil {
		t.Fatal(err)
	}
	subID, err := evalIn(sub, modulesID)
	if err != nil {
		t.Fatal(err)
	}
	if mainID == subID {
		t.Fatal("main and sub-interpreter share sys.modules")
	}
	check := func(in *gilstuff.Interp, want int64, where string) error {
		got, err := evalIn(in, modulesID)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if got != want {
			return fmt.Errorf("%s: sys.modules %x, want %x", where, got, want)
		}
		return nil
	}
	const goroutines, rounds = 16, 25
	errs := make(chan error, goroutines)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				err := check(gilstuff.MainInterp(), mainID, "main")
				if err == nil {
					err = check(sub, subID, "sub")
				}
				if err == nil {
					// main → sub → main, nested in callbacks.
					err = gilstuff.WithGIL(func() error {
						if err := check(gilstuff.MainInterp(), mainID, "main callback"); err != nil {
							return err
						}
						return sub.WithGIL(func() error {
							if err := check(sub, subID, "sub in main callback"); err != nil {
								return err
							}
							if err := check(gilstuff.MainInterp(), mainID, "main in sub callback"); err != nil {
								return err
							}
							return check(sub, subID, "sub after main")
						})
					})
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
		t.Error(err)
	}
}

func TestInterpIsolation(t *testing.T) {
	sub := newInterp(t)
	if err := sub.Exec("isolation_marker = 'sub'"); err != nil {
		t.Fatal(err)
	}
	o := must(gilstuff.Eval("'isolation_marker' in globals()"))
	defer closeOK(t, o)
	if seen := must(o.Bool()); seen {
		t.Fatal("__main__ variable of the sub-interpreter visible in main")
	}
	// A module attribute set in one is invisible in the other.
	mod := must(sub.Import("gotest_pool"))
	defer closeOK(t, mod)
	if err := mod.SetAttr("marker", "set in sub"); err != nil {
		t.Fatal(err)
	}
	mainMod := must(gilstuff.Import("gotest_pool"))
	defer closeOK(t, mainMod)
	v := must(mainMod.CallMethod("get_marker"))
	defer closeOK(t, v)
	if none := must(v.IsNone()); !none {
		t.Fatalf("main sees marker %q", must(v.Repr()))
	}
	sv := must(mod.CallMethod("get_marker"))
	defer closeOK(t, sv)
	if s := must(sv.String()); s != "set in sub" {
		t.Fatal(s)
	}
	// Objects made through a sub-interpreter's object live there.
	l := must(sub.ValueOf([]any{1, "two", []byte("3")}))
	defer closeOK(t, l)
	if n := must(l.Len()); n != 3 {
		t.Fatal(n)
	}
	d := must(sub.MainDict())
	defer closeOK(t, d)
	if s := must(d.GetItem("isolation_marker")); must(s.String()) != "sub" {
		t.Fatal("MainDict of the sub-interpreter")
	}
}

func TestInterpWrongInterpreter(t *testing.T) {
	sub := newInterp(t)
	subObj := must(sub.Eval("[1, 2, 3]"))
	defer closeOK(t, subObj)
	length := must(gilstuff.Eval("len"))
	defer closeOK(t, length)
	_, err := length.Call(subObj)
	wantCode(t, err, gilstuff.ErrWrongInterpreter)
	mainObj := must(gilstuff.ValueOf(4))
	defer closeOK(t, mainObj)
	_, err = subObj.CallMethod("append", mainObj)
	wantCode(t, err, gilstuff.ErrWrongInterpreter)
	wantCode(t, subObj.SetItem(0, mainObj), gilstuff.ErrWrongInterpreter)
	// Plain Go values are converted in the object's own interpreter.
	if err := subObj.Invoke(); err == nil {
		t.Fatal("calling a list worked")
	}
	r := must(subObj.CallMethod("append", 4))
	closeOK(t, r)
	if n := must(subObj.Len()); n != 4 {
		t.Fatal(n)
	}
}

func TestInterpClose(t *testing.T) {
	in, err := gilstuff.NewInterp(gilstuff.DefaultInterpConfig())
	if err != nil {
		t.Fatal(err)
	}
	obj := must(in.Eval("'alive'"))
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, in.Close(), gilstuff.ErrInvalidHandle)
	_, err = in.Eval("1")
	wantCode(t, err, gilstuff.ErrInvalidHandle)
	_, err = in.Import("sys")
	wantCode(t, err, gilstuff.ErrInvalidHandle)
	wantCode(t, in.Exec("pass"), gilstuff.ErrInvalidHandle)
	wantCode(t, in.WithGIL(func() error { return nil }), gilstuff.ErrInvalidHandle)
	if id := in.ID(); id != -1 {
		t.Fatal("ID after Close", id)
	}
	// Its objects died with it.
	_, err = obj.String()
	wantCode(t, err, gilstuff.ErrInvalidHandle)
	obj.Close() // frees the handle only
	wantCode(t, gilstuff.MainInterp().Close(), gilstuff.ErrInvalidHandle)
	var nilInterp *gilstuff.Interp
	wantCode(t, nilInterp.Close(), gilstuff.ErrInvalidHandle)
	// Closing inside a call running in it is refused, and the interpreter stays usable.
	in2 := newInterp(t)
	err = in2.WithGIL(in2.Close)
	wantCode(t, err, gilstuff.ErrWrongThread)
	if v, err := evalIn(in2, "6*7"); err != nil || v != 42 {
		t.Fatal(v, err)
	}
}
