"""Python rewrites through libcst: the tree is concrete, so formatting and comments stay."""

from __future__ import annotations

import functools

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from vertice_lint.diagnostics import Edit
from vertice_lint.fix.text_edit import EditError


def rewrite(path: str, text: str, transformer: cst.CSTTransformer) -> Edit | None:
    """Run `transformer` over the module; the Edit spans only the region that changed."""
    wrapper = _parsed(text)
    if isinstance(wrapper, str):
        raise EditError(f"{path}: not valid Python: {wrapper}")
    if transformer.get_inherited_dependencies():
        new_text = wrapper.visit(transformer).code
    else:
        new_text = wrapper.module.visit(transformer).code
    return _minimal_edit(path, text, new_text)


@functools.lru_cache(maxsize=8)  # a few MB each: the files a run rewrites
def _parsed(text: str) -> MetadataWrapper | str:
    """The module of `text` in a wrapper that keeps the metadata it computes (the positions of
    a file are computed once for all its rewrites: the tree is immutable, a transformer builds
    a new one), or the parser's message when it is not valid Python."""
    try:
        return MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
    except cst.ParserSyntaxError as exc:
        return exc.message


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
