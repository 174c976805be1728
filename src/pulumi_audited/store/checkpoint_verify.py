"""Checking a store's checkpoints against its records: what the hash chain alone cannot see.

For each writer, its checkpoints (store/checkpoint.py) in seq order must form a chain of
their own (each holding the hash of the one before: a deleted checkpoint breaks it); with
public keys each must carry a valid signature of a key allowed to sign for that writer; and
every record a checkpoint covers must be there, the one at its seq with the hash it names.
That is what catches a cut-off tail or a deleted newest day (records missing past the last
one present), and a chain rewritten after a checkpoint (a different record at its seq).

New findings: `cut-off`, `checkpoint-missing`, `forged`, `rewritten`; notes: `unsigned`,
`uncovered` (docs/record-format.md lists them all).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pulumi_audited.store import layout
from pulumi_audited.store.base import Chains, Partition
from pulumi_audited.store.chain import line_hash, parse_record_line
from pulumi_audited.store.checkpoint import Checkpoint, parse
from pulumi_audited.store.findings import Finding, Place, Report, id_of_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.checkpoint_keys import PublicKey


@dataclass
class Summary:
    """What the checkpoints showed, and what could not be checked, for the report."""

    checkpoints: int = 0
    writers: int = 0
    signatures_checked: bool = False
    unchecked: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "checkpoints": self.checkpoints,
            "writers": self.writers,
            "signatures_checked": self.signatures_checked,
            "not_checked": self.unchecked,
        }


def writer_records(found: Chains) -> dict[str, dict[int, Partition]]:
    """writer id -> {seq: its record's partition}, from the chains verify walked."""
    records: dict[str, dict[int, Partition]] = {}
    for chain in found.chains:
        if not chain.by_seq or not chain.parts:
            continue
        first = parse_record_line(chain.parts[0].read_bytes().rstrip(b"\n")) or {}
        writer = first.get("writer")
        if isinstance(writer, str):
            records[writer] = {p.seq: p for p in chain.parts if p.seq is not None}
    return records


def check(
    listed: list[tuple[str, str, bytes]],
    prefix: str,
    records: dict[str, dict[int, Partition]],
    report: Report,
    keys: list[PublicKey] | None,
) -> Summary:
    """Check the checkpoint objects `listed` ((key, URL, bytes) each) against `records`
    (writer -> {seq: the record's partition}: writer_records, or a local log's
    store/checkpoint_witness.py local_records), adding findings and notes to `report`."""
    summary = Summary(signatures_checked=keys is not None)
    by_writer: dict[str, list[tuple[Checkpoint, str]]] = defaultdict(list)
    for key, url, data in listed:
        named = layout.checkpoint_of_key(prefix, key)
        checkpoint = parse(data)
        if named is None or checkpoint is None:
            report.findings.append(Finding("corrupt", Place(url, 1), "not a checkpoint"))
            continue
        if (checkpoint.writer, checkpoint.seq) != named:
            report.findings.append(
                Finding("misplaced", Place(url, 1), "a checkpoint at another writer's or seq's key")
            )
            continue
        by_writer[checkpoint.writer].append((checkpoint, url))
    summary.checkpoints = sum(len(items) for items in by_writer.values())
    summary.writers = len(by_writer)
    for writer in sorted(by_writer):
        items = sorted(by_writer[writer], key=lambda item: item[0].seq)
        _check_writer(writer, items, records.get(writer, {}), report, keys)
    _uncheckpointed(records, by_writer, report, keys, summary)
    if keys is None:
        summary.unchecked.append(
            "signatures (no --keys): someone who can delete and write objects could recompute "
            "the records' chain and the checkpoints after cutting records off"
        )
    return summary


def _check_writer(
    writer: str,
    items: list[tuple[Checkpoint, str]],
    present: dict[int, Partition],
    report: Report,
    keys: list[PublicKey] | None,
) -> None:
    findings = report.findings
    previous: str | None = None
    trusted: tuple[Checkpoint, str] | None = None  # the newest one not shown to be forged
    allowed = [key for key in keys if key.allows(writer)] if keys is not None else []
    unsigned = 0
    for checkpoint, url in items:
        here = Place(url, 1)
        if checkpoint.prev_checkpoint != previous:
            what = "the one before it" if previous is not None else "earlier ones"
            findings.append(
                Finding(
                    "checkpoint-missing",
                    here,
                    f"writer {writer}'s checkpoint chain breaks here: {what} "
                    "(which it names by hash) is not in the store: deleted or replaced",
                )
            )
        previous = checkpoint.digest()
        forged = _signature_problem(checkpoint, writer, allowed, keys)
        if forged is not None:
            findings.append(Finding("forged", here, forged))
        else:
            trusted = (checkpoint, url)
        if checkpoint.signature is None:
            unsigned += 1
        record = present.get(checkpoint.seq)
        if record is not None:
            line = record.read_bytes().rstrip(b"\n")
            if line_hash(line) != checkpoint.last_hash:
                findings.append(
                    Finding(
                        "rewritten",
                        Place(*record.place_of(0), id_of_line(line)),
                        f"writer {writer}'s checkpoint {url} names another record at seq "
                        f"{checkpoint.seq}: the chain was rewritten after it",
                    )
                )
    if unsigned and not allowed:
        report.notes.append(
            Finding(
                "unsigned",
                Place(items[-1][1], 1),
                f"writer {writer} signs no checkpoints ({unsigned} unsigned)"
                + ("; no key in --keys is for it" if keys is not None else ""),
            )
        )
    if trusted is not None:
        _check_presence(writer, trusted, present, report)


def _signature_problem(
    checkpoint: Checkpoint,
    writer: str,
    allowed: list[PublicKey],
    keys: list[PublicKey] | None,
) -> str | None:
    """Why the checkpoint's signature cannot be trusted; None when it verifies, or when it
    cannot be checked (no keys, or no key is for this writer: said as a note)."""
    if keys is None or not allowed:
        return None
    if checkpoint.signature is None or checkpoint.key is None:
        return f"unsigned, but --keys holds the key of writer {writer}"
    matching = [key for key in allowed if key.key_id == checkpoint.key]
    if not matching:
        return f"signed with key {checkpoint.key}, which --keys does not allow for writer {writer}"
    data = checkpoint.signed_bytes()
    if not any(key.verifies(checkpoint.signature, data) for key in matching):
        return "its signature does not verify: it was changed, or made without the key"
    return None


def _check_presence(
    writer: str,
    newest: tuple[Checkpoint, str],
    present: dict[int, Partition],
    report: Report,
) -> None:
    """Records the newest trusted checkpoint covers that are gone off the chain's end; and
    records past it, which nothing covers yet."""
    checkpoint, url = newest
    last = max(present, default=0)
    if last < checkpoint.seq:
        first = last + 1
        missing = f"seq {first}" if first == checkpoint.seq else f"seq {first} to {checkpoint.seq}"
        newest_there = f"the newest there is seq {last}" if last else "none of them is there"
        report.findings.append(
            Finding(
                "cut-off",
                Place(url, 1),
                f"writer {writer}'s records {missing} are missing: its checkpoint of "
                f"{checkpoint.time} covers {checkpoint.records} record(s); {newest_there}",
            )
        )
    elif last > checkpoint.seq:
        report.notes.append(
            Finding(
                "uncovered",
                Place(*present[last].place_of(0)),
                f"writer {writer}'s records after seq {checkpoint.seq} come after its newest "
                "checkpoint: records cut off there would not show",
            )
        )


def _uncheckpointed(
    records: dict[str, dict[int, Partition]],
    by_writer: dict[str, list],
    report: Report,
    keys: list[PublicKey] | None,
    summary: Summary,
) -> None:
    """Writers without a single checkpoint: damage when --keys names the writer exactly (its
    checkpoints were all deleted), otherwise what could not be checked."""
    exact = {key.writers for key in keys or [] if not any(c in key.writers for c in "*?[")}
    for writer in sorted(exact - set(by_writer)):
        place = records.get(writer)
        where = next(iter(place.values())).place_of(0) if place else (writer, 1)
        report.findings.append(
            Finding(
                "checkpoint-missing",
                Place(*where),
                f"writer {writer} has a key in --keys but no checkpoint in the store",
            )
        )
    bare = sorted(set(records) - set(by_writer) - exact)
    if bare:
        summary.unchecked.append(
            f"the end of {len(bare)} writer(s)' chains with no checkpoint: "
            + ", ".join(bare[:5])
            + (", ..." if len(bare) > 5 else "")
        )
