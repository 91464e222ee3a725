"""libcst rewrites: the relative import fix keeps comments, parentheses and aliases."""

from __future__ import annotations

import libcst as cst
import pytest

from vertice_lint.diagnostics import Edit
from vertice_lint.fix.python_edit import replace_relative_import, rewrite
from vertice_lint.fix.text_edit import EditError, apply_edits

SOURCE = '''\
"""Entry point."""  # doc
import os

from .app import (  # the app
    app,
    create as make_app,  # factory
)
from . import settings as conf
from .util.x import y  # keep me

print(os.name)
'''


@pytest.mark.parametrize(
    ("line", "module", "old", "new"),
    [
        (4, "app", "from .app import (  # the app", "from app import (  # the app"),
        (8, "settings", "from . import settings as conf", "from settings import settings as conf"),
        (9, "util.x", "from .util.x import y  # keep me", "from util.x import y  # keep me"),
    ],
)
def test_replace_relative_import(line: int, module: str, old: str, new: str) -> None:
    edit = replace_relative_import("main.py", SOURCE, line, module)
    assert apply_edits(SOURCE, [edit]) == SOURCE.replace(old, new)
    # The edit spans only the changed characters, not the whole statement.
    assert SOURCE[edit.start : edit.end] == "."


def test_crlf_source_keeps_its_line_endings() -> None:
    source = "from .app import app  # c\r\nx = 1\r\n"
    edit = replace_relative_import("m.py", source, 1, "app")
    assert apply_edits(source, [edit]) == "from app import app  # c\r\nx = 1\r\n"


def test_no_relative_import_on_that_line() -> None:
    with pytest.raises(EditError):
        replace_relative_import("main.py", SOURCE, 2, "app")
    with pytest.raises(EditError):
        replace_relative_import("main.py", SOURCE, 4, "not a module")


class _Rename(cst.CSTTransformer):
    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return (
            updated_node.with_changes(value="sys") if updated_node.value == "os" else updated_node
        )


def test_rewrite_returns_a_minimal_edit_or_none() -> None:
    edit = rewrite("m.py", "import os  # c\nprint(1)\n", _Rename())
    assert edit == Edit("m.py", 7, 8, "sy")  # "o" -> "sy": the final "s" is shared
    assert rewrite("m.py", "print(1)\n", _Rename()) is None
    with pytest.raises(EditError):
        rewrite("m.py", "def (:\n", _Rename())
