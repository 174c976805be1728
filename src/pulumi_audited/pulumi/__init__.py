"""Understanding pulumi command lines for an audit.

`cli.parse` turns a command line into an `Invocation`, reading each command's row of
meaning.py's table as a `Meaning`. Both records and the effects they name are defined here, in
the package module that any import of the parser loads already: readers of a record (capture,
the shim's hints, events.py) need no parser module, and the shim's path gains no module.
"""

# What a command changes (an Invocation's `effect`, the first column of meaning.py's rows).
INFRA = "infra"  # creates, updates or deletes cloud resources
STATE = "state"  # changes stack state or a Pulumi Cloud object, not resources
LOCAL = "local"  # changes files on this machine only
READ = "read"
UNKNOWN = "unknown"

# Secret regardless of the command, wherever a command defines them.
GLOBAL_SECRET_FLAGS = "secret:tracing-header=header"


class Invocation:
    """One pulumi command line, understood and redacted."""

    __slots__ = (
        "args",
        "backend_arg",
        "command",
        "cwd",
        "effect",
        "end_event_canceled",
        "end_event_failed",
        "end_event_success",
        "end_event_unauthorized",
        "event",
        "exec_agent",
        "exec_kind",
        "expect_no_changes",
        "global_flags",
        "known",
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
        end_event_unauthorized: str | None = None,
        end_event_failed: str | None = None,
        skip_key: str = "",
        backend_arg: str | None = None,
        global_flags: dict[str, str | bool] | None = None,
        known: bool = True,
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
        # When pulumi exits with its authentication status (3): for most commands the same as
        # success, for an `env open` the open Cloud refused.
        # When pulumi fails: an engine operation still completed (with a failed result, as
        # Cloud records it); `env open` that failed did not go on to read the open session.
        self.end_event_failed = end_event_success if end_event_failed is None else end_event_failed
        self.end_event_unauthorized = (
            end_event_success if end_event_unauthorized is None else end_event_unauthorized
        )
        self.skip_key = skip_key
        self.backend_arg = backend_arg
        self.global_flags = global_flags if global_flags is not None else {}
        # False when a word of the command path is not in pulumi's tree (`org frobnicate`).
        self.known = known

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELD_ORDER)
        return f"Invocation({fields})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Invocation):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _FIELD_ORDER)

    # Mutable, so unhashable; typeshed declares object.__hash__ a method, hence the ignore.
    __hash__ = None  # type: ignore[assignment]


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
    "end_event_unauthorized",
    "end_event_failed",
    "skip_key",
    "backend_arg",
    "global_flags",
    "known",
)


class Meaning:
    """One row of meaning.py's MEANINGS, its notes read (meaning.py documents them)."""

    __slots__ = (
        "arg_event",
        "args",
        "effect",
        "engine",
        "event",
        "flag_events",
        "read_with",
        "reveals",
        "reveals_with",
        "secret_args",
        "secret_flags",
        "stack_arg",
        "tag_event",
        "then",
        "unauthorized",
        "url_arg",
    )

    def __init__(self, effect: str, event: str | None, notes: str) -> None:
        self.effect = effect
        self.event = event
        self.engine: str | None = None
        self.read_with: str | None = None
        self.reveals = False
        self.reveals_with: str | None = None
        self.stack_arg: int | None = None
        self.url_arg: int | None = None
        self.args = False
        self.secret_args: str | None = None
        self.secret_flags: dict[str, str] = {}
        self.then: str | None = None
        self.arg_event: str | None = None
        self.tag_event: str | None = None
        self.flag_events: dict[str, str] = {}
        self.unauthorized: str | None = None
        for note in (notes + " " + GLOBAL_SECRET_FLAGS).split():
            self._read(note)

    def _read(self, note: str) -> None:
        name, _, value = note.partition("=")
        if name.startswith("secret:"):
            self.secret_flags[name[7:]] = value
        elif name == "engine":
            self.engine = value
        elif name == "read-with":
            self.read_with = value
        elif name == "reveals":
            self.reveals = True
        elif name == "reveals-with":
            self.reveals_with = value
        elif name == "stack-arg":
            self.stack_arg = int(value)
        elif name == "url-arg":
            self.url_arg = int(value)
        elif name == "args":
            self.args = True
        elif name == "secret-args":
            self.secret_args = value
        elif name == "then":
            self.then = value
        elif name == "arg-event":
            self.arg_event = value
        elif name == "tag-event":
            self.tag_event = value
        elif name == "flag-event":
            flag, _, events = value.partition(":")
            self.flag_events[flag] = events
        elif name == "unauthorized":
            self.unauthorized = value
        else:
            raise ValueError(f"unknown note {note!r}")
