"""Exit statuses that `pulumi-audited audit ...` and several of its commands share, in a module
of their own so that the commands need not import the group (viewer/cli.py imports them).
A status one command alone gives stays in that command's module (verify's EXIT_DAMAGED)."""

# The log cannot be read at all (verify also uses 1 for "damaged").
EXIT_UNREADABLE = 2
