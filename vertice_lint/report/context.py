"""What every report format reads: the filtered diagnostics, the run's summary, the paths.

Every format sees the same input: the diagnostics that remain, sorted by
(path, line, col, rule), and a `ReportContext` with the catalog, the paths and the run's
summary. Rendering is pure: it returns the whole output as one string and never prints.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from vertice_lint.catalog import RuleMeta
from vertice_lint.diagnostics import Diagnostic, Safety, Severity


@dataclass(frozen=True)
class RunSummary:
    """What the run looked at, beyond the diagnostics themselves."""

    files_checked: int
    files_by_kind: Mapping[str, int]
    # Kubernetes objects with no schema (CRDs): counted, not validated.
    schema_skipped: int
    # Diagnostics fixed by --fix in this run.
    fixed: int = 0
    # Assumptions, skipped stale Dockerfiles...: shown only in verbose mode.
    notes: tuple[str, ...] = ()
    # What failed inside the tool (a rule that crashed): the run's report is incomplete.
    internal_errors: tuple[str, ...] = ()
    # With --baseline: the findings it hid, and its entries that no longer occur.
    baseline_used: bool = False
    baselined: int = 0
    baseline_gone: int = 0


@dataclass(frozen=True)
class ReportContext:
    """Everything a format needs besides the diagnostics."""

    rules: Mapping[str, RuleMeta]
    # Absolute linted root; Diagnostic.path and Evidence.path are relative to it.
    root: Path
    # Paths are printed relative to this (normally the cwd); outside it, absolute.
    display_base: Path
    summary: RunSummary
    unsafe_fixes: bool = False
    statistics: bool = False
    quiet: bool = False
    verbose: bool = False
    show_fixes: bool = False
    fixed: tuple[Diagnostic, ...] = ()
    # the repository's top (git's top level) when the linted root is below it: SARIF paths
    repo_root: Path | None = None
    # text format: ANSI colours (a terminal), and the full format (severity and a frame of
    # the source line under each diagnostic) rather than the concise one-line form
    color: bool = False
    full: bool = False


def display_path(path: str, ctx: ReportContext) -> str:
    """A root-relative path as the user should see it: relative to display_base, else absolute.

    Pure path arithmetic: the caller passes root and display_base already resolved, so
    nothing here touches the filesystem.
    """
    full = Path(os.path.normpath(ctx.root / path))
    base = Path(os.path.normpath(ctx.display_base))
    try:
        shown = full.relative_to(base).as_posix()
    except ValueError:
        shown = full.as_posix()
    return printable(shown)


def printable(text: str, keep: str = "") -> str:
    """A file name (or, with `keep="\\n\\t"`, a message quoting a repository's text) as a
    terminal may show it: control characters (an ESC that would start a colour or move the
    cursor, a newline in a name that would forge a line) as `\\xNN` escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else _escape(c) for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:  # a byte of a name that is not UTF-8 (a surrogate escape)
        return "\ufffd"
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in report order: path, line, column, rule (message breaks ties)."""
    return sorted(diagnostics, key=Diagnostic.sort_key)


def fix_applicable(diagnostic: Diagnostic, ctx: ReportContext) -> bool:
    """Whether --fix would apply this diagnostic's fix under the current settings."""
    fix = diagnostic.fix
    return fix is not None and (fix.safety is Safety.SAFE or ctx.unsafe_fixes)


def fix_hidden(diagnostic: Diagnostic, ctx: ReportContext) -> bool:
    """Whether this diagnostic has an unsafe fix that --unsafe-fixes would enable."""
    fix = diagnostic.fix
    return fix is not None and fix.safety is Safety.UNSAFE and not ctx.unsafe_fixes


def rule_name(diagnostic: Diagnostic, ctx: ReportContext) -> str:
    """The rule's name: from the diagnostic, else from the catalog, else empty."""
    if diagnostic.name:
        return diagnostic.name
    meta = ctx.rules.get(diagnostic.rule)
    return meta.name if meta else ""


def severity_counts(diagnostics: Iterable[Diagnostic]) -> dict[Severity, int]:
    """How many diagnostics of each severity, every severity present (possibly 0)."""
    counts = dict.fromkeys(Severity, 0)
    for diagnostic in diagnostics:
        counts[diagnostic.severity] += 1
    return counts
