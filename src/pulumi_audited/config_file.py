"""One configuration file: its YAML read into {setting: (value, line)}, every value checked.

A file that cannot be used is refused whole, naming its path and line: an audit tool must not
quietly run with settings nobody chose. The result is cached by yamlcache, so PyYAML is
imported only when the file is new or has changed.
"""

import os

from pulumi_audited import yamlcache
from pulumi_audited.config_values import DEFAULTS, ConfigError, validate

# The site file's list of settings nobody else may change (see config.py).
PINNED = "pinned"


def load(path: str) -> dict[str, tuple[object, int]]:
    """{setting: (value, line of its name)}; ConfigError when the file cannot be used."""
    try:
        loaded = yamlcache.load(path, parse=parse_text)
    except yamlcache.YAMLFileError as error:
        raise ConfigError(f"broken config {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"broken config {path}: not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror}") from None
    assert isinstance(loaded, dict)  # parse_text's result, or its cached copy
    return loaded


def parse_text(text: str, path: str) -> dict[str, tuple[object, int]]:
    """Validated settings from one file's text; raises YAMLFileError."""
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        return _settings(loader, path)
    except yaml.YAMLError as error:  # a tag the safe loader refuses, an undefined alias...
        raise yamlcache.YAMLFileError(path, *yamlcache.describe_yaml_error(error)) from None
    finally:
        loader.dispose()


def _settings(loader, path: str) -> dict[str, tuple[object, int]]:
    import yaml

    root = loader.get_single_node()
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise yamlcache.YAMLFileError(
            path, root.start_mark.line + 1, "expected a mapping of settings"
        )
    settings: dict[str, tuple[object, int]] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise yamlcache.YAMLFileError(path, line, "a setting's name must be a plain word")
        key = key_node.value
        if key in settings:
            first = settings[key][1]
            raise yamlcache.YAMLFileError(
                path, line, f"duplicate setting {key!r} (first on line {first})"
            )
        if key not in DEFAULTS and key != PINNED:
            known = ", ".join([*DEFAULTS, PINNED])
            raise yamlcache.YAMLFileError(path, line, f"unknown setting {key!r} (known: {known})")
        value = loader.construct_object(value_node, deep=True)
        try:
            if key == PINNED:
                value = _check_pinned(value)
            else:
                value = validate(key, value, os.path.dirname(path))
        except ValueError as error:
            raise yamlcache.YAMLFileError(
                path, value_node.start_mark.line + 1, str(error)
            ) from None
        settings[key] = (value, line)
    return settings


def _check_pinned(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("pinned must be a list of settings, such as [log, on_failure]")
    for item in value:
        if item not in DEFAULTS:
            raise ValueError(f"pinned: unknown setting {item!r} (known: {', '.join(DEFAULTS)})")
    return value
