"""Snapshots of every catalog example: the full text report (with evidence, verbose notes) on the
bad files of the example, and the `--diff` of its fixes where it has `fixed:`.

A change of behaviour or of a message shows as a diff of `tests/snapshots/`; review it, then
regenerate with `pytest tests/test_snapshots.py --update-snapshots`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import write_repo
from vertice_lint.catalog import Example, RuleMeta, load_catalog
from vertice_lint.cli import cli

SNAPSHOTS = Path(__file__).parent / "snapshots"

CASES = [
    pytest.param(meta, example, id=f"{meta.id}-{example.name}")
    for meta in load_catalog().values()
    for example in meta.examples
]


def _run(root: Path, meta: RuleMeta, example: Example, *extra: str) -> str:
    args = ["check", ".", "--select", meta.id, *example.args, *extra]
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return f"$ vertice-lint {' '.join(args)}\nexit {result.exit_code}\n{result.output}"


def render(root: Path, meta: RuleMeta, example: Example) -> str:
    """The snapshot text of one example, written into `root` (an empty directory)."""
    write_repo(root, example.bad_files)
    text = _run(root, meta, example, "--verbose")
    if example.fixed_files is not None:
        extra = ["--diff"] + (["--unsafe-fixes"] if meta.fix_safety == "unsafe" else [])
        text += "\n" + _run(root, meta, example, *extra)
    return text


def snapshot_path(meta: RuleMeta, example: Example) -> Path:
    return SNAPSHOTS / f"{meta.id}-{example.name}.txt"


@pytest.mark.parametrize(("meta", "example"), CASES)
def test_snapshot(
    tmp_path: Path, request: pytest.FixtureRequest, meta: RuleMeta, example: Example
) -> None:
    actual = render(tmp_path, meta, example)
    path = snapshot_path(meta, example)
    if request.config.getoption("--update-snapshots"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, "utf-8")
        return
    assert path.is_file(), f"no snapshot {path.name}: run pytest --update-snapshots"
    assert actual == path.read_text("utf-8")


def test_no_stale_snapshots() -> None:
    expected = {snapshot_path(p.values[0], p.values[1]).name for p in CASES}  # type: ignore[arg-type]
    assert {p.name for p in SNAPSHOTS.glob("*.txt")} <= expected
