"""The context of one pulumi run, resolved as pulumi would, without running it or the network.

Each fact is read by its own module (git_repo, git_config, ci, agent, backend, project, stack,
network; the OS account by the package itself); this one assembles the start record's context.
"""

import os

from pulumi_audited.capture import agent, backend, git_repo, network, os_user_name, project, stack
from pulumi_audited.capture.agent import parent_commands
from pulumi_audited.capture.ci import detect_ci
from pulumi_audited.capture.git_config import git_author_email
from pulumi_audited.pulumi.redact import strip_url_credentials

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from pulumi_audited.capture.git_repo import GitRepository
    from pulumi_audited.pulumi.cli import Invocation


def capture_context(invocation: "Invocation", environ: "Mapping[str, str]") -> dict:
    """Who runs pulumi, where, against which stack, project and backend.

    What the command line says is taken from the parsed `invocation`, which has resolved it
    as pulumi does (the stack a `stack select NAME` names, the URL `login` is given, `--cwd`,
    `--exec-agent`); the rest comes from the environment and pulumi's files.

    Keys, in this order: user, identity, git, host, source_ip, stack, project, backend, cwd.
    Identity keys: os_user, uid, sudo_user, git_email, ci, parent_run_id, agent, parents,
    terminal.
    """
    cwd = effective_cwd(invocation.cwd, environ)
    project_file = project.load_project(cwd)
    project_name = project_file.name if project_file else None

    home = backend.pulumi_home(environ)
    credentials = backend.StoredCredentials(
        backend.credentials_file(environ),
        environ.get("PULUMI_ACCESS_TOKEN"),
        backend.agent_credentials_file(environ),
    )
    backend_url = backend.resolve_backend_url(
        environ,
        project_file.backend_url if project_file else None,
        credentials,
        invocation.backend_arg,
    )
    stack_name = stack.resolve_stack(
        stack_flag=invocation.stack,
        environ=environ,
        pulumi_home=home,
        project_name=project_name,
        project_file=project_file.path if project_file else None,
        backend_url=backend_url,
    )

    os_user = os_user_name(environ)
    # git discovers repositories from the physical path, whatever $PWD says.
    git_start = _physical_path(project_file.directory if project_file else cwd)
    repository = git_repo.find_git_repository(git_start)
    head, branch = git_repo.read_head(repository) if repository else (None, None)
    return {
        "user": backend.whoami(backend_url, os_user, credentials),
        "identity": capture_identity(
            environ, os_user, repository, branch, agent.detect_agent(environ, invocation.exec_agent)
        ),
        "git": {"head": head, "branch": branch} if repository else None,
        "host": network.host_name(),
        "source_ip": network.source_ip(environ),
        "stack": stack_name,
        "project": project_name,
        "backend": strip_url_credentials(backend_url),
        "cwd": cwd,
    }


def capture_identity(
    environ: "Mapping[str, str]",
    os_user: str | None,
    repository: "GitRepository | None",
    branch: str | None,
    agent: dict | None = None,
) -> dict:
    """Who runs pulumi: the OS account, sudo, git's idea of the author, the CI system, the
    agent (`agent` is capture.agent's answer), the processes above, a terminal or not."""
    return {
        "os_user": os_user,
        "uid": os.getuid(),
        "sudo_user": environ.get("SUDO_USER") or None,
        "git_email": git_author_email(environ, repository, branch),
        "ci": detect_ci(environ),
        "parent_run_id": environ.get("PULUMI_AUDITED_RUN_ID") or None,
        "agent": agent,
        "parents": parent_commands(),
        "terminal": os.isatty(0),
    }


def effective_cwd(cwd_flag: str | None, environ: "Mapping[str, str]") -> str:
    """The folder pulumi works in after `--cwd` / PULUMI_OPTION_CWD, named as pulumi names it.

    pulumi chdirs to the flag's folder and then asks Go's os.Getwd, which answers $PWD when
    $PWD is the same folder (keeping the user's symlinked path) and the physical path
    otherwise. The name matters: the workspace file is keyed by a hash of it.
    """
    requested = cwd_flag or environ.get("PULUMI_OPTION_CWD")
    try:
        physical_cwd = os.getcwd()
    except OSError:
        physical_cwd = None
    if requested:
        target = os.path.join(physical_cwd or "/", requested)
    elif physical_cwd is not None:
        target = physical_cwd
    else:
        target = environ.get("PWD") or "/"
    logical = environ.get("PWD")
    if logical and os.path.isabs(logical) and _same_folder(logical, target):
        return os.path.normpath(logical)
    return _physical_path(target) if requested else os.path.normpath(target)


def _physical_path(path: str) -> str:
    try:
        return os.path.realpath(path)
    except ValueError:  # a NUL byte, which no real argument or variable can hold
        return os.path.normpath(path)


def _same_folder(first: str, second: str) -> bool:
    try:
        return os.path.samestat(os.stat(first), os.stat(second))
    except (OSError, ValueError):  # ValueError: a NUL byte in a path
        return False
