"""What a TAB press costs through pulumi-audited's completion, against pulumi's own.

    .venv/bin/python benchmarks/completion_delay.py [--runs 100]

Each sample is one bash process that does what bash does on a TAB press. "through the shim"
sources shell-completions/pulumi-audited.bash and calls its completion function (which runs
`pulumi-audited __complete ...`, and the shim execs the stand-in pulumi's `__complete`).
"pulumi alone" runs the stand-in's `__complete ...` directly, as cobra's own script would.
The two run interleaved, in rotating order; medians and the 90th percentile of the per-round
difference are reported. `audit` words have no pulumi equivalent: their time is shown alone.
Run it with PYTHONDONTWRITEBYTECODE unset (the byte code is compiled first anyway).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox import sandbox_environment

ROOT = Path(__file__).resolve().parent.parent
STANDIN = ROOT / "tests" / "standin" / "pulumi"
SCRIPT = ROOT / "shell-completions" / "pulumi-audited.bash"

THROUGH_SHIM = r"""
source "$SCRIPT"
read -ra COMP_WORDS <<<"$LINE"
[[ $LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE=$LINE; COMP_POINT=${#LINE}
_pulumi_audited_complete
printf '%s\n' "${COMPREPLY[@]}"
"""

PULUMI_ALONE = r"""
read -ra words <<<"$LINE"
"$STANDIN" __complete "${words[@]:1}" 2>/dev/null
"""

CASES = {
    "pulumi-audited st": True,
    "pulumi-audited ": True,
    "pulumi-audited audit l": False,
    "pulumi-audited audit export --format ": False,
}


def environment(root: Path) -> dict[str, str]:
    return {
        **sandbox_environment(root, str(STANDIN)),
        "SCRIPT": str(SCRIPT),
        "STANDIN": str(STANDIN),
    }


def timed(script: str, env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return (time.perf_counter() - started) * 1000


def measure(line: str, env: dict[str, str], cwd: Path, runs: int, paired: bool):
    env = {**env, "LINE": line}
    scripts = {"shim": THROUGH_SHIM}
    if paired:
        scripts["alone"] = PULUMI_ALONE
    samples: dict[str, list[float]] = {name: [] for name in scripts}
    names = list(scripts)
    for _ in range(5):
        for name in names:
            timed(scripts[name], env, cwd)
    for round_number in range(runs):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(timed(scripts[name], env, cwd))
    return samples


def main() -> int:
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    options = parser.parse_args()
    print(f"runs per case: {options.runs}; each sample is a whole bash process")
    print(f"{'command line':40} {'pulumi alone':>12} {'through shim':>12} {'added':>7} {'p90':>7}")
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        env = environment(root)
        for line, paired in CASES.items():
            samples = measure(line, env, root / "project", options.runs, paired)
            shim = statistics.median(samples["shim"])
            if paired:
                alone = statistics.median(samples["alone"])
                added = [s - a for s, a in zip(samples["shim"], samples["alone"], strict=True)]
                p90 = statistics.quantiles(added, n=10)[-1]
                print(f"{line!r:40} {alone:12.1f} {shim:12.1f} {shim - alone:7.1f} {p90:7.1f}")
            else:
                print(f"{line!r:40} {'-':>12} {shim:12.1f} {'-':>7} {'-':>7}")
        records = sum(1 for path in (root / "log").glob("*.jsonl") for _ in path.open("rb"))
        print(f"audit records written: {records}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
