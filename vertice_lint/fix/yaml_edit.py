"""Edits on YAML text that touch only the lines they are about.

ruamel.yaml is used to *locate* nodes (the composer's marks give exact character offsets)
and to *verify* results, never to dump a document: a re-dump re-indents, re-wraps and
re-quotes whatever it feels like. Each primitive renders only the new or changed lines in
the file's own style (mapping indent, sequence dash offset, quotes, line ending), splices
them into the original text and returns one `Edit`. It then re-parses the result and
checks that the data equals the old data with exactly the intended change, so a rule can
never emit a fix that breaks a manifest: anything else raises `EditError`.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeGuard

from ruamel.yaml import YAML
from ruamel.yaml.comments import TaggedScalar, merge_attrib
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import DocumentStartEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.scalarbool import ScalarBoolean

from vertice_lint.diagnostics import Edit
from vertice_lint.fix.text_edit import EditError, apply_edits, newline_of
from vertice_lint.parsers.yaml import load_all

__all__ = [
    "EditError",
    "KeyPath",
    "Value",
    "add_env",
    "append_to_sequence",
    "insert_key",
    "remove_document",
    "remove_from_sequence",
    "remove_key",
    "set_scalar",
]

Key: TypeAlias = str | int
KeyPath: TypeAlias = Sequence[Key]
Scalar: TypeAlias = str | int | float | bool | None
Value: TypeAlias = Scalar | Mapping[str, "Value"] | Sequence["Value"]

_DEFAULT_INDENT = 2
_DEFAULT_DASH_OFFSET = 0  # kubectl and the Kubernetes docs put `- ` at the key's column
_DEFAULT_ITEM_OFFSET = 2


# ---------------------------------------------------------------- public primitives


def set_scalar(path: str, text: str, doc: int, keypath: KeyPath, value: Scalar) -> Edit:
    """Replace the scalar at `keypath`, keeping its quote style and the comment after it."""
    yfile = _yaml_file(text)
    node, flow = yfile.resolve(doc, keypath)
    if not isinstance(node, ScalarNode):
        raise EditError(f"{path}: {_show(keypath)} is a collection, not a scalar")
    start, end = node.start_mark.index, node.end_mark.index
    if start == end and node.value == "" and node.style is None:
        # An empty (null) value: the node sits after the colon, possibly on the next line.
        key_end = yfile.key_end_before(doc, keypath)
        colon = text.index(":", key_end)
        new = " " + _render_scalar(value, flow=flow, quote=yfile.style.quote)
        edit = Edit(path, colon + 1, colon + 1, new)
    else:
        start = _skip_properties(text, start, end)
        if node.style in ("|", ">"):
            end = _rstrip_offset(text, start, end)
            new = yfile.render_block_scalar(node, value, start)
        else:
            new = _render_scalar(value, flow=flow, style=node.style, quote=yfile.style.quote)
        edit = Edit(path, start, end, new)

    def change(data: list[Any]) -> None:
        _set(data, doc, keypath, value)

    return _verified(path, text, edit, change)


def insert_key(
    path: str,
    text: str,
    doc: int,
    mapping_path: KeyPath,
    key: str,
    value: Value,
    *,
    after: str | None = None,
    before: str | None = None,
) -> Edit:
    """Add `key: value` to a mapping (at its end, or right after/before an existing key)."""
    if after is not None and before is not None:
        raise EditError("insert_key takes `after` or `before`, not both")
    yfile = _yaml_file(text)
    node, _ = yfile.resolve(doc, mapping_path)
    if not isinstance(node, MappingNode):
        raise EditError(f"{path}: {_show(mapping_path)} is not a mapping")
    keys = [_key_text(k) for k, _ in node.value]
    if key in keys:
        raise EditError(f"{path}: {_show(mapping_path)} already has a key {key!r}")
    anchor = after if after is not None else before
    if anchor is not None and anchor not in keys:
        raise EditError(f"{path}: {_show(mapping_path)} has no key {anchor!r}")
    if node.flow_style:
        edit = yfile.flow_insert(
            path, node, _flow_entry(key, value, yfile.style.quote), keys, after, before
        )
    else:
        edit = yfile.block_insert_key(path, node, key, value, keys, after, before)
    position = len(keys)
    if after is not None:
        position = keys.index(after) + 1
    elif before is not None:
        position = keys.index(before)

    def change(data: list[Any]) -> None:
        _get(data, doc, mapping_path).insert(position, key, value)

    return _verified(path, text, edit, change)


def remove_key(path: str, text: str, doc: int, mapping_path: KeyPath, key: str) -> Edit:
    """Remove `key` and its value from a mapping, with the key's own comment lines."""
    yfile = _yaml_file(text)
    node, _ = yfile.resolve(doc, mapping_path)
    if not isinstance(node, MappingNode):
        raise EditError(f"{path}: {_show(mapping_path)} is not a mapping")
    keys = [_key_text(k) for k, _ in node.value]
    if key not in keys:
        raise EditError(f"{path}: {_show(mapping_path)} has no key {key!r}")
    index = keys.index(key)
    pairs: list[tuple[Node, Node]] = list(node.value)
    if node.flow_style:
        edit = yfile.flow_remove(path, [(k.start_mark.index, _end(v, k)) for k, v in pairs], index)
    else:
        key_node, value_node = pairs[index]
        column = pairs[0][0].start_mark.column
        start = key_node.start_mark.index
        if text[yfile.line_start(start) : start].strip():
            # The key shares its line with a `- `: the next key moves up onto that line.
            if index + 1 == len(pairs):
                raise EditError(f"{path}: removing {key!r} would leave an empty sequence item")
            edit = Edit(path, start, pairs[index + 1][0].start_mark.index, "")
        else:
            edit = yfile.block_remove(path, start, _end(value_node, key_node), column)

    def change(data: list[Any]) -> None:
        del _get(data, doc, mapping_path)[key]

    return _verified(path, text, edit, change)


