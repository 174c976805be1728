"""Compaction: the viewer on an s3:// log of 100,000 records over 60 days in SeaweedFS, before
and after `audit compact`, and what the compaction itself costs.

    .venv/bin/python benchmarks/compaction.py [--records 100000] [--days 60] [--writers 12]
                                              [--runs 1]

Starts SeaweedFS (tests/servers.py) in a temporary folder and writes `--records` synthetic
records ending now (make_log.py's runs, each run given to one of `--writers` writers, whose
spool, the shim's own store/spool.py, chains it by `seq` and `prev`; one object per record,
put at the layout's key as the shipper puts it: tests/remote_logs.py).
Then times the installed `pulumi-audited` as a user runs it, cold (the cache folder emptied
first) and warm (the cache filled by the run before): before compaction; `audit compact` from a
cold cache (as a scheduled CI job runs it), with the objects it wrote; and the same cases after.
The newest two days are not compacted (not finished): `audit export --since` them shows what an
uncompacted day costs before and after. Reported: the median wall time of `--runs` runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

from remote_logs import synthetic_log, upload  # noqa: E402
from sandbox import viewer_environment  # noqa: E402
from servers import SeaweedFS  # noqa: E402

SHIM = Path(sys.executable).parent / "pulumi-audited"
GOAL_EXPORT_AFTER = 10.0  # seconds, cold, every record


def cases(yesterday: str) -> dict[str, list[str]]:
    return {
        "audit log --since 30d -n 50": ["audit", "log", "--since", "30d", "-n", "50"],
        "audit export (all)": ["audit", "export", "--format", "jsonl"],
        "audit verify": ["audit", "verify"],
        f"audit export --since {yesterday} (uncompacted)": [
            "audit",
            "export",
            "--format",
            "jsonl",
            "--since",
            yesterday,
        ],
    }


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    began = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr!r}")
    return elapsed, result.stdout


def measure(name: str, arguments: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    cache = Path(env["XDG_CACHE_HOME"])
    cold, warm = [], []
    for _ in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(timed([str(SHIM), *arguments], env)[0])
        warm.append(timed([str(SHIM), *arguments], env)[0])
    return statistics.median(cold), statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=60)
    parser.add_argument("--writers", type=int, default=12)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--after-only", action="store_true", help="skip the measurements before compaction"
    )
    options = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="compaction-bench-"))
    server = SeaweedFS(root / "seaweedfs").start()
    try:
        bucket = server.create_bucket("audit-bench")
        url = f"s3://{bucket}/team"
        os.environ.update(server.environment())
        from pulumi_audited.store.remote import open_objects

        now = dt.datetime.now(dt.timezone.utc)
        end_ns = int(now.timestamp() * 1e9)
        lines = synthetic_log(
            options.records, days=options.days, writers=options.writers, end_ns=end_ns
        )
        objects = open_objects(url)
        began = time.perf_counter()
        upload(objects, "team", lines, workers=32)
        print(
            f"SeaweedFS {server.endpoint}: {len(lines)} records (one object each) by "
            f"{options.writers} writers over {options.days:g} days, "
            f"uploaded in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        env = viewer_environment(root, server, url)
        yesterday = (now.date() - dt.timedelta(days=1)).isoformat()
        table: dict[str, list[float]] = {}
        for name, arguments in cases(yesterday).items():
            if options.after_only:
                table[name] = [float("nan"), float("nan")]
                continue
            table[name] = list(measure(name, arguments, env, options.runs))
            print(f"before: {name}: cold {table[name][0]:.2f} s, warm {table[name][1]:.2f} s")

        shutil.rmtree(env["XDG_CACHE_HOME"], ignore_errors=True)
        seconds, out = timed([str(SHIM), "audit", "compact", "--json"], env)
        days = [json.loads(line) for line in out.splitlines()]
        written = sum(d["segments"] for d in days)
        listed = objects.list("team/v1/segments/")[0]
        compressed = sum(info.size for info in listed)
        raw = sum(len(line) + 1 for _, line in lines)
        print(
            f"audit compact (cold cache): {seconds:.1f} s, {len(days)} days, "
            f"{sum(d['records'] for d in days)} records, {written} segments + {written} "
            f"manifests written; segments {compressed / 1e6:.1f} MB for {raw / 1e6:.1f} MB "
            "of records",
            flush=True,
        )
        seconds, _ = timed([str(SHIM), "audit", "compact", "--json"], env)
        print(f"audit compact again (warm cache, nothing new): {seconds:.2f} s")

        for name, arguments in cases(yesterday).items():
            table[name] += measure(name, arguments, env, options.runs)
            print(f"after: {name}: cold {table[name][2]:.2f} s, warm {table[name][3]:.2f} s")

        header = "| command | cold before | warm before | cold after | warm after |"
        print()
        print(header)
        print("| --- | --- | --- | --- | --- |")
        for name, (cold0, warm0, cold1, warm1) in table.items():
            print(f"| `{name}` | {cold0:.2f} s | {warm0:.2f} s | {cold1:.2f} s | {warm1:.2f} s |")
        export_after = table["audit export (all)"][2]
        verdict = "met" if export_after < GOAL_EXPORT_AFTER else "MISSED"
        print(
            f"goal: a cold export of every record after compaction under "
            f"{GOAL_EXPORT_AFTER:g} s: {verdict} ({export_after:.2f} s)"
        )
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
