"""Bad input never stops the run: each case is a VL001 at its location, the rest is linted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vertice_lint.config import Config
from vertice_lint.engine import lint

GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n  A: '1'\n"
BAD_OTHER = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replica: 1\n"

BILLION_LAUGHS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: lol
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _findings(root: Path) -> list[tuple[str, str, int, int, str]]:
    result = lint(root, Config())
    return [(d.rule, d.path, d.line, d.col, d.message) for d in result.diagnostics]


def _repo(root: Path, bad: dict[str, bytes]) -> Path:
    # every case sits next to a valid manifest and an invalid one: the run must go on
    (root / "k8s").mkdir(parents=True)
    (root / "k8s/good.yaml").write_text(GOOD)
    (root / "k8s/other.yaml").write_text(BAD_OTHER)
    for rel, data in bad.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


OTHER = ("VL801", "k8s/other.yaml", 6, 3, 'Deployment x: spec.replica: unknown field "replica"')


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"k8s/broken.yaml": b"apiVersion: v1\nkind: ConfigMap\ndata: [a, b\n"},
            ("VL001", "k8s/broken.yaml", 4, 1),
            id="broken-yaml",
        ),
        pytest.param(
            {"k8s/deployment.yaml": b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00"},
            ("VL001", "k8s/deployment.yaml", 1, 1),
            id="binary-yaml",
        ),
        pytest.param(
            {"svc/Dockerfile": b'FROM python:3.11\nLABEL author="Jo\xe3o"\n'},
            ("VL001", "svc/Dockerfile", 2, 17),
            id="invalid-utf8-dockerfile",
        ),
        pytest.param(
            {"svc/main.py": b"import os\n\nif True\n    pass\n"},
            ("VL001", "svc/main.py", 3, 8),
            id="python-syntax-error",
        ),
        pytest.param(
            {"k8s/lol.yaml": BILLION_LAUGHS.encode()},
            ("VL001", "k8s/lol.yaml", 1, 1),
            id="alias-bomb",
        ),
    ],
)
def test_bad_file_is_vl001_and_the_run_goes_on(
    tmp_path: Path, files: dict[str, bytes], expected: tuple[str, str, int, int]
) -> None:
    found = _findings(_repo(tmp_path, files))
    assert [f[:4] for f in found if f[0] == "VL001"] == [expected]
    assert OTHER in found


def test_alias_bomb_message(tmp_path: Path) -> None:
    found = _findings(_repo(tmp_path, {"k8s/lol.yaml": BILLION_LAUGHS.encode()}))
    message = next(f[4] for f in found if f[0] == "VL001")
    assert "alias bomb" in message


def test_huge_file(tmp_path: Path) -> None:
    root = _repo(tmp_path, {})
    with open(root / "k8s/huge.yaml", "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    found = _findings(root)
    assert (
        "VL001",
        "k8s/huge.yaml",
        1,
        1,
        "file is 50.0 MB, over the 10 MB limit: skipped",
    ) in found
    assert OTHER in found


def test_symlink_out_of_tree_and_loop(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(GOOD)
    root = _repo(tmp_path / "repo", {})
    (root / "k8s/escape.yaml").symlink_to(outside)
    (root / "k8s/loop-a.yaml").symlink_to(root / "k8s/loop-b.yaml")
    (root / "k8s/loop-b.yaml").symlink_to(root / "k8s/loop-a.yaml")
    found = {(f[1], f[4].split(":")[0]) for f in _findings(root) if f[0] == "VL001"}
    assert found == {
        ("k8s/escape.yaml", "symlink points outside the repository"),
        ("k8s/loop-a.yaml", "symlink loop"),
        ("k8s/loop-b.yaml", "symlink loop"),
    }


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, {"k8s/secret.yaml": GOOD.encode()})
    real_open = open

    def deny(path: object, *args: object, **kwargs: object) -> object:
        if str(path).endswith("secret.yaml"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", deny)
    found = _findings(root)
    assert ("VL001", "k8s/secret.yaml", 1, 1, "cannot read: Permission denied") in found
    assert OTHER in found


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_by_mode(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"k8s/secret.yaml": GOOD.encode()})
    (root / "k8s/secret.yaml").chmod(0)
    assert ("VL001", "k8s/secret.yaml", 1, 1, "cannot read: Permission denied") in _findings(root)


def test_a_binary_file_without_extension_is_no_finding(tmp_path: Path) -> None:
    # extension-less files are read in case an image runs them as scripts; a compiled
    # binary among them is not a parse error
    root = _repo(tmp_path, {"bin/tool": b"\x7fELF\x02\x01\x01\x00\x00\x00"})
    found = _findings(root)
    assert [f for f in found if f[0] == "VL001"] == []
    assert OTHER in found


@pytest.mark.parametrize(
    ("coding", "why"),
    [
        ("rot-13", "is not a text encoding"),
        ("base64", "is not a text encoding"),
        ("hex", "is not a text encoding"),
        ("zlib", "is not a text encoding"),
        ("bz2", "is not a text encoding"),
        ("uu", "is not a text encoding"),
        ("quopri", "is not a text encoding"),
        ("unicode_escape", "does not read back to the same bytes"),
        ("raw_unicode_escape", "does not read back to the same bytes"),
        ("punycode", "not valid punycode text"),
    ],
)
def test_a_coding_cookie_that_is_no_text_encoding_is_vl001(
    tmp_path: Path, coding: str, why: str
) -> None:
    """One file with a codec cookie used to end the whole run (internal error, no findings):
    now it is a VL001 of its own and the good file's finding is still reported."""
    body = f"# -*- coding: {coding} -*-\nimport os\nprint('caf\\u00e9')\n".encode("latin-1")
    found = _findings(_repo(tmp_path, {"svc/odd.py": body}))
    (vl001,) = [f for f in found if f[0] == "VL001"]
    assert vl001[1:3] == ("svc/odd.py", 1) and why in vl001[4]
    assert OTHER in found


