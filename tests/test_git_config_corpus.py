"""The git config parser against the real git: every feature it implements, one setup a case.

Each case writes config files under a temporary root (HOME is `root/home`, the system file is
off), makes the repository with `git init`, and asserts that the email the shim records equals
what git answers in the same repository with the same environment: `author.email`, else
`user.email` (git's ident order). The branch the shim reads is checked against git's too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pulumi_audited.capture.git_config import git_author_email
from pulumi_audited.capture.git_repo import find_git_repository, read_head

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@dataclass
class Case:
    name: str
    # Path under the root -> content; `{root}` and `{home}` are replaced by the real folders.
    files: dict[str, str]
    # The answer git gives, stated so that a setup that goes wrong (both answer None, or both
    # miss the include) cannot pass by accident.
    expected: str | None
    repo: str = "repo"
    branch: str = "main"
    environ: dict[str, str] = field(default_factory=dict)
    # Where the answer hangs on what the parser does not implement, it must say None
    # (unknown) instead of answering, whatever git says.
    parser_gives_up: bool = False
    # The repository belongs to another user, whom git does not trust without safe.directory.
    foreign: bool = False


def user(email: str) -> str:
    return f"[user]\n\temail = {email}\n"


def include_if(condition: str, path: str) -> str:
    return f'[includeIf "{condition}"]\n\tpath = {path}\n'


REMOTE = {"repo/.git/config": '[remote "origin"]\n\turl = https://github.com/acme/x.git\n'}
FOREIGN_UID = 54321
REPO_EMAIL = {"repo/.git/config": user("repo@x")}
SAFE = "[safe]\n\tdirectory = {}\n"
WORKTREE_CONFIG = "[extensions]\n\tworktreeConfig = true\n"
HIT = "hit@example.com"
MISS = "default@example.com"
GLOBAL = "home/.gitconfig"


def conditional(condition: str, expected: str, **options) -> Case:
    """A global file with a default email and one includeIf that would set HIT."""
    files = {GLOBAL: user(MISS) + include_if(condition, "hit.inc"), "home/hit.inc": user(HIT)}
    files.update(options.pop("files", {}))
    return Case(f"{condition} -> {expected}", files, expected, **options)


CASES = [
    Case("plain", {GLOBAL: user("a@x.org")}, expected="a@x.org"),
    Case("no email anywhere", {GLOBAL: "[core]\n\teditor = vi\n"}, expected=None),
    Case(
        "last wins", {GLOBAL: user("one@x") + "[core]\n\tx = 1\n" + user("two@x")}, expected="two@x"
    ),
    Case(
        "author.email over user.email",
        {GLOBAL: user("u@x") + "[author]\n\temail = a@x\n"},
        expected="a@x",
    ),
    Case("case-insensitive names", {GLOBAL: "[UsEr]\n\tEMAIL = up@x\n"}, expected="up@x"),
    Case(
        "subsections are other variables",
        {GLOBAL: user("plain@x") + '[user "work"]\n\temail = sub@x\n[user.other]\n\temail = o@x\n'},
        expected="plain@x",
    ),
    Case("inline after the header", {GLOBAL: "[user] email = inline@x\n"}, expected="inline@x"),
    Case("quotes and spaces", {GLOBAL: '[user]\n\temail =   "A  B"@x  \n'}, expected="A  B@x"),
    Case(
        "comments",
        {GLOBAL: '[user]\n\temail = "a#b;c"@x # note\n; [user]\n#\temail = no@x\n'},
        expected="a#b;c@x",
    ),
    Case("tabs outside quotes are spaces", {GLOBAL: '[user]\n\temail = a\tb"\tc"\t \n'}, "a b\tc"),
    Case("escapes", {GLOBAL: '[user]\n\temail = a\\"b\\\\c\\td@x\n'}, expected='a"b\\c\td@x'),
    Case(
        "continuation",
        {GLOBAL: "[user]\n\temail = first\\\n.second@x\n"},
        expected="first.second@x",
    ),
    Case(
        "repository over global over xdg",
        {
            "home/.config/git/config": user("xdg@x"),
            GLOBAL: user("global@x"),
            "repo/.git/config": user("repo@x"),
        },
        expected="repo@x",
    ),
    Case(
        "global over xdg",
        {"home/.config/git/config": user("xdg@x"), GLOBAL: user("global@x")},
        expected="global@x",
    ),
    Case("xdg alone", {"home/.config/git/config": user("xdg@x")}, expected="xdg@x"),
    Case(
        "GIT_CONFIG_GLOBAL with a relative include",
        {
            GLOBAL: user("home@x"),
            "elsewhere/g.conf": "[include]\n\tpath = sub/inc\n",
            "elsewhere/sub/inc": user("alt@x"),
        },
        environ={"GIT_CONFIG_GLOBAL": "{root}/elsewhere/g.conf"},
        expected="alt@x",
    ),
    Case(
        "relative include, then overridden",
        {
            GLOBAL: "[include]\n\tpath = inc/a.conf\n" + user("after@x"),
            "home/inc/a.conf": user("inc@x"),
        },
        expected="after@x",
    ),
    Case(
        "relative include wins when later",
        {
            GLOBAL: user("before@x") + "[include]\n\tpath = inc/a.conf\n",
            "home/inc/a.conf": user("inc@x"),
        },
        expected="inc@x",
    ),
    Case(
        "~/ include",
        {GLOBAL: "[include]\n\tpath = ~/t/b.conf\n", "home/t/b.conf": user("tilde@x")},
        expected="tilde@x",
    ),
    Case(
        "nested includes are relative to the including file",
        {
            GLOBAL: "[include]\n\tpath = one/a\n",
            "home/one/a": "[include]\n\tpath = two/b\n",
            "home/one/two/b": user("deep@x"),
        },
        expected="deep@x",
    ),
    Case(
        "missing include file",
        {GLOBAL: user("kept@x") + "[include]\n\tpath = nowhere.inc\n"},
        expected="kept@x",
    ),
    Case(
        "include from the repository config",
        {
            GLOBAL: user("g@x"),
            "repo/.git/config": "[include]\n\tpath = ../shared.conf\n",
            "repo/shared.conf": user("shared@x"),
        },
        expected="shared@x",
    ),
    conditional("gitdir:{root}/repo/", HIT),
    conditional("gitdir:{root}/repo/.git", HIT),
    conditional("gitdir:{root}/", HIT),
    conditional("gitdir:{root}/other/", MISS),
    conditional("gitdir:{root}/rep", MISS),
    conditional("gitdir:~/work/", HIT, repo="home/work/project"),
    conditional("gitdir:repo/", HIT),
    conditional("gitdir:**/repo/**", HIT),
    conditional("gitdir:{root}/**/deep/", HIT, repo="a/b/deep"),
    conditional("gitdir:{root}/**/repo/", HIT),
    conditional("gitdir:{root}/r*/", HIT),
    conditional("gitdir:{root}/*/", HIT, repo="a/b"),
    conditional("gitdir:{root}/*/.git", MISS, repo="a/b"),
    conditional("gitdir:{root}/r?po/", HIT),
    conditional("gitdir:{root}/r?po/", MISS, repo="rpo"),
    conditional("gitdir:{root}/[pqr]epo/", HIT),
    conditional("gitdir:{root}/[!r]epo/", MISS),
    conditional("gitdir:{root}/[a-s]epo/", HIT),
    conditional("gitdir:{root}/REPO/", MISS),
    conditional("gitdir/i:{root}/REPO/", HIT),
    conditional("gitdir/i:**/R[e]P?/", HIT),
    conditional("gitdir/i:**/R[E]P?/", MISS),
    conditional("gitdir/i:**/R[D-F]PO/", HIT),
    conditional("gitdir/i:**/R[d-f]PO/", HIT),
    conditional(
        "gitdir:./",
        HIT,
        files={
            GLOBAL: "[include]\n\tpath = {root}/repo.inc\n",
            "repo.inc": include_if("gitdir:./", "{home}/hit.inc"),
        },
    ),
    conditional("gitdir:{root}/repo/", HIT, repo="wt-of-repo"),
    Case(
        "a repository another user owns", {GLOBAL: user("g@x"), **REPO_EMAIL}, "g@x", foreign=True
    ),
    Case(
        "its includeIf conditions do not hold either",
        {GLOBAL: user("g@x") + include_if("gitdir:{root}/", "hit.inc"), "home/hit.inc": user(HIT)},
        "g@x",
        foreign=True,
    ),
    Case("safe.directory = *", {GLOBAL: SAFE.format("*"), **REPO_EMAIL}, "repo@x", foreign=True),
    Case(
        "safe.directory naming it",
        {GLOBAL: SAFE.format("{root}/repo"), **REPO_EMAIL},
        "repo@x",
        foreign=True,
    ),
    Case(
        "safe.directory reset by an empty value",
        {GLOBAL: user("g@x") + SAFE.format("*") + SAFE.format(""), **REPO_EMAIL},
        "g@x",
        foreign=True,
    ),
    Case(
        "safe.directory in the repository's own config does not count",
        {GLOBAL: user("g@x"), "repo/.git/config": SAFE.format("*") + user("repo@x")},
        "g@x",
        foreign=True,
    ),
    Case(
        "root under sudo as the owner",
        {GLOBAL: user("g@x"), **REPO_EMAIL},
        "repo@x",
        foreign=True,
        environ={"SUDO_UID": str(FOREIGN_UID)},
    ),
    Case(
        "config.worktree of the main worktree",
        {
            GLOBAL: user("g@x"),
            "repo/.git/config": WORKTREE_CONFIG,
            "repo/.git/config.worktree": user("wt@x"),
        },
        "wt@x",
    ),
    Case(
        "config.worktree of a linked worktree",
        {
            "repo/.git/config": WORKTREE_CONFIG,
            "repo/.git/worktrees/wt-of-repo/config.worktree": user("wt@x"),
        },
        "wt@x",
        repo="wt-of-repo",
    ),
    Case(
        "config.worktree without the extension",
        {GLOBAL: user("g@x"), "repo/.git/config.worktree": user("wt@x")},
        "g@x",
    ),
    Case(
        "the extension turned off again",
        {
            "repo/.git/config": WORKTREE_CONFIG + "[extensions]\n\tworktreeConfig = no\n",
            "repo/.git/config.worktree": user("wt@x"),
        },
        None,
    ),
    conditional("onbranch:main", HIT),
    conditional("onbranch:mai", MISS),
    conditional("onbranch:feature/", HIT, branch="feature/x/y"),
    conditional("onbranch:feature/**", HIT, branch="feature/x/y"),
    conditional("onbranch:feature/*", MISS, branch="feature/x/y"),
    conditional("onbranch:feature/*", HIT, branch="feature/x"),
    conditional("onbranch:*", MISS, branch="feature/x"),
    conditional("onbranch:**/x", HIT, branch="feature/x"),
    conditional("onbranch:rel?ase", HIT, branch="release"),
    conditional("onbranch:[rs]elease", HIT, branch="release"),
    conditional("nosuchcondition:x", MISS),
    conditional(
        "hasconfig:remote.*.url:https://github.com/acme/**", HIT, files=REMOTE, parser_gives_up=True
    ),
    conditional(
        "hasconfig:remote.*.url:https://gitlab.com/**", MISS, files=REMOTE, parser_gives_up=True
    ),
    Case(
        "hasconfig: an include that sets no email does not matter",
        {
            GLOBAL: user(MISS) + include_if("hasconfig:remote.*.url:**", "other.inc"),
            "home/other.inc": "[core]\n\tx = 1\n",
            **REMOTE,
        },
        MISS,
    ),
    conditional("gitdir:{root}/[[:alpha:]]epo/", HIT, parser_gives_up=True),
    Case(
        "condition kinds are case-sensitive, section names are not",
        {
            GLOBAL: user(MISS)
            + '[INCLUDEIF "GitDir:{root}/"]\n\tpath = a.inc\n'
            + '[IncludeIf "gitdir:{root}/"]\n\tPATH = b.inc\n',
            "home/a.inc": user("a@x"),
            "home/b.inc": user("b@x"),
        },
        expected="b@x",
    ),
]


def materialise(root: Path, case: Case) -> tuple[dict[str, str], Path]:
    home = root / "home"
    home.mkdir()
    environ = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    environ.update({k: v.replace("{root}", str(root)) for k, v in case.environ.items()})
    repo = root / case.repo
    if case.repo == "wt-of-repo":
        git(["init", "-q", "-b", case.branch, str(root / "repo")], environ, root)
        git(
            ["-c", "user.email=x@x", "commit", "-q", "--allow-empty", "-m", "x"],
            environ,
            root / "repo",
        )
        git(["worktree", "add", "-q", "-b", "wt", str(repo)], environ, root / "repo")
    else:
        git(["init", "-q", "-b", case.branch, str(repo)], environ, root)
    for relative, content in case.files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content.replace("{root}", str(root)).replace("{home}", str(home))
        if relative.endswith(".git/config"):
            text = path.read_text() + text  # keep what git init wrote
        path.write_text(text)
    if case.foreign:
        if os.geteuid() != 0:
            pytest.skip("giving the repository to another user needs root")
        for folder, folders, files in os.walk(repo):
            for name in [folder, *(os.path.join(folder, f) for f in folders + files)]:
                os.lchown(name, FOREIGN_UID, FOREIGN_UID)
    return environ, repo


def git(args: list[str], environ: dict[str, str], cwd: Path) -> str | None:
    done = subprocess.run(["git", *args], env=environ, cwd=cwd, capture_output=True, text=True)
    if done.returncode == 1 and not done.stderr:
        return None  # `config --get` of an unset variable
    assert done.returncode == 0, done.stderr
    return done.stdout.rstrip("\n")


def gits_email(environ: dict[str, str], repo: Path) -> str | None:
    return git(["config", "--get", "author.email"], environ, repo) or git(
        ["config", "--get", "user.email"], environ, repo
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_parser_agrees_with_git(tmp_path: Path, case: Case) -> None:
    root = tmp_path.resolve()
    environ, repo = materialise(root, case)
    repository = find_git_repository(str(repo))
    assert repository is not None
    _, branch = read_head(repository)
    if not case.foreign:  # git refuses to read HEAD there
        head = git(["symbolic-ref", "-q", "HEAD"], environ, repo)
        assert branch == head.removeprefix("refs/heads/")

    expected = gits_email(environ, repo)
    assert expected == case.expected
    answer = git_author_email(environ, repository, branch)
    assert answer == (None if case.parser_gives_up else expected)
