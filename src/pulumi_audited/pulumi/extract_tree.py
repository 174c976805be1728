"""Extract pulumi's command tree (commands, aliases, flags) from pulumi's own Go source.

    python -m pulumi_audited.pulumi.extract_tree --git-dir DIR [--rev REV] [--version X.Y.Z]
        [-o FILE]
    python -m pulumi_audited.pulumi.extract_tree --source DIR ...

A development tool, never imported by the shim (stdlib only). It runs pulumi's command
constructors symbolically, starting from `NewPulumiCmd` in pkg/cmd/pulumi/pulumi.go: cobra
command literals, AddCommand, Flags()/PersistentFlags() registrations (also through helper
functions, methods, local flag-set variables and loops), Flag(...).NoOptDefVal, and field
assignments. Run-time closures (RunE and friends) are never entered. A condition the source
cannot decide (an environment variable, say) is followed both ways and recorded: as `hidden`
for a command (the expression under which it is hidden or absent), as `when` for a flag
registered only under it. See docs/updating-pulumi-grammar.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_audited.pulumi.go_reader import (
    FuncDecl,
    GoFile,
    Node,
    ValueDecl,
    parse_body,
    parse_file,
)

ROOT_PACKAGE = "pkg/cmd/pulumi"
ROOT_FUNCTION = "NewPulumiCmd"
COBRA = "github.com/spf13/cobra"
PFLAG = "github.com/spf13/pflag"
MAX_DEPTH = 40


# -- reading the source ----------------------------------------------------------------------


class Source:
    """The .go files of a pulumi checkout, from a git object store or a plain directory."""

    def __init__(self, git_dir: str | None, rev: str, directory: str | None):
        self.git_dir = git_dir
        self.rev = rev
        self.directory = Path(directory) if directory else None
        self._batch: subprocess.Popen[bytes] | None = None
        self.paths = self._list()

    def _git(self, *args: str) -> str:
        assert self.git_dir is not None
        out = subprocess.run(
            ["git", "--git-dir", self.git_dir, *args], capture_output=True, text=True, check=True
        )
        return out.stdout

    def _list(self) -> list[str]:
        if self.git_dir:
            return self._git("ls-tree", "-r", "--name-only", self.rev).splitlines()
        assert self.directory is not None
        found = []
        for dirpath, dirnames, filenames in os.walk(self.directory):
            dirnames[:] = [d for d in dirnames if d not in (".git", "node_modules")]
            rel = os.path.relpath(dirpath, self.directory)
            for name in filenames:
                found.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
        return sorted(found)

    def commit(self) -> str:
        if self.git_dir:
            return self._git("rev-parse", self.rev).strip()
        try:
            out = subprocess.run(
                ["git", "-C", str(self.directory), "rev-parse", "HEAD"],
                capture_output=True,
                text=True,
                check=True,
            )
            return out.stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    def read(self, path: str) -> str | None:
        if self.directory is not None:
            try:
                return (self.directory / path).read_text(encoding="utf-8")
            except OSError:
                return None
        if self._batch is None:
            self._batch = subprocess.Popen(
                ["git", "--git-dir", str(self.git_dir), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        assert self._batch.stdin is not None and self._batch.stdout is not None
        self._batch.stdin.write(f"{self.rev}:{path}\n".encode())
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().decode().split()
        if len(header) < 3 or header[1] != "blob":
            return None  # absent from this object store (large files are left out of mirrors)
        data = self._batch.stdout.read(int(header[2]) + 1)[:-1]
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        if self._batch is not None:
            assert self._batch.stdin is not None
            self._batch.stdin.close()
            self._batch.wait()


@dataclass
class Package:
    dir: str
    name: str
    files: list[GoFile]
    funcs: dict[str, FuncDecl] = field(default_factory=dict)
    methods: dict[tuple[str, str], FuncDecl] = field(default_factory=dict)
    values: dict[str, ValueDecl] = field(default_factory=dict)
    types: dict[str, tuple[str, GoFile]] = field(default_factory=dict)


class Loader:
    """Packages by import path, parsed on first use."""

    def __init__(self, source: Source):
        self.source = source
        self.modules = self._modules()
        self.packages: dict[str, Package | None] = {}
        self.by_dir: dict[str, list[str]] = {}
        for path in source.paths:
            if path.endswith(".go") and not path.endswith("_test.go"):
                self.by_dir.setdefault(path.rsplit("/", 1)[0] if "/" in path else "", []).append(
                    path
                )

    def _modules(self) -> list[tuple[str, str]]:
        modules = []
        for path in self.source.paths:
            if path == "go.mod" or path.endswith("/go.mod"):
                text = self.source.read(path) or ""
                m = re.search(r"^module\s+(\S+)", text, re.M)
                if m:
                    modules.append((m.group(1), path[: -len("go.mod")].rstrip("/")))
        return sorted(modules, key=lambda m: -len(m[0]))

    def dir_of(self, import_path: str) -> str | None:
        for module, directory in self.modules:
            if import_path == module or import_path.startswith(module + "/"):
                rest = import_path[len(module) :].lstrip("/")
                return "/".join(p for p in (directory, rest) if p)
        return None

    def load_dir(self, directory: str) -> Package | None:
        if directory in self.packages:
            return self.packages[directory]
        self.packages[directory] = None
        files = []
        for path in self.by_dir.get(directory, []):
            text = self.source.read(path)
            if text is None:
                continue
            parsed = parse_file(path, text)
            if parsed.package.endswith("_test") or (parsed.package == "main" and "cmd" not in path):
                continue
            if (
                "//go:build" in text.split("package", 1)[0]
                and "ignore" in text.split("package", 1)[0]
            ):
                continue
            files.append(parsed)
        if not files:
            return None
        pkg = Package(directory, files[0].package, files)
        for file in files:
            for fn in file.funcs:
                if fn.recv_type:
                    pkg.methods[(fn.recv_type, fn.name)] = fn
                else:
                    pkg.funcs.setdefault(fn.name, fn)
            for value in file.values:
                pkg.values[value.name] = value
            pkg.types.update({name: (text, file) for name, text in file.types.items()})
        self.packages[directory] = pkg
        return pkg

    def load(self, import_path: str) -> Package | None:
        directory = self.dir_of(import_path)
        return None if directory is None else self.load_dir(directory)


# -- values the interpreter computes with -------------------------------------------------------


@dataclass(eq=False)
class Unknown:
    """A value the source does not determine statically, with the expression it came from."""

    text: str


@dataclass(eq=False)
class Flag:
    name: str
    short: str
    type: str
    persistent: bool
    noopt: str | None
    when: list[str]


@dataclass(eq=False)
class Cmd:
    use: str
    fn: str
    file: str
    conds: list[str]  # conditions in force where the command was created
    aliases: list[str] = field(default_factory=list)
    hidden: Any = False
    dfp: Any = False
    flags: dict[str, Flag] = field(default_factory=dict)
    children: list[tuple[Cmd, list[str]]] = field(default_factory=list)

    def name(self) -> str:
        return self.use.split(" ", 1)[0] if isinstance(self.use, str) else ""

    def copy(self) -> Cmd:
        twin = Cmd(self.use, self.fn, self.file, self.conds, list(self.aliases), self.hidden)
        twin.dfp, twin.flags, twin.children = self.dfp, self.flags, list(self.children)
        return twin


@dataclass(eq=False)
class FlagSet:
    cmd: Cmd | None
    persistent: bool
    own: dict[str, Flag] = field(default_factory=dict)  # a free-standing pflag.NewFlagSet

    def table(self) -> dict[str, Flag]:
        return self.cmd.flags if self.cmd is not None else self.own


@dataclass(eq=False)
class FlagRef:
    flag: Flag | None


@dataclass(eq=False)
class Struct:
    pkg: Package | None
    type: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class PkgRef:
    path: str
    pkg: Package | None


@dataclass(eq=False)
class Func:
    decl: FuncDecl | None
    pkg: Package | None
    lit: Node | None = None
    file: GoFile | None = None
    scope: Scope | None = None
    recv: Any = None


class Return(Exception):
    def __init__(self, value: Any):
        self.value = value


class Jump(Exception):
    pass


class Scope:
    def __init__(self, parent: Scope | None = None):
        self.parent = parent
        self.vars: dict[str, Any] = {}

    def lookup(self, name: str) -> tuple[bool, Any]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return True, scope.vars[name]
            scope = scope.parent
        return False, None

    def assign(self, name: str, value: Any) -> None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                scope.vars[name] = value
                return
            scope = scope.parent
        self.vars[name] = value


@dataclass
class Frame:
    pkg: Package
    file: GoFile
    fn: str
    scope: Scope


# pflag's typed registration methods, e.g. StringArrayVarP; plain Var/VarP/VarPF take a Value.
_PFLAG_TYPES = {
    "Bool": "bool", "BoolSlice": "boolSlice", "BytesBase64": "bytesBase64", "BytesHex": "bytesHex",
    "Count": "count", "Duration": "duration", "DurationSlice": "durationSlice",
    "Float32": "float32", "Float32Slice": "float32Slice", "Float64": "float64",
    "Float64Slice": "float64Slice", "IP": "ip", "IPMask": "ipMask", "IPNet": "ipNet",
    "IPSlice": "ipSlice", "Int": "int", "Int8": "int8", "Int16": "int16", "Int32": "int32",
    "Int32Slice": "int32Slice", "Int64": "int64", "Int64Slice": "int64Slice",
    "IntSlice": "intSlice", "String": "string", "StringArray": "stringArray",
    "StringSlice": "stringSlice", "StringToInt": "stringToInt", "StringToInt64": "stringToInt64",
    "StringToString": "stringToString", "Uint": "uint", "Uint8": "uint8", "Uint16": "uint16",
    "Uint32": "uint32", "Uint64": "uint64", "UintSlice": "uintSlice",
}  # fmt: skip
_FLAG_METHOD = re.compile(
    r"^(?P<type>" + "|".join(sorted(_PFLAG_TYPES, key=len, reverse=True)) + r")?"
    r"(?P<var>Var)?(?P<p>P)?(?P<f>F)?$"
)


def negate(text: str) -> str:
    if re.fullmatch(r"![\w.()\"]+", text) and text.count("(") == text.count(")"):
        return text[1:]
    if re.fullmatch(r"[\w.()\"]+", text):
        return "!" + text
    return f"!({text})"


# -- the interpreter -----------------------------------------------------------------------------


class Interpreter:
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
        outer = frame.scope
        frame.scope = Scope(outer)
        try:
            self.run_stmts(frame, block.stmts)
        finally:
            frame.scope = outer

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
        outer = frame.scope
        frame.scope = Scope(outer)
        try:
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
        finally:
            frame.scope = outer
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
            outer = frame.scope
            frame.scope = Scope(outer)
            try:
                for target, v in zip(clause.lhs, (key, value), strict=False):
                    self.store(frame, target, v, True)
                self.run_stmts(frame, stmt.body.stmts)
            except Jump:
                pass
            finally:
                frame.scope = outer

    def exec_for(self, frame: Frame, stmt: Node) -> None:
        pass  # counted and open loops never build commands in pulumi's constructors

    def exec_switch(self, frame: Frame, stmt: Node) -> None:
        outer = frame.scope
        frame.scope = Scope(outer)
        try:
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
        finally:
            frame.scope = outer

    # -- expressions ---------------------------------------------------------------------

    def ev(self, frame: Frame, node: Node) -> Any:
        value = getattr(self, f"ev_{node.kind}", self.ev_unknown)(frame, node)
        if isinstance(value, Unknown) and not value.text:
            return Unknown(frame.file.text(node))
        return value

    def ev_unknown(self, frame: Frame, node: Node) -> Any:
        return Unknown(frame.file.text(node))

    def ev_lit(self, frame: Frame, node: Node) -> Any:
        return node.value

    def ev_paren(self, frame: Frame, node: Node) -> Any:
        return self.ev(frame, node.x)

    def ev_ident(self, frame: Frame, node: Node) -> Any:
        name = node.name
        found, value = frame.scope.lookup(name)
        if found:
            return value
        builtin = {"true": True, "false": False, "nil": None}
        if name in builtin:
            return builtin[name]
        return self.package_member(frame.pkg, name, frame.file, node)

    def package_member(
        self, pkg: Package | None, name: str, file: GoFile | None, node: Node
    ) -> Any:
        if pkg is None:
            return Unknown("")
        if name in pkg.funcs:
            return Func(pkg.funcs[name], pkg)
        if name in pkg.values:
            key = (pkg.dir, name)
            if key not in self.pkg_values:
                decl = pkg.values[name]
                self.pkg_values[key] = Unknown(name)
                frame = Frame(pkg, decl.file, name, Scope())
                if decl.expr is not None:
                    self.pkg_values[key] = self.ev(frame, decl.expr)
                else:
                    self.pkg_values[key] = self.zero(frame, decl.type_text)
            return self.pkg_values[key]
        if file is not None and name in file.imports:
            return self.import_ref_in(file, name)
        return Unknown("")

    def import_ref(self, frame: Frame, name: str) -> Any:
        return self.import_ref_in(frame.file, name) if name in frame.file.imports else None

    def import_ref_in(self, file: GoFile, name: str) -> PkgRef:
        path = file.imports[name]
        return PkgRef(path, self.loader.load(path))

    def ev_selector(self, frame: Frame, node: Node) -> Any:
        x = self.ev(frame, node.x)
        name = node.name
        if isinstance(x, PkgRef):
            return self.package_member(x.pkg, name, None, node) if x.pkg else Unknown("")
        if isinstance(x, Cmd):
            attrs = {"Use": x.use, "Aliases": list(x.aliases), "Hidden": x.hidden}
            if name in attrs:
                return attrs[name]
        if isinstance(x, Struct):
            if name in x.fields:
                return x.fields[name]
            method = self.find_method(x, name)
            if method is not None:
                return method
            child = self.field_zero(x, name)
            x.fields[name] = child  # addressable nested fields such as &r.Field stay shared
            return child
        if isinstance(x, Unknown | Func | None) or x is None:
            return Unknown("")
        return Unknown("")

    def find_method(self, obj: Struct, name: str) -> Func | None:
        if obj.pkg is not None and (obj.type, name) in obj.pkg.methods:
            return Func(obj.pkg.methods[(obj.type, name)], obj.pkg, recv=obj)
        return None

    def ev_unary(self, frame: Frame, node: Node) -> Any:
        x = self.ev(frame, node.x)
        if node.op == "&":
            return x
        if node.op == "*":
            return x.copy() if isinstance(x, Cmd) else x
        if node.op == "!" and isinstance(x, bool):
            return not x
        if node.op == "!" and isinstance(x, Unknown):
            return Unknown(negate(x.text))
        if node.op == "-" and isinstance(x, int | float):
            return -x
        return Unknown("")

    def ev_binary(self, frame: Frame, node: Node) -> Any:
        x = self.ev(frame, node.x)
        if node.op in ("&&", "||"):
            return self.ev_logic(frame, node, x)
        y = self.ev(frame, node.y)
        if isinstance(x, Unknown) or isinstance(y, Unknown) or type(x) is not type(y):
            return Unknown("")
        if node.op == "+" and isinstance(x, str | int):
            return x + y
        if node.op == "==":
            return x == y
        if node.op == "!=":
            return x != y
        return Unknown("")

    def ev_logic(self, frame: Frame, node: Node, x: Any) -> Any:
        """&& and ||; an undecidable side keeps its own text, so a condition reads as written
        even when it comes from another function (deployment.RemoteSupported, say)."""
        short = node.op == "||"
        if x is short:
            return short
        y = self.ev(frame, node.y)
        if y is short:
            return short
        if isinstance(x, bool):
            return y
        if isinstance(y, bool):
            return x
        if isinstance(x, Unknown) and isinstance(y, Unknown):
            wrap = (lambda t: f"({t})" if "||" in t else t) if node.op == "&&" else (lambda t: t)
            return Unknown(f"{wrap(x.text)} {node.op} {wrap(y.text)}")
        return Unknown("")

    def ev_index(self, frame: Frame, node: Node) -> Any:
        x = self.ev(frame, node.x)
        if isinstance(x, Func | PkgRef):
            return x  # a generic function or type instantiation: f[T]
        if len(node.index) == 1 and node.index[0] is not None:
            i = self.ev(frame, node.index[0])
            if isinstance(x, list) and isinstance(i, int) and -len(x) <= i < len(x):
                return x[i]
            if isinstance(x, dict) and not isinstance(i, Unknown):
                return x.get(i, Unknown(""))
        return Unknown("")

    def ev_composite(self, frame: Frame, node: Node) -> Any:
        typ = node.type
        if typ is not None and typ.kind == "arraytype":
            return [self.ev_element(frame, v, typ.elem) for _, v in node.elems]
        if typ is not None and typ.kind == "maptype":
            return {
                self.ev(frame, k) if k is not None else None: self.ev_element(frame, v, typ.elem)
                for k, v in node.elems
            }
        pkg, tname = self.type_of(frame, typ)
        if pkg == COBRA and tname == "Command":
            return self.new_cmd(frame, node)
        package = pkg if isinstance(pkg, Package) else None
        obj = Struct(package, tname)
        for key, value in node.elems:
            if key is not None and key.kind == "ident":
                obj.fields[key.name] = self.ev(frame, value)
        return obj

    def ev_element(self, frame: Frame, value: Node, elem_type: Node | None) -> Any:
        # Elided element types: []T{{...}} and []*T{{...}} both mean T{...}.
        if value.kind == "composite" and value.type is None and elem_type is not None:
            typ = elem_type.elem if elem_type.kind == "pointertype" else elem_type
            value = Node("composite", value.start, value.end, {**value.f, "type": typ})
        return self.ev(frame, value)

    def type_of(self, frame: Frame, typ: Node | None) -> tuple[Any, str]:
        """(package, type name) of a named type; package is COBRA for cobra's types."""
        if typ is None:
            return None, ""
        if typ.kind in ("index", "pointertype"):
            return self.type_of(frame, typ.x if typ.kind == "index" else typ.elem)
        if typ.kind == "ident":
            return frame.pkg, typ.name
        if typ.kind == "selector" and typ.x.kind == "ident":
            path = frame.file.imports.get(typ.x.name)
            if path == COBRA:
                return COBRA, typ.name
            if path is not None:
                return self.loader.load(path), typ.name
        return None, ""

    def new_cmd(self, frame: Frame, node: Node) -> Cmd:
        cmd = Cmd("", frame.fn, frame.file.path, list(self.conds))
        for key, value in node.elems:
            name = key.name if key is not None and key.kind == "ident" else ""
            if name == "Version" and frame.fn == ROOT_FUNCTION:
                self.root_has_version = True
            elif name in ("Use", "Aliases", "Hidden", "DisableFlagParsing"):
                self.set_field(frame, cmd, name, self.ev(frame, value))
        return cmd

    def ev_funclit(self, frame: Frame, node: Node) -> Any:
        return Func(None, frame.pkg, lit=node, file=frame.file, scope=frame.scope)

    def ev_call(self, frame: Frame, node: Node) -> Any:
        fn_node = node.fn
        if fn_node.kind == "paren":
            fn_node = fn_node.x
        if fn_node.kind in ("arraytype", "maptype", "pointertype", "functype", "chantype"):
            return self.ev(frame, node.args[0]) if node.args else Unknown("")
        if fn_node.kind == "selector":
            x = self.ev(frame, fn_node.x)
            if isinstance(x, Cmd):
                return self.cmd_method(frame, node, x, fn_node.name)
            if isinstance(x, FlagSet):
                return self.flagset_method(frame, node, x, fn_node.name)
            if isinstance(x, PkgRef) and x.path == COBRA:
                return Unknown("")
            if isinstance(x, PkgRef) and x.path == PFLAG and fn_node.name == "NewFlagSet":
                return FlagSet(None, False)
        if fn_node.kind == "ident" and fn_node.name in _BUILTINS:
            found, _ = frame.scope.lookup(fn_node.name)
            if not found:
                return _BUILTINS[fn_node.name](self, frame, node)
        fn = self.ev(frame, fn_node)
        args = self.call_args(frame, node)
        if isinstance(fn, Func):
            return self.invoke(frame, fn, args, node)
        if isinstance(fn, Struct | PkgRef) or fn is None:
            return args[0] if len(args) == 1 else Unknown("")  # a conversion such as T(x)
        if fn_node.kind == "selector" and self.interesting(args):
            method = self.method_by_name(frame, fn_node.name)
            if method is not None:
                recv = self.ev(frame, fn_node.x)
                return self.invoke(frame, Func(method[0], method[1], recv=recv), args, node)
        return Unknown("")

    def call_args(self, frame: Frame, node: Node) -> list[Any]:
        args = [self.ev(frame, a) for a in node.args]
        if node.ellipsis and args and isinstance(args[-1], list):
            args = args[:-1] + args[-1]
        return args

    def interesting(self, args: list[Any]) -> bool:
        return any(isinstance(a, Cmd | FlagSet | FlagRef) for a in args)

    def method_by_name(self, frame: Frame, name: str) -> tuple[FuncDecl, Package] | None:
        """A method whose receiver type the interpreter lost, found by name (own package first)."""
        candidates = [(d, frame.pkg) for (_, n), d in frame.pkg.methods.items() if n == name]
        if not candidates:
            for pkg in self.loader.packages.values():
                if pkg is not None:
                    candidates += [(d, pkg) for (_, n), d in pkg.methods.items() if n == name]
        return candidates[0] if len(candidates) == 1 else None

    def invoke(self, frame: Frame, fn: Func, args: list[Any], node: Node) -> Any:
        if fn.lit is not None:
            return self.call_lit(fn, args)
        assert fn.decl is not None and fn.pkg is not None
        builds = "Command" in fn.decl.results or "FlagSet" in fn.decl.results
        if not (builds or self.interesting(args) or self.interesting([fn.recv])):
            return self.cheap_call(fn)
        return self.call_decl(fn.decl, fn.pkg, args, fn.recv)

    def cheap_call(self, fn: Func) -> Any:
        """Functions that build nothing: only a lone `return <expression>` is worth evaluating."""
        assert fn.decl is not None and fn.pkg is not None
        if fn.decl.body is None:
            return Unknown("")
        stmts = parse_body(fn.decl.file, fn.decl.body)
        if len(stmts) == 1 and stmts[0].kind == "return":
            return self.call_decl(fn.decl, fn.pkg, [], fn.recv)
        return Unknown("")

    # -- cobra and pflag -----------------------------------------------------------------

    def cmd_method(self, frame: Frame, node: Node, cmd: Cmd, name: str) -> Any:
        args = self.call_args(frame, node)
        if name == "AddCommand":
            for child in args:
                if isinstance(child, Cmd):
                    extra = [c for c in self.conds if c not in cmd.conds]
                    cmd.children.append((child, extra))
                else:
                    self.warn(
                        frame, node, f"AddCommand of an unknown command: {frame.file.text(node)}"
                    )
            return None
        if name in ("Flags", "LocalFlags", "LocalNonPersistentFlags", "InheritedFlags"):
            return FlagSet(cmd, False)
        if name == "PersistentFlags":
            return FlagSet(cmd, True)
        if name == "Flag" and args and isinstance(args[0], str):
            return FlagRef(cmd.flags.get(args[0]))
        if name == "Commands":
            return sorted((c for c, _ in cmd.children), key=Cmd.name)
        if name == "Name":
            return cmd.name()
        return Unknown("")

    def flagset_method(self, frame: Frame, node: Node, fs: FlagSet, name: str) -> Any:
        args = self.call_args(frame, node)
        if name == "Lookup" and args and isinstance(args[0], str):
            return FlagRef(fs.table().get(args[0]))
        if name == "AddFlagSet" and args and isinstance(args[0], FlagSet):
            for flag in args[0].table().values():
                self.add_flag(frame, node, fs, flag.name, flag.short, flag.type, flag.noopt)
            return None
        if name == "AddFlag" and args and isinstance(args[0], FlagRef) and args[0].flag:
            f = args[0].flag
            self.add_flag(frame, node, fs, f.name, f.short, f.type, f.noopt)
            return None
        m = _FLAG_METHOD.match(name)
        if not m or not (m.group("type") or m.group("var")):
            return Unknown("")
        custom = not m.group("type")
        rest = list(args)
        value = rest.pop(0) if (m.group("var") or custom) and rest else None
        flag_name = rest.pop(0) if rest else None
        short = rest.pop(0) if m.group("p") and rest else ""
        if not isinstance(flag_name, str) or not isinstance(short, str):
            self.warn(frame, node, f"flag with an undetermined name: {frame.file.text(node)}")
            return FlagRef(None)
        if custom:
            ftype = self.value_type(value)
            if ftype is None:
                self.warn(frame, node, f"flag --{flag_name} of an undetermined type")
                ftype = "unknown"
        else:
            ftype = _PFLAG_TYPES[m.group("type")]
        noopt = {"bool": "true", "count": "+1"}.get(ftype) if not custom else None
        return FlagRef(self.add_flag(frame, node, fs, flag_name, short, ftype, noopt))

    def add_flag(
        self, frame: Frame, node: Node, fs: FlagSet, name: str, short: str, ftype: str, noopt: Any
    ) -> Flag:
        table = fs.table()
        base = fs.cmd.conds if fs.cmd is not None else []
        when = [c for c in self.conds if c not in base]
        flag = Flag(name, short, ftype, fs.persistent, noopt, when)
        if name in table:
            self.warn(frame, node, f"flag --{name} registered twice")
            return table[name]
        table[name] = flag
        return flag

    def value_type(self, value: Any) -> str | None:
        """The pflag type of a custom flag value: what its Type() method returns."""
        if not isinstance(value, Struct):
            return None
        method = self.find_method(value, "Type")
        if method is None:
            return None
        result = self.invoke_plain(method)
        return result if isinstance(result, str) else None

    def invoke_plain(self, fn: Func) -> Any:
        assert fn.decl is not None and fn.pkg is not None
        return self.call_decl(fn.decl, fn.pkg, [], fn.recv)


