from __future__ import annotations

import random
import subprocess
import sys
import time

import pytest

from pulumi_audited.config_values import DEFAULT_SKIP
from pulumi_audited.pulumi.cli import Invocation, parse
from pulumi_audited.pulumi.redact import REDACTED

PULUMI_TOKEN = "pul-" + "0123456789abcdef" * 2 + "01234567"


def assert_secret_absent(invocation: Invocation, secret: str) -> None:
    """The secret appears in no attribute of the invocation, nor in its repr."""
    for name in Invocation.__slots__:
        assert secret not in repr(getattr(invocation, name)), (name, getattr(invocation, name))
    assert secret not in repr(invocation)


def assert_same_shape(argv: list[str], invocation: Invocation) -> None:
    assert len(invocation.args) == len(argv)


# Command paths and aliases -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        ([], ""),
        (["--non-interactive"], ""),
        (["-C", "dir", "--color", "never"], ""),
        (["up"], "up"),
        (["update"], "up"),
        (["pre"], "preview"),
        (["preview"], "preview"),
        (["down"], "destroy"),
        (["dn"], "destroy"),
        (["destroy"], "destroy"),
        (["refresh"], "refresh"),
        (["import"], "import"),
        (["watch"], "watch"),
        (["new"], "new"),
        (["create"], "new"),
        (["setup"], "new"),
        (["esc", "open", "e"], "env open"),
        (["env", "new", "e"], "env init"),
        (["completion", "bash"], "gen-completion"),
        (["stack"], "stack"),
        (["stack", "init", "dev"], "stack new"),
        (["stack", "create", "dev"], "stack new"),
        (["stack", "setup", "dev"], "stack new"),
        (["stack", "new", "dev"], "stack new"),
        (["stack", "ls"], "stack list"),
        (["stack", "rm", "dev"], "stack remove"),
        (["stack", "delete", "dev"], "stack remove"),
        (["stack", "hist"], "stack history"),
        (["stack", "tag", "set", "k", "v"], "stack tag set"),
        (["stack", "select", "dev"], "stack select"),
        (["stack", "change-secrets-provider", "passphrase"], "stack change-secrets-provider"),
        (["state", "rm", "urn"], "state remove"),
        (["state", "delete", "urn"], "state remove"),
        (["state", "mv", "urn"], "state move"),
        (["state", "edit"], "state edit"),
        (["config"], "config"),
        (["config", "rm", "k"], "config remove"),
        (["config", "delete", "k"], "config remove"),
        (["config", "rm-all", "k"], "config remove-all"),
        (["config", "cp", "k", "-d", "prod"], "config copy"),
        (["config", "set-all", "--plaintext", "a=b"], "config set-all"),
        (["config", "env", "init"], "config env init"),
        (["env", "version", "tag", "rm", "e@t"], "env version tag remove"),
        (["env", "provider", "aws-login", "static"], "env provider aws-login static"),
        (["plugin", "ls"], "plugin list"),
        (["plugin", "install", "resource", "aws"], "plugin install"),
        (["deployment", "run", "update"], "deployment run"),
        (["deployment", "settings", "edit"], "deployment settings edit"),
        (["api", "/api/user"], "api"),
        (["api", "describe", "GetStack"], "api describe"),
        (["__complete", "up", "--st"], "__complete"),
        (["__completeNoDesc", "st"], "__complete"),  # cobra: an alias of __complete
    ],
)
def test_command_path_with_aliases_folded(argv: list[str], command: str) -> None:
    invocation = parse(argv)
    assert invocation.command == command
    assert invocation.args == argv


def test_no_prefix_matching() -> None:
    # Cobra's EnablePrefixMatching is off: a prefix is an unknown command, recorded as typed.
    assert parse(["upd"]).command == "upd"
    assert parse(["stack", "sel", "dev"]).command == "stack sel"
    assert parse(["stack", "sel", "dev"]).effect == "unknown"


def test_unknown_command_is_recorded_as_typed_never_as_its_parent() -> None:
    invocation = parse(["frobnicate", "now"])
    assert invocation.command == "frobnicate"
    assert invocation.known is False
    assert invocation.positionals == ["now"]
    invocation = parse(["org", "frobnicate"])
    assert (invocation.command, invocation.effect) == ("org frobnicate", "unknown")
    assert invocation.event == "command-org-frobnicate"
    # A command that takes positionals besides its subcommands keeps the word as one.
    invocation = parse(["env", "tag", "myorg/proj/env", "owner", "me"])
    assert (invocation.command, invocation.known) == ("env tag", True)


def test_first_word_decides_no_later_subcommand() -> None:
    # `up`'s positional is a template; "stack" after it is not a subcommand.
    invocation = parse(["up", "template", "stack"])
    assert invocation.command == "up"
    assert invocation.positionals == ["template", "stack"]


def test_positionals_after_the_command_path() -> None:
    assert parse(["stack", "select", "dev"]).positionals == ["dev"]
    assert parse(["config", "get", "aws:region", "-s", "dev"]).positionals == ["aws:region"]


# Global flags ------------------------------------------------------------------------------


def test_global_flags_before_the_command() -> None:
    invocation = parse(["-C", "infra", "--color", "never", "-e", "-Q", "stack", "select", "dev"])
    assert invocation.command == "stack select"
    assert invocation.cwd == "infra"
    assert invocation.global_flags == {
        "cwd": "infra",
        "color": "never",
        "emoji": True,
        "fully-qualify-stack-names": True,
    }


