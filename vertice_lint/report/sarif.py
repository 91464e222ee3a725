"""SARIF 2.1.0, in the subset GitHub code scanning reads.

Paths are URIs relative to `%SRCROOT%`, the repository's top (the git top level of the linted
root, else the root itself): code scanning resolves them from there, so a run on a
subdirectory uploads paths that match. Every rule of the catalog is listed (with
`security-severity` and a `security` tag for the rules about secrets and privileges), and the
invocation says whether the run succeeded. `partialFingerprints` hash the rule, the path
and the message, not the line, so an alert survives code moving around it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from vertice_lint import __version__
from vertice_lint.catalog import RuleMeta
from vertice_lint.diagnostics import Diagnostic, Evidence, Severity
from vertice_lint.report.context import ReportContext, rule_name

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "verticeLint/v1"
SRCROOT = "%SRCROOT%"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    """The SARIF log, indented by 2, ending with a newline."""
    return json.dumps(sarif_log(diagnostics, ctx), indent=2, ensure_ascii=False) + "\n"


def sarif_log(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> dict[str, Any]:
    """The SARIF log as plain data: one run, every rule of the catalog (code scanning shows
    the rules that found nothing as well), and its results."""
    fired = {d.rule for d in diagnostics}
    rule_ids = sorted(set(ctx.rules) | fired)
    index = {rule: i for i, rule in enumerate(rule_ids)}
    first = {rule: next((d for d in diagnostics if d.rule == rule), None) for rule in rule_ids}
    prefix = _prefix(ctx)
    seen: dict[str, int] = {}
    results = []
    for diagnostic in diagnostics:
        digest = fingerprint(diagnostic)
        # Identical rule+path+message in one file would share a fingerprint and GitHub would
        # merge them; the occurrence number keeps them apart (as CodeQL's line hashes do).
        seen[digest] = seen.get(digest, 0) + 1
        results.append(
            _result(diagnostic, index[diagnostic.rule], f"{digest}:{seen[digest]}", prefix)
        )
    base = ctx.repo_root or ctx.root
    root_uri = base.as_uri()
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vertice-lint",
                        "version": __version__,
                        "rules": [_rule(rule, first[rule], ctx) for rule in rule_ids],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not ctx.summary.internal_errors,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": message}}
                            for message in ctx.summary.internal_errors
                        ],
                    }
                ],
                "originalUriBaseIds": {
                    SRCROOT: {"uri": root_uri if root_uri.endswith("/") else root_uri + "/"}
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def fingerprint(diagnostic: Diagnostic) -> str:
    """A hash of rule id, path and message: stable when lines move, distinct per finding."""
    key = "\0".join((diagnostic.rule, diagnostic.path, diagnostic.message))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _prefix(ctx: ReportContext) -> str:
    """The linted root as a path below the repository root (code scanning resolves a SARIF
    path from the repository's top): `` when they are the same."""
    if ctx.repo_root is None or ctx.repo_root == ctx.root:
        return ""
    try:
        return ctx.root.relative_to(ctx.repo_root).as_posix() + "/"
    except ValueError:
        return ""


def _rule(rule: str, sample: Diagnostic | None, ctx: ReportContext) -> dict[str, Any]:
    meta = ctx.rules.get(rule)
    if meta is None:
        assert sample is not None  # a rule outside the catalog is listed only when it fired
        # A rule outside the catalog (a custom rule): describe it from what the result knows.
        name = rule_name(sample, ctx) or sample.rule
        return {
            "id": sample.rule,
            "name": name,
            "shortDescription": {"text": name},
            "defaultConfiguration": {"level": _LEVELS[sample.severity]},
            "properties": {"tags": ["gitops"]},
        }
    return {
        "id": meta.id,
        "name": meta.name,
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": meta.why.strip()},
        "help": {"text": meta.help_text, "markdown": _help_markdown(meta)},
        "defaultConfiguration": {"level": _LEVELS[meta.severity], "enabled": meta.enabled},
        "properties": _properties(meta),
    }


def _properties(meta: RuleMeta) -> dict[str, Any]:
    if meta.security_severity is None:
        return {"tags": ["gitops"]}
    return {"tags": ["gitops", "security"], "security-severity": meta.security_severity}


def _help_markdown(meta: RuleMeta) -> str:
    fix = meta.fix_description or "no automatic fix"
    return f"**{meta.summary}**\n\n{meta.why.strip()}\n\n**Fix ({meta.fix_safety}):** {fix}"


def _result(
    diagnostic: Diagnostic, rule_index: int, fingerprint_key: str, prefix: str = ""
) -> dict[str, Any]:
    region: dict[str, int] = {
        "startLine": diagnostic.line,
        "startColumn": diagnostic.col,
        "endLine": diagnostic.end_line or diagnostic.line,
    }
    if diagnostic.end_col is not None:
        region["endColumn"] = diagnostic.end_col
    text = "\n".join([diagnostic.message, *(_evidence_text(ev) for ev in diagnostic.evidence)])
    result: dict[str, Any] = {
        "ruleId": diagnostic.rule,
        "ruleIndex": rule_index,
        "level": _LEVELS[diagnostic.severity],
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(diagnostic.path, prefix),
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint_key},
    }
    if diagnostic.evidence:
        result["relatedLocations"] = [
            {
                "id": i,
                "physicalLocation": {
                    "artifactLocation": _artifact(ev.path, prefix),
                    "region": {"startLine": ev.line, "startColumn": ev.col},
                },
                "message": {"text": ev.note},
            }
            for i, ev in enumerate(diagnostic.evidence, start=1)
        ]
    return result


def _evidence_text(ev: Evidence) -> str:
    return f"= {ev.path}:{ev.line}:{ev.col}: {ev.note}"


def _artifact(path: str, prefix: str = "") -> dict[str, str]:
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return {"uri": posix.as_uri()}
    # a file name that is not UTF-8: its bytes, percent-encoded
    uri = quote(prefix + posix.as_posix(), errors="surrogateescape")
    return {"uri": uri, "uriBaseId": SRCROOT}
