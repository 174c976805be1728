"""The record's key order is one fact (record.START_KEYS / END_KEYS), and every reader that
relies on it by byte position works on freshly built records of each phase and kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_audited.capture.context import capture_context
from pulumi_audited.pulumi.cli import parse
from pulumi_audited.record import END_KEYS, REMOTE_KEYS, START_KEYS, end_record, start_record
from pulumi_audited.store import remote_read
from pulumi_audited.store.chain import RECORD_PREFIX, line_hash
from pulumi_audited.store.local import LocalLog
from pulumi_audited.store.spool import Spool
from pulumi_audited.store.verify import _tail_prev

ARGV = ["up", "--yes", "--stack", "dev", "--config", "token=hunter2"]


def _records(environ: dict[str, str]) -> list[dict]:
    invocation = parse(ARGV)
    context = capture_context(invocation, environ)
    start = start_record(
        run_id="01a2b3c4-0000-7000-8000-000000000000",
        now_ns=1_796_000_000_000_000_000,
        invocation=invocation,
        context=context,
        reason="CHG-1",
    )
    end = end_record(
        start,
        now_ns=1_796_000_001_000_000_000,
        invocation=invocation,
        wait_status=0,
        duration_ms=1000,
        signals=[],
    )
    return [start, end]


def _local_lines(folder: Path, records: list[dict]) -> list[bytes]:
    log = LocalLog(str(folder))
    for record in records:
        log.append(dict(record))
    (day_file,) = folder.glob("*.jsonl")
    return day_file.read_bytes().splitlines()


def _remote_lines(folder: Path, records: list[dict]) -> list[bytes]:
    spool = Spool(str(folder), "s3://audit/log?region=us-east-1")
    for record in records:
        spool.append(dict(record))
    pending = sorted(Path(spool.pending_folder).iterdir())
    return [path.read_bytes().rstrip(b"\n") for path in pending]


@pytest.mark.parametrize("kind", ["local", "remote"])
def test_every_fast_path_reads_fresh_records(tmp_path: Path, kind: str) -> None:
    environ = {"HOME": str(tmp_path), "PULUMI_HOME": str(tmp_path / ".pulumi")}
    records = _records(environ)
    assert tuple(records[0]) == START_KEYS
    assert tuple(records[1]) == END_KEYS
    write = _local_lines if kind == "local" else _remote_lines
    lines = write(tmp_path / kind, records)
    assert len(lines) == 2
    previous = None
    for line, keys in zip(lines, (START_KEYS, END_KEYS), strict=True):
        parsed = json.loads(line)
        extra = REMOTE_KEYS if kind == "remote" else ()
        assert tuple(parsed) == (*keys[:-1], *extra, "prev")
        assert line.startswith(RECORD_PREFIX)
        assert _tail_prev(line) == (True, previous)
        if kind == "remote":
            head = remote_read._HEAD.match(line)
            tail = remote_read._TAIL.search(line + b"\n")
            assert head is not None and tail is not None
            assert head.group(1).decode() == parsed["id"]
            assert head.group(2).decode() == parsed["time"][:10]
            assert (tail.group(1).decode(), int(tail.group(2))) == (parsed["writer"], parsed["seq"])
        # The viewer's byte needles: every string field appears as canonical `"key":"value"`.
        for key, value in parsed.items():
            if isinstance(value, str):
                assert f'"{key}":{json.dumps(value)}'.encode() in line
        assert b"hunter2" not in line
        previous = line_hash(line)
