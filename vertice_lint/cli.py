"""The command line: `vertice-lint [check] [PATHS...]`, `rules`, `explain RULE`.

Exit codes: 0 clean, 1 findings (or a diff with --diff), 2 usage or internal error.
"""

from __future__ import annotations

import contextlib
import os
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vertice_lint import __version__

# Only what every command needs is imported here: `--version` and `--help` load no catalog,
# schema or engine; each command imports what it runs.
FORMATS = ("text", "json", "sarif", "github")  # report.FORMATS (a test keeps them equal)

if TYPE_CHECKING:
    from vertice_lint.cache import CachedRun
    from vertice_lint.catalog import RuleMeta
    from vertice_lint.config import Config
    from vertice_lint.diagnostics import Diagnostic
    from vertice_lint.engine import RunResult
    from vertice_lint.selection import Selection

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class DefaultGroup(click.Group):
    """A group whose default command is `check`, so `vertice-lint .` works."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in ("-h", "--help", "--version")
        ):
            args = ["check", *args]
        return super().parse_args(ctx, args)


def _printable(text: str) -> str:
    """Text safe to print or write as UTF-8: a file name that is not UTF-8 (kept by the OS as
    surrogate escapes) is shown with replacement characters."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _git_toplevel(path: Path) -> Path | None:
    from vertice_lint.git import run_git

    proc = run_git(path, ["rev-parse", "--show-toplevel"], timeout=30)
    if proc is None or proc.returncode != 0:
        return None
    return Path(os.fsdecode(proc.stdout).strip())


