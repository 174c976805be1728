"""Stranded spools: records whose log cannot take them and is no longer this machine's log.
`audit sync` names the spool and suggests `--to`; `audit sync --to LOCATION` ships its
records there with their chain, and plain `audit sync` is quiet about it afterwards.

Today's configuration refuses a location with a typo, so the stranded spool is made as an
older version made it: real records spooled for a location that did not answer, the spool
folder then named and labelled for the typo'd location."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import Sandbox
from faulty_proxy import FaultyProxy
from servers import SeaweedFS, free_port
from test_store_and_forward import (
    bucket_records,
    check_chains,
    pending_files,
    remote_env,
    wait_until_drained,
)

from pulumi_audited.store.chain import line_hash


def _spool_root(sandbox: Sandbox) -> Path:
    return sandbox.root / "xdg-data" / "pulumi-audited" / "spool"


def strand(sandbox: Sandbox, server: SeaweedFS, bucket: str, location: str, runs: int) -> Path:
    """A spool for `location`, written as an older version wrote it (the location kept as
    given), holding the records of `runs` runs; its folder."""
    dead = f"http://127.0.0.1:{free_port()}"
    env = {
        **remote_env(server, bucket, PULUMI_AUDITED_LOG=f"s3://{bucket}/typo"),
        "AWS_ENDPOINT_URL": dead,
    }
    for _ in range(runs):
        assert sandbox.run("preview", env=env, text=True).returncode == 0
    source = pending_files(sandbox)[0].parent.parent
    target = source.parent / line_hash(location.encode())[:16]
    shutil.move(source, target)
    (target / "location").write_text(location + "\n")
    (target / "status").unlink(missing_ok=True)
    return target


def sync(sandbox: Sandbox, server: SeaweedFS, bucket: str, *args: str):
    env = remote_env(server, bucket)  # the corrected setting: s3://BUCKET/team
    return sandbox.run("audit", "sync", *args, env=env, text=True)


def test_a_typo_spool_is_named_and_moved_with_its_chain(
    sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str
) -> None:
    typo = f"s3://{s3_bucket}/team?regoin=eu-west-1"
    folder = strand(sandbox, seaweedfs, s3_bucket, typo, runs=2)
    stranded = [path.read_bytes() for path in sorted((folder / "pending").iterdir())]
    assert len(stranded) == 4
    # The corrected log works and gets this machine's new records (a new spool, a new writer).
    ok = sandbox.run("preview", env=remote_env(seaweedfs, s3_bucket), text=True)
    assert ok.returncode == 0 and ok.stderr == ""

    plain = sync(sandbox, seaweedfs, s3_bucket)
    assert plain.returncode == 1
    assert folder.name in plain.stderr and "stranded" in plain.stderr
    suggestion = f"pulumi-audited audit sync --from {folder.name} --to s3://{s3_bucket}/team"
    assert suggestion in plain.stderr
    assert "regoin" in plain.stderr and "eu-west-1" not in plain.stdout + plain.stderr

    moved = sync(sandbox, seaweedfs, s3_bucket, "--to", f"s3://{s3_bucket}/team", "--json")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    report = json.loads(moved.stdout)
    assert report["spool"] == folder.name and report["moved"] == 4 and report["remaining"] == 0
    assert report["moved_to"] == f"s3://{s3_bucket}/team"
    assert "eu-west-1" not in moved.stdout + moved.stderr

    records = bucket_records(seaweedfs, s3_bucket)
    assert len(records) == 6
    lines = {record["_line"] + b"\n" for record in records}
    assert set(stranded) <= lines, "moved unchanged"
    check_chains(records)  # both writers' chains, each from seq 1
    assert len({record["writer"] for record in records}) == 2
    verify = sandbox.run("audit", "verify", env=remote_env(seaweedfs, s3_bucket), text=True)
    assert verify.returncode == 0 and "intact: 6 records" in verify.stdout, verify.stdout

    again = sync(sandbox, seaweedfs, s3_bucket)
    assert again.returncode == 0 and "nothing waits" in again.stdout, again.stderr


def test_a_spool_whose_store_went_away_after_shipping_some(
    sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str
) -> None:
    """Valid, then unreachable: the first run's records reached the old log, the second's
    did not. The move says the writer's first records are at the old location."""
    proxy = FaultyProxy(seaweedfs.port)
    old = f"s3://{s3_bucket}/old?endpoint={proxy.endpoint}"
    env = remote_env(seaweedfs, s3_bucket, PULUMI_AUDITED_LOG=old)
    first = sandbox.run("preview", env={**env, "PULUMI_AUDITED_SHIP_WAIT": "5"}, text=True)
    assert first.returncode == 0 and first.stderr == ""
    wait_until_drained(sandbox)
    proxy.stop()
    second = sandbox.run("preview", env={**env, "FAKE_PULUMI_DURATION": "1"}, text=True)
    assert "2 audit record(s) wait" in second.stderr
    name = pending_files(sandbox)[0].parent.parent.name

    plain = sync(sandbox, seaweedfs, s3_bucket)
    assert plain.returncode == 1 and f"--from {name} --to s3://{s3_bucket}/team" in plain.stderr
    moved = sync(sandbox, seaweedfs, s3_bucket, "--from", name, "--to", f"s3://{s3_bucket}/team")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert "moved 2 record(s)" in moved.stdout
    assert "seq 1 to 2 went to" in moved.stdout
    records = bucket_records(seaweedfs, s3_bucket, prefix="")
    assert sorted(r["seq"] for r in records if r["_key"].startswith("team/")) == [3, 4]
    assert sorted(r["seq"] for r in records if r["_key"].startswith("old/")) == [1, 2]
    check_chains(records)  # across both prefixes, the writer's chain is whole


