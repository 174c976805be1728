"""The values extract_tree's interpreter computes with: cobra commands and pflag flags as
they are built, structs, functions, scopes, and what stays unknown.

A development tool; the shim never imports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pulumi_audited.pulumi.go_source import Package
from pulumi_audited.pulumi.go_syntax import FuncDecl, GoFile, Node

COBRA = "github.com/spf13/cobra"
PFLAG = "github.com/spf13/pflag"


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
PFLAG_TYPES = {
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
FLAG_METHOD = re.compile(
    r"^(?P<type>" + "|".join(sorted(PFLAG_TYPES, key=len, reverse=True)) + r")?"
    r"(?P<var>Var)?(?P<p>P)?(?P<f>F)?$"
)


def negate(text: str) -> str:
    if re.fullmatch(r"![\w.()\"]+", text) and text.count("(") == text.count(")"):
        return text[1:]
    if re.fullmatch(r"[\w.()\"]+", text):
        return "!" + text
    return f"!({text})"