def _append(interp: Interpreter, frame: Frame, node: Node) -> Any:
    args = interp.call_args(frame, node)
    if args and isinstance(args[0], list):
        if node.ellipsis:
            return args[0] + args[1:]
        return args[0] + args[1:]
    if args and args[0] is None:
        return list(args[1:])
    return Unknown("")


def _make(interp: Interpreter, frame: Frame, node: Node) -> Any:
    kind = node.args[0].kind if node.args else ""
    return {} if kind == "maptype" else [] if kind == "arraytype" else Unknown("")


def _new(interp: Interpreter, frame: Frame, node: Node) -> Any:
    return interp.zero(frame, frame.file.text(node.args[0])) if node.args else Unknown("")


_BUILTINS = {"append": _append, "make": _make, "new": _new}


# -- from interpreted commands to JSON ----------------------------------------------------------


def truthy_text(value: Any) -> str:
    """A cobra bool field as the shared tree writes it: "" for false, "true", or an expression."""
    if value is True:
        return "true"
    if isinstance(value, Unknown):
        return value.text
    return ""


def combined_hidden(cmd: Cmd, add_conds: list[str]) -> str:
    parts = [truthy_text(cmd.hidden)] + [negate(c) for c in add_conds]
    parts = [p for p in parts if p]
    if "true" in parts:
        return "true"
    return " || ".join(parts)


