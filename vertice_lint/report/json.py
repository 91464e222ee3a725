"""The JSON format: one stable document, described field by field in data/report.schema.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from vertice_lint import __version__
from vertice_lint.diagnostics import Diagnostic, Severity
from vertice_lint.report.context import (
    ReportContext,
    display_path,
    fix_applicable,
    rule_name,
    severity_counts,
)

# Bumped only when a field changes meaning or disappears; new fields keep version 1.
REPORT_VERSION = 1


def render(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    """The JSON report, keys in a fixed order, indented by 2, ending with a newline."""
    return json.dumps(report(diagnostics, ctx), indent=2, ensure_ascii=False) + "\n"


def report(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> dict[str, Any]:
    """The report as plain data (what `render` serialises)."""
    counts = severity_counts(diagnostics)
    return {
        "version": REPORT_VERSION,
        "tool": {"name": "vertice-lint", "version": __version__},
        "diagnostics": [_diagnostic(d, ctx) for d in diagnostics],
        "summary": {
            "errors": counts[Severity.ERROR],
            "warnings": counts[Severity.WARNING],
            "infos": counts[Severity.INFO],
            "fixable": sum(fix_applicable(d, ctx) for d in diagnostics),
            "files_checked": ctx.summary.files_checked,
            "schema_skipped": ctx.summary.schema_skipped,
            **(
                {
                    "baseline": {
                        "hidden": ctx.summary.baselined,
                        "gone": ctx.summary.baseline_gone,
                    }
                }
                if ctx.summary.baseline_used
                else {}
            ),
        },
    }


def _diagnostic(diagnostic: Diagnostic, ctx: ReportContext) -> dict[str, Any]:
    fix = diagnostic.fix
    return {
        "rule": diagnostic.rule,
        "name": rule_name(diagnostic, ctx),
        "severity": diagnostic.severity.value,
        "path": display_path(diagnostic.path, ctx),
        "line": diagnostic.line,
        "column": diagnostic.col,
        "end_line": diagnostic.end_line,
        "end_column": diagnostic.end_col,
        "message": diagnostic.message,
        "evidence": [
            {
                "path": display_path(ev.path, ctx),
                "line": ev.line,
                "column": ev.col,
                "note": ev.note,
            }
            for ev in diagnostic.evidence
        ],
        "fix": None
        if fix is None
        else {
            "safety": fix.safety.value,
            "description": fix.description,
            "applicable": fix_applicable(diagnostic, ctx),
        },
    }
