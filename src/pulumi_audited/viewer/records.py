"""Records as the viewer sees them: read from a store, corrupt lines counted, runs merged."""

from __future__ import annotations

import json
from collections.abc import Iterator

from pulumi_audited.errors import warn
from pulumi_audited.store.local import LocalLog, read_day_file


class Damage:
    """Lines that were not records: counted, and reported once."""

    def __init__(self) -> None:
        self.places: list[str] = []

    def add(self, path: str, line: int) -> None:
        self.places.append(f"{path}:{line}")

    def report(self) -> None:
        if self.places:
            shown = ", ".join(self.places[:5])
            more = f" and {len(self.places) - 5} more" if len(self.places) > 5 else ""
            warn(
                f"skipped {len(self.places)} corrupt or foreign line(s): {shown}{more} "
                "(run 'pulumi-audited audit verify' for details)"
            )


def iter_records(store: LocalLog, damage: Damage) -> Iterator[dict]:
    """Every record, oldest first."""
    for path in store.day_files():
        for number, line, complete in read_day_file(path):
            record = _parse(line)
            if record is None:
                if complete or line.strip():
                    damage.add(path, number)
                continue
            yield record


def _parse(line: bytes) -> dict | None:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, dict) and str(value.get("schema", "")).startswith("pulumi-audited/"):
        return value
    return None


def merge_runs(records: list[dict]) -> list[dict]:
    """One entry per run_id, in the order of each run's first record."""
    runs: dict[str, dict] = {}
    for record in records:
        run = runs.setdefault(record.get("run_id", ""), {"start": None, "end": None})
        run[record.get("phase") if record.get("phase") in ("start", "end") else "start"] = record
    return [run for run in runs.values()]
