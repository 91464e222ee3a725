"""Helpers every test shares: write a small repository, build its model, lint it with some rules,
fix it. One module, so that no test file carries its own copy."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner

from vertice_lint.cli import cli
from vertice_lint.config import Config
from vertice_lint.engine import Selection, lint
from vertice_lint.model import Workspace

Found = tuple[str, str, int, int, str]
NO_RULES = Config(select=())

# A Deployment with one schema error (`replica`, VL801) and nothing else wrong with its spec
BAD_DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replica: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0
"""


def git(root: Path, *args: str) -> None:
    """Run git in a test's repository (with an author, so that commits work anywhere)."""
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def write_repo(
    root: Path, files: dict[str, str] | dict[str, bytes] | dict[str, str | bytes]
) -> Path:
    """Write `files` (path -> text or bytes) under root, exactly as given."""
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


def workspace(
    root: Path, files: dict[str, str] | None = None, config: Config = NO_RULES
) -> Workspace:
    """The model of the repository under root (after writing `files`), with no rule run."""
    if files:
        write_repo(root, files)
    return lint(root, config, Selection(select=("VL001",))).workspace


def lint_rules(root: Path, *rules: str, config: Config | None = None) -> list[Found]:
    """(rule, path, line, col, message) of what these rules report; no internal error."""
    result = lint(root, config or Config(), Selection(select=rules))
    assert not result.internal_errors, result.internal_errors
    return [(d.rule, d.path, d.line, d.col, d.message) for d in result.diagnostics]


def lint_rule(root: Path, rule: str) -> list[Found]:
    """What one rule reports."""
    return lint_rules(root, rule)


def fix_twice(root: Path, rule: str, path: str, *extra: str) -> str:
    """The file after `--fix` with one rule; a second `--fix` must change nothing."""
    args = ["check", str(root), "--select", rule, "--fix", *extra]
    CliRunner().invoke(cli, args, catch_exceptions=False)
    fixed = (root / path).read_bytes()
    CliRunner().invoke(cli, args, catch_exceptions=False)
    assert (root / path).read_bytes() == fixed
    return fixed.decode("utf-8")
