"""Every event id the parser can put in a record, and which of them are Pulumi Cloud's.

Derived from meaning.py's rows and the rules of cli.py's `_Parser._classify`; docs/events.md
carries the same list for people (tests/test_esc_events.py checks that they agree). Not on the
shim's path: nothing here is imported when pulumi runs.
"""

from pulumi_audited.pulumi import READ, Meaning
from pulumi_audited.pulumi.meaning import MEANINGS

# Pulumi Cloud's audit event catalog ("Audit log events", the environments category:
# https://www.pulumi.com/docs/administration/reference/audit-log-events/, generated from the
# Cloud API's ListAuditLogEventTypes; read 2026-08-28). All of them, recorded by this tool or not.
CLOUD_ENVIRONMENT_EVENTS = frozenset(
    {
        "environment-cloned",
        "environment-created",
        "environment-decrypted",
        "environment-deleted",
        "environment-deletion-protection-disabled",
        "environment-deletion-protection-enabled",
        "environment-draft-open",
        "environment-draft-read-open",
        "environment-oidc-token-issued",
        "environment-open",
        "environment-read",
        "environment-read-open",
        "environment-restored",
        "environment-revision-retracted",
        "environment-revision-tag-created",
        "environment-revision-tag-delete",
        "environment-revision-tag-open",
        "environment-revision-tag-read",
        "environment-revision-tag-update",
        "environment-rotated",
        "environment-schedule-created",
        "environment-schedule-deleted",
        "environment-schedule-updated",
        "environment-tag-created",
        "environment-tag-deleted",
        "environment-tag-updated",
        "environment-unauthorized-open",
        "environment-updated",
    }
)

# The ids of other categories of that catalog that this tool records.
CLOUD_OTHER_EVENTS = frozenset(
    {
        "cloud-account-created",
        "cloud-account-scan-started",
        "custom-role-created",
        "custom-role-deleted",
        "custom-role-updated",
        "member-removed",
        "member-role-changed",
        "policy-group-created",
        "policy-group-deleted",
        "policy-group-updated",
        "policy-pack-created",
        "policy-pack-deleted",
        "policy-pack-disabled",
        "policy-pack-enabled",
        "registry-package-version-deleted",
        "registry-package-version-published",
        "registry-template-version-published",
        "scheduled-deployment-created",
        "scheduled-deployment-deleted",
        "scheduled-deployment-updated",
        "secret-decrypted",
        "stack-created",
        "stack-deleted",
        "stack-exported",
        "stack-imported",
        "stack-outputs-read",
        "stack-renamed",
        "stack-update-canceled",
        "stack-update-completed",
        "stack-update-started",
        "user-login",
    }
)

CLOUD_EVENTS = CLOUD_ENVIRONMENT_EVENTS | CLOUD_OTHER_EVENTS

# Commands recorded under `command-<path>` (our own), such as `command-stack-list`.
COMMAND_PATTERN = "command-<path>"


def event_sources() -> dict[str, set[str]]:
    """Each event id the parser can emit -> the command paths that can produce it.

    `command-<path>` ids are folded into COMMAND_PATTERN (the commands that get no event of
    their own); `command-none` (pulumi run without a command) stays itself.
    """
    sources: dict[str, set[str]] = {}

    def add(event: str, path: str) -> None:
        sources.setdefault(event, set()).add(path)

    for path, row in MEANINGS.items():
        meaning = Meaning(*row)
        if meaning.engine is not None:
            for suffix in ("-started", "-completed", "-canceled"):
                add(meaning.engine + suffix, path)
            continue
        for event in _named_events(meaning):
            add(event, path)
        # cli.py: `env tag ENV` with fewer than two words after it only lists the tags.
        if meaning.event is None or path == "env tag":
            reveals = meaning.reveals or meaning.reveals_with is not None
            # cli.py: a command that reveals is `secret-decrypted` only when it reads.
            if reveals and (meaning.effect == READ or meaning.read_with is not None):
                add("secret-decrypted", path)
            if not meaning.reveals or meaning.effect != READ:
                add(COMMAND_PATTERN, path)
    return sources


def event_ids() -> set[str]:
    """Every event id the parser can emit (with COMMAND_PATTERN for `command-<path>`)."""
    return set(event_sources())


def _named_events(meaning: Meaning) -> list[str]:
    found = [meaning.event] if meaning.event is not None else []
    for spec in (meaning.arg_event, meaning.tag_event, *meaning.flag_events.values()):
        if spec is not None:
            found.extend(spec.split(">"))
    for event in (meaning.then, meaning.unauthorized):
        if event is not None:
            found.append(event)
    return found


__all__ = [
    "CLOUD_ENVIRONMENT_EVENTS",
    "CLOUD_EVENTS",
    "CLOUD_OTHER_EVENTS",
    "COMMAND_PATTERN",
    "event_ids",
    "event_sources",
]
