"""What the shim adds to a pulumi command: shim vs. the bare binary, interleaved, in one run.

    .venv/bin/python benchmarks/shim_overhead.py [--runs 200] [--binary PATH ...]

Two binaries by default: /bin/true, a native program that does nothing, so that what is left
is the shim's own cost with the least noise; and the test suite's stand-in pulumi (a Python
script). Each round runs, in rotating order, the bare binary, the shim, and a control: a
Python process that does nothing but posix_spawn the binary and wait for it, the floor for
any wrapper written in Python. Reported: medians, the milliseconds the shim adds over the bare
binary, the ratio, the 90th percentile of the per-round difference, and the part of the added
time that is pulumi-audited's own work (shim minus control); for a recorded command and for
`version` (which the shim hands straight to pulumi with exec).

With `--baseline-src DIR` (the `src` folder of another checkout, e.g. a `git worktree` of the
previous release) each round also runs that version's shim, so that a change's cost is read
from one interleaved run: `own ms` for both and their difference.

With `--witness`, the local log has a witness folder (docs/checkpoints.md): each run reads the
day's checkpoint state, and the warm-up's first run starts the day's checkpoint writer.
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
SHIM = Path(sys.executable).parent / "pulumi-audited"

CASES = {
    "recorded (preview --stack dev)": ["preview", "--stack", "dev"],
    "passthrough (version)": ["version"],
}


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1000


SPAWN_ONLY = (
    "import os, sys\n"
    "pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)\n"
    "os._exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n"
)


def measure(
    args: list[str],
    binary: str,
    env: dict[str, str],
    cwd: Path,
    runs: int,
    baseline_src: Path | None = None,
) -> dict[str, list[float]]:
    commands = {
        "bare": [binary, *args],
        "shim": [str(SHIM), *args],
        "control": [sys.executable, "-c", SPAWN_ONLY, binary, *args],
    }
    environments = dict.fromkeys(commands, env)
    if baseline_src is not None:
        # The editable install's .pth comes after PYTHONPATH on sys.path: the baseline's
        # package wins for this command only.
        # Its own cache folder: two versions whose parsed-YAML caches differ in format would
        # otherwise each find the other's entry stale and parse Pulumi.yaml afresh every run.
        commands["baseline"] = [str(SHIM), *args]
        environments["baseline"] = {
            **env,
            "PYTHONPATH": str(baseline_src),
            "XDG_CACHE_HOME": env["XDG_CACHE_HOME"] + "-baseline",
        }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for round_number in range(runs):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(timed(commands[name], environments[name], cwd))
    return samples


def compile_bytecode(*folders: Path) -> None:
    """Without .pyc files every import compiles (a shell with PYTHONDONTWRITEBYTECODE=1
    never writes them); pip writes them when it installs, so measure with them."""
    for folder in folders:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--binary", action="append", help="default: /bin/true and the stand-in")
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src folder")
    parser.add_argument(
        "--witness", action="store_true", help="give the local log a witness folder"
    )
    options = parser.parse_args()
    baseline = options.baseline_src.resolve() if options.baseline_src else None
    compile_bytecode(ROOT / "src", *([baseline] if baseline else []))
    binaries = options.binary or ["/bin/true", str(STANDIN)]
    print(f"shim: {SHIM}\nruns per case: {options.runs} (interleaved with the bare binary)")
    print(
        f"{'binary':10} {'case':30} {'bare ms':>8} {'shim ms':>8} {'added ms':>9} "
        f"{'ratio':>6} {'p90 added':>9} {'control':>8} {'own ms':>7}"
    )
    for binary in binaries:
        with tempfile.TemporaryDirectory() as temporary:
            root = Path(temporary)
            env = sandbox_environment(root, binary)
            if options.witness:
                env["PULUMI_AUDITED_WITNESS"] = str(root / "witness")
            cwd = root / "project"
            for label, args in CASES.items():
                for _ in range(5):  # warm-up: page cache, YAML cache, log folder
                    timed([str(SHIM), *args], env, cwd)
                samples = measure(args, binary, env, cwd, options.runs, baseline)
                report(Path(binary).name, label, samples)
            records = sum(1 for path in (root / "log").glob("*.jsonl") for _ in path.open("rb"))
            print(f"{'':10} records written: {records}")
            if options.witness:
                checkpoints = len(list((root / "witness").rglob("*.json")))
                print(f"{'':10} checkpoints at the witness: {checkpoints}")
    return 0


def report(binary: str, label: str, samples: dict[str, list[float]]) -> None:
    bare, shim, control = (statistics.median(samples[name]) for name in ("bare", "shim", "control"))
    added = [s - b for s, b in zip(samples["shim"], samples["bare"], strict=True)]
    p90 = statistics.quantiles(added, n=10)[-1]
    print(
        f"{binary:10} {label:30} {bare:8.2f} {shim:8.2f} {shim - bare:9.2f} "
        f"{shim / bare:6.2f} {p90:9.2f} {control:8.2f} {shim - control:7.2f}"
    )
    if "baseline" in samples:
        baseline = statistics.median(samples["baseline"])
        print(
            f"{'':10} {'  baseline shim':30} {'':8} {baseline:8.2f} {baseline - bare:9.2f} "
            f"{baseline / bare:6.2f} {'':9} {'':8} {baseline - control:7.2f}"
            f"   (this change: {shim - baseline:+.2f} ms)"
        )


if __name__ == "__main__":
    sys.exit(main())
