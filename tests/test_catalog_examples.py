"""Every example of every rules/VLxxx.yaml entry runs as a test, through the real CLI.

bad: exactly the listed diagnostics of that rule; good: none of that rule; fixed: `--fix`
(with `--unsafe-fixes` for unsafe rules) turns the bad files into exactly these files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import write_repo
from vertice_lint.catalog import Example, RuleMeta, load_catalog
from vertice_lint.cli import cli

CASES = [
    pytest.param(meta, example, id=f"{meta.id}-{example.name}")
    for meta in load_catalog().values()
    for example in meta.examples
]


_write = write_repo


def _run(root: Path, meta: RuleMeta, example: Example, *extra: str) -> tuple[int, str]:
    args = ["check", str(root), "--select", meta.id, *example.args, *extra]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.output


def _reported(root: Path, meta: RuleMeta, example: Example) -> list[str]:
    code, output = _run(root, meta, example, "--format", "json")
    assert code in (0, 1), output
    data = json.loads(output)
    prefix = root.as_posix() + "/"
    return sorted(
        f"{Path(d['path']).as_posix().removeprefix(prefix)}:{d['line']}:{d['column']}"
        for d in data["diagnostics"]
        if d["rule"] == meta.id
    )


def test_catalog_has_rules() -> None:
    assert {"VL001", "VL002", "VL003", "VL801"} <= set(load_catalog())


@pytest.mark.parametrize(("meta", "example"), CASES)
def test_bad_example_reports_exactly(tmp_path: Path, meta: RuleMeta, example: Example) -> None:
    _write(tmp_path, example.bad_files)
    assert _reported(tmp_path, meta, example) == sorted(example.bad_diagnostics)


@pytest.mark.parametrize(("meta", "example"), CASES)
def test_good_example_is_clean(tmp_path: Path, meta: RuleMeta, example: Example) -> None:
    _write(tmp_path, example.good_files)
    assert _reported(tmp_path, meta, example) == []


@pytest.mark.parametrize(
    ("meta", "example"),
    [c for c in CASES if c.values[1].fixed_files is not None],  # type: ignore[union-attr]
)
def test_fixed_example(tmp_path: Path, meta: RuleMeta, example: Example) -> None:
    _write(tmp_path, example.bad_files)
    extra = ["--fix"] + (["--unsafe-fixes"] if meta.fix_safety == "unsafe" else [])
    _run(tmp_path, meta, example, *extra)
    assert example.fixed_files is not None
    for rel, expected in example.fixed_files.items():
        assert (tmp_path / rel).read_text("utf-8") == expected, rel
    # and a second --fix changes nothing
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    _run(tmp_path, meta, example, *extra)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_fixable_rules_have_fixed_examples() -> None:
    for meta in load_catalog().values():
        if meta.fix_safety != "none":
            assert any(e.fixed_files for e in meta.examples), meta.id


def test_the_fast_catalog_reader_reads_what_ruamel_reads() -> None:
    """The catalog is read with libyaml's C loader when there is one (start-up time): it must
    give the same data as ruamel.yaml's YAML 1.2 reader for every rule file (YAML 1.1 reads
    `on`, `no` and `1:20` differently)."""
    from ruamel.yaml import YAML

    from vertice_lint.catalog import _catalog_loader, rules_dir

    fast, reference = _catalog_loader(), YAML(typ="safe")
    files = sorted(rules_dir().glob("VL*.yaml"))
    assert files
    for path in files:
        text = path.read_text("utf-8")
        assert fast(text) == reference.load(text), path.name
