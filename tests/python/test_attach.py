#!/usr/bin/env python3
"""Behaviour 7 (attach): gilstuff loaded into a running Python program.

Loads the gilstuff cdylib with ctypes into this (already initialised) interpreter and
checks that:
- gilstuff_init attaches (returns GILSTUFF_OK, does not start a second interpreter):
  code run by gilstuff_run_string lands in this program's own __main__;
- gilstuff_run_string works from the main thread, from threading.Thread workers (several
  at once) and from a raw pthread that Python never saw (created with libc's
  pthread_create, whose start routine is gilstuff_thread_register itself);
- gilstuff_with_gil works from Python threads (callback written in Python via ctypes);
- a Python exception comes back as GILSTUFF_ERR_PYTHON with type, message and traceback,
  and does not leak into the calling Python code;
- gilstuff_finalize detaches and leaves the interpreter running: Python code and
  threads still work, and gilstuff calls then return GILSTUFF_FINALIZED (8);
- attach -> detach works a second time in the same process.

Run:  python3 tests/python/test_attach.py [path/to/libgilstuff.so]
      (or set GILSTUFF_LIB). The library must be built against this Python's version.
Exits 0 and prints "ok test_attach" on success; prints the failure and exits 1 otherwise.
"""
import ctypes
import ctypes.util
import os
import platform
import sys
import time
import threading
import traceback

GILSTUFF_OK = 0
GILSTUFF_ERR_PYTHON = 1
GILSTUFF_ALREADY_INITIALIZED = 6
GILSTUFF_FINALIZED = 8


def default_lib_path():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ver = "%d.%d" % sys.version_info[:2]
    return os.path.join(root, "target", "py" + ver, "release", "libgilstuff.so")


def load(path):
    lib = ctypes.CDLL(path)  # CDLL: the GIL is released around each call
    errp = ctypes.POINTER(ctypes.c_void_p)
    lib.gilstuff_init.argtypes = [ctypes.c_void_p, errp]
    lib.gilstuff_finalize.argtypes = [errp]
    lib.gilstuff_run_string.argtypes = [ctypes.c_char_p, errp]
    lib.gilstuff_thread_register.argtypes = [errp]
    lib.gilstuff_thread_unregister.argtypes = [errp]
    lib.gilstuff_with_gil.argtypes = [ctypes.c_void_p, ctypes.c_void_p, errp]
    for f in ("gilstuff_init", "gilstuff_finalize", "gilstuff_run_string", "gilstuff_thread_register",
              "gilstuff_thread_unregister", "gilstuff_with_gil", "gilstuff_error_code"):
        getattr(lib, f).restype = ctypes.c_uint32
    lib.gilstuff_is_initialized.restype = ctypes.c_bool
    for f in ("gilstuff_status_name", "gilstuff_python_version", "gilstuff_error_message",
              "gilstuff_error_python_type", "gilstuff_error_traceback"):
        getattr(lib, f).restype = ctypes.c_char_p
    for f in ("gilstuff_error_code", "gilstuff_error_message", "gilstuff_error_python_type",
              "gilstuff_error_traceback", "gilstuff_error_free"):
        getattr(lib, f).argtypes = [ctypes.c_void_p]
    lib.gilstuff_error_free.restype = None
    lib.gilstuff_status_name.argtypes = [ctypes.c_uint32]
    return lib


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Gil:
    """Thin wrappers returning (status, error dict or None)."""

    def __init__(self, lib):
        self.lib = lib

    def _call(self, fn, *args):
        err = ctypes.c_void_p(None)
        st = fn(*args, ctypes.byref(err))
        info = None
        if err.value:
            e = err.value
            info = {
                "code": self.lib.gilstuff_error_code(e),
                "message": (self.lib.gilstuff_error_message(e) or b"").decode(),
                "type": (self.lib.gilstuff_error_python_type(e) or b"").decode() or None,
                "traceback": (self.lib.gilstuff_error_traceback(e) or b"").decode() or None,
            }
            self.lib.gilstuff_error_free(e)
        if st == GILSTUFF_OK:
            check(info is None, "a successful call wrote an error")
        else:
            check(info is not None and info["code"] == st and info["message"],
                  "status %d came without a matching error with a message: %r" % (st, info))
        return st, info

    def name(self, st):
        return self.lib.gilstuff_status_name(st).decode()

    def ok(self, fn, *args):
        st, info = self._call(fn, *args)
        check(st == GILSTUFF_OK, "%s returned %s: %r" % (fn.__name__, self.name(st), info))

    def init(self):
        return self._call(self.lib.gilstuff_init, None)

    def finalize(self):
        return self._call(self.lib.gilstuff_finalize)

    def run(self, code):
        return self._call(self.lib.gilstuff_run_string, code.encode())


