"""Readers of uncompacted days, against the viewer as it was before compaction existed: one
interleaved run on one SeaweedFS log.

    .venv/bin/python benchmarks/uncompacted_readers.py --baseline-src DIR
        [--records 20000] [--days 20] [--writers 12] [--runs 15] [--cold-runs 5]
        [--whole-cold-runs 2] [--only TEXT] [--baseline-prefix never|compacted]

DIR is the `src` folder of an earlier checkout (`git worktree add --detach /tmp/base 11d5307`,
main before issue 13's compaction and checkpoints). Starts SeaweedFS (tests/servers.py) and
writes `--records` synthetic records ending now (remote_logs.py: make_log.py's runs chained per
writer, one object per record) twice, under two prefixes of one bucket: `never`, left as the
shim writes it, and `compacted`, where `audit compact --until` compacts every finished day but
the last two. Each command is then run, as a user runs it, by:

- `baseline`: the installed console script with PYTHONPATH=DIR (that checkout's package wins
  over the editable install), on `never`;
- `baseline again`: the very same, a second time in each round: how far two runs of one program
  differ here is the noise any other ratio has to beat;
- `current`: this checkout, on `never`;
- `current, compacted`: this checkout, on `compacted` (its last three days are not compacted).

Each variant has its own cache folder. Cold is that folder emptied before the run; warm is the
run after a full one. Rounds rotate the variants' order (ABCD, BCDA, ...), so that a load that
comes and goes on the machine falls on each alike. Reported: median and minimum per variant and
the ratio of each median to the baseline's, and the paired ratio: the median over rounds of
each run's time over the baseline's in the same round (a round's load falls on both), as a
markdown table. With `--baseline-prefix compacted` both baseline variants read `compacted`
instead: a comparison of two versions that both read segments (e.g. a change to the reader).
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

from remote_logs import synthetic_log, upload  # noqa: E402
from sandbox import sandbox_environment  # noqa: E402
from servers import SeaweedFS  # noqa: E402
from shim_overhead import compile_bytecode  # noqa: E402

SHIM = Path(sys.executable).parent / "pulumi-audited"
BASELINE, AGAIN, CURRENT, COMPACTED = "baseline", "baseline again", "current", "current, compacted"
VARIANTS = [BASELINE, AGAIN, CURRENT, COMPACTED]


@dataclass
class Case:
    name: str
    arguments: list[str]
    variants: list[str]
    cold_runs: int
    warm: bool = True


def cases(today: dt.date, run_today: str, options: argparse.Namespace) -> list[Case]:
    since2 = (today - dt.timedelta(days=2)).isoformat()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    cold = options.cold_runs
    whole = options.whole_cold_runs
    return [
        Case(f"log --since {since2} -n 50", ["log", "--since", since2, "-n", "50"], VARIANTS, cold),
        Case(
            f"export --format jsonl --since {yesterday}",
            ["export", "--format", "jsonl", "--since", yesterday],
            VARIANTS,
            cold,
        ),
        Case(f"stats --since {since2}", ["stats", "--since", since2], VARIANTS, cold),
        # show looks for the id (its start or its end) in every day: cold, a whole-log read.
        Case("show <a run of today>", ["show", run_today], VARIANTS, whole),
        Case("verify (whole log)", ["verify"], VARIANTS, whole),
        Case(
            "export --format jsonl (whole log)",
            ["export", "--format", "jsonl"],
            [BASELINE, AGAIN, CURRENT],
            whole,
        ),
    ]


def timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    result = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - began
    # verify exits 1 on damage: none is expected in these logs.
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr!r}")
    return elapsed


def environments(
    root: Path, server: SeaweedFS, bucket: str, baseline_src: Path, baseline_prefix: str
) -> dict[str, dict[str, str]]:
    common = {**sandbox_environment(root, "/bin/false"), **server.environment()}
    common.pop("PYTHONPATH", None)
    out = {}
    for variant in VARIANTS:
        env = dict(common)
        slug = variant.replace(", ", "-").replace(" ", "-")
        env["XDG_CACHE_HOME"] = str(root / f"cache-{slug}")
        prefix = "compacted" if variant == COMPACTED else "never"
        if variant in (BASELINE, AGAIN):
            env["PYTHONPATH"] = str(baseline_src)
            prefix = baseline_prefix
        env["PULUMI_AUDITED_LOG"] = f"s3://{bucket}/{prefix}"
        out[variant] = env
    return out


def run_rounds(
    case: Case,
    envs: dict[str, dict[str, str]],
    rounds: int,
    cold: bool,
    samples: dict[tuple[str, str, str], list[float]],
) -> None:
    variants = case.variants
    for number in range(rounds):
        shift = number % len(variants)
        for variant in variants[shift:] + variants[:shift]:
            env = envs[variant]
            if cold:
                shutil.rmtree(env["XDG_CACHE_HOME"], ignore_errors=True)
            seconds = timed([str(SHIM), "audit", *case.arguments], env)
            samples.setdefault((case.name, "cold" if cold else "warm", variant), []).append(seconds)


def table(samples: dict[tuple[str, str, str], list[float]], all_cases: list[Case]) -> list[str]:
    lines = [
        "| command | cache | " + " | ".join(VARIANTS) + " |",
        "| --- | --- |" + " --- |" * len(VARIANTS),
    ]
    for case in all_cases:
        for kind in ("cold", "warm"):
            base = samples.get((case.name, kind, BASELINE))
            if not base:
                continue
            base_median = statistics.median(base)
            cells = []
            for variant in VARIANTS:
                got = samples.get((case.name, kind, variant))
                if not got:
                    cells.append("-")
                    continue
                median = statistics.median(got)
                cell = f"{median:.3f} s (min {min(got):.3f})"
                if variant != BASELINE:
                    paired = statistics.median(g / b for g, b in zip(got, base, strict=True))
                    cell += f", ratio {median / base_median:.2f} (paired {paired:.2f})"
                cells.append(cell)
            lines.append(f"| `{case.name}` | {kind} ({len(base)}) | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline-src", type=Path, required=True)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--days", type=float, default=20)
    parser.add_argument("--writers", type=int, default=12)
    parser.add_argument("--runs", type=int, default=15, help="warm rounds")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold rounds, recent days")
    parser.add_argument("--whole-cold-runs", type=int, default=2, help="cold rounds, whole log")
    parser.add_argument("--only", help="only the commands whose name contains this")
    parser.add_argument(
        "--baseline-prefix",
        choices=["never", "compacted"],
        default="never",
        help="the log the baseline reads: `compacted` compares two versions that both read "
        "segments (the baseline then needs compaction)",
    )
    options = parser.parse_args()
    baseline_src = options.baseline_src.resolve()
    if not (baseline_src / "pulumi_audited" / "shim.py").is_file():
        raise SystemExit(f"{baseline_src}: not a checkout's src folder")
    compile_bytecode(ROOT / "src", baseline_src)

    root = Path(tempfile.mkdtemp(prefix="uncompacted-readers-"))
    server = SeaweedFS(root / "seaweedfs").start()
    try:
        bucket = server.create_bucket("audit-bench")
        os.environ.update(server.environment())
        from pulumi_audited.store.remote import open_objects

        now = dt.datetime.now(dt.timezone.utc)
        lines = synthetic_log(
            options.records,
            days=options.days,
            writers=options.writers,
            end_ns=int(now.timestamp() * 1e9),
        )
        objects = open_objects(f"s3://{bucket}/never")
        began = time.perf_counter()
        for prefix in ("never", "compacted"):
            upload(objects, prefix, lines, workers=32)
        today = now.date()
        print(
            f"SeaweedFS {server.endpoint}: {len(lines)} records by {options.writers} writers over "
            f"{options.days:g} days up to {now:%Y-%m-%d %H:%M} UTC, uploaded twice in "
            f"{time.perf_counter() - began:.1f} s",
            flush=True,
        )
        envs = environments(root, server, bucket, baseline_src, options.baseline_prefix)
        until = (today - dt.timedelta(days=3)).isoformat()
        began = time.perf_counter()
        timed([str(SHIM), "audit", "compact", "--until", until], envs[COMPACTED])
        print(f"`compacted`: days up to {until} compacted in {time.perf_counter() - began:.1f} s")
        shutil.rmtree(envs[COMPACTED]["XDG_CACHE_HOME"], ignore_errors=True)

        runs_today = [r["run_id"] for r, _ in lines if r["time"][:10] == today.isoformat()]
        if not runs_today:
            raise SystemExit("no run today: use more --records")
        chosen = [c for c in cases(today, runs_today[len(runs_today) // 2], options)]
        chosen = [c for c in chosen if not options.only or options.only in c.name]
        samples: dict[tuple[str, str, str], list[float]] = {}
        for case in chosen:
            began = time.perf_counter()
            run_rounds(case, envs, case.cold_runs, True, samples)
            print(f"cold: {case.name}: {time.perf_counter() - began:.0f} s", flush=True)
        # Fill every cache with every command once, then the warm rounds.
        for case in chosen:
            run_rounds(case, envs, 1, False, {})
        for case in chosen:
            began = time.perf_counter()
            run_rounds(case, envs, options.runs, False, samples)
            print(f"warm: {case.name}: {time.perf_counter() - began:.0f} s", flush=True)
        print()
        print("\n".join(table(samples, chosen)))
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
