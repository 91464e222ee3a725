"""Fixing: build span edits per kind of file, apply and verify them, write atomically.

`text_edit`, `yaml_edit` and `python_edit` are what rules call to build the `Edit`s of a
`Fix`; `loop` applies fixes round after round with verification; `write` puts the result
on disk; `diff` shows it.
"""

from vertice_lint.fix.loop import FixOutcome, LintFn, ReadFn, run_fixes, write_outcome
from vertice_lint.fix.text_edit import EditError
from vertice_lint.fix.write import WriteError

__all__ = [
    "EditError",
    "FixOutcome",
    "LintFn",
    "ReadFn",
    "WriteError",
    "run_fixes",
    "write_outcome",
]