def test_global_flags_after_the_command() -> None:
    invocation = parse(["up", "--cwd", "infra", "--logtostderr", "--tracing", "file:/tmp/t"])
    assert invocation.command == "up"
    assert invocation.cwd == "infra"
    assert invocation.global_flags == {
        "cwd": "infra",
        "logtostderr": True,
        "tracing": "file:/tmp/t",
    }


def test_all_global_value_flags_take_a_value_before_the_command() -> None:
    argv = [
        "--cwd", "d", "--color", "raw", "--tracing", "t", "--otel-traces", "file:///x",
        "--profiling", "p", "--memprofilerate", "1", "--verbose", "3",
        "--tracing-header", "h", "preview",
    ]  # fmt: skip
    invocation = parse(argv)
    assert invocation.command == "preview"
    assert invocation.positionals == []
    assert set(invocation.global_flags) == {
        "cwd", "color", "tracing", "otel-traces", "profiling", "memprofilerate", "verbose",
        "tracing-header",
    }  # fmt: skip


def test_global_booleans_do_not_take_a_value() -> None:
    argv = [
        "--emoji", "--fully-qualify-stack-names", "--disable-integrity-checking", "--logflow",
        "--logtostderr", "--non-interactive", "refresh",
    ]  # fmt: skip
    invocation = parse(argv)
    assert invocation.command == "refresh"
    assert invocation.non_interactive is True
    assert all(value is True for value in invocation.global_flags.values())


def test_cwd_short_and_equals_forms() -> None:
    assert parse(["-Cinfra", "up"]).cwd == "infra"
    assert parse(["-C=infra", "up"]).cwd == "infra"
    assert parse(["--cwd=infra", "up"]).cwd == "infra"
    assert parse(["up", "-C", "a", "-C", "b"]).cwd == "b"
    assert parse(["up", "--cwd="]).cwd is None


@pytest.mark.parametrize(
    "argv",
    [
        ["-v3", "up"],
        ["-v=3", "up"],
        ["-v", "3", "up"],
        ["--verbose", "3", "up"],
        ["--verbose=3", "up"],
        ["up", "-v3"],
        ["up", "-v", "3"],
        ["up", "-v=3"],
    ],
)
def test_verbose_forms(argv: list[str]) -> None:
    invocation = parse(argv)
    assert invocation.command == "up"
    assert invocation.global_flags == {"verbose": "3"}
    assert invocation.positionals == []


def test_whoami_verbose_is_its_own_boolean() -> None:
    invocation = parse(["whoami", "-v"])
    assert invocation.command == "whoami"
    assert invocation.global_flags == {}
    # Here -v takes no value, so the next word is an (invalid) positional.
    assert parse(["whoami", "-v", "3"]).positionals == ["3"]


def test_api_verbose_hides_the_global_one() -> None:
    invocation = parse(["api", "/api/user", "--verbose"])
    assert invocation.global_flags == {}
    assert invocation.positionals == ["/api/user"]


def test_neo_cwd_is_local_not_global() -> None:
    invocation = parse(["neo", "--cwd", "work", "fix it"])
    assert invocation.cwd is None
    assert invocation.positionals == ["fix it"]


def test_unknown_flag_before_the_command_takes_a_value_as_cobra_assumes() -> None:
    # cobra skips the word after an unknown flag when looking for the subcommand; pulumi
    # accepts `pulumi --stack dev up` because `up` then knows --stack.
    invocation = parse(["--stack", "dev", "up"])
    assert invocation.command == "up"
    assert invocation.stack == "dev"
    assert parse(["-s", "dev", "stack", "select"]).stack == "dev"


def test_unknown_flag_after_the_command_is_a_boolean() -> None:
    invocation = parse(["up", "--frobnicate", "x"])
    assert invocation.positionals == ["x"]
    invocation = parse(["up", "--frobnicate=x"])
    assert invocation.positionals == []


# Per-command flags ---------------------------------------------------------------------------


def test_value_optional_flags_take_a_value_only_after_equals() -> None:
    invocation = parse(["up", "-r", "--yes"])
    assert invocation.yes is True
    assert invocation.positionals == []
    assert parse(["up", "--refresh", "tmpl"]).positionals == ["tmpl"]
    assert parse(["up", "--refresh=false", "tmpl"]).positionals == ["tmpl"]
    assert parse(["preview", "--json", "x"]).positionals == ["x"]
    assert parse(["up", "--suppress-permalink", "x"]).positionals == ["x"]
    assert parse(["up", "--attach-debugger", "x"]).positionals == ["x"]
    assert parse(["up", "--attach-debugger=plugins"]).positionals == []


def test_short_flags_differ_per_command() -> None:
    # -f is --skip-preview on up, --file on import.
    assert parse(["up", "-f", "tmpl"]).positionals == ["tmpl"]
    assert parse(["import", "-f", "resources.json"]).positionals == []
    # -c is --config on up, --cloud-url on login.
    login = parse(["login", "-c", "https://api.example.com"])
    assert login.positionals == []
    assert login.backend_arg == "https://api.example.com"
    assert parse(["up", "-c", "a=b"]).positionals == []


