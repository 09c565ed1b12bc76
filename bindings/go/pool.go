package gilstuff

// #include "helpers.h"
import "C"

import (
	"runtime"
	"sync/atomic"
)

// Pool is a set of sub-interpreters that runs module.function(*args) on whichever is
// idle. The calling goroutine's thread runs the call itself (no hand-off); with
// own-GIL interpreters (CPython 3.12+) calls on different interpreters run in parallel.
// Arguments and results cross as plain values, never as *Object: see Call.
//
// A Pool may be used from any number of goroutines. Close it when done.
type Pool struct {
	// h is the gilstuff_pool token: a small integer, not an address.
	h      uintptr
	interp []*Interp
	closed atomic.Bool
}

// NewPool creates a pool of n (1–256) sub-interpreters made with cfg, or with
// DefaultInterpConfig when cfg is nil. Each interpreter gets the SysPath of Init.
// Before CPython 3.12 a config with OwnGIL fails with ErrUnsupported, and the pool's
// calls run one at a time.
func NewPool(n int, cfg *InterpConfig) (*Pool, error) {
	if n < 1 || n > 256 {
		return nil, errorf(ErrInvalidArgument, "a pool has 1 to 256 interpreters, not %d", n)
	}
	var c InterpConfig
	hasCfg := C.int(0)
	if cfg != nil {
		c, hasCfg = *cfg, 1
	}
	s := enter()
	r := C.gs_pool_new(C.size_t(n), hasCfg, C.bool(c.OwnGIL), C.bool(c.IsolatedModules),
		C.bool(c.AllowThreads), C.bool(c.AllowDaemonThreads), C.bool(c.CheckMultiInterpExtensions))
	leave(s)
	if err := takeError(r.status, r.err); err != nil {
		return nil, err
	}
	p := &Pool{h: uintptr(r.obj), interp: make([]*Interp, n)}
	for i := range p.interp {
		ri := C.gs_pool_interp(r.obj, C.size_t(i))
		if err := takeError(ri.status, ri.err); err != nil {
			p.Close()
			return nil, err
		}
		p.interp[i] = &Interp{h: uintptr(ri.obj), owner: "an interpreter of a Pool"}
	}
	return p, nil
}

func (p *Pool) token() (C.uintptr_t, error) {
	if p == nil {
		return 0, errorf(ErrInvalidHandle, "nil *Pool")
	}
	if p.closed.Load() {
		return 0, errorf(ErrInvalidHandle, "pool already closed")
	}
	return C.uintptr_t(p.h), nil
}

// Size returns the number of interpreters in the pool.
func (p *Pool) Size() int { return len(p.interp) }

// Interp returns the pool's interpreter i (0 ≤ i < Size()), e.g. to prepare it with
// Exec or Import. It belongs to the pool: its Close fails, and it ends with the pool.
func (p *Pool) Interp(i int) (*Interp, error) {
	if _, err := p.token(); err != nil {
		return nil, err
	}
	if i < 0 || i >= len(p.interp) {
		return nil, errorf(ErrInvalidArgument, "the pool has %d interpreters", len(p.interp))
	}
	return p.interp[i], nil
}

// Call runs module.function(*args) on an idle interpreter of the pool, waiting for one
// when all are busy, and returns the result. The module is imported in each
// interpreter on its first use there.
//
// Arguments may be nil, bool, any integer type (within int64), float32/float64,
// string (valid UTF-8), []byte, and slices or arrays of these (to any depth, as lists);
// a nil slice is None, as in ValueOf.
// The result is nil, bool, int64, float64, string, []byte or []any (for a Python list
// or tuple). A Python exception is an *Error with Code ErrPython and PythonType set; a
// result of another type is ErrType.
func (p *Pool) Call(module, function string, args ...any) (any, error) {
	h, err := p.token()
	if err != nil {
		return nil, err
	}
	mp, mn, err := cString(module)
	if err != nil {
		return nil, err
	}
	fp, fn, err := cString(function)
	if err != nil {
		return nil, err
	}
	e := getEncoder()
	defer putEncoder(e)
	if err := e.encodePlain(args); err != nil {
		return nil, err
	}
	out := e.resultBuffers()
	s := enter()
	r := C.gs_pool_call(h, mp, mn, fp, fn, e.valsPtr(), C.size_t(len(args)), e.dataPtr(),
		out.valsPtr(), C.size_t(len(out.vals)), out.dataPtr(), C.size_t(len(out.data)))
	leave(s)
	runtime.KeepAlive(module)
	runtime.KeepAlive(function)
	if err := takeError(r.status, r.err); err != nil {
		return nil, err
	}
	return out.decode(r), nil
}

// Close frees the pool: calls in flight are waited for, then its interpreters end.
// Later calls, and a second Close, fail with ErrInvalidHandle.
func (p *Pool) Close() error {
	if p == nil {
		return errorf(ErrInvalidHandle, "nil *Pool")
	}
	if !p.closed.CompareAndSwap(false, true) {
		return errorf(ErrInvalidHandle, "pool already closed")
	}
	for _, in := range p.interp {
		if in != nil {
			in.closed.Store(true)
		}
	}
	s := enter()
	r := C.gs_pool_free(C.uintptr_t(p.h))
	leave(s)
	return takeError(r.status, r.err)
}
