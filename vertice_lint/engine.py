"""The pipeline of ARCHITECTURE.md: discover → parse → link → check → filter."""

from __future__ import annotations

import fnmatch
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from vertice_lint import suppress
from vertice_lint.catalog import RuleMeta, load_catalog, load_user_rules
from vertice_lint.checks import CheckContext
from vertice_lint.checks.declarative import declarative_rule
from vertice_lint.checks.registry import AFTER_FILTER, RULES, WITHOUT_LINK, Check
from vertice_lint.config import Config
from vertice_lint.diagnostics import Diagnostic, ParseFailure
from vertice_lint.discover import Kind, SourceFile, classify, discover
from vertice_lint.link.workspace import fallback_workspace, link
from vertice_lint.model import Workspace
from vertice_lint.parsers import ParsedFile, parse_file, skip_file
from vertice_lint.source import read_bytes


@dataclass(frozen=True)
class Selection:
    """Rule selectors from the command line; None means "as the config says"."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def _matches(selector: str, meta: RuleMeta) -> bool:
    return (
        selector == "ALL"
        or (meta.id.startswith(selector) and selector.startswith("VL"))
        # a user rule's prefix (ACME, ACME0, ACME001), never a part of it (AC)
        or (
            meta.id.startswith(selector)
            and selector.rstrip("0123456789") == meta.id.rstrip("0123456789")
        )
        or selector == meta.name
    )


def enabled_rules(
    catalog: Mapping[str, RuleMeta], config: Config, cli: Selection
) -> tuple[set[str], list[str]]:
    """The ids of the rules that run (as in ruff: select replaces, extend-select adds, ignore
    removes).

    Returns the ids and the selectors that matched no rule (a usage error on the command line).
    """
    unknown: list[str] = []

    def pick(selectors: Sequence[str]) -> set[str]:
        ids = set()
        for sel in selectors:
            hits = {rid for rid, meta in catalog.items() if _matches(sel, meta)}
            if not hits:
                unknown.append(sel)
            ids |= hits
        return ids

    select = cli.select if cli.select is not None else config.select
    default = {rid for rid, meta in catalog.items() if meta.enabled}
    ids = default if select is None else pick(select)
    ids |= pick(config.extend_select) | pick(cli.extend_select)
    ids -= pick(config.ignore) | pick(cli.ignore)
    return ids, unknown


@dataclass(frozen=True)
class RunResult:
    """What one lint run found."""

    diagnostics: tuple[Diagnostic, ...]
    workspace: Workspace
    enabled: frozenset[str]
    internal_errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


ParseFn = Callable[[SourceFile, bytes], ParsedFile]


def _parse_all(
    root: Path,
    files: Sequence[SourceFile],
    overlay: Mapping[str, bytes | None],
    parse: ParseFn = parse_file,
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
            parsed[source.path] = parse(source, data)
            continue
        try:
            data = read_bytes(root, source.path)
        except ParseFailure as failure:
            quiet = source.kind in (Kind.TEXT, Kind.JSON)  # best-effort reads (a script, JSON)
            parsed[source.path] = (
                ParsedFile(source) if quiet else ParsedFile(source, failure=failure)
            )
            continue
        parsed[source.path] = parse(source, data)
    return parsed


def _internal_error(where: str, exc: Exception) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1]
    return (
        f"internal error in {where}: {type(exc).__name__}: {exc}"
        f" ({Path(last.filename).name}:{last.lineno})"
    )


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
        errors.append(_internal_error(f"{meta.id} ({meta.name})", exc))
        return False
    return True


def lint(
    root: Path,
    config: Config,
    selection: Selection = Selection(),
    overlay: Mapping[str, bytes | None] | None = None,
    only: Sequence[str] | None = None,
    parse: ParseFn = parse_file,
) -> RunResult:
    """Lint the repository at `root` (as if `overlay` replaced some files' bytes); `parse`
    parses one file (`parse_file`, or a memo of it for the passes of a fix run)."""
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
    parsed = _parse_all(root, files, overlay, parse)
    errors = [p.internal_error for _, p in sorted(parsed.items()) if p.internal_error is not None]
    ran = set(enabled)
    try:
        workspace = link(root, config, parsed)
    except Exception as exc:  # a linker bug: still report what needs no links
        errors.append(_internal_error("link", exc))
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
                fnmatch.fnmatch(d.path, glob) and any(_matches(s, catalog[d.rule]) for s in rules)
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
        prefixes = [p.rstrip("/") for p in only]
        result = [
            d
            for d in result
            if any(p in ("", ".") or d.path == p or d.path.startswith(p + "/") for p in prefixes)
        ]
    # Several containers can share an image (and so a finding about its code): report once.
    unique: dict[tuple[str, str, int, int, str], Diagnostic] = {}
    for diag in result:
        unique.setdefault((diag.rule, diag.path, diag.line, diag.col, diag.message), diag)
    result = sorted(unique.values(), key=Diagnostic.sort_key)
    return RunResult(
        diagnostics=tuple(result),
        workspace=workspace,
        enabled=frozenset(enabled),
        internal_errors=tuple(errors),
        notes=workspace.notes,
    )


__all__ = ["Kind", "RunResult", "Selection", "enabled_rules", "lint"]
