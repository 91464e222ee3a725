"""Lock files (uv.lock, poetry.lock, Pipfile.lock): the exact versions a project installs.

`dependencies` are the packages always installed with a package; what an extra adds is in
`extras`, so `closure` follows only what is installed for sure.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name

from vertice_lint.diagnostics import ParseFailure
from vertice_lint.parsers.pyproject import TomlPath, load_toml, locate

_KINDS = {"uv.lock": "uv", "poetry.lock": "poetry", "pipfile.lock": "pipfile"}


@dataclass(frozen=True)
class LockedPackage:
    """One locked distribution; `line` is that of its `name = ` entry (its key in JSON)."""

    name: str
    normalized: str
    version: str | None
    dependencies: tuple[str, ...]
    line: int
    extras: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # the dependencies with an environment marker (`sys_platform == 'win32'`): maybe not needed
    conditional: frozenset[str] = frozenset()

    @property
    def required(self) -> tuple[str, ...]:
        """The dependencies installed with it on every platform and Python."""
        return tuple(d for d in self.dependencies if d not in self.conditional)


@dataclass(frozen=True)
class LockFile:
    """The packages of a lock file; `kind` is "uv", "poetry" or "pipfile"."""

    path: str
    kind: str
    packages: tuple[LockedPackage, ...]

    def _by_name(self) -> dict[str, LockedPackage]:
        # the first entry wins: uv may lock one name twice (per marker), Pipfile default first
        found: dict[str, LockedPackage] = {}
        for package in self.packages:
            found.setdefault(package.normalized, package)
        return found

    def version_of(self, name: str) -> str | None:
        """The locked version of a distribution (any spelling of its name), or None."""
        package = self._by_name().get(canonicalize_name(name))
        return package.version if package is not None else None

    def closure(self, names: Iterable[str]) -> frozenset[str]:
        """The normalized names of `names` and everything they depend on, transitively."""
        by_name: dict[str, list[LockedPackage]] = {}
        for package in self.packages:
            by_name.setdefault(package.normalized, []).append(package)
        seen: set[str] = set()
        todo: list[str] = [canonicalize_name(n) for n in names]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for package in by_name.get(name, ()):
                todo.extend(package.dependencies)
        return frozenset(seen)


def _kind(path: str, text: str) -> str:
    kind = _KINDS.get(posixpath.basename(path.replace("\\", "/")).lower())
    if kind is not None:
        return kind
    if text.lstrip().startswith("{"):
        return "pipfile"
    if "[metadata]" in text and "content-hash" in text:
        return "poetry"
    if "[[package]]" in text:
        return "uv"
    raise ParseFailure("not a known lock file (uv.lock, poetry.lock or Pipfile.lock)")


def _names(entries: object) -> tuple[str, ...]:
    """Names of uv dependency entries (`{ name = "x", ... }`)."""
    if not isinstance(entries, list):
        return ()
    return tuple(
        canonicalize_name(e["name"])
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("name"), str)
    )


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# `[[package]]` then its `name = "..."`: how uv and poetry write every entry
_PACKAGE_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*[\"']?package[\"']?[ \t]*\]\]", re.MULTILINE)
_PACKAGE_NAME = re.compile(r'^\[\[package\]\]\r?\nname = "([^"\\\n]*)"\r?$', re.MULTILINE)


def _name_lines(text: str, entries: list[Any]) -> list[int] | None:
    """The line of each entry's `name` key when every entry is written as uv and poetry write
    them (and no multi-line string could hide a header); None otherwise."""
    if "'''" in text or '"""' in text:
        return None
    found = list(_PACKAGE_NAME.finditer(text))
    if len(found) != len(entries) or len(_PACKAGE_HEADER.findall(text)) != len(found):
        return None
    lines: list[int] = []
    line, position = 1, 0
    for match, entry in zip(found, entries, strict=True):
        if _table(entry).get("name") != match.group(1):
            return None
        line += text.count("\n", position, match.start(1))
        position = match.start(1)
        lines.append(line)
    return lines


