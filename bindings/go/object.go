package gilstuff

// #include "helpers.h"
import "C"

import (
	"runtime"
	"sync/atomic"
)

// Object is an owned reference to a Python object. Its methods may be called from any
// goroutine. Close it when done; an Object that becomes unreachable without Close is
// released by a cleanup (on another goroutine, without the GIL: the decref is applied
// at Python's next entry).
//
// After Finalize every Object is stale: its methods return an *Error with code
// ErrInvalidHandle, and Close only frees the handle.
type Object struct {
	// h is the gilstuff_object token. It is a small integer (slot index and
	// generation), not an address, so it is kept as a uintptr: in a pointer-typed Go
	// variable it would make the garbage collector fault.
	h uintptr
	// interp is the token of the interpreter the object lives in (0 = main): objects
	// made from it (attributes, call results, converted arguments) are made there.
	interp uintptr
	closed atomic.Bool
}

// newObject wraps a new handle. The release for objects that are never closed is a
// finalizer rather than runtime.AddCleanup: set and cleared it costs about 85 ns
// against 150 ns for AddCleanup + Stop (Go 1.26, see README.md), and an Object holds
// no pointers, so the finalizer's drawbacks (cycles, resurrection) do not arise.
func newObject(h, interp C.uintptr_t) *Object {
	o := &Object{h: uintptr(h), interp: uintptr(interp)}
	runtime.SetFinalizer(o, finalizeObject)
	return o
}

// finalizeObject runs on the finalizer goroutine, without the GIL: the library queues
// the decref for Python's next entry.
func finalizeObject(o *Object) {
	if o.closed.CompareAndSwap(false, true) {
		C.gs_release(C.uintptr_t(o.h))
	}
}

// objectResult turns a C result holding a new handle of interpreter interp into an
// *Object.
func objectResult(r C.gs_res_obj, interp C.uintptr_t) (*Object, error) {
	if err := takeError(r.status, r.err); err != nil {
		return nil, err
	}
	return newObject(r.obj, interp), nil
}

// handle returns the token to pass to C. Callers keep o alive (runtime.KeepAlive)
// until the C call has returned, so that the cleanup cannot release it meanwhile.
func (o *Object) handle() (C.uintptr_t, error) {
	if !o.usable() {
		return 0, unusable(o)
	}
	return C.uintptr_t(o.h), nil
}

// usable reports whether o may be passed to C: not nil, not closed. Inlined.
func (o *Object) usable() bool { return o != nil && !o.closed.Load() }

func unusable(o *Object) error {
	if o == nil {
		return errorf(ErrInvalidHandle, "nil *Object")
	}
	return errorf(ErrInvalidHandle, "object already closed")
}

// Close releases the reference. It never blocks and works from any goroutine, before or
// after Finalize. Closing twice returns an *Error with code ErrInvalidHandle.
func (o *Object) Close() error {
	if o == nil {
		return errorf(ErrInvalidHandle, "nil *Object")
	}
	if !o.closed.CompareAndSwap(false, true) {
		return errorf(ErrInvalidHandle, "object already closed")
	}
	runtime.SetFinalizer(o, nil)
	r := C.gs_release(C.uintptr_t(o.h))
	return takeError(r.status, r.err)
}

// Clone returns a second, independent reference to the same Python object.
func (o *Object) Clone() (*Object, error) {
	h, err := o.handle()
	if err != nil {
		return nil, err
	}
	r := C.gs_clone(h)
	runtime.KeepAlive(o)
	return objectResult(r, C.uintptr_t(o.interp))
}

// Import imports the module name (e.g. "os.path") in the main interpreter.
func Import(name string) (*Object, error) { return importIn(0, name) }

func importIn(interp C.uintptr_t, name string) (*Object, error) {
	p, n, err := cString(name)
	if err != nil {
		return nil, err
	}
	s := enter()
	r := C.gs_import(interp, p, n)
	leave(s)
	runtime.KeepAlive(name)
	return objectResult(r, interp)
}

// Attr returns getattr(o, name).
func (o *Object) Attr(name string) (*Object, error) {
	h, err := o.handle()
	if err != nil {
		return nil, err
	}
	p, n, err := cString(name)
	if err != nil {
		return nil, err
	}
	s := enter()
	r := C.gs_getattr(h, p, n)
	leave(s)
	runtime.KeepAlive(o)
	runtime.KeepAlive(name)
	return objectResult(r, C.uintptr_t(o.interp))
}

