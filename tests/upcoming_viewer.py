"""The viewer's options that shell completion has values for, added where missing.

The viewer is being extended (`audit log --stack`, `audit show RUN_ID`, ...) on another
branch. The completion tests need those options to exist, so a stand-in `pulumi-audited`
adds them to the click app before running the real shim; where the real ones exist already,
they are left alone and tested as they are.
"""

from __future__ import annotations

import click

from pulumi_audited.viewer.cli import audit


def add_missing_options() -> None:
    log = audit.commands["log"]
    if not any(param.name == "stack" for param in log.params):
        log.params.append(click.Option(["--stack"], help="Only runs on this stack."))
    if "show" not in audit.commands:

        @audit.command("show")
        @click.argument("run_id")
        def show(run_id: str) -> None:
            """One run."""


def write_launcher(folder, python: str) -> None:
    """A `pulumi-audited` in `folder` that runs the shim with those options added."""
    from pathlib import Path

    folder.mkdir(parents=True, exist_ok=True)
    launcher = folder / "pulumi-audited"
    tests = Path(__file__).resolve().parent
    launcher.write_text(
        f"#!{python}\n"
        "import sys\n"
        f"sys.path.insert(0, {str(tests)!r})\n"
        "import upcoming_viewer\n"
        "upcoming_viewer.add_missing_options()\n"
        "from pulumi_audited.shim import main\n"
        "main()\n"
    )
    launcher.chmod(0o755)
