"""The written Pony <-> C type table, and the comparison of one Pony FFI type with one
C type under it.

    C                              Pony
    int8_t … uint64_t              I8 U8 I16 U16 I32 U32 I64 U64
    size_t / ssize_t               USize / ISize
    float / double                 F32 / F64
    bool (C99)                     Bool
    void (return)                  None
    void *                         Pointer[None] (any capability)
    const char * / const uint8_t * Pointer[U8] tag as a parameter or struct field (what
                                   String.cstring() and Array.cpointer() give); a
                                   readable Pointer[U8] (not tag) as a return value
    char * / uint8_t *             Pointer[U8] (a buffer C writes into)
    T * (T a scalar above)         Pointer[T-in-Pony] (out-parameter)
    opaque struct S *              Pointer[_S] where _S is the primitive in OPAQUE
    S ** (S opaque)                Pointer[Pointer[_S]] (out-parameter or array of handles)
    struct S * (S mirrored)        the Pony struct in STRUCTS, or NullablePointer[it]
                                   (Pony passes struct instances by pointer)
    callback typedef               a bare lambda type @{(params): Ret}

gilstuff_status and gilstuff_origin are uint32_t typedefs: U32.
Capabilities are ignored except where the table names one (the `tag` rule above).
"""
import re

SCALARS = {
    "I8": "int8_t", "U8": "uint8_t", "I16": "int16_t", "U16": "uint16_t",
    "I32": "int32_t", "U32": "uint32_t", "I64": "int64_t", "U64": "uint64_t",
    "USize": "size_t", "ISize": "ssize_t", "F32": "float", "F64": "double", "Bool": "bool",
}
# C spellings that are the same ABI type as a table entry.
C_SYNONYMS = {"char": "uint8_t", "unsigned char": "uint8_t", "signed char": "int8_t",
              "int": "int32_t", "unsigned int": "uint32_t", "ptrdiff_t": "ssize_t",
              "intptr_t": "ssize_t", "uintptr_t": "size_t"}
# Opaque C types and the Pony primitive that stands for each.
OPAQUE = {
    "gilstuff_error": "_GilstuffError",
    "gilstuff_object": "_GilstuffObject",
    "gilstuff_interp": "_GilstuffInterp",
    "gilstuff_queue": "_GilstuffQueue",
    "gilstuff_value": "_GilstuffValue",
}
# C structs mirrored field by field with a Pony `struct`.
STRUCTS = {
    "gilstuff_config": "_GilstuffConfig",
    "gilstuff_buffer": "_GilstuffBuffer",
    "gilstuff_completion": "_GilstuffCompletion",
}
# Pony keywords a C field may be named after: the Pony field adds a prime
# (C `error` is Pony `error'`), which is the only renaming the struct check allows.
PONY_KEYWORDS = {
    "actor", "addressof", "and", "as", "be", "break", "class", "compile_error",
    "compile_intrinsic", "consume", "continue", "digestof", "do", "else", "elseif",
    "embed", "end", "error", "for", "fun", "if", "ifdef", "iftype", "in", "interface",
    "is", "isnt", "lambda", "let", "match", "new", "not", "object", "or", "primitive",
    "recover", "repeat", "return", "struct", "then", "this", "trait", "try", "type",
    "until", "use", "var", "where", "while", "with", "xor",
}


def pony_field_name(c_name):
    """The Pony name of a mirrored struct's field: the C name, primed if a keyword."""
    return c_name + "'" if c_name in PONY_KEYWORDS else c_name
CAPS = {"iso", "trn", "ref", "val", "box", "tag"}


class PonyType:
    """name[args] cap, or a bare lambda (name '@{}', args = params + [ret])."""
    def __init__(self, name, args=(), cap=None):
        self.name, self.args, self.cap = name, list(args), cap

    def __repr__(self):
        inner = f"[{', '.join(map(repr, self.args))}]" if self.args else ""
        return f"{self.name}{inner}{' ' + self.cap if self.cap else ''}"


def _split_top(text):
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "[({"
        depth -= ch in "])}"
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return parts + ([cur.strip()] if cur.strip() else [])


