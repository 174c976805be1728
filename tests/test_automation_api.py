"""The Python Automation API (`pulumi.automation`) as a real client of the shim.

The SDK runs the `pulumi` it finds on PATH; here that is the installed shim (a symlink to
`.venv/bin/pulumi-audited`), which finds the stand-in through PULUMI_AUDITED_PULUMI. The
program is a local one (work_dir), never an inline one: an inline program needs pulumi to call
back into the caller's gRPC language host, which the stand-in cannot do.

The argv each SDK call sent (pulumi SDK 3.272, as the stand-in logged it in FAKE_PULUMI_LOG;
P is a port, CANARY the secret):

  create_or_select_stack   version
                           --non-interactive stack select --stack dev
  who_am_i                 --non-interactive whoami --json
  set_config (secret)      config set token --secret --stack dev --non-interactive -- CANARY
  set_all_config           --non-interactive config set-all --stack dev
                               --plaintext region=eu-west-1 --secret password=CANARY
  list_stacks              --non-interactive stack ls --json
  preview                  --non-interactive preview --exec-kind auto.local
                               --event-log tcp://127.0.0.1:P --stack dev
  up                       --non-interactive up --yes --skip-preview --exec-kind auto.local
                               --event-log tcp://127.0.0.1:P --stack dev
                           --non-interactive stack output --json --stack dev
                           --non-interactive stack output --json --show-secrets --stack dev
                           --non-interactive stack history --json --show-secrets
                               --page-size 1 --page 1 --stack dev
  refresh                  --non-interactive refresh --skip-preview --yes
                               --exec-kind auto.local --event-log tcp://127.0.0.1:P --stack dev
                           (then the same stack history)
  destroy                  --non-interactive destroy --skip-preview --yes
                               --exec-kind auto.local --event-log tcp://127.0.0.1:P --stack dev
                           (then the same stack history)
  export_stack             --non-interactive stack export --show-secrets --stack dev
  cancel                   --non-interactive cancel --yes --stack dev
  remove_stack             --non-interactive stack rm --yes dev

`--non-interactive` comes first, except where the SDK put it on the line itself (config set).
Up, refresh and destroy pass `--event-log` only because these tests give them an on_event.

The stand-in keeps no state: what the SDK reads back of pulumi's state (the stack list, the
outputs, the export, the last update in the history) is prepared below in the shapes pulumi
prints, and the stand-in prints it (FAKE_PULUMI_ANSWERS). The engine events the SDK reads
through `--event-log` are the stand-in's own.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import SHIM, STANDIN, Sandbox
from pulumi import automation as auto

from pulumi_audited.viewer.commands.export import FORMATS as EXPORT_FORMATS

STACK = "organization/webapp/dev"
CANARY = f"canary-{uuid.uuid4().hex}"
PASSPHRASE = f"passphrase-{uuid.uuid4().hex}"
PORT = re.compile(r"^tcp://127\.0\.0\.1:\d+$")

# Per SDK call: the audited runs it makes, in order, as (canonical command, exec_kind).
# exec_kind is pulumi's vocabulary: the `--exec-kind` the SDK passed, else null.
LOCAL = "auto.local"
HISTORY = ("stack history", None)
EXPECTED_RUNS: dict[str, list[tuple[str, str | None]]] = {
    "create_or_select_stack": [("stack select", None)],
    "who_am_i": [("whoami", None)],
    "set_config": [("config set", None)],
    "set_all_config": [("config set-all", None)],
    "list_stacks": [("stack list", None)],
    "preview": [("preview", LOCAL)],
    "up": [("up", LOCAL), ("stack output", None), ("stack output", None), HISTORY],
    "refresh": [("refresh", LOCAL), HISTORY],
    "destroy": [("destroy", LOCAL), HISTORY],
    "export_stack": [("stack export", None)],
    "cancel": [("cancel", None)],
    "remove_stack": [("stack remove", None)],
}
# Commands that name no stack of their own: their records' `stack` is not checked.
STACKLESS = {"whoami", "stack list"}

EVENT_LOG = ["--event-log", "tcp://127.0.0.1:P"]
HISTORY_ARGV = ["stack", "history", "--json", "--show-secrets", "--page-size", "1", "--page", "1"]
EXPECTED_ARGV: dict[str, list[list[str]]] = {
    "create_or_select_stack": [["version"], ["stack", "select", "--stack", "dev"]],
    "who_am_i": [["whoami", "--json"]],
    "set_config": [],  # below: --non-interactive is not first
    "set_all_config": [
        [
            *("config", "set-all", "--stack", "dev"),
            *("--plaintext", "region=eu-west-1", "--secret", "password=CANARY"),
        ]
    ],
    "list_stacks": [["stack", "ls", "--json"]],
    "preview": [["preview", "--exec-kind", LOCAL, *EVENT_LOG, "--stack", "dev"]],
    "up": [
        ["up", "--yes", "--skip-preview", "--exec-kind", LOCAL, *EVENT_LOG, "--stack", "dev"],
        ["stack", "output", "--json", "--stack", "dev"],
        ["stack", "output", "--json", "--show-secrets", "--stack", "dev"],
        [*HISTORY_ARGV, "--stack", "dev"],
    ],
    "refresh": [
        ["refresh", "--skip-preview", "--yes", "--exec-kind", LOCAL, *EVENT_LOG, "--stack", "dev"],
        [*HISTORY_ARGV, "--stack", "dev"],
    ],
    "destroy": [
        ["destroy", "--skip-preview", "--yes", "--exec-kind", LOCAL, *EVENT_LOG, "--stack", "dev"],
        [*HISTORY_ARGV, "--stack", "dev"],
    ],
    "export_stack": [["stack", "export", "--show-secrets", "--stack", "dev"]],
    "cancel": [["cancel", "--yes", "--stack", "dev"]],
    "remove_stack": [["stack", "rm", "--yes", "dev"]],
}
for _name, _argvs in EXPECTED_ARGV.items():
    EXPECTED_ARGV[_name] = [a if a == ["version"] else ["--non-interactive", *a] for a in _argvs]
EXPECTED_ARGV["set_config"] = [
    ["config", "set", "token", "--secret", "--stack", "dev", "--non-interactive", "--", "CANARY"]
]
STEPS = list(EXPECTED_RUNS)

# What the SDK reads back of pulumi's state, as pulumi prints it (the stand-in keeps none).
# Shapes: pkg/cmd/pulumi/stack/stack_list.go `stackSummaryJSON`, stack_history.go
# `updateInfoJSON` (times as pkg/cmd/pulumi/cmd/time.go `FormatTime` prints them),
# sdk/go/common/apitype/core.go `UntypedDeployment`.
HISTORY_KINDS = {"up": "update", "refresh": "refresh", "destroy": "destroy"}


def _history(kind: str) -> list[dict]:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    return [
        {
            "version": 1,
            "kind": kind,
            "startTime": now,
            "message": "",
            "environment": {"exec.kind": LOCAL, "pulumi.version": "v3.259.0"},
            "config": {
                "webapp:region": {"value": "eu-west-1", "secret": False},
                "webapp:token": {"value": CANARY, "secret": True},
            },
            "result": "succeeded",
            "endTime": now,
            "resourceChanges": {"same": 1},
        }
    ]


def _prepare_answers(folder: Path, step: str) -> None:
    folder.mkdir(exist_ok=True)
    answers = {
        "stack-list": [{"name": "dev", "current": True}],
        "stack-output": {},
        "stack-export": {"version": 3, "deployment": {"manifest": {}, "resources": []}},
        "stack-history": _history(HISTORY_KINDS.get(step, "update")),
    }
    for name, answer in answers.items():
        (folder / name).write_text(json.dumps(answer, indent=4) + "\n")


@dataclass
class Step:
    """One SDK call: what it returned or raised, and what the shim and the stand-in saw."""

    name: str
    result: Any = None
    error: BaseException | None = None
    runs: list[dict[str, dict]] = field(default_factory=list)
    standin_starts: list[dict] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)


@dataclass
class Scenario:
    sandbox: Sandbox
    client_bin: Path
    steps: dict[str, Step]
    stderr: list[str]
    pulumi_version: str | None


def client_bin_with_shim(root: Path, how: str = "symlink") -> Path:
    """A folder whose `pulumi` is the installed shim, to put first on PATH."""
    folder = root / "client-bin"
    folder.mkdir()
    if how == "symlink":
        (folder / "pulumi").symlink_to(SHIM)
    else:
        shutil.copy2(SHIM, folder / "pulumi")
    return folder


def client_environment(sandbox: Sandbox, client_bin: Path) -> dict[str, str]:
    return {**sandbox.env, "PATH": f"{client_bin}{os.pathsep}{sandbox.env['PATH']}"}


@pytest.fixture
def client_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, str]], None]:
    """The SDK runs pulumi with this process's environment: make it exactly the sandbox's."""

    def use(env: dict[str, str]) -> None:
        for key in list(os.environ):
            monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)

    return use


def _new_runs(sandbox: Sandbox, seen: set[str]) -> list[dict[str, dict]]:
    runs: dict[str, dict[str, dict]] = {}
    for record in sandbox.records():
        if record["run_id"] not in seen:
            runs.setdefault(record["run_id"], {})[record["phase"]] = record
    seen.update(runs)
    return list(runs.values())


def _recording(command: Any, stderr: list[str]) -> None:
    """Keep every stderr the SDK got back, from the SDK's own PulumiCommand."""
    original = command.run

    def run(args, cwd, additional_env, on_output=None, on_error=None):
        try:
            result = original(args, cwd, additional_env, on_output, on_error)
        except auto.errors.CommandError as error:
            stderr.append(str(error))
            raise
        stderr.append(result.stderr)
        return result

    command.run = run


