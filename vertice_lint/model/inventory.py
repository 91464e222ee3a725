"""Facts of the GitOps inventory and of the tool's own input, derived by `link/inventory.py`.

What the VL0xx, VL1xx and VL801 rules compare: each Kubernetes object's schema problems, and
each file's parse problems.
"""

from __future__ import annotations

from dataclasses import dataclass

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class SchemaProblem:
    """A Kubernetes object's violation of the JSON Schema of the configured version (VL801)."""

    path: str  # the file of the object
    line: int
    col: int
    kind: str  # the object's kind and name, for the message
    name: str | None
    at: KeyPath  # where inside the object
    message: str
    error: str  # unknown-field, type, enum, required, other
    # the value is a `${var}` a Flux Kustomization's postBuild replaces before applying
    substituted: bool = False


@dataclass(frozen=True)
class FileProblem:
    """A non-fatal problem of a file that was otherwise parsed (a bad line), for VL001."""

    path: str
    line: int
    col: int
    message: str
