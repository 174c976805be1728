"""Who is at the keyboard: the AI agent and its model as pulumi's agentdetect computes them,
the parent processes, the terminal and the agent home fallback; through the installed shim."""

from __future__ import annotations

import json
import os
import pty
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHIM
from pulumi_files import cloud_login, select_stack

# sdk/go/common/util/agentdetect/agentdetect.go (v3.259), in its order.
PULUMI_AGENTS = [
    ("cursor", ["CURSOR_TRACE_ID"]),
    ("cursor-cli", ["CURSOR_AGENT"]),
    ("gemini", ["GEMINI_CLI"]),
    ("codex", ["CODEX_SANDBOX", "CODEX_CI", "CODEX_THREAD_ID"]),
    ("antigravity", ["ANTIGRAVITY_AGENT"]),
    ("augment-cli", ["AUGMENT_AGENT"]),
    ("opencode", ["OPENCODE", "OPENCODE_CALLER", "OPENCODE_CLIENT"]),
    ("cowork", ["CLAUDE_CODE_IS_COWORK"]),
    ("claude", ["CLAUDECODE", "CLAUDE_CODE"]),
    ("replit", ["REPL_ID"]),
    ("github-copilot", ["COPILOT_MODEL", "COPILOT_ALLOW_ALL", "COPILOT_GITHUB_TOKEN"]),
    ("goose", ["GOOSE_PROVIDER"]),
]
MARKERS = [(name, marker) for name, markers in PULUMI_AGENTS for marker in markers]


def identity(sandbox, *args: str, env: dict[str, str] | None = None, **kwargs) -> dict:
    """The start record's identity for one recorded run of `args` (default `stack ls`)."""
    before = len(sandbox.records())
    result = sandbox.run(*(args or ("stack", "ls")), env=env, **kwargs)
    assert result.returncode == 0, result.stderr
    starts = [r for r in sandbox.records()[before:] if r["phase"] == "start"]
    assert len(starts) == 1
    return starts[0]["identity"]


def agent(sandbox, env: dict[str, str], *args: str) -> dict | None:
    return identity(sandbox, *args, env=env)["agent"]


# --- the agent --------------------------------------------------------------------------


def test_no_agent_is_null(sandbox):
    found = identity(sandbox)
    assert found["agent"] is None
    assert list(found)[-3:] == ["agent", "parents", "terminal"]


@pytest.mark.parametrize(("name", "marker"), MARKERS)
def test_every_marker_of_pulumis_list(sandbox, name, marker):
    assert agent(sandbox, {marker: "1"}) == {"name": name, "model": None}


def test_an_empty_marker_is_no_marker(sandbox):
    assert agent(sandbox, {"CLAUDECODE": "", "CURSOR_AGENT": ""}) is None


@pytest.mark.parametrize("index", range(len(PULUMI_AGENTS) - 1))
def test_of_two_markers_pulumis_first_wins(sandbox, index):
    (first, first_markers), (_, second_markers) = PULUMI_AGENTS[index : index + 2]
    env = {second_markers[0]: "1", first_markers[-1]: "1"}
    assert agent(sandbox, env)["name"] == first


def test_the_first_and_last_of_the_list(sandbox):
    assert agent(sandbox, {"GOOSE_PROVIDER": "x", "CURSOR_TRACE_ID": "x"})["name"] == "cursor"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Claude", "claude"),
        ("  My-Bot\t", "my-bot"),
        ("github-copilot-cli", "github-copilot"),
        ("GitHub-Copilot-CLI", "github-copilot"),
        (" github-copilot-cli ", "github-copilot"),
        ("github-copilot", "github-copilot"),
    ],
)
def test_ai_agent_comes_first_lower_cased_and_renamed(sandbox, value, expected):
    assert agent(sandbox, {"AI_AGENT": value, "CURSOR_TRACE_ID": "1"})["name"] == expected


def test_a_blank_ai_agent_falls_back_to_the_markers(sandbox):
    assert agent(sandbox, {"AI_AGENT": " \t", "REPL_ID": "1"})["name"] == "replit"


def test_exec_agent_on_the_command_line_wins(sandbox):
    env = {"AI_AGENT": "claude", "CURSOR_TRACE_ID": "1", "AI_AGENT_MODEL": "m-1"}
    found = agent(sandbox, env, "preview", "-s", "dev", "--exec-agent", "MyAutomation")
    assert found == {"name": "MyAutomation", "model": "m-1"}
    # An empty --exec-agent is no value: pulumi detects from the environment then.
    found = agent(sandbox, env, "preview", "-s", "dev", "--exec-agent=")
    assert found["name"] == "claude"


