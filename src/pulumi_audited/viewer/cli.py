"""`pulumi-audited audit ...`: read the audit log."""

from __future__ import annotations

import json
import sys

import click

from pulumi_audited.config import default_log_folder, load_settings
from pulumi_audited.errors import ShimError
from pulumi_audited.store import StoreError, open_store
from pulumi_audited.viewer.records import Damage, iter_records, merge_runs


def run_viewer(argv: list[str]) -> int:
    try:
        return audit.main(args=argv, prog_name="pulumi-audited audit", standalone_mode=False) or 0
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.exceptions.Abort:
        return 130
    except StoreError as error:
        raise ShimError(str(error), 2) from None
    except BrokenPipeError:
        sys.stderr.close()
        return 0


def _open_log():
    import os

    settings = load_settings(os.getcwd(), os.environ)
    return open_store(settings.log or default_log_folder(), lock_timeout=settings.lock_timeout)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def audit() -> None:
    """Read the pulumi-audited log."""


@audit.command("log")
@click.option("-n", "--limit", default=50, show_default=True, help="How many runs to show.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run.")
def log_command(limit: int, as_json: bool) -> None:
    """Runs, newest first."""
    damage = Damage()
    runs = merge_runs(list(iter_records(_open_log(), damage)))
    runs.reverse()
    for run in runs[:limit]:
        if as_json:
            click.echo(json.dumps(run, ensure_ascii=True))
        else:
            click.echo(_row(run))
    damage.report()


def _row(run: dict) -> str:
    start = run["start"] or {}
    end = run["end"] or {}
    first = start or end
    outcome = end.get("outcome") or "unfinished"
    duration = f"{end['duration_ms']}ms" if end.get("duration_ms") is not None else "-"
    exit_code = str(end.get("exit_code")) if end.get("exit_code") is not None else "-"
    cells = [
        str(first.get("time", "")),
        str(first.get("user") or "-"),
        str(first.get("stack") or "-"),
        str(first.get("command") or "-"),
        outcome,
        duration,
        exit_code,
        str(first.get("source_ip") or "-"),
    ]
    return "\t".join(_printable(cell) for cell in cells)


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


@audit.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
def export_command(fmt: str) -> None:
    """Every record, oldest first."""
    damage = Damage()
    for record in iter_records(_open_log(), damage):
        click.echo(json.dumps(record, ensure_ascii=True))
    damage.report()


# Shell completion (`shell-init`, and the hidden command the completion scripts ask) works
# from whatever commands and options the group above has; keep this after all of them.
from pulumi_audited.completion import add_completion_commands  # noqa: E402

add_completion_commands(audit)
