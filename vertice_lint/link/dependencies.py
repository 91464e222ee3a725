"""Distributions: which one provides an import, and which ones an image installs.

Two facts the VL3xx rules share, derived once per run (`Workspace.derive`):

- the module map: an import name's distribution, with the source that says so. The project
  config (`[tool.vertice-lint.module-map]`) overrides everything; then the shipped exceptions
  (`data/module_map.json`, generated from wheel metadata by `scripts/gen_module_map.py`);
  then what the linting environment has installed (`importlib.metadata`); and last the
  convention "import name = normalised distribution name", dotted below namespace packages
  (`google.cloud.storage` -> google-cloud-storage).
- what an image installs, read from its Dockerfile's RUNs: requirements files (with their
  `-r`/`-c` includes), packages named on the command line, `pip install .` projects (their
  pyproject dependencies), poetry/uv/pipenv projects and their lock files; and what comes in
  transitively, from a lock file or the small curated table `data/transitive.json`.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import posixpath
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.utils import canonicalize_name

from vertice_lint.discover import Kind
from vertice_lint.link.image import installs_of_commands, script_commands
from vertice_lint.model import (
    Declared,
    Image,
    ImageContents,
    ImageDeps,
    Install,
    InstalledFile,
    ModuleMap,
    Workspace,
)
from vertice_lint.parsers.lockfile import LockFile
from vertice_lint.parsers.pyproject import Pyproject
from vertice_lint.parsers.requirements import RequirementsFile, from_pep508

# Base images known to bring no third-party Python distribution of their own.
_CLEAN_BASE = re.compile(
    r"^(?:[\w.-]+(?::\d+)?/)*(?:python|debian|ubuntu|alpine|busybox|fedora|centos|rockylinux"
    r"|almalinux|amazonlinux|ubi\d*(?:-\w+)?|python3-debian\d+|scratch)(?:[:@].*)?$"
)


# --- the data files ---------------------------------------------------------------------------


def _data(name: str) -> dict[str, Any]:
    text = resources.files("vertice_lint").joinpath(f"data/{name}").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def module_map_data() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """(namespace packages, module -> distributions) of data/module_map.json."""
    data = _data("module_map.json")
    modules = {k: tuple(v) for k, v in data["modules"].items()}
    return frozenset(data["namespaces"]), modules


@functools.cache
def system_modules() -> dict[str, dict[str, tuple[str, ...]]]:
    """Modules only distro packages provide: module -> {"debian": (...), "pypi": (...)}."""
    data = _data("system_modules.json")["modules"]
    return {m: {k: tuple(v) for k, v in e.items() if isinstance(v, list)} for m, e in data.items()}


@functools.cache
def transitive_table() -> dict[str, tuple[str, ...]]:
    """Curated "installing X brings Y": normalised name (or `name[extra]`) -> names."""
    data = _data("transitive.json")["brings"]
    return {k: tuple(canonicalize_name(n) for n in v) for k, v in data.items()}


@functools.cache
def _environment() -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in importlib.metadata.packages_distributions().items()}


# --- the module map ---------------------------------------------------------------------------


def module_map(ws: Workspace) -> ModuleMap:
    """The run's module map (config, shipped data, environment, convention)."""

    def compute(w: Workspace) -> ModuleMap:
        namespaces, data = module_map_data()
        return ModuleMap(w.config.module_map, data, namespaces, _environment())

    return ws.derive("distributions.module_map", compute)


# --- what an image installs -------------------------------------------------------------------


def _root_base(image: Image) -> str:
    record = image.record
    stage = record.final
    while stage.base_stage is not None:
        stage = record.stages[stage.base_stage]
    base: str = stage.base
    return base


def _read_script(path: Path) -> str | None:
    try:
        if path.stat().st_size > 256 * 1024:
            return None
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


