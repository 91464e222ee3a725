"""The facts of the GitOps inventory and of the tool's input (model/inventory.py), derived once.

Called at the end of `link()` (and by `fallback_workspace`, for the facts that need no links):
the parse problems of every file (VL001).
"""

from __future__ import annotations

from collections.abc import Mapping

from vertice_lint.model.inventory import FileProblem
from vertice_lint.parsers import ParsedFile

# --- VL001: parse problems ------------------------------------------------------------------


def parse_problems(files: Mapping[str, ParsedFile]) -> tuple[FileProblem, ...]:
    """The non-fatal problems (bad lines) of every parsed file, in path order."""
    return tuple(
        FileProblem(path, problem.line, problem.col, problem.message)
        for path in sorted(files)
        for problem in getattr(files[path].record, "problems", ())
    )
