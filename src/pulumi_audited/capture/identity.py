"""Who runs pulumi: the OS account, sudo, git's idea of the author, the CI system, the agent.

Each fact is read by its own module (os_account, git_repo, git_config, ci, agent); this one
assembles the start record's identity from them.
"""

import os

from pulumi_audited.capture.agent import parent_commands
from pulumi_audited.capture.ci import detect_ci
from pulumi_audited.capture.git_config import git_author_email

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from pulumi_audited.capture.git_repo import GitRepository


def capture_identity(
    environ: "Mapping[str, str]",
    os_user: str | None,
    repository: "GitRepository | None",
    branch: str | None,
    agent: dict | None = None,
) -> dict:
    """`agent` is capture.agent's answer."""
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
