"""Write a valid audit log of synthetic runs through the project's real writer code.

    .venv/bin/python benchmarks/make_log.py --records 1000000 --out DIR [--days 365] [--seed 1]

Records are built by record.start_record / end_record and appended by LocalLog.append_many,
which serialises and chains lines exactly as the shim's per-record `append` does. Runs are
spread over `--days` days ending now, with many users, stacks, hosts and commands; a few
percent fail. `--records` counts records (two per run).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pulumi_audited.record import end_record, new_id, start_record  # noqa: E402
from pulumi_audited.store.local import LocalLog  # noqa: E402
from pulumi_audited.timestamps import format_ns  # noqa: E402

USERS = [f"user{n:02d}" for n in range(40)] + ["alice", "bob", "carol", "dave"]
PROJECTS = ["webapp", "billing", "search", "network", "data", "auth", "mobile", "infra"]
ENVIRONMENTS = ["dev", "staging", "prod", "qa", "perf"]
HOSTS = [f"host-{n:03d}" for n in range(60)] + ["ci-runner-1", "ci-runner-2"]
# (command path, start event, end event, end event when cancelled, effect)
COMMANDS = [
    ("up", "stack-update-started", "stack-update-completed", "stack-update-canceled", "state"),
    ("preview", *(f"stack-preview-{s}" for s in ("started", "completed", "canceled")), "read"),
    ("refresh", *(f"stack-refresh-{s}" for s in ("started", "completed", "canceled")), "state"),
    ("destroy", *(f"stack-destroy-{s}" for s in ("started", "completed", "canceled")), "state"),
    ("config set", "stack-config-updated", "stack-config-updated", "stack-config-updated", "local"),
    (
        "stack output",
        "command-stack-output",
        "command-stack-output",
        "command-stack-output",
        "read",
    ),
    ("stack export", "stack-exported", "stack-exported", "stack-exported", "read"),
]
WEIGHTS = [30, 40, 8, 1, 10, 8, 3]
# (agent, model, parent commands), one run in five by an AI agent
AGENTS = [
    ("claude", "claude-opus-4-1", ["bash", "claude", "node", "zsh"]),
    ("codex", "gpt-5-codex", ["bash", "codex", "zsh"]),
    ("cursor", None, ["zsh", "Cursor Helper", "Cursor"]),
    ("github-copilot", "gpt-5", ["bash", "copilot", "node"]),
]
HUMAN_PARENTS = ["zsh", "sshd", "sshd", "systemd"]


def _invocation(command: tuple, stack: str) -> SimpleNamespace:
    path, started, completed, canceled, effect = command
    short = stack.rsplit("/", 1)[1]
    args = [*path.split(), "--stack", short]
    if path == "up":
        args.insert(1, "--yes")
    if path == "config set":
        args[2:2] = ["dbPassword", "[redacted]"]
        args.append("--secret")
    return SimpleNamespace(
        event=started,
        end_event_success=completed,
        end_event_canceled=canceled,
        end_event_unauthorized=completed,
        end_event_failed=completed,
        command=path,
        args=args,
        exec_kind="cli",
        effect=effect,
        reveals_secrets=path == "stack export",
        expect_no_changes=False,
    )


def _agent(rng: random.Random) -> tuple[dict | None, list[str]]:
    if rng.random() >= 0.2:
        return None, HUMAN_PARENTS
    name, model, parents = rng.choice(AGENTS)
    return {"name": name, "model": model}, parents


def _context(
    rng: random.Random, agent_rng: random.Random, user: str, project: str, stack: str, host: str
) -> dict:
    agent, parents = _agent(agent_rng)
    return {
        "user": user,
        "identity": {
            "os_user": user,
            "uid": 1000 + USERS.index(user),
            "sudo_user": None,
            "git_email": f"{user}@example.com",
            "ci": None,
            "parent_run_id": None,
            "agent": agent,
            "parents": parents,
            "terminal": agent is None,
        },
        "git": {"head": f"{rng.getrandbits(160):040x}", "branch": "main"},
        "host": host,
        "source_ip": f"10.{HOSTS.index(host) // 250}.{HOSTS.index(host) % 250}.{rng.randint(1, 9)}",
        "stack": stack,
        "project": project,
        "backend": "s3://pulumi-state-bucket",
        "cwd": f"/home/{user}/src/{project}",
    }


def synthetic_runs(runs: int, *, days: float, seed: int, end_ns: int | None = None):
    """(start record, end record) pairs in time order, with their times set."""
    rng = random.Random(seed)
    agent_rng = random.Random(seed + 1)  # its own sequence: the other fields stay as they were
    end_ns = end_ns or time.time_ns()
    span_ns = int(days * 86400 * 1e9)
    step = span_ns // max(runs, 1)
    moment = end_ns - span_ns
    for _ in range(runs):
        moment += rng.randint(step // 2, step + step // 2) if step > 1 else 1
        user = rng.choice(USERS)
        project = rng.choice(PROJECTS)
        stack = f"organization/{project}/{rng.choice(ENVIRONMENTS)}"
        host = rng.choice(HOSTS)
        command = rng.choices(COMMANDS, WEIGHTS)[0]
        invocation = _invocation(command, stack)
        context = _context(rng, agent_rng, user, project, stack, host)
        start = start_record(
            run_id=new_id(moment),
            now_ns=moment,
            invocation=invocation,
            context=context,
            reason=None,
        )
        start["pid"] = rng.randint(1000, 60000)
        start["time"] = format_ns(moment)
        duration_ms = rng.randint(200, 120_000) if command[4] == "state" else rng.randint(50, 3000)
        exit_code = 0 if rng.random() > 0.06 else rng.choice([1, 1, 1, 255, 3])
        end = end_record(
            start,
            now_ns=moment + duration_ms * 1_000_000,
            invocation=invocation,
            wait_status=exit_code << 8,
            duration_ms=duration_ms,
            signals=[],
        )
        end["time"] = format_ns(moment + duration_ms * 1_000_000)
        yield start, end


def ordered_records(pairs):
    """Records in time order: ends are held back until their time has come."""
    import heapq

    pending: list[tuple[str, int, dict]] = []
    for counter, (start, end) in enumerate(pairs):
        while pending and pending[0][0] <= start["time"]:
            yield heapq.heappop(pending)[2]
        yield start
        heapq.heappush(pending, (end["time"], counter, end))
    while pending:
        yield heapq.heappop(pending)[2]


def write_log(folder: str, records: int, *, days: float = 365, seed: int = 1) -> None:
    log = LocalLog(folder)
    batch: list[dict] = []
    for record in ordered_records(synthetic_runs(records // 2, days=days, seed=seed)):
        batch.append(record)
        if len(batch) >= 20_000:
            log.append_many(batch)
            batch = []
    if batch:
        log.append_many(batch)


def cached_log(data: Path, records: int) -> Path:
    """`data/log-N`: a log of `records` synthetic records, written once and kept for the next
    run (written under another name first, so that an interrupted run leaves no half log)."""
    log = data / f"log-{records}"
    if not log.is_dir():
        print(f"generating {records} records into {log} (once) ...", flush=True)
        partial = data / f"log-{records}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        write_log(str(partial), records)
        partial.rename(log)
    return log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    began = time.monotonic()
    write_log(options.out, options.records, days=options.days, seed=options.seed)
    print(f"wrote {options.records} records to {options.out} in {time.monotonic() - began:.1f} s")


if __name__ == "__main__":
    main()
