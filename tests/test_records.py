"""What the records say: fields, context resolved as pulumi resolves it, and no secrets."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess

import pytest
from conftest import SHIM, runs_by_id
from pulumi_files import cloud_login, select_stack, write_credentials, write_project

from pulumi_audited.record import END_KEYS, START_KEYS

RFC3339_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _only_run(sandbox) -> dict[str, dict]:
    (run,) = runs_by_id(sandbox.records()).values()
    return run


def test_start_and_end_fields(sandbox):
    assert sandbox.run("up", "--yes", "--stack", "dev").returncode == 0
    run = _only_run(sandbox)
    start, end = run["start"], run["end"]
    assert tuple(start) == START_KEYS
    assert tuple(end) == END_KEYS
    assert start["schema"] == "pulumi-audited/1"
    assert UUID7.match(start["id"]) and UUID7.match(start["run_id"]) and UUID7.match(end["id"])
    assert start["id"] != end["id"] and start["run_id"] == end["run_id"]
    assert RFC3339_MICROS.match(start["time"]) and RFC3339_MICROS.match(end["time"])
    assert start["time"] <= end["time"]
    assert (start["phase"], end["phase"]) == ("start", "end")
    assert (start["event"], end["event"]) == ("stack-update-started", "stack-update-completed")
    assert start["command"] == "up"
    assert start["argv"] == ["up", "--yes", "--stack", "dev"]
    assert start["stack"] == "organization/webapp/dev"
    assert start["project"] == "webapp"
    assert start["backend"] == f"file://{sandbox.state}"
    assert start["cwd"] == str(sandbox.project)
    assert start["exec_kind"] == "cli"
    assert start["automation_api"] is False
    assert start["effect"] == "infra"
    assert start["reveals_secrets"] is False
    assert start["host"] == os.uname().nodename
    assert start["user"] == start["identity"]["os_user"]
    assert end["exit_code"] == 0 and end["outcome"] == "succeeded"
    assert isinstance(end["duration_ms"], int) and end["duration_ms"] >= 0
    assert end["signal"] is None and end["signals"] == []
    assert start["prev"] is None
    line = sandbox.raw_log().split(b"\n")[0]
    assert end["prev"] == hashlib.sha256(line).hexdigest()


def test_aliases_fold_into_the_canonical_command(sandbox):
    sandbox.run("update", "--yes", "-s", "dev")
    sandbox.run("pre", "-s", "dev")
    sandbox.run("stack", "init", "staging")
    commands = [r["command"] for r in sandbox.records() if r["phase"] == "start"]
    assert commands == ["up", "preview", "stack new"]


def test_preview_is_recorded_with_its_own_event(sandbox):
    sandbox.run("preview", "-s", "dev")
    run = _only_run(sandbox)
    assert run["start"]["event"] == "stack-preview-started"
    assert run["end"]["event"] == "stack-preview-completed"
    assert run["start"]["effect"] == "read"


def test_expect_no_changes_outcome(sandbox):
    sandbox.run("preview", "-s", "dev", "--expect-no-changes", env={"FAKE_PULUMI_CHANGES": "1"})
    end = _only_run(sandbox)["end"]
    assert end["exit_code"] == 7 and end["outcome"] == "changes-detected"


def test_stack_comes_from_the_workspace_file_written_by_stack_select(sandbox):
    assert sandbox.run("stack", "select", "prod").returncode == 0
    # What pulumi's `stack select prod` leaves behind (the stand-in keeps no state).
    select_stack(sandbox.pulumi_dir, sandbox.webapp, sandbox.backend, "organization/webapp/prod")
    assert sandbox.run("preview").returncode == 0
    select, preview = [r for r in sandbox.records() if r["phase"] == "start"]
    assert select["stack"] == "organization/webapp/prod"
    assert select["event"] == "stack-selected"
    assert preview["stack"] == "organization/webapp/prod"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PULUMI_OPTION_STACK": "from-option", "PULUMI_STACK": "from-stack"}, "from-option"),
        ({"PULUMI_STACK": "from-stack"}, "from-stack"),
    ],
)
def test_stack_environment_variables(sandbox, env, expected):
    sandbox.run("preview", env=env)
    assert _only_run(sandbox)["start"]["stack"] == f"organization/webapp/{expected}"


def test_cwd_flag_changes_the_project(sandbox):
    other = sandbox.root / "other"
    write_project(other, "billing", runtime="go")
    sandbox.run("-C", str(other), "preview", "-s", "dev")
    start = _only_run(sandbox)["start"]
    assert start["project"] == "billing"
    assert start["cwd"] == str(other)
    assert start["stack"] == "organization/billing/dev"


def test_backend_credentials_are_stripped(sandbox):
    url = "postgres://admin:hunter2pass@db.internal:5432/state"
    sandbox.run("preview", "-s", "dev", env={"PULUMI_BACKEND_URL": url})
    start = _only_run(sandbox)["start"]
    assert start["backend"].startswith("postgres://admin:")
    assert b"hunter2pass" not in sandbox.raw_log()


def test_pulumi_cloud_user_comes_from_credentials(sandbox):
    token = "pul-" + "a" * 40
    cloud_login(sandbox.pulumi_dir, "https://api.pulumi.com", token, "alice")
    sandbox.run("preview", "-s", "dev", env={"PULUMI_BACKEND_URL": ""})
    start = _only_run(sandbox)["start"]
    assert start["backend"] == "https://api.pulumi.com"
    assert start["user"] == "alice"
    assert token.encode() not in sandbox.raw_log()


def test_backend_and_its_selected_stack_in_pulumis_order(sandbox):
    """PULUMI_BACKEND_URL, else the project's backend.url, else credentials' `current`; the
    stack is the one the workspace file selects for that backend (files as pulumi writes them)."""
    project_url = f"file://{sandbox.root / 'project-state'}"
    creds_url = f"file://{sandbox.root / 'creds-state'}"
    write_credentials(sandbox.pulumi_dir, current=creds_url)
    for url, name in ((project_url, "from-project"), (creds_url, "from-creds")):
        select_stack(sandbox.pulumi_dir, sandbox.webapp, url, f"organization/webapp/{name}")
    unset = {"PULUMI_BACKEND_URL": ""}
    write_project(sandbox.project, "webapp", backend_url=project_url)
    sandbox.run("preview")
    sandbox.run("preview", env=unset)
    write_project(sandbox.project, "webapp")
    sandbox.run("preview", env=unset)
    starts = [r for r in sandbox.records() if r["phase"] == "start"]
    assert [(s["project"], s["backend"], s["stack"]) for s in starts] == [
        ("webapp", sandbox.backend, "organization/webapp/dev"),
        ("webapp", project_url, "organization/webapp/from-project"),
        ("webapp", creds_url, "organization/webapp/from-creds"),
    ]


SECRET = "Sup3rS3cretValue"


@pytest.mark.parametrize(
    "args",
    [
        ["config", "set", "dbPassword", SECRET, "--secret"],
        ["config", "set", "apiToken", SECRET],
        ["config", "set-all", "--secret", f"key={SECRET}", "--plaintext", "region=eu"],
        ["config", "set-all", "--json", json.dumps({"a": {"value": SECRET, "secret": True}})],
        ["up", "--yes", "-c", f"dbPassword={SECRET}", "-s", "dev"],
        ["preview", f"--config=adminPassword={SECRET}", "-s", "dev"],
        ["env", "set", "org/env", "db.password", SECRET, "--secret"],
        ["env", "run", "org/env", "--", "psql", f"--password={SECRET}"],
        ["login", f"postgres://user:{SECRET}@db/state"],
        ["login", "--oidc-token", SECRET],
        ["stack", "migrate", f"postgres://user:{SECRET}@db/state"],
        ["api", "/api/user", "-H", f"Authorization: token {SECRET}"],
        ["deployment", "run", "update", "--env-secret", f"DB={SECRET}"],
        ["stack", "ls", "pul-" + "0123456789" * 4],
        ["stack", "ls", "AKIA" + "ABCDEFGHIJKLMNOP"],
    ],
)
def test_secrets_never_reach_the_log(sandbox, args):
    result = sandbox.run(*args)
    assert result.returncode == 0, result.stderr
    raw = sandbox.raw_log()
    assert raw, "the run must be recorded"
    for secret in (SECRET, "pul-" + "0123456789" * 4, "AKIAABCDEFGHIJKLMNOP"):
        assert secret.encode() not in raw
    assert b"[redacted]" in raw


def test_secret_environment_values_are_never_recorded(sandbox):
    env = {
        "PULUMI_CONFIG_PASSPHRASE": "passphrase-" + SECRET,
        "AWS_SECRET_ACCESS_KEY": "aws-" + SECRET,
        "PULUMI_ACCESS_TOKEN": "token-" + SECRET,
    }
    sandbox.run("up", "--yes", "-s", "dev", env=env)
    assert SECRET.encode() not in sandbox.raw_log()


def test_commands_that_reveal_secrets_are_marked(sandbox):
    sandbox.run("stack", "output", "--show-secrets", "-s", "dev")
    sandbox.run("stack", "output", "-s", "dev")
    sandbox.run("env", "open", "org/project/env")
    starts = [r for r in sandbox.records() if r["phase"] == "start"]
    assert [s["reveals_secrets"] for s in starts] == [True, False, True]
    assert starts[2]["event"] == "environment-open"


def test_reason_is_recorded_and_redacted(sandbox):
    reason = "CHANGE-1234 rotate keys pul-" + "f" * 40
    sandbox.run("up", "--yes", "-s", "dev", env={"PULUMI_AUDITED_REASON": reason})
    start = _only_run(sandbox)["start"]
    assert start["reason"].startswith("CHANGE-1234 rotate keys ")
    assert "f" * 40 not in start["reason"]


def test_exec_kind_is_cli_for_a_command_run_by_hand(sandbox):
    # 'cli' for commands that define --exec-kind, None for the others
    # (pkg/cmd/pulumi/metadata/metadata.go).
    sandbox.run("up", "--yes", "--stack", "dev")
    assert _only_run(sandbox)["start"]["exec_kind"] == "cli"
    sandbox.run("stack", "ls")
    records = [record for record in sandbox.records() if record["command"] == "stack list"]
    assert records and all(record["exec_kind"] is None for record in records)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, False),
        ({"PULUMI_AUTOMATION_API": "TRUE"}, True),
        ({"PULUMI_AUTOMATION_API": "1"}, False),
    ],
)
def test_automation_api_flag(sandbox, env, expected):
    sandbox.run("stack", "ls", env=env)
    start = _only_run(sandbox)["start"]
    assert start["automation_api"] is expected
    assert start["exec_kind"] in (None, "cli", "auto.local", "auto.inline")


def test_automation_api_python_shape(sandbox):
    """Python's Automation API: --non-interactive first, then the command and its flags."""
    env = {"PULUMI_AUTOMATION_API": "true"}
    version = sandbox.run("version", env=env)
    assert version.stdout == b"v3.259.0\n"
    args = [
        "--non-interactive",
        "up",
        "--yes",
        "--skip-preview",
        "--stack",
        "org/webapp/dev",
        "--exec-kind",
        "auto.local",
        "--client=127.0.0.1:51234",
        "--event-log",
        str(sandbox.root / "events.log"),
    ]
    result = sandbox.run(*args, env=env)
    assert result.returncode == 0, result.stderr
    (start,) = [r for r in sandbox.records() if r["phase"] == "start"]
    assert start["command"] == "up"
    assert start["exec_kind"] == "auto.local"
    assert start["automation_api"] is True
    assert start["stack"] == "org/webapp/dev"
    (received,) = [e for e in sandbox.standin_events("start") if "up" in e["argv"]]
    assert received["argv"] == args
    assert received["tty"] == {"stdin": False, "stdout": False, "stderr": False}


