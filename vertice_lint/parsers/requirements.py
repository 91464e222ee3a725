"""pip requirements files: the requirements, includes and options, each with its position.

Follows pip's own reading order: `\\` continuations are joined first (a requirement keeps the
line of its first physical line), then comments (`#` at the start or after whitespace) are
dropped, and the rest is split into a requirement and its options. `${VAR}` is kept as
written. A line pip would reject becomes a `ParseProblem`; the other lines are still read.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from vertice_lint.diagnostics import ParseProblem

_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_VIA_RE = re.compile(r"#\s*via\b(.*)$")
_VIA_ENTRY_RE = re.compile(r"#\s{2,}(\S.*)$")  # `#   flask`, one source of a `# via` block
_URL_RE = re.compile(r"^(?:(?:git|hg|svn|bzr)\+[A-Za-z]+|git|http|https|file|ftp):", re.I)
_VCS_RE = re.compile(r"^(?:git|hg|svn|bzr)\+", re.I)
_EGG_RE = re.compile(r"[#&]egg=([^&\[\s]+)")
_NAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_EXTRAS_RE = re.compile(r"^(.+?)(\[[^\]]+\])$")
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".tar")
_OPERATORS = ("==", "!=", "<=", ">=", "~=", "<", ">", "===")


@dataclass(frozen=True)
class Requirement:
    """One declared dependency and where its text is (end_col is one past the last character).

    `name` is "" for an unnamed requirement (a local directory or a URL without `#egg=`).
    `via` is what a pip-compile/uv annotation says the pin is for (`# via flask`, or
    `-r requirements.in` for an input), read inline or from the comment block below the
    requirement (after its `--hash` continuation lines too); () when there is none.
    """

    name: str
    normalized: str
    specifier: str
    extras: tuple[str, ...]
    marker: str | None
    url: str | None
    editable: bool
    local_path: str | None
    pinned_version: str | None
    line: int
    col: int
    end_line: int
    end_col: int
    raw: str
    hashes: tuple[str, ...] = ()
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class Include:
    """A `-r` (kind "requirement") or `-c` (kind "constraint") line; `target` as written."""

    kind: str
    target: str
    line: int
    col: int


@dataclass(frozen=True)
class Option:
    """A global option line (`--index-url URL`, `--pre`); `name` is the long form."""

    name: str
    value: str | None
    line: int
    col: int


@dataclass(frozen=True)
class RequirementsFile:
    """What pip reads from one requirements file."""

    path: str
    requirements: tuple[Requirement, ...]
    includes: tuple[Include, ...]
    options: tuple[Option, ...]
    problems: tuple[ParseProblem, ...]
    sorted_alphabetically: bool
    newline: str


# long name, whether it takes a value
_OPTIONS: dict[str, tuple[str, bool]] = {
    "-r": ("--requirement", True),
    "--requirement": ("--requirement", True),
    "-c": ("--constraint", True),
    "--constraint": ("--constraint", True),
    "-e": ("--editable", True),
    "--editable": ("--editable", True),
    "-i": ("--index-url", True),
    "--index-url": ("--index-url", True),
    "--extra-index-url": ("--extra-index-url", True),
    "--no-index": ("--no-index", False),
    "-f": ("--find-links", True),
    "--find-links": ("--find-links", True),
    "--no-binary": ("--no-binary", True),
    "--only-binary": ("--only-binary", True),
    "--prefer-binary": ("--prefer-binary", False),
    "--require-hashes": ("--require-hashes", False),
    "--pre": ("--pre", False),
    "--trusted-host": ("--trusted-host", True),
    "--use-feature": ("--use-feature", True),
    "--hash": ("--hash", True),
    "--global-option": ("--global-option", True),
    "--config-settings": ("--config-settings", True),
}
_PER_REQUIREMENT = frozenset({"--hash", "--global-option", "--config-settings"})


class _Positions:
    """Maps offsets of the file's text to 1-based (line, col)."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def at(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1


@dataclass(frozen=True)
class _Token:
    text: str
    start: int  # offsets into the logical line
    end: int


