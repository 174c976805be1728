"""Values refused when the configuration is read, before pulumi runs: log locations that
cannot be used (a spool that never ships), credentials in a URL, timeouts that never end."""

from __future__ import annotations

import json

import pytest

SECRET = "c2lnbmF0dXJlLW5vdC1yZWFsLTAxMjM0NTY3ODk"


def _spool_root(sandbox):
    return sandbox.root / "xdg-data" / "pulumi-audited" / "spool"


def _refused(sandbox, result) -> str:
    assert result.returncode == 125, result.stderr
    assert sandbox.standin_events() == [], "pulumi must not run"
    assert not _spool_root(sandbox).exists(), "nothing may be spooled for this location"
    message = result.stderr.decode()
    assert message.startswith("pulumi-audited: ") and message.count("\n") == 1, message
    return message


@pytest.mark.parametrize(
    ("location", "fragment"),
    [
        (
            "s3://bucket/pfx?regoin=eu-west-1",
            "log location s3://bucket/pfx: unknown parameter 'regoin': did you mean region? "
            "(known: endpoint, profile, region)",
        ),
        ("azblob://audit/p?storage_acount=x", "did you mean storage_account?"),
        ("s3://bucket/pfx?verbose=1", "unknown parameter 'verbose' (known: endpoint, profile"),
        ("ftp://host/audit", "unsupported log location scheme ftp://"),
        ("gs://bucket/audit", "unsupported log location scheme gs://"),
        ("S3://bucket/audit", "schemes are lower-case: s3://"),
        ("s3:///audit", "log location s3:///audit names no bucket"),
        ("s3://", "names no bucket"),
        ("azblob:///p?storage_account=acct", "names no container"),
        ("s3://host:9000/bucket", "a server's address goes in ?endpoint="),
        ("azblob://Audit/p", "'Audit' is not a container name"),
        ("s3://bucket/p?region=", "region must be a region name"),
        ("s3://bucket/p?region=eu%20west", "region must be a region name"),
        ("s3://bucket/p?endpoint=ftp://minio:9000", "endpoint must be an http(s) URL"),
        ("s3://bucket/p?endpoint=http://:9000", "endpoint must be an http(s) URL"),
        ("azblob://c/p?storage_account=Not_Valid", "storage_account must be a storage account"),
        ("azblob://c/p?account=acct&storage_account=acct", "give storage_account or its alias"),
        ("s3://bucket/p?region=eu-west-1&region=us-east-1", "parameter 'region' is given twice"),
        ("s3://bucket/p#frag", "'#' cannot be used"),
    ],
)
def test_a_log_location_that_cannot_be_used_is_refused_before_pulumi_runs(
    sandbox, location, fragment
):
    message = _refused(
        sandbox, sandbox.run("up", "--yes", "-s", "dev", env={"PULUMI_AUDITED_LOG": location})
    )
    assert message.startswith("pulumi-audited: PULUMI_AUDITED_LOG: ")
    assert fragment in message
    # The viewer refuses it the same way.
    assert sandbox.run("audit", "config", env={"PULUMI_AUDITED_LOG": location}).returncode == 125


