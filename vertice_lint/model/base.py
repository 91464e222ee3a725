"""The model's smallest parts, which every other module of it uses: why two things were linked,
and where a value was written."""

from __future__ import annotations

from dataclasses import dataclass

from vertice_lint.diagnostics import Evidence

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Written:
    """Where a value of a workload was written: the file and the 1-based position, and, for a
    fix, the document of that file and the value's key path inside it.

    For a workload a sync root renders, a value an overlay's patch (or `images:` entry) wrote
    is located in that patch, every other value in the base manifest. `doc_index` is None when
    no key path reaches the value: an inline patch (a YAML string inside a kustomization) or a
    JSON 6902 operation that set a part of it.
    """

    path: str
    line: int
    col: int
    doc_index: int | None
    keypath: KeyPath

    @property
    def editable(self) -> bool:
        return self.doc_index is not None


@dataclass(frozen=True)
class Link:
    """Why two things of the model were tied together."""

    reason: str
    evidence: tuple[Evidence, ...] = ()
