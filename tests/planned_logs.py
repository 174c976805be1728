"""Logs for the planned-versus-executed tests, made by the real shim in front of the
stand-in pulumi, and the viewer's answers about them through the installed console script."""

from __future__ import annotations

import json
import subprocess


def run(sandbox, *args: str, env: dict | None = None) -> str:
    """A recorded pulumi command; its run id."""
    result = sandbox.run(*args, env=env)
    assert result.returncode in (0, 7), result.stderr
    return sandbox.records()[-1]["run_id"]


def audit(sandbox, *args: str, env: dict | None = None) -> str:
    result = sandbox.run("audit", *args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode()


def git(sandbox, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=sandbox.project,
        check=True,
        capture_output=True,
    )


def commit(sandbox, text: str) -> None:
    (sandbox.project / "main.py").write_text(text)
    git(sandbox, "add", "main.py")
    git(sandbox, "commit", "-q", "-m", text)


def repository(sandbox) -> None:
    git(sandbox, "init", "-q", "-b", "main")
    commit(sandbox, "one")


def unplanned(sandbox, *options: str, env: dict | None = None) -> list[str]:
    """The run ids `log --unplanned` gives, newest first; the same, read oldest first."""
    newest = audit(sandbox, "log", "--unplanned", "--json", "-n", "0", *options, env=env)
    oldest = audit(
        sandbox, "log", "--unplanned", "--json", "-n", "0", "--reverse", *options, env=env
    )
    ids = [json.loads(line)["run_id"] for line in newest.splitlines()]
    assert [json.loads(line)["run_id"] for line in oldest.splitlines()] == ids[::-1]
    return ids


def links(sandbox, *options: str, env: dict | None = None) -> dict[str, str | None]:
    """Run id -> preview_run_id of each update, from `audit export` (both records agree)."""
    found: dict[str, str | None] = {}
    for record in json.loads(audit(sandbox, "export", "--format", "json", *options, env=env)):
        if record["command"] in ("up", "destroy", "refresh") and record["effect"] != "read":
            assert (
                found.setdefault(record["run_id"], record["preview_run_id"])
                == (record["preview_run_id"])
            )
        else:
            assert record["preview_run_id"] is None
    return found


def shown(sandbox, run_id: str, *options: str) -> dict:
    return json.loads(audit(sandbox, "show", run_id, "--json", *options))
