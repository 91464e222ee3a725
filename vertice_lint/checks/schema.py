"""VL801 schema-invalid: Kubernetes objects against the official JSON Schema."""

from __future__ import annotations

from collections.abc import Iterator

from vertice_lint import k8s_schema
from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic
from vertice_lint.model import Workspace
from vertice_lint.parsers.yaml import key_pos, value_pos


def schema_invalid(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Every Kubernetes resource validated against the schema of the configured version."""
    version = ws.kubernetes_version
    for entry in ws.kube_objects:
        if not entry.validated:
            continue
        obj = entry.obj
        result = k8s_schema.validate(obj.plain, version)
        for error in result.errors:
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


def _dotted(path: tuple[str | int, ...]) -> str:
    """("spec", "containers", 0, "image") -> "spec.containers[0].image"."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out
