"""Facts about the app a container runs: when code runs, the env it needs and is given, its
routes, its user."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from vertice_lint.diagnostics import Evidence


@dataclass(frozen=True)
class When:
    """When a piece of code runs: at start-up (a crash loop) or later (and what triggers it)."""

    startup: bool
    text: str  # "at start-up", "when GET /x is requested", "when f() is called"


@dataclass(frozen=True)
class EnvNeed:
    """An env var the code cannot do without (no default, not guarded)."""

    names: tuple[str, ...]  # any of these satisfies it (aliases)
    case_sensitive: bool
    nested_delimiter: str | None  # pydantic nested models: NAME<delim>... satisfies it too
    path: str
    line: int
    col: int
    what: str  # how the code reads it, for the message
    crash: bool  # False: the read gives None instead of raising
    when: When
    error: str = ""  # what is raised, when not KeyError / ValidationError
    via: tuple[Evidence, ...] = ()  # how a framework reaches the module (Django settings)

    def satisfied_by(self, given: Iterable[str]) -> bool:
        fold = (lambda s: s) if self.case_sensitive else str.upper
        wanted = {fold(n) for n in self.names}
        prefixes = (
            tuple(fold(n) + self.nested_delimiter for n in self.names)
            if (self.nested_delimiter)
            else ()
        )
        return any(fold(g) in wanted or (prefixes and fold(g).startswith(prefixes)) for g in given)


@dataclass(frozen=True)
class EnvGiven:
    """The env a container starts with: name -> where it is set; `open` sources set any name."""

    names: Mapping[str, Evidence]
    open: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Served:
    """A route the app serves: its full path, methods, and where it is declared."""

    path: str
    methods: tuple[str, ...]
    evidence: Evidence
    any_below: bool = False  # a mounted app we cannot see into: anything under `path`

    def serves(self, probe_path: str) -> bool:
        path = probe_path.split("?", 1)[0].rstrip("/") or "/"
        if self.any_below:
            base = self.path.rstrip("/")
            return path == (base or "/") or path.startswith(base + "/")
        if self.methods and not {"GET", "HEAD"} & set(self.methods):
            return False
        return _route_regex(self.path.rstrip("/") or "/").fullmatch(path) is not None


@cache
def _route_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for piece in re.split(r"(\{[^}]*\}|<[^>]*>)", pattern):
        if piece.startswith(("{", "<")):
            out.append(".*" if ":path" in piece or piece.startswith("<path:") else "[^/]+")
        else:
            out.append(re.escape(piece))
    return re.compile("".join(out))


@dataclass(frozen=True)
class AppRoutes:
    """The app's routes, or why they cannot be known (`routes` is None then)."""

    routes: tuple[Served, ...] | None
    why_unknown: str = ""


@dataclass(frozen=True)
class RunUser:
    """Who the container's process runs as, and whether it has a writable HOME."""

    root: bool
    label: str  # "user maximus", "uid 1000"
    home_writable: bool | None  # None: cannot tell (a user from the base image)
    evidence: tuple[Evidence, ...]
