"""A small reader of Go source: tokens, and a syntax tree of the parts extract_tree needs.

A development tool (see extract_tree); the shim never imports it. It parses the Go that
pulumi's command constructors are written in: declarations, statements and expressions, with
Go's automatic semicolons. Type declarations and other things the interpreter never looks into
are skipped by bracket matching rather than parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

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


class Parser:
    """Recursive descent over one file's tokens."""

    def __init__(self, file: GoFile, start: int = 0, end: int | None = None):
        self.file = file
        self.toks = file.toks
        self.i = start
        self.stop = len(self.toks) - 1 if end is None else end
        self.no_lit = 0  # >0 inside if/for/switch headers, where T{ is not a composite literal

    # -- token helpers --------------------------------------------------------------------

    @property
    def tok(self) -> Tok:
        if self.i >= self.stop:
            return Tok("eof", "", self.toks[self.stop].pos, self.toks[self.stop].pos)
        return self.toks[self.i]

    def peek(self, n: int = 1) -> Tok:
        j = self.i + n
        return self.toks[j] if j < self.stop else Tok("eof", "", 0, 0)

    def at(self, *texts: str) -> bool:
        t = self.tok
        return t.kind in ("op", "keyword") and t.text in texts

    def next(self) -> Tok:
        t = self.tok
        self.i += 1
        return t

    def expect(self, text: str) -> Tok:
        t = self.tok
        if t.text != text or t.kind not in ("op", "keyword"):
            raise SyntaxError(f"{self.file.path}: expected {text!r}, got {t.text!r} at {t.pos}")
        self.i += 1
        return t

    def accept(self, text: str) -> bool:
        if self.at(text):
            self.i += 1
            return True
        return False

    def skip_semis(self) -> None:
        while self.at(";"):
            self.i += 1

    def skip_balanced(self) -> None:
        """Skips one bracketed group starting at the current opening bracket."""
        depth = 0
        while True:
            t = self.next()
            if t.kind == "eof":
                return
            if t.kind == "op" and t.text in "([{":
                depth += 1
            elif t.kind == "op" and t.text in ")]}":
                depth -= 1
                if depth == 0:
                    return

    def skip_to_semi(self) -> None:
        """Skips to the end of the current declaration (a ';' outside brackets)."""
        while not self.at(";") and self.tok.kind != "eof":
            if self.at("(", "[", "{"):
                self.skip_balanced()
            else:
                self.i += 1

    def node(self, kind: str, start: int, **f: Any) -> Node:
        return Node(kind, start, self.toks[self.i - 1].end, f)

    # -- files ----------------------------------------------------------------------------

    def parse_file(self) -> None:
        self.skip_semis()
        self.expect("package")
        self.file.package = self.next().text
        self.skip_semis()
        while self.at("import"):
            self.next()
            if self.accept("("):
                while not self.accept(")"):
                    self.parse_import_spec()
                    self.skip_semis()
            else:
                self.parse_import_spec()
            self.skip_semis()
        while self.tok.kind != "eof":
            self.parse_top_decl()
            self.skip_semis()

    def parse_import_spec(self) -> None:
        alias = ""
        if self.tok.kind == "ident" or self.at("."):
            alias = self.next().text
        path = unquote(self.next().text)
        if alias in ("_", "."):
            return
        self.file.imports[alias or _default_import_name(path)] = path

    def parse_top_decl(self) -> None:
        if self.at("func"):
            self.file.funcs.append(self.parse_func_decl())
        elif self.at("var", "const"):
            self.file.values.extend(self.parse_value_decl())
        elif self.at("type"):
            self.next()
            if self.accept("("):
                while not self.accept(")"):
                    self.parse_type_spec()
                    self.skip_semis()
            else:
                self.parse_type_spec()
        else:
            self.skip_to_semi()

    def parse_type_spec(self) -> None:
        name = self.next().text
        start = self.i
        self.skip_to_semi()
        underlying = " ".join(t.text for t in self.toks[start : self.i])
        self.file.types[name] = underlying

    def parse_func_decl(self) -> FuncDecl:
        self.expect("func")
        recv_type = recv_name = ""
        if self.at("("):
            start = self.i
            self.skip_balanced()
            head = []
            for t in self.toks[start + 1 : self.i - 1]:
                if t.text == "[":
                    break
                if t.kind == "ident":
                    head.append(t.text)
            recv_type = head[-1] if head else ""
            recv_name = head[0] if len(head) > 1 else ""
        name = self.next().text
        if self.at("["):
            self.skip_balanced()
        params, variadic = self.parse_params()
        res_start = self.i
        while not self.at("{", ";") and self.tok.kind != "eof":
            if self.at("(", "["):
                self.skip_balanced()
            else:
                self.i += 1
        results = " ".join(t.text for t in self.toks[res_start : self.i])
        body = None
        if self.at("{"):
            open_i = self.i
            self.skip_balanced()
            body = (open_i + 1, self.i - 1)
        return FuncDecl(name, recv_type, recv_name, params, variadic, results, body, self.file)

    def parse_params(self) -> tuple[list[str], bool]:
        """Parameter names of a parenthesized list; unnamed parameters become "_"."""
        self.expect("(")
        groups: list[list[Tok]] = [[]]
        depth = 0
        while True:
            t = self.next()
            if t.kind == "eof":
                break
            if t.kind == "op" and t.text in "([{":
                depth += 1
            elif t.kind == "op" and t.text in ")]}":
                if depth == 0:
                    break
                depth -= 1
            if depth == 0 and t.kind == "op" and t.text == ",":
                groups.append([])
                continue
            if not (t.kind == "op" and t.text == ";"):
                groups[-1].append(t)
        groups = [g for g in groups if g]
        variadic = any(any(t.text == "..." for t in g) for g in groups)
        # Go allows either all parameters named ("a, b string") or none ("string, int").
        named = any(len(g) >= 2 and g[0].kind == "ident" and g[1].text != "." for g in groups)
        if not named:
            return ["_"] * len(groups), variadic
        return [g[0].text for g in groups], variadic

    def parse_value_decl(self) -> list[ValueDecl]:
        keyword = self.next().text
        specs: list[ValueDecl] = []
        if self.accept("("):
            previous: list[Node | None] = []
            while not self.accept(")"):
                got = self.parse_value_spec(keyword == "const", previous)
                specs.extend(got)
                previous = [v.expr for v in got] if any(v.expr for v in got) else previous
                self.skip_semis()
        else:
            specs.extend(self.parse_value_spec(False, []))
        return specs

    def parse_value_spec(self, is_const: bool, previous: list[Node | None]) -> list[ValueDecl]:
        names = [self.next().text]
        while self.accept(","):
            names.append(self.next().text)
        type_start = self.i
        while not self.at("=", ";", ")") and self.tok.kind != "eof":
            if self.at("(", "[", "{"):
                self.skip_balanced()
            else:
                self.i += 1
        type_text = " ".join(t.text for t in self.toks[type_start : self.i])
        exprs: list[Node | None] = []
        if self.accept("="):
            exprs = [*self.parse_expr_list()]
        elif is_const:
            exprs = previous  # an omitted constant expression repeats the previous one
        exprs = exprs + [None] * (len(names) - len(exprs))
        return [ValueDecl(n, e, self.file, type_text) for n, e in zip(names, exprs, strict=False)]

    # -- statements -----------------------------------------------------------------------

    def parse_block_body(self) -> list[Node]:
        stmts: list[Node] = []
        self.skip_semis()
        while not self.at("}") and self.tok.kind != "eof":
            stmts.append(self.parse_stmt())
            self.skip_semis()
        return stmts

    def parse_block(self) -> Node:
        start = self.tok.pos
        self.expect("{")
        saved, self.no_lit = self.no_lit, 0
        stmts = self.parse_block_body()
        self.no_lit = saved
        self.expect("}")
        return self.node("block", start, stmts=stmts)

    def parse_stmt(self) -> Node:
        t = self.tok
        start = t.pos
        if t.kind == "keyword":
            handler = getattr(self, f"stmt_{t.text}", None)
            if handler is not None:
                return handler()
        if self.at("{"):
            return self.parse_block()
        if t.kind == "ident" and self.peek().text == ":" and self.peek().kind == "op":
            self.i += 2  # a label
            self.skip_semis()
            if self.at("}"):
                return self.node("empty", start)
            return self.parse_stmt()
        return self.parse_simple_stmt()

    def stmt_var(self) -> Node:
        start = self.tok.pos
        return self.node("decl", start, specs=self.parse_value_decl())

    stmt_const = stmt_var

    def stmt_type(self) -> Node:
        start = self.tok.pos
        self.skip_to_semi()
        return self.node("empty", start)

    def stmt_return(self) -> Node:
        start = self.next().pos
        exprs = [] if self.at(";", "}") else self.parse_expr_list()
        return self.node("return", start, exprs=exprs)

    def _jump(self) -> Node:
        start = self.next().pos
        if self.tok.kind == "ident":
            self.next()
        return self.node("jump", start)

    stmt_break = stmt_continue = stmt_goto = stmt_fallthrough = _jump

    def stmt_go(self) -> Node:
        start = self.next().pos
        return self.node("go", start, call=self.parse_expr())

    stmt_defer = stmt_go

    def stmt_if(self) -> Node:
        start = self.next().pos
        self.no_lit += 1
        init = None
        cond = self.parse_simple_stmt()
        if self.accept(";"):
            init, cond = cond, self.parse_simple_stmt()
        self.no_lit -= 1
        then = self.parse_block()
        other = None
        if self.accept("else"):
            other = self.stmt_if() if self.at("if") else self.parse_block()
        return self.node("if", start, init=init, cond=cond.x, then=then, other=other)

    def stmt_for(self) -> Node:
        start = self.next().pos
        self.no_lit += 1
        init = cond = post = None
        if not self.at("{"):
            if not self.at(";"):
                init = self.parse_simple_stmt()
            if self.accept(";"):
                cond = None if self.at(";") else self.parse_simple_stmt()
                self.expect(";")
                post = None if self.at("{") else self.parse_simple_stmt()
            else:
                init, cond = None, init
        self.no_lit -= 1
        body = self.parse_block()
        if cond is not None and cond.kind == "range":
            return self.node("range", start, clause=cond, body=body)
        return self.node("for", start, init=init, cond=cond, post=post, body=body)

    def stmt_switch(self) -> Node:
        start = self.next().pos
        self.no_lit += 1
        init = tag = None
        if not self.at("{"):
            tag = self.parse_simple_stmt()
            if self.accept(";"):
                init, tag = tag, None if self.at("{") else self.parse_simple_stmt()
        self.no_lit -= 1
        self.expect("{")
        cases: list[tuple[list[Node] | None, list[Node]]] = []
        self.skip_semis()
        while not self.accept("}"):
            if self.accept("default"):
                exprs = None
            else:
                self.expect("case")
                exprs = self.parse_type_or_expr_list()
            self.expect(":")
            body: list[Node] = []
            self.skip_semis()
            while not self.at("case", "default", "}"):
                body.append(self.parse_stmt())
                self.skip_semis()
            cases.append((exprs, body))
        return self.node("switch", start, init=init, tag=tag, cases=cases)

    def stmt_select(self) -> Node:
        start = self.next().pos
        self.skip_balanced()
        return self.node("empty", start)

    def parse_type_or_expr_list(self) -> list[Node]:
        items = [self.parse_type_or_expr()]
        while self.accept(","):
            items.append(self.parse_type_or_expr())
        return items

    def parse_type_or_expr(self) -> Node:
        if self.at("[", "map", "chan", "func", "struct", "interface", "*"):
            start = self.tok.pos
            saved = self.i
            try:
                return self.parse_expr()
            except SyntaxError:
                self.i = saved
                return self.parse_type_node(start)
        return self.parse_expr()

    def parse_simple_stmt(self) -> Node:
        start = self.tok.pos
        if self.at("range"):
            self.next()
            return self.node("range", start, lhs=[], define=False, x=self.parse_expr())
        lhs = self.parse_expr_list()
        t = self.tok
        if t.kind == "op" and t.text in (":=", "="):
            self.next()
            if self.accept("range"):
                return self.node(
                    "range", start, lhs=lhs, define=t.text == ":=", x=self.parse_expr()
                )
            rhs = self.parse_expr_list()
            return self.node("assign", start, lhs=lhs, rhs=rhs, define=t.text == ":=")
        if t.kind == "op" and t.text.endswith("=") and t.text not in ("==", "!=", "<=", ">="):
            self.next()
            rhs = self.parse_expr_list()
            return self.node("opassign", start, lhs=lhs, rhs=rhs, op=t.text[:-1])
        if self.at("++", "--"):
            self.next()
            return self.node("incdec", start, x=lhs[0])
        if self.accept("<-"):
            self.parse_expr()
            return self.node("send", start)
        return self.node("expr", start, x=lhs[0])

    # -- expressions ----------------------------------------------------------------------

    def parse_expr_list(self) -> list[Node]:
        exprs = [self.parse_expr()]
        while self.accept(","):
            exprs.append(self.parse_expr())
        return exprs

    _PREC: ClassVar[dict[str, int]] = {
        "||": 1, "&&": 2,
        "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3,
        "+": 4, "-": 4, "|": 4, "^": 4,
        "*": 5, "/": 5, "%": 5, "<<": 5, ">>": 5, "&": 5, "&^": 5,
    }  # fmt: skip

    def parse_expr(self, min_prec: int = 1) -> Node:
        start = self.tok.pos
        left = self.parse_unary()
        while True:
            t = self.tok
            prec = self._PREC.get(t.text) if t.kind == "op" else None
            if prec is None or prec < min_prec:
                return left
            self.next()
            right = self.parse_expr(prec + 1)
            left = self.node("binary", start, op=t.text, x=left, y=right)

    def parse_unary(self) -> Node:
        t = self.tok
        if t.kind == "op" and t.text in ("+", "-", "!", "^", "*", "&", "<-"):
            self.next()
            x = self.parse_unary()
            return self.node("unary", t.pos, op=t.text, x=x)
        return self.parse_primary()

    def parse_primary(self) -> Node:
        start = self.tok.pos
        x = self.parse_operand()
        while True:
            if self.accept("."):
                if self.accept("("):
                    if self.accept("type"):
                        self.expect(")")
                        x = self.node("typeswitch", start, x=x)
                    else:
                        typ = self.parse_type_node(self.tok.pos)
                        self.expect(")")
                        x = self.node("assert", start, x=x, type=typ)
                else:
                    x = self.node("selector", start, x=x, name=self.next().text)
            elif self.at("["):
                x = self.parse_index(x, start)
            elif self.at("("):
                x = self.parse_call(x, start)
            elif self.at("{") and self._composite_allowed(x):
                x = self.parse_composite(x, start)
            else:
                return x

    def _composite_allowed(self, x: Node) -> bool:
        if x.kind in ("arraytype", "maptype", "structtype"):
            return True
        if self.no_lit:
            return False
        return x.kind in ("ident", "selector", "index")

    def parse_index(self, x: Node, start: int) -> Node:
        self.expect("[")
        self.no_lit, saved = 0, self.no_lit
        items: list[Node | None] = []
        is_slice = False
        while not self.at("]"):
            if self.accept(":"):
                is_slice = True
                if len(items) == 0:
                    items.append(None)
                continue
            items.append(self.parse_type_or_expr())
            self.accept(",")
        self.no_lit = saved
        self.expect("]")
        if is_slice:
            return self.node("slice", start, x=x)
        return self.node("index", start, x=x, index=items)

    def parse_call(self, fn: Node, start: int) -> Node:
        self.expect("(")
        self.no_lit, saved = 0, self.no_lit
        args: list[Node] = []
        ellipsis = False
        self.skip_semis()
        while not self.at(")"):
            args.append(self.parse_type_or_expr())
            if self.accept("..."):
                ellipsis = True
            if not self.accept(","):
                break
            self.skip_semis()
        self.skip_semis()
        self.no_lit = saved
        self.expect(")")
        return self.node("call", start, fn=fn, args=args, ellipsis=ellipsis)

    def parse_composite(self, typ: Node | None, start: int) -> Node:
        self.expect("{")
        self.no_lit, saved = 0, self.no_lit
        elems: list[tuple[Node | None, Node]] = []
        self.skip_semis()
        while not self.at("}"):
            value = self.parse_element()
            key = None
            if self.accept(":"):
                key, value = value, self.parse_element()
            elems.append((key, value))
            if not self.accept(","):
                self.skip_semis()
                break
            self.skip_semis()
        self.no_lit = saved
        self.expect("}")
        return self.node("composite", start, type=typ, elems=elems)

    def parse_element(self) -> Node:
        if self.at("{"):
            return self.parse_composite(None, self.tok.pos)
        return self.parse_expr()

    def parse_operand(self) -> Node:
        t = self.tok
        start = t.pos
        if t.kind == "ident":
            self.next()
            return self.node("ident", start, name=t.text)
        if t.kind == "str":
            self.next()
            return self.node("lit", start, value=unquote(t.text))
        if t.kind == "num":
            self.next()
            return self.node("lit", start, value=_number(t.text))
        if t.kind == "rune":
            self.next()
            return self.node("lit", start, value=t.text)
        if self.accept("("):
            self.no_lit, saved = 0, self.no_lit
            x = self.parse_type_or_expr()
            self.no_lit = saved
            self.expect(")")
            return self.node("paren", start, x=x)
        if self.at("func"):
            return self.parse_func_lit()
        if self.at("[", "map", "chan", "struct", "interface", "*"):
            return self.parse_type_node(start)
        raise SyntaxError(f"{self.file.path}: unexpected {t.text!r} at offset {t.pos}")

    def parse_func_lit(self) -> Node:
        start = self.expect("func").pos
        params, variadic = self.parse_params()
        while not self.at("{", ";", ")", ",", "}") and self.tok.kind != "eof":
            if self.at("(", "["):
                self.skip_balanced()
            else:
                self.i += 1
        if not self.at("{"):
            return self.node("functype", start)
        open_i = self.i
        self.skip_balanced()
        return self.node(
            "funclit", start, params=params, variadic=variadic, body=(open_i + 1, self.i - 1)
        )

    def parse_type_node(self, start: int) -> Node:
        """A type in expression position: []T, [N]T, map[K]V, *T, chan T, struct{}, pkg.T[A]."""
        if self.accept("["):
            if not self.accept("]"):
                self.skip_to_bracket_close()
            elem = self.parse_type_node(self.tok.pos)
            return self.node("arraytype", start, elem=elem)
        if self.accept("map"):
            self.skip_balanced_from_open("[")
            elem = self.parse_type_node(self.tok.pos)
            return self.node("maptype", start, elem=elem)
        if self.accept("*"):
            return self.node("pointertype", start, elem=self.parse_type_node(self.tok.pos))
        if self.accept("<-") or self.at("chan"):
            self.accept("chan")
            self.accept("<-")
            return self.node("chantype", start, elem=self.parse_type_node(self.tok.pos))
        if self.accept("struct"):
            self.skip_balanced()
            return self.node("structtype", start)
        if self.accept("interface"):
            self.skip_balanced()
            return self.node("interfacetype", start)
        if self.at("func"):
            self.next()
            self.parse_params()
            if self.at("("):
                self.skip_balanced()
            elif self.tok.kind == "ident" or self.at("*", "[", "map"):
                self.parse_type_node(self.tok.pos)
            return self.node("functype", start)
        if self.accept("("):
            typ = self.parse_type_node(self.tok.pos)
            self.expect(")")
            return typ
        name = self.next()
        x = self.node("ident", start, name=name.text)
        if self.accept("."):
            x = self.node("selector", start, x=x, name=self.next().text)
        if self.at("["):
            self.skip_balanced()
            x = self.node("index", start, x=x, index=[])
        return x

    def skip_to_bracket_close(self) -> None:
        depth = 0
        while True:
            t = self.next()
            if t.kind == "eof":
                return
            if t.text in ("(", "[", "{") and t.kind == "op":
                depth += 1
            elif t.text in (")", "]", "}") and t.kind == "op":
                if depth == 0:
                    return
                depth -= 1

    def skip_balanced_from_open(self, opener: str) -> None:
        if self.at(opener):
            self.skip_balanced()


def _number(text: str) -> int | float | str:
    clean = text.replace("_", "")
    try:
        return int(clean, 0)
    except ValueError:
        try:
            return float(clean)
        except ValueError:
            return text


def _default_import_name(path: str) -> str:
    last = path.rstrip("/").split("/")[-1]
    if re.fullmatch(r"v\d+", last) and "/" in path:
        last = path.rstrip("/").split("/")[-2]
    return last.replace("-", "_").replace(".", "_")


def parse_file(path: str, src: str) -> GoFile:
    file = GoFile(path, src, tokenize(src))
    Parser(file).parse_file()
    return file


def parse_body(file: GoFile, span: tuple[int, int]) -> list[Node]:
    parser = Parser(file, span[0], span[1])
    return parser.parse_block_body()
