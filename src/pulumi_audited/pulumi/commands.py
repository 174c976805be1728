"""The pulumi command tree as data: names, aliases, flags, and what each command does.

Read from pulumi's cobra definitions (`pkg/cmd/pulumi/...`, and `pulumi/esc` for `env`) and the
generated CLI reference, v3.259. `/work/shared/PULUMI-FACTS.md` wins where they disagree.

Only what parsing and auditing need is recorded. For every command: the flags that take a value
(everything else is a boolean or, like `--refresh`, takes a value only after `=`, which parses
the same way) and the short letters. Boolean flags are listed too wherever a subcommand can
follow, because cobra finds a subcommand by skipping flag values and treats an unknown flag as
taking one. A command's flags are inherited by its subcommands unless a subcommand redefines the
name (pulumi's `whoami -v` is a boolean, not the global `--verbose`). Cobra inherits persistent
flags only; inheriting local ones too changes only command lines pulumi itself would reject.

Canonical names: where pulumi has renamed `ls`/`rm` to `list`/`remove` and kept the short forms as
aliases, the long form is canonical everywhere, so `stack ls` and `plugin ls` are `stack list`
and `plugin list`.
"""

# Effects, as in PULUMI-FACTS "Changes infrastructure or state" and the lists after it.
STATE = "state"
LOCAL = "local"
READ = "read"
UNKNOWN = "unknown"


# A command as written below: (value flags, boolean flags, aliases, subcommands).
_Spec = tuple


class Flags:
    """The flags one command defines itself, by long name."""

    __slots__ = ("bools", "shorts", "values")

    def __init__(self, values: frozenset[str], bools: frozenset[str], shorts: dict[str, str]):
        self.values = values
        self.bools = bools
        self.shorts = shorts


class FlagTable:
    """All flags valid on one command: its own, its ancestors' and the global ones."""

    __slots__ = ("bools", "globals", "shorts", "values")

    def __init__(
        self,
        values: frozenset[str],
        bools: frozenset[str],
        shorts: dict[str, str],
        globals_: frozenset[str],
    ):
        self.values = values
        self.bools = bools
        self.shorts = shorts
        # Long names that still mean the root command's (global) flag here.
        self.globals = globals_


class Command:
    """One node of the command tree; `path` is the canonical command path ("" for the root).

    Children and flag tables are built on first use: a command line visits a handful of the
    tree's few hundred nodes, and building them all would cost every pulumi run a millisecond.
    """

    __slots__ = ("_children", "_spec", "_table", "parent", "path")

    def __init__(self, path: str, spec: _Spec, parent: "Command | None"):
        self.path = path
        self.parent = parent
        self._spec = spec
        self._children: dict[str, Command] | None = None
        self._table: FlagTable | None = None

    @property
    def children(self) -> "dict[str, Command]":
        """Subcommands by name and by alias."""
        if self._children is None:
            self._children = _build_children(self)
        return self._children

    def table(self) -> FlagTable:
        if self._table is None:
            self._table = _merge(self)
        return self._table


def _build_children(parent: "Command") -> "dict[str, Command]":
    children: dict[str, Command] = {}
    prefix = parent.path + " " if parent.path else ""
    for name, spec in parent._spec[3].items():
        command = Command(prefix + name, spec, parent)
        children[name] = command
        for alias in spec[2].split():
            children[alias] = command
    return children


def _merge(command: Command) -> FlagTable:
    own = _flags(command._spec[0], command._spec[1])
    if command.parent is None:
        return FlagTable(own.values, own.bools, own.shorts, own.values | own.bools)
    inherited = command.parent.table()
    if not own.values and not own.bools:
        return inherited
    redefined = own.values | own.bools
    shorts = {c: long for c, long in inherited.shorts.items() if long not in redefined}
    shorts.update(own.shorts)
    return FlagTable(
        (inherited.values - redefined) | own.values,
        (inherited.bools - redefined) | own.bools,
        shorts,
        inherited.globals - redefined,
    )


