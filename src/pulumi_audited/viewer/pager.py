"""The pager for output longer than the screen: `$PAGER`, else `less`, with colours that render.

`less` shows escape sequences as text (`ESC[1m`) unless raw control characters are allowed, so
when the output is coloured `-R` is added to its command line; with `LESS` unset it gets git's
`FRX` (quit when the text fits, colours, leave the text on the screen). `PAGER` empty or `cat`,
`TERM=dumb` with no `PAGER`, a pager that cannot be found, and `--no-pager` print directly.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping

import click

_LESS_DEFAULT = "FRX"
_disabled = False


def disable() -> None:
    global _disabled
    _disabled = True


def _disable_callback(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        disable()


def no_pager_option(function):
    """`--no-pager`, for the group and every command that may page."""
    return click.option(
        "--no-pager",
        is_flag=True,
        expose_value=False,
        callback=_disable_callback,
        help="Print directly, never through a pager.",
    )(function)


def pager_command(environ: Mapping[str, str], colour: bool) -> tuple[list[str], dict] | None:
    """The pager's argv and environment; None to print directly."""
    if _disabled:
        return None
    if "PAGER" in environ:
        import shlex

        text = environ["PAGER"]
        try:
            words = shlex.split(text)
        except ValueError:
            words = text.split()
        if not words or words == ["cat"]:
            return None
    elif environ.get("TERM") in ("dumb", "emacs"):
        return None
    else:
        words = ["less"]
    program = shutil.which(words[0])
    if program is None:
        return None
    argv, env = [program, *words[1:]], dict(environ)
    if os.path.basename(program) == "less":
        env.setdefault("LESS", _LESS_DEFAULT)
        if colour:
            argv.append("-R")  # after LESS's options, so it wins over a LESS without R
    return argv, env


def page(text: str, colour: bool) -> bool:
    """Show `text` through the pager; False when there is none (the caller prints it)."""
    command = pager_command(os.environ, colour)
    if command is None:
        return False
    import subprocess

    argv, env = command
    try:
        pager = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    stdin = pager.stdin
    assert stdin is not None  # stdin=PIPE
    try:
        stdin.write(text.encode(encoding, "replace"))
    except (BrokenPipeError, KeyboardInterrupt):
        pass  # the reader quit early
    finally:
        try:
            stdin.close()
        except BrokenPipeError:
            pass
        _wait(pager)
    return True


def _wait(pager) -> None:
    # less takes Ctrl-C for itself (it stops a search); the viewer waits until it exits.
    while True:
        try:
            pager.wait()
            return
        except KeyboardInterrupt:
            continue
