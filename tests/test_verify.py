"""`audit verify`: tampering with the log's lines is named by kind, file, line and record id."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import SHIM, which
from viewer_logs import all_lines, day_files, write_synthetic


def verify(sandbox, *args):
    return sandbox.run("audit", "verify", *args)


def findings(sandbox) -> list[dict]:
    result = verify(sandbox, "--json")
    assert result.returncode == 1, result.stdout
    return json.loads(result.stdout)["findings"]


def record_id(line: bytes) -> str:
    return json.loads(line)["id"]


def rewrite(path, mutate) -> None:
    lines = path.read_bytes().split(b"\n")[:-1]
    mutate(lines)
    path.write_bytes(b"".join(line + b"\n" for line in lines))


@pytest.fixture
def shim_log(sandbox):
    """Twelve records written by the shim."""
    for stack in ("dev", "staging", "prod", "dev", "staging", "prod"):
        sandbox.run("preview", "-s", stack)
    (path,) = day_files(sandbox.log_dir)
    return sandbox, path


def test_an_intact_log(shim_log):
    sandbox, _ = shim_log
    result = verify(sandbox)
    assert result.returncode == 0
    assert result.stdout.decode().startswith("intact: 12 records in 1 day files")
    report = json.loads(verify(sandbox, "--json").stdout)
    assert report["intact"] and report["records"] == 12 and report["findings"] == []


def test_an_intact_log_over_many_days(sandbox):
    write_synthetic(sandbox.log_dir, 400, days=40)
    assert len(day_files(sandbox.log_dir)) > 30
    assert verify(sandbox).returncode == 0


def test_an_edited_record(shim_log):
    sandbox, path = shim_log
    lines = path.read_bytes().split(b"\n")
    edited_id = record_id(lines[4])
    rewrite(path, lambda ls: ls.__setitem__(4, ls[4].replace(b'"preview"', b'"up"')))
    (finding,) = findings(sandbox)
    assert finding["kind"] == "edited"
    assert (finding["file"], finding["line"], finding["record_id"]) == (str(path), 5, edited_id)
    text = verify(sandbox).stdout.decode()
    assert f"{path}:5 (record {edited_id}): edited" in text


def test_an_edited_time(shim_log):
    sandbox, path = shim_log

    def shift(lines):
        record = json.loads(lines[6])
        record["time"] = record["time"].replace("T", "T", 1)[:11] + "00:00:00.000000Z"
        lines[6] = json.dumps(record, separators=(",", ":")).encode()

    rewrite(path, shift)
    (finding,) = findings(sandbox)
    assert finding["kind"] == "edited" and finding["line"] == 7


def test_a_record_edited_into_invalid_json(shim_log):
    sandbox, path = shim_log
    rewrite(path, lambda ls: ls.__setitem__(3, ls[3][:-40]))
    (finding,) = findings(sandbox)
    assert finding["kind"] == "edited" and finding["line"] == 4


def test_a_deleted_record(shim_log):
    sandbox, path = shim_log
    lines = path.read_bytes().split(b"\n")
    after_id = record_id(lines[6])
    rewrite(path, lambda ls: ls.pop(5))
    (finding,) = findings(sandbox)
    assert finding["kind"] == "deleted"
    assert (finding["line"], finding["record_id"]) == (6, after_id)


def test_deleted_records_at_the_start(shim_log):
    sandbox, path = shim_log
    rewrite(path, lambda ls: ls.pop(0))
    (finding,) = findings(sandbox)
    assert finding["kind"] == "truncated" and finding["line"] == 1


def test_an_inserted_record(shim_log):
    sandbox, path = shim_log
    lines = path.read_bytes().split(b"\n")
    forged = json.loads(lines[2])
    forged["id"] = forged["id"][:-4] + "beef"
    forged_line = json.dumps(forged, separators=(",", ":")).encode()
    rewrite(path, lambda ls: ls.insert(3, forged_line))
    (finding,) = findings(sandbox)
    assert finding["kind"] == "inserted"
    assert (finding["line"], finding["record_id"]) == (4, forged["id"])


def test_an_inserted_record_with_a_made_up_prev(shim_log):
    sandbox, path = shim_log
    lines = path.read_bytes().split(b"\n")
    forged = json.loads(lines[2])
    forged["id"] = forged["id"][:-4] + "beef"
    forged["prev"] = "0" * 64
    forged_line = json.dumps(forged, separators=(",", ":")).encode()
    rewrite(path, lambda ls: ls.insert(8, forged_line))
    (finding,) = findings(sandbox)
    assert finding["kind"] == "inserted" and finding["line"] == 9


def test_a_copied_record(shim_log):
    sandbox, path = shim_log
    rewrite(path, lambda ls: ls.insert(10, ls[1]))
    (finding,) = findings(sandbox)
    assert finding["kind"] == "inserted" and finding["line"] == 11
    assert f"{path}:2" in finding["detail"]


def test_reordered_records(shim_log):
    sandbox, path = shim_log
    lines = path.read_bytes().split(b"\n")
    moved = {record_id(lines[6]), record_id(lines[7])}

    def swap(ls):
        ls[6], ls[7] = ls[7], ls[6]

    rewrite(path, swap)
    found = findings(sandbox)
    assert {f["kind"] for f in found} == {"reordered"}
    assert moved <= {f["record_id"] for f in found}
    assert {f["line"] for f in found} >= {7, 8}


def test_a_corrupt_line_in_a_chain_that_runs_around_it(shim_log):
    sandbox, path = shim_log
    rewrite(path, lambda ls: ls.insert(5, b'{"schema":"pulumi-audited/1","id":"torn'))
    (finding,) = findings(sandbox)
    assert (finding["kind"], finding["line"]) == ("corrupt", 6)
    assert "torn or foreign" in finding["detail"]


def test_tampering_across_day_files(sandbox):
    write_synthetic(sandbox.log_dir, 60, days=6)
    entries = all_lines(sandbox.log_dir)
    files = day_files(sandbox.log_dir)
    # Delete the first record of the third day: the chain crosses files.
    victim_file = files[2]
    first_of_day = next(e for e in entries if e[0] == victim_file)
    rewrite(victim_file, lambda ls: ls.pop(0))
    (finding,) = findings(sandbox)
    assert finding["kind"] == "deleted"
    assert (finding["file"], finding["line"]) == (str(victim_file), 1)
    assert finding["record_id"] != record_id(first_of_day[2])


def test_several_kinds_at_once_are_all_named(sandbox):
    write_synthetic(sandbox.log_dir, 100, days=4)
    files = day_files(sandbox.log_dir)
    rewrite(files[0], lambda ls: ls.__setitem__(3, ls[3].replace(b'"user":"', b'"user":"x')))
    rewrite(files[1], lambda ls: ls.pop(4))
    rewrite(files[2], lambda ls: ls.append(b"garbage"))
    found = findings(sandbox)
    assert [(f["kind"], f["file"], f["line"]) for f in found] == [
        ("edited", str(files[0]), 4),
        ("deleted", str(files[1]), 5),
        ("corrupt", str(files[2]), len(files[2].read_bytes().split(b"\n")) - 1),
    ]


def test_unreadable_log_is_exit_2(sandbox):
    missing = verify(sandbox)
    assert missing.returncode == 2 and "no log folder" in missing.stderr.decode()
    not_a_folder = sandbox.root / "file"
    not_a_folder.write_text("")
    result = sandbox.run("audit", "verify", env={"PULUMI_AUDITED_LOG": str(not_a_folder)})
    assert result.returncode == 2


def test_a_record_moved_far_away(sandbox):
    write_synthetic(sandbox.log_dir, 40, days=3)
    files = day_files(sandbox.log_dir)
    moved_line = files[0].read_bytes().split(b"\n")[2]
    rewrite(files[0], lambda ls: ls.pop(2))
    rewrite(files[1], lambda ls: ls.insert(3, moved_line))
    found = findings(sandbox)
    assert {f["kind"] for f in found} == {"reordered"}
    assert (str(files[1]), 4, record_id(moved_line)) in {
        (f["file"], f["line"], f["record_id"]) for f in found
    }
    assert (str(files[0]), 3) in {(f["file"], f["line"]) for f in found}


def test_a_log_rewritten_wholesale_stays_in_bounded_memory(sandbox, monkeypatch):
    from pulumi_audited.store import verify as chain_walk
    from pulumi_audited.store.local_read import LocalReader

    write_synthetic(sandbox.log_dir, 30, days=0.005)
    (path,) = day_files(sandbox.log_dir)
    rewrite(path, lambda ls: ls.reverse())
    report = json.loads(verify(sandbox, "--json").stdout)
    assert not report["intact"] and report["findings"]
    assert report["undiagnosed_breaks"] == 0
    monkeypatch.setattr(chain_walk, "MAX_BREAKS", 5)
    capped = chain_walk.verify(LocalReader(str(sandbox.log_dir)))
    assert not capped.intact and capped.undiagnosed_breaks > 40


# --- a clock that steps back across midnight ---------------------------------------------
# The shim runs under libfaketime, its clock set for each run: yesterday's file gets records
# written after today's first ones, as NTP stepping the clock back or a VM resumed from a
# snapshot makes happen.

STEPS = [
    "2026-11-29 23:59:50",
    "2026-11-30 00:00:05",
    "2026-11-29 23:59:57",  # the clock steps back across midnight...
    "2026-11-29 23:59:58",
    "2026-11-30 00:00:09",  # ...and is put right
]


def run_at(sandbox, moment: str, *args: str) -> None:
    env = {**sandbox.env, "TZ": "UTC", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    result = subprocess.run(
        [which("faketime"), "-f", f"@{moment}", str(SHIM), *args],
        env=env,
        cwd=sandbox.project,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == b"", result.stderr


@pytest.fixture
def stepped_log(sandbox):
    for moment in STEPS:
        run_at(sandbox, moment, "preview", "-s", "dev")
    return sandbox, sandbox.log_dir / "2026-11-29.jsonl", sandbox.log_dir / "2026-11-30.jsonl"


def test_a_clock_stepped_back_across_midnight_is_a_note_not_tampering(stepped_log):
    sandbox, yesterday, today = stepped_log
    for path in (yesterday, today):  # each record in the day file of its own time
        times = [json.loads(line)["time"] for line in path.read_bytes().splitlines()]
        assert {stamp[:10] for stamp in times} == {path.stem}
    assert len(yesterday.read_bytes().splitlines()) == 6
    stepped_back = yesterday.read_bytes().splitlines()[2]
    report = json.loads(verify(sandbox, "--json").stdout)
    assert report["intact"] and report["records"] == 10 and report["findings"] == []
    (note,) = report["notes"]
    assert (note["kind"], note["file"], note["line"]) == ("clock-step", str(yesterday), 3)
    assert note["record_id"] == record_id(stepped_back)
    assert f"{today}:2" in note["detail"] and "clock went back" in note["detail"]
    result = verify(sandbox)
    assert result.returncode == 0
    text = result.stdout.decode()
    assert f"{yesterday}:3 (record {record_id(stepped_back)}): note: clock-step: " in text
    assert text.splitlines()[-1].startswith("intact: 10 records in 2 day files")


def forge_between(path, index: int) -> bytes:
    """A made-up record inserted between two chained lines, before line `index` + 1."""
    lines = path.read_bytes().split(b"\n")
    forged = json.loads(lines[index - 1])
    forged["id"] = forged["id"][:-4] + "beef"
    line = json.dumps(forged, separators=(",", ":")).encode()
    rewrite(path, lambda ls: ls.insert(index, line))
    return line


@pytest.mark.parametrize(
    ("tamper", "kind", "line"),
    [
        (lambda yesterday: forge_between(yesterday, 1), "inserted", 2),
        (lambda yesterday: forge_between(yesterday, 4), "inserted", 5),
        (lambda yesterday: rewrite(yesterday, lambda ls: ls.pop(3)), "deleted", 4),
        (
            lambda yesterday: rewrite(
                yesterday, lambda ls: ls.__setitem__(2, ls[2].replace(b'"dev"', b'"prod"'))
            ),
            "edited",
            3,
        ),
    ],
    ids=["inserted-before-the-step", "inserted-after-the-step", "deleted", "edited"],
)
def test_tampering_next_to_a_clock_step_is_still_caught(stepped_log, tamper, kind, line):
    sandbox, yesterday, _ = stepped_log
    tamper(yesterday)
    (finding,) = findings(sandbox)
    assert (finding["kind"], finding["file"], finding["line"]) == (kind, str(yesterday), line)


def test_the_chain_continues_where_audit_head_says_after_a_writer_died(sandbox):
    """A writer that died after saying where the chain continues (or while saying it) costs
    the chain nothing."""
    for moment in STEPS[:4]:
        run_at(sandbox, moment, "preview")
    head = sandbox.log_dir / "audit.head"
    today = sandbox.log_dir / "2026-11-30.jsonl"
    with open(head, "ab") as journal:  # died before its record went to today's file
        journal.write(f"2026-11-30.jsonl {today.stat().st_size} 2026-11-29.jsonl\n".encode())
    run_at(sandbox, "2026-11-30 00:00:09", "preview")
    with open(head, "ab") as journal:  # died in the middle of writing this line
        journal.write(b"2026-11-29.jsonl 12")
    run_at(sandbox, "2026-11-29 23:59:59", "preview")
    run_at(sandbox, "2026-11-30 00:00:12", "preview")
    report = json.loads(verify(sandbox, "--json").stdout)
    assert report["intact"] and report["records"] == 14, report
    assert len(report["notes"]) == 2


def test_a_record_moved_to_the_next_day_file_is_misplaced(sandbox):
    """Moving a day's first record to the end of the day before leaves the chain in order;
    its time still says where it belongs."""
    write_synthetic(sandbox.log_dir, 60, days=6)
    files = day_files(sandbox.log_dir)
    moved = files[3].read_bytes().split(b"\n")[0]
    rewrite(files[3], lambda ls: ls.pop(0))
    rewrite(files[2], lambda ls: ls.append(moved))
    (finding,) = findings(sandbox)
    assert (finding["kind"], finding["file"]) == ("misplaced", str(files[2]))
    assert finding["line"] == len(files[2].read_bytes().split(b"\n")) - 1
    assert finding["record_id"] == record_id(moved)
