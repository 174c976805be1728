"""Command lines and environments that carry a secret, each with its own canary.

Built from pulumi's own command tree (/work/shared/pulumi-cli-tree-v3.259.txt) and
/work/shared/PULUMI-FACTS.md ("Where secrets travel on the command line", "The command line"),
plus the `Use:` lines of pulumi's `pkg/cmd/esc/cli/env_provider_*_login.go`; deliberately not
from the shim's own tables, so that it checks them. A case's canary is the part of the secret
that must appear in nothing the shim writes or prints: every canary is unique, so a leak found
anywhere names its case.

Expectations where pulumi itself is ambiguous, or where the corpus asks for more than pulumi
treats as secret (erring towards redaction, as the shim's contract says):
- `--secret=false` on the command line with `PULUMI_OPTION_SECRET=true`: pulumi stores the
  value as plain text (the flag wins), yet the corpus expects it redacted. The user set the
  variable to make values secret; which of the two they meant is a guess, and a config value
  redacted from the audit log is still readable in `Pulumi.<stack>.yaml`, so guessing
  "secret" loses an auditor nothing.
- `-c/--config k=v` and `config set-all --plaintext k=v` with a secret-looking key: plain text
  for pulumi, passwords in practice (PULUMI-FACTS).
- `api -F/-f` fields are secret whatever their name: a request body is no place to guess.
- `env run`: the program's name is kept and every argument after it is treated as secret
  (`mysql -pX` has no telling name).
- An environment variable's value never belongs in a record, whichever variable it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    canary: str
    env: dict[str, str] = field(default_factory=dict)
    # Also run against a remote log (spool, bucket, viewer cache).
    remote: bool = False


CASES: list[Case] = []
_ids: set[str] = set()


def _canary(number: int, case_id: str) -> str:
    digest = hashlib.sha256(f"{number}:{case_id}".encode()).hexdigest()
    return f"canary{number}x{digest[:10]}"


def _hex(canary: str, length: int) -> str:
    """A hex run holding the canary's own hex tail (for shapes that allow only hex)."""
    digest = hashlib.sha256(canary.encode()).hexdigest()
    return (digest * 2)[:length]


def case(
    case_id: str,
    build: Callable[[str], list[str]],
    env: Callable[[str], dict[str, str]] | None = None,
    *,
    remote: bool = False,
    canary: Callable[[str], str] | None = None,
) -> None:
    assert case_id not in _ids, case_id
    _ids.add(case_id)
    secret = _canary(len(CASES) + 1, case_id)
    if canary is not None:
        secret = canary(secret)
    argv = tuple(build(secret))
    environment = env(secret) if env is not None else {}
    assert any(secret in arg for arg in argv) or any(
        secret in value for value in environment.values()
    ), case_id
    CASES.append(Case(case_id, argv, secret, environment, remote))


def hex_canary(length: int) -> Callable[[str], str]:
    return lambda secret: _hex(secret, length)


# --- deployment run (pkg/cmd/pulumi/deployment) -------------------------------------------

