"""VL002 unused-suppression: an inline suppression that suppresses nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic, Edit, Fix, Safety
from vertice_lint.model import Workspace
from vertice_lint.suppress import Suppression


def unused_suppression(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A `# vertice-lint: ignore[...]` (or ignore-file) whose codes suppressed nothing this run.

    Runs after the filter: `ctx.idle_suppressions` says which suppressions (and which of their
    codes) did nothing among the rules that ran; a code of a rule that did not run is not judged.
    """
    for sup, idle in ctx.idle_suppressions:
        text = ws.text(sup.path)
        if text is None:
            continue
        what = ", ".join(idle) if idle else "every rule"
        yield ctx.diagnostic(
            sup.path,
            sup.line,
            sup.col,
            f"unused suppression: no {what} diagnostic is reported "
            + ("in this file" if sup.whole_file else "on this line"),
            fix=_fix(text, sup, idle),
        )


def _fix(text: str, sup: Suppression, idle: Sequence[str]) -> Fix:
    remaining = [c for c in sup.codes if c not in idle]
    if remaining:
        kind = "ignore-file" if sup.whole_file else "ignore"
        new = f"# vertice-lint: {kind}[{', '.join(remaining)}]"
        return Fix((Edit(sup.path, sup.start, sup.end, new),), Safety.SAFE, "remove unused codes")
    line_start = text.rfind("\n", 0, sup.start) + 1
    line_end = text.find("\n", sup.end)
    line_end = len(text) if line_end < 0 else line_end + 1
    before = text[line_start : sup.start]
    after = text[sup.end : line_end]
    if not before.strip() and not after.strip():
        edit = Edit(sup.path, line_start, line_end, "")  # the comment was the whole line
    elif after.strip():
        # more comment text follows the marker: keep it a comment
        edit = Edit(sup.path, sup.start, sup.end, "#")
    else:
        start = sup.start
        while start > line_start and text[start - 1] in " \t":
            start -= 1
        edit = Edit(sup.path, start, sup.end, "")
    return Fix((edit,), Safety.SAFE, "remove the unused suppression")
