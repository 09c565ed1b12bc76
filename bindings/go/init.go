package gilstuff

// #include <stdlib.h>
// #include "helpers.h"
import "C"

import (
	"strings"
	"time"
	"unsafe"
)

// Config holds the options of Init. The zero value is a sensible default.
type Config struct {
	// SysPath lists directories put at the front of sys.path.
	SysPath []string
	// ProgramName is the sys.executable-style program name; empty for Python's default.
	ProgramName string
	// PythonHome is the prefix holding lib/pythonX.Y; empty to find it as python3 would.
	PythonHome string
	// Isolated ignores PYTHON* environment variables and the user site directory.
	Isolated bool
	// InstallSignalHandlers lets Python install its signal handlers. Leave it false in
	// Go programs: the Go runtime owns the process's signals.
	InstallSignalHandlers bool
	// SwitchInterval is the GIL switch interval (sys.setswitchinterval); 0 keeps 5 ms.
	SwitchInterval time.Duration
	// MaxConcurrentCalls bounds the goroutines inside gilstuff cgo calls at once (each
	// holds an OS thread while it waits for the GIL); the others queue in Go.
	// 0 means runtime.GOMAXPROCS(0) at Init.
	MaxConcurrentCalls int
}

// Init starts Python. Python runs on a thread of the library's own, so Finalize may be
// called later from any goroutine. It returns ErrAlreadyInitialized while running;
// after Finalize it may be called again (objects of the earlier run stay invalid).
func Init(cfg Config) error {
	var prog, home, path *C.char
	if cfg.ProgramName != "" {
		prog = C.CString(cfg.ProgramName)
		defer C.free(unsafe.Pointer(prog))
	}
	if cfg.PythonHome != "" {
		home = C.CString(cfg.PythonHome)
		defer C.free(unsafe.Pointer(home))
	}
	if len(cfg.SysPath) > 0 {
		path = C.CString(strings.Join(cfg.SysPath, ":"))
		defer C.free(unsafe.Pointer(path))
	}
	us := cfg.SwitchInterval.Microseconds()
	if us < 0 || us > 1<<32-1 {
		return errorf(ErrInvalidArgument, "SwitchInterval %v out of range", cfg.SwitchInterval)
	}
	if cfg.SwitchInterval > 0 && us == 0 {
		us = 1
	}
	r := C.gs_init(prog, home, path, C.bool(cfg.Isolated), C.bool(cfg.InstallSignalHandlers), C.uint32_t(us))
	if err := takeError(r.status, r.err); err != nil {
		return err
	}
	sem.setLimit(cfg.MaxConcurrentCalls)
	return nil
}

// Finalize stops new calls, waits for calls in flight to return and ends Python. It
// may run on any goroutine, but not inside a WithGIL callback (ErrWrongThread).
// Afterwards calls return ErrFinalized and every *Object is stale.
func Finalize() error {
	r := C.gs_finalize()
	return takeError(r.status, r.err)
}

// IsInitialized reports whether gilstuff is running (initialised, not finalizing).
func IsInitialized() bool { return bool(C.gilstuff_is_initialized()) }

// PythonVersion returns the version of the CPython gilstuff links, e.g. "3.11.7".
func PythonVersion() string { return C.GoString(C.gilstuff_python_version()) }

// Version returns the version of the gilstuff library.
func Version() string { return C.GoString(C.gilstuff_version()) }
