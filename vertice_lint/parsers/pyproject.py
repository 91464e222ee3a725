"""pyproject.toml: the project's dependencies (PEP 621, PEP 735, Poetry), scripts and packages.

tomllib reads the data; it gives no positions, so `locate` scans the same text once more and
maps every key and value to its span (a dependency points at its string literal's content).
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from vertice_lint.diagnostics import ParseFailure, ParseProblem
from vertice_lint.parsers.requirements import Requirement, from_pep508, problem_for

TomlPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BACKENDS = ("setuptools", "hatch", "poetry", "flit", "pdm")
_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class Span:
    """Where a TOML key or value is: 1-based start, end one past the last character, offsets."""

    line: int
    col: int
    end_line: int
    end_col: int
    start: int
    end: int


@dataclass(frozen=True)
class TomlLocations:
    """Spans of the keys and values of a TOML document, by path (array indexes are ints).

    A string value's span is its content (inside the quotes); other values include their
    brackets. `[[x]]` tables are addressed as ("x", index, ...).
    """

    keys: Mapping[TomlPath, Span]
    values: Mapping[TomlPath, Span]


class _Scanner:
    """A lenient TOML scanner: the text was already validated by tomllib."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self.keys: dict[TomlPath, Span] = {}
        self.values: dict[TomlPath, Span] = {}
        self.tables: dict[TomlPath, int] = {}  # array-of-tables path -> number of tables

    def span(self, start: int, end: int) -> Span:
        line = bisect.bisect_right(self.starts, start) - 1
        end_line = bisect.bisect_right(self.starts, end) - 1
        return Span(
            line + 1,
            start - self.starts[line] + 1,
            end_line + 1,
            end - self.starts[end_line] + 1,
            start,
            end,
        )

    def skip(self, i: int, newlines: bool = True) -> int:
        text = self.text
        while i < len(text):
            ch = text[i]
            if ch in " \t" or (newlines and ch in "\r\n"):
                i += 1
            elif ch == "#":
                while i < len(text) and text[i] != "\n":
                    i += 1
            else:
                break
        return i

    def key(self, i: int) -> tuple[list[str], list[Span], int]:
        """A dotted key: its parts and their spans, and the index after it."""
        parts: list[str] = []
        spans: list[Span] = []
        while True:
            i = self.skip(i, newlines=False)
            if self.text[i] in "\"'":
                start, end, i = self.string(i)
                parts.append(tomllib.loads(f"k = {self.text[start - 1 : end + 1]}")["k"])
            else:
                match = _BARE_KEY.match(self.text, i)
                start, end = i, match.end() if match else i + 1
                parts.append(self.text[start:end])
                i = end
            spans.append(self.span(start, end))
            i = self.skip(i, newlines=False)
            if i < len(self.text) and self.text[i] == ".":
                i += 1
                continue
            return parts, spans, i

    def string(self, i: int) -> tuple[int, int, int]:
        """(content start, content end, index after the closing quote) of a string at i."""
        text = self.text
        quote = text[i]
        if text.startswith(quote * 3, i):
            start = i + 3
            if text.startswith("\r\n", start):
                start += 2
            elif text.startswith("\n", start):
                start += 1
            j = start
            while True:
                if quote == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(quote * 3, j):
                    # up to two quotes may sit before the closing delimiter
                    extra = 0
                    while extra < 2 and text.startswith(quote, j + 3 + extra):
                        extra += 1
                    return start, j + extra, j + extra + 3
                j += 1
        j = i + 1
        while text[j] != quote:
            j += 2 if quote == '"' and text[j] == "\\" else 1
        return i + 1, j, j + 1

    def value(self, i: int, path: TomlPath) -> int:
        text = self.text
        ch = text[i]
        if ch in "\"'":
            start, end, after = self.string(i)
            self.values[path] = self.span(start, end)
            return after
        if ch in "[{":
            closing = "]" if ch == "[" else "}"
            j, index = self.skip(i + 1), 0
            while text[j] != closing:
                if ch == "[":
                    j = self.value(j, (*path, index))
                    index += 1
                else:
                    parts, spans, j = self.key(j)
                    self.keys[(*path, *parts)] = spans[-1]
                    j = self.value(self.skip(j + 1), (*path, *parts))
                j = self.skip(j)
                if text[j] == ",":
                    j = self.skip(j + 1)
            self.values[path] = self.span(i, j + 1)
            return j + 1
        j = i
        while j < len(text) and text[j] not in ",]}#\r\n":
            j += 1
        end = len(text[i:j].rstrip()) + i
        self.values[path] = self.span(i, end)
        return j

    def resolve(self, parts: list[str]) -> TomlPath:
        """A header's path, with the index of the current table of each array of tables."""
        path: TomlPath = ()
        for part in parts:
            path = (*path, part)
            if path in self.tables:
                path = (*path, self.tables[path] - 1)
        return path

    def scan(self) -> None:
        text = self.text
        base: TomlPath = ()
        i = self.skip(0)
        while i < len(text):
            if text.startswith("[[", i):
                parts, spans, i = self.key(i + 2)
                table = (*self.resolve(parts[:-1]), parts[-1])
                count = self.tables.get(table, 0)
                self.tables[table] = count + 1
                base = (*table, count)
                self.keys[base] = spans[-1]
                i += 2
            elif text[i] == "[":
                parts, spans, i = self.key(i + 1)
                base = self.resolve(parts)
                self.keys[base] = spans[-1]
                i += 1
            else:
                parts, spans, i = self.key(i)
                self.keys[(*base, *parts)] = spans[-1]
                i = self.value(self.skip(i + 1, newlines=False), (*base, *parts))
            i = self.skip(i)


