"""A small reader of Go source: the syntax tree of the parts extract_tree needs.

A development tool (see extract_tree); the shim never imports it. It parses the Go that
pulumi's command constructors are written in: declarations, statements and expressions
(go_expr_reader), over go_syntax's tokens. Type declarations and other things the interpreter
never looks into are skipped by bracket matching rather than parsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pulumi_audited.pulumi.go_expr_reader import ExprParser
from pulumi_audited.pulumi.go_syntax import FuncDecl, GoFile, Node, ValueDecl, tokenize, unquote


class Parser(ExprParser):
    """Go declarations and statements."""

    def parse_file(self) -> None:
        self.skip_semis()
        self.expect("package")
        self.file.package = self.next().text
        self.skip_semis()
        while self.at("import"):
            self.next()
            self.parse_group(self.parse_import_spec)
            self.skip_semis()
        while self.tok.kind != "eof":
            self.parse_top_decl()
            self.skip_semis()

    def parse_group(self, parse_spec: Callable[[], None]) -> None:
        """One spec, or a parenthesized group of them (`import (...)`, `type (...)`)."""
        if self.accept("("):
            while not self.accept(")"):
                parse_spec()
                self.skip_semis()
        else:
            parse_spec()

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
            self.parse_group(self.parse_type_spec)
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
