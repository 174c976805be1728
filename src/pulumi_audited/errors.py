"""The errors a user is shown: the shim's own exit codes and the error that carries them,
and the store's error."""

# Every other exit status is pulumi's own; these three are the shim's (like env(1) and sudo).
EXIT_SHIM_ERROR = 125
EXIT_NOT_EXECUTABLE = 126
EXIT_NOT_FOUND = 127

MESSAGE_PREFIX = "pulumi-audited: "


class ShimError(Exception):
    """A problem of the shim itself: reported as one line on stderr, exits with `exit_code`."""

    def __init__(self, message: str, exit_code: int = EXIT_SHIM_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class StoreError(Exception):
    """A record could not be written or read: a message for the user, never a record's
    content. Raised by every store (pulumi_audited.store)."""


def warn(message: str) -> None:
    """One line on stderr, prefixed, with no control characters that could drive a terminal."""
    import sys

    # Started with stderr closed (`2>&-`), Python sets sys.stderr to None. The message is
    # dropped then: never written to fd 2, which the log's own files may have taken.
    stream = sys.stderr
    if stream is None:
        return
    text = "".join(ch if ch.isprintable() else "?" for ch in message.replace("\n", " "))
    try:
        stream.write(MESSAGE_PREFIX + text + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass  # stderr gone away (a closed pipe): pulumi must still run, and its status stand