class _Reader:
    """Reads one image's installs through the Workspace's parsed files."""

    def __init__(self, ws: Workspace, image: Image) -> None:
        self.ws = ws
        self.image = image
        self.files: list[InstalledFile] = []
        self.declared: list[Declared] = []
        self.pins: dict[str, str] = {}
        self.unknown: list[str] = []
        self.lock_dirs: list[str] = []
        self.lock: LockFile | None = None

    def record(self, path: str) -> Any:
        parsed = self.ws.files.get(path)
        return parsed.record if parsed is not None else None

    def requirements(
        self, path: str, kind: str, install: Install, included_by: str | None, seen: set[str]
    ) -> None:
        if path in seen:
            return
        seen.add(path)
        record = self.record(path)
        if not isinstance(record, RequirementsFile):
            self.unknown.append(f"{path} cannot be read")
            return
        self.files.append(InstalledFile(path, kind, install, included_by))
        self.lock_dirs.append(posixpath.dirname(path))
        for requirement in record.requirements:
            if not requirement.normalized:  # a local project or a URL: its name is unknown
                self.unknown.append(f"{path}:{requirement.line}: {requirement.raw}")
                continue
            if kind == "constraints":
                if requirement.pinned_version:
                    self.pins[requirement.normalized] = requirement.pinned_version
            else:
                self.declared.append(Declared(requirement, path, install))
        for include in record.includes:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), include.target))
            sub = (
                "requirements"
                if include.kind == "requirement" and kind != "constraints"
                else ("constraints")
            )
            self.requirements(target, sub, install, path, seen)

    def project(self, install: Install) -> None:
        directory = install.repo_path
        if directory is None:
            self.unknown.append(f"the project installed by `{install.tool}` is not in the context")
            return
        self.lock_dirs.append(directory)
        path = posixpath.join(directory, "pyproject.toml") if directory else "pyproject.toml"
        record = self.record(path)
        if install.tool == "pipenv":
            lock = self.lock_in(directory)
            if lock is None:
                self.unknown.append(f"no Pipfile.lock in {directory or '.'}")
                return
            for package in lock.packages:
                requirement = from_pep508(package.name, package.line, 1, package.line, 1)
                self.declared.append(Declared(requirement, lock.path, install))
            return
        if not isinstance(record, Pyproject):
            self.unknown.append(f"{path} cannot be read (setup.py projects are not read)")
            return
        self.files.append(InstalledFile(path, "pyproject", install, None))
        if "dependencies" in record.dynamic:
            beside = (
                posixpath.join(directory, "requirements.txt") if directory else ("requirements.txt")
            )
            if isinstance(self.record(beside), RequirementsFile):
                self.requirements(beside, "requirements", install, path, set())
            else:
                self.unknown.append(f"{path} declares its dependencies dynamic")
        for requirement in record.dependencies:
            self.declared.append(Declared(requirement, path, install))

    def package(self, install: Install) -> None:
        try:
            requirement = from_pep508(install.value, install.line, install.col, install.line, 1)
        except InvalidRequirement:
            self.unknown.append(f"`{install.value}` is not a requirement vertice-lint can read")
            return
        if requirement.url:
            self.unknown.append(f"`{install.value}` is installed from a URL")
        self.declared.append(Declared(requirement, self.image.dockerfile, install))

    def script(self, install: Install, contents: ImageContents | None, seen: set[str]) -> None:
        """The installs of a repository shell script a RUN runs (`RUN bin/pip3-install`)."""
        path = install.repo_path
        if path is None or path in seen or contents is None:
            return
        seen.add(path)
        parsed = self.ws.files.get(path)
        text = parsed.text.text if parsed is not None and parsed.text is not None else None
        if text is None and parsed is not None:
            text = _read_script(self.ws.root / path)  # an extensionless script is not read
        if text is None:
            self.unknown.append(f"{path} (run by the Dockerfile) cannot be read")
            return
        first = text.split("\n", 1)[0]
        if first.startswith("#!") and not re.search(r"\b(?:ba|da|z)?sh\b", first):
            return  # a Python (or other) script: not read as shell
        workdir = install.image_path or "/"
        found = installs_of_commands(
            script_commands(text), workdir, contents.fs.files, install.line, install.col
        )
        for inner in found:
            if inner.kind in ("requirements", "constraints"):
                if inner.repo_path is None and inner.kind == "constraints":
                    continue
                if inner.repo_path is None:
                    self.unknown.append(
                        f"{inner.value} (in {path}) is not copied from the repository"
                    )
                else:
                    self.requirements(inner.repo_path, inner.kind, inner, None, set())
            elif inner.kind == "project":
                self.project(inner)
            elif inner.kind == "package":
                self.package(inner)
            elif inner.kind == "script":
                self.script(inner, contents, seen)

    def lock_in(self, directory: str) -> LockFile | None:
        for path, record in self.ws.records(Kind.LOCKFILE):
            if posixpath.dirname(path) == directory and isinstance(record, LockFile):
                return record
        return None

    def read(self) -> ImageDeps:
        contents = self.image.contents
        installs = contents.installs if contents is not None else ()
        for install in installs:
            if install.kind in ("requirements", "constraints"):
                if install.repo_path is None and install.kind == "constraints":
                    continue  # a constraints file pins versions, it installs nothing
                if install.repo_path is None:
                    self.unknown.append(f"{install.value} is not copied from the repository")
                else:
                    self.requirements(install.repo_path, install.kind, install, None, set())
            elif install.kind == "project":
                self.project(install)
            elif install.kind == "package":
                self.package(install)
            elif install.kind == "script":
                self.script(install, contents, set())
        service_dir = posixpath.dirname(self.image.dockerfile)
        for directory in [*self.lock_dirs, service_dir]:
            self.lock = self.lock or self.lock_in(directory)
        names = frozenset(d.normalized for d in self.declared)
        brought = {
            name
            for d in self.declared
            for name in self.transitive(frozenset({d.normalized}), [d])
            if name in names
        }
        return ImageDeps(
            image=self.image,
            files=tuple(self.files),
            declared=tuple(self.declared),
            constraint_pins=dict(self.pins),
            lock=self.lock,
            transitive=self.transitive(names),
            apt=tuple(i for i in installs if i.kind == "apt"),
            unknown=tuple(self.unknown),
            clean_base=bool(_CLEAN_BASE.match(_root_base(self.image))),
            names=names,
            brought=frozenset(brought),
        )

    def transitive(
        self, names: frozenset[str], declared_list: Sequence[Declared] | None = None
    ) -> dict[str, tuple[str, str]]:
        """Names installed as dependencies of the declared ones (not declared themselves),
        with the declared distribution that brings each and the file that says so."""
        declared_list = self.declared if declared_list is None else declared_list
        found: dict[str, tuple[str, str]] = {}
        if self.lock is not None:
            for declared in declared_list:
                for name in sorted(self.lock.closure([declared.normalized])):
                    if name not in names:
                        found.setdefault(name, (declared.requirement.name, self.lock.path))
        table = transitive_table()
        for declared in declared_list:
            keys = [declared.normalized]
            keys += [f"{declared.normalized}[{e}]" for e in declared.requirement.extras]
            todo = [n for k in keys for n in table.get(k, ())]
            done: set[str] = set()
            while todo:
                entry = todo.pop(0)  # a name, or `name[extra]`
                if entry in done:
                    continue
                done.add(entry)
                name = entry.split("[", 1)[0]
                if name not in names:
                    found.setdefault(name, (declared.requirement.name, "data/transitive.json"))
                todo.extend([*table.get(name, ()), *table.get(entry, ())])
        return found


