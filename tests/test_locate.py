"""Finding the real pulumi: environment, config, PATH without the shim, loops, exit codes."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import SHIM, STANDIN


def _path_dir(sandbox, name: str) -> Path:
    folder = sandbox.root / name
    folder.mkdir()
    return folder


def test_environment_variable_wins(sandbox):
    sandbox.write_config("pulumi: /nonexistent/pulumi\n")
    result = sandbox.run("stack", "ls")
    assert result.returncode == 0, result.stderr
    assert sandbox.standin_events("start")


def test_config_setting_is_used_and_relative_to_the_file(sandbox):
    """The user's own file may name the binary (a team file may not: test_config_trust.py)."""
    tools = _path_dir(sandbox, "tools")
    os.symlink(STANDIN, tools / "pulumi")
    user_config = sandbox.root / "xdg-config" / "pulumi-audited" / "config.yaml"
    user_config.parent.mkdir(parents=True)
    user_config.write_text("pulumi: ../../tools/pulumi\n")
    env = {"PULUMI_AUDITED_PULUMI": ""}
    result = sandbox.run("stack", "ls", env=env)
    assert result.returncode == 0, result.stderr
    assert sandbox.standin_events("start")


def test_path_search_skips_the_shim_itself(sandbox):
    shim_dir = _path_dir(sandbox, "shim-bin")
    real_dir = _path_dir(sandbox, "real-bin")
    os.symlink(SHIM, shim_dir / "pulumi")
    os.symlink(STANDIN, real_dir / "pulumi")
    env = {"PULUMI_AUDITED_PULUMI": "", "PATH": f"{shim_dir}:{real_dir}:/usr/bin:/bin"}
    result = sandbox.run("stack", "ls", env=env)
    assert result.returncode == 0, result.stderr
    assert len(sandbox.standin_events("start")) == 1
    assert len(sandbox.records()) == 2


def test_running_as_pulumi_on_path_finds_the_next_one(sandbox):
    """Installed on PATH under the name `pulumi`, the shim must not run itself."""
    shim_dir = _path_dir(sandbox, "shim-bin")
    real_dir = _path_dir(sandbox, "real-bin")
    os.symlink(SHIM, shim_dir / "pulumi")
    os.symlink(STANDIN, real_dir / "pulumi")
    env = {
        **sandbox.env,
        "PULUMI_AUDITED_PULUMI": "",
        "PATH": f"{shim_dir}:{real_dir}:/usr/bin:/bin",
    }
    import subprocess

    result = subprocess.run(
        ["pulumi", "stack", "ls"], env=env, cwd=sandbox.project, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert len(sandbox.standin_events("start")) == 1


def test_not_found_exits_127_with_one_clear_line(sandbox):
    empty = _path_dir(sandbox, "empty")
    env = {"PULUMI_AUDITED_PULUMI": "", "PATH": str(empty)}
    result = sandbox.run("up", "--yes", env=env)
    assert result.returncode == 127
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("pulumi-audited: cannot find the real pulumi")
    assert str(empty) in lines[0]
    assert "PULUMI_AUDITED_PULUMI" in lines[0]
    assert sandbox.records() == []


def test_configured_path_missing_exits_127(sandbox):
    result = sandbox.run("up", env={"PULUMI_AUDITED_PULUMI": "/nonexistent/pulumi"})
    assert result.returncode == 127
    assert b"/nonexistent/pulumi" in result.stderr
    assert b"PULUMI_AUDITED_PULUMI" in result.stderr


def test_not_executable_exits_126(sandbox):
    plain = sandbox.root / "pulumi"
    plain.write_text("#!/bin/sh\necho hi\n")
    plain.chmod(0o644)
    result = sandbox.run("up", env={"PULUMI_AUDITED_PULUMI": str(plain)})
    assert result.returncode == 126
    assert result.stderr.decode().count("\n") == 1
    assert b"not an executable" in result.stderr


def test_a_broken_interpreter_line_exits_126_and_is_recorded(sandbox):
    broken = sandbox.root / "pulumi"
    broken.write_bytes(b"\x00\x01\x02 not a program")
    broken.chmod(0o755)
    result = sandbox.run("stack", "ls", env={"PULUMI_AUDITED_PULUMI": str(broken)})
    assert result.returncode == 126
    assert result.stderr.startswith(b"pulumi-audited: cannot run")
    end = sandbox.records()[-1]
    assert end["phase"] == "end" and end["exit_code"] == 126 and end["outcome"] == "failed"


def test_pointing_at_the_shim_is_refused(sandbox):
    result = sandbox.run("stack", "ls", env={"PULUMI_AUDITED_PULUMI": str(SHIM)})
    assert result.returncode == 125
    assert b"is a pulumi-audited shim" in result.stderr


def test_a_loop_through_a_wrapper_script_stops_with_an_error(sandbox):
    """`pulumi` on PATH is a wrapper that calls the shim, which finds the wrapper again..."""
    wrapper_dir = _path_dir(sandbox, "wrapper-bin")
    wrapper = wrapper_dir / "pulumi"
    wrapper.write_text(f'#!/bin/sh\n"{SHIM}" "$@"\n')
    wrapper.chmod(0o755)
    env = {"PULUMI_AUDITED_PULUMI": "", "PATH": f"{wrapper_dir}:/usr/bin:/bin"}
    result = sandbox.run("stack", "ls", env=env, timeout=120)
    assert result.returncode == 125
    assert b"loop" in result.stderr
    assert len(result.stderr.decode().splitlines()) == 1


def test_a_direct_shim_to_shim_handoff_is_caught_before_recording(sandbox):
    """A copy of the shim that does not look like one (a renamed script) is caught by the pid."""
    disguised = sandbox.root / "disguised" / "pulumi"
    disguised.parent.mkdir()
    disguised.write_text(
        f"#!{SHIM.parent / 'python'}\n"
        "import sys\nfrom importlib import import_module\n"
        "sys.exit(import_module('pulumi_' + 'audited.shim').main())\n"
    )
    disguised.chmod(0o755)
    result = sandbox.run("stack", "ls", env={"PULUMI_AUDITED_PULUMI": str(disguised)})
    assert result.returncode == 125
    assert b"loop" in result.stderr
    # The outer shim recorded its run; the inner one refused before writing anything.
    records = sandbox.records()
    assert [record["phase"] for record in records] == ["start", "end"]
