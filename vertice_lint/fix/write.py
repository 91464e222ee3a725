"""Writing fixed files atomically, inside the linted tree only."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class WriteError(Exception):
    """A write was refused (symlink, outside the root) or failed; nothing was changed."""


def atomic_write(root: Path, relpath: str, data: bytes) -> None:
    """Replace (or create) root/relpath with `data`: temp file, fsync, rename, mode kept."""
    target = _checked(root, relpath)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    directory = target.parent
    if not directory.is_dir():
        raise WriteError(f"{relpath}: directory {directory} does not exist")
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o644 & ~umask
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(exc, OSError):
            raise WriteError(f"{relpath}: cannot write: {exc.strerror or exc}") from exc
        raise
    _fsync_directory(directory)


def delete_file(root: Path, relpath: str) -> None:
    """Remove root/relpath (a regular file of the tree)."""
    target = _checked(root, relpath)
    try:
        target.unlink()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise WriteError(f"{relpath}: cannot delete: {exc.strerror or exc}") from exc
    _fsync_directory(target.parent)


def _checked(root: Path, relpath: str) -> Path:
    """root/relpath, refused if it is a symlink, not a regular file, or leaves the root."""
    real_root = root.resolve()
    target = root / relpath
    if Path(relpath).is_absolute() or ".." in Path(relpath).parts:
        raise WriteError(f"{relpath}: path leaves the repository")
    if target.is_symlink():
        raise WriteError(f"{relpath}: refusing to write through a symlink")
    if target.exists() and not target.is_file():
        raise WriteError(f"{relpath}: not a regular file")
    # A symlinked parent directory could still lead out of the tree.
    if not target.parent.resolve().is_relative_to(real_root):
        raise WriteError(f"{relpath}: path resolves outside the repository")
    return target


def _fsync_directory(directory: Path) -> None:
    # The rename is only durable once the directory entry is on disk.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
