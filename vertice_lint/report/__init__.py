"""Reports: the diagnostics of a run in each output format (text, json, sarif, github).

`context.py` holds what every format reads (the run's summary and display settings); each
format is one module with a `render` function.
"""

from __future__ import annotations

from collections.abc import Sequence

from vertice_lint.diagnostics import Diagnostic
from vertice_lint.report import github, json, sarif, text
from vertice_lint.report.context import (
    ReportContext,
    RunSummary,
    display_path,
    fix_applicable,
    fix_hidden,
    rule_name,
    severity_counts,
    sorted_diagnostics,
)

FORMATS = ("text", "json", "sarif", "github")


def render(fmt: str, diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    """Render `diagnostics` in format `fmt` (one of FORMATS); raises ValueError otherwise."""
    renderers = {
        "text": text.render,
        "json": json.render,
        "sarif": sarif.render,
        "github": github.render,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown output format {fmt!r} (expected one of {', '.join(FORMATS)})")
    return renderers[fmt](sorted_diagnostics(diagnostics), ctx)


__all__ = [
    "FORMATS",
    "ReportContext",
    "RunSummary",
    "display_path",
    "fix_applicable",
    "fix_hidden",
    "render",
    "rule_name",
    "severity_counts",
    "sorted_diagnostics",
]
