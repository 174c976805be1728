"""pulumi's command tree at run time, and a command line read against it as cobra and pflag do.

The tree is built from the generated grammar on first use: a command line visits a handful of
its few hundred nodes, and children and flag tables are built only for those. Cobra's rules
(github.com/spf13/cobra, command.go): a command's flags are its own and the persistent flags of
its ancestors; a subcommand is found by name or alias; the first word that is neither a flag
nor a flag's value names the subcommand, level by level (stripFlags and Find), a flag unknown
at that level assumed to take the next word, a boolean or value-optional one never. pflag then
reads the command's flags: `-abc` clusters, `-v3`, `-v=3`, `--flag=value`, `--` ending them; an
unknown flag is taken for a boolean unless written `--flag=value`.
"""

from pulumi_audited.pulumi.grammar import COMMANDS, DYNAMIC
from pulumi_audited.pulumi.meaning import flag_looks_secret, meaning_of

# Commands that earlier 3.x releases had and v3.259 does not, in grammar.py's format: pulumi
# versions differ across a team, and what an older release accepted must still be understood
# (and redacted). From the v3.2xx CLI reference of `pulumi deployment settings`.
LEGACY_COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "deployment settings init": ("", "f/force git-auth-file= s/stack=^ y/yes h/help", "", ""),
    "deployment settings configure": ("", "s/stack=^ h/help", "", ""),
    "deployment settings pull": ("", "s/stack=^ h/help", "", ""),
    "deployment settings push": ("", "s/stack=^ y/yes h/help", "", ""),
    "deployment settings env": ("", "remove secret s/stack=^ y/yes h/help", "", ""),
}


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

# Flags the Automation API passes that only some commands define; treated as taking a value
# wherever they appear, so a mistaken placement still parses.
FALLBACK_VALUE_FLAGS = frozenset({"exec-kind", "exec-agent", "client", "event-log"})


def _find_command(argv: list[str]) -> tuple[Command, list[int], int]:
    """The command cobra would run, the indices of the words naming it, and the index of a
    word that names no subcommand of a command that only groups others (-1 when none)."""
    command = ROOT
    path_indices: list[int] = []
    while command.children:
        index = _first_word(argv, command.table(), path_indices)
        if index < 0:
            break
        child = command.children.get(argv[index])
        if child is None:
            if command.dynamic:
                return _dynamic_command(argv, command, path_indices, index), path_indices, -1
            if meaning_of(command.path).args:
                break
            return command, path_indices, index
        path_indices.append(index)
        command = child
    return command, path_indices, -1


def _dynamic_command(argv: list[str], command: Command, path_indices: list[int], token: int):
    """`do <token> <operation>`: the word after the token names the operation, when it is one;
    the token stays a positional."""
    index = _first_word(argv, command.table(), [*path_indices, token])
    if index < 0:
        return command
    operation = dynamic_child(command, argv[index])
    if operation is None:
        return command
    path_indices.append(index)
    return operation


def _first_word(argv: list[str], table: FlagTable, skipped: list[int]) -> int:
    """Index of the first argument that is neither a flag nor a flag's value; -1 if none.

    Mirrors cobra's stripFlags: `--name` without `=` and a lone `-x` take the next argument as
    their value unless boolean or value-optional; unknown ones are assumed to.
    """
    remaining = [index for index in range(len(argv)) if index not in skipped]
    position = 0
    while position < len(remaining):
        arg = argv[remaining[position]]
        position += 1
        if arg == "--":
            return -1
        if arg.startswith("--"):
            if "=" not in arg and not table.stands_alone(arg[2:]):
                position += 1
        elif arg.startswith("-"):
            if len(arg) == 2 and arg[1] != "=" and not _short_stands_alone(table, arg[1]):
                position += 1
        elif arg:
            return remaining[position - 1]
    return -1


def _short_stands_alone(table: FlagTable, letter: str) -> bool:
    name = table.shorts.get(letter)
    return name is not None and table.stands_alone(name)


def _takes_value(table: FlagTable, name: str) -> bool:
    kind = table.kinds.get(name)
    return kind == "=" or (kind is None and name in FALLBACK_VALUE_FLAGS)


