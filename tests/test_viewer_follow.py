"""`audit log -f` on a real pseudo-terminal while real shim runs are recorded, several at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import terminal
from conftest import SHIM, runs_by_id

OUTCOMES = ("succeeded", "failed", "canceled", "signaled", "changes-detected")


def _workload(n: int) -> tuple[list[str], dict[str, str]]:
    """Quick previews, failing ups, quick ups, and every eighth run one that takes 5 s."""
    if n % 8 == 7:
        return ["up", "--yes", "-s", "prod"], {"FAKE_PULUMI_DURATION": "5"}
    return [
        (["preview", "-s", "dev"], {}),
        (["up", "--yes", "-s", "staging"], {"FAKE_PULUMI_EXIT": "6"}),
        (["up", "--yes", "-s", "prod"], {}),
        (["stack", "ls"], {}),
    ][n % 4]


def _rows(screen: str) -> tuple[list[str], list[str]]:
    lines = [line for line in screen.splitlines() if line.strip()]
    headers = [line for line in lines if line.startswith("TIME ")]
    return headers, [line for line in lines if not line.startswith("TIME ")]


def test_follow_pairs_every_end_with_its_start_and_prints_the_header_once(sandbox):
    sandbox.run("preview", "-s", "dev")
    follower = terminal.Terminal(
        [str(SHIM), "audit", "log", "-f"],
        env={**sandbox.env, "TERM": "xterm", "NO_COLOR": "1"},
        cwd=sandbox.project,
        rows=50,
        columns=200,
    )
    try:
        follower.wait_for(lambda screen: "preview" in screen, timeout=30)
        with ThreadPoolExecutor(4) as pool:
            results = list(
                pool.map(lambda n: sandbox.run(*_workload(n)[0], env=_workload(n)[1]), range(48))
            )
        assert sum(result.returncode != 0 for result in results) == 12  # the staging ups
        runs = runs_by_id(sandbox.records())
        assert len(runs) == 49 and all("end" in run for run in runs.values())

        def completed(screen: str) -> set[str]:
            _, rows = _rows(screen)
            return {row.split()[-1] for row in rows if any(o in row.split() for o in OUTCOMES)}

        follower.wait_for(lambda screen: len(completed(screen)) == 49, timeout=60)
        follower.read(1.0)  # anything printed twice would be there by now
    finally:
        follower.interrupt()
        assert follower.finish() == 0
    headers, rows = _rows(follower.screen)
    assert len(headers) == 1, headers
    header = headers[0]
    outcome_at = header.index("OUTCOME")
    shown: dict[str, list[str]] = {}
    for row in rows:
        short = row.split()[-1]
        (run_id,) = [run_id for run_id in runs if run_id.endswith(short)]
        # Fixed widths: every row's outcome starts under the header's OUTCOME.
        shown.setdefault(run_id, []).append(row[outcome_at:].split()[0])
    for run_id, run in runs.items():
        states = shown[run_id]
        assert states[-1] == run["end"]["outcome"], (run_id, states)
        assert states[:-1] in ([], ["running"]), (run_id, states)
    slow = [i for i, r in runs.items() if r["end"].get("duration_ms", 0) >= 3000]
    assert len(slow) == 6 and all(shown[i] == ["running", "succeeded"] for i in slow)
