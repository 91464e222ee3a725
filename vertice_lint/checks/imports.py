"""VL2xx: what a container runs, and whether it can import what it needs.

Read from `ws.runtimes`: for every container (and every image's default command) the
entrypoints it starts and the import closure walked from them inside the image (see
runtime.py). A finding is reported once at the import statement or the command, whatever
the number of containers that reach it, with the chain that leads there: the command that
starts the program, the imports on the way, the workloads that run it. An import that runs
only inside a function, in a module imported only that way, or under `try/except
ImportError` is a warning whose message says when it bites.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic, Evidence, Fix, Safety, Severity
from vertice_lint.fix.text_edit import EditError, insert_line, newline_of
from vertice_lint.model import (
    ContainerRuntime,
    Entrypoint,
    Image,
    ImageDeps,
    ImportEdge,
    RepoIndex,
    Workspace,
    lazy_reason,
)
from vertice_lint.model.files import Import, PythonModule
from vertice_lint.model.imports import module_root

NO_PARENT = "ImportError: attempted relative import with no known parent package"
BEYOND_TOP = "ImportError: attempted relative import beyond top-level package"

# The distribution that installs each server's executable. Extras and dependencies that bring
# it (`fastapi[standard]` brings uvicorn and fastapi-cli) come from what the image installs
# (`ws.image_deps`, link/dependencies.py).
PROVIDERS: Mapping[str, str] = {
    "uvicorn": "uvicorn",
    "gunicorn": "gunicorn",
    "hypercorn": "hypercorn",
    "celery": "celery",
    "alembic": "alembic",
    "fastapi": "fastapi-cli",
    "daphne": "daphne",
    "granian": "granian",
}


# --- what reaches what ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Reach:
    """One import statement as one container reaches it, and why it may not run at start."""

    run: ContainerRuntime
    edge: ImportEdge
    lazy: str | None  # None: it runs when the program starts


def _destination(edge: ImportEdge) -> str | None:
    if edge.resolved:
        return edge.resolved
    return edge.repo_candidates[0] if edge.repo_candidates else None


def _reaches(ws: Workspace) -> Iterator[_Reach]:
    """Every import statement of every container, in walk order."""
    for run in ws.runtimes:
        for edge in run.runtime.imports:
            yield _Reach(run, edge, lazy_reason(run.runtime, edge))


# --- evidence -------------------------------------------------------------------------------


def _describe(entry: Entrypoint) -> str:
    if entry.kind == "script":
        return f"{entry.repo_path or entry.target} is run as a script"
    if entry.kind == "module":
        return f"{entry.module} is run with `python -m`"
    if entry.kind == "alembic":
        return f"alembic runs {entry.repo_path or entry.target}"
    if entry.kind == "celery":
        return f"celery loads the app {entry.target}"
    if entry.kind == "executable":
        return f"the command runs `{entry.program}`"
    if entry.kind == "console-script":
        return f"the console script `{entry.program}` imports {entry.module} ({entry.target})"
    return f"{entry.program} imports {entry.module or entry.target}"


def _entry_evidence(entry: Entrypoint) -> Evidence:
    source = entry.source
    return Evidence(source.path, source.line, source.col, f"{_describe(entry)}: {source.note}")


def deployed_by(run: ContainerRuntime) -> list[Evidence]:
    """Where the workload container that runs `run` is declared (none for an image's own
    command)."""
    if run.workload is None or run.container is None:
        return []
    return [
        Evidence(
            run.container.at.path, run.container.line, run.container.col, f"run by {run.ident}"
        )
    ]


def _chain(run: ContainerRuntime, path: str) -> list[Evidence]:
    """The entrypoint, the imports that lead to `path`, and the workload that runs it."""
    return import_chain(run, path, importers(run))


def importers(run: ContainerRuntime) -> dict[str, ImportEdge]:
    """Repository path of each module the container reaches -> the first import of it."""
    parent: dict[str, ImportEdge] = {}
    for edge in run.runtime.imports:
        target = _destination(edge)
        if target is not None and target != edge.path:
            parent.setdefault(target, edge)
    return parent


def import_chain(
    run: ContainerRuntime, path: str, parent: Mapping[str, ImportEdge]
) -> list[Evidence]:
    """The entrypoint, the imports that lead to `path` (`parent`: `importers(run)`), and the
    workload that runs it."""
    entries = {e.repo_path: e for e in run.runtime.entrypoints if e.repo_path}
    hops: list[Evidence] = []
    current = path
    while current not in entries and current in parent and len(hops) < 50:
        edge = parent[current]
        hops.append(
            Evidence(edge.path, edge.imp.line, edge.imp.col, f"imports {edge.target or '?'}")
        )
        current = edge.path
    head = [_entry_evidence(entries[current])] if current in entries else []
    return [*head, *reversed(hops), *deployed_by(run)]


@dataclass
class _Finding:
    path: str
    line: int
    col: int
    message: str
    lazy: set[str | None] = field(default_factory=set)
    evidence: list[Evidence] = field(default_factory=list)
    fixes: list[Fix | None] = field(default_factory=list)


class _Findings:
    """Findings keyed by place and message: several containers reaching one statement make
    one diagnostic, an error if any of them runs it at start-up, with all their evidence."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, int, int, str], _Finding] = {}

    def add(
        self,
        path: str,
        line: int,
        col: int,
        message: str,
        *,
        lazy: str | None = None,
        evidence: Iterable[Evidence] = (),
        fix: Fix | None = None,
        key: str | None = None,
    ) -> None:
        """`key`: what makes two findings at one place the same (default: the message; the
        first message is kept)."""
        item = self._items.setdefault(
            (path, line, col, message if key is None else key), _Finding(path, line, col, message)
        )
        item.lazy.add(lazy)
        for ev in evidence:
            if ev not in item.evidence:
                item.evidence.append(ev)
        item.fixes.append(fix)

    def diagnostics(self, ctx: CheckContext) -> Iterator[Diagnostic]:
        for item in self._items.values():
            message, severity = item.message, None
            if None not in item.lazy:
                message = f"{message} ({sorted(r for r in item.lazy if r)[0]})"
                severity = Severity.WARNING
            # One fix for all the containers, or none when they disagree.
            fixes = set(item.fixes)
            fix = fixes.pop() if len(fixes) == 1 else None
            yield ctx.diagnostic(
                item.path,
                item.line,
                item.col,
                message,
                evidence=item.evidence,
                fix=fix,
                severity=severity,
            )


