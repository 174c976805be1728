"""Configuration: defaults, the site, user and team files, then environment variables, under a
trust model that docs/configuration.md explains.

Lowest precedence first:
1. the site file, `<site config dir>/config.yaml` (/etc/xdg/pulumi-audited/config.yaml), the
   machine administrator's; its `pinned:` list names settings that nothing below may change;
2. the user's file, `<user config dir>/config.yaml`, or the one file PULUMI_AUDITED_CONFIG
   names (which replaces both the user's and the team's file);
3. the team's file, `.pulumi-audited.yaml`, found upward from the project. Anyone who can push
   to the repository writes it, and running `pulumi whoami` in a checkout must not hand them
   the user's machine or their audit trail: it may only make auditing stricter (see
   _team_value). What it may not do is ignored with a one-line warning naming the file, line
   and setting; refusing to run would let one commit stop every teammate's pulumi;
4. environment variables.

A file or variable that cannot be used at all is refused (ConfigError, exit 125) with its path
and line: an audit tool must not quietly run with settings nobody chose.
"""

import os

from pulumi_audited import paths
from pulumi_audited.config_values import DEFAULT_SKIP, DEFAULTS, ConfigError, from_environment

__all__ = ["DEFAULTS", "DEFAULT_SKIP", "ENVIRONMENT", "ConfigError", "Settings", "load_settings"]

TEAM_FILE_NAME = ".pulumi-audited.yaml"
USER_FILE_NAME = "config.yaml"
SITE_FILE_NAME = "config.yaml"

ENVIRONMENT = {
    "log": "PULUMI_AUDITED_LOG",
    "on_failure": "PULUMI_AUDITED_ON_FAILURE",
    "pulumi": "PULUMI_AUDITED_PULUMI",
    "skip": "PULUMI_AUDITED_SKIP",
    "lock_timeout": "PULUMI_AUDITED_LOCK_TIMEOUT",
    "remote_timeout": "PULUMI_AUDITED_REMOTE_TIMEOUT",
    "ship_wait": "PULUMI_AUDITED_SHIP_WAIT",
    "working_hours": "PULUMI_AUDITED_WORKING_HOURS",
    "plan_window": "PULUMI_AUDITED_PLAN_WINDOW",
    "forward": "PULUMI_AUDITED_FORWARD",
    "checkpoints": "PULUMI_AUDITED_CHECKPOINTS",
    "signing_key": "PULUMI_AUDITED_SIGNING_KEY",
    "witness": "PULUMI_AUDITED_WITNESS",
    "compact": "PULUMI_AUDITED_COMPACT",
}

# Where a value came from.
DEFAULT = "default"
SITE = "site"
USER = "user"
CHOSEN = "config"  # the file PULUMI_AUDITED_CONFIG names
TEAM = "team"
ENV = "env"

# The seconds a team file may choose, least and most: too short gives up on the lock (no
# record), too long leaves the shim waiting with SIGTERM deferred.
TEAM_SECONDS = {
    "lock_timeout": (0.5, 60.0),
    "remote_timeout": (1.0, 60.0),
    "ship_wait": (0.0, 10.0),
}


