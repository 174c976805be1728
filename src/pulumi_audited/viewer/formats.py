"""Output formats: the terminal (colour, pager), TSV for scripts, JSON and CSV (the SIEM
formats, CEF, OCSF, ECS and Pulumi Cloud's JSON, are in siem/).

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

from pulumi_audited import outcomes
from pulumi_audited.viewer import pager
from pulumi_audited.viewer.planned import preview_run_id
from pulumi_audited.viewer.safe_text import csv_cell, escape
from pulumi_audited.viewer.siem.common import cloud_flags, description, flag_text, record_agent

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
            *(flag_text(flag) for flag in cloud_flags(record)),
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
