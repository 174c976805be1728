"""What the report shows, gathered in one pass over the selected runs, oldest first.

Counts are kept whole; lists of runs (changes, failures, reveals, runs outside working hours)
keep only the newest `rows` each, and say how many earlier ones they leave out, so that a
year of a busy team's log stays a page a browser opens at once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from typing import NamedTuple

from pulumi_audited import outcomes, timestamps
from pulumi_audited.viewer.planned import plan_kind, update_kind
from pulumi_audited.viewer.runs import Run
from pulumi_audited.working_hours import WorkingHours

CHANGING_EFFECTS = frozenset({"infra", "state"})
HUMAN = "human"
CANCELLATIONS = (outcomes.CANCELED, outcomes.SIGNALED)


class Row(NamedTuple):
    """One run as a table shows it."""

    run_id: str
    time: str
    user: str
    agent: str
    stack: str
    command: str
    outcome: str
    exit_code: object
    duration_ms: object
    argv: str
    git_head: str

    @classmethod
    def of(cls, run: Run, actor: str) -> Row:
        argv = run.get("argv")
        git = run.get("git")
        head = git.get("head") if isinstance(git, dict) else None
        end = run.end or {}
        return cls(
            run.run_id,
            str(run.time or ""),
            str(run.get("user") or "-"),
            actor,
            str(run.get("stack") or "-"),
            str(run.get("command") or "-"),
            run.outcome,
            end.get("exit_code"),
            end.get("duration_ms"),
            " ".join(map(str, argv)) if isinstance(argv, list) else str(argv or ""),
            str(head or "")[:12],
        )


class Listing:
    """The newest `limit` rows of a kind, and how many there were in all."""

    def __init__(self, limit: int) -> None:
        self.rows: deque[Row] = deque(maxlen=limit)
        self.total = 0

    def add(self, row: Row) -> None:
        self.total += 1
        self.rows.append(row)

    @property
    def left_out(self) -> int:
        return self.total - len(self.rows)


class Tally:
    def __init__(self, hours: WorkingHours, rows: int) -> None:
        self.hours = hours
        self.zone = _zone(hours.zone_name)
        self.runs = 0
        self.first: str | None = None
        self.last: str | None = None
        self.per_day: dict[str, Counter] = {}
        self.outcomes: Counter = Counter()
        self.actors: Counter = Counter()
        self.change_actors: Counter = Counter()
        self.changes_by_stack: Counter = Counter()
        self.changes_by_user: Counter = Counter()
        self.failures_by_command: Counter = Counter()
        self.reveals_by_user: Counter = Counter()
        self.outside_by_user: Counter = Counter()
        self.changes = Listing(rows)
        self.failures = Listing(rows)
        self.reveals = Listing(rows)
        self.outside = Listing(rows)
        # Run id -> (stack, user, actor) of each update that a preview could have planned.
        self.updates: dict[str, tuple[str, str, str]] = {}
        self.previews: dict[str, Row] = {}  # every plan, for the links

    def add(self, run: Run) -> None:
        self.runs += 1
        stamp = str(run.time or "")
        if stamp:
            self.first = min(self.first or stamp, stamp)
            self.last = max(self.last or stamp, stamp)
        outcome = run.outcome
        day = self.per_day.get(stamp[:10])
        if day is None:
            day = self.per_day[stamp[:10]] = Counter()
        day[outcome] += 1
        self.outcomes[outcome] += 1
        agent = run.agent
        actor = str(agent.get("name")) if agent is not None else HUMAN
        self.actors[actor] += 1
        row: Row | None = None
        if run.get("effect") in CHANGING_EFFECTS:
            row = Row.of(run, actor)
            self.changes.add(row)
            self.change_actors[actor] += 1
            self.changes_by_stack[row.stack] += 1
            self.changes_by_user[row.user] += 1
            if update_kind(run) is not None:
                self.updates[row.run_id] = (row.stack, row.user, actor)
        elif plan_kind(run) is not None:
            self.previews[run.run_id] = Row.of(run, actor)
        if outcome in outcomes.FAILURES or outcome in CANCELLATIONS:
            row = row or Row.of(run, actor)
            self.failures.add(row)
            self.failures_by_command[(row.command, outcome)] += 1
        if run.get("reveals_secrets") is True:
            row = row or Row.of(run, actor)
            self.reveals.add(row)
            self.reveals_by_user[row.user] += 1
        if stamp and self.is_outside(stamp):
            row = row or Row.of(run, actor)
            self.outside.add(row)
            self.outside_by_user[row.user] += 1

    def is_outside(self, stamp: str) -> bool:
        try:
            moment = timestamps.parse(stamp).astimezone(self.zone)
        except (ValueError, OverflowError):  # not a time, or a forged one at the calendar's end
            return False
        return not self.hours.contains(moment.weekday(), moment.hour * 60 + moment.minute)

    def unplanned(self, links: dict[str, str]) -> tuple[Counter, Counter, Counter]:
        """Updates no preview planned, by stack, by user and by actor."""
        by_stack: Counter = Counter()
        by_user: Counter = Counter()
        by_actor: Counter = Counter()
        for run_id, (stack, user, actor) in self.updates.items():
            if run_id not in links:
                by_stack[stack] += 1
                by_user[user] += 1
                by_actor[actor] += 1
        return by_stack, by_user, by_actor


def _zone(name: str) -> dt.tzinfo:
    if name.upper() == "UTC":
        return dt.timezone.utc
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"working hours: unknown time zone {name!r}") from None