def image_dependencies(ws: Workspace) -> dict[str, ImageDeps]:
    """What each image installs, by image key (computed once per run)."""

    def compute(w: Workspace) -> dict[str, ImageDeps]:
        return {image.key: _Reader(w, image).read() for image in w.images if image.contents}

    return ws.derive("distributions.images", compute)


_VIA = re.compile(r"#\s*via\b(.*)$")


def pinned_as_dependency(ws: Workspace, declared: Declared) -> bool:
    """Whether a compiled requirements file (pip-compile, `uv pip compile`) pins the
    distribution only because others need it: its `# via` annotation names no `-r`/`-c`
    input file. Such pins follow the resolver, not a choice of the service."""
    parsed = ws.files.get(declared.path)
    if parsed is None or parsed.text is None or not isinstance(parsed.record, RequirementsFile):
        return False
    lines = parsed.text.text.splitlines()
    requirement = declared.requirement
    start = requirement.end_line - 1
    if not 0 <= start < len(lines):
        return False
    found = _VIA.search(lines[start])
    via: list[str] = [found.group(1)] if found else []
    index = start + 1
    while found is None and index < len(lines):  # the block form, below the requirement
        comment = lines[index].strip()
        if not comment.startswith("#"):
            break
        match = _VIA.match(comment)
        if via or match:
            via.append(match.group(1) if match else comment.lstrip("#"))
        index += 1
    names = [n.strip() for part in via for n in part.split(",") if n.strip()]
    return bool(names) and not any(n.startswith(("-r", "-c")) for n in names)


def repository_pins(ws: Workspace) -> dict[str, dict[str, list[Declared]]]:
    """normalised name -> version -> the declarations that pin it, over every image."""

    def compute(w: Workspace) -> dict[str, dict[str, list[Declared]]]:
        pins: dict[str, dict[str, list[Declared]]] = {}
        seen: set[tuple[str, int, int]] = set()
        for deps in image_dependencies(w).values():
            for declared in deps.declared:
                version = declared.requirement.pinned_version
                where = (declared.path, declared.requirement.line, declared.requirement.col)
                if version is None or where in seen:
                    continue
                seen.add(where)
                pins.setdefault(declared.normalized, {}).setdefault(version, []).append(declared)
        return pins

    return ws.derive("distributions.pins", compute)
