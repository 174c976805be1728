"""`audit verify`: walk the hash chain; exit 0 intact, 1 tampered or damaged, 2 unreadable."""

from __future__ import annotations

import click

from pulumi_audited.store.verify import verify
from pulumi_audited.viewer.commands.verify_checkpoints import Checkpoints
from pulumi_audited.viewer.context import open_log, settings
from pulumi_audited.viewer.exit_codes import EXIT_UNREADABLE
from pulumi_audited.viewer.formats import Terminal, json_line
from pulumi_audited.viewer.pager import no_pager_option
from pulumi_audited.viewer.safe_text import escape

EXIT_DAMAGED = 1


@click.command("verify")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every finding.")
@click.option(
    "--keys",
    "keys_path",
    metavar="FILE|DIR",
    type=click.Path(exists=True),
    help="Public keys (a file of '<writer ids> <key>' lines, or a folder of such files): check "
    "each checkpoint's signature too.",
)
@no_pager_option
def command(as_json: bool, keys_path: str | None) -> None:
    """Walk the hash chain and report every edited, deleted, inserted or reordered record and
    every corrupt line, with its file, line and record id. Where the writer's clock stepped
    back across midnight, a note says so; it is not damage.

    Exit status: 0 intact, 1 tampering or damage found, 2 the log cannot be read. Records cut
    off the end of a chain leave no trace in it: in a remote log, the writers' checkpoints
    show them (docs/checkpoints.md), their signatures checked with --keys.
    """
    current = settings()
    store = open_log()
    absent = store.absent()
    if absent is not None:
        raise click.exceptions.Exit(_unreadable(absent))
    checking = Checkpoints(store, keys_path, current.witness)
    report = verify(store, checking.check if checking.possible else None)
    if as_json:
        click.echo(
            json_line(
                {
                    "log": store.location,
                    "intact": report.intact,
                    "records": report.records,
                    "files": report.partitions,
                    "findings": [finding.as_json() for finding in report.findings],
                    "undiagnosed_breaks": report.undiagnosed_breaks,
                    "notes": [note.as_json() for note in report.notes],
                    "checkpoints": checking.as_json(),
                }
            )
        )
    else:
        terminal = Terminal()
        lines = [
            f"{escape(f.place)}: {terminal.paint(f.kind, 'red')}: {escape(f.detail)}"
            for f in report.findings
        ]
        lines += [
            f"{escape(n.place)}: note: {terminal.paint(n.kind, 'yellow')}: {escape(n.detail)}"
            for n in report.notes
        ]
        if report.undiagnosed_breaks:
            lines.append(
                f"... and {report.undiagnosed_breaks} more breaks in the chain, not diagnosed"
            )
        summary = (
            f"{report.records} records in {report.partitions} {store.partition_word} "
            f"at {store.location}"
        )
        lines += [escape(line) for line in checking.lines()]
        if report.intact:
            lines.append(f"intact: {summary}")
        else:
            lines.append(f"NOT intact: {len(report.findings)} finding(s) in {summary}")
        terminal.emit(lines)
    if not report.intact:
        raise click.exceptions.Exit(EXIT_DAMAGED)


def _unreadable(message: str) -> int:
    click.echo(f"pulumi-audited: cannot read the log: {message}", err=True)
    return EXIT_UNREADABLE
