"""A writer's checkpoint: what its chain held at one moment, chained to the checkpoint before,
signed with the writer's Ed25519 key when it has one.

A hash chain shows what was changed inside it, never what was cut off its end: a checkpoint
says how far the chain reached (last seq, the hash of that record, the record count), so that
verify can tell a cut-off tail or a deleted newest day from a log that simply ends. Each one
holds the hash of the one before, so a deleted checkpoint breaks that chain too; the
signature is what keeps someone who can delete and write from recomputing all of it.

One JSON object on one line, its keys in this order; the signature covers the line as written
without its `signature` member, and a checkpoint's hash (`prev_checkpoint` of the next) is the
SHA-256 of the whole line:

    {"schema":"pulumi-audited-checkpoint/1","writer":W,"seq":S,"last_hash":H,"records":N,
     "time":T,"prev_checkpoint":P|null,"key":K|null,"signature":B64|null}

Stored at layout.checkpoint_key (create-only, like records). Off the shim's hot path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pulumi_audited.store.chain import line_hash

SCHEMA = "pulumi-audited-checkpoint/1"
FIELDS = ("schema", "writer", "seq", "last_hash", "records", "time", "prev_checkpoint", "key")


@dataclass(frozen=True)
class Checkpoint:
    writer: str
    seq: int
    last_hash: str
    records: int
    time: str
    prev_checkpoint: str | None
    key: str | None = None  # the signing key's id (checkpoint_keys.key_id), None unsigned
    signature: str | None = None  # base64 of the Ed25519 signature of signed_bytes()

    def signed_bytes(self) -> bytes:
        """The line without its signature: what the signature covers."""
        values = [SCHEMA, self.writer, self.seq, self.last_hash, self.records, self.time]
        values += [self.prev_checkpoint, self.key]
        body = json.dumps(dict(zip(FIELDS, values, strict=True)), separators=(",", ":"))
        return body.encode("ascii")

    def line(self) -> bytes:
        """The stored line, without its newline."""
        signature = json.dumps(self.signature)
        return self.signed_bytes()[:-1] + b',"signature":' + signature.encode("ascii") + b"}"

    def digest(self) -> str:
        return line_hash(self.line())


def parse(data: bytes) -> Checkpoint | None:
    """The checkpoint stored as `data`, or None when it is not one. A checkpoint whose line is
    not exactly what its fields give back is refused: its hash and signature would not be
    the ones checked."""
    line = data[:-1] if data.endswith(b"\n") else data
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or value.get("schema") != SCHEMA:
        return None
    try:
        checkpoint = Checkpoint(
            writer=_text(value["writer"]),
            seq=_count(value["seq"]),
            last_hash=_text(value["last_hash"]),
            records=_count(value["records"]),
            time=_text(value["time"]),
            prev_checkpoint=_optional(value["prev_checkpoint"]),
            key=_optional(value["key"]),
            signature=_optional(value["signature"]),
        )
    except (KeyError, TypeError):
        return None
    return checkpoint if checkpoint.line() == line else None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _optional(value: object) -> str | None:
    return None if value is None else _text(value)


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError
    return value
