"""Extract pulumi's command tree (commands, aliases, flags) from pulumi's own Go source.

    python -m pulumi_audited.pulumi.extract_tree --git-dir DIR [--rev REV] [--version X.Y.Z]
        [-o FILE]
    python -m pulumi_audited.pulumi.extract_tree --source DIR ...

A development tool, never imported by the shim (stdlib only). It runs pulumi's command
constructors symbolically, starting from `NewPulumiCmd` in pkg/cmd/pulumi/pulumi.go: cobra
command literals, AddCommand, Flags()/PersistentFlags() registrations (also through helper
functions, methods, local flag-set variables and loops), Flag(...).NoOptDefVal, and field
assignments. Run-time closures (RunE and friends) are never entered. A condition the source
cannot decide (an environment variable, say) is followed both ways and recorded: as `hidden`
for a command (the expression under which it is hidden or absent), as `when` for a flag
registered only under it. See docs/updating-pulumi-grammar.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pulumi_audited.pulumi.go_eval import ROOT_FUNCTION, Interpreter
from pulumi_audited.pulumi.go_source import Loader, Source
from pulumi_audited.pulumi.go_values import COBRA, Cmd, Flag, Struct, Unknown, negate

ROOT_PACKAGE = "pkg/cmd/pulumi"


# -- from interpreted commands to JSON ----------------------------------------------------------


def truthy_text(value: Any) -> str:
    """A cobra bool field as the shared tree writes it: "" for false, "true", or an expression."""
    if value is True:
        return "true"
    if isinstance(value, Unknown):
        return value.text
    return ""


def combined_hidden(cmd: Cmd, add_conds: list[str]) -> str:
    parts = [truthy_text(cmd.hidden)] + [negate(c) for c in add_conds]
    parts = [p for p in parts if p]
    if "true" in parts:
        return "true"
    return " || ".join(parts)


def flag_json(flag: Flag) -> dict[str, Any]:
    noopt = flag.noopt if isinstance(flag.noopt, str) and flag.noopt != "" else None
    is_bool = (noopt == "true" and flag.type == "bool") or flag.type == "count"
    data: dict[str, Any] = {
        "short": flag.short,
        "kind": "bool" if is_bool else "value",
        "type": flag.type,
        "persistent": flag.persistent,
        "noopt": None if is_bool else noopt,
    }
    if flag.when:
        data["when"] = " && ".join(flag.when)
    return data


def cmd_json(cmd: Cmd, path: str, add_conds: list[str], seen: set[int]) -> dict[str, Any]:
    key = id(cmd)
    if key in seen:
        raise RuntimeError(f"command cycle at {path!r}")
    seen = seen | {key}
    children = sorted(cmd.children, key=lambda c: c[0].name())
    return {
        "path": path,
        "use": cmd.name(),
        "aliases": list(cmd.aliases),
        "hidden": combined_hidden(cmd, add_conds),
        "fn": cmd.fn,
        "file": cmd.file,
        "dfp": truthy_text(cmd.dfp) == "true",
        "flags": {name: flag_json(cmd.flags[name]) for name in sorted(cmd.flags)},
        "children": [
            cmd_json(child, f"{path} {child.name()}".strip(), conds, seen)
            for child, conds in children
        ],
    }


DO_PACKAGE = "pkg/cmd/pulumi/do"

# What `pulumi do` accepts beyond what cobra sees, read from pkg/cmd/pulumi/do/*.go (v3.259):
# do.go (NewDoCmd, buildSubcommand, packageCommand.newCommand), do_resource.go,
# do_resource_upsert.go, do_function.go, do_shared.go (addInputFlagsTo), do_global.go.
# The operation subcommands and their flags are extracted (see do_modes); this is the prose
# around them, to be re-read when the extracted part changes.
DO_GRAMMAR: dict[str, Any] = {
    "usage": "pulumi do [do flags] <token> [<operation> [<name>|<id>]] [flags]",
    "parsing": (
        "`do` has DisableFlagParsing; its RunE parses its own flags (--dry-run, --show-secrets, "
        "--output, --stateless, --package) with unknown flags allowed, takes the first positional "
        "as the token, builds a command from the provider's schema and runs it with do's flags "
        "copied onto it as persistent flags; so do's flags may stand anywhere on the line. "
        "Cobra still finds the static child show-resources as the first positional."
    ),
    "package": (
        "The provider package is --package (one word: 'name[@version] [parameters...]', "
        "shell-split; the parameters parameterize the provider) or else the token's text before "
        "the first ':'. The plugin is installed on first use."
    ),
    "tokens": {
        "package": (
            "no positional with --package, or a positional without ':': a help-only command "
            "listing the package's modules, resources and functions; no further positionals"
        ),
        "module": "pkg:module naming a module of the schema: help-only, no further positionals",
        "resource": (
            "pkg:module:Type naming a resource: takes one operation word (below), then that "
            "operation's positional"
        ),
        "function": (
            "pkg:module:function naming a function: invoked at once, no operation word and no "
            "positional (flags only)"
        ),
    },
    "function_changes_cloud_resources": False,
    "stateful_by_default": True,
    "stateless_flag": "stateless",
    "dry_run_flag": "dry-run",
    "writes_state": (
        "Without --stateless, create/upsert/patch/delete run a stack update (preview with "
        "--dry-run) that adds, replaces or removes a resource snippet in the current stack; "
        "outside a project the stack is `default` of the project `default-global-project` under "
        "$PULUMI_HOME, created on first use. With --stateless they call the provider directly "
        "and write no state. read, list and function invocations call the provider only."
    ),
    "input_flags": (
        "Per schema property P (kebab-cased): --P VALUE (literal) and hidden --P+ VALUE "
        "(an expression in the input format), also namespaced as --input:P / --input:P+; boolean "
        "properties are value-optional (--P alone means true, else --P=false); string, integer "
        "and number properties take a value. Provider configuration properties are the same under "
        "the package's name: --<package>:P (persistent on the resource command). Other property "
        "types have no flag. All are string flags to pflag."
    ),
}

DO_MUTATING = ("create", "upsert", "patch", "delete")


def do_modes(interp: Interpreter) -> dict[str, Any]:
    """Runs do's per-schema constructors with an unknown schema, once per --stateless value."""
    pkg = interp.loader.load_dir(DO_PACKAGE)
    if pkg is None:
        return {}
    modes: dict[str, Any] = {}
    for mode, stateless in (("stateful", False), ("stateless", True)):
        pc = Struct(pkg, "packageCommand", {"stateless": stateless})
        decl = pkg.methods[("packageCommand", "newResourceCommand")]
        resource = interp.call_decl(decl, pkg, [Unknown("res")], pc)
        if isinstance(resource, Cmd):
            modes[mode] = dynamic_node(resource, "<token>", [], stateless)
    decl = pkg.methods[("packageCommand", "newFunctionCommand")]
    function = interp.call_decl(decl, pkg, [Unknown("fn")], Struct(pkg, "packageCommand"))
    if isinstance(function, Cmd):
        modes["function"] = dynamic_node(function, "<token>", [], None)
    return modes


