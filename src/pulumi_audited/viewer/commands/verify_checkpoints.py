"""`audit verify`'s part for checkpoints: read them and the public keys, check them against
the chains verify walked (store/checkpoint_verify.py), and say what could not be checked."""

from __future__ import annotations

import click

from pulumi_audited.errors import StoreError
from pulumi_audited.store import layout
from pulumi_audited.store.base import Chains, ReadableStore
from pulumi_audited.store.findings import Report
from pulumi_audited.viewer.exit_codes import EXIT_UNREADABLE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.checkpoint_keys import PublicKey
    from pulumi_audited.store.checkpoint_verify import Summary


class Checkpoints:
    def __init__(self, store: ReadableStore, keys_path: str | None, witness: str | None) -> None:
        self.store = store
        self.keys: list[PublicKey] | None = None
        self.summary: Summary | None = None
        # A remote log holds its writers' checkpoints; a local log's are at its witness.
        self.witness = None if store.shared_objects else witness
        self.possible = hasattr(store, "checkpoints") or self.witness is not None
        if keys_path is not None:
            if not self.possible:
                raise click.BadParameter(
                    "this local log has no witness (the `witness` setting) to hold checkpoints",
                    param_hint="--keys",
                )
            from pulumi_audited.store.checkpoint_keys import load_public_keys

            try:
                self.keys = load_public_keys(keys_path)
            except StoreError as error:
                raise click.BadParameter(str(error), param_hint="--keys") from None

    def check(self, found: Chains, report: Report) -> None:
        from pulumi_audited.store.checkpoint_verify import check, writer_records

        try:
            if self.witness is not None:
                listed, prefix, records = self._witnessed(found)
            else:
                listed = self.store.checkpoints()  # type: ignore[attr-defined]
                prefix, records = self.store.prefix, writer_records(found)  # type: ignore[attr-defined]
        except StoreError as error:
            click.echo(f"pulumi-audited: cannot read the checkpoints: {error}", err=True)
            raise click.exceptions.Exit(EXIT_UNREADABLE) from None
        self.summary = check(listed, prefix, records, report, self.keys)

    def _witnessed(self, found: Chains):
        """The local log's checkpoints at the witness, and the records they name."""
        from pulumi_audited.store import checkpoint_witness as witness
        from pulumi_audited.viewer.context import settings

        assert self.witness is not None
        store, prefix = witness.open_witness(self.witness, timeout=settings().remote_timeout)
        writer = witness.local_writer_id(self.store.location)
        listed = witness.witnessed(store, prefix, writer)
        wanted = {seq for key, _, _ in listed if (seq := _seq(prefix, key))}
        (chain,) = found.chains
        return listed, prefix, {writer: witness.local_records(chain, wanted)}

    def as_json(self) -> dict | None:
        return self.summary.as_json() if self.summary is not None else None

    def lines(self) -> list[str]:
        summary = self.summary
        if summary is None:
            return []
        if not summary.checkpoints and self.keys is None:
            return ["no checkpoints: records cut off the end of a writer's chain cannot be seen"]
        signed = "signatures checked" if summary.signatures_checked else "signatures not checked"
        out = [f"{summary.checkpoints} checkpoint(s) of {summary.writers} writer(s), {signed}"]
        out += [f"not checked: {what}" for what in summary.unchecked]
        return out


def _seq(prefix: str, key: str) -> int | None:
    named = layout.checkpoint_of_key(prefix, key)
    return named[1] if named else None
