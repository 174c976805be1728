"""Planned versus executed: which preview planned each update, computed when reading.

An update (`up`, `destroy`, `refresh`) was planned by the latest successful `preview` of the
same stack by the same user before it, when no other update of that stack came in between
and the preview is at most `window_seconds` older.
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_audited import outcomes, timestamps
from pulumi_audited.viewer.runs import Run

UPDATES = frozenset({"up", "destroy", "refresh"})
PREVIEW = "preview"
_PLANNING_OUTCOMES = frozenset({outcomes.SUCCEEDED, outcomes.CHANGES_DETECTED})


def link_previews(runs: Iterable[Run], window_seconds: float = 86400) -> dict[str, str]:
    """Run id of each planned update -> run id of the preview that planned it."""
    steps = []
    for run in runs:
        command = run.get("command")
        if command not in UPDATES and command != PREVIEW:
            continue
        try:
            seconds = timestamps.parse(run.time).timestamp()
        except ValueError:
            continue
        is_plan = command == PREVIEW and run.outcome in _PLANNING_OUTCOMES
        if command in UPDATES or is_plan:
            steps.append(
                (seconds, command in UPDATES, run.run_id, run.get("stack"), run.get("user"))
            )
    steps.sort(key=lambda step: (step[0], step[1]))
    links: dict[str, str] = {}
    # stack -> user -> (time, run id) of the latest preview since the stack's last update
    pending: dict[object, dict[object, tuple[float, str]]] = {}
    for seconds, is_update, run_id, stack, user in steps:
        if not is_update:
            pending.setdefault(stack, {})[user] = (seconds, run_id)
            continue
        plan = pending.pop(stack, {}).get(user)
        if plan is not None and seconds - plan[0] <= window_seconds:
            links[run_id] = plan[1]
    return links
