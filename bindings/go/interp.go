package gilstuff

// #include "helpers.h"
import "C"

import (
	"errors"
	"sync/atomic"
)

// InterpConfig holds the options of a sub-interpreter. Start from DefaultInterpConfig:
// its defaults depend on the CPython gilstuff links (own GIL from 3.12 on). The zero
// value is a legacy shared-GIL interpreter that may not start threads.
type InterpConfig struct {
	// OwnGIL gives the interpreter its own GIL, so that it runs Python in parallel with
	// the others. CPython 3.12+; before that NewInterp returns ErrUnsupported.
	OwnGIL bool
	// IsolatedModules gives it isolated module state (required for OwnGIL).
	IsolatedModules bool
	// AllowThreads lets the threading module start threads in it.
	AllowThreads bool
	// AllowDaemonThreads allows daemon threads (3.12+ forbids them in isolated ones).
	AllowDaemonThreads bool
	// CheckMultiInterpExtensions makes importing an extension module that does not
	// support sub-interpreters an ImportError instead of a crash.
	CheckMultiInterpExtensions bool
}

// DefaultInterpConfig returns the library's defaults for the linked CPython: on 3.12+
// an isolated interpreter with its own GIL, before 3.12 a shared-GIL one.
func DefaultInterpConfig() InterpConfig {
	var c C.gilstuff_interp_config
	C.gilstuff_interp_config_init(&c)
	return InterpConfig{
		OwnGIL:                     bool(c.own_gil),
		IsolatedModules:            bool(c.isolated_modules),
		AllowThreads:               bool(c.allow_threads),
		AllowDaemonThreads:         bool(c.allow_daemon_threads),
		CheckMultiInterpExtensions: bool(c.check_multi_interp_extensions),
	}
}

// Interp is a Python interpreter: the main one (MainInterp) or a sub-interpreter made
// by NewInterp or owned by a Pool. Its methods work like the package-level functions of
// the same names, inside that interpreter, from any goroutine. Objects remember their
// interpreter: passing an *Object of one interpreter to a call in another fails with
// ErrWrongInterpreter.
//
// Close a sub-interpreter made by NewInterp when done; its objects become invalid
// (ErrInvalidHandle). There is no finalizer: an Interp that is never closed lives until
// Finalize.
type Interp struct {
	// h is the gilstuff_interp token (0 = main): a small integer, not an address.
	h      uintptr
	owner  string // why Close is refused: "" for NewInterp's, else the owner
	closed atomic.Bool
}

var mainInterp = &Interp{owner: "the main interpreter"}

// MainInterp returns the main interpreter, the one the package-level functions use.
func MainInterp() *Interp { return mainInterp }

// NewInterp creates a sub-interpreter.
func NewInterp(cfg InterpConfig) (*Interp, error) {
	s := enter()
	r := C.gs_interp_new(C.bool(cfg.OwnGIL), C.bool(cfg.IsolatedModules), C.bool(cfg.AllowThreads),
		C.bool(cfg.AllowDaemonThreads), C.bool(cfg.CheckMultiInterpExtensions))
	leave(s)
	if err := takeError(r.status, r.err); err != nil {
		return nil, err
	}
	return &Interp{h: uintptr(r.obj)}, nil
}

// token returns the interpreter token to pass to C.
func (in *Interp) token() (C.uintptr_t, error) {
	if in == nil {
		return 0, errorf(ErrInvalidHandle, "nil *Interp")
	}
	if in.closed.Load() {
		return 0, errorf(ErrInvalidHandle, "interpreter already closed")
	}
	return C.uintptr_t(in.h), nil
}

// Close ends the sub-interpreter: it waits for calls running in it on other goroutines,
// then frees it. It fails with ErrInterpBusy (and the interpreter stays usable) while
// Python threads started in it still run, with ErrWrongThread inside a call running in
// it, and with ErrInvalidHandle when closed already, for MainInterp and for an
// interpreter of a Pool.
func (in *Interp) Close() error {
	if in == nil {
		return errorf(ErrInvalidHandle, "nil *Interp")
	}
	if in.owner != "" {
		return errorf(ErrInvalidHandle, "%s cannot be closed", in.owner)
	}
	if !in.closed.CompareAndSwap(false, true) {
		return errorf(ErrInvalidHandle, "interpreter already closed")
	}
	s := enter()
	r := C.gs_interp_free(C.uintptr_t(in.h))
	leave(s)
	err := takeError(r.status, r.err)
	if errors.Is(err, ErrInterpBusy) || errors.Is(err, ErrWrongThread) {
		in.closed.Store(false) // nothing was freed: still usable, close again later
	}
	return err
}

// ID returns CPython's interpreter ID: 0 for main, growing for each new one; -1 once
// closed.
func (in *Interp) ID() int64 {
	h, err := in.token()
	if err != nil {
		return -1
	}
	return int64(C.gs_interp_id(h))
}

// Import imports the module name in this interpreter.
func (in *Interp) Import(name string) (*Object, error) {
	h, err := in.token()
	if err != nil {
		return nil, err
	}
	return importIn(h, name)
}

// Eval evaluates expr with the namespace of this interpreter's __main__ as globals.
func (in *Interp) Eval(expr string) (*Object, error) {
	h, err := in.token()
	if err != nil {
		return nil, err
	}
	return eval(h, expr, 0)
}

// Exec executes Python statements in the namespace of this interpreter's __main__.
func (in *Interp) Exec(code string) error {
	h, err := in.token()
	if err != nil {
		return err
	}
	return exec(h, code, 0)
}

// MainDict returns the namespace dict of this interpreter's __main__.
func (in *Interp) MainDict() (*Object, error) {
	h, err := in.token()
	if err != nil {
		return nil, err
	}
	return mainDictIn(h)
}

// ValueOf converts a Go value to a new Python object in this interpreter, as the
// package-level ValueOf does.
func (in *Interp) ValueOf(v any) (*Object, error) {
	h, err := in.token()
	if err != nil {
		return nil, err
	}
	return valueIn(h, v)
}

// WithGIL runs fn on one OS thread inside this interpreter, holding its GIL, as the
// package-level WithGIL does for main. Calls in fn may use other interpreters too: the
// library leaves this one for their duration.
func (in *Interp) WithGIL(fn func() error) error {
	h, err := in.token()
	if err != nil {
		return err
	}
	return withInterp(h, fn)
}