def _statement(imp: Import) -> str:
    return f"from {'.' * imp.level}{imp.module or ''} import"


# --- VL201 relative-import-in-script --------------------------------------------------------


def relative_import_in_script(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """VL201: a relative import in a file that runs without a parent package."""
    reaches = tuple(_reaches(ws))
    # A statement some container imports as part of a package: the absolute rewrite would break it.
    packaged = {
        (r.edge.path, r.edge.imp.line)
        for r in reaches
        if r.edge.imp.level > 0 and not r.edge.status.startswith("relative-")
    }
    findings = _Findings()
    seen: set[tuple[int, str, int]] = set()
    fixes: dict[tuple[str, int, str], Fix | None] = {}  # a statement several runs reach
    for reach in reaches:
        edge, imp = reach.edge, reach.edge.imp
        statement = (id(reach.run), edge.path, imp.line)
        if statement in seen:
            continue  # `from .x import a`: the statement's own edge comes before submodules'
        seen.add(statement)
        if not edge.status.startswith("relative-"):
            continue
        record = ws.python_module(edge.path)
        if record is not None and imp.guarded and _has_absolute_fallback(record, imp):
            continue  # `try: from .x import y / except ImportError: from x import y`
        if edge.status == "relative-beyond-top":
            message = (
                f"`{_statement(imp)}` climbs above the top-level package `{edge.importer}`:"
                f" {BEYOND_TOP}"
            )
            fix = None
        else:
            where = (
                "a file run as a script"
                if edge.in_script
                else f"`{edge.importer}`, imported as a top-level module"
            )
            message = f"`{_statement(imp)}` in {where} (no parent package): {NO_PARENT}"
            fix = None
            if _fixable(edge) and (edge.path, imp.line) not in packaged:
                assert imp.module is not None
                message += f"; use `from {imp.module} import`"
                key = (edge.path, imp.line, imp.module)
                if key not in fixes:
                    fixes[key] = _absolute_fix(ws, edge.path, imp.line, imp.module)
                fix = fixes[key]
        findings.add(
            edge.path,
            imp.line,
            imp.col,
            message,
            lazy=reach.lazy,
            evidence=_chain(reach.run, edge.path),
            fix=fix,
        )
    yield from findings.diagnostics(ctx)


def _has_absolute_fallback(record: PythonModule, imp: Import) -> bool:
    return any(
        other.level == 0 and other.module == imp.module and not other.guarded
        for other in record.imports
    )


def _fixable(edge: ImportEdge) -> bool:
    """The absolute import resolves in the image to the sibling the relative one meant."""
    imp = edge.imp
    if imp.level != 1 or not imp.module or edge.resolved is None:
        return False
    directory = posixpath.dirname(edge.path)
    expected = posixpath.join(directory, *imp.module.split("."))
    return edge.resolved in (expected + ".py", expected + "/__init__.py")


def _absolute_fix(ws: Workspace, path: str, line: int, module: str) -> Fix | None:
    # libcst is loaded only when there is a Python fix to build (it is slow to import)
    from vertice_lint.fix.python_edit import replace_relative_import

    text = ws.text(path)
    if text is None:
        return None
    try:
        edit = replace_relative_import(path, text, line, module)
    except EditError:
        return None
    return Fix((edit,), Safety.SAFE, f"rewrite to `from {module} import`")


# --- VL202 module-not-in-image --------------------------------------------------------------


def module_not_in_image(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """VL202: a first-party module imported by the code is in the repository, not the image."""
    findings = _Findings()
    reported: set[tuple[int, str, int]] = set()
    for reach in _reaches(ws):
        edge, run = reach.edge, reach.run
        if edge.status == "no-such-module":
            assert run.image.contents is not None
            missing = run.image.contents.fs.first_missing(edge.sys_path, edge.target)
            findings.add(
                edge.path,
                edge.imp.line,
                edge.imp.col,
                f"`{edge.target}` is neither in the image nor in the repository: the package"
                f" `{missing.rpartition('.')[0]}` has no module `{missing.rpartition('.')[2]}`:"
                f" ModuleNotFoundError: No module named '{missing}'",
                lazy=reach.lazy,
                evidence=_chain(run, edge.path),
            )
            continue
        if edge.status != "not-in-image":
            continue
        statement = (id(run), edge.path, edge.imp.line)
        if statement in reported:
            continue  # `from pkg import sub`: pkg missing says it all
        reported.add(statement)
        node = next((n for n in run.runtime.modules if n.repo_path == edge.path), None)
        if node is not None and node.image_path is None:
            continue  # the importer is missing too: the import that reaches it says so
        assert run.image.contents is not None
        fs = run.image.contents.fs
        site = run.image.contents.site_packages
        missing = fs.first_missing(edge.sys_path, edge.target)
        paths = ", ".join(p for p in edge.sys_path if p != site) or "/"
        found = _shown(edge.repo_candidates[0], edge.target)
        if len(edge.repo_candidates) > 1:
            found += f" (and {len(edge.repo_candidates) - 1} more)"
        message = (
            f"`{edge.target}` is not in the image: {found} is in the repository, but no COPY"
            f" puts it on the image's sys.path ({paths}):"
            f" ModuleNotFoundError: No module named '{missing}'"
        )
        findings.add(
            edge.path,
            edge.imp.line,
            edge.imp.col,
            message,
            lazy=reach.lazy,
            evidence=_chain(run, edge.path),
            fix=_copy_fix(ws, run.image, edge),
            # several images reaching it with other sys.paths: one finding, their evidence
            key=f"not-in-image {edge.target}",
        )
    yield from findings.diagnostics(ctx)


def _shown(candidate: str, dotted: str) -> str:
    return (
        candidate.removesuffix("__init__.py") if candidate.endswith("/__init__.py") else candidate
    )


def _copy_fix(ws: Workspace, image: Image, edge: ImportEdge) -> Fix | None:
    """COPY the module (and its parents' `__init__.py`) after the final stage's last COPY."""
    assert image.contents is not None
    build = image.contents.build_context
    if build is None:
        return None
    prefix = f"{build.directory}/" if build.directory else ""

    def sent(path: str) -> bool:
        return path.startswith(prefix) and path[len(prefix) :] in build.sent

    usable = [c for c in edge.repo_candidates if sent(c)]
    record = ws.dockerfile(image.dockerfile)
    text = ws.text(image.dockerfile)
    if len(usable) != 1 or not edge.sys_path or record is None or text is None:
        return None
    if not record.final.copies:
        return None
    candidate = usable[0]
    root = module_root(candidate, edge.target)
    if root is None:
        return None
    fs, base = image.contents.fs, edge.sys_path[0]
    parts = edge.target.split(".")
    missing = fs.first_missing(edge.sys_path, edge.target).split(".")
    last = record.final.copies[-1]
    flags = "".join(f" --{name}={value}" for name, value in (("chown", last.chown),) if value)

    def line(repo_path: str, image_path: str, slash: str = "") -> str:
        return f"COPY{flags} {repo_path[len(prefix) :]}{slash} {image_path}{slash}"

    # The unit a person would copy: the package the module belongs to (or is), whole.
    is_package = candidate.endswith("/__init__.py")
    unit = parts if is_package or len(parts) == 1 else parts[:-1]
    lines = []
    for depth in range(len(missing), len(unit)):
        init = posixpath.join(root, *parts[:depth], "__init__.py")
        image_init = posixpath.join(base, *parts[:depth], "__init__.py")
        if sent(init) and not fs.is_file(image_init):
            lines.append(line(init, image_init))
    if len(unit) == len(parts) and not is_package:
        lines.append(line(candidate, posixpath.join(base, *parts[:-1], parts[-1] + ".py")))
    else:
        lines.append(line(posixpath.join(root, *unit), posixpath.join(base, *unit), "/"))
    try:
        edit = insert_line(image.dockerfile, text, last.end_line + 1, newline_of(text).join(lines))
    except EditError:
        return None
    return Fix((edit,), Safety.UNSAFE, f"copy {'.'.join(unit)} into the image")


# --- VL203 unresolved-import-name -----------------------------------------------------------


def unresolved_import_name(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """VL203: `from module import name` where the first-party module has no such name, and
    `__all__` entries a module does not define."""
    findings = _Findings()
    seen_statements: set[tuple[int, str, int]] = set()
    star_imported: set[str] = set()
    for reach in _reaches(ws):
        edge, imp = reach.edge, reach.edge.imp
        if imp.star and edge.resolved:
            star_imported.add(edge.resolved)
        statement = (id(reach.run), edge.path, imp.line)
        if statement in seen_statements or not imp.is_from:
            continue
        seen_statements.add(statement)  # the statement's own edge comes before its submodules
        if imp.star or edge.status not in ("first-party", "not-in-image", "relative-no-parent"):
            continue
        path = _destination(edge)
        record = ws.python_module(path)
        if path is None or record is None:
            continue
        for name in imp.names:
            if _defines(ws, record, path, name.name):
                continue
            provides = (
                f", and its `__getattr__` only provides {', '.join(record.getattr_names)}"
                if record.has_getattr
                else ""
            )
            message = (
                f"`{edge.target}` ({path}) neither defines nor imports `{name.name}`{provides}:"
                f" ImportError: cannot import name '{name.name}' from '{edge.target}'"
            )
            findings.add(
                edge.path,
                name.line,
                name.col,
                message,
                lazy=reach.lazy,
                evidence=_chain(reach.run, edge.path),
            )
    for run in ws.runtimes:
        for node in run.runtime.modules:
            record = ws.python_module(node.repo_path)
            if record is None or record.all_names is None:
                continue
            for listed, line, col in record.all_names:
                if _defines(ws, record, node.repo_path, listed):
                    continue
                message = (
                    f"`__all__` lists `{listed}`, which `{node.name}` does not define:"
                    f" `from {node.name} import *` raises AttributeError"
                )
                lazy = None if node.repo_path in star_imported else "it bites on `import *`"
                findings.add(
                    node.repo_path,
                    line,
                    col,
                    message,
                    lazy=lazy,
                    evidence=_chain(run, node.repo_path),
                )
    yield from findings.diagnostics(ctx)


def _defines(ws: Workspace, record: PythonModule, path: str, name: str) -> bool:
    """The module has `name`, or may have it: bound at top level, returned by `__getattr__`,
    brought by a star import, or a submodule of the package."""
    if name in record.top_level_names or name in record.getattr_names or record.getattr_open:
        return True
    if any(imp.star for imp in record.imports):
        return True
    if not path.endswith("__init__.py"):
        return False
    return ws.python_index.has_submodule(posixpath.dirname(path), name)


# --- VL204 entrypoint-missing ---------------------------------------------------------------


def entrypoint_missing(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """VL204: what the command starts is not in the image, or its executable is not installed."""
    index = ws.python_index
    findings = _Findings()
    for run in ws.runtimes:
        contents = run.image.contents
        if contents is None:
            continue
        installed = ws.image_deps.get(run.image.key)
        for entry in run.runtime.entrypoints:
            if entry.kind == "executable":
                declared = contents.scripts_not_installed.get(entry.program)
                if declared and "/" not in entry.target:
                    findings.add(
                        entry.source.path,
                        entry.source.line,
                        entry.source.col,
                        f"`{entry.program}` is not installed in the image: it is a console script"
                        f" of {declared}, whose project the image never installs (only its"
                        " dependencies: `--no-root` / `--no-install-project`)",
                        evidence=[_entry_evidence(entry), *deployed_by(run)],
                    )
                continue
            evidence = [_entry_evidence(entry), *deployed_by(run)]
            message = _missing_target(ws, run, entry, index, installed)
            if message is not None:
                findings.add(
                    entry.source.path,
                    entry.source.line,
                    entry.source.col,
                    message,
                    evidence=evidence,
                )
            message = _missing_executable(run.image, entry, installed)
            if message is not None:
                findings.add(
                    entry.source.path,
                    entry.source.line,
                    entry.source.col,
                    message,
                    evidence=evidence,
                )
    yield from findings.diagnostics(ctx)


def _argv(entry: Entrypoint) -> str:
    return " ".join(entry.argv)


def _missing_target(
    ws: Workspace,
    run: ContainerRuntime,
    entry: Entrypoint,
    index: RepoIndex,
    installed: ImageDeps | None,
) -> str | None:
    """Why the file or module the command names is not in the image, or None."""
    if entry.repo_path is not None:
        return None  # found ("" for a namespace package)
    record = ws.dockerfile(run.image.dockerfile)
    contents = run.image.contents
    assert contents is not None
    no_workdir = record is not None and record.final.workdir_line is None
    if no_workdir and contents.python_version is None:
        return None  # another base image may set the working directory
    if entry.kind == "script" or (entry.kind == "alembic" and entry.module is None):
        assert entry.image_path is not None
        if _unknown_content(ws, run, entry.image_path):
            return None
        what = "its config file" if entry.kind == "alembic" else "the script"
        return (
            f"`{_argv(entry)}`: {what} {entry.image_path} is not in the image"
            " (no COPY puts a file there)"
        )
    if entry.kind == "alembic":
        if entry.image_path is None or _unknown_content(ws, run, entry.image_path):
            return None
        return (
            f"`{_argv(entry)}`: the migrations' {entry.image_path} (alembic.ini's"
            " script_location) is not in the image"
        )
    if entry.module is None:  # `fastapi run` found none of its default files
        if _unknown_content(ws, run, entry.sys_path[0]):
            return None
        return (
            f"`{_argv(entry)}`: no {entry.target} (nor app.py, api.py, app/main.py) in"
            f" {entry.sys_path[0]}, where `fastapi run` looks for the app"
        )
    if contents.fs.find_module(entry.sys_path, entry.module) is not None:
        return None
    if _unknown_content(ws, run, entry.sys_path[0]):
        return None
    candidates = index.find(entry.module)
    paths = ", ".join(p for p in entry.sys_path if p != _site(run))
    if candidates:
        return (
            f"`{_argv(entry)}`: module `{entry.module}` is not in the image: {candidates[0]}"
            f" is in the repository, but not on the image's sys.path ({paths})"
        )
    top = entry.module.split(".")[0].replace("_", "-").lower()
    if installed is None or not _knows_everything(installed):
        return None
    if any(n == top for n in (*installed.names, *installed.transitive)):
        return None
    return (
        f"`{_argv(entry)}`: no module `{entry.module}` in the image (sys.path {paths}) nor in"
        " what it installs"
    )


def _site(run: ContainerRuntime) -> str:
    assert run.image.contents is not None
    return run.image.contents.site_packages


def _knows_everything(installed: ImageDeps | None) -> bool:
    """Everything the image installs is read, on a base image that brings nothing."""
    return installed is not None and installed.clean_base and not installed.unknown


def _missing_executable(image: Image, entry: Entrypoint, installed: ImageDeps | None) -> str | None:
    """Why the server or tool the command runs is not installed, or None."""
    provider = PROVIDERS.get(entry.program)
    assert image.contents is not None
    # Another base image (tiangolo/uvicorn-gunicorn, a company base) may bring the executable.
    if provider is None or image.contents.python_version is None:
        return None
    if installed is None or not _knows_everything(installed):
        return None
    if provider in installed.names or provider in installed.transitive:
        return None
    apt = {i.value for i in installed.apt}
    if entry.program in apt or f"python3-{entry.program}" in apt:
        return None
    files = ", ".join(f.path for f in installed.files) or "no requirements"
    return (
        f"`{entry.program}` is not installed in the image: nothing it installs ({files})"
        f" provides it; add `{provider}` to the requirements"
    )


def _unknown_content(ws: Workspace, run: ContainerRuntime, path: str) -> bool:
    """Files may be at `path` that the repository does not show: a COPY from another image,
    a URL, a heredoc, or a volume the container mounts."""
    image = run.image
    if any(
        c.from_stage is not None and c.from_stage not in _stage_names(ws, image)
        for c in image.copies
    ):
        return True
    if any(any("://" in s for s in c.sources) for c in image.copies):
        return True
    if run.container is not None:
        for _, mount in run.container.volume_mounts:
            if path == mount or path.startswith(mount.rstrip("/") + "/"):
                return True
    return False


def _stage_names(ws: Workspace, image: Image) -> set[str]:
    record = ws.dockerfile(image.dockerfile)
    if record is None:
        return set()
    return {s.name for s in record.stages if s.name} | {str(s.index) for s in record.stages}
