"""The tool's version, from the installed package's metadata (the shim never needs it)."""

from __future__ import annotations

import functools

import click

PACKAGE = "pulumi-audited"


@functools.lru_cache(maxsize=1)
def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "unknown (not installed)"


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
