"""Writes `grammar.py`, the command tree the parser reads, from `cli_tree.json`.

`cli_tree.json` is pulumi's command tree as `extract_tree` reads it from pulumi's cobra source
(see docs/updating-pulumi-grammar.md). This module turns it into a Python literal that costs the
shim nothing to load: no JSON parsing on the way to pulumi. A test regenerates the module and
fails when the committed one is stale.

    python -m pulumi_audited.pulumi.grammar_gen          # rewrite grammar.py
    python -m pulumi_audited.pulumi.grammar_gen --check  # exit 1 when grammar.py is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE_FILE = HERE / "cli_tree.json"
GRAMMAR_FILE = HERE / "grammar.py"

# Commands and flags cobra adds by itself, which the Go source therefore does not declare:
# the help command, the completion entry points cobra's shell scripts call on every TAB
# (pulumi disables only cobra's `completion` command: CompletionOptions.DisableDefaultCmd),
# `-h/--help` on every command, and `--version` on the root, whose `Version` is set.
COBRA_COMMANDS = ("help", "__complete", "__completeNoDesc")
COBRA_ROOT_FLAGS = "h/help version"
COBRA_HELP_FLAG = "h/help"

_HEADER = '''"""pulumi v{version}'s command tree (source commit {commit}).

Generated from cli_tree.json by `python -m pulumi_audited.pulumi.grammar_gen`: do not edit.

COMMANDS maps each canonical command path ("" is the root) to (aliases, flags, marks), parents
before children. flags: `short/long`; `=` takes a value, `?` takes one only after `=` (pflag's
NoOptDefVal), no mark is a boolean; `^` is persistent (inherited by subcommands). marks: `h`
hidden, `d` DisableFlagParsing, `y` subcommands built at run time from provider schemas.
"""

PULUMI_VERSION = {version!r}

COMMANDS: dict[str, tuple[str, str, str]] = {{
'''


def flag_token(name: str, flag: dict) -> str:
    short = flag.get("short") or ""
    token = f"{short}/{name}" if short else name
    if flag["kind"] == "bool":
        if flag.get("noopt") not in (None, "true", '"true"'):
            token += "?"
    elif flag.get("noopt") is not None:
        token += "?"
    else:
        token += "="
    if flag.get("persistent"):
        token += "^"
    return token


def command_rows(tree: dict) -> list[tuple[str, str, str, str]]:
    """(path, aliases, flags, marks) for every command, parents first."""
    rows: list[tuple[str, str, str, str]] = []

    def visit(node: dict) -> None:
        path = node["path"]
        flags = [flag_token(name, flag) for name, flag in sorted(node["flags"].items())]
        flags.append(COBRA_ROOT_FLAGS if path == "" else COBRA_HELP_FLAG)
        marks = ""
        if node.get("hidden"):
            marks += "h"
        if node.get("dfp"):
            marks += "d"
        if node.get("dynamic"):
            marks += "y"
        rows.append((path, " ".join(node.get("aliases") or ()), " ".join(flags), marks))
        for child in node["children"]:
            visit(child)
        if path == "":
            for name in COBRA_COMMANDS:
                marks = "" if name == "help" else "h"
                rows.append((name, "", COBRA_HELP_FLAG, marks))

    visit(tree)
    return rows


def render(tree: dict) -> str:
    version = tree.get("pulumi_version", "unknown")
    commit = tree.get("source_commit", "unknown")
    lines = [_HEADER.format(version=version, commit=commit)]
    for path, aliases, flags, marks in command_rows(tree):
        lines.append(f"    {path!r}: ({aliases!r}, {flags!r}, {marks!r}),\n")
    lines.append("}\n")
    return "".join(lines)


def load_tree(path: Path = TREE_FILE) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when grammar.py is stale")
    options = parser.parse_args(argv)
    text = render(load_tree())
    current = GRAMMAR_FILE.read_text(encoding="utf-8") if GRAMMAR_FILE.exists() else ""
    if options.check:
        if current != text:
            print(f"{GRAMMAR_FILE} is stale: run python -m {__spec__.name}", file=sys.stderr)
            return 1
        return 0
    if current != text:
        GRAMMAR_FILE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
