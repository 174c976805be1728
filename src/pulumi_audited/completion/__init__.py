"""Shell completion: the scripts in shell-completions/, `audit shell-init` and the hidden
`audit __complete-audit` that the scripts ask about words after `audit`.

Nothing here is on the shim's hot path: only `pulumi-audited audit ...` imports it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import click
from click.shell_completion import CompletionItem

from pulumi_audited.completion import templates

PROGRAM = "pulumi-audited"
ALIAS = "pulumi"
HELPER = "__complete-audit"
SHELLS = ("bash", "zsh", "fish", "powershell")
# The scripts shipped in shell-completions/, under the names each shell looks for.
SCRIPT_FILES = {
    "bash": "pulumi-audited.bash",
    "zsh": "_pulumi-audited",
    "fish": "pulumi-audited.fish",
}

# Cobra's ShellCompDirective bits, which the scripts understand for both kinds of answer.
DIRECTIVE_ERROR = 1
DIRECTIVE_NO_SPACE = 2
DIRECTIVE_NO_FILE = 4
DIRECTIVE_DIRS = 16

# How far back to look in the log for stacks and users to offer: TAB must stay instant on a
# long log. Run ids come from the whole log (run_ids.py).
RECENT_RECORDS = 2000


# ---------------------------------------------------------------------------
# Rendering the scripts
# ---------------------------------------------------------------------------


def render(shell: str, group: click.Group) -> str:
    """The completion script for `shell`, with the names taken from the click app."""
    header = templates.HEADER.replace("@COMMENT@", templates.COMMENT[shell])
    body = templates.BODIES[shell]
    if body.startswith("#compdef"):  # zsh reads that tag only on the first line
        first, rest = body.split("\n", 1)
        text = first + "\n" + rest.replace("@HEADER@", header, 1)
    else:
        text = header + "\n" + body
    return _fill(text, group)


def render_shell_init(shell: str, group: click.Group, *, alias: bool = True) -> str:
    """What `eval`/`source` needs: the alias line, then the completion script."""
    lines = _fill(templates.ALIAS_LINES[shell], group) if alias else ""
    return lines + render(shell, group)


def _fill(text: str, group: click.Group) -> str:
    names = {
        "@PROGRAM@": PROGRAM,
        "@ALIAS@": ALIAS,
        "@VIEWER@": group.name or "audit",
        "@VIEWER_HELP@": _one_line(group.get_short_help_str(limit=60)),
        "@HELPER@": HELPER,
    }
    for placeholder, value in names.items():
        text = text.replace(placeholder, value)
    return text


def _one_line(text: str) -> str:
    """Safe inside the double-quoted strings of every template."""
    return " ".join(text.split()).translate(str.maketrans("", "", "\"'`$\\@"))


def write_scripts(folder: Path, group: click.Group) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for shell, name in SCRIPT_FILES.items():
        path = folder / name
        path.write_text(render(shell, group), encoding="utf-8")
        written.append(path)
    return written


def stale_scripts(folder: Path, group: click.Group) -> list[Path]:
    """The shipped scripts that differ from what the click app renders now."""
    stale = []
    for shell, name in SCRIPT_FILES.items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != render(shell, group):
            stale.append(path)
    return stale


# ---------------------------------------------------------------------------
# Answering for words after `audit`
# ---------------------------------------------------------------------------


def audit_candidates(
    group: click.Group, words: list[str], environ: dict[str, str] | os._Environ
) -> tuple[list[CompletionItem], int]:
    """Candidates for the last of `words` (the words after `audit`), and cobra's directive."""
    # click offers no public way to learn WHICH parameter is being completed, and that is
    # what picks the values from the log; these two helpers are stable since click 8.0.
    from click.shell_completion import _resolve_context, _resolve_incomplete

    args, incomplete = words[:-1], words[-1] if words else ""
    ctx = _resolve_context(group, {}, f"{PROGRAM} {group.name}", list(args))
    target, incomplete = _resolve_incomplete(ctx, list(args), incomplete)
    from_log = _log_values_for(target, incomplete, environ)
    items = from_log if from_log is not None else target.shell_complete(ctx, incomplete)
    return _directive_for(items)


def _directive_for(items: list[CompletionItem]) -> tuple[list[CompletionItem], int]:
    kinds = {item.type for item in items}
    if "dir" in kinds:
        return [], DIRECTIVE_DIRS
    if "file" in kinds:
        return [], 0  # no candidates and no NoFileComp: the shell completes file names
    return items, DIRECTIVE_NO_FILE


