"""No two modules of the package import each other, however indirectly.

Every import of a pulumi_audited module counts: at the top, inside a function (the lazy imports
that keep the shim's start-up small) and under `if TYPE_CHECKING:`. A cycle hidden in a
function still means neither module can be understood, tested or moved without the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "pulumi_audited"


def module_names(src: Path, package: str) -> dict[str, Path]:
    """Module name -> file; a package is its `__init__.py`."""
    modules = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path], package: str) -> set[str]:
    """The package's modules that `name` imports anywhere in its file."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                # `from . import x` in a package's __init__ is relative to the package itself.
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import submodule` imports the submodule; a name imports the module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target == package or target.startswith(package + "."):
                while target not in modules and "." in target:
                    target = target.rpartition(".")[0]
                found.add(target)
    found.discard(name)
    return found


def import_graph(src: Path, package: str) -> dict[str, set[str]]:
    modules = module_names(src, package)
    return {name: imports_of(name, path, modules, package) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[tuple[list[str], list[str]]]:
    """For each group of modules that reach each other (Tarjan's components): a shortest cycle
    through the group's first module by name, and the group's members."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted((_one_cycle(graph, group), sorted(group)) for group in groups)


def _one_cycle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    start = min(group)
    # Breadth first from start back to start, staying inside the group: a shortest cycle.
    paths = {target: [start, target] for target in sorted(graph[start] & group)}
    frontier = list(paths)
    while start not in paths:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    return paths[start]


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_finder_sees_imports_in_functions_type_checking_and_submodules(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "def f():\n    from pkg.b import thing\n",
            "pkg/b.py": "TYPE_CHECKING = False\nif TYPE_CHECKING:\n    from pkg import c\n",
            "pkg/c.py": "import pkg.sub.d\n",
            "pkg/sub/__init__.py": "from . import e\n",
            "pkg/sub/d.py": "from ..a import f\n",
            "pkg/sub/e.py": "from pkg.sub import VALUE\n",
            "pkg/lone.py": "import os\nfrom pkg import a\n",
        },
    )
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.b"] == {"pkg.c"}
    assert graph["pkg.c"] == {"pkg.sub.d"}
    assert graph["pkg.sub.d"] == {"pkg.a"}
    assert graph["pkg.sub"] == {"pkg.sub.e"}
    assert graph["pkg.sub.e"] == {"pkg.sub"}
    assert cycles(graph) == [
        (
            ["pkg.a", "pkg.b", "pkg.c", "pkg.sub.d", "pkg.a"],
            ["pkg.a", "pkg.b", "pkg.c", "pkg.sub.d"],
        ),
        (["pkg.sub", "pkg.sub.e", "pkg.sub"], ["pkg.sub", "pkg.sub.e"]),
    ]
    assert "pkg.lone" not in {member for _, members in cycles(graph) for member in members}


def _with_the_stores_the_registry_loads(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """store/remote.py loads each store's module by the name in store.schemes.SCHEMES (importlib),
    which no import statement shows: those are imports too."""
    from pulumi_audited.store.schemes import SCHEMES

    loaded = {row.objects.split(":")[0] for row in SCHEMES.values()}
    assert loaded <= set(graph), loaded - set(graph)
    graph["pulumi_audited.store.remote"] |= loaded
    return graph


def test_no_import_cycles() -> None:
    found = cycles(_with_the_stores_the_registry_loads(import_graph(SRC, PACKAGE)))
    assert not found, "import cycles:\n" + "\n".join(
        " -> ".join(cycle) + f" (the group: {', '.join(members)})" for cycle, members in found
    )