def test_exec_agent_alone_names_an_agent(sandbox):
    found = agent(sandbox, {}, "up", "--yes", "-s", "dev", "--exec-agent", "ci-bot")
    assert found == {"name": "ci-bot", "model": None}


# --- the model --------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def claude_home(sandbox):
    """Claude's settings.json and settings.local.json both name a model."""
    write(sandbox.home / ".claude" / "settings.json", '{"model": "from-settings"}')
    write(sandbox.home / ".claude" / "settings.local.json", '{"model": "from-local"}')
    return sandbox


def model(sandbox, env: dict[str, str]) -> str | None:
    return agent(sandbox, env)["model"]


def test_model_precedence_for_claude(claude_home):
    sandbox = claude_home
    env = {
        "CLAUDECODE": "1",
        "PULUMI_AGENT_MODEL": " pulumi-model ",
        "AI_AGENT_MODEL": "ai-agent-model",
        "ANTHROPIC_MODEL": "anthropic-model",
    }
    assert model(sandbox, env) == "pulumi-model"
    env["PULUMI_AGENT_MODEL"] = "  "
    assert model(sandbox, env) == "ai-agent-model"
    del env["AI_AGENT_MODEL"]
    assert model(sandbox, env) == "anthropic-model"
    del env["ANTHROPIC_MODEL"]
    assert model(sandbox, env) == "from-settings"
    write(sandbox.home / ".claude" / "settings.json", '{"permissions": {}}')
    assert model(sandbox, env) == "from-local"
    (sandbox.home / ".claude" / "settings.local.json").unlink()
    assert model(sandbox, env) is None


def test_cowork_reads_claudes_settings_too(claude_home):
    assert model(claude_home, {"CLAUDE_CODE_IS_COWORK": "1"}) == "from-settings"
    assert model(claude_home, {"CLAUDE_CODE_IS_COWORK": "1", "ANTHROPIC_MODEL": "a"}) == "a"


def test_claude_config_dir_replaces_the_home_folder(claude_home, tmp_path):
    folder = tmp_path / "claude-config"
    write(folder / "settings.local.json", '{"model": "from-config-dir"}')
    env = {"CLAUDECODE": "1", "CLAUDE_CONFIG_DIR": f" {folder} "}
    assert model(claude_home, env) == "from-config-dir"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ('{"Model": "any-case"}', "any-case"),  # encoding/json matches keys case-insensitively
        ('{"model": "first", "MODEL": "last"}', "last"),
        ('{"model": "kept", "model": null}', "kept"),
        ('{"model": "  padded  "}', "padded"),
        ('{"model": 4}', "from-local"),  # a type error fails the whole file
        ('{"model": "x",}', "from-local"),  # not JSON
        ('\ufeff{"model": "bom"}', "from-local"),  # Go refuses a byte-order mark
        ('["model"]', "from-local"),
        ("null", "from-local"),
        ('{"model": ""}', "from-local"),
    ],
)
def test_claude_settings_are_read_as_go_decodes_them(claude_home, settings, expected):
    write(claude_home.home / ".claude" / "settings.json", settings)
    assert model(claude_home, {"CLAUDECODE": "1"}) == expected


def test_gemini_settings(sandbox):
    assert model(sandbox, {"GEMINI_CLI": "1"}) is None
    write(sandbox.home / ".gemini" / "settings.json", '{"model": "gemini-2.5-pro", "x": [1]}')
    assert model(sandbox, {"GEMINI_CLI": "1"}) == "gemini-2.5-pro"
    assert model(sandbox, {"GEMINI_CLI": "1", "ANTHROPIC_MODEL": "no"}) == "gemini-2.5-pro"
    assert model(sandbox, {"GEMINI_CLI": "1", "AI_AGENT_MODEL": "yes"}) == "yes"