def flag_json(flag: Flag) -> dict[str, Any]:
    noopt = flag.noopt if isinstance(flag.noopt, str) and flag.noopt != "" else None
    is_bool = (noopt == "true" and flag.type == "bool") or flag.type == "count"
    data: dict[str, Any] = {
        "short": flag.short,
        "kind": "bool" if is_bool else "value",
        "type": flag.type,
        "persistent": flag.persistent,
        "noopt": None if is_bool else noopt,
    }
    if flag.when:
        data["when"] = " && ".join(flag.when)
    return data


def cmd_json(cmd: Cmd, path: str, add_conds: list[str], seen: set[int]) -> dict[str, Any]:
    key = id(cmd)
    if key in seen:
        raise RuntimeError(f"command cycle at {path!r}")
    seen = seen | {key}
    children = sorted(cmd.children, key=lambda c: c[0].name())
    return {
        "path": path,
        "use": cmd.name(),
        "aliases": list(cmd.aliases),
        "hidden": combined_hidden(cmd, add_conds),
        "fn": cmd.fn,
        "file": cmd.file,
        "dfp": truthy_text(cmd.dfp) == "true",
        "flags": {name: flag_json(cmd.flags[name]) for name in sorted(cmd.flags)},
        "children": [
            cmd_json(child, f"{path} {child.name()}".strip(), conds, seen)
            for child, conds in children
        ],
    }


