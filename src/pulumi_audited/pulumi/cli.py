"""Understand a pulumi command line the way pulumi (cobra and pflag) does, redacting as we go.

`parse(sys.argv[1:])` finds the command path as cobra does (the first word that is not a flag or
a flag's value names the subcommand, level by level; an unknown flag is assumed to take the next
word as its value there, as cobra assumes), then reads the flags as pflag does for that command
(`-abc` clusters, `-v3`, `-v=3`, `--flag=value`, `--` ending the flags; an unknown flag is taken
for a boolean unless written `--flag=value`). Everything it returns is already redacted: secret
values never reach an `Invocation`.

Redaction of `env run ENV [--] COMMAND ARGS...`: the command name is kept, and so is each of its
arguments, except a value following or attached to an option whose name looks secret
(`--password x`, `--token=x`), a `NAME=value` whose NAME looks secret, URL credentials and known
token shapes. A bare secret with no telling name (`mysql -phunter2`) cannot be recognised; the
record keeps what was run, which is what an auditor needs, and everything with a name says what
it is.
"""

import os

from pulumi_audited.pulumi.commands import (
    ACTION_EVENTS,
    ALWAYS_REVEALS,
    BACKEND_URL_POSITIONAL,
    EFFECTS,
    ENGINE_EVENTS,
    FALLBACK_VALUE_FLAGS,
    HEADER,
    KV,
    NOT_SECRET_FLAGS,
    PREVIEW_ONLY_COMMANDS,
    READ,
    REVEALS_WITH_SHOW_SECRETS,
    ROOT,
    SECRET_FLAGS,
    STACK_POSITIONAL,
    STATE,
    STATIC_LOGIN_PUBLIC_ARGS,
    UNKNOWN,
    UNRECORDED,
    WHOLE,
    Command,
    FlagTable,
)
from pulumi_audited.pulumi.redact import (
    REDACTED,
    name_looks_secret,
    redact_text,
    redact_value,
    strip_url_credentials,
)

_NO_SECRET_FLAGS: dict[str, str] = {}
_FALSE_WORDS = frozenset({"0", "f", "F", "false", "FALSE", "False"})
_BOOLEAN_WORDS = _FALSE_WORDS | {"1", "t", "T", "true", "TRUE", "True"}


class Invocation:
    """One pulumi command line, understood and redacted."""

    __slots__ = (
        "args",
        "backend_arg",
        "command",
        "cwd",
        "effect",
        "end_event_canceled",
        "end_event_success",
        "event",
        "exec_agent",
        "exec_kind",
        "expect_no_changes",
        "global_flags",
        "non_interactive",
        "positionals",
        "reveals_secrets",
        "show_secrets",
        "skip_key",
        "stack",
        "yes",
    )

    def __init__(
        self,
        command: str = "",
        args: list[str] | None = None,
        positionals: list[str] | None = None,
        stack: str | None = None,
        cwd: str | None = None,
        exec_kind: str | None = None,
        exec_agent: str | None = None,
        non_interactive: bool = False,
        yes: bool = False,
        expect_no_changes: bool = False,
        show_secrets: bool = False,
        reveals_secrets: bool = False,
        effect: str = UNKNOWN,
        event: str = "command-none",
        end_event_success: str = "command-none",
        end_event_canceled: str = "command-none",
        skip_key: str = "",
        backend_arg: str | None = None,
        global_flags: dict[str, str | bool] | None = None,
    ):
        self.command = command
        self.args = args if args is not None else []
        self.positionals = positionals if positionals is not None else []
        self.stack = stack
        self.cwd = cwd
        self.exec_kind = exec_kind
        self.exec_agent = exec_agent
        self.non_interactive = non_interactive
        self.yes = yes
        self.expect_no_changes = expect_no_changes
        self.show_secrets = show_secrets
        self.reveals_secrets = reveals_secrets
        self.effect = effect
        self.event = event
        self.end_event_success = end_event_success
        self.end_event_canceled = end_event_canceled
        self.skip_key = skip_key
        self.backend_arg = backend_arg
        self.global_flags = global_flags if global_flags is not None else {}

    @property
    def unrecorded(self) -> bool:
        """Whether the command only prints help, versions or completions."""
        return self.skip_key in UNRECORDED

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELD_ORDER)
        return f"Invocation({fields})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Invocation):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _FIELD_ORDER)

    __hash__ = None  # type: ignore[assignment]  # mutable


_FIELD_ORDER = (
    "command",
    "args",
    "positionals",
    "stack",
    "cwd",
    "exec_kind",
    "exec_agent",
    "non_interactive",
    "yes",
    "expect_no_changes",
    "show_secrets",
    "reveals_secrets",
    "effect",
    "event",
    "end_event_success",
    "end_event_canceled",
    "skip_key",
    "backend_arg",
    "global_flags",
)


