"""Forwarding records to SIEMs as they are written: real receivers on 127.0.0.1 (Debian's
rsyslogd over TCP, TLS and UDP; tests/https_receiver.py, which checks the signature), the
installed shim in front of the stand-in pulumi, and `audit sync`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SHIM, Sandbox
from siem_receivers import HTTPSReceiver, Rsyslog, make_certificates, syslog_ids

SECRET = "hook-secret-7f3a9c21e5"
TOKEN = "hec-token-0b4d8e6a2f"
RFC5424 = re.compile(
    r"^<(?P<pri>\d+)>1 (?P<time>\S+) (?P<host>\S+) pulumi-audited - (?P<msgid>[0-9a-f]{32}) "
    r'\[pulumi-audited@32473 id="(?P<id>[0-9a-f-]{36})" runId="[0-9a-f-]{36}" '
    r'phase="(?P<phase>start|end)"\] (?P<msg>.*)$'
)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_certificates(tmp_path_factory.mktemp("certificates"))


@pytest.fixture
def rsyslog(tmp_path: Path, certificates):
    server = Rsyslog(tmp_path / "rsyslog", certificates).start()
    yield server
    server.stop()


@pytest.fixture
def receiver(tmp_path: Path, certificates):
    server = HTTPSReceiver(tmp_path / "https", certificates, secret_env="HOOK_SECRET")
    server.start(env={"HOOK_SECRET": SECRET})
    yield server
    server.stop()


def forward(sandbox: Sandbox, *urls: str) -> None:
    sandbox.env["PULUMI_AUDITED_FORWARD"] = ",".join(urls)


def queues(sandbox: Sandbox) -> list[Path]:
    return sorted((sandbox.root / "xdg-data" / "pulumi-audited" / "forward").glob("*"))


def wait_until_forwarded(sandbox: Sandbox, timeout: float = 30) -> None:
    """The forwarder the last run started has finished with every sink queue (done or
    failed, said after that run began) and its process is gone."""
    since = getattr(sandbox, "last_run", 0.0)
    deadline = time.monotonic() + timeout
    statuses: list[dict] = []
    while time.monotonic() < deadline:
        statuses = [_status(folder) for folder in queues(sandbox)]
        finished = [s.get("state") in ("done", "failed") and s["time"] >= since for s in statuses]
        if statuses and all(finished) and not any(_alive(s["pid"]) for s in statuses):
            return
        time.sleep(0.05)
    raise AssertionError(f"the forwarders never finished: {statuses}")


def run(sandbox: Sandbox, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """A pulumi command through the shim; wait_until_forwarded waits for its forwarder."""
    sandbox.last_run = time.time()  # type: ignore[attr-defined]
    return sandbox.run(*args, **kwargs)


def _status(folder: Path) -> dict:
    path = folder / "status"
    return json.loads(path.read_text()) if path.exists() else {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def sync(sandbox: Sandbox, *args: str, **env: str) -> subprocess.CompletedProcess:
    return sandbox.run("audit", "sync", *args, env=env, text=True)


def test_a_run_reaches_rsyslog_over_tcp_tls_and_udp(sandbox: Sandbox, rsyslog: Rsyslog) -> None:
    forward(sandbox, rsyslog.url("tcp"), rsyslog.url("tls", "cef"), rsyslog.url("udp"))
    result = run(sandbox, "up", "--yes", "--stack", "dev", text=True)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    wait_until_forwarded(sandbox)
    logged = sandbox.raw_log().splitlines()
    records = [json.loads(line) for line in logged]
    messages = rsyslog.messages()
    assert len(messages) == 6, messages
    parsed = [RFC5424.match(message) for message in messages]
    assert all(parsed), messages
    by_format: dict[str, list[re.Match]] = {"json": [], "cef": []}
    for match in parsed:
        assert match is not None
        by_format["cef" if match["msg"].startswith("CEF:0|") else "json"].append(match)
        assert match["msgid"] == match["id"].replace("-", "")
        assert match["pri"] == str(13 * 8 + 5)  # log audit, notice: `up` changes state
    # TCP and UDP carry the log's lines byte for byte; TLS carries CEF.
    assert sorted(m["msg"].encode() for m in by_format["json"]) == sorted(logged * 2)
    assert len(by_format["cef"]) == 2
    cef = sorted(by_format["cef"], key=lambda match: match["phase"] != "start")
    for match, record in zip(cef, records, strict=True):
        assert match["id"] == record["id"]
        assert f"externalId={record['id']}" in match["msg"]
        assert match["time"] == record["time"] and match["host"] == record["host"]
    assert sorted(syslog_ids(messages)) == sorted([r["id"] for r in records] * 3)


def test_https_bodies_are_signed_with_the_secret_from_the_environment(
    sandbox: Sandbox, receiver: HTTPSReceiver
) -> None:
    forward(sandbox, receiver.url(secret_env="HOOK_SECRET", batch="1"))
    sandbox.env["HOOK_SECRET"] = SECRET
    result = run(sandbox, "preview", text=True)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    wait_until_forwarded(sandbox)
    assert receiver.records() == sandbox.records()
    assert receiver.records(refused=True) == []
    _secret_is_nowhere(sandbox, SECRET)


def test_a_wrong_secret_is_refused_and_the_records_wait_for_the_right_one(
    sandbox: Sandbox, receiver: HTTPSReceiver
) -> None:
    wrong = "not-the-hook-secret-93b1"
    forward(sandbox, receiver.url(secret_env="HOOK_SECRET"))
    sandbox.env["HOOK_SECRET"] = wrong
    first = run(sandbox, "preview", text=True)
    assert first.returncode == 0
    wait_until_forwarded(sandbox)
    assert receiver.records() == [] and len(receiver.records(refused=True)) == 2
    # The next run says so (the last forwarder's verdict), and still runs.
    second = run(sandbox, "preview", text=True)
    assert second.returncode == 0
    assert "answered 401" in second.stderr and "audit sync" in second.stderr, second.stderr
    wait_until_forwarded(sandbox)
    unset = sandbox.run("audit", "sync", text=True, env={"HOOK_SECRET": ""})
    assert unset.returncode == 1
    assert "HOOK_SECRET (secret_env) is not set here" in unset.stderr, unset.stderr
    fixed = sync(sandbox, "--json", HOOK_SECRET=SECRET)
    assert fixed.returncode == 0, fixed.stderr
    report = [json.loads(line) for line in fixed.stdout.splitlines()]
    assert report == [
        {
            "sink": receiver.url(secret_env="HOOK_SECRET"),
            "queue": queues(sandbox)[0].name,
            "forwarded": 4,
            "skipped": 0,
            "remaining": 0,
            "error": None,
        }
    ]
    assert sorted(r["id"] for r in receiver.records()) == sorted(r["id"] for r in sandbox.records())
    for text in (first.stderr, second.stderr, unset.stderr, unset.stdout, fixed.stdout):
        assert wrong not in text and SECRET not in text
    _secret_is_nowhere(sandbox, wrong)


def test_splunk_hec_mode_sends_the_token_and_event_envelopes(
    sandbox: Sandbox, tmp_path: Path, certificates
) -> None:
    hec = HTTPSReceiver(tmp_path / "hec", certificates, hec_token_env="HEC_TOKEN")
    hec.start(env={"HEC_TOKEN": TOKEN})
    try:
        forward(sandbox, hec.url("/services/collector/event", token_env="HEC_TOKEN"))
        sandbox.env["HEC_TOKEN"] = TOKEN
        assert run(sandbox, "preview").returncode == 0
        wait_until_forwarded(sandbox)
        assert hec.records() == sandbox.records()
        assert hec.records(refused=True) == []
        _secret_is_nowhere(sandbox, TOKEN)
    finally:
        hec.stop()


def _secret_is_nowhere(sandbox: Sandbox, secret: str) -> None:
    for path in sandbox.root.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_a_sink_that_is_down_loses_nothing_and_blocks_nothing(
    sandbox: Sandbox, rsyslog: Rsyslog, receiver: HTTPSReceiver
) -> None:
    rsyslog.stop()
    forward(sandbox, rsyslog.url("tcp"), receiver.url(secret_env="HOOK_SECRET"))
    sandbox.env["HOOK_SECRET"] = SECRET
    sandbox.write_config("on_failure: block\n")
    began = time.monotonic()
    result = run(sandbox, "up", "--yes", text=True)
    assert result.returncode == 0 and sandbox.standin_events("start"), result.stderr
    assert time.monotonic() - began < 5
    assert len(sandbox.records()) == 2  # the log's own durability is untouched
    wait_until_forwarded(sandbox)
    assert len(receiver.records()) == 2  # the sink that is up got them
    again = run(sandbox, "preview", text=True)
    assert again.returncode == 0
    assert f"for the sink {rsyslog.url('tcp')}: " in again.stderr, again.stderr
    assert "Connection refused" in again.stderr
    wait_until_forwarded(sandbox)
    down = sync(sandbox)
    assert down.returncode == 1
    assert f"sink {rsyslog.url('tcp')}: forwarded 0, 4 left: " in down.stderr, down.stderr
    rsyslog.start()
    up = sync(sandbox)
    assert up.returncode == 0, up.stderr
    assert f"sink {rsyslog.url('tcp')}: forwarded 4" in up.stdout
    ids = sorted(record["id"] for record in sandbox.records())
    assert sorted(syslog_ids(rsyslog.messages())) == ids
    assert sorted(record["id"] for record in receiver.records()) == ids
    assert sync(sandbox).stdout == "nothing waits in the spool\n"


def _fill(sandbox: Sandbox, records: int, *urls: str) -> list[str]:
    script = Path(__file__).resolve().parent / "forward_fill.py"
    argv = [sys.executable, str(script), "--records", str(records)]
    argv += ["--log", str(sandbox.log_dir)]
    for url in urls:
        argv += ["--sink", url]
    done = subprocess.run(argv, env=sandbox.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def _kill_mid_stream(sandbox: Sandbox, server, count, at: int, env: dict[str, str]):
    """Run `audit sync`, kill the receiver once `at` records arrived, and wait for sync."""
    running = subprocess.Popen(
        [str(SHIM), "audit", "sync"],
        env={**sandbox.env, **env},
        cwd=sandbox.project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while count() < at and time.monotonic() < deadline and running.poll() is None:
        time.sleep(0.002)
    server.kill()
    out, err = running.communicate(timeout=120)
    return running.returncode, out, err


@pytest.mark.parametrize("transport", ["tcp", "tls"])
def test_rsyslog_killed_mid_stream_and_restarted_gets_every_record(
    sandbox: Sandbox, rsyslog: Rsyslog, transport: str
) -> None:
    url = rsyslog.url(transport)
    ids = _fill(sandbox, 4000, url)
    code, _, err = _kill_mid_stream(
        sandbox, rsyslog, lambda: len(rsyslog.messages()), at=800, env={}
    )
    assert code == 1 and f"sink {url}: forwarded" in err, err
    before = len(rsyslog.messages())
    assert 800 <= before < 4000, "killed mid-stream"
    rsyslog.start()
    again = sync(sandbox)
    assert again.returncode == 0, again.stderr
    _each_once(syslog_ids(rsyslog.messages()), ids, before, batch=100)


def test_the_https_receiver_killed_mid_stream_and_restarted_gets_every_record(
    sandbox: Sandbox, receiver: HTTPSReceiver
) -> None:
    url = receiver.url(secret_env="HOOK_SECRET", batch="20")
    ids = _fill(sandbox, 2000, url)
    code, _, err = _kill_mid_stream(
        sandbox, receiver, lambda: _lines(receiver.received), at=500, env={"HOOK_SECRET": SECRET}
    )
    assert code == 1 and f"sink {url}: forwarded" in err, err
    before = len(receiver.records())
    assert 500 <= before < 2000, "killed mid-stream"
    receiver.start(env={"HOOK_SECRET": SECRET})
    again = sync(sandbox, HOOK_SECRET=SECRET)
    assert again.returncode == 0, again.stderr
    received = receiver.records()
    _each_once([record["id"] for record in received], ids, before, batch=20)
    assert receiver.records(refused=True) == []


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _each_once(received: list[str], ids: list[str], before: int, batch: int) -> None:
    """Every record arrived, in order; what came again after the restart starts at a batch
    boundary no further back than the batch in flight when the receiver died: nothing the
    receiver had acknowledged was sent twice, and each copy carries its id to be dropped by."""
    assert received[:before] == ids[:before]
    again = received[before:]
    assert again, "the restart sent the rest"
    start = ids.index(again[0])
    assert start % batch == 0 and before - batch <= start <= before, (start, before)
    assert again == ids[start:]
    assert list(dict.fromkeys(received)) == ids


def test_without_a_kill_nothing_arrives_twice(sandbox: Sandbox, rsyslog: Rsyslog) -> None:
    ids = _fill(sandbox, 1000, rsyslog.url("tls"))
    result = sync(sandbox)
    assert result.returncode == 0, result.stderr
    assert f"forwarded {len(ids)}" in result.stdout
    assert syslog_ids(rsyslog.messages()) == ids
    assert sync(sandbox).stdout == "nothing waits in the spool\n"


def test_ocsf_events_reach_syslog_and_https_valid_against_the_schema(
    sandbox: Sandbox, rsyslog: Rsyslog, receiver: HTTPSReceiver
) -> None:
    """OCSF comes from the exporter (viewer/siem/ocsf.py), checked with OCSF's own schema as
    tests/test_siem_formats.py checks `audit export --format ocsf`."""
    from siem_checks import ocsf_class_validator, ocsf_errors

    from pulumi_audited.viewer.siem import ocsf

    forward(
        sandbox, rsyslog.url("tcp", "ocsf"), receiver.url(format="ocsf", secret_env="HOOK_SECRET")
    )
    sandbox.env["HOOK_SECRET"] = SECRET
    assert run(sandbox, "up", "--yes").returncode == 0
    wait_until_forwarded(sandbox)
    records = sandbox.records()
    by_syslog = [json.loads(_text(message)) for message in rsyslog.messages()]
    by_https = receiver.records()
    validator = ocsf_class_validator(ocsf.OCSF_VERSION, ocsf.CLASS_UID)
    for events in (by_syslog, by_https):
        assert [event["metadata"]["uid"] for event in events] == [r["id"] for r in records]
        for event in events:
            assert ocsf_errors(validator, event) == [], event
            assert event["class_uid"] == 6003
    assert by_syslog == by_https == [ocsf.ocsf_event(record) for record in records]


def test_a_remote_log_with_a_sink_ships_to_both(
    sandbox: Sandbox, rsyslog: Rsyslog, seaweedfs, s3_bucket: str
) -> None:
    sandbox.env.update(seaweedfs.environment())
    sandbox.env["PULUMI_AUDITED_LOG"] = f"s3://{s3_bucket}/team"
    forward(sandbox, rsyslog.url("tls"))
    result = run(sandbox, "up", "--yes", text=True)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    wait_until_forwarded(sandbox)
    client = seaweedfs.client()
    deadline = time.monotonic() + 30
    keys: list[str] = []
    while len(keys) < 2 and time.monotonic() < deadline:
        listing = client.list_objects_v2(Bucket=s3_bucket, Prefix="team/")
        keys = [item["Key"] for item in listing.get("Contents", [])]
        time.sleep(0.05)
    stored = [client.get_object(Bucket=s3_bucket, Key=key)["Body"].read() for key in keys]
    sent = [_text(message).encode() + b"\n" for message in rsyslog.messages()]
    # The sink gets each record exactly as the store keeps it: chain fields included.
    assert sorted(sent) == sorted(stored) and len(sent) == 2


def _text(message: str) -> str:
    """The MSG part of an RFC 5424 message."""
    match = RFC5424.match(message)
    assert match is not None, message
    return match["msg"]


def test_doctor_checks_each_sink(sandbox: Sandbox, rsyslog: Rsyslog, receiver) -> None:
    syslog, hook = rsyslog.url("tcp"), receiver.url(secret_env="HOOK_SECRET")
    forward(sandbox, syslog, hook)
    rsyslog.stop()
    assert run(sandbox, "preview", env={"HOOK_SECRET": SECRET}).returncode == 0
    wait_until_forwarded(sandbox)
    doctor = sandbox.run("audit", "doctor", "--json", text=True)
    assert doctor.returncode == 1
    checks = {c["check"]: c for c in json.loads(doctor.stdout)["checks"]}
    assert checks[f"sink {hook}"]["ok"] is False
    assert checks[f"sink {hook}"]["detail"] == (
        "secret_env HOOK_SECRET is not set in this environment"
    )
    assert checks[f"sink {syslog}"]["ok"] is False
    assert "2 record(s) wait in" in checks[f"sink {syslog}"]["detail"]
    assert "Connection refused; run audit sync" in checks[f"sink {syslog}"]["detail"]
    rsyslog.start()
    assert sync(sandbox).returncode == 0
    healthy = sandbox.run("audit", "doctor", "--json", env={"HOOK_SECRET": SECRET}, text=True)
    checks = {c["check"]: c for c in json.loads(healthy.stdout)["checks"]}
    assert checks[f"sink {syslog}"] == {
        "check": f"sink {syslog}",
        "ok": True,
        "detail": "nothing waits to be forwarded",
    }
    assert checks[f"sink {hook}"]["ok"] is True


def test_a_torn_line_spoils_only_itself_and_an_acknowledged_file_is_removed(
    sandbox: Sandbox, rsyslog: Rsyslog
) -> None:
    url = rsyslog.url("tcp")
    first = _fill(sandbox, 4, url)
    (folder,) = queues(sandbox)
    (queue_file,) = folder.glob("queue.*.jsonl")
    with queue_file.open("ab") as handle:
        handle.write(b'{"schema":"pulumi-audited/1","id":"torn-by-a-cra')  # a crash mid-write
    second = _fill(sandbox, 4, url)
    assert queue_file.read_bytes().count(b"\n") == 9  # the torn line was closed, not joined
    result = sync(sandbox)
    assert result.returncode == 0, result.stderr
    assert f"sink {url}: forwarded 8, 1 damaged line(s) skipped" in result.stdout
    assert syslog_ids(rsyslog.messages()) == first + second
    # All acknowledged: the file is gone and the cursor names the next one, where new
    # records go.
    assert not queue_file.exists()
    assert (folder / "cursor").read_text() == "2 0\n"
    third = _fill(sandbox, 2, url)
    assert [p.name for p in folder.glob("queue.*.jsonl")] == ["queue.00000002.jsonl"]
    assert sync(sandbox).returncode == 0
    assert syslog_ids(rsyslog.messages()) == first + second + third


def test_a_sink_that_never_answers_or_cannot_be_trusted_keeps_its_records(
    sandbox: Sandbox, rsyslog: Rsyslog, tmp_path: Path
) -> None:
    from servers import HangingServer

    hanging = HangingServer()
    stranger = make_certificates(tmp_path / "stranger")  # a CA that signed nothing of theirs
    try:
        sinks = {
            f"syslog+tcp://127.0.0.1:{hanging.port}": "no answer within 1 s",
            f"https://127.0.0.1:{hanging.port}/hook": "no answer within 1 s",
            f"syslog+tls://127.0.0.1:{rsyslog.tls_port}?ca={stranger['ca']}": (
                "TLS failed: CERTIFICATE_VERIFY_FAILED"
            ),
            f"syslog+tls://127.0.0.1:{rsyslog.tls_port}?ca={tmp_path / 'missing.pem'}": (
                f"the CA file {tmp_path / 'missing.pem'} cannot be used: No such file"
            ),
        }
        _fill(sandbox, 2, *sinks)
        began = time.monotonic()
        result = sync(sandbox, "--timeout", "1", "--json")
        assert time.monotonic() - began < 10
        assert result.returncode == 1
        report = {line["sink"]: line for line in map(json.loads, result.stdout.splitlines())}
        for url, reason in sinks.items():
            assert report[url]["forwarded"] == 0 and report[url]["remaining"] == 2
            assert reason in report[url]["error"], report[url]
        assert rsyslog.messages() == []
    finally:
        hanging.stop()