def test_boolean_clusters() -> None:
    invocation = parse(["up", "-yf"])
    assert invocation.yes is True
    assert invocation.positionals == []
    invocation = parse(["destroy", "-fyd"])
    assert invocation.yes is True


def test_value_flag_in_a_cluster_takes_the_rest_or_the_next_word() -> None:
    assert parse(["up", "-ysdev"]).stack == "dev"
    invocation = parse(["up", "-ys", "dev"])
    assert invocation.stack == "dev"
    assert invocation.yes is True
    invocation = parse(["import", "-yf", "res.json"])
    assert invocation.yes is True
    assert invocation.positionals == []
    assert parse(["up", "-s=dev"]).stack == "dev"


def test_boolean_with_explicit_value() -> None:
    assert parse(["up", "--yes=false"]).yes is False
    assert parse(["up", "--yes=true"]).yes is True
    assert parse(["up", "-y=false"]).yes is False
    assert parse(["--non-interactive=false", "up"]).non_interactive is False


def test_double_dash_ends_flags() -> None:
    invocation = parse(["up", "--", "--yes", "-s", "x"])
    assert invocation.yes is False
    assert invocation.stack is None
    assert invocation.positionals == ["--yes", "-s", "x"]
    assert parse(["--", "up"]).command == ""


def test_missing_flag_value_at_the_end() -> None:
    invocation = parse(["up", "--stack"])
    assert invocation.stack is None
    assert invocation.args == ["up", "--stack"]
    assert parse(["-C"]).command == ""


def test_stack_flag_only_where_the_command_has_it() -> None:
    assert parse(["state", "edit", "--stack", "dev"]).stack == "dev"
    # `state edit` has --stack only: -s is an unknown boolean there.
    invocation = parse(["state", "edit", "-s", "dev"])
    assert invocation.stack is None
    assert invocation.positionals == ["dev"]
    assert parse(["whoami", "--stack=dev"]).stack is None
    assert parse(["state", "move", "--source", "a", "--dest", "b", "urn"]).stack is None


@pytest.mark.parametrize(
    ("argv", "stack"),
    [
        (["stack", "select", "dev"], "dev"),
        (["stack", "select", "-s", "org/p/dev"], "org/p/dev"),
        (["stack", "select", "--create", "dev"], "dev"),
        (["stack", "new", "org/p/dev", "--secrets-provider", "passphrase"], "org/p/dev"),
        (["stack", "init", "dev"], "dev"),
        (["stack", "rm", "dev", "-y"], "dev"),
        (["stack", "rm", "--stack", "a", "b"], "a"),
        (["cancel", "dev"], "dev"),
        (["config", "set", "k", "v", "-s", "dev"], "dev"),
        (["config", "-s", "dev"], "dev"),
        (["stack", "-s", "dev", "output"], "dev"),
        (["stack", "output", "url"], None),
        (["up", "-s", "dev"], "dev"),
        (["destroy", "--stack=dev"], "dev"),
    ],
)
def test_stack(argv: list[str], stack: str | None) -> None:
    assert parse(argv).stack == stack


def test_exec_kind_and_flags_of_interest() -> None:
    invocation = parse(
        ["preview", "--expect-no-changes", "--show-secrets", "--exec-kind=auto.inline"]
    )
    assert invocation.expect_no_changes is True
    assert invocation.show_secrets is True
    assert invocation.exec_kind == "auto.inline"
    # pulumi records "cli" for an engine command without (or with another) --exec-kind, and
    # commands without the flag have no execution kind (pkg/cmd/pulumi/metadata/metadata.go).
    assert parse(["up"]).exec_kind == "cli"
    assert parse(["up", "--exec-kind", "auto"]).exec_kind == "cli"
    assert parse(["stack", "select", "dev"]).exec_kind is None


# Automation API ----------------------------------------------------------------------------


def test_python_automation_api_order() -> None:
    argv = [
        "--non-interactive", "up", "--stack", "dev", "--exec-kind", "auto.local",
        "--client=127.0.0.1:1234", "--event-log", "/tmp/x", "--yes",
    ]  # fmt: skip
    invocation = parse(argv)
    assert invocation.command == "up"
    assert invocation.stack == "dev"
    assert invocation.exec_kind == "auto.local"
    assert invocation.non_interactive is True
    assert invocation.yes is True
    assert invocation.positionals == []
    assert invocation.args == argv
    assert invocation.global_flags == {"non-interactive": True}
    assert invocation.skip_key not in DEFAULT_SKIP


def test_node_automation_api_order() -> None:
    argv = [
        "up", "--yes", "--stack", "org/proj/dev", "--non-interactive", "--exec-kind",
        "auto.inline", "--client", "127.0.0.1:5678", "--event-log", "/tmp/e.log",
    ]  # fmt: skip
    invocation = parse(argv)
    assert invocation.command == "up"
    assert invocation.stack == "org/proj/dev"
    assert invocation.exec_kind == "auto.inline"
    assert invocation.non_interactive is True
    assert invocation.yes is True
    assert invocation.positionals == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--non-interactive", "preview", "--stack", "dev", "--exec-kind", "auto.local",
         "--event-log", "/tmp/x", "--refresh", "--diff"],
        ["refresh", "--yes", "--skip-preview", "--stack", "dev", "--non-interactive",
         "--exec-kind", "auto.local", "--event-log", "/tmp/x"],
        ["destroy", "--yes", "--skip-preview", "--stack", "dev", "--non-interactive",
         "--exec-kind", "auto.inline", "--event-log", "/tmp/x"],
        ["stack", "select", "--stack", "dev", "--non-interactive"],
        ["--non-interactive", "config", "set", "--path", "a.b", "1", "--stack", "dev"],
    ],
)  # fmt: skip
def test_more_automation_api_lines(argv: list[str]) -> None:
    invocation = parse(argv)
    assert invocation.stack == "dev"
    assert invocation.non_interactive is True
    assert "/tmp/x" not in invocation.positionals


