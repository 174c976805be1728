"""The viewer at a real size: `audit log`, filters, `--since` and `verify` on a large log,
with jq over the same data exported as JSONL as the baseline, in the same run.

    .venv/bin/python benchmarks/viewer_speed.py [--records 1000000] [--runs 5] [--data DIR]

The log is generated once by make_log.py into DIR (default /tmp/pulumi-audited-bench) and
reused. Each round runs every case once, in a rotating order, so that machine noise hits all
cases alike; reported are the median and spread of wall time and the peak RSS (from wait4)
per case, the ratio of the jq baseline to the viewer's filter, and the issue's targets.
The filter is measured twice: as a user meets it (the viewer's cache of which day files hold
only record-shaped lines is warm) and with that cache emptied before every run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_log import cached_log

SHIM = Path(sys.executable).parent / "pulumi-audited"
USER, STACK = "alice", "organization/webapp/prod"
# case: (command, target seconds or None, target peak MB)
CASES = {
    "log -n 50": (["audit", "log", "-n", "50"], 0.150),
    "log --unplanned -n 50": (["audit", "log", "--unplanned", "-n", "50"], None),
    "log --user --stack (all history)": (
        ["audit", "log", "--user", USER, "--stack", STACK, "-n", "0"],
        1.0,
    ),
    "same, shape cache cold": (
        ["audit", "log", "--user", USER, "--stack", STACK, "-n", "0"],
        1.0,
    ),
    "jq select(user, stack) [baseline]": (None, None),
    "log --since 1d": (["audit", "log", "--since", "1d", "-n", "0"], None),
    "verify": (["audit", "verify"], 5.0),
}
PEAK_LIMIT_MB = 200


def prepare(data: Path, records: int) -> tuple[Path, Path]:
    log = cached_log(data, records)
    exported = data / f"export-{records}.jsonl"
    if not exported.exists():
        print(f"exporting {log} as JSONL for jq ...", flush=True)
        with open(f"{exported}.partial", "wb") as handle:
            subprocess.run(
                [str(SHIM), "audit", "export", "--format", "jsonl"],
                env=environment(log),
                stdout=handle,
                check=True,
            )
        os.rename(f"{exported}.partial", exported)
    return log, exported


def environment(log: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PULUMI_AUDITED_LOG"] = str(log)
    env.pop("PULUMI_AUDITED_CONFIG", None)
    return env


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, int]:
    """(wall seconds, peak RSS MB, exit status, output lines)."""
    began = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, child.returncode, output.count(b"\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", default="/tmp/pulumi-audited-bench")
    options = parser.parse_args()
    data = Path(options.data)
    data.mkdir(parents=True, exist_ok=True)
    log, exported = prepare(data, options.records)
    env = environment(log)
    jq = shutil.which("jq")
    names = [n for n in CASES if jq or CASES[n][0] is not None]
    times: dict[str, list[float]] = {name: [] for name in names}
    peaks: dict[str, float] = dict.fromkeys(names, 0.0)
    rows: dict[str, int] = {}
    for round_number in range(options.runs):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        for name in order:
            args = CASES[name][0]
            if args is None:
                query = f'select(.user=="{USER}" and .stack=="{STACK}")'
                argv = [jq, "-c", query, str(exported)]
            else:
                argv = [str(SHIM), *args]
            run_env = env
            if name == "same, shape cache cold":
                cold = data / "cold-cache"
                shutil.rmtree(cold, ignore_errors=True)
                run_env = {**env, "XDG_CACHE_HOME": str(cold)}
            elapsed, peak, status, lines = measure(argv, run_env)
            if status not in (0,):
                raise SystemExit(f"{name} exited {status}")
            times[name].append(elapsed)
            peaks[name] = max(peaks[name], peak)
            rows[name] = lines
    size = sum(p.stat().st_size for p in log.glob("*.jsonl")) / 1e6
    files = len(list(log.glob("*.jsonl")))
    print(
        f"\n{options.records} records, {size:.0f} MB in {files} day files; {options.runs} rounds;"
    )
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    print(f"{'case':<36} {'median':>9} {'min':>8} {'max':>8} {'peak RSS':>9} {'rows':>6}  target")
    for name in names:
        median = statistics.median(times[name])
        target = CASES[name][1]
        verdict = ""
        if target is not None:
            verdict = f"< {target * 1000:.0f} ms: {'ok' if median < target else 'MISSED'}"
        print(
            f"{name:<36} {median * 1000:7.0f}ms {min(times[name]) * 1000:6.0f}ms "
            f"{max(times[name]) * 1000:6.0f}ms {peaks[name]:7.0f}MB {rows[name]:6d}  {verdict}"
        )
    filter_name = "log --user --stack (all history)"
    baseline = "jq select(user, stack) [baseline]"
    if baseline in times:
        ratio = statistics.median(times[baseline]) / statistics.median(times[filter_name])
        per_round = [j / f for j, f in zip(times[baseline], times[filter_name], strict=True)]
        print(
            f"\njq / viewer filter: {ratio:.1f}x (median of medians; per round "
            f"{min(per_round):.1f}x .. {max(per_round):.1f}x); target >= 5x: "
            f"{'ok' if ratio >= 5 else 'MISSED'}"
        )
        cold = statistics.median(times[baseline]) / statistics.median(
            times["same, shape cache cold"]
        )
        print(f"jq / viewer filter with a cold shape cache: {cold:.1f}x")
        print(f"rows: viewer {rows[filter_name]} runs, jq {rows[baseline]} records (2 per run)")
    viewer_peak = max(peaks[n] for n in names if n != baseline)
    print(
        f"peak RSS of the viewer: {viewer_peak:.0f} MB; "
        f"target < {PEAK_LIMIT_MB} MB: {'ok' if viewer_peak < PEAK_LIMIT_MB else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