# Run ids are in the log for any parameter so named; the filters that complete from the log
# say so in their row of viewer.filters.FILTERS.
_RUN_PARAMS = {"run_id", "run_ids", "run"}


def _log_values_for(
    target: click.Command | click.Parameter, incomplete: str, environ
) -> list[CompletionItem] | None:
    """Values from the log for a run id or a filter whose row completes from the log; None
    for any other target, or one whose author gave it a completion of its own."""
    from pulumi_audited.viewer.filters import log_completed_fields

    if not isinstance(target, click.Parameter) or target.name is None:
        return None
    if getattr(target, "_custom_shell_complete", None) is not None:
        return None
    name = target.name
    if name in _RUN_PARAMS:
        from pulumi_audited.completion.run_ids import run_id_candidates

        return run_id_candidates(_log_partitions(environ), incomplete)
    if name not in log_completed_fields():
        return None
    records = _recent_records(_log_partitions(environ))
    values = _distinct(record.get(name) for record in records)
    return [CompletionItem(value) for value in values if value.startswith(incomplete)]


def _distinct(values: Iterable[object]) -> list[str]:
    """Each value once; none that would put a control character on the command line."""
    from pulumi_audited.viewer.safe_text import escape

    seen: dict[str, None] = {}
    for value in values:
        if isinstance(value, str) and value and escape(value) == value:
            seen.setdefault(value, None)
    return list(seen)


def _log_partitions(environ) -> list:
    """The local log's day files, oldest first; none for a log that cannot be read, a remote
    one, or a broken config (a TAB press must not fail, nor wait for the network)."""
    from pulumi_audited.config import default_log_folder, load_settings
    from pulumi_audited.errors import ShimError, StoreError
    from pulumi_audited.store.local_read import LocalReader
    from pulumi_audited.store.schemes import local_folder

    try:
        settings = load_settings(os.getcwd(), environ)
        return LocalReader(local_folder(settings.log or default_log_folder())).partitions()
    except (ShimError, StoreError, OSError):
        return []


def _recent_records(partitions: list) -> Iterator[dict]:
    """The newest records first, at most RECENT_RECORDS, read as the viewer reads them."""
    from pulumi_audited.viewer.records import Damage, iter_records

    newest = iter_records(reversed(partitions), Damage(), newest_first=True)
    for count, record in enumerate(newest, start=1):
        yield record
        if count >= RECENT_RECORDS:
            return


def cobra_answer(items: list[CompletionItem], directive: int) -> str:
    """The answer in cobra's `__complete` format: `value[TAB help]` lines, then `:directive`."""
    lines = []
    for item in items:
        value = _one_line_value(item.value)
        help_text = " ".join(str(item.help).split()) if item.help else ""
        lines.append(f"{value}\t{help_text}" if help_text else value)
    lines.append(f":{directive}")
    return "\n".join(lines) + "\n"


def _one_line_value(value: object) -> str:
    return str(value).replace("\n", " ").replace("\t", " ")


# ---------------------------------------------------------------------------
# The click commands
# ---------------------------------------------------------------------------


@click.command(
    HELPER,
    hidden=True,
    add_help_option=False,
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("words", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def complete_audit_command(ctx: click.Context, words: tuple[str, ...]) -> None:
    """Completion candidates for `audit WORDS...`, the last word the one being completed."""
    group = ctx.find_root().command
    assert isinstance(group, click.Group)  # the audit group is the root
    try:
        items, directive = audit_candidates(group, list(words), os.environ)
    except Exception:  # a TAB press must never print a traceback into the command line
        items, directive = [], DIRECTIVE_ERROR
    click.echo(cobra_answer(items, directive), nl=False)


@click.command("shell-init")
@click.argument("shell", type=click.Choice(SHELLS))
@click.option(
    "--no-alias", is_flag=True, help=f"Completion only: do not alias {ALIAS} to {PROGRAM}."
)
@click.pass_context
def shell_init_command(ctx: click.Context, shell: str, no_alias: bool) -> None:
    """Print the alias and completion set-up for SHELL's rc file.

    \b
    bash:       eval "$(pulumi-audited audit shell-init bash)"
    zsh:        eval "$(pulumi-audited audit shell-init zsh)"
    fish:       pulumi-audited audit shell-init fish | source
    PowerShell: pulumi-audited audit shell-init powershell | Out-String | Invoke-Expression
    """
    group = ctx.find_root().command
    assert isinstance(group, click.Group)  # the audit group is the root
    click.echo(render_shell_init(shell, group, alias=not no_alias), nl=False)


def add_completion_commands(group: click.Group) -> None:
    group.add_command(complete_audit_command)
    group.add_command(shell_init_command)
