"""The writer of a log with `forward:` sinks: the log's own writer, and each record queued
durably for every sink before `append` returns (store/forward_queue.py), then shipped by a
detached forwarder (store/forwarder.py) started where the log's writer hands off.

Sinks change nothing of the log's own durability: `on_failure` governs the log alone. A sink
whose queue cannot take a record, or that is down, costs one line after pulumi, never the
run. A record the log could not take is still queued for the sinks (the only copy that may
leave this machine), and the log's error is raised after. On the shim's hot path.
"""

import os

from pulumi_audited import fastjson
from pulumi_audited.errors import StoreError
from pulumi_audited.store.detached import lock_is_free, start_detached, still_running
from pulumi_audited.store.forward_queue import SHIP_LOCK, SinkQueue
from pulumi_audited.store.worker_folder import FAILED

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pulumi_audited.store.base import Writer


class ForwardingWriter:
    """A log's Writer (store/base.py) with sinks."""

    def __init__(
        self, inner: "Writer", sinks: list[str], *, lock_timeout: float, remote_timeout: float
    ) -> None:
        self.inner = inner
        self.queues = [SinkQueue.for_sink(url, lock_timeout=lock_timeout) for url in sinks]
        self.remote_timeout = remote_timeout
        self.queued = False
        self.problems: dict[str, str] = {}  # sink URL -> why a record could not be queued
        self.forwarder_pid: int | None = None

    def append(self, record: dict) -> None:
        failure: StoreError | None = None
        try:
            self.inner.append(record)  # stamps the chain fields the sinks get too
        except StoreError as error:
            failure = error
        line = fastjson.dumps(record).encode("ascii") + b"\n"
        for queue in self.queues:
            try:
                queue.append(line)
                self.queued = True
            except StoreError as error:
                self.problems.setdefault(queue.url, str(error))
        if failure is not None:
            raise failure

    def confirm(self) -> str | None:
        return self.inner.confirm()

    def hand_off(self, *, while_pid: int | None) -> None:
        self.inner.hand_off(while_pid=while_pid)
        self._start_forwarder(while_pid)

    def finish(self) -> str | None:
        # Read before starting a forwarder: a new one overwrites the last one's verdict.
        failed = [queue for queue in self.queues if queue.status().get("state") == FAILED]
        message = self.inner.finish()
        self._start_forwarder(None)
        notes = [message] if message else []
        for url, problem in self.problems.items():
            notes.append(f"a record could not be queued for the sink {url}: {problem}")
        for queue in failed:
            if queue.url not in self.problems:
                error = queue.status().get("error") or "it failed"
                notes.append(
                    f"audit records wait in {queue.folder} for the sink {queue.url}: {error}; "
                    "they go with the next run or 'pulumi-audited audit sync'"
                )
        return "; ".join(notes) if notes else None

    def _start_forwarder(self, while_pid: int | None) -> None:
        if not self.queued:
            return
        if self.forwarder_pid is not None and still_running(self.forwarder_pid):
            return  # it stays while this process lives, and looks once more when it ends
        idle = [q.folder for q in self.queues if lock_is_free(os.path.join(q.folder, SHIP_LOCK))]
        if idle:
            self.forwarder_pid = start_detached(
                "forwarder", idle, timeout=self.remote_timeout, while_pid=while_pid
            )
