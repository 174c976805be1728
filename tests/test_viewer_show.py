"""`audit show` through the installed console script: forged records, nested values, the
layout of arguments and yes/no, and runs named by either end of their id."""

from __future__ import annotations

import json
import re

from pulumi_audited.store.local import LocalLog

# An escape sequence, a bell, a C1 control, bidirectional overrides and a zero-width space.
HOSTILE = "\x1b[31mred\x07bell\x9b2J\u202eevil\u202c\u200b"
ESCAPED = "\\x1b[31mred\\x07bell\\x9b2J\\u202eevil\\u202c\\u200b"
# What a run needs to be found and paired; every other field is forged.
STRUCTURAL = ("schema", "phase", "run_id", "time")


def _forge(value: object) -> object:
    if isinstance(value, dict):
        return {HOSTILE + str(key): _forge(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_forge(item) for item in value] or [HOSTILE]
    return HOSTILE


def _forged_run(sandbox) -> str:
    sandbox.run("preview", "-s", "dev", "--message", "x")
    start, end = sandbox.records()[-2:]
    for path in sandbox.log_dir.glob("*.jsonl"):
        path.unlink()
    forged = []
    for record in (start, end):
        record.pop("prev")
        copy = {key: value if key in STRUCTURAL else _forge(value) for key, value in record.items()}
        for nested in ("identity", "git"):
            copy[nested] = {**_forge(record[nested] or {"k": "v"}), HOSTILE: {HOSTILE: HOSTILE}}
        forged.append(copy)
    # The writer files a record under the day of its time; the time is forged afterwards.
    LocalLog(str(sandbox.log_dir)).append_many(forged)
    (path,) = sandbox.log_dir.glob("*.jsonl")
    hostile_time = json.dumps(HOSTILE).encode()
    path.write_bytes(
        re.sub(rb'"time":"[^"]*"', lambda _: b'"time":' + hostile_time, path.read_bytes())
    )
    return start["run_id"]


def _no_raw_controls(text: str) -> None:
    for char in text:
        if char != "\n":
            assert char.isprintable() and char not in "\u202e\u202c\u200b", repr(char)


def test_a_forged_record_is_escaped_in_every_field(sandbox):
    run_id = _forged_run(sandbox)
    result = sandbox.run("audit", "show", run_id)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    _no_raw_controls(text)
    outcome = next(line for line in text.splitlines() if line.startswith("outcome"))
    assert outcome.startswith(f"outcome    {ESCAPED}   exit code {ESCAPED}"), outcome
    # Every forged value shows, escaped: nested keys and values, arguments, times.
    assert text.count(ESCAPED) >= 40
    assert "\\x1b" in text.split("\nwho\n")[1].split("\nwhere\n")[0]


def test_identity_is_a_key_per_line_not_a_json_blob(sandbox):
    sandbox.run("preview", "-s", "dev")
    run_id = sandbox.records()[-1]["run_id"]
    text = sandbox.run("audit", "show", run_id).stdout.decode()
    assert '{"' not in text and "{'" not in text
    who = text.split("\nwho\n")[1].split("\nwhere\n")[0].splitlines()
    assert "  identity" in who
    os_user = next(line for line in who if line.startswith("    os_user "))
    assert os_user.split()[1] == sandbox.records()[-1]["identity"]["os_user"]
    where = text.split("\nwhere\n")[1].split("\nwhat\n")[0].splitlines()
    assert "  git" in where or any(line.startswith("  git ") for line in where)


def _value_column(line: str) -> int:
    """Where the value starts: after the label and the spaces that pad it."""
    match = re.match(r"^( +\S+ +)\S", line)
    assert match, line
    return len(match.group(1))


def test_arguments_line_up_with_the_other_fields_and_booleans_read_yes_or_no(sandbox):
    args = ["preview", "-s", "dev", *(f"--message=m{n}" for n in range(10))]
    sandbox.run(*args)
    run_id = sandbox.records()[-1]["run_id"]
    text = sandbox.run("audit", "show", run_id).stdout.decode()
    what = text.split("\nwhat\n")[1].split("\nrecords\n")[0].splitlines()
    columns = {_value_column(line) for line in what}
    assert len(columns) == 1, what
    assert [line.split()[0] for line in what if "argv[" in line] == [
        f"argv[{n}]" for n in range(len(args))
    ]
    assert "  reveals_secrets  no" in what
    assert "False" not in text and "True" not in text
    who = text.split("\nwho\n")[1].split("\nwhere\n")[0].splitlines()
    terminal = next(line for line in who if line.strip().startswith("terminal "))
    assert terminal.split()[1] in ("yes", "no")


def test_show_takes_the_end_of_an_id_and_says_which_runs_an_ambiguous_one_names(sandbox):
    for _ in range(2):
        sandbox.run("preview", "-s", "dev")
    ids = [record["run_id"] for record in sandbox.records()[::2]]
    for run_id in ids:
        shown = sandbox.run("audit", "show", run_id[-7:].upper(), "--json")
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["run_id"] == run_id
    # The same minute: both ids start alike.
    ambiguous = sandbox.run("audit", "show", ids[0][:8])
    message = ambiguous.stderr.decode()
    assert ambiguous.returncode == 1 and "is ambiguous: 2 runs match" in message
    assert all(run_id in message for run_id in ids) and "preview" in message
    assert len(message.splitlines()) == 1
