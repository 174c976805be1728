"""pulumi's own files, written as test fixtures in the places and shapes pulumi writes them.

A test that needs a project, a selected stack or a logged-in account writes these files
itself, then checks what the shim recorded against the values it wrote. Nothing here reads
them back or resolves anything: resolving is the shim's job, and the stand-in pulumi keeps no
state. Places and shapes from pulumi's source (github pulumi/pulumi v3.259, commit 1b59498, as
`/work/shared/PULUMI-FACTS.md` summarises it), cited per function.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    name: str
    # The absolute path pulumi finds the file at (its working directory as Go's os.Getwd
    # gives it, joined with the file name): the workspace file's name hashes this string.
    file: Path


def write_project(
    folder: Path, name: str, *, runtime: str = "python", backend_url: str | None = None
) -> Project:
    """`Pulumi.yaml` with `name`, `runtime` and optionally `backend: url:`
    (sdk/go/common/workspace/project.go `Project`; `folder` must be absolute)."""
    text = f"name: {name}\nruntime: {runtime}\n"
    if backend_url is not None:
        text += f"backend:\n  url: {backend_url}\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Pulumi.yaml"
    path.write_text(text)
    return Project(name, path)


def workspace_file(pulumi_dir: Path, project: Project) -> Path:
    """`<pulumi dir>/workspaces/<project>-<sha1 hex of the project file path>-workspace.json`
    (pkg/workspace/workspace.go `settingsPath`). `pulumi_dir` is what
    sdk/go/common/workspace/paths.go `GetPulumiPath` joins onto: `$PULUMI_HOME`, or for an
    agent that cannot write it the agent folder (`PULUMI_TEST_AGENT_PULUMI_DIR`)."""
    digest = hashlib.sha1(str(project.file).encode()).hexdigest()
    return pulumi_dir / "workspaces" / f"{project.name}-{digest}-workspace.json"


def select_stack(
    pulumi_dir: Path,
    project: Project,
    backend_url: str,
    stack: str,
    *,
    legacy: str | None = None,
) -> Path:
    """What `pulumi stack select` leaves: `stacks[<backend URL key>] = <fully qualified name>`
    (pkg/backend/state/stacks.go `SetCurrentStack`, pkg/workspace/settings.go
    `SetStackForBackend`), saved as pkg/workspace/workspace.go `Save` does: indented by four
    spaces, mode 0600 in a 0700 folder. Selections already in the file stay; `legacy` sets
    the older `stack` field. The key on a self-managed backend is its URL verbatim, on
    Pulumi Cloud the API URL without a trailing `/` (`BackendURLKey`): the caller gives it."""
    path = workspace_file(pulumi_dir, project)
    settings: dict = {}
    if path.exists():
        settings = json.loads(path.read_text())
    stacks = {**settings.get("stacks", {}), backend_url: stack}
    # Go writes the struct's fields in order: Stack (omitted when empty), then Stacks.
    document = {"stack": legacy or settings.get("stack"), "stacks": stacks}
    if not document["stack"]:
        del document["stack"]
    _write_private(path, json.dumps(document, indent=4))
    return path


def write_credentials(
    folder: Path,
    *,
    current: str | None = None,
    tokens: dict[str, str] | None = None,
    accounts: dict[str, dict] | None = None,
) -> Path:
    """`<folder>/credentials.json` (`$PULUMI_HOME`, `PULUMI_CREDENTIALS_PATH` or the agent
    folder): sdk/go/common/workspace/creds.go `Credentials` {current, accessTokens,
    accounts}, each omitted when empty, indented by four spaces, mode 0600."""
    document: dict = {}
    if current:
        document["current"] = current
    if tokens:
        document["accessTokens"] = tokens
    if accounts:
        document["accounts"] = accounts
    return _write_private(folder / "credentials.json", json.dumps(document, indent=4))


def cloud_login(folder: Path, url: str, token: str, username: str) -> Path:
    """What `pulumi login URL` leaves for a Pulumi Cloud account: `current`, the token and
    the account (creds.go `Account`: accessToken, username)."""
    account = {"accessToken": token, "username": username}
    return write_credentials(folder, current=url, tokens={url: token}, accounts={url: account})


def _write_private(path: Path, text: str) -> Path:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path