def _logical_lines(text: str) -> list[tuple[str, list[int]]]:
    """Join `\\` continuations as pip does; each logical line maps its characters to offsets."""
    result: list[tuple[str, list[int]]] = []
    pending: list[str] = []
    pending_offsets: list[int] = []
    pending_end = offset = 0
    for physical in text.split("\n"):
        start = offset
        offset += len(physical) + 1
        line = physical[:-1] if physical.endswith("\r") else physical
        offsets = list(range(start, start + len(line) + 1))
        if line.endswith("\\") and not _COMMENT_RE.match(line):
            body = line.rstrip("\\")
            pending.append(body)
            pending_offsets.extend(offsets[: len(body)])
            pending_end = offsets[len(body)]
            continue
        if _COMMENT_RE.match(line) and pending:
            line, offsets = " " + line, [offsets[0], *offsets]
        if pending:
            result.append(("".join(pending) + line, pending_offsets + offsets))
            pending, pending_offsets = [], []
        else:
            result.append((line, offsets))
    if pending:
        result.append(("".join(pending), [*pending_offsets, pending_end]))
    return result


def _tokens(line: str) -> list[_Token]:
    return [_Token(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", line)]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _pinned(specifier: str) -> str | None:
    spec = specifier.strip()
    if "," in spec:
        return None
    for op in ("===", "=="):
        if spec.startswith(op):
            version = spec[len(op) :].strip()
            if op == "==" and version.endswith("*"):
                return None
            return version or None
    return None


def problem_for(text: str, exc: InvalidRequirement, line: int, col: int) -> ParseProblem:
    """A pip-like `ParseProblem` for a PEP 508 string that packaging rejected."""
    cause = exc.__cause__
    span = getattr(cause, "span", None)
    reason = getattr(cause, "message", None) or str(exc).split("\n", 1)[0]
    offset = span[1] if isinstance(span, tuple) else 0
    message = f"invalid requirement {text!r}: {reason}"
    if "=" in text and not any(op in text for op in _OPERATORS):
        message += " (= is not a valid operator; did you mean ==?)"
    return ParseProblem(message, line, col + offset)


def from_pep508(
    text: str, line: int, col: int, end_line: int, end_col: int, *, raw: str | None = None
) -> Requirement:
    """Build a `Requirement` from a PEP 508 string; raises `InvalidRequirement`."""
    parsed = Pep508(text)
    specifier = str(parsed.specifier)
    local_path = _file_url_path(parsed.url) if parsed.url else None
    return Requirement(
        name=parsed.name,
        normalized=canonicalize_name(parsed.name),
        specifier=specifier,
        extras=tuple(sorted(canonicalize_name(e) for e in parsed.extras)),
        marker=str(parsed.marker) if parsed.marker else None,
        url=parsed.url,
        editable=False,
        local_path=local_path,
        pinned_version=_pinned(specifier),
        line=line,
        col=col,
        end_line=end_line,
        end_col=end_col,
        raw=text if raw is None else raw,
    )


def _file_url_path(url: str) -> str | None:
    if not url.lower().startswith("file:"):
        return None
    path = url[len("file:") :]
    if path.startswith("//"):
        path = path[2:]
        # file://host/path: keep only the path (localhost or empty host in practice)
        path = path[path.find("/") :] if "/" in path else path
    return path.split("#", 1)[0] or None


def _looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.startswith(".")


def _is_archive(text: str) -> bool:
    return text.lower().endswith(_ARCHIVE_SUFFIXES)


def _from_location(
    location: str,
    marker: str | None,
    editable: bool,
    span: tuple[int, int, int, int],
    raw: str,
) -> Requirement:
    """A requirement given as a URL or a local path (pip's "link" requirements)."""
    name = ""
    pinned: str | None = None
    extras: tuple[str, ...] = ()
    url: str | None = None
    local_path: str | None = None
    if _URL_RE.match(location):
        url = location
        local_path = _file_url_path(location)
        egg = _EGG_RE.search(location)
        if egg:
            name = egg.group(1)
        target = location.split("#", 1)[0]
    else:
        match = _EXTRAS_RE.match(location)
        if match:
            location = match.group(1)
            extras = tuple(
                sorted(canonicalize_name(e.strip()) for e in match.group(2)[1:-1].split(","))
            )
        local_path = location
        target = location
    filename = target.rstrip("/").rsplit("/", 1)[-1]
    if not name and filename.lower().endswith(".whl"):
        try:
            wheel_name, version, _, _ = parse_wheel_filename(filename)
            name, pinned = str(wheel_name), str(version)
        except InvalidWheelFilename:
            pass
    elif not name and _is_archive(filename):
        try:
            sdist_name, version = parse_sdist_filename(filename)
            name, pinned = str(sdist_name), str(version)
        except InvalidSdistFilename:
            pass
    line, col, end_line, end_col = span
    return Requirement(
        name=name,
        normalized=canonicalize_name(name) if name else "",
        specifier="",
        extras=extras,
        marker=marker,
        url=url,
        editable=editable,
        local_path=local_path,
        pinned_version=pinned,
        line=line,
        col=col,
        end_line=end_line,
        end_col=end_col,
        raw=raw,
    )


class _FileReader:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.positions = _Positions(text)
        self.requirements: list[Requirement] = []
        self.includes: list[Include] = []
        self.options: list[Option] = []
        self.problems: list[ParseProblem] = []

    def read(self) -> None:
        last: range = range(0)  # the requirements of the last requirement line
        block = False  # inside a `# via` block of the requirements in `last`
        for line, offsets in _logical_lines(self.text):
            found = _COMMENT_RE.search(line)
            comment = found.group().strip() if found else ""
            stripped = line[: found.start()] if found else line
            if stripped.strip():
                before = len(self.requirements)
                self._line(stripped, offsets)
                last, block = range(before, len(self.requirements)), False
                via = _VIA_RE.match(comment)
                if via:
                    self._add_via(last, via.group(1))
            elif not comment:  # a blank line ends what a comment block can annotate
                last, block = range(0), False
            elif block and (entry := _VIA_ENTRY_RE.match(comment)):
                self._add_via(last, entry.group(1))
            elif (via := _VIA_RE.match(comment)) and not block:
                block = not via.group(1).strip()
                self._add_via(last, via.group(1))
                last = last if block else range(0)
            else:
                block = False

    def _add_via(self, indexes: range, text: str) -> None:
        names = tuple(n.strip() for n in text.split(",") if n.strip())
        for index in indexes:
            requirement = self.requirements[index]
            self.requirements[index] = replace(requirement, via=requirement.via + names)

    def _pos(self, offsets: list[int], index: int) -> tuple[int, int]:
        return self.positions.at(offsets[index])

    def _span(self, offsets: list[int], start: int, end: int) -> tuple[int, int, int, int]:
        # The end is one past the last character, which is itself in the file.
        line, col = self._pos(offsets, start)
        end_line, last_col = self._pos(offsets, end - 1)
        return line, col, end_line, last_col + 1

    def _raw(self, offsets: list[int], start: int, end: int) -> str:
        return self.text[offsets[start] : offsets[end - 1] + 1]

    def _line(self, line: str, offsets: list[int]) -> None:
        tokens = _tokens(line)
        split = next((i for i, t in enumerate(tokens) if t.text.startswith("-")), len(tokens))
        args, rest = tokens[:split], tokens[split:]
        options = self._options(rest, offsets)
        if options is None:
            return
        hashes = tuple(v for name, v, _, _ in options if name == "--hash" and v is not None)
        if args:
            start, end = args[0].start, args[-1].end
            requirement = self._requirement(line[start:end], offsets, start, end, editable=False)
            if requirement is not None:
                if hashes:
                    requirement = replace(requirement, hashes=hashes)
                self.requirements.append(requirement)
        for name, value, token, end in options:
            if name in _PER_REQUIREMENT:
                continue
            line_no, col = self._pos(offsets, token.start)
            if name in ("--requirement", "--constraint") and value is not None:
                kind = "requirement" if name == "--requirement" else "constraint"
                vline, vcol = self._pos(offsets, end - len(value))
                self.includes.append(Include(kind, value, vline, vcol))
            elif name == "--editable" and value is not None:
                requirement = self._requirement(value, offsets, end - len(value), end, True)
                if requirement is not None:
                    self.requirements.append(
                        replace(requirement, hashes=hashes) if hashes else requirement
                    )
            else:
                self.options.append(Option(name, value, line_no, col))

    def _options(
        self, tokens: list[_Token], offsets: list[int]
    ) -> list[tuple[str, str | None, _Token, int]] | None:
        """Parse option tokens into (long name, value, flag token, end offset of the value)."""
        found: list[tuple[str, str | None, _Token, int]] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            flag, _, attached = (
                token.text.partition("=")
                if token.text.startswith("--")
                else (
                    token.text[:2],
                    "",
                    token.text[2:],
                )
            )
            known = _OPTIONS.get(flag)
            if not token.text.startswith("-"):
                # pip (optparse) ignores stray arguments after the options
                index += 1
                continue
            if known is None:
                line, col = self._pos(offsets, token.start)
                self.problems.append(ParseProblem(f"no such option: {flag}", line, col))
                return None
            long_name, takes_value = known
            if not takes_value:
                found.append((long_name, None, token, token.end))
            elif attached:
                found.append((long_name, _unquote(attached), token, token.end))
            elif index + 1 < len(tokens):
                index += 1
                value = tokens[index]
                found.append((long_name, _unquote(value.text), token, value.end))
            else:
                line, col = self._pos(offsets, token.start)
                self.problems.append(ParseProblem(f"{flag} option requires 1 argument", line, col))
                return None
            index += 1
        return found

    def _requirement(
        self, text: str, offsets: list[int], start: int, end: int, editable: bool
    ) -> Requirement | None:
        span = self._span(offsets, start, end)
        raw = self._raw(offsets, start, end)
        is_url = bool(_URL_RE.match(text))
        location, marker = text, None
        separator = "; " if is_url else ";"
        if separator in text:
            location, marker_text = text.split(separator, 1)
            location, marker = location.strip(), marker_text.strip()
        if editable:
            if not is_url and not _looks_like_path(location):
                message = (
                    f"{text} is not a valid editable requirement: it should be a path to a"
                    " local project or a VCS URL"
                )
                self.problems.append(ParseProblem(message, span[0], span[1]))
                return None
            return _from_location(location, marker, True, span, raw)
        # `name @ https://...` contains slashes too, but pip reads it as PEP 508
        before_at = location.split("@", 1)[0]
        named_url = "@" in location and not _looks_like_path(before_at)
        is_path = _looks_like_path(location) and not named_url
        if is_url or is_path or (_is_archive(location) and not named_url):
            return _from_location(location, marker, False, span, raw)
        try:
            return from_pep508(text, *span, raw=raw)
        except InvalidRequirement as exc:
            name = _NAME_RE.match(text)
            if "${" in text and name:
                # pip expands ${VAR} before parsing; we keep the value unknown, as written
                return _with_variables(name.group(), text[name.end() :], span, raw)
            self.problems.append(problem_for(text, exc, span[0], span[1]))
            return None


def _with_variables(name: str, rest: str, span: tuple[int, int, int, int], raw: str) -> Requirement:
    line, col, end_line, end_col = span
    return Requirement(
        name=name,
        normalized=canonicalize_name(name),
        specifier=rest.strip(),
        extras=(),
        marker=None,
        url=None,
        editable=False,
        local_path=None,
        pinned_version=None,
        line=line,
        col=col,
        end_line=end_line,
        end_col=end_col,
        raw=raw,
    )


def _newline(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"


def parse(path: str, text: str) -> RequirementsFile:
    """Read a pip requirements file; bad lines become `problems`, never exceptions."""
    reader = _FileReader(path, text)
    reader.read()
    names = [r.normalized for r in reader.requirements if r.normalized]
    return RequirementsFile(
        path=path,
        requirements=tuple(reader.requirements),
        includes=tuple(reader.includes),
        options=tuple(reader.options),
        problems=tuple(reader.problems),
        sorted_alphabetically=names == sorted(names),
        newline=_newline(text),
    )
