"""The local log's folder against other users: planted symbolic links and FIFOs, folders that
others can write to or that belong to someone else, and a group-shared folder written by two
real users at once."""

from __future__ import annotations

import datetime as dt
import grp
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from chain_check import walk_chain
from conftest import BIN, SHIM
from other_users import GROUP, MEMBERS, OUTSIDER, make_users, stash_folder

VICTIM_TEXT = b"# the victim's own file\nexport PATH=$HOME/bin:$PATH\n"


def day_names() -> list[str]:
    """Today's day file and tomorrow's (in case the test runs across midnight)."""
    today = dt.datetime.now(dt.timezone.utc).date()
    return [f"{day.isoformat()}.jsonl" for day in (today, today + dt.timedelta(days=1))]


def policy(on_failure: str) -> dict[str, str]:
    return {"PULUMI_AUDITED_ON_FAILURE": on_failure}


def assert_policy_applied(sandbox, result, on_failure: str) -> None:
    if on_failure == "warn":
        assert result.returncode == 0, result.stderr
        assert b"pulumi runs anyway (on_failure: warn)" in result.stderr
        assert sandbox.standin_events("start"), "in warn mode pulumi still runs"
    else:
        assert result.returncode == 125, result.stderr
        assert b"pulumi was not run" in result.stderr
        assert sandbox.standin_events() == []
    assert result.stderr.count(b"\n") == 1, result.stderr


# --- planted symbolic links ---------------------------------------------------------------


@pytest.mark.parametrize("on_failure", ["warn", "block"])
def test_a_symlinked_day_file_is_refused_and_its_target_left_alone(sandbox, on_failure):
    sandbox.log_dir.mkdir(mode=0o700)
    victim = sandbox.home / ".bashrc"
    victim.write_bytes(VICTIM_TEXT)
    for name in day_names():
        (sandbox.log_dir / name).symlink_to(victim)
    result = sandbox.run("stack", "ls", env=policy(on_failure))
    assert victim.read_bytes() == VICTIM_TEXT
    assert b"is a symbolic link, not a file of the audit log: remove it" in result.stderr
    assert str(sandbox.log_dir / day_names()[0]).encode() in result.stderr
    assert_policy_applied(sandbox, result, on_failure)


@pytest.mark.parametrize("name", ["audit.lock", "audit.head"])
def test_the_lock_and_head_files_are_never_followed(sandbox, name):
    sandbox.log_dir.mkdir(mode=0o700)
    victim = sandbox.home / ".profile"
    victim.write_bytes(VICTIM_TEXT)
    (sandbox.log_dir / name).symlink_to(victim)
    result = sandbox.run("stack", "ls")
    assert victim.read_bytes() == VICTIM_TEXT
    assert f"{sandbox.log_dir / name} is a symbolic link".encode() in result.stderr
    assert_policy_applied(sandbox, result, "warn")


@pytest.mark.parametrize(
    "command",
    [["log"], ["verify"], ["export", "--format", "jsonl"]],
    ids=["log", "verify", "export"],
)
def test_the_viewer_refuses_a_symlinked_day_file(sandbox, command):
    assert sandbox.run("stack", "ls").returncode == 0
    secret = sandbox.root / "secret.txt"
    secret.write_bytes(b'{"schema":"pulumi-audited/1","id":"not yours"}\n')
    planted = sandbox.log_dir / "2001-01-01.jsonl"
    planted.symlink_to(secret)
    result = sandbox.run("audit", *command, timeout=30)
    assert result.returncode == 2, result.stdout
    assert result.stderr.decode() == (
        f"pulumi-audited: {planted} is a symbolic link, not a file of the audit log: remove it\n"
    )
    assert b"not yours" not in result.stdout


# --- FIFOs and other files that are not regular -----------------------------------------


@pytest.mark.parametrize("on_failure", ["warn", "block"])
def test_a_fifo_day_file_fails_at_once_under_the_failure_policy(sandbox, on_failure):
    """A record bigger than a pipe's buffer used to block the shim in write(2) forever."""
    sandbox.log_dir.mkdir(mode=0o700)
    for name in day_names():
        os.mkfifo(sandbox.log_dir / name, 0o600)
    big = ["x" * 60_000 for _ in range(3)]
    result = sandbox.run("stack", "ls", *big, env=policy(on_failure), timeout=30)
    assert f"{sandbox.log_dir / day_names()[0]} is a FIFO".encode() in result.stderr
    assert_policy_applied(sandbox, result, on_failure)


