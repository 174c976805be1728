"""The parser against pulumi's own command tree: every command, alias and flag of it.

The tree is generated from pulumi's cobra source (src/pulumi_audited/pulumi/cli_tree.json, made
by `extract_tree`); grammar.py is generated from it; meaning.py is the one hand-written table.
"""

from __future__ import annotations

import itertools

import pytest

from pulumi_audited.pulumi import READ, UNKNOWN, grammar, grammar_gen
from pulumi_audited.pulumi.cli import option_variable, parse
from pulumi_audited.pulumi.commands import LEGACY_COMMANDS, ROOT, Command
from pulumi_audited.pulumi.meaning import MEANINGS, NOT_SECRET_FLAGS, meaning_of
from pulumi_audited.pulumi.redact import name_looks_secret

ALL_COMMANDS = [command for command in ROOT.commands() if command.path]
STACK = "teamstack"


def test_grammar_is_generated_from_the_committed_tree() -> None:
    expected = grammar_gen.render(grammar_gen.load_tree())
    assert grammar_gen.GRAMMAR_FILE.read_text(encoding="utf-8") == expected, (
        "grammar.py is stale: run python -m pulumi_audited.pulumi.grammar_gen"
    )


def test_every_command_has_a_meaning_and_every_meaning_a_command() -> None:
    paths = {*grammar.COMMANDS, *grammar.DYNAMIC, *LEGACY_COMMANDS}
    missing = sorted(paths - set(MEANINGS))
    assert not missing, f"commands without a row in meaning.py: {missing}"
    orphans = sorted(set(MEANINGS) - paths)
    assert not orphans, f"rows in meaning.py for commands pulumi does not have: {orphans}"


def test_no_command_inherits_its_parents_meaning() -> None:
    # Each row is read for its own path; an unknown one is "unknown", never a parent's.
    for command in ALL_COMMANDS:
        assert meaning_of(command.path).effect == MEANINGS[command.path][0]
    assert meaning_of("org frobnicate").effect == UNKNOWN


def _spellings(command: Command) -> list[list[str]]:
    """The command's words: canonical, and each alias of each level with the rest canonical."""
    chain = []
    node: Command | None = command
    while node is not None and node.path:
        chain.append(node)
        node = node.parent
    chain.reverse()
    canonical = [level.name for level in chain]
    result = [canonical]
    for position, level in enumerate(chain):
        for alias in level.aliases:
            result.append([*canonical[:position], alias, *canonical[position + 1 :]])
    return result


def _stack_spellings(command: Command) -> list[list[str]]:
    table = command.table()
    if "stack" not in table.values:
        return []
    spellings = [["--stack", STACK], [f"--stack={STACK}"]]
    if table.shorts.get("s") == "stack":
        spellings += [["-s", STACK], [f"-s={STACK}"], [f"-s{STACK}"]]
    return spellings


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=lambda command: command.path)
def test_every_command_under_every_alias_with_every_stack_spelling(command: Command) -> None:
    for words in _spellings(command):
        invocation = parse(words)
        assert (invocation.command, invocation.known) == (command.path, True), words
        for stack in _stack_spellings(command):
            for argv in (words + stack, stack + words if not command.parent else None):
                if argv is None:
                    continue
                invocation = parse(argv)
                assert invocation.command == command.path, argv
                assert invocation.stack == STACK, argv


def _value_flags(command: Command) -> list[list[str]]:
    """Every value-taking flag valid at `command`, long and short."""
    table = command.table()
    forms = [[f"--{name}"] for name in sorted(table.values)]
    values = table.values
    forms += [[f"-{letter}"] for letter, name in sorted(table.shorts.items()) if name in values]
    return forms


def _takes_a_value_down_to(levels: list[Command], flag: str) -> bool:
    """Whether cobra skips the word after `flag` at every level it passes on the way down: a
    subcommand may redefine it as a boolean (`api --verbose`), and cobra then reads the next
    word as a command name, as the parser does."""
    for level in levels:
        table = level.table()
        name = table.shorts.get(flag[1:]) if flag[1] != "-" else flag[2:]
        if name is not None and table.stands_alone(name):
            return False
    return True


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=lambda command: command.path)
def test_value_flags_before_each_subcommand_do_not_change_the_command(command: Command) -> None:
    words = _spellings(command)[0]
    levels: list[Command] = []
    node: Command | None = command.parent
    while node is not None:
        levels.append(node)
        node = node.parent
    levels.reverse()
    stack = _stack_spellings(command)[:1]
    for depth, level in enumerate(levels):
        following = words[depth]
        for flag in _value_flags(level):
            if not _takes_a_value_down_to(levels[depth:], flag[0]):
                continue
            # The flag's value is spelled like the next command word: cobra must skip it.
            argv = [*words[:depth], *flag, following, *words[depth:]]
            for extra in stack or [[]]:
                invocation = parse(argv + extra)
                assert invocation.command == command.path, argv + extra
                if extra:
                    assert invocation.stack == STACK, argv + extra