def test_event_log_and_client_on_a_command_that_lacks_them_still_take_values() -> None:
    invocation = parse(["stack", "output", "--event-log", "/tmp/x", "--client", "h:1"])
    assert invocation.positionals == []


# Non-UTF-8 and garbage ----------------------------------------------------------------------


def test_surrogate_escaped_arguments_pass_through() -> None:
    argv = ["up", "\udcff", "--stack", "d\udcfe", "-C", "/tmp/\udce9"]
    invocation = parse(argv)
    assert invocation.command == "up"
    assert invocation.stack == "d\udcfe"
    assert invocation.cwd == "/tmp/\udce9"
    assert invocation.positionals == ["\udcff"]
    assert invocation.args == argv


def test_surrogates_in_secret_positions() -> None:
    invocation = parse(["config", "set", "password\udcff", "s\udcfecret"])
    assert invocation.args == ["config", "set", "password\udcff", REDACTED]
    invocation = parse(["\udcff", "--\udcfe=\udcfd", "-\udcfc"])
    assert invocation.command == "\udcff"
    assert invocation.known is False


def test_bytes_arguments_are_decoded() -> None:
    invocation = parse([b"stack", b"select", b"dev\xff"])  # type: ignore[list-item]
    assert invocation.command == "stack select"
    assert invocation.stack == "dev\udcff"


@pytest.mark.parametrize(
    "argv",
    [
        ["-"], [""], ["--"], ["---"], ["--="], ["-="], ["-=x"], ["--=x"], ["-", "up"],
        ["", "up"], ["up", ""], ["up", "-"], ["-v"], ["-v="], ["---stack", "x"],
        ["stack", "select", "--", "dev"], ["config", "set"], ["env", "run"],
        ["env", "set", "--env"], ["env", "run", "--"], ["api", "-H"], ["-C", "-C"],
    ],
)  # fmt: skip
def test_odd_command_lines_never_raise(argv: list[str]) -> None:
    invocation = parse(argv)
    assert len(invocation.args) == len(argv)


def test_random_garbage_never_raises() -> None:
    rng = random.Random(1234)
    words = [
        "up", "stack", "select", "config", "set", "env", "run", "--", "-", "-s", "--stack",
        "-v", "-v3", "--secret", "-yf", "--cwd", "=", "-=", "--x=y", "\udcff", "", "login",
        "postgres://u:p@h", "k=v", "password=x", "api", "-H", "-F", "esc", "tag", "version",
    ]  # fmt: skip
    for _ in range(3000):
        argv = [rng.choice(words) for _ in range(rng.randint(0, 8))]
        invocation = parse(argv)
        assert len(invocation.args) == len(argv)
        assert "hunter2" not in repr(invocation)


# Secrets ------------------------------------------------------------------------------------

SECRET = "hunter2-S3cr3t"