case("deployment-run-env-secret", lambda c: ["deployment", "run", "up", "--env-secret", f"DB={c}"])
case(
    "deployment-run-env-secret-equals",
    lambda c: ["deployment", "run", "up", f"--env-secret=API_TOKEN={c}"],
    remote=True,
)
case(
    "deployment-run-env-secret-plain-name",
    lambda c: ["deployment", "run", "update", "--env-secret", f"REGION_HINT={c}"],
)
case(
    "deployment-run-git-auth-access-token",
    lambda c: ["deployment", "run", "up", "--git-auth-access-token", c],
)
case(
    "deployment-run-git-auth-access-token-equals",
    lambda c: ["deployment", "run", "preview", f"--git-auth-access-token={c}"],
)
case(
    "deployment-run-git-auth-ssh-private-key",
    lambda c: ["deployment", "run", "up", "--git-auth-ssh-private-key", f"keydata-{c}"],
    remote=True,
)
case(
    "deployment-run-git-auth-ssh-private-key-equals",
    lambda c: ["deployment", "run", "up", f"--git-auth-ssh-private-key={c}"],
)
case(
    "deployment-run-git-auth-password",
    lambda c: ["deployment", "run", "up", "--git-auth-username", "bot", "--git-auth-password", c],
)
case(
    "deployment-run-git-auth-password-equals",
    lambda c: ["deployment", "run", "destroy", f"--git-auth-password={c}"],
)
case(
    "deployment-run-executor-image-password",
    lambda c: ["deployment", "run", "up", "--executor-image-password", c],
)
case(
    "deployment-run-executor-image-password-equals",
    lambda c: ["deployment", "run", "refresh", f"--executor-image-password={c}", "-s", "dev"],
)
case(
    "deployment-run-flag-before-run",
    lambda c: ["deployment", "--git-auth-password", c, "run", "up"],
)
case(
    "deployment-run-globals-before-command",
    lambda c: ["--non-interactive", "-C", ".", "deployment", "run", "up", "--env-secret", f"X={c}"],
)
case(
    "deployment-run-url-with-credentials",
    lambda c: ["deployment", "run", "update", f"https://bot:{c}@github.com/acme/infra.git"],
)
case(
    "deployment-run-several-secrets",
    lambda c: [
        "deployment",
        "run",
        "up",
        "--env-secret",
        f"A={c}",
        "--git-auth-access-token",
        c,
        "--executor-image-password",
        c,
    ],
)

# --- remote-* on up, preview, refresh, destroy ---------------------------------------------

_REMOTE_FLAGS = (
    ("env-secret", lambda c: f"DB_PASSWORD={c}"),
    ("git-auth-access-token", lambda c: c),
    ("git-auth-password", lambda c: c),
    ("git-auth-ssh-private-key", lambda c: c),
    ("executor-image-password", lambda c: c),
)
_ENGINE = (("up", "update"), ("preview", "pre"), ("refresh", "refresh"), ("destroy", "dn"))
for _index, (_command, _alias) in enumerate(_ENGINE):
    for _flag_index, (_flag, _value) in enumerate(_REMOTE_FLAGS):
        _spaced = (_index + _flag_index) % 2 == 0
        _word = _command if _flag_index % 2 == 0 else _alias

        def _build(c: str, word=_word, flag=_flag, value=_value, spaced=_spaced) -> list[str]:
            head = [word, "--remote", "--yes"]
            if spaced:
                return [*head, f"--remote-{flag}", value(c)]
            return [*head, f"--remote-{flag}={value(c)}"]

        case(
            f"{_command}-remote-{_flag}{'' if _spaced else '-equals'}",
            _build,
            remote=_flag == "git-auth-password",
        )
case(
    "up-remote-flags-before-command",
    lambda c: ["--remote-git-auth-access-token", c, "up", "--remote"],
)
case(
    "preview-remote-env-secret-non-secret-name",
    lambda c: ["preview", "--remote", "--remote-env-secret", f"FLAVOUR={c}"],
)

# --- deployment settings -------------------------------------------------------------------

case(
    "deployment-settings-edit-secret-env",
    lambda c: ["deployment", "settings", "edit", "--secret-env", f"DB={c}"],
    remote=True,
)
case(
    "deployment-settings-update-secret-env-equals",
    lambda c: ["deployment", "settings", "update", f"--secret-env=TOKEN={c}"],
)
case(
    "deployment-settings-modify-secret-env-plain-name",
    lambda c: ["deployment", "settings", "modify", "-s", "dev", "--secret-env", f"COLOUR={c}"],
)
case(
    "deployment-settings-edit-env-secret-looking-name",
    lambda c: ["deployment", "settings", "edit", "--env", f"DB_PASSWORD={c}"],
)
case(
    "deployment-settings-env-old-release",
    lambda c: ["deployment", "settings", "env", "DB_URL", c, "--secret"],
    remote=True,
)
case(
    "deployment-settings-env-old-release-flag-first",
    lambda c: ["deployment", "settings", "env", "--secret", "-s", "dev", "COLOUR", c],
)
case(
    "deployment-settings-env-old-release-secret-name",
    lambda c: ["deployment", "settings", "env", "API_KEY", c],
)

