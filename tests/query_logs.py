"""Records written by the real shim, for the schema and query tests: a spread of commands run
through the installed console script, and a bucket copied to a local folder as it is laid
out (and, until compaction is in main, its days made into segments in the agreed layout)."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
from pathlib import Path

from conftest import SHIM, Sandbox
from servers import SeaweedFS

from pulumi_audited.store import layout

CI = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_ACTOR": "octocat",
    "GITHUB_REPOSITORY": "acme/infra",
    "GITHUB_RUN_ID": "42",
    "GITHUB_REF": "refs/heads/main",
    "GITHUB_WORKFLOW": "deploy",
}


def run(sandbox: Sandbox, *args: str, **env: str) -> subprocess.CompletedProcess:
    result = sandbox.run(*args, env=env, text=True)
    assert not result.stderr.startswith("pulumi-audited:"), result.stderr
    return result


def run_spread(sandbox: Sandbox) -> int:
    """Engine operations, a secret, an environment, an agent, CI, sudo, the Automation API,
    pulumi run by pulumi, a failure, death by a signal and a SIGINT forwarded mid-run;
    returns how many runs were recorded."""
    _git_repository(sandbox.project)
    runs = [
        ("up", "--yes", "--stack", "dev"),
        ("preview", "--expect-no-changes", {"FAKE_PULUMI_CHANGES": "1"}),
        ("config", "set", "--secret", "dbPass", "hunter2"),
        ("env", "open", "acme/prod-env"),
        ("env", "open", "acme/prod-env", {"FAKE_PULUMI_REFUSE_TOKEN": "1"}),
        ("stack", "ls", {"CLAUDECODE": "1", "ANTHROPIC_MODEL": "claude-sonnet-4-5"}),
        ("up", "--yes", {**CI, "PULUMI_AUDITED_REASON": "CHG-1234"}),
        ("destroy", "--yes", {"FAKE_PULUMI_EXIT": "1"}),
        ("refresh", "--yes", {"FAKE_PULUMI_SIGNAL": "SIGKILL"}),
        ("--non-interactive", "whoami", "-v", "--json", {"SUDO_USER": "alice"}),
        ("preview", "--exec-kind", "auto.inline", {"PULUMI_AUTOMATION_API": "true"}),
        ("stack", "output", {"PULUMI_AUDITED_RUN_ID": "019aa35c-0b1e-7a42-9d0e-5f7c2b8e4a10"}),
    ]
    for item in runs:
        env = item[-1] if isinstance(item[-1], dict) else {}
        args = [part for part in item if isinstance(part, str)]
        run(sandbox, *args, **env)
    interrupt_an_update(sandbox)
    return len(runs) + 1


def interrupt_an_update(sandbox: Sandbox) -> None:
    """Ctrl-C in the middle of `up`: the shim forwards it and pulumi cancels."""
    before = len(sandbox.standin_events("ready"))
    proc = subprocess.Popen(
        [str(SHIM), "up", "--yes"],
        cwd=sandbox.project,
        env={**sandbox.env, "FAKE_PULUMI_DURATION": "30"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        sandbox.wait_for_standin("ready", count=before + 1)
        os.kill(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=30) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _git_repository(folder: Path) -> None:
    git = ["git", "-C", str(folder), "-c", "user.email=dev@example.com", "-c", "user.name=Dev"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "first"], check=True)


def download(server: SeaweedFS, bucket: str, into: Path) -> list[Path]:
    """Every object of `bucket` as a file at its key under `into`: a local copy."""
    client = server.client()
    files = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            path = into / item["Key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
            files.append(path)
    return files


def make_segments(copy: Path, prefix: str, per_day: int = 1) -> list[Path]:
    """Each day of the local copy's raw records as gzip JSON Lines segments, in time order
    (ids are UUIDv7s), at layout.segment_key: what compaction writes."""
    written = []
    for day_folder in sorted((copy / layout.root(prefix)).glob(f"{layout.DATE_KEY}*")):
        day = day_folder.name[len(layout.DATE_KEY) :]
        objects = sorted(day_folder.glob(f"*{layout.SUFFIX}"))
        size = -(-len(objects) // per_day)
        for number, start in enumerate(range(0, len(objects), size), 1):
            path = copy / layout.segment_key(prefix, day, f"{day}-{number:04d}")
            path.parent.mkdir(parents=True, exist_ok=True)
            lines = b"".join(item.read_bytes() for item in objects[start : start + size])
            path.write_bytes(gzip.compress(lines, compresslevel=6, mtime=0))
            written.append(path)
    return written
