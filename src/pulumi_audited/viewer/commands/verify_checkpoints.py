"""`audit verify`'s part for checkpoints: read them and the public keys, check them against
the chains verify walked (store/checkpoint_verify.py), and say what could not be checked."""

from __future__ import annotations

import click

from pulumi_audited.errors import StoreError
from pulumi_audited.store.base import Chains, ReadableStore
from pulumi_audited.store.findings import Report
from pulumi_audited.viewer.exit_codes import EXIT_UNREADABLE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.checkpoint_keys import PublicKey
    from pulumi_audited.store.checkpoint_verify import Summary


class Checkpoints:
    def __init__(self, store: ReadableStore, keys_path: str | None) -> None:
        self.store = store
        self.keys: list[PublicKey] | None = None
        self.summary: Summary | None = None
        # A local log keeps no checkpoints of its own (a witness is not written yet).
        self.possible = hasattr(store, "checkpoints")
        if keys_path is not None:
            if not self.possible:
                raise click.BadParameter(
                    "this log keeps no checkpoints: they are written for remote logs",
                    param_hint="--keys",
                )
            from pulumi_audited.store.checkpoint_keys import load_public_keys

            try:
                self.keys = load_public_keys(keys_path)
            except StoreError as error:
                raise click.BadParameter(str(error), param_hint="--keys") from None

    def check(self, found: Chains, report: Report) -> None:
        from pulumi_audited.store.checkpoint_verify import check

        try:
            listed = self.store.checkpoints()  # type: ignore[attr-defined]
        except StoreError as error:
            click.echo(f"pulumi-audited: cannot read the checkpoints: {error}", err=True)
            raise click.exceptions.Exit(EXIT_UNREADABLE) from None
        prefix = self.store.prefix  # type: ignore[attr-defined]
        self.summary = check(listed, prefix, found, report, self.keys)

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
