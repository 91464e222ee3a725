"""Rules about the tool's own input: VL001 parse-error, VL003 config-error."""

from __future__ import annotations

from collections.abc import Iterator

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic
from vertice_lint.model import Workspace


def parse_error(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A file that could not be read or parsed, or a line of it that could not.

    Stale Dockerfile variants (`Dockerfile.old`) are not images of anything: no findings.
    """
    stale = set(ws.stale_dockerfiles) | set(ws.inventory.templates)  # a template: a note
    for parsed in ws.failures():
        if parsed.source.path in stale:
            continue
        failure = parsed.failure
        assert failure is not None
        yield ctx.diagnostic(parsed.source.path, failure.line, failure.col, failure.message)
    for problem in ws.parse_problems:
        if problem.path not in stale:
            yield ctx.diagnostic(problem.path, problem.line, problem.col, problem.message)


def config_error(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """An invalid configuration entry (validated by data/config.schema.json), or an invalid
    rule of the repository's `rules-dir` (validated by data/rule.schema.json)."""
    path = ws.config.path
    if path is not None:
        for problem in ws.config.problems:
            yield ctx.diagnostic(path, problem.line, problem.col, problem.message)
    for rule_path, line, col, message in ws.user_rule_problems:
        yield ctx.diagnostic(rule_path, line, col, message)
