"""The human format, modelled on ruff's terse output.

```
app/main.py:3:1: VL201 relative import in a script [*]
    = Dockerfile:14:1: main.py is run as a script by `CMD python main.py`

Found 2 errors and 1 warning.
[*] 1 fixable with the --fix option (1 hidden fix can be enabled with the --unsafe-fixes option).
```

The summary wording:

- `Found ...` names only the severities present, singular or plural, joined as
  "1 error", "2 errors and 1 warning", "3 errors, 1 warning and 2 infos";
  `All checks passed!` when nothing remains.
- The fix hints follow ruff: `[*] K fixable with the --fix option.`, with
  ` (U hidden fix(es) can be enabled with the --unsafe-fixes option)` before the full stop
  when unsafe fixes are off, and `No fixes available (...)` when only hidden fixes exist.
- `Fixed N diagnostic(s).` when --fix fixed something; with --show-fixes it is replaced by a
  `Fixed 2 errors and 1 warning:` section listing each fixed diagnostic.
- `Checked F files; S Kubernetes objects without a schema were not validated.` only when
  S > 0; in verbose mode always, with the files per kind and then the notes.
- `--statistics` prints ruff's table (count, rule id, `[*] `/`[ ] ` when any is fixable,
  name; tab separated) instead of the list. `--quiet` prints the list or table only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import click

from vertice_lint.diagnostics import Diagnostic, Severity
from vertice_lint.report.context import (
    ReportContext,
    display_path,
    fix_applicable,
    fix_hidden,
    printable,
    rule_name,
    severity_counts,
    sorted_diagnostics,
)

_NOUNS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}


def render(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    """The text report: the diagnostics (or the statistics table), then the summary."""
    lines = (
        statistics_lines(diagnostics, ctx) if ctx.statistics else diagnostic_lines(diagnostics, ctx)
    )
    if not ctx.quiet:
        if lines:
            lines.append("")
        lines.extend(summary_lines(diagnostics, ctx))
    return "".join(f"{line}\n" for line in lines)


_LAYOUT = "\n\t"  # what a message may hold besides printable characters
_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _style(text: str, ctx: ReportContext, **how: Any) -> str:
    return click.style(text, **how) if ctx.color else text


def diagnostic_lines(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> list[str]:
    """One line per diagnostic, `[*]` when fixable now, then its evidence chain indented; in
    the full format the severity on the line and a frame of the source line below it, the
    span marked (as ruff's full output)."""
    lines = []
    for diagnostic in diagnostics:
        marker = " [*]" if fix_applicable(diagnostic, ctx) else ""
        code = _style(diagnostic.rule, ctx, fg=_COLOURS[diagnostic.severity], bold=True)
        where = _style(_location(diagnostic, ctx), ctx, bold=True)
        severity = f" {diagnostic.severity.value}:" if ctx.full else ""
        lines.append(
            f"{where}{severity} {code} {printable(diagnostic.message, keep=_LAYOUT)}{marker}"
        )
        if ctx.full:
            lines.extend(_frame(diagnostic, ctx))
        lines.extend(
            f"    = {_style(display_path(ev.path, ctx), ctx, fg='cyan')}:{ev.line}:{ev.col}:"
            f" {printable(ev.note, keep=_LAYOUT)}"
            for ev in diagnostic.evidence
        )
    return lines


def _frame(diagnostic: Diagnostic, ctx: ReportContext) -> list[str]:
    """The source line of a diagnostic with its span marked, read from the file (display
    only: a file that cannot be read, or a line it no longer has, shows no frame)."""
    try:
        with open(ctx.root / diagnostic.path, encoding="utf-8", errors="replace") as handle:
            line = next(
                (t for number, t in enumerate(handle, start=1) if number == diagnostic.line), None
            )
    except OSError:
        return []
    if line is None:
        return []
    raw = line.rstrip("\r\n")
    if len(raw) > 200:
        return []
    text = raw.expandtabs(4)
    col = max(diagnostic.col - 1, 0)
    start = len(raw[:col].expandtabs(4))
    one_line = diagnostic.end_line in (None, diagnostic.line)
    if diagnostic.end_col is not None and one_line and diagnostic.end_col - 1 > col:
        width = len(raw[: diagnostic.end_col - 1].expandtabs(4)) - start
    else:
        width = max(len(text.rstrip()) - start, 1)
    gutter = " " * len(str(diagnostic.line))
    carets = _style("^" * width, ctx, fg=_COLOURS[diagnostic.severity], bold=True)
    return [
        f" {gutter} |",
        f" {diagnostic.line} | {_printable(text)}",
        f" {gutter} | {' ' * start}{carets}",
    ]


def _printable(text: str) -> str:
    """A source line without the control characters a terminal would obey."""
    return "".join(c if c.isprintable() or c == " " else "\ufffd" for c in text)


def statistics_lines(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> list[str]:
    """ruff's `--statistics` table: count, id, fixability, name; by count desc then id."""
    counts: dict[str, int] = {}
    fixable: dict[str, bool] = {}
    names: dict[str, str] = {}
    for diagnostic in diagnostics:
        rule = diagnostic.rule
        counts[rule] = counts.get(rule, 0) + 1
        fixable[rule] = fixable.get(rule, False) or fix_applicable(diagnostic, ctx)
        names.setdefault(rule, rule_name(diagnostic, ctx))
    if not counts:
        return []
    rows = sorted(counts, key=lambda rule: (-counts[rule], rule))
    count_width = max(len(str(n)) for n in counts.values())
    id_width = max(len(rule) for rule in rows)
    any_fixable = any(fixable.values())
    lines = []
    for rule in rows:
        mark = ("[*] " if fixable[rule] else "[ ] ") if any_fixable else ""
        lines.append(f"{counts[rule]:>{count_width}}\t{rule:<{id_width}}\t{mark}{names[rule]}")
    return lines


def summary_lines(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> list[str]:
    """The lines after the list: what was fixed, what was found, fix hints, coverage."""
    lines: list[str] = []
    if ctx.show_fixes and ctx.fixed:
        lines.append(f"Fixed {count_phrase(ctx.fixed)}:")
        lines.extend(
            f"- {_location(d, ctx)} {d.rule} {d.message}" for d in sorted_diagnostics(ctx.fixed)
        )
        lines.append("")
    elif ctx.summary.fixed:
        lines.append(f"Fixed {_plural(ctx.summary.fixed, 'diagnostic')}.")

    lines.append(f"Found {count_phrase(diagnostics)}." if diagnostics else "All checks passed!")
    if ctx.summary.baseline_used:
        lines.append(
            f"{_plural(ctx.summary.baselined, 'finding')} hidden by the baseline;"
            f" {_plural(ctx.summary.baseline_gone, 'baseline entry', 'baseline entries')}"
            " no longer occur."
        )

    applicable = sum(fix_applicable(d, ctx) for d in diagnostics)
    hidden = sum(fix_hidden(d, ctx) for d in diagnostics)
    hidden_fixes = _plural(hidden, "hidden fix", "hidden fixes")
    hint = f" ({hidden_fixes} can be enabled with the --unsafe-fixes option)"
    if applicable and hidden:
        lines.append(f"[*] {applicable} fixable with the --fix option{hint}.")
    elif applicable:
        lines.append(f"[*] {applicable} fixable with the --fix option.")
    elif hidden:
        lines.append(f"No fixes available{hint}.")

    lines.extend(_coverage_lines(ctx))
    return lines


def count_phrase(diagnostics: Iterable[Diagnostic]) -> str:
    """'1 error', '2 errors and 1 warning', '3 errors, 1 warning and 2 infos' (non-zero only)."""
    counts = severity_counts(diagnostics)
    parts = [_plural(counts[sev], noun) for sev, noun in _NOUNS.items() if counts[sev]]
    if not parts:
        return "0 errors"
    if len(parts) == 1:
        return parts[0]
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _coverage_lines(ctx: ReportContext) -> list[str]:
    summary = ctx.summary
    skipped = summary.schema_skipped
    if not skipped and not ctx.verbose:
        return []
    checked = f"Checked {_plural(summary.files_checked, 'file')}"
    if ctx.verbose and summary.files_by_kind:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.files_by_kind.items()))
        checked += f" ({kinds})"
    if skipped:
        objects = _plural(skipped, "Kubernetes object")
        verb = "was" if skipped == 1 else "were"
        checked += f"; {objects} without a schema {verb} not validated"
    lines = [f"{checked}."]
    if ctx.verbose:
        lines.extend(f"note: {note}" for note in summary.notes)
    return lines


def _location(diagnostic: Diagnostic, ctx: ReportContext) -> str:
    return f"{display_path(diagnostic.path, ctx)}:{diagnostic.line}:{diagnostic.col}:"


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"