def append_to_sequence(path: str, text: str, doc: int, seq_path: KeyPath, item: Value) -> Edit:
    """Append `item` to the sequence at `seq_path`, in the sequence's own style."""
    yfile = _yaml_file(text)
    node, _ = yfile.resolve(doc, seq_path)
    if not isinstance(node, SequenceNode):
        raise EditError(f"{path}: {_show(seq_path)} is not a sequence")
    if node.flow_style:
        edit = yfile.flow_append(path, node, _render_flow(item, yfile.style.quote))
    else:
        edit = yfile.block_append(path, node, item)

    def change(data: list[Any]) -> None:
        _get(data, doc, seq_path).append(item)

    return _verified(path, text, edit, change)


def remove_from_sequence(path: str, text: str, doc: int, seq_path: KeyPath, index: int) -> Edit:
    """Remove one item of a sequence: its lines and its own comment lines, nothing else."""
    yfile = _yaml_file(text)
    node, _ = yfile.resolve(doc, seq_path)
    if not isinstance(node, SequenceNode):
        raise EditError(f"{path}: {_show(seq_path)} is not a sequence")
    items: list[Node] = list(node.value)
    if not -len(items) <= index < len(items):
        raise EditError(f"{path}: {_show(seq_path)} has no item {index}")
    index %= len(items)
    if node.flow_style:
        edit = yfile.flow_remove(path, [(i.start_mark.index, _end(i)) for i in items], index)
    else:
        if len(items) == 1:
            raise EditError(
                f"{path}: removing the only item of {_show(seq_path)} would leave a null;"
                " remove its key instead"
            )
        dash = yfile.dash_of(items[index])
        column = dash - yfile.line_start(dash)
        edit = yfile.block_remove(path, dash, _end(items[index]), column)

    def change(data: list[Any]) -> None:
        del _get(data, doc, seq_path)[index]

    return _verified(path, text, edit, change)


def remove_document(path: str, text: str, doc: int) -> Edit:
    """Remove one document of a stream with its `---` separator, keeping the stream valid."""
    yfile = _yaml_file(text)
    starts = yfile.document_starts()
    if not 0 <= doc < len(starts):
        raise EditError(f"{path}: there is no document {doc}")
    chunk_start = 0 if doc == 0 else starts[doc][0]
    chunk_end = starts[doc + 1][0] if doc + 1 < len(starts) else len(text)
    if doc == 0 and not starts[0][1] and doc + 1 < len(starts):
        # The file does not open with `---`: drop the next separator so it still does not.
        line_end = yfile.line_end(chunk_end)
        if text[chunk_end:line_end].strip() == "---":
            chunk_end = line_end
    edit = Edit(path, chunk_start, chunk_end, "")

    def change(data: list[Any]) -> None:
        del data[doc]

    return _verified(path, text, edit, change)


