"""Distributions: which one provides an import, and which ones an image installs.

The facts the VL3xx rules (and VL204) compare, derived once per run by `link()` and stored on
the Workspace (`module_map`, `image_deps`, `pins`, `third_party`):

- the module map: an import name's distribution, with the source that says so. The project
  config (`[tool.vertice-lint.module-map]`) overrides everything; then the shipped exceptions
  (`data/module_map.json`, generated from wheel metadata by `scripts/gen_module_map.py`);
  then what the linting environment has installed (`importlib.metadata`); and last the
  convention "import name = normalised distribution name", dotted below namespace packages
  (`google.cloud.storage` -> google-cloud-storage).
- what an image installs, read from its Dockerfile's RUNs: requirements files (with their
  `-r`/`-c` includes), packages named on the command line, `pip install .` projects (their
  pyproject dependencies), poetry/uv/pipenv projects and their lock files; and what comes in
  transitively, from a lock file or the small curated table `data/transitive.json`. A
  repository script a RUN runs (`RUN ./install.sh`) is read from the parsed files, like every
  file of the repository (never from the disk: the `--fix` overlay and the out-of-root guard
  of source.py apply).
- the pins of the repository (distribution -> version -> where), and the third-party imports
  each image's code makes (from the runtimes' import closures).
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.utils import canonicalize_name

from vertice_lint.config import Config
from vertice_lint.diagnostics import Evidence
from vertice_lint.link.data import data_file
from vertice_lint.link.image import installs_of_commands, script_commands
from vertice_lint.model import (
    DIST_PACKAGES,
    ContainerRuntime,
    Declared,
    DistPackagesLink,
    Image,
    ImageContents,
    ImageDeps,
    Install,
    InstalledFile,
    ModuleMap,
    SystemModule,
    ThirdPartyImport,
    UnmetDependency,
    declared_by_spelling,
)
from vertice_lint.parsers import ParsedFile
from vertice_lint.parsers.dockerfile import Dockerfile
from vertice_lint.parsers.lockfile import LockFile
from vertice_lint.parsers.pyproject import Pyproject
from vertice_lint.parsers.requirements import Requirement, RequirementsFile, from_pep508
from vertice_lint.parsers.shell import shebang_shell

# Base images known to bring no third-party Python distribution of their own.
_CLEAN_BASE = re.compile(
    r"^(?:[\w.-]+(?::\d+)?/)*(?:python|debian|ubuntu|alpine|busybox|fedora|centos|rockylinux"
    r"|almalinux|amazonlinux|ubi\d*(?:-\w+)?|python3-debian\d+|scratch)(?:[:@].*)?$"
)


# --- the data files ---------------------------------------------------------------------------


@functools.cache
def module_map_data() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """(namespace packages, module -> distributions) of data/module_map.json."""
    data = data_file("module_map.json")
    modules = {k: tuple(v) for k, v in data["modules"].items()}
    return frozenset(data["namespaces"]), modules


@functools.cache
def system_modules() -> dict[str, SystemModule]:
    """Modules only distro packages provide (data/system_modules.json), by module."""
    data = data_file("system_modules.json")["modules"]
    return {
        m: SystemModule(m, tuple(e.get("debian", ())), tuple(e.get("pypi", ())))
        for m, e in data.items()
    }


@functools.cache
def transitive_table() -> dict[str, tuple[str, ...]]:
    """Curated "installing X brings Y": normalised name (or `name[extra]`) -> names."""
    data = data_file("transitive.json")["brings"]
    return {k: tuple(canonicalize_name(n) for n in v) for k, v in data.items()}


@functools.cache
def common_dependencies() -> frozenset[str]:
    """Normalised names of the distributions other distributions commonly depend on, by the
    shipped data: every dependency of transitive.json's `brings` and its `libraries`."""
    data = data_file("transitive.json")
    names = {canonicalize_name(n) for n in data.get("libraries", ())}
    for brings in transitive_table().values():
        names.update(canonicalize_name(n.split("[", 1)[0]) for n in brings)
    return frozenset(names)


