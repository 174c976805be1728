"""Understand a pulumi command line the way pulumi does, redacting as we go.

`parse(sys.argv[1:])` reads the command line as cobra and pflag do (commands.CommandLine).
Flags the command line does not set come from `PULUMI_OPTION_<FLAG>` as pulumi's
declareFlagsAsEnvironmentVariables (pkg/cmd/pulumi/pulumi.go) sets them: the command line wins.
Everything returned is already redacted: secret values never reach an `Invocation`.

The grammar is generated from pulumi's source (grammar.py); what commands mean (effect, event,
secrets) is the hand-written table in meaning.py.
"""

import os

from pulumi_audited.pulumi import READ, STATE, Invocation, Meaning
from pulumi_audited.pulumi.commands import CommandLine, Flag
from pulumi_audited.pulumi.meaning import UNKNOWN_MEANING, flag_looks_secret, meaning_of
from pulumi_audited.pulumi.redact import (
    REDACTED,
    name_looks_secret,
    redact_text,
    redact_value,
    strip_url_credentials,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

_FALSE_WORDS = frozenset({"0", "f", "F", "false", "FALSE", "False"})
_BOOLEAN_WORDS = _FALSE_WORDS | {"1", "t", "T", "true", "TRUE", "True"}

# pulumi's execution kinds (sdk/go/common/constant: ExecKindCLI, ExecKindAutoLocal,
# ExecKindAutoInline); pkg/cmd/pulumi/metadata/metadata.go records "cli" for any other value.
EXEC_KINDS = frozenset({"cli", "auto.local", "auto.inline"})
_EXEC_KIND_DEFAULT = "cli"


def parse(argv: list[str], environ: "Mapping[str, str] | None" = None) -> Invocation:
    """Understand `argv` (the arguments after the program name). Never raises."""
    try:
        return _Parser(
            [_as_text(arg) for arg in argv], os.environ if environ is None else environ
        ).invocation()
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


def option_variable(flag: str) -> str:
    """The variable pulumi reads a flag from: `--exec-kind` is PULUMI_OPTION_EXEC_KIND."""
    return "PULUMI_OPTION_" + flag.replace("-", "_").upper()


class _Parser(CommandLine):
    __slots__ = ("environ", "known", "meaning", "out", "path")

    def __init__(self, argv: list[str], environ: "Mapping[str, str]"):
        super().__init__(argv)
        self.environ = environ
        self.out = list(argv)
        unknown_index = self.unknown_index
        self.known = unknown_index < 0
        if self.known:
            self.path = self.command.path
            self.meaning = meaning_of(self.path)
        else:
            # Recorded as typed (`org frobnicate`), never with the parent's meaning; redacted
            # here, since the event and the skip key are made from it (a pasted token is a
            # word like any other).
            typed = redact_text(redact_value(argv[unknown_index]))
            self.out[unknown_index] = typed
            self.path = f"{self.command.path} {typed}".strip()
            self.path_indices.append(unknown_index)
            self.meaning = UNKNOWN_MEANING

    def invocation(self) -> Invocation:
        self.read_flags()
        self._redact_flag_values()
        positionals = self._redacted_positionals()
        self._redact_command_arguments()
        out = [redact_text(arg) for arg in self.out]
        positionals = [redact_text(arg) for arg in positionals]
        path = self.path

        effect, event, ends, reveals = self._classify(positionals)
        end_success, end_canceled, end_unauthorized, end_failed = ends
        return Invocation(
            command=path,
            args=out,
            positionals=positionals,
            stack=self._stack(positionals),
            cwd=self._global_value("cwd") or None,
            exec_kind=self._exec_kind(),
            exec_agent=self._value("exec-agent") or None,
            non_interactive=self._is_set("non-interactive"),
            yes=self._is_set("yes"),
            expect_no_changes=self._is_set("expect-no-changes"),
            show_secrets=self._is_set("show-secrets"),
            reveals_secrets=reveals,
            effect=effect,
            event=event,
            end_event_success=end_success,
            end_event_canceled=end_canceled,
            end_event_unauthorized=end_unauthorized,
            end_event_failed=end_failed,
            skip_key=self._skip_key(path),
            backend_arg=self._backend_arg(positionals),
            global_flags=self._global_flags(),
            known=self.known,
        )

    # Redaction -----------------------------------------------------------------------------

    def _redact_flag_values(self) -> None:
        secret_flags = self.meaning.secret_flags
        table = self.table
        for flag in self.flags:
            if flag.value is None:
                continue
            is_boolean = table.kinds.get(flag.name) == ""
            redacted = _redact_flag_value(flag.name, flag.value, secret_flags, is_boolean)
            flag.value = redact_text(redacted)
            if redacted is not self.argv[flag.index] or flag.prefix:
                self.out[flag.index] = flag.prefix + redacted

    def _redacted_positionals(self) -> list[str]:
        values = [self.argv[index] for index in self.positional_indices]
        redacted = [
            REDACTED if index in self.secret_positionals else redact_value(value)
            for index, value in zip(self.positional_indices, values, strict=True)
        ]
        self._redact_secret_positionals(values, redacted)
        for index, value in zip(self.positional_indices, redacted, strict=True):
            self.out[index] = value
        return redacted

    def _redact_secret_positionals(self, raw: list[str], redacted: list[str]) -> None:
        """Positional arguments that are secret because of where they stand."""
        rule = self.meaning.secret_args
        url_arg = self.meaning.url_arg
        if url_arg is not None and len(raw) > url_arg:
            redacted[url_arg] = strip_url_credentials(raw[url_arg])
        if rule is None:
            return
        if rule == "config-set":
            if self._secret_requested() or (raw and name_looks_secret(raw[0])):
                _redact_from(redacted, 1)
        elif rule == "env-set":
            first = self._env_name_offset()
            if self._secret_requested() or (len(raw) > first and name_looks_secret(raw[first])):
                _redact_from(redacted, first + 1)
        elif rule == "env-run":
            # The program keeps its name; its arguments are where people put tokens.
            _redact_from(redacted, self._env_name_offset() + 1)
        elif rule.startswith("last-"):
            _redact_from(redacted, max(0, len(redacted) - int(rule[5:])))

    def _redact_command_arguments(self) -> None:
        """`env run ENV PROGRAM ARGS...`: everything after the program's name that is not one
        of env run's own flags is the program's, flags and all."""
        if self.meaning.secret_args != "env-run":
            return
        program = self._env_name_offset()
        if len(self.positional_indices) <= program:
            return
        program_index = self.positional_indices[program]
        own: set[int] = set()
        for flag in self.flags:
            if flag.known:
                own.update((flag.at, flag.index))
        for index in range(program_index + 1, len(self.argv)):
            if index not in own and self.argv[index] != "--":
                self.out[index] = REDACTED

    def _secret_requested(self) -> bool:
        """`--secret` (or PULUMI_OPTION_SECRET) anywhere, even after `--` or set to false:
        erring towards redaction costs nothing."""
        for arg in self.argv:
            if arg == "--secret" or arg.startswith("--secret="):
                return True
        return self._is_set("secret") or self._option("secret") is not None

    def _env_name_offset(self) -> int:
        """0 when `--env NAME` (or PULUMI_OPTION_ENV) names the environment, 1 when the first
        positional does."""
        return 0 if self.path.startswith("env ") and self._value("env") else 1

    # What the command line says ------------------------------------------------------------

    def _last(self, name: str) -> Flag | None:
        for flag in reversed(self.flags):
            if flag.name == name:
                return flag
        return None

    def _option(self, name: str) -> str | None:
        """PULUMI_OPTION_<NAME>, when this command defines the flag."""
        if name not in self.table.kinds:
            return None
        value = self.environ.get(option_variable(name))
        return None if value is None else redact_text(value)

    def _value(self, name: str) -> str | None:
        """A value flag as pulumi sees it: the command line's last, else its variable."""
        flag = self._last(name)
        if flag is not None:
            return flag.value if flag.known_value else None
        return self._option(name)

    def _global_value(self, name: str) -> str | None:
        flag = self._last(name)
        if flag is not None:
            return flag.value if flag.is_global else None
        return self._option(name)

    def _is_set(self, name: str) -> bool:
        """A boolean flag as pulumi sees it: the command line, else `true`/`1` in its variable
        (pulumi ignores other words there)."""
        flag = self._last(name)
        if flag is not None:
            return _truthy(flag.value)
        option = self._option(name)
        return option is not None and option.lower() in ("true", "1")

    def _exec_kind(self) -> str | None:
        if "exec-kind" not in self.table.kinds:
            return None
        kind = self._value("exec-kind")
        return kind if kind in EXEC_KINDS else _EXEC_KIND_DEFAULT

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

    def _stack(self, positionals: list[str]) -> str | None:
        flag = self._last("stack")
        if flag is not None and flag.known_value and flag.value:
            return flag.value
        position = self.meaning.stack_arg
        if position is not None and len(positionals) > position and positionals[position]:
            return positionals[position]
        return self._option("stack") or None

    def _backend_arg(self, positionals: list[str]) -> str | None:
        if self.meaning.url_arg is None:
            return None
        if len(positionals) > self.meaning.url_arg:
            return positionals[self.meaning.url_arg]
        if self.path == "login":
            cloud_url = self._value("cloud-url")
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
            if flag.name == "help" and _truthy(flag.value):
                return "help"
            if flag.name == "version" and flag.is_global and flag.index < first_word:
                return "version"
        return path

    def _classify(self, positionals: list[str]) -> tuple[str, str, tuple[str, str, str, str], bool]:
        """(effect, start event, end events (success, canceled, unauthorized, failed), reveals
        secrets)."""
        meaning: Meaning = self.meaning
        path = self.path
        reveals = meaning.reveals or (
            meaning.reveals_with is not None and self._is_set(meaning.reveals_with)
        )
        effect = meaning.effect
        if meaning.read_with is not None and self._is_set(meaning.read_with):
            effect = READ
        elif path == "stack select" and self._is_set("create"):
            effect = STATE

        if meaning.engine is not None:
            base = meaning.engine
            completed = base + "-completed"
            ends = (completed, base + "-canceled", completed, completed)
            return effect, base + "-started", ends, reveals

        event = meaning.event
        last = meaning.then
        if path.startswith("env "):
            named_args = len(positionals) - self._env_name_offset()
            if meaning.arg_event is not None and named_args > 0:
                event, last = _events(meaning.arg_event, last)
            if meaning.tag_event is not None and self._env_ref_names_tag():
                event, last = _events(meaning.tag_event, last)
            if path == "env tag" and named_args < 2:
                event, effect = None, READ
        for flag, events in meaning.flag_events.items():
            if self._given(flag):
                event, last = _events(events, last)
        if event is None:
            if reveals and effect == READ:
                # Pulumi Cloud's event for reading decrypted secrets; a command that changes
                # something keeps its own name (`do create --show-secrets`).
                event = "secret-decrypted"
            else:
                event = "command-" + path.replace(" ", "-") if path else "command-none"
        end = event if last is None else last
        unauthorized = end if meaning.unauthorized is None else meaning.unauthorized
        # `then=` names what happens after the first step succeeded: a failure stays the first.
        return effect, event, (end, event, unauthorized, event), reveals

    def _given(self, name: str) -> bool:
        """A boolean flag set, or a value flag given a value (`--draft=ID`)."""
        if self.table.kinds.get(name) == "=":
            return bool(self._value(name))
        return self._is_set(name)

    def _env_ref_names_tag(self) -> bool:
        """Whether the environment reference (`--env`, else the first positional) names a
        version tag: `[org/][project/]env@TAG` or `env:TAG`, TAG not a revision number
        (pkg/cmd/esc/cli/env.go parseRef)."""
        ref = self._value("env")
        if not ref:
            if not self.positional_indices:
                return False
            ref = self.argv[self.positional_indices[0]]
        name = ref.rpartition("/")[2]
        _, at, version = name.partition("@")
        if not at:
            _, _, version = name.partition(":")
        return bool(version) and not ("0" <= version[0] <= "9")


def _events(spec: str, last: str | None) -> tuple[str, str | None]:
    """`FIRST>LAST` or `FIRST` (the last event then stays `last`)."""
    first, arrow, then = spec.partition(">")
    return first, then if arrow else last


def _redact_flag_value(
    name: str, value: str, secret_flags: dict[str, str], is_boolean: bool
) -> str:
    kind = secret_flags.get(name)
    if kind == "whole":
        return REDACTED
    if kind == "kv":
        key, equals, _secret = value.partition("=")
        return key + "=" + REDACTED if equals else REDACTED
    if kind == "header":
        header, colon, _secret = value.partition(":")
        return header + ": " + REDACTED if colon else REDACTED
    if is_boolean and value in _BOOLEAN_WORDS:
        return value
    if flag_looks_secret(name):
        return REDACTED
    return redact_value(value)


def _redact_from(values: list[str], start: int) -> None:
    for index in range(start, len(values)):
        values[index] = REDACTED


def _truthy(value: str | None) -> bool:
    """A boolean flag's value as pflag reads it: bare means true."""
    return value is None or value not in _FALSE_WORDS


__all__ = ["EXEC_KINDS", "Invocation", "option_variable", "parse"]