CALLBACK = ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p)
results = {}
results_lock = threading.Lock()


def py_callback(userdata):
    # Runs inside gilstuff_with_gil; ctypes takes the GIL for us (already held: nested).
    with results_lock:
        results[threading.get_ident()] = results.get(threading.get_ident(), 0) + 1
    return GILSTUFF_OK


CB = CALLBACK(py_callback)


def count_thread_states():
    """Thread states of this interpreter (raw C API through ctypes.pythonapi: holds the GIL)."""
    api = ctypes.pythonapi
    api.PyInterpreterState_Get.restype = ctypes.c_void_p
    api.PyInterpreterState_ThreadHead.restype = ctypes.c_void_p
    api.PyInterpreterState_ThreadHead.argtypes = [ctypes.c_void_p]
    api.PyThreadState_Next.restype = ctypes.c_void_p
    api.PyThreadState_Next.argtypes = [ctypes.c_void_p]
    n, ts = 0, api.PyInterpreterState_ThreadHead(api.PyInterpreterState_Get())
    while ts:
        n += 1
        ts = api.PyThreadState_Next(ts)
    return n


def raw_pthread_register(lib):
    """A pthread Python never saw calls gilstuff_thread_register (its start routine).

    gilstuff_thread_register(gilstuff_error **err) takes one pointer and returns a 32-bit
    status: on the SysV x86-64 and AArch64 ABIs it can serve as a pthread start routine
    (arg NULL = no error object; the low 32 bits of the thread's return value are the
    status).
    """
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    pthread = ctypes.CDLL(ctypes.util.find_library("pthread")) if ctypes.util.find_library("pthread") else libc
    start = ctypes.cast(lib.gilstuff_thread_register, ctypes.c_void_p)
    tid = ctypes.c_ulong(0)
    rc = pthread.pthread_create(ctypes.byref(tid), None, start, None)
    check(rc == 0, "pthread_create failed: %d" % rc)
    ret = ctypes.c_void_p(None)
    rc = pthread.pthread_join(tid, ctypes.byref(ret))
    check(rc == 0, "pthread_join failed: %d" % rc)
    return (ret.value or 0) & 0xFFFFFFFF


