"""YAML primitives over a table of real-world styles: only the intended lines change."""

from __future__ import annotations

import codecs
import difflib
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from vertice_lint.diagnostics import Edit
from vertice_lint.fix.text_edit import EditError, apply_edits
from vertice_lint.fix.yaml_edit import (
    KeyPath,
    add_env,
    append_to_sequence,
    insert_key,
    remove_document,
    remove_from_sequence,
    remove_key,
    set_scalar,
)
from vertice_lint.source import decode


def changed_lines(old: str, new: str) -> list[str]:
    """The -/+ lines of a zero-context diff (headers and hunk lines left out)."""
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0))
    return [line for line in diff[2:] if not line.startswith("@@")]


@dataclass(frozen=True)
class Style:
    name: str
    text: str
    doc: int
    containers: KeyPath
    expected: dict[str, list[str]]


KUBECTL = Style(
    "2-space, dash at the key's column, plain scalars",
    """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx
        ports:
        - containerPort: 80
      - name: sidecar
        image: busybox
""",
    0,
    ["spec", "template", "spec", "containers"],
    {
        "set_image": ["-        image: nginx", "+        image: nginx:1.27"],
        "insert_key": ["+        imagePullPolicy: Always"],
        "add_env": ["+        env:", "+        - name: PORT", '+          value: "8080"'],
        "append": ["+      - name: log", "+        image: busybox:1"],
        "remove_item": [
            "-      - name: web",
            "-        image: nginx",
            "-        ports:",
            "-        - containerPort: 80",
        ],
        "remove_key": ["-        image: nginx"],
    },
)

FOUR_SPACES = Style(
    "4-space, indented dashes, double quotes, comments before/on/after",
    """\
# Deployment for the web app
apiVersion: "apps/v1"
kind: "Deployment"
spec:
    template:
        spec:
            # the containers
            containers:
                # main container
                - name: "web"   # name comment
                  image: "nginx"  # image comment
                  # about the ports
                  ports:
                      - containerPort: 80
                        # deeper comment
                # sidecar
                - name: "sidecar"
                  image: 'busybox'
""",
    0,
    ["spec", "template", "spec", "containers"],
    {
        "set_image": [
            '-                  image: "nginx"  # image comment',
            '+                  image: "nginx:1.27"  # image comment',
        ],
        "insert_key": ["+                  imagePullPolicy: Always"],
        "add_env": [
            "+                  env:",
            "+                      - name: PORT",
            '+                        value: "8080"',
        ],
        "append": ["+                - name: log", "+                  image: busybox:1"],
        "remove_item": [
            "-                # main container",
            '-                - name: "web"   # name comment',
            '-                  image: "nginx"  # image comment',
            "-                  # about the ports",
            "-                  ports:",
            "-                      - containerPort: 80",
            "-                        # deeper comment",
        ],
        "remove_key": ['-                  image: "nginx"  # image comment'],
    },
)

SINGLE_QUOTES = Style(
    "2-space, indented dashes, single quotes, existing env",
    """\
spec:
  containers:
    - name: 'web'
      image: 'nginx'  # TODO pin
      env:
        - name: A
          value: '1'
      # end of web
    - name: 'sidecar'
      image: 'busybox'
""",
    0,
    ["spec", "containers"],
    {
        "set_image": [
            "-      image: 'nginx'  # TODO pin",
            "+      image: 'nginx:1.27'  # TODO pin",
        ],
        "insert_key": ["+      imagePullPolicy: Always"],
        "add_env": ["+        - name: PORT", "+          value: '8080'"],
        "append": ["+    - name: log", "+      image: busybox:1"],
        "remove_item": [
            "-    - name: 'web'",
            "-      image: 'nginx'  # TODO pin",
            "-      env:",
            "-        - name: A",
            "-          value: '1'",
            "-      # end of web",
        ],
        "remove_key": ["-      image: 'nginx'  # TODO pin"],
    },
)

MULTI_DOC = Style(
    "multi-document with a leading ---, second document",
    """\
---
apiVersion: v1
kind: Service
metadata:
  name: web  # the service
---
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx
        - name: sidecar
          image: busybox
""",
    1,
    ["spec", "template", "spec", "containers"],
    {
        "set_image": ["-          image: nginx", "+          image: nginx:1.27"],
        "insert_key": ["+          imagePullPolicy: Always"],
        "add_env": ["+          env:", "+            - name: PORT", '+              value: "8080"'],
        "append": ["+        - name: log", "+          image: busybox:1"],
        "remove_item": ["-        - name: web", "-          image: nginx"],
        "remove_key": ["-          image: nginx"],
    },
)