@pytest.mark.parametrize(
    "location",
    [
        f"azblob://audit/team?sv=2022-11-02&sp=rwl&sig={SECRET}",
        f"azblob://audit/team?storage_account=acct&sig={SECRET}",
        f"azblob://audit/team?sas={SECRET}",
        f"s3://audit/team?secret_key={SECRET}",
        f"s3://audit/team?aws_secret_access_key={SECRET}",
        f"s3://audit/team?region=eu-west-1&X-Amz-Signature={SECRET}",
        f"s3://audit/team?X-Amz-Credential=AKIA{SECRET}%2F20260101%2Fus-east-1",
        f"s3://audit/team?X-Amz-Security-Token={SECRET}",
        f"s3://audit/team?access_key={SECRET}",
        f"s3://audit/team?token={SECRET}",
        f"s3://audit/team?password={SECRET}",
        f"s3://AKIAEXAMPLE:{SECRET}@audit/team",
    ],
)
def test_credentials_in_a_location_are_refused_without_being_repeated(sandbox, location):
    message = _refused(
        sandbox, sandbox.run("up", "--yes", "-s", "dev", env={"PULUMI_AUDITED_LOG": location})
    )
    assert "credentials do not belong in the URL" in message
    assert SECRET not in message
    # From a file, and through the viewer: refused, the secret never shown.
    team = sandbox.write_config(f"log: {location}\n")
    env = {"PULUMI_AUDITED_LOG": ""}
    message = _refused(sandbox, sandbox.run("stack", "ls", env=env))
    assert f"broken config {team}, line 1: log location " in message
    assert SECRET not in message
    viewer = sandbox.run("audit", "config", "--json", env=env)
    assert viewer.returncode == 125
    assert SECRET.encode() not in viewer.stdout + viewer.stderr


def test_a_token_pasted_as_a_parameter_name_is_not_repeated(sandbox):
    location = f"s3://audit/team?{SECRET}"
    message = _refused(sandbox, sandbox.run("stack", "ls", env={"PULUMI_AUDITED_LOG": location}))
    assert "unknown parameter (name not shown)" in message
    assert SECRET not in message


@pytest.mark.parametrize(
    "location",
    [
        "s3://audit/team",
        "s3://audit",
        "s3://audit.example.com/a/b/?region=eu-west-1&profile=ops",
        "s3://audit/team?endpoint=http://127.0.0.1:9000&region=us-east-1",
        "s3://audit/team?endpoint=minio.internal:9000",
        "s3://audit/team?endpoint=http://[::1]:9000",
        "azblob://audit/team?storage_account=acmeaudit",
        "azblob://audit?account=devstoreaccount1&endpoint=http://127.0.0.1:10000/devstoreaccount1",
        "azblob://$root/team?storage_account=acct",
        "s3://audit/team?region=eu%2Dwest%2D1",
    ],
)
def test_usable_locations_are_accepted(sandbox, location):
    result = sandbox.run("version", env={"PULUMI_AUDITED_LOG": location})
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PULUMI_AUDITED_LOCK_TIMEOUT", "nan"),
        ("PULUMI_AUDITED_LOCK_TIMEOUT", "inf"),
        ("PULUMI_AUDITED_REMOTE_TIMEOUT", "1e999"),
        ("PULUMI_AUDITED_REMOTE_TIMEOUT", "-inf"),
        ("PULUMI_AUDITED_SHIP_WAIT", "NaN"),
        ("PULUMI_AUDITED_SHIP_WAIT", "infinity"),
        ("PULUMI_AUDITED_LOCK_TIMEOUT", "301"),
        ("PULUMI_AUDITED_REMOTE_TIMEOUT", "86400"),
    ],
)
def test_seconds_must_be_finite_and_bounded(sandbox, variable, value):
    result = sandbox.run("up", "--yes", "-s", "dev", env={variable: value})
    assert result.returncode == 125
    assert sandbox.standin_events() == []
    assert result.stderr.decode().startswith(f"pulumi-audited: {variable}: ")
    assert "300 seconds, not" in result.stderr.decode()


def test_the_bounds_themselves_are_accepted(sandbox):
    env = {
        "PULUMI_AUDITED_LOCK_TIMEOUT": "300",
        "PULUMI_AUDITED_REMOTE_TIMEOUT": "0.001",
        "PULUMI_AUDITED_SHIP_WAIT": "0",
    }
    result = sandbox.run("audit", "config", "--json", env=env)
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)["settings"]
    assert [settings[key]["value"] for key in ("lock_timeout", "remote_timeout", "ship_wait")] == [
        300.0,
        0.001,
        0.0,
    ]
