"""What reading the AI agents' settings files costs the shim.

    .venv/bin/python benchmarks/agent_detect.py [--runs 100] [--loops 2000]

Each round runs, in rotating order, a bare start of the shim's interpreter (`python -c ""`)
and the shim recording `preview --stack dev` in front of /bin/true in each of these cases:
no agent; Claude Code without settings files; Claude Code whose settings.json has no model
(so settings.local.json is read too, the most files any agent costs); Codex with a
config.toml; Gemini with a settings.json. Reported: medians, and the shim's own work (shim
minus the bare start). The difference between the cases is below the noise of a process
start, so the detection alone is also timed in one process (`--loops` calls per case), next to
what `import tomllib` would cost a fresh interpreter.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox import sandbox_environment

ROOT = Path(__file__).resolve().parent.parent
SHIM = Path(sys.executable).parent / "pulumi-audited"

CLAUDE_SETTINGS = {
    "permissions": {
        "allow": [f"Bash(npm run {task}:*)" for task in ("lint", "test", "build", "typecheck")],
        "deny": ["Read(./.env)", "Read(./secrets/**)"],
    },
    "env": {"CLAUDE_CODE_ENABLE_TELEMETRY": "0"},
    "hooks": {"PostToolUse": [{"matcher": "Edit", "hooks": [{"type": "command"}]}]},
    "includeCoAuthoredBy": False,
}
CODEX_CONFIG = """\
model = "gpt-5-codex"
model_reasoning_effort = "high"
approval_policy = "on-request"
sandbox_mode = "workspace-write"

[sandbox_workspace_write]
network_access = false

[mcp_servers.docs]
command = "npx"
args = ["-y", "@example/docs-mcp"]
env = { "DOCS_TOKEN" = "x" }

[projects."/home/dev/infra"]
trust_level = "trusted"
"""


def write_settings(home: Path) -> None:
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text(json.dumps(CLAUDE_SETTINGS, indent=2))
    local = {"model": "claude-opus-4-1", **CLAUDE_SETTINGS}
    (home / ".claude" / "settings.local.json").write_text(json.dumps(local, indent=2))
    (home / ".codex").mkdir()
    (home / ".codex" / "config.toml").write_text(CODEX_CONFIG)
    (home / ".gemini").mkdir()
    gemini = {"model": "gemini-2.5-pro", "theme": "Default", "mcpServers": {}}
    (home / ".gemini" / "settings.json").write_text(json.dumps(gemini, indent=2))


def cases(bare_home: Path) -> dict[str, dict[str, str]]:
    return {
        "no agent": {},
        "claude, no settings files": {"CLAUDECODE": "1", "HOME": str(bare_home)},
        "claude, settings.json + settings.local.json": {"CLAUDECODE": "1"},
        "codex, config.toml": {"CODEX_THREAD_ID": "t"},
        "gemini, settings.json": {"GEMINI_CLI": "1"},
    }


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1000


def end_to_end(root: Path, env: dict[str, str], runs: int) -> dict[str, list[float]]:
    commands = {"bare interpreter": ([sys.executable, "-c", ""], {})}
    for name, extra in cases(root / "bare-home").items():
        commands[name] = ([str(SHIM), "preview", "--stack", "dev"], extra)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for round_number in range(runs):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            command, extra = commands[name]
            samples[name].append(timed(command, {**env, **extra}, root / "project"))
    return samples


IN_PROCESS = """
import os, sys, time
from pulumi_audited.capture.agent import detect_agent
environ = dict(os.environ)
loops = int(sys.argv[1])
detect_agent(environ)
started = time.perf_counter()
for _ in range(loops):
    detect_agent(environ)
print((time.perf_counter() - started) * 1e6 / loops)
"""


def in_process(root: Path, env: dict[str, str], loops: int) -> dict[str, float]:
    found = {}
    for name, extra in cases(root / "bare-home").items():
        output = subprocess.run(
            [sys.executable, "-c", IN_PROCESS, str(loops)],
            env={**env, **extra},
            capture_output=True,
            check=True,
        ).stdout
        found[name] = float(output)
    return found


PARENTS = """
import sys, time
from pulumi_audited.capture.agent import parent_commands
loops = int(sys.argv[1])
started = time.perf_counter()
for _ in range(loops):
    parent_commands()
print((time.perf_counter() - started) * 1e6 / loops)
"""


def parents_us(loops: int) -> float:
    """parent_commands(), four /proc reads under the benchmark's own process tree."""
    output = subprocess.run(
        [sys.executable, "-c", PARENTS, str(loops)], capture_output=True, check=True
    ).stdout
    return float(output)


def tomllib_import_ms(runs: int = 25) -> float:
    """Median of the extra time a fresh interpreter takes to `import tomllib`."""
    plain, loaded = [], []
    for _ in range(runs):
        plain.append(timed([sys.executable, "-c", ""], {}, ROOT))
        loaded.append(timed([sys.executable, "-c", "import tomllib"], {}, ROOT))
    return statistics.median(loaded) - statistics.median(plain)


def main() -> int:
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--loops", type=int, default=2000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        env = sandbox_environment(root, "/bin/true")
        (root / "bare-home").mkdir()
        write_settings(Path(env["HOME"]))
        samples = end_to_end(root, env, options.runs)
        micro = in_process(root, env, options.loops)
    bare = statistics.median(samples.pop("bare interpreter"))
    print(f"rounds: {options.runs}; bare interpreter start: {bare:.2f} ms (median)")
    print(f"{'case':<46} {'shim':>9} {'own work':>9} {'detect_agent':>13}")
    for name, values in samples.items():
        shim = statistics.median(values)
        print(f"{name:<46} {shim:7.2f}ms {shim - bare:7.2f}ms {micro[name]:10.1f} µs")
    print(f"parent_commands (4 /proc reads): {parents_us(options.loops):.1f} µs")
    print(f"import tomllib in a fresh interpreter: {tomllib_import_ms():.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
