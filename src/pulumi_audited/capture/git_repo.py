"""The git repository around a folder and its HEAD, read from files the way git finds them.

git is never run (a subprocess costs more than the shim's whole time budget; see
benchmarks/README.md), so discovery, `.git` files, commondir and ref resolution are repeated here.
"""

import os
import stat

from pulumi_audited.capture import read_small_file, read_small_text

_MAX_SYMREF_DEPTH = 5
_MAX_PACKED_REFS_BYTES = 32 << 20
_HEX_DIGITS = frozenset("0123456789abcdef")


class GitRepository:
    """A work tree and its git folders: `git_dir` holds HEAD, `common_dir` refs and config.

    They differ for linked worktrees (`git worktree add`), whose `.git` is a file pointing into
    the main repository's `.git/worktrees/<name>`, which names the shared folder in `commondir`.
    """

    __slots__ = ("common_dir", "git_dir", "work_tree")

    def __init__(self, git_dir: str, common_dir: str, work_tree: str) -> None:
        self.git_dir = git_dir
        self.common_dir = common_dir
        self.work_tree = work_tree


def find_git_repository(start_dir: str) -> GitRepository | None:
    """The repository whose work tree contains `start_dir`, found the way git discovers it."""
    directory = start_dir
    while True:
        git_dir = _git_dir_at(os.path.join(directory, ".git"))
        if git_dir is not None:
            return GitRepository(git_dir, _common_dir_of(git_dir), directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _git_dir_at(dot_git: str) -> str | None:
    try:
        mode = os.stat(dot_git).st_mode
    except (OSError, ValueError):
        return None
    git_dir: str | None = None
    if stat.S_ISDIR(mode):
        git_dir = dot_git
    elif stat.S_ISREG(mode):
        git_dir = _follow_gitdir_file(dot_git)
    if git_dir is None:
        return None
    return git_dir if os.path.isfile(os.path.join(git_dir, "HEAD")) else None


def _follow_gitdir_file(dot_git_file: str) -> str | None:
    """The folder named by a `.git` file (`gitdir: PATH`), as worktrees and submodules use."""
    content = read_small_text(dot_git_file)
    if content is None or not content.startswith("gitdir:"):
        return None
    target = content[len("gitdir:") :].strip()
    if not target:
        return None
    return os.path.normpath(os.path.join(os.path.dirname(dot_git_file), target))


def _common_dir_of(git_dir: str) -> str:
    content = read_small_text(os.path.join(git_dir, "commondir"))
    if content is None or not content.strip():
        return git_dir
    return os.path.normpath(os.path.join(git_dir, content.strip()))


def read_head(repository: GitRepository) -> tuple[str | None, str | None]:
    """(commit id, branch name) of HEAD; the branch is None when HEAD is detached."""
    content = read_small_text(os.path.join(repository.git_dir, "HEAD"))
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
        content = read_small_text(os.path.join(folder, ref))
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