def _toml_packages(kind: str, text: str) -> tuple[LockedPackage, ...]:
    data = load_toml(text)
    found: list[LockedPackage] = []
    entries = data.get("package")
    entries = entries if isinstance(entries, list) else []
    # the lines of the `name` keys: read off the text when it is laid out as usual (the TOML
    # scanner takes longer than tomllib), else from the scanner
    name_lines = _name_lines(text, entries)
    keys = locate(text).keys if name_lines is None else {}
    for index, entry in enumerate(entries):
        name = _table(entry).get("name")
        if not isinstance(name, str):
            continue
        where: TomlPath = ("package", index, "name")
        if name_lines is not None:
            line = name_lines[index]
        else:
            line = keys[where].line if where in keys else 1
        version = entry.get("version")
        if kind == "uv":
            dependencies = _names(entry.get("dependencies"))
            extras = {k: _names(v) for k, v in _table(entry.get("optional-dependencies")).items()}
            listed = entry.get("dependencies")
            conditional = frozenset(
                canonicalize_name(e["name"])
                for e in (listed if isinstance(listed, list) else [])
                if isinstance(e, dict) and isinstance(e.get("name"), str) and "marker" in e
            )
        else:
            declared = _table(entry.get("dependencies"))
            dependencies = tuple(
                canonicalize_name(dep)
                for dep, spec in declared.items()
                if not (isinstance(spec, dict) and spec.get("optional") is True)
            )
            conditional = frozenset(
                canonicalize_name(dep)
                for dep, spec in declared.items()
                if not isinstance(spec, str)
                and (
                    not isinstance(spec, dict)  # a list of alternatives, per marker
                    or "markers" in spec
                    or "python" in spec
                    or "platform" in spec
                )
            )
            extras = {
                extra: tuple(canonicalize_name(_poetry_extra_name(s)) for s in specs)
                for extra, specs in _table(entry.get("extras")).items()
                if isinstance(specs, list)
            }
        found.append(
            LockedPackage(
                name=name,
                normalized=canonicalize_name(name),
                version=version if isinstance(version, str) else None,
                dependencies=dependencies,
                line=line,
                extras=extras,
                conditional=conditional,
            )
        )
    return tuple(found)


def _poetry_extra_name(spec: object) -> str:
    """`"pysocks (>=1.5.6,!=1.5.7)"` → "pysocks"."""
    text = spec if isinstance(spec, str) else ""
    return text.split("(", 1)[0].split("[", 1)[0].split(";", 1)[0].strip()


def _json_key_lines(text: str) -> dict[tuple[str, str], int]:
    """Line of each key at depth 2 of a JSON object ({"default": {"name": ...}})."""
    lines: dict[tuple[str, str], int] = {}
    depth, line, i = 0, 1, 0
    section = ""
    while i < len(text):
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            key = json.loads(text[i : j + 1])
            after = text[j + 1 :].lstrip()
            if after.startswith(":"):
                if depth == 1:
                    section = key
                elif depth == 2:
                    lines.setdefault((section, key), line)
            i = j
        i += 1
    return lines


def _pipfile_packages(text: str) -> tuple[LockedPackage, ...]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseFailure(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    if not isinstance(data, dict):
        raise ParseFailure("invalid Pipfile.lock: the top level is not an object")
    lines = _json_key_lines(text)
    found: list[LockedPackage] = []
    for section in ("default", "develop"):
        for name, entry in _table(data.get(section)).items():
            version = _table(entry).get("version")
            pinned = version[2:] if isinstance(version, str) and version.startswith("==") else None
            found.append(
                LockedPackage(
                    name=name,
                    normalized=canonicalize_name(name),
                    version=pinned,
                    dependencies=(),
                    line=lines.get((section, name), 1),
                )
            )
    return tuple(found)


def parse(path: str, text: str) -> LockFile:
    """Read a uv.lock, poetry.lock or Pipfile.lock; broken TOML or JSON raises ParseFailure."""
    kind = _kind(path, text)
    packages = _pipfile_packages(text) if kind == "pipfile" else _toml_packages(kind, text)
    return LockFile(path=path, kind=kind, packages=packages)