@functools.cache
def known_distributions() -> frozenset[str]:
    """Normalised names of the distributions the shipped data knows to exist: the module
    map's `distributions` list and every name of its modules and of transitive.json."""
    data = data_file("module_map.json")
    names = {canonicalize_name(n) for n in data.get("distributions", ())}
    names.update(canonicalize_name(n) for v in data["modules"].values() for n in v)
    for key, brings in transitive_table().items():
        names.add(canonicalize_name(key.split("[", 1)[0]))
        names.update(canonicalize_name(n.split("[", 1)[0]) for n in brings)
    return frozenset(names)


# --- the module map ---------------------------------------------------------------------------


def build_module_map(config: Config, files: Mapping[str, ParsedFile] | None = None) -> ModuleMap:
    """The run's module map (config, shipped data, convention).

    What the linting machine has installed is not read: the results must not depend on the
    machine. The distributions known to exist are the shipped ones and those any
    requirements, pyproject or lock file of the repository names; the first-party names
    are the packages and modules of the repository (see `ModuleMap.guessed`)."""
    namespaces, data = module_map_data()
    known = set(known_distributions())
    known.update(canonicalize_name(d) for _, d in config.module_map)
    first_party: set[str] = set()
    projects: set[str] = set()  # the repository's own projects (a uv.lock lists its root)
    locks: list[LockFile] = []
    for path, parsed in (files or {}).items():
        record = parsed.record
        if isinstance(record, RequirementsFile):
            known.update(r.normalized for r in record.requirements if r.normalized)
        elif isinstance(record, Pyproject):
            known.update(r.normalized for r in record.dependencies if r.normalized)
            if record.name:
                projects.add(canonicalize_name(record.name))
        elif isinstance(record, LockFile):
            known.update(canonicalize_name(p.name) for p in record.packages)
            locks.append(record)
        if path.endswith(".py"):
            parts = path.split("/")
            first_party.update(parts[:-1])
            first_party.add(parts[-1].removesuffix(".py"))
    # what third-party distributions depend on in the repository's lock files (what its own
    # projects depend on are its choices, not dependencies others bring)
    dependencies = set(common_dependencies())
    for lock in locks:
        for package in lock.packages:
            if package.normalized not in projects:
                dependencies.update(package.dependencies)
    return ModuleMap(
        config.module_map,
        data,
        namespaces,
        {},
        system_modules(),
        frozenset(known - (projects - known_distributions())),
        frozenset(first_party),
        frozenset(dependencies),
    )


def installed_provider(
    module_map: ModuleMap, image_deps: Mapping[str, ImageDeps]
) -> Callable[[str, str], bool]:
    """Whether a distribution an image installs (declared, or brought by one) provides a
    module: (image key, dotted module) -> bool."""

    def installed(key: str, dotted: str) -> bool:
        deps = image_deps.get(key)
        if deps is None:
            return False
        names = deps.names | deps.transitive.keys()
        return bool(module_map.providers(dotted) & names)

    return installed


def guessed_notes(
    third_party: Mapping[str, Sequence[ThirdPartyImport]], module_map: ModuleMap
) -> list[str]:
    """One note per import name whose distribution is only a guess (VL301 does not judge it)."""
    notes: dict[str, str] = {}
    for uses in third_party.values():
        for use in uses:
            if module_map.system_module(use.module) is not None:
                continue  # VL302's
            why = module_map.guessed(use.module)
            owner = module_map.owner(use.module)
            if why is not None and owner.module not in notes:
                notes[owner.module] = (
                    f"{owner.module} (imported in {use.edge.path}:{use.edge.imp.line}): the"
                    f" distribution that provides it is a guess ({why}); VL301 does not judge"
                    " it: name it in [tool.vertice-lint.module-map] to have it checked"
                )
    return list(notes.values())


