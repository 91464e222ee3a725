"""Reading a .dockerignore and deciding which files of the build context it excludes.

Docker's rules, not .gitignore's: patterns are relative to the context root (`foo` matches
only `./foo`, not `a/foo`), the syntax is Go's `filepath.Match` plus `**`, a file is
excluded when it or one of its parent directories matches, `!` re-includes, and the last
matching pattern wins (so `!docs/README.md` can re-include a file of an excluded `docs`).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from vertice_lint.diagnostics import ParseProblem


@dataclass(frozen=True)
class Pattern:
    """One pattern line: as written, as Docker normalises it, and whether it re-includes."""

    text: str
    pattern: str
    exclusion: bool
    line: int
    col: int
    regex: re.Pattern[str] = field(repr=False, compare=False)

    def matches(self, relpath: str) -> bool:
        """Whether the pattern matches this path itself (parents not considered)."""
        return self.regex.match(relpath) is not None


@dataclass(frozen=True)
class DockerIgnore:
    """The patterns of a .dockerignore file, in order."""

    path: str
    patterns: tuple[Pattern, ...]
    problems: tuple[ParseProblem, ...] = ()

    def excludes(self, relpath: str) -> bool:
        """Whether a path relative to the context root is left out of the build context."""
        return self.deciding_pattern(relpath) is not None

    def deciding_pattern(self, relpath: str) -> Pattern | None:
        """The last pattern that excludes `relpath`, or None when the path is sent to the build."""
        path = _clean(relpath.replace("\\", "/")).lstrip("/")
        if path in ("", "."):
            return None
        parts = path.split("/")
        parents = ["/".join(parts[: i + 1]) for i in range(len(parts) - 1)]
        decided: Pattern | None = None
        for pattern in self.patterns:
            # An exclusion can only change an excluded path, an inclusion only an included one.
            if pattern.exclusion != (decided is not None):
                continue
            if pattern.matches(path) or any(pattern.matches(parent) for parent in parents):
                decided = None if pattern.exclusion else pattern
        return decided


def parse(path: str, text: str) -> DockerIgnore:
    """Parse a .dockerignore: one pattern a line, `#` comment lines, `!` exceptions."""
    patterns: list[Pattern] = []
    problems: list[ParseProblem] = []
    for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        # Docker tests for a comment before trimming: " # x" is a pattern.
        if line.startswith("#"):
            continue
        stripped = line.strip()
        if not stripped:
            continue
        col = len(line) - len(line.lstrip()) + 1
        exclusion = stripped.startswith("!")
        body = stripped[1:].strip() if exclusion else stripped
        if not body:
            problems.append(ParseProblem('illegal exclusion pattern: "!"', number, col))
            continue
        cleaned = _clean(body)
        if len(cleaned) > 1 and cleaned.startswith("/"):
            cleaned = cleaned[1:]
        try:
            regex = re.compile(_translate(cleaned))
        except re.error as exc:
            problems.append(ParseProblem(f"invalid pattern {body!r}: {exc.msg}", number, col))
            continue
        patterns.append(Pattern(stripped, cleaned, exclusion, number, col, regex))
    return DockerIgnore(path, tuple(patterns), tuple(problems))


def _clean(path: str) -> str:
    """Go's `filepath.Clean` on slash paths (posixpath.normpath keeps a leading `//`)."""
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _translate(pattern: str) -> str:
    """A regular expression equivalent to a Docker ignore pattern."""
    out = ["^"]
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern[i + 1 : i + 2] == "*":
                i += 2
                if pattern[i : i + 1] == "/":
                    i += 1
                # `**` at the end matches everything below; elsewhere any number of dirs.
                out.append(".*" if i >= n else "(?:.*/)?")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end, char_class = _char_class(pattern, i)
            out.append(char_class)
            i = end
            continue
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    out.append("$")
    return "".join(out)


def _char_class(pattern: str, start: int) -> tuple[int, str]:
    """Translate a `[...]` class starting at `start`; returns (index after it, regex)."""
    i = start + 1
    parts = ["["]
    if pattern[i : i + 1] == "^":
        parts.append("^/")
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            i += 1
            c = pattern[i]
        parts.append("-" if c == "-" else re.escape(c))
        i += 1
    if i >= len(pattern):
        # Go rejects an unclosed class; matching it literally never excludes anything real.
        return len(pattern), re.escape(pattern[start:])
    parts.append("]")
    return i + 1, "".join(parts)