@pytest.mark.parametrize(
    "argv",
    [
        ["config", "set", "key", SECRET, "--secret"],
        ["config", "set", "--secret", "key", SECRET],
        ["config", "set", "key", "--secret", SECRET],
        ["config", "set", "dbPassword", SECRET],
        ["config", "set", "--path", "db.password", SECRET],
        ["config", "set", "key", SECRET, "--secret=true"],
        ["config", "set-all", "--secret", f"key={SECRET}"],
        ["config", "set-all", f"--secret=key={SECRET}"],
        ["config", "set-all", "--plaintext", "a=b", "--secret", f"key={SECRET}"],
        ["config", "set-all", "--plaintext", f"dbPassword={SECRET}"],
        ["config", "set-all", "--json", '{"k": {"value": "' + SECRET + '", "secret": true}}'],
        ["up", "-c", f"dbPassword={SECRET}"],
        ["up", f"-cdbPassword={SECRET}"],
        ["up", "--config", f"apiToken={SECRET}"],
        ["preview", "-c", f"db:password={SECRET}"],
        ["refresh", "-c", f"secret={SECRET}"],
        ["destroy", "--config=token=" + SECRET],
        ["new", "aws-typescript", "-c", f"dbPassword={SECRET}", "-y"],
        ["watch", "-c", f"password={SECRET}"],
        ["env", "set", "myenv", "path", SECRET, "--secret"],
        ["env", "set", "myenv", "db.password", SECRET],
        ["env", "set", "--env", "myenv", "creds.token", SECRET],
        ["env", "run", "myenv", "--", "mysql", "--password", SECRET],
        ["env", "run", "myenv", "--", "tool", f"--token={SECRET}"],
        ["env", "run", "myenv", "--", "env", f"API_KEY={SECRET}", "cmd"],
        ["env", "provider", "aws-login", "static", "myenv", "AKIDEXAMPLE", SECRET],
        [
            "env",
            "provider",
            "aws-login",
            "static",
            "myenv",
            "AKID",
            "SAK",
            "--session-token",
            SECRET,
        ],
        ["env", "provider", "azure-login", "static", "e", "tenant", "sub", "client", SECRET],
        ["env", "provider", "gcp-login", "static", "e", "123456", SECRET],
        ["env", "provider", "gcp-login", "static", "--env", "e", "123456", SECRET],
        ["login", f"postgres://user:{SECRET}@db.example.com:5432/pulumi"],
        ["login", "--cloud-url", f"https://user:{SECRET}@api.example.com"],
        ["login", "--oidc-token", SECRET],
        ["login", f"--oidc-token={SECRET}"],
        ["stack", "migrate", f"postgres://app:{SECRET}@db/state", "dev"],
        ["stack", "webhook", "new", "--name", "h", "--url", "https://x", "--secret", SECRET],
        ["stack", "webhook", "edit", "h", f"--secret={SECRET}"],
        ["org", "webhook", "new", "--secret", SECRET],
        ["env", "webhook", "new", "myenv", "hook", "--secret", SECRET],
        ["deployment", "run", "update", "--env-secret", f"DB_PASS={SECRET}"],
        ["deployment", "run", "update", "--git-auth-access-token", SECRET],
        ["deployment", "run", "update", "--git-auth-ssh-private-key", SECRET],
        ["deployment", "run", "update", "--git-auth-password", SECRET],
        ["deployment", "run", "update", "--executor-image-password", SECRET],
        ["deployment", "run", "update", "--env", f"GITHUB_TOKEN={SECRET}"],
        ["deployment", "settings", "edit", "--secret-env", f"API_KEY={SECRET}"],
        ["deployment", "settings", "edit", "--secret-env", f"PLAIN={SECRET}"],
        ["up", "--remote", "--remote-env-secret", f"X={SECRET}"],
        ["up", "--remote", "--remote-git-auth-access-token", SECRET],
        ["api", "/api/user", "-H", f"Authorization: token {SECRET}"],
        ["api", "/api/user", f"--header=X-Api-Key: {SECRET}"],
        ["api", "CreateStack", "--body", '{"password": "' + SECRET + '"}'],
        ["api", "GetStack", "-F", f"orgName={SECRET}"],
        ["api", "GetStack", "-f", f"note={SECRET}"],
        ["api", "GetStack", f"-Fname={SECRET}"],
        ["up", "--some-future-token", SECRET],
        ["up", f"--some-future-password={SECRET}"],
        ["--tracing-header", f"Authorization: Bearer {SECRET}", "up"],
        ["new", f"https://user:{SECRET}@git.example.com/org/repo"],
        ["up", "--message", f"PULUMI_ACCESS_TOKEN={SECRET}"],
        # A word pulumi does not know is recorded as typed, event and skip key included.
        [f"postgres://app:{SECRET}@db/state", "up"],
        ["org", f"https://user:{SECRET}@git.example.com/x"],
        ["stack", f"dbPassword={SECRET}"],
    ],
)
def test_secret_never_appears(argv: list[str]) -> None:
    invocation = parse(argv)
    assert_secret_absent(invocation, SECRET)
    assert_same_shape(argv, invocation)
    assert any(REDACTED in arg for arg in invocation.args)


def test_a_token_typed_as_a_command_is_redacted_in_the_command_and_its_event() -> None:
    invocation = parse([PULUMI_TOKEN, "up"])
    assert_secret_absent(invocation, PULUMI_TOKEN)
    assert (invocation.command, invocation.event) == (REDACTED, "command-" + REDACTED)


def test_token_shapes_are_redacted_everywhere() -> None:
    argv = [
        "-C",
        f"/tmp/{PULUMI_TOKEN}",
        "up",
        "--stack",
        PULUMI_TOKEN,
        "-m",
        PULUMI_TOKEN,
        PULUMI_TOKEN,
    ]
    invocation = parse(argv)
    assert_secret_absent(invocation, PULUMI_TOKEN)
    assert invocation.stack == REDACTED
    assert invocation.cwd == f"/tmp/{REDACTED}"
    assert invocation.global_flags["cwd"] == f"/tmp/{REDACTED}"


def test_redaction_keeps_what_is_not_secret() -> None:
    invocation = parse(["config", "set", "--secret", "dbPassword", SECRET])
    assert invocation.args == ["config", "set", "--secret", "dbPassword", REDACTED]
    assert invocation.positionals == ["dbPassword", REDACTED]

    invocation = parse(["config", "set", "aws:region", "us-east-1"])
    assert invocation.args == ["config", "set", "aws:region", "us-east-1"]

    invocation = parse(["config", "set-all", "--plaintext", "a=b", "--secret", f"c={SECRET}"])
    assert invocation.args == [
        "config",
        "set-all",
        "--plaintext",
        "a=b",
        "--secret",
        f"c={REDACTED}",
    ]

    invocation = parse(["up", "-c", "aws:region=us-east-1", f"-cdbPassword={SECRET}"])
    assert invocation.args == ["up", "-c", "aws:region=us-east-1", f"-cdbPassword={REDACTED}"]

    invocation = parse(["login", f"postgres://app:{SECRET}@db:5432/state"])
    assert invocation.backend_arg == f"postgres://app:{REDACTED}@db:5432/state"
    assert invocation.args == ["login", f"postgres://app:{REDACTED}@db:5432/state"]

    invocation = parse(["api", "/x", "-H", f"Authorization: {SECRET}", "--body=" + SECRET])
    assert invocation.args == [
        "api",
        "/x",
        "-H",
        f"Authorization: {REDACTED}",
        f"--body={REDACTED}",
    ]

    invocation = parse(["env", "init", "myenv", "-f", "env.yaml"])
    assert invocation.args == ["env", "init", "myenv", "-f", "env.yaml"]


