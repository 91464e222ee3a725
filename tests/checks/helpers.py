"""Helpers the rule tests share: write a small repository, lint it with one rule, fix it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from vertice_lint.cli import cli
from vertice_lint.config import Config
from vertice_lint.engine import Selection, lint

Found = tuple[str, str, int, int, str]


def write_repo(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (path -> text) under root."""
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8"))
    return root


def lint_rule(root: Path, rule: str) -> list[Found]:
    """(rule, path, line, col, message) of what one rule reports; no internal error."""
    result = lint(root, Config(), Selection(select=(rule,)))
    assert not result.internal_errors
    return [(d.rule, d.path, d.line, d.col, d.message) for d in result.diagnostics]


def fix_twice(root: Path, rule: str, path: str) -> str:
    """The file after `--fix` with one rule; a second `--fix` must change nothing."""
    args = ["check", str(root), "--select", rule, "--fix"]
    CliRunner().invoke(cli, args, catch_exceptions=False)
    fixed = (root / path).read_bytes()
    CliRunner().invoke(cli, args, catch_exceptions=False)
    assert (root / path).read_bytes() == fixed
    return fixed.decode("utf-8")