def _flags(values: str, bools: str) -> Flags:
    """`"s/stack config-file"` means `-s/--stack` and `--config-file`."""
    shorts: dict[str, str] = {}
    value_names = [_register(token, shorts) for token in values.split()]
    bool_names = [_register(token, shorts) for token in bools.split()]
    return Flags(frozenset(value_names), frozenset(bool_names), shorts)


def _register(token: str, shorts: dict[str, str]) -> str:
    short, _, long = token.rpartition("/")
    if short:
        shorts[short] = long
    return long


def _c(values: str = "", bools: str = "", aliases: str = "", children: dict | None = None) -> _Spec:
    return (values, bools, aliases, children or {})


def _leaves(*names: str) -> dict[str, _Spec]:
    """Subcommands whose flags do not matter for auditing; "remove:rm" gives an alias."""
    result: dict[str, _Spec] = {}
    for name in names:
        canonical, _, aliases = name.partition(":")
        result[canonical] = _c(aliases=aliases.replace(",", " "))
    return result


_GLOBAL_VALUES = "C/cwd color tracing otel-traces profiling memprofilerate v/verbose tracing-header"
_GLOBAL_BOOLS = (
    "e/emoji Q/fully-qualify-stack-names disable-integrity-checking logflow logtostderr "
    "non-interactive h/help version"
)

# Flags the Automation API passes that only some commands define; treated as taking a value
# wherever they appear, so a mistaken placement still parses.
FALLBACK_VALUE_FLAGS = frozenset({"exec-kind", "exec-agent", "client", "event-log"})

_REMOTE_VALUES = (
    "remote-env remote-env-secret remote-pre-run-command remote-git-branch remote-git-commit "
    "remote-git-repo-dir remote-git-auth-access-token remote-git-auth-ssh-private-key "
    "remote-git-auth-ssh-private-key-path remote-git-auth-password remote-git-auth-username "
    "remote-executor-image remote-executor-image-username remote-executor-image-password "
    "remote-agent-pool-id"
)
_REMOTE_BOOLS = (
    "remote remote-inherit-settings remote-skip-install-dependencies suppress-stream-logs"
)
_ENGINE_VALUES = (
    "s/stack config-file c/config m/message p/parallel t/target exclude replace target-replace "
    "policy-pack policy-pack-config secrets-provider plan exec-kind exec-agent client event-log "
    + _REMOTE_VALUES
)
# --refresh/-r, --json/-j, --suppress-permalink and --attach-debugger take a value only after
# "=", so for parsing they are booleans.
_ENGINE_BOOLS = (
    "d/debug y/yes j/json r/refresh expect-no-changes show-secrets diff config-path "
    "target-dependents exclude-dependents run-program show-config show-policy-remediations "
    "show-replacement-steps show-sames show-reads show-full-output suppress-outputs "
    "suppress-progress suppress-permalink continue-on-error attach-debugger strict neo copilot "
    + _REMOTE_BOOLS
)

_WEBHOOK_VALUES = (
    "event group hook-format format name output secret url add-event add-group remove-event "
    "remove-group display-name"
)
_WEBHOOK = {
    "new": _c(_WEBHOOK_VALUES, "active y/yes"),
    "edit": _c(_WEBHOOK_VALUES, "active y/yes"),
    "get": _c("output"),
    "list": _c("output", aliases="ls"),
    "remove": _c(bools="y/yes", aliases="rm delete"),
    "ping": _c(),
    "delivery": _c(children=_leaves("list:ls", "redeliver")),
}
_SCHEDULE = _leaves(
    "new", "edit", "get", "list:ls", "history", "remove:rm,delete", "pause", "resume"
)