def test_automation_api_node_shape(sandbox):
    """Node's Automation API appends --non-interactive after the command's flags."""
    args = [
        "preview",
        "--stack",
        "dev",
        "--exec-kind",
        "auto.inline",
        "--event-log",
        str(sandbox.root / "events.log"),
        "--non-interactive",
    ]
    result = sandbox.run(*args, env={"PULUMI_AUTOMATION_API": "true"})
    assert result.returncode == 0, result.stderr
    start = _only_run(sandbox)["start"]
    assert start["exec_kind"] == "auto.inline"
    assert start["command"] == "preview"


def test_ci_identity(sandbox):
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTOR": "octocat",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/infra",
        "GITHUB_RUN_ID": "42",
        "GITHUB_TOKEN": "ghs_" + "x" * 36,
    }
    sandbox.run("up", "--yes", "-s", "dev", env=env)
    ci = _only_run(sandbox)["start"]["identity"]["ci"]
    assert ci["system"] == "github-actions"
    assert ci["actor"] == "octocat"
    assert ci["run_url"] == "https://github.com/acme/infra/actions/runs/42"
    assert b"ghs_" not in sandbox.raw_log()


def test_ssh_source_ip(sandbox):
    env = {"SSH_CONNECTION": "203.0.113.7 52000 10.0.0.5 22"}
    sandbox.run("up", "--yes", "-s", "dev", env=env)
    assert _only_run(sandbox)["start"]["source_ip"] == "203.0.113.7"