def resolve_root(paths: Sequence[str], commit: bool = False) -> tuple[Path, list[str] | None]:
    """The repository root to model, and the paths (relative to it) to report on.

    One directory: that directory is the repository. Files (as pre-commit passes them) or
    several paths: the whole repository around them is modelled (cross-file rules need it)
    and only diagnostics in those paths are reported. With `commit` (the pre-commit hook),
    the paths are the commit's files, none at all when it only deletes.
    """
    if any(not p.strip() for p in paths):
        raise click.UsageError("an empty path was given")
    resolved = [Path(p).resolve() for p in paths]
    for path, raw in zip(resolved, paths, strict=True):
        if not path.exists() and not path.is_symlink():
            raise click.UsageError(f"path does not exist: {raw}")
    if len(resolved) == 1 and resolved[0].is_dir() and not commit:
        return resolved[0], None
    from vertice_lint.config import find_config

    if not resolved:  # a commit that only deletes: the repository around the cwd
        resolved_anchor = Path.cwd().resolve()
        config = find_config(resolved_anchor)
        root = config.parent if config else (_git_toplevel(resolved_anchor) or resolved_anchor)
        return root, []
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
@click.option(
    "--fail-on",
    type=click.Choice(("error", "warning", "info")),
    default="info",
    show_default=True,
    help="Exit 1 only for findings of this severity or above.",
)
@click.option("--statistics", is_flag=True, help="Show counts per rule.")
@click.option("--quiet", "-q", is_flag=True, help="Print diagnostics only.")
@click.option(
    "--full/--concise",
    "full",
    default=None,
    help="Text format: the severity and a frame of the source line under each diagnostic,"
    " or one line each (default: full on a terminal, concise otherwise).",
)
@click.option("--verbose", "-v", is_flag=True, help="Also print notes and assumptions.")
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (or offer) unsafe fixes.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a diff; write nothing.")
@click.option("--show-fixes", is_flag=True, help="With --fix: list what was fixed.")
@click.option(
    "--pre-commit",
    "commit",
    is_flag=True,
    help="The paths are a commit's files (the pre-commit hook): also report what the"
    " files it deletes cause elsewhere.",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False),
    help="Report only the findings this baseline file does not record.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    help="Record every current finding in this file (then use it with --baseline).",
)
@click.option(
    "--no-cache", is_flag=True, help="Lint everything again; neither read nor write the cache."
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    help="Where to keep the cache (default: .vertice-lint-cache in the repository).",
)
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
    fail_on: str,
    statistics: bool,
    quiet: bool,
    full: bool | None,
    verbose: bool,
    fix: bool,
    unsafe_fixes: bool,
    show_diff: bool,
    show_fixes: bool,
    commit: bool,
    baseline_path: str | None,
    write_baseline: str | None,
    no_cache: bool,
    cache_dir: str | None,
) -> None:
    """Lint a repository (default: the current directory)."""
    from vertice_lint.cache import CACHE_DIR_NAME, CachedRun, load, store
    from vertice_lint.catalog import load_catalog, load_user_rules
    from vertice_lint.config import Config, find_config, load_config, selector_problems
    from vertice_lint.report import ReportContext, RunSummary, render
    from vertice_lint.selection import ALWAYS, Selection, enabled_rules, matches

    root, only = resolve_root(paths if commit else (paths or (".",)), commit)
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
        select=_split(select) or None,
        extend_select=(*ALWAYS, *_split(extend_select)),
        ignore=_split(ignore),
    )
    catalog = dict(load_catalog())
    if config.rules_dir is not None:
        catalog.update(load_user_rules(root / config.rules_dir, config.rules_dir)[0])
    _, unknown = enabled_rules(catalog, Config(), selection)
    if unknown:
        raise click.UsageError(f"unknown rule selector: {', '.join(unknown)}")
    # the config's own unknown selectors are VL003 findings, not silence
    _, in_config = enabled_rules(catalog, config, Selection())
    in_config += [
        rule
        for _, rules in config.per_file_ignores
        for rule in rules
        if not any(matches(rule, meta) for meta in catalog.values())
    ]
    config = selector_problems(config, root, in_config)

    cached: CachedRun | None = None
    key: tuple[str, bool] | None = None
    internal: list[str] = []
    directory = Path(cache_dir) if cache_dir else root / CACHE_DIR_NAME
    removed: list[str] = []
    if commit and only is not None and not (fix or show_diff):
        from vertice_lint.commit import removed_paths

        removed = removed_paths(root)  # what the commit deletes: pre-commit never passes it
    if not (no_cache or fix or show_diff or removed):
        key = _run_key(root, config, selection, only, config_path)
        cached = load(directory, key[0])
    if cached is None:
        from vertice_lint.engine import lint, touching

        with _progress(sys.stderr.isatty() and not quiet):
            result = lint(root, config, selection, only=None if removed else only)
        reported = result.diagnostics
        if removed and only is not None:
            from vertice_lint.commit import caused_by_removals

            caused = caused_by_removals(
                root, lambda tree: lint(tree, config, selection).diagnostics, reported
            )
            mine = set(touching(reported, [*only, *removed])) | set(caused)
            reported = tuple(d for d in reported if d in mine)
        cached = CachedRun(
            diagnostics=reported,
            notes=result.notes,
            files_checked=len(result.workspace.files),
            files_by_kind=_count_kinds(result),
            schema_skipped=result.workspace.schema_skipped,
        )
        internal = list(result.internal_errors)
        if key is not None and key[1] and not internal:
            store(directory, key[0], cached)
    diagnostics: Sequence[Diagnostic] = cached.diagnostics
    fixed: tuple[Diagnostic, ...] = ()
    notes = list(cached.notes)
    if fix or show_diff:
        from vertice_lint.engine import lint
        from vertice_lint.fix.diff import unified_diff
        from vertice_lint.fix.loop import run_fixes, write_outcome

        def lint_overlay(overlay: Any) -> Sequence[Diagnostic]:
            return lint(root, config, selection, overlay=overlay, only=only).diagnostics

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

            taken = [s for d in outcome.fixed if d.fix is not None for s in d.fix.secrets]
            text = unified_diff(outcome.changes, shown, taken)
            if text:
                click.echo(_printable(text), nl=False)
            sys.exit(EXIT_FINDINGS if outcome.changes else EXIT_CLEAN)
        write_outcome(root, outcome)
        diagnostics = outcome.remaining
        fixed = outcome.fixed

    if write_baseline:
        from vertice_lint.baseline import write

        count = write(Path(write_baseline), diagnostics)
        click.echo(f"Wrote {count} finding{'s' if count != 1 else ''} to {write_baseline}.")
        sys.exit(EXIT_ERROR if internal else EXIT_CLEAN)
    hidden = gone = 0
    if baseline_path:
        from vertice_lint.baseline import BaselineError, apply
        from vertice_lint.baseline import load as load_baseline

        try:
            recorded = load_baseline(Path(baseline_path))
        except BaselineError as exc:
            raise click.UsageError(str(exc)) from exc
        filtered = apply(recorded, diagnostics)
        diagnostics, hidden, gone = filtered.diagnostics, filtered.hidden, filtered.gone

    summary = RunSummary(
        files_checked=cached.files_checked,
        files_by_kind=cached.files_by_kind,
        schema_skipped=cached.schema_skipped,
        fixed=len(fixed),
        notes=tuple(notes),
        internal_errors=tuple(internal),
        baselined=hidden,
        baseline_gone=gone,
        baseline_used=bool(baseline_path),
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
        repo_root=(_git_toplevel(root) or root).resolve() if fmt == "sarif" else None,
        color=fmt == "text" and not output_file and _colour(),
        full=full if full is not None else (not output_file and sys.stdout.isatty()),
    )
    output = _printable(render(fmt, diagnostics, ctx))
    if output_file:
        target = Path(output_file)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(output, encoding="utf-8")
        except OSError as exc:
            click.echo(_printable(f"vertice-lint: cannot write {output_file}: {exc}"), err=True)
            sys.exit(EXIT_ERROR)
    else:
        click.echo(output, nl=False, color=ctx.color or None)
    for message in internal:
        click.echo(_printable(f"vertice-lint: {message}"), err=True)
    if internal:
        sys.exit(EXIT_ERROR)
    ranks = {"error": 2, "warning": 1, "info": 0}
    failing = [d for d in diagnostics if ranks[d.severity.value] >= ranks[fail_on]]
    sys.exit(EXIT_FINDINGS if failing and not exit_zero else EXIT_CLEAN)


