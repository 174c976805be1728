"""One audit record: built once, in a fixed key order, from already-redacted parts.

A run writes two records that share a `run_id`: `start` before pulumi runs, `end` after it.
Both carry the full context so each line stands on its own for a SIEM; the end record adds
the outcome. `time` and `prev` are left empty here: the store stamps them while it holds its
lock, so that append order, time order and hash-chain order agree.
"""

import os

from pulumi_audited import outcomes

SCHEMA = "pulumi-audited/1"

# The keys of a record, in the order every writer serialises them (fastjson keeps a dict's
# order). Readers rely on that order by byte position, without parsing: store/chain.py
# RECORD_PREFIX (a line starts with `{"schema":"pulumi-audited/`), store/verify.py _tail_prev
# (`prev` is the last key: its hash sits 66 bytes before the line's end), store/remote_read.py
# _HEAD (schema, id, run_id, phase, time first) and _TAIL (writer, seq, prev last), and the
# viewer's byte needles (canonical `"key":"value"` pairs). tests/test_record_keys.py runs each
# of them on freshly built records of every phase and kind.
START_KEYS = (
    "schema",
    "id",
    "run_id",
    "phase",
    "time",
    "event",
    "command",
    "argv",
    "user",
    "identity",
    "git",
    "host",
    "source_ip",
    "stack",
    "project",
    "backend",
    "cwd",
    "exec_kind",
    "automation_api",
    "effect",
    "reveals_secrets",
    "reason",
    "pid",
    "prev",
)
END_KEYS = (*START_KEYS[:-1], "exit_code", "outcome", "duration_ms", "signal", "signals", "prev")
# A remote log's spool adds its writer's name and place in its chain, just before `prev`.
REMOTE_KEYS = ("writer", "seq")

# pulumi's exit codes (PULUMI-FACTS, "Exit codes").
_PULUMI_EXIT_CHANGES = 7
_PULUMI_EXIT_CANCELED = 8
_PULUMI_EXIT_ERROR = 1
_PULUMI_EXIT_AUTHENTICATION = 3


def new_id(now_ns: int) -> str:
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness; sorts by time."""
    millis = now_ns // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")
    value = (
        (millis & 0xFFFF_FFFF_FFFF) << 80
        | 0x7 << 76
        | (random_bits >> 68) << 64
        | 0b10 << 62
        | random_bits & ((1 << 62) - 1)
    )
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def start_record(
    *, run_id: str, now_ns: int, invocation, context: dict, reason: str | None
) -> dict:
    """The intent record. `invocation` is a parsed, redacted pulumi command line."""
    values = {
        "schema": SCHEMA,
        "id": new_id(now_ns),
        "run_id": run_id,
        "phase": "start",
        "time": None,
        "event": invocation.event,
        "command": invocation.command,
        "argv": list(invocation.args),
        "user": context.get("user"),
        "identity": context.get("identity"),
        "git": context.get("git"),
        "host": context.get("host"),
        "source_ip": context.get("source_ip"),
        "stack": context.get("stack"),
        "project": context.get("project"),
        "backend": context.get("backend"),
        "cwd": context.get("cwd"),
        # pulumi's own vocabulary (cli, auto.local, auto.inline) or None, as the parser
        # settles it (pkg/cmd/pulumi/metadata/metadata.go addExecutionMetadataToEnvironment).
        "exec_kind": invocation.exec_kind,
        "automation_api": _automation_api(),
        "effect": invocation.effect,
        "reveals_secrets": invocation.reveals_secrets,
        "reason": reason,
        "pid": os.getpid(),
        "prev": None,
    }
    return {key: values[key] for key in START_KEYS}


def _automation_api() -> bool:
    """Set by the Automation API SDKs; pulumi itself never reads it (PULUMI-FACTS)."""
    return os.environ.get("PULUMI_AUTOMATION_API", "").lower() == "true"


def end_record(
    start: dict,
    *,
    now_ns: int,
    invocation,
    wait_status: int,
    duration_ms: int,
    signals: list[str],
) -> dict:
    """The outcome record for the run that `start` began."""
    exit_code, signal_name = decode_wait_status(wait_status)
    outcome = classify_outcome(
        exit_code=exit_code,
        killed_by=signal_name,
        expect_no_changes=invocation.expect_no_changes,
        signals=signals,
    )
    if outcome in (outcomes.CANCELED, outcomes.SIGNALED):
        event = invocation.end_event_canceled
    elif exit_code == _PULUMI_EXIT_AUTHENTICATION:
        event = invocation.end_event_unauthorized
    elif outcome == outcomes.SUCCEEDED:
        event = invocation.end_event_success
    else:
        event = invocation.end_event_failed
    values = {
        **start,
        "id": new_id(now_ns),
        "phase": "end",
        "time": None,
        "event": event,
        "exit_code": exit_code,
        "outcome": outcome,
        "duration_ms": duration_ms,
        "signal": signal_name,
        "signals": signals,
        "prev": None,
    }
    return {key: values[key] for key in END_KEYS}


def decode_wait_status(wait_status: int) -> tuple[int, str | None]:
    """(exit code as a shell reports it, name of the killing signal or None)."""
    if os.WIFSIGNALED(wait_status):
        number = os.WTERMSIG(wait_status)
        return 128 + number, signal_name(number)
    return os.waitstatus_to_exitcode(wait_status), None


def classify_outcome(
    *, exit_code: int, killed_by: str | None, expect_no_changes: bool, signals: list[str]
) -> str:
    if killed_by is not None:
        return outcomes.SIGNALED
    if exit_code == 0:
        return outcomes.SUCCEEDED
    if exit_code == _PULUMI_EXIT_CHANGES and expect_no_changes:
        return outcomes.CHANGES_DETECTED
    if exit_code == _PULUMI_EXIT_CANCELED:
        return outcomes.CANCELED
    # A first SIGINT/SIGTERM makes pulumi cancel and exit 1 (PULUMI-FACTS, "Exit codes").
    if exit_code == _PULUMI_EXIT_ERROR and ("SIGINT" in signals or "SIGTERM" in signals):
        return outcomes.CANCELED
    return outcomes.FAILED


_SIGNAL_NAMES: dict[int, str] = {}


def signal_name(number: int) -> str:
    if not _SIGNAL_NAMES:
        import _signal

        aliases = {"SIGIOT", "SIGPOLL", "SIGCLD"}
        for name in dir(_signal):
            if name.startswith("SIG") and not name.startswith("SIG_") and name not in aliases:
                _SIGNAL_NAMES.setdefault(getattr(_signal, name), name)
    return _SIGNAL_NAMES.get(number, f"SIG{number}")