class Settings:
    """The settings in force, one typed attribute each, and where each came from."""

    __slots__ = (
        "checkpoints",
        "compact",
        "files",
        "forward",
        "lock_timeout",
        "log",
        "on_failure",
        "origins",
        "pinned",
        "plan_window",
        "pulumi",
        "remote_timeout",
        "ship_wait",
        "signing_key",
        "skip",
        "sources",
        "warnings",
        "witness",
        "working_hours",
    )

    log: str | None
    on_failure: str  # "warn" or "block"
    pulumi: str | None
    skip: list[str]
    lock_timeout: float
    # Seconds a remote store may take to answer one request (and, under on_failure: block, to
    # acknowledge the start record).
    remote_timeout: float
    # Seconds the shim may wait, after pulumi ends, for a running shipper to ship the end
    # record; 0 never waits.
    ship_wait: float
    working_hours: str  # working_hours.py's form; only `audit report` reads it
    # The viewer's: how long before an update the preview that planned it may have started.
    plan_window: float
    # Sink URLs each record is forwarded to as it is written (store/forwarding.py).
    forward: list[str]
    # Whether writers of a remote log write checkpoints (store/checkpoint.py), and the
    # private key that signs them (a path; None: unsigned).
    checkpoints: bool
    signing_key: str | None
    witness: str | None  # where a local log's checkpoints go
    # `audit sync` also compacts the remote log's finished days (store/compact.py).
    compact: bool
    sources: dict[str, str]  # setting -> "default" | "env PULUMI_AUDITED_X" | "<file>:<line>"
    files: list[tuple[str, str]]  # (role, path) of each file read, lowest precedence first
    origins: dict[str, str]  # setting -> DEFAULT, SITE, USER, CHOSEN, TEAM or ENV
    pinned: dict[str, str]  # setting -> "<site file>:<line>" of its pin
    warnings: list[str]  # values ignored (pinned, or a team file's), one line each

    def __init__(
        self,
        values: dict[str, object],
        sources: dict[str, str],
        files: list[tuple[str, str]],
        origins: dict[str, str],
        pinned: dict[str, str],
        warnings: list[str],
    ):
        # config_values.validate has checked each value's type; the asserts tell the checker.
        log, pulumi, on_failure = values["log"], values["pulumi"], values["on_failure"]
        skip = values["skip"]
        assert log is None or isinstance(log, str)
        assert pulumi is None or isinstance(pulumi, str)
        assert isinstance(on_failure, str) and isinstance(skip, list)
        self.log, self.pulumi, self.on_failure, self.skip = log, pulumi, on_failure, skip
        self.lock_timeout = _seconds(values["lock_timeout"])
        self.remote_timeout = _seconds(values["remote_timeout"])
        self.ship_wait = _seconds(values["ship_wait"])
        working_hours = values["working_hours"]
        assert isinstance(working_hours, str)
        self.working_hours = working_hours
        self.plan_window = _seconds(values["plan_window"])
        forward = values["forward"]
        assert isinstance(forward, list)
        self.forward = forward
        checkpoints, signing_key = values["checkpoints"], values["signing_key"]
        assert isinstance(checkpoints, bool)
        assert signing_key is None or isinstance(signing_key, str)
        self.checkpoints, self.signing_key = checkpoints, signing_key
        witness = values["witness"]
        assert witness is None or isinstance(witness, str)
        self.witness = witness
        self.compact = values["compact"] is True
        self.sources = sources
        self.files = files
        self.origins = origins
        self.pinned = pinned
        self.warnings = warnings

    def named_by(self, key: str) -> str:
        """Who set `key`, for a message: "PULUMI_AUDITED_PULUMI", "the 'pulumi:' setting in
        FILE", "the default"."""
        source = self.sources[key]
        if source.startswith("env "):
            return source[4:]
        if source == DEFAULT:
            return "the default"
        return f"the '{key}:' setting in " + source.rsplit(":", 1)[0]

    @property
    def values(self) -> dict[str, object]:
        """Each setting's value by name, in DEFAULTS' order."""
        return {key: getattr(self, key) for key in DEFAULTS}


def _seconds(value: object) -> float:
    assert isinstance(value, (int, float))
    return float(value)


