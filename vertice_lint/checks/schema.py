"""VL801 schema-invalid: Kubernetes objects against the official JSON Schema."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from vertice_lint import k8s_schema
from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic
from vertice_lint.model import Workspace
from vertice_lint.parsers.yaml import YamlFile, key_pos, value_pos

# ${var}, ${var:=default}, ${var:-default}: what Flux's postBuild substitutes before applying
_FLUX_VAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[=-][^}]*)?\}")


def schema_invalid(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Every Kubernetes resource validated against the schema of the configured version."""
    version = ws.kubernetes_version
    substituted = _substituted_files(ws)
    for entry in ws.kube_objects:
        if not entry.validated:
            continue
        obj = entry.obj
        plain = obj.plain
        if isinstance(plain.get("sops"), dict):
            # SOPS metadata of an encrypted file: Flux (or `sops -d`) removes it before applying
            plain = {k: v for k, v in plain.items() if k != "sops"}
        result = k8s_schema.validate(plain, version)
        for error in result.errors:
            if entry.path in substituted and _is_variable(obj.plain, error.path):
                continue  # Flux replaces it (`replicas: ${replicas}`) before the API server
            path = (*obj.path, *error.path)
            locate = key_pos if error.kind in ("unknown-field", "required") else value_pos
            line, col = locate(entry.document.data, path)
            where = _dotted(error.path) or "(object)"
            yield ctx.diagnostic(
                entry.path,
                line,
                col,
                f"{obj.kind} {obj.name or '(unnamed)'}: {where}: {error.message}",
            )


def _substituted_files(ws: Workspace) -> set[str]:
    """Files a Flux Kustomization with `spec.postBuild` renders: Flux substitutes their
    `${var}` before it applies them, so a variable is not the value the API server sees."""
    out: set[str] = set()
    for root in ws.sync_roots:
        if root.kind != "flux-kustomization" or root.path not in ws.files:
            continue
        record = ws.files[root.path].record
        if not isinstance(record, YamlFile):
            continue
        for obj in record.objects:
            spec = obj.plain.get("spec")
            at_root = (obj.line, obj.col) == (root.line, root.col)
            if at_root and isinstance(spec, dict) and isinstance(spec.get("postBuild"), dict):
                out |= root.files
    return out


def _is_variable(plain: Any, path: tuple[str | int, ...]) -> bool:
    value = plain
    for step in path:
        in_list = isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value)
        if in_list or (isinstance(value, dict) and step in value):
            value = value[step]
        else:
            return False
    return isinstance(value, str) and _FLUX_VAR.search(value) is not None


def _dotted(path: tuple[str | int, ...]) -> str:
    """("spec", "containers", 0, "image") -> "spec.containers[0].image"."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out
