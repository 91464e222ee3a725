"""A run after edits parses again only the files whose bytes changed (the fix loop's passes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_repo
from vertice_lint import engine
from vertice_lint.config import Config
from vertice_lint.discover import SourceFile
from vertice_lint.engine import RunResult, lint
from vertice_lint.parsers import ParsedFile, parse_file

APP = {
    "api/Dockerfile": 'FROM python:3.11-slim\nCOPY . /app\nCMD ["python", "/app/main.py"]\n',
    "api/main.py": "import os\nos.environ['FOO']\n",
    "k8s/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
}


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []

    def counting(source: SourceFile, data: bytes) -> ParsedFile:
        seen.append(source.path)
        return parse_file(source, data)

    monkeypatch.setattr(engine, "parse_file", counting)
    return seen


def test_unchanged_files_are_not_parsed_again(tmp_path: Path, parses: list[str]) -> None:
    write_repo(tmp_path, APP)
    first = lint(tmp_path, Config())
    assert sorted(parses) == sorted(APP)
    parses.clear()
    again = lint(tmp_path, Config(), overlay={"api/main.py": b"import os\nos.environ['BAR']\n"})
    assert parses == ["api/main.py"]
    assert _env_names(again) == ["BAR"]
    parses.clear()
    assert _env_names(lint(tmp_path, Config())) == _env_names(first) == ["FOO"]
    # back to the bytes on disk: a few versions of each file are kept (a fix run's bisection
    # switches between the original and the edits it verifies), so nothing is parsed again
    assert parses == []
    for version in range(engine._ParseMemo.VERSIONS + 1):
        lint(tmp_path, Config(), overlay={"api/main.py": f"x = {version}\n".encode()})
    parses.clear()
    lint(tmp_path, Config())  # the original was the least recently used version: gone
    assert parses == ["api/main.py"]


def _env_names(result: RunResult) -> list[str]:
    module = result.workspace.python_module("api/main.py")
    assert module is not None
    return [read.name for read in module.env_reads]


def test_another_repository_is_parsed_anew(tmp_path: Path, parses: list[str]) -> None:
    for name in ("a", "b"):
        write_repo(tmp_path / name, APP)
        lint(tmp_path / name, Config())
    assert sorted(parses) == sorted([*APP, *APP])