def unknown_closure_notes(
    third_party: Mapping[str, Sequence[ThirdPartyImport]],
    image_deps: Mapping[str, ImageDeps],
    module_map: ModuleMap,
) -> list[str]:
    """One note per image and import name VL301 does not judge because the distribution may
    come as a dependency of an installed one whose dependencies are unknown."""
    notes: dict[tuple[str, str], str] = {}
    for key, uses in sorted(third_party.items()):
        deps = image_deps.get(key)
        if deps is None or deps.unknown or not deps.clean_base or not deps.unknown_dependencies:
            continue
        installed = deps.names | deps.transitive.keys()
        for use in uses:
            providers = module_map.providers(use.module)
            if (
                use.edge.removed_in is not None
                or module_map.system_module(use.module) is not None
                or providers & installed
                or declared_by_spelling(use.module, deps.names, module_map.namespaces)
                or module_map.guessed(use.module) is not None
            ):
                continue
            bringers = deps.may_bring(providers, module_map.dependencies)
            owner = module_map.owner(use.module)
            where = (deps.image.dockerfile, owner.module)
            if not bringers or where in notes:
                continue
            notes[where] = (
                f"{deps.image.dockerfile}: {owner.module} (imported in"
                f" {use.edge.path}:{use.edge.imp.line}) comes from {owner.name}, which the image"
                " does not install itself, but it may come as a dependency of"
                f" {', '.join(bringers)}, whose dependencies vertice-lint does not know (no lock"
                f" file lists {'them' if len(bringers) > 1 else 'it'}, nor"
                " data/transitive.json): VL301 does not judge it"
            )
    return list(notes.values())


# --- what an image installs -------------------------------------------------------------------


_SITE = re.compile(r"/usr/local/lib/python(\d+\.\d+)/(?:site|dist)-packages")


def _dist_packages_links(record: Dockerfile) -> tuple[DistPackagesLink, ...]:
    """The RUNs (of the final stage and the stages it is built FROM, in build order) that
    mention dist-packages with a /usr/local Python's site-packages, one per site-packages."""
    return tuple(
        DistPackagesLink(run.line, run.col, match.group(1))
        for stage in reversed(record.ancestry())
        for run in stage.runs
        if DIST_PACKAGES in run.text
        for match in _SITE.finditer(run.text)
    )


class _Files:
    """The parsed files the installs are read from, with the lock files by directory."""

    def __init__(self, files: Mapping[str, ParsedFile]) -> None:
        self.files = files
        self.locks: dict[str, LockFile] = {}
        for path in sorted(files):
            record = files[path].record
            if isinstance(record, LockFile):
                self.locks.setdefault(posixpath.dirname(path), record)

    def record(self, path: str) -> Any:
        parsed = self.files.get(path)
        return parsed.record if parsed is not None else None

    def text(self, path: str) -> str | None:
        parsed = self.files.get(path)
        return parsed.text.text if parsed is not None and parsed.text is not None else None