# --- webhooks ------------------------------------------------------------------------------

for _scope, _extra in (
    ("stack", ["-s", "dev"]),
    ("org", ["--org", "acme"]),
    ("env", ["acme/proj/prod"]),
):
    for _verb in ("new", "edit", "create", "update"):
        _equals = _verb in ("edit", "create")

        def _build_hook(c: str, scope=_scope, extra=_extra, verb=_verb, equals=_equals):
            if scope == "env":
                head = ["env", "webhook", verb, *extra, "hook1"]
            else:
                head = [scope, "webhook", verb, *extra]
            secret = [f"--secret={c}"] if equals else ["--secret", c]
            return [*head, "--url", "https://hooks.example.com/x", *secret]

        case(
            f"{_scope}-webhook-{_verb}-secret{'-equals' if _equals else ''}",
            _build_hook,
            remote=(_scope, _verb) == ("org", "new"),
        )
case(
    "org-webhook-slack-url",
    lambda c: [
        "org",
        "webhook",
        "new",
        "--format",
        "slack",
        "--url",
        f"https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/{c}abcdefgh",
    ],
)

# --- login, stack migrate ------------------------------------------------------------------

case("login-oidc-token", lambda c: ["login", "--oidc-token", f"eyJ{c}"], remote=True)
case("login-oidc-token-equals", lambda c: ["login", f"--oidc-token={c}", "--oidc-org", "acme"])
case("login-postgres-url", lambda c: ["login", f"postgres://pulumi:{c}@db.example/state"])
case(
    "login-postgres-url-unencoded",
    lambda c: ["login", f"postgres://pulumi:pa/{c}#w?{c}@db.example/state"],
    remote=True,
)
case("login-url-password-with-at", lambda c: ["login", f"postgres://app:p@{c}@db.example/s"])
case("login-cloud-url-short", lambda c: ["login", "-c", f"https://me:{c}@api.example.com"])
case(
    "login-cloud-url-equals",
    lambda c: ["login", f"--cloud-url=https://me:{c}@api.example.com/", "--default-org", "a"],
)
case(
    "login-s3-url-secret-query",
    lambda c: ["login", f"s3://state-bucket?region=us-east-1&secret_access_key={c}"],
)
case(
    "login-azblob-sas",
    lambda c: ["login", f"azblob://state?sv=2022-11-02&sp=rwl&sig={c}"],
)
case("stack-migrate-url", lambda c: ["stack", "migrate", f"postgres://u:{c}@db/state", "-y"])
case(
    "stack-migrate-target-flag",
    lambda c: ["stack", "migrate", "--target", f"postgres://u:{c}@db/state"],
)
case(
    "stack-migrate-url-unencoded",
    lambda c: ["stack", "migrate", f"postgresql://u:{c}/x?y#{c}@db:5432/state"],
)

# --- env provider <login> static -----------------------------------------------------------

