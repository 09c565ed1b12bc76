#!/usr/bin/env python3
"""Issue 10, behaviour 6 (attach): the host Python exits while foreign threads call gilstuff.

Each scenario is a child Python process (run with a timeout) that loads libgilstuff with
ctypes, calls gilstuff_init (which attaches to this running interpreter), creates a
sub-interpreter, and starts 8 foreign pthreads (tests/python/foreign_threads.c, compiled
here with cc and linked with the same libgilstuff) that call gilstuff for ever: even ones
gilstuff_run_string in main, odd ones gilstuff_exec in the sub-interpreter; refusals
(FINALIZING, FINALIZED, NOT_INITIALIZED, INVALID_HANDLE for the ended sub) are retried at
once. Once every thread has made successful calls, the child exits without calling
gilstuff_finalize:
- normal:  by falling off the end of the program;
- sysexit: by sys.exit(0) in its main thread.
Each is run REPEAT times (default 3). Checked for every run: exit status 0 (no abort, no
signal), the child reached its exit point, no "Fatal Python error" / "FATAL" / unexpected
gilstuff status in its output, and it ends within the timeout (a hang fails cleanly).

Run:  python3 tests/python/test_attach_exit.py [path/to/libgilstuff.so]
      (or set GILSTUFF_LIB; CC picks the compiler). The library must be built against
      this Python's version. Prints "ok test_attach_exit" and exits 0 on success.
"""
import ctypes
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree from the import below
from test_attach import default_lib_path, load  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NTHREADS = 8
MIN_OK_CALLS = 20
TIMEOUT = 60
MODES = ("normal", "sysexit")
MARKER = "child: foreign threads are calling; exiting"


def child(mode, lib_path, helper_path):
    """The host program: attach, make a sub-interpreter, start the threads, exit."""

    def die(what):
        print("child: setup failed: %s" % what, file=sys.stderr, flush=True)
        os._exit(2)

    errp = ctypes.POINTER(ctypes.c_void_p)
    lib = load(lib_path)
    lib.gilstuff_interp_new.argtypes = [ctypes.c_void_p, errp, errp]
    lib.gilstuff_exec.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, errp]
    for f in ("gilstuff_interp_new", "gilstuff_exec"):
        getattr(lib, f).restype = ctypes.c_uint32

    st = lib.gilstuff_init(None, None)
    if st != 0:
        die("gilstuff_init: %s" % lib.gilstuff_status_name(st))
    sub = ctypes.c_void_p()
    st = lib.gilstuff_interp_new(None, ctypes.byref(sub), None)
    if st != 0:
        die("gilstuff_interp_new: %s" % lib.gilstuff_status_name(st))
    st = lib.gilstuff_exec(sub, b"import sys\nmarker = 'sub'\n", None, None)
    if st != 0:
        die("gilstuff_exec in the sub-interpreter: %s" % lib.gilstuff_status_name(st))

    helper = ctypes.CDLL(helper_path)
    helper.foreign_start.argtypes = [ctypes.c_int, ctypes.c_void_p]
    helper.foreign_min_ok.restype = ctypes.c_long
    helper.foreign_unexpected.restype = ctypes.c_long
    rc = helper.foreign_start(NTHREADS, sub)
    if rc != 0:
        die("foreign_start: %d" % rc)
    deadline = time.monotonic() + 30
    while helper.foreign_min_ok() < MIN_OK_CALLS:
        if time.monotonic() > deadline:
            die("the foreign threads made too few calls in 30 s (fewest: %d)" % helper.foreign_min_ok())
        time.sleep(0.01)
    if helper.foreign_unexpected():
        die("%d unexpected statuses before the exit" % helper.foreign_unexpected())
    print("%s (%s, fewest successful calls per thread: %d)" % (MARKER, mode, helper.foreign_min_ok()), flush=True)
    if mode == "sysexit":
        sys.exit(0)
    # mode "normal": fall off the end of the program


def build_helper(lib_path, outdir):
    out = os.path.join(outdir, "libforeign_threads.so")
    libdir = os.path.dirname(os.path.abspath(lib_path))
    name = os.path.basename(lib_path)
    if not (name.startswith("lib") and name.endswith(".so")):
        raise SystemExit("test_attach_exit: cannot link against %s (expected libNAME.so)" % lib_path)
    cmd = [os.environ.get("CC", "cc"), "-std=c11", "-D_GNU_SOURCE", "-O1", "-g", "-Wall", "-Wextra", "-Werror",
           "-shared", "-fPIC", "-I", os.path.join(ROOT, "include"), "-o", out,
           os.path.join(HERE, "foreign_threads.c"), "-L" + libdir, "-Wl,-rpath," + libdir, "-l" + name[3:-3],
           "-lpthread"]
    subprocess.run(cmd, check=True)
    return out


def run_child(mode, lib_path, helper):
    """Runs one child; returns None on success or a description of the failure."""
    t0 = time.monotonic()
    try:
        p = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", mode, lib_path, helper],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        err = (e.stderr or b"").decode(errors="replace")
        return "hang: still running after %d s (killed)\n%s" % (TIMEOUT, err[-2000:])
    out = p.stdout.decode(errors="replace")
    err = p.stderr.decode(errors="replace")
    problems = []
    if p.returncode != 0:
        if p.returncode < 0:
            problems.append("killed by signal %d" % -p.returncode)
        else:
            problems.append("exit status %d" % p.returncode)
    if MARKER not in out:
        problems.append("the child never reached its exit point")
    for bad in ("Fatal Python error", "FATAL", "unexpected status"):
        if bad in err:
            problems.append("%r in stderr" % bad)
    if problems:
        return "%s\n--- stdout:\n%s--- stderr (last 3000 chars):\n%s" % ("; ".join(problems), out, err[-3000:])
    print("  %s: exit 0 after %.2f s" % (mode, time.monotonic() - t0))
    return None


def driver(lib_path):
    if not os.path.exists(lib_path):
        print("test_attach_exit: library not found: %s (pass it as argv[1] or GILSTUFF_LIB)" % lib_path,
              file=sys.stderr)
        return 1
    built = load(lib_path).gilstuff_python_version().decode()
    if built.split(".")[:2] != platform.python_version().split(".")[:2]:
        print("test_attach_exit: %s is built for Python %s, this is %s" % (lib_path, built, platform.python_version()),
              file=sys.stderr)
        return 1
    repeat = int(os.environ.get("REPEAT", "3"))
    tmp = tempfile.mkdtemp(prefix="gilstuff-attach-exit-")
    failed = []
    try:
        helper = build_helper(lib_path, tmp)
        for mode in MODES:
            for k in range(repeat):
                problem = run_child(mode, lib_path, helper)
                if problem:
                    print("FAILED attach_exit %s (run %d of %d): %s" % (mode, k + 1, repeat, problem))
                    failed.append(mode)
                    break
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        print("FAILED test_attach_exit (python %s): %s" % (platform.python_version(), " ".join(failed)))
        return 1
    print("ok test_attach_exit (python %s, %s)" % (platform.python_version(), lib_path))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GILSTUFF_LIB") or default_lib_path()
        sys.exit(driver(path))