CODEX_CONFIG = """\
# ~/.codex/config.toml
model = "gpt-5-codex"  # the default
model_reasoning_effort = "high"
notes = \"\"\"
[not.a.table]
model = "inside a string"
\"\"\"
servers = [
  "[x]",  # a comment
]

[profiles.fast]
model = "o4-mini"
"""


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (CODEX_CONFIG, "gpt-5-codex"),
        ('approval_policy = "never"\n[profiles.fast]\nmodel = "o4-mini"\n', None),
        ("model = 'literal'\n", "literal"),
        ('"model" = "quoted key"\n', "quoted key"),
        ('Model = "any case"\n', "any case"),
        ('model = "\\u0067pt"\n', "gpt"),
        ("model = 5\n", None),  # not a string: the decoding fails
        ('model = "a"\nmodel = "b"\n', None),  # a key defined twice is not TOML
        ('model.name = "x"\n', None),
        ('model = "unterminated\n', None),
    ],
)
def test_codex_config(sandbox, config, expected):
    write(sandbox.home / ".codex" / "config.toml", config)
    assert model(sandbox, {"CODEX_THREAD_ID": "t-1"}) == expected


def test_the_settings_of_other_agents_are_not_read(sandbox):
    write(sandbox.home / ".claude" / "settings.json", '{"model": "claude-model"}')
    assert model(sandbox, {"CURSOR_AGENT": "1"}) is None
    assert model(sandbox, {"CURSOR_AGENT": "1", "AI_AGENT_MODEL": "m"}) == "m"


# --- parents and terminal ---------------------------------------------------------------


def _own_comm() -> str:
    return Path("/proc/self/comm").read_text().rstrip("\n")


