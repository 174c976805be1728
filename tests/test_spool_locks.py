"""A spool's locks, taken two ways: the shim and the shipper flock them directly, `audit sync`
through filelock (viewer/locks.py). Each waits for the other, in real processes against a real
SeaweedFS; and filelock is only trusted with a lock file it cannot be tricked into following.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import SHIM, Sandbox
from filelock import FileLock, UnixFileLock
from servers import SeaweedFS, free_port
from test_store_and_forward import bucket_records, pending_files, remote_env, wait_until_drained
from test_sync_to import strand

PYTHON = str(SHIM.parent / "python")

# The shim's own lock code, holding a lock until the test closes its stdin.
HOLD_APPEND_LOCK = (
    "import sys\n"
    "from pulumi_audited.store.local import ExclusiveLock\n"
    "with ExclusiveLock(sys.argv[1], 5.0, 'the spool'):\n"
    "    print('held', flush=True)\n"
    "    sys.stdin.read()\n"
)
HOLD_SHIP_LOCK = (
    "import sys\n"
    "from pulumi_audited.store.shipper import try_lock\n"
    "assert try_lock(sys.argv[1]) is not None\n"
    "print('held', flush=True)\n"
    "sys.stdin.read()\n"
)
SHIPPER = "import sys; from pulumi_audited.store.shipper import main; sys.exit(main())"


def _hold(code: str, path: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [PYTHON, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def _let_go(holder: subprocess.Popen) -> None:
    assert holder.stdin is not None
    holder.stdin.close()
    assert holder.wait(timeout=30) == 0


def _spooled(sandbox: Sandbox) -> Path:
    """A spool holding one run's two records, spooled while its store did not answer, and no
    shipper at work on it; its folder."""
    dead = f"http://127.0.0.1:{free_port()}"
    assert sandbox.run("preview", env={"AWS_ENDPOINT_URL": dead}).returncode == 0
    (folder,) = {path.parent.parent for path in pending_files(sandbox)}
    _wait_for(lambda: b'"failed"' in (folder / "status").read_bytes())
    assert len(pending_files(sandbox)) == 2
    return folder


def _wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def remote(sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str):
    sandbox.env.update(remote_env(seaweedfs, s3_bucket))
    return seaweedfs, s3_bucket


def test_sync_waits_while_the_shims_flock_holds_the_append_lock(sandbox: Sandbox, remote):
    server, bucket = remote
    folder = _spooled(sandbox)
    holder = _hold(HOLD_APPEND_LOCK, folder / "spool.lock")
    try:
        sync = subprocess.Popen(
            [str(SHIM), "audit", "sync"],
            env=sandbox.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # The store has both records; the spool may only forget them under the lock.
        _wait_for(lambda: len(bucket_records(server, bucket)) == 2)
        time.sleep(0.5)
        assert sync.poll() is None, "sync went on without the lock"
        assert len(pending_files(sandbox)) == 2
    finally:
        _let_go(holder)
    out, err = sync.communicate(timeout=60)
    assert sync.returncode == 0, err
    assert "shipped 2" in out
    assert pending_files(sandbox) == []


def test_sync_to_is_refused_while_a_shipper_holds_the_ship_lock(
    sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str
):
    folder = strand(sandbox, seaweedfs, s3_bucket, f"s3://{s3_bucket}/team?regoin=x", runs=1)
    env = remote_env(seaweedfs, s3_bucket)
    move = ("audit", "sync", "--from", folder.name, "--to", f"s3://{s3_bucket}/team")
    holder = _hold(HOLD_SHIP_LOCK, folder / "ship.lock")
    try:
        refused = sandbox.run(*move, env=env, text=True)
    finally:
        _let_go(holder)
    assert refused.returncode == 1
    assert f"a shipper is at work on the spool {folder}; try again" in refused.stderr
    assert len(list((folder / "pending").iterdir())) == 2
    assert bucket_records(seaweedfs, s3_bucket) == []
    moved = sandbox.run(*move, env=env, text=True)
    assert moved.returncode == 0, moved.stderr
    assert "moved 2 record(s)" in moved.stdout
    assert len(bucket_records(seaweedfs, s3_bucket)) == 2


def test_the_shim_waits_while_filelock_holds_the_append_lock(sandbox: Sandbox, remote):
    server, bucket = remote
    assert sandbox.run("preview").returncode == 0
    wait_until_drained(sandbox)
    (folder,) = (sandbox.root / "xdg-data" / "pulumi-audited" / "spool").iterdir()
    with FileLock(str(folder / "spool.lock"), mode=0o600):
        shim = subprocess.Popen(
            [str(SHIM), "preview"],
            env=sandbox.env,
            cwd=sandbox.project,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.0)
        assert shim.poll() is None
        assert len(sandbox.standin_events("start")) == 1, "pulumi started before its record"
    _, err = shim.communicate(timeout=60)
    assert shim.returncode == 0, err
    wait_until_drained(sandbox)
    assert len(bucket_records(server, bucket)) == 4


def test_the_shipper_defers_to_filelock_and_waits_for_it(sandbox: Sandbox, remote):
    server, bucket = remote
    folder = _spooled(sandbox)
    shipper = [PYTHON, "-c", SHIPPER, str(folder), "--timeout", "10"]
    # The ship lock held: another shipper is at work, this one leaves the spool to it.
    with FileLock(str(folder / "ship.lock"), mode=0o600):
        assert subprocess.run(shipper, env=sandbox.env, timeout=60).returncode == 0
    assert len(pending_files(sandbox)) == 2
    assert bucket_records(server, bucket) == []
    # The append lock held: it ships, and forgets the records only once the lock is free.
    with FileLock(str(folder / "spool.lock"), mode=0o600):
        running = subprocess.Popen(shipper, env=sandbox.env)
        _wait_for(lambda: len(bucket_records(server, bucket)) == 2)
        time.sleep(0.5)
        assert running.poll() is None
        assert len(pending_files(sandbox)) == 2
    assert running.wait(timeout=60) == 0
    assert pending_files(sandbox) == []


def test_filelock_does_not_follow_a_link_planted_at_the_lock_path(tmp_path: Path):
    """filelock before 3.20.1 followed it and truncated the target (pyproject's floor): were
    this to fail, no lock could go through filelock."""
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (tmp_path / "spool.lock").symlink_to(victim)
    with pytest.raises(OSError) as raised:
        UnixFileLock(str(tmp_path / "spool.lock"), timeout=0.5, mode=0o600).acquire()
    assert raised.value.errno == 40  # ELOOP
    assert victim.read_bytes() == b"precious"


def test_sync_refuses_a_link_planted_at_the_spools_lock(sandbox: Sandbox, remote):
    folder = _spooled(sandbox)
    victim = sandbox.root / "victim"
    victim.write_bytes(b"precious")
    (folder / "spool.lock").unlink()
    (folder / "spool.lock").symlink_to(victim)
    result = sandbox.run("audit", "sync", text=True)
    assert result.returncode == 1
    assert f"{folder}/spool.lock is a symbolic link" in result.stderr
    assert victim.read_bytes() == b"precious"
    assert len(pending_files(sandbox)) == 2


def test_sync_locks_only_in_a_folder_nobody_else_can_write_to(sandbox: Sandbox, remote):
    folder = _spooled(sandbox)
    os.chmod(folder, 0o770)
    result = sandbox.run("audit", "sync", text=True)
    assert result.returncode == 1
    assert f"refusing to lock in {folder} (mode 0770)" in result.stderr
    assert len(pending_files(sandbox)) == 2
    os.chmod(folder, 0o700)
    again = sandbox.run("audit", "sync", text=True)
    assert again.returncode == 0, again.stderr
    assert pending_files(sandbox) == []
