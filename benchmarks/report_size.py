"""`audit report --html` at a real size: the time to write the page and the page's size.

    .venv/bin/python benchmarks/report_size.py [--records 200000] [--runs 3] [--data DIR]

The log (two records a run, over a year) is generated once by make_log.py into DIR (default
/tmp/pulumi-audited-bench) and reused. Each round runs the installed console script as a user
does; reported are the median and spread of wall time, the CPU time and peak RSS (from
wait4), and the size of the file and of its largest parts, against the issue's aims (10 s,
5 MB).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_log import cached_log

SHIM = Path(sys.executable).parent / "pulumi-audited"
AIM_SECONDS, AIM_MB = 10.0, 5.0


def run_once(log: Path, out: Path, extra: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one report."""
    env = {**os.environ, "PULUMI_AUDITED_LOG": str(log), "XDG_CONFIG_HOME": str(out.parent)}
    began = time.monotonic()
    process = subprocess.Popen(
        [str(SHIM), "audit", "report", "--html", str(out), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - began
    assert process.stderr is not None
    errors = process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"audit report failed: {errors}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def sections(page: str) -> list[tuple[str, int]]:
    """Bytes per <section id=...>, largest first."""
    sizes = []
    for piece in page.split('<section id="')[1:]:
        sizes.append((piece.split('"', 1)[0], len(piece.encode())))
    return sorted(sizes, key=lambda item: -item[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path("/tmp/pulumi-audited-bench"))
    parser.add_argument("extra", nargs="*", help="more options for audit report (after --)")
    options = parser.parse_args()
    options.data.mkdir(parents=True, exist_ok=True)
    log = cached_log(options.data, options.records)
    out = options.data / "report" / "report.html"
    out.parent.mkdir(exist_ok=True)
    times, cpu, peaks = [], [], []
    for _ in range(options.runs):
        elapsed, used, peak = run_once(log, out, options.extra)
        times.append(elapsed)
        cpu.append(used)
        peaks.append(peak)
    page = out.read_text(encoding="utf-8")
    size_mb = len(page.encode()) / 1e6
    median = statistics.median(times)
    print(f"log: {options.records:,} records ({options.records // 2:,} runs) in {log}")
    print(
        f"time: median {median:.2f} s (min {min(times):.2f}, max {max(times):.2f}) over "
        f"{options.runs} runs; aim {AIM_SECONDS:g} s: {'met' if median < AIM_SECONDS else 'MISSED'}"
    )
    # CPU time says what the report costs on a machine others are using too.
    print(f"CPU: median {statistics.median(cpu):.2f} s; peak RSS: {max(peaks):.0f} MB")
    print(f"size: {size_mb:.2f} MB; aim {AIM_MB:g} MB: {'met' if size_mb < AIM_MB else 'MISSED'}")
    for name, size in sections(page)[:5]:
        print(f"  {name:<16} {size / 1e3:8.0f} kB")


if __name__ == "__main__":
    main()
