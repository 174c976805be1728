"""extract_tree's interpreter, its first half: calls and statements.

Runs pulumi's command constructors symbolically (see extract_tree). A condition the source
cannot decide is followed both ways, recorded in `conds`. Expressions are go_eval's.
A development tool; the shim never imports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pulumi_audited.pulumi.go_reader import parse_body
from pulumi_audited.pulumi.go_source import Loader, Package
from pulumi_audited.pulumi.go_syntax import FuncDecl, GoFile, Node
from pulumi_audited.pulumi.go_values import (
    COBRA,
    Cmd,
    FlagRef,
    Frame,
    Func,
    Jump,
    Return,
    Scope,
    Struct,
    Unknown,
    negate,
)

MAX_DEPTH = 40


class Executor:
    """Calls and statements; `ev` (an expression's value) is go_eval.Interpreter's."""

    def __init__(self, loader: Loader):
        self.loader = loader
        self.conds: list[str] = []
        self.depth = 0
        self.warnings: list[str] = []
        self.pkg_values: dict[tuple[str, str], Any] = {}
        self.root_has_version = False

    def warn(self, frame: Frame, node: Node, message: str) -> None:
        line = frame.file.src.count("\n", 0, node.start) + 1
        self.warnings.append(f"{frame.file.path}:{line}: {message}")

    # -- calls ---------------------------------------------------------------------------

    def call_decl(self, decl: FuncDecl, pkg: Package, args: list[Any], recv: Any = None) -> Any:
        if decl.body is None or self.depth > MAX_DEPTH:
            return Unknown(decl.name + "()")
        scope = Scope()
        if decl.recv_name:
            scope.vars[decl.recv_name] = recv
        self._bind(scope, decl.params, decl.variadic, args)
        frame = Frame(pkg, decl.file, decl.name, scope)
        return self._run(frame, parse_body(decl.file, decl.body))

    def call_lit(self, fn: Func, args: list[Any]) -> Any:
        assert fn.lit is not None and fn.file is not None and fn.pkg is not None
        scope = Scope(fn.scope)
        self._bind(scope, fn.lit.params, fn.lit.variadic, args)
        frame = Frame(fn.pkg, fn.file, "func literal", scope)
        return self._run(frame, parse_body(fn.file, fn.lit.body))

    def _bind(self, scope: Scope, params: list[str], variadic: bool, args: list[Any]) -> None:
        for i, name in enumerate(params):
            if variadic and i == len(params) - 1:
                scope.vars[name] = list(args[i:])
            else:
                scope.vars[name] = args[i] if i < len(args) else None

    def _run(self, frame: Frame, stmts: list[Node]) -> Any:
        self.depth += 1
        saved = len(self.conds)
        try:
            self.run_stmts(frame, stmts)
        except Return as r:
            return r.value
        except Jump:
            return None
        finally:
            self.depth -= 1
            del self.conds[saved:]
        return None

    # -- statements ----------------------------------------------------------------------

    def run_stmts(self, frame: Frame, stmts: list[Node]) -> None:
        saved = len(self.conds)
        try:
            for stmt in stmts:
                self.exec(frame, stmt)
        finally:
            del self.conds[saved:]

    def exec(self, frame: Frame, stmt: Node) -> None:
        handler = getattr(self, f"exec_{stmt.kind}", None)
        if handler is not None:
            handler(frame, stmt)

    def exec_block(self, frame: Frame, block: Node) -> None:
        with _block_scope(frame):
            self.run_stmts(frame, block.stmts)

    def exec_expr(self, frame: Frame, stmt: Node) -> None:
        self.ev(frame, stmt.x)

    def exec_go(self, frame: Frame, stmt: Node) -> None:
        pass  # goroutines and deferred calls run later, never while the tree is built

    def exec_return(self, frame: Frame, stmt: Node) -> None:
        values = [self.ev(frame, e) for e in stmt.exprs]
        raise Return(values[0] if len(values) == 1 else values)

    def exec_jump(self, frame: Frame, stmt: Node) -> None:
        raise Jump()

    def exec_decl(self, frame: Frame, stmt: Node) -> None:
        for spec in stmt.specs:
            if spec.expr is not None:
                value = self.ev(frame, spec.expr)
            else:
                value = self.zero(frame, spec.type_text)
            frame.scope.vars[spec.name] = value

    def zero(self, frame: Frame, type_text: str) -> Any:
        return self.zero_in(frame.pkg, frame.file, type_text)

    def zero_in(self, pkg: Package | None, file: GoFile, type_text: str) -> Any:
        """The zero value of a type; named types become empty structs that know their methods."""
        t = type_text.replace(" ", "")
        if t == "string":
            return ""
        if t == "bool":
            return False
        if t.startswith("[]"):
            return []
        m = re.fullmatch(r"\*?(?:(\w+)\.)?(\w+)(?:\[.*\])?", t)
        if m is None:
            return Unknown(type_text)
        if m.group(1):
            path = file.imports.get(m.group(1))
            if path == COBRA and m.group(2) == "Command":
                return Unknown(type_text)
            pkg = self.loader.load(path) if path else None
        elif pkg is None or m.group(2) not in pkg.types:
            return Unknown(type_text)
        return Struct(pkg, m.group(2))

    def field_zero(self, obj: Struct, name: str) -> Any:
        """The zero value of a struct field, looked up in the type's declaration."""
        if obj.pkg is None or obj.type not in obj.pkg.types:
            return Struct(None, "")
        text, file = obj.pkg.types[obj.type]
        body = re.search(r"struct \{(.*)\}", text)
        for line in (body.group(1) if body else "").split(";"):
            words = line.split()
            if len(words) > 1 and words[0] == name:
                return self.zero_in(obj.pkg, file, " ".join(words[1:]))
            if len(words) == 1 or (len(words) == 3 and words[1] == "."):
                embedded = self.zero_in(obj.pkg, file, " ".join(words))  # an embedded struct
                if isinstance(embedded, Struct) and embedded.pkg is not None:
                    found = self.field_zero(embedded, name)
                    if not isinstance(found, Struct) or found.pkg is not None:
                        return found
        return Struct(None, "")

    def exec_assign(self, frame: Frame, stmt: Node) -> None:
        if len(stmt.rhs) == 1 and len(stmt.lhs) > 1:
            value = self.ev(frame, stmt.rhs[0])
            values = value if isinstance(value, list) and len(value) == len(stmt.lhs) else None
            if values is None:
                values = [value] + [Unknown("") for _ in stmt.lhs[1:]]
        else:
            values = [self.ev(frame, e) for e in stmt.rhs]
        for target, value in zip(stmt.lhs, values, strict=False):
            self.store(frame, target, value, stmt.define)

    def exec_opassign(self, frame: Frame, stmt: Node) -> None:
        if stmt.op == "+" and stmt.lhs[0].kind == "ident":
            left = self.ev(frame, stmt.lhs[0])
            right = self.ev(frame, stmt.rhs[0])
            if isinstance(left, str) and isinstance(right, str):
                self.store(frame, stmt.lhs[0], left + right, False)
                return
        for target in stmt.lhs:
            if target.kind == "ident":
                self.store(frame, target, Unknown(frame.file.text(target)), False)

    def store(self, frame: Frame, target: Node, value: Any, define: bool) -> None:
        if target.kind == "ident":
            if target.name == "_":
                return
            if define:
                frame.scope.vars[target.name] = value
            else:
                frame.scope.assign(target.name, value)
        elif target.kind == "selector":
            self.set_field(frame, self.ev(frame, target.x), target.name, value)
        elif (target.kind == "unary" and target.op == "*") or target.kind == "paren":
            self.store(frame, target.x, value, define)

    def set_field(self, frame: Frame, obj: Any, name: str, value: Any) -> None:
        if isinstance(obj, Cmd):
            if name == "Use" and isinstance(value, str):
                obj.use = value
            elif name == "Aliases" and isinstance(value, list):
                obj.aliases = [a for a in value if isinstance(a, str)]
            elif name == "Hidden":
                obj.hidden = value
            elif name == "DisableFlagParsing":
                obj.dfp = value
        elif isinstance(obj, FlagRef) and name == "NoOptDefVal" and obj.flag is not None:
            obj.flag.noopt = value if isinstance(value, str) else str(getattr(value, "text", ""))
        elif isinstance(obj, Struct):
            obj.fields[name] = value

    def exec_if(self, frame: Frame, stmt: Node) -> None:
        with _block_scope(frame):
            if stmt.init is not None:
                self.exec(frame, stmt.init)
            cond = self.ev(frame, stmt.cond)
            if isinstance(cond, bool):
                branch = stmt.then if cond else stmt.other
                if branch is not None:
                    self.exec(frame, branch)
                return
            text = cond.text if isinstance(cond, Unknown) else frame.file.text(stmt.cond)
            then_returns = self.run_branch(frame, stmt.then, text)
            else_returns = stmt.other is not None and self.run_branch(
                frame, stmt.other, negate(text)
            )
        # After `if cond { return }` the rest of the block runs only when cond is false.
        if then_returns and not else_returns:
            self.conds.append(negate(text))
        elif else_returns and not then_returns:
            self.conds.append(text)

    def run_branch(self, frame: Frame, branch: Node, cond: str) -> bool:
        """Runs a branch under an undecidable condition; True when it always returns."""
        self.conds.append(cond)
        try:
            self.exec(frame, branch)
        except (Return, Jump):
            return True
        finally:
            self.conds.pop()
        stmts = branch.stmts if branch.kind == "block" else [branch]
        return bool(stmts) and stmts[-1].kind == "return"

    def exec_range(self, frame: Frame, stmt: Node) -> None:
        clause = stmt.clause
        seq = self.ev(frame, clause.x)
        if isinstance(seq, dict):
            items = list(seq.items())
        elif isinstance(seq, list):
            items = list(enumerate(seq))
        else:
            return
        for key, value in items:
            with _block_scope(frame):
                try:
                    for target, v in zip(clause.lhs, (key, value), strict=False):
                        self.store(frame, target, v, True)
                    self.run_stmts(frame, stmt.body.stmts)
                except Jump:
                    pass

    def exec_for(self, frame: Frame, stmt: Node) -> None:
        pass  # counted and open loops never build commands in pulumi's constructors

    def exec_switch(self, frame: Frame, stmt: Node) -> None:
        with _block_scope(frame):
            if stmt.init is not None:
                self.exec(frame, stmt.init)
            tag = (
                self.ev(frame, stmt.tag.x)
                if stmt.tag is not None and stmt.tag.kind == "expr"
                else True
            )
            for exprs, body in stmt.cases:
                if exprs is None or any(
                    self.ev(frame, e) == tag for e in exprs if not isinstance(tag, Unknown)
                ):
                    self.run_stmts(frame, body)
                    return

    def ev(self, frame: Frame, node: Node) -> Any:
        raise NotImplementedError


@contextmanager
def _block_scope(frame: Frame) -> Iterator[None]:
    """A Go block's scope (and an if, switch or range header's): what it declares ends with it."""
    outer = frame.scope
    frame.scope = Scope(outer)
    try:
        yield
    finally:
        frame.scope = outer
