"""The model of the whole repository that every rule reads: the Workspace.

Built once by `link.link()` from the parsed files; frozen, so no rule can change what another
rule sees. Every link records why it was made (`Link.reason` and its evidence).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from vertice_lint.config import Config
from vertice_lint.model.dependencies import ModuleMap
from vertice_lint.model.files import (
    Dockerfile,
    DockerIgnore,
    PythonModule,
    RequirementsFile,
    YamlFile,
)
from vertice_lint.model.imports import RepoIndex
from vertice_lint.model.inventory import FileProblem, Inventory, SchemaProblem
from vertice_lint.model.objects import (
    ConfigSource,
    DeployedArtifacts,
    KubeEntry,
    Service,
    SyncRoot,
)
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


def _no_module_map() -> ModuleMap:
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
    # images a deploy tool (skaffold) replaces with what it built, in the manifests it deploys
    deployed_artifacts: tuple[DeployedArtifacts, ...] = ()
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