_STACK = "s/stack"
_CONFIG_ENV = {
    "init": _c("env", "keep-config show-secrets y/yes"),
    "add": _c(bools="show-secrets y/yes"),
    "list": _c(bools="j/json", aliases="ls"),
    "remove": _c(bools="show-secrets y/yes", aliases="rm"),
    **_leaves("eject", "checkout", "commit", "discard", "rollback", "status", "materialize"),
}

_ENV_PROVIDER_LOGIN = {
    "static": _c("path session-token service-account token-lifetime", "create draft"),
    "oidc": _c(
        "path duration policy-arn subject-attribute session-name role-arn service-account "
        "token-lifetime",
        "create draft export-env-vars",
    ),
}

_TREE: dict[str, _Spec] = {
    "up": _c(_ENGINE_VALUES, _ENGINE_BOOLS + " f/skip-preview", aliases="update"),
    "preview": _c(
        _ENGINE_VALUES + " x/exclude save-plan import-file", _ENGINE_BOOLS, aliases="pre"
    ),
    "refresh": _c(
        _ENGINE_VALUES + " exclude-target import-pending-creates",
        _ENGINE_BOOLS
        + " f/skip-preview preview-only skip-pending-creates clear-pending-creates"
        + " exclude-target-dependents",
    ),
    "destroy": _c(
        _ENGINE_VALUES + " x/exclude",
        _ENGINE_BOOLS + " f/skip-preview preview-only remove exclude-protected",
        aliases="down dn",
    ),
    "import": _c(
        "s/stack config-file m/message p/parallel f/file o/out parent provider properties from "
        "generate-resources output exec-kind exec-agent event-log",
        "d/debug y/yes j/json preview-only skip-preview protect generate-code diff urns "
        "suppress-outputs suppress-progress suppress-permalink",
    ),
    "watch": _c(
        "s/stack config-file c/config m/message p/parallel path policy-pack policy-pack-config "
        "secrets-provider exec-kind exec-agent event-log",
        "d/debug r/refresh config-path show-config show-replacement-steps show-sames show-secrets",
    ),
    "new": _c(
        "ai c/config d/description dir language n/name runtime-options secrets-provider s/stack",
        "config-path f/force g/generate-only l/list-templates o/offline t/template-mode y/yes "
        "remote-stack-config",
        aliases="create setup",
    ),
    "config": _c(
        "s/stack config-file",
        "j/json open show-secrets",
        children={
            "get": _c(bools="j/json open path"),
            "set": _c("type", "path plaintext secret"),
            "set-all": _c("json plaintext secret", "path"),
            "remove": _c(bools="path", aliases="rm delete"),
            "remove-all": _c(bools="path", aliases="rm-all"),
            "copy": _c("d/dest", "path", aliases="cp"),
            "refresh": _c(bools="f/force"),
            "env": _c(children=_CONFIG_ENV),
            **_leaves("edit", "pin", "restore", "web"),
        },
    ),
    "stack": _c(
        "s/stack output",
        "i/show-ids u/show-urns show-name show-secrets",
        children={
            "new": _c(
                "copy-config-from secrets-provider s/stack teams",
                "no-select remote-config",
                aliases="init create setup",
            ),
            "list": _c("o/organization p/project t/tag", "a/all j/json", aliases="ls"),
            "remove": _c(bools="f/force preserve-config remove-backups y/yes", aliases="rm delete"),
            "rename": _c(),
            "output": _c(bools="j/json shell show-secrets"),
            "export": _c("file version", "show-secrets"),
            "import": _c("file", "f/force"),
            "history": _c("page page-size", "full-dates j/json show-secrets", aliases="hist"),
            "graph": _c(
                "dependency-edge-color dot-fragment parent-edge-color",
                "ignore-dependency-edges ignore-parent-edges short-node-name",
            ),
            "tag": _c(children=_leaves("get", "list:ls", "set", "remove:rm")),
            "change-secrets-provider": _c(),
            "migrate": _c("target secrets-provider", "y/yes f/force"),
            "select": _c("secrets-provider s/stack", "c/create"),
            "unselect": _c(),
            "get": _c("s/stack output", "show-secrets"),
            "drift": _c(children=_leaves("list:ls", "status")),
            "schedule": _c(children=_SCHEDULE),
            "webhook": _c(children=_WEBHOOK),
        },
    ),
    "state": _c(
        children={
            "remove": _c(_STACK, "force target-dependents y/yes", aliases="rm delete"),
            "move": _c("dest source", "include-parents y/yes", aliases="mv"),
            "rename": _c(_STACK, "y/yes"),
            "protect": _c(_STACK, "all y/yes"),
            "unprotect": _c(_STACK, "all y/yes"),
            "taint": _c(_STACK, "all y/yes"),
            "untaint": _c(_STACK, "all y/yes"),
            "repair": _c(_STACK, "y/yes"),
            "upgrade": _c(bools="y/yes"),
            # `state edit` has --stack but no -s.
            "edit": _c("stack"),
            "get": _c("s/stack output", "show-secrets"),
        }
    ),
    "env": _c(
        "env",
        aliases="esc",
        children={
            "init": _c("f/file", aliases="new"),
            "edit": _c("editor f/file draft", "show-secrets"),
            "set": _c("f/file", "plaintext secret string draft"),
            "get": _c("value", "definition show-secrets"),
            "open": _c("draft f/format l/lifetime"),
            "run": _c("draft l/lifetime", "i/interactive"),
            "remove": _c(bools="y/yes", aliases="rm delete"),
            "clone": _c(
                bools="preserve-access preserve-env-tags preserve-history preserve-rev-tags"
            ),
            "rotate": _c(),
            "diff": _c("format path", "show-secrets"),
            "list": _c("o/organization project", aliases="ls"),
            "tag": _c(
                bools="utc", children=_leaves("get", "list:ls", "move:mv", "remove:rm,delete")
            ),
            "version": _c(
                bools="utc",
                children={
                    **_leaves("history", "retract", "rollback"),
                    "tag": _c(bools="utc", children=_leaves("list:ls", "remove:rm,delete")),
                },
            ),
            "provider": _c(
                children={
                    "aws-login": _c(children=_ENV_PROVIDER_LOGIN),
                    "azure-login": _c(children=_ENV_PROVIDER_LOGIN),
                    "gcp-login": _c(children=_ENV_PROVIDER_LOGIN),
                }
            ),
            "webhook": _c(children=_WEBHOOK),
            "schedule": _c(children=_SCHEDULE),
            "settings": _c(children=_leaves("get", "set")),
            "referrer": _c(children=_leaves("list:ls")),
            "setup": _c(children=_leaves("aws", "azure", "gcp")),
            "open-request": _c(),
        },
    ),
    "deployment": _c(
        "config-file",
        children={
            "run": _c(
                "s/stack agent-pool-id env env-secret executor-image executor-image-password "
                "executor-image-username git-auth-access-token git-auth-password "
                "git-auth-ssh-private-key git-auth-ssh-private-key-path git-auth-username "
                "git-branch git-commit git-repo-dir pre-run-command",
                "inherit-settings skip-install-dependencies suppress-permalink "
                "suppress-stream-logs",
            ),
            "settings": _c(
                children={
                    "edit": _c(
                        "s/stack branch commit env executor-image executor-root-path folder "
                        "git-url github-repo oidc-aws-duration oidc-aws-policy-arn "
                        "oidc-aws-role-arn oidc-aws-session-name oidc-azure-client-id "
                        "oidc-azure-subscription-id oidc-azure-tenant-id oidc-gcp-project-number "
                        "oidc-gcp-provider-id oidc-gcp-region oidc-gcp-service-account "
                        "oidc-gcp-token-lifetime oidc-gcp-workload-pool-id output path-filter "
                        "pre-run-command remove-env runner-pool secret-env shell",
                        "delete-after-destroy oidc-aws-clear oidc-azure-clear oidc-gcp-clear "
                        "pr-template preview-prs push-to-deploy skip-install-deps "
                        "skip-intermediate-deployments",
                    ),
                    "get": _c("s/stack output"),
                    **_leaves("init", "configure", "pull", "push", "destroy", "env"),
                }
            ),
            "list": _c("s/stack output"),
            "get": _c("s/stack output"),
            "log": _c("s/stack output"),
            "cancel": _c("s/stack", "y/yes"),
        },
    ),
    "login": _c(
        "c/cloud-url default-org oidc-expiration oidc-org oidc-team oidc-token oidc-user",
        "insecure interactive l/local",
    ),
    "logout": _c("c/cloud-url", "all l/local"),
    # whoami's -v/--verbose is a local boolean that hides the global --verbose.
    "whoami": _c(bools="j/json v/verbose"),
    "cancel": _c("s/stack", "y/yes"),
    "org": _c(
        children={
            **_leaves("get-default", "set-default", "search"),
            "webhook": _c("org", children=_WEBHOOK),
        }
    ),
    "project": _c(children=_leaves("list:ls")),
    "policy": _c(
        children={
            **_leaves(
                "analyze",
                "disable",
                "enable",
                "install",
                "list:ls",
                "new",
                "publish",
                "remove:rm",
                "validate-config",
            ),
            "group": _c(children=_leaves("list:ls")),
        }
    ),
    "plugin": _c(
        children={
            "install": _c("checksum f/file server", "exact reinstall"),
            "list": _c(bools="a/all j/json p/project", aliases="ls"),
            "remove": _c(bools="a/all y/yes", aliases="rm"),
            "run": _c(),
        }
    ),
    "package": _c(
        children=_leaves(
            "add", "gen-sdk", "get-mapping", "get-schema", "publish", "pack-sdk", "info", "delete"
        )
    ),
    "schema": _c(children=_leaves("check")),
    "template": _c(children=_leaves("publish")),
    "do": _c(children=_leaves("show-resources")),
    "insights": _c(),
    "neo": _c("approval-mode cwd org permission-mode s/stack", "disable-integrations p/print"),
    # api's --verbose is a local boolean; the global -v/--verbose does not exist there.
    "api": _c(
        "body envelope-version F/field H/header input X/method output f/raw-field",
        "all dry-run i/include refresh-spec silent verbose",
        children=_leaves("describe", "list:ls"),
    ),
    "about": _c("s/stack", "j/json t/transitive", children=_leaves("env")),
    "logs": _c(
        "config-file r/resource since s/stack", "f/follow j/json", children=_leaves("decrypt")
    ),
    "console": _c("s/stack"),
    "convert": _c("from language mappings name out", "generate-only strict"),
    "install": _c("parallel", "no-dependencies no-plugins reinstall use-language-version-tools"),
    "ai": _c(children=_leaves("web")),
    "version": _c(),
    "help": _c(),
    "gen-completion": _c(aliases="completion"),
    "gen-markdown": _c(),
    "generate-cli-spec": _c(),
    "events": _c(),
    "__complete": _c(),
    "__completeNoDesc": _c(),
}


