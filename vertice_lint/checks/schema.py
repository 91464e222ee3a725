"""VL801 schema-invalid: Kubernetes objects against the official JSON Schema."""

from __future__ import annotations

from collections.abc import Iterator

from vertice_lint import k8s_schema
from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic
from vertice_lint.model import Workspace
from vertice_lint.parsers.yaml import key_pos, value_pos

# API groups Kubernetes no longer serves at all (every shipped schema version is newer): the
# schemas know nothing of them, so their objects would pass for custom resources. The API
# server answers "no matches for kind".
_GONE_GROUPS = frozenset({"extensions"})
_REPLACEMENT = {
    "Deployment": "apps/v1",
    "DaemonSet": "apps/v1",
    "ReplicaSet": "apps/v1",
    "Ingress": "networking.k8s.io/v1",
    "NetworkPolicy": "networking.k8s.io/v1",
}


def schema_invalid(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Every Kubernetes resource validated against the schema of the configured version."""
    version = ws.kubernetes_version
    for entry in ws.kube_objects:
        if not entry.validated:
            continue
        obj = entry.obj
        result = k8s_schema.validate(obj.plain, version)
        if result.skipped and obj.api_version.rpartition("/")[0] in _GONE_GROUPS:
            line, col = value_pos(entry.document.data, (*obj.path, "apiVersion"))
            use = _REPLACEMENT.get(obj.kind)
            yield ctx.diagnostic(
                entry.path,
                line,
                col,
                f"{obj.kind} {obj.name or '(unnamed)'}: apiVersion: {obj.api_version} is not"
                f" served by Kubernetes {'.'.join(version.split('.')[:2])}: the API server"
                " rejects the object (no matches for kind)" + (f"; use {use}" if use else ""),
            )
            continue
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
