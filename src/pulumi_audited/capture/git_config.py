"""The email git would put on a commit: git's config files, their syntax, includes, includeIf
and wildmatch, by hand.

A parser rather than `git config` because spawning git costs more than the shim's time budget
(benchmarks/README.md); tests/test_git_config_corpus.py checks it against the real git.
"""

import os

from pulumi_audited.capture import expand_home, home_directory, read_small_text

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
    if repository is not None and not _repository_trusted(environ, repository):
        repository = None  # git ignores a repository another user owns, and its config
    values: dict[str, str] = {}
    reader = _GitConfigReader(environ, repository, branch, values)
    for path in git_config_files(environ, repository):
        reader.read_file(path, depth=0)
    reader.read_environment_entries()
    if reader.unknown:
        return None
    return values.get("author.email") or values.get("user.email") or environ.get("EMAIL") or None


def git_config_files(environ: "Mapping[str, str]", repository: "GitRepository | None") -> list[str]:
    """Git's config files from lowest to highest precedence: system, global, repository, and
    the worktree's own when the repository turns `extensions.worktreeConfig` on."""
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
        repository_config = os.path.join(repository.common_dir, "config")
        files.append(repository_config)
        if _worktree_config_enabled(repository_config):
            files.append(os.path.join(repository.git_dir, "config.worktree"))
    return files


def _worktree_config_enabled(repository_config: str) -> bool:
    """Git reads this extension from the repository's config file itself, not its includes."""
    text = read_small_text(repository_config)
    enabled = False
    for section, subsection, key, value in parse_git_config(text or ""):
        if section == "extensions" and subsection is None and key == "worktreeconfig":
            enabled = value is None or _git_bool(value)
    return enabled


def _repository_trusted(environ: "Mapping[str, str]", repository: "GitRepository") -> bool:
    """Git's ownership check: the work tree, its `.git` and the git folder are the user's
    (root running under sudo counts as SUDO_UID), or a `safe.directory` names the work tree."""
    owner = os.geteuid()
    sudo_uid = environ.get("SUDO_UID", "")
    if owner == 0 and sudo_uid.isdigit():
        owner = int(sudo_uid)
    work_tree = repository.work_tree
    try:
        paths = (work_tree, os.path.join(work_tree, ".git"), repository.git_dir)
        if all(os.stat(path).st_uid == owner for path in paths):
            return True
    except OSError:
        return False
    # safe.directory counts only in the system and global files and the environment's entries.
    reader = _GitConfigReader(environ, None, None, {})
    for path in git_config_files(environ, None):
        reader.read_file(path, depth=0)
    reader.read_environment_entries()
    trusted = False
    for value in reader.safe_directories:
        if not value:
            trusted = False
        elif value == "*" or expand_home(value, environ) == work_tree:
            trusted = True
    return trusted


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
        self.safe_directories: list[str] = []

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
            elif name == "safe.directory":
                self.safe_directories.append(value or "")

    def _apply(
        self,
        path: str,
        depth: int,
        section: str,
        subsection: str | None,
        key: str,
        value: str | None,
    ) -> None:
        if section == "safe" and key == "directory" and subsection is None:
            self.safe_directories.append(value or "")
        elif value is None:
            return
        elif key == "path" and section == "include" and subsection is None:
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


# --- the syntax, and wildmatch ----------------------------------------------------------


def parse_git_config(text: str) -> list[tuple[str, str | None, str, str | None]]:
    """(section, subsection, key, value) for each variable in a git config file.

    Section and key names are lower-cased (git compares them case-insensitively); a key without
    `=` has the value None (git's "true"). Unparseable lines are skipped rather than fatal:
    a wrong email is better than no record.
    """
    entries: list[tuple[str, str | None, str, str | None]] = []
    section, subsection = "", None
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        if line.startswith("["):
            header_end = _section_header_end(line)
            if header_end < 0:
                continue
            section, subsection = _parse_section_header(line[1:header_end])
            line = line[header_end + 1 :].strip()
        if not line or line[0] in "#;":
            continue
        key, equals, raw_value = line.partition("=")
        key = key.strip().lower()
        if not key or not (key[0].isalpha() and key.replace("-", "").isalnum()):
            continue
        if not equals:
            entries.append((section, subsection, key, None))
            continue
        value, continued = _parse_value(raw_value)
        while continued and index < len(lines):
            more, continued = _parse_value(lines[index])
            index += 1
            value += more
        entries.append((section, subsection, key, value))
    return entries


def _section_header_end(line: str) -> int:
    in_quotes = False
    position = 1
    while position < len(line):
        char = line[position]
        if in_quotes and char == "\\":
            position += 2
            continue
        if char == '"':
            in_quotes = not in_quotes
        elif char == "]" and not in_quotes:
            return position
        position += 1
    return -1