@pytest.mark.parametrize(
    "command",
    [["log"], ["verify"], ["export", "--format", "jsonl"]],
    ids=["log", "verify", "export"],
)
def test_the_viewer_fails_on_a_fifo_day_file_instead_of_hanging(sandbox, command):
    assert sandbox.run("stack", "ls").returncode == 0
    fifo = sandbox.log_dir / "2001-01-01.jsonl"
    os.mkfifo(fifo, 0o600)
    result = sandbox.run("audit", *command, timeout=30)
    assert result.returncode == 2
    assert result.stderr.decode() == (
        f"pulumi-audited: {fifo} is a FIFO, not a file of the audit log: remove it\n"
    )


def test_a_folder_in_place_of_a_day_file_is_named(sandbox):
    sandbox.log_dir.mkdir(mode=0o700)
    for name in day_names():
        (sandbox.log_dir / name).mkdir()
    result = sandbox.run("stack", "ls", env=policy("block"))
    assert f"{sandbox.log_dir / day_names()[0]} is a folder".encode() in result.stderr
    assert_policy_applied(sandbox, result, "block")


# --- folders others can write to ----------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        pytest.param(0o777, "anyone can write to it", id="0777"),
        pytest.param(0o1777, "anyone can write to it", id="1777"),
        pytest.param(0o770, "its group can write to it but it is not group-shared", id="0770"),
    ],
)
@pytest.mark.parametrize("on_failure", ["warn", "block"])
def test_a_log_folder_others_can_write_is_refused(sandbox, mode, why, on_failure):
    sandbox.log_dir.mkdir()
    sandbox.log_dir.chmod(mode)
    result = sandbox.run("stack", "ls", env=policy(on_failure))
    owner = pwd.getpwuid(os.geteuid()).pw_name
    expected = f"refusing the log folder {sandbox.log_dir} (mode {mode:04o}, owner {owner}): {why}"
    assert expected.encode() in result.stderr
    assert_policy_applied(sandbox, result, on_failure)
    assert os.listdir(sandbox.log_dir) == []


def test_a_private_folder_stays_private(sandbox):
    assert sandbox.run("stack", "ls").returncode == 0
    assert sandbox.log_dir.stat().st_mode & 0o7777 == 0o700
    for path in sandbox.log_dir.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path


# --- other users: a folder that belongs to someone else, and a group-shared one -----------


class Account:
    """One test user: their own home and project, and the installed shim run as them."""

    def __init__(self, users, name: str, root: Path) -> None:
        self.users = users
        self.name = name
        entry = pwd.getpwnam(name)
        self.uid, self.gid = entry.pw_uid, entry.pw_gid
        self.home = root / name
        self.project = self.home / "project"
        self.project.mkdir(parents=True)
        (self.project / "Pulumi.yaml").write_text("name: shared\nruntime: python\n")
        for path in (self.home, self.project, self.project / "Pulumi.yaml"):
            os.chown(path, self.uid, self.gid)
        self.home.chmod(0o755)
        self.env = {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "HOME": str(self.home),
            "USER": name,
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "PULUMI_HOME": str(self.home / ".pulumi"),
            "PULUMI_AUDITED_PULUMI": "/bin/true",
        }

    def run(self, log: Path, *args: str, umask: int = 0o077, **kwargs):
        """The shim as this user, with a umask that would make every file private."""
        env = {**self.env, "PULUMI_AUDITED_LOG": str(log), **kwargs.pop("env", {})}
        return self.users.run(
            self.name,
            [str(SHIM), *args],
            env=env,
            cwd=self.project,
            preexec_fn=lambda: os.umask(umask),
            **kwargs,
        )

    def writer(self, log: Path, runs: int) -> subprocess.Popen:
        """A process that runs the shim `runs` times as this user."""
        loop = (
            "import subprocess, sys\n"
            "for i in range(int(sys.argv[3])):\n"
            "    subprocess.run([sys.argv[1], 'stack', 'select', f'{sys.argv[2]}-{i}'], "
            "check=True)\n"
        )
        argv = [sys.executable, "-c", loop, str(SHIM), self.name, str(runs)]
        env = {**self.env, "PULUMI_AUDITED_LOG": str(log)}
        return self.users.popen(self.name, argv, env=env, cwd=self.project)


