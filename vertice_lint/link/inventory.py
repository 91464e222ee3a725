"""The facts of the GitOps inventory and of the tool's input (model/inventory.py), derived once.

Called at the end of `link()` (and by `fallback_workspace`, for the facts that need no links):
kustomizations and what they list and patch, the image repositories Helm charts' values name,
the registry paths of the images the repository builds, where each workload writes its image,
every Kubernetes object validated against the schema of the configured version (VL801), and
the parse problems of every file (VL001).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from vertice_lint import k8s_schema
from vertice_lint.discover import Kind
from vertice_lint.link import render
from vertice_lint.link.names import norm
from vertice_lint.model import KubeEntry, SyncRoot, Workload
from vertice_lint.model.image import image_repository, registry_path
from vertice_lint.model.inventory import (
    ChartImage,
    FileProblem,
    Inventory,
    KeyPath,
    KustomizationFile,
    PatchTarget,
    RegistryPath,
    ResourceEntry,
    SchemaProblem,
)
from vertice_lint.parsers import ParsedFile
from vertice_lint.parsers.yaml import YamlFile, key_pos, value_pos
from vertice_lint.paths import join, parent_dir

# ${var}, ${var:=default}, ${var:-default}: what Flux's postBuild substitutes before applying
_FLUX_VAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[=-][^}]*)?\}")


def inventory(
    files: Mapping[str, ParsedFile],
    workloads: Sequence[Workload],
    roots: Sequence[SyncRoot],
) -> Inventory:
    """The GitOps inventory of the repository (see model/inventory.py)."""
    kustomizations: list[KustomizationFile] = []
    resources: list[ResourceEntry] = []
    for path in sorted(files):
        record = files[path].record
        if not isinstance(record, YamlFile) or record.kustomization is None:
            continue
        k = record.kustomization
        directory = parent_dir(path)
        if render.kustomization_file(files, directory) == path:
            kustomizations.append(KustomizationFile(path, directory, k.doc_index))
        items = k.node.get("resources") if hasattr(k.node, "get") else None
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, str):
                line, col = key_pos(k.node, ("resources", i))
                target = join(directory, item)
                resources.append(ResourceEntry(path, k.doc_index, i, target, line, col))
    patches = tuple(
        PatchTarget(kfile, line, col, kind, name)
        for kfile, line, col, kind, name in render.patch_targets(files)
    )
    return Inventory(
        kustomizations=tuple(kustomizations),
        resources=tuple(resources),
        patch_targets=patches,
        chart_images=tuple(_chart_images(files)),
        registries=tuple(_registries(workloads, roots)),
        image_positions=dict(_image_positions(files, workloads)),
    )


def _chart_images(files: Mapping[str, ParsedFile]) -> Iterator[ChartImage]:
    """Image repositories the values files of the repository's Helm charts name (`image:` or
    `image: {repository: ...}`), read without rendering the templates."""
    charts = {
        parent_dir(path)
        for path, parsed in files.items()
        if parsed.record is not None and parsed.source.kind is Kind.HELM_CHART
    }
    for path in sorted(files):
        parsed = files[path]
        record = parsed.record
        if parsed.source.kind is not Kind.YAML or not isinstance(record, YamlFile):
            continue
        if parent_dir(path) not in charts:
            continue
        if not PurePosixPath(path).name.lower().startswith("values"):
            continue
        found: set[str] = set()
        for doc in record.documents:
            _walk_values(doc.plain, "", found)
        found.discard("")
        for repository in sorted({image_repository(r) for r in found}):
            yield ChartImage(repository, norm(repository.rsplit("/", 1)[-1]), path)


def _walk_values(node: Any, key: str, found: set[str]) -> None:
    if isinstance(node, dict):
        if key.lower().endswith("image") and isinstance(node.get("repository"), str):
            registry = node.get("registry")
            repo = node["repository"]
            found.add(f"{registry}/{repo}" if isinstance(registry, str) and registry else repo)
        for k, v in node.items():
            if isinstance(v, str) and str(k).lower().endswith("image") and "{{" not in v:
                found.add(image_repository(v))
            _walk_values(v, str(k), found)
    elif isinstance(node, list):
        for item in node:
            _walk_values(item, key, found)


def _registries(workloads: Sequence[Workload], roots: Sequence[SyncRoot]) -> Iterator[RegistryPath]:
    """Registry paths of the images this repository builds, each with one container showing
    it: the workloads as written first, then as the sync roots render them."""
    seen: set[str] = set()
    for workload in [*workloads, *(w for r in roots for w in r.workloads)]:
        for container in workload.containers:
            if container.image and container.image_link is not None:
                prefix = registry_path(container.image)
                if prefix and prefix not in seen:
                    seen.add(prefix)
                    yield RegistryPath(prefix, workload, container)


def _image_positions(
    files: Mapping[str, ParsedFile], workloads: Sequence[Workload]
) -> Iterator[tuple[tuple[str, int, KeyPath], tuple[int, int]]]:
    """(workload file, document, container keypath) -> where its `image:` value is written."""
    for workload in workloads:
        parsed = files.get(workload.path)
        record = parsed.record if parsed is not None else None
        if not isinstance(record, YamlFile):
            continue
        for container in workload.containers:
            key = (workload.path, workload.doc_index, container.keypath)
            if workload.kind == "compose":
                assert record.compose is not None
                at = value_pos(record.compose.node, ("services", workload.name, "image"))
            else:
                data = record.documents[workload.doc_index].data
                at = value_pos(data, (*container.keypath, "image"))
            yield key, at


# --- VL801: the schema ----------------------------------------------------------------------


def substituted_files(files: Mapping[str, ParsedFile], roots: Sequence[SyncRoot]) -> set[str]:
    """Files a Flux Kustomization with `spec.postBuild` renders: Flux substitutes their
    `${var}` before it applies them, so a variable is not the value the API server sees."""
    out: set[str] = set()
    for root in roots:
        if root.kind != "flux-kustomization" or root.path not in files:
            continue
        record = files[root.path].record
        if not isinstance(record, YamlFile):
            continue
        for obj in record.objects:
            spec = obj.plain.get("spec")
            at_root = (obj.line, obj.col) == (root.line, root.col)
            if at_root and isinstance(spec, dict) and isinstance(spec.get("postBuild"), dict):
                out |= root.files
    return out


def schema_problems(
    entries: Sequence[KubeEntry], version: str, substituted: set[str]
) -> tuple[SchemaProblem, ...]:
    """Every whole resource validated against the schema of `version`, in file order."""
    out: list[SchemaProblem] = []
    for entry in entries:
        if not entry.validated:
            continue
        obj = entry.obj
        plain = obj.plain
        if isinstance(plain.get("sops"), dict):
            # SOPS metadata of an encrypted file: Flux (or `sops -d`) removes it before applying
            plain = {k: v for k, v in plain.items() if k != "sops"}
        result = k8s_schema.validate(plain, version)
        for error in result.errors:
            locate = key_pos if error.kind in ("unknown-field", "required") else value_pos
            line, col = locate(entry.document.data, (*obj.path, *error.path))
            variable = entry.path in substituted and _is_variable(obj.plain, error.path)
            out.append(
                SchemaProblem(
                    entry.path,
                    line,
                    col,
                    obj.kind,
                    obj.name,
                    error.path,
                    error.message,
                    error.kind,
                    variable,
                )
            )
    return tuple(out)


def _is_variable(plain: Any, path: KeyPath) -> bool:
    value = plain
    for step in path:
        in_list = isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value)
        if in_list or (isinstance(value, dict) and step in value):
            value = value[step]
        else:
            return False
    return isinstance(value, str) and _FLUX_VAR.search(value) is not None


# --- VL001: parse problems ------------------------------------------------------------------


def parse_problems(files: Mapping[str, ParsedFile]) -> tuple[FileProblem, ...]:
    """The non-fatal problems (bad lines) of every parsed file, in path order."""
    return tuple(
        FileProblem(path, problem.line, problem.col, problem.message)
        for path in sorted(files)
        for problem in getattr(files[path].record, "problems", ())
    )
