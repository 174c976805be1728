"""The local JSON Lines log under real concurrency, crashes, full disks and foreign lockers."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chain_check import walk_chain
from conftest import SHIM, runs_by_id


def test_sixteen_processes_times_fifty_runs_lose_nothing(sandbox):
    """16 parallel writers x 50 runs: every record present, valid, untorn, chain intact."""
    writer = (
        "import subprocess, sys\n"
        "for i in range(50):\n"
        "    subprocess.run([sys.argv[1], 'stack', 'select', f'w{sys.argv[2]}-{i}'], check=True)\n"
    )
    env = {**sandbox.env, "PULUMI_AUDITED_PULUMI": "/bin/true"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", writer, str(SHIM), str(n)], env=env, cwd=sandbox.project
        )
        for n in range(16)
    ]
    for worker in workers:
        assert worker.wait(timeout=600) == 0
    raw = sandbox.raw_log()
    assert raw.endswith(b"\n")
    lines = raw.split(b"\n")[:-1]
    assert len(lines) == 16 * 50 * 2
    records = walk_chain(sandbox.log_dir)
    assert len(records) == len(lines)
    runs = runs_by_id(records)
    assert len(runs) == 800
    assert all(set(run) == {"start", "end"} for run in runs.values())
    names = {run["start"]["argv"][-1] for run in runs.values()}
    assert names == {f"w{n}-{i}" for n in range(16) for i in range(50)}
    assert len({record["id"] for record in records}) == 1600


def test_a_torn_line_damages_nothing_after_it(sandbox):
    assert sandbox.run("stack", "ls").returncode == 0
    (day_file,) = sandbox.log_dir.glob("*.jsonl")
    with open(day_file, "ab") as handle:
        handle.write(b'{"schema": "pulumi-audited/1", "id": "torn-by-a-cra')
    assert sandbox.run("stack", "ls").returncode == 0
    lines = day_file.read_bytes().split(b"\n")
    assert lines[2] == b'{"schema": "pulumi-audited/1", "id": "torn-by-a-cra'
    records = walk_chain(sandbox.log_dir)  # skips the torn line; the chain goes around it
    assert len(records) == 4
    viewer = sandbox.run("audit", "export", "--format", "jsonl")
    assert viewer.returncode == 0
    assert len(viewer.stdout.splitlines()) == 4
    warning = viewer.stderr.decode()
    assert warning.count("\n") == 1
    assert "skipped 1 corrupt" in warning and f"{day_file}:3" in warning


def test_the_shim_waits_for_a_filelock_holder(sandbox):
    """The log's lock is filelock's protocol (store/local.py): a tool holding it through
    filelock makes the shim wait, as another shim does. No command of this project takes
    it through filelock: the folder may be shared (viewer/locks.py says why)."""
    from filelock import FileLock

    sandbox.log_dir.mkdir(mode=0o700)
    lock = FileLock(str(sandbox.log_dir / "audit.lock"), mode=0o600)
    with lock:
        proc = subprocess.Popen(
            [str(SHIM), "stack", "ls"],
            env=sandbox.env,
            cwd=sandbox.project,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.0)
        assert proc.poll() is None
        assert sandbox.standin_events() == [], "pulumi started before the start record was written"
        assert not list(sandbox.log_dir.glob("*.jsonl"))
    assert proc.wait(timeout=60) == 0
    assert len(sandbox.records()) == 2


def test_a_filelock_user_waits_for_the_shims_lock(sandbox):
    """The other way round: while the shim's lock code holds the log's lock, in its folder as
    a writer takes it, filelock cannot have it."""
    from filelock import FileLock, Timeout

    holder_code = (
        "import sys\n"
        "from pulumi_audited.store.local import LOCK_NAME, ExclusiveLock\n"
        "from pulumi_audited.store.log_folder import LogFolder\n"
        "with LogFolder(sys.argv[1]) as folder:\n"
        "    with ExclusiveLock(folder.join(LOCK_NAME), 5.0, folder=folder, name=LOCK_NAME):\n"
        "        print('held', flush=True)\n"
        "        sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", holder_code, str(sandbox.log_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    lock = FileLock(str(sandbox.log_dir / "audit.lock"), mode=0o600)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(Timeout):
            lock.acquire(timeout=0.5)
    finally:
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
    with lock.acquire(timeout=5):
        assert lock.is_locked


def test_a_stuck_lock_holder_times_out_into_the_failure_policy(sandbox):
    from filelock import FileLock

    sandbox.log_dir.mkdir(mode=0o700)
    sandbox.write_config("lock_timeout: 0.5\n")
    with FileLock(str(sandbox.log_dir / "audit.lock")):
        result = sandbox.run("stack", "ls")
    assert result.returncode == 0
    assert b"locked by another process" in result.stderr
    assert sandbox.standin_events("start")


def _limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_leaves_no_torn_line_and_loses_no_earlier_record(sandbox):
    """RLIMIT_FSIZE makes write(2) stop short, as a full disk does."""
    assert sandbox.run("stack", "ls").returncode == 0
    (day_file,) = sandbox.log_dir.glob("*.jsonl")
    size = day_file.stat().st_size
    before = day_file.read_bytes()
    result = sandbox.run(
        "stack",
        "ls",
        "x" * 3000,
        env={"PULUMI_AUDITED_PULUMI": "/bin/true"},
        preexec_fn=_limit_file_size(size + 100),
    )
    assert result.returncode == 0, "in warn mode pulumi still runs"
    assert b"could not be written" in result.stderr
    assert day_file.read_bytes() == before, "the partial line must be taken back out"
    assert sandbox.run("stack", "ls").returncode == 0
    assert len(walk_chain(sandbox.log_dir)) == 4


def test_records_are_json_lines_with_a_fixed_key_order(sandbox):
    sandbox.run("preview", "--stack", "dev")
    sandbox.run("preview", "--stack", "prod")
    lines = sandbox.raw_log().split(b"\n")[:-1]
    keys = [list(json.loads(line)) for line in lines]
    assert keys[0] == keys[2] and keys[1] == keys[3]
    assert keys[0][:4] == ["schema", "id", "run_id", "phase"]
    assert keys[0][-1] == "prev"
    for line in lines:
        assert all(32 <= byte < 127 for byte in line), "records are printable ASCII"


def test_a_new_day_file_continues_the_chain(sandbox):
    sandbox.log_dir.mkdir(mode=0o700)
    sandbox.run("stack", "ls")
    (today,) = sandbox.log_dir.glob("*.jsonl")
    yesterday = sandbox.log_dir / "2001-01-01.jsonl"
    os.rename(today, yesterday)
    sandbox.run("stack", "ls")
    assert len(walk_chain(sandbox.log_dir)) == 4
    assert Path(yesterday).exists()
