"""Configuration: defaults, then YAML files, then environment variables.

Files, lowest precedence first:
1. the user's file, `<user config dir>/config.yaml`;
2. the team's file, `.pulumi-audited.yaml`, found upward from the working directory (a team
   commits it next to Pulumi.yaml).
`PULUMI_AUDITED_CONFIG` names one file that replaces both. A file that cannot be used is
refused with its path and line: an audit tool must not quietly run with settings nobody chose.
"""

import os

from pulumi_audited import paths, yamlcache
from pulumi_audited.errors import ShimError

TEAM_FILE_NAME = ".pulumi-audited.yaml"
USER_FILE_NAME = "config.yaml"

ON_FAILURE_CHOICES = ("warn", "block")

# Commands that go straight to pulumi without a record unless configured otherwise: they run
# on every TAB press (`__complete`) or only print help and versions. "help" also stands for
# -h/--help on any command, and "version" for --version.
DEFAULT_SKIP = ("version", "help", "gen-completion", "__complete", "__completeNoDesc")

DEFAULTS: dict[str, object] = {
    "log": None,
    "on_failure": "warn",
    "pulumi": None,
    "skip": list(DEFAULT_SKIP),
    "lock_timeout": 10.0,
    "remote_timeout": 10.0,
    "ship_wait": 2.0,
}

ENVIRONMENT = {
    "log": "PULUMI_AUDITED_LOG",
    "on_failure": "PULUMI_AUDITED_ON_FAILURE",
    "pulumi": "PULUMI_AUDITED_PULUMI",
    "skip": "PULUMI_AUDITED_SKIP",
    "lock_timeout": "PULUMI_AUDITED_LOCK_TIMEOUT",
    "remote_timeout": "PULUMI_AUDITED_REMOTE_TIMEOUT",
    "ship_wait": "PULUMI_AUDITED_SHIP_WAIT",
}

_SECONDS = ("lock_timeout", "remote_timeout", "ship_wait")


class ConfigError(ShimError):
    """A configuration that cannot be used."""


class Settings:
    __slots__ = ("files", "sources", "values")

    def __init__(self, values: dict[str, object], sources: dict[str, str], files: list[str]):
        self.values = values
        self.sources = sources  # setting -> "default" | "env PULUMI_AUDITED_X" | "<file>:<line>"
        self.files = files

    @property
    def log(self) -> str | None:
        return self.values["log"]  # type: ignore[return-value]

    @property
    def on_failure(self) -> str:
        return self.values["on_failure"]  # type: ignore[return-value]

    @property
    def pulumi(self) -> str | None:
        return self.values["pulumi"]  # type: ignore[return-value]

    @property
    def skip(self) -> list[str]:
        return self.values["skip"]  # type: ignore[return-value]

    @property
    def lock_timeout(self) -> float:
        return self.values["lock_timeout"]  # type: ignore[return-value]

    @property
    def remote_timeout(self) -> float:
        """Seconds a remote store may take to answer one request (and, under on_failure:
        block, to acknowledge the start record)."""
        return self.values["remote_timeout"]  # type: ignore[return-value]

    @property
    def ship_wait(self) -> float:
        """Seconds the shim may wait, after pulumi ends, for a running shipper to ship the
        end record; 0 never waits."""
        return self.values["ship_wait"]  # type: ignore[return-value]


def load_settings(start_dir: str, environ: os._Environ | dict[str, str]) -> Settings:
    values = dict(DEFAULTS)
    values["skip"] = list(DEFAULT_SKIP)
    sources = dict.fromkeys(DEFAULTS, "default")
    files = config_files(start_dir, environ)
    for path in files:
        for key, (value, line) in _load_file(path).items():
            values[key] = value
            sources[key] = f"{path}:{line}"
    for key, variable in ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw:
            values[key] = _from_environment(key, variable, raw)
            sources[key] = f"env {variable}"
    return Settings(values, sources, files)


