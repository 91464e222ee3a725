"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per diagnostic.

The runner turns each line into an annotation on the pull request. Property values escape
`%`, CR, LF, `:` and `,` (they delimit properties); the message escapes `%`, CR and LF, so
the evidence chain rides along as further lines of the same annotation.
"""

from __future__ import annotations

from collections.abc import Sequence

from vertice_lint.diagnostics import Diagnostic, Severity
from vertice_lint.report.context import ReportContext, display_path, rule_name

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    """One workflow command per diagnostic, each ending with a newline."""
    return "".join(f"{command(d, ctx)}\n" for d in diagnostics)


def command(diagnostic: Diagnostic, ctx: ReportContext) -> str:
    """The workflow command for one diagnostic (without the newline)."""
    props = [
        ("file", display_path(diagnostic.path, ctx)),
        ("line", str(diagnostic.line)),
        ("col", str(diagnostic.col)),
    ]
    if diagnostic.end_line is not None or diagnostic.end_col is not None:
        props.append(("endLine", str(diagnostic.end_line or diagnostic.line)))
    if diagnostic.end_col is not None:
        props.append(("endColumn", str(diagnostic.end_col)))
    props.append(("title", f"{diagnostic.rule} {rule_name(diagnostic, ctx)}".rstrip()))
    properties = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    message = "\n".join(
        [
            diagnostic.message,
            *(
                f"= {display_path(ev.path, ctx)}:{ev.line}:{ev.col}: {ev.note}"
                for ev in diagnostic.evidence
            ),
        ]
    )
    return f"::{_COMMANDS[diagnostic.severity]} {properties}::{escape_data(message)}"


def escape_data(value: str) -> str:
    """Escape a command's message: `%` first, so the escapes it introduces stay intact."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a property value: as data, plus the `:` and `,` that delimit properties."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")
