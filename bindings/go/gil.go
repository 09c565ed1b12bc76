package gilstuff

// #include "helpers.h"
import "C"

import (
	"runtime"
	"runtime/cgo"
)

type gilCall struct {
	fn       func() error
	err      error // returned by fn
	panicked bool
	panicVal any
}

// WithGIL runs fn on one OS thread with the GIL held, so that the gilstuff calls fn
// makes run without taking the GIL again (batch several operations into one
// acquisition). Other goroutines calling Python wait meanwhile: keep fn short, and do
// not wait inside fn for goroutines that call Python themselves.
//
// WithGIL returns fn's error as is, or an *Error when the GIL could not be taken. A
// panic in fn is re-raised after the GIL has been given back. Finalize may not be
// called inside fn.
func WithGIL(fn func() error) error { return withInterp(0, fn) }

// withInterp runs fn inside interp (0 = main) through gilstuff_with_interp.
func withInterp(interp C.uintptr_t, fn func() error) error {
	c := &gilCall{fn: fn}
	h := cgo.NewHandle(c)
	defer h.Delete()
	// The callback runs on this goroutine and its OS thread; keep them together for
	// the whole call (the Go code inside fn must not move while it holds the GIL).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s := enter()
	var r C.gs_res
	if interp == 0 {
		r = C.gs_with_gil(C.uintptr_t(h))
	} else {
		r = C.gs_with_interp(interp, C.uintptr_t(h))
	}
	leave(s)
	if c.panicked {
		if r.err != 0 {
			C.gs_error_free(r.err)
		}
		panic(c.panicVal)
	}
	if c.err != nil {
		if r.err != 0 {
			C.gs_error_free(r.err)
		}
		return c.err
	}
	return takeError(r.status, r.err)
}

//export gsGoCallback
func gsGoCallback(h C.uintptr_t) (st C.gilstuff_status) {
	c := cgo.Handle(h).Value().(*gilCall)
	defer func() {
		// A panic must not unwind through the C frames of gilstuff.
		if v := recover(); v != nil {
			c.panicked, c.panicVal = true, v
			st = C.GILSTUFF_ERR_INVALID_ARGUMENT
		}
	}()
	if err := c.fn(); err != nil {
		c.err = err
		return C.GILSTUFF_ERR_INVALID_ARGUMENT
	}
	return C.GILSTUFF_OK
}

func inCallback() bool { return C.gs_in_callback() != 0 }

// RunString executes Python statements in the namespace of __main__. An exception
// (SystemExit included) is returned as an *Error with Code ErrPython.
func RunString(code string) error {
	p, n, err := cString(code)
	if err != nil {
		return err
	}
	s := enter()
	r := C.gs_run_string(p, n)
	leave(s)
	runtime.KeepAlive(code)
	return takeError(r.status, r.err)
}
