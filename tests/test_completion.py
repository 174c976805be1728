"""TAB completion, in the real bash, zsh and fish, with the stand-in pulumi behind the shim.

Each shell sources the shipped script from shell-completions/ and completes a command line;
the candidates it would offer are compared with what the click app and the stand-in define.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import click
import pytest
from conftest import which

from pulumi_audited.completion import (
    SCRIPT_FILES,
    SHELLS,
    audit_candidates,
    cobra_answer,
    render,
    render_shell_init,
    stale_scripts,
)
from pulumi_audited.viewer.cli import audit

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "shell-completions"
REAL_SHELLS = ("bash", "zsh", "fish")
# Most bash users have the bash-completion package loaded, which changes how words are split.
BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")
SHELL_SETUPS = ("bash", "bash+bash-completion", "zsh", "fish")

# Finds the function `complete -F` registered, and calls it as bash's programmable
# completion would: COMP_WORDS split at blanks, the cursor at the end of the line.
BASH_DRIVER = r"""
[[ -n $BASH_COMPLETION ]] && source "$BASH_COMPLETION"
source "$SCRIPT"
read -ra COMP_WORDS <<<"${LINE//=/ = }"  # bash splits words at `=` too (COMP_WORDBREAKS)
[[ $LINE == *[' ='] ]] && COMP_WORDS+=('')
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE=$LINE
COMP_POINT=${#LINE}
spec=$(complete -p "${COMP_WORDS[0]}") || exit 3
function=${spec##*-F }
function=${function%% *}
COMPREPLY=()
"$function" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""

# zsh completes only inside its line editor: this types the line and a TAB into an
# interactive zsh in a pseudo-terminal (zsh/zpty) and prints the matches zsh accepted.
ZSH_CAPTURE = Path(__file__).resolve().parent / "zsh_capture.zsh"


def shell_path(name: str) -> str:
    """The shell's path; a missing shell fails the test (it must not pass by skipping)."""
    try:
        return which(name)
    except AssertionError:
        raise AssertionError(
            f"{name} is not installed: `make setup` installs zsh and fish with apt-get"
        ) from None


def run_shell(argv: list[str], env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, (argv, result.returncode, result.stdout, result.stderr)
    return result.stdout


def complete(shell: str, line: str, sandbox, tmp_path: Path, *, alias: bool = False) -> list[str]:
    """The candidates `shell` offers for `line` (cursor at its end), without descriptions."""
    env = dict(sandbox.env)
    script = SCRIPTS / SCRIPT_FILES[shell.split("+")[0]]
    env.update(SCRIPT=str(script), LINE=line)
    if shell.startswith("bash"):
        if shell == "bash+bash-completion":
            assert BASH_COMPLETION.is_file(), "bash-completion is missing: `make setup` installs it"
            env["BASH_COMPLETION"] = str(BASH_COMPLETION)
        prelude = "alias pulumi=pulumi-audited\n" if alias else ""
        argv = [shell_path("bash"), "--norc", "--noprofile", "-c", prelude + BASH_DRIVER]
    elif shell == "zsh":
        prelude = "alias pulumi=pulumi-audited" if alias else ""
        argv = [shell_path("zsh"), "-f", str(ZSH_CAPTURE), str(script), prelude, line]
    else:
        prelude = "alias pulumi pulumi-audited; " if alias else ""
        argv = [
            shell_path("fish"),
            "--no-config",
            "-c",
            prelude + 'source $SCRIPT; complete -C "$LINE"',
        ]
    output = run_shell(argv, env, sandbox.project)
    return [line.split("\t", 1)[0] for line in output.splitlines() if line]


def visible_subcommands(prefix: str) -> list[str]:
    return sorted(
        name
        for name, command in audit.commands.items()
        if name.startswith(prefix) and not command.hidden
    )


def option_choices(command: str, option: str) -> list[str]:
    for param in audit.commands[command].params:
        if option in getattr(param, "opts", []):
            assert isinstance(param.type, click.Choice), param.type
            return sorted(str(choice) for choice in param.type.choices)
    raise AssertionError(f"audit {command} has no {option}")


@pytest.fixture
def no_new_records(sandbox):
    """Fails the test if anything it did wrote to the audit log."""
    before = sandbox.raw_log()
    yield
    assert sandbox.raw_log() == before, "completion wrote audit records"


# ---------------------------------------------------------------------------
# The shipped scripts and shell-init
# ---------------------------------------------------------------------------


def test_shipped_scripts_are_generated_from_the_click_app():
    stale = stale_scripts(SCRIPTS, audit)
    assert not stale, (
        f"{', '.join(map(str, stale))} out of date with the click app: run `make completions` "
        "(python -m pulumi_audited.completion --write shell-completions) and commit the result"
    )


@pytest.mark.parametrize("shell", SHELLS)
def test_shell_init_prints_the_alias_then_the_completion(sandbox, shell):
    result = sandbox.run("audit", "shell-init", shell)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    first_line = text.splitlines()[0]
    assert (
        first_line
        == {
            "bash": "alias pulumi=pulumi-audited",
            "zsh": "alias pulumi=pulumi-audited",
            "fish": "alias pulumi pulumi-audited",
            "powershell": "Set-Alias -Name pulumi -Value pulumi-audited",
        }[shell]
    )
    assert text == render_shell_init(shell, audit)
    assert text.endswith(render(shell, audit))
    if shell in SCRIPT_FILES:
        assert text.endswith((SCRIPTS / SCRIPT_FILES[shell]).read_text())
    else:
        assert "Register-ArgumentCompleter -Native -CommandName 'pulumi-audited'" in text
        assert "__complete-audit" in text


def test_shell_init_without_the_alias(sandbox):
    result = sandbox.run("audit", "shell-init", "bash", "--no-alias")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == render("bash", audit)


@pytest.mark.parametrize("shell", REAL_SHELLS)
def test_shell_init_output_sets_up_the_alias_and_completion(sandbox, tmp_path, shell):
    init = sandbox.run("audit", "shell-init", shell).stdout.decode()
    (tmp_path / "init").write_text(init)
    check = {
        "bash": [
            "bash",
            "--norc",
            "--noprofile",
            "-c",
            'eval "$(cat "$INIT")"; alias pulumi; complete -p pulumi pulumi-audited',
        ],
        "zsh": [
            "zsh",
            "-f",
            "-c",
            'eval "$(<$INIT)"; print -r -- $aliases[pulumi] $_comps[pulumi] '
            "$_comps[pulumi-audited]",
        ],
        "fish": [
            "fish",
            "--no-config",
            "-c",
            'source $INIT; functions -q pulumi; and complete -C "pulumi st"',
        ],
    }[shell]
    env = {**sandbox.env, "INIT": str(tmp_path / "init")}
    output = run_shell([shell_path(check[0]), *check[1:]], env, sandbox.project)
    expected = {
        "bash": [
            "alias pulumi='pulumi-audited'",
            "complete -F _pulumi_audited_complete pulumi",
            "complete -F _pulumi_audited_complete pulumi-audited",
        ],
        "zsh": ["pulumi-audited _pulumi_audited _pulumi_audited"],
        "fish": ["stack", "state"],
    }[shell]
    assert output.splitlines() == expected


# ---------------------------------------------------------------------------
# Candidates, in each real shell
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shell", SHELL_SETUPS)
def test_audit_subcommands(sandbox, tmp_path, shell, no_new_records):
    offered = complete(shell, "pulumi-audited audit l", sandbox, tmp_path)
    assert sorted(offered) == visible_subcommands("l") == ["log"]


@pytest.mark.parametrize("shell", SHELL_SETUPS)
def test_audit_option_names(sandbox, tmp_path, shell, no_new_records):
    offered = complete(shell, "pulumi-audited audit log --st", sandbox, tmp_path)
    assert "--stack" in offered
    assert all(option.startswith("--st") for option in offered), offered


@pytest.mark.parametrize("shell", SHELL_SETUPS)
def test_audit_option_choices(sandbox, tmp_path, shell, no_new_records):
    offered = complete(shell, "pulumi-audited audit export --format ", sandbox, tmp_path)
    assert sorted(offered) == option_choices("export", "--format")


@pytest.mark.parametrize("shell", SHELL_SETUPS)
def test_an_option_value_after_equals(sandbox, tmp_path, shell, no_new_records):
    first = option_choices("export", "--format")[0]
    offered = complete(
        shell, f"pulumi-audited audit export --format={first[:1]}", sandbox, tmp_path
    )
    # fish replaces the whole word; bash and zsh only what follows the `=`.
    prefix = "--format=" if shell == "fish" else ""
    assert prefix + first in offered


@pytest.mark.parametrize("shell", SHELL_SETUPS)
def test_other_first_words_go_to_pulumi(sandbox, tmp_path, shell, no_new_records):
    assert sorted(complete(shell, "pulumi-audited st", sandbox, tmp_path)) == ["stack", "state"]
    assert sandbox.standin_events("start"), "the stand-in's __complete was not asked"
    everything = complete(shell, "pulumi-audited ", sandbox, tmp_path)
    assert {"up", "preview", "stack", "audit"} <= set(everything)
    assert complete(shell, "pulumi-audited au", sandbox, tmp_path) == ["audit"]


@pytest.mark.parametrize("shell", SHELL_SETUPS)
def test_aliased_pulumi_completes_like_the_shim(sandbox, tmp_path, shell, no_new_records):
    offered = complete(shell, "pulumi st", sandbox, tmp_path, alias=True)
    assert sorted(offered) == ["stack", "state"]
    offered = complete(shell, "pulumi audit l", sandbox, tmp_path, alias=True)
    assert offered == ["log"]


def test_without_the_alias_bash_registers_nothing_for_pulumi(sandbox):
    script = SCRIPTS / SCRIPT_FILES["bash"]
    output = run_shell(
        [
            shell_path("bash"),
            "--norc",
            "--noprofile",
            "-c",
            f"source {script}; complete -p pulumi || echo none; alias pulumi=other; "
            f"source {script}; complete -p pulumi || echo none",
        ],
        sandbox.env,
        sandbox.project,
    )
    assert output.splitlines() == ["none", "none"]


def test_without_the_alias_zsh_registers_nothing_for_pulumi(sandbox):
    script = SCRIPTS / SCRIPT_FILES["zsh"]
    show = "print -r -- ${_comps[pulumi]:-none} ${_comps[pulumi-audited]:-none}"
    output = run_shell(
        [
            shell_path("zsh"),
            "-f",
            "-c",
            f"autoload -Uz compinit && compinit -u -D; source {script}; {show}; "
            f"alias pulumi=/usr/bin/other; source {script}; {show}",
        ],
        sandbox.env,
        sandbox.project,
    )
    assert output.splitlines() == ["none _pulumi_audited"] * 2


def test_without_the_alias_fish_registers_nothing_for_pulumi(sandbox):
    script = SCRIPTS / SCRIPT_FILES["fish"]
    output = run_shell(
        [
            shell_path("fish"),
            "--no-config",
            "-c",
            f"source {script}; complete -c pulumi; function pulumi; echo other; end; "
            f"source {script}; complete -c pulumi",
        ],
        sandbox.env,
        sandbox.project,
    )
    assert "__pulumi_audited" not in output


@pytest.fixture
def recorded_runs(sandbox) -> list[dict]:
    for args in (["up", "--yes", "--stack", "prod"], ["preview"], ["stack", "ls"]):
        result = sandbox.run(*args)
        assert result.returncode == 0, result.stderr
    records = sandbox.records()
    assert len(records) == 6
    return records


@pytest.mark.parametrize("shell", SHELL_SETUPS)
def test_stack_values_come_from_the_log(sandbox, tmp_path, shell, recorded_runs, no_new_records):
    stacks = {record["stack"] for record in recorded_runs}
    assert len(stacks) == 2, stacks
    offered = complete(shell, "pulumi-audited audit log --stack ", sandbox, tmp_path)
    assert sorted(offered) == sorted(stacks)


def _short_ids(sandbox) -> dict[str, str]:
    """Run id -> the short id `audit log` shows for it on a terminal: the shortest ending, of
    7 to 10 characters, that no other run id in the log has (worked out the slow way)."""
    ids = {record["run_id"] for record in sandbox.records()}

    def short(run_id: str) -> str:
        for length in range(7, 10):
            if sum(other.endswith(run_id[-length:]) for other in ids) == 1:
                return run_id[-length:]
        return run_id[-10:]

    return {run_id: short(run_id) for run_id in ids}


@pytest.mark.parametrize("shell", SHELL_SETUPS)
def test_show_offers_run_ids(sandbox, tmp_path, shell, recorded_runs, no_new_records):
    shorts = _short_ids(sandbox)
    offered = complete(shell, "pulumi-audited audit show ", sandbox, tmp_path)
    assert sorted(offered) == sorted(shorts.values())
    newest = recorded_runs[-1]["run_id"]
    offered = complete(shell, f"pulumi-audited audit show {newest[:-4]}", sandbox, tmp_path)
    assert offered == [newest]
    offered = complete(shell, f"pulumi-audited audit show {shorts[newest][:4]}", sandbox, tmp_path)
    assert shorts[newest] in offered
    assert all(short.startswith(shorts[newest][:4]) for short in offered)


def test_show_offers_every_run_of_the_whole_log(sandbox):
    from viewer_logs import write_synthetic

    pairs = write_synthetic(sandbox.log_dir, 400, days=30)
    ids = [start["run_id"] for start, _ in pairs]
    shorts = _short_ids(sandbox)

    def candidates(word: str) -> list[tuple[str, str]]:
        result = sandbox.run("audit", "__complete-audit", "show", word)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.decode().splitlines()
        assert lines[-1] == ":4"
        return [tuple((line + "\t").split("\t")[:2]) for line in lines[:-1]]

    everything = candidates("")
    assert sorted(value for value, _ in everything) == sorted(shorts[i] for i in ids)
    assert all(help_text == "" for _, help_text in everything)  # too many to describe
    oldest = ids[0]
    (only,) = candidates(shorts[oldest])
    assert only[0] == shorts[oldest] and only[1].startswith(pairs[0][0]["time"])
    by_start = [value for value, _ in candidates(oldest[:9])]
    assert oldest in by_start and all(value.startswith(oldest[:9]) for value in by_start)


# ---------------------------------------------------------------------------
# The answer for words after `audit`, in-process
# ---------------------------------------------------------------------------


def test_a_file_option_lets_the_shell_complete_file_names(sandbox):
    group = click.Group("audit")

    @group.command("import")
    @click.option("--file", type=click.Path(dir_okay=False))
    @click.option("--into", type=click.Path(file_okay=False))
    def import_(file: str, into: str) -> None:
        """Import."""

    assert audit_candidates(group, ["import", "--file", ""], sandbox.env) == ([], 0)
    assert audit_candidates(group, ["import", "--into", ""], sandbox.env) == ([], 16)


def test_hidden_commands_are_not_offered(sandbox):
    items, directive = audit_candidates(audit, [""], sandbox.env)
    names = [item.value for item in items]
    assert "__complete-audit" not in names
    assert "shell-init" in names
    assert directive == 4


def test_the_answer_is_in_cobras_format():
    from click.shell_completion import CompletionItem

    items = [CompletionItem("log", help="Runs,\nnewest first."), CompletionItem("x\ty")]
    assert cobra_answer(items, 4) == "log\tRuns, newest first.\nx y\n:4\n"


def test_a_broken_command_line_answers_the_error_directive(sandbox):
    result = sandbox.run("audit", "__complete-audit", "--", "log", "--limit", "x", "")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines()[-1] in (":1", ":4")


def test_zsh_with_complete_aliases_completes_the_alias_itself(sandbox):
    # With this option zsh looks up the completion of `pulumi`, not of what it stands for.
    prelude = "alias pulumi=pulumi-audited; setopt complete_aliases"
    script = SCRIPTS / SCRIPT_FILES["zsh"]
    argv = [shell_path("zsh"), "-f", str(ZSH_CAPTURE), str(script), prelude, "pulumi st"]
    assert run_shell(argv, sandbox.env, sandbox.project).splitlines() == ["stack", "state"]


def test_fish_completes_a_hand_written_pulumi_function_that_runs_the_shim(sandbox):
    # `alias` makes a function that wraps pulumi-audited; this one does not say so.
    script = SCRIPTS / SCRIPT_FILES["fish"]
    output = run_shell(
        [
            shell_path("fish"),
            "--no-config",
            "-c",
            f"function pulumi; pulumi-audited $argv; end; source {script}; "
            'complete -C "pulumi st"; complete -C "pulumi audit l"',
        ],
        sandbox.env,
        sandbox.project,
    )
    assert [line.split("\t")[0] for line in output.splitlines()] == ["stack", "state", "log"]
