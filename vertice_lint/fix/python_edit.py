"""Python rewrites through libcst: the tree is concrete, so formatting and comments stay."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from vertice_lint.diagnostics import Edit
from vertice_lint.fix.text_edit import EditError


def rewrite(path: str, text: str, transformer: cst.CSTTransformer) -> Edit | None:
    """Run `transformer` over the module; the Edit spans only the region that changed."""
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise EditError(f"{path}: not valid Python: {exc.message}") from None
    if transformer.get_inherited_dependencies():
        new_text = MetadataWrapper(module, unsafe_skip_copy=True).visit(transformer).code
    else:
        new_text = module.visit(transformer).code
    return _minimal_edit(path, text, new_text)


def replace_relative_import(path: str, text: str, line: int, new_module: str) -> Edit:
    """Turn `from .mod import a, b as c` at `line` into `from new_module import a, b as c`."""
    try:
        target = cst.parse_expression(new_module)
    except cst.ParserSyntaxError:
        raise EditError(f"{new_module!r} is not a module name") from None
    if not isinstance(target, cst.Name | cst.Attribute):
        raise EditError(f"{new_module!r} is not a module name")
    transformer = _AbsoluteImport(line, target)
    edit = rewrite(path, text, transformer)
    if not transformer.done or edit is None:
        raise EditError(f"{path}:{line}: no relative `from . import` statement on that line")
    return edit


class _AbsoluteImport(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line: int, module: cst.Name | cst.Attribute) -> None:
        super().__init__()
        self.line = line
        self.module = module
        self.done = False

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        position = self.get_metadata(PositionProvider, original_node)
        if self.done or not updated_node.relative or position.start.line != self.line:
            return updated_node
        self.done = True
        return updated_node.with_changes(relative=(), module=self.module)


def _minimal_edit(path: str, old: str, new: str) -> Edit | None:
    """One Edit covering old..new with the common prefix and suffix left out."""
    if old == new:
        return None
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return Edit(path, prefix, len(old) - suffix, new[prefix : len(new) - suffix])
