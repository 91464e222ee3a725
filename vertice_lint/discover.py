"""Discover the files of a repository and classify each by kind."""

from __future__ import annotations

import enum
import fnmatch
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pathspec

from vertice_lint.git import run_git

DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".vertice-lint-cache",
    ".eggs",
    "site-packages",
)


class Kind(enum.Enum):
    """What a file is, as far as vertice-lint is concerned."""

    DOCKERFILE = "dockerfile"
    DOCKERIGNORE = "dockerignore"
    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"
    LOCKFILE = "lockfile"
    PYTHON = "python"
    COMPOSE = "compose"
    KUSTOMIZATION = "kustomization"
    YAML = "yaml"
    HELM_CHART = "helm-chart"
    HELM_TEMPLATE = "helm-template"
    TEXT = "text"  # read but not parsed: scripts, alembic.ini, .env files; never a VL001
    JSON = "json"  # a Kubernetes manifest when it is one (`kubectl apply -f x.json`); never a VL001
    OTHER = "other"


@dataclass(frozen=True)
class SourceFile:
    """One file of the tree: its POSIX path relative to the root and its kind."""

    path: str
    kind: Kind

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]

    @property
    def parent(self) -> str:
        return self.path.rpartition("/")[0]


_STALE_SUFFIX = re.compile(
    r"(\.(old|bak|backup|orig|save|tmp|disabled|copy|prev|previous)[\w.-]*|~|\.backup_?\d+"
    r"|[_-](old|bak|backup|orig)([_-]?\d+)?)$",
    re.IGNORECASE,
)


# `dockerfile.py` is a Python module, `Dockerfile.md` documentation: not Dockerfiles.
_OTHER_EXTENSIONS = (
    ".py", ".pyi", ".md", ".rst", ".txt", ".json", ".yaml", ".yml", ".toml", ".sh", ".cfg",
    ".ini", ".lock", ".html", ".go", ".rs", ".js", ".ts",
)  # fmt: skip


def is_dockerfile_name(name: str) -> bool:
    """Dockerfile, Containerfile, Dockerfile.<x>, <x>.Dockerfile (any case of the suffix)."""
    lower = name.lower()
    if lower.endswith((".dockerfile", ".containerfile")) or lower in (
        "dockerfile",
        "containerfile",
    ):
        return True
    return lower.startswith(
        ("dockerfile.", "containerfile.", "dockerfile-", "dockerfile_")
    ) and not lower.endswith(_OTHER_EXTENSIONS)


def is_dockerfile_variant(name: str) -> bool:
    """A Dockerfile with a suffix or prefix (`Dockerfile.prod`, `Dockerfile.old`, `api.Dockerfile`).

    Such a file is an image of its service only when something (compose, a CI workflow, the
    config) names it; the plain `Dockerfile`/`Containerfile` always is.
    """
    return is_dockerfile_name(name) and name.lower() not in ("dockerfile", "containerfile")


def looks_stale(name: str) -> bool:
    """A backup copy by its name: `Dockerfile.old`, `Dockerfile.backup_2`, `reqs.txt.bak`."""
    return bool(_STALE_SUFFIX.search(name))


# Folders of tools that build from them (workflows, Docker container actions, dev containers):
# hidden, but not hidden from a build.
_TOOL_FOLDERS = frozenset({".github", ".gitlab", ".circleci", ".devcontainer", ".buildkite"})
# `old/`, `archive/`, and the same with a leading `_` or `.` that sorts it last or hides it
# (`_archived/`, `_old/`). Not `deprecated/` nor `legacy/`: repositories still build and deploy
# what those hold (a deprecated API version served on, a legacy service still running).
_ARCHIVE_FOLDER = re.compile(r"[_.]*(?:old|archives?|archived|attic|bak|backups?)", re.IGNORECASE)
_TIMESTAMP_FOLDER = re.compile(
    r"\d{8}(?:[_T-]?\d{4}(?:\d{2})?)?"  # 20251031, 20251031_195305, 20251031T1953
    r"|\d{4}([-_.])\d{2}\1\d{2}(?:[_T -]?\d{2}[-:.h]?\d{2}(?:[-:.]?\d{2})?)?"  # 2024-01-02[_10-30]
)


def unbuilt_folder_reason(name: str) -> str | None:
    """Why, by its name, a folder holds copies nothing builds: a backup (`.migration_backup`,
    `frontend-backup-2025-11-15`), an archive (`old/`, `archive/`, `_archived/`), a timestamped
    snapshot (`20251031_195305/`, `2024-01-02/`), a stale copy (`api.old/`, `api_old/`), a hidden
    folder (`.archive/`; not the CI and dev-container folders tools build from)."""
    lower = name.lower()
    backup = re.search(r"backups?", lower)
    # `backup/`, `.migration_backup/`, `api-backup-2025-11-15/`, `backup_2/`; not the live
    # `backup-service/` or `db-backup-job/` a repository may deploy
    if backup is not None and re.fullmatch(r"[-_.\d]*", lower[backup.end() :]):
        return "a backup folder"
    if _ARCHIVE_FOLDER.fullmatch(name):
        return "an archive folder"
    if _TIMESTAMP_FOLDER.fullmatch(name):
        return "a timestamped snapshot folder"
    if looks_stale(name):
        return "a stale copy by its name"
    if name.startswith(".") and name not in (".", "..") and lower not in _TOOL_FOLDERS:
        return "a hidden folder"
    return None


