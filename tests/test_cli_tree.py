"""The committed pulumi command tree (src/pulumi_audited/pulumi/cli_tree.json).

Spot checks cite the Go file of pulumi v3.259 (commit 1b59498) they were verified against.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_audited.pulumi import extract_tree

TREE_FILE = Path(extract_tree.__file__).with_name("cli_tree.json")
# A bare clone of github.com/pulumi/pulumi holding the commit the tree was made from.
MIRROR = Path(os.environ.get("PULUMI_SOURCE_GIT_DIR", "/work/.mirror/pulumi+pulumi/repo"))

NODE_KEYS = ["path", "use", "aliases", "hidden", "fn", "file", "dfp", "flags", "children"]
FLAG_KEYS = {"short", "kind", "type", "persistent", "noopt"}


@pytest.fixture(scope="module")
def tree() -> dict[str, Any]:
    return json.loads(TREE_FILE.read_text(encoding="utf-8"))


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node["children"]:
        yield from walk(child)


@pytest.fixture(scope="module")
def nodes(tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["path"]: node for node in walk(tree)}


def flag(nodes: dict[str, dict[str, Any]], path: str, name: str) -> dict[str, Any]:
    return nodes[path]["flags"][name]


# -- shape ------------------------------------------------------------------------------------


def test_top_level_identifies_the_release(tree: dict[str, Any]) -> None:
    assert list(tree)[:2] == ["pulumi_version", "source_commit"]
    assert tree["pulumi_version"] == "3.259.0"
    assert tree["source_commit"].startswith("1b59498")
    assert tree["path"] == "" and tree["use"] == "pulumi"


def test_every_node_has_the_schema(tree: dict[str, Any]) -> None:
    for node in walk(tree):
        keys = [k for k in node if k not in ("pulumi_version", "source_commit", "dynamic")]
        assert keys == NODE_KEYS, node["path"]
        assert isinstance(node["use"], str) and node["use"]
        assert all(isinstance(a, str) and a for a in node["aliases"])
        assert isinstance(node["hidden"], str) and isinstance(node["dfp"], bool)
        assert list(node["flags"]) == sorted(node["flags"])
        for name, spec in node["flags"].items():
            assert set(spec) - {"when"} == FLAG_KEYS, (node["path"], name)
            assert spec["kind"] in ("value", "bool")
            assert len(spec["short"]) <= 1
            assert isinstance(spec["type"], str) and spec["type"]
            assert spec["noopt"] is None or spec["kind"] == "value"
            assert isinstance(spec.get("when", "x"), str)


def test_paths_are_unique_and_spelled_from_names(tree: dict[str, Any]) -> None:
    paths = [node["path"] for node in walk(tree)]
    assert len(paths) == len(set(paths))
    for node in walk(tree):
        for child in node["children"]:
            assert child["path"] == f"{node['path']} {child['use']}".strip()


def test_sibling_names_and_aliases_do_not_collide(tree: dict[str, Any]) -> None:
    for node in walk(tree):
        words = [w for child in node["children"] for w in [child["use"], *child["aliases"]]]
        assert len(words) == len(set(words)), node["path"]


def test_short_flags_do_not_collide_on_a_command(tree: dict[str, Any]) -> None:
    for node in walk(tree):
        shorts = [spec["short"] for spec in node["flags"].values() if spec["short"]]
        assert len(shorts) == len(set(shorts)), node["path"]


def test_the_file_is_stably_formatted() -> None:
    text = TREE_FILE.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


# -- spot checks against pulumi's source -------------------------------------------------------


def test_config_remove_all_aliases(nodes: dict[str, dict[str, Any]]) -> None:
    # pkg/cmd/pulumi/config/config.go (newConfigRemoveAllCmd)
    assert nodes["config remove-all"]["aliases"] == ["rm-all", "delete-all"]


def test_api_flags_take_values(nodes: dict[str, dict[str, Any]]) -> None:
    # pkg/cmd/pulumi/cloud/api.go bindFlags registers them through a local `pf := cmd.Flags()`.
    header = flag(nodes, "api", "header")
    assert (header["short"], header["kind"], header["type"]) == ("H", "value", "stringArray")
    assert flag(nodes, "api", "body")["kind"] == "value"
    assert flag(nodes, "api", "field")["short"] == "F"
    assert flag(nodes, "api", "raw-field")["short"] == "f"
    assert flag(nodes, "api", "method")["short"] == "X"
    assert flag(nodes, "api", "refresh-spec")["persistent"] is True
    assert flag(nodes, "api", "envelope-version")["type"] == "int"


def test_esc_draft_is_value_optional(nodes: dict[str, dict[str, Any]]) -> None:
    # pkg/cmd/esc/cli/env_edit.go, env_set.go, env_version_rollback.go:
    # cmd.Flag("draft").NoOptDefVal = "new"
    for path in ("env edit", "env set", "env version rollback", "env provider aws-login oidc"):
        assert flag(nodes, path, "draft") | {} == {
            "short": "",
            "kind": "value",
            "type": "string",
            "persistent": False,
            "noopt": "new",
        }
    # env_open.go and env_run.go declare --draft without a NoOptDefVal.
    assert flag(nodes, "env open", "draft")["noopt"] is None


def test_refresh_flag_differs_per_command(nodes: dict[str, dict[str, Any]]) -> None:
    # pkg/cmd/pulumi/operations/refresh.go has no --refresh; up.go, preview.go and destroy.go
    # set PersistentFlags().Lookup("refresh").NoOptDefVal = "true"; watch.go has a plain bool.
    assert "refresh" not in nodes["refresh"]["flags"]
    for path in ("up", "preview", "destroy"):
        refresh = flag(nodes, path, "refresh")
        assert (refresh["short"], refresh["kind"], refresh["noopt"]) == ("r", "value", "true")
    assert flag(nodes, "watch", "refresh")["kind"] == "bool"


def test_whoami_verbose_is_its_own_bool(nodes: dict[str, dict[str, Any]]) -> None:
    # pkg/cmd/pulumi/whoami/whoami.go: BoolVarP(&verbose, "verbose", "v", ...) on whoami,
    # shadowing the root's persistent --verbose/-v, an int that takes a value (pulumi.go).
    assert flag(nodes, "whoami", "verbose")["kind"] == "bool"
    assert flag(nodes, "whoami", "verbose")["short"] == "v"
    assert flag(nodes, "", "verbose")["kind"] == "value"


def test_state_edit_stack_has_no_short_form(nodes: dict[str, dict[str, Any]]) -> None:
    # pkg/cmd/pulumi/state/state_edit.go: StringVar(&stackName, "stack", ...), Hidden unless
    # PULUMI_EXPERIMENTAL.
    assert flag(nodes, "state edit", "stack")["short"] == ""
    assert nodes["state edit"]["hidden"] == "!env.Experimental.Value()"


def test_hidden_flags_that_take_values(nodes: dict[str, dict[str, Any]]) -> None:
    # operations/up.go: outputflag.Var(cmd.Flags(), &output) then MarkHidden("output");
    # config/io.go OverrideEnvFlag; policy/policy_disable.go --version.
    assert flag(nodes, "up", "output")["kind"] == "value"
    assert flag(nodes, "up", "output")["persistent"] is False
    assert flag(nodes, "up", "override-env")["type"] == "stringArray"
    assert flag(nodes, "policy disable", "version")["kind"] == "value"


def test_json_alias_is_a_bool(nodes: dict[str, dict[str, Any]]) -> None:
    # pkg/util/outputflag/outputflag.go VarWithJSONAlias: a "bool"-typed Value with
    # NoOptDefVal "true", which pflag parses exactly like a bool flag.
    assert flag(nodes, "stack list", "json") == {
        "short": "j",
        "kind": "bool",
        "type": "bool",
        "persistent": True,
        "noopt": None,
    }
    assert flag(nodes, "stack list", "output")["kind"] == "value"


def test_remote_flags_exist_only_when_experimental(nodes: dict[str, dict[str, Any]]) -> None:
    # deployment/remote.go: ApplyFlags returns early unless RemoteSupported(), which is
    # `!disableRemote && env.Experimental.Value()`; deployment run's flags are unconditional.
    assert flag(nodes, "up", "remote")["when"] == "env.Experimental.Value()"
    assert "when" not in flag(nodes, "deployment run", "git-branch")
    # operations/up.go registers --event-log only under env.DebugCommands.Value().
    assert flag(nodes, "up", "event-log")["when"] == "env.DebugCommands.Value()"


def test_env_is_esc(nodes: dict[str, dict[str, Any]]) -> None:
    # pkg/cmd/pulumi/env/env.go appends the alias to esc's env command (pkg/cmd/esc/cli/env.go).
    assert nodes["env"]["aliases"] == ["esc"]
    assert flag(nodes, "env", "env")["persistent"] is True


def test_conditional_and_hidden_commands(nodes: dict[str, dict[str, Any]]) -> None:
    # pulumi.go wires these; their constructors set Hidden (trace/, packagecmd/, markdown/).
    assert nodes["view-trace"]["hidden"] == "!env.DebugCommands.Value()"
    assert nodes["package publish-sdk"]["hidden"] == "!env.Dev.Value()"
    assert nodes["gen-markdown"]["hidden"] == "true"
    assert nodes["new"]["hidden"] == ""


def test_cobra_adds_help_version_and_complete(nodes: dict[str, dict[str, Any]]) -> None:
    # cobra v1.10 (pkg/go.mod): InitDefaultHelpFlag, InitDefaultVersionFlag (root has a Version;
    # -v is --verbose), InitDefaultHelpCmd, initCompleteCmd. DisableDefaultCmd turns off
    # `completion` (pulumi.go).
    assert all(node["flags"]["help"]["short"] == "h" for node in nodes.values())
    assert flag(nodes, "", "version") | {} == {
        "short": "",
        "kind": "bool",
        "type": "bool",
        "persistent": False,
        "noopt": None,
    }
    assert nodes["__complete"]["aliases"] == ["__completeNoDesc"]
    assert nodes["__complete"]["dfp"] is True and nodes["__complete"]["hidden"] == "true"
    assert "help" in nodes and "completion" not in nodes


def test_do_static_part(nodes: dict[str, dict[str, Any]]) -> None:
    # pkg/cmd/pulumi/do/do.go NewDoCmd: DisableFlagParsing, local flags, one static child.
    do = nodes["do"]
    assert do["dfp"] is True
    assert set(do["flags"]) == {"dry-run", "show-secrets", "output", "stateless", "package", "help"}
    assert [c["use"] for c in do["children"]] == ["show-resources"]


def test_do_dynamic_grammar(nodes: dict[str, dict[str, Any]]) -> None:
    # do_resource.go, do_resource_upsert.go, do_function.go.
    dynamic = nodes["do"]["dynamic"]
    assert dynamic["stateful_by_default"] is True and dynamic["stateless_flag"] == "stateless"
    for mode in ("stateful", "stateless"):
        ops = {op["use"]: op for op in dynamic[mode]["operations"]}
        assert set(ops) == {"create", "upsert", "patch", "read", "delete", "list"}
        changing = {u for u, op in ops.items() if op["changes_cloud_resources"]}
        assert changing == {"create", "upsert", "patch", "delete"}
        writing = {u for u, op in ops.items() if op["writes_state"]}
        assert writing == (changing if mode == "stateful" else set())
        assert ops["list"]["when"] == "res.ListInputs != nil"
        assert ops["read"]["positional"] == "<id>"
        assert set(dynamic[mode]["flags"]) == {"provider-file", "input", "provider"}
    stateful = {op["use"]: op for op in dynamic["stateful"]["operations"]}
    stateless = {op["use"]: op for op in dynamic["stateless"]["operations"]}
    assert stateful["create"]["positional"] == "<name>" and stateless["create"]["positional"] == ""
    assert stateful["delete"]["positional"] == "<name>"
    assert stateless["delete"]["positional"] == "<id>"
    assert "resources-file" in stateful["patch"]["flags"]
    assert "resources-file" not in stateless["patch"]["flags"]
    assert "operations" not in dynamic["function"]
    assert "input-file" in dynamic["function"]["flags"]


def test_flag_types_for_pulumi_option_variables(nodes: dict[str, dict[str, Any]]) -> None:
    # pulumi.go declareFlagsAsEnvironmentVariables accepts string, int, bool, stringArray and
    # stringSlice; operations/up.go --parallel is an int32 (PULUMI_OPTION_PARALLEL panics).
    assert flag(nodes, "up", "parallel")["type"] == "int32"
    assert flag(nodes, "up", "policy-pack")["type"] == "stringSlice"
    assert flag(nodes, "up", "config")["type"] == "stringArray"
    # org/org_search.go: a custom Value whose Type() is "Delimiter".
    assert flag(nodes, "org search", "delimiter")["type"] == "Delimiter"


# -- the committed file is what the extractor makes of the source -------------------------------


def test_extractor_reproduces_the_committed_tree(tree: dict[str, Any]) -> None:
    if not MIRROR.is_dir():
        pytest.skip(
            f"pulumi's source is not on this machine ({MIRROR} is absent; "
            "PULUMI_SOURCE_GIT_DIR names a bare clone)"
        )
    source = extract_tree.Source(str(MIRROR), tree["source_commit"], None)
    try:
        extracted, _ = extract_tree.extract(source)
    finally:
        source.close()
    expected = {k: v for k, v in tree.items() if k not in ("pulumi_version", "source_commit")}
    assert extracted == expected
