"""The email git would put on a commit: git's config files, includes and includeIf, by hand.

A parser rather than `git config` because spawning git costs more than the shim's time budget
(benchmarks/README.md); tests/test_git_config_corpus.py checks it against the real git.
"""

import os

from pulumi_audited.capture.git_config_syntax import parse_git_config, wildmatch
from pulumi_audited.capture.os_account import expand_home, home_directory
from pulumi_audited.capture.small_files import read_small_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from pulumi_audited.capture.git_repo import GitRepository

# Git's own limit for nested config includes.
_MAX_INCLUDE_DEPTH = 10
SYSTEM_GIT_CONFIG = "/etc/gitconfig"


def git_author_email(
    environ: "Mapping[str, str]", repository: "GitRepository | None", branch: str | None
) -> str | None:
    """The email git would put on a commit made here (git's ident.c order, no hostname guess)."""
    email = environ.get("GIT_AUTHOR_EMAIL")
    if email:
        return email
    values: dict[str, str] = {}
    reader = _GitConfigReader(environ, repository, branch, values)
    for path in git_config_files(environ, repository):
        reader.read_file(path, depth=0)
    reader.read_environment_entries()
    if reader.unknown:
        return None
    return values.get("author.email") or values.get("user.email") or environ.get("EMAIL") or None


def git_config_files(environ: "Mapping[str, str]", repository: "GitRepository | None") -> list[str]:
    """Git's config files from lowest to highest precedence: system, global, repository."""
    files = []
    if not _git_bool(environ.get("GIT_CONFIG_NOSYSTEM")):
        files.append(environ.get("GIT_CONFIG_SYSTEM") or SYSTEM_GIT_CONFIG)
    global_override = environ.get("GIT_CONFIG_GLOBAL")
    if global_override:
        files.append(expand_home(global_override, environ))
    else:
        xdg_config_home = environ.get("XDG_CONFIG_HOME")
        if not xdg_config_home:
            xdg_config_home = os.path.join(home_directory(environ), ".config")
        files.append(os.path.join(xdg_config_home, "git", "config"))
        files.append(os.path.join(home_directory(environ), ".gitconfig"))
    if repository is not None:
        files.append(os.path.join(repository.common_dir, "config"))
    return files


def _git_bool(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "yes", "on")


class _GitConfigReader:
    """Collects `author.email` and `user.email` from git config files, following includes.

    `unknown` turns true when the answer hangs on what is not implemented: an include under
    `hasconfig:` (it needs every remote URL of the whole configuration first) whose file would
    set an email, or a pattern with a `[:class:]`. The email is then recorded as unknown
    rather than guessed.
    """

    WANTED = ("author.email", "user.email")

    def __init__(
        self,
        environ: "Mapping[str, str]",
        repository: "GitRepository | None",
        branch: str | None,
        values: dict[str, str],
    ) -> None:
        self.environ = environ
        self.repository = repository
        self.branch = branch
        self.values = values
        self.unknown = False

    def read_file(self, path: str, depth: int) -> None:
        if depth > _MAX_INCLUDE_DEPTH:
            return
        text = read_small_text(path)
        if text is None:
            return
        for section, subsection, key, value in parse_git_config(text):
            self._apply(path, depth, section, subsection, key, value)

    def read_environment_entries(self) -> None:
        """`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, which override the files."""
        try:
            count = int(self.environ.get("GIT_CONFIG_COUNT") or 0)
        except ValueError:
            return
        for index in range(min(count, 1000)):
            name = self.environ.get(f"GIT_CONFIG_KEY_{index}", "").lower()
            value = self.environ.get(f"GIT_CONFIG_VALUE_{index}")
            if name in self.WANTED and value is not None:
                self.values[name] = value

    def _apply(
        self,
        path: str,
        depth: int,
        section: str,
        subsection: str | None,
        key: str,
        value: str | None,
    ) -> None:
        if value is None:
            return
        if key == "path" and section == "include" and subsection is None:
            self._include(path, value, depth)
        elif key == "path" and section == "includeif" and subsection is not None:
            if subsection.startswith("hasconfig:") or "[:" in subsection:
                self._unless_it_sets_nothing(path, value, depth)
            elif self._condition_holds(subsection, path):
                self._include(path, value, depth)
        elif subsection is None and f"{section}.{key}" in self.WANTED:
            self.values[f"{section}.{key}"] = value

    def _include(self, including_file: str, target: str, depth: int) -> None:
        self.read_file(self._include_path(including_file, target), depth + 1)

    def _include_path(self, including_file: str, target: str) -> str:
        target = expand_home(target, self.environ)
        if not os.path.isabs(target):
            target = os.path.join(os.path.dirname(including_file), target)
        return target

    def _unless_it_sets_nothing(self, including_file: str, target: str, depth: int) -> None:
        """An include whose condition cannot be decided matters only if it would set an email."""
        probe = _GitConfigReader(self.environ, self.repository, self.branch, {})
        probe.read_file(self._include_path(including_file, target), depth + 1)
        if probe.values or probe.unknown:
            self.unknown = True

    def _condition_holds(self, condition: str, including_file: str) -> bool:
        kind, _, pattern = condition.partition(":")
        if kind in ("gitdir", "gitdir/i"):
            return self._git_dir_matches(pattern, including_file, kind == "gitdir/i")
        if kind == "onbranch":
            if self.branch is None or self.repository is None:
                return False
            if pattern.endswith("/"):
                pattern += "**"
            return wildmatch(pattern, self.branch)
        return False  # conditions git does not know are false for git too

    def _git_dir_matches(self, pattern: str, including_file: str, ignore_case: bool) -> bool:
        if self.repository is None or not pattern:
            return False
        pattern = expand_home(pattern, self.environ)
        if pattern.startswith("./"):
            pattern = os.path.join(os.path.dirname(including_file), pattern[2:])
        if not os.path.isabs(pattern):
            pattern = "**/" + pattern
        if pattern.endswith("/"):
            pattern += "**"
        git_dir = self.repository.git_dir
        return any(
            wildmatch(pattern, text, casefold=ignore_case)
            for text in (git_dir, os.path.realpath(git_dir))
        )
