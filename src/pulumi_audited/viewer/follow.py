"""`audit log -f`: the latest runs, then each run as it is recorded.

A run is shown when its end is read, paired with its start: one row with the outcome. A run
still going GRACE seconds after its start was read is shown then as `running`, and again
when it ends. The table's header is printed once, with widths fixed for the rows to come.

The latest runs and the tail are read from the same bytes, so no record is shown twice or
missed in between; a run open in them is checked for a live process before the next read,
so that an end written meanwhile is paired instead of the run showing as unfinished.
"""

from __future__ import annotations

import itertools
import time

import click

from pulumi_audited import outcomes
from pulumi_audited.store.chain import parse_record_line
from pulumi_audited.viewer.query import run_matches, select_runs
from pulumi_audited.viewer.runs import Run, still_running
from pulumi_audited.viewer.short_ids import for_store

GRACE = 2.0
PAUSE = 0.5
_OPEN_LIMIT = 10_000  # runs shown as running whose end may still come


class _Snapshot:
    """A store whose partitions keep the bytes they were first read with."""

    def __init__(self, store) -> None:
        self.store = store
        self.location = store.location
        self.seen: dict[str, bytes] = {}

    def partitions(self, first: str | None = None, last: str | None = None) -> list:
        return [_SnapshotPartition(p, self.seen) for p in self.store.partitions(first, last)]


class _SnapshotPartition:
    def __init__(self, partition, seen: dict[str, bytes]) -> None:
        self.partition = partition
        self.name = partition.name
        self.location = partition.location
        self.seen = seen

    def read_bytes(self, offset: int = 0) -> bytes:
        if self.name not in self.seen:
            self.seen[self.name] = self.partition.read_bytes()
        return self.seen[self.name][offset:]

    def fingerprint(self) -> str:
        return self.partition.fingerprint()


class _Tail:
    """How far each partition has been read: bytes and lines."""

    def __init__(self, seen: dict[str, bytes]) -> None:
        self.read: dict[str, tuple[int, int]] = {}
        for name, data in seen.items():
            complete = data.rfind(b"\n") + 1
            self.read[name] = (complete, data.count(b"\n", 0, complete))

    def new_lines(self, partition) -> list[tuple[int, bytes]]:
        offset, lines = self.read.get(partition.name, (0, 0))
        data = partition.read_bytes(offset)
        complete = data[: data.rfind(b"\n") + 1]
        found = complete.split(b"\n")[:-1]
        self.read[partition.name] = (offset + len(complete), lines + len(found))
        return list(enumerate(found, start=lines + 1))

    def oldest(self) -> str | None:
        return min(self.read, default=None)


class Follower:
    def __init__(self, store, filters, lines, damage, tail: _Tail) -> None:
        self.store = store
        self.filters = filters
        self.lines = lines  # log.RunLines
        self.damage = damage
        self.tail = tail
        self.pending: dict[str, tuple[dict, float]] = {}  # starts not shown yet
        self.open: dict[str, dict] = {}  # starts shown (or passed over) before their end

    def poll(self) -> list[dict]:
        """The records appended since the last read, in log order."""
        records = []
        for partition in self.store.partitions(self.tail.oldest()):
            for number, line in self.tail.new_lines(partition):
                record = parse_record_line(line)
                if record is None:
                    if line.strip():
                        self.damage.add(partition.location, number)
                elif self.filters.invariant_match(record):
                    records.append(record)
        return records

    def take(self, records: list[dict]) -> None:
        """Show each run whose end is among `records`; keep the starts for later."""
        now = time.monotonic()
        for record in records:
            run_id = str(record.get("run_id") or "")
            if record.get("phase") == "end":
                start = self.pending.pop(run_id, (None, 0.0))[0] or self.open.pop(run_id, None)
                self.show(Run(start, record))
            else:
                self.pending[run_id] = (record, now)
                self.lines.short_ids.add(run_id)

    def announce(self) -> None:
        """Show the runs that are still going GRACE seconds after their start was read."""
        now = time.monotonic()
        for run_id, (start, seen) in list(self.pending.items()):
            if now - seen >= GRACE:
                del self.pending[run_id]
                self.remember_open(run_id, start)
                self.show(Run(start, None, state=outcomes.RUNNING))

    def remember_open(self, run_id: str, start: dict) -> None:
        self.open[run_id] = start
        if len(self.open) > _OPEN_LIMIT:
            del self.open[next(iter(self.open))]

    def show(self, run: Run) -> None:
        if run_matches(self.filters, run):
            self.echo(self.lines.row(run))

    def echo(self, line: str) -> None:
        click.echo(line, color=self.lines.terminal.colour)

    def report_damage(self) -> None:
        self.damage.report()
        self.damage.places.clear()

    def start(self, latest: list[Run]) -> None:
        """Print the latest runs, those that were open paired with any end read since."""
        # Whether an open run's process lives is asked before the next read: a run that has
        # ended by then has its end in that read.
        still_open = {run.run_id: run for run in latest if run.end is None and run.start}
        for run in still_open.values():
            run.state = (
                outcomes.RUNNING if run.start and still_running(run.start) else outcomes.UNFINISHED
            )
        later = []
        for record in self.poll():
            open_run = still_open.get(str(record.get("run_id") or ""))
            if open_run is not None and open_run.end is None and record.get("phase") == "end":
                open_run.end = record
            else:
                later.append(record)
        for run_id, run in still_open.items():
            if run.end is None and run.start:
                self.remember_open(run_id, run.start)
        for line in self.lines.lines(latest, fixed=True):
            self.echo(line)
        self.report_damage()
        self.take(later)

    def run(self) -> None:
        try:
            while True:
                self.announce()
                time.sleep(PAUSE)
                self.take(self.poll())
                self.report_damage()
        except KeyboardInterrupt:
            return


def follow(store, filters, limit: int, run_lines, terminal, as_json: bool, damage) -> None:
    """Print the latest `limit` runs (all for 0), oldest first, then follow the log."""
    snapshot = _Snapshot(store)
    runs = select_runs(snapshot, filters, damage, newest_first=True)
    latest = list(itertools.islice(runs, limit) if limit else runs)
    latest.reverse()
    if not snapshot.seen:  # nothing read: follow from the end of the newest partition
        for partition in store.partitions()[-1:]:
            snapshot.seen[partition.name] = partition.read_bytes()
    short_ids = for_store(store) if terminal.is_tty and not as_json else None
    lines = run_lines(terminal, as_json, short_ids)
    follower = Follower(store, filters, lines, damage, _Tail(snapshot.seen))
    follower.start(latest)
    follower.run()