def locate(text: str) -> TomlLocations:
    """Spans of every key and value of a TOML document that tomllib accepts."""
    scanner = _Scanner(text)
    scanner.scan()
    return TomlLocations(keys=scanner.keys, values=scanner.values)


def load_toml(text: str) -> dict[str, Any]:
    """tomllib.loads, with a decode error turned into a `ParseFailure` at its position."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _ERROR_AT.search(message)
        if match:
            reason = message[: match.start()].strip()
            raise ParseFailure(
                f"invalid TOML: {reason}", int(match.group(1)), int(match.group(2))
            ) from None
        lines = text.split("\n")
        reason = message.replace("(at end of document)", "").strip()
        raise ParseFailure(f"invalid TOML: {reason}", len(lines), len(lines[-1]) + 1) from None


@dataclass(frozen=True)
class Script:
    """A console script: `name` runs `target` ("module:func")."""

    name: str
    target: str
    line: int
    col: int


@dataclass(frozen=True)
class Package:
    """A package or module `pip install .` installs: import name, source path when known."""

    name: str
    path: str | None
    line: int
    col: int


@dataclass(frozen=True)
class PackageFind:
    """setuptools `packages.find`: the linker lists the directories (a parser cannot)."""

    where: tuple[str, ...]
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    namespaces: bool
    line: int
    col: int


@dataclass(frozen=True)
class Pyproject:
    """What a pyproject.toml declares; `packages` and `package_find` are None when unknown."""

    path: str
    name: str | None
    version: str | None
    requires_python: str | None
    dynamic: tuple[str, ...]
    dependencies: tuple[Requirement, ...]
    optional_dependencies: Mapping[str, tuple[Requirement, ...]]
    dependency_groups: Mapping[str, tuple[Requirement, ...]]
    build_requires: tuple[Requirement, ...]
    build_backend: str | None
    scripts: tuple[Script, ...]
    packages: tuple[Package, ...] | None
    package_find: PackageFind | None
    tool: Mapping[str, Any] | None
    tool_line: int | None
    problems: tuple[ParseProblem, ...]
    # Local projects a dependency comes from: normalised name -> directory relative to this
    # file's directory (Poetry `{path = ...}`, `[tool.uv.sources]` `{path = ...}`), or
    # "workspace" (`{workspace = true}`: a member of the uv workspace).
    local_sources: Mapping[str, str] = _field(default_factory=dict)
    workspace_members: tuple[str, ...] = ()  # `[tool.uv.workspace] members` (globs)
    workspace_exclude: tuple[str, ...] = ()


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class _Reader:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.data = load_toml(text)
        self.scanner = _Scanner(text)
        self.scanner.scan()
        self.where = TomlLocations(keys=self.scanner.keys, values=self.scanner.values)
        self.problems: list[ParseProblem] = []

    def at(self, path: TomlPath) -> Span:
        """The value's span, else its key's, else the nearest enclosing one found."""
        for end in range(len(path), -1, -1):
            span = self.where.values.get(path[:end]) or self.where.keys.get(path[:end])
            if span is not None:
                return span
        return Span(1, 1, 1, 1, 0, 0)

    def pep508(self, value: str, path: TomlPath) -> Requirement | None:
        span = self.at(path)
        try:
            return from_pep508(value, span.line, span.col, span.end_line, span.end_col)
        except InvalidRequirement as exc:
            self.problems.append(problem_for(value, exc, span.line, span.col))
            return None

    def pep508_list(self, value: object, path: TomlPath) -> tuple[Requirement, ...]:
        found: list[Requirement] = []
        for index, item in enumerate(value if isinstance(value, list) else []):
            if isinstance(item, str):
                requirement = self.pep508(item, (*path, index))
                if requirement is not None:
                    found.append(requirement)
        return tuple(found)

    def dependency_groups(self) -> dict[str, tuple[Requirement, ...]]:
        """PEP 735 groups with `{include-group = ...}` replaced by the included requirements."""
        groups = _table(self.data.get("dependency-groups"))
        by_normalized = {canonicalize_name(name): name for name in groups}
        resolved: dict[str, tuple[Requirement, ...]] = {}

        def resolve(name: str, stack: tuple[str, ...]) -> tuple[Requirement, ...]:
            if name in resolved:
                return resolved[name]
            found: list[Requirement] = []
            items = groups[name] if isinstance(groups[name], list) else []
            for index, item in enumerate(items):
                path: TomlPath = ("dependency-groups", name, index)
                if isinstance(item, str):
                    requirement = self.pep508(item, path)
                    if requirement is not None:
                        found.append(requirement)
                    continue
                target = _table(item).get("include-group")
                if not isinstance(target, str):
                    continue
                span = self.at((*path, "include-group"))
                included = by_normalized.get(canonicalize_name(target))
                if included is None:
                    message = f"dependency group {name!r} includes unknown group {target!r}"
                    self.problems.append(ParseProblem(message, span.line, span.col))
                elif included in stack:
                    cycle = " -> ".join((*stack, included))
                    message = f"dependency group include cycle: {cycle}"
                    self.problems.append(ParseProblem(message, span.line, span.col))
                else:
                    found.extend(resolve(included, (*stack, included)))
            resolved[name] = tuple(found)
            return resolved[name]

        return {name: resolve(name, (name,)) for name in groups}

    def poetry(self, table: object, path: TomlPath) -> list[tuple[Requirement, bool]]:
        """Poetry dependencies of one table as (requirement, optional); `python` is skipped."""
        found: list[tuple[Requirement, bool]] = []
        for name, value in _table(table).items():
            if canonicalize_name(name) == "python":
                continue
            entries = value if isinstance(value, list) else [value]
            for entry in entries:
                key = self.where.keys.get((*path, name)) or self.at((*path, name))
                value_span = self.where.values.get((*path, name))
                # the entry `name = "^1.2"` or `name = {...}`, closing quote included
                end = self.closing(value_span) if value_span is not None else key.end
                span = self.scanner.span(key.start, max(end, key.end))
                raw = self.text[span.start : span.end]
                found.append((_poetry_requirement(name, entry, span, raw), _is_optional(entry)))
        return found

    def closing(self, span: Span) -> int:
        """The offset after a value, past the closing quotes of a string."""
        quote = self.text[span.end : span.end + 1]
        if quote not in ("'", '"'):
            return span.end
        return span.end + (3 if self.text.startswith(quote * 3, span.end) else 1)

    def scripts(self) -> tuple[Script, ...]:
        found: list[Script] = []
        sources: list[tuple[TomlPath, object]] = [
            (("project", "scripts"), _table(self.data.get("project")).get("scripts")),
            (("tool", "poetry", "scripts"), self.poetry_table.get("scripts")),
        ]
        for path, table in sources:
            for name, value in _table(table).items():
                target, where = value, (*path, name)
                if isinstance(value, dict):
                    field = "reference" if "reference" in value else "callable"
                    target, where = value.get(field), (*where, field)
                if isinstance(target, str):
                    span = self.at(where)
                    found.append(Script(name, target, span.line, span.col))
        return tuple(found)

    @property
    def poetry_table(self) -> dict[str, Any]:
        return _table(_table(self.data.get("tool")).get("poetry"))

    def packages(self, backend: str) -> tuple[tuple[Package, ...] | None, PackageFind | None]:
        tool = _table(self.data.get("tool"))
        setuptools = _table(tool.get("setuptools"))
        if not backend:
            # no build-system table: the tool tables tell which backend is configured
            backend = next((name for name in _BACKENDS if name in tool), "")
        if "setuptools" in backend:
            return self.setuptools_packages(setuptools)
        if "hatch" in backend:
            wheel = _table(_table(_table(_table(tool.get("hatch")).get("build")).get("targets")))
            paths = _strings(_table(wheel.get("wheel")).get("packages"))
            base: TomlPath = ("tool", "hatch", "build", "targets", "wheel", "packages")
            return self.from_paths(paths, base, lambda i: (*base, i)), None
        if "poetry" in backend:
            return self.poetry_packages(), None
        if "flit" in backend:
            module = _table(_table(tool.get("flit")).get("module")).get("name")
            name = module if isinstance(module, str) else self.data_name()
            where: TomlPath = ("tool", "flit", "module", "name") if module else ("project", "name")
            if name is None:
                return None, None
            span = self.at(where)
            return (Package(name.replace("-", "_"), None, span.line, span.col),), None
        if "pdm" in backend:
            includes = _strings(_table(_table(tool.get("pdm")).get("build")).get("includes"))
            base = ("tool", "pdm", "build", "includes")
            return self.from_paths(includes, base, lambda i: (*base, i)), None
        return None, None

    def data_name(self) -> str | None:
        name = _table(self.data.get("project")).get("name") or self.poetry_table.get("name")
        return name if isinstance(name, str) else None

    def from_paths(
        self, paths: list[str], base: TomlPath, where: Any
    ) -> tuple[Package, ...] | None:
        if not paths:
            return None
        found = []
        for index, path in enumerate(paths):
            clean = path.strip("/")
            leaf = clean.rsplit("/", 1)[-1]
            name = leaf[:-3] if leaf.endswith(".py") else leaf
            span = self.at(where(index))
            found.append(Package(name, clean, span.line, span.col))
        return tuple(found)

    def poetry_packages(self) -> tuple[Package, ...] | None:
        entries = self.poetry_table.get("packages")
        if not isinstance(entries, list):
            return None
        found = []
        for index, entry in enumerate(entries):
            include = _table(entry).get("include")
            if not isinstance(include, str):
                continue
            source = _table(entry).get("from")
            path = f"{source.strip('/')}/{include}" if isinstance(source, str) else include
            leaf = include.strip("/").rsplit("/", 1)[-1]
            span = self.at(("tool", "poetry", "packages", index, "include"))
            name = leaf[:-3] if leaf.endswith(".py") else leaf
            found.append(Package(name, path, span.line, span.col))
        return tuple(found)

    def setuptools_packages(
        self, table: dict[str, Any]
    ) -> tuple[tuple[Package, ...] | None, PackageFind | None]:
        dirs = _table(table.get("package-dir"))
        package_dir = {k: v for k, v in dirs.items() if isinstance(v, str)}
        packages = table.get("packages")
        modules = _strings(table.get("py-modules"))
        if isinstance(packages, dict) and "find" in packages:
            find = _table(packages["find"])
            span = self.at(("tool", "setuptools", "packages", "find"))
            namespaces = find.get("namespaces", True)
            package_find = PackageFind(
                where=tuple(_strings(find.get("where"))) or (package_dir.get("", "."),),
                include=tuple(_strings(find.get("include"))) or ("*",),
                exclude=tuple(_strings(find.get("exclude"))),
                namespaces=namespaces if isinstance(namespaces, bool) else True,
                line=span.line,
                col=span.col,
            )
            return None, package_find
        if not isinstance(packages, list) and not modules:
            return None, None  # setuptools auto-discovery: only the file tree can tell
        found: list[Package] = []
        for index, name in enumerate(_strings(packages)):
            span = self.at(("tool", "setuptools", "packages", index))
            found.append(Package(name, _setuptools_path(name, package_dir), span.line, span.col))
        for index, name in enumerate(modules):
            span = self.at(("tool", "setuptools", "py-modules", index))
            path = _setuptools_path(name, package_dir) + ".py"
            found.append(Package(name, path, span.line, span.col))
        return tuple(found), None


def _setuptools_path(name: str, package_dir: dict[str, str]) -> str:
    """Where setuptools takes a dotted package from, following `package-dir`."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in package_dir:
            return "/".join([package_dir[prefix].rstrip("/"), *parts[cut:]])
    root = package_dir.get("", "").strip("/")
    return "/".join([root, *parts]) if root and root != "." else "/".join(parts)


