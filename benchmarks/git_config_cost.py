"""What asking git for `user.email` would cost the shim, against the config parser it carries.

    .venv/bin/python benchmarks/git_config_cost.py [--runs 300]

In a fresh repository with a typical ~/.gitconfig (a user, aliases, core settings, an
`includeIf "gitdir:..."` and an `[include]`), each round measures, in rotating order:

- `git config --get user.email` spawned with posix_spawn and its output read from a pipe (what
  the shim would do; subprocess.run, which the shim avoids, is measured too);
- the parser in this process, `git_author_email`, on the same files (warm: the shim calls it
  once per run, after the modules are loaded; their cold import is measured separately);
- a bare `python -c pass` start, as the scale every shim cost is read against.

Reported: medians and 90th percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pulumi_audited.capture.git_config import git_author_email  # noqa: E402
from pulumi_audited.capture.git_repo import find_git_repository, read_head  # noqa: E402

TYPICAL_GITCONFIG = """\
[user]
\tname = Ada Example
\temail = ada@example.com
[core]
\teditor = vim
\tautocrlf = input
\texcludesfile = ~/.gitignore_global
[init]
\tdefaultBranch = main
[pull]
\trebase = true
[alias]
\tst = status -sb
\tco = checkout
\tlg = log --graph --oneline --decorate --all
\tamend = commit --amend --no-edit
[color]
\tui = auto
[diff]
\talgorithm = histogram
[merge]
\tconflictstyle = zdiff3
[push]
\tautoSetupRemote = true
[include]
\tpath = ~/.gitconfig.local
[includeIf "gitdir:~/work/"]
\tpath = ~/.gitconfig-work
"""


def build(root: Path) -> tuple[dict[str, str], Path]:
    home = root / "home"
    repo = home / "work" / "project"
    repo.mkdir(parents=True)
    (home / ".gitconfig").write_text(TYPICAL_GITCONFIG)
    (home / ".gitconfig.local").write_text("[credential]\n\thelper = cache\n")
    (home / ".gitconfig-work").write_text("[user]\n\temail = ada@corp.example\n")
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], env=env, check=True)
    return env, repo


def spawn_git(git: str, env: dict[str, str], repo: Path) -> str:
    """posix_spawn git in `repo` and read its answer, as the shim would."""
    read_end, write_end = os.pipe()
    actions = [
        (os.POSIX_SPAWN_DUP2, write_end, 1),
        (os.POSIX_SPAWN_CLOSE, read_end),
        (os.POSIX_SPAWN_CLOSE, write_end),
    ]
    argv = [git, "-C", str(repo), "config", "--get", "user.email"]
    pid = os.posix_spawn(git, argv, env, file_actions=actions)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 4096):
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode().strip()


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - started) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    options = parser.parse_args()
    git = subprocess.run(["which", "git"], capture_output=True, text=True, check=True)
    git_path = git.stdout.strip()

    with tempfile.TemporaryDirectory() as folder:
        env, repo = build(Path(folder))
        repository = find_git_repository(str(repo))
        _, branch = read_head(repository)

        def parser_answer() -> str | None:
            return git_author_email(env, repository, branch)

        def subprocess_git() -> str:
            command = [git_path, "-C", str(repo), "config", "--get", "user.email"]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            return done.stdout.strip()

        def bare_python() -> None:
            subprocess.run([sys.executable, "-c", "pass"], check=True)

        expected = spawn_git(git_path, env, repo)
        assert parser_answer() == expected == "ada@corp.example", (parser_answer(), expected)

        cases = {
            "git config, posix_spawn + pipe": lambda: spawn_git(git_path, env, repo),
            "git config, subprocess.run": subprocess_git,
            "parser in process (git_author_email)": parser_answer,
            "bare `python -c pass` start": bare_python,
        }
        samples: dict[str, list[float]] = {name: [] for name in cases}
        names = list(cases)
        for round_index in range(options.runs):
            for offset in range(len(names)):
                name = names[(round_index + offset) % len(names)]
                samples[name].append(timed(cases[name])[0])

        import_ms = cold_import_ms(env)

    version = subprocess.run([git_path, "--version"], capture_output=True, text=True).stdout
    print(f"medians of {options.runs} rounds, Python {sys.version.split()[0]}, {version.strip()}")
    print(f"{'what':40} {'median':>9} {'p90':>9}")
    for name, values in samples.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:40} {statistics.median(values):7.3f}ms {p90:7.3f}ms")
    print(f"{'parser modules, cold import':40} {import_ms:7.3f}ms")


def cold_import_ms(env: dict[str, str]) -> float:
    """The median time to load git_config in a fresh interpreter."""
    code = (
        "import time, pulumi_audited.capture\n"
        "t = time.perf_counter()\n"
        "import pulumi_audited.capture.git_config\n"
        "print((time.perf_counter() - t) * 1000)\n"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code],
                env={**env, "PYTHONPATH": str(ROOT / "src")},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(30)
    ]
    return statistics.median(runs)


if __name__ == "__main__":
    main()