def parse(argv: list[str]) -> Invocation:
    """Understand `argv` (the arguments after the program name). Never raises."""
    try:
        return _Parser([_as_text(arg) for arg in argv]).invocation()
    except Exception:
        # A bug must not stop pulumi from running, nor leak what it could not read.
        try:
            count = len(argv)
        except Exception:
            count = 0
        return Invocation(args=[REDACTED] * count)


def _as_text(arg: object) -> str:
    if isinstance(arg, str):
        return arg
    if isinstance(arg, bytes):
        return os.fsdecode(arg)
    return str(arg)


class _Flag:
    """One flag occurrence. `value` is None for a boolean written without `=`."""

    __slots__ = ("index", "is_global", "known_value", "name", "prefix", "value")

    def __init__(
        self,
        name: str,
        value: str | None,
        index: int,
        prefix: str,
        is_global: bool,
        known_value: bool,
    ):
        self.name = name
        self.value = value
        # The argument holding the value (or the flag itself, for a boolean).
        self.index = index
        # What precedes the value inside that argument: "" when the value stands alone.
        self.prefix = prefix
        self.is_global = is_global
        # Declared by the command as taking a value (so --stack is the stack, for instance).
        self.known_value = known_value


class _Parser:
    __slots__ = (
        "argv",
        "command",
        "flags",
        "out",
        "path_indices",
        "positional_indices",
        "secret_positionals",
    )

    def __init__(self, argv: list[str]):
        self.argv = argv
        self.out = list(argv)
        self.flags: list[_Flag] = []
        self.positional_indices: list[int] = []
        # Words after an unknown flag named like a secret (`--new-token abc`): parsed as
        # positionals, as pflag would, but redacted in case the flag takes a value after all.
        self.secret_positionals: set[int] = set()
        self.command, self.path_indices = _find_command(argv)

    def invocation(self) -> Invocation:
        self._read_flags()
        path = self.command.path
        self._redact_flag_values(path)
        positionals = self._redacted_positionals(path)
        out = [redact_text(arg) for arg in self.out]
        positionals = [redact_text(arg) for arg in positionals]

        stack = self._stack(path, positionals)
        effect, event, end_success, end_canceled, reveals = self._classify(path, positionals)
        return Invocation(
            command=path,
            args=out,
            positionals=positionals,
            stack=stack,
            cwd=self._global_value("cwd") or None,
            exec_kind=self._last_value("exec-kind") or None,
            exec_agent=self._last_value("exec-agent"),
            non_interactive=self._is_set("non-interactive"),
            yes=self._is_set("yes"),
            expect_no_changes=self._is_set("expect-no-changes"),
            show_secrets=self._is_set("show-secrets"),
            reveals_secrets=reveals,
            effect=effect,
            event=event,
            end_event_success=end_success,
            end_event_canceled=end_canceled,
            skip_key=self._skip_key(path),
            backend_arg=self._backend_arg(path, positionals),
            global_flags=self._global_flags(),
        )

    # Reading the command line ------------------------------------------------------------

    def _read_flags(self) -> None:
        argv = self.argv
        table = self.command.table()
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
        takes_value = _takes_value(table, name)
        if equals:
            self._add(table, name, value, index, arg[: len(arg) - len(value)], takes_value)
        elif takes_value:
            value_index = self._next_index(index)
            if value_index < len(self.argv):
                self._add(table, name, self.argv[value_index], value_index, "", True)
                return value_index
            self._add(table, name, None, index, "", True)
        else:
            self._add(table, name, None, index, "", False)
            if name not in table.bools and _is_secret_flag_name(name):
                self.secret_positionals.add(self._next_index(index))
        return index

    def _read_shorts(self, table: FlagTable, arg: str, index: int) -> int:
        """Records a pflag shorthand cluster such as `-yf`, `-v3`, `-v=3` or `-s dev`."""
        rest = arg[1:]
        while rest:
            name = table.shorts.get(rest[0])
            if name is None:
                # pflag would stop with "unknown shorthand flag"; read on as a boolean.
                rest = rest[1:]
                continue
            takes_value = name in table.values
            prefix = arg[: len(arg) - len(rest) + 1]
            if len(rest) > 2 and rest[1] == "=":
                self._add(table, name, rest[2:], index, prefix + "=", takes_value)
                break
            if not takes_value:
                self._add(table, name, None, index, "", False)
                rest = rest[1:]
                continue
            if len(rest) > 1:
                self._add(table, name, rest[1:], index, prefix, True)
                break
            value_index = self._next_index(index)
            if value_index < len(self.argv):
                self._add(table, name, self.argv[value_index], value_index, "", True)
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
    ) -> None:
        is_global = name in table.globals
        self.flags.append(_Flag(name, value, index, prefix, is_global, known_value))

    # Redaction -----------------------------------------------------------------------------

    def _redact_flag_values(self, path: str) -> None:
        specific = SECRET_FLAGS.get(path, _NO_SECRET_FLAGS)
        general = SECRET_FLAGS[""]
        table = self.command.table()
        for flag in self.flags:
            if flag.value is None:
                continue
            is_boolean = flag.name in table.bools
            redacted = _redact_flag_value(flag.name, flag.value, specific, general, is_boolean)
            flag.value = redact_text(redacted)
            if redacted is not self.argv[flag.index] or flag.prefix:
                self.out[flag.index] = flag.prefix + redacted

    def _redacted_positionals(self, path: str) -> list[str]:
        values = [self.argv[index] for index in self.positional_indices]
        redacted = [
            REDACTED if index in self.secret_positionals else redact_value(value)
            for index, value in zip(self.positional_indices, values, strict=True)
        ]
        self._redact_command_specific(path, values, redacted)
        for index, value in zip(self.positional_indices, redacted, strict=True):
            self.out[index] = value
        return redacted

    def _redact_command_specific(self, path: str, raw: list[str], redacted: list[str]) -> None:
        """Positional arguments that are secret because of where they stand."""
        if path == "config set":
            if self._has_secret_flag() or (raw and name_looks_secret(raw[0])):
                _redact_from(redacted, 1)
        elif path == "env set":
            first = self._env_name_offset()
            if self._has_secret_flag() or (len(raw) > first and name_looks_secret(raw[first])):
                _redact_from(redacted, first + 1)
        elif path == "env run":
            first = self._env_name_offset()
            if len(raw) > first + 1:
                redacted[first + 1 :] = redact_command_args(raw[first + 1 :])
        elif path in STATIC_LOGIN_PUBLIC_ARGS:
            _redact_from(redacted, self._env_name_offset() + STATIC_LOGIN_PUBLIC_ARGS[path])
        elif path in BACKEND_URL_POSITIONAL and raw:
            redacted[0] = strip_url_credentials(raw[0])

    def _has_secret_flag(self) -> bool:
        """`--secret` anywhere, even after `--`: erring towards redaction costs nothing."""
        for arg in self.argv:
            if arg == "--secret" or arg.startswith("--secret="):
                return True
        return any(flag.name == "secret" and _truthy(flag.value) for flag in self.flags)

    def _env_name_offset(self) -> int:
        """0 when `--env NAME` names the environment, 1 when the first positional does."""
        for flag in self.flags:
            if flag.name == "env" and flag.known_value and flag.value:
                return 0
        return 1

    # What the command line says ------------------------------------------------------------

    def _last(self, name: str) -> _Flag | None:
        for flag in reversed(self.flags):
            if flag.name == name:
                return flag
        return None

    def _last_value(self, name: str) -> str | None:
        flag = self._last(name)
        return flag.value if flag is not None else None

    def _global_value(self, name: str) -> str | None:
        flag = self._last(name)
        return flag.value if flag is not None and flag.is_global else None

    def _is_set(self, name: str) -> bool:
        flag = self._last(name)
        return flag is not None and _truthy(flag.value)

    def _global_flags(self) -> dict[str, str | bool]:
        result: dict[str, str | bool] = {}
        for flag in self.flags:
            if not flag.is_global:
                continue
            if flag.known_value:
                result[flag.name] = flag.value if flag.value is not None else ""
            else:
                result[flag.name] = _truthy(flag.value)
        return result

    def _stack(self, path: str, positionals: list[str]) -> str | None:
        flag = self._last("stack")
        if flag is not None and flag.known_value and flag.value:
            return flag.value
        if path in STACK_POSITIONAL and positionals and positionals[0]:
            return positionals[0]
        return None

    def _backend_arg(self, path: str, positionals: list[str]) -> str | None:
        if path not in BACKEND_URL_POSITIONAL:
            return None
        if positionals:
            return positionals[0]
        if path == "login":
            cloud_url = self._last_value("cloud-url")
            if cloud_url:
                return cloud_url
            if self._is_set("local"):
                return "file://~"
        return None

    def _skip_key(self, path: str) -> str:
        """The entry of the `skip` setting that covers this command line: "help" for a -h or
        --help anywhere, "version" for a --version before the command, else the command."""
        first_word = self.path_indices[0] if self.path_indices else len(self.argv)
        for flag in self.flags:
            if flag.name == "help" and flag.is_global and _truthy(flag.value):
                return "help"
            if flag.name == "version" and flag.is_global and flag.index < first_word:
                return "version"
        return path

    def _classify(self, path: str, positionals: list[str]) -> tuple[str, str, str, str, bool]:
        """(effect, start event, end event, end event when canceled, reveals secrets)."""
        reveals = path in ALWAYS_REVEALS or (
            path in REVEALS_WITH_SHOW_SECRETS and self._is_set("show-secrets")
        )
        effect = EFFECTS.get(path, UNKNOWN)
        if path in PREVIEW_ONLY_COMMANDS and self._is_set("preview-only"):
            effect = READ
        elif path == "stack select" and self._is_set("create"):
            effect = STATE

        engine = ENGINE_EVENTS.get(path)
        if engine is not None:
            return effect, engine[0], engine[1], engine[2], reveals

        event = ACTION_EVENTS.get(path)
        named_args = len(positionals) - self._env_name_offset() if path.startswith("env ") else 0
        if path == "env remove" and named_args > 0:
            event = "environment-updated"
        elif path == "env tag" and named_args < 2:
            event, effect = None, READ
        if event is None:
            if reveals:
                event = "secret-decrypted"
            else:
                event = "command-" + path.replace(" ", "-") if path else "command-none"
        return effect, event, event, event, reveals


