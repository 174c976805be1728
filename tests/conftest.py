"""Shared fixtures: an isolated home, the installed console script and the stand-in pulumi."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pulumi_files import select_stack, write_project

TESTS = Path(__file__).resolve().parent
STANDIN = TESTS / "standin" / "pulumi"
BIN = Path(sys.executable).parent
SHIM = BIN / "pulumi-audited"


def pytest_configure(config: pytest.Config) -> None:
    if not SHIM.exists():
        raise pytest.UsageError(
            f"{SHIM} is missing: install the package into this interpreter's environment first "
            "(make test does)"
        )
    _take_default_signal_dispositions()


# The tests send these signals to the shim and pulumi and expect pulumi's own handling. A job
# started in the background of a script (`nohup make test &`, some CI runners) inherits SIGINT
# and SIGQUIT ignored, nohup adds SIGHUP, and an ignored signal stays ignored through exec(2):
# every process the tests start would inherit it. A handled signal is reset to the default by
# exec(2), so handling them here gives the processes under test the dispositions of a terminal.
_SIGNALS_UNDER_TEST = (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGTERM)


def _take_default_signal_dispositions() -> None:
    for number in _SIGNALS_UNDER_TEST:
        if signal.getsignal(number) is signal.SIG_IGN:
            handler = signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL
            signal.signal(number, handler)


class Sandbox:
    """A fake user: home, config, state, a Pulumi project and the environment to run in."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.project = root / "project"
        self.log_dir = root / "audit-log"
        self.standin_log = root / "standin.jsonl"
        self.state = root / "state"
        self.pulumi_dir = self.home / ".pulumi"
        self.backend = f"file://{self.state}"
        for folder in (self.home, self.project, self.state):
            folder.mkdir(parents=True)
        self.webapp = write_project(self.project, "webapp")
        # A developer's checkout has a stack selected, as `pulumi stack select dev` leaves it.
        select_stack(self.pulumi_dir, self.webapp, self.backend, "organization/webapp/dev")
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        keep = ("LANG", "LC_ALL", "TERM", "TZ")
        env = {key: os.environ[key] for key in keep if key in os.environ}
        env.update(
            HOME=str(self.home),
            USER=os.environ.get("USER", "tester"),
            PATH=f"{BIN}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
            XDG_CONFIG_HOME=str(self.root / "xdg-config"),
            # The machine's site config folder (/etc/xdg/...) must not reach a test.
            XDG_CONFIG_DIRS=str(self.root / "xdg-site"),
            XDG_DATA_HOME=str(self.root / "xdg-data"),
            XDG_CACHE_HOME=str(self.root / "xdg-cache"),
            PULUMI_HOME=str(self.pulumi_dir),
            PULUMI_BACKEND_URL=self.backend,
            PULUMI_AUDITED_LOG=str(self.log_dir),
            PULUMI_AUDITED_PULUMI=str(STANDIN),
            FAKE_PULUMI_LOG=str(self.standin_log),
        )
        return env

    def run(
        self, *args: str | bytes, env: dict[str, str] | None = None, **kwargs
    ) -> subprocess.CompletedProcess:
        """The installed console script, as a user runs it."""
        return self._execute(SHIM, args, env, kwargs)

    def run_direct(
        self, *args: str | bytes, env: dict[str, str] | None = None, **kwargs
    ) -> subprocess.CompletedProcess:
        """The stand-in called without the shim: the baseline to compare against."""
        return self._execute(STANDIN, args, env, kwargs)

    def _execute(
        self, program: Path, args: tuple, env: dict[str, str] | None, kwargs: dict
    ) -> subprocess.CompletedProcess:
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("cwd", self.project)
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.run([str(program), *args], env={**self.env, **(env or {})}, **kwargs)

    def records(self) -> list[dict]:
        records = []
        for path in sorted(self.log_dir.glob("*.jsonl")):
            for line in path.read_bytes().splitlines():
                records.append(json.loads(line))
        return records

    def raw_log(self) -> bytes:
        return b"".join(path.read_bytes() for path in sorted(self.log_dir.glob("*.jsonl")))

    def standin_events(self, event: str | None = None) -> list[dict]:
        if not self.standin_log.exists():
            return []
        events = [json.loads(line) for line in self.standin_log.read_text().splitlines() if line]
        return [item for item in events if event is None or item["event"] == event]

    def wait_for_standin(self, event: str, count: int = 1, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.standin_events(event)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"the stand-in never reported {count} {event!r} event(s)")

    def write_config(self, text: str, name: str = ".pulumi-audited.yaml") -> Path:
        path = self.project / name
        path.write_text(text)
        return path


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


def runs_by_id(records: list[dict]) -> dict[str, dict[str, dict]]:
    runs: dict[str, dict[str, dict]] = {}
    for record in records:
        runs.setdefault(record["run_id"], {})[record["phase"]] = record
    return runs


def which(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise AssertionError(f"{name} is required by this test and is not installed")
    return found


# Real storage servers, started once per test session on free 127.0.0.1 ports.


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory):
    from servers import SeaweedFS

    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory):
    from servers import Azurite

    server = Azurite(tmp_path_factory.mktemp("azurite")).start()
    yield server
    server.stop()


_bucket_numbers = iter(range(1, 1_000_000))


@pytest.fixture
def s3_bucket(seaweedfs) -> str:
    """A fresh, empty bucket on the session's SeaweedFS."""
    return seaweedfs.create_bucket(f"audit-{next(_bucket_numbers)}")


@pytest.fixture
def azure_container(azurite) -> str:
    """A fresh, empty container on the session's Azurite."""
    return azurite.create_container(f"audit-{next(_bucket_numbers)}")
