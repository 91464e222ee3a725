"""The run cache (vertice_lint/cache.py): a warm run answers without linting, any change to
what the run read is a miss, a broken or foreign entry is a miss, never a crash."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.helpers import BAD_DEPLOY
from vertice_lint import cache, engine
from vertice_lint.cli import cli
from vertice_lint.diagnostics import Diagnostic, Edit, Evidence, Fix, Safety, Severity

_OLD = 1_600_000_000  # a modification time well outside the racy window


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
        os.utime(root / rel, (_OLD, _OLD))
    return root


def _run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", str(root), "--format", "json", *args])
    return result.exit_code, result.output


@pytest.fixture
def lint_calls(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The roots `engine.lint` was called on (a warm run calls it never)."""
    calls: list[Path] = []
    real = engine.lint

    def counting(root: Path, *args: Any, **kwargs: Any) -> engine.RunResult:
        calls.append(root)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(engine, "lint", counting)
    return calls


def test_a_warm_run_reports_the_same_without_linting(
    tmp_path: Path, lint_calls: list[Path]
) -> None:
    root = _repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY})
    first = _run(root)
    assert first[0] == 1 and '"VL801"' in first[1]
    assert len(lint_calls) == 1
    assert (root / ".vertice-lint-cache" / ".gitignore").read_text().endswith("*\n")
    assert (root / ".vertice-lint-cache" / "CACHEDIR.TAG").is_file()
    assert _run(root) == first
    assert len(lint_calls) == 1  # answered from the cache
    # the cache directory is never linted itself
    assert '".vertice-lint-cache' not in _run(root, "--no-cache")[1]


def test_a_changed_file_is_a_miss(tmp_path: Path, lint_calls: list[Path]) -> None:
    root = _repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY})
    assert _run(root)[0] == 1
    (root / "k8s/deploy.yaml").write_text(BAD_DEPLOY.replace("replica:", "replicas:"))
    os.utime(root / "k8s/deploy.yaml", (_OLD + 5, _OLD + 5))
    assert _run(root)[0] == 0
    assert len(lint_calls) == 2
    (root / "k8s/other.yaml").write_text(BAD_DEPLOY)  # a new file
    os.utime(root / "k8s/other.yaml", (_OLD, _OLD))
    code, out = _run(root)
    assert code == 1 and "other.yaml" in out
    assert len(lint_calls) == 3


def test_selection_and_config_are_part_of_the_key(tmp_path: Path, lint_calls: list[Path]) -> None:
    root = _repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY})
    assert _run(root)[0] == 1
    assert _run(root, "--select", "VL104")[0] == 0
    (root / ".vertice-lint.toml").write_text('ignore = ["VL801"]\n')
    os.utime(root / ".vertice-lint.toml", (_OLD, _OLD))
    assert _run(root)[0] == 0
    assert len(lint_calls) == 3


def test_a_recently_modified_file_keeps_the_run_out_of_the_cache(
    tmp_path: Path, lint_calls: list[Path]
) -> None:
    # an edit within the file system's timestamp tick would leave size and time unchanged
    root = _repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY})
    os.utime(root / "k8s/deploy.yaml")  # now
    _run(root)
    _run(root)
    assert len(lint_calls) == 2
    assert not list((root / ".vertice-lint-cache").glob("*.json"))


def test_no_cache_neither_reads_nor_writes(tmp_path: Path, lint_calls: list[Path]) -> None:
    root = _repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY})
    _run(root, "--no-cache")
    assert not (root / ".vertice-lint-cache").exists()
    _run(root)
    _run(root, "--no-cache")
    assert len(lint_calls) == 3


def test_corrupt_foreign_and_symlinked_caches_are_misses(
    tmp_path: Path, lint_calls: list[Path]
) -> None:
    root = _repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY})
    directory = tmp_path / "cache"
    first = _run(root, "--cache-dir", str(directory))
    (entry,) = directory.glob("*.json")
    for broken in ("{", "[]", json.dumps({"format": cache.FORMAT, "key": "other"}), "\x00"):
        entry.write_text(broken)
        assert _run(root, "--cache-dir", str(directory)) == first
    calls = len(lint_calls)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    assert _run(root, "--cache-dir", str(link)) == first
    assert list(elsewhere.iterdir()) == []  # never written through a symlink
    assert len(lint_calls) == calls + 1


def test_entries_round_trip_every_field(tmp_path: Path) -> None:
    diag = Diagnostic(
        rule="VL301",
        path="svc/app.py",
        line=3,
        col=1,
        message="prometheus_client …",
        severity=Severity.WARNING,
        evidence=(Evidence("svc/Dockerfile", 4, 5, "the image installs requirements.txt"),),
        fix=Fix(
            (Edit("svc/requirements.txt", 0, 4, "a==1\n"), Edit("new.txt", create=True)),
            Safety.UNSAFE,
            "add it",
            leaves=("VL304",),
        ),
        end_line=3,
        end_col=9,
        name="missing-requirement",
    )
    run = cache.CachedRun((diag,), ("a note",), 3, {"python": 2, "dockerfile": 1}, 1)
    cache.store(tmp_path, "k", run)
    assert cache.load(tmp_path, "k") == run
    assert cache.load(tmp_path, "missing") is None


def test_concurrent_stores_leave_whole_entries(tmp_path: Path) -> None:
    runs = [
        cache.CachedRun((), tuple(f"note {i}" * 2000 for _ in range(20)), i, {}, 0)
        for i in range(8)
    ]
    threads = [threading.Thread(target=cache.store, args=(tmp_path, "k", r)) for r in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.load(tmp_path, "k") in runs
    assert not list(tmp_path.glob(".entry.*"))


def test_the_cache_keeps_the_newest_entries(tmp_path: Path) -> None:
    run = cache.CachedRun((), (), 0, {}, 0)
    for i in range(cache.MAX_ENTRIES + 5):
        cache.store(tmp_path, f"k{i}", run)
        os.utime(tmp_path / f"k{i}.json", (_OLD + i, _OLD + i))
    entries = sorted(p.stem for p in tmp_path.glob("*.json"))
    assert len(entries) == cache.MAX_ENTRIES
    assert "k0" not in entries