DO_PACKAGE = "pkg/cmd/pulumi/do"

# What `pulumi do` accepts beyond what cobra sees, read from pkg/cmd/pulumi/do/*.go (v3.259):
# do.go (NewDoCmd, buildSubcommand, packageCommand.newCommand), do_resource.go,
# do_resource_upsert.go, do_function.go, do_shared.go (addInputFlagsTo), do_global.go.
# The operation subcommands and their flags are extracted (see do_modes); this is the prose
# around them, to be re-read when the extracted part changes.
DO_GRAMMAR: dict[str, Any] = {
    "usage": "pulumi do [do flags] <token> [<operation> [<name>|<id>]] [flags]",
    "parsing": (
        "`do` has DisableFlagParsing; its RunE parses its own flags (--dry-run, --show-secrets, "
        "--output, --stateless, --package) with unknown flags allowed, takes the first positional "
        "as the token, builds a command from the provider's schema and runs it with do's flags "
        "copied onto it as persistent flags; so do's flags may stand anywhere on the line. "
        "Cobra still finds the static child show-resources as the first positional."
    ),
    "package": (
        "The provider package is --package (one word: 'name[@version] [parameters...]', "
        "shell-split; the parameters parameterize the provider) or else the token's text before "
        "the first ':'. The plugin is installed on first use."
    ),
    "tokens": {
        "package": (
            "no positional with --package, or a positional without ':': a help-only command "
            "listing the package's modules, resources and functions; no further positionals"
        ),
        "module": "pkg:module naming a module of the schema: help-only, no further positionals",
        "resource": (
            "pkg:module:Type naming a resource: takes one operation word (below), then that "
            "operation's positional"
        ),
        "function": (
            "pkg:module:function naming a function: invoked at once, no operation word and no "
            "positional (flags only)"
        ),
    },
    "function_changes_cloud_resources": False,
    "stateful_by_default": True,
    "stateless_flag": "stateless",
    "dry_run_flag": "dry-run",
    "writes_state": (
        "Without --stateless, create/upsert/patch/delete run a stack update (preview with "
        "--dry-run) that adds, replaces or removes a resource snippet in the current stack; "
        "outside a project the stack is `default` of the project `default-global-project` under "
        "$PULUMI_HOME, created on first use. With --stateless they call the provider directly "
        "and write no state. read, list and function invocations call the provider only."
    ),
    "input_flags": (
        "Per schema property P (kebab-cased): --P VALUE (literal) and hidden --P+ VALUE "
        "(an expression in the input format), also namespaced as --input:P / --input:P+; boolean "
        "properties are value-optional (--P alone means true, else --P=false); string, integer "
        "and number properties take a value. Provider configuration properties are the same under "
        "the package's name: --<package>:P (persistent on the resource command). Other property "
        "types have no flag. All are string flags to pflag."
    ),
}

