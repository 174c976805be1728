"""The shim with a remote log: what it adds over the bare binary, and how fast `audit sync` is.

    .venv/bin/python benchmarks/remote_shim.py [--runs 100] [--sync 1000]

Starts SeaweedFS on 127.0.0.1 (tests/servers.py). Cases, each interleaved with the bare
binary (/bin/true) round by round, medians reported:

* local log: the baseline the shim already had;
* s3, healthy: the log in a SeaweedFS bucket;
* s3, hanging: the endpoint accepts connections and never answers (remote_timeout 2 s).

Rounds are paced (--pause, untimed) in every case, as a person does not run pulumi 20 times
a second; the healthy case also waits until the background shipper has emptied the spool and
exited. The hanging case cannot drain: its shipper hangs, as it would. Then `audit sync`
ships N records spooled while the store was down, timed as a user runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox import sandbox_environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from servers import HangingServer, SeaweedFS, free_port  # noqa: E402

SHIM = Path(sys.executable).parent / "pulumi-audited"
BINARY = "/bin/true"
ARGS = ["preview", "--stack", "dev"]


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1000


def spool_empty(root: Path) -> bool:
    return not any((root / "data" / "pulumi-audited" / "spool").glob("*/pending/*.jsonl"))


def shipper_idle(root: Path, folders: tuple[str, ...] = ("spool",)) -> bool:
    """The last shipper (and, with "forward" among `folders`, forwarder) said it is done, and
    its process is gone."""
    data = root / "data" / "pulumi-audited"
    for path in (path for folder in folders for path in (data / folder).glob("*/status")):
        status = json.loads(path.read_text())
        if status["state"] not in ("done", "failed"):
            return False
        try:
            os.kill(status["pid"], 0)
            return False
        except ProcessLookupError:
            pass
    return True


def measure(
    env: dict[str, str], root: Path, runs: int, drain: bool, pause: float
) -> tuple[float, float]:
    cwd = root / "project"
    bare, shim = [], []
    for round_number in range(runs):
        order = [("bare", [BINARY, *ARGS]), ("shim", [str(SHIM), *ARGS])]
        if round_number % 2:
            order.reverse()
        for name, command in order:
            (bare if name == "bare" else shim).append(timed(command, env, cwd))
        time.sleep(pause)
        if drain:
            deadline = time.monotonic() + 30
            while not (spool_empty(root) and shipper_idle(root)):
                if time.monotonic() > deadline:
                    raise SystemExit("the spool did not drain within 30 s")
                time.sleep(0.01)
    return statistics.median(bare), statistics.median(shim)


def case(label: str, extra: dict[str, str], options: argparse.Namespace, drain: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        env = {**sandbox_environment(root, BINARY), **extra}
        subprocess.run([str(SHIM), *ARGS], env=env, cwd=root / "project", check=True)
        time.sleep(1)
        bare, shim = measure(env, root, options.runs, drain, options.pause)
        print(
            f"{label:<24} bare {bare:6.2f} ms   shim {shim:6.2f} ms   "
            f"added {shim - bare:6.2f} ms   ratio {shim / bare:5.1f}x"
        )


def sync_benchmark(count: int, server: SeaweedFS, bucket: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        env = {**sandbox_environment(root, BINARY), **server.environment()}
        env["PULUMI_AUDITED_LOG"] = f"s3://{bucket}/sync"
        spool_down = {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
        # Spool `count` records exactly as the shim does, with the store down.
        script = (
            "import os, sys\n"
            "from pulumi_audited.store.spool import Spool\n"
            "spool = Spool.for_location(os.environ['PULUMI_AUDITED_LOG'])\n"
            "for n in range(int(sys.argv[1])):\n"
            "    spool.append({'schema': 'pulumi-audited/1', 'run_id': 'r', 'phase': 'start',"
            " 'id': f'01900000-0000-7000-8000-{n:012d}', 'time': None, 'prev': None})\n"
        )
        subprocess.run([sys.executable, "-c", script, str(count)], env=spool_down, check=True)
        started = time.perf_counter()
        result = subprocess.run(
            [str(SHIM), "audit", "sync"], env=env, capture_output=True, text=True
        )
        elapsed = time.perf_counter() - started
        print(f"audit sync of {count} spooled records: {elapsed:.2f} s ({result.stdout.strip()})")
        if result.returncode != 0:
            raise SystemExit(result.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--sync", type=int, default=1000)
    parser.add_argument(
        "--pause",
        type=float,
        default=0.5,
        help="seconds between rounds in every case (the healthy one also waits for the spool "
        "to drain), so that all cases start from the same idle machine",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = SeaweedFS(Path(folder)).start()
        hanging = HangingServer()
        try:
            bucket = server.create_bucket("bench")
            remote = {**server.environment(), "PULUMI_AUDITED_LOG": f"s3://{bucket}/bench"}
            print(f"{options.runs} interleaved rounds per case, medians, against {BINARY}")
            case("local log", {}, options, False)
            case("s3, healthy", remote, options, True)
            stuck = {
                **remote,
                "AWS_ENDPOINT_URL": hanging.endpoint,
                "PULUMI_AUDITED_REMOTE_TIMEOUT": "2",
            }
            case("s3, hanging", stuck, options, False)
            sync_benchmark(options.sync, server, bucket)
        finally:
            hanging.stop()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
