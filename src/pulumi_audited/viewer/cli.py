"""`pulumi-audited audit ...`: read the audit log. One module per subcommand in commands/."""

from __future__ import annotations

import sys

import click

from pulumi_audited.errors import ShimError, StoreError
from pulumi_audited.viewer.exit_codes import EXIT_UNREADABLE
from pulumi_audited.viewer.pager import no_pager_option
from pulumi_audited.viewer.version import VersionedGroup, version_option


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
        raise ShimError(str(error), EXIT_UNREADABLE) from None
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    finally:
        remote_read = sys.modules.get("pulumi_audited.store.remote_read")
        if remote_read is not None:  # drop read-ahead nobody will read
            remote_read.close_all()


@click.group(
    cls=VersionedGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@version_option
@no_pager_option
def audit() -> None:
    """Read the pulumi-audited log: who ran what, where, and how it ended."""


def _register() -> None:
    from pulumi_audited.completion import add_completion_commands
    from pulumi_audited.viewer.commands import (
        compact,
        config,
        doctor,
        export,
        log,
        report,
        show,
        stats,
        sync,
        verify,
    )

    for module in (log, show, export, stats, report, verify, compact, sync, doctor, config):
        audit.add_command(module.command)
    # Completion (`shell-init`, and the hidden command the scripts ask) works from whatever
    # commands and options are registered above, so it comes last.
    add_completion_commands(audit)


_register()