ROOT = Command("", _c(_GLOBAL_VALUES, _GLOBAL_BOOLS, children=_TREE), None)
del _TREE


# Commands that produce no audit record: they only print help, versions or completions.
UNRECORDED = frozenset(
    {
        "version",
        "help",
        "gen-completion",
        "gen-markdown",
        "generate-cli-spec",
        "__complete",
        "__completeNoDesc",
    }
)

# Engine operations: (start, end, end when canceled), Pulumi Cloud's ids where they exist.
ENGINE_EVENTS: dict[str, tuple[str, str, str]] = {
    "up": ("stack-update-started", "stack-update-completed", "stack-update-canceled"),
    "preview": ("stack-preview-started", "stack-preview-completed", "stack-preview-canceled"),
    "refresh": ("stack-refresh-started", "stack-refresh-completed", "stack-refresh-canceled"),
    "destroy": ("stack-destroy-started", "stack-destroy-completed", "stack-destroy-canceled"),
    "import": ("resource-import-started", "resource-import-completed", "resource-import-canceled"),
    "watch": ("stack-watch-started", "stack-watch-completed", "stack-watch-canceled"),
}

_CONFIG_UPDATED = "stack-config-updated"
_STATE_UPDATED = "stack-state-updated"
_ENV_UPDATED = "environment-updated"

