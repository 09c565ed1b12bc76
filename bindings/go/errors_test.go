package gilstuff_test

import (
	"strings"
	"testing"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

// Behaviour 5: Python exceptions, bad UTF-8 and int64 overflow are *Error values with
// the right code.

func TestPythonException(t *testing.T) {
	h := must(gilstuff.Import("gotest_helpers"))
	defer closeOK(t, h)
	_, err := h.CallMethod("boom", "it broke")
	e := wantCode(t, err, gilstuff.ErrPython)
	if e.PythonType != "RuntimeError" || !strings.Contains(e.Message, "it broke") ||
		!strings.Contains(e.Traceback, "in boom") {
		t.Fatalf("type %q message %q traceback %q", e.PythonType, e.Message, e.Traceback)
	}
	_, err = gilstuff.Eval("1/0")
	if e := wantCode(t, err, gilstuff.ErrPython); e.PythonType != "ZeroDivisionError" {
		t.Fatal(e.PythonType)
	}
	_, err = gilstuff.Import("no_such_module_here")
	if e := wantCode(t, err, gilstuff.ErrPython); e.PythonType != "ModuleNotFoundError" {
		t.Fatal(e.PythonType)
	}
	_, err = h.Attr("missing")
	wantCode(t, err, gilstuff.ErrPython)
	// Invoke without arguments (its own one-word C path) reports the same details.
	zero := must(gilstuff.Eval("lambda: 1/0"))
	defer closeOK(t, zero)
	if e := wantCode(t, zero.Invoke(), gilstuff.ErrPython); e.PythonType != "ZeroDivisionError" ||
		!strings.Contains(e.Traceback, "<lambda>") {
		t.Fatalf("type %q traceback %q", e.PythonType, e.Traceback)
	}
	// KeyboardInterrupt raised by Python code is an error, not the end of the process.
	wantCode(t, gilstuff.Exec("raise KeyboardInterrupt"), gilstuff.ErrPython)
}

func TestInvalidUTF8(t *testing.T) {
	_, err := gilstuff.ValueOf("bad \xff utf-8")
	wantCode(t, err, gilstuff.ErrInvalidUTF8)
	h := must(gilstuff.Import("gotest_helpers"))
	defer closeOK(t, h)
	_, err = h.CallMethod("echo", "ok", []any{"\xc3"})
	wantCode(t, err, gilstuff.ErrInvalidUTF8)
	_, err = h.Attr("\xff")
	wantCode(t, err, gilstuff.ErrInvalidUTF8)
	_, err = gilstuff.Import("\xfe")
	wantCode(t, err, gilstuff.ErrInvalidUTF8)
	// A str holding a lone surrogate cannot be UTF-8.
	s := must(gilstuff.Eval(`"\ud800"`))
	defer closeOK(t, s)
	_, err = s.String()
	wantCode(t, err, gilstuff.ErrInvalidUTF8)
}

func TestOverflow(t *testing.T) {
	for _, expr := range []string{"2**63", "-2**63 - 1", "10**30"} {
		o := must(gilstuff.Eval(expr))
		_, err := o.Int()
		wantCode(t, err, gilstuff.ErrOverflow)
		closeOK(t, o)
	}
	for _, expr := range []string{"-1", "2**64"} {
		o := must(gilstuff.Eval(expr))
		_, err := o.Uint()
		wantCode(t, err, gilstuff.ErrOverflow)
		closeOK(t, o)
	}
	if v := evalInt(t, "-2**63"); v != -1<<63 {
		t.Fatal(v)
	}
}

func TestWrongType(t *testing.T) {
	o := must(gilstuff.Eval("'text'"))
	defer closeOK(t, o)
	_, err := o.Int()
	wantCode(t, err, gilstuff.ErrType)
	_, err = o.Bytes()
	wantCode(t, err, gilstuff.ErrType)
	n := must(gilstuff.Eval("3"))
	defer closeOK(t, n)
	_, err = n.String()
	wantCode(t, err, gilstuff.ErrType)
	// kwargs must be a dict: KW always is, so pass a non-dict through the C API path.
	_, err = n.Call()
	wantCode(t, err, gilstuff.ErrPython) // 'int' object is not callable
}
