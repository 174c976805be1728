"""How a run ended, the one place these words are spelled: the outcomes an end record holds
and the two states the viewer shows for a run without an end. Imports nothing: record.py
uses it on the shim's hot path."""

SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELED = "canceled"
CHANGES_DETECTED = "changes-detected"
SIGNALED = "signaled"
# Every outcome an end record can hold, in the order the viewer offers them.
OUTCOMES = (SUCCEEDED, FAILED, CANCELED, CHANGES_DETECTED, SIGNALED)
FAILURES = (FAILED, SIGNALED)

# A start without an end: its shim is still alive on this machine, or it is not known to be.
RUNNING = "running"
UNFINISHED = "unfinished"
RUN_STATES = (RUNNING, UNFINISHED)