# One event for both records of a non-engine command. Commands missing here get
# "command-<path>", or "secret-decrypted" when they reveal secrets.
ACTION_EVENTS: dict[str, str] = {
    "new": "stack-created",
    "cancel": "stack-update-canceled",
    "login": "user-login",
    "logout": "user-logout",
    "stack new": "stack-created",
    "stack remove": "stack-deleted",
    "stack rename": "stack-renamed",
    "stack export": "stack-exported",
    "stack import": "stack-imported",
    "stack select": "stack-selected",
    "config": "stack-config-read",
    "config get": "stack-config-read",
    "config set": _CONFIG_UPDATED,
    "config set-all": _CONFIG_UPDATED,
    "config remove": _CONFIG_UPDATED,
    "config remove-all": _CONFIG_UPDATED,
    "config copy": _CONFIG_UPDATED,
    "config refresh": _CONFIG_UPDATED,
    "config env": _CONFIG_UPDATED,
    "config env init": _CONFIG_UPDATED,
    "config env add": _CONFIG_UPDATED,
    "config env remove": _CONFIG_UPDATED,
    "config env list": "stack-config-read",
    "state remove": _STATE_UPDATED,
    "state move": _STATE_UPDATED,
    "state rename": _STATE_UPDATED,
    "state protect": _STATE_UPDATED,
    "state unprotect": _STATE_UPDATED,
    "state taint": _STATE_UPDATED,
    "state untaint": _STATE_UPDATED,
    "state repair": _STATE_UPDATED,
    "state upgrade": _STATE_UPDATED,
    "state edit": _STATE_UPDATED,
    "env open": "environment-open",
    "env run": "environment-open",
    "env get": "environment-read",
    "env init": "environment-created",
    "env edit": _ENV_UPDATED,
    "env set": _ENV_UPDATED,
    # Decided by the arguments in cli.py: removing a path updates, removing the env deletes.
    "env remove": "environment-deleted",
    "env clone": "environment-cloned",
    "env rotate": "environment-rotated",
    # `env tag ENV NAME VALUE` creates or moves a tag; without a value it only lists (cli.py).
    "env tag": "environment-tag-created",
    "env tag move": "environment-tag-updated",
    "env tag remove": "environment-tag-deleted",
    "env version retract": "environment-revision-retracted",
    "env version rollback": "environment-restored",
    "env version tag": "environment-revision-tag-created",
    "env version tag remove": "environment-revision-tag-deleted",
    "env provider aws-login static": _ENV_UPDATED,
    "env provider aws-login oidc": _ENV_UPDATED,
    "env provider azure-login static": _ENV_UPDATED,
    "env provider azure-login oidc": _ENV_UPDATED,
    "env provider gcp-login static": _ENV_UPDATED,
    "env provider gcp-login oidc": _ENV_UPDATED,
}