// SetAttr does setattr(o, name, value), converting value as ValueOf does.
func (o *Object) SetAttr(name string, value any) error {
	_, err := o.op(C.GS_OP_SETATTR, name, true, []any{value}, nil)
	return err
}

// Call returns o(*args), converting each argument as ValueOf does. A last argument of
// type KW is passed as keyword arguments.
func (o *Object) Call(args ...any) (*Object, error) {
	if len(args) == 0 {
		h, err := o.handle()
		if err != nil {
			return nil, err
		}
		s := enter()
		r := C.gs_call0(h)
		leave(s)
		runtime.KeepAlive(o)
		return objectResult(r, C.uintptr_t(o.interp))
	}
	args, kw := splitKW(args)
	return o.op(C.GS_OP_CALL, "", false, args, kw)
}

// Invoke calls o(*args) as Call does but drops the result: no *Object to Close, and
// the whole call is one GIL acquisition.
func (o *Object) Invoke(args ...any) error {
	if len(args) != 0 {
		return o.invokeArgs(args)
	}
	// The hot path, written out so that it makes no Go call besides the cgo one.
	if !o.usable() {
		return unusable(o)
	}
	s := &sem
	if !sem.tryAcquire() {
		s = enterSlow()
	}
	errp := C.gs_invoke0(C.uintptr_t(o.h))
	leave(s)
	runtime.KeepAlive(o)
	if errp == 0 {
		return nil
	}
	return errorObject(errp, C.GILSTUFF_ERR_PANIC) // the object carries its code
}

func (o *Object) invokeArgs(args []any) error {
	args, kw := splitKW(args)
	_, err := o.op(C.GS_OP_INVOKE, "", false, args, kw)
	return err
}

// CallMethod returns o.name(*args); arguments as for Call.
func (o *Object) CallMethod(name string, args ...any) (*Object, error) {
	args, kw := splitKW(args)
	return o.op(C.GS_OP_CALL_METHOD, name, true, args, kw)
}

// GetItem returns o[key].
func (o *Object) GetItem(key any) (*Object, error) {
	return o.op(C.GS_OP_GETITEM, "", false, []any{key}, nil)
}

// SetItem does o[key] = value.
func (o *Object) SetItem(key, value any) error {
	_, err := o.op(C.GS_OP_SETITEM, "", false, []any{key, value}, nil)
	return err
}

// ValueOf converts a Go value to a new Python object: nil → None, bool, signed and
// unsigned integers → int, float32/float64 → float, string → str (must be valid
// UTF-8), []byte → bytes, *Object → the same object, Tuple → tuple, other slices and
// arrays → list, maps → dict; nested to any depth of these.
func ValueOf(v any) (*Object, error) { return valueIn(0, v) }

func valueIn(interp C.uintptr_t, v any) (*Object, error) {
	return (&Object{interp: uintptr(interp)}).op(C.GS_OP_VALUE, "", false, []any{v}, nil)
}

// op converts args (and kw) and applies a gs_op operation to o in one cgo call. For
// GS_OP_VALUE, o only names the interpreter.
func (o *Object) op(op C.int, name string, hasName bool, args []any, kw KW) (*Object, error) {
	var h C.uintptr_t
	if op != C.GS_OP_VALUE {
		var err error
		if h, err = o.handle(); err != nil {
			return nil, err
		}
	}
	var np *C.char
	var nn C.size_t
	if hasName {
		var err error
		if np, nn, err = cString(name); err != nil {
			return nil, err
		}
	}
	e := getEncoder()
	defer putEncoder(e)
	if err := e.encode(args, kw); err != nil {
		return nil, err
	}
	hasKW := C.int(0)
	if kw != nil {
		hasKW = 1
	}
	s := enter()
	interp := C.uintptr_t(o.interp)
	r := C.gs_op(op, interp, h, np, nn, e.valsPtr(), C.size_t(len(args)), hasKW, e.dataPtr())
	leave(s)
	runtime.KeepAlive(o)
	runtime.KeepAlive(name)
	e.keepAlive()
	if op == C.GS_OP_SETATTR || op == C.GS_OP_SETITEM || op == C.GS_OP_INVOKE {
		return nil, takeError(r.status, r.err)
	}
	return objectResult(r, interp)
}
