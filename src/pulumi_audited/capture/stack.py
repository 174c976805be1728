"""The stack a pulumi command acts on, resolved the way pulumi resolves it (PULUMI-FACTS.md)."""

import os

from pulumi_audited.capture import read_json_file
from pulumi_audited.capture.backend import is_self_managed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

# Self-managed backends have one organization, always named this.
SELF_MANAGED_ORGANIZATION = "organization"


def workspace_file(pulumi_home: str, project_name: str, project_file: str) -> str:
    """pulumi's per-project settings file, named after the sha1 of the project file's path."""
    from pulumi_audited.hashes import sha1_hex  # loaded only when the file is consulted

    digest = sha1_hex(os.fsencode(project_file))
    return os.path.join(pulumi_home, "workspaces", f"{project_name}-{digest}-workspace.json")


def selected_stack(workspace_path: str, backend_url: str) -> str | None:
    """The stack `pulumi stack select` recorded: per backend since 3.256, else the older field."""
    settings = read_json_file(workspace_path)
    if not isinstance(settings, dict):
        return None
    stacks = settings.get("stacks")
    if isinstance(stacks, dict):
        stack = stacks.get(backend_url)
        if isinstance(stack, str) and stack:
            return stack
    legacy = settings.get("stack")
    return legacy if isinstance(legacy, str) and legacy else None


def resolve_stack(
    *,
    stack_flag: str | None,
    environ: "Mapping[str, str]",
    pulumi_home: str,
    project_name: str | None,
    project_file: str | None,
    backend_url: str,
) -> str | None:
    """First match of: the flag, PULUMI_OPTION_STACK, PULUMI_STACK, the workspace file.

    `backend_url` is the raw URL as resolved, because that is the workspace file's key.
    """
    stack = stack_flag or environ.get("PULUMI_OPTION_STACK") or environ.get("PULUMI_STACK")
    if not stack and project_name and project_file:
        stack = selected_stack(workspace_file(pulumi_home, project_name, project_file), backend_url)
    if not stack:
        return None
    return qualify_stack_name(stack, project_name, backend_url)


def qualify_stack_name(stack: str, project_name: str | None, backend_url: str) -> str:
    """The full `org/project/stack` name on self-managed backends, whose only org is fixed.

    As pkg/backend/diy/store.go's ParseReference reads it: `dev` and `organization/dev` are
    `organization/<project>/dev`; another organization (`proj/dev`) is refused by pulumi, so it
    is kept as given. Pulumi Cloud names are left alone: their default organization is not
    known offline.
    """
    if not is_self_managed(backend_url) or not project_name:
        return stack
    parts = stack.split("/")
    if len(parts) == 1:
        return f"{SELF_MANAGED_ORGANIZATION}/{project_name}/{stack}"
    if len(parts) == 2 and parts[0] == SELF_MANAGED_ORGANIZATION:
        return f"{SELF_MANAGED_ORGANIZATION}/{project_name}/{parts[1]}"
    return stack