def attached_session(g, lib):
    st, info = g.init()
    check(st == GILSTUFF_OK, "gilstuff_init while Python runs: %s %r" % (g.name(st), info))
    check(lib.gilstuff_is_initialized(), "gilstuff_is_initialized() false after init")
    st, _ = g.init()
    check(st == GILSTUFF_ALREADY_INITIALIZED, "second init: %s" % g.name(st))

    # Main thread: the code runs in this very program's __main__.
    g.ok(lib.gilstuff_run_string, b"attach_value = 6 * 7\n")
    main = sys.modules["__main__"]
    check(getattr(main, "attach_value", None) == 42, "run_string did not run in this program's __main__")
    del main.attach_value

    # A Python exception comes back as an error and does not leak into this code.
    st, info = g.run("def attach_fail():\n    raise KeyError('attach-key')\nattach_fail()\n")
    check(st == GILSTUFF_ERR_PYTHON, "exception: %s" % g.name(st))
    check(info["type"] == "KeyError", "exception type %r" % info["type"])
    check("attach-key" in info["message"], "exception message %r" % info["message"])
    check(info["traceback"] and "attach_fail" in info["traceback"], "traceback %r" % info["traceback"])
    check(sys.exc_info() == (None, None, None), "an exception leaked into the caller")

    # SystemExit from code does not end this process.
    st, info = g.run("raise SystemExit(5)")
    check(st == GILSTUFF_ERR_PYTHON and info["type"] == "SystemExit", "SystemExit: %s %r" % (g.name(st), info))

    # Python threads, several at once, each with several calls.
    main.attach_hits = []
    results.clear()
    errors = []
    start = threading.Barrier(4)

    def worker(i):
        try:
            start.wait()
            for k in range(50):
                g.ok(lib.gilstuff_run_string, ("attach_hits.append((%d, %d))\n" % (i, k)).encode())
                g.ok(lib.gilstuff_with_gil, CB, None)
        except BaseException:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "thread errors:\n" + "".join(errors))
    check(sorted(main.attach_hits) == [(i, k) for i in range(4) for k in range(50)],
          "thread results: %d entries" % len(main.attach_hits))
    idents = {t.ident for t in threads}
    check(all(results.get(i) == 50 for i in idents),
          "with_gil callbacks per thread: %r" % {i: results.get(i) for i in idents})
    del main.attach_hits

    # A raw pthread (no Python thread state of its own) registers; its thread state is
    # deleted when it exits.
    # Joined Python threads may delete their thread state a moment after join() returns
    # (3.12+): count once that settled.
    before, deadline = count_thread_states(), time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = count_thread_states()
        if now == before:
            break
        before = now
    st = raw_pthread_register(lib)
    check(st == GILSTUFF_OK, "gilstuff_thread_register on a raw pthread: %s" % g.name(st))
    after = count_thread_states()
    check(before >= 1, "thread state census found none")
    check(after == before, "raw pthread's thread state not deleted at exit: %d -> %d" % (before, after))

    # Detach: Python keeps running.
    st, info = g.finalize()
    check(st == GILSTUFF_OK, "gilstuff_finalize (attached): %s %r" % (g.name(st), info))
    check(not lib.gilstuff_is_initialized(), "gilstuff_is_initialized() true after finalize")
    st, info = g.run("x = 1")
    check(st == GILSTUFF_FINALIZED, "run_string after finalize: %s (expected GILSTUFF_FINALIZED = 8)" % g.name(st))
    st, _ = g.finalize()
    check(st == GILSTUFF_FINALIZED, "second finalize: %s" % g.name(st))
    st = raw_pthread_register(lib)
    check(st == GILSTUFF_FINALIZED, "register on a raw pthread after finalize: %s" % g.name(st))

    # The interpreter is alive: code and threads still run.
    out = []
    t = threading.Thread(target=lambda: out.append(sum(range(10))))
    t.start()
    t.join()
    check(out == [45], "a Python thread after finalize")
    check(eval("[i * i for i in range(4)]") == [0, 1, 4, 9], "eval after finalize")
    import json  # a fresh import after detach
    check(json.loads("[1, 2]") == [1, 2], "import after finalize")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GILSTUFF_LIB") or default_lib_path()
    if not os.path.exists(path):
        print("test_attach: library not found: %s (pass it as argv[1] or GILSTUFF_LIB)" % path, file=sys.stderr)
        return 1
    lib = load(path)
    g = Gil(lib)
    built = lib.gilstuff_python_version().decode()
    if built.split(".")[:2] != platform.python_version().split(".")[:2]:
        print("test_attach: %s is built for Python %s, this is %s" % (path, built, platform.python_version()),
              file=sys.stderr)
        return 1
    try:
        check(not lib.gilstuff_is_initialized(), "initialized before init")
        st, info = g.run("pass")
        check(st == 5, "run_string before init: %s (expected GILSTUFF_NOT_INITIALIZED)" % g.name(st))
        st = raw_pthread_register(lib)
        check(st == 5, "register on a raw pthread before init: %s" % g.name(st))
        attached_session(g, lib)
        attached_session(g, lib)  # attach again after a detach
    except Failure as e:
        print("test_attach: FAILED: %s" % e, file=sys.stderr)
        traceback.print_exc()
        return 1
    print("ok test_attach (python %s, %s)" % (platform.python_version(), path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
