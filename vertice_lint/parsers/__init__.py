"""Parsing: one pure function per kind of file, `bytes -> record`.

`parse_file` is a pure function of (kind, path, bytes), so it can run in parallel and be
cached by content hash. Failures become values (`ParsedFile.failure`), never exceptions.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from vertice_lint.diagnostics import ParseFailure, internal_error
from vertice_lint.discover import Kind, SourceFile
from vertice_lint.source import Text, decode


@dataclass(frozen=True)
class ParsedFile:
    """A file of the tree with its decoded text and parsed record, or why it has none."""

    source: SourceFile
    text: Text | None = None
    record: Any = None
    failure: ParseFailure | None = None
    internal_error: str | None = None  # a parser bug (not the file's fault): the run reports it


_MODULES: dict[Kind, str] = {
    Kind.DOCKERFILE: "dockerfile",
    Kind.DOCKERIGNORE: "dockerignore",
    Kind.REQUIREMENTS: "requirements",
    Kind.PYPROJECT: "pyproject",
    Kind.LOCKFILE: "lockfile",
    Kind.PYTHON: "python",
    Kind.YAML: "yaml",
    Kind.COMPOSE: "yaml",
    Kind.KUSTOMIZATION: "yaml",
    Kind.HELM_CHART: "yaml",
    Kind.JSON: "json_manifest",
}


def _parser(kind: Kind) -> Callable[[str, str], Any] | None:
    # Imported on first use, so a run touching no Python file never loads the Python parser.
    name = _MODULES.get(kind)
    if name is None:
        return None
    module = importlib.import_module(f"vertice_lint.parsers.{name}")
    return cast(Callable[[str, str], Any], module.parse)


def skip_file(source: SourceFile) -> bool:
    """Files that are listed but never read: other kinds, and Helm templates (not rendered)."""
    return source.kind in (Kind.OTHER, Kind.HELM_TEMPLATE)


def parse_file(source: SourceFile, data: bytes) -> ParsedFile:
    """Decode and parse one file; a failure is recorded, not raised."""
    try:
        text = decode(data, python=source.kind is Kind.PYTHON)
    except ParseFailure as failure:
        # A TEXT file is read in case an image runs it; one that is not text is no finding.
        return (
            ParsedFile(source)
            if source.kind in (Kind.TEXT, Kind.JSON)
            else ParsedFile(source, failure=failure)
        )
    parser = _parser(source.kind)
    if parser is None:
        return ParsedFile(source, text=text)
    try:
        record = parser(source.path, text.text)
    except ParseFailure as failure:
        return ParsedFile(source, text=text, failure=failure)
    except RecursionError:
        return ParsedFile(source, text=text, failure=ParseFailure("file is nested too deeply"))
    except Exception as exc:  # a parser bug must not stop the run, nor pass for a parse error
        return ParsedFile(
            source, text=text, internal_error=internal_error(f"parsing {source.path}", exc)
        )
    return ParsedFile(source, text=text, record=record)


def late_failure(parsed: ParsedFile) -> ParsedFile | None:
    """What `parse_file` would have given for a Python file whose analysis, deferred until a
    fact was read, met a parse error or a parser bug; None for any other file."""
    if parsed.source.kind is not Kind.PYTHON or parsed.record is None:
        return None
    from vertice_lint.parsers.python import deferred_failure

    exc = deferred_failure(parsed.record)
    if exc is None:
        return None
    if isinstance(exc, ParseFailure):
        return ParsedFile(parsed.source, text=parsed.text, failure=exc)
    return ParsedFile(
        parsed.source,
        text=parsed.text,
        internal_error=internal_error(f"parsing {parsed.source.path}", exc),
    )
