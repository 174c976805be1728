"""Where the command comes from: the machine's name and the address a user reaches it from."""

# The C module: `socket` imports enum and costs several milliseconds.
import _socket
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

# Documentation-only addresses (RFC 5737, RFC 3849): routable in the table, never answered.
# Connecting a UDP socket to one chooses a route and a source address but sends nothing.
_PROBE_TARGETS = (
    (_socket.AF_INET, ("192.0.2.1", 9)),
    (_socket.AF_INET6, ("2001:db8::1", 9)),
)


def host_name() -> str:
    return os.uname().nodename


def source_ip(environ: "Mapping[str, str]") -> str | None:
    """The SSH client's address in an SSH session, else this machine's primary address."""
    return ssh_client_address(environ) or primary_outbound_address()


def ssh_client_address(environ: "Mapping[str, str]") -> str | None:
    """First field of SSH_CONNECTION (`client port server port`), else of SSH_CLIENT."""
    for variable in ("SSH_CONNECTION", "SSH_CLIENT"):
        fields = environ.get(variable, "").split()
        if fields and is_ip_address(fields[0]):
            return fields[0]
    return None


def is_ip_address(text: str) -> bool:
    address = text.partition("%")[0]  # an IPv6 zone (fe80::1%eth0) is not part of the address
    for family in (_socket.AF_INET, _socket.AF_INET6):
        try:
            _socket.inet_pton(family, address)
        except (OSError, ValueError):
            continue
        return True
    return False


def primary_outbound_address() -> str | None:
    """The source address the kernel would use for the default route; None without a route."""
    for family, target in _PROBE_TARGETS:
        address = _local_address_towards(family, target)
        if address is not None:
            return address
    return None


def _local_address_towards(family: int, target: tuple[str, int]) -> str | None:
    try:
        probe = _socket.socket(family, _socket.SOCK_DGRAM)
    except OSError:
        return None
    try:
        probe.connect(target)
        return probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
