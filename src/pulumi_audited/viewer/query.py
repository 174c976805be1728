"""Runs and records selected by filters, read in the cheapest order the question allows."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_audited.store.base import Partitioned
from pulumi_audited.viewer.filters import Filters
from pulumi_audited.viewer.records import Damage, iter_records
from pulumi_audited.viewer.runs import Run, runs_newest_first, runs_oldest_first


def run_matches(filters: Filters, run: Run) -> bool:
    if not filters.time_match(run.time):
        return False
    if filters.events is not None:
        events = [r.get("event") for r in (run.start, run.end) if r is not None]
        if not any(filters.events.matches(event) for event in events):
            return False
    return not filters.outcomes or run.outcome in filters.outcomes


def select_runs(
    store: Partitioned, filters: Filters, damage: Damage, *, newest_first: bool
) -> Iterator[Run]:
    # A run's end may be written the day after its start (midnight), hence one day of spill.
    partitions = store.partitions(filters.first_day, filters.last_day(spill_days=1))
    if newest_first:
        partitions.reverse()
    records = (
        record
        for record in iter_records(
            partitions, damage, filters.needle_groups(), newest_first=newest_first
        )
        if filters.invariant_match(record)
    )
    runs = runs_newest_first(records) if newest_first else runs_oldest_first(records)
    for run in runs:
        if run_matches(filters, run):
            yield run


def select_records(store: Partitioned, filters: Filters, damage: Damage) -> Iterator[dict]:
    """Records that match every filter, oldest first."""
    partitions = store.partitions(filters.first_day, filters.last_day())
    for record in iter_records(partitions, damage, filters.needle_groups()):
        if filters.record_match(record):
            yield record


def newest_records(store: Partitioned, filters: Filters, damage: Damage, limit: int) -> list[dict]:
    """The newest `limit` records that match every filter, oldest first."""
    partitions = store.partitions(filters.first_day, filters.last_day())
    partitions.reverse()
    records = iter_records(partitions, damage, filters.needle_groups(), newest_first=True)
    chosen = []
    for record in records:
        if filters.record_match(record):
            chosen.append(record)
            if len(chosen) == limit:
                break
    records.close()
    chosen.reverse()
    return chosen