def _is_optional(entry: object) -> bool:
    return isinstance(entry, dict) and entry.get("optional") is True


def _poetry_pin(constraint: str) -> str | None:
    """The version of an exact Poetry constraint ("1.2.3", "==1.2.3", "=1.2.3")."""
    version = constraint.strip().lstrip("=").strip()
    if not version or constraint.strip().startswith("==="):
        return None
    try:
        Version(version)
    except InvalidVersion:
        return None
    return version


def _poetry_requirement(name: str, entry: object, key: Span, raw: str) -> Requirement:
    table = entry if isinstance(entry, dict) else {}
    version = entry if isinstance(entry, str) else table.get("version", "")
    specifier = version if isinstance(version, str) else ""
    extras = table.get("extras", [])
    git = table.get("git")
    url = f"git+{git}" if isinstance(git, str) and not git.startswith("git+") else git
    url = url if isinstance(url, str) else table.get("url")
    path = table.get("path")
    markers = table.get("markers")
    return Requirement(
        name=name,
        normalized=canonicalize_name(name),
        specifier=specifier,
        extras=tuple(sorted(canonicalize_name(e) for e in extras if isinstance(e, str))),
        marker=markers if isinstance(markers, str) else None,
        url=url if isinstance(url, str) else None,
        editable=table.get("develop") is True,
        local_path=path if isinstance(path, str) else None,
        pinned_version=_poetry_pin(specifier) if specifier else None,
        line=key.line,
        col=key.col,
        end_line=key.end_line,
        end_col=key.end_col,
        raw=raw,
    )


