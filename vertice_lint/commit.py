"""What a commit causes, for the pre-commit hook: findings elsewhere that its deletions make.

pre-commit passes the files a commit adds or changes, never the ones it deletes or renames
away. A commit that deletes a service's source leaves its Deployment orphaned (VL101) in a
file the commit does not touch, and no evidence of that finding names the deleted files. So
when the index deletes or renames files, the hook lints the tree of `HEAD` as well (read
from git's objects with `git archive`, written to a temporary directory: nothing of it
runs) and reports, besides the findings in the passed files, every finding of the work
tree that `HEAD` did not have.
"""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from vertice_lint.baseline import apply, keys_of
from vertice_lint.diagnostics import Diagnostic
from vertice_lint.git import run_git


def removed_paths(root: Path) -> list[str]:
    """The paths, relative to `root`, that the index deletes or renames away from HEAD
    (empty outside a git checkout or when there is no HEAD)."""
    proc = run_git(
        root,
        ["diff", "--cached", "--name-status", "--no-renames", "--diff-filter=D", "-z", "HEAD"],
        timeout=60,
    )
    if proc is None or proc.returncode != 0:
        return []
    top = run_git(root, ["rev-parse", "--show-prefix"], timeout=30)
    prefix = os.fsdecode(top.stdout).strip() if top is not None and top.returncode == 0 else ""
    fields = [f for f in os.fsdecode(proc.stdout).split("\0") if f]
    out = []
    for status, path in zip(fields[::2], fields[1::2], strict=False):
        if status.startswith("D") and path.startswith(prefix):
            out.append(path[len(prefix) :])
    return out


def head_tree(root: Path, into: Path) -> bool:
    """Write the files of `HEAD` below `root` into `into`; False when git cannot give them."""
    top = run_git(root, ["rev-parse", "--show-prefix"], timeout=30)
    prefix = os.fsdecode(top.stdout).strip() if top is not None and top.returncode == 0 else ""
    args = ["archive", "--format=tar", "HEAD"] + ([prefix] if prefix else [])
    proc = run_git(root, args, timeout=300)
    if proc is None or proc.returncode != 0:
        return False
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as archive:
        archive.extractall(into, filter="data")  # no link or path leaves `into`
    if prefix:
        inner = into / prefix.rstrip("/")
        for child in inner.iterdir():
            child.rename(into / child.name)
    return True


def caused_by_removals(
    root: Path, lint_tree: Callable[[Path], Sequence[Diagnostic]], current: Sequence[Diagnostic]
) -> tuple[Diagnostic, ...]:
    """The findings of `current` (the work tree, every path) that the tree of HEAD, linted
    the same way, does not have; empty when HEAD cannot be read."""
    with tempfile.TemporaryDirectory(prefix="vertice-lint-head-") as tmp:
        if not head_tree(root, Path(tmp)):
            return ()
        before = lint_tree(Path(tmp))
    return apply(frozenset(keys_of(before)), current).diagnostics