MULTI_DOC_BARE = Style(
    "multi-document without a leading ---, with ..., key first on the dash line",
    """\
kind: ConfigMap
data:
  A: "1"
...
---
kind: Pod
spec:
  containers:
  - image: nginx
    name: web
  - image: busybox
    name: sidecar""",
    1,
    ["spec", "containers"],
    {
        "set_image": ["-  - image: nginx", "+  - image: nginx:1.27"],
        "insert_key": ["+    imagePullPolicy: Always"],
        "add_env": ["+    env:", "+    - name: PORT", '+      value: "8080"'],
        "append": ["+  - name: log", "+    image: busybox:1"],
        "remove_item": ["-  - image: nginx", "-    name: web"],
        "remove_key": ["-  - image: nginx", "-    name: web", "+  - name: web"],
    },
)

STYLES = [KUBECTL, FOUR_SPACES, SINGLE_QUOTES, MULTI_DOC, MULTI_DOC_BARE]

Op = Callable[[Style, str], Edit]
OPS: dict[str, Op] = {
    "set_image": lambda s, t: set_scalar(
        "f.yaml", t, s.doc, [*s.containers, 0, "image"], "nginx:1.27"
    ),
    "insert_key": lambda s, t: insert_key(
        "f.yaml", t, s.doc, [*s.containers, 0], "imagePullPolicy", "Always", after="image"
    ),
    "add_env": lambda s, t: add_env("f.yaml", t, s.doc, [*s.containers, 0], "PORT", value="8080"),
    "append": lambda s, t: append_to_sequence(
        "f.yaml", t, s.doc, s.containers, {"name": "log", "image": "busybox:1"}
    ),
    "remove_item": lambda s, t: remove_from_sequence("f.yaml", t, s.doc, s.containers, 0),
    "remove_key": lambda s, t: remove_key("f.yaml", t, s.doc, [*s.containers, 0], "image"),
}
ENCODINGS = {
    "lf": lambda text: text.encode(),
    "crlf": lambda text: text.replace("\n", "\r\n").encode(),
    "bom": lambda text: codecs.BOM_UTF8 + text.encode(),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("style", STYLES, ids=[s.name for s in STYLES])
def test_only_the_intended_lines_change(style: Style, op: str, encoding: str) -> None:
    data = ENCODINGS[encoding](style.text)
    decoded = decode(data)
    edit = OPS[op](style, decoded.text)
    result = decoded.encode(apply_edits(decoded.text, [edit]))

    assert result.startswith(codecs.BOM_UTF8) == (encoding == "bom")
    if encoding == "crlf":
        assert result.count(b"\n") == result.count(b"\r\n")
    new_text = decode(result).text.replace("\r\n", "\n")
    assert changed_lines(style.text, new_text) == style.expected[op]


def test_add_env_full_result() -> None:
    edit = add_env("d.yaml", KUBECTL.text, 0, [*KUBECTL.containers, 1], "LOG", value="debug")
    assert apply_edits(KUBECTL.text, [edit]) == KUBECTL.text + (
        "        env:\n        - name: LOG\n          value: debug\n"
    )


def test_add_env_value_from_full_result() -> None:
    text = "containers:\n  - name: a\n    image: x\n"
    edit = add_env(
        "d.yaml",
        text,
        0,
        ["containers", 0],
        "DB",
        value_from={"secretKeyRef": {"name": "db", "key": "url"}},
    )
    assert apply_edits(text, [edit]) == (
        "containers:\n"
        "  - name: a\n"
        "    image: x\n"
        "    env:\n"
        "      - name: DB\n"
        "        valueFrom:\n"
        "          secretKeyRef:\n"
        "            name: db\n"
        "            key: url\n"
    )


def test_set_scalar_keeps_quote_style_and_quotes_what_must_be() -> None:
    text = "a: 'x'  # c\nb: \"y\"\nc: z\nd: w\n"
    result = text
    changes: list[tuple[str, str | int]] = [("a", "it's"), ("b", "q"), ("c", "8080"), ("d", 3)]
    for key, value in changes:
        result = apply_edits(result, [set_scalar("f", result, 0, [key], value)])
    assert result == "a: 'it''s'  # c\nb: \"q\"\nc: \"8080\"\nd: 3\n"


def test_set_scalar_on_an_empty_value_and_behind_anchor_and_tag() -> None:
    text = "a:\nb: &x !!str old  # keep\nc: *x\n"
    edit = set_scalar("f", text, 0, ["a"], "new")
    assert apply_edits(text, [edit]) == "a: new\nb: &x !!str old  # keep\nc: *x\n"
    # Changing an anchored scalar would also change its alias: refused, not half-done.
    with pytest.raises(EditError):
        set_scalar("f", text, 0, ["b"], "other")


def test_set_scalar_in_literal_block() -> None:
    text = "data:\n  script: |\n    echo a\n    echo b\n  other: 1\n"
    edit = set_scalar("f", text, 0, ["data", "script"], "echo c\necho d\n")
    assert apply_edits(text, [edit]) == "data:\n  script: |\n    echo c\n    echo d\n  other: 1\n"


def test_long_lines_are_never_rewrapped() -> None:
    long = "x" * 150
    text = f"a: {long} {long}\nb: [1, 2]\n"
    edit = insert_key("f", text, 0, [], "c", f"{long} {long}")
    assert apply_edits(text, [edit]) == text + f"c: {long} {long}\n"


def test_flow_collections_are_edited_in_flow_style() -> None:
    text = "a: {x: 1, y: 2}  # m\nb: [1, 2]\nc: []\n"
    steps = [
        insert_key("f", text, 0, ["a"], "z", 3, after="x"),
        append_to_sequence("f", text, 0, ["b"], "three"),
        append_to_sequence("f", text, 0, ["c"], {"k": "v"}),
    ]
    assert apply_edits(text, steps) == "a: {x: 1, z: 3, y: 2}  # m\nb: [1, 2, three]\nc: [{k: v}]\n"
    removed = remove_from_sequence("f", text, 0, ["b"], 0)
    assert apply_edits(text, [removed]) == "a: {x: 1, y: 2}  # m\nb: [2]\nc: []\n"


def test_insert_key_before_keeps_the_keys_comment_with_it() -> None:
    text = "a: 1\n# about b\nb: 2\n"
    edit = insert_key("f", text, 0, [], "n", {"k": [1, 2]}, before="b")
    assert apply_edits(text, [edit]) == "a: 1\nn:\n  k:\n  - 1\n  - 2\n# about b\nb: 2\n"


def test_insert_key_into_an_unterminated_last_line() -> None:
    edit = insert_key("f", "a: 1", 0, [], "b", 2)
    assert apply_edits("a: 1", [edit]) == "a: 1\nb: 2"


@pytest.mark.parametrize(
    ("text", "doc", "expected"),
    [
        ("a: 1\n---\n# c\nb: 2\n---\nc: 3", 0, "# c\nb: 2\n---\nc: 3"),
        ("a: 1\n---\n# c\nb: 2\n---\nc: 3", 1, "a: 1\n---\nc: 3"),
        ("a: 1\n---\n# c\nb: 2\n---\nc: 3", 2, "a: 1\n---\n# c\nb: 2\n"),
        ("---\na: 1\n---\nb: 2\n", 0, "---\nb: 2\n"),
        ("---\r\na: 1\r\n...\r\n---\r\nb: 2\r\n", 1, "---\r\na: 1\r\n...\r\n"),
        ("a: 1\n", 0, ""),
    ],
)
def test_remove_document(text: str, doc: int, expected: str) -> None:
    assert apply_edits(text, [remove_document("f", text, doc)]) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: set_scalar("f", "a: {b: 1}\n", 0, ["a"], 1),
        lambda: set_scalar("f", "a: 1\n", 0, ["missing"], 1),
        lambda: insert_key("f", "a: 1\n", 0, [], "a", 2),
        lambda: insert_key("f", "a: 1\n", 0, [], "b", 2, after="nope"),
        lambda: remove_from_sequence("f", "a:\n- 1\n", 0, ["a"], 0),
        lambda: remove_from_sequence("f", "a: [1]\n", 0, ["a"], 3),
        lambda: remove_document("f", "a: 1\n", 1),
        lambda: add_env("f", "c:\n  name: x\n", 0, ["c"], "A"),
        lambda: set_scalar("f", "a: [1\n", 0, ["a"], 1),
    ],
)
def test_impossible_or_unverifiable_edits_raise(call: Callable[[], Edit]) -> None:
    with pytest.raises(EditError):
        call()
