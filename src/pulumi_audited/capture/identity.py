"""Who runs pulumi: the OS account, sudo, git's idea of the author, and the CI system.

Everything is read from the environment and from files; git is never run (a subprocess costs
more than the whole time budget of the shim), so the few parts of git's behaviour needed here,
finding the repository, resolving HEAD and reading `user.email` from its config files, are
repeated by hand.
"""

import os
import pwd
import stat

from pulumi_audited import fastjson
from pulumi_audited.capture.agent import parent_commands
from pulumi_audited.pulumi.redact import strip_url_credentials

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

# Git's own limit for nested config includes.
_MAX_INCLUDE_DEPTH = 10
_MAX_SYMREF_DEPTH = 5
_MAX_SMALL_FILE_BYTES = 1 << 20
_MAX_PACKED_REFS_BYTES = 32 << 20
_HEX_DIGITS = frozenset("0123456789abcdef")
SYSTEM_GIT_CONFIG = "/etc/gitconfig"


# --- the OS account ---------------------------------------------------------------------


def home_directory(environ: "Mapping[str, str]") -> str:
    """$HOME, as git and `~` read it, else the password database's answer."""
    home = environ.get("HOME")
    if home:
        return home
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return "/"


def expand_home(path: str, environ: "Mapping[str, str]") -> str:
    if path == "~" or path.startswith("~/"):
        return home_directory(environ) + path[1:]
    return path


def os_user_name(environ: "Mapping[str, str]") -> str | None:
    """The login name of the real user id, which is what pulumi's self-managed backends report."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return environ.get("LOGNAME") or environ.get("USER") or None


def capture_identity(
    environ: "Mapping[str, str]",
    os_user: str | None,
    repository: "GitRepository | None",
    branch: str | None,
    agent: dict | None = None,
) -> dict:
    """`agent` is capture.agent's answer (it reads files through this module)."""
    return {
        "os_user": os_user,
        "uid": os.getuid(),
        "sudo_user": environ.get("SUDO_USER") or None,
        "git_email": git_author_email(environ, repository, branch),
        "ci": detect_ci(environ),
        "parent_run_id": environ.get("PULUMI_AUDITED_RUN_ID") or None,
        "agent": agent,
        "parents": parent_commands(),
        "terminal": os.isatty(0),
    }


# --- the git repository -----------------------------------------------------------------


class GitRepository:
    """A work tree's git folders: `git_dir` holds HEAD, `common_dir` refs and config.

    They differ for linked worktrees (`git worktree add`), whose `.git` is a file pointing into
    the main repository's `.git/worktrees/<name>`, which names the shared folder in `commondir`.
    """

    __slots__ = ("common_dir", "git_dir")

    def __init__(self, git_dir: str, common_dir: str) -> None:
        self.git_dir = git_dir
        self.common_dir = common_dir


def find_git_repository(start_dir: str) -> GitRepository | None:
    """The repository whose work tree contains `start_dir`, found the way git discovers it."""
    directory = start_dir
    while True:
        git_dir = _git_dir_at(os.path.join(directory, ".git"))
        if git_dir is not None:
            return GitRepository(git_dir, _common_dir_of(git_dir))
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _git_dir_at(dot_git: str) -> str | None:
    try:
        mode = os.stat(dot_git).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(mode):
        git_dir = dot_git
    elif stat.S_ISREG(mode):
        git_dir = _follow_gitdir_file(dot_git)
        if git_dir is None:
            return None
    else:
        return None
    return git_dir if os.path.isfile(os.path.join(git_dir, "HEAD")) else None


def _follow_gitdir_file(dot_git_file: str) -> str | None:
    """The folder named by a `.git` file (`gitdir: PATH`), as worktrees and submodules use."""
    content = _read_small_text(dot_git_file)
    if content is None or not content.startswith("gitdir:"):
        return None
    target = content[len("gitdir:") :].strip()
    if not target:
        return None
    return os.path.normpath(os.path.join(os.path.dirname(dot_git_file), target))


def _common_dir_of(git_dir: str) -> str:
    content = _read_small_text(os.path.join(git_dir, "commondir"))
    if content is None or not content.strip():
        return git_dir
    return os.path.normpath(os.path.join(git_dir, content.strip()))


def read_head(repository: GitRepository) -> tuple[str | None, str | None]:
    """(commit id, branch name) of HEAD; the branch is None when HEAD is detached."""
    content = _read_small_text(os.path.join(repository.git_dir, "HEAD"))
    if content is None:
        return None, None
    content = content.strip()
    if not content.startswith("ref:"):
        return (content if _is_object_id(content) else None), None
    ref = content[len("ref:") :].strip()
    if ref == "refs/heads/.invalid":
        # A reftable repository: the real HEAD lives in binary tables this module does not read.
        return None, None
    branch = ref[len("refs/heads/") :] if ref.startswith("refs/heads/") else ref
    return resolve_ref(repository, ref), branch


