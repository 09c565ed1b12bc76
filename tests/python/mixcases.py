"""Python halves of the tests/c/test_mix_*.c cases: code that C runs through gilstuff and
that calls gilstuff back through ctypes (see mixlib.py). Each function raises
AssertionError (with the failing thread's traceback) when something is wrong, so the C
side sees GILSTUFF_ERR_PYTHON with the details."""
import ctypes
import sys

import mixlib
from mixlib import Lib, expect_here, in_thread, OK

_p = ctypes.c_void_p


def _call_main_lambda(lib, arg):
    """main's `lambda x: x[0] + '/' + WHO` called with handle `arg`, as text."""
    f = lib.eval(None, "lambda x: x[0] + '/' + WHO")
    out = _p()
    try:
        lib.ok("gilstuff_call", f, (_p * 1)(arg.value), 1, None, ctypes.byref(out))
        try:
            return lib.str_of(out)
        finally:
            lib.release(out)
    finally:
        lib.release(f)


# ---------------------------------------------------------------- behaviour 1

def main_calls_from_python_thread(sub_addr, kind="cdll", rounds=3):
    """A threading.Thread uses the sub-interpreter through gilstuff, then makes main
    calls: they run in main, their results are main handles, and the thread's own Python
    code keeps running in main."""
    sub = _p(sub_addr)

    def body():
        lib = Lib(kind)
        expect_here("main", "thread start")
        for r in range(rounds):
            lib.ok("gilstuff_exec", sub, b"touched_by_py_thread = True", None)
            got = lib.who(sub)
            if got != "sub":
                raise AssertionError("gilstuff_eval(sub, 'WHO') = %r" % got)
            expect_here("main", "after a gilstuff call into the sub-interpreter")
            got = lib.who(None)
            if got != "main":
                raise AssertionError("round %d: gilstuff_eval(NULL, 'WHO') = %r on a Python thread "
                                     "that used a sub-interpreter" % (r, got))
            expect_here("main", "after a gilstuff main call")
            lib.ok("gilstuff_run_string", b"PY_THREAD_RAN_IN = WHO")
            expect_here("main", "after gilstuff_run_string")
            o = lib.eval(None, "[WHO]")
            try:
                got = _call_main_lambda(lib, o)
                if got != "main/main":
                    raise AssertionError("a main result used as a main handle gives %r" % got)
            finally:
                lib.release(o)
        return True

    in_thread(body)
    expect_here("main", "after the Python thread")
    import __main__
    if getattr(__main__, "PY_THREAD_RAN_IN", None) != "main":
        raise AssertionError("PY_THREAD_RAN_IN in main = %r" % getattr(__main__, "PY_THREAD_RAN_IN", None))


# ---------------------------------------------------------------- behaviour 3

def _entry_main(lib, env):
    lib.ok("gilstuff_with_gil", env["cb_main"], None)
    expect_here("main", "after gilstuff_with_gil")
    lib.ok("gilstuff_run_string", b"FOREIGN_RAN_IN = WHO")
    expect_here("main", "after gilstuff_run_string")
    import __main__
    if getattr(__main__, "FOREIGN_RAN_IN", None) != "main":
        raise AssertionError("gilstuff_run_string ran where WHO = %r" % getattr(__main__, "FOREIGN_RAN_IN", None))
    got = lib.who(None)
    if got != "main":
        raise AssertionError("gilstuff_eval(NULL, 'WHO') = %r" % got)


def _entry_sub(lib, env):
    who = ctypes.c_char_p(b"sub")
    lib.ok("gilstuff_with_interp", env["sub"], env["cb_sub"], ctypes.cast(who, _p))
    expect_here("main", "after gilstuff_with_interp(sub)")
    lib.ok("gilstuff_exec", env["sub"], b"foreign_touched = WHO", None)
    got = lib.eval_str(env["sub"], "foreign_touched")
    if got != "sub":
        raise AssertionError("gilstuff_exec(sub) ran where WHO = %r" % got)
    expect_here("main", "after gilstuff_exec(sub)")