def test_parents_name_the_programs_above_the_shim(sandbox, tmp_path):
    claude = tmp_path / "claude"
    shutil.copy("/bin/sh", claude)
    # A second command keeps the shell from exec-ing the shim in its place.
    script = '"$0" stack ls; exit $?'
    result = subprocess.run(
        [str(claude), "-c", script, str(SHIM)],
        env=sandbox.env,
        cwd=sandbox.project,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    (start,) = [r for r in sandbox.records() if r["phase"] == "start"]
    parents = start["identity"]["parents"]
    assert parents[:2] == ["claude", _own_comm()]
    assert 2 <= len(parents) <= 4


def test_at_most_four_parents(sandbox, tmp_path):
    names = ["one", "two", "three", "four", "five"]
    for name in names:
        shutil.copy("/bin/sh", tmp_path / name)
    command = f'"{SHIM}" stack ls; exit $?'
    for name in names:  # five nested shells, "one" nearest to the shim
        command = f"{tmp_path / name} -c {_quote(command)}; exit $?"
    result = subprocess.run(
        ["/bin/sh", "-c", command],
        env=sandbox.env,
        cwd=sandbox.project,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    (start,) = [r for r in sandbox.records() if r["phase"] == "start"]
    assert start["identity"]["parents"] == ["one", "two", "three", "four"]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def test_terminal_is_whether_stdin_is_a_terminal(sandbox):
    assert identity(sandbox)["terminal"] is False  # /dev/null
    assert identity(sandbox, "stack", "ls", stdin=subprocess.PIPE)["terminal"] is False
    master, slave = pty.openpty()
    try:
        assert identity(sandbox, "stack", "ls", stdin=slave)["terminal"] is True
    finally:
        os.close(slave)
        os.close(master)


# --- the agent home fallback ------------------------------------------------------------
# pulumi moves workspaces to /tmp/.pulumi when an agent is detected, neither PULUMI_HOME nor
# PULUMI_CREDENTIALS_PATH is set and the account's home folder (from the password database,
# not $HOME) cannot be made and written. Root writes through permission bits, and another
# account cannot run this machine's installed shim (its interpreter lives under /root, mode
# 700), so the home is made unwritable the way agent sandboxes (Codex, Claude Code's sandbox)
# do it: a read-only mount, here an empty read-only folder over the home in a private mount
# namespace that nothing outside the test sees. The interpreter's folder, when it lies in the
# home, is mounted back. pulumi's own test hook PULUMI_TEST_AGENT_PULUMI_DIR replaces the
# shared /tmp/.pulumi with a private folder.

READ_ONLY_HOME = """
set -e
if [ -n "$KEEP" ]; then mount --bind "$HOME_DIR/$KEEP" "$KEEP_AT"; fi
mount -t tmpfs -o mode=755 tmpfs "$HOME_DIR"
if [ -n "$KEEP" ]; then mkdir -p "$HOME_DIR/$KEEP"; mount --bind "$KEEP_AT" "$HOME_DIR/$KEEP"; fi
mount -o remount,ro "$HOME_DIR"
exec "$@"
"""


@pytest.fixture
def read_only_home(sandbox, tmp_path):
    """Runs the shim with the account's home read-only and without a .pulumi folder."""
    if os.getuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to mount the home folder read-only privately")
    home = pwd.getpwuid(os.getuid()).pw_dir
    interpreter = os.path.realpath(sys.executable)
    keep = ""
    if interpreter.startswith(home.rstrip("/") + "/"):
        keep = interpreter[len(home.rstrip("/")) + 1 :].split("/", 1)[0]
    (tmp_path / "keep").mkdir()
    agent_dir = tmp_path / "agent-pulumi"
    del sandbox.env["PULUMI_HOME"]
    sandbox.env["PULUMI_TEST_AGENT_PULUMI_DIR"] = str(agent_dir)
    wrapper = ["unshare", "--mount", "--propagation", "private", "sh", "-c", READ_ONLY_HOME]
    mounts = {"HOME_DIR": home, "KEEP": keep, "KEEP_AT": str(tmp_path / "keep")}
    probe = subprocess.run(
        [*wrapper, "sh", "true"], env={**os.environ, **mounts}, capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount privately here: {probe.stderr.decode().strip()}")

    def run(*args: str, env: dict[str, str] | None = None) -> dict:
        before = len(sandbox.records())
        subprocess.run(
            [*wrapper, "sh", str(SHIM), *args],
            env={**sandbox.env, **mounts, **(env or {})},
            cwd=sandbox.project,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
        )
        starts = [r for r in sandbox.records()[before:] if r["phase"] == "start"]
        assert len(starts) == 1, "the shim wrote no start record"
        return starts[0]

    run.agent_dir = agent_dir  # type: ignore[attr-defined]
    return run


def test_an_agent_without_a_writable_home_selects_stacks_in_the_agent_folder(
    read_only_home, sandbox
):
    run = read_only_home
    claude = {"CLAUDECODE": "1"}
    assert run("stack", "select", "dev", env=claude)["stack"] == "organization/webapp/dev"
    # Where that `stack select` of pulumi's leaves the selection: the agent folder.
    select_stack(run.agent_dir, sandbox.webapp, sandbox.backend, "organization/webapp/dev")
    start = run("preview", env=claude)
    assert start["stack"] == "organization/webapp/dev"
    assert start["identity"]["agent"] == {"name": "claude", "model": None}
    # Without an agent pulumi keeps the default home, where nothing was selected.
    assert run("preview")["stack"] is None
    # PULUMI_HOME or PULUMI_CREDENTIALS_PATH switches the fallback off.
    assert run("preview", env={**claude, "PULUMI_HOME": str(sandbox.home)})["stack"] is None
    explicit = {**claude, "PULUMI_CREDENTIALS_PATH": str(sandbox.home)}
    assert run("preview", env=explicit)["stack"] is None


def test_an_agent_without_a_writable_home_uses_the_agent_credentials(read_only_home):
    run = read_only_home
    url = "https://api.agent.example"
    token = "pul-" + "0" * 40
    cloud_login(run.agent_dir, url, token, "agent-bot")
    cloud = {"PULUMI_BACKEND_URL": ""}
    start = run("stack", "ls", env={**cloud, "AI_AGENT": "codex"})
    assert (start["backend"], start["user"]) == (url, "agent-bot")
    start = run("stack", "ls", env=cloud)
    assert (start["backend"], start["user"]) == ("https://api.pulumi.com", None)


# --- the viewer -------------------------------------------------------------------------


@pytest.fixture
def agent_log(sandbox):
    """A year of synthetic runs, one in five by an AI agent, and a run recorded before agents
    were (no identity.agent at all)."""
    from viewer_logs import write_synthetic

    from pulumi_audited.store.local import LocalLog

    pairs = write_synthetic(sandbox.log_dir, 400, days=30)
    old = {key: value for key, value in pairs[-1][0].items() if key != "prev"}
    old.update(
        run_id="01a1fcd3-0000-7000-8000-0000000000aa", id="01a1fcd3-0000-7000-8000-00000000a0aa"
    )
    old["identity"] = {k: v for k, v in old["identity"].items() if k != "agent"}
    LocalLog(str(sandbox.log_dir)).append(old)
    return sandbox, [start for start, _end in pairs]


def _audit_json(sandbox, *args: str) -> list[dict]:
    result = sandbox.run("audit", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def _names(starts: list[dict]) -> list[str | None]:
    return [(s["identity"]["agent"] or {}).get("name") for s in starts]


def test_log_filters_by_agent(agent_log):
    sandbox, starts = agent_log
    names = _names(starts)
    runs = _audit_json(sandbox, "log", "-n", "0", "--json", "--agent", "claude")
    assert len(runs) == names.count("claude") > 0
    assert {run["agent"]["name"] for run in runs} == {"claude"}
    assert runs[0]["agent"]["model"] == "claude-opus-4-1"
    globbed = _audit_json(sandbox, "log", "-n", "0", "--json", "--agent", "c*")
    assert len(globbed) == sum(1 for n in names if n and n.startswith("c"))
    both = _audit_json(sandbox, "log", "-n", "0", "--json", "--agent", "codex", "--agent", "goose")
    assert len(both) == names.count("codex")
    agents = _audit_json(sandbox, "log", "-n", "0", "--json", "--agent", "any")
    assert len(agents) == sum(1 for n in names if n)
    humans = _audit_json(sandbox, "log", "-n", "0", "--json", "--agent", "none")
    assert len(humans) == names.count(None)  # the old run says nothing: neither
    assert all(run["agent"] is None for run in humans)
    total = _audit_json(sandbox, "log", "-n", "0", "--json")
    assert len(total) == len(starts) + 1


def test_log_table_and_tsv_show_the_agent(agent_log):
    from test_viewer import _on_terminal

    sandbox, _starts = agent_log
    table = _on_terminal(
        sandbox, "log", "--agent", "github-copilot", env={"NO_COLOR": "1"}, columns=100
    )
    rows = table.splitlines()
    assert rows[0].split()[-8:-6] == ["USER", "AGENT"]
    assert all(len(row) <= 100 for row in rows)
    assert all(row.split()[3].startswith("github-") for row in rows[1:])
    # At 80 columns the agent gives way (after the source IP, and after the stack was cut),
    # never the run id.
    narrow = _on_terminal(
        sandbox, "log", "--agent", "github-copilot", env={"NO_COLOR": "1"}, columns=80
    ).splitlines()
    assert all(len(row) <= 80 for row in narrow)
    assert narrow[0].split()[-1] == "RUN"
    assert all(7 <= len(row.split()[-1]) <= 10 and "…" not in row.split()[-1] for row in narrow[1:])
    tsv = sandbox.run("audit", "log", "-n", "3", "--agent", "cursor").stdout.decode()
    assert [line.split("\t")[-1] for line in tsv.splitlines()] == ["cursor"] * 3
    human = sandbox.run("audit", "log", "-n", "1", "--agent", "none").stdout.decode()
    assert human.rstrip("\n").split("\t")[-1] == ""


def test_stats_by_agent(agent_log):
    sandbox, starts = agent_log
    (stats,) = _audit_json(sandbox, "stats", "--json", "--top", "20")
    names = _names(starts)
    expected = {name or "-": names.count(name) for name in set(names)}
    expected["-"] += 1  # the run from before agents were recorded
    assert stats["by_agent"] == expected
    text = sandbox.run("audit", "stats").stdout.decode()
    assert "by AI agent" in text and "github-copilot" in text


def test_exports_name_the_agent(agent_log):
    import csv
    import io

    sandbox, _starts = agent_log
    exported = sandbox.run("audit", "export", "--format", "csv", "--agent", "codex").stdout
    rows = list(csv.reader(io.StringIO(exported.decode())))
    assert rows[0][9] == "Agent" and rows[0][:9][-1] == "AuthenticationFailure"
    assert len(rows) > 1 and {row[9] for row in rows[1:]} == {"codex"}
    cef = sandbox.run("audit", "export", "--format", "cef", "--agent", "codex").stdout.decode()
    first = cef.splitlines()[0]
    assert "cs5Label=aiAgent cs5=codex" in first
    assert "cs6Label=aiAgentModel cs6=gpt-5-codex" in first
    records = _audit_json(sandbox, "export", "--format", "jsonl", "--agent", "cursor")
    assert records and all(
        r["identity"]["agent"] == {"name": "cursor", "model": None} for r in records
    )
    human = sandbox.run("audit", "export", "--format", "cef", "--agent", "none").stdout.decode()
    assert "cs5=" not in human


def test_a_token_in_the_agent_variables_never_reaches_the_record(sandbox):
    token = "ghp_" + "T0k3n" * 8
    sandbox.run("preview", env={"AI_AGENT": token, "AI_AGENT_MODEL": token})
    assert token.encode() not in sandbox.raw_log()
    start = sandbox.records()[0]
    assert start["identity"]["agent"] == {"name": "[redacted]", "model": "[redacted]"}
