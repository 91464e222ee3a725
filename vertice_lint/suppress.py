"""Inline suppressions: `# vertice-lint: ignore[VL201]`, `ignore-file[...]`, and the
`vertice-lint.io/ignore` annotation on a Kubernetes object."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vertice_lint.diagnostics import Diagnostic

ANNOTATION = "vertice-lint.io/ignore"
_MARKER = re.compile(
    r"#\s*vertice-lint:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<codes>[^\]]*)\])?"
)


@dataclass(frozen=True)
class Suppression:
    """One suppression comment; `codes` empty means every rule."""

    path: str
    line: int
    col: int
    start: int  # offsets of the comment in the decoded text
    end: int
    whole_file: bool
    codes: tuple[str, ...]


@dataclass(frozen=True)
class ObjectScope:
    """The lines of a Kubernetes object carrying the ignore annotation."""

    path: str
    start_line: int
    end_line: int
    codes: tuple[str, ...]


def parse_codes(value: str) -> tuple[str, ...]:
    """`"VL401, VL603"` -> ("VL401", "VL603")."""
    return tuple(c for c in (part.strip() for part in value.split(",")) if c)


def find_suppressions(path: str, text: str) -> list[Suppression]:
    """Every suppression comment of a file (all our file kinds use `#` comments)."""
    found: list[Suppression] = []
    offset = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if "vertice-lint" in line:
            for match in _MARKER.finditer(line):
                codes = parse_codes(match.group("codes") or "")
                found.append(
                    Suppression(
                        path=path,
                        line=number,
                        col=match.start() + 1,
                        start=offset + match.start(),
                        end=offset + match.end(),
                        whole_file=match.group("kind") == "ignore-file",
                        codes=codes,
                    )
                )
        offset += len(line)
    return found


def _covers(codes: Sequence[str], rule: str) -> bool:
    return not codes or rule in codes


@dataclass(frozen=True)
class Filtered:
    kept: tuple[Diagnostic, ...]
    suppressed: tuple[Diagnostic, ...]
    used: frozenset[tuple[Suppression, str]]  # (suppression, code or "" for a bare one)


def apply(
    diagnostics: Iterable[Diagnostic],
    suppressions: Sequence[Suppression],
    scopes: Sequence[ObjectScope],
) -> Filtered:
    """Drop suppressed diagnostics and remember which suppression codes did something."""
    by_line: dict[tuple[str, int], list[Suppression]] = {}
    by_file: dict[str, list[Suppression]] = {}
    for sup in suppressions:
        if sup.whole_file:
            by_file.setdefault(sup.path, []).append(sup)
        else:
            by_line.setdefault((sup.path, sup.line), []).append(sup)
    kept: list[Diagnostic] = []
    suppressed: list[Diagnostic] = []
    used: set[tuple[Suppression, str]] = set()
    for diag in diagnostics:
        hit = False
        for sup in by_line.get((diag.path, diag.line), []) + by_file.get(diag.path, []):
            if _covers(sup.codes, diag.rule):
                used.add((sup, diag.rule if sup.codes else ""))
                hit = True
        for scope in scopes:
            if (
                scope.path == diag.path
                and scope.start_line <= diag.line <= scope.end_line
                and _covers(scope.codes, diag.rule)
            ):
                hit = True
        (suppressed if hit else kept).append(diag)
    return Filtered(tuple(kept), tuple(suppressed), frozenset(used))


def unused(
    suppressions: Sequence[Suppression],
    used: frozenset[tuple[Suppression, str]],
    enabled: set[str],
    known: set[str],
) -> list[tuple[Suppression, tuple[str, ...]]]:
    """Suppressions (and which of their codes) that suppressed nothing.

    A code of a rule that did not run this time is not judged: it may be needed by a run that
    selects it. Codes of no known rule are always unused.
    """
    result: list[tuple[Suppression, tuple[str, ...]]] = []
    for sup in suppressions:
        if not sup.codes:
            if (sup, "") not in used:
                result.append((sup, ()))
            continue
        idle = tuple(
            code
            for code in sup.codes
            if (sup, code) not in used and (code in enabled or code not in known)
        )
        if idle:
            result.append((sup, idle))
    return result