case(
    "env-provider-aws-static",
    lambda c: ["env", "provider", "aws-login", "static", "acme/prod", "AKIDEXAMPLE", c],
    remote=True,
)
case(
    "env-provider-aws-static-default-env",
    lambda c: ["env", "provider", "aws-login", "static", "AKIDEXAMPLE", c],
)
case(
    "env-provider-aws-static-env-flag",
    lambda c: ["env", "--env", "acme/prod", "provider", "aws-login", "static", "AKID", c],
)
case(
    "env-provider-aws-static-session-token",
    lambda c: [
        "env",
        "provider",
        "aws-login",
        "static",
        "acme/prod",
        "AKID",
        "[elided]",
        "--session-token",
        c,
    ],
)
case(
    "env-provider-aws-static-session-token-equals",
    lambda c: ["env", "provider", "aws-login", "static", f"--session-token={c}", "e", "A", "B"],
)
case(
    "env-provider-azure-static",
    lambda c: ["env", "provider", "azure-login", "static", "acme/prod", "t", "s", "cid", c],
)
case(
    "env-provider-azure-static-default-env",
    lambda c: ["env", "provider", "azure-login", "static", "tenant", "sub", "client", c],
)
case(
    "env-provider-azure-static-old-release-flag",
    lambda c: [
        "env",
        "provider",
        "azure-login",
        "static",
        "acme/prod",
        "client",
        "tenant",
        "sub",
        "--client-secret",
        c,
    ],
)
case(
    "env-provider-gcp-static",
    lambda c: ["env", "provider", "gcp-login", "static", "acme/prod", "123456", f"ya29.{c}"],
)
case(
    "env-provider-gcp-static-default-env",
    lambda c: ["esc", "provider", "gcp-login", "static", "123456", c, "--create"],
)

# --- api (pkg/cmd/pulumi/cloud/api.go) -----------------------------------------------------

case(
    "api-header-authorization",
    lambda c: ["api", "/api/user", "-H", f"Authorization: token {c}"],
    remote=True,
)
case("api-header-long", lambda c: ["api", "/api/user", "--header", f"X-Api-Key: {c}"])
case("api-header-equals", lambda c: ["api", "/api/user", f"--header=Cookie: session={c}"])
case("api-header-before-path", lambda c: ["api", "-H", f"Authorization: Bearer {c}", "/api/x"])
case("api-body", lambda c: ["api", "/api/x", "-X", "POST", "--body", f'{{"password":"{c}"}}'])
case("api-body-equals", lambda c: ["api", "/api/x", f'--body={{"value":"{c}"}}'])
case("api-field-short", lambda c: ["api", "/api/x", "-F", f"password={c}"])
case("api-field-long", lambda c: ["api", "/api/x", "--field", f"value={c}"])
case("api-field-equals", lambda c: ["api", "/api/x", f"--field=name={c}"])
case("api-raw-field-short", lambda c: ["api", "/api/x", "-f", f"token={c}"], remote=True)
case("api-raw-field-long", lambda c: ["api", "/api/x", "--raw-field", f"description={c}"])
case("api-raw-field-equals", lambda c: ["api", "/api/x", f"--raw-field=data={c}"])

# --- config set, config set-all --------------------------------------------------------------

case("config-set-secret-after", lambda c: ["config", "set", "region2", c, "--secret"])
case("config-set-secret-before", lambda c: ["config", "set", "--secret", "flavour", c])
case(
    "config-set-secret-after-dashes",
    lambda c: ["config", "set", "flavour", "--secret", "--stack", "dev", "--", c],
    remote=True,
)
case("config-set-secret-true", lambda c: ["config", "set", "flavour", c, "--secret=true"])
case("config-set-secret-path", lambda c: ["config", "set", "--path", "db.conn[0]", c, "--secret"])
case(
    "config-set-secret-short-stack", lambda c: ["config", "set", "-s", "dev", "a:b", c, "--secret"]
)
case("config-set-stack-before-set", lambda c: ["config", "-s", "dev", "set", "a:b", c, "--secret"])
case(
    "config-set-secret-dash-value",
    lambda c: ["config", "set", "flavour", "--secret", "--", f"-{c}"],
)
for _spelling in ("true", "1", "True", "TRUE", "t"):
    case(
        f"config-set-pulumi-option-secret-{_spelling}",
        lambda c: ["config", "set", "flavour", c],
        lambda c, spelling=_spelling: {"PULUMI_OPTION_SECRET": spelling},
        remote=_spelling == "true",
    )
