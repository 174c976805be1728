"""What each pulumi command means for an audit: the facts pulumi's source does not declare.

The grammar (names, aliases, flags) is generated from pulumi's cobra source into grammar.py.
This is the one hand-written table beside it, keyed by canonical command path: every command of
the generated tree has a row (a test fails otherwise), so no command inherits its parent's
effect. Sources: PULUMI-FACTS.md ("Changes infrastructure or state", "Reveals secrets", "Where
secrets travel"), pulumi's `Use:` strings for positionals, and Pulumi Cloud's audit event ids.

A row is (effect, event, notes). `event` is Pulumi Cloud's id where one exists, our own in the
same style otherwise; None means `command-<path>` (or `secret-decrypted` when it reveals).
`notes` is a space-separated list, read only for the row of the command being run:

    engine=BASE          an engine operation: BASE-started, BASE-completed, BASE-canceled
    read-with=FLAG       FLAG makes it read-only (`--preview-only`, `do`'s `--dry-run`)
    reveals              prints secret values in plaintext whatever the flags
    reveals-with=FLAG    prints them when FLAG is set (`--show-secrets`)
    stack-arg=N          positional N names the stack it acts on
    url-arg=N            positional N is a backend URL (its credentials are stripped)
    args                 takes positionals although it has subcommands (else an unknown word
                         after it is an unknown subcommand)
    secret:FLAG=KIND     FLAG's value is secret: whole, kv (`NAME=secret`), header
                         (`Name: secret`)
    secret-args=RULE     positionals that are secret: config-set (the value, when --secret or
                         a secret-looking key), env-set (likewise), env-run (every argument of
                         the command run), last-N (the last N: the environment name before
                         the others may be left out, pkg/cmd/esc/cli/env_provider_*_login.go)

Where one command causes more than one Pulumi Cloud event, the start record names the first and
the end record the last. These notes read an `env` command line (EVENTS is `FIRST` or
`FIRST>LAST`; without `>LAST` the last is `then`'s, else FIRST):

    then=EVENT           the end record's event when the command succeeds (`env open` opens,
                         then reads the open session: pkg/cmd/esc/cli/env_open.go); a
                         failure keeps the first event, since nothing was read
    arg-event=EVENTS     a positional after the environment reference (`env rm ENV PATH`)
    tag-event=EVENTS     the environment reference names a version tag: `ENV@TAG` or `ENV:TAG`
                         where TAG does not start with a digit (a revision number does;
                         env.go parseRef, env_version_tag_rm.go isRevisionNumber)
    flag-event=FLAG:EVENTS  FLAG is set (`--show-secrets` decrypts); wins over the two above
    unauthorized=EVENT   the end record's event when pulumi exits with its authentication
                         status, 3 (pkg/cmd/pulumi/cmd/exit_codes.go ExitAuthenticationError)
"""

from pulumi_audited.pulumi import INFRA, LOCAL, READ, STATE, UNKNOWN, Meaning
from pulumi_audited.pulumi.redact import name_looks_secret

_CONFIG_UPDATED = "stack-config-updated"
_CONFIG_READ = "stack-config-read"
_STATE_UPDATED = "stack-state-updated"
_ENV_UPDATED = "environment-updated"
_WEBHOOK_SECRET = "secret:secret=whole"
_REMOTE_SECRETS = (
    "secret:remote-env-secret=kv secret:remote-git-auth-access-token=whole "
    "secret:remote-git-auth-password=whole secret:remote-git-auth-ssh-private-key=whole "
    "secret:remote-executor-image-password=whole"
)
_ENGINE_SECRETS = _REMOTE_SECRETS
_DO_CHANGES = "read-with=dry-run reveals-with=show-secrets"
# Pulumi Cloud's ESC events, as the CLI's requests cause them (pkg/cmd/esc/cli/client/client.go):
# GetEnvironment reads /versions/TAG for a tag and /decrypt for --show-secrets; OpenEnvironment
# opens (/versions/TAG/open at a tag; a draft with --draft), then GetOpenEnvironment reads the
# open session. Cloud records a refused open, clone or import as environment-unauthorized-open.
_UNAUTHORIZED_OPEN = "unauthorized=environment-unauthorized-open"
_DECRYPTS = "flag-event=show-secrets:environment-decrypted"
_TAG_READ = "tag-event=environment-revision-tag-read"
_READS_DEFINITION = "reveals-with=show-secrets " + _TAG_READ + " " + _DECRYPTS
_OPENS = (
    "then=environment-read-open tag-event=environment-revision-tag-open "
    "flag-event=draft:environment-draft-open>environment-draft-read-open " + _UNAUTHORIZED_OPEN
)

