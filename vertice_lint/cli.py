"""The command line: `vertice-lint [check] [PATHS...]`, `rules`, `explain RULE`.

Exit codes: 0 clean, 1 findings (or a diff with --diff), 2 usage or internal error.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from vertice_lint import __version__
from vertice_lint.catalog import CatalogError, RuleMeta, load_catalog, load_user_rules
from vertice_lint.config import Config, find_config, load_config
from vertice_lint.diagnostics import Diagnostic
from vertice_lint.engine import ParseFn, RunResult, Selection, enabled_rules, lint
from vertice_lint.git import run_git
from vertice_lint.parsers import parse_file
from vertice_lint.report import FORMATS, ReportContext, RunSummary, render

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class DefaultGroup(click.Group):
    """A group whose default command is `check`, so `vertice-lint .` works."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)


def _printable(text: str) -> str:
    """Text safe to print or write as UTF-8: a file name that is not UTF-8 (kept by the OS as
    surrogate escapes) is shown with replacement characters."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _git_toplevel(path: Path) -> Path | None:
    proc = run_git(path, ["rev-parse", "--show-toplevel"], timeout=30)
    if proc is None or proc.returncode != 0:
        return None
    return Path(os.fsdecode(proc.stdout).strip())


def resolve_root(paths: Sequence[str]) -> tuple[Path, list[str] | None]:
    """The repository root to model, and the paths (relative to it) to report on.

    One directory: that directory is the repository. Files (as pre-commit passes them) or
    several paths: the whole repository around them is modelled (cross-file rules need it)
    and only diagnostics in those paths are reported.
    """
    resolved = [Path(p).resolve() for p in paths]
    for path, raw in zip(resolved, paths, strict=True):
        if not path.exists() and not path.is_symlink():
            raise click.UsageError(f"path does not exist: {raw}")
    if len(resolved) == 1 and resolved[0].is_dir():
        return resolved[0], None
    anchor = resolved[0] if resolved[0].is_dir() else resolved[0].parent
    config = find_config(anchor)
    root = config.parent if config else (_git_toplevel(anchor) or Path.cwd().resolve())
    only: list[str] = []
    for path in resolved:
        if not path.is_relative_to(root):
            raise click.UsageError(f"{path} is outside the repository root {root}")
        only.append(path.relative_to(root).as_posix())
    return root, only


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vertice-lint")
def cli() -> None:
    """Catch, before the GitOps sync, the mistakes that make Kubernetes pods crash."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", multiple=True, help="Rules to run (ids, prefixes, names, ALL).")
@click.option("--extend-select", multiple=True, help="Rules to add to the selection.")
@click.option("--ignore", multiple=True, help="Rules to leave out.")
@click.option("--exclude", multiple=True, help="Gitignore-style patterns of files to skip.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="Config file to use."
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Show counts per rule.")
@click.option("--quiet", "-q", is_flag=True, help="Print diagnostics only.")
@click.option("--verbose", "-v", is_flag=True, help="Also print notes and assumptions.")
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (or offer) unsafe fixes.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a diff; write nothing.")
@click.option("--show-fixes", is_flag=True, help="With --fix: list what was fixed.")
def check(
    paths: tuple[str, ...],
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    fmt: str,
    output_file: str | None,
    config_path: str | None,
    exit_zero: bool,
    statistics: bool,
    quiet: bool,
    verbose: bool,
    fix: bool,
    unsafe_fixes: bool,
    show_diff: bool,
    show_fixes: bool,
) -> None:
    """Lint a repository (default: the current directory)."""
    root, only = resolve_root(paths or (".",))
    if config_path:
        if not Path(config_path).is_file():
            raise click.UsageError(f"config file not found: {config_path}")
        config = load_config(Path(config_path), root)
    else:
        found = find_config(root)
        config = load_config(found, root) if found else Config()
    if exclude:
        config = _with(config, exclude=config.exclude + _split(exclude))
    selection = Selection(
        select=_split(select) or None, extend_select=_split(extend_select), ignore=_split(ignore)
    )
    catalog = dict(load_catalog())
    if config.rules_dir is not None:
        catalog.update(load_user_rules(root / config.rules_dir, config.rules_dir)[0])
    _, unknown = enabled_rules(catalog, Config(), selection)
    if unknown:
        raise click.UsageError(f"unknown rule selector: {', '.join(unknown)}")

    fixing = fix or show_diff
    parse: ParseFn = parse_file
    if fixing:
        from vertice_lint.fix.loop import ParseMemo

        parse = ParseMemo(parse_file)  # the lints of a fix run parse only what its edits change
    result = lint(root, config, selection, only=only, parse=parse)
    diagnostics: Sequence[Diagnostic] = result.diagnostics
    fixed: tuple[Diagnostic, ...] = ()
    notes = list(result.notes)
    internal = list(result.internal_errors)
    if fixing:
        from vertice_lint.fix.diff import unified_diff
        from vertice_lint.fix.loop import run_fixes, write_outcome

        def lint_overlay(overlay: Any) -> Sequence[Diagnostic]:
            return lint(
                root, config, selection, overlay=overlay, only=only, parse=parse
            ).diagnostics

        def read(path: str) -> bytes | None:
            target = root / path
            return target.read_bytes() if target.is_file() else None

        outcome = run_fixes(diagnostics, lint_overlay, read, unsafe=unsafe_fixes)
        for diag, reason in outcome.failed:
            notes.append(
                f"fix for {diag.path}:{diag.line}:{diag.col} {diag.rule} not applied: {reason}"
            )
            click.echo(
                _printable(
                    f"warning: fix for {diag.path}:{diag.line} {diag.rule} not applied: {reason}"
                ),
                err=True,
            )
        if outcome.hit_bound:
            click.echo("warning: fixes did not converge; run --fix again", err=True)
        if show_diff:
            cwd = Path.cwd().resolve()

            def shown(path: str) -> str:
                # relative to where the user is, so that `git apply` takes the diff as is
                full = root / path
                return full.relative_to(cwd).as_posix() if full.is_relative_to(cwd) else path

            text = unified_diff(outcome.changes, shown)
            if text:
                click.echo(_printable(text), nl=False)
            sys.exit(EXIT_FINDINGS if outcome.changes else EXIT_CLEAN)
        write_outcome(root, outcome)
        diagnostics = outcome.remaining
        fixed = outcome.fixed

    summary = RunSummary(
        files_checked=len(result.workspace.files),
        files_by_kind=_count_kinds(result),
        schema_skipped=result.workspace.schema_skipped,
        fixed=len(fixed),
        notes=tuple(notes),
    )
    ctx = ReportContext(
        rules=catalog,
        root=root,
        display_base=Path.cwd(),
        summary=summary,
        unsafe_fixes=unsafe_fixes,
        statistics=statistics,
        quiet=quiet,
        verbose=verbose,
        show_fixes=show_fixes,
        fixed=fixed,
    )
    output = _printable(render(fmt, diagnostics, ctx))
    if output_file:
        Path(output_file).write_text(output, encoding="utf-8")
    else:
        click.echo(output, nl=False)
    for message in internal:
        click.echo(_printable(f"vertice-lint: {message}"), err=True)
    if internal:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if diagnostics and not exit_zero else EXIT_CLEAN)


