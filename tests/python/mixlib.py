"""ctypes access to the already-loaded libgilstuff, for the tests/c/test_mix_*.c programs.

The C test program links libgilstuff and exports its path as GILSTUFF_LIB (tests/c/mix.h)
before gilstuff_init; Python code run through gilstuff loads the same library again with
ctypes (dlopen gives back the loaded copy) and calls into it from Python code:

- Lib("cdll"): ctypes.CDLL, which releases the GIL around every foreign call;
- Lib("pydll"): ctypes.PyDLL, which keeps the GIL held during the call, so gilstuff is
  entered by a thread holding a GIL gilstuff did not take.

Handles (interpreters, pools, objects, C callbacks) cross as integers.
"""
import ctypes
import os
import sys
import threading
import traceback

OK = 0
ERR_PYTHON = 1
ERR_WRONG_THREAD = 9
ERR_INVALID_HANDLE = 10
ERR_INTERP_BUSY = 16

_p = ctypes.c_void_p
_pp = ctypes.POINTER(ctypes.c_void_p)
_s = ctypes.c_char_p
_n = ctypes.c_size_t
_u32 = ctypes.c_uint32

# name: (restype, argtypes without the trailing `gilstuff_error **err`)
_STATUS_FUNCS = {
    "gilstuff_run_string": [_s],
    "gilstuff_with_gil": [_p, _p],
    "gilstuff_with_interp": [_p, _p, _p],
    "gilstuff_without_gil": [_p, _p],
    "gilstuff_exec": [_p, _s, _p],
    "gilstuff_eval": [_p, _s, _p, _pp],
    "gilstuff_interp_new": [_p, _pp],
    "gilstuff_interp_free": [_p],
    "gilstuff_pool_new": [_n, _p, _pp],
    "gilstuff_pool_call": [_p, _s, _s, _pp, _n, _pp],
    "gilstuff_pool_free": [_p],
    "gilstuff_value_get_int": [_p, ctypes.POINTER(ctypes.c_int64)],
    "gilstuff_import": [_p, _s, _pp],
    "gilstuff_getattr": [_p, _s, _pp],
    "gilstuff_int": [_p, ctypes.c_int64, _pp],
    "gilstuff_str": [_p, _s, _n, _pp],
    "gilstuff_call": [_p, _pp, _n, _p, _pp],
    "gilstuff_invoke": [_p, _pp, _n, _p],
    "gilstuff_to_int": [_p, ctypes.POINTER(ctypes.c_int64)],
    "gilstuff_to_float": [_p, ctypes.POINTER(ctypes.c_double)],
    "gilstuff_to_str_into": [_p, _s, _n, ctypes.POINTER(_n)],
    "gilstuff_object_release": [_p],
    "gilstuff_object_clone": [_p, _pp],
    "gilstuff_main_dict": [_p, _pp],
}


def lib_path():
    path = os.environ.get("GILSTUFF_LIB")
    if not path:
        raise AssertionError("GILSTUFF_LIB is not set (tests/c/mix.h sets it before gilstuff_init)")
    return path


class GilstuffError(AssertionError):
    def __init__(self, func, status, name, message):
        super().__init__("%s returned %s (%d): %s" % (func, name, status, message))
        self.status = status


class Lib:
    """The gilstuff functions through ctypes.CDLL ("cdll") or ctypes.PyDLL ("pydll")."""

    def __init__(self, kind="cdll"):
        loader = {"cdll": ctypes.CDLL, "pydll": ctypes.PyDLL}[kind]
        self.kind = kind
        self.dll = loader(lib_path())
        d = self.dll
        for name, args in _STATUS_FUNCS.items():
            f = getattr(d, name)
            f.argtypes = list(args) + [_pp]
            f.restype = _u32
        d.gilstuff_error_message.argtypes = [_p]
        d.gilstuff_error_message.restype = _s
        d.gilstuff_error_free.argtypes = [_p]
        d.gilstuff_error_free.restype = None
        d.gilstuff_status_name.argtypes = [_u32]
        d.gilstuff_status_name.restype = _s
        d.gilstuff_interp_id.argtypes = [_p]
        d.gilstuff_interp_id.restype = ctypes.c_int64
        d.gilstuff_value_int.argtypes = [ctypes.c_int64]
        d.gilstuff_value_int.restype = _p
        d.gilstuff_value_free.argtypes = [_p]
        d.gilstuff_value_free.restype = None

    # ---- status handling

    def call(self, name, *args):
        """(status, message) of one call; the error object is freed."""
        err = ctypes.c_void_p()
        st = getattr(self.dll, name)(*args, ctypes.byref(err))
        msg = ""
        if err.value:
            msg = (self.dll.gilstuff_error_message(err) or b"").decode("utf-8", "replace")
            self.dll.gilstuff_error_free(err)
        if st != OK and not msg:
            msg = "(no error message)"
        return st, msg

    def status_name(self, st):
        return self.dll.gilstuff_status_name(st).decode()

    def ok(self, name, *args):
        st, msg = self.call(name, *args)
        if st != OK:
            raise GilstuffError(name, st, self.status_name(st), msg)

    def expect(self, allowed, name, *args):
        """The status of a call that must return one of `allowed`."""
        st, msg = self.call(name, *args)
        if st not in allowed:
            raise GilstuffError(name, st, self.status_name(st),
                                msg + " (expected one of %s)" % [self.status_name(a) for a in allowed])
        return st

    # ---- helpers

    def eval(self, interp, expr):
        out = ctypes.c_void_p()
        self.ok("gilstuff_eval", interp, expr.encode(), None, ctypes.byref(out))
        return out

    def release(self, obj):
        self.ok("gilstuff_object_release", obj)

    def str_of(self, obj):
        buf = ctypes.create_string_buffer(256)
        n = ctypes.c_size_t()
        self.ok("gilstuff_to_str_into", obj, buf, 256, ctypes.byref(n))
        return buf.value.decode()

    def int_of(self, obj):
        v = ctypes.c_int64()
        self.ok("gilstuff_to_int", obj, ctypes.byref(v))
        return v.value

    def eval_str(self, interp, expr):
        o = self.eval(interp, expr)
        try:
            return self.str_of(o)
        finally:
            self.release(o)

    def eval_int(self, interp, expr):
        o = self.eval(interp, expr)
        try:
            return self.int_of(o)
        finally:
            self.release(o)

    def who(self, interp):
        """WHO of interpreter `interp` (None = main), asked through gilstuff."""
        return self.eval_str(interp, "WHO")


def here():
    """WHO of the interpreter this Python code runs in (no gilstuff involved)."""
    return sys.modules["__main__"].__dict__.get("WHO", "<none>")


def expect_here(who, what=""):
    got = here()
    if got != who:
        raise AssertionError("Python code runs in the interpreter whose WHO is %r, expected %r%s"
                             % (got, who, (" (" + what + ")") if what else ""))


def in_thread(fn, *args, timeout=30):
    """Runs fn(*args) in a new threading.Thread and returns its result; its exception
    (with traceback) is raised here; a thread still running after `timeout` s fails."""
    box = {}

    def body():
        try:
            box["result"] = fn(*args)
        except BaseException:
            box["error"] = traceback.format_exc()

    t = threading.Thread(target=body, name="mix-" + getattr(fn, "__name__", "thread"), daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise AssertionError("the Python thread running %s did not finish within %s s"
                             % (getattr(fn, "__name__", fn), timeout))
    if "error" in box:
        raise AssertionError("in the Python thread:\n" + box["error"])
    return box.get("result")
