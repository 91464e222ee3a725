"""VL801 schema-invalid: Kubernetes objects against the official JSON Schema.

The objects are validated in link (`Workspace.schema_problems`, against the schema of the
configured Kubernetes version); the rule reports each problem the API server would see.
"""

from __future__ import annotations

from collections.abc import Iterator

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic
from vertice_lint.model import Workspace


def schema_invalid(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Every Kubernetes resource validated against the schema of the configured version."""
    for problem in ws.schema_problems:
        if problem.substituted:
            continue  # Flux replaces it (`replicas: ${replicas}`) before the API server
        if problem.fill_in:
            continue  # `lun: <ADD LUN ID Here>`: a person fills it in (a note says so)
        if problem.path in ws.inventory.templates:
            continue  # a template, not the object applied (a note says so)
        where = _dotted(problem.at) or "(object)"
        yield ctx.diagnostic(
            problem.path,
            problem.line,
            problem.col,
            f"{problem.kind} {problem.name or '(unnamed)'}: {where}: {problem.message}",
        )


def _dotted(path: tuple[str | int, ...]) -> str:
    """("spec", "containers", 0, "image") -> "spec.containers[0].image"."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out
