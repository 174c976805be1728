"""Shipping sink queues (store/forward_queue.py) to their sinks: the detached forwarder the
shim starts, and `audit sync`.

Each queue is shipped from its cursor, a batch at a time; the cursor moves, durably, only
after the sink acknowledged the batch, so a record is sent again only when its batch was
never acknowledged, and then with the same `id` for the receiver to drop the copy. A sink
that fails is left until the next run or `audit sync`; the others go on, each in its thread.
"""

from __future__ import annotations

import argparse
import os
import threading
from dataclasses import dataclass

from pulumi_audited import fastjson
from pulumi_audited.errors import StoreError
from pulumi_audited.store.forward_queue import SHIP_LOCK, SinkQueue
from pulumi_audited.store.shipper import try_lock
from pulumi_audited.store.sinks.url import Sink, parse_sink
from pulumi_audited.store.worker_folder import FAILED, SHIPPING, until_idle


@dataclass
class ForwardResult:
    sent: int = 0  # records the sink acknowledged
    skipped: int = 0  # lines that were not records (torn by a crash): never sent
    remaining: int = 0
    error: str | None = None


class _Sender:
    """A sink's transport behind one call: `send(lines)` with each record's line."""

    def __init__(self, sink: Sink, timeout: float) -> None:
        from pulumi_audited.store.sinks import messages

        self.sink = sink
        self.messages = messages
        if sink.transport == "https":
            from pulumi_audited.store.sinks.https import HTTPSSender

            self.https: HTTPSSender | None = HTTPSSender(sink, timeout)
        else:
            from pulumi_audited.store.sinks.syslog import SyslogSender

            self.https = None
            self.syslog = SyslogSender(sink, timeout)

    def send(self, pairs: list[tuple[dict, bytes]]) -> None:
        sink = self.sink
        if self.https is not None:
            hec = sink.token_env is not None
            items = [self.messages.https_item(r, line, sink.format, hec) for r, line in pairs]
            if sink.batch == 1 and not hec:
                for item in items:
                    self.https.send(item)
            else:
                self.https.send(self.messages.https_body(items, sink.batch, hec))
            return
        from pulumi_audited.store.sinks.syslog import frame_message

        self.syslog.send([frame_message(r, line, sink.format) for r, line in pairs])

    def close(self) -> None:
        if self.https is not None:
            self.https.close()


def forward_pending(
    queue: SinkQueue, *, timeout: float, sender: _Sender | None = None
) -> ForwardResult:
    """Ship everything `queue` holds to its sink, oldest first; stop at the first failure."""
    result = ForwardResult()
    own = sender is None
    try:
        sink = parse_sink(queue.url)
        if sender is None:
            sender = _Sender(sink, timeout)
        limit = sink.batch if sink.transport == "https" else 100
        while True:
            generation, offset, lines = queue.unsent(limit)
            if not lines:
                break
            pairs = []
            for line in lines:
                record = _record(line)
                if record is None:
                    result.skipped += 1
                else:
                    pairs.append((record, line[:-1]))
            if pairs:
                sender.send(pairs)
            queue.acknowledge(generation, offset + sum(len(line) for line in lines))
            result.sent += len(pairs)
    except (StoreError, ValueError) as error:
        result.error = str(error)
    except OSError as error:
        result.error = f"{queue.folder}: {error.strerror or error}"
    finally:
        if own and sender is not None:
            sender.close()
    try:
        result.remaining = queue.waiting()
    except StoreError as error:
        result.error = result.error or str(error)
    return result


def _record(line: bytes) -> dict | None:
    try:
        value = fastjson.loads(line)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


# The detached forwarder


def run_forwarder(queue: SinkQueue, *, timeout: float, while_pid: int | None) -> int:
    """Ship `queue` until it is empty and `while_pid` has ended; 0 when everything went."""
    lock_path = os.path.join(queue.folder, SHIP_LOCK)
    sender: _Sender | None = None
    try:
        while True:
            fd = try_lock(lock_path)
            if fd is None:
                return 0  # another forwarder has it, and looks again after it lets go
            try:
                if sender is None:
                    sender = _Sender(parse_sink(queue.url), timeout)
                if not _ship_until_idle(queue, sender, timeout, while_pid):
                    return 1
            except (StoreError, ValueError) as error:
                queue.write_status(FAILED, str(error))
                return 1
            finally:
                os.close(fd)
            if not queue.waiting():
                return 0
    finally:
        if sender is not None:
            sender.close()


def _ship_until_idle(
    queue: SinkQueue, sender: _Sender, timeout: float, while_pid: int | None
) -> bool:
    def deliver() -> bool | None:
        if not queue.waiting():
            return None
        queue.write_status(SHIPPING)
        result = forward_pending(queue, timeout=timeout, sender=sender)
        if result.error is not None:
            queue.write_status(FAILED, result.error, remaining=result.remaining)
            return False
        return True

    return until_idle(deliver, queue.write_status, while_pid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulumi-audited-forwarder")
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--while", dest="while_pid", type=int, default=None)
    options = parser.parse_args(argv)
    codes: list[int] = []

    def one(folder: str) -> None:
        try:
            queue = SinkQueue.open_folder(folder)
        except StoreError:
            codes.append(2)
            return
        try:
            codes.append(run_forwarder(queue, timeout=options.timeout, while_pid=options.while_pid))
        except Exception as error:  # detached: the status file is the only way to tell
            queue.write_status(FAILED, f"the forwarder failed: {type(error).__name__}")
            codes.append(1)

    threads = [threading.Thread(target=one, args=(folder,)) for folder in options.folders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return max(codes, default=0)
