"""Go expressions and types, read by recursive descent (the base of go_reader.Parser).

A development tool (see extract_tree); the shim never imports it. Types the interpreter never
looks into are skipped by bracket matching rather than parsed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pulumi_audited.pulumi.go_syntax import GoFile, Node, Tok, unquote


class ExprParser:
    """Recursive descent over one file's tokens: the cursor, expressions and types."""

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
