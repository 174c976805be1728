"""TAB after `audit show` on a log of 10,000 runs: every run id is offered, from the whole log.

    .venv/bin/python benchmarks/completion_run_ids.py [--runs 30] [--baseline PATH]

Each sample runs `pulumi-audited audit __complete-audit show WORD` (what the completion
scripts run on a TAB press) as a whole process; its wall time and its CPU time (from wait4,
steadier on a busy machine) are reported. `--baseline` names another installation's
console script (e.g. the main checkout's .venv/bin/pulumi-audited) to measure in the same
rounds, in rotating order. Also measured: `audit --help`, about the viewer's start-up alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from make_log import write_log
from sandbox import sandbox_environment

SHIM = Path(sys.executable).parent / "pulumi-audited"
ROOT = Path(__file__).resolve().parent.parent
STANDIN = ROOT / "tests" / "standin" / "pulumi"


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """(wall ms, CPU ms of the process, lines of candidates)."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = (time.perf_counter() - started) * 1000
    assert os.waitstatus_to_exitcode(status) == 0, argv
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, output.count(b"\n") - 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--records", type=int, default=20_000, help="two per run")
    parser.add_argument("--baseline", help="another installation's pulumi-audited")
    options = parser.parse_args()
    programs = {"this tree": str(SHIM)}
    if options.baseline:
        programs["baseline"] = options.baseline
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        env = sandbox_environment(root, str(STANDIN))
        write_log(env["PULUMI_AUDITED_LOG"], options.records, days=30)
        newest = (
            subprocess.run(
                [str(SHIM), "audit", "log", "-n", "1", "--json"], env=env, capture_output=True
            )
            .stdout.split(b'"run_id":"')[1][:36]
            .decode()
        )
        cases = {
            "show <TAB>": ["__complete-audit", "show", ""],
            "show 2 hex digits<TAB>": ["__complete-audit", "show", newest[-7:-5]],
            "show 8 chars of an id<TAB>": ["__complete-audit", "show", newest[:8]],
            "--help (start-up)": ["--help"],
        }
        samples = {(p, c): [] for p in programs for c in cases}
        names = [(p, c) for c in cases for p in programs]
        for name in names:  # warm the caches and the byte code
            timed([programs[name[0]], "audit", *cases[name[1]]], env, root)
        for round_number in range(options.runs):
            shift = round_number % len(names)
            for program, case in names[shift:] + names[:shift]:
                argv = [programs[program], "audit", *cases[case]]
                samples[(program, case)].append(timed(argv, env, root))
    print(f"{options.records // 2} runs, {options.runs} rounds; medians per process")
    print(f"{'case':28} {'program':10} {'wall ms':>8} {'p90':>6} {'CPU ms':>7} {'offered':>7}")
    for (program, case), values in samples.items():
        walls = [wall for wall, _, _ in values]
        cpu = statistics.median(cpu for _, cpu, _ in values)
        p90 = statistics.quantiles(walls, n=10)[-1]
        offered = values[0][2] if case.endswith("<TAB>") else "-"
        print(
            f"{case:28} {program:10} {statistics.median(walls):8.1f} {p90:6.1f} {cpu:7.1f} "
            f"{offered:>7}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