def _drive(sandbox: Sandbox, answers: Path) -> tuple[dict[str, Step], list[str], str | None]:
    steps = {name: Step(name) for name in STEPS}
    stderr: list[str] = []
    seen_runs: set[str] = set()
    seen_starts = 0
    command = auto.PulumiCommand()
    _recording(command, stderr)
    options = auto.LocalWorkspaceOptions(
        pulumi_command=command, env_vars={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE}
    )
    # The SDK's own `pulumi version` ran above: it belongs to the first step.
    state: dict[str, Any] = {}

    def on_event_into(step: Step) -> Callable[[Any], None]:
        return step.events.append

    calls: dict[str, Callable[[Step], Any]] = {
        "create_or_select_stack": lambda step: state.setdefault(
            "stack",
            auto.create_or_select_stack("dev", work_dir=str(sandbox.project), opts=options),
        ),
        "who_am_i": lambda step: state["stack"].workspace.who_am_i(),
        "set_config": lambda step: state["stack"].set_config(
            "token", auto.ConfigValue(value=CANARY, secret=True)
        ),
        "set_all_config": lambda step: state["stack"].set_all_config(
            {
                "region": auto.ConfigValue(value="eu-west-1"),
                "password": auto.ConfigValue(value=CANARY, secret=True),
            }
        ),
        "list_stacks": lambda step: state["stack"].workspace.list_stacks(),
        "preview": lambda step: state["stack"].preview(on_event=on_event_into(step)),
        "up": lambda step: state["stack"].up(on_event=on_event_into(step)),
        "refresh": lambda step: state["stack"].refresh(on_event=on_event_into(step)),
        "destroy": lambda step: state["stack"].destroy(on_event=on_event_into(step)),
        "export_stack": lambda step: state["stack"].export_stack(),
        "cancel": lambda step: state["stack"].cancel(),
        "remove_stack": lambda step: state["stack"].workspace.remove_stack("dev"),
    }
    for name, call in calls.items():
        step = steps[name]
        if "stack" not in state and name != "create_or_select_stack":
            step.error = RuntimeError("no stack: create_or_select_stack failed")
            continue
        _prepare_answers(answers, name)
        try:
            step.result = call(step)
        except Exception as error:
            step.error = error
        step.runs = _new_runs(sandbox, seen_runs)
        starts = sandbox.standin_events("start")
        step.standin_starts, seen_starts = starts[seen_starts:], len(starts)
    return steps, stderr, str(command.version) if command.version else None


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    """Every SDK call once, in order, against one sandbox; the tests below read the results."""
    sandbox = Sandbox(tmp_path_factory.mktemp("automation"))
    answers = sandbox.root / "answers"
    sandbox.env["FAKE_PULUMI_ANSWERS"] = str(answers)
    client_bin = client_bin_with_shim(sandbox.root)
    with pytest.MonkeyPatch.context() as patch:
        for key in list(os.environ):
            patch.delenv(key)
        for key, value in client_environment(sandbox, client_bin).items():
            patch.setenv(key, value)
        steps, stderr, version = _drive(sandbox, answers)
    yield Scenario(sandbox, client_bin, steps, stderr, version)