def unbuilt_folder(path: str) -> tuple[str, str] | None:
    """(folder, why) of the outermost folder above the file `path` that nothing builds by its
    name (`unbuilt_folder_reason`), or None. A Dockerfile there is an image only when a build
    names it, and the builds its own scripts, compose files and workflows declare do not run."""
    parts = PurePosixPath(path).parts[:-1]
    for index, part in enumerate(parts):
        why = unbuilt_folder_reason(part)
        if why is not None:
            return "/".join(parts[: index + 1]), why
    return None


def classify(relpath: str, helm_roots: Iterable[str] = ()) -> Kind:
    """The kind of a file, from its path alone."""
    folder, _, name = relpath.rpartition("/")
    lower = name.lower()
    for chart in helm_roots:
        prefix = f"{chart}/" if chart else ""
        if relpath.startswith(prefix + "templates/") or relpath.startswith(prefix + "charts/"):
            return Kind.HELM_TEMPLATE
    if lower == ".dockerignore" or lower.endswith(".dockerignore"):
        return Kind.DOCKERIGNORE
    if is_dockerfile_name(name):
        return Kind.DOCKERFILE
    if lower.endswith(".txt") and not looks_stale(name) and not looks_stale(name[:-4]):
        stem = lower[:-4]
        if (
            "requirements" in stem
            or "constraints" in stem
            or folder.rpartition("/")[2] == "requirements"
        ):
            return Kind.REQUIREMENTS
    if lower == "pyproject.toml":
        return Kind.PYPROJECT
    if lower in ("uv.lock", "poetry.lock", "pipfile.lock"):
        return Kind.LOCKFILE
    if lower.endswith(".py"):
        return Kind.PYTHON
    if lower in ("chart.yaml", "chart.yml"):
        return Kind.HELM_CHART
    if lower.endswith((".yaml", ".yml")):
        if lower in ("kustomization.yaml", "kustomization.yml"):
            return Kind.KUSTOMIZATION
        if fnmatch.fnmatch(lower, "docker-compose*.y*ml") or fnmatch.fnmatch(
            lower, "compose*.y*ml"
        ):
            return Kind.COMPOSE
        return Kind.YAML
    if name == "Kustomization":
        return Kind.KUSTOMIZATION
    if lower.endswith(".json") and not looks_stale(name):
        return Kind.JSON
    if (
        lower.endswith((".sh", ".bash", ".ini", ".env"))
        or lower.startswith(".env")
        or lower == ".gitignore"  # what git leaves out: absent from a checkout proves nothing
    ):
        return Kind.TEXT
    if "." not in name:
        # entrypoint and install scripts are often named without an extension
        # (bin/docker-entrypoint-web); read them, quietly, in case an image runs them
        return Kind.TEXT
    return Kind.OTHER


def _git_files(root: Path) -> list[str] | None:
    """Tracked plus untracked-but-not-ignored files under root, or None outside a git checkout."""
    proc = run_git(
        root, ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], timeout=60
    )
    if proc is None or proc.returncode != 0:
        return None
    names = [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    # A tracked file deleted from the work tree is not there to lint.
    return sorted({n for n in names if os.path.lexists(root / n)})


def _walk_files(root: Path) -> list[str]:
    found: list[str] = []
    top = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in DEFAULT_EXCLUDES)
        rel = os.path.relpath(dirpath, top).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        found.extend(prefix + name for name in filenames)
    return sorted(found)


def _is_default_excluded(relpath: str) -> bool:
    return any(part in DEFAULT_EXCLUDES for part in relpath.split("/")[:-1])


def discover(root: Path, excludes: Sequence[str] = ()) -> list[SourceFile]:
    """Every file of the repository rooted at `root`, classified, minus excluded ones."""
    names = _git_files(root)
    if names is None:
        names = _walk_files(root)
    else:
        names = [n for n in names if not _is_default_excluded(n)]
    spec = pathspec.GitIgnoreSpec.from_lines(excludes) if excludes else None
    if spec is not None:
        names = [n for n in names if not spec.match_file(n)]
    helm_roots = sorted(
        SourceFile(n, Kind.HELM_CHART).parent
        for n in names
        if n.rpartition("/")[2].lower() in ("chart.yaml", "chart.yml")
    )
    return [SourceFile(n, classify(n, helm_roots)) for n in names]
