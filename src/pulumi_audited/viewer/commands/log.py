"""`audit log`: one row per run, newest first."""

from __future__ import annotations

import itertools
import time

import click

from pulumi_audited.store.chain import parse_record_line
from pulumi_audited.viewer.context import open_log
from pulumi_audited.viewer.filters import filter_options, filters_from
from pulumi_audited.viewer.formats import OUTCOME_COLOURS, Terminal, json_line, table, tsv_line
from pulumi_audited.viewer.query import run_matches, select_runs
from pulumi_audited.viewer.records import Damage
from pulumi_audited.viewer.runs import Run

HEADER = (
    "TIME",
    "USER",
    "AGENT",
    "STACK",
    "COMMAND",
    "OUTCOME",
    "DURATION",
    "EXIT",
    "SOURCE IP",
    "RUN",
)
_SHRINKABLE = (9, 4, 1, 3, 2)  # run id, command, user, stack, agent: cut in this order
_DROPPABLE = (9, 8)  # then run id and source IP go, when even cut they would not fit
_OUTCOME_COLUMN = 5
_RUN_ID_SHOWN = 18  # the UUIDv7's milliseconds and 12 random bits: unique in practice
_FOLLOW_PAUSE = 0.5


def _duration(ms: object) -> str:
    if not isinstance(ms, int):
        return "-"
    if ms < 1000:
        return f"{ms}ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f}s"
    minutes, seconds = divmod(ms // 1000, 60)
    return f"{minutes}m{seconds:02d}s"


def run_agent(run: Run) -> str | None:
    """The agent's name; None for no agent or for records that do not say."""
    agent = run.agent
    return str(agent.get("name")) if agent is not None else None


def table_cells(run: Run) -> list[str]:
    end = run.end or {}
    stamp = str(run.time or "")
    return [
        stamp[:19].replace("T", " ") + ("Z" if stamp else ""),
        str(run.get("user") or "-"),
        run_agent(run) or "-",
        str(run.get("stack") or "-"),
        str(run.get("command") or "-"),
        run.outcome,
        _duration(end.get("duration_ms")),
        str(end["exit_code"]) if end.get("exit_code") is not None else "-",
        str(run.get("source_ip") or "-"),
        run.run_id[:_RUN_ID_SHOWN],
    ]


def script_cells(run: Run) -> list[object]:
    end = run.end or {}
    return [
        run.time,
        run.get("user"),
        run.get("stack"),
        run.get("command"),
        run.outcome,
        end.get("duration_ms"),
        end.get("exit_code"),
        run.get("source_ip"),
        run.run_id,
        run_agent(run),  # last: scripts that read the columns before it keep working
    ]


def render_runs(runs: list[Run], terminal: Terminal, as_json: bool) -> list[str]:
    if as_json:
        return [json_line(run.as_json()) for run in runs]
    if not terminal.is_tty:
        return [tsv_line(script_cells(run)) for run in runs]
    return table(
        HEADER,
        [table_cells(run) for run in runs],
        terminal,
        shrinkable=_SHRINKABLE,
        droppable=_DROPPABLE,
        colours=[OUTCOME_COLOURS.get(run.outcome) for run in runs],
        colour_column=_OUTCOME_COLUMN,
    )


@click.command("log")
@filter_options(with_outcome_states=True)
@click.option("-n", "--limit", default=50, show_default=True, help="Runs to show; 0: all.")
@click.option("--reverse", is_flag=True, help="Oldest first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new runs as they are recorded.")
def command(limit: int, reverse: bool, as_json: bool, follow: bool, **params) -> None:
    """One row per run (start and end merged): time, user, AI agent, stack, command,
    outcome, duration, exit code, source IP. Newest first.

    \b
    Examples:
      pulumi audit log --stack '*/prod' --since 7d
      pulumi audit log --user alice --outcome failed -n 0
      pulumi audit log --agent any --stack '*/prod'
      pulumi audit log --json | jq .start.argv
    """
    if limit < 0:
        raise click.BadParameter("must be 0 (all) or more", param_hint="-n/--limit")
    filters = filters_from(params)
    store = open_log()
    terminal = Terminal()
    damage = Damage()
    tail = _Tail(store) if follow else None
    # Following shows the latest runs the way tail does (oldest of them first), so
    # --reverse changes nothing there.
    newest_first = not reverse or follow
    runs = select_runs(store, filters, damage, newest_first=newest_first)
    chosen = list(itertools.islice(runs, limit) if limit else runs)
    if follow:
        chosen.reverse()
    lines = render_runs(chosen, terminal, as_json)
    if follow:
        for line in lines:
            click.echo(line, color=terminal.colour)
    else:
        terminal.emit(lines)
    damage.report()
    if follow:
        _follow(store, filters, terminal, as_json, tail, damage)


class _Tail:
    """How far each partition has been read: bytes and lines."""

    def __init__(self, store) -> None:
        self.read: dict[str, tuple[int, int]] = {}
        for partition in store.partitions():
            data = partition.read_bytes()
            self.read[partition.name] = (len(data), data.count(b"\n"))

    def new_lines(self, partition) -> list[tuple[int, bytes]]:
        offset, lines = self.read.get(partition.name, (0, 0))
        data = partition.read_bytes(offset)
        complete = data[: data.rfind(b"\n") + 1]
        found = complete.split(b"\n")[:-1]
        self.read[partition.name] = (offset + len(complete), lines + len(found))
        return list(enumerate(found, start=lines + 1))

    def oldest(self) -> str | None:
        return min(self.read, default=None)


def _follow(store, filters, terminal: Terminal, as_json: bool, tail: _Tail, damage) -> None:
    starts: dict[str, dict] = {}
    try:
        while True:
            time.sleep(_FOLLOW_PAUSE)
            for partition in store.partitions(tail.oldest()):
                for number, line in tail.new_lines(partition):
                    run = _follow_record(line, starts, filters)
                    if run is None:
                        if parse_record_line(line) is None and line.strip():
                            damage.add(partition.location, number)
                        continue
                    for shown in render_runs([run], terminal, as_json):
                        click.echo(shown, color=terminal.colour)
            damage.report()
            damage.places.clear()
    except KeyboardInterrupt:
        return


def _follow_record(line: bytes, starts: dict[str, dict], filters) -> Run | None:
    record = parse_record_line(line)
    if record is None or not filters.invariant_match(record):
        return None
    run_id = str(record.get("run_id") or "")
    if record.get("phase") == "end":
        run = Run(starts.pop(run_id, None), record)
    else:
        starts[run_id] = record
        run = Run(record, None)
    return run if run_matches(filters, run) else None
