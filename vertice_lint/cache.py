"""The run cache: the result of a lint run, reused while nothing it read has changed.

A run's key is a hash of what decides its result: the tool itself (the size and modification
time of every file of the installed package, so an edited or upgraded tool misses), the
configuration and rule selection, the paths reported on, and every file discovery lists
with its size, modification time (ns), inode and mode (a symlink's target too). Listing
and `lstat`-ing the files costs a small part of reading them, so a warm run skips parsing,
linking and checking altogether. Any file that changes, appears or disappears changes the
key: the next run is a full one.

Entries are JSON (never pickle: a repository can commit a cache directory, and loading one
must not run code), one file per key, written to a temporary file and renamed into place, so
two runs sharing the directory never see half an entry. A missing, unreadable, corrupt or
foreign entry is a miss. The directory keeps the newest `MAX_ENTRIES` entries; it holds a
`.gitignore` of `*` and a `CACHEDIR.TAG`, so git and backup tools leave it out. A cache
directory that is a symlink is not used (a repository could point it anywhere).

Racy timestamps: an entry is not written when a listed file was modified within
`_RACY_SECONDS` of the run's start, since an edit in the same timestamp tick would leave
its size and time unchanged (the problem git's index calls "racily clean").
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertice_lint import __version__
from vertice_lint.diagnostics import Diagnostic, Edit, Evidence, Fix, Safety, Severity

CACHE_DIR_NAME = ".vertice-lint-cache"
FORMAT = 1
MAX_ENTRIES = 16
_RACY_SECONDS = 2.0
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by vertice-lint.\n"
)


@dataclass(frozen=True)
class CachedRun:
    """What a report needs of a run: its diagnostics and summary."""

    diagnostics: tuple[Diagnostic, ...]
    notes: tuple[str, ...]
    files_checked: int
    files_by_kind: Mapping[str, int]
    schema_skipped: int


def _tool_fingerprint() -> str:
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        st = path.stat()
        digest.update(f"{path.relative_to(package)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def run_key(
    root: Path, paths: Iterable[tuple[str, str]], settings: Sequence[str], started: float
) -> tuple[str, bool]:
    """The key of a run over `paths` ((path, kind) as discovery lists them) with `settings`
    (the configuration, selection and reported paths, as text), and whether its entry may
    be stored (no file modified within the racy window before `started`)."""
    digest = hashlib.sha256(f"{FORMAT}\0{_tool_fingerprint()}\0{root}\n".encode())
    for setting in settings:
        digest.update(setting.encode("utf-8", "surrogateescape") + b"\0")
    storable = True
    top = os.fspath(root)
    for path, kind in paths:
        full = os.path.join(top, path)
        try:
            st = os.lstat(full)
            stamp = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{st.st_mode}"
            newest = st.st_mtime
            if stat.S_ISLNK(st.st_mode):
                target = os.stat(full)
                stamp += f">{target.st_size}:{target.st_mtime_ns}:{target.st_ino}"
                newest = max(newest, target.st_mtime)
        except OSError:
            stamp, newest = "-", 0.0
        if newest > started - _RACY_SECONDS:
            storable = False
        digest.update(f"{path}\0{kind}\0{stamp}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest(), storable


def _usable(directory: Path) -> bool:
    return not directory.is_symlink() and (not directory.exists() or directory.is_dir())


def load(directory: Path, key: str) -> CachedRun | None:
    """The entry of `key`, or None (a miss) when it is absent or cannot be read as one."""
    if not _usable(directory):
        return None
    try:
        data = json.loads((directory / f"{key}.json").read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("key") != key:
            return None
        return CachedRun(
            diagnostics=tuple(_diagnostic(d) for d in data["diagnostics"]),
            notes=tuple(str(n) for n in data["notes"]),
            files_checked=int(data["files_checked"]),
            files_by_kind={str(k): int(v) for k, v in data["files_by_kind"].items()},
            schema_skipped=int(data["schema_skipped"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def store(directory: Path, key: str, run: CachedRun) -> None:
    """Write the entry of `key` atomically; a cache that cannot be written is no error."""
    if not _usable(directory):
        return
    payload = {
        "format": FORMAT,
        "key": key,
        "diagnostics": [_plain(d) for d in run.diagnostics],
        "notes": list(run.notes),
        "files_checked": run.files_checked,
        "files_by_kind": dict(run.files_by_kind),
        "schema_skipped": run.schema_skipped,
    }
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _mark(directory)
        fd, tmp = tempfile.mkstemp(prefix=".entry.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(payload, out, separators=(",", ":"))
            os.replace(tmp, directory / f"{key}.json")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _prune(directory)
    except OSError:
        return


def _mark(directory: Path) -> None:
    for name, text in ((".gitignore", "# created by vertice-lint\n*\n"), ("CACHEDIR.TAG", _TAG)):
        target = directory / name
        if not target.exists():
            target.write_text(text, encoding="utf-8")


def _prune(directory: Path) -> None:
    """Keep the newest MAX_ENTRIES entries (and no temporary file older than an hour)."""
    entries: list[tuple[float, Path]] = []
    now = time.time()
    for path in directory.iterdir():
        with contextlib.suppress(OSError):
            if path.suffix == ".json":
                entries.append((path.stat().st_mtime, path))
            elif path.name.startswith(".entry.") and now - path.stat().st_mtime > 3600:
                path.unlink()
    for _, path in sorted(entries, reverse=True)[MAX_ENTRIES:]:
        with contextlib.suppress(OSError):
            path.unlink()


def _plain(diag: Diagnostic) -> dict[str, Any]:
    fix = diag.fix
    return {
        "rule": diag.rule,
        "name": diag.name,
        "path": diag.path,
        "line": diag.line,
        "col": diag.col,
        "end_line": diag.end_line,
        "end_col": diag.end_col,
        "message": diag.message,
        "severity": diag.severity.value,
        "evidence": [[e.path, e.line, e.col, e.note] for e in diag.evidence],
        "fix": None
        if fix is None
        else {
            "safety": fix.safety.value,
            "description": fix.description,
            "leaves": list(fix.leaves),
            "edits": [
                [e.path, e.start, e.end, e.replacement, e.create, e.delete] for e in fix.edits
            ],
        },
    }


def _diagnostic(data: Mapping[str, Any]) -> Diagnostic:
    fix = data["fix"]
    return Diagnostic(
        rule=str(data["rule"]),
        path=str(data["path"]),
        line=int(data["line"]),
        col=int(data["col"]),
        message=str(data["message"]),
        severity=Severity(data["severity"]),
        evidence=tuple(
            Evidence(str(p), int(line), int(col), str(n)) for p, line, col, n in data["evidence"]
        ),
        fix=None
        if fix is None
        else Fix(
            edits=tuple(
                Edit(str(p), int(s), int(e), str(r), bool(c), bool(d))
                for p, s, e, r, c, d in fix["edits"]
            ),
            safety=Safety(fix["safety"]),
            description=str(fix["description"]),
            leaves=tuple(str(x) for x in fix["leaves"]),
        ),
        end_line=None if data["end_line"] is None else int(data["end_line"]),
        end_col=None if data["end_col"] is None else int(data["end_col"]),
        name=str(data["name"]),
    )
