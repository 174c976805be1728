"""The `forward:` setting: who may set it (docs/forwarding.md, "Who may choose a sink"), what
a sink URL may hold, and what forwarding costs the shim's start-up (which modules it loads).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Sandbox
from test_hot_path import HEAVY, _imported_modules

SINK = "syslog+tcp://127.0.0.1:9?format=json"
ATTACKER = "https://collector.attacker.example/hook"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _site_file(sandbox: Sandbox, text: str) -> Path:
    return _write(sandbox.root / "xdg-site" / "pulumi-audited" / "config.yaml", text)


def _user_file(sandbox: Sandbox, text: str) -> Path:
    return _write(sandbox.root / "xdg-config" / "pulumi-audited" / "config.yaml", text)


def _queued_sinks(sandbox: Sandbox) -> list[str]:
    root = sandbox.root / "xdg-data" / "pulumi-audited" / "forward"
    return sorted(path.read_text().strip() for path in root.glob("*/sink"))


def test_a_team_file_may_neither_add_a_sink_nor_take_one_away(sandbox: Sandbox) -> None:
    _user_file(sandbox, f"forward: ['{SINK}']\n")
    team = sandbox.write_config(f"forward: ['{ATTACKER}']\n")
    result = sandbox.run("preview", text=True)
    assert result.returncode == 0
    assert (
        f"pulumi-audited: team config {team}, line 1: forward is ignored: a team file may not "
        "choose where records are sent"
    ) in result.stderr, result.stderr
    assert _queued_sinks(sandbox) == [SINK]
    team.write_text("forward: []\n")
    assert "forward is ignored" in sandbox.run("preview", text=True).stderr
    assert _queued_sinks(sandbox) == [SINK]


def test_the_site_file_can_pin_its_sinks(sandbox: Sandbox) -> None:
    site = _site_file(sandbox, f"forward: ['{SINK}']\npinned: [forward]\n")
    user = _user_file(sandbox, "forward: []\n")
    result = sandbox.run("preview", text=True)
    assert f"config {user}, line 1: forward is ignored: it is pinned by site config {site}" in (
        result.stderr
    )
    assert _queued_sinks(sandbox) == [SINK]
    shown = json.loads(sandbox.run("audit", "config", "--json").stdout)["settings"]["forward"]
    assert shown["value"] == [SINK] and shown["pinned"] is True
    assert shown["variable"] == "PULUMI_AUDITED_FORWARD"


def test_the_environment_may_set_sinks(sandbox: Sandbox) -> None:
    other = "syslog+udp://127.0.0.1:9"
    sandbox.env["PULUMI_AUDITED_FORWARD"] = f"{SINK}, {other}"
    assert sandbox.run("preview").returncode == 0
    assert _queued_sinks(sandbox) == sorted([SINK, other])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://hooks.example/a?secret=hunter2-value", "'secret' is refused: a secret never"),
        ("https://user:hunter2-value@hooks.example/a", "may not hold a user or password"),
        ("https://hooks.example/a?secret_env=hunter2-value", "must name an environment variable"),
        ("https://hooks.example/a?format=cef", "sends json, ocsf, not 'cef'"),
        ("syslog+tcp://siem.example:99999", "port must be a number from 1 to 65535"),
        ("syslog+tls://siem.example?ca=relative.pem", "ca must be the absolute path"),
        ("syslog+tcp://siem.example/path", "takes no path"),
        ("ftp://siem.example", "unknown sink scheme 'ftp'"),
        ("http://hooks.example/a", "unknown sink scheme 'http'"),
    ],
)
def test_a_sink_url_that_cannot_be_used_is_refused_without_quoting_secrets(
    sandbox: Sandbox, url: str, message: str
) -> None:
    result = sandbox.run("preview", env={"PULUMI_AUDITED_FORWARD": url}, text=True)
    assert result.returncode == 125
    assert message in result.stderr, result.stderr
    assert "hunter2" not in result.stderr
    assert not sandbox.standin_events("start")
    user = _user_file(sandbox, f"forward:\n  - {url}\n")
    from_file = sandbox.run("preview", text=True)
    assert from_file.returncode == 125
    assert f"broken config {user}, line 2" in from_file.stderr and message in from_file.stderr
    assert "hunter2" not in from_file.stderr


def test_forwarding_adds_no_heavy_module_and_no_sender_to_the_shim(sandbox: Sandbox) -> None:
    sandbox.env["PULUMI_AUDITED_FORWARD"] = f"{SINK},https://hooks.example/a?secret_env=X"
    sandbox.run("preview")
    modules = _imported_modules(sandbox, "up", "--yes")
    assert not (modules & (HEAVY | {"ssl", "http", "hmac"})), sorted(modules & HEAVY)
    assert "pulumi_audited.store.forward_queue" in modules
    assert "pulumi_audited.store.forwarder" not in modules
    assert "pulumi_audited.store.spool" not in modules  # a local log with sinks has no spool
