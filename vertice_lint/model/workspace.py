"""The model of the whole repository that every rule reads: the Workspace.

Built once by `link.link()` from the parsed files; frozen, so no rule can change what another
rule sees. Every link records why it was made (`Link.reason` and its evidence).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from vertice_lint.config import Config
from vertice_lint.diagnostics import Evidence
from vertice_lint.model.files import (
    Dockerfile,
    DockerIgnore,
    PythonModule,
    RequirementsFile,
    YamlFile,
)
from vertice_lint.model.imports import RepoIndex
from vertice_lint.model.inventory import FileProblem, Inventory, SchemaProblem
from vertice_lint.model.workload import Written
from vertice_lint.parsers import ParsedFile
from vertice_lint.suppress import ObjectScope, Suppression

if TYPE_CHECKING:
    from vertice_lint.model.app import ContainerFacts, ServiceSelection
    from vertice_lint.model.dependencies import (
        Declared,
        ImageDeps,
        ModuleMap,
        ThirdPartyImport,
    )
    from vertice_lint.model.image import Image
    from vertice_lint.model.runtime import ContainerRuntime
    from vertice_lint.model.workload import Workload

R = TypeVar("R")


@dataclass(frozen=True)
class Link:
    """Why two things of the model were tied together."""

    reason: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Service:
    """A source directory that builds an image (a Dockerfile with code beside it)."""

    name: str
    directory: str
    dockerfiles: tuple[str, ...]
    requirements: tuple[str, ...]
    link: Link
    # the names its image may go by: its name, its directory's, the parent's for a layout
    # directory (`src/cartservice/src`), normalised (lower case, `_` and `.` as `-`); a
    # function of name and directory, so not part of equality
    words: frozenset[str] = field(default=frozenset(), compare=False)


@dataclass(frozen=True)
class ConfigSource:
    """A ConfigMap or Secret with the keys it defines, as synced, like the workloads: each
    distinct rendering of it by the sync roots (`synced_by`), else as written. `name` and
    `namespace` are the synced ones (what a workload's reference names); `written_name` the
    name in its file (what a fix writes: kustomize renames the reference with the object);
    `path`, `line`, `col` where it is written (the manifest, or the generator)."""

    kind: str  # ConfigMap, Secret
    name: str
    namespace: str | None
    keys: frozenset[str]
    path: str
    line: int
    col: int
    generated: bool  # from a kustomize generator
    external: bool  # declared external in the config: any key may exist
    written_name: str
    synced_by: tuple[str, ...] = ()  # names (directories) of the sync roots rendering it so


@dataclass(frozen=True)
class KubeEntry:
    """A Kubernetes object and the file it comes from."""

    path: str
    obj: Any  # parsers.yaml.KubeObject
    document: Any  # parsers.yaml.YamlDocument
    validated: bool  # a whole resource (not a kustomize patch, not a CRD instance)


@dataclass(frozen=True)
class Origin:
    """Where a rendered value was written: `keypath` below `node` (a ruamel node) of `path`.

    An inline patch (a YAML string inside a kustomization) is parsed on its own; its
    positions are shifted by `line_offset`/`col_offset` to where the string sits in the file.
    `doc_index` is the document of `path` that `keypath` is in, for a fix to edit (None for
    an inline patch: no key path of the file reaches inside the string). `merge`: a strategic
    merge patch, whose structure mirrors the object's, so that the patch's counterpart of an
    ancestor of the rendered path is the same number of steps up `keypath`.
    """

    path: str
    node: Any = field(compare=False, repr=False)
    keypath: tuple[str | int, ...]
    line_offset: int = 0
    col_offset: int = 0
    doc_index: int | None = None
    merge: bool = False

    def position(self, rest: tuple[str | int, ...] = (), *, value: bool = False) -> tuple[int, int]:
        """1-based (line, col) of `rest` below the origin (its deepest existing ancestor)."""
        from vertice_lint.parsers.yaml import key_pos, value_pos

        locate = value_pos if value else key_pos
        line, col = locate(self.node, (*self.keypath, *rest))
        return line + self.line_offset, col + self.col_offset


@dataclass(frozen=True)
class RenderedObject:
    """An object as a sync root renders it (prefixes, namespaces, patches, images applied).

    `plain` is the rendered content; `entry` the original document (None for an object a
    generator makes); `overrides` the rendered subtrees a patch or an `images:` entry wrote,
    so that `locate` reports a rendered path where it was written.
    """

    root: str
    api_version: str
    kind: str
    name: str
    namespace: str | None
    plain: Mapping[str, Any] = field(compare=False, repr=False)
    path: str
    line: int
    col: int
    entry: KubeEntry | None = field(default=None, compare=False, repr=False)
    overrides: tuple[tuple[tuple[str | int, ...], Origin], ...] = field(default=(), compare=False)

    @property
    def ident(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{ns}{self.name}"

    def locate(
        self, keypath: tuple[str | int, ...], *, value: bool = False
    ) -> tuple[str, int, int]:
        """(file, line, col) where the rendered value at `keypath` was written."""
        if self.entry is None and override(self.overrides, keypath) is None:
            return self.path, self.line, self.col
        at = written_at(self.entry, self.overrides, keypath, value=value)
        return at.path, at.line, at.col


def override(
    overrides: Iterable[tuple[tuple[str | int, ...], Origin]], keypath: tuple[str | int, ...]
) -> tuple[tuple[str | int, ...], Origin] | None:
    """The override that wrote the value at `keypath` (the longest prefix of it), if any."""
    best: tuple[tuple[str | int, ...], Origin] | None = None
    for prefix, origin in overrides:
        if keypath[: len(prefix)] == prefix and (best is None or len(prefix) > len(best[0])):
            best = (prefix, origin)
    return best


def written_at(
    entry: KubeEntry | None,
    overrides: Sequence[tuple[tuple[str | int, ...], Origin]],
    keypath: tuple[str | int, ...],
    *,
    value: bool = False,
) -> Written:
    """Where the value at `keypath` of an object (its manifest `entry`, the `overrides` its
    sync root's patches and `images:` entries wrote) was written: its key, or its value."""
    best = override(overrides, keypath)
    if best is not None:
        prefix, origin = best
        rest = keypath[len(prefix) :]
        line, col = origin.position(rest, value=value)
        return Written(origin.path, line, col, origin.doc_index, (*origin.keypath, *rest))
    assert entry is not None, "an object a generator makes has overrides for all it holds"
    from vertice_lint.parsers.yaml import key_pos, value_pos

    full = (*entry.obj.path, *keypath)
    line, col = (value_pos if value else key_pos)(entry.document.data, full)
    return Written(entry.path, line, col, entry.obj.doc_index, full)


@dataclass(frozen=True)
class SyncRoot:
    """What Argo CD or Flux sync: a kustomization, an Application's or a Flux Kustomization's
    path, or (with no root at all) a plain directory of manifests; and what it renders."""

    kind: str  # kustomization, argocd-application, flux-kustomization, directory
    directory: str  # the directory rendered ("" for the repository root)
    path: str  # the file that declares it (for a plain directory: the directory)
    line: int
    col: int
    objects: tuple[RenderedObject, ...] = ()
    workloads: tuple[Workload, ...] = ()  # those it renders (the Workspace's), linked to images
    files: frozenset[str] = frozenset()  # every file the rendering read
    link: Link = Link("")

    @property
    def name(self) -> str:
        return self.directory or "."


def _no_module_map() -> ModuleMap:
    from vertice_lint.model.dependencies import ModuleMap  # (model.dependencies imports this)

    return ModuleMap()


@dataclass(frozen=True)
class Workspace:
    """Everything vertice-lint knows about the repository."""

    root: Path
    config: Config
    files: Mapping[str, ParsedFile]
    services: tuple[Service, ...] = ()
    images: tuple[Image, ...] = ()
    workloads: tuple[Workload, ...] = ()  # as synced (see Workload); compose services last
    config_sources: tuple[ConfigSource, ...] = ()  # as synced (see ConfigSource)
    kube_objects: tuple[KubeEntry, ...] = ()
    runtimes: tuple[ContainerRuntime, ...] = ()
    ignore_scopes: tuple[ObjectScope, ...] = ()
    suppressions: tuple[Suppression, ...] = ()  # inline `# vertice-lint: ignore` comments
    stale_dockerfiles: tuple[str, ...] = ()
    kubernetes_version: str = ""  # the schema version VL801 validates against
    schema_skipped: int = 0
    notes: tuple[str, ...] = ()
    sync_roots: tuple[SyncRoot, ...] = ()
    user_rule_problems: tuple[tuple[str, int, int, str], ...] = ()  # (path, line, col, message)
    # --- Python dependencies and imports (link/dependencies.py, link/runtime.py) ---
    # import name -> distribution (config, shipped data, environment, convention)
    module_map: ModuleMap = field(default_factory=_no_module_map)
    # what each image with contents installs, by image key
    image_deps: Mapping[str, ImageDeps] = field(default_factory=dict)
    # normalised distribution -> version -> the declarations that pin it, over every image
    pins: Mapping[str, Mapping[str, tuple[Declared, ...]]] = field(default_factory=dict)
    # the third-party imports of the code each image runs, by image key
    third_party: Mapping[str, tuple[ThirdPartyImport, ...]] = field(default_factory=dict)
    # where a dotted module exists in the repository (whether or not an image holds it)
    python_index: RepoIndex = field(default_factory=RepoIndex)
    inventory: Inventory = field(default_factory=Inventory)  # kustomizations, Helm values...
    schema_problems: tuple[SchemaProblem, ...] = ()  # of every validated object, file order
    parse_problems: tuple[FileProblem, ...] = ()  # non-fatal, of every parsed file, path order
    # what each container of `workloads` starts with, in order; the workloads each Service selects
    container_facts: tuple[ContainerFacts, ...] = ()
    service_selections: tuple[ServiceSelection, ...] = ()

    # --- the parsed files, typed: a rule asks for a file's tree, never for `files` itself ---

    @functools.cached_property
    def paths(self) -> tuple[str, ...]:
        """Every file of the repository the run reads, in path order."""
        return tuple(sorted(self.files))

    def has_file(self, path: str) -> bool:
        return path in self.files

    def text(self, path: str) -> str | None:
        """The decoded text of a repository file (what a fix edits); None if it has none."""
        parsed = self.files.get(path)
        return None if parsed is None or parsed.text is None else parsed.text.text

    def _record(self, path: str | None, kind: type[R]) -> R | None:
        parsed = self.files.get(path) if path is not None else None
        record = parsed.record if parsed is not None else None
        return record if isinstance(record, kind) else None

    def dockerfile(self, path: str | None) -> Dockerfile | None:
        return self._record(path, Dockerfile)

    def dockerignore(self, path: str | None) -> DockerIgnore | None:
        return self._record(path, DockerIgnore)

    def python_module(self, path: str | None) -> PythonModule | None:
        return self._record(path, PythonModule)

    def requirements_file(self, path: str | None) -> RequirementsFile | None:
        return self._record(path, RequirementsFile)

    def yaml_file(self, path: str | None) -> YamlFile | None:
        return self._record(path, YamlFile)

    def failures(self) -> Iterator[ParsedFile]:
        """Files that could not be read or parsed."""
        for path in sorted(self.files):
            if self.files[path].failure is not None:
                yield self.files[path]