def dynamic_node(cmd: Cmd, name: str, conds: list[str], stateless: bool | None) -> dict[str, Any]:
    use = cmd.use if isinstance(cmd.use, str) and cmd.use else name
    node: dict[str, Any] = {
        "use": use.split(" ", 1)[0] if cmd.use else name,
        "positional": use.split(" ", 1)[1] if " " in use else "",
        "when": " && ".join(conds),
        "flags": {n: flag_json(cmd.flags[n]) for n in sorted(cmd.flags)},
    }
    if stateless is not None and cmd.children == []:
        node["changes_cloud_resources"] = node["use"] in DO_MUTATING
        node["writes_state"] = node["use"] in DO_MUTATING and not stateless
    if cmd.children:
        node["operations"] = [
            dynamic_node(child, child.name(), c, stateless)
            for child, c in sorted(cmd.children, key=lambda c: c[0].name())
        ]
    return node


def add_cobra_defaults(root: Cmd, has_version: bool) -> None:
    """What cobra adds when the root command executes (cobra v1.10, command.go and completions.go):
    a local --help/-h on every command, --version on a root with a Version (its -v is taken by
    --verbose here), the `help` command, and the hidden `__complete` (alias `__completeNoDesc`)
    that shell completion scripts run. pulumi turns cobra's `completion` command off."""
    help_cmd = Cmd("help [command]", "(cobra) InitDefaultHelpCmd", COBRA, [])
    complete = Cmd("__complete [command-line]", "(cobra) initCompleteCmd", COBRA, [])
    complete.aliases, complete.hidden, complete.dfp = ["__completeNoDesc"], True, True
    root.children += [(help_cmd, []), (complete, [])]
    if has_version and "version" not in root.flags:
        short = "" if any(f.short == "v" for f in root.flags.values()) else "v"
        root.flags["version"] = Flag("version", short, "bool", False, "true", [])
    stack, seen = [root], set()
    while stack:
        cmd = stack.pop()
        if id(cmd.flags) not in seen and "help" not in cmd.flags:
            cmd.flags["help"] = Flag("help", "h", "bool", False, "true", [])
        seen.add(id(cmd.flags))
        stack.extend(child for child, _ in cmd.children)


def extract(source: Source) -> tuple[dict[str, Any], list[str]]:
    loader = Loader(source)
    pkg = loader.load_dir(ROOT_PACKAGE)
    if pkg is None or ROOT_FUNCTION not in pkg.funcs:
        raise SystemExit(f"{ROOT_PACKAGE}: no {ROOT_FUNCTION} found")
    interp = Interpreter(loader)
    result = interp.call_decl(pkg.funcs[ROOT_FUNCTION], pkg, [])
    root = result[0] if isinstance(result, list) else result
    if not isinstance(root, Cmd):
        raise SystemExit(f"{ROOT_FUNCTION} did not yield a command")
    add_cobra_defaults(root, interp.root_has_version)
    tree = cmd_json(root, "", [], set())
    for node in tree["children"]:
        if node["file"].startswith(DO_PACKAGE + "/") and node["use"] == "do":
            node["dynamic"] = {**DO_GRAMMAR, **do_modes(interp)}
    return tree, interp.warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pulumi_audited.pulumi.extract_tree")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--git-dir", help="a pulumi git repository (bare or not)")
    where.add_argument("--source", help="a plain checkout of pulumi")
    parser.add_argument("--rev", default="HEAD", help="the revision to read (with --git-dir)")
    parser.add_argument("--version", default="", help="the pulumi release, X.Y.Z")
    parser.add_argument("-o", "--output", help="where to write the JSON (default: stdout)")
    args = parser.parse_args(argv)
    git_dir = args.git_dir
    if git_dir and (Path(git_dir) / ".git").exists():
        git_dir = str(Path(git_dir) / ".git")
    source = Source(git_dir, args.rev, args.source)
    try:
        tree, warnings = extract(source)
        document = {"pulumi_version": args.version, "source_commit": source.commit(), **tree}
    finally:
        source.close()
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
