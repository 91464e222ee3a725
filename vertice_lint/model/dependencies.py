"""Python distributions: which import comes from which distribution, what an image installs."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name

from vertice_lint.diagnostics import Evidence
from vertice_lint.model.image import Image, Install
from vertice_lint.model.runtime import ImportEdge
from vertice_lint.parsers.lockfile import LockFile
from vertice_lint.parsers.requirements import Requirement

_VERSION_SUFFIX = re.compile(r"_v\d+(?:p\d+)?(?:alpha|beta)?\d*$")


SOURCES = {
    "config": "[tool.vertice-lint.module-map]",
    "data": "vertice-lint's module map",
    "environment": "the linting environment's installed metadata",
    "convention": "import name = distribution name",
}


def import_name(module: str, namespaces: frozenset[str]) -> str:
    """The import name of a dotted module: its first component below the namespace packages
    (`google.cloud.storage.blob` -> google.cloud.storage, `yaml.constructor` -> yaml)."""
    parts = module.split(".")
    depth = 1
    while depth < len(parts) and ".".join(parts[:depth]) in namespaces:
        depth += 1
    return ".".join(parts[:depth])


def conventional_distribution(module: str, namespaces: frozenset[str]) -> str:
    """The normalised distribution name the convention gives a dotted import: the import
    name with dashes, without an API version suffix (`google.cloud.pubsub_v1` ->
    google-cloud-pubsub)."""
    parts = import_name(module, namespaces).split(".")
    if len(parts) > 1:
        parts[-1] = _VERSION_SUFFIX.sub("", parts[-1]) or parts[-1]
    return canonicalize_name("-".join(parts))


@dataclass(frozen=True)
class Owner:
    """The distribution(s) an import comes from, and which source says so."""

    module: str  # the import name the mapping is about ("yaml", "google.cloud.storage")
    distributions: tuple[str, ...]  # the usual one first
    source: str  # a key of SOURCES

    @property
    def name(self) -> str:
        return self.distributions[0]

    def describe(self) -> str:
        if self.source == "convention":
            return f"{self.name} (import name = distribution name)"
        return f"{self.name} (mapping from {SOURCES[self.source]})"


@dataclass(frozen=True)
class SystemModule:
    """A module only distro packages provide (or that PyPI builds need system libraries for)."""

    module: str
    debian: tuple[str, ...]  # the Debian packages that install it under dist-packages
    pypi: tuple[str, ...] = ()  # PyPI distributions that provide it too


@dataclass(frozen=True)
class ModuleMap:
    """Import name -> distribution, with the precedence of `link/dependencies.py`: the project
    config (`config`: its (module, distribution) pairs), the shipped exceptions (`data`), the
    linting environment's installed metadata (`environment`), and last the convention "import
    name = distribution name" below the `namespaces` packages. `system` lists the modules only
    a distro package provides (by top-level name)."""

    config: tuple[tuple[str, str], ...] = ()
    data: Mapping[str, Sequence[str]] = field(default_factory=dict)
    namespaces: frozenset[str] = frozenset()
    environment: Mapping[str, Sequence[str]] = field(default_factory=dict)
    system: Mapping[str, SystemModule] = field(default_factory=dict)
    # normalised names of distributions known to exist: the shipped list and tables, and
    # every distribution a requirements/pyproject/lock file of the repository names
    known: frozenset[str] = frozenset()
    # top-level names the repository defines as a package or module (`backend`, `shared`)
    first_party: frozenset[str] = frozenset()
    # normalised names of distributions other distributions commonly depend on: every
    # dependency of the curated table, its `libraries`, and every dependency a lock file of
    # the repository gives a third-party distribution (not the repository's own projects)
    dependencies: frozenset[str] = frozenset()

    @functools.cached_property
    def _config(self) -> dict[str, tuple[str, ...]]:
        grouped: dict[str, tuple[str, ...]] = {}
        for module, dist in self.config:
            grouped[module] = (*grouped.get(module, ()), dist)
        return grouped

    @staticmethod
    def _prefixes(dotted: str) -> list[str]:
        parts = dotted.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]

    def is_namespace(self, dotted: str) -> bool:
        return dotted in self.namespaces

    def owner(self, dotted: str) -> Owner:
        """The distribution to name for an import, and the source of that mapping."""
        for prefix in self._prefixes(dotted):
            if prefix in self._config:
                return Owner(prefix, self._config[prefix], "config")
        for prefix in self._prefixes(dotted):
            if prefix in self.data:
                return Owner(prefix, tuple(self.data[prefix]), "data")
        conventional = conventional_distribution(dotted, self.namespaces)
        top = dotted.split(".")[0]
        found = self.environment.get(top, ())
        if (
            top not in self.namespaces
            and found
            and all(canonicalize_name(d) != conventional for d in found)
        ):
            return Owner(top, tuple(found), "environment")
        return Owner(import_name(dotted, self.namespaces), (conventional,), "convention")

    def providers(self, dotted: str) -> frozenset[str]:
        """Every normalised distribution name that may provide the import.

        Below a namespace package every longer prefix names a distribution too
        (`opentelemetry.exporter.jaeger.thrift` -> opentelemetry-exporter-jaeger and
        opentelemetry-exporter-jaeger-thrift)."""
        for prefix in self._prefixes(dotted):
            if prefix in self._config:
                return frozenset(canonicalize_name(d) for d in self._config[prefix])
        names = {conventional_distribution(dotted, self.namespaces)}
        depth = import_name(dotted, self.namespaces).count(".") + 1
        parts = dotted.split(".")
        if depth > 1:
            for end in range(depth + 1, len(parts) + 1):
                tail = _VERSION_SUFFIX.sub("", parts[end - 1]) or parts[end - 1]
                names.add(canonicalize_name("-".join([*parts[: end - 1], tail])))
        for prefix in self._prefixes(dotted):
            names.update(canonicalize_name(d) for d in self.data.get(prefix, ()))
        top = dotted.split(".")[0]
        if top not in self.namespaces:
            names.update(canonicalize_name(d) for d in self.environment.get(top, ()))
        return frozenset(names)

    def guessed(self, dotted: str) -> str | None:
        """Why the distribution of an import is only a guess (None: it is known).

        The convention "import name = distribution name" is a guess unless that name is a
        known distribution; a top-level name the repository itself defines is first-party
        code more likely than a distribution nothing names. Such an import is never
        reported as missing, and the name never written into a requirements file.
        """
        owner = self.owner(dotted)
        if owner.source != "convention":
            return None
        if self.providers(dotted) & self.known:
            return None
        top = dotted.split(".")[0]
        if top in self.first_party:
            return (
                f"`{top}` is a package of the repository, and no requirements file names a"
                f" distribution {owner.name}"
            )
        return f"{owner.name} is not a distribution vertice-lint knows (import name = its name?)"

    def system_module(self, dotted: str) -> SystemModule | None:
        """The distro-only module a dotted import belongs to, if it is one."""
        return self.system.get(dotted.split(".")[0])


def squashed(name: str) -> str:
    """A name without case and separators: `google-cloud-profiler` and the import
    `googlecloudprofiler`, `python_json_logger` and `pythonjsonlogger` compare equal."""
    return re.sub(r"[-_.]+", "", name).lower()


def declared_by_spelling(module: str, names: Iterable[str], namespaces: frozenset[str]) -> bool:
    """Whether a declared distribution is spelt as the import with its separators dropped
    (google-cloud-profiler installs `googlecloudprofiler`): many distributions that the
    module map does not list are named so, and their import cannot be missing then."""
    top = squashed(import_name(module, namespaces))
    return len(top) > 3 and any(squashed(n) == top for n in names)


@dataclass(frozen=True)
class InstalledFile:
    """A requirements/constraints file or a pyproject.toml the image installs from."""

    path: str
    kind: str  # "requirements", "constraints", "pyproject"
    install: Install  # the RUN that installs it (directly or through includes)
    included_by: str | None  # the file whose `-r`/`-c` line brings it


@dataclass(frozen=True)
class Declared:
    """A distribution the image installs on purpose, and where that is written."""

    requirement: Requirement
    path: str  # requirements file, pyproject.toml, lock file, or the Dockerfile
    install: Install
    # A compiled requirements file (pip-compile, `uv pip compile`) pins it only because other
    # distributions need it: its `# via` annotation names no `-r`/`-c` input file. Such a pin
    # follows the resolver, not a choice of the service.
    resolver_pin: bool = False

    @property
    def normalized(self) -> str:
        return self.requirement.normalized


@dataclass(frozen=True)
class UnmetDependency:
    """A distribution installed without its dependencies (`uv pip sync`, `pip-sync`,
    `--no-deps`) that needs one nothing in the image installs: importing it fails."""

    declared: Declared  # the distribution installed without its dependencies
    # normalised names from the declared one to the one that needs `missing` (through
    # dependencies also installed without theirs)
    chain: tuple[str, ...]
    missing: str  # the normalised name nothing installs
    source: str  # what says it is needed: the lock file's path or "data/transitive.json"


# Where Debian's python3 packages (apt-get install python3-xyz) put their modules.
DIST_PACKAGES = "/usr/lib/python3/dist-packages"


@dataclass(frozen=True)
class DistPackagesLink:
    """A RUN that makes Debian's /usr/lib/python3/dist-packages visible to the /usr/local
    Python `python` ("3.11": it writes into /usr/local/lib/python3.11/site-packages)."""

    line: int
    col: int
    python: str


@dataclass(frozen=True)
class ImageDeps:
    """The Python distributions an image installs."""

    image: Image
    files: tuple[InstalledFile, ...]
    declared: tuple[Declared, ...]
    constraint_pins: Mapping[str, str]  # normalised name -> version pinned by a -c file
    lock: LockFile | None
    transitive: Mapping[str, tuple[str, str]]  # normalised -> (declared parent, source path)
    apt: tuple[Install, ...]
    unknown: tuple[str, ...]  # installs that could not be read (then absence proves nothing)
    clean_base: bool  # the base image brings no third-party distribution
    names: frozenset[str] = field(default=frozenset())
    # declared names that another declared distribution brings anyway (a deliberate pin)
    brought: frozenset[str] = field(default=frozenset())
    # where the final stage starts (its FROM): what "installs nothing" points at
    final_line: int = 1
    final_col: int = 1
    # the RUNs of the final stage and the stages it is built FROM (build order) that link
    # dist-packages into a /usr/local Python's site-packages
    dist_packages_links: tuple[DistPackagesLink, ...] = ()
    # distributions installed without their dependencies whose needed dependencies nothing
    # installs (known from a lock file or the curated table only)
    unmet: tuple[UnmetDependency, ...] = ()
    # the distributions installed with their dependencies whose dependencies neither the lock
    # file nor the curated table knows (as written, `name[extra]` when only an extra is
    # unknown): what the image installs is then not all known
    unknown_dependencies: tuple[str, ...] = ()

    def may_bring(self, providers: frozenset[str], common: frozenset[str]) -> tuple[str, ...]:
        """The installed distributions whose unknown dependencies may bring a module's
        distribution, when it is one other distributions commonly depend on (`common`: see
        `ModuleMap.dependencies`); () when the image's closure proves it absent."""
        return self.unknown_dependencies if providers & common else ()

    def fix_target(self) -> InstalledFile | None:
        """The file a missing requirement is added to: the first one the Dockerfile names."""
        for kind in ("requirements", "pyproject"):
            for installed in self.files:
                if installed.kind == kind and installed.included_by is None:
                    return installed
        return None

    def evidence(self) -> tuple[Evidence, ...]:
        """How the image installs its Python requirements (Dockerfile lines)."""
        out = []
        for installed in self.files:
            via = f" (through {installed.included_by})" if installed.included_by else ""
            if installed.install.no_deps:
                via += f" with `{installed.install.command}`, without dependencies"
            out.append(
                Evidence(
                    self.image.dockerfile,
                    installed.install.line,
                    installed.install.col,
                    f"the image installs {installed.path}{via}",
                )
            )
        for declared in self.declared:
            if declared.path == self.image.dockerfile:
                out.append(
                    Evidence(
                        self.image.dockerfile,
                        declared.install.line,
                        declared.install.col,
                        f"the image installs {declared.requirement.raw}",
                    )
                )
        if not out:
            out.append(
                Evidence(
                    self.image.dockerfile,
                    self.final_line,
                    self.final_col,
                    "the image installs no Python requirement",
                )
            )
        return tuple(out)


@dataclass(frozen=True)
class ThirdPartyImport:
    """A third-party, unguarded import an image's code makes (once per image, statement and
    import name, whatever the number of containers that reach it)."""

    edge: ImportEdge
    module: str  # the dotted module looked up (below a namespace: `google.cloud.storage`)
    entry: Evidence  # the command that runs the code (of the first container that reaches it)