def test_env_run_keeps_the_program_and_redacts_its_arguments() -> None:
    argv = ["env", "run", "prod", "--", "aws", "s3", "ls", "--password", SECRET, "--profile", "x"]
    invocation = parse(argv)
    assert invocation.positionals == ["prod", "aws", *[REDACTED] * 6]
    assert invocation.args == [*argv[:5], *[REDACTED] * 6]
    # With --env the environment is not a positional, so the program comes first.
    invocation = parse(["env", "run", "--env", "prod", "--", "printenv", f"TOKEN={SECRET}"])
    assert invocation.positionals == ["printenv", REDACTED]


def test_env_run_without_dashes_redacts_the_programs_flags_too() -> None:
    argv = ["env", "run", "e", "-i", "aws", "--secret-access-key", SECRET, "-l", "1h"]
    invocation = parse(argv)
    # -i and -l are env run's own flags (pflag parses flags anywhere on the line).
    assert invocation.args == ["env", "run", "e", "-i", "aws", REDACTED, REDACTED, "-l", "1h"]
    argv = ["env", "run", "e", "--", "curl", "-H", f"Authorization: Bearer {SECRET}"]
    assert parse(argv).args == [*argv[:5], REDACTED, REDACTED]


def test_env_run_a_secret_named_command_word_is_kept_only_if_it_is_the_command() -> None:
    invocation = parse(["env", "run", "prod", "--", "show-secrets", "--key", SECRET])
    assert invocation.positionals == ["prod", "show-secrets", REDACTED, REDACTED]


def test_static_login_keeps_public_identifiers() -> None:
    invocation = parse(["env", "provider", "azure-login", "static", "e", "t", "s", "c", SECRET])
    assert invocation.positionals == ["e", "t", "s", "c", REDACTED]
    invocation = parse(["env", "provider", "aws-login", "static", "e", "AKIDEXAMPLE", SECRET])
    assert invocation.positionals == ["e", "AKIDEXAMPLE", REDACTED]


def test_flags_named_like_secrets_but_not_secret_are_kept() -> None:
    invocation = parse(
        ["stack", "init", "dev", "--secrets-provider", "awskms://alias/x?region=us-east-1"]
    )
    assert invocation.args[-1] == "awskms://alias/x?region=us-east-1"
    invocation = parse(["up", "--show-secrets", "--config-path", "-c", "a.b=1"])
    assert invocation.args == ["up", "--show-secrets", "--config-path", "-c", "a.b=1"]


def test_secret_config_value_after_double_dash() -> None:
    invocation = parse(["config", "set", "key", "--secret", "--", "-starts-with-dash"])
    assert "-starts-with-dash" not in repr(invocation)


# Effects and events ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "event", "end", "canceled"),
    [
        (["up"], "stack-update-started", "stack-update-completed", "stack-update-canceled"),
        (
            ["update", "-y"],
            "stack-update-started",
            "stack-update-completed",
            "stack-update-canceled",
        ),
        (["preview"], "stack-preview-started", "stack-preview-completed", "stack-preview-canceled"),
        (["refresh"], "stack-refresh-started", "stack-refresh-completed", "stack-refresh-canceled"),
        (["destroy"], "stack-destroy-started", "stack-destroy-completed", "stack-destroy-canceled"),
        (
            ["import"],
            "resource-import-started",
            "resource-import-completed",
            "resource-import-canceled",
        ),
        (["watch"], "stack-watch-started", "stack-watch-completed", "stack-watch-canceled"),
    ],
)
def test_engine_events(argv: list[str], event: str, end: str, canceled: str) -> None:
    invocation = parse(argv)
    assert (invocation.event, invocation.end_event_success, invocation.end_event_canceled) == (
        event,
        end,
        canceled,
    )