DO_MUTATING = ("create", "upsert", "patch", "delete")


def do_modes(interp: Interpreter) -> dict[str, Any]:
    """Runs do's per-schema constructors with an unknown schema, once per --stateless value."""
    pkg = interp.loader.load_dir(DO_PACKAGE)
    if pkg is None:
        return {}
    modes: dict[str, Any] = {}
    for mode, stateless in (("stateful", False), ("stateless", True)):
        pc = Struct(pkg, "packageCommand", {"stateless": stateless})
        decl = pkg.methods[("packageCommand", "newResourceCommand")]
        resource = interp.call_decl(decl, pkg, [Unknown("res")], pc)
        if isinstance(resource, Cmd):
            modes[mode] = dynamic_node(resource, "<token>", [], stateless)
    decl = pkg.methods[("packageCommand", "newFunctionCommand")]
    function = interp.call_decl(decl, pkg, [Unknown("fn")], Struct(pkg, "packageCommand"))
    if isinstance(function, Cmd):
        modes["function"] = dynamic_node(function, "<token>", [], None)
    return modes


def dynamic_node(cmd: Cmd, name: str, conds: list[str], stateless: bool | None) -> dict[str, Any]:
    use = cmd.use if isinstance(cmd.use, str) and cmd.use else name
    node: dict[str, Any] = {
        "use": use.split(" ", 1)[0] if cmd.use else name,
        "positional": use.split(" ", 1)[1] if " " in use else "",
        "when": " && ".join(conds),
        "flags": {n: flag_json(cmd.flags[n]) for n in sorted(cmd.flags)},
    }
    if stateless is not None and cmd.children == []:
        node["changes_cloud_resources"] = node["use"] in DO_MUTATING
        node["writes_state"] = node["use"] in DO_MUTATING and not stateless
    if cmd.children:
        node["operations"] = [
            dynamic_node(child, child.name(), c, stateless)
            for child, c in sorted(cmd.children, key=lambda c: c[0].name())
        ]
    return node


