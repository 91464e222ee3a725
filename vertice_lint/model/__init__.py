"""The model: every type a rule reads, the contract between `link/` (which derives the facts)
and `checks/` (which compares them). It imports nothing above the parsers."""

from vertice_lint.model.app import AppRoutes, EnvGiven, EnvNeed, RunUser, Served, When
from vertice_lint.model.dependencies import (
    SOURCES,
    Declared,
    ImageDeps,
    InstalledFile,
    ModuleMap,
    Owner,
    conventional_distribution,
    declared_by_spelling,
    import_name,
    squashed,
)
from vertice_lint.model.image import CopyStep, FileOrigin, Image, ImageContents, ImageFS, Install
from vertice_lint.model.runtime import ContainerRuntime, Entrypoint, ImportEdge, ModuleNode, Runtime
from vertice_lint.model.workload import Container, EnvFrom, EnvVar, Port, Probe, Workload
from vertice_lint.model.workspace import (
    ConfigSource,
    KubeEntry,
    Link,
    Origin,
    RenderedObject,
    Service,
    SyncRoot,
    Workspace,
)

__all__ = [
    "SOURCES",
    "AppRoutes",
    "ConfigSource",
    "Container",
    "ContainerRuntime",
    "CopyStep",
    "Declared",
    "Entrypoint",
    "EnvFrom",
    "EnvGiven",
    "EnvNeed",
    "EnvVar",
    "FileOrigin",
    "Image",
    "ImageContents",
    "ImageDeps",
    "ImageFS",
    "ImportEdge",
    "Install",
    "InstalledFile",
    "KubeEntry",
    "Link",
    "ModuleMap",
    "ModuleNode",
    "Origin",
    "Owner",
    "Port",
    "Probe",
    "RenderedObject",
    "RunUser",
    "Runtime",
    "Served",
    "Service",
    "SyncRoot",
    "When",
    "Workload",
    "Workspace",
    "conventional_distribution",
    "declared_by_spelling",
    "import_name",
    "squashed",
]
