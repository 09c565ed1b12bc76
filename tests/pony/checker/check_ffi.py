#!/usr/bin/env python3
"""Checks the Pony package's FFI declarations against include/gilstuff.h.

  check_ffi.py --header include/gilstuff.h --package bindings/pony/gilstuff \
               --absent tests/pony/deliberately_absent.txt [--print-libs]

Fails (exit 1, one line per problem) when a declared function is not in the header or
differs in arity or types (type_table.py holds the Pony<->C table), when a header
function is neither declared nor listed as deliberately absent (with a reason), when a
mirrored struct differs from its C struct, when a header constant has no primitive of
the same value (or that primitive is missing from its union type), or when the package
breaks its own layout rules (every declaration in one file, no .c file). It needs no
ponyc, so it runs everywhere: on a machine without one (CI) it is what stands between
a header change and a crash in a Pony program.
"""
import argparse
import os
import re
import sys

sys.dont_write_bytecode = True   # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import c_header      # noqa: E402
import pony_source   # noqa: E402
import type_table    # noqa: E402

FFI_FILE = "ffi.pony"   # the one file allowed to hold `use @gilstuff_…` declarations


def read_absent(path):
    """'name: reason' lines; '#' starts a comment. A name without a reason is an error.
    A name is a header function, an opaque type or struct, or a macro prefix ending in
    '*' (GILSTUFF_VALUE_*) for constants the package does not mirror."""
    absent, problems = {}, []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, reason = line.partition(":")
        if not reason.strip():
            problems.append(f"{path}:{n}: {name.strip()} is listed as absent without a reason")
        absent[name.strip()] = reason.strip()
    return absent, problems


def check_decl(d, hdr):
    fn = hdr.functions.get(d.name)
    where = f"{d.file}:{d.line}: @{d.name}"
    if fn is None:
        return [f"{where}: no such function in the header"]
    problems = []
    if any(p[0] == "..." for p in d.params):
        problems.append(f"{where}: declared variadic, the C function is not")
    if len(d.params) != len(fn.params):
        problems.append(f"{where}: {len(d.params)} parameters, the header has {len(fn.params)}")
    bad = type_table.compare(d.ret, fn.ret, hdr, "return")
    if bad:
        problems.append(f"{where}: return type {d.ret} does not match C {fn.ret}: {bad}")
    for i, ((pname, ptype), (cname, ctype)) in enumerate(zip(d.params, fn.params), 1):
        bad = type_table.compare(ptype, ctype, hdr, "param")
        if bad:
            problems.append(f"{where}: parameter {i} ({pname}: {ptype}) does not match "
                            f"C {ctype} {cname}: {bad}")
    return problems


def check_struct(cname, pony_name, hdr, src):
    cfields = hdr.structs[cname]
    pfields = src.structs.get(pony_name)
    if pfields is None:
        return [f"struct {pony_name} (mirror of C {cname}) is missing from the package"]
    want = [type_table.pony_field_name(f) for f, _ in cfields]
    if [f for f, _ in pfields] != want:
        return [f"struct {pony_name} fields {[f for f, _ in pfields]} differ from "
                f"C {cname} fields {[f for f, _ in cfields]} (names and order must match; "
                f"a Pony keyword gets a prime: {want})"]
    problems = []
    for (fname, ptype), (_, ctype) in zip(pfields, cfields):
        bad = type_table.compare(ptype, ctype, hdr, "field")
        if bad:
            problems.append(f"struct {pony_name}.{fname}: {ptype} does not match C {ctype}: {bad}")
    return problems


# Header macros mirrored as Pony primitives: GILSTUFF_<NAME> is the primitive
# Py<Name> (CamelCase, acronyms upper case as Pony's style guide wants, so
# GILSTUFF_ERR_INVALID_UTF8 is PyErrInvalidUTF8; `_Py<Name>` when the package keeps it
# private), whose one constant function holds the macro's value: GILSTUFF_ERR_PYTHON
# is `PyErrPython._code()`, GILSTUFF_ORIGIN_CALLER is `PyOriginCaller._value()`. Each
# public mirror belongs to the union its function names: status codes to PyErrorCode
# (so that a `match` on it can be exhaustive), origins to PyOrigin.
MACRO_PREFIX = "GILSTUFF_"
UNIONS = {"_code": "PyErrorCode", "_value": "PyOrigin"}
ACRONYMS = {"UTF8"}


def mirror_name(macro):
    words = macro[len(MACRO_PREFIX):].split("_")
    return "Py" + "".join(w if w in ACRONYMS else w.capitalize() for w in words)


