"""Remote logs for the tests and benchmarks: synthetic records chained per writer, one object
each, written with the ObjectStore's put_new exactly as the layout says."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from make_log import ordered_records, synthetic_runs

from pulumi_audited import fastjson
from pulumi_audited.store import layout
from pulumi_audited.store.chain import line_hash


def chained_lines(records: list[dict], writers: list[str]) -> list[tuple[dict, bytes]]:
    """(record, line) for each record; each run goes to one writer (by its run id), and
    each writer's records are chained by `seq` and `prev`."""
    last: dict[str, bytes | None] = {w: None for w in writers}
    seqs: dict[str, int] = {w: 0 for w in writers}
    out = []
    for record in records:
        writer = writers[int(record["run_id"].replace("-", "")[-6:], 16) % len(writers)]
        record = dict(record)
        record.pop("prev", None)
        seqs[writer] += 1
        record["writer"] = writer
        record["seq"] = seqs[writer]
        previous = last[writer]
        record["prev"] = line_hash(previous) if previous is not None else None
        line = fastjson.dumps(record).encode("ascii")
        last[writer] = line
        out.append((record, line))
    return out


def synthetic_records(runs: int, *, days: float, seed: int = 7, end_ns=None) -> list[dict]:
    return list(ordered_records(synthetic_runs(runs, days=days, seed=seed, end_ns=end_ns)))


def upload(objects, prefix: str, lines: list[tuple[dict, bytes]], workers: int = 16) -> None:
    def put(item: tuple[dict, bytes]) -> None:
        record, line = item
        objects.put_new(layout.object_key(prefix, record), line + b"\n")

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(put, lines))


WRITERS = ["laptop-alice-0a1b2c3d", "ci-runner-1-deadbeef", "laptop-bob-12345678"]
