"""Inline suppressions: `# vertice-lint: ignore[VL201]`, `ignore-file[...]`, and the
`vertice-lint.io/ignore` annotation on a Kubernetes object."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from vertice_lint.diagnostics import Diagnostic
from vertice_lint.discover import Kind

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


def _python_comments(text: str) -> Iterator[tuple[int, int]]:
    """(line, column offset) of every real comment, via tokenize (strings are not comments)."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return


_BLOCK_SCALAR = re.compile(r"""(^|[:\-]\s)\s*[|>][-+0-9]*\s*(#.*)?$""")


def _hash_comments(text: str, yaml: bool) -> Iterator[tuple[int, int]]:
    """(line, column offset) of `#` comments: at the start of a line or after whitespace,
    outside quotes, and (YAML) outside block scalars."""
    block_indent: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if block_indent is not None:
            if not stripped or indent > block_indent:
                continue
            block_indent = None
        quote: str | None = None
        for i, char in enumerate(line):
            if quote:
                if char == quote:
                    quote = None
            elif char in "\"'" and yaml:
                quote = char
            elif char == "#" and (i == 0 or line[i - 1] in " \t"):
                yield number, i
                break
        if yaml and _BLOCK_SCALAR.search(line.split(" #", 1)[0].rstrip()):
            block_indent = indent


def find_suppressions(path: str, text: str, kind: Kind) -> list[Suppression]:
    """Every suppression comment of a file."""
    if kind is Kind.PYTHON:
        comments = list(_python_comments(text))
    else:
        yaml = kind in (Kind.YAML, Kind.COMPOSE, Kind.KUSTOMIZATION, Kind.HELM_CHART)
        comments = list(_hash_comments(text, yaml))
    if not comments:
        return []
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    found: list[Suppression] = []
    for number, col in comments:
        line_text = text[starts[number - 1] : starts[number]]
        match = _MARKER.match(line_text, col)
        if match is None:
            continue
        found.append(
            Suppression(
                path=path,
                line=number,
                col=col + 1,
                start=starts[number - 1] + match.start(),
                end=starts[number - 1] + match.end(),
                whole_file=match.group("kind") == "ignore-file",
                codes=parse_codes(match.group("codes") or ""),
            )
        )
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
