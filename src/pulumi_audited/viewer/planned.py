"""Planned versus executed: which preview planned each update, worked out when reading.

An update (`up`, `destroy`, `refresh` that changes something) is planned by the last plan of
its kind on the same stack (same backend) before it, when that plan succeeded, was run by the
same user and the same AI agent (or none by both), from the same git state (`head`, and every
other key both records hold but `branch`: a branch name says nothing of the code), ended
before the update started, started at most `window` seconds before it, and no other update of
the stack started in between. One plan thus plans at most one update.

A plan's kind is the update it shows: `preview` plans `up`; `destroy --preview-only` and
`refresh --preview-only` (recorded with effect `read`) plan `destroy` and `refresh`. A
preview that did not succeed plans nothing, `changes-detected` included: with
`--expect-no-changes` its author said nothing would change and pulumi found changes, so an
update after it does what its plan said must not happen. `--diff` only changes how a plan is
shown, so such a preview plans as any other.

Commands and effects are the record's canonical `command` path and `effect`, so aliases
(`update`, `pre`, `down`) count as what they are. Both orders are streamed in bounded memory:
oldest first (PlanLinker, per stack the last plan of each kind) and newest first
(UnplannedNewestFirst, per stack the newest update still waiting for its plan).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from typing import NamedTuple, Protocol

from pulumi_audited import outcomes, timestamps
from pulumi_audited.viewer.runs import Run

DEFAULT_WINDOW = 86400.0
# The key exports give the link under; read it with preview_run_id().
PREVIEW_RUN_ID = "preview_run_id"
_UPDATES = ("up", "destroy", "refresh")
_PLAN_OF = {"preview": "up", "destroy": "destroy", "refresh": "refresh"}
_OPEN_LIMIT = 10_000


class Fields(Protocol):  # a Run or a record: both answer get()
    def get(self, key: str) -> object: ...


def update_kind(fields: Fields) -> str | None:
    """The command of an update (`up`, `destroy`, `refresh`), None for anything else."""
    command = fields.get("command")
    if command in _UPDATES and fields.get("effect") != "read":
        return str(command)
    return None


def plan_kind(fields: Fields) -> str | None:
    """The update a plan shows, when the record is one (whatever its outcome)."""
    command = fields.get("command")
    if command == "preview" or (command in _UPDATES and fields.get("effect") == "read"):
        return _PLAN_OF[str(command)]
    return None


def preview_run_id(record: dict) -> str | None:
    """The run id of the preview that planned the record's run, in an exported record (None:
    not an update, or no preview planned it). The one accessor for export formats."""
    value = record.get(PREVIEW_RUN_ID)
    return str(value) if value else None


def _stack(fields: Fields) -> tuple[str, str] | None:
    stack = fields.get("stack")
    return (str(fields.get("backend") or ""), str(stack)) if stack else None


def _who(run: Run) -> tuple[str, str | None]:
    """The user and the AI agent (None for none, and for records from before agents)."""
    agent = run.agent
    return (str(run.get("user") or ""), str(agent.get("name")) if agent is not None else None)


def _git_state(run: Run) -> dict[str, str]:
    git = run.get("git")
    if not isinstance(git, dict):
        return {}
    return {str(key): str(value) for key, value in git.items() if key != "branch"}


def _same_code(plan: dict[str, str], update: dict[str, str]) -> bool:
    if plan.get("head") != update.get("head"):
        return False
    return all(plan[key] == update[key] for key in plan.keys() & update.keys())


def _seconds(stamp: object) -> float | None:
    try:
        return timestamps.parse(stamp).timestamp()
    except (TypeError, ValueError):
        return None


class Plan(NamedTuple):
    run_id: str
    kind: str
    started: str
    ended: str
    who: tuple[str, str | None]
    git: dict[str, str]


def as_plan(run: Run) -> Plan | None:
    """The run as a plan, when it is a plan that succeeded."""
    kind = plan_kind(run)
    if kind is None or run.end is None or run.outcome != outcomes.SUCCEEDED:
        return None
    ended = str(run.end.get("time") or "")
    return Plan(run.run_id, kind, str(run.time or ""), ended, _who(run), _git_state(run))


def plans(plan: Plan, update: Run, window: float) -> bool:
    """Whether `plan`, the last plan of the update's kind on its stack with no update in
    between, planned `update`."""
    started = str(update.time or "")
    if not plan.ended or plan.ended > started:
        return False
    if plan.who != _who(update) or not _same_code(plan.git, _git_state(update)):
        return False
    planned_at, update_at = _seconds(plan.started), _seconds(started)
    return planned_at is not None and update_at is not None and update_at - planned_at <= window


class PlanLinker:
    """Runs fed oldest first (in the order of their starts), or records in time order; per
    stack, the last plan of each kind since the stack's last update, and when that was."""

    def __init__(self, window_seconds: float = DEFAULT_WINDOW) -> None:
        self.window = window_seconds
        self._plans: dict[tuple[str, str], dict[str, Plan]] = {}
        self._updated: dict[tuple[str, str], str] = {}
        self._open: OrderedDict[str, str | None] = OrderedDict()  # updates started, not ended

    def feed(self, run: Run) -> str | None:
        """The run id of the preview that planned `run`; None when `run` is not an update or
        nothing planned it."""
        plan = self.plan_of(run)
        return plan.run_id if plan is not None else None

    def plan_of(self, run: Run) -> Plan | None:
        """As feed(), the plan itself."""
        stack = _stack(run)
        if stack is None:
            return None
        kind = update_kind(run)
        if kind is not None:
            self._updated[stack] = str(run.time or "")
            last = self._plans.pop(stack, {}).get(kind)
            return last if last is not None and plans(last, run, self.window) else None
        plan = as_plan(run)
        # Fed by records, a plan arrives at its end: an update that started after the plan
        # did is in between, as it is for runs fed in the order of their starts.
        if plan is not None and plan.started >= self._updated.get(stack, ""):
            self._plans.setdefault(stack, {})[plan.kind] = plan
        return None

    def feed_record(self, record: dict) -> str | None:
        """As feed(), for the records of runs in time order: both records of an update get
        its preview; a plan counts from its end record."""
        run_id = str(record.get("run_id") or "")
        if record.get("phase") != "end":
            if update_kind(record) is None:
                return None
            link = self.feed(Run(record, None))
            self._open[run_id] = link
            if len(self._open) > _OPEN_LIMIT:
                self._open.popitem(last=False)
            return link
        if run_id in self._open:
            return self._open.pop(run_id)
        if update_kind(record) is None:
            self.feed(Run(None, record))
        return None