def config_files(start_dir: str, environ: os._Environ | dict[str, str]) -> list[str]:
    explicit = environ.get("PULUMI_AUDITED_CONFIG")
    if explicit:
        if not os.path.isfile(explicit):
            raise ConfigError(f"PULUMI_AUDITED_CONFIG names {explicit}, which is not a file")
        return [os.path.abspath(explicit)]
    found = []
    user_file = os.path.join(paths.user_config_dir(), USER_FILE_NAME)
    if os.path.isfile(user_file):
        found.append(user_file)
    team_file = find_upward(start_dir, TEAM_FILE_NAME)
    if team_file and team_file not in found:
        found.append(team_file)
    return found


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


def _load_file(path: str) -> dict[str, tuple[object, int]]:
    try:
        return yamlcache.load(path, parse=_parse_config_text)  # type: ignore[return-value]
    except yamlcache.YAMLFileError as error:
        raise ConfigError(f"broken config {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"broken config {path}: not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror}") from None


def _parse_config_text(text: str, path: str) -> dict[str, tuple[object, int]]:
    """Validated settings from one file: {key: (value, line)}; raises YAMLFileError."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise yamlcache.YAMLFileError(path, *yamlcache.describe_yaml_error(error)) from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise yamlcache.YAMLFileError(
            path, root.start_mark.line + 1, "expected a mapping of settings"
        )
    settings: dict[str, tuple[object, int]] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        key = key_node.value
        if key not in DEFAULTS:
            known = ", ".join(DEFAULTS)
            raise yamlcache.YAMLFileError(path, line, f"unknown setting {key!r} (known: {known})")
        value = yaml.safe_load(yaml.serialize(value_node))
        try:
            settings[key] = (_validate(key, value, os.path.dirname(path)), line)
        except ValueError as error:
            raise yamlcache.YAMLFileError(
                path, value_node.start_mark.line + 1, str(error)
            ) from None
    return settings


def _from_environment(key: str, variable: str, raw: str) -> object:
    value: object = raw
    if key == "skip":
        value = [item.strip() for item in raw.split(",") if item.strip()]
    elif key in _SECONDS:
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{variable}: {key} must be a number of seconds") from None
    try:
        return _validate(key, value, os.getcwd())
    except ValueError as error:
        raise ConfigError(f"{variable}: {error}") from None


def _validate(key: str, value: object, base_dir: str) -> object:
    if key in ("log", "pulumi"):
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ValueError(f"{key} must be a path or URL")
        if key == "log" and _has_credentials(value):
            raise ValueError(
                "log: credentials do not belong in the URL (it is shown and stored); "
                "use the environment variables or profiles the cloud SDK reads"
            )
        return _resolve_location(value, base_dir)
    if key == "on_failure":
        if value not in ON_FAILURE_CHOICES:
            raise ValueError(f"on_failure must be warn or block, not {value!r}")
        return value
    if key == "skip":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError("skip must be a list of command paths such as 'version' or 'stack ls'")
        return value
    if key in _SECONDS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{key} must be a number of seconds")
        if key == "ship_wait" and value < 0:
            raise ValueError("ship_wait must be 0 (never wait) or more seconds")
        if key != "ship_wait" and value <= 0:
            raise ValueError(f"{key} must be a positive number of seconds")
        return float(value)
    raise ValueError(f"unknown setting {key!r}")


def _has_credentials(location: str) -> bool:
    """Whether a remote log URL carries user:password@ before its bucket or container."""
    if not location.startswith(("s3://", "azblob://")):
        return False
    return "@" in location.split("://", 1)[1].split("/", 1)[0]


def _resolve_location(value: str, base_dir: str) -> str:
    """Paths are expanded and made absolute against the file that names them; URLs stay."""
    if "://" in value and not value.startswith("file://"):
        return value
    if value.startswith("file://"):
        value = value[len("file://") :]
    value = os.path.expanduser(value)
    return os.path.normpath(os.path.join(base_dir, value))


def default_log_folder() -> str:
    return os.path.join(paths.user_data_dir(), "log")
