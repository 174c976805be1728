"""extract_tree's interpreter, its second half: expressions, and the cobra and pflag calls
that build the command tree (Flags()/PersistentFlags() registrations, AddCommand, NoOptDefVal).

A development tool; the shim never imports it.
"""

from __future__ import annotations

from typing import Any

from pulumi_audited.pulumi.go_exec import Executor
from pulumi_audited.pulumi.go_reader import parse_body
from pulumi_audited.pulumi.go_source import Package
from pulumi_audited.pulumi.go_syntax import FuncDecl, GoFile, Node
from pulumi_audited.pulumi.go_values import (
    COBRA,
    FLAG_METHOD,
    PFLAG,
    PFLAG_TYPES,
    Cmd,
    Flag,
    FlagRef,
    FlagSet,
    Frame,
    Func,
    PkgRef,
    Scope,
    Struct,
    Unknown,
    negate,
)

ROOT_FUNCTION = "NewPulumiCmd"


class Interpreter(Executor):
    """Runs pulumi's command constructors, building the tree as `Cmd` and `Flag` values."""

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
        m = FLAG_METHOD.match(name)
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
            ftype = PFLAG_TYPES[m.group("type")]
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
