"""Reads the public C header: its function prototypes, opaque types, structs, scalar
typedefs and callback typedefs. Only what cbindgen emits has to be understood."""
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CType:
    """A C type reduced to what the ABI cares about: base name (typedefs of scalars
    resolved), pointer depth, and whether the pointee at depth 1 is const."""
    base: str
    depth: int = 0
    const_pointee: bool = False

    def __str__(self):
        const = "const " if self.const_pointee else ""
        return f"{const}{self.base}{' ' if self.depth else ''}{'*' * self.depth}"


@dataclass
class CFunction:
    name: str
    ret: CType
    params: list  # of (name, CType)


@dataclass
class CHeader:
    functions: dict = field(default_factory=dict)   # name -> CFunction
    opaque: set = field(default_factory=set)        # struct names never defined here
    structs: dict = field(default_factory=dict)     # name -> [(field, CType)]
    callbacks: dict = field(default_factory=dict)   # typedef name -> CFunction
    scalars: dict = field(default_factory=dict)     # typedef name -> underlying scalar
    defines: dict = field(default_factory=dict)     # macro name -> integer value


def _strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def parse_type(text, scalars):
    """'const gilstuff_error *' -> CType('gilstuff_error', 1, True)."""
    depth = text.count("*")
    words = text.replace("*", " * ").split()
    # `const` before the first `*` qualifies the pointee; later ones the pointer itself.
    const_pointee = "const" in words[: words.index("*")] if "*" in words else False
    base_words = [w for w in words if w not in ("const", "*", "struct")]
    base = " ".join(base_words)
    while base in scalars:
        base = scalars[base]
    return CType(base, depth, const_pointee and depth > 0)


def _split_param(text, scalars):
    """'const char *name' -> ('name', CType); 'void' -> None."""
    text = text.strip()
    if text == "void":
        return None
    m = re.match(r"^(.*?)(\w+)\s*$", text, flags=re.S)
    if not m or not m.group(1).strip():
        raise ValueError(f"cannot read C parameter {text!r}")
    return m.group(2), parse_type(m.group(1), scalars)


def _params(text, scalars):
    return [p for p in (_split_param(t, scalars) for t in text.split(",")) if p]


def parse_header(path):
    raw = open(path, encoding="utf-8").read()
    hdr = CHeader()
    for name, value in re.findall(r"^\s*#define\s+(\w+)\s+(\d+)\s*$", raw, flags=re.M):
        hdr.defines[name] = int(value)
    text = _strip_comments(raw)
    text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)
    text = re.sub(r'extern\s+"C"\s*\{', " ", text)

    # Structs with a body: typedef struct [tag] { fields } name;
    def take_struct(m):
        fields = []
        for decl in m.group(2).split(";"):
            if decl.strip():
                fields.append(_split_param(decl, hdr.scalars))
        hdr.structs[m.group(3)] = fields
        return " ; "

    # Scalar typedefs first: struct fields may use them.
    for m in re.finditer(r"typedef\s+([\w\s]+?)\s+(\w+)\s*;", text):
        under = " ".join(m.group(1).split())
        if not under.startswith("struct"):
            hdr.scalars[m.group(2)] = under
    text = re.sub(r"typedef\s+struct\s*(\w*)\s*\{(.*?)\}\s*(\w+)\s*;", take_struct, text,
                  flags=re.S)
    for tag, name in re.findall(r"typedef\s+struct\s+(\w+)\s+(\w+)\s*;", text):
        if name not in hdr.structs:
            hdr.opaque.add(name)
    text = re.sub(r"typedef\s+struct\s+\w+\s+\w+\s*;", " ; ", text)

    for m in re.finditer(r"typedef\s+([\w\s\*]+?)\(\s*\*\s*(\w+)\s*\)\s*\(([^)]*)\)\s*;", text):
        hdr.callbacks[m.group(2)] = CFunction(
            m.group(2), parse_type(m.group(1), hdr.scalars), _params(m.group(3), hdr.scalars))
    text = re.sub(r"typedef[^;]*;", " ; ", text)

    for stmt in re.split(r"[;{}]", text):
        stmt = " ".join(stmt.split())
        m = re.match(r"^([\w\s\*]+?)\b(gilstuff_\w+)\s*\((.*)\)$", stmt, flags=re.S)
        if m:
            hdr.functions[m.group(2)] = CFunction(
                m.group(2), parse_type(m.group(1), hdr.scalars), _params(m.group(3), hdr.scalars))
    return hdr
