#!/usr/bin/env python3
"""Shows that check_ffi.py fails on wrong declarations: each file in bad_decls/ is
applied to a copy of the package (and of the absent list, and of the header), and the
checker must exit 1 and print the line the file expects. The untouched copy must pass.

Directives, as `// name: value` lines at the top of a bad_decls file:
  expect: text      a line of the checker's output must contain it (one or more)
  remove: fn        drop the package's declaration of fn
  file: name        where the file's body goes (default ffi.pony, replacing the
                    declarations of the same functions)
  keep              do not replace existing declarations (to declare twice)
  edit: f | a | b   replace text a by b in package file f
  absent: line      append a line to the absent list
  unabsent: fn      drop fn from the absent list (to declare it instead)
  header-add: decl  add a C prototype to the header copy
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True   # keep the source tree clean
sys.path.insert(0, os.path.join(HERE, "checker"))
from pony_source import _matching  # noqa: E402

CHECKER = os.path.join(HERE, "checker", "check_ffi.py")


def drop_decl(text, name):
    m = re.search(r"^use\s+@" + re.escape(name) + r"\s*\[", text, flags=re.M)
    if not m:
        return text
    rb = _matching(text, m.end() - 1, "[", "]")
    rp = _matching(text, text.index("(", rb), "(", ")")
    return text[: m.start()] + text[rp:].lstrip("\n")


def run_checker(header, pkg, absent):
    r = subprocess.run([sys.executable, CHECKER, "--header", header, "--package", pkg,
                        "--absent", absent], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def apply_case(path, header, pkg, absent):
    lines = open(path, encoding="utf-8").read().splitlines()
    directives = [re.match(r"^//\s*([\w-]+)(?::\s*(.*))?$", l) for l in lines]
    directives = [(m.group(1), (m.group(2) or "").strip()) for m in directives if m]
    body = "\n".join(l for l in lines if not l.startswith("//")) + "\n"
    expects = [v for k, v in directives if k == "expect"]
    target, keep = "ffi.pony", False
    for k, v in directives:
        if k == "remove":
            p = os.path.join(pkg, "ffi.pony")
            open(p, "w").write(drop_decl(open(p).read(), v))
        elif k == "file":
            target = v
        elif k == "keep":
            keep = True
        elif k == "edit":
            f, old, new = [s.strip() for s in v.split("|")]
            p = os.path.join(pkg, f)
            text = open(p).read()
            assert old in text, f"{path}: {old!r} not found in {f}"
            open(p, "w").write(text.replace(old, new))
        elif k == "absent":
            open(absent, "a").write(v + "\n")
        elif k == "unabsent":
            kept = [l for l in open(absent) if not l.startswith(v + ":")]
            open(absent, "w").write("".join(kept))
        elif k == "header-add":
            text = open(header).read()
            open(header, "w").write(text.replace('#ifdef __cplusplus\n}', v + '\n\n#ifdef __cplusplus\n}'))
    if body.strip():
        p = os.path.join(pkg, target)
        text = open(p).read() if os.path.exists(p) else ""
        if target == "ffi.pony" and not keep:
            for name in re.findall(r"^use\s+@(\w+)", body, flags=re.M):
                text = drop_decl(text, name)
        open(p, "w").write(text + "\n" + body)
    return expects


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: test_checker_rejects.py HEADER PACKAGE_DIR ABSENT_LIST")
    header, package, absent = sys.argv[1:]
    failures = 0
    cases = sorted(f for f in os.listdir(os.path.join(HERE, "bad_decls")) if f.endswith(".pony"))
    with tempfile.TemporaryDirectory() as tmp:
        def fresh():
            for f in ("pkg", "gilstuff.h", "absent.txt"):
                p = os.path.join(tmp, f)
                shutil.rmtree(p) if os.path.isdir(p) else os.path.exists(p) and os.remove(p)
            shutil.copytree(package, os.path.join(tmp, "pkg"))
            shutil.copy(header, os.path.join(tmp, "gilstuff.h"))
            shutil.copy(absent, os.path.join(tmp, "absent.txt"))
            return (os.path.join(tmp, "gilstuff.h"), os.path.join(tmp, "pkg"),
                    os.path.join(tmp, "absent.txt"))

        rc, out = run_checker(*fresh())
        if rc != 0:
            print(f"FAIL the untouched package does not pass:\n{out}")
            return 1
        for case in cases:
            h, pkg, ab = fresh()
            expects = apply_case(os.path.join(HERE, "bad_decls", case), h, pkg, ab)
            rc, out = run_checker(h, pkg, ab)
            missing = [e for e in expects if e not in out]
            if rc != 1 or missing or not expects:
                failures += 1
                print(f"FAIL {case}: exit {rc}, expected {missing or expects}, got:\n{out}")
            else:
                print(f"ok   {case}: rejected ({expects[0]})")
    print(f"test_checker_rejects: {len(cases) - failures}/{len(cases)} wrong declarations rejected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