class _Reader:
    """Reads one image's installs through the Workspace's parsed files."""

    def __init__(self, files: _Files, image: Image) -> None:
        self.repo = files
        self.image = image
        self.files: list[InstalledFile] = []
        self.declared: list[Declared] = []
        self.pins: dict[str, str] = {}
        self.unknown: list[str] = []
        self.lock_dirs: list[str] = []
        self.lock: LockFile | None = None

    def requirements(
        self, path: str, kind: str, install: Install, included_by: str | None, seen: set[str]
    ) -> None:
        if path in seen:
            return
        seen.add(path)
        record = self.repo.record(path)
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
                resolver_pin = _pinned_as_dependency(requirement)
                self.declared.append(Declared(requirement, path, install, resolver_pin))
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
        record = self.repo.record(path)
        if install.tool == "pipenv":
            lock = self.lock_in(directory)
            if lock is None:
                self.unknown.append(f"no Pipfile.lock in {directory or '.'}")
                return
            for package in lock.packages:
                requirement = from_pep508(package.name, package.line, 1, package.line, 1)
                self.declared.append(Declared(requirement, lock.path, install))
            return
        if install.no_deps and install.tool != "uv":
            return  # `pip install --no-deps .`: the project, not its dependencies
        if not isinstance(record, Pyproject):
            self.unknown.append(f"{path} cannot be read (setup.py projects are not read)")
            return
        self.files.append(InstalledFile(path, "pyproject", install, None))
        if "dependencies" in record.dynamic:
            beside = (
                posixpath.join(directory, "requirements.txt") if directory else ("requirements.txt")
            )
            if isinstance(self.repo.record(beside), RequirementsFile):
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
        text = self.repo.text(path)  # a script source.py could not read has none
        if text is None:
            self.unknown.append(f"{path} (run by the Dockerfile) cannot be read")
            return
        if text.startswith("#!") and shebang_shell(text) is None:
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
            elif inner.kind == "unknown":
                self.unknown.append(f"{path}: {inner.value}")

    def lock_in(self, directory: str) -> LockFile | None:
        return self.repo.locks.get(directory)

    def read(self) -> ImageDeps:
        record: Dockerfile = self.image.record
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
            elif install.kind == "unknown":
                self.unknown.append(f"line {install.line}: {install.value}")
        service_dir = posixpath.dirname(self.image.dockerfile)
        for directory in [*self.lock_dirs, service_dir]:
            self.lock = self.lock or self.lock_in(directory)
        names = frozenset(d.normalized for d in self.declared)
        # what is installed with its dependencies brings them; `uv pip sync` brings none
        with_deps = [d for d in self.declared if not d.install.no_deps]
        brought = {
            name
            for d in with_deps
            for name in self.transitive(frozenset({d.normalized}), [d])
            if name in names
        }
        transitive = self.transitive(names, with_deps)
        return ImageDeps(
            image=self.image,
            files=tuple(self.files),
            declared=tuple(self.declared),
            constraint_pins=dict(self.pins),
            lock=self.lock,
            transitive=transitive,
            apt=tuple(i for i in installs if i.kind == "apt"),
            unknown=tuple(self.unknown),
            clean_base=bool(_CLEAN_BASE.match(record.ancestry()[-1].base)),
            names=names,
            brought=frozenset(brought),
            final_line=record.final.line,
            final_col=record.final.col,
            dist_packages_links=_dist_packages_links(record),
            unmet=tuple(self.unmet(names | frozenset(transitive))),
            unknown_dependencies=self.unknown_dependencies(with_deps),
        )

    def unknown_dependencies(self, with_deps: Sequence[Declared]) -> tuple[str, ...]:
        """The declared distributions (installed with their dependencies) whose dependencies
        neither the lock file (it lists the distribution) nor the curated table (it has the
        name and every extra installed) knows. The table's entries are taken as complete:
        what they bring needs no entry of its own (a leaf has none)."""
        table = transitive_table()
        locked = {p.normalized: p for p in self.lock.packages} if self.lock is not None else {}
        found: list[str] = []
        for declared in with_deps:
            name = declared.normalized
            package = locked.get(name)
            if package is None and name not in table:
                found.append(declared.requirement.name)
                continue
            locked_extras = package.extras if package is not None else {}
            unknown = [
                e
                for e in declared.requirement.extras
                if f"{name}[{e}]" not in table and e not in locked_extras
            ]
            if unknown:
                found.append(f"{declared.requirement.name}[{','.join(unknown)}]")
        return tuple(dict.fromkeys(found))

    def required(self, name: str) -> tuple[tuple[str, ...], str] | None:
        """The dependencies a distribution needs on every platform, and what says so: the lock
        file when it locks that distribution at the version the image pins (any version when
        the image does not pin it), else the curated table; None when neither knows them."""
        declared = next((d for d in self.declared if d.normalized == name), None)
        pinned = declared.requirement.pinned_version if declared is not None else None
        lock = self.lock
        if lock is not None:
            for package in lock.packages:
                if package.normalized == name and (pinned is None or package.version == pinned):
                    return package.required, lock.path
        table = transitive_table()
        keys = [name]
        if declared is not None:
            keys += [f"{name}[{e}]" for e in declared.requirement.extras]
        if not any(k in table for k in keys):
            return None
        needed = [n for k in keys for n in table.get(k, ())]
        return tuple(dict.fromkeys(needed)), "data/transitive.json"

    def unmet(self, installed: frozenset[str]) -> list[UnmetDependency]:
        """The distributions installed without their dependencies (`uv pip sync`, `--no-deps`)
        that need one the image does not install; through the needed ones also installed
        without theirs."""
        no_deps = {d.normalized for d in self.declared if d.install.no_deps}
        found: list[UnmetDependency] = []
        seen: set[str] = set()
        for declared in self.declared:
            if not declared.install.no_deps or declared.normalized in seen:
                continue
            seen.add(declared.normalized)
            todo: list[tuple[str, ...]] = [(declared.normalized,)]
            visited: set[str] = set()
            while todo:
                chain = todo.pop(0)
                name = chain[-1]
                if name in visited:
                    continue
                visited.add(name)
                needed = self.required(name)
                if needed is None:
                    continue  # what it needs is not known: say nothing
                names, source = needed
                for dependency in names:
                    if dependency not in installed:
                        found.append(UnmetDependency(declared, chain, dependency, source))
                    elif dependency in no_deps:
                        todo.append((*chain, dependency))
        return found

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