def resolve_ref(repository: GitRepository, ref: str, depth: int = 0) -> str | None:
    """The commit id a ref points to: its loose file first, then packed-refs."""
    if depth > _MAX_SYMREF_DEPTH or not ref.startswith("refs/") or ".." in ref.split("/"):
        return None
    for folder in (repository.git_dir, repository.common_dir):
        content = _read_small_text(os.path.join(folder, ref))
        if content is None:
            continue
        content = content.strip()
        if content.startswith("ref:"):
            return resolve_ref(repository, content[len("ref:") :].strip(), depth + 1)
        return content if _is_object_id(content) else None
    return _packed_ref(repository.common_dir, ref)


def _packed_ref(common_dir: str, ref: str) -> str | None:
    """The id of `ref` in packed-refs (`<id> <ref>` lines), found by a substring search
    because the file can list hundreds of thousands of refs in a large repository."""
    data = read_small_file(os.path.join(common_dir, "packed-refs"), _MAX_PACKED_REFS_BYTES)
    if data is None:
        return None
    needle = b" " + os.fsencode(ref) + b"\n"
    end = data.find(needle)
    while end >= 0:
        start = data.rfind(b"\n", 0, end) + 1
        object_id = data[start:end].decode("ascii", "replace")
        if _is_object_id(object_id):
            return object_id
        end = data.find(needle, end + 1)
    return None


def _is_object_id(text: str) -> bool:
    """A SHA-1 (40) or SHA-256 (64) object id in git's lower-case hex."""
    return len(text) in (40, 64) and _HEX_DIGITS.issuperset(text)


