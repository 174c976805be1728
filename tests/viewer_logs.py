"""Logs for the viewer's tests, written by the project's real writer code."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from make_log import ordered_records, synthetic_runs

from pulumi_audited.store.local import LocalLog


def write_synthetic(log_dir: Path, runs: int, *, days: float, seed: int = 7, end_ns=None) -> list:
    """`runs` runs spread over `days` days ending at `end_ns` (default now); the pairs."""
    pairs = list(synthetic_runs(runs, days=days, seed=seed, end_ns=end_ns))
    LocalLog(str(log_dir)).append_many(list(ordered_records(iter(pairs))))
    return pairs


def day_files(log_dir: Path) -> list[Path]:
    return sorted(log_dir.glob("*.jsonl"))


def all_lines(log_dir: Path) -> list[tuple[Path, int, bytes]]:
    found = []
    for path in day_files(log_dir):
        for number, line in enumerate(path.read_bytes().split(b"\n")[:-1], start=1):
            found.append((path, number, line))
    return found
