"""The Pulumi project file: where pulumi finds it, the project's name, the backend it pins."""

import os
import stat

from pulumi_audited import yamlcache
from pulumi_audited.capture import read_json_file

# pulumi's encoding.Exts order, checked in each folder before moving up.
PROJECT_FILE_NAMES = ("Pulumi.json", "Pulumi.yaml", "Pulumi.yml")


class ProjectFile:
    """A project file found on disk. `name` and `backend_url` are None when it cannot be parsed."""

    __slots__ = ("backend_url", "name", "path")

    def __init__(self, path: str, name: str | None, backend_url: str | None) -> None:
        self.path = path
        self.name = name
        self.backend_url = backend_url

    @property
    def directory(self) -> str:
        return os.path.dirname(self.path)


def find_project_file(start_dir: str) -> str | None:
    """The closest project file in `start_dir` or above it, as pulumi's DetectProjectPathFrom."""
    directory = start_dir
    while True:
        for name in PROJECT_FILE_NAMES:
            candidate = os.path.join(directory, name)
            if _is_non_directory(candidate):
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _is_non_directory(path: str) -> bool:
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def load_project(start_dir: str) -> ProjectFile | None:
    """The project governing `start_dir`, or None when there is no project file above it."""
    path = find_project_file(start_dir)
    if path is None:
        return None
    fields = read_project_fields(path)
    return ProjectFile(path, fields.get("name"), fields.get("backend_url"))


def read_project_fields(path: str) -> dict:
    """{"name", "backend_url"} of a project file; both None when it cannot be read or parsed."""
    try:
        if path.endswith(".json"):
            return _fields_of(read_json_file(path))
        fields = yamlcache.load(path, parse=parse_yaml_project_fields)
    except Exception:
        return _fields_of(None)
    return fields if isinstance(fields, dict) else _fields_of(None)


def parse_yaml_project_fields(text: str, path: str) -> dict:
    """yamlcache's parse hook: keeps only the two fields needed, so the cached value is tiny.

    A file that is not valid YAML gives empty fields instead of an error, so that the failure is
    cached too and a broken Pulumi.yaml does not cost a yaml import on every run.
    """
    try:
        document = yamlcache.parse_yaml(text, path)
    except Exception:
        document = None
    return _fields_of(document)


def _fields_of(document: object) -> dict:
    name = None
    backend_url = None
    if isinstance(document, dict):
        if isinstance(document.get("name"), str) and document["name"]:
            name = document["name"]
        backend = document.get("backend")
        if isinstance(backend, dict) and isinstance(backend.get("url"), str) and backend["url"]:
            backend_url = backend["url"]
    return {"name": name, "backend_url": backend_url}
