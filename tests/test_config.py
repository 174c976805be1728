"""Configuration files, environment overrides, the log location and the on_failure policy."""

from __future__ import annotations

import os
import stat

import pytest


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("log: /tmp/x\non_failure: [unclosed\n", 2, b""),
        ("log: /tmp/x\nonfailure: warn\n", 2, b"unknown setting 'onfailure'"),
        ("on_failure: maybe\n", 1, b"on_failure must be warn or block"),
        ("- just\n- a list\n", 1, b"expected a mapping"),
        ("skip: version\n", 1, b"skip must be a list"),
        ("log: ''\n", 1, b"log must be a path or URL"),
        ("working_hours: Mon-Fri 18:00-08:00\n", 1, b"working_hours: '18:00-08:00' ends before"),
        ("log: /tmp/x\nworking_hours: 9\n", 2, b"working_hours must be text, not 9"),
        # A tag the safe loader refuses is a broken file, not an internal error.
        (
            "log: /tmp/x\non_failure: !!python/object/apply:os.system [echo]\n",
            2,
            b"could not determine a constructor for the tag",
        ),
        ("skip: [*nowhere]\n", 1, b"found undefined alias 'nowhere'"),
        (
            "log: /tmp/x\non_failure: warn\nlog: /tmp/y\n",
            3,
            b"duplicate setting 'log' (first on line 1)",
        ),
        ("? [log]\n: /tmp/x\n", 1, b"a setting's name must be a plain word"),
        # The line of the mistake, not the line where the mapping began.
        ("log: /tmp/x\n- on_failure: warn\n", 2, b"expected <block end>, but found '-'"),
        ("log: /tmp/x\nskip: ['version\non_failure: warn\n", 2, b"unexpected end of stream"),
        # Seconds: finite, and bounded.
        ("lock_timeout: .nan\n", 1, b"lock_timeout must be more than 0 and at most 300 seconds"),
        ("remote_timeout: .inf\n", 1, b"remote_timeout must be more than 0 and at most 300"),
        ("ship_wait: .inf\n", 1, b"ship_wait must be from 0 (never wait) to 300 seconds"),
        ("ship_wait: -.inf\n", 1, b"ship_wait must be from 0"),
        ("lock_timeout: 301\n", 1, b"at most 300 seconds, not 301"),
        ("lock_timeout: 1" + "0" * 400 + "\n", 1, b"at most 300 seconds"),
        # A remote location that cannot be used.
        (
            "log: s3://bucket/pfx?regoin=eu-west-1\n",
            1,
            b"unknown parameter 'regoin': did you mean region?",
        ),
        ("log: gs://bucket/pfx\n", 1, b"unsupported log location scheme gs://"),
    ],
)
def test_a_broken_config_is_refused_naming_file_and_line(sandbox, text, line, fragment):
    path = sandbox.write_config(text)
    result = sandbox.run("up", "--yes", "-s", "dev")
    assert result.returncode == 125
    assert sandbox.standin_events() == [], "pulumi must not run with a broken config"
    message = result.stderr.decode()
    assert message.startswith("pulumi-audited: ")
    assert message.count("\n") == 1
    assert f"{path}, line {line}" in message
    assert fragment in result.stderr


def test_a_broken_config_is_refused_after_being_cached_valid(sandbox):
    path = sandbox.write_config("on_failure: warn\n")
    assert sandbox.run("stack", "ls").returncode == 0
    path.write_text("on_failure: sometimes\n")
    result = sandbox.run("stack", "ls")
    assert result.returncode == 125
    assert b"line 1" in result.stderr


def test_config_file_named_by_the_environment(sandbox):
    config = sandbox.root / "elsewhere.yaml"
    config.write_text("log: custom-log\n")
    env = {"PULUMI_AUDITED_CONFIG": str(config), "PULUMI_AUDITED_LOG": ""}
    assert sandbox.run("stack", "ls", env=env).returncode == 0
    assert list((sandbox.root / "custom-log").glob("*.jsonl"))


def test_missing_config_file_named_by_the_environment_is_refused(sandbox):
    result = sandbox.run("stack", "ls", env={"PULUMI_AUDITED_CONFIG": "/nonexistent.yaml"})
    assert result.returncode == 125
    assert b"/nonexistent.yaml" in result.stderr


def test_team_file_is_found_upward_and_overrides_the_user_file(sandbox):
    user_config = sandbox.root / "xdg-config" / "pulumi-audited" / "config.yaml"
    user_config.parent.mkdir(parents=True)
    user_config.write_text(f"log: {sandbox.root / 'user-log'}\non_failure: warn\n")
    nested = sandbox.project / "sub" / "dir"
    nested.mkdir(parents=True)
    sandbox.write_config("on_failure: block\n")
    blocker = sandbox.root / "a-file"
    blocker.write_text("not a folder")
    # The team's block overrides the user's warn (a team file may only make auditing
    # stricter: test_config_trust.py).
    env = {"PULUMI_AUDITED_LOG": str(blocker / "log")}
    result = sandbox.run("stack", "ls", env=env, cwd=nested)
    assert result.returncode == 125
    assert sandbox.standin_events() == []


