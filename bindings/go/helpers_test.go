package gilstuff_test

import (
	"errors"
	"fmt"
	"testing"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

// must returns v, or panics on err: a Go call can spread a (value, error) result only
// over a whole parameter list, so there is no room for a *testing.T. The panic fails
// the test binary with the stack of the failing line.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

// closeOK closes o and fails the test if that fails.
func closeOK(t testing.TB, o *gilstuff.Object) {
	t.Helper()
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
}

// evalInt evaluates expr and returns it as an int64.
func evalInt(t testing.TB, expr string) int64 {
	t.Helper()
	o := must(gilstuff.Eval(expr))
	defer closeOK(t, o)
	return must(o.Int())
}

// wantCode fails the test unless err is an *Error with the given code.
func wantCode(t testing.TB, err error, code gilstuff.ErrorCode) *gilstuff.Error {
	t.Helper()
	var e *gilstuff.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want *Error %v", err, err, code)
	}
	if e.Code != code || !errors.Is(err, code) {
		t.Fatalf("got code %v (%v), want %v", e.Code, err, code)
	}
	if e.Message == "" {
		t.Errorf("%v: empty message", code)
	}
	return e
}
