"""Output formats: the terminal (colour, pager), TSV for scripts, JSON, CSV and CEF.

Every human-readable cell goes through safe_text.escape; CSV cells through csv_cell. The
terminal table is in table.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
from collections.abc import Sequence

import click

from pulumi_audited import outcomes, timestamps
from pulumi_audited.viewer import pager
from pulumi_audited.viewer.planned import preview_run_id
from pulumi_audited.viewer.safe_text import csv_cell, escape
from pulumi_audited.viewer.version import tool_version

OUTCOME_COLOURS = {
    outcomes.SUCCEEDED: "green",
    outcomes.FAILED: "red",
    outcomes.CANCELED: "yellow",
    outcomes.SIGNALED: "yellow",
    outcomes.CHANGES_DETECTED: "yellow",
    outcomes.RUNNING: "cyan",
    outcomes.UNFINISHED: "magenta",
}


class Terminal:
    """What stdout is: a terminal (table, colour, pager) or a pipe (plain lines)."""

    def __init__(self) -> None:
        self.is_tty = sys.stdout.isatty()
        self.colour = self.is_tty and "NO_COLOR" not in os.environ
        size = shutil.get_terminal_size((100, 40))
        self.width, self.height = size.columns, size.lines

    def paint(self, text: str, colour: str | None, bold: bool = False) -> str:
        if not self.colour or (colour is None and not bold):
            return text
        return click.style(text, fg=colour, bold=bold or None)

    def bold(self, text: str) -> str:
        return self.paint(text, None, bold=True)

    def emit(self, lines: list[str]) -> None:
        """Print, through a pager when a terminal would scroll past the start."""
        long = self.is_tty and len(lines) > self.height - 1
        if long and pager.page("".join(line + "\n" for line in lines), self.colour):
            return
        for line in lines:
            click.echo(line, color=self.colour)


def tsv_line(cells: Sequence[object]) -> str:
    return "\t".join(escape("" if cell is None else cell) for cell in cells)


def json_line(value: object) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


# --- export formats ---------------------------------------------------------------------

PULUMI_CSV_COLUMNS = (
    "Timestamp",
    "Name",
    "Login",
    "Event",
    "Description",
    "SourceIP",
    "RequireOrgAdmin",
    "RequireStackAdmin",
    "AuthenticationFailure",
)
OWN_CSV_COLUMNS = (
    "Agent",
    "Stack",
    "Project",
    "Command",
    "Outcome",
    "ExitCode",
    "DurationMs",
    "RunID",
    "Host",
    "PreviewRunID",
)
_PULUMI_EXIT_AUTHENTICATION = 3  # PULUMI-FACTS, "Exit codes"


def record_agent(record: dict) -> dict:
    """identity.agent, {} for no agent or a record that does not say."""
    identity = record.get("identity")
    agent = identity.get("agent") if isinstance(identity, dict) else None
    return agent if isinstance(agent, dict) else {}


def description(record: dict) -> str:
    argv = record.get("argv")
    command_line = " ".join(str(a) for a in argv) if isinstance(argv, list) else ""
    text = f"pulumi {command_line}".rstrip()
    if record.get("stack"):
        text += f" on stack {record['stack']}"
    if record.get("phase") == "end":
        text += f": {record.get('outcome')} (exit {record.get('exit_code')})"
    return text


def _flag(value: bool) -> str:
    return "true" if value else "false"


def csv_header() -> str:
    return _csv_row(PULUMI_CSV_COLUMNS + OWN_CSV_COLUMNS)


def csv_record(record: dict) -> str:
    return _csv_row(
        [
            str(record.get("time") or ""),  # Pulumi Cloud's Timestamp: RFC 3339, as ours
            record.get("user"),
            record.get("user"),
            record.get("event"),
            description(record),
            record.get("source_ip"),
            _flag(False),
            _flag(False),
            _flag(record.get("exit_code") == _PULUMI_EXIT_AUTHENTICATION),
            record_agent(record).get("name"),
            record.get("stack"),
            record.get("project"),
            record.get("command"),
            record.get("outcome"),
            record.get("exit_code"),
            record.get("duration_ms"),
            record.get("run_id"),
            record.get("host"),
            preview_run_id(record),
        ]
    )


_CSV_BUFFER = io.StringIO()
_CSV_WRITER = csv.writer(_CSV_BUFFER, lineterminator="")


def _csv_row(cells: Sequence[object]) -> str:
    _CSV_BUFFER.seek(0)
    _CSV_BUFFER.truncate()
    _CSV_WRITER.writerow(
        [
            "" if cell is None else str(cell) if type(cell) is int else csv_cell(cell)
            for cell in cells
        ]
    )
    return _CSV_BUFFER.getvalue()


def _cef_header_field(value: object) -> str:
    return escape(value).replace("|", "\\|")


def _cef_value(value: object) -> str:
    # safe_text.escape already doubled backslashes and wrote newlines as \n.
    return escape(value).replace("=", "\\=")


def _epoch_millis(stamp: object) -> str:
    try:
        return str(timestamps.epoch_millis(stamp))
    except ValueError:
        return ""


def _severity(record: dict) -> int:
    if record.get("outcome") in outcomes.FAILURES or record.get("reveals_secrets"):
        return 7
    if record.get("effect") in ("infra", "state"):
        return 5
    return 3


def cef_record(record: dict) -> str:
    """`CEF:0|Pulumi|pulumi-audited|VERSION|<event>|<description>|<severity>|extensions`, with
    Pulumi's extension keys (dvchost, rt, src, suser) first."""
    header = "|".join(
        [
            "CEF:0",
            "Pulumi",
            "pulumi-audited",
            tool_version(),
            _cef_header_field(record.get("event")),
            _cef_header_field(description(record)),
            str(_severity(record)),
        ]
    )
    agent = record_agent(record)
    extensions = [
        ("dvchost", record.get("host")),
        ("rt", _epoch_millis(record.get("time"))),
        ("src", record.get("source_ip")),
        ("suser", record.get("user")),
        ("act", record.get("command")),
        ("outcome", record.get("outcome")),
        ("cs1Label", "stack"),
        ("cs1", record.get("stack")),
        ("cs2Label", "project"),
        ("cs2", record.get("project")),
        ("cs3Label", "runId"),
        ("cs3", record.get("run_id")),
        ("cs4Label", "phase"),
        ("cs4", record.get("phase")),
        ("cs5Label", "aiAgent"),
        ("cs5", agent.get("name")),
        ("cs6Label", "aiAgentModel"),
        ("cs6", agent.get("model")),
        ("cn1Label", "exitCode"),
        ("cn1", record.get("exit_code")),
        ("cn2Label", "durationMs"),
        ("cn2", record.get("duration_ms")),
        ("externalId", record.get("id")),
    ]
    body = " ".join(f"{key}={_cef_value(value)}" for key, value in extensions if value is not None)
    return f"{header}|{body}"
