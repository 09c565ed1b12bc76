package gilstuff

// #include "helpers.h"
import "C"

import (
	"runtime"
	"unsafe"
)

// Read methods: each converts the Python object to a Go value in one cgo call. They
// fail with ErrType for the wrong Python type and ErrOverflow for numbers that do not
// fit.

// Int returns the value of a Python int (or an object with __index__) as an int64.
func (o *Object) Int() (int64, error) {
	h, err := o.handle()
	if err != nil {
		return 0, err
	}
	r := C.gs_to_int(h)
	runtime.KeepAlive(o)
	return int64(r.i), takeError(r.status, r.err)
}

// Uint returns the value of a non-negative Python int as a uint64.
func (o *Object) Uint() (uint64, error) {
	h, err := o.handle()
	if err != nil {
		return 0, err
	}
	r := C.gs_to_uint(h)
	runtime.KeepAlive(o)
	return uint64(r.u), takeError(r.status, r.err)
}

// Float returns the value of a Python float (or int) as a float64.
func (o *Object) Float() (float64, error) {
	h, err := o.handle()
	if err != nil {
		return 0, err
	}
	r := C.gs_to_float(h)
	runtime.KeepAlive(o)
	return float64(r.f), takeError(r.status, r.err)
}

// Bool returns the truth value of the object, bool(o) in Python.
func (o *Object) Bool() (bool, error) {
	h, err := o.handle()
	if err != nil {
		return false, err
	}
	r := C.gs_to_bool(h)
	runtime.KeepAlive(o)
	return r.i != 0, takeError(r.status, r.err)
}

// IsNone reports whether the object is None.
func (o *Object) IsNone() (bool, error) {
	h, err := o.handle()
	if err != nil {
		return false, err
	}
	r := C.gs_is_none(h)
	runtime.KeepAlive(o)
	return r.i != 0, takeError(r.status, r.err)
}

// Len returns len(o).
func (o *Object) Len() (int, error) {
	h, err := o.handle()
	if err != nil {
		return 0, err
	}
	r := C.gs_len(h)
	runtime.KeepAlive(o)
	return int(r.u), takeError(r.status, r.err)
}

// String returns the text of a Python str. (It is not fmt.Stringer: see Repr.) A str
// holding lone surrogates fails with ErrInvalidUTF8.
func (o *Object) String() (string, error) {
	b, err := o.buffer(0)
	return string(b), err
}

// Bytes returns a copy of the contents of a Python bytes or bytearray.
func (o *Object) Bytes() ([]byte, error) {
	b, err := o.buffer(1)
	if err == nil && b == nil {
		b = []byte{}
	}
	return b, err
}

// Repr returns repr(o).
func (o *Object) Repr() (string, error) {
	b, err := o.buffer(2)
	return string(b), err
}

// TypeName returns the name of type(o), e.g. "int" or "mymodule.Thing".
func (o *Object) TypeName() (string, error) {
	b, err := o.buffer(3)
	return string(b), err
}

func (o *Object) buffer(which C.int) ([]byte, error) {
	h, err := o.handle()
	if err != nil {
		return nil, err
	}
	r := C.gs_to_buffer(h, which)
	runtime.KeepAlive(o)
	if err := takeError(r.status, r.err); err != nil {
		return nil, err
	}
	var b []byte
	if r.len > 0 {
		b = C.GoBytes(unsafe.Pointer(r.data), C.int(r.len))
	}
	C.gs_buffer_free(r.data, r.len)
	return b, nil
}

// Eval evaluates the Python expression expr in the main interpreter, with the
// namespace of __main__ as globals.
func Eval(expr string) (*Object, error) { return eval(0, expr, 0) }

// Exec executes Python statements in the namespace of __main__.
func Exec(code string) error { return exec(0, code, 0) }

// Eval evaluates expr with o, a dict, as globals and locals.
func (o *Object) Eval(expr string) (*Object, error) {
	h, err := o.handle()
	if err != nil {
		return nil, err
	}
	defer runtime.KeepAlive(o)
	return eval(C.uintptr_t(o.interp), expr, h)
}

// Exec executes code with o, a dict, as globals and locals.
func (o *Object) Exec(code string) error {
	h, err := o.handle()
	if err != nil {
		return err
	}
	defer runtime.KeepAlive(o)
	return exec(C.uintptr_t(o.interp), code, h)
}

// MainDict returns the namespace dict of __main__.
func MainDict() (*Object, error) { return mainDictIn(0) }

func mainDictIn(interp C.uintptr_t) (*Object, error) {
	s := enter()
	r := C.gs_main_dict(interp)
	leave(s)
	return objectResult(r, interp)
}

// eval and exec work in interp (0 = main), with globals (a dict handle of that
// interpreter) or __main__'s namespace when globals is 0.
func eval(interp C.uintptr_t, expr string, globals C.uintptr_t) (*Object, error) {
	p, n, err := cString(expr)
	if err != nil {
		return nil, err
	}
	s := enter()
	r := C.gs_eval(interp, p, n, globals)
	leave(s)
	runtime.KeepAlive(expr)
	return objectResult(r, interp)
}

func exec(interp C.uintptr_t, code string, globals C.uintptr_t) error {
	p, n, err := cString(code)
	if err != nil {
		return err
	}
	s := enter()
	r := C.gs_exec(interp, p, n, globals)
	leave(s)
	runtime.KeepAlive(code)
	return takeError(r.status, r.err)
}
