"""Who may decide what: the site file pins settings, a team file may only make auditing
stricter, and `audit config` says where each value came from (docs/configuration.md)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from conftest import STANDIN


def _user_config(sandbox, text: str) -> Path:
    path = sandbox.root / "xdg-config" / "pulumi-audited" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _site_config(sandbox, text: str) -> Path:
    """The machine's file: platformdirs' site config folder is the first entry of
    XDG_CONFIG_DIRS, which the sandbox points at a folder of its own."""
    sandbox.env["XDG_CONFIG_DIRS"] = f"{sandbox.root / 'xdg-site'}:/etc/xdg"
    path = sandbox.root / "xdg-site" / "pulumi-audited" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _warnings(result) -> list[str]:
    return [
        line for line in result.stderr.decode().splitlines() if line.startswith("pulumi-audited: ")
    ]


def _default_log(sandbox) -> Path:
    return sandbox.root / "xdg-data" / "pulumi-audited" / "log"


def _records_in(folder: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def _audit_config(sandbox, env: dict[str, str] | None = None) -> dict:
    result = sandbox.run("audit", "config", "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- the team file ----------------------------------------------------------------------


@pytest.mark.parametrize("trusted", ["user file", "PATH"])
def test_a_team_file_cannot_choose_the_program_to_run(sandbox, trusted):
    marker = sandbox.root / "evil-ran"
    evil = sandbox.project / "evil"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\n")
    evil.chmod(0o755)
    team = sandbox.write_config("on_failure: warn\npulumi: ./evil\n")
    env = {"PULUMI_AUDITED_PULUMI": ""}
    if trusted == "user file":
        _user_config(sandbox, f"pulumi: {STANDIN}\n")
    else:
        tools = sandbox.root / "tools"
        tools.mkdir()
        os.symlink(STANDIN, tools / "pulumi")
        env["PATH"] = f"{tools}{os.pathsep}{sandbox.env['PATH']}"
    result = sandbox.run("whoami", env=env)
    assert not marker.exists(), "the program a team file named was run"
    assert sandbox.standin_events("start"), "the real pulumi must run"
    assert result.returncode == 0, result.stderr
    (line,) = _warnings(result)
    assert line.startswith(f"pulumi-audited: team config {team}, line 2: pulumi is ignored")
    assert [record["command"] for record in sandbox.records()] == ["whoami", "whoami"]
    # audit config names the pulumi that runs, not the team's.
    shown = _audit_config(sandbox, env)["settings"]["pulumi"]
    assert shown["resolved"] == (str(STANDIN) if trusted == "user file" else str(tools / "pulumi"))


def test_a_team_file_may_take_commands_out_of_the_skip_list_but_never_add_one(sandbox):
    team = sandbox.write_config("skip: [version, up, stack ls]\n")
    result = sandbox.run("up", "--yes", "-s", "dev")
    assert result.returncode == 0, result.stderr
    (line,) = _warnings(result)
    assert f"team config {team}, line 1: skip: 'up', 'stack ls' ignored" in line
    assert [record["command"] for record in sandbox.records()] == ["up", "up"]
    sandbox.run("stack", "ls")
    assert len(sandbox.records()) == 4
    # What it took out is recorded now; what it kept is still skipped.
    sandbox.run("gen-completion", "bash")
    assert len(sandbox.records()) == 6
    sandbox.run("version")
    assert len(sandbox.records()) == 6


def _unwritable_log(sandbox) -> dict[str, str]:
    blocker = sandbox.root / "a-file"
    blocker.write_text("not a folder")
    return {"PULUMI_AUDITED_LOG": str(blocker / "log")}


def test_a_team_file_may_raise_on_failure_but_never_lower_it(sandbox):
    _user_config(sandbox, "on_failure: block\n")
    team = sandbox.write_config("on_failure: warn\n")
    result = sandbox.run("up", "--yes", "-s", "dev", env=_unwritable_log(sandbox))
    assert result.returncode == 125
    assert sandbox.standin_events() == [], "on_failure: block must stay in force"
    first, second = _warnings(result)
    assert f"team config {team}, line 1: on_failure: warn is ignored" in first
    assert "pulumi was not run" in second
    # The site's block (not pinned) cannot be lowered by a team file either.
    os.unlink(sandbox.root / "xdg-config" / "pulumi-audited" / "config.yaml")
    _site_config(sandbox, "on_failure: block\n")
    result = sandbox.run("up", "--yes", "-s", "dev", env=_unwritable_log(sandbox))
    assert result.returncode == 125
    assert sandbox.standin_events() == []


def test_a_team_file_another_user_owns_is_ignored(sandbox):
    """A `.pulumi-audited.yaml` planted in a shared parent folder (/tmp) by another user, or a
    checkout another user owns: ignored, as git ignores a repository it calls unsafe."""
    from other_users import require_root

    require_root()
    team = sandbox.write_config("on_failure: block\nskip: []\n")
    os.chown(team, 4242, 4242)  # a uid nobody on the machine has
    result = sandbox.run("up", "--yes", "-s", "dev", env=_unwritable_log(sandbox))
    assert result.returncode == 0, "the stranger's on_failure: block must not apply"
    assert len(sandbox.standin_events("start")) == 1
    assert f"team config {team} is ignored: it belongs to another user (uid 4242)" in (
        result.stderr.decode()
    )
    config = sandbox.run("audit", "config", "--json")
    assert [item["path"] for item in json.loads(config.stdout)["config_files"]] == []
    # Owned by the user, the same file applies.
    os.chown(team, os.geteuid(), os.getegid())
    result = sandbox.run("up", "--yes", "-s", "dev", env=_unwritable_log(sandbox))
    assert result.returncode == 125


def test_a_team_file_cannot_move_a_log_someone_chose(sandbox):
    user_log = sandbox.root / "user-log"
    _user_config(sandbox, f"log: {user_log}\n")
    team = sandbox.write_config(f"log: {sandbox.root / 'team-log'}\n")
    result = sandbox.run("stack", "ls", env={"PULUMI_AUDITED_LOG": ""})
    assert result.returncode == 0, result.stderr
    (line,) = _warnings(result)
    assert f"team config {team}, line 1: log is ignored: the log was chosen by your own" in line
    assert len(_records_in(user_log)) == 2
    assert not (sandbox.root / "team-log").exists()


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("/dev/null", "/dev/null is not a folder you can write"),
        ("/dev/null/audit", "/dev/null is not a folder you can write"),
        ("audit", "inside its own folder"),
        ("./nested/audit", "inside its own folder"),
        ("file://audit", "inside its own folder"),
    ],
)
def test_a_team_file_cannot_send_the_records_where_they_are_lost_or_committed(
    sandbox, location, reason
):
    team = sandbox.write_config(f"log: {location}\n")
    result = sandbox.run("stack", "ls", env={"PULUMI_AUDITED_LOG": ""})
    assert result.returncode == 0, result.stderr
    (line,) = _warnings(result)
    assert line.startswith(f"pulumi-audited: team config {team}, line 1: log is ignored: ")
    assert reason in line
    assert len(_records_in(_default_log(sandbox))) == 2, "records go to the default log"
    assert not list(sandbox.project.rglob("*.jsonl"))


def test_a_team_file_may_choose_the_log_in_place_of_the_default(sandbox):
    shared = sandbox.root / "srv" / "audit"
    sandbox.write_config(f"log: {shared}\n")
    result = sandbox.run("stack", "ls", env={"PULUMI_AUDITED_LOG": ""})
    assert result.returncode == 0, result.stderr
    assert _warnings(result) == []
    assert len(_records_in(shared)) == 2
    assert not _default_log(sandbox).exists()


def test_a_team_file_cannot_make_the_shim_give_up_on_the_lock(sandbox):
    from filelock import FileLock

    team = sandbox.write_config("lock_timeout: 0.01\n")
    sandbox.log_dir.mkdir(mode=0o700)
    lock = FileLock(str(sandbox.log_dir / "audit.lock"), thread_local=False)
    lock.acquire()
    releaser = threading.Timer(1.0, lock.release)
    releaser.start()
    try:
        result = sandbox.run("stack", "ls")
    finally:
        releaser.join()
    assert result.returncode == 0, result.stderr
    (line,) = _warnings(result)
    assert f"team config {team}, line 1: lock_timeout: 0.01 is ignored" in line
    assert len(sandbox.records()) == 2, "the shim waited for the lock as it should"


def test_a_team_file_cannot_make_the_shim_wait_long(sandbox):
    team = sandbox.write_config("remote_timeout: 120\nship_wait: 60\nlock_timeout: 30\n")
    result = sandbox.run("audit", "config", "--json")
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)["settings"]
    assert settings["remote_timeout"]["value"] == 10.0
    assert settings["ship_wait"]["value"] == 2.0
    assert settings["lock_timeout"]["value"] == 30.0  # within what a team file may choose
    remote, ship = _warnings(result)
    assert f"team config {team}, line 1: remote_timeout: 120 is ignored" in remote
    assert f"team config {team}, line 2: ship_wait: 60 is ignored" in ship


def test_completion_shows_no_warning(sandbox):
    sandbox.write_config("pulumi: ./evil\n")
    result = sandbox.run("__complete", "st")
    assert result.returncode == 0
    assert _warnings(result) == []


# --- the site file ----------------------------------------------------------------------


def test_the_site_file_pins_settings_nobody_else_can_change(sandbox):
    site_log = sandbox.root / "site-log"
    site = _site_config(
        sandbox, f"log: {site_log}\non_failure: block\npinned: [log, on_failure, skip]\n"
    )
    user = _user_config(sandbox, f"on_failure: warn\nlog: {sandbox.root / 'user-log'}\n")
    team = sandbox.write_config("skip: [version]\nlog: /srv/elsewhere\n")
    env = {"PULUMI_AUDITED_ON_FAILURE": "warn"}  # the sandbox sets PULUMI_AUDITED_LOG too
    result = sandbox.run("stack", "ls", env=env)
    assert result.returncode == 0, result.stderr
    pin = f"it is pinned by site config {site}, line 3"
    assert _warnings(result) == [
        f"pulumi-audited: config {user}, line 1: on_failure is ignored: {pin}",
        f"pulumi-audited: config {user}, line 2: log is ignored: {pin}",
        f"pulumi-audited: team config {team}, line 1: skip is ignored: {pin}",
        f"pulumi-audited: team config {team}, line 2: log is ignored: {pin}",
        f"pulumi-audited: PULUMI_AUDITED_LOG: log is ignored: {pin}",
        f"pulumi-audited: PULUMI_AUDITED_ON_FAILURE: on_failure is ignored: {pin}",
    ]
    assert len(_records_in(site_log)) == 2
    assert not sandbox.log_dir.exists() and not (sandbox.root / "user-log").exists()
    # on_failure: block is in force.
    blocked = sandbox.run("version", env={**env, "PULUMI_AUDITED_SKIP": "help"})
    assert blocked.returncode == 0  # a pinned skip list: version is still not recorded
    shown = _audit_config(sandbox, env)
    assert shown["config_files"] == [
        {"role": "site", "path": str(site)},
        {"role": "user", "path": str(user)},
        {"role": "team", "path": str(team)},
    ]
    log = shown["settings"]["log"]
    assert (log["value"], log["origin"], log["file"], log["line"]) == (
        str(site_log),
        "site",
        str(site),
        1,
    )
    assert log["pinned"] is True and log["pinned_by"] == {"file": str(site), "line": 3}
    assert shown["settings"]["skip"]["origin"] == "default"
    assert shown["settings"]["skip"]["pinned"] is True
    assert shown["settings"]["ship_wait"]["pinned"] is False
    text = sandbox.run("audit", "config", env=env).stdout.decode()
    assert f"on_failure      block    (site config {site}, line 2; pinned)" in text
    assert f"(default; pinned by site config {site}, line 3)" in text


def test_an_unpinned_site_setting_is_a_default_the_user_may_change(sandbox):
    site = _site_config(sandbox, "lock_timeout: 20\nremote_timeout: 5\n")
    user = _user_config(sandbox, "lock_timeout: 3\n")
    settings = _audit_config(sandbox)["settings"]
    assert settings["lock_timeout"]["value"] == 3.0
    assert (settings["lock_timeout"]["origin"], settings["lock_timeout"]["file"]) == (
        "user",
        str(user),
    )
    assert settings["remote_timeout"]["value"] == 5.0
    assert settings["remote_timeout"]["file"] == str(site)


def test_the_site_file_can_pin_the_program(sandbox):
    site = _site_config(sandbox, f"pulumi: {STANDIN}\npinned: [pulumi]\n")
    result = sandbox.run("whoami", env={"PULUMI_AUDITED_PULUMI": "/bin/false"})
    assert result.returncode == 0, result.stderr
    assert sandbox.standin_events("start")
    (line,) = _warnings(result)
    assert line == (
        "pulumi-audited: PULUMI_AUDITED_PULUMI: pulumi is ignored: it is pinned by site "
        f"config {site}, line 2"
    )


@pytest.mark.parametrize("where", ["user", "team", "PULUMI_AUDITED_CONFIG"])
def test_only_the_site_file_can_pin(sandbox, where):
    text = "on_failure: block\npinned: [on_failure]\n"
    env = {}
    if where == "user":
        path = _user_config(sandbox, text)
    elif where == "team":
        path = sandbox.write_config(text)
    else:
        path = sandbox.root / "chosen.yaml"
        path.write_text(text)
        env["PULUMI_AUDITED_CONFIG"] = str(path)
    result = sandbox.run("stack", "ls", env=env)
    assert result.returncode == 125
    assert sandbox.standin_events() == []
    (line,) = result.stderr.decode().splitlines()
    assert f"broken config {path}, line 2: only the site file" in line


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("pinned: [logg]\n", "pinned: unknown setting 'logg'"),
        ("pinned: log\n", "pinned must be a list of settings"),
        ("pinned: [log]\npinned: [skip]\n", "line 2: duplicate setting 'pinned' (first on line 1)"),
    ],
)
def test_a_broken_site_file_is_refused(sandbox, text, fragment):
    site = _site_config(sandbox, text)
    result = sandbox.run("stack", "ls")
    assert result.returncode == 125
    assert sandbox.standin_events() == []
    assert f"broken config {site}, line" in result.stderr.decode()
    assert fragment in result.stderr.decode()


def test_pulumi_audited_config_does_not_escape_the_site_pins(sandbox):
    site_log = sandbox.root / "site-log"
    _site_config(sandbox, f"log: {site_log}\npinned: [log]\n")
    chosen = sandbox.root / "chosen.yaml"
    chosen.write_text(f"log: {sandbox.root / 'chosen-log'}\n")
    env = {"PULUMI_AUDITED_CONFIG": str(chosen), "PULUMI_AUDITED_LOG": ""}
    result = sandbox.run("stack", "ls", env=env)
    assert result.returncode == 0, result.stderr
    assert len(_records_in(site_log)) == 2
    assert not (sandbox.root / "chosen-log").exists()


# --- audit config -----------------------------------------------------------------------


def test_audit_config_shows_the_pulumi_that_would_run(sandbox):
    tools = sandbox.root / "tools"
    tools.mkdir()
    os.symlink(STANDIN, tools / "pulumi")
    env = {"PULUMI_AUDITED_PULUMI": "", "PATH": f"{tools}{os.pathsep}{sandbox.env['PATH']}"}
    entry = _audit_config(sandbox, env)["settings"]["pulumi"]
    assert (entry["value"], entry["origin"], entry["resolved"]) == (
        None,
        "default",
        str(tools / "pulumi"),
    )
    text = sandbox.run("audit", "config", env=env).stdout.decode()
    assert f"pulumi          {tools / 'pulumi'}    (default)" in text
    # Nothing to find: the one-line reason instead.
    env["PATH"] = sandbox.env["PATH"]
    result = sandbox.run("audit", "config", env=env)
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.decode().splitlines() if line.startswith("pulumi ")]
    assert "not found: cannot find the real pulumi" in line
    assert (
        json.loads(sandbox.run("audit", "config", "--json", env=env).stdout)["settings"]["pulumi"][
            "resolved"
        ]
        is None
    )
