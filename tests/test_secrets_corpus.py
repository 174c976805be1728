"""The secrets corpus (tests/secrets_corpus.py) through the installed shim: no canary may reach
anything the shim writes or prints.

All cases run in one sandbox (and the remote subset in a second one, against SeaweedFS), then
each case is checked on its own: its canary is unique, so a leak found anywhere names it.
Surfaces: every byte under the log folder, the shim's stdout and stderr (minus what the
stand-in prints on its own for the same command line), `audit log`, `audit log --json`,
`audit show <run>` for every run, every `audit export --format`;
for the remote subset also every byte of the spool, of the bucket and of the viewer's cache.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import Sandbox
from secrets_corpus import CASES, REMOTE_CASES, Case
from servers import SeaweedFS, free_port

from pulumi_audited.viewer.commands.export import FORMATS as EXPORT_FORMATS

WORKERS = 2


@dataclass(repr=False)
class Surfaces:
    """What the shim left behind, by surface name; per case for its own output."""

    shared: dict[str, bytes] = field(default_factory=dict)
    outputs: dict[str, bytes] = field(default_factory=dict)


def _all_bytes(folder: Path) -> bytes:
    if not folder.exists():
        return b""
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def _run_cases(sandbox: Sandbox, cases: list[Case]) -> dict[str, subprocess.CompletedProcess]:
    def run(item: Case) -> tuple[str, subprocess.CompletedProcess]:
        return item.id, sandbox.run(*item.argv, env=item.env)

    with ThreadPoolExecutor(WORKERS) as pool:
        return dict(pool.map(run, cases))


def _outputs(
    sandbox: Sandbox, cases: list[Case], results: dict[str, subprocess.CompletedProcess]
) -> dict[str, bytes]:
    """The shim's stdout and stderr per case, without the lines the stand-in prints itself
    (it may echo an argument in an error message: that is pulumi's output, not the shim's)."""
    outputs = {}
    for item in cases:
        result = results[item.id]
        shown = result.stdout + result.stderr
        if item.canary.encode() in shown:
            direct = sandbox.run_direct(*item.argv, env=item.env)
            own = Counter((direct.stdout + direct.stderr).splitlines())
            kept = []
            for line in shown.splitlines():
                if own[line] > 0:
                    own[line] -= 1
                else:
                    kept.append(line)
            shown = b"\n".join(kept)
        outputs[item.id] = shown
    return outputs


def _viewer(sandbox: Sandbox) -> dict[str, bytes]:
    def audit(*args: str) -> bytes:
        result = sandbox.run("audit", *args)
        assert result.returncode == 0, (args, result.stderr)
        return result.stdout + result.stderr

    surfaces = {
        "audit log": audit("log", "-n", "0"),
        "audit log --json": audit("log", "-n", "0", "--json"),
        **{f"audit export {fmt}": audit("export", "--format", fmt) for fmt in EXPORT_FORMATS},
    }
    run_ids = [json.loads(line)["run_id"] for line in surfaces["audit log --json"].splitlines()]
    with ThreadPoolExecutor(WORKERS) as pool:
        shown = list(pool.map(lambda run_id: audit("show", run_id), run_ids))
    surfaces["audit show"] = b"".join(shown)
    return surfaces


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Surfaces:
    sandbox = Sandbox(tmp_path_factory.mktemp("corpus"))
    results = _run_cases(sandbox, CASES)
    surfaces = Surfaces(outputs=_outputs(sandbox, CASES, results))
    records = sandbox.records()
    assert len(records) == 2 * len(CASES), "every case writes its start and end record"
    surfaces.shared["log folder"] = _all_bytes(sandbox.log_dir)
    surfaces.shared.update(_viewer(sandbox))
    return surfaces


def _spool(sandbox: Sandbox) -> Path:
    return sandbox.root / "xdg-data" / "pulumi-audited" / "spool"


def _bucket_bytes(server: SeaweedFS, bucket: str) -> tuple[int, bytes]:
    client = server.client()
    count, data = 0, []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            count += 1
            data.append(item["Key"].encode())
            data.append(client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
    return count, b"".join(data)


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory, seaweedfs: SeaweedFS) -> Surfaces:
    sandbox = Sandbox(tmp_path_factory.mktemp("corpus-remote"))
    bucket = seaweedfs.create_bucket("secrets-corpus")
    sandbox.env.update(seaweedfs.environment())
    sandbox.env["PULUMI_AUDITED_LOG"] = f"s3://{bucket}/team"
    # The store is down while the cases run, so every record waits in the spool to be read.
    live_endpoint = sandbox.env["AWS_ENDPOINT_URL"]
    sandbox.env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    results = _run_cases(sandbox, REMOTE_CASES)
    surfaces = Surfaces(outputs=_outputs(sandbox, REMOTE_CASES, results))
    spooled = _all_bytes(_spool(sandbox))
    assert spooled.count(b'"phase":"end"') == len(REMOTE_CASES), "records wait in the spool"

    sandbox.env["AWS_ENDPOINT_URL"] = live_endpoint
    synced = sandbox.run("audit", "sync")
    assert synced.returncode == 0, synced.stderr
    deadline = time.monotonic() + 60
    while list(_spool(sandbox).glob("*/pending/*.jsonl")):
        assert time.monotonic() < deadline, "the spool never drained"
        time.sleep(0.1)
    count, stored = _bucket_bytes(seaweedfs, bucket)
    assert count == 2 * len(REMOTE_CASES), "every record reached the bucket"

    surfaces.shared["spool"] = spooled + _all_bytes(_spool(sandbox))
    surfaces.shared["sync output"] = synced.stdout + synced.stderr
    surfaces.shared["bucket"] = stored
    surfaces.shared.update(_viewer(sandbox))
    cache = sandbox.root / "xdg-cache"
    surfaces.shared["viewer cache"] = _all_bytes(cache)
    assert surfaces.shared["viewer cache"], "the viewer cached what it read"
    return surfaces


def _leaks(surfaces: Surfaces, item: Case) -> list[str]:
    canary = item.canary.encode()
    found = [name for name, data in surfaces.shared.items() if canary in data]
    if canary in surfaces.outputs[item.id]:
        found.append("shim stdout/stderr")
    return found


@pytest.mark.parametrize("item", CASES, ids=[item.id for item in CASES])
def test_no_canary_leaks(local: Surfaces, item: Case) -> None:
    leaks = _leaks(local, item)
    assert not leaks, f"{item.canary} of {list(item.argv)} {item.env} leaked into {leaks}"


@pytest.mark.parametrize("item", REMOTE_CASES, ids=[item.id for item in REMOTE_CASES])
def test_no_canary_leaks_with_a_remote_log(remote: Surfaces, item: Case) -> None:
    leaks = _leaks(remote, item)
    assert not leaks, f"{item.canary} of {list(item.argv)} {item.env} leaked into {leaks}"
