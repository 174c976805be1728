"""`audit doctor`, and `audit sync`'s once-per-location check that the store keeps records
create-only: against SeaweedFS and Azurite (which refuse a second create-only write), and
through a proxy that plays a store ignoring If-None-Match (it overwrites)."""

from __future__ import annotations

import json

import pytest
from conftest import Sandbox
from faulty_proxy import Fault, FaultyProxy
from remote_stores import Store, fresh_store
from servers import free_port
from test_store_and_forward import pending_files, shim_lines

from pulumi_audited.store.schemes import SCHEMES


@pytest.fixture(params=list(SCHEMES))
def store(request) -> Store:
    return fresh_store(request, request.param)


def doctor(sandbox: Sandbox, env: dict[str, str]) -> tuple[int, dict, str]:
    result = sandbox.run("audit", "doctor", "--json", env=env, text=True)
    text = sandbox.run("audit", "doctor", env=env, text=True)
    assert text.returncode == result.returncode
    assert "Traceback" not in result.stderr + text.stderr
    return result.returncode, json.loads(result.stdout), text.stdout


def checks(report: dict) -> dict[str, dict]:
    return {check["check"]: check for check in report["checks"]}


def _probe_keys(proxy: FaultyProxy, method: str = "PUT") -> list[str]:
    return [seen.path for seen in proxy.seen if seen.method == method and "/_probe/" in seen.path]


def test_doctor_on_a_healthy_remote_log(sandbox: Sandbox, store: Store) -> None:
    code, report, text = doctor(sandbox, store.env())
    assert code == 0, text
    found = checks(report)
    assert found["reachable"]["ok"] is True
    assert found["create-only"]["ok"] is True
    assert "refused" in found["create-only"]["detail"]
    assert "the probe was deleted" in found["create-only"]["detail"]
    assert found["spool"]["ok"] is True
    assert "no problems found" in text
    assert store.records() == []  # the probe is gone, and no record was written


def test_a_probe_left_behind_is_ignored_by_the_readers(sandbox: Sandbox, store: Store) -> None:
    """Writers usually may not delete: the probe stays under _probe/, where no reader looks."""
    assert sandbox.run("preview", env=store.env(), text=True).returncode == 0
    proxy = FaultyProxy(
        store.port, faults=[Fault(403, "AccessDenied", methods=("DELETE",), repeat=True)]
    )
    try:
        code, report, _ = doctor(sandbox, store.env(proxy.endpoint))
    finally:
        proxy.stop()
    assert code == 0, report
    detail = checks(report)["create-only"]["detail"]
    assert "left at" in detail and "/team/v1/_probe/create-only-" in detail, detail
    assert len(_probe_keys(proxy, "DELETE")) == 2  # once per doctor run, refused
    verified = sandbox.run("audit", "verify", "--json", env=store.env(), text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["records"] == 2
    shown = sandbox.run("audit", "log", "--json", env=store.env(), text=True)
    assert shown.returncode == 0 and len(shown.stdout.splitlines()) == 1


def test_doctor_warns_when_the_store_overwrites(sandbox: Sandbox, store: Store) -> None:
    proxy = FaultyProxy(store.port, overwrite=store.overwrite)
    try:
        code, report, text = doctor(sandbox, store.env(proxy.endpoint))
    finally:
        proxy.stop()
    assert code == 1
    found = checks(report)
    assert found["reachable"]["ok"] is True
    assert found["create-only"]["ok"] is False
    assert "was accepted" in found["create-only"]["detail"]
    assert "FAIL" in text and "WARNING" in text and "1 problem(s) found" in text


def test_doctor_reports_an_unreachable_store_and_waiting_records(
    sandbox: Sandbox, seaweedfs, s3_bucket: str
) -> None:
    dead = {
        **seaweedfs.environment(),
        "PULUMI_AUDITED_LOG": f"s3://{s3_bucket}/team",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
    }
    result = sandbox.run("preview", env={**dead, "FAKE_PULUMI_DURATION": "0.5"}, text=True)
    assert len(shim_lines(result.stderr)) == 1
    code, report, _ = doctor(sandbox, dead)
    assert code == 1
    found = checks(report)
    assert found["reachable"]["ok"] is False
    assert "connection refused" in found["reachable"]["detail"]
    assert found["create-only"]["ok"] is None
    assert found["spool"]["ok"] is False and "2 record(s) wait" in found["spool"]["detail"]
    # Another machine setting: the records wait in a spool that is not this log's.
    elsewhere = {**seaweedfs.environment(), "PULUMI_AUDITED_LOG": f"s3://{s3_bucket}/other"}
    code, report, _ = doctor(sandbox, elsewhere)
    assert code == 1
    name = pending_files(sandbox)[0].parent.parent.name
    assert checks(report)[f"spool {name}"]["ok"] is False
    assert checks(report)["spool"]["ok"] is True  # the current log's own spool is empty


def test_doctor_on_a_local_log(sandbox: Sandbox) -> None:
    code, report, _ = doctor(sandbox, {})
    assert code == 0
    assert checks(report)["writable"]["ok"] is True
    sandbox.log_dir.write_text("a file where the log folder should be\n")
    code, report, _ = doctor(sandbox, {})
    assert code == 1 and checks(report)["writable"]["ok"] is False


def _spool_two_records(sandbox: Sandbox, store: Store) -> None:
    """Records for `store`'s log, spooled while its endpoint did not answer."""
    dead = f"http://127.0.0.1:{free_port()}"
    result = sandbox.run("preview", env=store.env(dead), text=True)
    assert result.returncode == 0


@pytest.mark.parametrize("enforced", [True, False])
def test_sync_checks_create_only_once_per_location(
    sandbox: Sandbox, store: Store, enforced: bool
) -> None:
    proxy = FaultyProxy(store.port, overwrite=None if enforced else store.overwrite)
    try:
        for attempt in range(2):
            _spool_two_records(sandbox, store)
            assert len(pending_files(sandbox)) == 2
            sync = sandbox.run("audit", "sync", env=store.env(proxy.endpoint), text=True)
            assert sync.returncode == 0, sync.stderr
            assert pending_files(sandbox) == []
            warned = [line for line in sync.stderr.splitlines() if "WARNING" in line]
            if enforced:
                assert warned == [], sync.stderr
            else:  # said every time, from what was found the first time
                assert len(warned) == 1 and "does not refuse" in warned[0], sync.stderr
            # The probe was written twice on the first sync, and not again.
            assert len(_probe_keys(proxy)) == 2, (attempt, _probe_keys(proxy))
    finally:
        proxy.stop()
    assert len(store.records()) == 4
