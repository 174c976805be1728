"""The shim imports almost nothing on the way to pulumi (its start-up is on every command).

Timing belongs in benchmarks/; this test checks the cause instead: which modules load.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from conftest import SHIM

# Each of these costs milliseconds to import (measured in benchmarks/README.md).
HEAVY = {
    "re",
    "json",
    "enum",
    "typing",
    "dataclasses",
    "pathlib",
    "signal",
    "socket",
    "subprocess",
    "hashlib",
    "datetime",
    "yaml",
    "click",
    "filelock",
    "platformdirs",
    "urllib",
    "logging",
    "boto3",
    "botocore",
    "azure",
    "tempfile",
    "inspect",
    "uuid",
    "configparser",
    "getpass",
    "cryptography",
}


def _imported_modules(sandbox, *args: str) -> set[str]:
    result = subprocess.run(
        [str(SHIM.parent / "python"), "-X", "importtime", str(SHIM), *args],
        env=sandbox.env,
        cwd=sandbox.project,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    names = set()
    for line in result.stderr.decode().splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


@pytest.mark.parametrize(
    "args",
    [
        ["up", "--yes", "--stack", "dev"],
        ["config", "set", "dbPassword", "hunter2", "--secret"],
        ["version"],
        ["__complete", "st"],
    ],
)
def test_no_heavy_module_is_imported(sandbox, args):
    sandbox.run(*args)  # warm the YAML cache, as every run after the first finds it
    modules = _imported_modules(sandbox, *args)
    assert not (modules & HEAVY), sorted(modules & HEAVY)


def test_passthrough_imports_only_the_shim_basics(sandbox):
    modules = _imported_modules(sandbox, "version")
    ours = {name for name in modules if name.startswith("pulumi_audited")}
    assert "pulumi_audited.capture.context" not in ours
    assert "pulumi_audited.process" not in ours
    assert "pulumi_audited.store.local" not in ours


def test_a_team_config_file_is_parsed_once_then_served_from_the_cache(sandbox):
    sandbox.write_config("on_failure: warn\n")
    assert "yaml" in _imported_modules(sandbox, "stack", "ls")
    assert "yaml" not in _imported_modules(sandbox, "stack", "ls")


def test_the_working_hours_setting_is_checked_without_a_heavy_module(sandbox):
    """The shim checks every setting it is given, `audit report`'s working hours included (a
    file's values once, then from the cache; a variable's on every run); their time zone is
    looked up (zoneinfo) by the report only."""
    sandbox.env["PULUMI_AUDITED_WORKING_HOURS"] = "Sun-Thu 09:00-17:30 Asia/Jerusalem"
    sandbox.run("up", "--yes")  # warm the YAML cache (Pulumi.yaml)
    modules = _imported_modules(sandbox, "up", "--yes")
    assert "pulumi_audited.working_hours" in modules
    assert not (modules & (HEAVY | {"zoneinfo", "__future__"})), sorted(modules & HEAVY)


def test_a_remote_log_adds_no_cloud_sdk_to_the_shim(sandbox, seaweedfs, s3_bucket):
    """The spool is written by the shim; the SDKs load in the detached shipper only."""
    sandbox.env.update(seaweedfs.environment())
    sandbox.env["PULUMI_AUDITED_LOG"] = f"s3://{s3_bucket}/hot"
    sandbox.run("preview")
    modules = _imported_modules(sandbox, "up", "--yes")
    assert not (modules & HEAVY), sorted(modules & HEAVY)
    assert "pulumi_audited.store.spool" in modules
    assert "pulumi_audited.store.shipper" not in modules


def test_a_signing_key_adds_nothing_to_the_shim(sandbox, seaweedfs, s3_bucket):
    """Checkpoints are signed by `audit sync` and by the detached shipper once a day: the
    shim with a signing key and checkpoints due loads neither `cryptography` nor the
    checkpoint modules, whether its log is local or remote; not even a local log's first run
    of the day, which starts the process that writes its checkpoint at the witness."""
    key = sandbox.root / "writer.key"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)], check=True)
    sandbox.env["PULUMI_AUDITED_SIGNING_KEY"] = str(key)
    sandbox.env["PULUMI_AUDITED_CHECKPOINTS"] = "true"
    sandbox.env["PULUMI_AUDITED_WITNESS"] = str(sandbox.root / "witness")
    for log in (None, f"s3://{s3_bucket}/hot"):
        if log is not None:
            sandbox.env.update(seaweedfs.environment(), PULUMI_AUDITED_LOG=log)
        sandbox.run("preview")
        if log is None:  # once that run's checkpoint is written, make the next the first
            state = sandbox.log_dir / "witness.day"
            deadline = time.monotonic() + 30
            while not state.exists():
                assert time.monotonic() < deadline, "no checkpoint was written at the witness"
                time.sleep(0.02)
            state.unlink()
        modules = _imported_modules(sandbox, "up", "--yes")
        if log is None:
            assert "pulumi_audited.store.witness_daily" in modules
        assert not (modules & HEAVY), sorted(modules & HEAVY)
        assert not {name for name in modules if "checkpoint" in name}


@pytest.mark.parametrize(
    ("marker", "path", "text"),
    [
        ("CLAUDECODE", ".claude/settings.local.json", '{"model": "opus"}'),
        ("CODEX_CI", ".codex/config.toml", 'model = "gpt-5-codex"\n[x]\ny = 1\n'),
        ("GEMINI_CLI", ".gemini/settings.json", '{"model": "gemini-2.5-pro"}'),
    ],
)
def test_reading_an_agents_settings_imports_nothing_heavy(sandbox, marker, path, text):
    settings = sandbox.home / path
    settings.parent.mkdir(parents=True)
    settings.write_text(text)
    sandbox.env[marker] = "1"
    sandbox.run("preview")
    modules = _imported_modules(sandbox, "preview")
    assert not (modules & (HEAVY | {"tomllib"})), sorted(modules & (HEAVY | {"tomllib"}))
    assert "pulumi_audited.capture.agent" in modules


def test_a_local_log_does_not_load_the_spool(sandbox):
    modules = _imported_modules(sandbox, "up", "--yes")
    assert "pulumi_audited.store.spool" not in modules
    assert "pulumi_audited.pulumi.events" not in modules  # the docs' event list, tests only


# Runs the shim's entry point as the console script does, counting the collections that run
# from `main` on; the count is written just before the shim's os._exit.
_COUNT_COLLECTIONS = """
import gc, sys
import pulumi_audited.shim as shim
counted = []
gc.callbacks.append(lambda phase, info: counted.append(info) if phase == "start" else None)
exit_now = shim._exit_now
def report(code):
    sys.stderr.write(f"collections={len(counted)}\\n")
    exit_now(code)
shim._exit_now = report
sys.argv[0] = "pulumi-audited"
counted.clear()
shim.main()
"""


def test_a_recorded_run_spends_no_time_collecting_garbage(sandbox):
    """Five collections over the objects that imports create cost a recorded run about 1 ms;
    the shim turns the collector off (the viewer turns it back on)."""
    sandbox.run("preview")
    result = subprocess.run(
        [str(SHIM.parent / "python"), "-c", _COUNT_COLLECTIONS, "preview", "--stack", "dev"],
        env=sandbox.env,
        cwd=sandbox.project,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode().splitlines()[-1] == "collections=0"
