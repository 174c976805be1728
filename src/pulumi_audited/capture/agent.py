"""Who is at the keyboard: the AI coding agent driving the CLI, its model, and the processes
above the shim. The agent and model are computed as pulumi computes them.

pulumi's `sdk/go/common/util/agentdetect/agentdetect.go` (v3.259): `AI_AGENT` first, then
the first agent whose marker variable is non-empty, in pulumi's order. The model comes from
`PULUMI_AGENT_MODEL`, `AI_AGENT_MODEL`, then the agent's own variables and settings files.
The agents' settings files are read by agent_settings.py, loaded only when an agent drives
the run and no variable names the model (the shim's start-up is on every pulumi command).
"""

import os

from pulumi_audited.capture import trim
from pulumi_audited.pulumi.redact import redact_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

# pulumi's order: specific forms before broad IDE markers (agentdetect.go `agents`).
AGENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cursor", ("CURSOR_TRACE_ID",)),
    ("cursor-cli", ("CURSOR_AGENT",)),
    ("gemini", ("GEMINI_CLI",)),
    ("codex", ("CODEX_SANDBOX", "CODEX_CI", "CODEX_THREAD_ID")),
    ("antigravity", ("ANTIGRAVITY_AGENT",)),
    ("augment-cli", ("AUGMENT_AGENT",)),
    ("opencode", ("OPENCODE", "OPENCODE_CALLER", "OPENCODE_CLIENT")),
    ("cowork", ("CLAUDE_CODE_IS_COWORK",)),
    ("claude", ("CLAUDECODE", "CLAUDE_CODE")),
    ("replit", ("REPL_ID",)),
    ("github-copilot", ("COPILOT_MODEL", "COPILOT_ALLOW_ALL", "COPILOT_GITHUB_TOKEN")),
    ("goose", ("GOOSE_PROVIDER",)),
)
_RENAMES = {"github-copilot-cli": "github-copilot"}


def go_lower(text: str) -> str:
    """Go's strings.ToLower: rune by rune, so no final-sigma rule, and İ becomes plain i."""
    if text.isascii():
        return text.lower()
    return "".join("i" if char == "\u0130" else char.lower() for char in text)


def detect_name(environ: "Mapping[str, str]") -> str:
    """agentdetect.Detect: the normalised agent name, or "" when none is detected."""
    name = trim(go_lower(environ.get("AI_AGENT", "")))
    if name:
        return _RENAMES.get(name, name)
    for agent, markers in AGENTS:
        for marker in markers:
            if environ.get(marker):
                return agent
    return ""


def detect_agent(environ: "Mapping[str, str]", exec_agent: str | None = None) -> dict | None:
    """{"name", "model"} for the run, None when no agent drives it.

    `--exec-agent NAME` wins over detection as in pulumi's metadata.go
    addExecutionMetadataToEnvironment (an empty value falls back to detection).
    """
    name = exec_agent or detect_name(environ)
    if not name:
        return None
    # The values come from variables anyone can set: a pasted token must not reach a record.
    return {"name": redact_text(name), "model": redact_text(detect_model(name, environ)) or None}


def detect_model(agent: str, environ: "Mapping[str, str]") -> str:
    """agentdetect.DetectModel: best-effort model of the agent, "" when unknown."""
    for variable in ("PULUMI_AGENT_MODEL", "AI_AGENT_MODEL"):
        model = trim(environ.get(variable, ""))
        if model:
            return model
    agent = go_lower(trim(agent))
    if agent in ("claude", "cowork"):
        model = trim(environ.get("ANTHROPIC_MODEL", ""))
        if model:
            return model
    if agent not in _SETTINGS_FILE_AGENTS:
        return ""
    # Only a run an agent drives reads its settings files: the readers load only then.
    from pulumi_audited.capture import agent_settings

    return agent_settings.model_from_settings(agent, environ)


_SETTINGS_FILE_AGENTS = frozenset({"claude", "cowork", "codex", "gemini"})


# --- the processes above the shim: a shell, an agent, an IDE, cron... ---------------------

MAX_PARENTS = 4
_STAT_BYTES = 4096


def parent_commands(limit: int = MAX_PARENTS) -> list[str]:
    """Command names of the parent processes, nearest first, read from /proc.

    One read of /proc/<pid>/stat per process gives both its name (the same 15-character
    `comm` that /proc/<pid>/comm holds) and its parent. The walk ends after pid 1, at pid 0
    (no parent: a process of another pid namespace or the kernel) or at the first process
    that cannot be read.
    """
    names: list[str] = []
    pid = os.getppid()
    while pid > 0 and len(names) < limit:
        found = _comm_and_parent(pid)
        if found is None:
            break
        names.append(found[0])
        if pid == 1:
            break
        pid = found[1]
    return names


def _comm_and_parent(pid: int) -> tuple[str, int] | None:
    try:
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        data = os.read(fd, _STAT_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    # `pid (comm) state ppid ...`; comm may itself hold spaces and parentheses.
    open_paren, close_paren = data.find(b"("), data.rfind(b")")
    if open_paren < 0 or close_paren < open_paren:
        return None
    fields = data[close_paren + 1 :].split(None, 2)
    if len(fields) < 2 or not fields[1].isdigit():
        return None
    name = data[open_paren + 1 : close_paren].decode("utf-8", "replace")
    return name, int(fields[1])