def parse(path: str, text: str) -> Pyproject:
    """Read a pyproject.toml; invalid TOML raises `ParseFailure` at tomllib's position."""
    reader = _Reader(path, text)
    data = reader.data
    project = _table(data.get("project"))
    poetry = reader.poetry_table
    build = _table(data.get("build-system"))

    listed = project.get("dependencies")
    dependencies = list(reader.pep508_list(listed, ("project", "dependencies")))
    optional: dict[str, tuple[Requirement, ...]] = {
        extra: reader.pep508_list(items, ("project", "optional-dependencies", extra))
        for extra, items in _table(project.get("optional-dependencies")).items()
    }
    groups = reader.dependency_groups()

    declared = {r.normalized for r in dependencies}
    poetry_optional: dict[str, Requirement] = {}
    main = ("tool", "poetry", "dependencies")
    for requirement, is_optional in reader.poetry(poetry.get("dependencies"), main):
        if is_optional:
            poetry_optional[requirement.normalized] = requirement
        elif requirement.normalized not in declared:
            dependencies.append(requirement)
    for extra, names in _table(poetry.get("extras")).items():
        chosen = (poetry_optional.get(canonicalize_name(n)) for n in _strings(names))
        found = tuple(r for r in chosen if r is not None)
        optional[extra] = optional.get(extra, ()) + found
    poetry_groups: list[tuple[str, object, TomlPath]] = [
        ("dev", poetry.get("dev-dependencies"), ("tool", "poetry", "dev-dependencies"))
    ]
    for group, table in _table(poetry.get("group")).items():
        where: TomlPath = ("tool", "poetry", "group", group, "dependencies")
        poetry_groups.append((group, _table(table).get("dependencies"), where))
    for group, table, where in poetry_groups:
        requirements = tuple(r for r, _ in reader.poetry(table, where))
        if requirements:
            groups[group] = groups.get(group, ()) + requirements

    name = reader.data_name()
    version = project.get("version") or poetry.get("version")
    poetry_python = _table(poetry.get("dependencies")).get("python")
    requires_python = project.get("requires-python") or poetry_python
    backend = build.get("build-backend")
    backend_name = backend if isinstance(backend, str) else ""
    packages, package_find = reader.packages(backend_name)
    tool = _table(data.get("tool")).get("vertice-lint")
    workspace = _table(_table(_table(data.get("tool")).get("uv")).get("workspace"))
    tool_span = reader.where.keys.get(("tool", "vertice-lint"))
    return Pyproject(
        path=path,
        name=name,
        version=version if isinstance(version, str) else None,
        requires_python=requires_python if isinstance(requires_python, str) else None,
        dynamic=tuple(_strings(project.get("dynamic"))),
        dependencies=tuple(dependencies),
        optional_dependencies=optional,
        dependency_groups=groups,
        build_requires=reader.pep508_list(build.get("requires"), ("build-system", "requires")),
        build_backend=backend if isinstance(backend, str) else None,
        scripts=reader.scripts(),
        packages=packages,
        package_find=package_find,
        tool=tool if isinstance(tool, dict) else None,
        tool_line=tool_span.line if tool_span is not None and isinstance(tool, dict) else None,
        problems=tuple(reader.problems),
        local_sources=_local_sources(data, dependencies, groups),
        workspace_members=tuple(_strings(workspace.get("members"))),
        workspace_exclude=tuple(_strings(workspace.get("exclude"))),
    )


def _local_sources(
    data: dict[str, Any],
    dependencies: list[Requirement],
    groups: Mapping[str, tuple[Requirement, ...]],
) -> dict[str, str]:
    out: dict[str, str] = {}
    for requirement in [*dependencies, *(r for rs in groups.values() for r in rs)]:
        local = requirement.local_path
        if local and "://" not in local and not local.startswith("/"):
            out.setdefault(requirement.normalized, local)
    uv = _table(_table(data.get("tool")).get("uv"))
    for name, source in _table(uv.get("sources")).items():
        table = _table(source)
        path = table.get("path")
        if isinstance(path, str):
            out[canonicalize_name(name)] = path
        elif table.get("workspace") is True:
            out[canonicalize_name(name)] = "workspace"
    return out
