"""The repository's paths, indexed once per link: membership and "the paths under a directory"
without a scan of every file for each image, Dockerfile variant or build context."""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import overload


class RepoFiles(Sequence[str]):
    """The repository's paths in sorted order (as `sorted(files)` gives them), with set
    membership and `starting(prefix)`: the paths that start with a prefix, by bisection.

    Paths that start with a prefix are one contiguous run of the sorted list, so every
    `for p in paths if p.startswith(prefix)` can read that run instead, in the same order.
    """

    def __init__(self, paths: Iterable[str]) -> None:
        self._paths: tuple[str, ...] = tuple(sorted(paths))
        self._members = frozenset(self._paths)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._paths[index]

    def __len__(self) -> int:
        return len(self._paths)

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __contains__(self, path: object) -> bool:
        return path in self._members

    def starting(self, prefix: str) -> Sequence[str]:
        """The paths that start with `prefix` (all of them for ""), in sorted order."""
        if not prefix:
            return self._paths
        last = ord(prefix[-1])
        if last == sys.maxunicode:
            return tuple(p for p in self._paths if p.startswith(prefix))
        # s starts with p exactly when p <= s < p with its last character incremented
        low = bisect.bisect_left(self._paths, prefix)
        high = bisect.bisect_left(self._paths, prefix[:-1] + chr(last + 1), low)
        return self._paths[low:high]


def as_repo_files(paths: Iterable[str]) -> RepoFiles:
    """`paths` indexed (the same object when it already is)."""
    return paths if isinstance(paths, RepoFiles) else RepoFiles(paths)