case(
    "config-set-pulumi-option-secret-after-dashes",
    lambda c: ["config", "set", "flavour", "--", c],
    lambda c: {"PULUMI_OPTION_SECRET": "true"},
)
case(
    "config-set-secret-false-but-option-secret-true",
    lambda c: ["config", "set", "flavour", c, "--secret=false"],
    lambda c: {"PULUMI_OPTION_SECRET": "true"},
)
case(
    "config-set-secret-flag-wins-over-option-false",
    lambda c: ["config", "set", "flavour", c, "--secret"],
    lambda c: {"PULUMI_OPTION_SECRET": "false"},
)
for _key in (
    "dbPass",
    "db:pw",
    "apiKey",
    "myapp:apiKey",
    "myapp:dbPassword",
    "AWS_SECRET",
    "clientSecret",
    "pgPass",
    "sshKey",
    "stripe:pat",
    "app:dbPwd",
    "mail:smtpPass",
):
    case(
        f"config-set-name-{_key.replace(':', '-')}",
        lambda c, key=_key: ["config", "set", key, c],
        remote=_key == "myapp:apiKey",
    )
case("config-set-name-then-plaintext", lambda c: ["config", "set", "dbPass", c, "--plaintext"])
case("config-set-url-value", lambda c: ["config", "set", "dbUrl", f"postgres://a:{c}@h/db"])
case(
    "config-set-url-value-plain-name",
    lambda c: ["config", "set", "app:backend", f"mysql://root:{c}@h:3306/db"],
)
case("config-set-all-secret", lambda c: ["config", "set-all", "--secret", f"flavour={c}"])
case(
    "config-set-all-secret-equals",
    lambda c: ["config", "set-all", f"--secret=flavour={c}", "--plaintext", "region=eu"],
    remote=True,
)
case(
    "config-set-all-two-secrets",
    lambda c: ["config", "set-all", "--secret", f"a={c}", "--secret", f"b=x{c}"],
)
case(
    "config-set-all-secret-path",
    lambda c: ["config", "set-all", "--path", "--secret", f"db.items[0]={c}"],
)
case(
    "config-set-all-json",
    lambda c: ["config", "set-all", "--json", f'{{"flavour":{{"value":"{c}","secret":true}}}}'],
)
case(
    "config-set-all-json-equals",
    lambda c: ["config", "set-all", f'--json={{"k":{{"value":"{c}","secret":true}}}}'],
)
case(
    "config-set-all-plaintext-secret-name",
    lambda c: ["config", "set-all", "--plaintext", f"dbPassword={c}"],
)
case(
    "config-set-all-plaintext-camel-name",
    lambda c: ["config", "set-all", "--plaintext", f"app:apiKey={c}"],
)
case(
    "config-set-all-pulumi-option-secret",
    lambda c: ["config", "set-all"],
    lambda c: {"PULUMI_OPTION_SECRET": f"flavour={c}"},
)

# --- -c/--config on engine commands, new, watch -------------------------------------------

for _command, _spelling, _key in (
    ("up", "-c", "dbPassword"),
    ("up", "--config=", "myapp:apiKey"),
    ("preview", "--config", "db:pw"),
    ("pre", "-c", "pgPass"),
    ("refresh", "-c", "clientSecret"),
    ("destroy", "--config=", "AWS_SECRET"),
    ("new", "-c", "dbPass"),
    ("watch", "--config", "sshKey"),
):

    def _build_config(c: str, command=_command, spelling=_spelling, key=_key) -> list[str]:
        if spelling.endswith("="):
            return [command, "--yes", f"{spelling}{key}={c}"]
        return [command, "--yes", spelling, f"{key}={c}"]

    case(
        f"{_command}-config-{_key.replace(':', '-')}",
        _build_config,
        remote=(_command, _key) == ("up", "dbPassword"),
    )
case("up-config-url-value", lambda c: ["up", "-c", f"app:url=https://u:{c}@h/x", "-y"])

# --- env set, env run -------------------------------------------------------------------------