def test_value_optional_flags_never_take_the_next_word() -> None:
    value_optional = [
        (command, name) for command in ALL_COMMANDS for name in command.table().optional
    ]
    assert value_optional, "the tree has value-optional flags (--refresh, esc's --draft...)"
    for command, name in value_optional:
        if command.children:
            continue
        words = _spellings(command)[0]
        invocation = parse([*words, f"--{name}", "positional"])
        assert invocation.command == command.path
        # Still a positional (redacted where the command's last positional is a secret).
        assert len(invocation.positionals) == 1, (command.path, name)


def test_secret_looking_value_flags_are_secret_or_known_not_to_be() -> None:
    unexplained = []
    for command in ALL_COMMANDS:
        secret_flags = meaning_of(command.path).secret_flags
        for name in command.table().values | command.table().optional:
            if name_looks_secret(name) and name not in {*secret_flags, *NOT_SECRET_FLAGS}:
                unexplained.append(f"{command.path} --{name}")
    # Such a flag is redacted by its name anyway; the table should still say so.
    assert not unexplained, unexplained


def test_every_flag_can_come_from_its_pulumi_option_variable() -> None:
    # pkg/cmd/pulumi/pulumi.go declareFlagsAsEnvironmentVariables: every flag of every command.
    assert option_variable("expect-no-changes") == "PULUMI_OPTION_EXPECT_NO_CHANGES"
    for command in ALL_COMMANDS:
        table = command.table()
        words = _spellings(command)[0]
        if "stack" in table.values:
            invocation = parse(words, {"PULUMI_OPTION_STACK": STACK})
            assert invocation.stack == STACK, command.path
            # The command line wins over the variable.
            invocation = parse([*words, "--stack", "cli"], {"PULUMI_OPTION_STACK": STACK})
            assert invocation.stack == "cli", command.path
        if "show-secrets" in table.bools and meaning_of(command.path).reveals_with:
            assert parse(words, {"PULUMI_OPTION_SHOW_SECRETS": "true"}).reveals_secrets
            assert not parse(words, {"PULUMI_OPTION_SHOW_SECRETS": "yes"}).reveals_secrets
        if meaning_of(command.path).read_with == "preview-only":
            assert parse(words, {"PULUMI_OPTION_PREVIEW_ONLY": "1"}).effect == READ
        if "exec-kind" in table.values:
            assert parse(words, {"PULUMI_OPTION_EXEC_KIND": "auto.local"}).exec_kind == (
                "auto.local"
            )


def test_variables_for_flags_the_command_does_not_have_are_ignored() -> None:
    invocation = parse(["whoami"], {"PULUMI_OPTION_STACK": STACK})
    assert invocation.stack is None
    invocation = parse(["up"], {"PULUMI_OPTION_EXPECT_NO_CHANGES": "true"})
    assert invocation.expect_no_changes is True
    invocation = parse(["up"], {"PULUMI_OPTION_YES": "1", "PULUMI_OPTION_NON_INTERACTIVE": "0"})
    assert (invocation.yes, invocation.non_interactive) == (True, False)


@pytest.mark.parametrize("operation", sorted(grammar.DYNAMIC))
def test_do_operations_name_the_command_and_keep_the_token(operation: str) -> None:
    # pkg/cmd/pulumi/do: `pulumi do [do flags] <token> [<operation> [<name>|<id>]] [flags]`.
    word = operation.split()[1]
    argv = ["do", "--package", "aws@6", "aws:s3:Bucket", word, "logs", "--bucket-prefix", "x"]
    invocation = parse(argv)
    assert invocation.command == operation
    # Schema flags (one per property) take a value, so "x" is not a positional.
    assert invocation.positionals == ["aws:s3:Bucket", "logs"]
    expected = "read" if word in ("read", "list") else "infra"
    assert invocation.effect == expected
    if expected == "infra":
        assert parse([*argv, "--dry-run"]).effect == READ
    assert parse([*argv, "--show-secrets"]).reveals_secrets


def test_do_without_an_operation_reads() -> None:
    assert parse(["do", "aws:s3:getBucket", "--bucket", "b"]).command == "do"
    assert parse(["do", "aws:s3:getBucket"]).effect == READ
    assert parse(["do", "show-resources"]).command == "do show-resources"


@pytest.mark.parametrize("command", sorted(LEGACY_COMMANDS))
def test_commands_of_earlier_releases_are_understood(command: str) -> None:
    assert parse(command.split()).command == command


def test_aliases_are_unique_among_siblings() -> None:
    for command in [ROOT, *ALL_COMMANDS]:
        names = [child.name for child in {c.path: c for c in command.children.values()}.values()]
        aliases = list(
            itertools.chain.from_iterable(
                child.aliases for child in {c.path: c for c in command.children.values()}.values()
            )
        )
        assert len(set(names + aliases)) == len(names + aliases), command.path