@pytest.mark.parametrize(
    ("argv", "event", "effect"),
    [
        (["stack", "init", "dev"], "stack-created", "state"),
        (["stack", "rm", "dev"], "stack-deleted", "state"),
        (["stack", "rename", "prod"], "stack-renamed", "state"),
        (["stack", "export"], "stack-exported", "read"),
        (["stack", "export", "--show-secrets"], "stack-exported", "read"),
        (["stack", "import", "--file", "s.json"], "stack-imported", "state"),
        (["stack", "select", "dev"], "stack-selected", "local"),
        (["stack", "select", "-c", "dev"], "stack-selected", "state"),
        (["stack", "unselect"], "command-stack-unselect", "local"),
        (["stack", "ls"], "command-stack-list", "read"),
        (["stack", "output"], "stack-outputs-read", "read"),
        (["stack", "output", "--show-secrets"], "secret-decrypted", "read"),
        (["stack", "history", "--show-secrets"], "secret-decrypted", "read"),
        (["stack", "--show-secrets"], "secret-decrypted", "read"),
        (["stack", "graph", "g.dot"], "command-stack-graph", "read"),
        (
            ["stack", "change-secrets-provider", "passphrase"],
            "command-stack-change-secrets-provider",
            "state",
        ),
        (["stack", "migrate", "file://~", "dev"], "command-stack-migrate", "state"),
        (["stack", "tag", "set", "k", "v"], "stack-tag-updated", "state"),
        (["stack", "tag", "rm", "k"], "stack-tag-deleted", "state"),
        (["config"], "stack-config-read", "read"),
        (["config", "--show-secrets"], "stack-config-read", "read"),
        (["config", "get", "k"], "stack-config-read", "read"),
        (["config", "set", "k", "v"], "stack-config-updated", "local"),
        (["config", "set-all", "--plaintext", "a=b"], "stack-config-updated", "local"),
        (["config", "rm", "k"], "stack-config-updated", "local"),
        (["config", "rm-all", "k"], "stack-config-updated", "local"),
        (["config", "cp", "-d", "prod"], "stack-config-updated", "local"),
        (["config", "refresh"], "stack-config-updated", "local"),
        (["config", "env", "add", "e"], "stack-config-updated", "local"),
        (["config", "env", "ls"], "stack-config-read", "read"),
        (["state", "delete", "urn"], "stack-state-updated", "state"),
        (["state", "mv", "urn"], "stack-state-updated", "state"),
        (["state", "rename", "urn", "n"], "stack-state-updated", "state"),
        (["state", "protect", "urn"], "stack-state-updated", "state"),
        (["state", "unprotect", "urn"], "stack-state-updated", "state"),
        (["state", "taint", "urn"], "stack-state-updated", "state"),
        (["state", "untaint", "urn"], "stack-state-updated", "state"),
        (["state", "repair"], "stack-state-updated", "state"),
        (["state", "upgrade"], "stack-state-updated", "state"),
        (["state", "edit"], "stack-state-updated", "state"),
        (["state", "get", "urn"], "command-state-get", "read"),
        (["state", "get", "urn", "--show-secrets"], "secret-decrypted", "read"),
        (["cancel"], "stack-update-canceled", "state"),
        (["new", "aws-python"], "stack-created", "state"),
        (["login"], "user-login", "local"),
        (["logout"], "user-logout", "local"),
        (["whoami"], "command-whoami", "read"),
        (["about"], "command-about", "read"),
        (["install"], "command-install", "local"),
        (["plugin", "install"], "command-plugin-install", "local"),
        (["plugin", "rm", "resource", "aws"], "command-plugin-remove", "local"),
        (["plugin", "ls"], "command-plugin-list", "read"),
        (["logs"], "command-logs", "read"),
        (["deployment", "run", "update"], "deployment-started", "infra"),
        (["env", "get", "e", "p"], "environment-read", "read"),
        (["env", "init", "e"], "environment-created", "state"),
        (["env", "edit", "e"], "environment-updated", "state"),
        (["env", "set", "e", "p", "v"], "environment-updated", "state"),
        (["env", "rm", "e", "p"], "environment-updated", "state"),
        (["env", "rm", "e"], "environment-deleted", "state"),
        (["env", "rm", "--env", "e"], "environment-deleted", "state"),
        (["env", "rm", "--env", "e", "p"], "environment-updated", "state"),
        (["env", "clone", "p/e", "e2"], "environment-cloned", "state"),
        (["env", "rotate", "e"], "environment-rotated", "state"),
        (["env", "tag", "e", "owner", "me"], "environment-tag-created", "state"),
        (["env", "tag", "e"], "command-env-tag", "read"),
        (["env", "tag", "mv", "e", "a", "b"], "environment-tag-updated", "state"),
        (["env", "tag", "rm", "e", "a"], "environment-tag-deleted", "state"),
        (["env", "version", "retract", "e@3"], "environment-revision-retracted", "state"),
        # Created or updated depends on whether the tag exists (env_version_tag.go tries an
        # update first); naming a revision is read as moving the tag (docs/events.md).
        (["env", "version", "tag", "e@stable"], "environment-revision-tag-created", "state"),
        (["env", "version", "tag", "e@stable", "@3"], "environment-revision-tag-update", "state"),
        (["env", "version", "tag", "rm", "e@stable"], "environment-revision-tag-delete", "state"),
        # Cloud's environment-restored is a deleted environment restored; a rollback writes the
        # old definition as a new revision (env_version_rollback.go: GetEnvironment, then
        # UpdateEnvironment).
        (["env", "version", "rollback", "e@3"], "environment-updated", "state"),
        (["env", "version", "history", "e"], "command-env-version-history", "read"),
        (["env", "ls"], "command-env-list", "read"),
        (["env", "provider", "aws-login", "oidc", "e", "arn", "n"], "environment-updated", "state"),
        (["org", "set-default", "acme"], "command-org-set-default", "local"),
        (["org", "member", "rm", "bob"], "member-removed", "state"),
        (["org", "role", "assign", "r", "t"], "custom-role-assigned", "state"),
        (["config", "delete-all"], "stack-config-updated", "local"),
        ([], "command-none", "read"),
        (["--non-interactive"], "command-none", "read"),
    ],
)
def test_action_events_and_effects(argv: list[str], event: str, effect: str) -> None:
    invocation = parse(argv)
    assert invocation.event == event
    assert invocation.end_event_success == event
    assert invocation.end_event_canceled == event
    assert invocation.effect == effect


