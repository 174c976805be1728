"""`--version` and the version in `--help` (the shim never needs them)."""

from __future__ import annotations

import click

from pulumi_audited.viewer.package import PACKAGE, tool_version

__all__ = ["PACKAGE", "VersionedGroup", "tool_version", "version_option"]


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"{PACKAGE} {tool_version()}")
        ctx.exit()


def version_option(function):
    """`--version`: this tool's version (`pulumi-audited --version` stays pulumi's)."""
    return click.option(
        "--version",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_show_version,
        help=f"Show the {PACKAGE} version and exit.",
    )(function)


class VersionedGroup(click.Group):
    """A group whose --help names the tool's version after its description."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(
                f"{PACKAGE} {tool_version()} (`{PACKAGE} --version` is pulumi's own)"
            )
