"""A baseline: the findings a repository already has, recorded so that only new ones fail.

`--write-baseline FILE` records every finding of the run; `--baseline FILE` hides those
recorded and reports the rest. A finding is recorded by its fingerprint: the rule, the path
and the message with its whitespace folded, not the line, so an entry survives lines moving
and the file being reformatted; the same finding twice in one file is told apart by its
occurrence number, in line order (a third copy is new when two were recorded). The report
says how many findings the baseline hid and how many of its entries no longer occur (fixed,
or changed: those can be dropped by writing the baseline again).

The file is JSON, sorted, one entry per line, so that its diffs review well.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vertice_lint import __version__
from vertice_lint.diagnostics import Diagnostic

FORMAT = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or is not one."""


@dataclass(frozen=True)
class Filtered:
    """What a baseline left of a run's findings."""

    diagnostics: tuple[Diagnostic, ...]
    hidden: int  # findings the baseline recorded
    gone: int  # entries of the baseline that no longer occur


def _fingerprint(diag: Diagnostic) -> str:
    message = " ".join(diag.message.split())
    key = "\0".join((diag.rule, diag.path, message))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def _keys(diagnostics: Iterable[Diagnostic]) -> list[tuple[str, Diagnostic]]:
    """(fingerprint:occurrence, diagnostic), the occurrences counted in line order."""
    seen: dict[str, int] = {}
    out = []
    ordered = sorted(diagnostics, key=lambda d: (d.path, d.line, d.col, d.rule, d.message))
    for diag in ordered:
        digest = _fingerprint(diag)
        seen[digest] = seen.get(digest, 0) + 1
        out.append((f"{digest}:{seen[digest]}", diag))
    return out


def keys_of(diagnostics: Iterable[Diagnostic]) -> list[str]:
    """The baseline keys of findings (what `write` records of them)."""
    return [key for key, _ in _keys(diagnostics)]


def write(path: Path, diagnostics: Sequence[Diagnostic]) -> int:
    """Record the findings in `path` (atomically); returns how many."""
    entries = sorted(
        (
            {"rule": d.rule, "path": d.path, "fingerprint": key, "message": d.message}
            for key, d in _keys(diagnostics)
        ),
        key=lambda e: (e["path"], e["rule"], e["fingerprint"]),
    )
    lines = ",\n".join("    " + json.dumps(e, ensure_ascii=False, sort_keys=True) for e in entries)
    text = (
        f'{{\n  "version": {FORMAT},\n  "tool": {json.dumps(f"vertice-lint {__version__}")},\n'
        f'  "entries": [\n{lines}\n  ]\n}}\n'
        if entries
        else f'{{\n  "version": {FORMAT},\n  "tool": "vertice-lint {__version__}",\n'
        '  "entries": []\n}\n'
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(entries)


def load(path: Path) -> frozenset[str]:
    """The fingerprints a baseline file records."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != FORMAT:
        raise BaselineError(f"{path} is not a vertice-lint baseline (version {FORMAT})")
    entries = data.get("entries")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise BaselineError(f"{path}: `entries` must be a list of recorded findings")
    return frozenset(e["fingerprint"] for e in entries)


def apply(recorded: frozenset[str], diagnostics: Sequence[Diagnostic]) -> Filtered:
    """The findings the baseline does not record, and the counts the report shows."""
    keys = _keys(diagnostics)
    kept = {id(d) for key, d in keys if key not in recorded}
    present = {key for key, _ in keys}
    return Filtered(
        diagnostics=tuple(d for d in diagnostics if id(d) in kept),
        hidden=len(keys) - len(kept),
        gone=len(recorded - present),
    )
