"""The shim with a remote log: spool first, ship in the background, lose nothing.

Everything here runs the installed console script against a real SeaweedFS; faults are real
too: a port with nothing listening, a server killed mid-run, a wrong key, a missing bucket,
a server that accepts connections and never answers.
"""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import SHIM, Sandbox, runs_by_id
from servers import HangingServer, SeaweedFS, free_port


def run(sandbox: Sandbox, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return sandbox.run(*args, text=True, **kwargs)


def _spool_root(sandbox: Sandbox) -> Path:
    return sandbox.root / "xdg-data" / "pulumi-audited" / "spool"


def pending_files(sandbox: Sandbox) -> list[Path]:
    return sorted(_spool_root(sandbox).glob("*/pending/*.jsonl"))


def bucket_records(server: SeaweedFS, bucket: str, prefix: str = "team") -> list[dict]:
    client = server.client()
    records = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            assert body.endswith(b"\n") and body.count(b"\n") == 1, item["Key"]
            record = json.loads(body)
            record["_key"] = item["Key"]
            record["_line"] = body[:-1]
            records.append(record)
    return records


def wait_until_drained(sandbox: Sandbox, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pending_files(sandbox) and not _shippers_running(sandbox):
            return
        time.sleep(0.05)
    raise AssertionError(f"the spool never drained: {pending_files(sandbox)}")


def _shippers_running(sandbox: Sandbox) -> bool:
    for status in _spool_root(sandbox).glob("*/status"):
        state = json.loads(status.read_text())["state"]
        if state in ("starting", "shipping", "ready"):
            return True
    return False


def remote_env(server: SeaweedFS, bucket: str, **extra: str) -> dict[str, str]:
    env = server.environment()
    env["PULUMI_AUDITED_LOG"] = f"s3://{bucket}/team"
    env.update(extra)
    return env


def shim_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("pulumi-audited:")]


def only_warning(stderr: str) -> str:
    """The shim's one line on stderr; fails when it said nothing or more than one thing."""
    lines = shim_lines(stderr)
    assert len(lines) == 1, stderr
    return lines[0]


def check_chains(records: list[dict]) -> None:
    """Each writer's records form one unbroken chain, seq 1, 2, 3..."""
    by_writer: dict[str, list[dict]] = {}
    for record in records:
        by_writer.setdefault(record["writer"], []).append(record)
    for chain in by_writer.values():
        chain.sort(key=lambda record: record["seq"])
        assert [record["seq"] for record in chain] == list(range(1, len(chain) + 1))
        previous = None
        for record in chain:
            assert record["prev"] == previous
            previous = hashlib.sha256(record["_line"]).hexdigest()


@pytest.fixture
def remote(sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str):
    sandbox.env.update(remote_env(seaweedfs, s3_bucket))
    return seaweedfs, s3_bucket


def test_a_run_reaches_the_bucket_with_its_chain(sandbox: Sandbox, remote) -> None:
    server, bucket = remote
    result = run(sandbox, "preview", "--stack", "dev")
    assert result.returncode == 0, result.stderr
    assert shim_lines(result.stderr) == []
    wait_until_drained(sandbox)
    records = bucket_records(server, bucket)
    assert sorted(r["phase"] for r in records) == ["end", "start"]
    for record in records:
        day = record["time"][:10]
        assert record["_key"] == f"team/v1/date={day}/{record['id']}.jsonl"
        assert record["stack"] == "organization/webapp/dev" and record["command"] == "preview"
        # prev stays last (verify reads it from the line's tail)
        assert [key for key in record if not key.startswith("_")][-3:] == ["writer", "seq", "prev"]
    check_chains(records)
    assert not sandbox.log_dir.exists(), "a remote log keeps nothing in the local log folder"


def test_the_start_record_is_durable_in_the_spool_before_pulumi_starts(
    sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str
) -> None:
    # Nothing listens on this port: nothing is shipped, so the spool keeps both records.
    sandbox.env.update(remote_env(seaweedfs, s3_bucket))
    sandbox.env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    result = run(sandbox, "up", "--yes", "--stack", "dev")
    assert result.returncode == 0
    files = pending_files(sandbox)
    assert len(files) == 2
    started = sandbox.standin_events("start")[0]
    first = json.loads(files[0].read_bytes())
    assert first["phase"] == "start"
    assert files[0].stat().st_mtime <= started["time"] + 0.001
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (files[0].parent, files[0].parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def _assert_recovered(sandbox: Sandbox, server: SeaweedFS, bucket: str, runs: int) -> None:
    sync = run(sandbox, "audit", "sync", env=server.environment())
    assert sync.returncode == 0, sync.stderr
    assert pending_files(sandbox) == []
    records = bucket_records(server, bucket)
    assert len(records) == 2 * runs
    assert len({record["id"] for record in records}) == 2 * runs
    assert all(len(run) == 2 for run in runs_by_id(records).values())
    check_chains(records)
    again = run(sandbox, "audit", "sync", env=server.environment())
    assert again.returncode == 0 and "nothing waits" in again.stdout


def test_store_down_at_start(sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str) -> None:
    sandbox.env.update(remote_env(seaweedfs, s3_bucket))
    dead = f"http://127.0.0.1:{free_port()}"
    result = run(
        sandbox, "up", "--yes", env={"AWS_ENDPOINT_URL": dead, "FAKE_PULUMI_DURATION": "1.5"}
    )
    assert result.returncode == 0
    assert sandbox.standin_events("start"), "pulumi ran"
    line = only_warning(result.stderr)
    assert "2 audit record(s) wait" in line and "connection refused" in line
    assert len(pending_files(sandbox)) == 2
    _assert_recovered(sandbox, seaweedfs, s3_bucket, runs=1)


def test_wrong_credentials(sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str) -> None:
    sandbox.env.update(remote_env(seaweedfs, s3_bucket))
    wrong = "not-the-secret-5a0c2d91"
    result = run(
        sandbox, "preview", env={"AWS_SECRET_ACCESS_KEY": wrong, "FAKE_PULUMI_DURATION": "1.5"}
    )
    assert result.returncode == 0
    line = only_warning(result.stderr)
    assert "credentials" in line, result.stderr
    assert wrong not in result.stderr
    for path in sandbox.root.rglob("*"):
        if path.is_file() and "xdg-data" in str(path):
            assert wrong.encode() not in path.read_bytes(), path
    _assert_recovered(sandbox, seaweedfs, s3_bucket, runs=1)


def test_missing_bucket(sandbox: Sandbox, seaweedfs: SeaweedFS) -> None:
    bucket = f"not-yet-{free_port()}"
    sandbox.env.update(remote_env(seaweedfs, bucket))
    result = run(sandbox, "preview", env={"FAKE_PULUMI_DURATION": "1.5"})
    assert result.returncode == 0
    line = only_warning(result.stderr)
    assert bucket in line and "does not exist" in line, line
    seaweedfs.create_bucket(bucket)
    _assert_recovered(sandbox, seaweedfs, bucket, runs=1)


def test_hanging_server(sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str) -> None:
    hanging = HangingServer()
    try:
        sandbox.env.update(remote_env(seaweedfs, s3_bucket))
        began = time.monotonic()
        result = run(
            sandbox,
            "preview",
            env={
                "AWS_ENDPOINT_URL": hanging.endpoint,
                "PULUMI_AUDITED_REMOTE_TIMEOUT": "1",
                "FAKE_PULUMI_DURATION": "3",
            },
        )
        elapsed = time.monotonic() - began
        assert result.returncode == 0
        line = only_warning(result.stderr)
        assert "did not answer" in line or "has not answered" in line, line
        assert elapsed < 3 + 10, "the terminal is not held by a silent store"
    finally:
        hanging.stop()
    _assert_recovered(sandbox, seaweedfs, s3_bucket, runs=1)


def test_store_killed_mid_run(sandbox: Sandbox, tmp_path: Path) -> None:
    server = SeaweedFS(tmp_path / "own-seaweedfs").start()
    try:
        bucket = server.create_bucket("killed-mid-run")
        sandbox.env.update(remote_env(server, bucket))
        shim = subprocess.Popen(
            [str(SHIM), "up", "--yes"],
            cwd=sandbox.project,
            env={**sandbox.env, "FAKE_PULUMI_DURATION": "4"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while not bucket_records(server, bucket):
            assert time.monotonic() < deadline, "the start record was never shipped"
            time.sleep(0.1)
        server.stop()
        _, stderr = shim.communicate(timeout=60)
        assert shim.returncode == 0
        line = only_warning(stderr)
        assert "1 audit record(s) wait" in line, stderr
        assert len(pending_files(sandbox)) == 1
        server.start_again()
        _assert_recovered(sandbox, server, bucket, runs=1)
    finally:
        server.stop()


def test_block_mode_waits_for_the_acknowledgement(sandbox: Sandbox, remote) -> None:
    server, bucket = remote
    result = run(sandbox, "up", "--yes", env={"PULUMI_AUDITED_ON_FAILURE": "block"})
    assert result.returncode == 0, result.stderr
    started = sandbox.standin_events("start")[0]["time"]
    records = bucket_records(server, bucket)
    start = next(r for r in records if r["phase"] == "start")
    # SeaweedFS stamps LastModified; the stand-in started after the store had the record.
    head = server.client().head_object(Bucket=bucket, Key=start["_key"])
    assert head["LastModified"].timestamp() <= started + 1


def test_block_mode_refuses_without_an_acknowledgement(
    sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str
) -> None:
    sandbox.env.update(remote_env(seaweedfs, s3_bucket))
    dead = f"http://127.0.0.1:{free_port()}"
    result = run(
        sandbox, "up", "--yes", env={"AWS_ENDPOINT_URL": dead, "PULUMI_AUDITED_ON_FAILURE": "block"}
    )
    assert result.returncode == 125
    assert sandbox.standin_events() == [], "pulumi must not run"
    line = only_warning(result.stderr)
    assert "pulumi was not run" in line, result.stderr
    _assert_recovered(sandbox, seaweedfs, s3_bucket, runs=1)
    end = next(r for r in bucket_records(seaweedfs, s3_bucket) if r["phase"] == "end")
    assert end["exit_code"] == 125


def test_block_mode_with_a_hanging_store_gives_up_in_time(
    sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str
) -> None:
    hanging = HangingServer()
    try:
        sandbox.env.update(remote_env(seaweedfs, s3_bucket))
        began = time.monotonic()
        result = run(
            sandbox,
            "up",
            "--yes",
            env={
                "AWS_ENDPOINT_URL": hanging.endpoint,
                "PULUMI_AUDITED_ON_FAILURE": "block",
                "PULUMI_AUDITED_REMOTE_TIMEOUT": "1",
            },
        )
        assert time.monotonic() - began < 15
    finally:
        hanging.stop()
    assert result.returncode == 125
    assert sandbox.standin_events() == []
    assert "did not acknowledge" in result.stderr


def _many_runs(sandbox: Sandbox, runs: int) -> None:
    for _ in range(runs):
        result = run(sandbox, "preview")
        assert result.returncode == 0, result.stderr


def test_eight_shims_twenty_five_runs_each(
    tmp_path: Path, seaweedfs: SeaweedFS, s3_bucket: str
) -> None:
    """Eight machines (their own homes, so their own writers) at once; two of them run two
    shims each on the same spool, as parallel CI jobs on one runner do."""
    homes = [Sandbox(tmp_path / f"machine-{index}") for index in range(6)]
    for home in homes:
        home.env.update(remote_env(seaweedfs, s3_bucket))
    workers = [*homes, homes[0], homes[1]]
    with ThreadPoolExecutor(len(workers)) as pool:
        list(pool.map(lambda home: _many_runs(home, 25), workers))
    for home in homes:
        sync = run(home, "audit", "sync")
        assert sync.returncode == 0, sync.stderr
        wait_until_drained(home)
    records = bucket_records(seaweedfs, s3_bucket)
    assert len(records) == 8 * 25 * 2
    assert len({record["id"] for record in records}) == len(records)
    assert all(len(run) == 2 for run in runs_by_id(records).values())
    assert len({record["writer"] for record in records}) == 6
    check_chains(records)


def test_a_record_acknowledged_but_not_removed_is_stored_once(
    sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str
) -> None:
    sandbox.env.update(remote_env(seaweedfs, s3_bucket))
    dead = f"http://127.0.0.1:{free_port()}"
    assert run(sandbox, "preview", env={"AWS_ENDPOINT_URL": dead}).returncode == 0
    first = pending_files(sandbox)[0]
    record = json.loads(first.read_bytes())
    key = f"team/v1/date={record['time'][:10]}/{record['id']}.jsonl"
    # As if a shipper died between the store's acknowledgement and removing the file.
    seaweedfs.client().put_object(Bucket=s3_bucket, Key=key, Body=first.read_bytes())
    sync = run(sandbox, "audit", "sync", "--json")
    assert sync.returncode == 0, sync.stderr
    report = json.loads(sync.stdout)
    assert report["shipped"] == 1 and report["already_there"] == 1
    assert len(bucket_records(seaweedfs, s3_bucket)) == 2


# Azure Blob: the same contract through the same spool and shipper.


def container_records(server, container: str) -> list[dict]:
    client = server.service().get_container_client(container)
    records = []
    for blob in client.list_blobs(name_starts_with="team/"):
        body = client.download_blob(blob.name).readall()
        record = json.loads(body)
        record["_key"] = blob.name
        record["_line"] = body[:-1]
        records.append(record)
    return records


def azure_env(server, container: str) -> dict[str, str]:
    return {**server.environment(), "PULUMI_AUDITED_LOG": f"azblob://{container}/team"}


def test_azure_round_trip_and_recovery(sandbox: Sandbox, azurite, azure_container: str) -> None:
    sandbox.env.update(azure_env(azurite, azure_container))
    assert run(sandbox, "preview").returncode == 0
    wait_until_drained(sandbox)
    records = container_records(azurite, azure_container)
    assert sorted(r["phase"] for r in records) == ["end", "start"]
    for record in records:
        assert record["_key"] == f"team/v1/date={record['time'][:10]}/{record['id']}.jsonl"
    # A wrong account key: pulumi runs, one line, the records wait; sync ships them.
    good = sandbox.env["AZURE_STORAGE_CONNECTION_STRING"]
    wrong_key = "d3Jvbmcta2V5LW5vdC1henVyaXRlcy13cm9uZy1rZXktd3Jvbmcta2V5LXdyb25nLWtleQ=="
    bad = good.replace(good.split("AccountKey=")[1].split(";")[0], wrong_key)
    result = run(
        sandbox,
        "up",
        "--yes",
        env={"AZURE_STORAGE_CONNECTION_STRING": bad, "FAKE_PULUMI_DURATION": "1.5"},
    )
    assert result.returncode == 0
    line = only_warning(result.stderr)
    assert "credentials" in line, result.stderr
    assert wrong_key not in result.stderr
    assert len(pending_files(sandbox)) == 2
    sync = run(sandbox, "audit", "sync")
    assert sync.returncode == 0, sync.stderr
    records = container_records(azurite, azure_container)
    assert len(records) == 4 and len({r["id"] for r in records}) == 4
    check_chains(records)


def test_azure_missing_container(sandbox: Sandbox, azurite) -> None:
    container = f"later-{free_port()}"
    sandbox.env.update(azure_env(azurite, container))
    result = run(sandbox, "preview", env={"FAKE_PULUMI_DURATION": "1.5"})
    assert result.returncode == 0
    line = only_warning(result.stderr)
    assert container in line and "does not exist" in line, line
    azurite.create_container(container)
    sync = run(sandbox, "audit", "sync")
    assert sync.returncode == 0, sync.stderr
    assert len(container_records(azurite, container)) == 2


@pytest.mark.parametrize(
    ("scheme", "module", "extra"),
    [("s3", "botocore", "s3"), ("azblob", "azure", "azure")],
)
def test_a_missing_sdk_names_the_pip_command(
    sandbox: Sandbox, tmp_path: Path, scheme: str, module: str, extra: str
) -> None:
    """As if the extra were not installed: the SDK's package cannot be imported."""
    shadow = tmp_path / "shadow" / module
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(
        f'raise ModuleNotFoundError("No module named {module}", name={module!r})\n'
    )
    sandbox.env["PYTHONPATH"] = str(shadow.parent)
    sandbox.env["PULUMI_AUDITED_LOG"] = f"{scheme}://audit/team"
    result = run(sandbox, "preview", env={"FAKE_PULUMI_DURATION": "1"})
    assert result.returncode == 0
    line = only_warning(result.stderr)
    assert f"pip install 'pulumi-audited[{extra}]'" in line
    assert len(pending_files(sandbox)) == 2
    sync = run(sandbox, "audit", "sync")
    assert sync.returncode == 1 and f"pulumi-audited[{extra}]" in sync.stderr


def test_credentials_in_the_url_are_refused_without_being_repeated(sandbox: Sandbox) -> None:
    secret = "wJalrXUtnFEMI-not-a-real-secret"
    sandbox.env["PULUMI_AUDITED_LOG"] = f"s3://AKIAEXAMPLE:{secret}@audit/team"
    result = run(sandbox, "preview")
    assert result.returncode == 125
    assert "credentials do not belong in the URL" in result.stderr
    assert secret not in result.stderr
    assert sandbox.standin_events() == []


# Runs of every length: the shipper starts 0.25 s into a run, so the length decides what the
# shim knows about the store when pulumi ends.
DURATIONS = ("0", "0.1", "0.3", "0.35", "0.4", "0.45", "0.6", "1")


def _unreachable(sandbox: Sandbox, seaweedfs: SeaweedFS, bucket: str) -> None:
    sandbox.env.update(remote_env(seaweedfs, bucket))
    sandbox.env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"


@pytest.mark.parametrize("duration", DURATIONS)
def test_a_first_run_of_any_length_says_its_records_wait(
    tmp_path: Path, seaweedfs: SeaweedFS, s3_bucket: str, duration: str
) -> None:
    sandbox = Sandbox(tmp_path / "machine")
    _unreachable(sandbox, seaweedfs, s3_bucket)
    result = run(sandbox, "preview", env={"FAKE_PULUMI_DURATION": duration})
    assert result.returncode == 0
    line = only_warning(result.stderr)
    assert "2 audit record(s) wait" in line and "connection refused" in line, line


def test_every_run_against_a_store_that_stays_down_says_so_once(
    sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str
) -> None:
    _unreachable(sandbox, seaweedfs, s3_bucket)
    for number, duration in enumerate(DURATIONS * 2, start=1):
        result = run(sandbox, "preview", env={"FAKE_PULUMI_DURATION": duration})
        assert result.returncode == 0
        line = only_warning(result.stderr)
        assert "connection refused" in line, (duration, line)
        assert f"{2 * number} audit record(s) wait" in line, (duration, line)


def test_runs_of_any_length_say_nothing_when_shipping_works(sandbox: Sandbox, remote) -> None:
    server, bucket = remote
    for duration in ("0", "0.3", "0.4", "0", "0.45", "1"):
        result = run(sandbox, "preview", env={"FAKE_PULUMI_DURATION": duration})
        assert result.returncode == 0
        assert shim_lines(result.stderr) == [], (duration, result.stderr)
    wait_until_drained(sandbox)
    check_chains(bucket_records(server, bucket))
