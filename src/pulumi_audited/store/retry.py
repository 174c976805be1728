"""When to try a remote request again: capped exponential backoff with full jitter, within one
deadline.

A store that answers 500, 503, SlowDown or ServerBusy now and then is healthy; one such answer
among the thousands of reads of a long `audit log` must not fail it. Each call (a read, a
write, one page of a listing) gets `remote_timeout` seconds in all, retries included, and a
pause that would end past that deadline is not taken: the call fails with the last answer.

The pauses are the AWS SDKs' "full jitter" (a random pause between 0 and base * 2^n, capped),
so that many threads or machines throttled at once do not come back in step.
"""

from __future__ import annotations

import random
import time

BASE_SECONDS = 0.1
CAP_SECONDS = 2.0
MAX_ATTEMPTS = 5

# Answers that mean "not now", from S3 and Azure alike.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


class Attempts:
    """The attempts of one call: `pause()` before each retry says whether there is one."""

    __slots__ = ("count", "deadline")

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.count = 1  # the attempt under way

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def pause(self) -> bool:
        """Sleep before the next attempt and count it; False (without sleeping) when the
        attempts are used up or the pause would end past the deadline."""
        if self.count >= MAX_ATTEMPTS:
            return False
        delay = random.uniform(0, min(CAP_SECONDS, BASE_SECONDS * 2 ** (self.count - 1)))
        # The next attempt needs time of its own to be worth making.
        if time.monotonic() + delay + 0.05 >= self.deadline:
            return False
        time.sleep(delay)
        self.count += 1
        return True

    def note(self) -> str:
        """What to add to the final error: how hard it was tried."""
        return f" (after {self.count} attempts)" if self.count > 1 else ""