def parse_pony_type(text):
    text = text.strip()
    m = re.match(r"^@\{\s*\((.*)\)\s*:\s*(.+?)\s*\}\s*(\w+)?$", text, flags=re.S)
    if m:
        params = [parse_pony_type(p.split(":", 1)[-1] if re.match(r"^\w+\s*:", p) else p)
                  for p in _split_top(m.group(1))]
        return PonyType("@{}", params + [parse_pony_type(m.group(2))], m.group(3))
    m = re.match(r"^(\w+)\s*(?:\[(.*)\])?\s*(\w+)?$", text, flags=re.S)
    if not m:
        raise ValueError(f"cannot read Pony type {text!r}")
    if m.group(3) and m.group(3) not in CAPS:
        raise ValueError(f"unknown capability {m.group(3)!r} in {text!r}")
    args = [parse_pony_type(a) for a in _split_top(m.group(2))] if m.group(2) else []
    return PonyType(m.group(1), args, m.group(3))


def _c_base(base):
    return C_SYNONYMS.get(base, base)


def compare(pony_text, ctype, hdr, role):
    """None if the Pony type matches the C type for `role` ('param', 'return', 'field');
    otherwise a sentence saying what the table expects."""
    try:
        pt = parse_pony_type(pony_text)
    except ValueError as e:
        return str(e)
    want = expected(ctype, hdr, role)
    return None if _matches(pt, ctype, hdr, role) else f"expected {want}"


def expected(ctype, hdr, role):
    """The table's Pony spelling for a C type (for messages)."""
    base, depth = _c_base(ctype.base), ctype.depth
    if base in hdr.callbacks and depth == 0:
        cb = hdr.callbacks[base]
        ps = ", ".join(expected(t, hdr, "param") for _, t in cb.params)
        return f"@{{({ps}): {expected(cb.ret, hdr, 'return')}}}"
    if depth == 0:
        if base == "void":
            return "None"
        for p, c in SCALARS.items():
            if c == base:
                return p
        return f"<no Pony type for C {base}>"
    if base in STRUCTS and depth == 1:
        return f"{STRUCTS[base]} (or NullablePointer[{STRUCTS[base]}])"
    inner = expected(type(ctype)(ctype.base, depth - 1), hdr, role) if depth > 1 else (
        "None" if base == "void" else OPAQUE.get(base) or expected(type(ctype)(base, 0), hdr, role))
    text = f"Pointer[{inner}]"
    if depth == 1 and base == "uint8_t" and ctype.const_pointee:
        text += " tag" if role in ("param", "field") else " (readable: not tag)"
    return text


def _matches(pt, ctype, hdr, role):
    base, depth = _c_base(ctype.base), ctype.depth
    if base in hdr.callbacks and depth == 0:
        cb = hdr.callbacks[base]
        if pt.name != "@{}" or len(pt.args) != len(cb.params) + 1:
            return False
        return all(_matches(a, t, hdr, "param") for a, (_, t) in zip(pt.args, cb.params)) and \
            _matches(pt.args[-1], cb.ret, hdr, "return")
    if depth == 0:
        if base == "void":
            return pt.name == "None" and not pt.args and role == "return"
        return not pt.args and SCALARS.get(pt.name) == base
    if depth == 1 and base in STRUCTS:
        if pt.name == "NullablePointer" and len(pt.args) == 1:
            pt = pt.args[0]
        return pt.name == STRUCTS[base] and not pt.args
    if pt.name != "Pointer" or len(pt.args) != 1:
        return False
    if depth == 1 and base == "uint8_t" and ctype.const_pointee:
        # Read-only bytes: what Pony passes in (parameter, struct field it fills) must be
        # `tag` to accept String.cstring(); a return value must not be `tag`, which Pony
        # cannot read.
        if (role in ("param", "field")) != (pt.cap == "tag"):
            return False
    inner = pt.args[0]
    if depth == 1:
        if base == "void":
            return inner.name == "None" and not inner.args
        if base in OPAQUE:
            return inner.name == OPAQUE[base] and not inner.args
        return not inner.args and SCALARS.get(inner.name) == base
    return _matches(inner, type(ctype)(ctype.base, depth - 1), hdr, "inner")
