"""The pipeline of ARCHITECTURE.md: discover → parse → link → check → filter."""

from __future__ import annotations

import fnmatch
import gc
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from vertice_lint import suppress
from vertice_lint.catalog import RuleMeta, load_catalog, load_user_rules
from vertice_lint.checks import CheckContext
from vertice_lint.checks.declarative import declarative_rule
from vertice_lint.checks.registry import AFTER_FILTER, RULES, WITHOUT_LINK, Check
from vertice_lint.config import Config
from vertice_lint.diagnostics import Diagnostic, ParseFailure, internal_error
from vertice_lint.discover import Kind, SourceFile, classify, discover
from vertice_lint.link.workspace import fallback_workspace, link
from vertice_lint.model import Workspace
from vertice_lint.parsers import ParsedFile, late_failure, parse_file, skip_file
from vertice_lint.selection import Selection, enabled_rules, matches
from vertice_lint.source import read_bytes


def touching(diagnostics: Sequence[Diagnostic], paths: Sequence[str]) -> tuple[Diagnostic, ...]:
    """The findings that touch the paths: in one of them, or with evidence that names one
    (the crash in main.py that removing an env entry from a manifest causes is the commit's,
    though main.py is not in it)."""
    prefixes = [p.rstrip("/") for p in paths]

    def touches(path: str) -> bool:
        return any(p in ("", ".") or path == p or path.startswith(p + "/") for p in prefixes)

    return tuple(
        d for d in diagnostics if touches(d.path) or any(touches(e.path) for e in d.evidence)
    )


_AS_CONFIGURED = Selection()  # the rules the configuration selects


@dataclass(frozen=True)
class RunResult:
    """What one lint run found."""

    diagnostics: tuple[Diagnostic, ...]
    workspace: Workspace
    enabled: frozenset[str]
    internal_errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def _parse_all(
    root: Path,
    files: Sequence[SourceFile],
    overlay: Mapping[str, bytes | None],
) -> dict[str, ParsedFile]:
    """Every file parsed; what exists then is frozen for the collector (`lint` thaws it).

    The records pile up and the parsers leave no garbage in cycles: the cyclic collector would
    only scan the growing heap again and again (a third of the parse time), and after the parse
    the heap again at each full collection of the link and the checks.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        parsed = _parse_files(root, files, overlay)
    finally:
        if collecting:
            gc.enable()
    gc.freeze()
    return parsed


class _ParseMemo:
    """The last parses of each file of one repository, by content: `parse_file` is a pure
    function of (path, kind, bytes), so a run after edits (a pass of the fix loop) parses again
    only the files whose bytes changed. A few versions of each file are kept (the original and
    the edits a fix run is verifying, which its bisection of a failed batch switches between);
    the bytes are known by their digest (holding them would take as much memory again)."""

    VERSIONS = 4

    def __init__(self) -> None:
        self.root: Path | None = None
        self.parsed: dict[tuple[str, Kind], dict[bytes, ParsedFile]] = {}
        self.last: dict[str, tuple[Kind, bytes]] = {}  # the version of each file last parsed

    def parse(self, root: Path, source: SourceFile, data: bytes) -> ParsedFile:
        if root != self.root:  # another repository: forget the last one's files
            self.root, self.parsed, self.last = root, {}, {}
        digest = hashlib.blake2b(data, digest_size=20).digest()
        versions = self.parsed.setdefault((source.path, source.kind), {})
        parsed = versions.pop(digest, None)
        if parsed is None:
            parsed = parse_file(source, data)
            if len(versions) >= self.VERSIONS:
                del versions[next(iter(versions))]  # the least recently used
        versions[digest] = parsed
        self.last[source.path] = (source.kind, digest)
        return parsed

    def settle(self, parsed: Mapping[str, ParsedFile]) -> bool:
        """Put, in place of the files whose deferred analysis failed, what an eager parse gives
        (a parse error or an internal error); True when there were such files."""
        late = {p: f for p, p_f in parsed.items() if (f := late_failure(p_f)) is not None}
        for path, failed in late.items():
            kind, digest = self.last[path]
            self.parsed[(path, kind)][digest] = failed
        return bool(late)


_MEMO = _ParseMemo()


def _parse_files(
    root: Path, files: Sequence[SourceFile], overlay: Mapping[str, bytes | None]
) -> dict[str, ParsedFile]:
    parsed: dict[str, ParsedFile] = {}
    for source in files:
        if skip_file(source):
            parsed[source.path] = ParsedFile(source)
            continue
        if source.path in overlay:
            data = overlay[source.path]
            if data is None:
                continue
            parsed[source.path] = _MEMO.parse(root, source, data)
            continue
        try:
            data = read_bytes(root, source.path)
        except ParseFailure as failure:
            quiet = source.kind in (Kind.TEXT, Kind.JSON)  # best-effort reads (a script, JSON)
            parsed[source.path] = (
                ParsedFile(source) if quiet else ParsedFile(source, failure=failure)
            )
            continue
        parsed[source.path] = _MEMO.parse(root, source, data)
    return parsed


def check_of(meta: RuleMeta) -> Check | None:
    """The check of a rule: the registry's, or the declarative engine for a rule written as data."""
    return declarative_rule if meta.declarative else RULES.get(meta.id)


