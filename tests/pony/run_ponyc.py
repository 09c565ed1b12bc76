#!/usr/bin/env python3
"""Compiles the Pony package's ponytest suite and the threaded-counter example with a
real ponyc, runs them, and checks what they print.

  run_ponyc.py PONYC LIB_DIR PACKAGE_DIR EXAMPLE_DIR OUT_DIR

LIB_DIR is the `make pony-lib` folder (passed as ponyc's --path); the binaries go to
OUT_DIR. The suite runs twice: whole, on the runtime's default scheduler threads; then
its async tests alone on ONE scheduler thread (`--ponymaxthreads=1`), where a blocking
Python call would stop every other actor: there the 300 ms call through a PyQueue must
still not delay another actor, and the control test (registered only on one thread)
must show that the same call made blocking does. The example runs in both modes
(blocking and `--async`) for each actor count. Fails on a compile error, a failed or
missing test, a wrong count, a crash, a timeout, or anything on the example's stderr.
"""
import os
import re
import subprocess
import sys
import time

COMPILE_TIMEOUT = 600       # ponyc on a 2-core machine: about 20 s per program
TEST_TIMEOUT = 300
EXAMPLE_TIMEOUT = 120
ACTOR_COUNTS = [1, 5, 8, 1000]
CALLS_PER_ACTOR = 1000


def run(cmd, timeout, cwd=None):
    """(exit code, stdout, stderr); a timeout is exit code None."""
    try:
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or "", e.stderr or ""


def compile_program(ponyc, lib, source, out, name):
    start = time.time()
    rc, so, se = run([ponyc, f"--path={lib}", "-o", out, "-b", name, source],
                     COMPILE_TIMEOUT)
    binary = os.path.join(out, name)
    if rc != 0 or not os.path.exists(binary):
        errors = [l for l in (so + se).splitlines() if l.strip()]
        print(f"FAIL ponyc {source}: exit {rc}\n" + "\n".join(errors[-60:]))
        return None
    print(f"ok   ponyc {os.path.relpath(source)} -> {name} ({time.time() - start:.0f}s)")
    return binary


# The async tests that must run (and pass) on one scheduler thread.
ONE_THREAD_ARGS = ["--only=async/", "--ponymaxthreads=1"]
ONE_THREAD_MUST_PASS = ["async/300 ms call does not delay other actors",
                        "async/control: a blocking 300 ms call delays others"]


def run_suite(binary, args=(), must_pass=()):
    """The ponytest binary: exit 0, every test passed, and as many as it ran; each
    name in must_pass among the passed ones."""
    rc, so, se = run([binary, *args], TEST_TIMEOUT, cwd=os.path.dirname(binary))
    text = re.sub(r"\x1b\[[0-9;]*m", "", so + se)
    ran = re.search(r"^---- (\d+) tests? ran\.$", text, flags=re.M)
    passed = re.search(r"^---- Passed: (\d+)$", text, flags=re.M)
    for line in text.splitlines():
        if line.startswith(("---- Passed:", "**** FAILED", "---- ")) or "Assert" in line:
            print(line)
    label = "ponytest suite" + (" " + " ".join(args) if args else "")
    passed_names = set(re.findall(r"^---- Passed: (.+)$", text, flags=re.M))
    missing = [n for n in must_pass if n not in passed_names]
    if rc != 0 or not ran or not passed or ran.group(1) != passed.group(1) or missing:
        print(f"FAIL {label}: exit {rc}" + ("" if ran else ", no summary (timeout?)")
              + (f", did not pass: {missing}" if missing else ""))
        if not ran:
            print(text[-3000:])
        return False
    print(f"ok   {label}: {ran.group(1)} tests passed")
    return True


def run_example(binary, example_dir):
    failed = 0
    for mode in ([], ["--async"]):
        for actors in ACTOR_COUNTS:
            start = time.time()
            rc, so, se = run([binary, *mode, str(actors)], EXAMPLE_TIMEOUT, cwd=example_dir)
            want = (f"actors={actors} calls_per_actor={CALLS_PER_ACTOR} "
                    f"total={actors * CALLS_PER_ACTOR}" + (" mode=async" if mode else ""))
            name = " ".join(["threaded-counter", *mode, str(actors)])
            if rc == 0 and so.strip() == want and not se.strip():
                print(f"ok   {name}: {want} ({time.time() - start:.1f}s)")
            else:
                failed += 1
                print(f"FAIL {name}: exit {rc}, expected {want!r}\n"
                      f"stdout: {so.strip()!r}\nstderr: {se.strip()!r}")
    return failed == 0


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    ponyc, lib, package, example, out = sys.argv[1:]
    os.makedirs(out, exist_ok=True)
    ok = True
    suite = compile_program(ponyc, lib, package, out, "gilstuff-tests")
    ok = bool(suite) and run_suite(suite)
    ok = bool(suite) and run_suite(suite, ONE_THREAD_ARGS, ONE_THREAD_MUST_PASS) and ok
    counter = compile_program(ponyc, lib, example, out, "threaded-counter")
    ok = bool(counter) and run_example(counter, example) and ok
    print(f"run_ponyc: {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
