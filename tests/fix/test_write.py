"""Atomic writes: all or nothing, mode kept, never through a symlink or out of the root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vertice_lint.fix.write import WriteError, atomic_write, delete_file


def test_write_replaces_content_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "k8s" / "deploy.yaml"
    target.parent.mkdir()
    target.write_bytes(b"old\n")
    target.chmod(0o750)
    atomic_write(tmp_path, "k8s/deploy.yaml", b"new\r\n")
    assert target.read_bytes() == b"new\r\n"
    assert target.stat().st_mode & 0o777 == 0o750
    assert sorted(p.name for p in target.parent.iterdir()) == ["deploy.yaml"]


def test_new_file_gets_default_mode(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path, "new.yaml", b"a: 1\n")
    finally:
        os.umask(umask)
    assert (tmp_path / "new.yaml").read_bytes() == b"a: 1\n"
    assert (tmp_path / "new.yaml").stat().st_mode & 0o777 == 0o644


def test_failure_before_rename_leaves_original_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "deploy.yaml"
    target.write_bytes(b"original\n")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(WriteError, match="No space left"):
        atomic_write(tmp_path, "deploy.yaml", b"changed\n")
    assert target.read_bytes() == b"original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["deploy.yaml"]


def test_refuses_symlinks_and_escapes(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "outside.yaml"
    outside.write_bytes(b"secret\n")
    (root / "link.yaml").symlink_to(outside)
    (root / "linkdir").symlink_to(tmp_path)
    for relpath in ["link.yaml", "../outside.yaml", "linkdir/outside.yaml", str(outside)]:
        with pytest.raises(WriteError):
            atomic_write(root, relpath, b"pwned\n")
        with pytest.raises(WriteError):
            delete_file(root, relpath)
    assert outside.read_bytes() == b"secret\n"
    assert (root / "link.yaml").is_symlink()


def test_delete_file(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_bytes(b"x")
    delete_file(tmp_path, "old.yaml")
    assert not (tmp_path / "old.yaml").exists()
