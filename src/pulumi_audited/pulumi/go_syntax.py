"""Go source as extract_tree's reader sees it: tokens, with Go's automatic semicolons, and the
syntax tree the parsers (go_expr_reader, go_reader) build from them.

A development tool (see extract_tree); the shim never imports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"""
    (?P<nl>\n)
  | (?P<ws>[ \t\r\f]+)
  | (?P<lcomment>//[^\n]*)
  | (?P<bcomment>/\*.*?\*/)
  | (?P<raw>`[^`]*`)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<rune>'(?:[^'\\\n]|\\.[^']*)')
  | (?P<num>(?:0[xXoObB][0-9a-fA-F_]+
          |\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?
          |\.\d[\d_]*(?:[eE][+-]?\d+)?)i?)
  | (?P<ident>[^\W\d]\w*)
  | (?P<op>\.\.\.|<<=|>>=|&\^=|&&|\|\||<-|\+\+|--|==|!=|<=|>=|:=
         |\+=|-=|\*=|/=|%=|&=|\|=|\^=|<<|>>|&\^|[-+*/%&|^<>=!~(){}\[\],;.:])
    """,
    re.VERBOSE | re.DOTALL,
)

_SEMI_AFTER_KEYWORD = {"break", "continue", "fallthrough", "return"}
_SEMI_AFTER_OP = {"++", "--", ")", "]", "}"}
KEYWORDS = {
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
    "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
    "return", "select", "struct", "switch", "type", "var",
}  # fmt: skip


@dataclass(slots=True)
class Tok:
    kind: str  # ident, keyword, str, num, rune, op, eof
    text: str
    pos: int
    end: int


def tokenize(src: str) -> list[Tok]:
    toks: list[Tok] = []

    def needs_semi() -> bool:
        if not toks:
            return False
        last = toks[-1]
        if last.kind in ("ident", "str", "num", "rune"):
            return True
        if last.kind == "keyword":
            return last.text in _SEMI_AFTER_KEYWORD
        return last.kind == "op" and last.text in _SEMI_AFTER_OP

    pos = 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if m is None:
            raise SyntaxError(f"bad character {src[pos]!r} at offset {pos}")
        kind = m.lastgroup
        text = m.group()
        if kind == "nl" or (kind == "bcomment" and "\n" in text):
            if needs_semi():
                toks.append(Tok("op", ";", m.start(), m.start()))
        elif kind in ("raw", "str"):
            toks.append(Tok("str", text, m.start(), m.end()))
        elif kind == "ident":
            toks.append(Tok("keyword" if text in KEYWORDS else "ident", text, m.start(), m.end()))
        elif kind in ("num", "rune", "op"):
            toks.append(Tok(kind, text, m.start(), m.end()))
        pos = m.end()
    if needs_semi():
        toks.append(Tok("op", ";", len(src), len(src)))
    toks.append(Tok("eof", "", len(src), len(src)))
    return toks


def unquote(lit: str) -> str:
    if lit.startswith("`"):
        return lit[1:-1].replace("\r", "")
    return bytes(lit[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


@dataclass(eq=False)
class Node:
    kind: str
    start: int
    end: int
    f: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.f[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class FuncDecl:
    name: str
    recv_type: str  # "" for plain functions
    recv_name: str
    params: list[str]  # parameter names, "_" where unnamed
    variadic: bool
    results: str  # the result types' source text
    body: tuple[int, int] | None  # token range of the body, braces excluded
    file: GoFile


@dataclass
class ValueDecl:
    name: str
    expr: Node | None
    file: GoFile
    type_text: str = ""


@dataclass
class GoFile:
    path: str
    src: str
    toks: list[Tok]
    package: str = ""
    imports: dict[str, str] = field(default_factory=dict)  # local name -> import path
    funcs: list[FuncDecl] = field(default_factory=list)
    values: list[ValueDecl] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)  # type name -> underlying source text

    def text(self, node: Node) -> str:
        return " ".join(self.src[node.start : node.end].split())