def _find_command(argv: list[str]) -> tuple[Command, list[int]]:
    """The command cobra would run, and the indices of the words naming it."""
    command = ROOT
    path_indices: list[int] = []
    while command.children:
        index = _first_word(argv, command.table(), path_indices)
        if index < 0:
            break
        child = command.children.get(argv[index])
        if child is None:
            break
        path_indices.append(index)
        command = child
    return command, path_indices


def _first_word(argv: list[str], table: FlagTable, skipped: list[int]) -> int:
    """Index of the first argument that is neither a flag nor a flag's value; -1 if none.

    Mirrors cobra's stripFlags: `--name` without `=` and a lone `-x` take the next argument as
    their value unless known to be boolean (or value-optional); unknown ones are assumed to.
    """
    remaining = [index for index in range(len(argv)) if index not in skipped]
    position = 0
    while position < len(remaining):
        arg = argv[remaining[position]]
        position += 1
        if arg == "--":
            return -1
        if arg.startswith("--"):
            if "=" not in arg and arg[2:] not in table.bools:
                position += 1
        elif arg.startswith("-"):
            if len(arg) == 2 and arg[1] != "=" and not _short_is_boolean(table, arg[1]):
                position += 1
        elif arg:
            return remaining[position - 1]
    return -1


def _short_is_boolean(table: FlagTable, letter: str) -> bool:
    name = table.shorts.get(letter)
    return name is not None and name in table.bools