def test_environment_overrides_files(sandbox):
    sandbox.write_config(f"log: {sandbox.root / 'file-log'}\n")
    assert sandbox.run("stack", "ls").returncode == 0
    assert list(sandbox.log_dir.glob("*.jsonl"))
    assert not (sandbox.root / "file-log").exists()


def test_file_url_log_location(sandbox):
    target = sandbox.root / "url-log"
    assert (
        sandbox.run("stack", "ls", env={"PULUMI_AUDITED_LOG": f"file://{target}"}).returncode == 0
    )
    assert list(target.glob("*.jsonl"))


def test_default_log_location_is_private(sandbox):
    assert sandbox.run("stack", "ls", env={"PULUMI_AUDITED_LOG": ""}).returncode == 0
    folder = sandbox.root / "xdg-data" / "pulumi-audited" / "log"
    files = list(folder.glob("*.jsonl"))
    assert files
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in [*files, folder / "audit.lock"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_files_are_private_even_with_a_permissive_umask(sandbox):
    result = sandbox.run("stack", "ls", preexec_fn=lambda: os.umask(0))
    assert result.returncode == 0
    assert stat.S_IMODE(sandbox.log_dir.stat().st_mode) == 0o700
    for path in sandbox.log_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _unwritable_log(sandbox) -> dict[str, str]:
    blocker = sandbox.root / "a-file"
    blocker.write_text("not a folder")
    return {"PULUMI_AUDITED_LOG": str(blocker / "log")}


def test_warn_policy_runs_pulumi_and_says_so_once_per_record(sandbox):
    result = sandbox.run("up", "--yes", "-s", "dev", env=_unwritable_log(sandbox))
    assert result.returncode == 0
    assert sandbox.standin_events("start")
    (line,) = result.stderr.decode().splitlines()
    assert line.startswith("pulumi-audited: the audit record could not be written: ")
    assert line.endswith("pulumi runs anyway (on_failure: warn)")


def test_block_policy_refuses_to_run_pulumi(sandbox):
    env = {**_unwritable_log(sandbox), "PULUMI_AUDITED_ON_FAILURE": "block"}
    result = sandbox.run("up", "--yes", "-s", "dev", env=env)
    assert result.returncode == 125
    assert sandbox.standin_events() == []
    assert b"pulumi was not run" in result.stderr
    assert result.stderr.count(b"\n") == 1


def test_block_policy_from_the_config_file(sandbox):
    sandbox.write_config("on_failure: block\n")
    result = sandbox.run("up", "--yes", "-s", "dev", env=_unwritable_log(sandbox))
    assert result.returncode == 125
    assert sandbox.standin_events() == []


def test_bad_policy_in_the_environment_is_refused(sandbox):
    result = sandbox.run("up", env={"PULUMI_AUDITED_ON_FAILURE": "never"})
    assert result.returncode == 125
    assert b"PULUMI_AUDITED_ON_FAILURE" in result.stderr


def test_lock_timeout_from_the_environment(sandbox):
    from filelock import FileLock

    sandbox.log_dir.mkdir(mode=0o700)
    with FileLock(str(sandbox.log_dir / "audit.lock")):
        result = sandbox.run("stack", "ls", env={"PULUMI_AUDITED_LOCK_TIMEOUT": "0.3"})
    assert result.returncode == 0
    assert b"waited 0.3 s" in result.stderr
    bad = sandbox.run("stack", "ls", env={"PULUMI_AUDITED_LOCK_TIMEOUT": "soon"})
    assert bad.returncode == 125
    assert b"PULUMI_AUDITED_LOCK_TIMEOUT" in bad.stderr


def test_a_file_cached_by_an_older_version_is_checked_again(sandbox):
    """An upgrade must not keep serving a file that an older, laxer parser cached as valid
    (duplicate settings and non-finite seconds passed before)."""
    import marshal

    path = sandbox.write_config("lock_timeout: .nan\n")
    info = path.stat()
    older_key = (1, info.st_size, info.st_ino, info.st_mtime_ns, info.st_ctime_ns)
    cache = sandbox.root / "xdg-cache" / "pulumi-audited" / "yaml"
    cache.mkdir(parents=True)
    name = str(path).replace("%", "%25").replace("/", "%2F") + ".marshal"
    laxly_parsed = {"lock_timeout": (float("nan"), 1)}
    (cache / name).write_bytes(marshal.dumps((older_key, str(path), laxly_parsed)))
    result = sandbox.run("stack", "ls")
    assert result.returncode == 125
    assert f"{path}, line 1: lock_timeout must be more than 0".encode() in result.stderr