def load_settings(start_dir: str, environ: os._Environ | dict[str, str]) -> Settings:
    layers = _Layers()
    files = config_files(start_dir, environ)
    team = next((path for role, path in files if role == TEAM), None)
    stranger = _foreign_owner(team) if team is not None else None
    if team is not None and stranger is not None:
        files.remove((TEAM, team))
        layers.warnings.append(
            f"team config {team} is ignored: it belongs to another user (uid {stranger}), "
            "like a repository git would call unsafe; a file planted in a shared parent "
            "folder such as /tmp must not configure your auditing"
        )
    if files:  # most machines have none: then the reader is not even imported
        from pulumi_audited import config_file
    for role, path in files:
        loaded = dict(config_file.load(path))
        pinned = loaded.pop(config_file.PINNED, None)
        if pinned is not None and role != SITE:
            raise ConfigError(
                f"broken config {path}, line {pinned[1]}: only the site file "
                f"({os.path.join(paths.site_config_dir(), SITE_FILE_NAME)}) can pin settings"
            )
        for key, (value, line) in loaded.items():
            layers.offer(key, value, role, f"{path}:{line}", f"{_LABELS[role]} {path}, line {line}")
        if pinned is not None:
            keys = pinned[0]
            assert isinstance(keys, list)  # config_file checked it is a list of settings
            for key in keys:
                layers.pinned[key] = f"{path}:{pinned[1]}"
    for key, variable in ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw:
            try:
                value = from_environment(key, raw)
            except ValueError as error:
                raise ConfigError(f"{variable}: {error}") from None
            layers.offer(key, value, ENV, f"env {variable}", variable)
    return Settings(
        layers.values, layers.sources, files, layers.origins, layers.pinned, layers.warnings
    )


_LABELS = {SITE: "site config", USER: "config", CHOSEN: "config", TEAM: "team config"}


class _Layers:
    """The values in force while the layers are applied, lowest first."""

    def __init__(self) -> None:
        self.values = dict(DEFAULTS)
        self.values["skip"] = list(DEFAULT_SKIP)
        self.values["forward"] = []
        self.sources = dict.fromkeys(DEFAULTS, DEFAULT)
        self.origins = dict.fromkeys(DEFAULTS, DEFAULT)
        self.pinned: dict[str, str] = {}
        self.warnings: list[str] = []

    def offer(self, key: str, value: object, role: str, source: str, where: str) -> None:
        """Apply one layer's value, unless the setting is pinned or (for a team file) the
        value would weaken auditing; say so in `warnings` when the value is dropped."""
        current = self.values[key]
        if key in self.pinned:
            if value != current:
                pin = _at(self.pinned[key])
                self.warnings.append(
                    f"{where}: {key} is ignored: it is pinned by site config {pin}"
                )
            return
        if role == TEAM:
            value, refusal = _team_value(key, value, current, self.origins[key], source)
            if refusal is not None:
                self.warnings.append(f"{where}: {refusal}")
            if value == current:
                return
        self.values[key] = value
        self.sources[key] = source
        self.origins[key] = role


def _team_value(
    key: str, value: object, current: object, current_origin: str, source: str
) -> tuple[object, str | None]:
    """What a team file's `value` for `key` may change of the value in force, and why the rest
    was refused (None when nothing was)."""
    if value == current:
        return current, None
    if key == "pulumi":
        return current, (
            "pulumi is ignored: a team file may not choose the program to run; set it in your "
            "own config file or PULUMI_AUDITED_PULUMI"
        )
    if key == "working_hours":
        return current, (
            "working_hours is ignored: a team file may not choose which runs a report flags as "
            "outside working hours; set it in your own config file or PULUMI_AUDITED_WORKING_HOURS"
        )
    if key == "skip":
        assert isinstance(current, list) and isinstance(value, list)
        kept = [item for item in current if item in value]
        added = [item for item in value if item not in current]
        if not added:
            return kept, None
        return kept, (
            f"skip: {', '.join(map(repr, added))} ignored: a team file may only take commands "
            "out of the skip list (record more), never add to it"
        )
    if key == "forward":
        return current, (
            "forward is ignored: a team file may not choose where records are sent (anyone who "
            "can push could send every teammate's records to a server of theirs) nor take a "
            "sink away; set it in the site file, your own config or PULUMI_AUDITED_FORWARD"
        )
    if key == "signing_key":
        return current, (
            "signing_key is ignored: a team file may not choose the key that signs your "
            "checkpoints (anyone who can push could sign with a key of theirs); set it in the "
            "site file, your own config or PULUMI_AUDITED_SIGNING_KEY"
        )
    if key == "witness":
        return current, (
            "witness is ignored: a team file may not choose where your log's checkpoints go "
            "nor take the witness away; set it in the site file, your own config or "
            "PULUMI_AUDITED_WITNESS"
        )
    if key == "checkpoints":
        if current is True:
            return current, (
                "checkpoints: false is ignored: a team file may turn checkpoints on, never off"
            )
        return value, None
    if key == "compact":
        return current, (
            "compact is ignored: a team file may not make every teammate's `audit sync` read "
            "the whole remote log; set it on the machine of a scheduled job, or "
            "PULUMI_AUDITED_COMPACT"
        )
    if key == "on_failure":
        if current == "block":
            return (
                current,
                "on_failure: warn is ignored: a team file may raise on_failure to block, never "
                "lower it",
            )
        return value, None
    if key == "log":
        assert isinstance(value, str)  # None equals the default, returned above
        refusal = _team_log_refusal(value, current_origin, source)
        return (current, f"log is ignored: {refusal}") if refusal else (value, None)
    if key == "plan_window":
        assert isinstance(value, float) and isinstance(current, float)
        if value <= current:
            return value, None
        return current, (
            f"plan_window: {value:g} is ignored: a team file may shorten the plan window "
            f"({current:g} seconds), never lengthen it"
        )
    if key in TEAM_SECONDS:
        least, most = TEAM_SECONDS[key]
        assert isinstance(value, float)
        if least <= value <= most:
            return value, None
        return current, (
            f"{key}: {value:g} is ignored: a team file may set it from {least:g} to {most:g} "
            "seconds"
        )
    return value, None