def test_a_real_text_encoding_cookie_is_read(tmp_path: Path) -> None:
    body = "# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1")
    found = _findings(_repo(tmp_path, {"svc/latin.py": body}))
    assert [f for f in found if f[0] == "VL001"] == []


def test_build_arguments_that_expand_each_other_are_vl001(tmp_path: Path) -> None:
    """`ARG A1=${A0}${A0}` forty times over would be 2**40 characters (it took 23 GB)."""
    lines = ["FROM python:3.12-slim", "ARG A0=xx"]
    lines += [f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, 40)]
    lines.append("RUN echo $A39")
    found = _findings(_repo(tmp_path, {"svc/Dockerfile": ("\n".join(lines) + "\n").encode()}))
    (vl001,) = [f for f in found if f[0] == "VL001"]
    assert vl001[1] == "svc/Dockerfile" and "expands to more than 65,536 characters" in vl001[4]
    assert OTHER in found


def test_an_instruction_longer_than_vertice_lint_reads_is_vl001(tmp_path: Path) -> None:
    body = b"FROM python:3.12-slim\nRUN echo " + b"a" * 300_000 + b"\n"
    found = _findings(_repo(tmp_path, {"svc/Dockerfile": body}))
    (vl001,) = [f for f in found if f[0] == "VL001"]
    assert vl001[1:3] == ("svc/Dockerfile", 2) and "more than the 131,072" in vl001[4]
    assert OTHER in found


def test_a_python_line_of_megabytes_is_vl001(tmp_path: Path) -> None:
    """One line of generated data, 4 MB long, took 1.4 GB to parse: a VL001 instead."""
    body = b"DATA = [" + b"1," * 2_000_000 + b"]\n"
    found = _findings(_repo(tmp_path, {"svc/data.py": body}))
    (vl001,) = [f for f in found if f[0] == "VL001"]
    assert vl001[1:3] == ("svc/data.py", 1) and "more than the 1,048,576" in vl001[4]
    assert OTHER in found