def _parse_section_header(header: str) -> tuple[str, str | None]:
    name, _, rest = header.strip().partition(" ")
    rest = rest.strip()
    if rest.startswith('"') and rest.endswith('"') and len(rest) >= 2:
        subsection = rest[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        return name.lower(), subsection
    if "." in name:
        # The deprecated `[section.subsection]` form, whose subsection is case-insensitive.
        name, _, subsection = name.partition(".")
        return name.lower(), subsection.lower()
    return name.lower(), None


_ESCAPES = {"n": "\n", "t": "\t", "b": "\b", '"': '"', "\\": "\\"}
# Characters after which a value is no longer its text as written.
_NOT_PLAIN = ("\\", '"', "#", ";", "\t")


def _parse_value(raw: str) -> tuple[str, bool]:
    """The value on one line and whether a trailing backslash continues it on the next."""
    parts: list[str] = []
    pending_space = ""
    in_quotes = False
    position = 0
    raw = raw.lstrip()
    if not any(char in raw for char in _NOT_PLAIN):
        # Most values (aliases, paths, emails): the slow walk below would return the same.
        return raw.rstrip(" "), False
    while position < len(raw):
        char = raw[position]
        position += 1
        if char == "\\":
            if position == len(raw):
                parts.append(pending_space)
                return "".join(parts), True
            escaped = raw[position]
            position += 1
            parts.append(pending_space + _ESCAPES.get(escaped, escaped))
            pending_space = ""
        elif char == '"':
            in_quotes = not in_quotes
            parts.append(pending_space)
            pending_space = ""
        elif char in "#;" and not in_quotes:
            break
        elif char in " \t" and not in_quotes:
            pending_space += " "  # git turns each blank outside quotes into a space
        else:
            parts.append(pending_space + char)
            pending_space = ""
    return "".join(parts), False


def wildmatch(pattern: str, text: str, casefold: bool = False) -> bool:
    """Git's wildmatch with WM_PATHNAME: `*` and `?` stop at `/`, `**/` spans folders.

    `casefold` is WM_CASEFOLD as git implements it, quirks included: a bracket expression's
    single characters are compared as written (`[E]` does not match `e`), ranges either way.
    """
    return _wildmatch(pattern, 0, text, 0, casefold)


def _wildmatch(pattern: str, p: int, text: str, t: int, fold: bool) -> bool:
    while p < len(pattern):
        char = pattern[p]
        if char == "*":
            return _match_star(pattern, p, text, t, fold)
        if t >= len(text):
            return False
        if char == "?":
            if text[t] == "/":
                return False
        elif char == "[":
            matched, after = _match_class(pattern, p, text[t].lower() if fold else text[t], fold)
            if after < 0:
                if text[t] != "[":
                    return False
            elif not matched:
                return False
            else:
                p = after - 1
        else:
            if char == "\\" and p + 1 < len(pattern):
                p += 1
                char = pattern[p]
            if char != text[t] and not (fold and char.lower() == text[t].lower()):
                return False
        p += 1
        t += 1
    return t == len(text)


def _match_star(pattern: str, p: int, text: str, t: int, fold: bool) -> bool:
    double = pattern.startswith("**", p)
    after = p + 2 if double else p + 1
    starts_segment = p == 0 or pattern[p - 1] == "/"
    if double and starts_segment and pattern.startswith("/", after):
        # `**/` matches zero or more whole folders.
        if _wildmatch(pattern, after + 1, text, t, fold):
            return True
        for index in range(t, len(text)):
            if text[index] == "/" and _wildmatch(pattern, after + 1, text, index + 1, fold):
                return True
        return False
    crosses_slashes = double and starts_segment and after == len(pattern)
    while pattern.startswith("*", after):
        after += 1
    for index in range(t, len(text) + 1):
        if _wildmatch(pattern, after, text, index, fold):
            return True
        if index < len(text) and text[index] == "/" and not crosses_slashes:
            return False
    return False


def _match_class(pattern: str, p: int, char: str, fold: bool) -> tuple[bool, int]:
    """Whether `char` is in the bracket expression at `p`, and the index just past it (-1: none).

    With `fold`, `char` comes lower-cased and a range also matches its upper case (git's rule).
    """
    position = p + 1
    negate = position < len(pattern) and pattern[position] in "!^"
    if negate:
        position += 1
    matched = False
    first = True
    while position < len(pattern):
        low = pattern[position]
        if low == "]" and not first:
            return (matched != negate) and char != "/", position + 1
        first = False
        if low == "\\" and position + 1 < len(pattern):
            position += 1
            low = pattern[position]
        high = low
        is_range = position + 2 < len(pattern) and pattern[position + 1] == "-"
        if is_range and pattern[position + 2] != "]":
            high = pattern[position + 2]
            position += 2
        if low <= char <= high or (fold and low != high and low <= char.upper() <= high):
            matched = True
        position += 1
    return False, -1