def link_previews(runs: Iterable[Run], window_seconds: float = DEFAULT_WINDOW) -> dict[str, str]:
    """Run id of each planned update -> run id of its preview, from runs in time order
    (oldest first)."""
    linker = PlanLinker(window_seconds)
    links = {}
    for run in runs:
        preview = linker.feed(run)
        if preview is not None:
            links[run.run_id] = preview
    return links


def with_previews(runs: Iterable[Run], window_seconds: float) -> Iterator[tuple[Run, str | None]]:
    """Each run (oldest first) with the run id of the preview that planned it, or None."""
    linker = PlanLinker(window_seconds)
    for run in runs:
        yield run, linker.feed(run)


class _Waiting:
    """An update, newest first, until its plan, an older update of its stack, or the end of
    its window is met."""

    __slots__ = ("done", "planned", "run", "since")

    def __init__(self, run: Run) -> None:
        self.run = run
        self.since = _seconds(run.time)
        self.done = False
        self.planned = False


def unplanned_newest_first(runs: Iterable[Run], window_seconds: float) -> Iterator[Run]:
    """The updates no preview planned, from runs given newest first, each as soon as that is
    known and after every newer one: the same answer as PlanLinker's, read the other way."""
    queue: deque[_Waiting] = deque()  # newest first, as they are to be given
    waiting: dict[tuple[str, str], _Waiting] = {}  # per stack; the newest start first
    for run in runs:
        if waiting:
            now = _seconds(run.time)
            while waiting:
                key = next(iter(waiting))
                front = waiting[key]
                if now is None or front.since is None or front.since - now <= window_seconds:
                    break
                front.done = True  # read past its window
                del waiting[key]
        stack = _stack(run)
        entry = waiting.get(stack) if stack is not None else None
        if update_kind(run) is not None:
            if entry is not None:
                entry.done = True  # an update in between: nothing older planned it
            newest = _Waiting(run)
            queue.append(newest)
            if stack is None:
                newest.done = True  # no stack, no plan
            else:  # its start is the oldest yet: the order of `waiting` holds
                waiting.pop(stack, None)
                waiting[stack] = newest
        elif entry is not None and stack is not None:
            plan = as_plan(run)
            if plan is not None and plan.kind == update_kind(entry.run):
                entry.done, entry.planned = True, plans(plan, entry.run, window_seconds)
                del waiting[stack]
        if len(queue) > _OPEN_LIMIT:  # a day of updates waiting on one: give it up as unplanned
            queue[0].done = True
        while queue and queue[0].done:
            head = queue.popleft()
            if not head.planned:
                yield head.run
    for entry in queue:
        if not entry.planned:
            yield entry.run
