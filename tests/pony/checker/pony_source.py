"""Reads the Pony side: `use @name[Ret](params) [if guard]` FFI declarations (over
several lines too), `use "lib:…"` lines, primitives and structs with their fields."""
import re
from dataclasses import dataclass, field


@dataclass
class PonyDecl:
    name: str
    ret: str
    params: list   # of (name, type text); ("...", "...") for a variadic tail
    file: str
    line: int


@dataclass
class PonySource:
    decls: list = field(default_factory=list)
    libs: list = field(default_factory=list)        # (locator, guard or None)
    primitives: set = field(default_factory=set)
    structs: dict = field(default_factory=dict)     # name -> [(field, type text)]
    calls: list = field(default_factory=list)       # (name, file, line) of @name( uses
    constants: dict = field(default_factory=dict)   # primitive -> {fun name: integer}
    unions: dict = field(default_factory=dict)      # type alias -> [member type names]


def strip_comments_and_docstrings(text):
    """Blanks comments and triple-quoted strings but keeps newlines (line numbers)."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    text = re.sub(r'"""(.*?)"""', blank, text, flags=re.S)
    text = re.sub(r"/\*.*?\*/", blank, text, flags=re.S)
    return re.sub(r"//[^\n]*", blank, text)


def _matching(text, i, open_ch, close_ch):
    """Index just past the bracket that closes text[i] (== open_ch)."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == open_ch:
            depth += 1
        elif text[j] == close_ch:
            depth -= 1
            if depth == 0:
                return j + 1
    raise ValueError("unbalanced brackets")


def split_top(text, sep=","):
    """Splits on `sep` outside [], (), {}."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def normalize_type(text):
    """Collapses whitespace: 'Pointer[ Pointer[_X] ]  tag' -> 'Pointer[Pointer[_X]] tag'."""
    text = " ".join(text.split())
    text = re.sub(r"([\[(])\s+", r"\1", text)
    text = re.sub(r"\s+([\])\[,:])", r"\1", text)
    return re.sub(r"([,:])(?=\S)", r"\1 ", text)


def _parse_params(text, path, line):
    params = []
    for p in split_top(text):
        if p == "...":
            params.append(("...", "..."))
            continue
        m = re.match(r"^(\w+)\s*:\s*(.+)$", p, flags=re.S)
        if not m:
            raise ValueError(f"{path}:{line}: FFI parameter without a name: {p!r}")
        params.append((m.group(1), normalize_type(m.group(2))))
    return params


def parse_file(path, src):
    text = strip_comments_and_docstrings(open(path, encoding="utf-8").read())
    line_of = lambda i: text.count("\n", 0, i) + 1
    for m in re.finditer(r"^\s*use\s+\"(lib:[^\"]+)\"(?:\s+if\s+([^\n]+))?", text, flags=re.M):
        src.libs.append((m.group(1)[4:], m.group(2).strip() if m.group(2) else None))
    for m in re.finditer(r"^\s*use\s+@(\w+)\s*\[", text, flags=re.M):
        lb = m.end() - 1
        rb = _matching(text, lb, "[", "]")
        ret = normalize_type(text[lb + 1 : rb - 1])
        lp = rb
        while text[lp].isspace():
            lp += 1
        if text[lp] != "(":
            raise ValueError(f"{path}:{line_of(m.start())}: expected '(' after @{m.group(1)}[…]")
        rp = _matching(text, lp, "(", ")")
        src.decls.append(PonyDecl(m.group(1), ret,
                                  _parse_params(text[lp + 1 : rp - 1], path, line_of(m.start())),
                                  path, line_of(m.start())))
    for m in re.finditer(r"^primitive\s+(\w+)[^\n]*\n((?:[ \t]+[^\n]*\n|\s*\n)*)", text + "\n",
                         flags=re.M):
        src.primitives.add(m.group(1))
        consts = src.constants.setdefault(m.group(1), {})
        for cm in re.finditer(r"^\s+fun\s+(\w+)\(\)\s*:\s*\w+\s*=>\s*(\d+)\s*$", m.group(2),
                              flags=re.M):
            consts[cm.group(1)] = int(cm.group(2))
    for m in re.finditer(r"^type\s+(\w+)\s+is\s*\(", text, flags=re.M):
        rp = _matching(text, m.end() - 1, "(", ")")
        src.unions[m.group(1)] = [t.strip() for t in text[m.end():rp - 1].split("|")]
    for m in re.finditer(r"^struct\s+(\w+)[^\n]*\n((?:[ \t]+[^\n]*\n|\s*\n)*)", text, flags=re.M):
        fields = []
        body = re.split(r"^\s+(?:new|fun|be)\b", m.group(2), maxsplit=1, flags=re.M)[0]
        for fm in re.finditer(r"^\s+(?:var|let|embed)\s+(\w+'*)\s*:\s*([^=\n]+)", body, flags=re.M):
            fields.append((fm.group(1), normalize_type(fm.group(2))))
        src.structs[m.group(1)] = fields
    for m in re.finditer(r"(?<![\w@])@(gilstuff_\w+)\s*\(", text):
        if not re.match(r"\s*use\s", text[text.rfind("\n", 0, m.start()) + 1 : m.start()]):
            src.calls.append((m.group(1), path, line_of(m.start())))
    return src


def parse_files(paths):
    src = PonySource()
    for p in paths:
        parse_file(p, src)
    return src
