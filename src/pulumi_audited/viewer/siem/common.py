"""What every export format reads from a record the same way: the agent, the one-line
description, the severity, Pulumi Cloud's three flags, times. Records are already redacted
(argv holds `[redacted]` for every secret) and hold no environment values; nothing here adds
any."""

from __future__ import annotations

import functools
import ipaddress

from pulumi_audited import outcomes, timestamps

# Pulumi Cloud's CEF export names its vendor "Pulumi": rules keyed on the vendor match ours.
VENDOR = "Pulumi"
PULUMI_EXIT_AUTHENTICATION = 3  # PULUMI-FACTS, "Exit codes"

LOW, MEDIUM, HIGH = "low", "medium", "high"
CEF_SEVERITIES = {LOW: 3, MEDIUM: 5, HIGH: 7}  # CEF's 0-10: 0-3 low, 4-6 medium, 7-8 high

CREATE, READ, UPDATE, DELETE, UNKNOWN = "create", "read", "update", "delete", "unknown"


def as_map(value: object) -> dict:
    """`value` when it is a JSON object, else {} (a record may lack a field or hold null)."""
    return value if isinstance(value, dict) else {}


def record_agent(record: dict) -> dict:
    """identity.agent, {} for no agent or a record that does not say."""
    return as_map(as_map(record.get("identity")).get("agent"))


def command_line(record: dict) -> str:
    """`pulumi ARGS...` from the record's (redacted) argv."""
    argv = record.get("argv")
    words = " ".join(str(a) for a in argv) if isinstance(argv, list) else ""
    return f"pulumi {words}".rstrip()


def description(record: dict, preview_run_id: str | None = None) -> str:
    text = command_line(record)
    if record.get("stack"):
        text += f" on stack {record['stack']}"
    if record.get("phase") == "end":
        text += f": {record.get('outcome')} (exit {record.get('exit_code')})"
    if preview_run_id:
        text += f", planned by preview {preview_run_id}"
    return text


def severity(record: dict) -> str:
    """LOW for reads and local changes, MEDIUM for infrastructure and state changes, HIGH for
    a failure or a command that prints secrets."""
    if record.get("outcome") in outcomes.FAILURES or record.get("reveals_secrets"):
        return HIGH
    if record.get("effect") in ("infra", "state"):
        return MEDIUM
    return LOW


def operation(record: dict) -> str:
    """CREATE, DELETE, READ or UPDATE, from the event id and the command's effect."""
    event = str(record.get("event") or "")
    if event.endswith(("-created", "-create")) or record.get("command") == "new":
        return CREATE
    if event.endswith(("-deleted", "-delete")) or record.get("command") == "destroy":
        return DELETE
    effect = record.get("effect")
    if effect == "read":
        return READ
    if effect in ("infra", "state", "local"):
        return UPDATE
    return UNKNOWN


def flag_text(value: bool) -> str:
    """A boolean as Pulumi Cloud's CSV and CEF exports write it."""
    return "true" if value else "false"


def cloud_flags(record: dict) -> tuple[bool, bool, bool]:
    """Pulumi Cloud's (requires org admin, requires stack admin, authentication failure). A
    self-managed backend has no roles, so the first two are false; the third is pulumi's
    authentication exit status."""
    return False, False, record.get("exit_code") == PULUMI_EXIT_AUTHENTICATION


def epoch_millis(stamp: object) -> int | None:
    try:
        return timestamps.epoch_millis(stamp)
    except ValueError:
        return None


def duration_ms(record: dict) -> int | None:
    value = record.get("duration_ms")
    return value if type(value) is int and value >= 0 else None


def text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def ip_address(value: object) -> str | None:
    """`value` when it is an IPv4 or IPv6 address (normalised), else None."""
    return _parsed_ip(str(value)) if value else None


@functools.lru_cache(maxsize=4096)  # a log has few source addresses; parsing one is slow
def _parsed_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
