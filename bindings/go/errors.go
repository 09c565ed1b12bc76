package gilstuff

// #include "helpers.h"
import "C"

import "fmt"

// ErrorCode is a gilstuff status code. The non-zero codes are errors themselves, usable
// as sentinels: errors.Is(err, gilstuff.ErrFinalized) reports whether err is an
// *Error with that code.
type ErrorCode uint32

// The status codes of include/gilstuff.h.
const (
	ErrPython             ErrorCode = C.GILSTUFF_ERR_PYTHON            // a Python exception was raised
	ErrNullPointer        ErrorCode = C.GILSTUFF_ERR_NULL_POINTER      // a required argument was missing
	ErrInvalidUTF8        ErrorCode = C.GILSTUFF_ERR_INVALID_UTF8      // a string was not valid UTF-8
	ErrInvalidArgument    ErrorCode = C.GILSTUFF_ERR_INVALID_ARGUMENT  // an argument was out of range or unconvertible
	ErrNotInitialized     ErrorCode = C.GILSTUFF_NOT_INITIALIZED       // Init has not been called (or failed)
	ErrAlreadyInitialized ErrorCode = C.GILSTUFF_ALREADY_INITIALIZED   // Init while running
	ErrFinalizing         ErrorCode = C.GILSTUFF_FINALIZING            // Finalize is in progress
	ErrFinalized          ErrorCode = C.GILSTUFF_FINALIZED             // Finalize has completed
	ErrWrongThread        ErrorCode = C.GILSTUFF_ERR_WRONG_THREAD      // not allowed here (e.g. Finalize inside WithGIL)
	ErrInvalidHandle      ErrorCode = C.GILSTUFF_ERR_INVALID_HANDLE    // a closed or stale *Object
	ErrWrongInterpreter   ErrorCode = C.GILSTUFF_ERR_WRONG_INTERPRETER // an *Object of another interpreter
	ErrType               ErrorCode = C.GILSTUFF_ERR_TYPE              // wrong Python type for the conversion
	ErrOverflow           ErrorCode = C.GILSTUFF_ERR_OVERFLOW          // a number does not fit the Go type
	ErrBufferTooSmall     ErrorCode = C.GILSTUFF_ERR_BUFFER_TOO_SMALL  // internal: a buffer was too small
	ErrUnsupported        ErrorCode = C.GILSTUFF_ERR_UNSUPPORTED       // needs a newer CPython
	ErrInterpBusy         ErrorCode = C.GILSTUFF_ERR_INTERP_BUSY       // Python threads still run in an interpreter
	ErrInitFailed         ErrorCode = C.GILSTUFF_ERR_INIT_FAILED       // Python could not start
	ErrUnknownStatus      ErrorCode = C.GILSTUFF_ERR_UNKNOWN_STATUS    // a callback returned an unknown status
	ErrPanic              ErrorCode = C.GILSTUFF_ERR_PANIC             // a bug in gilstuff (Rust panic caught)
	ErrCancelled          ErrorCode = C.GILSTUFF_ERR_CANCELLED         // an async request was cancelled before it ran
)

// String returns the C name of the code, e.g. "GILSTUFF_ERR_PYTHON" (the library's own
// table, gilstuff_status_name, so the two never disagree).
func (c ErrorCode) String() string {
	n := C.GoString(C.gilstuff_status_name(C.gilstuff_status(c)))
	if n == "GILSTUFF_UNKNOWN_STATUS" {
		return fmt.Sprintf("GILSTUFF_UNKNOWN_STATUS(%d)", uint32(c))
	}
	return n
}

// Error implements error, so that the codes can serve as sentinels.
func (c ErrorCode) Error() string { return "gilstuff: " + c.String() }

// Error is a failed gilstuff call: the status code and message, plus the exception's
// type name and formatted traceback when Code is ErrPython.
type Error struct {
	Code       ErrorCode
	Message    string
	PythonType string // e.g. "ZeroDivisionError"; empty unless Code == ErrPython
	Traceback  string // as traceback.format_exception prints it; empty unless Code == ErrPython
}

func (e *Error) Error() string {
	if e.PythonType != "" {
		return fmt.Sprintf("gilstuff: %s: %s: %s", e.Code.String(), e.PythonType, e.Message)
	}
	if e.Message == "" {
		return e.Code.Error()
	}
	return fmt.Sprintf("gilstuff: %s: %s", e.Code.String(), e.Message)
}

// Is reports whether target is e's ErrorCode, or an *Error with the same code.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case ErrorCode:
		return e.Code == t
	case *Error:
		return e.Code == t.Code
	}
	return false
}

// takeError turns a status and an error object returned by the same C call into a Go
// error, and frees the error object. The object is an immutable heap value, so reading
// it here is safe whichever OS thread the goroutine now runs on.
func takeError(status C.gilstuff_status, errp C.uintptr_t) error {
	if status == C.GILSTUFF_OK && errp == 0 {
		return nil // small enough to inline: the common case costs no call
	}
	return takeErrorSlow(status, errp)
}

func takeErrorSlow(status C.gilstuff_status, errp C.uintptr_t) error {
	if status == C.GILSTUFF_OK {
		if errp != 0 {
			C.gs_error_free(errp)
		}
		return nil
	}
	if errp == 0 {
		return &Error{Code: ErrorCode(status)}
	}
	return errorObject(errp, status)
}

// errorObject turns a C error object into an *Error and frees it; its code is the
// object's own, or fallback if the object has none.
func errorObject(errp C.uintptr_t, fallback C.gilstuff_status) error {
	f := C.gs_error_fields(errp)
	e := &Error{Code: ErrorCode(fallback)}
	if f.code != 0 {
		e.Code = ErrorCode(f.code)
	}
	e.Message = goString(f.message)
	e.PythonType = goString(f.python_type)
	e.Traceback = goString(f.traceback)
	C.gs_error_free(errp)
	return e
}

func goString(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// errorf makes a Go-side error with a gilstuff code (no C call was made).
func errorf(code ErrorCode, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