def test_a_secret_in_an_old_spools_location_is_never_repeated(
    sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str
) -> None:
    secret = "sig-5b1d0c-not-a-real-token"
    location = f"s3://{s3_bucket}/team?region=us-east-1&regoin=eu-west-1&token={secret}&{secret}x="
    folder = strand(sandbox, seaweedfs, s3_bucket, location, runs=1)
    outputs = []
    plain = sync(sandbox, seaweedfs, s3_bucket)
    as_json = sync(sandbox, seaweedfs, s3_bucket, "--json")
    doctor = sandbox.run("audit", "doctor", env=remote_env(seaweedfs, s3_bucket), text=True)
    moved = sync(sandbox, seaweedfs, s3_bucket, "--to", f"s3://{s3_bucket}/team")
    for result in (plain, as_json, doctor, moved):
        outputs.append(result.stdout + result.stderr)
    assert plain.returncode == 1 and moved.returncode == 0, outputs
    assert folder.name in outputs[0]
    for output in outputs:
        assert secret not in output, output
    assert f"s3://{s3_bucket}/team?region=us-east-1&regoin=***&***&***" in outputs[0]
    assert "eu-west-1" not in "".join(outputs)
    # and the spool's own file forgets it
    assert secret not in (folder / "location").read_text()


def test_new_spools_keep_no_secret_from_the_location(
    sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str
) -> None:
    secret = "pw-93c1e7-not-a-real-password"
    endpoint = f"http://audit:{secret}@127.0.0.1:{free_port()}/"
    log = f"s3://{s3_bucket}/team?endpoint={endpoint}"
    result = sandbox.run("preview", env=remote_env(seaweedfs, s3_bucket, PULUMI_AUDITED_LOG=log))
    assert secret.encode() not in result.stderr
    for path in (sandbox.root / "xdg-data").rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


@pytest.mark.parametrize(
    "args, message",
    [
        (("--from", "0123456789abcdef"), "--from names the spool to move"),
        (("--to", "/tmp/local-folder"), "go to a remote log"),
        (("--to", "s3://b/x?regoin=eu-west-1"), "unknown parameter 'regoin'"),
        (("--from", "0123456789abcdef", "--to", "s3://b/x"), "no spool named"),
    ],
)
def test_sync_to_refuses_what_it_cannot_do(
    sandbox: Sandbox, seaweedfs: SeaweedFS, s3_bucket: str, args: tuple, message: str
) -> None:
    result = sync(sandbox, seaweedfs, s3_bucket, *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
