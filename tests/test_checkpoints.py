"""Signed checkpoints: the shim, its detached shipper and `audit sync` write them into a real
SeaweedFS; `audit verify --keys` catches what the hash chain alone cannot see (a cut-off
tail, a deleted newest day), a removed head, a chain recomputed without the key, a deleted
checkpoint and a wrong key, and reports a writer without a key as unsigned.

Records of earlier days come from the shim run under libfaketime (its shipper's clock is
faked too, so `audit sync`, run on the real clock, ships what the store refused).
"""

from __future__ import annotations

import base64
import fcntl
import json
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import SHIM, Sandbox, which
from servers import SeaweedFS
from test_store_and_forward import _shippers_running, remote_env

from pulumi_audited.store import layout
from pulumi_audited.store.chain import line_hash
from pulumi_audited.store.checkpoint import Checkpoint, parse

PREFIX = "team"
DAY = 86400


def _day(offset_days: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + offset_days * DAY))


def make_key(path: Path) -> str:
    """A private key as openssl writes it; its public key's base64 line."""
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(path)],
        check=True,
        capture_output=True,
    )
    public = subprocess.run(
        ["openssl", "pkey", "-in", str(path), "-pubout"], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    return public[1]


@dataclass
class Log:
    sandbox: Sandbox
    server: SeaweedFS
    bucket: str
    env: dict[str, str]
    writer: str
    public: str  # the writer's public key line

    def keys_file(self, text: str | None = None) -> Path:
        path = self.sandbox.root / "keys" / "writers.pub"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text if text is not None else f"# the team\n{self.writer} {self.public}\n")
        return path

    def verify(self, *args: str) -> tuple[int, dict]:
        result = self.sandbox.run("audit", "verify", "--json", *args, env=self.env, text=True)
        assert result.returncode in (0, 1), result.stderr
        return result.returncode, json.loads(result.stdout)

    def objects(self, under: str) -> list[str]:
        client = self.server.client()
        keys = []
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{PREFIX}/v1/{under}"
        ):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return sorted(keys)

    def get(self, key: str) -> bytes:
        return self.server.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def delete(self, key: str) -> None:
        self.server.client().delete_object(Bucket=self.bucket, Key=key)

    def put(self, key: str, data: bytes) -> None:
        self.server.client().put_object(Bucket=self.bucket, Key=key, Body=data)

    def records(self) -> dict[int, str]:
        """seq -> key of this writer's records in the bucket."""
        found = {}
        for key in self.objects("date="):
            record = json.loads(self.get(key))
            found[record["seq"]] = key
        return found

    def checkpoints(self) -> list[str]:
        return self.objects("checkpoints/")

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


