#!/usr/bin/env python3
"""Runs the Pony runtime model (tests/pony/model) over the Incrementer scenarios and
fails on a wrong count, a failed call or release, a crash, or any output on stderr (a
Python warning such as "Exception ignored ... threading", a sanitizer report).

  run_model.py MODEL_BINARY THING_DIR

The binary is linked the way ponyc links a program using the package (see
mk/pony.mk): this script also checks that it loads libgilstuff statically and finds
libpython through lib/, with no LD_LIBRARY_PATH, from an unrelated directory.
"""
import os
import random
import subprocess
import sys
import tempfile
import time

# (scheduler threads, actors): 4 and 16 threads, up to 64 actors, plus a lone thread.
SCENARIOS = [(4, 1), (4, 8), (4, 64), (16, 1), (16, 16), (16, 64), (1, 8), (4, 64), (16, 64)]


def check_linkage(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    problems = []
    if "libgilstuff.so" in out:
        problems.append("links libgilstuff.so: the package should bring in libgilstuff.a")
    if "not found" in out:
        problems.append("a library is not found:\n" + out)
    if "libpython" not in out:
        problems.append("libpython is not a dependency:\n" + out)
    return problems


def main():
    binary, thing_dir = sys.argv[1], os.path.abspath(sys.argv[2])
    problems = check_linkage(binary)
    for p in problems:
        print(f"FAIL {p}")
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_LIBRARY_PATH", "PYTHONPATH", "PYTHONHOME", "PYTHONWARNINGS")}
    # The same sanitizer settings as `make test-c` (CPython's own leaks suppressed).
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("LSAN_OPTIONS", "suppressions=%s:print_suppressions=0"
                   % os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "c", "lsan.supp"))
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    env["PYTHONWARNINGS"] = "default"   # show warnings Python would otherwise hide
    failed = len(problems)
    start = time.time()
    seed0 = int(os.environ.get("MODEL_SEED", random.randrange(1 << 30)))
    print(f"run_model: seed {seed0} (MODEL_SEED={seed0} repeats the schedule choices)")
    with tempfile.TemporaryDirectory() as cwd:
        for i, (threads, actors) in enumerate(SCENARIOS):
            seed = seed0 + i
            r = subprocess.run([binary, str(threads), str(actors), str(seed), thing_dir],
                               cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
            line = r.stdout.strip()
            bad = r.returncode != 0 or r.stderr.strip() or not line.startswith("ok")
            print(line if line else f"FAIL threads={threads} actors={actors}: no output")
            if r.returncode < 0:
                print(f"FAIL killed by signal {-r.returncode}")
            if r.stderr.strip():
                print(f"FAIL stderr was not empty:\n{r.stderr.rstrip()}")
            failed += bool(bad)
    print(f"run_model: {len(SCENARIOS) - failed}/{len(SCENARIOS)} scenarios passed "
          f"in {time.time() - start:.1f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
