"""`audit log`: one row per run, newest first."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import click

from pulumi_audited import outcomes
from pulumi_audited.viewer import table
from pulumi_audited.viewer.context import open_log
from pulumi_audited.viewer.filters import filter_options, filters_from
from pulumi_audited.viewer.formats import OUTCOME_COLOURS, Terminal, json_line, tsv_line
from pulumi_audited.viewer.pager import no_pager_option
from pulumi_audited.viewer.plan_query import plan_window_option, selected_runs, window_seconds
from pulumi_audited.viewer.records import Damage
from pulumi_audited.viewer.runs import Run
from pulumi_audited.viewer.short_ids import MIN_LENGTH, ShortIds, for_store

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
_TIME, _USER, _AGENT, _STACK, _COMMAND, _OUTCOME, _SOURCE_IP = 0, 1, 2, 3, 4, 5, 8
# What gives way, in order, when the table is wider than the terminal. The run id (the last
# column) never does: it is what `audit show` needs.
_GIVE_WAY = (
    table.Cut(_STACK, 20, from_start=True),
    table.Drop(_SOURCE_IP),
    table.Cut(_USER, 10),
    table.Cut(_AGENT, 8),
    table.Cut(_COMMAND, 12),
    table.Cut(_STACK, 12, from_start=True),
    table.Compact(_TIME),
    table.Drop(_AGENT),
    table.Cut(_STACK, 10, from_start=True),
    table.Cut(_OUTCOME, 10),
    table.Cut(_USER, 6),
    table.Cut(_COMMAND, 8),
    table.Cut(_STACK, 5, from_start=True),
)
_COMPACT_TITLES = ("TIME (UTC)",)
# Following, the widths are fixed before the rows come: room for typical values (a rare
# longer one is cut, `changes-detected` too, as `changes-d…`).
_FOLLOW_WIDTHS = (20, 8, 6, 24, 10, len(outcomes.UNFINISHED), 8, 4, 15, MIN_LENGTH + 1)


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


def table_cells(run: Run, short_id: str) -> list[str]:
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
        short_id,
    ]


def _compact_cells(cells: list[str]) -> list[str]:
    """The same row with the time as `11-21 09:12`."""
    return [cells[0][5:16], *cells[1:]]


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


class RunLines:
    """Runs as stdout wants them: a table on a terminal, else TSV or JSON lines."""

    def __init__(self, terminal: Terminal, as_json: bool, short_ids: ShortIds | None) -> None:
        self.terminal = terminal
        self.as_json = as_json
        self.short_ids = short_ids or ShortIds()
        self.is_table = terminal.is_tty and not as_json
        self.layout: table.Layout | None = None

    def _cells(self, run: Run) -> list[str]:
        return table_cells(run, self.short_ids.short(run.run_id))

    def _painters(self, run: Run) -> dict[int, Callable[[str], str]]:
        colour = OUTCOME_COLOURS.get(run.outcome)
        return {_OUTCOME: lambda text: self.terminal.paint(text, colour)}

    def lines(self, runs: list[Run], *, fixed: bool = False) -> list[str]:
        """All the runs; a table starts with its header. `fixed`: the widths stay for rows
        that follow (row())."""
        if not self.is_table:
            return [self.row(run) for run in runs]
        rows = [self._cells(run) for run in runs]
        self.layout = table.fit(
            HEADER,
            rows,
            self.terminal.width,
            _GIVE_WAY,
            compact_rows=[_compact_cells(row) for row in rows],
            compact_titles=_COMPACT_TITLES,
            at_least=_FOLLOW_WIDTHS if fixed else (),
        )
        lines = [table.header_line(self.layout, self.terminal.bold)]
        for run, row in zip(runs, rows, strict=True):
            lines.append(self._table_row(run, row))
        return lines

    def row(self, run: Run) -> str:
        if self.as_json:
            return json_line(run.as_json())
        if not self.is_table:
            return tsv_line(script_cells(run))
        return self._table_row(run, self._cells(run))

    def _table_row(self, run: Run, cells: list[str]) -> str:
        assert self.layout is not None
        return table.row_line(self.layout, cells, _compact_cells(cells), self._painters(run))


@click.command("log")
@filter_options(with_outcome_states=True)
@click.option("-n", "--limit", default=50, show_default=True, help="Runs to show; 0: all.")
@click.option("--reverse", is_flag=True, help="Oldest first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run.")
@click.option(
    "-f",
    "--follow",
    is_flag=True,
    help="Keep printing runs as they are recorded: each when it ends, and as running "
    "when it is still going 2 seconds after it started.",
)
@plan_window_option
@no_pager_option
def command(
    limit: int, reverse: bool, as_json: bool, follow: bool, plan_window: str | None, **params
) -> None:
    """One row per run (start and end merged): time, user, AI agent, stack, command,
    outcome, duration, exit code, source IP, and a short run id that `audit show` takes.
    Newest first.

    \b
    Examples:
      pulumi audit log --stack '*/prod' --since 7d
      pulumi audit log --user alice --outcome failed -n 0
      pulumi audit log --agent any --stack '*/prod'
      pulumi audit log --unplanned --stack '*/prod' --since 30d
      pulumi audit log --json | jq .start.argv
    """
    if limit < 0:
        raise click.BadParameter("must be 0 (all) or more", param_hint="-n/--limit")
    filters = filters_from(params)
    terminal = Terminal()
    damage = Damage()
    if follow:
        if filters.unplanned:
            raise click.UsageError("--unplanned and --follow cannot be combined")
        from pulumi_audited.viewer.follow import follow as follow_log

        follow_log(open_log(), filters, limit, RunLines, terminal, as_json, damage)
        return
    store = open_log()
    window = window_seconds(plan_window)
    runs = selected_runs(store, filters, damage, newest_first=not reverse, window=window)
    chosen = list(itertools.islice(runs, limit) if limit else runs)
    # Short ids are unique in the whole log: asked only where the table shows them.
    short_ids = for_store(store) if terminal.is_tty and not as_json and chosen else None
    terminal.emit(RunLines(terminal, as_json, short_ids).lines(chosen))
    damage.report()
