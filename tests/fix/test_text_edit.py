"""Span edits and line primitives for Dockerfiles and requirements files."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from vertice_lint.diagnostics import Edit
from vertice_lint.fix.text_edit import (
    EditError,
    append_line,
    apply_edits,
    insert_line,
    line_span,
    offset_of,
    position_of,
    remove_line,
    replace_span,
)

DOCKERFILE = (
    "FROM python:3.12\nRUN pip install \\\n    flask \\\n    gunicorn\nCMD python main.py\n"
)


def test_apply_edits_in_any_order() -> None:
    edits = [Edit("f", 6, 11, "there"), Edit("f", 0, 5, "HELLO"), Edit("f", 11, 11, "!")]
    assert apply_edits("hello world", edits) == "HELLO there!"


@pytest.mark.parametrize(
    "edits",
    [
        [Edit("f", 0, 5, "a"), Edit("f", 4, 6, "b")],
        [Edit("f", 3, 3, "a"), Edit("f", 3, 3, "b")],
        [Edit("f", 2, 5, "a"), Edit("f", 2, 2, "b")],
    ],
)
def test_overlapping_edits_are_rejected(edits: list[Edit]) -> None:
    with pytest.raises(EditError, match="overlapping"):
        apply_edits("hello world", edits)


def test_edit_outside_the_text_is_rejected() -> None:
    with pytest.raises(EditError, match="outside"):
        apply_edits("abc", [Edit("f", 2, 9, "")])


def test_line_span_and_positions() -> None:
    text = "a\r\nbb\nccc"
    assert [line_span(text, n) for n in (1, 2, 3)] == [(0, 3), (3, 6), (6, 9)]
    assert offset_of(text, 2, 2) == 4
    assert offset_of(text, 3, 4) == 9
    assert position_of(text, 4) == (2, 2)
    with pytest.raises(EditError):
        line_span(text, 4)
    with pytest.raises(EditError):
        offset_of(text, 1, 3)  # the \r\n is not a column


def test_replace_span() -> None:
    edit = replace_span("Dockerfile", DOCKERFILE, 5, 5, 5, 19, "python -m app")
    assert apply_edits(DOCKERFILE, [edit]).endswith("CMD python -m app\n")


def test_insert_line_uses_crlf_in_a_crlf_file() -> None:
    text = "flask==3.0\r\nrequests\r\n"
    edit = insert_line("requirements.txt", text, 2, "gunicorn==22.0")
    assert apply_edits(text, [edit]) == "flask==3.0\r\ngunicorn==22.0\r\nrequests\r\n"


def test_insert_and_append_after_an_unterminated_last_line() -> None:
    text = "flask\nrequests"
    assert apply_edits(text, [insert_line("r", text, 3, "x")]) == "flask\nrequests\nx"
    assert apply_edits(text, [append_line("r", text, "x")]) == "flask\nrequests\nx"
    assert apply_edits("a\n", [append_line("r", "a\n", "x")]) == "a\nx\n"
    assert apply_edits("", [append_line("r", "", "x")]) == "x\n"


def test_remove_line_takes_backslash_continuations() -> None:
    edit = remove_line("Dockerfile", DOCKERFILE, 2)
    assert apply_edits(DOCKERFILE, [edit]) == "FROM python:3.12\nCMD python main.py\n"


def test_remove_unterminated_last_line_takes_the_newline_before() -> None:
    text = "a\r\nb\r\nc"
    assert apply_edits(text, [remove_line("r", text, 3)]) == "a\r\nb"
    assert apply_edits(text, [remove_line("r", text, 1)]) == "b\r\nc"


@given(
    st.lists(st.text(alphabet="ab #=\\", max_size=6), min_size=1, max_size=6),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.data(),
)
def test_insert_then_remove_is_identity(
    lines: list[str], newline: str, final: bool, data: st.DataObject
) -> None:
    # Without a final newline, an empty last "line" is no line at all: the same text as
    # one line fewer with a final newline.
    assume(final or lines[-1] != "")
    text = newline.join(lines) + (newline if final else "")
    before = data.draw(st.integers(1, len(lines) + 1))
    inserted = apply_edits(text, [insert_line("r", text, before, "new==1")])
    # A `\` at the end of the line above would make the new line its continuation.
    if before > 1 and lines[before - 2].endswith("\\"):
        return
    assert apply_edits(inserted, [remove_line("r", inserted, before)]) == text
