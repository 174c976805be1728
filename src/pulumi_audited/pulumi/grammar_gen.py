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

_HEADER = '''"""pulumi v{version}'s command tree (source commit {commit}).

Generated from cli_tree.json by `python -m pulumi_audited.pulumi.grammar_gen`: do not edit.

COMMANDS maps each canonical command path ("" is the root) to (aliases, flags, marks,
subcommands), parents before children. flags: `short/long`; `=` takes a value, `?` takes one
only after `=` (pflag's NoOptDefVal), no mark is a boolean; `^` is persistent (inherited by
subcommands). marks: `h` hidden, `d` DisableFlagParsing, `y` subcommands built at run time
from provider schemas. subcommands: the names of its children, so that finding one builds no
index of the tree.

DYNAMIC holds those run-time subcommands (`pulumi do <token> <operation>`) under the path
"<command> <operation>", in the same form: every flag any form of the operation defines.
"""

PULUMI_VERSION = {version!r}

COMMANDS: dict[str, tuple[str, str, str, str]] = {{
'''


def flag_token(name: str, flag: dict) -> str:
    short = flag.get("short") or ""
    token = f"{short}/{name}" if short else name
    if flag["kind"] != "bool":
        token += "=" if flag.get("noopt") is None else "?"
    if flag.get("persistent"):
        token += "^"
    return token


def command_rows(tree: dict) -> list[tuple[str, str, str, str, str]]:
    """(path, aliases, flags, marks, subcommands) for every command, parents first."""
    rows: list[tuple[str, str, str, str, str]] = []

    def visit(node: dict) -> None:
        path = node["path"]
        flags = [flag_token(name, flag) for name, flag in sorted(node["flags"].items())]
        marks = ""
        if node.get("hidden"):
            marks += "h"
        if node.get("dfp"):
            marks += "d"
        if node.get("dynamic"):
            marks += "y"
        aliases = " ".join(node.get("aliases") or ())
        subcommands = " ".join(child["use"] for child in node["children"])
        rows.append((path, aliases, " ".join(flags), marks, subcommands))
        for child in node["children"]:
            visit(child)

    visit(tree)
    return rows


def dynamic_rows(tree: dict) -> list[tuple[str, str, str, str, str]]:
    """("do create", "", flags, "") for each operation of each command with a `dynamic` key:
    the union of the operation's flags in every form, the resource command's and the parent's
    own (which `do` copies onto the command it builds)."""
    rows: list[tuple[str, str, str, str, str]] = []

    def visit(node: dict) -> None:
        grammar = node.get("dynamic")
        if grammar:
            operations: dict[str, dict[str, dict]] = {}
            for form in grammar.values():
                if not isinstance(form, dict) or "operations" not in form:
                    continue
                for operation in form["operations"]:
                    flags = operations.setdefault(operation["use"], {})
                    flags.update(node["flags"])
                    flags.update(form.get("flags", {}))
                    flags.update(operation["flags"])
            for use, flags in sorted(operations.items()):
                tokens = " ".join(flag_token(name, flag) for name, flag in sorted(flags.items()))
                rows.append((f"{node['path']} {use}", "", tokens, "", ""))
        for child in node["children"]:
            visit(child)

    visit(tree)
    return rows


def render(tree: dict) -> str:
    version = tree.get("pulumi_version", "unknown")
    commit = tree.get("source_commit", "unknown")
    lines = [_HEADER.format(version=version, commit=commit)]
    for path, aliases, flags, marks, subcommands in command_rows(tree):
        lines.append(f"    {path!r}: ({aliases!r}, {flags!r}, {marks!r}, {subcommands!r}),\n")
    lines.append("}\n\nDYNAMIC: dict[str, tuple[str, str, str, str]] = {\n")
    for path, aliases, flags, marks, subcommands in dynamic_rows(tree):
        lines.append(f"    {path!r}: ({aliases!r}, {flags!r}, {marks!r}, {subcommands!r}),\n")
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
