"""What the shim adds to a pulumi command: shim vs. the bare binary, interleaved, in one run.

    .venv/bin/python benchmarks/shim_overhead.py [--runs 200] [--binary PATH ...]

Two binaries by default: /bin/true, a native program that does nothing, so that what is left
is the shim's own cost with the least noise; and the test suite's stand-in pulumi (a Python
script, as slow to start as a real pulumi). Each round runs the bare binary and the shim back
to back, order alternating, so machine noise hits both alike. Reported: medians, the added
milliseconds (median of the shim minus median of the bare binary), the ratio, and the 90th
percentile of the per-round difference; for a recorded command and for `version` (which the
shim hands straight to pulumi with exec).
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

ROOT = Path(__file__).resolve().parent.parent
STANDIN = ROOT / "tests" / "standin" / "pulumi"
SHIM = Path(sys.executable).parent / "pulumi-audited"

CASES = {
    "recorded (preview --stack dev)": ["preview", "--stack", "dev"],
    "passthrough (version)": ["version"],
}


def sandbox_environment(root: Path, binary: str) -> dict[str, str]:
    project = root / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: webapp\nruntime: python\n")
    env = {
        "HOME": str(root / "home"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "PULUMI_HOME": str(root / "home" / ".pulumi"),
        "PULUMI_BACKEND_URL": f"file://{root / 'state'}",
        "PULUMI_AUDITED_LOG": str(root / "log"),
        "PULUMI_AUDITED_PULUMI": binary,
    }
    return env


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1000


def measure(args: list[str], binary: str, env: dict[str, str], cwd: Path, runs: int):
    bare, shim = [], []
    for round_number in range(runs):
        pair = [(bare, [binary, *args]), (shim, [str(SHIM), *args])]
        if round_number % 2:
            pair.reverse()
        for bucket, command in pair:
            bucket.append(timed(command, env, cwd))
    return bare, shim


def compile_bytecode() -> None:
    """Without .pyc files every import compiles (a shell with PYTHONDONTWRITEBYTECODE=1
    never writes them); pip writes them when it installs, so measure with them."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)


def main() -> int:
    compile_bytecode()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--binary", action="append", help="default: /bin/true and the stand-in")
    options = parser.parse_args()
    binaries = options.binary or ["/bin/true", str(STANDIN)]
    print(f"shim: {SHIM}\nruns per case: {options.runs} (interleaved with the bare binary)")
    print(
        f"{'binary':12} {'case':32} {'bare ms':>8} {'shim ms':>8} {'added ms':>9} "
        f"{'ratio':>6} {'p90 added':>9}"
    )
    for binary in binaries:
        with tempfile.TemporaryDirectory() as temporary:
            root = Path(temporary)
            env = sandbox_environment(root, binary)
            cwd = root / "project"
            for label, args in CASES.items():
                for _ in range(5):  # warm-up: page cache, YAML cache, log folder
                    timed([str(SHIM), *args], env, cwd)
                bare, shim = measure(args, binary, env, cwd, options.runs)
                report(Path(binary).name, label, bare, shim)
            records = sum(1 for path in (root / "log").glob("*.jsonl") for _ in path.open("rb"))
            print(f"{'':12} records written: {records}")
    return 0


def report(binary: str, label: str, bare: list[float], shim: list[float]) -> None:
    bare_median, shim_median = statistics.median(bare), statistics.median(shim)
    added = [s - b for s, b in zip(shim, bare, strict=True)]
    p90 = statistics.quantiles(added, n=10)[-1]
    print(
        f"{binary:12} {label:32} {bare_median:8.2f} {shim_median:8.2f} "
        f"{shim_median - bare_median:9.2f} {shim_median / bare_median:6.2f} {p90:9.2f}"
    )


if __name__ == "__main__":
    sys.exit(main())
