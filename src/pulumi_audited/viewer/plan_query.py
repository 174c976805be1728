"""Runs and records with the preview that planned them, read from a store: `log --unplanned`,
`show`'s links both ways, `stats`' planned shares and the exports' preview_run_id.

Linking must see every run of a stack, so it reads with only the filters a plan and its
update share (stack, project), from a plan window before --since; the other filters apply
to what it gives.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterator

import click

from pulumi_audited import timestamps
from pulumi_audited.store.base import Partitioned
from pulumi_audited.viewer.filters import Filters, ValueMatcher
from pulumi_audited.viewer.planned import (
    PREVIEW_RUN_ID,
    Plan,
    PlanLinker,
    plan_kind,
    unplanned_newest_first,
    update_kind,
)
from pulumi_audited.viewer.query import newest_records, run_matches, select_records, select_runs
from pulumi_audited.viewer.records import Damage
from pulumi_audited.viewer.runs import Run

_SHARED_BY_PLAN_AND_UPDATE = ("stack", "project")


def plan_window_option(function):
    """`--plan-window SECONDS` (or 90m, 24h, 2d); the `plan_window` setting by default."""
    return click.option(
        "--plan-window",
        "plan_window",
        default=None,
        metavar="DURATION",
        help="How long before an update its preview may have started: seconds, or 90m, 24h, "
        "2d (default: the plan_window setting, 24h).",
    )(function)


def window_seconds(given: str | None) -> float:
    """--plan-window's value, else the setting's."""
    from pulumi_audited.config_values import validate
    from pulumi_audited.viewer.context import settings

    if given is None:
        return settings().plan_window
    try:
        value = validate("plan_window", given, ".")
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--plan-window") from None
    assert isinstance(value, float)
    return value


def _shift(instant: str, seconds: float) -> str:
    return timestamps.format_instant(timestamps.parse(instant) + dt.timedelta(seconds=seconds))


def _reading(filters: Filters, window: float) -> Filters:
    """What linking reads for `filters`."""
    return Filters(
        matchers=[m for m in filters.matchers if m.key in _SHARED_BY_PLAN_AND_UPDATE],
        since=_shift(filters.since, -window) if filters.since else None,
        until=filters.until,
    )


def _wanted(filters: Filters, run: Run, preview: str | None) -> bool:
    if filters.unplanned and (update_kind(run) is None or preview is not None):
        return False
    return filters.invariant_match(run.first) and run_matches(filters, run)


def linked_runs(
    store: Partitioned, filters: Filters, damage: Damage, window: float
) -> Iterator[tuple[Run, str | None]]:
    """The runs that match `filters`, oldest first, each with its preview's run id or None."""
    linker = PlanLinker(window)
    for run in select_runs(store, _reading(filters, window), damage, newest_first=False):
        preview = linker.feed(run)
        if _wanted(filters, run, preview):
            yield run, preview


def selected_runs(
    store: Partitioned, filters: Filters, damage: Damage, *, newest_first: bool, window: float
) -> Iterator[Run]:
    """query.select_runs, with --unplanned."""
    if not filters.unplanned:
        yield from select_runs(store, filters, damage, newest_first=newest_first)
    elif not newest_first:
        yield from (run for run, _ in linked_runs(store, filters, damage, window))
    else:
        runs = select_runs(store, _reading(filters, window), damage, newest_first=True)
        for run in unplanned_newest_first(runs, window):
            if _wanted(filters, run, None):
                yield run


def linked_records(
    store: Partitioned, filters: Filters, damage: Damage, window: float
) -> Iterator[dict]:
    """query.select_records, each record with PREVIEW_RUN_ID."""
    linker = PlanLinker(window)
    for record in select_records(store, _reading(filters, window), damage):
        preview = linker.feed_record(record)
        if filters.unplanned and (update_kind(record) is None or preview is not None):
            continue
        if filters.record_match(record):
            yield {**record, PREVIEW_RUN_ID: preview}


def linked_newest_records(
    store: Partitioned, filters: Filters, damage: Damage, limit: int, window: float
) -> list[dict]:
    """query.newest_records, each record with PREVIEW_RUN_ID."""
    if filters.unplanned:
        return list(deque(linked_records(store, filters, damage, window), maxlen=limit))
    chosen = newest_records(store, filters, damage, limit)
    times = [str(r["time"]) for r in chosen if isinstance(r.get("time"), str)]
    stacks = {str(r["stack"]) for r in chosen if r.get("stack")}
    links: dict[str, str | None] = {}
    if times and stacks:
        reading = Filters(
            matchers=[ValueMatcher("stack", sorted(stacks))],
            since=_shift(min(times), -window),
            until=_shift(max(times), 1),
        )
        linker = PlanLinker(window)
        for record in select_records(store, reading, damage):
            preview = linker.feed_record(record)
            if preview is not None:
                links[str(record.get("run_id"))] = preview
    return [{**r, PREVIEW_RUN_ID: links.get(str(r.get("run_id")))} for r in chosen]


def _around(run: Run, before: float, after: float) -> Filters | None:
    stack, time = run.get("stack"), run.time
    if not stack or not isinstance(time, str):
        return None
    try:
        since, until = _shift(time, -before), _shift(time, after)
    except ValueError:
        return None
    return Filters(matchers=[ValueMatcher("stack", [str(stack)])], since=since, until=until)


def preview_of(store: Partitioned, update: Run, window: float) -> Plan | None:
    """The plan of an update, when a preview planned it."""
    reading = _around(update, window, 1)
    if reading is None or update_kind(update) is None:
        return None
    linker = PlanLinker(window)
    for run in select_runs(store, reading, Damage(), newest_first=False):
        plan = linker.plan_of(run)
        if run.run_id == update.run_id:
            return plan
    return None


def update_of(store: Partitioned, preview: Run, window: float) -> Run | None:
    """The update a preview planned, if any: the next update of its stack, when linked."""
    reading = _around(preview, 0, window + 1)
    if reading is None or plan_kind(preview) is None:
        return None
    linker = PlanLinker(window)
    for run in select_runs(store, reading, Damage(), newest_first=False):
        plan = linker.plan_of(run)
        if plan is not None and plan.run_id == preview.run_id:
            return run
        if update_kind(run) is not None and run.get("backend") == preview.get("backend"):
            return None  # the stack's next update was not the one it planned
    return None
