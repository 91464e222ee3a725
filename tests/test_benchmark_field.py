"""benchmarks/field.py on a tiny generated repository: the table's shape, skipped peers.

No timing is asserted: only which rows and columns the table has.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture
def field(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import field

    return field


def _cells(table: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()]


def test_rows_columns_and_skipped_peers(
    field: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scale

    scale.build(tmp_path / "repo", 2)
    tree = field.walk("tiny", tmp_path / "repo")
    assert len(tree.files) == 13  # 2 x (Dockerfile, requirements, 3 modules, manifest) + 1
    assert len(tree.dockerfiles()) == 2
    assert len(tree.manifests()) == 2  # the kustomization holds no object

    installed = field.Tool(
        "fake-peer",
        lambda: [sys.executable, "-c", "pass"],
        lambda prefix, t: field.Command(prefix, len(t.manifests())),
    )
    nothing_to_do = field.Tool("idle-peer", lambda: ["true"], lambda prefix, t: None)
    tools = [*field.vertice_lint_tools(None), installed, nothing_to_do]
    # No peer on PATH and none importable: every real peer gets a "skipped" row.
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    tools += field.PEERS
    rows = field.measure([tree], tools, repeat=2)
    monkeypatch.undo()

    table = _cells(field.render(rows))
    assert table[0] == list(field.COLUMNS)
    body = {row[2]: row for row in table[2:]}
    assert list(body) == [
        "vertice-lint (cold)",
        "fake-peer",
        "idle-peer",
        "checkov",
        "kubernetes-validate",
        "hadolint",
        "ruff",
    ]
    assert all(row[:2] == ["tiny", "13"] for row in body.values())
    ours = body["vertice-lint (cold)"]
    assert ours[3] == "13" and ours[8] == ""  # every file given, exit 0
    assert all(cell != "-" for cell in ours[4:8])
    assert body["fake-peer"][3] == "2"
    assert body["idle-peer"][3:] == ["-"] * 5 + ["skipped: no input files"]
    for peer in ("checkov", "kubernetes-validate", "hadolint", "ruff"):
        assert body[peer][3:] == ["-"] * 5 + ["skipped: not installed"]
    assert [len(r.samples) for r in rows] == [2, 2, 0, 0, 0, 0, 0]


def test_main_writes_the_table_with_date_and_machine(
    field: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(field, "PEERS", ())
    out = tmp_path / "table.md"
    argv = ["--corpora", str(tmp_path / "none"), "--services", "1,3", "--smallest"]
    assert field.main([*argv, "--repeat", "1", "--out", str(out)]) == 0
    text = out.read_text("utf-8")
    assert text.startswith("Measured ")
    assert "CPUs" in text and "Python 3." in text
    table = _cells(text.split("\n\n", 1)[1])
    assert table[0] == list(field.COLUMNS)
    assert [row[:3] for row in table[2:]] == [
        ["synthetic, 1 services", "7", "vertice-lint (cold)"],
        ["synthetic, 1 services", "7", "vertice-lint (warm)"],
    ]
