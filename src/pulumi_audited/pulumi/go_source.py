"""The .go files of a pulumi checkout, and its packages parsed on first use (for extract_tree).

A development tool; the shim never imports it.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pulumi_audited.pulumi.go_reader import parse_file
from pulumi_audited.pulumi.go_syntax import FuncDecl, GoFile, ValueDecl


class Source:
    """The .go files of a pulumi checkout, from a git object store or a plain directory."""

    def __init__(self, git_dir: str | None, rev: str, directory: str | None):
        self.git_dir = git_dir
        self.rev = rev
        self.directory = Path(directory) if directory else None
        self._batch: subprocess.Popen[bytes] | None = None
        self.paths = self._list()

    def _git(self, *args: str) -> str:
        assert self.git_dir is not None
        out = subprocess.run(
            ["git", "--git-dir", self.git_dir, *args], capture_output=True, text=True, check=True
        )
        return out.stdout

    def _list(self) -> list[str]:
        if self.git_dir:
            return self._git("ls-tree", "-r", "--name-only", self.rev).splitlines()
        assert self.directory is not None
        found = []
        for dirpath, dirnames, filenames in os.walk(self.directory):
            dirnames[:] = [d for d in dirnames if d not in (".git", "node_modules")]
            rel = os.path.relpath(dirpath, self.directory)
            for name in filenames:
                found.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
        return sorted(found)

    def commit(self) -> str:
        if self.git_dir:
            return self._git("rev-parse", self.rev).strip()
        try:
            out = subprocess.run(
                ["git", "-C", str(self.directory), "rev-parse", "HEAD"],
                capture_output=True,
                text=True,
                check=True,
            )
            return out.stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    def read(self, path: str) -> str | None:
        if self.directory is not None:
            try:
                return (self.directory / path).read_text(encoding="utf-8")
            except OSError:
                return None
        if self._batch is None:
            self._batch = subprocess.Popen(
                ["git", "--git-dir", str(self.git_dir), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        assert self._batch.stdin is not None and self._batch.stdout is not None
        self._batch.stdin.write(f"{self.rev}:{path}\n".encode())
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().decode().split()
        if len(header) < 3 or header[1] != "blob":
            return None  # absent from this object store (large files are left out of mirrors)
        data = self._batch.stdout.read(int(header[2]) + 1)[:-1]
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        if self._batch is not None:
            assert self._batch.stdin is not None
            self._batch.stdin.close()
            self._batch.wait()


@dataclass
class Package:
    dir: str
    name: str
    files: list[GoFile]
    funcs: dict[str, FuncDecl] = field(default_factory=dict)
    methods: dict[tuple[str, str], FuncDecl] = field(default_factory=dict)
    values: dict[str, ValueDecl] = field(default_factory=dict)
    types: dict[str, tuple[str, GoFile]] = field(default_factory=dict)


class Loader:
    """Packages by import path, parsed on first use."""

    def __init__(self, source: Source):
        self.source = source
        self.modules = self._modules()
        self.packages: dict[str, Package | None] = {}
        self.by_dir: dict[str, list[str]] = {}
        for path in source.paths:
            if path.endswith(".go") and not path.endswith("_test.go"):
                self.by_dir.setdefault(path.rsplit("/", 1)[0] if "/" in path else "", []).append(
                    path
                )

    def _modules(self) -> list[tuple[str, str]]:
        modules = []
        for path in self.source.paths:
            if path == "go.mod" or path.endswith("/go.mod"):
                text = self.source.read(path) or ""
                m = re.search(r"^module\s+(\S+)", text, re.M)
                if m:
                    modules.append((m.group(1), path[: -len("go.mod")].rstrip("/")))
        return sorted(modules, key=lambda m: -len(m[0]))

    def dir_of(self, import_path: str) -> str | None:
        for module, directory in self.modules:
            if import_path == module or import_path.startswith(module + "/"):
                rest = import_path[len(module) :].lstrip("/")
                return "/".join(p for p in (directory, rest) if p)
        return None

    def load_dir(self, directory: str) -> Package | None:
        if directory in self.packages:
            return self.packages[directory]
        self.packages[directory] = None
        files = []
        for path in self.by_dir.get(directory, []):
            text = self.source.read(path)
            if text is None:
                continue
            parsed = parse_file(path, text)
            if parsed.package.endswith("_test") or (parsed.package == "main" and "cmd" not in path):
                continue
            if (
                "//go:build" in text.split("package", 1)[0]
                and "ignore" in text.split("package", 1)[0]
            ):
                continue
            files.append(parsed)
        if not files:
            return None
        pkg = Package(directory, files[0].package, files)
        for file in files:
            for fn in file.funcs:
                if fn.recv_type:
                    pkg.methods[(fn.recv_type, fn.name)] = fn
                else:
                    pkg.funcs.setdefault(fn.name, fn)
            for value in file.values:
                pkg.values[value.name] = value
            pkg.types.update({name: (text, file) for name, text in file.types.items()})
        self.packages[directory] = pkg
        return pkg

    def load(self, import_path: str) -> Package | None:
        directory = self.dir_of(import_path)
        return None if directory is None else self.load_dir(directory)
