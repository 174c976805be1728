"""`audit stats`: who runs what, where, how often it fails, and when the log is busiest."""

from __future__ import annotations

from collections import Counter

import click

from pulumi_audited import outcomes
from pulumi_audited.viewer.context import open_log
from pulumi_audited.viewer.filters import filter_options, filters_from
from pulumi_audited.viewer.formats import Terminal, json_line
from pulumi_audited.viewer.pager import no_pager_option
from pulumi_audited.viewer.plan_query import linked_runs, plan_window_option, window_seconds
from pulumi_audited.viewer.planned import update_kind
from pulumi_audited.viewer.records import Damage
from pulumi_audited.viewer.safe_text import escape

_FAILURES = outcomes.FAILURES
_FINISHED_NOT_COUNTED = outcomes.RUN_STATES
_NO_AGENT = "-"  # no agent, or a record from before agents were recorded


class PlannedShares:
    """Updates (up, destroy, refresh) and how many a preview planned, per stack, user and
    AI agent."""

    KEYS = ("stack", "user", "agent")

    def __init__(self) -> None:
        self.updates: dict[str, Counter] = {key: Counter() for key in self.KEYS}
        self.planned: dict[str, Counter] = {key: Counter() for key in self.KEYS}

    def add(self, run, planned: bool) -> None:
        agent = run.agent
        names = {
            "stack": str(run.get("stack") or "-"),
            "user": str(run.get("user") or "-"),
            "agent": str(agent.get("name")) if agent is not None else _NO_AGENT,
        }
        for key, name in names.items():
            self.updates[key][name] += 1
            self.planned[key][name] += planned

    @property
    def total(self) -> int:
        return sum(self.updates["stack"].values())

    @property
    def total_planned(self) -> int:
        return sum(self.planned["stack"].values())

    def rows(self, key: str, top: int) -> list[tuple[str, int, int]]:
        """(name, updates, planned), the most updates first."""
        return [(n, c, self.planned[key][n]) for n, c in self.updates[key].most_common(top)]

    def as_json(self, top: int) -> dict:
        def share(planned: int, updates: int) -> float | None:
            return planned / updates if updates else None

        value: dict = {
            "updates": self.total,
            "planned": self.total_planned,
            "share": share(self.total_planned, self.total),
        }
        for key in self.KEYS:
            value[f"by_{key}"] = {
                name: {"updates": count, "planned": planned, "share": share(planned, count)}
                for name, count, planned in self.rows(key, top)
            }
        return value

    def render(self, top: int, terminal: Terminal) -> list[str]:
        lines = [terminal.paint("planned changes (updates a preview planned)", None, bold=True)]
        if not self.total:
            return [*lines, "  -", ""]
        lines.append(f"  all  {self.total_planned} of {self.total}  {_percent(self)}")
        for key, title in (("stack", "by stack"), ("user", "by user"), ("agent", "by AI agent")):
            rows = self.rows(key, top)
            width = max(len(escape(name)) for name, _, _ in rows)
            lines.append(f"  {title}")
            for name, count, planned in rows:
                share = f"{100 * planned / count:5.1f}%"
                lines.append(f"    {escape(name):<{width}}  {planned:>8} of {count:<8}  {share}")
            if len(self.updates[key]) > top:
                lines.append(f"    ... and {len(self.updates[key]) - top} more")
        return [*lines, ""]


def _percent(shares: PlannedShares) -> str:
    return f"{100 * shares.total_planned / shares.total:.1f}%"