EFFECTS: dict[str, str] = {
    # Changes infrastructure or state.
    **dict.fromkeys(("up", "destroy", "refresh", "import", "watch", "cancel", "new"), STATE),
    **dict.fromkeys(
        (
            "state remove",
            "state move",
            "state rename",
            "state protect",
            "state unprotect",
            "state taint",
            "state untaint",
            "state repair",
            "state upgrade",
            "state edit",
            "stack import",
            "stack remove",
            "stack rename",
            "stack new",
            "stack change-secrets-provider",
            "stack migrate",
            "stack tag set",
            "stack tag remove",
            "deployment run",
            "env init",
            "env edit",
            "env set",
            "env remove",
            "env clone",
            "env rotate",
            "env tag",
            "env tag move",
            "env tag remove",
            "env version retract",
            "env version rollback",
            "env version tag",
            "env version tag remove",
            "env provider aws-login static",
            "env provider aws-login oidc",
            "env provider azure-login static",
            "env provider azure-login oidc",
            "env provider gcp-login static",
            "env provider gcp-login oidc",
        ),
        STATE,
    ),
    # Changes local files only.
    **dict.fromkeys(
        (
            "config set",
            "config set-all",
            "config remove",
            "config remove-all",
            "config copy",
            "config refresh",
            "config env",
            "config env init",
            "config env add",
            "config env remove",
            "stack select",
            "stack unselect",
            "login",
            "logout",
            "install",
            "plugin install",
            "plugin remove",
        ),
        LOCAL,
    ),
    # Read-only.
    **dict.fromkeys(
        (
            "preview",
            "stack",
            "stack list",
            "stack output",
            "stack history",
            "stack get",
            "stack graph",
            "stack export",
            "stack tag get",
            "stack tag list",
            "config",
            "config get",
            "config env list",
            "state get",
            "whoami",
            "version",
            "about",
            "about env",
            "plugin list",
            "logs",
            "env get",
            "env open",
            "env list",
            "env diff",
            "env version",
            "env version history",
            "env tag get",
            "env tag list",
            "env version tag list",
            "deployment list",
            "deployment get",
            "deployment log",
            "deployment settings get",
            "org get-default",
            "project list",
            "policy list",
            "help",
        ),
        READ,
    ),
}