def _exact_argv(start: dict) -> list[str]:
    """What the stand-in received: it logs secret values as "[secret]" (and their indices)."""
    hidden = set(start["redacted"])
    return [
        a.replace("[secret]", CANARY) if i in hidden else a for i, a in enumerate(start["argv"])
    ]


def _sdk_argv(start: dict) -> list[str]:
    """One call as the comment at the top shows it: the port is P, the secret CANARY."""
    argv = [a.replace(CANARY, "CANARY") for a in _exact_argv(start)]
    return ["tcp://127.0.0.1:P" if PORT.match(a) else a for a in argv]


# ---------------------------------------------------------------------------
# Each SDK call, one aspect at a time
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", STEPS)
def test_the_sdk_call_succeeds_through_the_shim(scenario: Scenario, name: str) -> None:
    step = scenario.steps[name]
    assert step.error is None, f"{name} raised {step.error!r}"


@pytest.mark.parametrize("name", STEPS)
def test_the_sdk_argv_reaches_pulumi_unchanged(scenario: Scenario, name: str) -> None:
    step = scenario.steps[name]
    assert [_sdk_argv(start) for start in step.standin_starts] == EXPECTED_ARGV[name]
    for start in step.standin_starts:
        exact = b"\0".join(os.fsencode(a) for a in _exact_argv(start))
        assert hashlib.sha256(exact).hexdigest() == start["argv_sha256"]


