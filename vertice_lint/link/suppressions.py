"""The inline suppressions written in the repository's files (`# vertice-lint: ignore[...]`)."""

from __future__ import annotations

from collections.abc import Mapping

from vertice_lint.parsers import ParsedFile
from vertice_lint.suppress import Suppression, find_suppressions


def suppressions(files: Mapping[str, ParsedFile]) -> tuple[Suppression, ...]:
    """Every suppression comment of every readable file, in path order."""
    out: list[Suppression] = []
    for path in sorted(files):
        parsed = files[path]
        if parsed.text is not None and "vertice-lint" in parsed.text.text:
            out.extend(find_suppressions(path, parsed.text.text, parsed.source.kind))
    return tuple(out)