def _team_log_refusal(location: str, current_origin: str, source: str) -> str | None:
    """Why a team file may not send the records to `location`, or None.

    It may replace the built-in default only: a log that the site, the user or the
    environment chose stays. A local folder must be one this user can create or write
    (not /dev/null, not /), outside the folder holding the team file (records in a checkout
    are one `git add .` from being pushed).
    """
    if current_origin != DEFAULT:
        chooser = "the site config" if current_origin == SITE else "your own config"
        return f"the log was chosen by {chooser}, and a team file may only replace the default"
    from pulumi_audited.store.schemes import is_remote

    if is_remote(location):
        return None
    team_folder = os.path.realpath(os.path.dirname(source.rsplit(":", 1)[0]))
    target = os.path.realpath(location)
    if target == team_folder or target.startswith(team_folder.rstrip("/") + "/"):
        return "a team file may not put the log inside its own folder, where it could be committed"
    existing = location
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing) or not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not a folder you can write"
    return None


def _at(source: str) -> str:
    path, _, line = source.rpartition(":")
    return f"{path}, line {line}"


def config_files(start_dir: str, environ: os._Environ | dict[str, str]) -> list[tuple[str, str]]:
    """(role, path) of each file to read, lowest precedence first."""
    found: list[tuple[str, str]] = []
    site_file = os.path.join(paths.site_config_dir(), SITE_FILE_NAME)
    if os.path.isfile(site_file):
        found.append((SITE, site_file))
    explicit = environ.get("PULUMI_AUDITED_CONFIG")
    if explicit:
        if not os.path.isfile(explicit):
            raise ConfigError(f"PULUMI_AUDITED_CONFIG names {explicit}, which is not a file")
        if os.path.abspath(explicit) != site_file:
            found.append((CHOSEN, os.path.abspath(explicit)))
        return found
    user_file = os.path.join(paths.user_config_dir(), USER_FILE_NAME)
    if os.path.isfile(user_file) and user_file != site_file:
        found.append((USER, user_file))
    team_file = find_upward(start_dir, TEAM_FILE_NAME)
    if team_file:
        found.append((TEAM, team_file))
    return found


def _foreign_owner(path: str) -> int | None:
    """The uid owning `path` when it is neither the current user nor root (git requires one
    of them of a repository), else None."""
    try:
        owner = os.stat(path).st_uid
    except OSError:
        return None  # gone meanwhile: reading it reports that
    return None if owner in (os.geteuid(), 0) else owner


def find_upward(start_dir: str, name: str) -> str | None:
    directory = os.path.abspath(start_dir)
    while True:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def default_log_folder() -> str:
    return os.path.join(paths.user_data_dir(), "log")