@pytest.mark.parametrize("name", STEPS)
def test_canonical_commands(scenario: Scenario, name: str) -> None:
    runs = scenario.steps[name].runs
    assert [run["start"]["command"] for run in runs] == [c for c, _ in EXPECTED_RUNS[name]]


@pytest.mark.parametrize("name", STEPS)
def test_fully_qualified_stack(scenario: Scenario, name: str) -> None:
    runs = scenario.steps[name].runs
    assert runs, f"{name} left no record"
    for run in runs:
        if run["start"]["command"] in STACKLESS:
            continue
        for record in run.values():
            assert record["stack"] == STACK, record["command"]


@pytest.mark.parametrize("name", STEPS)
def test_exec_kind_in_pulumis_vocabulary(scenario: Scenario, name: str) -> None:
    runs = scenario.steps[name].runs
    found = [(run["start"]["command"], run["start"].get("exec_kind", "<missing>")) for run in runs]
    assert found == EXPECTED_RUNS[name]
    for run in runs:
        assert run["end"]["exec_kind"] == run["start"]["exec_kind"]


@pytest.mark.parametrize("name", STEPS)
def test_records_say_automation_api(scenario: Scenario, name: str) -> None:
    runs = scenario.steps[name].runs
    assert runs, f"{name} left no record"
    for run in runs:
        for phase, record in run.items():
            assert record.get("automation_api") is True, (record["command"], phase)


