"""Errors of the stores: a message for the user, never a record's content."""


class StoreError(Exception):
    """A record could not be written or read."""