def test_nested_runs_carry_the_parent_run_id(sandbox):
    """Something pulumi starts (an Automation API program) runs pulumi through the shim again."""
    nested = sandbox.root / "nested-pulumi"
    nested.write_text(
        f'#!/bin/sh\nPULUMI_AUDITED_PULUMI="$FAKE_REAL" "{SHIM}" stack ls >/dev/null\n'
        'exec "$FAKE_REAL" "$@"\n'
    )
    nested.chmod(0o755)
    env = {"PULUMI_AUDITED_PULUMI": str(nested), "FAKE_REAL": sandbox.env["PULUMI_AUDITED_PULUMI"]}
    outer = subprocess.run(
        [str(SHIM), "up", "--yes", "-s", "dev"],
        env={**sandbox.env, **env},
        cwd=sandbox.project,
        capture_output=True,
        timeout=60,
    )
    assert outer.returncode == 0, outer.stderr
    starts = [r for r in sandbox.records() if r["phase"] == "start"]
    up = next(s for s in starts if s["command"] == "up")
    inner = next(s for s in starts if s["command"] == "stack list")
    assert inner["identity"]["parent_run_id"] == up["run_id"]
    assert up["identity"]["parent_run_id"] is None


def test_minimal_reader(sandbox):
    for stack in ("dev", "staging", "prod"):
        sandbox.run("preview", "-s", stack)
    listing = sandbox.run("audit", "log", "-n", "2")
    assert listing.returncode == 0
    rows = listing.stdout.decode().splitlines()
    assert len(rows) == 2
    assert "organization/webapp/prod" in rows[0] and "organization/webapp/staging" in rows[1]
    as_json = sandbox.run("audit", "log", "--json")
    runs = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [run["start"]["stack"].rsplit("/", 1)[1] for run in runs] == ["prod", "staging", "dev"]
    export = sandbox.run("audit", "export", "--format", "jsonl")
    lines = export.stdout.splitlines()
    assert [json.loads(line) for line in lines] == sandbox.records()
    assert sandbox.records() == [json.loads(x) for x in sandbox.raw_log().splitlines()]