class Flag:
    """One flag occurrence. `value` is None for a boolean written without `=`."""

    __slots__ = ("at", "index", "is_global", "known", "known_value", "name", "prefix", "value")

    def __init__(
        self,
        name: str,
        value: str | None,
        index: int,
        prefix: str,
        table: FlagTable,
        known_value: bool,
        at: int,
    ):
        self.name = name
        self.value = value
        # The argument naming the flag.
        self.at = at
        # The argument holding the value (or the flag itself, for a boolean).
        self.index = index
        # What precedes the value inside that argument: "" when the value stands alone.
        self.prefix = prefix
        self.is_global = name in table.globals
        self.known = name in table.kinds
        # Declared by the command as taking a value (so --stack is the stack, for instance).
        self.known_value = known_value


class CommandLine:
    """A command line split as pflag reads it for the command cobra finds: its flags in order,
    and the indices of its positionals."""

    __slots__ = (
        "argv",
        "command",
        "flags",
        "path_indices",
        "positional_indices",
        "schema_flags",
        "secret_positionals",
        "table",
        "unknown_index",
    )

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.flags: list[Flag] = []
        self.positional_indices: list[int] = []
        # Words after an unknown flag named like a secret (`--new-token abc`): parsed as
        # positionals, as pflag would, but redacted in case the flag takes a value after all.
        self.secret_positionals: set[int] = set()
        self.command, self.path_indices, self.unknown_index = _find_command(argv)
        self.table = self.command.table()
        # `do <token> <operation>` takes a flag per schema property, unknown here; nearly all
        # take a value (pkg/cmd/pulumi/do: booleans alone are value-optional).
        parent = self.command.parent
        self.schema_flags = parent is not None and parent.dynamic

    def read_flags(self) -> None:
        argv = self.argv
        table = self.table
        skipped = self.path_indices
        index = 0
        after_dashes = False
        while index < len(argv):
            if index in skipped:
                index += 1
                continue
            arg = argv[index]
            if after_dashes or len(arg) < 2 or arg[0] != "-":
                self.positional_indices.append(index)
            elif arg == "--":
                after_dashes = True
            elif arg[1] == "-":
                index = self._read_long(table, arg, index)
            else:
                index = self._read_shorts(table, arg, index)
            index += 1

    def _read_long(self, table: FlagTable, arg: str, index: int) -> int:
        """Records `--name[=value]`; returns the index of the last argument it used."""
        name, equals, value = arg[2:].partition("=")
        takes_value = _takes_value(table, name) or (self.schema_flags and name not in table.kinds)
        if equals:
            known_value = takes_value or table.kinds.get(name) == "?"
            self._add(table, name, value, index, arg[: len(arg) - len(value)], known_value)
        elif takes_value:
            value_index = self._next_index(index)
            if value_index < len(self.argv):
                self._add(table, name, self.argv[value_index], value_index, "", True, index)
                return value_index
            self._add(table, name, None, index, "", True)
        else:
            self._add(table, name, None, index, "", table.kinds.get(name) == "?")
            if name not in table.kinds and flag_looks_secret(name):
                self.secret_positionals.add(self._next_index(index))
        return index

    def _read_shorts(self, table: FlagTable, arg: str, index: int) -> int:
        """Records a pflag shorthand cluster such as `-yf`, `-v3`, `-v=3` or `-s dev`
        (pflag's parseSingleShortArg)."""
        rest = arg[1:]
        while rest:
            name = table.shorts.get(rest[0])
            if name is None:
                # pflag would stop with "unknown shorthand flag"; read on as a boolean.
                rest = rest[1:]
                continue
            kind = table.kinds.get(name)
            takes_value = kind == "="
            prefix = arg[: len(arg) - len(rest) + 1]
            if len(rest) > 2 and rest[1] == "=":
                known_value = takes_value or kind == "?"
                self._add(table, name, rest[2:], index, prefix + "=", known_value)
                break
            if not takes_value:
                self._add(table, name, None, index, "", kind == "?")
                rest = rest[1:]
                continue
            if len(rest) > 1:
                self._add(table, name, rest[1:], index, prefix, True)
                break
            value_index = self._next_index(index)
            if value_index < len(self.argv):
                self._add(table, name, self.argv[value_index], value_index, "", True, index)
                return value_index
            self._add(table, name, None, index, "", True)
            break
        return index

    def _next_index(self, index: int) -> int:
        index += 1
        while index in self.path_indices:
            index += 1
        return index

    def _add(
        self,
        table: FlagTable,
        name: str,
        value: str | None,
        index: int,
        prefix: str,
        known_value: bool,
        at: int | None = None,
    ) -> None:
        at = index if at is None else at
        self.flags.append(Flag(name, value, index, prefix, table, known_value, at))

    # Redaction -----------------------------------------------------------------------------
