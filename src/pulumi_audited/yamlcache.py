"""Read small YAML files (pulumi-audited's config, Pulumi.yaml) at the cost of a stat.

Importing PyYAML costs about 12 ms, too much for every pulumi command. A parsed file is kept
in marshal form under the user's cache folder, keyed by the file's path, size, inode and
modification time, so yaml is imported only when a file is new or has changed.
"""

import marshal
import os

from pulumi_audited import paths

# Part of every cache key: a new format, or a parser that checks more (the config's refuses
# duplicate settings and non-finite seconds since 2), makes every cached file parsed again.
_CACHE_FORMAT = 2


class YAMLFileError(Exception):
    """A YAML file that cannot be parsed; `line` is 1-based when known."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}, line {line}" if line else path
        super().__init__(f"{where}: {problem}")


def _cache_path(path: str) -> str:
    """One cache file per source file, named after its path (no hash module to load)."""
    name = path.replace("%", "%25").replace("/", "%2F") + ".marshal"
    if len(os.fsencode(name)) > 255:
        from pulumi_audited.hashes import sha1_hex

        name = sha1_hex(os.fsencode(path)) + ".marshal"
    return os.path.join(paths.user_cache_dir(), "yaml", name)


def _file_key(stat_result: os.stat_result) -> tuple:
    return (
        _CACHE_FORMAT,
        stat_result.st_size,
        stat_result.st_ino,
        stat_result.st_mtime_ns,
        stat_result.st_ctime_ns,
    )


def load(path: str, parse=None) -> object:
    """Return the parsed content of the YAML file at `path`.

    `parse(text, path)` turns the text into a value and may validate it; its result is what is
    cached, so validation is not repeated for an unchanged file. It defaults to plain
    `yaml.safe_load`. Raises OSError when the file cannot be read, YAMLFileError when it is
    not valid YAML, and whatever `parse` raises.
    """
    path = os.path.abspath(path)
    key = _file_key(os.stat(path))
    cache_file = _cache_path(path)
    cached = _read_cache(cache_file)
    if cached is not None and cached[0] == key and cached[1] == path:
        return cached[2]
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    value = (parse or parse_yaml)(text, path)
    _write_cache(cache_file, (key, path, value))
    return value


def parse_yaml(text: str, path: str) -> object:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise YAMLFileError(path, *describe_yaml_error(error)) from None


def describe_yaml_error(error: Exception) -> tuple[int | None, str]:
    """(line, problem) of a PyYAML error.

    The line is where the problem was found, except for a construct that may stay open
    (a flow collection, a quoted scalar, a simple key): there the problem is only noticed
    lines later, at the next token or the end of the file, and the line where it began is
    the one to fix. A "while parsing a block mapping" context names the mapping's first line,
    never the broken one.
    """
    context = getattr(error, "context", None)
    context_mark = getattr(error, "context_mark", None)
    problem_mark = getattr(error, "problem_mark", None)
    opened = isinstance(context, str) and any(word in context for word in _OPEN_CONSTRUCTS)
    mark = context_mark if opened and context_mark is not None else problem_mark
    mark = mark or context_mark
    line = mark.line + 1 if mark is not None else None
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return line, f"{problem} ({context})" if context else problem


_OPEN_CONSTRUCTS = ("flow", "quoted scalar", "simple key", "block scalar")


def _read_cache(cache_file: str) -> tuple | None:
    try:
        with open(cache_file, "rb") as handle:
            if os.fstat(handle.fileno()).st_uid != os.getuid():
                return None
            value = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return value if isinstance(value, tuple) and len(value) == 3 else None


def _write_cache(cache_file: str, entry: tuple) -> None:
    try:
        data = marshal.dumps(entry)
    except ValueError:
        return  # a value marshal cannot hold (a YAML date, say): parse again next time
    try:
        paths.ensure_private_dir(os.path.dirname(cache_file))
        paths.replace_file(cache_file, data)
    except OSError:
        pass
