"""Rules about the tool's own input: VL001 parse-error, VL003 config-error."""

from __future__ import annotations

from collections.abc import Iterator

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic, Evidence
from vertice_lint.model import ContainerRuntime, Workspace


def parse_error(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A file that could not be read or parsed, or a line of it that could not.

    Stale Dockerfile variants (`Dockerfile.old`) are not images of anything: no findings.
    """
    stale = set(ws.stale_dockerfiles) | set(ws.inventory.templates)  # a template: a note
    runners = _entry_runners(ws)
    for parsed in ws.failures():
        path = parsed.source.path
        if path in stale:
            continue
        failure = parsed.failure
        assert failure is not None
        message, found = failure.message, runners.get(path, {})
        workloads = sorted(who for who in found if not who.startswith("image "))
        # an image whose workloads are named is shown through them
        who = workloads or sorted(found)
        evidence = [found[w] for w in who]
        if who:
            shown = ", ".join(who[:3]) + (f" and {len(who) - 3} more" if len(who) > 3 else "")
            message += (
                f"; {shown} {'runs' if len(who) == 1 else 'run'} it as the entry module:"
                " Python stops at start with a SyntaxError and the container exits"
                + (
                    " (the pod crash-loops)"
                    if any(not w.startswith("compose/") for w in workloads)
                    else ""
                )
            )
        yield ctx.diagnostic(path, failure.line, failure.col, message, evidence=evidence)
    for problem in ws.parse_problems:
        if problem.path not in stale:
            yield ctx.diagnostic(problem.path, problem.line, problem.col, problem.message)


def _entry_runners(ws: Workspace) -> dict[str, dict[str, Evidence]]:
    """Repository path of each entry module -> who runs it: the command of every workload
    container (or image default command) that starts it."""
    runners: dict[str, dict[str, Evidence]] = {}
    for cr in ws.runtimes:
        for entry in cr.runtime.entrypoints:
            if entry.repo_path is None or not entry.repo_path.endswith(".py"):
                continue
            who = _runner(cr)
            runners.setdefault(entry.repo_path, {}).setdefault(
                who,
                Evidence(
                    entry.source.path,
                    entry.source.line,
                    entry.source.col,
                    f"{who} runs `{' '.join(entry.argv) or entry.target}`",
                ),
            )
    return runners


def _runner(cr: ContainerRuntime) -> str:
    image = f"image {cr.image.names[0] if cr.image.names else cr.image.dockerfile}"
    if cr.workload is None or cr.container is None:
        return image
    return f"{cr.workload.ident} (container {cr.container.name}, {image})"


def config_error(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """An invalid configuration entry (validated by data/config.schema.json), or an invalid
    rule of the repository's `rules-dir` (validated by data/rule.schema.json)."""
    path = ws.config.path
    if path is not None:
        for problem in ws.config.problems:
            yield ctx.diagnostic(path, problem.line, problem.col, problem.message)
    for rule_path, line, col, message in ws.user_rule_problems:
        yield ctx.diagnostic(rule_path, line, col, message)
