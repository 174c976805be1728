"""`audit verify`: tampering with the log's lines is named by kind, file, line and record id."""

from __future__ import annotations

import json

import pytest
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