def _run_key(
    root: Path,
    config: Config,
    selection: Selection,
    only: Sequence[str] | None,
    config_path: str | None,
) -> tuple[str, bool]:
    """The cache key of this run (vertice_lint/cache.py) and whether it may be stored."""
    from vertice_lint.cache import run_key
    from vertice_lint.discover import discover

    started = time.time()
    files = discover(root, config.exclude)
    settings = [repr(config), repr(selection), repr(only)]
    if config_path:  # a config file outside the repository is read too
        settings.append(Path(config_path).read_text(encoding="utf-8", errors="replace"))
    return run_key(root, ((f.path, f.kind.value) for f in files), settings, started)


@contextlib.contextmanager
def _progress(shown: bool) -> Iterator[None]:
    """On a terminal, a line on stderr once a run takes longer than a second, saying how long
    it has run (most of a run is linking the whole repository, which has no per-file steps
    to count); it is erased when the run ends, so it never mixes with the report."""
    if not shown:
        yield
        return
    done = threading.Event()
    started = time.monotonic()

    def tick() -> None:
        while not done.wait(1.0):
            sys.stderr.write(f"\rvertice-lint: linting... {time.monotonic() - started:.0f} s")
            sys.stderr.flush()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        if time.monotonic() - started >= 1.0:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


def _colour() -> bool:
    """ANSI colours: on a terminal, unless NO_COLOR is set; always with FORCE_COLOR."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


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
    from vertice_lint.catalog import load_catalog, load_user_rules
    from vertice_lint.config import find_config, load_config

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
    from vertice_lint.config import Config
    from vertice_lint.selection import Selection, enabled_rules

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
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("vertice-lint: interrupted", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        from vertice_lint.catalog import CatalogError

        if isinstance(exc, CatalogError):
            click.echo(f"vertice-lint: internal error: broken rule catalog: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        if os.environ.get("VERTICE_LINT_DEBUG"):
            raise
        click.echo(f"vertice-lint: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_ERROR)
