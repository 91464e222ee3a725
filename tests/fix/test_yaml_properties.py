"""Property tests: on random manifests, an edit followed by its inverse gives the same bytes."""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from vertice_lint.diagnostics import Edit
from vertice_lint.fix.text_edit import apply_edits
from vertice_lint.fix.yaml_edit import (
    KeyPath,
    Value,
    add_env,
    append_to_sequence,
    insert_key,
    remove_from_sequence,
    remove_key,
)
from vertice_lint.source import decode

NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,6}", fullmatch=True)
TEXT = st.text(alphabet="ab :#-'\"é1", min_size=0, max_size=8)
SCALARS: st.SearchStrategy[Value] = st.one_of(
    TEXT, st.integers(-5, 5000), st.booleans(), st.none(), NAMES
)
VALUES: st.SearchStrategy[Value] = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(NAMES, inner, max_size=3)),
    max_leaves=6,
)


def _plain_ok(value: str) -> bool:
    try:
        return bool(YAML(typ="safe", pure=True).load(f"- {value}\n") == [value])
    except Exception:
        return False


def quoted(value: str, quote: str) -> str:
    if quote == "'" and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    if quote == "" and value == value.strip() and value and _plain_ok(value):
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Manifest:
    data: bytes
    containers: int
    with_env: tuple[bool, ...]


@st.composite
def manifests(draw: st.DrawFn) -> Manifest:
    indent = draw(st.sampled_from([2, 4]))
    dash = draw(st.sampled_from([0, indent]))
    quote = draw(st.sampled_from(["", "'", '"']))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    comment = st.booleans()
    lines: list[str] = []

    def maybe_comment(column: int) -> None:
        if draw(comment):
            lines.append(" " * column + "# " + draw(TEXT).replace("\r", ""))

    def trailing() -> str:
        return "  # on the line" if draw(comment) else ""

    maybe_comment(0)
    lines += ["apiVersion: v1", "kind: Pod", "metadata:"]
    lines.append(" " * indent + "name: " + quoted(draw(NAMES), quote) + trailing())
    labels = draw(st.dictionaries(NAMES, NAMES, min_size=1, max_size=3))
    if draw(st.booleans()):
        flow = ", ".join(f"{k}: {quoted(v, quote)}" for k, v in labels.items())
        lines.append(" " * indent + "labels: {" + flow + "}")
    else:
        lines.append(" " * indent + "labels:")
        lines += [" " * 2 * indent + f"{k}: {quoted(v, quote)}" for k, v in labels.items()]
    lines += ["spec:", " " * indent + "containers:" + trailing()]
    count = draw(st.integers(1, 3))
    with_env = []
    dash_col = indent + dash
    item_col = dash_col + 2
    for _ in range(count):
        maybe_comment(dash_col)
        lines.append(" " * dash_col + "- name: " + quoted(draw(NAMES), quote) + trailing())
        lines.append(" " * item_col + "image: " + quoted(draw(TEXT) or "x", quote) + trailing())
        maybe_comment(item_col)
        has_env = draw(st.booleans())
        with_env.append(has_env)
        if has_env:
            lines.append(" " * item_col + "env:")
            for name in draw(st.lists(NAMES, min_size=1, max_size=2)):
                lines.append(" " * (item_col + dash) + "- name: " + quoted(name, quote))
                value = quoted(draw(TEXT), quote)
                lines.append(" " * (item_col + dash + 2) + "value: " + value + trailing())
        if draw(comment):
            lines.append(" " * (item_col + 2) + "# deeper")
    maybe_comment(0)
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    data = text.encode()
    if draw(st.booleans()):
        data = codecs.BOM_UTF8 + data
    return Manifest(data, count, tuple(with_env))


def roundtrip(data: bytes, forward: Any, backward: Any) -> bytes:
    decoded = decode(data)
    edit: Edit = forward(decoded.text)
    middle = apply_edits(decoded.text, [edit])
    assert middle != decoded.text
    back: Edit = backward(middle)
    return decoded.encode(apply_edits(middle, [back]))


@settings(max_examples=100, deadline=None)
@given(manifests(), st.data())
def test_insert_key_then_remove_key(manifest: Manifest, data: st.DataObject) -> None:
    targets: list[KeyPath] = [[], ["metadata"], ["metadata", "labels"]]
    targets += [["spec", "containers", i] for i in range(manifest.containers)]
    target = data.draw(st.sampled_from(targets))
    mapping = YAML(typ="safe", pure=True).load(decode(manifest.data).text)
    for step in target:
        mapping = mapping[step]
    key = data.draw(NAMES)
    assume(key not in mapping)
    value = data.draw(VALUES)
    place = data.draw(st.sampled_from(["end", "after", "before"]))
    anchor = data.draw(st.sampled_from(sorted(mapping)))
    where = (
        {"after": anchor} if place == "after" else {"before": anchor} if place == "before" else {}
    )
    result = roundtrip(
        manifest.data,
        lambda t: insert_key("m.yaml", t, 0, target, key, value, **where),
        lambda t: remove_key("m.yaml", t, 0, target, key),
    )
    assert result == manifest.data


@settings(max_examples=75, deadline=None)
@given(manifests(), VALUES)
def test_append_then_remove_from_sequence(manifest: Manifest, item: Value) -> None:
    seq = ["spec", "containers"]
    result = roundtrip(
        manifest.data,
        lambda t: append_to_sequence("m.yaml", t, 0, seq, item),
        lambda t: remove_from_sequence("m.yaml", t, 0, seq, -1),
    )
    assert result == manifest.data


@settings(max_examples=75, deadline=None)
@given(manifests(), st.data())
def test_add_env_then_remove(manifest: Manifest, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, manifest.containers - 1))
    container: list[str | int] = ["spec", "containers", index]
    value = data.draw(TEXT)

    def backward(text: str) -> Edit:
        if manifest.with_env[index]:
            return remove_from_sequence("m.yaml", text, 0, [*container, "env"], -1)
        return remove_key("m.yaml", text, 0, container, "env")

    result = roundtrip(
        manifest.data,
        lambda t: add_env("m.yaml", t, 0, container, "NEW_VAR", value=value),
        backward,
    )
    assert result == manifest.data


@given(manifests())
def test_no_edit_is_byte_identical(manifest: Manifest) -> None:
    decoded = decode(manifest.data)
    assert decoded.encode(apply_edits(decoded.text, [])) == manifest.data
