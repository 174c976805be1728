"""A remote store that errs now and then, or not at all: retries and deadlines.

The store is real (SeaweedFS, Azurite); a proxy started by the test on 127.0.0.1 stands in
front of it and answers 500, 503, SlowDown, ServerBusy... on purpose (tests/faulty_proxy.py).
A server that accepts connections and never answers checks that `remote_timeout` rules the
viewer too.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from conftest import Sandbox
from faulty_proxy import Fault, FaultyProxy
from remote_logs import WRITERS, chained_lines, synthetic_records, upload
from remote_stores import Store, fresh_store
from servers import HangingServer
from test_store_and_forward import (
    check_chains,
    pending_files,
    shim_lines,
    wait_until_drained,
)

from pulumi_audited.store.remote import open_objects
from pulumi_audited.store.schemes import SCHEMES


# Every kind of "not now" an S3 endpoint (or the load balancer in front of it) answers, one
# request in eight, after the first two requests fail in a row.
def _spread(*faults: tuple[int, str], every: int = 8) -> list[Fault]:
    period = every * len(faults)
    return [
        Fault(
            status,
            code,
            pattern="." * (index * every) + "x" + "." * (period - 1 - index * every),
            repeat=True,
        )
        for index, (status, code) in enumerate(faults)
    ]


S3_FAULTS = [
    Fault(503, "SlowDown", pattern="xx"),
    *_spread(
        (503, "SlowDown"),
        (500, "InternalError"),
        (400, "RequestTimeout"),
        (502, ""),
        (504, ""),
        (429, ""),
    ),
]
AZURE_FAULTS = [
    Fault(503, "ServerBusy", pattern="xx"),
    *_spread(
        (503, "ServerBusy"),
        (500, "OperationTimedOut"),
        (500, "InternalError"),
        (503, ""),
        (429, ""),
    ),
]


@pytest.fixture(params=list(SCHEMES))
def store(request) -> Store:
    return fresh_store(request, request.param)


def _write_log(store: Store, monkeypatch, runs: int = 30) -> list[tuple[dict, bytes]]:
    for name, value in store.env().items():
        monkeypatch.setenv(name, value)
    lines = chained_lines(synthetic_records(runs, days=3), WRITERS)
    upload(open_objects(store.env()["PULUMI_AUDITED_LOG"]), "team", lines)
    return lines


def test_audit_log_rides_out_server_errors_and_throttling(
    sandbox: Sandbox, store: Store, monkeypatch
) -> None:
    lines = _write_log(store, monkeypatch)
    direct = sandbox.run("audit", "log", "--json", "-n", "0", env=store.env(), text=True)
    assert direct.returncode == 0, direct.stderr
    assert len(direct.stdout.splitlines()) == len({r["run_id"] for r, _ in lines})

    faults = S3_FAULTS if store.scheme == "s3" else AZURE_FAULTS
    proxy = FaultyProxy(store.port, faults=[replace(f, seen=0) for f in faults])
    try:
        for command in (("log", "--json", "-n", "0"), ("verify", "--json")):
            sandbox.env.update({"XDG_CACHE_HOME": str(sandbox.root / f"cache-{command[0]}")})
            result = sandbox.run("audit", *command, env=store.env(proxy.endpoint), text=True)
            assert result.returncode == 0, result.stderr
            if command[0] == "log":
                assert result.stdout == direct.stdout
            else:
                assert json.loads(result.stdout)["records"] == len(lines)
    finally:
        proxy.stop()
    broken = {(item.status, item.method) for item in proxy.injected()}
    expected = {(fault.status, "GET") for fault in faults}
    assert broken == expected, "every kind of fault was answered at least once"


def test_a_recorded_run_ships_through_errors_and_a_lost_answer(
    sandbox: Sandbox, store: Store
) -> None:
    """The start record's first write reaches the store but its answer is a 500: the retry
    is refused as existing, the bytes are ours, so it counts as shipped. The end record's
    first two writes get 503 SlowDown / ServerBusy."""
    busy = "SlowDown" if store.scheme == "s3" else "ServerBusy"
    proxy = FaultyProxy(
        store.port,
        faults=[
            Fault(500, "InternalError", pattern="x", methods=("PUT",), forward=True),
            Fault(503, busy, pattern="..xx", methods=("PUT",)),
        ],
    )
    try:
        result = sandbox.run(
            "up",
            "--yes",
            env={**store.env(proxy.endpoint), "FAKE_PULUMI_DURATION": "3"},
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert shim_lines(result.stderr) == [], result.stderr
        wait_until_drained(sandbox)
    finally:
        proxy.stop()
    assert pending_files(sandbox) == []
    puts = [(item.status, item.injected) for item in proxy.seen if item.method == "PUT"]
    refused = 412 if store.scheme == "s3" else 409
    assert puts[:2] == [(500, True), (refused, False)], puts  # written, then found there
    assert puts[2:4] == [(503, True), (503, True)], puts
    records = store.records()
    assert sorted(r["phase"] for r in records) == ["end", "start"]
    check_chains(records)


def _viewer_seconds(sandbox: Sandbox, store: Store, endpoint: str, timeout: float) -> float:
    began = time.monotonic()
    result = sandbox.run(
        "audit",
        "log",
        env={**store.env(endpoint), "PULUMI_AUDITED_REMOTE_TIMEOUT": f"{timeout:g}"},
        text=True,
    )
    elapsed = time.monotonic() - began
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "did not answer" in lines[0], result.stderr
    return elapsed


def test_the_viewer_gives_up_on_a_silent_store_after_remote_timeout(
    sandbox: Sandbox, store: Store
) -> None:
    hanging = HangingServer()
    try:
        short = _viewer_seconds(sandbox, store, hanging.endpoint, 1)
        long = _viewer_seconds(sandbox, store, hanging.endpoint, 5)
    finally:
        hanging.stop()
    assert 1 <= short < 1 + 3, short
    assert 5 <= long < 5 + 3, long
