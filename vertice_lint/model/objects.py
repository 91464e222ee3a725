"""The repository's objects as the sync roots render them: services (source directories),
Kubernetes objects and where each value was written, ConfigMaps/Secrets, sync roots."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vertice_lint.model.base import Link, Written

if TYPE_CHECKING:
    from vertice_lint.model.workload import Workload


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
    # a generator whose `envs` file the repository does not hold (made at deploy time,
    # gitignored): it gives keys nobody here can list
    keys_unknown: bool = False

    @property
    def keys_known(self) -> bool:
        """`keys` is all it defines: neither external nor partly from a missing file."""
        return not self.external and not self.keys_unknown


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
    path, or (with no Argo CD or Flux object) a plain directory of manifests, as `kubectl
    apply -f DIR` applies it; and what it renders."""

    kind: str  # kustomization, argocd-application, flux-kustomization, directory
    directory: str  # the directory rendered ("" for the repository root)
    path: str  # the file that declares it (for a plain directory: the directory)
    line: int
    col: int
    objects: tuple[RenderedObject, ...] = ()
    workloads: tuple[Workload, ...] = ()  # those it renders (the Workspace's), linked to images
    files: frozenset[str] = frozenset()  # every file the rendering read
    link: Link = field(default_factory=lambda: Link(""))

    @property
    def name(self) -> str:
        return self.directory or "."

    @property
    def applied_together(self) -> bool:
        """Every file it renders is proven applied at once: a kustomization, an Argo CD or Flux
        path. A plain directory is not: its files may be alternative examples, each applied
        alone (`sc-a.yaml` or `sc-b.yaml`; an `all-in-one.yaml` or the files it merges)."""
        return self.kind != "directory"


@dataclass(frozen=True)
class DeployedArtifacts:
    """Image names a deploy tool replaces with the image it has just built, in the manifests
    it deploys: skaffold writes each `build.artifacts[].image` it finds in its `rawYaml`,
    `kubectl.manifests` or kustomize `paths` as the built `tag@digest`, whatever tag the
    manifest wrote (link/builds.py)."""

    repositories: frozenset[str]  # the artifact images, as `image_repository` reads them
    files: frozenset[str]  # the manifests deployed
    path: str  # the file that declares it (skaffold.yaml)
    line: int
    col: int
