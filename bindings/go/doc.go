// Package gilstuff calls CPython from any goroutine through the gilstuff library.
//
// Goroutines move between OS threads from one cgo call to the next, and each goroutine
// blocked in cgo holds an OS thread. gilstuff makes both the library's problem: every
// function here is one cgo call that takes the GIL and this thread's Python thread
// state itself and gives them back before it returns, and the number of goroutines
// inside cgo at once is bounded (Config.MaxConcurrentCalls), so that any number of
// goroutines may call at once: the surplus waits in Go, not on OS threads.
//
// Start Python once per process with Init, call it from anywhere, and Finalize it from
// any goroutine:
//
//	if err := gilstuff.Init(gilstuff.Config{SysPath: []string{"."}}); err != nil { ... }
//	defer gilstuff.Finalize()
//	thing, err := gilstuff.Import("thing")
//	...
//	defer thing.Close()
//	n, err := thing.CallMethod("inc")
//
// Python objects are *Object values. Close them when done; one that is garbage
// collected without Close is released by a cleanup (gilstuff releases objects from
// any thread, without the GIL). WithGIL batches several operations under one GIL
// acquisition.
//
// Sub-interpreters: NewInterp makes one (with its own GIL on CPython 3.12+), whose
// methods (Import, Eval, Exec, WithGIL...) work inside it; objects remember their
// interpreter. A Pool runs module.function(*args) on whichever of its sub-interpreters
// is idle, with plain Go values as arguments and results.
//
// Errors are *Error values carrying an ErrorCode and, for Python exceptions, the
// exception type and traceback. The codes are errors too:
// errors.Is(err, gilstuff.ErrFinalized).
//
// Linking: see README.md (the tree's Makefile sets CGO flags; an installed gilstuff is
// found by the default -lgilstuff or with -tags gilstuff_pkgconfig).
package gilstuff