case("env-set-secret", lambda c: ["env", "set", "acme/prod", "db.password", c, "--secret"])
case("env-set-secret-first", lambda c: ["env", "set", "--secret", "acme/prod", "colour", c])
case("env-set-secret-dashes", lambda c: ["env", "set", "acme/prod", "colour", "--secret", "--", c])
case("env-set-env-flag", lambda c: ["env", "--env", "acme/prod", "set", "colour", c, "--secret"])
case("env-set-esc-alias", lambda c: ["esc", "set", "acme/prod", "colour", c, "--secret"])
case("env-set-secret-looking-path", lambda c: ["env", "set", "acme/prod", "aws.secretKey", c])
case("env-set-draft", lambda c: ["env", "set", "--draft", "acme/prod", "colour", c, "--secret"])
case(
    "env-set-pulumi-option-secret",
    lambda c: ["env", "set", "acme/prod", "colour", c],
    lambda c: {"PULUMI_OPTION_SECRET": "true"},
)

_ENV_RUN_PROGRAMS: tuple[tuple[str, Callable[[str], list[str]]], ...] = (
    ("curl-bearer", lambda c: ["curl", "-H", f"Authorization: Bearer {c}", "https://api/x"]),
    ("aws-secret-access-key", lambda c: ["aws", "configure", "set", "--secret-access-key", c]),
    ("psql-url", lambda c: ["psql", f"postgres://u:{c}@h/db"]),
    ("mysql-bare-password", lambda c: ["mysql", "-uroot", f"-p{c}", "app"]),
    ("docker-login", lambda c: ["docker", "login", "-u", "bot", "-p", c, "registry.example"]),
    ("sh-c", lambda c: ["sh", "-c", f"echo {c} | vault login -"]),
    ("terraform-var", lambda c: ["terraform", "apply", "-var", f"db_password={c}"]),
    ("kubectl-literal", lambda c: ["kubectl", "create", "secret", f"--from-literal=pw={c}"]),
    ("plain-argument", lambda c: ["./deploy.sh", "--target", "prod", c]),
    ("git-url", lambda c: ["git", "clone", f"https://x-access-token:{c}@github.com/a/b"]),
)
for _name, _program in _ENV_RUN_PROGRAMS:
    case(
        f"env-run-dashes-{_name}",
        lambda c, program=_program: ["env", "run", "acme/prod", "--", *program(c)],
        remote=_name == "curl-bearer",
    )
    case(
        f"env-run-no-dashes-{_name}",
        lambda c, program=_program: ["env", "run", "acme/prod", *program(c)],
    )
case(
    "env-run-flags-before-env",
    lambda c: ["env", "run", "-i", "-l", "1h", "acme/prod", "--", "cmd", c],
)
case("env-run-draft", lambda c: ["env", "run", "--draft=12", "acme/prod", "--", "cmd", c])
case("env-run-esc-alias", lambda c: ["esc", "run", "acme/prod", "--", "cmd", "--password", c])
case("env-run-env-flag", lambda c: ["env", "--env", "acme/prod", "run", "--", "cmd", c])

# --- tracing header, global flags -----------------------------------------------------------

case(
    "tracing-header-before-command",
    lambda c: ["--tracing-header", f"Authorization: Bearer {c}", "up", "--yes"],
)
case("tracing-header-equals-after", lambda c: ["preview", f"--tracing-header=X-Token: {c}"])
case(
    "tracing-header-non-auth-name",
    lambda c: ["stack", "ls", "--tracing-header", f"X-Trace-Context: {c}"],
    remote=True,
)

# --- URLs with credentials in other values --------------------------------------------------

