"""Text-span edits: applying them, and building them for line-oriented files.

Every fix in vertice-lint is a set of `Edit`s on the decoded text of a file, so bytes
outside an edited span are untouched by construction. The builders here serve Dockerfiles
and requirements files; `yaml_edit` and `python_edit` build on the same offsets.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from vertice_lint.diagnostics import Edit
from vertice_lint.source import Text


class EditError(Exception):
    """An edit cannot be built or applied (bad position, overlap, unverifiable result)."""


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply span edits to `text`; they may come in any order but must not overlap."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for edit in ordered:
        if edit.create or edit.delete:
            raise EditError(f"{edit.path}: file creation/deletion is not a span edit")
        if not 0 <= edit.start <= edit.end <= len(text):
            raise EditError(
                f"{edit.path}: edit span {edit.start}..{edit.end} outside the text"
                f" (length {len(text)})"
            )
    for before, after in itertools.pairwise(ordered):
        # Two insertions at one offset overlap too: their relative order would be a guess.
        if after.start < before.end or after.start == before.start:
            raise EditError(
                f"{after.path}: overlapping edits {before.start}..{before.end}"
                f" and {after.start}..{after.end}"
            )
    pieces: list[str] = []
    cursor = 0
    for edit in ordered:
        pieces.append(text[cursor : edit.start])
        pieces.append(edit.replacement)
        cursor = edit.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def chain_edits(path: str, text: str, steps: Sequence[Callable[[str], Edit]]) -> Edit:
    """Several edit builders, each applied to the previous result, as one minimal edit.

    Two yaml_edit primitives that insert at the same offset (a new `env:` and a new
    `volumeMounts:` at the end of a container) cannot go in one Fix as separate edits;
    chained they can.
    """
    current = text
    for step in steps:
        current = apply_edits(current, [step(current)])
    start = 0
    limit = min(len(text), len(current))
    while start < limit and text[start] == current[start]:
        start += 1
    start = text.rfind("\n", 0, start) + 1
    tail = 0
    while tail < limit - start and text[len(text) - 1 - tail] == current[len(current) - 1 - tail]:
        tail += 1
    return Edit(path, start, len(text) - tail, current[start : len(current) - tail])


def newline_of(text: str) -> str:
    """The line ending new lines in this text must use."""
    return Text(text).newline


def line_starts(text: str) -> list[int]:
    """Offsets at which each line begins (index 0 is line 1)."""
    starts = [0]
    starts.extend(i + 1 for i, char in enumerate(text) if char == "\n")
    if starts[-1] == len(text) and len(starts) > 1:
        starts.pop()  # the empty "line" after a final newline is not a line
    return starts


def line_span(text: str, line: int) -> tuple[int, int]:
    """Start and end offsets of a 1-based line, its newline included."""
    starts = line_starts(text)
    if not 1 <= line <= len(starts) or not text:
        raise EditError(f"line {line} does not exist (the text has {len(starts)} lines)")
    start = starts[line - 1]
    end = starts[line] if line < len(starts) else len(text)
    return start, end


def offset_of(text: str, line: int, col: int) -> int:
    """Offset of a 1-based line and 1-based column (the column may point at the newline)."""
    start, end = line_span(text, line)
    content_end = end - len(_ending(text[start:end]))
    if not 1 <= col <= content_end - start + 1:
        raise EditError(f"column {col} is outside line {line}")
    return start + col - 1


def position_of(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset."""
    if not 0 <= offset <= len(text):
        raise EditError(f"offset {offset} outside the text")
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def replace_span(
    path: str, text: str, line: int, col: int, end_line: int, end_col: int, new: str
) -> Edit:
    """Replace the text from (line, col) up to, not including, (end_line, end_col)."""
    start = offset_of(text, line, col)
    end = offset_of(text, end_line, end_col)
    if end < start:
        raise EditError(f"{path}: span end {end_line}:{end_col} before its start {line}:{col}")
    return Edit(path, start, end, new)


def insert_line(path: str, text: str, before_line: int, content: str) -> Edit:
    """Insert `content` as a new line before `before_line` (one past the last line appends)."""
    count = len(line_starts(text)) if text else 0
    if before_line == count + 1:
        return append_line(path, text, content)
    start, _ = line_span(text, before_line)
    return Edit(path, start, start, content + newline_of(text))


def append_line(path: str, text: str, content: str) -> Edit:
    """Add `content` as the last line, ending a last line that has no newline first."""
    newline = newline_of(text)
    if not text or text.endswith("\n"):
        return Edit(path, len(text), len(text), content + newline)
    return Edit(path, len(text), len(text), newline + content)


def remove_line(path: str, text: str, line: int) -> Edit:
    """Remove a whole logical line: the line and the lines its trailing `\\` continues."""
    start, end = line_span(text, line)
    total = len(line_starts(text))
    while line < total and _ending_stripped(text[start:end]).endswith("\\"):
        line += 1
        _, end = line_span(text, line)
    if end == len(text) and not text.endswith("\n") and start > 0:
        # The removed line is last and unterminated: take the newline that ends the one before.
        start -= 2 if text[start - 2 : start] == "\r\n" else 1
    return Edit(path, start, end, "")


def _ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    return "\n" if line.endswith("\n") else ""


def _ending_stripped(line: str) -> str:
    return line[: len(line) - len(_ending(line))]
