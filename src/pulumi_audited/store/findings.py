"""What verify reports: places in the log, findings, and the breaks in the chain they come
from."""

from __future__ import annotations

from dataclasses import dataclass, field

from pulumi_audited.store.chain import parse_record_line


@dataclass
class Place:
    location: str
    line: int
    record_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}:{self.line}"
        return f"{where} (record {self.record_id})" if self.record_id else where


@dataclass
class Finding:
    # edited, deleted, inserted, reordered, corrupt, truncated, misplaced (in another day's
    # file, or at the wrong key); in stores of many chains also unchained (a record without
    # writer/seq); against checkpoints (store/checkpoint_verify.py) cut-off,
    # checkpoint-missing, forged, rewritten; as a note, clock-step, unsigned, uncovered
    kind: str
    place: Place
    detail: str

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "file": self.place.location,
            "line": self.place.line,
            "record_id": self.place.record_id,
            "detail": self.detail,
        }


@dataclass
class Break:
    ordinal: int  # the record's position among all records, from 0
    place: Place
    prev: str | None
    expected: str | None
    own_hash: str
    line: bytes
    before: Place | None
    before_line: bytes | None
    before_ordinal: int
    corrupt_between: list[Place] = field(default_factory=list)


@dataclass
class Report:
    records: int = 0
    partitions: int = 0
    findings: list[Finding] = field(default_factory=list)
    undiagnosed_breaks: int = 0
    # What is worth knowing but is not damage: clock steps.
    notes: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings and not self.undiagnosed_breaks


def id_of_line(line: bytes) -> str | None:
    record = parse_record_line(line)
    return str(record.get("id")) if record and record.get("id") is not None else None


def named(place: Place, line: bytes | None) -> Place:
    return Place(place.location, place.line, id_of_line(line) if line else None)
