"""Repository paths: POSIX, relative to the linted root, "" for the root itself."""

from __future__ import annotations


def parent_dir(path: str) -> str:
    """The directory of a path ("" for a file at the root)."""
    return path.rpartition("/")[0]


def join(base: str, rel: str) -> str:
    """A relative reference resolved against a directory of the tree (`..` applied).

    A reference that climbs above the root keeps its leading `..` parts: it leaves the
    repository, and callers report it as such.
    """
    parts = [p for p in base.split("/") if p]
    escapes = 0
    for part in rel.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            else:
                escapes += 1
        else:
            parts.append(part)
    return "/".join([".."] * escapes + parts)