MEANINGS: dict[str, tuple[str, str | None, str]] = {
    "": (READ, "command-none", ""),
    "new": (STATE, "stack-created", ""),
    "config": (READ, _CONFIG_READ, "reveals-with=show-secrets"),
    "config get": (READ, _CONFIG_READ, "reveals"),
    "config remove": (LOCAL, _CONFIG_UPDATED, ""),
    "config remove-all": (LOCAL, _CONFIG_UPDATED, ""),
    "config set": (LOCAL, _CONFIG_UPDATED, "secret-args=config-set"),
    "config set-all": (LOCAL, _CONFIG_UPDATED, "secret:secret=kv secret:json=whole"),
    "config refresh": (LOCAL, _CONFIG_UPDATED, ""),
    "config copy": (LOCAL, _CONFIG_UPDATED, ""),
    "config env": (READ, _CONFIG_READ, ""),
    "config env init": (LOCAL, _CONFIG_UPDATED, "reveals-with=show-secrets"),
    "config env add": (LOCAL, _CONFIG_UPDATED, "reveals-with=show-secrets"),
    "config env remove": (LOCAL, _CONFIG_UPDATED, "reveals-with=show-secrets"),
    "config env list": (READ, _CONFIG_READ, ""),
    "stack": (READ, None, "reveals-with=show-secrets"),
    "stack export": (READ, "stack-exported", "reveals-with=show-secrets"),
    "stack graph": (READ, None, ""),
    "stack import": (STATE, "stack-imported", ""),
    "stack new": (STATE, "stack-created", "stack-arg=0"),
    "stack list": (READ, None, ""),
    "stack output": (
        READ,
        "stack-outputs-read",
        "reveals-with=show-secrets flag-event=show-secrets:secret-decrypted",
    ),
    "stack remove": (STATE, "stack-deleted", "stack-arg=0"),
    "stack select": (LOCAL, "stack-selected", "stack-arg=0"),
    "stack tag": (READ, None, ""),
    "stack tag get": (READ, None, ""),
    "stack tag list": (READ, None, ""),
    "stack tag remove": (STATE, "stack-tag-deleted", ""),
    "stack tag set": (STATE, "stack-tag-updated", ""),
    "stack rename": (STATE, "stack-renamed", ""),
    "stack change-secrets-provider": (STATE, None, ""),
    "stack history": (READ, None, "reveals-with=show-secrets"),
    "stack history events": (READ, None, ""),
    "stack unselect": (LOCAL, None, ""),
    "stack get": (READ, None, "reveals-with=show-secrets"),
    "stack drift": (READ, None, ""),
    "stack drift list": (READ, None, ""),
    "stack drift status": (READ, None, ""),
    "stack schedule": (READ, None, ""),
    "stack schedule list": (READ, None, ""),
    "stack schedule new": (STATE, "scheduled-deployment-created", ""),
    "stack schedule get": (READ, None, ""),
    "stack schedule edit": (STATE, "scheduled-deployment-updated", ""),
    "stack schedule remove": (STATE, "scheduled-deployment-deleted", ""),
    "stack webhook": (READ, None, ""),
    "stack webhook list": (READ, None, ""),
    "stack webhook get": (READ, None, ""),
    "stack webhook new": (STATE, "webhook-created", _WEBHOOK_SECRET),
    "stack webhook edit": (STATE, "webhook-updated", _WEBHOOK_SECRET),
    "stack webhook remove": (STATE, "webhook-deleted", ""),
    "stack webhook ping": (READ, None, ""),
    "stack webhook delivery": (READ, None, ""),
    "stack webhook delivery list": (READ, None, ""),
    "stack webhook delivery redeliver": (STATE, None, ""),
    "stack migrate": (STATE, None, "url-arg=0 stack-arg=1"),
    "console": (READ, None, ""),
    "import": (INFRA, None, "engine=resource-import read-with=preview-only"),
    "refresh": (STATE, None, "engine=stack-refresh read-with=preview-only " + _ENGINE_SECRETS),
    "state": (READ, None, ""),
    "state remove": (STATE, _STATE_UPDATED, ""),
    "state get": (READ, None, "reveals-with=show-secrets"),
    "state edit": (STATE, _STATE_UPDATED, ""),
    "state move": (STATE, _STATE_UPDATED, ""),
    "state protect": (STATE, _STATE_UPDATED, ""),
    "state rename": (STATE, _STATE_UPDATED, ""),
    "state repair": (STATE, _STATE_UPDATED, ""),
    "state taint": (STATE, _STATE_UPDATED, ""),
    "state upgrade": (STATE, _STATE_UPDATED, ""),
    "state unprotect": (STATE, _STATE_UPDATED, ""),
    "state untaint": (STATE, _STATE_UPDATED, ""),
    "install": (LOCAL, None, ""),
    "up": (INFRA, None, "engine=stack-update " + _ENGINE_SECRETS),
    "destroy": (INFRA, None, "engine=stack-destroy read-with=preview-only " + _ENGINE_SECRETS),
    "preview": (READ, None, "engine=stack-preview " + _ENGINE_SECRETS),
    "cancel": (STATE, "stack-update-canceled", "stack-arg=0"),
    "env": (READ, None, ""),
    "env init": (STATE, "environment-created", ""),
    "env clone": (STATE, "environment-cloned", _UNAUTHORIZED_OPEN),
    "env edit": (
        STATE,
        _ENV_UPDATED,
        "reveals-with=show-secrets " + _DECRYPTS + " then=" + _ENV_UPDATED,
    ),
    "env get": (READ, "environment-read", _READS_DEFINITION),
    "env diff": (READ, "environment-read", _READS_DEFINITION),
    "env set": (STATE, _ENV_UPDATED, "secret-args=env-set"),
    "env version": (READ, "environment-read", "args " + _TAG_READ),
    "env version tag": (
        STATE,
        "environment-revision-tag-created",
        "args arg-event=environment-revision-tag-update",
    ),
    "env version tag list": (READ, None, ""),
    "env version tag remove": (STATE, "environment-revision-tag-delete", ""),
    "env version history": (READ, None, ""),
    "env version retract": (STATE, "environment-revision-retracted", ""),
    "env version rollback": (STATE, _ENV_UPDATED, ""),
    "env list": (READ, None, ""),
    "env tag": (STATE, "environment-tag-created", "args"),
    "env tag get": (READ, None, ""),
    "env tag list": (READ, None, ""),
    "env tag remove": (STATE, "environment-tag-deleted", ""),
    "env tag move": (STATE, "environment-tag-updated", ""),
    "env settings": (READ, None, ""),
    "env settings get": (READ, None, ""),
    "env settings set": (STATE, _ENV_UPDATED, ""),
    "env provider": (READ, None, ""),
    "env provider aws-login": (READ, None, ""),
    "env provider aws-login static": (
        STATE,
        _ENV_UPDATED,
        "secret-args=last-1 secret:session-token=whole",
    ),
    "env provider aws-login oidc": (STATE, _ENV_UPDATED, ""),
    "env provider azure-login": (READ, None, ""),
    "env provider azure-login static": (STATE, _ENV_UPDATED, "secret-args=last-1"),
    "env provider azure-login oidc": (STATE, _ENV_UPDATED, ""),
    "env provider gcp-login": (READ, None, ""),
    "env provider gcp-login static": (STATE, _ENV_UPDATED, "secret-args=last-1"),
    "env provider gcp-login oidc": (STATE, _ENV_UPDATED, ""),
    "env remove": (STATE, "environment-deleted", "arg-event=" + _ENV_UPDATED),
    "env open": (READ, "environment-open", "reveals " + _OPENS),
    "env open-request": (STATE, None, ""),
    "env referrer": (READ, None, ""),
    "env referrer list": (READ, None, ""),
    "env rotate": (STATE, "environment-rotated", ""),
    "env run": (READ, "environment-open", "reveals secret-args=env-run " + _OPENS),
    "env webhook": (READ, None, ""),
    "env webhook list": (READ, None, ""),
    "env webhook get": (READ, None, ""),
    "env webhook new": (STATE, "webhook-created", _WEBHOOK_SECRET),
    "env webhook edit": (STATE, "webhook-updated", _WEBHOOK_SECRET),
    "env webhook remove": (STATE, "webhook-deleted", ""),
    "env webhook ping": (READ, None, ""),
    "env webhook delivery": (READ, None, ""),
    "env webhook delivery list": (READ, None, ""),
    "env schedule": (READ, None, ""),
    "env schedule edit": (STATE, "environment-schedule-updated", ""),
    "env schedule get": (READ, None, ""),
    "env schedule history": (READ, None, ""),
    "env schedule list": (READ, None, ""),
    "env schedule new": (STATE, "environment-schedule-created", ""),
    "env schedule remove": (STATE, "environment-schedule-deleted", ""),
    "login": (LOCAL, "user-login", "url-arg=0 secret:oidc-token=whole"),
    "logout": (LOCAL, "user-logout", ""),
    "whoami": (READ, None, ""),
    "org": (READ, None, ""),
    "org set-default": (LOCAL, None, ""),
    "org get-default": (READ, None, ""),
    "org search": (READ, None, ""),
    "org search ai": (READ, None, ""),
    "org webhook": (READ, None, ""),
    "org webhook list": (READ, None, ""),
    "org webhook new": (STATE, "webhook-created", _WEBHOOK_SECRET),
    "org webhook edit": (STATE, "webhook-updated", _WEBHOOK_SECRET),
    "org webhook remove": (STATE, "webhook-deleted", ""),
    "org webhook ping": (READ, None, ""),
    "org webhook delivery": (READ, None, ""),
    "org webhook delivery list": (READ, None, ""),
    "org role": (READ, None, ""),
    "org role list": (READ, None, ""),
    "org role new": (STATE, "custom-role-created", ""),
    "org role edit": (STATE, "custom-role-updated", ""),
    "org role remove": (STATE, "custom-role-deleted", ""),
    "org role assign": (STATE, "custom-role-assigned", ""),
    "org member": (READ, None, ""),
    "org member list": (READ, None, ""),
    "org member edit": (STATE, "member-role-changed", ""),
    "org member remove": (STATE, "member-removed", ""),
    "org audit-log": (READ, None, ""),
    "org audit-log list": (READ, None, ""),
    "org audit-log export": (READ, None, ""),
    "org usage": (READ, None, ""),
    "org usage get": (READ, None, ""),
    "project": (READ, None, ""),
    "project list": (READ, None, ""),
    "project new": (STATE, "stack-created", ""),
    "deployment": (READ, None, ""),
    "deployment settings": (READ, None, ""),
    "deployment settings destroy": (STATE, "deployment-settings-deleted", ""),
    "deployment settings get": (READ, None, ""),
    "deployment settings edit": (
        STATE,
        "deployment-settings-updated",
        "secret:secret-env=kv secret:env=kv",
    ),
    "deployment run": (
        INFRA,
        "deployment-started",
        "secret:env-secret=kv secret:git-auth-access-token=whole "
        "secret:git-auth-password=whole secret:git-auth-ssh-private-key=whole "
        "secret:executor-image-password=whole",
    ),
    "deployment list": (READ, None, ""),
    "deployment get": (READ, None, ""),
    "deployment cancel": (STATE, "deployment-canceled", ""),
    "deployment log": (READ, None, ""),
    "api": (
        UNKNOWN,
        None,
        "args secret:header=header secret:field=kv secret:raw-field=kv secret:body=whole "
        "secret:input=whole",
    ),
    "api list": (READ, None, ""),
    "api describe": (READ, None, ""),
    "insights": (READ, None, ""),
    "insights resource": (READ, None, ""),
    "insights resource get": (READ, None, ""),
    "insights resource search": (READ, None, ""),
    "insights account": (READ, None, ""),
    "insights account new": (STATE, "cloud-account-created", "secret:provider-config=whole"),
    "insights account list": (READ, None, ""),
    "insights account scan": (STATE, "cloud-account-scan-started", ""),
    "insights account scan log": (READ, None, ""),
    "insights account scan list": (READ, None, ""),
    "insights account scan get": (READ, None, ""),
    "policy": (READ, None, ""),
    "policy analyze": (READ, None, ""),
    "policy disable": (STATE, "policy-pack-disabled", ""),
    "policy enable": (STATE, "policy-pack-enabled", ""),
    "policy group": (READ, None, ""),
    "policy group list": (READ, None, ""),
    "policy group new": (STATE, "policy-group-created", ""),
    "policy group get": (READ, None, ""),
    "policy group edit": (STATE, "policy-group-updated", ""),
    "policy group remove": (STATE, "policy-group-deleted", ""),
    "policy install": (LOCAL, None, ""),
    "policy list": (READ, None, ""),
    "policy new": (LOCAL, None, ""),
    "policy publish": (STATE, "policy-pack-created", ""),
    "policy remove": (STATE, "policy-pack-deleted", ""),
    "policy validate-config": (READ, None, ""),
    "policy compliance": (READ, None, ""),
    "policy compliance list": (READ, None, ""),
    "policy issue": (READ, None, ""),
    "policy issue list": (READ, None, ""),
    "policy issue get": (READ, None, ""),
    "plugin": (READ, None, ""),
    "plugin install": (LOCAL, None, ""),
    "plugin list": (READ, None, ""),
    "plugin remove": (LOCAL, None, ""),
    "plugin run": (UNKNOWN, None, ""),
    "schema": (READ, None, ""),
    "schema check": (READ, None, ""),
    "package": (READ, None, ""),
    "package get-schema": (READ, None, ""),
    "package get-mapping": (READ, None, ""),
    "package gen-sdk": (LOCAL, None, ""),
    "package publish-sdk": (STATE, None, ""),
    "package pack-sdk": (LOCAL, None, ""),
    "package add": (LOCAL, None, ""),
    "package publish": (STATE, "registry-package-version-published", ""),
    "package remove": (STATE, "registry-package-version-deleted", ""),
    "package info": (READ, None, ""),
    "package new": (LOCAL, None, ""),
    "version": (READ, None, ""),
    "about": (READ, None, ""),
    "about env": (READ, None, ""),
    "gen-completion": (READ, None, ""),
    "gen-markdown": (LOCAL, None, ""),
    "convert": (LOCAL, None, ""),
    "watch": (INFRA, None, "engine=stack-watch"),
    "logs": (READ, None, ""),
    "logs decrypt": (READ, None, ""),
    "logs list": (READ, None, ""),
    "logs remove": (LOCAL, None, ""),
    "logs share": (STATE, None, "reveals-with=include-secrets"),
    "template": (READ, None, ""),
    "template publish": (STATE, "registry-template-version-published", ""),
    "template list": (READ, None, ""),
    "view-trace": (READ, None, ""),
    "convert-trace": (LOCAL, None, ""),
    "replay-events": (READ, None, ""),
    "events": (READ, None, ""),
    "events filter": (READ, None, ""),
    "generate-cli-spec": (READ, None, ""),
    # neo runs preview and up in its own process with auto-approve (neo/tools/pulumi.go).
    "neo": (INFRA, None, "args"),
    "neo resume": (INFRA, None, ""),
    "neo acp": (INFRA, None, ""),
    "help": (READ, None, "args"),
    "__complete": (READ, None, "args"),
    # `do <token>` lists a package's or module's contents, or invokes a function (read-only);
    # `do <token> <operation>` acts on one resource, in the stack unless --stateless
    # (pkg/cmd/pulumi/do; the operations are grammar.DYNAMIC).
    "do": (READ, None, "reveals-with=show-secrets"),
    "do show-resources": (READ, None, ""),
    "do create": (INFRA, None, _DO_CHANGES),
    "do upsert": (INFRA, None, _DO_CHANGES),
    "do patch": (INFRA, None, _DO_CHANGES),
    "do delete": (INFRA, None, _DO_CHANGES),
    "do read": (READ, None, "reveals-with=show-secrets"),
    "do list": (READ, None, "reveals-with=show-secrets"),
    # Commands of earlier 3.x releases that users still run (see commands.LEGACY_COMMANDS).
    "deployment settings init": (STATE, "deployment-settings-updated", ""),
    "deployment settings configure": (STATE, "deployment-settings-updated", ""),
    "deployment settings pull": (LOCAL, None, ""),
    "deployment settings push": (STATE, "deployment-settings-updated", ""),
    "deployment settings env": (
        STATE,
        "deployment-settings-updated",
        "secret-args=config-set",
    ),
}

# Flags whose names look secret but whose values are not.
NOT_SECRET_FLAGS = frozenset(
    {
        "secrets-provider",
        "git-auth-ssh-private-key-path",
        "remote-git-auth-ssh-private-key-path",
        "git-auth-username",
        "remote-git-auth-username",
        "executor-image-username",
        "remote-executor-image-username",
        "oidc-gcp-token-lifetime",
        "token-lifetime",
        "copy-config-from",
        "config-file",
        "config-path",
        "policy-pack-config",
        "skip-config-validation",
        "keep-config",
        "remote-config",
        "remote-stack-config",
        "installation-configuration",
        "show-secrets",
        "include-secrets",
        "remove-secret",
        "git-auth-file",
    }
)


def flag_looks_secret(name: str) -> bool:
    """Whether a flag's value is secret by the flag's name alone (`--new-token`)."""
    return name not in NOT_SECRET_FLAGS and name_looks_secret(name)


UNKNOWN_MEANING = Meaning(UNKNOWN, None, "")


def meaning_of(path: str) -> Meaning:
    row = MEANINGS.get(path)
    return UNKNOWN_MEANING if row is None else Meaning(*row)