def _run_check(
    meta: RuleMeta, ctx: CheckContext, ws: Workspace, out: list[Diagnostic], errors: list[str]
) -> bool:
    """Run one rule into `out`; False (and an internal error) when it raised."""
    try:
        check = check_of(meta)
        if check is not None:
            out.extend(check(ws, ctx))
    except Exception as exc:  # one broken rule must not hide the others' findings
        errors.append(internal_error(f"in {meta.id} ({meta.name})", exc))
        return False
    return True


def lint(
    root: Path,
    config: Config,
    selection: Selection = _AS_CONFIGURED,
    overlay: Mapping[str, bytes | None] | None = None,
    only: Sequence[str] | None = None,
) -> RunResult:
    """Lint the repository at `root` (as if `overlay` replaced some files' bytes)."""
    overlay = overlay or {}
    catalog = load_catalog()
    user_problems: list[tuple[str, int, int, str]] = []
    if config.rules_dir is not None:
        user_rules, user_problems = load_user_rules(root / config.rules_dir, config.rules_dir)
        catalog = {**catalog, **user_rules}
    enabled, _unknown = enabled_rules(catalog, config, selection)
    files = [f for f in discover(root, config.exclude) if overlay.get(f.path, b"") is not None]
    known = {f.path for f in files}
    files += [
        SourceFile(p, classify(p)) for p, d in overlay.items() if d is not None and p not in known
    ]
    parsed = _parse_all(root, files, overlay)
    errors = [p.internal_error for _, p in sorted(parsed.items()) if p.internal_error is not None]
    ran = set(enabled)
    try:
        workspace = link(root, config, parsed)
    except Exception as exc:  # a linker bug: still report what needs no links
        errors.append(internal_error("in link", exc))
        workspace = fallback_workspace(root, config, parsed)
        ran &= WITHOUT_LINK
    if user_problems:
        workspace = replace(workspace, user_rule_problems=tuple(user_problems))

    found: list[Diagnostic] = []
    failed: set[str] = set()
    for rule_id in sorted(ran - AFTER_FILTER):
        if not _run_check(
            catalog[rule_id], CheckContext(catalog[rule_id]), workspace, found, errors
        ):
            failed.add(rule_id)

    # filter: per-file ignores, then inline suppressions and annotations
    if config.per_file_ignores:
        found = [
            d
            for d in found
            if not any(
                fnmatch.fnmatch(d.path, glob) and any(matches(s, catalog[d.rule]) for s in rules)
                for glob, rules in config.per_file_ignores
            )
        ]
    sups = workspace.suppressions
    filtered = suppress.apply(found, sups, workspace.ignore_scopes)
    result = list(filtered.kept)
    # a rule that raised reported nothing: its suppressions (and blanket ones) are not judged
    judged = ran - failed
    idle = tuple(
        (sup, codes)
        for sup, codes in suppress.unused(sups, filtered.used, judged, set(catalog))
        if not (failed and not sup.codes)
    )
    for rule_id in sorted(ran & AFTER_FILTER):
        ctx = CheckContext(catalog[rule_id], idle_suppressions=idle)
        _run_check(catalog[rule_id], ctx, workspace, result, errors)
    if only is not None:
        result = list(touching(result, only))
    # Several containers can share an image (and so a finding about its code): report once.
    unique: dict[tuple[str, str, int, int, str], Diagnostic] = {}
    for diag in result:
        unique.setdefault((diag.rule, diag.path, diag.line, diag.col, diag.message), diag)
    result = sorted(unique.values(), key=Diagnostic.sort_key)
    gc.unfreeze()  # collectable again once the caller drops the run
    if _MEMO.settle(parsed):  # a Python file fails as it would have failed when parsed
        return lint(root, config, selection, overlay, only)
    return RunResult(
        diagnostics=tuple(result),
        workspace=workspace,
        enabled=frozenset(enabled),
        internal_errors=tuple(errors),
        notes=workspace.notes,
    )


__all__ = ["Kind", "RunResult", "Selection", "enabled_rules", "lint", "touching"]