@pytest.mark.parametrize("command", ["import", "refresh", "destroy"])
def test_preview_only_makes_an_engine_command_read_only(command: str) -> None:
    assert parse([command]).effect == ("state" if command == "refresh" else "infra")
    assert parse([command, "--preview-only"]).effect == "read"


def test_preview_is_read_only_even_when_saving_a_plan() -> None:
    assert parse(["preview", "--save-plan", "plan.json"]).effect == "read"


@pytest.mark.parametrize(
    ("argv", "reveals"),
    [
        (["stack", "export", "--show-secrets"], True),
        (["stack", "export"], False),
        (["stack", "output", "--show-secrets"], True),
        (["stack", "history", "--show-secrets"], True),
        (["stack", "get", "--show-secrets"], True),
        (["stack", "--show-secrets"], True),
        (["config", "--show-secrets"], True),
        (["config"], False),
        (["config", "get", "dbPassword"], True),
        (["state", "get", "urn", "--show-secrets"], True),
        (["state", "get", "urn"], False),
        (["env", "open", "e"], True),
        (["env", "run", "e", "--", "ls"], True),
        (["env", "get", "e", "p", "--show-secrets"], True),
        (["env", "get", "e", "p"], False),
        (["up", "--show-secrets"], False),
        (["stack", "export", "--show-secrets=false"], False),
    ],
)
def test_reveals_secrets(argv: list[str], reveals: bool) -> None:
    assert parse(argv).reveals_secrets is reveals


# Unrecorded ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["version"],
        ["--version"],
        ["--version", "up"],
        ["-C", "x", "--version"],
        ["help"],
        ["help", "up"],
        ["-h"],
        ["--help"],
        ["up", "--help"],
        ["stack", "select", "-h"],
        ["config", "set", "k", "v", "--help"],
        ["gen-completion", "bash"],
        ["completion", "zsh"],
        ["__complete", "stack", "sel"],
        ["__completeNoDesc", "up", "--"],
        ["gen-markdown", "docs"],
        ["generate-cli-spec"],
    ],
)
def test_unrecorded(argv: list[str]) -> None:
    assert parse(argv).skip_key in DEFAULT_SKIP


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["up"],
        ["stack", "export", "--version", "3"],
        ["env", "version", "history", "e"],
        ["up", "--version"],
        ["env", "run", "e", "--", "tool", "--help"],
        ["up", "--help=false"],
    ],
)
def test_recorded(argv: list[str]) -> None:
    assert parse(argv).skip_key not in DEFAULT_SKIP


# Backend argument ---------------------------------------------------------------------------


def test_backend_arg() -> None:
    assert parse(["login", "s3://bucket/prefix?region=us-east-1"]).backend_arg == (
        "s3://bucket/prefix?region=us-east-1"
    )
    assert parse(["login", "--local"]).backend_arg == "file://~"
    assert parse(["login"]).backend_arg is None
    assert parse(["stack", "migrate", "file://~", "dev"]).backend_arg == "file://~"
    assert parse(["logout", "s3://b"]).backend_arg is None
    assert parse(["up"]).backend_arg is None


# Interface, speed, imports ---------------------------------------------------------------------


def test_invocation_is_a_plain_class_with_slots() -> None:
    invocation = parse(["up"])
    assert not hasattr(invocation, "__dict__")
    assert invocation == parse(["up"])
    assert invocation != parse(["preview"])
    assert "command='up'" in repr(invocation)


def test_parse_is_fast() -> None:
    argv = [
        "--non-interactive", "up", "--stack", "dev", "--exec-kind", "auto.local",
        "--client=127.0.0.1:1234", "--event-log", "/tmp/x", "--yes",
    ]  # fmt: skip
    parse(argv)
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        parse(argv)
    per_call = (time.perf_counter() - start) / rounds
    # Typically ~20 us; the budget is 200 us. Generous for slow CI machines.
    assert per_call < 0.0005


def test_importing_the_parser_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from pulumi_audited.pulumi import cli\n"
        "cli.parse(['--non-interactive', 'up', '--stack', 'dev', '-c', 'a=b', '--yes'])\n"
        "cli.parse(['login', 'postgres://u:p@h/db'])\n"
        "heavy = {'re', 'json', 'typing', 'enum', 'dataclasses', 'pathlib', 'signal', 'socket',\n"
        "         'subprocess', 'hashlib', 'datetime', 'yaml', 'click', 'filelock',\n"
        "         'platformdirs', 'urllib', 'shlex', 'functools', 'collections', 'logging',\n"
        "         'string'}\n"
        "loaded = sorted(heavy & set(sys.modules))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_shims_quick_skip_words_are_the_skip_list_and_pulumis_aliases() -> None:
    """The shim recognises skipped commands by their first word without parsing; those words
    are the skip list's commands and every alias pulumi's tree gives them."""
    from pulumi_audited.pulumi.grammar import COMMANDS
    from pulumi_audited.shim import _QUICK_SKIP

    expected = {}
    for key in DEFAULT_SKIP:
        expected[key] = key
        aliases = COMMANDS[key][0].split() if key in COMMANDS else []
        expected.update(dict.fromkeys(aliases, key))
    assert expected == _QUICK_SKIP
