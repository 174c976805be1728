"""pulumi-audited: an audit trail for the pulumi CLI on self-managed backends.

Nothing is imported here: the shim's start-up time is part of every pulumi command.
"""