COBRA_FILE = "github.com/spf13/cobra"


def add_cobra_defaults(root: Cmd, has_version: bool) -> None:
    """What cobra adds when the root command executes (cobra v1.10, command.go and completions.go):
    a local --help/-h on every command, --version on a root with a Version (its -v is taken by
    --verbose here), the `help` command, and the hidden `__complete` (alias `__completeNoDesc`)
    that shell completion scripts run. pulumi turns cobra's `completion` command off."""
    help_cmd = Cmd("help [command]", "(cobra) InitDefaultHelpCmd", COBRA_FILE, [])
    complete = Cmd("__complete [command-line]", "(cobra) initCompleteCmd", COBRA_FILE, [])
    complete.aliases, complete.hidden, complete.dfp = ["__completeNoDesc"], True, True
    root.children += [(help_cmd, []), (complete, [])]
    if has_version and "version" not in root.flags:
        short = "" if any(f.short == "v" for f in root.flags.values()) else "v"
        root.flags["version"] = Flag("version", short, "bool", False, "true", [])
    stack, seen = [root], set()
    while stack:
        cmd = stack.pop()
        if id(cmd.flags) not in seen and "help" not in cmd.flags:
            cmd.flags["help"] = Flag("help", "h", "bool", False, "true", [])
        seen.add(id(cmd.flags))
        stack.extend(child for child, _ in cmd.children)