def add_env(
    path: str,
    text: str,
    doc: int,
    container_path: KeyPath,
    name: str,
    *,
    value: str | None = None,
    value_from: Mapping[str, Value] | None = None,
) -> Edit:
    """Append `{name, value | valueFrom}` to a container's `env`, creating `env:` if absent."""
    if (value is None) == (value_from is None):
        raise EditError("add_env takes exactly one of `value` and `value_from`")
    entry: dict[str, Value] = {"name": name}
    if value is not None:
        entry["value"] = value
    else:
        entry["valueFrom"] = value_from
    node, _ = _yaml_file(text).resolve(doc, container_path)
    if not isinstance(node, MappingNode):
        raise EditError(f"{path}: {_show(container_path)} is not a container mapping")
    if "env" in [_key_text(k) for k, _ in node.value]:
        return append_to_sequence(path, text, doc, [*container_path, "env"], entry)
    return insert_key(path, text, doc, container_path, "env", [entry])


# ---------------------------------------------------------------- the file model


@dataclass(frozen=True)
class _Style:
    indent: int
    dash_offset: int
    item_offset: int
    quote: str  # the quote new scalars get when they cannot be plain


class _YamlFile:
    """One YAML text with its composed documents and its detected style."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newline = newline_of(text)
        try:
            self.roots: list[Node | None] = list(YAML(typ="rt").compose_all(text))
        except YAMLError as exc:
            raise EditError(f"not valid YAML: {_first_line(exc)}") from None
        self.style = self._detect_style()

    # -- locating

    def resolve(self, doc: int, keypath: KeyPath) -> tuple[Node, bool]:
        """The node at `keypath` and whether it sits inside a flow collection."""
        if not 0 <= doc < len(self.roots):
            raise EditError(f"there is no document {doc}")
        node = self.roots[doc]
        if node is None:
            raise EditError(f"document {doc} is empty")
        flow = False
        for depth, step in enumerate(keypath):
            flow = flow or bool(getattr(node, "flow_style", False))
            child: Node | None = None
            if isinstance(node, MappingNode):
                child = next((v for k, v in node.value if _key_text(k) == str(step)), None)
            elif (
                isinstance(node, SequenceNode)
                and isinstance(step, int)
                and -len(node.value) <= step < len(node.value)
            ):
                child = node.value[step]
            if child is None:
                raise EditError(f"{_show(keypath[: depth + 1])} not found in document {doc}")
            node = child
        return node, flow

    def key_end_before(self, doc: int, keypath: KeyPath) -> int:
        """End offset of the key whose value is at `keypath`."""
        parent, _ = self.resolve(doc, keypath[:-1])
        if not isinstance(parent, MappingNode):
            raise EditError(f"{_show(keypath)} is not a mapping value")
        for key, _value in parent.value:
            if _key_text(key) == str(keypath[-1]):
                return int(key.end_mark.index)
        raise EditError(f"{_show(keypath)} not found")

    def document_starts(self) -> list[tuple[int, bool]]:
        """For each document: the offset its chunk starts at, and whether it has `---`."""
        starts: list[tuple[int, bool]] = []
        for event in YAML(typ="rt").parse(self.text):
            if isinstance(event, DocumentStartEvent):
                offset = int(event.start_mark.index)
                starts.append((self.line_start(offset), bool(event.explicit)))
        return starts

    def dash_of(self, item: Node) -> int:
        """Offset of the `-` that introduces a block sequence item."""
        offset: int = item.start_mark.index - 1
        while offset >= 0 and self.text[offset] in " \t\r\n":
            offset -= 1
        if offset < 0 or self.text[offset] != "-":
            raise EditError(f"cannot find the dash of the item at line {item.start_mark.line + 1}")
        if self.text[self.line_start(offset) : offset].strip():
            raise EditError(f"nested inline sequence at line {item.start_mark.line + 1}")
        return offset

    # -- lines

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def line_end(self, offset: int) -> int:
        """Offset just past the newline of the line holding `offset` (or the text's end)."""
        found = self.text.find("\n", offset)
        return len(self.text) if found < 0 else found + 1

    def _lines_from(self, offset: int) -> Iterator[tuple[int, int, str]]:
        while offset < len(self.text):
            end = self.line_end(offset)
            yield offset, end, self.text[offset:end]
            offset = end

    def _after_content(self, content_end: int, column: int) -> int:
        """Where lines go after content ending at `content_end`, past its deeper comments."""
        offset = self.line_end(max(content_end - 1, 0))
        for start, end, line in self._lines_from(offset):
            if not _is_comment(line) or _indent(line) <= column:
                return start
            offset = end
        return offset

    def _before_line(self, offset: int, column: int) -> int:
        """Start of the line at `offset`, moved up over the comment lines at `column` above it."""
        start = self.line_start(offset)
        while start > 0:
            previous = self.line_start(start - 1)
            line = self.text[previous:start]
            if not _is_comment(line) or _indent(line) != column:
                break
            start = previous
        return start

    def _lines_edit(self, path: str, offset: int, lines: Sequence[str]) -> Edit:
        """Insert whole lines at a line boundary, ending an unterminated last line first."""
        nl = self.newline
        if offset == len(self.text) and self.text and not self.text.endswith("\n"):
            return Edit(path, offset, offset, nl + nl.join(lines))
        return Edit(path, offset, offset, "".join(line + nl for line in lines))

    # -- block collections

    def block_insert_key(
        self,
        path: str,
        node: MappingNode,
        key: str,
        value: Value,
        keys: list[str | None],
        after: str | None,
        before: str | None,
    ) -> Edit:
        pairs: list[tuple[Node, Node]] = list(node.value)
        column = pairs[0][0].start_mark.column
        lines = self.render_entry(key, value, column)
        if before is not None:
            key_node = pairs[keys.index(before)][0]
            key_start = key_node.start_mark.index
            if self.text[self.line_start(key_start) : key_start].strip():
                # The key shares its line with a `- `: put the new key there, move the old down.
                new = self.newline.join([lines[0][column:], *lines[1:], " " * column])
                return Edit(path, key_start, key_start, new)
            return self._lines_edit(path, self._before_line(key_start, column), lines)
        anchor_key, anchor_value = pairs[keys.index(after) if after is not None else -1]
        offset = self._after_content(_end(anchor_value, anchor_key), column)
        return self._lines_edit(path, offset, lines)

    def block_append(self, path: str, node: SequenceNode, item: Value) -> Edit:
        items: list[Node] = list(node.value)
        dash = self.dash_of(items[0])
        column = dash - self.line_start(dash)
        first = items[0]
        offset_in_item = self.style.item_offset
        if first.start_mark.line == self.text.count("\n", 0, dash):
            offset_in_item = first.start_mark.column - column
        lines = self.render_item(item, column, offset_in_item)
        offset = self._after_content(_end(items[-1]), column)
        return self._lines_edit(path, offset, lines)

    def block_remove(self, path: str, start: int, content_end: int, column: int) -> Edit:
        """Remove the lines from `start`'s line to the content's end, with own comments."""
        first = self._before_line(start, column)
        last = self._after_content(content_end, column)
        if last == len(self.text) and not self.text.endswith("\n") and first > 0:
            # The removed lines end the file unterminated: the line before now ends it.
            first -= 2 if self.text[first - 2 : first] == "\r\n" else 1
        return Edit(path, first, last, "")

    # -- flow collections

    def flow_insert(
        self,
        path: str,
        node: MappingNode,
        entry: str,
        keys: list[str | None],
        after: str | None,
        before: str | None,
    ) -> Edit:
        pairs: list[tuple[Node, Node]] = list(node.value)
        if before is not None:
            start = pairs[keys.index(before)][0].start_mark.index
            return Edit(path, start, start, entry + ", ")
        if not pairs:
            return Edit(path, node.start_mark.index + 1, node.start_mark.index + 1, entry)
        key_node, value_node = pairs[keys.index(after) if after is not None else -1]
        end = _end(value_node, key_node)
        return Edit(path, end, end, ", " + entry)

    def flow_append(self, path: str, node: SequenceNode, rendered: str) -> Edit:
        items: list[Node] = list(node.value)
        if not items:
            return Edit(path, node.start_mark.index + 1, node.start_mark.index + 1, rendered)
        end = _end(items[-1])
        return Edit(path, end, end, ", " + rendered)

    def flow_remove(self, path: str, spans: list[tuple[int, int]], index: int) -> Edit:
        start, end = spans[index]
        if index + 1 < len(spans):
            return Edit(path, start, spans[index + 1][0], "")
        if index > 0:
            return Edit(path, spans[index - 1][1], end, "")
        return Edit(path, start, end, "")

    # -- rendering in the file's style

    def render_entry(self, key: str, value: Value, column: int) -> list[str]:
        """`key: value` as block lines at `column`."""
        name = _render_scalar(key, flow=False, key=True, quote=self.style.quote)
        head = " " * column + name + ":"
        if isinstance(value, Mapping) and value:
            return [head, *self.render_mapping(value, column + self.style.indent)]
        if _is_sequence(value) and value:
            dash_column = column + self.style.dash_offset
            lines = [head]
            for item in value:
                lines.extend(self.render_item(item, dash_column, self.style.item_offset))
            return lines
        return [head + " " + _render_inline(value, self.style.quote)]

    def render_mapping(self, value: Mapping[str, Value], column: int) -> list[str]:
        lines: list[str] = []
        for key, item in value.items():
            lines.extend(self.render_entry(key, item, column))
        return lines

    def render_item(self, item: Value, dash_column: int, item_offset: int) -> list[str]:
        """One block sequence item: `- ` at `dash_column`, content `item_offset` further."""
        prefix = " " * dash_column + "-" + " " * (item_offset - 1)
        inner = dash_column + item_offset
        lines: list[str]
        if isinstance(item, Mapping) and item:
            lines = self.render_mapping(item, inner)
        elif _is_sequence(item) and item:
            lines = []
            for sub in item:
                lines.extend(self.render_item(sub, inner, item_offset))
        else:
            return [prefix + _render_inline(item, self.style.quote)]
        return [prefix + lines[0][inner:], *lines[1:]]

    def render_block_scalar(self, node: ScalarNode, value: Scalar, start: int) -> str:
        """A new value for a `|`/`>` scalar: a literal block when multi-line, else inline."""
        if not isinstance(value, str) or "\n" not in value.rstrip("\n"):
            return _render_scalar(value, flow=False, quote=self.style.quote)
        content = self.line_end(start)
        body = self.text[content : self.line_end(content)]
        indent = " " * _indent(body) if body.strip() else " " * (self.style.indent)
        chomp = "-" if not value.endswith("\n") else ("+" if value.endswith("\n\n") else "")
        lines = value.rstrip("\n").split("\n") if chomp != "+" else value[:-1].split("\n")
        rendered = [indent + line if line else "" for line in lines]
        return "|" + chomp + self.newline + self.newline.join(rendered)

    def _detect_style(self) -> _Style:
        indents: Counter[int] = Counter()
        dashes: Counter[int] = Counter()
        items: Counter[int] = Counter()
        quotes: Counter[str] = Counter()
        for root in self.roots:
            for node in _walk(root):
                if isinstance(node, ScalarNode) and node.style in ("'", '"'):
                    quotes[node.style] += 1
                if isinstance(node, MappingNode) and not node.flow_style:
                    for key, value in node.value:
                        column = key.start_mark.column
                        if value.start_mark.line <= key.start_mark.line:
                            continue
                        if isinstance(value, MappingNode) and not value.flow_style:
                            indents[value.start_mark.column - column] += 1
                        elif isinstance(value, SequenceNode) and not value.flow_style:
                            try:
                                dash = self.dash_of(value.value[0])
                            except (EditError, IndexError):
                                continue
                            dashes[dash - self.line_start(dash) - column] += 1
                elif isinstance(node, SequenceNode) and not node.flow_style:
                    for item in node.value:
                        if isinstance(item, MappingNode) and not item.flow_style:
                            try:
                                dash = self.dash_of(item)
                            except EditError:
                                continue
                            if self.line_start(dash) == self.line_start(item.start_mark.index):
                                items[item.start_mark.index - dash] += 1
        return _Style(
            indent=_most_common(indents, _DEFAULT_INDENT),
            dash_offset=_most_common(dashes, _DEFAULT_DASH_OFFSET),
            item_offset=_most_common(items, _DEFAULT_ITEM_OFFSET),
            quote="'" if quotes["'"] > quotes['"'] else '"',
        )


# ---------------------------------------------------------------- verification


def _verified(path: str, text: str, edit: Edit, change: Callable[[list[Any]], None]) -> Edit:
    """Return `edit` if applying it changes the data exactly as `change` does, else raise."""
    expected = _editable(text)
    try:
        change(expected)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise EditError(f"{path}: the intended change does not apply: {exc}") from None
    new_text = apply_edits(text, [edit])
    try:
        actual = _normed(new_text)
    except EditError as exc:
        raise EditError(f"{path}: the edit would break the YAML: {exc}") from None
    if actual != _norm(expected):
        raise EditError(f"{path}: the edit would change more than intended; not applied")
    return edit


# Texts are composed and loaded once: the fixes of one file start from its text, a chained
# edit's second step verifies against its first step's result, and a fix pass of the fix loop
# builds its fixes again on the same texts. What is cached is shared: never mutated.
_CACHED_TEXTS = 64


@functools.lru_cache(maxsize=_CACHED_TEXTS)
def _yaml_file(text: str) -> _YamlFile:
    return _YamlFile(text)


@functools.lru_cache(maxsize=_CACHED_TEXTS)
def _loaded(text: str) -> tuple[list[Any], bool]:
    """The documents of `text`, and whether they are plain trees (no merge key, no alias).

    A text whose nodes are composed anyway (the fixes locate their nodes in it) is loaded by
    constructing its documents from those nodes, as `load_all` constructs each document it
    composes: one parse, not two. Not when the construction could change the nodes (a merge
    key, an explicit tag) or read the parser's state (a `%YAML` directive)."""
    plain = "<<" not in text and "!" not in text and "%" not in text
    data = _construct(text) if plain else _load(text)
    return data, plain and _is_tree(data)


def _construct(text: str) -> list[Any]:
    roots = _yaml_file(text).roots
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True
    try:
        return [yaml.constructor.construct_document(node) for node in roots]
    except YAMLError as exc:
        raise EditError(f"not valid YAML: {_first_line(exc)}") from None


@functools.lru_cache(maxsize=_CACHED_TEXTS)
def _normed(text: str) -> Any:
    return _norm(_loaded(text)[0])


def _editable(text: str) -> list[Any]:
    """The documents of `text`, for a change to mutate: a copy of the loaded trees (a copy of
    a merge or an alias would not behave as the loaded one under a change: load again)."""
    data, tree = _loaded(text)
    return copy.deepcopy(data) if tree else _load(text)


def _is_tree(data: list[Any]) -> bool:
    seen: set[int] = set()
    stack: list[Any] = list(data)
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping | list):
            if id(node) in seen or getattr(node, merge_attrib, None):
                return False
            seen.add(id(node))
            if isinstance(node, Mapping):
                stack.extend(node.keys())
                stack.extend(node.values())
            else:
                stack.extend(node)
    return True


