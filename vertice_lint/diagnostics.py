"""The values every stage exchanges: positions, diagnostics, evidence and fixes."""

from __future__ import annotations

import enum
import traceback
from dataclasses import dataclass, field
from pathlib import Path


class Severity(enum.Enum):
    """How bad a finding is (see rules/ for what each rule uses)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Safety(enum.Enum):
    """Fix safety, as in ruff: safe fixes run with --fix, unsafe ones need --unsafe-fixes."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Evidence:
    """One link of a diagnostic's evidence chain: a place and what it shows."""

    path: str
    line: int
    col: int
    note: str


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] of a file (offsets in decoded characters) with `replacement`.

    `create` writes a new file whose whole content is `replacement`; `delete` removes the file.
    """

    path: str
    start: int = 0
    end: int = 0
    replacement: str = ""
    create: bool = False
    delete: bool = False


@dataclass(frozen=True)
class Fix:
    """A list of edits that together correct one diagnostic.

    `leaves`: rule ids whose findings in the edited files this fix knowingly leaves for the
    user (an unpinned requirement line, which VL304 then asks to pin); the fix loop does not
    count those as findings the fix introduced. `secrets`: values the fix takes out of a file
    (a plaintext password it replaces by a reference), which a `--diff` never prints.
    """

    edits: tuple[Edit, ...]
    safety: Safety
    description: str
    leaves: tuple[str, ...] = ()
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True)
class Diagnostic:
    """A finding: rule id, where (1-based line and column), what and why."""

    rule: str
    path: str
    line: int
    col: int
    message: str
    severity: Severity = Severity.ERROR
    evidence: tuple[Evidence, ...] = ()
    fix: Fix | None = None
    end_line: int | None = None
    end_col: int | None = None
    name: str = field(default="", compare=False)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.col, self.rule, self.message)


class ParseFailure(Exception):
    """Raised by a parser for input it cannot read; becomes a VL001 diagnostic."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = max(1, line)
        self.col = max(1, col)


@dataclass(frozen=True)
class ParseProblem:
    """A non-fatal parse error inside a file that was otherwise read (becomes VL001)."""

    message: str
    line: int
    col: int


def internal_error(where: str, exc: BaseException) -> str:
    """How an internal error is reported: what was being done (`in VL301 (name)`, `parsing
    svc/main.py`), the exception, and the tool's own file and line where it was raised."""
    last = traceback.extract_tb(exc.__traceback__)[-1]
    return (
        f"internal error {where}: {type(exc).__name__}: {exc}"
        f" ({Path(last.filename).name}:{last.lineno})"
    )