def extract(source: Source) -> tuple[dict[str, Any], list[str]]:
    loader = Loader(source)
    pkg = loader.load_dir(ROOT_PACKAGE)
    if pkg is None or ROOT_FUNCTION not in pkg.funcs:
        raise SystemExit(f"{ROOT_PACKAGE}: no {ROOT_FUNCTION} found")
    interp = Interpreter(loader)
    result = interp.call_decl(pkg.funcs[ROOT_FUNCTION], pkg, [])
    root = result[0] if isinstance(result, list) else result
    if not isinstance(root, Cmd):
        raise SystemExit(f"{ROOT_FUNCTION} did not yield a command")
    add_cobra_defaults(root, interp.root_has_version)
    tree = cmd_json(root, "", [], set())
    for node in tree["children"]:
        if node["file"].startswith(DO_PACKAGE + "/") and node["use"] == "do":
            node["dynamic"] = {**DO_GRAMMAR, **do_modes(interp)}
    return tree, interp.warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pulumi_audited.pulumi.extract_tree")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--git-dir", help="a pulumi git repository (bare or not)")
    where.add_argument("--source", help="a plain checkout of pulumi")
    parser.add_argument("--rev", default="HEAD", help="the revision to read (with --git-dir)")
    parser.add_argument("--version", default="", help="the pulumi release, X.Y.Z")
    parser.add_argument("-o", "--output", help="where to write the JSON (default: stdout)")
    args = parser.parse_args(argv)
    git_dir = args.git_dir
    if git_dir and (Path(git_dir) / ".git").exists():
        git_dir = str(Path(git_dir) / ".git")
    source = Source(git_dir, args.rev, args.source)
    try:
        tree, warnings = extract(source)
        document = {"pulumi_version": args.version, "source_commit": source.commit(), **tree}
    finally:
        source.close()
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