def test_secrets_stay_out_of_warnings(sandbox):
    """A record that cannot be written is reported on stderr: without the command line."""
    blocker = sandbox.root / "a-file"
    blocker.write_text("")
    env = {"PULUMI_AUDITED_LOG": str(blocker / "log")}
    result = sandbox.run("config", "set", "dbPassword", SECRET, "--secret", env=env)
    assert result.returncode == 0
    assert result.stderr.startswith(b"pulumi-audited: ")
    assert SECRET.encode() not in result.stderr
    blocked = sandbox.run(
        "config",
        "set",
        "dbPassword",
        SECRET,
        "--secret",
        env={**env, "PULUMI_AUDITED_ON_FAILURE": "block"},
    )
    assert blocked.returncode == 125
    assert SECRET.encode() not in blocked.stderr


def test_nothing_but_the_log_is_written_with_secrets(sandbox):
    """Lock file, YAML cache and any other file the shim writes hold no secret."""
    sandbox.write_config("on_failure: warn\n")
    sandbox.run("config", "set", "dbPassword", SECRET, "--secret")
    sandbox.run("up", "--yes", "-c", f"dbPassword={SECRET}")
    shim_files = [
        path
        for folder in (sandbox.log_dir, sandbox.root / "xdg-cache", sandbox.root / "xdg-data")
        if folder.exists()
        for path in folder.rglob("*")
        if path.is_file()
    ]
    assert any(path.name == "audit.lock" for path in shim_files)
    for path in shim_files:
        assert SECRET.encode() not in path.read_bytes(), path


def test_identity_git_and_gitlab_ci_through_the_shim(sandbox):
    subprocess.run(["git", "init", "-q", "-b", "main", str(sandbox.project)], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(sandbox.project),
            "-c",
            "user.email=dev@example.com",
            "-c",
            "user.name=Dev",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "init",
        ],
        check=True,
    )
    head = subprocess.run(
        ["git", "-C", str(sandbox.project), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (sandbox.project / ".git" / "config").write_text(
        (sandbox.project / ".git" / "config").read_text() + "[user]\n\temail = alice@example.com\n"
    )
    env = {
        "SUDO_USER": "alice",
        "GITLAB_CI": "true",
        "GITLAB_USER_LOGIN": "alice-gl",
        "CI_JOB_URL": "https://gitlab.example.com/acme/infra/-/jobs/7",
        "CI_JOB_TOKEN": "glcbt-" + SECRET,
    }
    sandbox.run("up", "--yes", env=env)
    start = _only_run(sandbox)["start"]
    identity = start["identity"]
    assert identity["sudo_user"] == "alice"
    assert identity["git_email"] == "alice@example.com"
    assert identity["ci"]["system"] == "gitlab-ci"
    assert identity["ci"]["actor"] == "alice-gl"
    assert identity["ci"]["run_url"] == "https://gitlab.example.com/acme/infra/-/jobs/7"
    assert start["git"] == {"head": head, "branch": "main"}
    assert SECRET.encode() not in sandbox.raw_log()
