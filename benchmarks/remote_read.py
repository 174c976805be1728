"""Reading a remote log: the viewer on an s3:// log in SeaweedFS, cold and warm cache, with jq
over the same records in a local file as the baseline.

    .venv/bin/python benchmarks/remote_read.py [--records 10000] [--writers 12] [--days 30]
                                               [--runs 3]

Starts SeaweedFS (tests/servers.py) in a temporary folder, writes `--records` synthetic
records (make_log.py's runs, each run given to one of `--writers` writers, whose spool, the
shim's own store/spool.py, chains it by `seq` and `prev`; one object per record, put as the
shipper puts it: tests/remote_logs.py),
and times the installed `pulumi-audited` as a user runs it: cold (the cache folder emptied
before every run) and warm (the cache filled by the run before). Reported is the median wall
time of `--runs` runs per case, and its ratio to jq over the same records as one JSONL file.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
STACK = "organization/webapp/prod"
GOALS = {"cold": 5.0, "warm": 0.5}
# case: (viewer arguments, jq program over the JSONL file doing the nearest thing)
CASES = {
    "audit log -n 50": (
        ["audit", "log", "-n", "50"],
        ["jq", "-cs", "sort_by(.time) | reverse | .[:100][] | [.time, .user, .stack]"],
    ),
    f"audit log --stack {STACK}": (
        ["audit", "log", "--stack", STACK, "-n", "0"],
        ["jq", "-c", f'select(.stack == "{STACK}") | [.time, .user, .stack]'],
    ),
    "audit export --format jsonl": (["audit", "export", "--format", "jsonl"], ["jq", "-c", "."]),
    "audit verify": (["audit", "verify"], ["jq", "-c", "[.id, .prev]"]),
}


def timed(command: list[str], env: dict[str, str], stdin_path: Path | None = None) -> float:
    began = time.perf_counter()
    with open(stdin_path or os.devnull, "rb") as stdin:
        result = subprocess.run(
            command, env=env, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
    elapsed = time.perf_counter() - began
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--writers", type=int, default=12)
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    if shutil.which("jq") is None:
        raise SystemExit("jq is not installed (apt-get install jq)")

    root = Path(tempfile.mkdtemp(prefix="remote-read-bench-"))
    server = SeaweedFS(root / "seaweedfs").start()
    try:
        bucket = server.create_bucket("audit-bench")
        url = f"s3://{bucket}/team"
        os.environ.update(server.environment())
        from pulumi_audited.store.remote import open_objects

        end_ns = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1e9)
        lines = synthetic_log(
            options.records, days=options.days, writers=options.writers, end_ns=end_ns
        )
        began = time.perf_counter()
        upload(open_objects(url), "team", lines, workers=32)
        print(
            f"SeaweedFS {server.endpoint}: {len(lines)} records (one object each) by "
            f"{options.writers} writers over {options.days:g} days, "
            f"uploaded in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        local = root / "records.jsonl"
        local.write_bytes(b"".join(line + b"\n" for _, line in lines))

        env = viewer_environment(root, server, url)
        cache = Path(env["XDG_CACHE_HOME"])
        columns = ("cold s", "warm s", "jq s", "cold/jq", "warm/jq")
        header = f"{'case':<46} " + " ".join(f"{c:>8}" for c in columns)
        print(header)
        print("-" * len(header))
        failed = []
        for name, (arguments, jq) in CASES.items():
            cold_times, warm_times, jq_times = [], [], []
            for _ in range(options.runs):
                shutil.rmtree(cache, ignore_errors=True)
                cold_times.append(timed([str(SHIM), *arguments], env))
                warm_times.append(timed([str(SHIM), *arguments], env))
                jq_times.append(timed(jq, env, local))
            cold, warm = statistics.median(cold_times), statistics.median(warm_times)
            baseline = statistics.median(jq_times)
            print(
                f"{name:<46} {cold:>8.3f} {warm:>8.3f} {baseline:>8.3f} "
                f"{cold / baseline:>8.1f} {warm / baseline:>8.1f}",
                flush=True,
            )
            for kind, value in (("cold", cold), ("warm", warm)):
                if value > GOALS[kind]:
                    failed.append(f"{name} {kind} {value:.3f} s > {GOALS[kind]} s")
        print(
            f"goals: cold <= {GOALS['cold']} s, warm <= {GOALS['warm']} s: "
            + ("all met" if not failed else "MISSED: " + "; ".join(failed))
        )
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