# `--show-secrets` makes these print secret values in plaintext.
REVEALS_WITH_SHOW_SECRETS = frozenset(
    {
        "stack",
        "stack get",
        "stack export",
        "stack output",
        "stack history",
        "config",
        "state get",
        "env get",
    }
)
# These print secret values whatever the flags: `config get` prints a secret's plaintext.
ALWAYS_REVEALS = frozenset({"env open", "env run", "config get"})

# Commands taking the stack name as their first positional argument.
STACK_POSITIONAL = frozenset({"stack select", "stack new", "stack remove", "cancel"})
# Commands whose first positional argument is a backend URL.
BACKEND_URL_POSITIONAL = frozenset({"login", "stack migrate"})
# Engine commands that only preview when given --preview-only.
PREVIEW_ONLY_COMMANDS = frozenset({"import", "refresh", "destroy"})

# Flag values redacted by kind, per canonical command path; "" applies to every command.
# "kv": `NAME=value`, the value is secret. "whole": the whole value is secret.
# "header": `Name: value`, the value is secret.
KV = "kv"
WHOLE = "whole"
HEADER = "header"
SECRET_FLAGS: dict[str, dict[str, str]] = {
    "": {
        "env-secret": KV,
        "remote-env-secret": KV,
        "secret-env": KV,
        "tracing-header": HEADER,
    },
    "config set-all": {"secret": KV, "json": WHOLE},
    "api": {"field": KV, "raw-field": KV, "header": HEADER, "body": WHOLE},
}
# Flags whose names look secret but whose values are not.
NOT_SECRET_FLAGS = frozenset(
    {"secrets-provider", "git-auth-ssh-private-key-path", "remote-git-auth-ssh-private-key-path"}
)

# `env provider <login> static ENV ARGS...`: how many ARGS precede the secret ones.
STATIC_LOGIN_PUBLIC_ARGS: dict[str, int] = {
    "env provider aws-login static": 1,  # access key id; the secret access key follows
    "env provider azure-login static": 3,  # tenant, subscription, client id; then the secret
    "env provider gcp-login static": 1,  # project number; then the access token
}