@pytest.mark.parametrize("name", STEPS)
def test_start_and_end_pair_up_with_an_outcome(scenario: Scenario, name: str) -> None:
    runs = scenario.steps[name].runs
    assert len(runs) == len(EXPECTED_RUNS[name])
    for run in runs:
        assert set(run) == {"start", "end"}
        start, end = run["start"], run["end"]
        assert start["run_id"] == end["run_id"]
        assert start["time"] <= end["time"]
        assert end["exit_code"] == 0 and end["outcome"] == "succeeded", start["command"]


@pytest.mark.parametrize("name", STEPS)
def test_non_interactive_stays_where_the_sdk_put_it(scenario: Scenario, name: str) -> None:
    for run in scenario.steps[name].runs:
        argv = run["start"]["argv"]
        if run["start"]["command"] == "config set":
            assert argv[:2] == ["config", "set"] and "--non-interactive" in argv
        else:
            assert argv[0] == "--non-interactive", argv


# ---------------------------------------------------------------------------
# The shim in between: no loop, version untouched, what the SDK gets back
# ---------------------------------------------------------------------------


def test_the_shim_runs_the_standin_once_per_command_and_never_itself(scenario: Scenario) -> None:
    for step in scenario.steps.values():
        recorded = {run["start"]["run_id"]: run["start"] for run in step.runs}
        audited = [s for s in step.standin_starts if s["run_id"] is not None]
        assert sorted(s["run_id"] for s in audited) == sorted(recorded), step.name
        for start in audited:
            shim_pid = recorded[start["run_id"]]["pid"]
            # Spawned by the shim, or exec'd in its place: either way, one hop.
            assert shim_pid in (start["pid"], start["ppid"])
            assert "PULUMI_AUTOMATION_API" in start["env_keys"]
        passed = [s for s in step.standin_starts if s["run_id"] is None]
        assert [s["argv"] for s in passed] == ([["version"]] if step.name == STEPS[0] else [])


def test_pulumi_version_passes_through_byte_for_byte(scenario: Scenario) -> None:
    import subprocess

    sandbox = scenario.sandbox
    assert scenario.pulumi_version == "3.259.0"
    env = {**client_environment(sandbox, scenario.client_bin), "PULUMI_SKIP_UPDATE_CHECK": "true"}
    through = subprocess.run(
        ["pulumi", "version"], env=env, capture_output=True, stdin=subprocess.DEVNULL, timeout=60
    )
    direct = subprocess.run(
        [str(STANDIN), "version"], env=env, capture_output=True, stdin=subprocess.DEVNULL
    )
    assert through.returncode == direct.returncode == 0
    assert through.stdout == direct.stdout == b"v3.259.0\n"
    assert through.stderr == direct.stderr == b""


def test_the_sdk_gets_pulumis_answers(scenario: Scenario) -> None:
    steps = scenario.steps
    assert steps["who_am_i"].result.user == pwd.getpwuid(os.getuid()).pw_name
    assert [s.name for s in steps["list_stacks"].result] == ["dev"]
    assert steps["preview"].result.change_summary == {"same": 1}
    for name, kind in HISTORY_KINDS.items():
        summary = steps[name].result.summary
        assert (summary.kind, summary.result) == (kind, "succeeded"), name
        assert summary.environment["exec.kind"] == LOCAL
        summaries = [e.summary_event for e in steps[name].events if e.summary_event]
        assert [s.resource_changes for s in summaries] == [{"same": 1}], name
    # The SDK asked for --show-secrets: the shim hands pulumi's stdout back untouched.
    config = steps["up"].result.summary.config
    assert config["webapp:token"].value == CANARY and config["webapp:token"].secret
    assert config["webapp:region"].value == "eu-west-1"
    assert steps["export_stack"].result.deployment["resources"] == []