def _takes_value(table: FlagTable, name: str) -> bool:
    if name in table.values:
        return True
    return name not in table.bools and name in FALLBACK_VALUE_FLAGS


def _redact_flag_value(
    name: str,
    value: str,
    specific: dict[str, str],
    general: dict[str, str],
    is_boolean: bool,
) -> str:
    kind = specific.get(name) or general.get(name)
    if kind == WHOLE:
        return REDACTED
    if kind == KV:
        key, equals, _secret = value.partition("=")
        return key + "=" + REDACTED if equals else REDACTED
    if kind == HEADER:
        header, colon, _secret = value.partition(":")
        return header + ": " + REDACTED if colon else REDACTED
    if is_boolean and value in _BOOLEAN_WORDS:
        return value
    if _is_secret_flag_name(name):
        return REDACTED
    return redact_value(value)


def _is_secret_flag_name(name: str) -> bool:
    return name not in NOT_SECRET_FLAGS and name_looks_secret(name)


def redact_command_args(args: list[str]) -> list[str]:
    """The arguments of a command pulumi runs for the user (`env run`), redacted.

    Kept as typed except: the value of an option whose name looks secret (the next argument,
    or the part after `=`), `NAME=value` with a secret-looking NAME, and URL credentials.
    """
    redacted: list[str] = []
    value_is_secret = False
    for arg in args:
        if value_is_secret:
            redacted.append(REDACTED)
            value_is_secret = False
            continue
        if len(arg) > 1 and arg[0] == "-":
            option, equals, value = arg.lstrip("-").partition("=")
            if name_looks_secret(option):
                if equals:
                    redacted.append(arg[: len(arg) - len(value)] + REDACTED)
                else:
                    redacted.append(arg)
                    value_is_secret = True
                continue
        redacted.append(redact_value(arg))
    return redacted


def _redact_from(values: list[str], start: int) -> None:
    for index in range(start, len(values)):
        values[index] = REDACTED


def _truthy(value: str | None) -> bool:
    """A boolean flag's value as pflag reads it: bare means true."""
    return value is None or value not in _FALSE_WORDS
