"""`audit show RUN_ID`: everything about one run, and whether its records are intact.

Every value from a record is escaped (safe_text), keys of nested objects included: a record
may be forged. Nested objects (identity, git) are shown a key per line, lists as their items,
booleans as yes/no.
"""

from __future__ import annotations

import click

from pulumi_audited.store.base import Partitioned
from pulumi_audited.viewer.context import open_log
from pulumi_audited.viewer.formats import OUTCOME_COLOURS, Terminal, json_line
from pulumi_audited.viewer.pager import no_pager_option
from pulumi_audited.viewer.plan_query import (
    plan_window_option,
    preview_of,
    update_of,
    window_seconds,
)
from pulumi_audited.viewer.planned import plan_kind, update_kind
from pulumi_audited.viewer.run_lookup import ID_TEXT, Located, find_run
from pulumi_audited.viewer.runs import Run
from pulumi_audited.viewer.safe_text import escape

_LABEL_WIDTH = 18  # a label and its indent; values start after it


def _value(value: object) -> str:
    """A scalar or a list of scalars, as one escaped line."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value) if value else "-"
    if isinstance(value, dict):  # inside a list: rare enough for one line
        return ", ".join(f"{escape(k)}={_value(v)}" for k, v in value.items()) or "-"
    return escape(value)


def _field(key: str, value: object, indent: int = 2) -> list[str]:
    """`key value`, aligned; a dict as its key, then its own keys indented under it."""
    label = " " * indent + escape(key)
    if isinstance(value, dict) and value:
        lines = [label]
        for inner_key, inner in value.items():
            lines += _field(str(inner_key), inner, indent + 2)
        return lines
    return [f"{label:<{_LABEL_WIDTH}} {_value(value)}".rstrip()]


class PlanLink:
    """The run's link to a plan: the preview that planned an update, the update a plan
    planned; `applies` is False for runs that are neither."""

    def __init__(self, store: Partitioned, run: Run, window: float) -> None:
        self.is_update = update_kind(run) is not None
        self.applies = self.is_update or plan_kind(run) is not None
        self.preview = preview_of(store, run, window) if self.is_update else None
        self.update = update_of(store, run, window) if not self.is_update else None

    def lines(self) -> list[str]:
        if not self.applies:
            return []
        if self.is_update:
            if self.preview is None:
                return ["plan       none: no preview planned this update"]
            return [
                f"plan       planned by preview {escape(self.preview.run_id)} "
                f"at {escape(self.preview.started)}"
            ]
        if self.update is None:
            return ["plan       planned no update"]
        return [
            f"plan       planned update {escape(self.update.run_id)} at {escape(self.update.time)}"
        ]

    def as_json(self) -> dict:
        return {
            "preview_run_id": self.preview.run_id if self.preview else None,
            "planned_update_run_id": self.update.run_id if self.update else None,
        }


def _describe(run: Run, located: list[Located], terminal: Terminal, plan: PlanLink) -> list[str]:
    first = run.first
    end = run.end or {}
    outcome = terminal.paint(escape(run.outcome), OUTCOME_COLOURS.get(run.outcome))
    argv = first.get("argv")
    arguments = argv if isinstance(argv, list) else []

    def section(title: str) -> str:
        return terminal.bold(title)

    lines = [
        f"{section('run')}        {escape(run.run_id)}",
        f"command    pulumi {escape(' '.join(str(a) for a in arguments))}",
        f"outcome    {outcome}   exit code {_value(end.get('exit_code'))}"
        f"   signal {_value(end.get('signal'))}   signals {_value(end.get('signals'))}",
        f"started    {_value(run.start and run.start.get('time'))}",
        f"ended      {_value(end.get('time'))}   duration {_value(end.get('duration_ms'))} ms",
        *plan.lines(),
        "",
        section("who"),
    ]
    for key in ("user", "identity", "host", "source_ip", "exec_kind", "pid", "reason"):
        lines += _field(key, first.get(key))
    lines += ["", section("where")]
    for key in ("stack", "project", "backend", "cwd", "git"):
        lines += _field(key, first.get(key))
    lines += ["", section("what")]
    for key in ("command", "event", "effect", "reveals_secrets"):
        lines += _field(key, first.get(key))
    for index, arg in enumerate(arguments):
        lines += _field(f"argv[{index}]", arg)
    lines += ["", section("records")]
    for item in located:
        record = item.record
        lines.append(
            f"  {escape(record.get('phase'))}  {escape(record.get('id'))}  "
            f"{escape(record.get('event'))}  {escape(item.location)}:{item.number}"
        )
        lines.append(f"         integrity: {item.integrity}")
    if run.end is None:
        lines.append(f"  end    none: the run is {escape(run.outcome)}")
    return lines


@click.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="The run as one JSON object.")
@plan_window_option
@no_pager_option
def command(run_id: str, as_json: bool, plan_window: str | None) -> None:
    """Everything about one run: both records, the full redacted arguments, identity, CI and
    git context, timings, the integrity of its records, and for an update the preview that
    planned it (for a preview, the update it planned). RUN_ID may be the start of a run id,
    or its end: the short id `audit log` shows."""
    text = run_id.strip()
    if not ID_TEXT.match(text):
        raise click.BadParameter(
            f"{escape(run_id)!r} is not a run id, or the start or end of one", param_hint="RUN_ID"
        )
    window = window_seconds(plan_window)
    store = open_log()
    located = find_run(store, text)
    start = next((i.record for i in located if i.record.get("phase") == "start"), None)
    end = next((i.record for i in located if i.record.get("phase") == "end"), None)
    run = Run(start, end)
    plan = PlanLink(store, run, window)
    terminal = Terminal()
    if as_json:
        value = {**run.as_json(), **plan.as_json()}
        value["records"] = [
            {
                "location": i.location,
                "line": i.number,
                "id": i.record.get("id"),
                "integrity": i.integrity,
            }
            for i in located
        ]
        click.echo(json_line(value))
        return
    terminal.emit(_describe(run, located, terminal, plan))