def _entry_interp_new(lib, env):
    out = _p()
    lib.ok("gilstuff_interp_new", None, ctypes.byref(out))
    expect_here("main", "after gilstuff_interp_new")
    lib.ok("gilstuff_exec", out, b"WHO = 'new'", None)
    if lib.who(out) != "new" or lib.who(None) != "main":
        raise AssertionError("the new interpreter is not a separate one")
    import __main__
    __main__.NEW_INTERP = out.value  # freed by the C side


def _entry_interp_free(lib, env):
    lib.ok("gilstuff_interp_free", env["victim"])
    expect_here("main", "after gilstuff_interp_free")
    if lib.dll.gilstuff_interp_id(env["victim"]) != -1:
        raise AssertionError("the freed interpreter still has an id")


def _entry_pool(lib, env):
    pool = _p()
    lib.ok("gilstuff_pool_new", 1, None, ctypes.byref(pool))
    expect_here("main", "after gilstuff_pool_new")
    try:
        for i in range(3):
            a, b = lib.dll.gilstuff_value_int(i), lib.dll.gilstuff_value_int(40)
            out = _p()
            try:
                lib.ok("gilstuff_pool_call", pool, b"gilstuff_testmod", b"add", (_p * 2)(a, b), 2, ctypes.byref(out))
            finally:
                lib.dll.gilstuff_value_free(a)
                lib.dll.gilstuff_value_free(b)
            v = ctypes.c_int64()
            lib.ok("gilstuff_value_get_int", out, ctypes.byref(v))
            lib.dll.gilstuff_value_free(out)
            if v.value != 40 + i:
                raise AssertionError("pool add(%d, 40) = %d" % (i, v.value))
            expect_here("main", "after gilstuff_pool_call")
    finally:
        lib.ok("gilstuff_pool_free", pool)
    expect_here("main", "after gilstuff_pool_free")


def _obj(lib, fn, *args):
    """The handle a gilstuff function writes to its out-parameter."""
    out = _p()
    lib.ok(fn, *args, ctypes.byref(out))
    return out


def _entry_objects(lib, env):
    m = _obj(lib, "gilstuff_import", None, b"math")
    sqrt = _obj(lib, "gilstuff_getattr", m, b"sqrt")
    n = _obj(lib, "gilstuff_int", None, 16)
    r = _obj(lib, "gilstuff_call", sqrt, (_p * 1)(n.value), 1, None)
    f = ctypes.c_double()
    lib.ok("gilstuff_to_float", r, ctypes.byref(f))
    if f.value != 4.0:
        raise AssertionError("math.sqrt(16) = %r" % f.value)
    c = _obj(lib, "gilstuff_object_clone", r)
    lib.ok("gilstuff_invoke", sqrt, (_p * 1)(n.value), 1, None)
    d = _obj(lib, "gilstuff_main_dict", None)
    for h in (d, c, r, n, sqrt, m):
        lib.release(h)
    expect_here("main", "after object calls in main")


def _entry_objects_sub(lib, env):
    s = _obj(lib, "gilstuff_import", env["sub"], b"__main__")
    w = _obj(lib, "gilstuff_getattr", s, b"WHO")
    got = lib.str_of(w)
    if got != "sub":
        raise AssertionError("the sub-interpreter's __main__.WHO through the object API = %r" % got)
    lib.release(w)
    lib.release(s)
    expect_here("main", "after object calls in the sub-interpreter")


FOREIGN_ENTRIES = {
    "main": _entry_main,
    "sub": _entry_sub,
    "interp_new": _entry_interp_new,
    "interp_free": _entry_interp_free,
    "pool": _entry_pool,
    "objects": _entry_objects,
    "objects_sub": _entry_objects_sub,
}


def foreign_gil_calls(entry, sub_addr, cb_main, cb_sub, victim_addr=0, kind="pydll", rounds=2):
    """A threading.Thread calls gilstuff through ctypes.PyDLL, i.e. while holding the
    main GIL with its own Python thread state (a GIL gilstuff did not take)."""
    env = {"sub": _p(sub_addr), "cb_main": _p(cb_main), "cb_sub": _p(cb_sub), "victim": _p(victim_addr)}
    fn = FOREIGN_ENTRIES[entry]

    def body():
        lib = Lib(kind)
        expect_here("main", "thread start")
        for _ in range(1 if entry in ("interp_new", "interp_free") else rounds):
            fn(lib, env)
        return True

    in_thread(body, timeout=15)
    expect_here("main", "after the Python thread")
