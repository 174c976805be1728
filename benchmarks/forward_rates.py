"""Forwarding to SIEMs: what a sink adds to the shim's path, and how fast `audit sync` drains.

    .venv/bin/python benchmarks/forward_rates.py [--runs 100] [--records 10000]

Starts rsyslogd and the HTTPS receiver of the tests (tests/siem_receivers.py) and SeaweedFS
(tests/servers.py) on 127.0.0.1.

1. The shim in front of /bin/true, interleaved round by round with the bare binary, in four
   configurations: the local log; the local log with one sink (syslog+tcp to rsyslogd); a
   remote log (s3 on SeaweedFS); the remote log with the same sink. Rounds are paced and,
   untimed, wait until every spool and sink queue is empty and its shipper or forwarder gone,
   so each timed run starts from the same idle machine. Medians of the time added over bare.
2. `audit sync` forwarding N records queued while the sink was down (tests/forward_fill.py)
   to rsyslogd over TCP and over TLS, and to the HTTPS receiver (HMAC-signed, 100 records a
   request): wall time as a user runs it, and records per second.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from remote_shim import shipper_idle, spool_empty
from sandbox import sandbox_environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from servers import SeaweedFS  # noqa: E402
from siem_receivers import HTTPSReceiver, Rsyslog, make_certificates  # noqa: E402

SHIM = Path(sys.executable).parent / "pulumi-audited"
BINARY = "/bin/true"
ARGS = ["preview", "--stack", "dev"]
SECRET = "benchmark-hook-secret"


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1000


def idle(root: Path) -> bool:
    """Every spool and sink queue empty, and the process that shipped it gone."""
    return spool_empty(root) and shipper_idle(root, ("spool", "forward"))


def shim_costs(cases: dict[str, dict[str, str]], runs: int, pause: float) -> None:
    if runs <= 0:
        return
    with tempfile.TemporaryDirectory() as folder:
        roots, envs = {}, {}
        for number, (label, extra) in enumerate(cases.items()):
            roots[label] = Path(folder) / str(number)
            roots[label].mkdir()
            envs[label] = {**sandbox_environment(roots[label], BINARY), **extra}
            for _ in range(3):  # warm-up: YAML cache, folders, the receivers' first connection
                timed([str(SHIM), *ARGS], envs[label], roots[label] / "project")
        bare: list[float] = []
        shim: dict[str, list[float]] = {label: [] for label in cases}
        names = ["bare", *cases]
        for round_number in range(runs):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                label = name if name != "bare" else next(iter(cases))
                command = [BINARY, *ARGS] if name == "bare" else [str(SHIM), *ARGS]
                elapsed = timed(command, envs[label], roots[label] / "project")
                (bare if name == "bare" else shim[name]).append(elapsed)
                deadline = time.monotonic() + 30
                while not idle(roots[label]):
                    if time.monotonic() > deadline:
                        raise SystemExit(f"{label}: the queues did not drain within 30 s")
                    time.sleep(0.01)
                time.sleep(pause)
        base = statistics.median(bare)
        print(f"{runs} interleaved rounds, medians; bare {BINARY}: {base:.2f} ms")
        for label, samples in shim.items():
            median = statistics.median(samples)
            print(f"  {label:<28} shim {median:6.2f} ms   added {median - base:6.2f} ms")


def sync_rate(label: str, url: str, count: int, env_extra: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        env = {**sandbox_environment(root, BINARY), **env_extra}
        fill = [sys.executable, str(ROOT / "tests" / "forward_fill.py"), "--records", str(count)]
        fill += ["--log", str(root / "log"), "--sink", url]
        subprocess.run(fill, env=env, check=True, stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        result = subprocess.run(
            [str(SHIM), "audit", "sync"], env=env, cwd=root / "project", capture_output=True
        )
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"{label}: {result.stderr.decode()}")
        print(
            f"  {label:<28} {count} records in {elapsed:6.2f} s   {count / elapsed:8.0f} records/s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--pause", type=float, default=0.2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        certificates = make_certificates(base / "certs")
        rsyslog = Rsyslog(base / "rsyslog", certificates).start()
        receiver = HTTPSReceiver(base / "https", certificates, secret_env="HOOK_SECRET")
        receiver.start(env={"HOOK_SECRET": SECRET})
        seaweed = SeaweedFS(base / "seaweedfs").start()
        try:
            bucket = seaweed.create_bucket("bench")
            remote = {**seaweed.environment(), "PULUMI_AUDITED_LOG": f"s3://{bucket}/bench"}
            sink = {"PULUMI_AUDITED_FORWARD": rsyslog.url("tcp")}
            shim_costs(  # --runs 0: the sync rates only
                {
                    "local log": {},
                    "local log + syslog sink": sink,
                    "s3 log": remote,
                    "s3 log + syslog sink": {**remote, **sink},
                },
                options.runs,
                options.pause,
            )
            print(f"audit sync, {options.records} records queued while the sink was down:")
            sync_rate("rsyslog, syslog+tcp", rsyslog.url("tcp"), options.records, {})
            sync_rate("rsyslog, syslog+tls", rsyslog.url("tls"), options.records, {})
            https = receiver.url(secret_env="HOOK_SECRET", batch="100")
            sync_rate("https, signed, batch 100", https, options.records, {"HOOK_SECRET": SECRET})
        finally:
            seaweed.stop()
            receiver.stop()
            rsyslog.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
