"""Facts of the GitOps inventory and of the tool's own input, derived by `link/inventory.py`.

What the VL0xx, VL1xx and VL801 rules compare: each file's parse problems.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileProblem:
    """A non-fatal problem of a file that was otherwise parsed (a bad line), for VL001."""

    path: str
    line: int
    col: int
    message: str
