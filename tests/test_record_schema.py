"""The record's JSON Schema (src/pulumi_audited/schema/record.schema.json): in step with
record.py's key lists, and every record the real shim writes, locally and to a bucket, valid
against it with the real jsonschema validator."""

from __future__ import annotations

import json

import pytest
from conftest import Sandbox
from jsonschema import Draft202012Validator
from query_logs import download, run_spread
from test_store_and_forward import remote_env, wait_until_drained

from pulumi_audited import outcomes, pulumi
from pulumi_audited.pulumi.cli import EXEC_KINDS
from pulumi_audited.record import END_KEYS, REMOTE_KEYS, START_KEYS
from pulumi_audited.record import SCHEMA as RECORD_SCHEMA
from pulumi_audited.schema import record_schema

SCHEMA = record_schema()
VALIDATOR = Draft202012Validator(SCHEMA)
END_ONLY = tuple(key for key in END_KEYS if key not in START_KEYS)


def test_the_schema_is_draft_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_the_properties_are_the_record_keys_in_the_writers_order() -> None:
    assert tuple(SCHEMA["properties"]) == (*END_KEYS[:-1], *REMOTE_KEYS, END_KEYS[-1])
    assert tuple(SCHEMA["then"]["required"]) == START_KEYS
    assert tuple(SCHEMA["else"]["required"]) == END_KEYS
    assert SCHEMA["then"]["properties"] == dict.fromkeys(END_ONLY, False)
    assert SCHEMA["additionalProperties"] is False
    assert set(SCHEMA["dependentRequired"]) == set(REMOTE_KEYS)


def test_the_values_it_lists_are_the_writers() -> None:
    properties = SCHEMA["properties"]
    assert properties["schema"]["const"] == RECORD_SCHEMA
    assert tuple(properties["outcome"]["enum"]) == outcomes.OUTCOMES
    assert set(properties["exec_kind"]["enum"]) == {*EXEC_KINDS, None}
    effects = (pulumi.INFRA, pulumi.STATE, pulumi.LOCAL, pulumi.READ, pulumi.UNKNOWN)
    assert tuple(properties["effect"]["enum"]) == effects


def expected_keys(record: dict) -> tuple[str, ...]:
    keys = START_KEYS if record["phase"] == "start" else END_KEYS
    if "writer" in record:
        keys = (*keys[:-1], *REMOTE_KEYS, keys[-1])
    return keys


def check(records: list[dict]) -> None:
    for record in records:
        errors = [error.message for error in VALIDATOR.iter_errors(record)]
        assert errors == [], (errors, record)
        # JSON Schema cannot say in which order keys come; readers rely on it.
        assert tuple(record) == expected_keys(record)


def covered(records: list[dict]) -> None:
    """The spread reached what it is meant to: each shape a value of the record can take."""
    ends = [record for record in records if record["phase"] == "end"]
    assert {end["outcome"] for end in ends} == {
        "succeeded",
        "failed",
        "canceled",
        "changes-detected",
        "signaled",
    }
    assert any(end["signals"] == ["SIGINT"] for end in ends)
    assert any(end["signal"] == "SIGKILL" for end in ends)
    identities = [record["identity"] for record in records]
    assert any(identity["ci"] and identity["ci"]["repository"] for identity in identities)
    assert any(identity["agent"] and identity["agent"]["model"] for identity in identities)
    assert any(record["reason"] == "CHG-1234" for record in records)
    assert any(record["reveals_secrets"] for record in records)
    assert any("[redacted]" in record["argv"] for record in records)
    assert all(record["git"]["branch"] == "main" for record in records)
    assert {record["exec_kind"] for record in records} == {"cli", "auto.inline", None}
    assert any(record["automation_api"] for record in records)
    assert any(identity["sudo_user"] == "alice" for identity in identities)
    assert any(identity["parent_run_id"] for identity in identities)


def test_every_record_of_a_local_log_is_valid(sandbox: Sandbox) -> None:
    runs = run_spread(sandbox)
    records = sandbox.records()
    assert len(records) == 2 * runs
    check(records)
    covered(records)
    assert not any("writer" in record for record in records)


def test_every_record_of_a_remote_log_is_valid(sandbox: Sandbox, seaweedfs, s3_bucket, tmp_path):
    sandbox.env.update(remote_env(seaweedfs, s3_bucket))
    runs = run_spread(sandbox)
    wait_until_drained(sandbox)
    files = download(seaweedfs, s3_bucket, tmp_path / "copy")
    records = [json.loads(path.read_bytes()) for path in files]
    assert len(records) == 2 * runs
    check(records)
    covered(records)
    assert {record["seq"] for record in records} == set(range(1, 2 * runs + 1))


GOOD_END = {
    **dict.fromkeys(END_KEYS),
    "schema": "pulumi-audited/1",
    "id": "019aa35c-0b1e-7a42-9d0e-5f7c2b8e4a11",
    "run_id": "019aa35c-0b1e-7a42-9d0e-5f7c2b8e4a10",
    "phase": "end",
    "time": "2026-11-21T05:18:00.123456Z",
    "event": "stack-update-completed",
    "command": "up",
    "argv": ["up"],
    "identity": {
        "os_user": "a",
        "uid": 1000,
        "sudo_user": None,
        "git_email": None,
        "ci": None,
        "parent_run_id": None,
        "agent": None,
        "parents": ["bash"],
        "terminal": True,
    },
    "exec_kind": "cli",
    "automation_api": False,
    "effect": "infra",
    "reveals_secrets": False,
    "pid": 4242,
    "exit_code": 0,
    "outcome": "succeeded",
    "duration_ms": 12,
    "signals": [],
}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"outcome": "exploded"}, "is not one of"),
        ({"phase": "start"}, "False schema"),
        ({"surprise": 1}, "Additional properties"),
        ({"writer": "laptop-0a1b2c3d"}, "'seq' is a dependency of 'writer'"),
        ({"prev": "abc"}, "does not match"),
        ({"identity": {**GOOD_END["identity"], "agent": {"name": "x"}}}, "'model' is a required"),
        ({"identity": {**GOOD_END["identity"], "ci": {"system": "x", "n": 1}}}, "is not of type"),
    ],
)
def test_the_schema_refuses_what_no_writer_writes(change: dict, complaint: str) -> None:
    assert list(VALIDATOR.iter_errors(GOOD_END)) == []
    errors = [error.message for error in VALIDATOR.iter_errors({**GOOD_END, **change})]
    assert any(complaint in message for message in errors), errors


def test_an_end_record_without_its_outcome_is_refused() -> None:
    record = {key: value for key, value in GOOD_END.items() if key != "outcome"}
    assert [error.message for error in VALIDATOR.iter_errors(record)] == [
        "'outcome' is a required property"
    ]