def _load(text: str) -> list[Any]:
    fast = load_all(text)  # libyaml's parse, ruamel's data: what verification compares
    if fast is not None:
        return fast
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True
    try:
        return list(yaml.load_all(text))
    except YAMLError as exc:
        raise EditError(f"not valid YAML: {_first_line(exc)}") from None


def _norm(obj: Any) -> Any:
    """Data with its YAML types made explicit (1 != true) and mapping order kept."""
    if isinstance(obj, Mapping):
        return ("map", tuple((_norm(k), _norm(v)) for k, v in obj.items()))
    if isinstance(obj, list | tuple):
        return ("seq", tuple(_norm(v) for v in obj))
    if isinstance(obj, bool | ScalarBoolean):
        return ("bool", bool(obj))
    if isinstance(obj, int):
        return ("int", int(obj))
    if isinstance(obj, float):
        return ("float", repr(float(obj)))
    if isinstance(obj, str):
        return ("str", str(obj))
    if obj is None:
        return ("null",)
    if isinstance(obj, TaggedScalar):
        return ("tagged", str(obj.tag), obj.value)
    return (type(obj).__name__, str(obj))


def _get(data: list[Any], doc: int, keypath: KeyPath) -> Any:
    node: Any = data[doc]
    for step in keypath:
        node = node[step]
    return node


