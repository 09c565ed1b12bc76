package gilstuff_test

import (
	"errors"
	"strings"
	"testing"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

func TestRunString(t *testing.T) {
	if err := gilstuff.RunString("import thing\n_go_core = 40 + 2"); err != nil {
		t.Fatal(err)
	}
}

func TestRunStringException(t *testing.T) {
	err := gilstuff.RunString("def f():\n    raise ValueError('bad value')\nf()")
	var e *gilstuff.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want *Error", err)
	}
	if e.Code != gilstuff.ErrPython || !errors.Is(err, gilstuff.ErrPython) {
		t.Errorf("code %v, want ErrPython", e.Code)
	}
	if e.PythonType != "ValueError" || !strings.Contains(e.Message, "bad value") {
		t.Errorf("type %q message %q", e.PythonType, e.Message)
	}
	if !strings.Contains(e.Traceback, "in f") {
		t.Errorf("traceback lacks the frame: %q", e.Traceback)
	}
}

func TestSystemExitIsAnError(t *testing.T) {
	err := gilstuff.RunString("raise SystemExit(3)")
	var e *gilstuff.Error
	if !errors.As(err, &e) || e.Code != gilstuff.ErrPython || e.PythonType != "SystemExit" {
		t.Fatalf("got %#v", err)
	}
}

func TestNulInString(t *testing.T) {
	if err := gilstuff.RunString("x = 1\x00"); !errors.Is(err, gilstuff.ErrInvalidArgument) {
		t.Fatalf("got %v, want ErrInvalidArgument", err)
	}
}

func TestInitTwice(t *testing.T) {
	if err := gilstuff.Init(testConfig()); !errors.Is(err, gilstuff.ErrAlreadyInitialized) {
		t.Fatalf("got %v, want ErrAlreadyInitialized", err)
	}
	if !gilstuff.IsInitialized() {
		t.Fatal("IsInitialized is false")
	}
}

func TestWithGIL(t *testing.T) {
	calls := 0
	err := gilstuff.WithGIL(func() error {
		calls++
		if err := gilstuff.RunString("_go_a = 1"); err != nil {
			return err
		}
		return gilstuff.RunString("_go_b = _go_a + 1")
	})
	if err != nil || calls != 1 {
		t.Fatalf("err %v, calls %d", err, calls)
	}
}

func TestWithGILReturnsGoError(t *testing.T) {
	want := errors.New("mine")
	if err := gilstuff.WithGIL(func() error { return want }); err != want {
		t.Fatalf("got %v, want %v", err, want)
	}
}

func TestWithGILPanic(t *testing.T) {
	defer func() {
		if v := recover(); v != "boom" {
			t.Fatalf("recovered %v", v)
		}
		// The GIL was given back: another call works.
		if err := gilstuff.RunString("pass"); err != nil {
			t.Fatal(err)
		}
	}()
	_ = gilstuff.WithGIL(func() error { panic("boom") })
}

func TestFinalizeInsideWithGIL(t *testing.T) {
	err := gilstuff.WithGIL(func() error { return gilstuff.Finalize() })
	if !errors.Is(err, gilstuff.ErrWrongThread) {
		t.Fatalf("got %v, want ErrWrongThread", err)
	}
}

func TestErrorCodeNames(t *testing.T) {
	for c, want := range map[gilstuff.ErrorCode]string{
		gilstuff.ErrFinalized: "GILSTUFF_FINALIZED",
		gilstuff.ErrPanic:     "GILSTUFF_ERR_PANIC",
		gilstuff.ErrCancelled: "GILSTUFF_ERR_CANCELLED",
		0:                     "GILSTUFF_OK",
		999:                   "GILSTUFF_UNKNOWN_STATUS(999)",
	} {
		if s := c.String(); s != want {
			t.Errorf("code %d: String() = %q, want %q", uint32(c), s, want)
		}
	}
	if !errors.Is(&gilstuff.Error{Code: gilstuff.ErrOverflow}, gilstuff.ErrOverflow) {
		t.Fatal("errors.Is on a code")
	}
	if errors.Is(&gilstuff.Error{Code: gilstuff.ErrOverflow}, gilstuff.ErrType) {
		t.Fatal("errors.Is matched another code")
	}
}