def check_constants(hdr, src, absent):
    problems, mirrors = [], set()
    globs = [a[:-1] for a in absent if a.endswith("*")]
    for macro, value in sorted(hdr.defines.items(), key=lambda kv: kv[1]):
        if any(macro.startswith(g) for g in globs) or not macro.startswith(MACRO_PREFIX):
            continue
        name = mirror_name(macro)
        prim = name if name in src.constants else "_" + name
        funs = src.constants.get(prim, {})
        mirrors.add(prim)
        if len(funs) != 1:
            problems.append(f"{macro} = {value} has no primitive {name} with one constant "
                            f"function (fun _code(): U32 => {value}) in the package")
            continue
        (fun, got), = funs.items()
        if got != value:
            problems.append(f"{prim}.{fun}() is {got}, the header's {macro} is {value}")
        union = UNIONS.get(fun)
        if prim.startswith("_"):
            continue
        if union is None:
            problems.append(f"{prim}.{fun}(): a mirror's function is one of {sorted(UNIONS)}")
        elif union not in src.unions:
            problems.append(f"the union type {union} is missing from the package")
        elif prim not in src.unions[union]:
            problems.append(f"{prim} is not in the union {union}")
    for prim in sorted(src.constants):
        if prim.lstrip("_").startswith("Py") and src.constants[prim] and prim not in mirrors:
            problems.append(f"{prim} mirrors no macro of the header")
    for fun, union in UNIONS.items():
        for member in src.unions.get(union, []):
            if member not in mirrors:
                problems.append(f"{member} in the union {union} mirrors no macro of the header")
    return problems


def check(header, package_files, absent_path):
    hdr = c_header.parse_header(header)
    src = pony_source.parse_files(package_files)
    absent, problems = read_absent(absent_path)

    for t in sorted(hdr.opaque - set(type_table.OPAQUE) - set(absent)):
        problems.append(f"header opaque type {t} has no Pony primitive in type_table.OPAQUE "
                        f"and is not listed as absent")
    for t in sorted(set(hdr.structs) - set(type_table.STRUCTS) - set(absent)):
        problems.append(f"header struct {t} has no Pony struct in type_table.STRUCTS "
                        f"and is not listed as absent")
    for cname, prim in type_table.OPAQUE.items():
        if cname in hdr.opaque and prim not in src.primitives:
            problems.append(f"primitive {prim} (stands for C {cname}) is missing from the package")
    for cname, pony_name in type_table.STRUCTS.items():
        if cname in hdr.structs:
            problems += check_struct(cname, pony_name, hdr, src)

    problems += check_constants(hdr, src, absent)

    ours = [d for d in src.decls if d.name.startswith("gilstuff_")]
    seen = {}
    for d in ours:
        if d.name in seen:
            problems.append(f"{d.file}:{d.line}: @{d.name} declared twice "
                            f"(first at {seen[d.name].file}:{seen[d.name].line})")
            continue
        seen[d.name] = d
        if os.path.basename(d.file) != FFI_FILE:
            problems.append(f"{d.file}:{d.line}: @{d.name} declared outside {FFI_FILE}")
        if d.name in absent:
            problems.append(f"{d.file}:{d.line}: @{d.name} is declared and also listed as absent")
        problems += check_decl(d, hdr)

    for name in sorted(hdr.functions):
        if name not in seen and name not in absent:
            problems.append(f"header function {name} is neither declared in the package nor "
                            f"listed in {absent_path}")
    for name in sorted(absent):
        known = (name in hdr.functions or name in hdr.opaque or name in hdr.structs or
                 (name.endswith("*") and any(m.startswith(name[:-1]) for m in hdr.defines)))
        if not known:
            problems.append(f"{absent_path}: {name} is listed as absent but is not in the header")
    for name, path, line in src.calls:
        if name not in seen:
            problems.append(f"{path}:{line}: @{name} is called but not declared")
    if "gilstuff" not in [lib for lib, _ in src.libs]:
        problems.append('the package has no `use "lib:gilstuff"`')
    return problems, src, hdr, seen, absent


def package_files(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            for f in sorted(os.listdir(p)):
                if f.endswith(".c"):
                    files.append(os.path.join(p, f))
                elif f.endswith(".pony"):
                    files.append(os.path.join(p, f))
        else:
            files.append(p)
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--header", required=True)
    ap.add_argument("--package", required=True, nargs="+",
                    help="the package folder (or .pony files)")
    ap.add_argument("--absent", required=True)
    ap.add_argument("--print-libs", action="store_true",
                    help="print the -l options the package's `use \"lib:…\"` lines give on "
                         "Linux, and exit")
    args = ap.parse_args()

    files = package_files(args.package)
    c_files = [f for f in files if f.endswith(".c")]
    pony_files = [f for f in files if f.endswith(".pony")]
    if args.print_libs:
        src = pony_source.parse_files(pony_files)
        print(" ".join(f"-l{lib}" for lib, guard in src.libs
                       if guard is None or re.search(r"\blinux\b", guard)))
        return 0
    problems, src, hdr, seen, absent = check(args.header, pony_files, args.absent)
    problems += [f"{f}: a .c file in the package (ponyc >= 0.65 would compile it)" for f in c_files]
    for p in problems:
        print(f"FAIL {p}")
    if problems:
        print(f"check_ffi: {len(problems)} problem(s)")
        return 1
    print(f"check_ffi: OK: {len(seen)} declarations match {os.path.basename(args.header)} "
          f"({len(hdr.functions)} functions: {len(seen)} declared, "
          f"{sum(a in hdr.functions for a in absent)} deliberately absent), {len(type_table.STRUCTS)} structs, {len(hdr.opaque)} opaque types")
    return 0


if __name__ == "__main__":
    sys.exit(main())