def _set(data: list[Any], doc: int, keypath: KeyPath, value: Value) -> None:
    if not keypath:
        data[doc] = value
        return
    _get(data, doc, keypath[:-1])[keypath[-1]] = value


# ---------------------------------------------------------------- scalars


def _render_scalar(
    value: Value, *, flow: bool, style: str | None = None, key: bool = False, quote: str = '"'
) -> str:
    """A scalar in `style` if it can take it, else plain if it reads back, else quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if not isinstance(value, str):
        raise EditError(f"not a scalar: {value!r}")
    single_ok = value.isprintable()
    if style == "'" and single_ok:
        return "'" + value.replace("'", "''") + "'"
    if style != '"' and _plain_ok(value, "key" if key else "flow" if flow else "value"):
        return value
    if style is None and quote == "'" and single_ok:
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)


# A plain scalar must read back as itself wherever a new value may land: as a sequence item,
# as a mapping value, or inside a flow collection.
_PLAIN_PROBES = {
    "value": ("- {}\n", "k: {}\n", "- k: {}\n"),
    "flow": ("[{}]\n", "{{k: {}}}\n"),
    "key": ("{}: x\n", "- {}: x\n"),
}


@functools.lru_cache(maxsize=4096)
def _plain_ok(value: str, context: str) -> bool:
    """Whether `value` reads back as this very string when written without quotes."""
    if not value or value != value.strip() or not value.isprintable():
        return False
    for probe in _PLAIN_PROBES[context]:
        try:
            loaded = YAML(typ="safe", pure=True).load(probe.format(value))
        except YAMLError:
            return False
        if isinstance(loaded, list) and len(loaded) == 1:
            loaded = loaded[0]
        if context == "key":
            if not (isinstance(loaded, dict) and list(loaded) == [value]):
                return False
        elif isinstance(loaded, dict):
            if list(loaded.values()) != [value] or type(loaded["k"]) is not str:
                return False
        elif loaded != value or type(loaded) is not str:
            return False
    return True


def _render_inline(value: Value, quote: str) -> str:
    """A scalar, `{}` or `[]` on a block line."""
    if isinstance(value, Mapping) or _is_sequence(value):
        return _render_flow(value, quote)
    return _render_scalar(value, flow=False, quote=quote)


def _render_flow(value: Value, quote: str) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(_flow_entry(k, v, quote) for k, v in value.items()) + "}"
    if _is_sequence(value):
        return "[" + ", ".join(_render_flow(v, quote) for v in value) + "]"
    return _render_scalar(value, flow=True, quote=quote)


def _flow_entry(key: str, value: Value, quote: str) -> str:
    return _render_scalar(key, flow=True, key=True, quote=quote) + ": " + _render_flow(value, quote)


def _skip_properties(text: str, start: int, end: int) -> int:
    """Move past an anchor (`&a`) or tag (`!t`) in front of a scalar: they are kept."""
    while start < end and text[start] in "&!":
        while start < end and text[start] not in " \t\r\n":
            start += 1
        while start < end and text[start] in " \t\r\n":
            start += 1
    return start


# ---------------------------------------------------------------- small helpers


def _end(node: Node, key: Node | None = None) -> int:
    """Offset just past the last character of a node's own content."""
    ends: list[int] = [] if key is None else [key.end_mark.index]
    if isinstance(node, ScalarNode):
        if not (node.value == "" and node.style is None):
            ends.append(node.end_mark.index)
            if node.style in ("|", ">"):
                ends[-1] = node.start_mark.index + len(
                    node.start_mark.buffer[node.start_mark.index : node.end_mark.index].rstrip()
                )
    elif getattr(node, "flow_style", False):
        ends.append(node.end_mark.index)
    elif isinstance(node, MappingNode):
        ends.extend(_end(v, k) for k, v in node.value)
    elif isinstance(node, SequenceNode):
        ends.extend(_end(item) for item in node.value)
    return max(ends, default=node.start_mark.index)


def _rstrip_offset(text: str, start: int, end: int) -> int:
    return start + len(text[start:end].rstrip())


def _walk(node: Node | None) -> Iterator[Node]:
    seen: set[int] = set()
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue  # aliases make the node graph a DAG
        seen.add(id(current))
        yield current
        if isinstance(current, MappingNode):
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)


def _key_text(node: Node) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def _is_sequence(value: object) -> TypeGuard[Sequence[Value]]:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _most_common(counter: Counter[int], default: int) -> int:
    valid = [(count, -value) for value, count in counter.items() if value >= 0]
    return -max(valid)[1] if valid else default


def _show(keypath: KeyPath) -> str:
    return "/" + "/".join(str(step) for step in keypath)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