# ---------------------------------------------------------------------------
# The secret
# ---------------------------------------------------------------------------


def test_the_secret_reaches_no_log_and_no_stderr(scenario: Scenario) -> None:
    sandbox = scenario.sandbox
    log_files = [p for p in sandbox.log_dir.rglob("*") if p.is_file()]
    assert log_files, "the shim wrote no audit log"
    for secret in (CANARY, PASSPHRASE):
        for path in log_files:
            assert secret.encode() not in path.read_bytes(), path
        assert secret.encode() not in sandbox.standin_log.read_bytes()
        for text in scenario.stderr:
            assert secret not in text


def test_the_secret_reaches_no_viewer_output(scenario: Scenario) -> None:
    sandbox = scenario.sandbox
    run_ids = [run["start"]["run_id"] for s in scenario.steps.values() for run in s.runs]
    assert run_ids
    views = [("audit", "log"), ("audit", "log", "-n", "100")]
    views += [("audit", "show", run_id) for run_id in run_ids]
    views += [("audit", "export", "--format", f) for f in EXPORT_FORMATS]
    for args in views:
        shown = sandbox.run(*args)
        assert shown.returncode == 0, (args, shown.stderr)
        for secret in (CANARY, PASSPHRASE):
            assert secret.encode() not in shown.stdout + shown.stderr, args


# ---------------------------------------------------------------------------
# A copied shim (pipx and some installers copy console scripts) works the same
# ---------------------------------------------------------------------------


def test_a_copied_shim_finds_the_standin_and_does_not_loop(
    sandbox: Sandbox, client_env: Callable[[dict[str, str]], None]
) -> None:
    client_bin = client_bin_with_shim(sandbox.root, how="copy")
    client_env(client_environment(sandbox, client_bin))
    workspace = auto.LocalWorkspace(work_dir=str(sandbox.project))
    assert workspace.pulumi_version == "3.259.0"
    assert workspace.who_am_i().user
    (run,) = _new_runs(sandbox, set())
    assert run["start"]["command"] == "whoami"
    starts = sandbox.standin_events("start")
    assert [s["argv"] for s in starts] == [["version"], ["--non-interactive", "whoami", "--json"]]
    assert starts[1]["run_id"] == run["start"]["run_id"]
    assert run["start"]["pid"] in (starts[1]["pid"], starts[1]["ppid"])


def test_without_pulumi_audited_pulumi_the_shim_skips_itself_on_path(sandbox: Sandbox) -> None:
    import subprocess

    client_bin = client_bin_with_shim(sandbox.root)
    env = client_environment(sandbox, client_bin)
    del env["PULUMI_AUDITED_PULUMI"]
    # The shim named `pulumi` comes first on PATH; the stand-in's folder after it.
    found = {**env, "PATH": f"{client_bin}{os.pathsep}{STANDIN.parent}{os.pathsep}{env['PATH']}"}
    kwargs: dict[str, Any] = {"capture_output": True, "stdin": subprocess.DEVNULL, "timeout": 60}
    result = subprocess.run(["pulumi", "whoami"], env=found, cwd=sandbox.project, **kwargs)
    assert result.returncode == 0, result.stderr
    (start,) = sandbox.standin_events("start")
    (run,) = _new_runs(sandbox, set())
    assert start["run_id"] == run["start"]["run_id"] and start["argv"] == ["whoami"]
    # With no pulumi but the shim on PATH it says so, instead of running itself.
    result = subprocess.run(["pulumi", "whoami"], env=env, cwd=sandbox.project, **kwargs)
    assert result.returncode == 127
    assert b"cannot find the real pulumi" in result.stderr
    assert len(sandbox.standin_events("start")) == 1
