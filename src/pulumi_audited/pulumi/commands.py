"""pulumi's command tree at run time, built from the generated grammar on first use.

A command line visits a handful of the tree's few hundred nodes: children and flag tables are
built only for those. Cobra's rules (github.com/spf13/cobra, command.go): a command's flags are
its own and the persistent flags of its ancestors; a subcommand is found by name or alias.
"""

from pulumi_audited.pulumi.grammar import COMMANDS, DYNAMIC
from pulumi_audited.pulumi.meaning import LEGACY_COMMANDS


class FlagTable:
    """Every flag valid on one command, by long name."""

    __slots__ = ("globals", "inherited", "kinds", "shorts", "to_inherit")

    def __init__(self, parent: "FlagTable | None" = None) -> None:
        # By long name: "=" takes a value, "?" takes one only after `=` (pflag's NoOptDefVal),
        # "" is a boolean.
        self.kinds: dict[str, str] = {} if parent is None else dict(parent.to_inherit)
        self.shorts: dict[str, str] = {} if parent is None else dict(parent.inherited)
        # What this command passes on to its subcommands: persistent flags, and their letters.
        self.to_inherit: dict[str, str] = {} if parent is None else dict(parent.to_inherit)
        self.inherited: dict[str, str] = {} if parent is None else dict(parent.inherited)
        # Long names that still mean a root (global) flag here.
        self.globals: set[str] = set() if parent is None else set(parent.globals)

    def add(self, token: str) -> None:
        persistent = token[-1] == "^"
        if persistent:
            token = token[:-1]
        kind = token[-1]
        if kind == "=" or kind == "?":
            token = token[:-1]
        else:
            kind = ""
        short, _, name = token.rpartition("/")
        if name in self.kinds:  # a command redefining an inherited flag (`whoami -v`)
            self.globals.discard(name)
            for letters in (self.shorts, self.inherited):
                for letter in [key for key, long_name in letters.items() if long_name == name]:
                    del letters[letter]
            self.to_inherit.pop(name, None)
        self.kinds[name] = kind
        if short:
            self.shorts[short] = name
        if persistent:
            self.to_inherit[name] = kind
            if short:
                self.inherited[short] = name

    def stands_alone(self, name: str) -> bool:
        """Whether `--name` without `=` takes no value (cobra's hasNoOptDefVal)."""
        kind = self.kinds.get(name)
        return kind is not None and kind != "="

    def _named(self, kind: str) -> set[str]:
        return {name for name, its_kind in self.kinds.items() if its_kind == kind}

    @property
    def values(self) -> set[str]:
        return self._named("=")

    @property
    def optional(self) -> set[str]:
        return self._named("?")

    @property
    def bools(self) -> set[str]:
        return self._named("")


class Command:
    """One node of the tree; `path` is the canonical command path ("" for the root)."""

    __slots__ = (
        "_children",
        "_table",
        "aliases",
        "flags",
        "marks",
        "parent",
        "path",
        "subcommands",
    )

    def __init__(self, path: str, entry: tuple[str, str, str, str], parent: "Command | None"):
        self.path = path
        self.parent = parent
        self.aliases = entry[0].split()
        self.flags = entry[1]
        self.marks = entry[2]
        self.subcommands = entry[3]
        self._children: dict[str, Command] | None = None
        self._table: FlagTable | None = None

    @property
    def name(self) -> str:
        return self.path.rpartition(" ")[2]

    @property
    def dynamic(self) -> bool:
        """Whether its subcommands are built at run time (`pulumi do <token> ...`)."""
        return "y" in self.marks

    @property
    def children(self) -> "dict[str, Command]":
        """Subcommands by name and by alias."""
        if self._children is None:
            children: dict[str, Command] = {}
            prefix = self.path + " " if self.path else ""
            for name in (*self.subcommands.split(), *_LEGACY_CHILDREN.get(self.path, ())):
                child = Command(prefix + name, _entry(prefix + name), self)
                for alias in child.aliases:
                    children.setdefault(alias, child)
                children[name] = child
            self._children = children
        return self._children

    def table(self) -> FlagTable:
        if self._table is None:
            table = FlagTable(None if self.parent is None else self.parent.table())
            kinds, shorts = table.kinds, table.shorts
            for token in self.flags.split():
                # FlagTable.add, unrolled for the common case: a new, local flag.
                kind = token[-1]
                if kind == "^" or token.rpartition("/")[2].rstrip("=?") in kinds:
                    table.add(token)
                    continue
                if kind == "=" or kind == "?":
                    token = token[:-1]
                else:
                    kind = ""
                short, _, name = token.rpartition("/")
                kinds[name] = kind
                if short:
                    shorts[short] = name
            if self.parent is None:
                table.globals = set(table.kinds)
            self._table = table
        return self._table

    def commands(self) -> "list[Command]":
        """This command and every command below it, each once."""
        result = [self]
        seen: set[str] = set()
        for child in self.children.values():
            if child.path not in seen:
                seen.add(child.path)
                result.extend(child.commands())
        return result


def _entry(path: str) -> tuple[str, str, str, str]:
    entry = COMMANDS.get(path)
    return entry if entry is not None else LEGACY_COMMANDS[path]


def _legacy_children() -> dict[str, list[str]]:
    """Commands of earlier releases, by the path of the command that held them."""
    children: dict[str, list[str]] = {}
    for path in LEGACY_COMMANDS:
        if path not in COMMANDS:
            parent, _, name = path.rpartition(" ")
            children.setdefault(parent, []).append(name)
    return children


_LEGACY_CHILDREN = _legacy_children()


def dynamic_child(command: Command, word: str) -> Command | None:
    """`pulumi do <token> create`: the operation `word` of a command whose subcommands are
    built at run time, or None."""
    path = f"{command.path} {word}"
    entry = DYNAMIC.get(path)
    return None if entry is None else Command(path, entry, command)


ROOT = Command("", COMMANDS[""], None)