def image_dependencies(
    images: Sequence[Image], files: Mapping[str, ParsedFile]
) -> dict[str, ImageDeps]:
    """What each image (with contents) installs, by image key."""
    repo = _Files(files)
    return {image.key: _Reader(repo, image).read() for image in images if image.contents}


def unknown_install_notes(image_deps: Mapping[str, ImageDeps]) -> list[str]:
    """Notes (`--verbose`) for the images whose installs the model cannot all read: why the
    dependency rules say nothing about them."""
    notes = []
    for _key, deps in sorted(image_deps.items()):
        if deps.unknown:
            notes.append(
                f"{deps.image.dockerfile}: what the image installs is not known"
                f" ({'; '.join(deps.unknown[:3])}): VL301, VL303 and VL204 do not judge"
                " its Python distributions"
            )
    return list(dict.fromkeys(notes))


def _pinned_as_dependency(requirement: Requirement) -> bool:
    """Whether the requirement's `# via` annotation names no `-r`/`-c` input file (see
    `Declared.resolver_pin`)."""
    via = requirement.via
    return bool(via) and not any(name.startswith(("-r", "-c")) for name in via)


def repository_pins(
    image_deps: Mapping[str, ImageDeps],
) -> dict[str, dict[str, tuple[Declared, ...]]]:
    """normalised name -> version -> the declarations that pin it, over every image."""
    pins: dict[str, dict[str, list[Declared]]] = {}
    seen: set[tuple[str, int, int]] = set()
    for deps in image_deps.values():
        for declared in deps.declared:
            version = declared.requirement.pinned_version
            where = (declared.path, declared.requirement.line, declared.requirement.col)
            if version is None or where in seen:
                continue
            seen.add(where)
            pins.setdefault(declared.normalized, {}).setdefault(version, []).append(declared)
    return {name: {v: tuple(d) for v, d in by.items()} for name, by in pins.items()}


def third_party_imports(
    runtimes: Sequence[ContainerRuntime], module_map: ModuleMap
) -> dict[str, tuple[ThirdPartyImport, ...]]:
    """Third-party, unguarded imports by image key, once per image, statement and import name
    (every image that runs has its key, with no import at all too)."""
    found: dict[str, dict[tuple[str, int, int, str], ThirdPartyImport]] = {}
    for ctr in runtimes:
        per_image = found.setdefault(ctr.image.key, {})
        runtime = ctr.runtime
        if not runtime.entrypoints:
            continue
        entry: Evidence = runtime.entrypoints[0].source
        for edge in runtime.imports:
            if edge.status != "third-party" or edge.imp.guarded or edge.imp.type_checking:
                continue
            if edge.path in runtime.absent:
                continue  # a module the image lacks: the import of it fails first (VL202)
            modules = [edge.target]
            if module_map.is_namespace(edge.target) and edge.imp.is_from:
                modules = [f"{edge.target}.{n.name}" for n in edge.imp.names]
            for module in modules:
                key = (edge.path, edge.imp.line, edge.imp.col, module_map.owner(module).module)
                per_image.setdefault(key, ThirdPartyImport(edge, module, entry))
    return {k: tuple(v[key] for key in sorted(v)) for k, v in found.items()}