def _run(
    sandbox: Sandbox, env: dict[str, str], at: str | None = None, *, clock: str | None = None
) -> str:
    """A run on day `at` (10:00 UTC) or with libfaketime's `clock`; its stderr."""
    command = [str(SHIM), "preview", "-s", "dev"]
    if at is not None:
        clock = f"@{at} 10:00:00"
    if clock is not None:
        command = [which("faketime"), "-f", clock, *command]
        # libfaketime makes the shim's short sleeps while it waits for the shipper fail.
        env = {**env, "PULUMI_AUDITED_SHIP_WAIT": "0"}
    full = {**sandbox.env, **env, "TZ": "UTC", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    result = subprocess.run(
        command, env=full, cwd=sandbox.project, capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.decode()


def _sync(sandbox: Sandbox, env: dict[str, str]) -> str:
    """`audit sync` once the detached shippers are done (those on a faked clock fail: the
    store refuses their signatures, and sync ships their records)."""
    deadline = time.monotonic() + 60
    while _shippers_running(sandbox):
        assert time.monotonic() < deadline, "a shipper never finished"
        time.sleep(0.05)
    result = sandbox.run("audit", "sync", env=env, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def write_log(sandbox: Sandbox, server: SeaweedFS, bucket: str, *, signed: bool = True) -> Log:
    """Two runs two days ago and yesterday, synced; two runs today, synced: 8 records of one
    writer over three days, with the checkpoints of the shipper and of each sync."""
    public = make_key(sandbox.root / "writer.key")
    extra = {"PULUMI_AUDITED_SIGNING_KEY": str(sandbox.root / "writer.key")}
    if not signed:
        extra = {"PULUMI_AUDITED_CHECKPOINTS": "true"}
    env = remote_env(server, bucket, **extra)
    _run(sandbox, env, _day(-2))
    _run(sandbox, env, _day(-1))
    _sync(sandbox, env)
    _run(sandbox, env)
    _run(sandbox, env)
    said = _sync(sandbox, env)
    assert "at seq 8" in said and ("signed with key" if signed else "(unsigned)") in said, said
    (state,) = (sandbox.root / "xdg-data" / "pulumi-audited" / "spool").glob("*/writer")
    return Log(sandbox, server, bucket, env, state.read_text().split()[0], public)


@pytest.fixture
def signed(sandbox, seaweedfs, s3_bucket) -> Log:
    return write_log(sandbox, seaweedfs, s3_bucket)


def _kinds(report: dict) -> list[tuple[str, str]]:
    return sorted((f["kind"], f["file"]) for f in report["findings"])


def test_an_intact_log_verifies_with_keys_and_says_what_it_could_not_check_without(
    signed: Log,
) -> None:
    assert len(signed.records()) == 8
    checkpoints = [parse(signed.get(key)) for key in signed.checkpoints()]
    assert checkpoints[-1] is not None and checkpoints[-1].seq == 8
    assert all(c is not None and c.signature and c.writer == signed.writer for c in checkpoints)
    status, report = signed.verify("--keys", str(signed.keys_file()))
    assert status == 0 and report["findings"] == [], report
    assert report["checkpoints"]["signatures_checked"] is True
    assert report["checkpoints"]["checkpoints"] == len(checkpoints) >= 2
    status, report = signed.verify()
    assert status == 0 and report["checkpoints"]["signatures_checked"] is False
    assert any("signatures" in line for line in report["checkpoints"]["not_checked"])
    text = signed.sandbox.run("audit", "verify", env=signed.env, text=True).stdout
    assert "signatures not checked" in text and "not checked: signatures (no --keys)" in text


def test_a_cut_off_tail_is_caught_which_the_chain_alone_misses(signed: Log) -> None:
    records = signed.records()
    signed.delete(records[8])
    signed.delete(records[7])
    newest = signed.checkpoints()[-1]
    for args in ([], ["--keys", str(signed.keys_file())]):
        status, report = signed.verify(*args)
        assert status == 1
        assert _kinds(report) == [("cut-off", signed.url(newest))], report
        assert "seq 7 to 8 are missing" in report["findings"][0]["detail"]


def test_a_deleted_newest_day_is_caught(signed: Log) -> None:
    today = signed.objects(f"date={_day(0)}/")
    assert len(today) == 4
    for key in today:
        signed.delete(key)
    status, report = signed.verify("--keys", str(signed.keys_file()))
    assert status == 1
    assert _kinds(report) == [("cut-off", signed.url(signed.checkpoints()[-1]))]
    assert "seq 5 to 8 are missing" in report["findings"][0]["detail"]


def test_a_removed_head_is_caught(signed: Log) -> None:
    records = signed.records()
    signed.delete(records[1])
    signed.delete(records[2])
    status, report = signed.verify("--keys", str(signed.keys_file()))
    assert status == 1
    assert _kinds(report) == [("deleted", signed.url(records[3]))]
    assert "seq 1 to 2" in report["findings"][0]["detail"]


def _forge_tail(log: Log, signature_key=None) -> str:
    """Cut records 7 and 8 off and replace the checkpoints that cover them by one recomputed
    for seq 6, chained to the one before (as someone who can delete and write, but has not
    the writer's key, would): its key."""
    records = log.records()
    checkpoints = {parse(log.get(key)).seq: key for key in log.checkpoints()}  # type: ignore[union-attr]
    for seq in (7, 8):
        log.delete(records[seq])
    for seq in [s for s in checkpoints if s > 6]:
        log.delete(checkpoints[seq])
    before = [parse(log.get(checkpoints[s])) for s in sorted(checkpoints) if s <= 6]
    forged = Checkpoint(
        writer=log.writer,
        seq=6,
        last_hash=line_hash(log.get(records[6]).rstrip(b"\n")),
        records=6,
        time=time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
        prev_checkpoint=before[-1].digest() if before and before[-1] else None,
    )
    if signature_key is not None:
        from cryptography.hazmat.primitives import serialization

        der = signature_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        from pulumi_audited.store.checkpoint_keys import key_id

        forged = replace(forged, key=key_id(der))
        signature = signature_key.sign(forged.signed_bytes())
        forged = replace(forged, signature=base64.b64encode(signature).decode())
    key = layout.checkpoint_key(PREFIX, log.writer, 6)
    log.put(key, forged.line() + b"\n")
    return key


def test_a_chain_recomputed_without_the_key_is_caught_only_with_keys(signed: Log) -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    forged = _forge_tail(signed, ed25519.Ed25519PrivateKey.generate())
    status, report = signed.verify()
    assert status == 0, report  # consistent without the key: that is what signatures are for
    status, report = signed.verify("--keys", str(signed.keys_file()))
    assert status == 1
    assert _kinds(report) == [("forged", signed.url(forged))]
    assert "does not allow" in report["findings"][0]["detail"]


def test_an_unsigned_recomputed_checkpoint_is_caught(signed: Log) -> None:
    forged = _forge_tail(signed)
    status, report = signed.verify("--keys", str(signed.keys_file()))
    assert status == 1 and _kinds(report) == [("forged", signed.url(forged))]
    assert "unsigned, but --keys holds the key" in report["findings"][0]["detail"]


def test_a_changed_signed_checkpoint_does_not_verify(signed: Log) -> None:
    key = signed.checkpoints()[-1]
    line = signed.get(key)
    signed.put(key, line.replace(b'"records":8', b'"records":9'))
    status, report = signed.verify("--keys", str(signed.keys_file()))
    assert status == 1
    assert ("forged", signed.url(key)) in _kinds(report)
    assert any("does not verify" in f["detail"] for f in report["findings"])


def test_a_deleted_checkpoint_is_caught(signed: Log) -> None:
    keys = signed.checkpoints()
    signed.delete(keys[0])
    status, report = signed.verify()
    assert status == 1
    assert _kinds(report) == [("checkpoint-missing", signed.url(keys[1]))]
    for key in keys[1:]:
        signed.delete(key)
    status, report = signed.verify("--keys", str(signed.keys_file()))
    assert status == 1 and [f["kind"] for f in report["findings"]] == ["checkpoint-missing"]
    assert "no checkpoint" in report["findings"][0]["detail"]


def test_a_wrong_key_fails_every_checkpoint(signed: Log, tmp_path: Path) -> None:
    other = make_key(tmp_path / "other.key")
    keys = signed.keys_file(f"{signed.writer} {other}\n")
    status, report = signed.verify("--keys", str(keys))
    assert status == 1
    assert {f["kind"] for f in report["findings"]} == {"forged"}
    assert len(report["findings"]) == len(signed.checkpoints())


def test_a_writer_without_a_key_is_reported_unsigned(sandbox, seaweedfs, s3_bucket) -> None:
    log = write_log(sandbox, seaweedfs, s3_bucket, signed=False)
    assert all(parse(log.get(k)).signature is None for k in log.checkpoints())  # type: ignore[union-attr]
    status, report = log.verify("--keys", str(log.keys_file(f"ci-* {log.public}\n")))
    assert status == 0, report
    assert [n["kind"] for n in report["notes"]] == ["unsigned"]
    assert "signs no checkpoints" in report["notes"][0]["detail"]
    # Presence is still checked without a signature.
    log.delete(log.records()[8])
    status, report = log.verify()
    assert status == 1 and [f["kind"] for f in report["findings"]] == ["cut-off"]
    # A writer the keys name must sign; an unsigned checkpoint then says nothing about the
    # records it claims to cover.
    status, report = log.verify("--keys", str(log.keys_file()))
    assert status == 1 and {f["kind"] for f in report["findings"]} == {"forged"}


def test_keys_from_a_folder_and_bad_keys_files(signed: Log) -> None:
    folder = signed.sandbox.root / "keys"
    signed.keys_file()
    (folder / "ci.pub").write_text(f"ci-runner-* {signed.public}\n")
    status, _ = signed.verify("--keys", str(folder))
    assert status == 0
    (folder / "broken.pub").write_text("just-one-field\n")
    result = signed.sandbox.run("audit", "verify", "--keys", str(folder), env=signed.env, text=True)
    assert result.returncode == 2 and "broken.pub:1" in result.stderr


def test_a_team_file_cannot_set_the_signing_key_nor_turn_checkpoints_off(
    sandbox, monkeypatch
) -> None:
    from pulumi_audited.config import load_settings

    for name in ("XDG_CONFIG_HOME", "XDG_CONFIG_DIRS"):
        monkeypatch.setenv(name, sandbox.env[name])
    sandbox.write_config("signing_key: /tmp/theirs.key\ncheckpoints: false\n")
    env = {**sandbox.env, "PULUMI_AUDITED_CHECKPOINTS": ""}
    current = load_settings(str(sandbox.project), env)
    assert current.signing_key is None
    assert any("signing_key is ignored" in w for w in current.warnings)
    sandbox.write_config("checkpoints: true\n")
    assert load_settings(str(sandbox.project), env).checkpoints is True
    user = sandbox.root / "xdg-config" / "pulumi-audited"
    user.mkdir(parents=True)
    (user / "config.yaml").write_text("checkpoints: true\n")
    sandbox.write_config("checkpoints: false\n")
    current = load_settings(str(sandbox.project), env)
    assert current.checkpoints is True
    assert any("never off" in w for w in current.warnings)


# --- a local log and its witness folder ---------------------------------------------------


@pytest.fixture
def witnessed(sandbox) -> tuple[Sandbox, dict[str, str], Path]:
    """Three runs into the local log, the first leaving the day's checkpoint at a witness
    folder (seq 2), then `audit sync` one at seq 6; the keys file for the local writer."""
    public = make_key(sandbox.root / "writer.key")
    witness = sandbox.root / "witness"
    env = {
        "PULUMI_AUDITED_SIGNING_KEY": str(sandbox.root / "writer.key"),
        "PULUMI_AUDITED_WITNESS": str(witness),
    }
    for _ in range(3):
        _run_and_settle(sandbox, env)
    said = _sync(sandbox, env)
    assert "at seq 6 (signed with key" in said, said
    (folder,) = (witness / "v1" / "checkpoints").iterdir()
    keys = sandbox.root / "local.pub"
    keys.write_text(f"{folder.name} {public}\n")
    return sandbox, env, keys


def _local_verify(sandbox: Sandbox, env: dict[str, str], *args: str) -> tuple[int, dict]:
    result = sandbox.run("audit", "verify", "--json", *args, env=env, text=True)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def _rechain(lines: list[bytes]) -> list[bytes]:
    """The lines with every `prev` recomputed: a rewritten log whose own chain is intact."""
    out, previous = [], None
    for line in lines:
        record = json.loads(line)
        record["prev"] = previous
        new = json.dumps(record, separators=(",", ":")).encode()
        out.append(new)
        previous = line_hash(new)
    return out


def test_a_local_log_rewritten_or_cut_is_caught_against_its_witness(witnessed) -> None:
    sandbox, env, keys = witnessed
    status, report = _local_verify(sandbox, env, "--keys", str(keys))
    assert status == 0 and report["checkpoints"]["signatures_checked"], report
    (day_file,) = sandbox.log_dir.glob("*.jsonl")
    original = day_file.read_bytes()
    lines = original.splitlines()

    day_file.write_bytes(b"".join(line + b"\n" for line in lines[:-2]))  # the tail cut off
    status, report = _local_verify(sandbox, env, "--keys", str(keys))
    assert status == 1 and [f["kind"] for f in report["findings"]] == ["cut-off"], report
    assert "seq 5 to 6 are missing" in report["findings"][0]["detail"]

    # A record taken out of the middle and the chain recomputed: intact as a chain, and the
    # same length once a run is added; the witness names the record that changed.
    day_file.write_bytes(b"".join(line + b"\n" for line in _rechain(lines[:2] + lines[4:])))
    _run(sandbox, {"PULUMI_AUDITED_WITNESS": env["PULUMI_AUDITED_WITNESS"]})
    status, report = _local_verify(sandbox, env, "--keys", str(keys))
    assert status == 1 and [f["kind"] for f in report["findings"]] == ["rewritten"], report
    assert report["findings"][0]["file"] == str(day_file) and report["findings"][0]["line"] == 6

    day_file.write_bytes(original)
    witness_files = sorted(Path(env["PULUMI_AUDITED_WITNESS"]).rglob("*.json"))
    changed = witness_files[-1].read_bytes().replace(b'"records":6', b'"records":7')
    witness_files[-1].write_bytes(changed)
    status, report = _local_verify(sandbox, env, "--keys", str(keys))
    assert status == 1 and [f["kind"] for f in report["findings"]] == ["forged"], report


def test_a_local_log_without_a_witness_refuses_keys(sandbox, tmp_path: Path) -> None:
    keys = tmp_path / "k.pub"
    keys.write_text(f"* {make_key(tmp_path / 'k.pem')}\n")
    _run(sandbox, {})
    result = sandbox.run("audit", "verify", "--keys", str(keys), text=True)
    assert result.returncode == 2 and "no witness" in result.stderr


def test_the_shipper_writes_the_days_first_checkpoint_and_no_second(
    sandbox, seaweedfs, s3_bucket
) -> None:
    """The detached shipper, not the shim, signs: once a UTC day, after shipping."""
    make_key(sandbox.root / "writer.key")
    env = remote_env(
        seaweedfs, s3_bucket, PULUMI_AUDITED_SIGNING_KEY=str(sandbox.root / "writer.key")
    )
    log = Log(sandbox, seaweedfs, s3_bucket, env, "", "")

    def shipper_holds_the_spool() -> bool:
        # It writes the checkpoint after saying "done", holding ship.lock until it is written.
        (lock,) = (sandbox.root / "xdg-data" / "pulumi-audited" / "spool").glob("*/ship.lock")
        with open(lock, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
        return False

    def settled() -> list[str]:
        deadline = time.monotonic() + 60
        while (
            _shippers_running(sandbox)
            or shipper_holds_the_spool()
            or len(log.objects("date=")) < 2 * runs
        ):
            assert time.monotonic() < deadline, "the shipper never finished"
            time.sleep(0.05)
        return log.checkpoints()

    runs = 1
    _run(sandbox, env)
    (first,) = settled()
    checkpoint = parse(log.get(first))
    assert checkpoint is not None and checkpoint.seq == 2 and checkpoint.signature
    runs = 2
    _run(sandbox, env)
    assert settled() == [first]  # one a day from the shipper; audit sync writes the others


def test_sync_waits_for_a_shipper_holding_the_spool(sandbox, seaweedfs, s3_bucket) -> None:
    """At the end of a CI job the last command's shipper may still hold the spool: sync waits
    for it (up to --timeout) rather than failing the job."""
    env = remote_env(seaweedfs, s3_bucket, PULUMI_AUDITED_CHECKPOINTS="true")
    _run(sandbox, env)
    deadline = time.monotonic() + 60
    while _shippers_running(sandbox):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    _run(sandbox, env)
    while _shippers_running(sandbox):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    (lock,) = (sandbox.root / "xdg-data" / "pulumi-audited" / "spool").glob("*/ship.lock")
    holder = subprocess.Popen(
        ["flock", str(lock), "sleep", "1.5"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(0.3)
        began = time.monotonic()
        result = sandbox.run("audit", "sync", env=env, text=True)
        waited = time.monotonic() - began
    finally:
        holder.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    assert "checkpoint of writer" in result.stdout and "at seq 4 (unsigned)" in result.stdout
    assert waited >= 1.0
    result = sandbox.run("audit", "sync", "--timeout", "0.5", env=env, text=True)
    assert result.returncode == 0 and "checkpoint" not in result.stdout  # nothing new


def test_a_failure_while_handing_records_on_keeps_pulumis_exit_status(
    sandbox, seaweedfs, s3_bucket
) -> None:
    """Under libfaketime the shim's short sleeps, while it waits for the shipper after pulumi,
    raise OSError: the records are durable by then, and pulumi's status must stand."""
    env = remote_env(seaweedfs, s3_bucket)
    command = [which("faketime"), "-f", f"@{_day(-1)} 10:00:00", str(SHIM), "preview", "-s", "dev"]
    full = {**sandbox.env, **env, "TZ": "UTC", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    full |= {"PULUMI_AUDITED_SHIP_WAIT": "2", "FAKE_PULUMI_EXIT": "3"}
    result = subprocess.run(
        command, env=full, cwd=sandbox.project, capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 3, result.stderr
    assert b"internal error" not in result.stderr or b"handing them on failed" in result.stderr


# --- a local log's daily checkpoint, written without audit sync ---------------------------


def _witness_workers(sandbox: Sandbox) -> int:
    """How many detached witness writers for this sandbox's log run now."""
    count = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue  # it ended meanwhile
        if (
            any(b"checkpoint_witness" in arg for arg in argv)
            and str(sandbox.log_dir).encode() in argv
        ):
            count += 1
    return count


def _run_and_settle(
    sandbox: Sandbox, env: dict[str, str], at: str | None = None, *, clock: str | None = None
) -> int:
    """A run that says nothing, then wait for the witness writer it may have started; how
    many it started (seen running, or having left its state file changed)."""
    state = sandbox.log_dir / "witness.day"
    before = state.read_bytes() if state.exists() else None
    assert _run(sandbox, env, at, clock=clock) == ""
    deadline = time.monotonic() + 60
    seen = 0
    while _witness_workers(sandbox):
        seen = 1
        assert time.monotonic() < deadline, "the witness writer never finished"
        time.sleep(0.02)
    after = state.read_bytes() if state.exists() else None
    return max(seen, int(after != before))


def test_a_local_logs_first_run_of_a_day_checkpoints_it_at_the_witness(sandbox) -> None:
    """Each day a local log is written, its first run leaves a signed checkpoint at the
    witness (a detached process signs it, not the shim); later runs that day leave none; a
    tail cut off after it is caught, with no `audit sync` ever run."""
    public = make_key(sandbox.root / "writer.key")
    witness = sandbox.root / "witness"
    env = {
        "PULUMI_AUDITED_SIGNING_KEY": str(sandbox.root / "writer.key"),
        "PULUMI_AUDITED_WITNESS": str(witness),
    }
    assert _run_and_settle(sandbox, env, _day(-1)) == 1
    (first,) = sorted(witness.rglob("*.json"))
    checkpoint = parse(first.read_bytes())
    assert checkpoint is not None and checkpoint.seq == 2 and checkpoint.signature
    assert checkpoint.time.startswith(_day(-1))
    state = sandbox.log_dir / "witness.day"
    assert state.read_text() == f"{_day(-1)} 0\n"
    assert state.stat().st_mode & 0o777 == 0o600

    assert _run_and_settle(sandbox, env, _day(-1)) == 0  # the day has its checkpoint
    assert sorted(witness.rglob("*.json")) == [first]

    assert _run_and_settle(sandbox, env) == 1  # the next day's first run
    second = parse(sorted(witness.rglob("*.json"))[-1].read_bytes())
    assert (
        second is not None
        and second.seq == 6
        and second.prev_checkpoint == line_hash(first.read_bytes().rstrip(b"\n"))
    )
    keys = sandbox.root / "local.pub"
    keys.write_text(f"{second.writer} {public}\n")
    status, report = _local_verify(sandbox, env, "--keys", str(keys))
    assert status == 0 and report["checkpoints"]["signatures_checked"], report

    (_, day_file) = sorted(sandbox.log_dir.glob("*.jsonl"))
    lines = day_file.read_bytes().splitlines(keepends=True)
    day_file.write_bytes(b"".join(lines[:-1]))  # the last record cut off
    status, report = _local_verify(sandbox, env, "--keys", str(keys))
    assert status == 1 and [f["kind"] for f in report["findings"]] == ["cut-off"], report


def test_a_failing_witness_is_tried_again_later_not_on_every_run(sandbox) -> None:
    """A witness that cannot be written costs the runs nothing: pulumi's status stands, the
    shim says nothing, the state file says why (and `audit doctor` and `audit sync` say it),
    and no run tries again for ten minutes; then one does."""
    blocker = sandbox.root / "not-a-folder"
    blocker.write_text("a file where the witness folder should be\n")
    env = {"PULUMI_AUDITED_WITNESS": str(blocker / "witness")}
    assert _run_and_settle(sandbox, env) == 1
    state = (sandbox.log_dir / "witness.day").read_text()
    first_line, error = state.split("\n", 1)
    day, retry_after = first_line.split()
    assert day == "-" and float(retry_after) > time.time() + 500
    assert "cannot write" in error and "Not a directory" in error, state

    assert _run_and_settle(sandbox, env) == 0
    assert (sandbox.log_dir / "witness.day").read_text() == state
    witness_check = _doctor_witness(sandbox, env)
    assert witness_check["ok"] is False and "Not a directory" in witness_check["detail"]
    said = sandbox.run("audit", "sync", env=env, text=True)
    assert said.returncode == 1 and "Not a directory" in said.stderr, said.stderr

    blocker.unlink()
    # Eleven minutes on, for the shim and the writer it starts (libfaketime's variables).
    assert _run_and_settle(sandbox, env, clock="+11m") == 1
    later = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 660))
    assert (sandbox.log_dir / "witness.day").read_text() == f"{later} 0\n"
    assert len(list((blocker / "witness").rglob("*.json"))) == 1
    witness_check = _doctor_witness(sandbox, env)
    assert witness_check["ok"] is True and later in witness_check["detail"], witness_check


def _doctor_witness(sandbox: Sandbox, env: dict[str, str]) -> dict:
    result = sandbox.run("audit", "doctor", "--json", env=env, text=True)
    (check,) = [c for c in json.loads(result.stdout)["checks"] if c["check"] == "witness"]
    return check


def test_a_log_that_cannot_be_written_starts_no_checkpoint(sandbox) -> None:
    """The run said the log could not be written: one line, and no witness process after it."""
    sandbox.log_dir.write_text("a file where the log folder should be\n")
    env = {"PULUMI_AUDITED_WITNESS": str(sandbox.root / "witness")}
    said = _run(sandbox, env).splitlines()
    assert len(said) == 1 and "could not be written" in said[0], said
    assert _witness_workers(sandbox) == 0 and not (sandbox.root / "witness").exists()
