"""A git-style unified diff of what a fix run changes (`--diff`)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping

from vertice_lint.diagnostics import ParseFailure
from vertice_lint.source import decode

_NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(
    changes: Mapping[str, tuple[bytes | None, bytes | None]],
    display: Callable[[str], str],
    secrets: Iterable[str] = (),
) -> str:
    """All changes as one unified diff, files in path order, 3 lines of context; the
    `secrets` the fixes take out of the files are shown as `****` (a diff goes to CI logs)."""
    hidden = sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True)
    parts: list[str] = []
    for path in sorted(changes):
        old, new = changes[path]
        if old == new:
            continue
        name = display(path)
        old_name = "/dev/null" if old is None else f"a/{name}"
        new_name = "/dev/null" if new is None else f"b/{name}"
        try:
            old_lines = _lines(old, path)
            new_lines = _lines(new, path)
        except ParseFailure:
            parts.append(f"Binary files {old_name} and {new_name} differ\n")
            continue
        for line in difflib.unified_diff(old_lines, new_lines, old_name, new_name, n=3):
            if line.startswith(("---", "+++")):
                line = line.rstrip() + "\n"  # difflib adds a trailing tab-less blank
            for secret in hidden:
                line = line.replace(secret, "****")
            parts.append(line if line.endswith("\n") else line + "\n" + _NO_NEWLINE)
    return "".join(parts)


def _lines(data: bytes | None, path: str) -> list[str]:
    if data is None:
        return []
    return decode(data, python=path.endswith(".py")).text.splitlines(keepends=True)