case("stack-tag-set-url", lambda c: ["stack", "tag", "set", "db", f"postgres://u:{c}@h/db"])
case("up-message-url", lambda c: ["up", "-y", "-m", f"moved to https://u:{c}@host/x"])
case(
    "up-message-url-unencoded",
    lambda c: ["up", "-y", "-m", f"state now at postgres://u:p/{c}?#@h/db please"],
)
case(
    "secrets-provider-url-query",
    lambda c: ["stack", "init", "dev2", "--secrets-provider", f"hashivault://k?token={c}"],
)
case(
    "stack-change-secrets-provider-url",
    lambda c: ["stack", "change-secrets-provider", f"https://u:{c}@kms.example/key"],
)
case("new-template-url", lambda c: ["new", f"https://bot:{c}@github.com/acme/tpl", "-y"])
case(
    "backend-url-env",
    lambda c: ["stack", "ls"],
    lambda c: {"PULUMI_BACKEND_URL": f"postgres://pulumi:{c}@db.example/state"},
    remote=True,
)
case(
    "backend-url-env-unencoded",
    lambda c: ["whoami"],
    lambda c: {"PULUMI_BACKEND_URL": f"postgres://pulumi:{c}/#?@{c}@db.example/state"},
)

# --- token shapes in free text (-m messages, tag values, descriptions) ----------------------

_SHAPES: tuple[tuple[str, Callable[[str], str], Callable[[str], str] | None], ...] = (
    ("pulumi", lambda c: f"pul-{c}", hex_canary(40)),
    ("aws-key-id", lambda c: f"AKIA{c}", lambda s: _hex(s, 16).upper()),
    ("github-classic", lambda c: f"ghp_{c}", lambda s: (s * 3)[:36]),
    ("github-fine-grained", lambda c: f"github_pat_11AB_{c}{c}", None),
    ("gitlab", lambda c: f"glpat-{c}{c}", None),
    ("slack", lambda c: f"xoxb-1234567890-{c}", None),
    ("stripe", lambda c: f"sk_live_{c}{c}", None),
    ("npm", lambda c: f"npm_{c}", lambda s: (s * 3)[:36]),
    ("pypi", lambda c: f"pypi-AgEIcHlwaS5vcmc{c}{c}{c}", None),
    ("google-api", lambda c: f"AIza{c}", lambda s: (s * 3)[:35]),
    ("sendgrid", lambda c: f"SG.{c}x.{c}{c}", None),
    ("digitalocean", lambda c: f"dop_v1_{c}", hex_canary(64)),
    ("anthropic", lambda c: f"sk-ant-api03-{c}{c}{c}", None),
    ("openai", lambda c: f"sk-proj-{c}{c}{c}", None),
    ("jwt", lambda c: f"eyJhbGciOiJIUzI1NiJ9.eyJ{c}.sig{c}", None),
    ("twilio-api-key", lambda c: f"SK{c}", hex_canary(32)),
    ("hugging-face", lambda c: f"hf_{c}{c}", None),
    ("azure-storage-key", lambda c: f"{c}{c}{c}{c}"[:86] + "==", lambda s: (s * 4)[:40]),
)
_CONTEXTS: tuple[tuple[str, Callable[[str], list[str]]], ...] = (
    ("up-message", lambda t: ["up", "--yes", "-m", f"rotate {t} tonight"]),
    ("stack-tag", lambda t: ["stack", "tag", "set", "owner", t]),
    ("new-description", lambda t: ["new", "aws-python", "-d", f"demo {t}", "-y"]),
    ("preview-message-equals", lambda t: ["preview", f"--message=token {t}"]),
)
for _shape_index, (_shape, _token, _make_canary) in enumerate(_SHAPES):
    _context_name, _context = _CONTEXTS[_shape_index % len(_CONTEXTS)]
    case(
        f"token-{_shape}-in-{_context_name}",
        lambda c, token=_token, context=_context: context(token(c)),
        remote=_shape in ("pulumi", "stripe"),
        canary=_make_canary,
    )

_PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n{c}\nBKcwggSjAgEAAoIBAQC7\n"
_KEYS = (
    ("pem-rsa", "RSA PRIVATE KEY", True),
    ("pem-pkcs8-cut-off", "PRIVATE KEY", False),
    ("openssh", "OPENSSH PRIVATE KEY", True),
    ("openssh-cut-off", "OPENSSH PRIVATE KEY", False),
    ("pgp", "PGP PRIVATE KEY BLOCK", True),
    ("pgp-cut-off", "PGP PRIVATE KEY BLOCK", False),
)
for _key_index, (_name, _label, _whole) in enumerate(_KEYS):

    def _key_text(c: str, label=_label, whole=_whole) -> str:
        text = f"-----BEGIN {label}-----\n" + _PEM_BODY.format(c=c)
        return text + f"-----END {label}-----\n" if whole else text

    _places: tuple[Callable[[str], list[str]], ...] = (
        lambda k: ["config", "set", "deploy:material", k],
        lambda k: ["up", "-y", "-m", f"oops {k}"],
        lambda k: ["env", "set", "acme/prod", "files.identity", k],
    )
    case(
        f"key-{_name}",
        lambda c, text=_key_text, place=_places[_key_index % 3]: place(text(c)),
        remote=_name == "openssh",
    )
case(
    "key-deployment-run-ssh-private-key-pem",
    lambda c: [
        "deployment",
        "run",
        "up",
        "--git-auth-ssh-private-key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\n" + _PEM_BODY.format(c=c),
    ],
)

# --- environment only: values that must never be recorded ----------------------------------

for _variable, _argv, _value in (
    ("PULUMI_ACCESS_TOKEN", ["whoami"], lambda c: c),
    ("PULUMI_CONFIG_PASSPHRASE", ["up", "--yes"], lambda c: c),
    ("PULUMI_GITSSH_PASSPHRASE", ["preview"], lambda c: c),
    ("PULUMI_CONFIG", ["up", "--yes"], lambda c: f'{{"webapp:dbPassword":"{c}"}}'),
    ("AWS_SECRET_ACCESS_KEY", ["preview"], lambda c: c),
    ("AWS_SESSION_TOKEN", ["preview"], lambda c: c),
    ("AZURE_STORAGE_KEY", ["stack", "ls"], lambda c: c),
    ("AZURE_STORAGE_SAS_TOKEN", ["stack", "ls"], lambda c: f"sv=2022&sig={c}"),
    ("AZURE_CLIENT_SECRET", ["refresh", "--yes"], lambda c: c),
    ("GOOGLE_CREDENTIALS", ["preview"], lambda c: f'{{"private_key":"{c}"}}'),
    ("PULUMI_OPTION_REMOTE_ENV_SECRET", ["up", "--remote"], lambda c: f"DB={c}"),
    ("PULUMI_OPTION_ENV_SECRET", ["deployment", "run", "up"], lambda c: f"DB={c}"),
    ("PULUMI_OPTION_GIT_AUTH_PASSWORD", ["deployment", "run", "up"], lambda c: c),
    ("PULUMI_OPTION_OIDC_TOKEN", ["login"], lambda c: c),
    ("PULUMI_OPTION_CONFIG", ["up", "--yes"], lambda c: f"dbPassword={c}"),
    ("PULUMI_OPTION_MESSAGE", ["up", "--yes"], lambda c: f"ghp_{c}"),
    ("PULUMI_OPTION_TRACING_HEADER", ["preview"], lambda c: f"Authorization: {c}"),
    ("PULUMI_OPTION_SECRET_ENV", ["deployment", "settings", "edit"], lambda c: f"K={c}"),
    ("PULUMI_OPTION_SESSION_TOKEN", ["env", "provider", "aws-login", "static"], lambda c: c),
):
    case(
        f"environment-{_variable.lower().replace('_', '-')}",
        lambda c, argv=_argv: list(argv),
        lambda c, variable=_variable, value=_value: {variable: value(c)},
        remote=_variable in ("PULUMI_ACCESS_TOKEN", "PULUMI_OPTION_CONFIG"),
    )

REMOTE_CASES = [item for item in CASES if item.remote]
