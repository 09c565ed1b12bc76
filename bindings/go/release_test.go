package gilstuff_test

import (
	"runtime"
	"testing"
	"time"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

// Behaviour 4: objects dropped without Close are released by their cleanup; Close
// twice is an error, not a crash.

func TestDroppedObjectsAreReleased(t *testing.T) {
	if err := gilstuff.Exec("import sys\n_go_probe = object()"); err != nil {
		t.Fatal(err)
	}
	const refs = "sys.getrefcount(_go_probe)"
	base := evalInt(t, refs)
	const n = 2000
	func() {
		held := make([]*gilstuff.Object, n)
		for i := range held {
			held[i] = must(gilstuff.Eval("_go_probe"))
		}
		if got := evalInt(t, refs); got != base+n {
			t.Fatalf("refcount with %d handles: %d, want %d", n, got, base+n)
		}
		runtime.KeepAlive(held)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		runtime.GC()            // runs the cleanups, which queue the decrefs
		got := evalInt(t, refs) // an entry applies them
		if got == base {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("refcount %d, want %d after GC", got, base)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCloseTwice(t *testing.T) {
	o := must(gilstuff.Eval("object()"))
	closeOK(t, o)
	wantCode(t, o.Close(), gilstuff.ErrInvalidHandle)
	_, err := o.Repr()
	wantCode(t, err, gilstuff.ErrInvalidHandle)
	_, err = o.Call()
	wantCode(t, err, gilstuff.ErrInvalidHandle)
	_, err = gilstuff.ValueOf([]any{o})
	wantCode(t, err, gilstuff.ErrInvalidHandle)
	var nilObj *gilstuff.Object
	wantCode(t, nilObj.Close(), gilstuff.ErrInvalidHandle)
}

func TestCloseFromManyGoroutines(t *testing.T) {
	o := must(gilstuff.Eval("object()"))
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() { errs <- o.Close() }()
	}
	ok := 0
	for i := 0; i < 8; i++ {
		if <-errs == nil {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d Close calls succeeded, want 1", ok)
	}
}