class Tally:
    def __init__(self) -> None:
        self.runs = 0
        self.first: str | None = None
        self.last: str | None = None
        self.by: dict[str, Counter] = {
            key: Counter()
            for key in ("user", "agent", "stack", "command", "event", "outcome", "hour")
        }
        self.failures_by_stack: Counter = Counter()
        self.planned = PlannedShares()

    def add(self, run, preview: str | None = None) -> None:
        self.runs += 1
        stamp = str(run.time or "")
        if stamp:
            self.first = min(self.first or stamp, stamp)
            self.last = max(self.last or stamp, stamp)
            self.by["hour"][stamp[11:13] + ":00"] += 1
        # The end record's event when there is one: it names the outcome
        # (environment-unauthorized-open, stack-update-canceled).
        for key in ("user", "stack", "command", "event"):
            self.by[key][str(run.get(key) or "-")] += 1
        agent = run.agent
        self.by["agent"][str(agent.get("name")) if agent is not None else _NO_AGENT] += 1
        outcome = run.outcome
        self.by["outcome"][outcome] += 1
        if outcome in _FAILURES:
            self.failures_by_stack[str(run.get("stack") or "-")] += 1
        if update_kind(run) is not None:
            self.planned.add(run, preview is not None)

    @property
    def finished(self) -> int:
        return self.runs - sum(self.by["outcome"][o] for o in _FINISHED_NOT_COUNTED)

    @property
    def failed(self) -> int:
        return sum(self.by["outcome"][o] for o in _FAILURES)

    def failure_rate(self) -> float | None:
        return self.failed / self.finished if self.finished else None

    def as_json(self, top: int) -> dict:
        return {
            "runs": self.runs,
            "first": self.first,
            "last": self.last,
            "finished": self.finished,
            "failed": self.failed,
            "failure_rate": self.failure_rate(),
            **{f"by_{key}": dict(counter.most_common(top)) for key, counter in self.by.items()},
            "busiest_hours": dict(self.by["hour"].most_common(top)),
            "failures_by_stack": dict(self.failures_by_stack.most_common(top)),
            "planned": self.planned.as_json(top),
        }


def _block(title: str, counter: Counter, total: int, top: int, terminal: Terminal) -> list[str]:
    lines = [terminal.paint(title, None, bold=True)]
    if not counter:
        return [*lines, "  -", ""]
    entries = counter.most_common(top)
    width = max(len(escape(name)) for name, _ in entries)
    for name, count in entries:
        share = f"{100 * count / total:5.1f}%" if total else ""
        lines.append(f"  {escape(name):<{width}}  {count:>8}  {share}")
    if len(counter) > top:
        lines.append(f"  ... and {len(counter) - top} more")
    return [*lines, ""]


def render(tally: Tally, top: int, terminal: Terminal) -> list[str]:
    rate = tally.failure_rate()
    lines = [
        f"runs          {tally.runs}",
        f"period        {tally.first or '-'} .. {tally.last or '-'}",
        f"finished      {tally.finished}",
        f"failed        {tally.failed}"
        + (f"   failure rate {100 * rate:.1f}%" if rate is not None else ""),
        "",
    ]
    lines += _block("by user", tally.by["user"], tally.runs, top, terminal)
    lines += _block("by AI agent", tally.by["agent"], tally.runs, top, terminal)
    lines += _block("busiest stacks", tally.by["stack"], tally.runs, top, terminal)
    lines += _block("by command", tally.by["command"], tally.runs, top, terminal)
    lines += _block("by event", tally.by["event"], tally.runs, top, terminal)
    lines += _block("by outcome", tally.by["outcome"], tally.runs, top, terminal)
    lines += _block("failures by stack", tally.failures_by_stack, tally.failed, top, terminal)
    lines += _block("busiest hours (UTC)", tally.by["hour"], tally.runs, top, terminal)
    lines += tally.planned.render(top, terminal)
    return lines


@click.command("stats")
@filter_options(with_outcome_states=True)
@click.option("--top", default=10, show_default=True, help="Entries per table.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@plan_window_option
@no_pager_option
def command(top: int, as_json: bool, plan_window: str | None, **params) -> None:
    """Runs by user, AI agent, stack, command, event and outcome; the failure rate; the
    busiest stacks and hours; the share of updates a preview planned, per stack, user and AI
    agent; over the period given by --since/--until (default: all history)."""
    filters = filters_from(params)
    damage = Damage()
    tally = Tally()
    window = window_seconds(plan_window)
    for run, preview in linked_runs(open_log(), filters, damage, window):
        tally.add(run, preview)
    terminal = Terminal()
    if as_json:
        click.echo(json_line(tally.as_json(top)))
    else:
        terminal.emit(render(tally, top, terminal))
    damage.report()
