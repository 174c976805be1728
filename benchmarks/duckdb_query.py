"""DuckDB on a bucket's records: raw objects against gzip segments, with the definitions
docs/querying.md gives (generated from the record's JSON Schema).

    .venv/bin/python benchmarks/duckdb_query.py [--records 100000] [--days 60] [--runs 5]

Writes `--records` synthetic records (make_log.py's runs, chained per writer as a remote log
is) to a temporary folder twice, as a local copy of a bucket is laid out: one object a record
(`team/v1/date=D/<id>.jsonl`) and one gzip segment a day (`team/v1/segments/date=D/...`,
the records' lines byte for byte in time order). Every tenth run carries a change ticket as
its reason, so the ticket query finds something. Each query runs `--runs` times, each in a
fresh DuckDB connection that first creates the view; reported are the median and the fastest.
The page cache holds the files (they were just written): this is DuckDB's cost, not a disk's.

With `--bucket`, the same records go to a bucket in SeaweedFS (tests/servers.py) instead,
ending two days ago so that every day is finished; the installed `pulumi-audited audit
compact` writes the segments; and DuckDB reads the bucket itself through httpfs, the raw
objects `--raw-runs` times (one GET each: slow) and the segments `--runs` times.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

import duckdb  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402
from remote_logs import WRITERS, chained_lines, synthetic_records  # noqa: E402

from pulumi_audited.schema import record_schema  # noqa: E402
from pulumi_audited.schema.ddl import definition, table_name  # noqa: E402
from pulumi_audited.store import layout  # noqa: E402

PREFIX = "team"
GOAL_SEGMENTS = 2.0
QUERIES = {
    "failed by stack": "SELECT stack, count(*) FROM {table} WHERE outcome = 'failed' "
    "GROUP BY stack ORDER BY stack",
    "ticket": "SELECT count(*) FROM {table} WHERE reason = 'CHG-1234'",
    "last 7 days by user": 'SELECT "user", count(*) FROM {table} '
    'WHERE "date" >= (SELECT max("date") - 6 FROM {table}) AND phase = \'end\' '
    "GROUP BY ALL ORDER BY ALL",
}


def make_lines(records: int, days: float, end_ns: int | None = None) -> list[tuple[dict, bytes]]:
    """The records as the writer chains them; every tenth run carries a change ticket."""
    runs = synthetic_records(records // 2, days=days, end_ns=end_ns)
    for record in runs:
        if int(record["run_id"][-4:], 16) % 10 == 0:
            record["reason"] = "CHG-1234"
    lines = chained_lines(runs, WRITERS)
    validator = Draft202012Validator(record_schema())
    for record, _ in lines[:1000]:
        validator.validate(record)
    return lines


def write_copies(folder: Path, records: int, days: float) -> tuple[int, int]:
    lines = make_lines(records, days)
    by_day: dict[str, list[tuple[str, bytes]]] = {}
    for record, line in lines:
        path = folder / layout.object_key(PREFIX, record)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(line + b"\n")
        by_day.setdefault(record["time"][:10], []).append((record["id"], line))
    for day, items in by_day.items():
        path = folder / layout.segment_key(PREFIX, day, f"{day}-0001")
        path.parent.mkdir(parents=True, exist_ok=True)
        ordered = b"".join(line + b"\n" for _, line in sorted(items))
        path.write_bytes(gzip.compress(ordered, compresslevel=6, mtime=0))
    return len(lines), len(by_day)


def timed(
    kind: str, location: str, query: str, runs: int, connect=duckdb.connect
) -> tuple[list[float], list]:
    times, rows = [], []
    for _ in range(runs):
        began = time.perf_counter()
        connection = connect()
        connection.execute(definition("duckdb", kind, location))
        rows = connection.execute(query.format(table=table_name(kind))).fetchall()
        times.append(time.perf_counter() - began)
        connection.close()
    return times, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bucket", action="store_true", help="a SeaweedFS bucket, via httpfs")
    parser.add_argument("--raw-runs", type=int, default=1, help="with --bucket")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="duckdb-query-") as scratch:
        if args.bucket:
            bucket_mode(Path(scratch), args)
            return
        folder = Path(scratch)
        began = time.perf_counter()
        written, days = write_copies(folder, args.records, args.days)
        print(f"{written} records over {days} days written in {time.perf_counter() - began:.1f} s")
        compare(str(folder / PREFIX), args.runs, args.runs, duckdb.connect)


def compare(location: str, raw_runs: int, runs: int, connect) -> None:
    print("| query | raw objects (median, fastest) | segments (median, fastest) |")
    print("| --- | --- | --- |")
    worst = 0.0
    for name, query in QUERIES.items():
        raw, raw_rows = timed("raw", location, query, raw_runs, connect)
        segments, segment_rows = timed("segments", location, query, runs, connect)
        assert raw_rows == segment_rows, (name, raw_rows, segment_rows)
        worst = max(worst, statistics.median(segments))
        print(
            f"| {name} | {statistics.median(raw):.2f} s, {min(raw):.2f} s "
            f"| {statistics.median(segments):.3f} s, {min(segments):.3f} s |",
            flush=True,
        )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"DuckDB {duckdb.__version__}, load average {load}")
    verdict = "met" if worst < GOAL_SEGMENTS else "MISSED"
    print(f"goal: segments under {GOAL_SEGMENTS} s: {verdict} (slowest median {worst:.3f} s)")


def bucket_mode(root: Path, args: argparse.Namespace) -> None:
    """The records in a SeaweedFS bucket, compacted by the real `audit compact`, queried
    through httpfs."""
    from query_bucket import httpfs_connection
    from remote_logs import compact_with_the_shim, upload
    from sandbox import viewer_environment
    from servers import SeaweedFS

    from pulumi_audited.store.remote import open_objects

    server = SeaweedFS(root / "seaweedfs").start()
    try:
        bucket = server.create_bucket("duckdb-bench")
        url = f"s3://{bucket}/{PREFIX}"
        os.environ.update(server.environment())
        end_ns = time.time_ns() - 2 * 86400 * 10**9  # every day finished, so all compacted
        lines = make_lines(args.records, args.days, end_ns)
        began = time.perf_counter()
        upload(open_objects(url), PREFIX, lines, workers=32)
        print(f"{len(lines)} records uploaded in {time.perf_counter() - began:.1f} s", flush=True)
        env = viewer_environment(root, server, url)
        print(compact_with_the_shim(env), flush=True)
        compare(url, args.raw_runs, args.runs, lambda: httpfs_connection(server))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
