// Package cfloor measures the raw C floor of a Python call from a foreign thread, for
// the benchmarks: a persistent PyThreadState, PyEval_RestoreThread, PyObject_CallNoArgs,
// Py_DecRef of the result, PyEval_SaveThread — the least any binding can do. It also
// provides an empty cgo call, and the same call made through gilstuff from C.
//
// It needs no Python headers or link flags: the few CPython functions it uses are
// looked up with dlsym in the libpython that libgilstuff already loaded. Python must
// be initialised (gilstuff.Init) before Setup.
package cfloor

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <gilstuff.h>

typedef struct _object PyObject;
typedef struct _ts PyThreadState;
typedef struct _is PyInterpreterState;
#define PY_EVAL_INPUT 258

static PyThreadState *(*SaveThread)(void);
static void (*RestoreThread)(PyThreadState *);
static PyObject *(*CallNoArgs)(PyObject *);
static void (*DecRef)(PyObject *);
static PyThreadState *(*ThreadStateNew)(PyInterpreterState *);
static PyInterpreterState *(*InterpreterStateMain)(void);
static void (*ThreadStateClear)(PyThreadState *);
static void (*ThreadStateDeleteCurrent)(void);
static PyObject *(*RunString)(const char *, int, PyObject *, PyObject *);
static PyObject *(*ImportAddModule)(const char *);
static PyObject *(*ModuleGetDict)(PyObject *);
static void (*ErrClear)(void);

static PyObject *callable;

#define LOOKUP(var, name) if (!(*(void **)&var = dlsym(RTLD_DEFAULT, name))) return 1

static int lookup(void) {
  LOOKUP(SaveThread, "PyEval_SaveThread");
  LOOKUP(RestoreThread, "PyEval_RestoreThread");
  LOOKUP(CallNoArgs, "PyObject_CallNoArgs");
  LOOKUP(DecRef, "Py_DecRef");
  LOOKUP(ThreadStateNew, "PyThreadState_New");
  LOOKUP(InterpreterStateMain, "PyInterpreterState_Main");
  LOOKUP(ThreadStateClear, "PyThreadState_Clear");
  LOOKUP(ThreadStateDeleteCurrent, "PyThreadState_DeleteCurrent");
  LOOKUP(RunString, "PyRun_String");
  LOOKUP(ImportAddModule, "PyImport_AddModule");
  LOOKUP(ModuleGetDict, "PyModule_GetDict");
  LOOKUP(ErrClear, "PyErr_Clear");
  return 0;
}

// A thread state of our own for this OS thread, attached (GIL taken) on return.
static PyThreadState *attach(void) {
  PyThreadState *ts = ThreadStateNew(InterpreterStateMain());
  if (ts != NULL) RestoreThread(ts);
  return ts;
}

// Ends the attached thread state ts and releases the GIL.
static void detach_delete(PyThreadState *ts) {
  ThreadStateClear(ts);
  ThreadStateDeleteCurrent();
}

// Evaluates expr (e.g. "lambda: None") in __main__ and keeps it as the callable.
static int floor_setup(const char *expr) {
  if (lookup() != 0) return 1;
  PyThreadState *ts = attach();
  if (ts == NULL) return 2;
  PyObject *globals = ModuleGetDict(ImportAddModule("__main__"));
  callable = RunString(expr, PY_EVAL_INPUT, globals, globals);
  if (callable == NULL) ErrClear();
  detach_delete(ts);
  return callable == NULL ? 3 : 0;
}

// n calls through one persistent thread state, all on this OS thread.
static int floor_run(int64_t n) {
  PyThreadState *ts = ThreadStateNew(InterpreterStateMain());
  if (ts == NULL) return 1;
  int failed = 0;
  for (int64_t i = 0; i < n; i++) {
    RestoreThread(ts);
    PyObject *r = CallNoArgs(callable);
    if (r == NULL) {
      ErrClear();
      failed = 1;
    } else {
      DecRef(r);
    }
    SaveThread();
  }
  RestoreThread(ts);
  detach_delete(ts);
  return failed;
}

// The same call through gilstuff from C (what Invoke does, minus Go and cgo):
// gilstuff_invoke, which enters, calls, drops the result and leaves.
static gilstuff_object *handle;

static int lib_setup(const char *expr) {
  return gilstuff_eval(NULL, expr, NULL, &handle, NULL) != GILSTUFF_OK;
}

static int lib_run(int64_t n) {
  int failed = 0;
  for (int64_t i = 0; i < n; i++) failed |= gilstuff_invoke(handle, NULL, 0, NULL, NULL) != GILSTUFF_OK;
  return failed;
}

static void noop(void) {}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Setup evaluates expr (a no-argument callable, e.g. "lambda: None") for Run. Call it
// once, after gilstuff.Init, outside any gilstuff callback.
func Setup(expr string) error {
	cs := C.CString(expr)
	defer C.free(unsafe.Pointer(cs))
	if rc := C.floor_setup(cs); rc != 0 {
		return fmt.Errorf("cfloor: setup failed (%d): CPython symbols not found or expression failed", rc)
	}
	if C.lib_setup(cs) != 0 {
		return fmt.Errorf("cfloor: gilstuff_eval(%q) failed", expr)
	}
	return nil
}

// RunLib makes n calls of the callable through gilstuff from C, in one cgo call: the
// library's own cost, to tell it apart from the Go binding's.
func RunLib(n int) error {
	if C.lib_run(C.int64_t(n)) != 0 {
		return fmt.Errorf("cfloor: a gilstuff call failed")
	}
	return nil
}

// Run makes n raw C-API calls of the callable in one cgo call.
func Run(n int) error {
	if C.floor_run(C.int64_t(n)) != 0 {
		return fmt.Errorf("cfloor: a call failed")
	}
	return nil
}

// Noop is an empty cgo call.
func Noop() { C.noop() }