@pytest.fixture
def accounts(tmp_path):
    stash = stash_folder()
    try:
        root = tmp_path / "users"
        root.mkdir()
        users = make_users(root, stash)
        yield {name: Account(users, name, root) for name in (*MEMBERS, OUTSIDER)}, root
    finally:
        shutil.rmtree(stash, ignore_errors=True)


def folder(path: Path, owner: str, group: str, mode: int) -> Path:
    path.mkdir()
    shutil.chown(path, owner, group)
    path.chmod(mode)  # after chown, which clears the setgid bit
    return path


@pytest.mark.parametrize("mode", [0o777, 0o755], ids=["0777", "0755"])
def test_a_folder_owned_by_another_user_is_refused(accounts, mode):
    people, root = accounts
    alice, bob = people["pa-alice"], people["pa-bob"]
    log = folder(root / "bobs-log", bob.name, bob.name, mode)
    victim = alice.home / ".bashrc"
    victim.write_bytes(VICTIM_TEXT)
    os.chown(victim, alice.uid, alice.gid)
    for name in day_names():  # planted by bob
        (log / name).symlink_to(victim)
        os.lchown(log / name, bob.uid, bob.gid)
    result = alice.run(log, "stack", "ls")
    assert result.returncode == 0, result.stderr
    why = "anyone can write to it" if mode == 0o777 else "it belongs to another user"
    assert (
        f"refusing the log folder {log} (mode {mode:04o}, owner pa-bob): {why}"
    ).encode() in result.stderr
    assert victim.read_bytes() == VICTIM_TEXT
    assert sorted(os.listdir(log)) == sorted(day_names())
    blocked = alice.run(log, "stack", "ls", env=policy("block"))
    assert blocked.returncode == 125 and b"pulumi was not run" in blocked.stderr


@pytest.mark.parametrize("owner", ["root", "pa-alice"])
def test_two_users_share_a_setgid_folder(accounts, owner):
    """The README's team log (`log: /srv/audit/pulumi`), made with
    `install -d -m 2770 -g infra`: both members append, at once too, and both can verify."""
    people, root = accounts
    alice, bob = people["pa-alice"], people["pa-bob"]
    log = folder(root / "team-log", owner, GROUP, 0o2770)
    for person in (alice, bob, alice, bob):
        result = person.run(log, "stack", "select", f"by-{person.name}")
        assert result.returncode == 0 and result.stderr == b"", result.stderr
    writers = [person.writer(log, 15) for person in (alice, bob)]
    for process in writers:
        assert process.wait(timeout=600) == 0
    records = walk_chain(log)
    assert len(records) == 2 * (4 + 2 * 15)
    uids = {record["identity"]["uid"] for record in records}
    assert uids == {alice.uid, bob.uid}
    names = {record["argv"][-1] for record in records}
    assert {f"{p.name}-{i}" for p in (alice, bob) for i in range(15)} <= names
    infra = grp.getgrnam(GROUP).gr_gid
    for path in log.iterdir():
        status = path.lstat()
        assert status.st_mode & 0o7777 == 0o660, (path, oct(status.st_mode))
        assert status.st_gid == infra, path
    for person in (alice, bob):
        result = person.users.run(
            person.name,
            [str(SHIM), "audit", "verify"],
            env={**person.env, "PULUMI_AUDITED_LOG": str(log)},
            cwd=person.project,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.decode().startswith(f"intact: {len(records)} records")


def test_a_user_outside_the_folders_group_is_refused(accounts):
    people, root = accounts
    alice, eve = people["pa-alice"], people[OUTSIDER]
    log = folder(root / "team-log", alice.name, GROUP, 0o2770)
    assert alice.run(log, "stack", "ls").returncode == 0
    result = eve.run(log, "stack", "ls")
    assert result.returncode == 0
    assert (
        f"refusing the log folder {log} (mode 2770, owner pa-alice): it is shared with the "
        f"group {GROUP}, which you are not in"
    ).encode() in result.stderr