def _with(config: Config, **changes: Any) -> Config:
    from dataclasses import replace

    return replace(config, **changes)


def _count_kinds(result: RunResult) -> dict[str, int]:
    counts: dict[str, int] = {}
    for parsed in result.workspace.files.values():
        counts[parsed.source.kind.value] = counts.get(parsed.source.kind.value, 0) + 1
    return dict(sorted(counts.items()))


def _catalog_with_user_rules(start: Path) -> dict[str, RuleMeta]:
    """The built-in catalog plus the rules of the config found from `start` (rules-dir)."""
    catalog = dict(load_catalog())
    found = find_config(start)
    if found is not None:
        config = load_config(found, found.parent)
        if config.rules_dir is not None:
            catalog.update(load_user_rules(found.parent / config.rules_dir, config.rules_dir)[0])
    return catalog


@cli.command("rules")
def rules_cmd() -> None:
    """List every rule: the catalog's, and the project's own (rules-dir)."""
    catalog = _catalog_with_user_rules(Path.cwd().resolve())
    enabled, _ = enabled_rules(catalog, Config(), Selection())
    click.echo(f"{'id':<6} {'name':<28} {'severity':<8} {'fix':<6} {'default':<7} summary")
    for meta in catalog.values():
        default = "on" if meta.id in enabled else "off"
        click.echo(
            f"{meta.id:<6} {meta.name:<28} {meta.severity.value:<8} {meta.fix_safety:<6} "
            f"{default:<7} {meta.summary}"
        )


@cli.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Explain a rule (by id or name), with its examples; the project's own rules too."""
    catalog = _catalog_with_user_rules(Path.cwd().resolve())
    meta = catalog.get(rule.upper()) or next((m for m in catalog.values() if m.name == rule), None)
    if meta is None:
        raise click.UsageError(f"unknown rule: {rule} (see `vertice-lint rules`)")
    out = [f"{meta.id} {meta.name} ({meta.severity.value})", "", meta.summary, ""]
    out += ["## Why is this bad?", "", meta.why.strip(), ""]
    fix = meta.fix_description or "none"
    out += ["## Fix", "", f"{meta.fix_safety}: {fix}" if meta.fix_safety != "none" else fix, ""]
    for example in meta.examples:
        out += [f"## Example: {example.name}", ""]
        for title, files in (("Bad", example.bad_files), ("Good", example.good_files)):
            out.append(f"{title}:")
            for path, content in files.items():
                out += [f"  {path}:", textwrap.indent(content.rstrip("\n"), "    "), ""]
        out += ["Reported:", *(f"  {d} {meta.id}" for d in example.bad_diagnostics), ""]
        if example.fixed_files:
            out.append("After --fix:")
            for path, content in example.fixed_files.items():
                out += [f"  {path}:", textwrap.indent(content.rstrip("\n"), "    "), ""]
    click.echo("\n".join(out).rstrip("\n"))


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: never lets a traceback reach the user."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="vertice-lint",
            standalone_mode=True,
        )
    except CatalogError as exc:
        click.echo(f"vertice-lint: internal error: broken rule catalog: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("vertice-lint: interrupted", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        if os.environ.get("VERTICE_LINT_DEBUG"):
            raise
        click.echo(f"vertice-lint: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_ERROR)
