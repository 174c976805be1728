"""The settings, their defaults, and what each accepts, whoever names it (file or variable).

Who may set what (the site file pins, team files are restricted) is config.py's business;
this module only says whether a value can be used at all.
"""

import os

from pulumi_audited.errors import ShimError


class ConfigError(ShimError):
    """A configuration that cannot be used."""


ON_FAILURE_CHOICES = ("warn", "block")

# The one list of commands that go straight to pulumi without a record unless the `skip`
# setting says otherwise: they run on every TAB press (`__complete`) or only print help,
# versions, completion scripts or pulumi's own docs (`gen-markdown`, `generate-cli-spec`).
# "help" also stands for -h/--help on any command, and "version" for --version.
DEFAULT_SKIP = (
    "version",
    "help",
    "gen-completion",
    "gen-markdown",
    "generate-cli-spec",
    "__complete",
    "__completeNoDesc",
)

DEFAULT_SECONDS: dict[str, float] = {"lock_timeout": 10.0, "remote_timeout": 10.0, "ship_wait": 2.0}
DEFAULTS: dict[str, object] = {
    "log": None,
    "on_failure": "warn",
    "pulumi": None,
    "skip": list(DEFAULT_SKIP),
    **DEFAULT_SECONDS,
    # Only `audit report` reads it (runs outside working hours); working_hours.py's form.
    "working_hours": "Mon-Fri 08:00-18:00 UTC",
    "plan_window": 86400.0,
    "forward": [],
    # Checkpoints (store/checkpoint.py): written when on, signed when a key is set.
    "checkpoints": False,
    "signing_key": None,
    # Where a local log's checkpoints go (a folder or a remote location).
    "witness": None,
    # `audit sync` also compacts the remote log (store/compact.py).
    "compact": False,
}

# Seconds settings: (least, most). The shim defers SIGTERM while it waits for a lock or a
# store, so an unbounded wait is a shim that only SIGKILL ends; five minutes is longer than
# any lock or store that is going to answer.
MAX_SECONDS = 300.0
SECONDS = {
    "lock_timeout": (0.0, MAX_SECONDS),  # more than the least
    "remote_timeout": (0.0, MAX_SECONDS),  # more than the least
    "ship_wait": (0.0, MAX_SECONDS),  # the least included: 0 never waits
}


def validate(key: str, value: object, base_dir: str) -> object:
    """`value` as the setting holds it (paths made absolute against `base_dir`); ValueError
    with a message naming the setting otherwise."""
    if key == "signing_key":
        if value is None:
            return None
        if not isinstance(value, str) or not value or "://" in value:
            raise ValueError("signing_key must be the path of an Ed25519 private key (PEM)")
        return _resolve_path(value, base_dir)
    if key == "witness":
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ValueError("witness must be a folder or a remote location")
        return _check_log(value, base_dir)
    if key == "checkpoints":
        if not isinstance(value, bool):
            raise ValueError(f"checkpoints must be true or false, not {_short(value)}")
        return value
    if key in ("log", "pulumi"):
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ValueError(
                f"{key} must be a path or URL" if key == "log" else "pulumi must be a path"
            )
        if key == "log":
            return _check_log(value, base_dir)
        if "://" in value and not value.startswith("file://"):
            raise ValueError("pulumi must be a path to the real pulumi binary, not a URL")
        return _resolve_path(value, base_dir)
    if key == "on_failure":
        if value not in ON_FAILURE_CHOICES:
            raise ValueError(f"on_failure must be warn or block, not {_short(value)}")
        return value
    if key == "skip":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError("skip must be a list of command paths such as 'version' or 'stack ls'")
        return value
    if key in SECONDS:
        return _check_seconds(key, value)
    if key == "working_hours":
        if not isinstance(value, str):
            raise ValueError(f"working_hours must be text, not {_short(value)}")
        from pulumi_audited import working_hours

        return working_hours.parse(value).text
    if key == "plan_window":
        return _check_window(value)
    if key == "forward":
        return _check_forward(value)
    if key == "compact":
        if not isinstance(value, bool):
            raise ValueError(f"compact must be true or false, not {_short(value)}")
        return value
    raise ValueError(f"unknown setting {key!r}")


def from_environment(key: str, raw: str) -> object:
    """A variable's text as the setting's value, validated; ValueError otherwise."""
    value: object = raw
    if key in ("skip", "forward"):
        value = [item.strip() for item in raw.split(",") if item.strip()]
    elif key in ("checkpoints", "compact"):
        value = _BOOLEANS.get(raw.strip().lower(), raw)
    elif key in SECONDS:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{key} must be a number of seconds") from None
    return validate(key, value, os.getcwd())


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _check_seconds(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} must be a number of seconds")
    least, most = SECONDS[key]
    # Written so that NaN fails too: every comparison with it is false.
    inside = (least <= value if key == "ship_wait" else least < value) and value <= most
    if not inside:
        allowed = (
            f"from 0 (never wait) to {most:g} seconds"
            if key == "ship_wait"
            else f"more than 0 and at most {most:g} seconds"
        )
        raise ValueError(f"{key} must be {allowed}, not {_short(value)}")
    return float(value)


_WINDOW_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_WINDOW_MAX_DAYS = 366


def _check_window(value: object) -> float:
    """The viewer's plan window: seconds, or text such as `90m`, `24h`, `2d`."""
    seconds: object = value
    if isinstance(value, str):
        text = value.strip().lower()
        unit = _WINDOW_UNITS.get(text[-1:]) if text else None
        try:
            seconds = float(text[:-1]) * unit if unit else float(text)
        except ValueError:
            seconds = None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValueError("plan_window must be seconds or a duration such as 90m, 24h, 2d")
    if not 0 < seconds <= _WINDOW_MAX_DAYS * 86400:  # NaN fails too
        raise ValueError(
            f"plan_window must be more than 0 and at most {_WINDOW_MAX_DAYS} days, "
            f"not {_short(value)}"
        )
    return float(seconds)


def _check_forward(value: object) -> list[str]:
    """A list of sink URLs (store/sinks/url.py says what each may be), each named once."""
    if not isinstance(value, list):
        raise ValueError("forward must be a list of sink URLs")
    from pulumi_audited.store.sinks.url import parse_sink

    for url in value:
        parse_sink(url)
    if len(set(value)) != len(value):
        raise ValueError("forward: a sink is listed twice")
    return value


def _check_log(value: str, base_dir: str) -> str:
    """A remote location is checked whole (LocationError, a ValueError, names it); a path or
    file:// URL is made absolute; any other scheme is refused."""
    if "://" not in value:  # a plain path, the common case: no need for the location rules
        return _resolve_path(value, base_dir)
    from pulumi_audited.store import location
    from pulumi_audited.store.schemes import is_remote

    if is_remote(value):
        location.parse_remote(value)
        return value
    location.check_local_scheme(value)
    return _resolve_path(value, base_dir)


def _resolve_path(value: str, base_dir: str) -> str:
    """Paths are expanded and made absolute against the file that names them."""
    if value.startswith("file://"):
        value = value[len("file://") :]
    value = os.path.expanduser(value)
    return os.path.normpath(os.path.join(base_dir, value))


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