def read_small_file(path: str, limit: int = _MAX_SMALL_FILE_BYTES) -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes; None for anything else.

    Never blocks (a FIFO in the way is refused) and allocates only what the file needs:
    `read(limit)` would allocate the whole limit up front, which costs more than the read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):
        return None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            return None
        return os.read(fd, status.st_size + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_json_file(path: str) -> object:
    """The parsed content of a small JSON file; None when it is missing, too big or not JSON.

    Decoded here rather than by fastjson, whose `utf-8-sig` codec costs an import on first use.
    """
    data = read_small_file(path)
    if data is None:
        return None
    try:
        text = data.decode("utf-8")
        return fastjson.loads(text[1:] if text.startswith("\ufeff") else text)
    except Exception:  # not UTF-8, not JSON, nested too deep: all mean "unknown"
        return None


def _read_small_text(path: str) -> str | None:
    data = read_small_file(path)
    return None if data is None else data.decode("utf-8", "replace")


# --- git's author email -----------------------------------------------------------------


def git_author_email(
    environ: "Mapping[str, str]", repository: GitRepository | None, branch: str | None
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
    return values.get("author.email") or values.get("user.email") or environ.get("EMAIL") or None


def git_config_files(environ: "Mapping[str, str]", repository: GitRepository | None) -> list[str]:
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
    """Collects `author.email` and `user.email` from git config files, following includes."""

    WANTED = ("author.email", "user.email")

    def __init__(
        self,
        environ: "Mapping[str, str]",
        repository: GitRepository | None,
        branch: str | None,
        values: dict[str, str],
    ) -> None:
        self.environ = environ
        self.repository = repository
        self.branch = branch
        self.values = values

    def read_file(self, path: str, depth: int) -> None:
        if depth > _MAX_INCLUDE_DEPTH:
            return
        text = _read_small_text(path)
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
            if self._condition_holds(subsection, path):
                self._include(path, value, depth)
        elif subsection is None and f"{section}.{key}" in self.WANTED:
            self.values[f"{section}.{key}"] = value

    def _include(self, including_file: str, target: str, depth: int) -> None:
        target = expand_home(target, self.environ)
        if not os.path.isabs(target):
            target = os.path.join(os.path.dirname(including_file), target)
        self.read_file(target, depth + 1)

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
        return False  # hasconfig:... and future conditions: not supported, so not included

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
        for text in (git_dir, os.path.realpath(git_dir)):
            if ignore_case:
                if wildmatch(pattern.lower(), text.lower()):
                    return True
            elif wildmatch(pattern, text):
                return True
        return False


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


def _parse_value(raw: str) -> tuple[str, bool]:
    """The value on one line and whether a trailing backslash continues it on the next."""
    parts: list[str] = []
    pending_space = ""
    in_quotes = False
    position = 0
    raw = raw.lstrip()
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
            pending_space += char
        else:
            parts.append(pending_space + char)
            pending_space = ""
    return "".join(parts), False


def wildmatch(pattern: str, text: str) -> bool:
    """Git's wildmatch with WM_PATHNAME: `*` and `?` stop at `/`, `**/` spans folders."""
    return _wildmatch(pattern, 0, text, 0)


def _wildmatch(pattern: str, p: int, text: str, t: int) -> bool:
    while p < len(pattern):
        char = pattern[p]
        if char == "*":
            return _match_star(pattern, p, text, t)
        if t >= len(text):
            return False
        if char == "?":
            if text[t] == "/":
                return False
        elif char == "[":
            matched, after = _match_class(pattern, p, text[t])
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
            if char != text[t]:
                return False
        p += 1
        t += 1
    return t == len(text)


def _match_star(pattern: str, p: int, text: str, t: int) -> bool:
    double = pattern.startswith("**", p)
    after = p + 2 if double else p + 1
    starts_segment = p == 0 or pattern[p - 1] == "/"
    if double and starts_segment and pattern.startswith("/", after):
        # `**/` matches zero or more whole folders.
        if _wildmatch(pattern, after + 1, text, t):
            return True
        for index in range(t, len(text)):
            if text[index] == "/" and _wildmatch(pattern, after + 1, text, index + 1):
                return True
        return False
    crosses_slashes = double and starts_segment and after == len(pattern)
    while pattern.startswith("*", after):
        after += 1
    for index in range(t, len(text) + 1):
        if _wildmatch(pattern, after, text, index):
            return True
        if index < len(text) and text[index] == "/" and not crosses_slashes:
            return False
    return False


def _match_class(pattern: str, p: int, char: str) -> tuple[bool, int]:
    """Whether `char` is in the bracket expression at `p`, and the index just past it (-1: none)."""
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
        if low <= char <= high:
            matched = True
        position += 1
    return False, -1


# --- CI systems -------------------------------------------------------------------------
# Only names, ids and URLs are copied; never a token-bearing variable (GITHUB_TOKEN,
# CI_JOB_TOKEN, BUILDKITE_AGENT_ACCESS_TOKEN, SYSTEM_ACCESSTOKEN...).


def detect_ci(environ: "Mapping[str, str]") -> dict | None:
    """The CI system running this command, with who triggered it and a link to the run."""
    for detector in _CI_DETECTORS:
        found = detector(environ)
        if found is not None:
            return found
    return None


def _ci(system: str, actor: str | None, run_url: str | None, **details: str | None) -> dict:
    record: dict = {
        "system": system,
        "actor": actor or None,
        "run_url": strip_url_credentials(run_url) if run_url else None,
    }
    for name, value in details.items():
        if value:
            record[name] = value
    return record


def _github_actions(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("GITHUB_ACTIONS") != "true":
        return None
    server = (environ.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    repository = environ.get("GITHUB_REPOSITORY")
    run_id = environ.get("GITHUB_RUN_ID")
    run_url = None
    if repository and run_id:
        run_url = f"{server}/{repository}/actions/runs/{run_id}"
        attempt = environ.get("GITHUB_RUN_ATTEMPT", "")
        if attempt.isdigit() and int(attempt) > 1:
            run_url += f"/attempts/{attempt}"
    return _ci(
        "github-actions",
        environ.get("GITHUB_ACTOR"),
        run_url,
        repository=repository,
        ref=environ.get("GITHUB_REF"),
        workflow=environ.get("GITHUB_WORKFLOW"),
        job=environ.get("GITHUB_JOB"),
        event=environ.get("GITHUB_EVENT_NAME"),
        triggering_actor=environ.get("GITHUB_TRIGGERING_ACTOR"),
    )


def _gitlab_ci(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("GITLAB_CI") != "true":
        return None
    return _ci(
        "gitlab-ci",
        environ.get("GITLAB_USER_LOGIN"),
        environ.get("CI_JOB_URL") or environ.get("CI_PIPELINE_URL"),
        repository=environ.get("CI_PROJECT_PATH"),
        ref=environ.get("CI_COMMIT_REF_NAME"),
        job=environ.get("CI_JOB_NAME"),
        pipeline_id=environ.get("CI_PIPELINE_ID"),
        actor_email=environ.get("GITLAB_USER_EMAIL"),
    )


def _jenkins(environ: "Mapping[str, str]") -> dict | None:
    if not environ.get("JENKINS_URL") or not (environ.get("BUILD_URL") or environ.get("BUILD_ID")):
        return None
    return _ci(
        "jenkins",
        environ.get("BUILD_USER_ID"),
        environ.get("BUILD_URL"),
        job=environ.get("JOB_NAME"),
        ref=environ.get("GIT_BRANCH") or environ.get("BRANCH_NAME"),
        build_number=environ.get("BUILD_NUMBER"),
    )


def _circleci(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("CIRCLECI") != "true":
        return None
    owner = environ.get("CIRCLE_PROJECT_USERNAME")
    name = environ.get("CIRCLE_PROJECT_REPONAME")
    return _ci(
        "circleci",
        environ.get("CIRCLE_USERNAME"),
        environ.get("CIRCLE_BUILD_URL"),
        repository=f"{owner}/{name}" if owner and name else None,
        ref=environ.get("CIRCLE_BRANCH") or environ.get("CIRCLE_TAG"),
        job=environ.get("CIRCLE_JOB"),
    )


def _buildkite(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("BUILDKITE") != "true":
        return None
    organization = environ.get("BUILDKITE_ORGANIZATION_SLUG")
    pipeline = environ.get("BUILDKITE_PIPELINE_SLUG")
    run_url = environ.get("BUILDKITE_BUILD_URL")
    job_id = environ.get("BUILDKITE_JOB_ID")
    if run_url and job_id:
        run_url += f"#{job_id}"
    return _ci(
        "buildkite",
        environ.get("BUILDKITE_BUILD_CREATOR_EMAIL") or environ.get("BUILDKITE_BUILD_CREATOR"),
        run_url,
        repository=f"{organization}/{pipeline}" if organization and pipeline else None,
        ref=environ.get("BUILDKITE_BRANCH"),
        job=environ.get("BUILDKITE_LABEL"),
    )


def _azure_pipelines(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("TF_BUILD", "").lower() != "true":
        return None
    collection = environ.get("SYSTEM_COLLECTIONURI")
    project = environ.get("SYSTEM_TEAMPROJECT")
    build_id = environ.get("BUILD_BUILDID")
    run_url = None
    if collection and project and build_id:
        run_url = (
            f"{collection.rstrip('/')}/{_quote_path_segment(project)}"
            f"/_build/results?buildId={build_id}"
        )
    return _ci(
        "azure-pipelines",
        environ.get("BUILD_REQUESTEDFOREMAIL") or environ.get("BUILD_REQUESTEDFOR"),
        run_url,
        repository=environ.get("BUILD_REPOSITORY_NAME"),
        ref=environ.get("BUILD_SOURCEBRANCH"),
        job=environ.get("SYSTEM_JOBDISPLAYNAME"),
        pipeline=environ.get("BUILD_DEFINITIONNAME"),
    )


def _bitbucket_pipelines(environ: "Mapping[str, str]") -> dict | None:
    build_number = environ.get("BITBUCKET_BUILD_NUMBER")
    if not build_number:
        return None
    repository = environ.get("BITBUCKET_REPO_FULL_NAME")
    run_url = None
    if repository:
        run_url = f"https://bitbucket.org/{repository}/pipelines/results/{build_number}"
    return _ci(
        "bitbucket-pipelines",
        environ.get("BITBUCKET_STEP_TRIGGERER_UUID"),
        run_url,
        repository=repository,
        ref=environ.get("BITBUCKET_BRANCH") or environ.get("BITBUCKET_TAG"),
    )


def _travis_ci(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("TRAVIS") != "true":
        return None
    return _ci(
        "travis-ci",
        None,
        environ.get("TRAVIS_JOB_WEB_URL") or environ.get("TRAVIS_BUILD_WEB_URL"),
        repository=environ.get("TRAVIS_REPO_SLUG"),
        ref=environ.get("TRAVIS_BRANCH"),
        job=environ.get("TRAVIS_JOB_NAME"),
    )


def _aws_codebuild(environ: "Mapping[str, str]") -> dict | None:
    if not environ.get("CODEBUILD_BUILD_ID"):
        return None
    return _ci(
        "aws-codebuild",
        environ.get("CODEBUILD_INITIATOR"),
        environ.get("CODEBUILD_PUBLIC_BUILD_URL"),
        build_id=environ.get("CODEBUILD_BUILD_ID"),
        ref=environ.get("CODEBUILD_WEBHOOK_HEAD_REF") or environ.get("CODEBUILD_SOURCE_VERSION"),
    )


def _generic_ci(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("CI", "").lower() not in ("true", "1", "yes"):
        return None
    return _ci("generic", None, None)


_CI_DETECTORS = (
    _github_actions,
    _gitlab_ci,
    _jenkins,
    _circleci,
    _buildkite,
    _azure_pipelines,
    _bitbucket_pipelines,
    _travis_ci,
    _aws_codebuild,
    _generic_ci,
)

_URL_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _quote_path_segment(segment: str) -> str:
    """Percent-encode one URL path segment (Azure DevOps project names may hold spaces)."""
    return "".join(
        char if char in _URL_SAFE else "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
        for char in segment
    )
