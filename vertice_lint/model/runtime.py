"""What runs in a container: entrypoints, sys.path, the import closure."""

from __future__ import annotations

from dataclasses import dataclass, field

from vertice_lint.diagnostics import Evidence
from vertice_lint.model.app import AppFacts, ContainerFacts
from vertice_lint.model.image import Image
from vertice_lint.model.workload import Container, Workload
from vertice_lint.parsers.python import Import


@dataclass(frozen=True)
class ContainerRuntime:
    """What runs in a container (or, with no workload, an image's default command).

    `facts` (what the container starts with) and `app` (what its code needs and does) are set
    by link for the runtime of every regular container; both are None for an image's default
    command and for init containers.
    """

    image: Image
    workload: Workload | None
    container: Container | None
    runtime: Runtime
    facts: ContainerFacts | None = field(default=None, compare=False, repr=False)
    app: AppFacts | None = field(default=None, compare=False, repr=False)

    @property
    def ident(self) -> str:
        if self.workload is None or self.container is None:
            return f"image {self.image.key}"
        return f"{self.workload.ident} container {self.container.name}"


@dataclass(frozen=True)
class Entrypoint:
    """One Python program a container starts.

    kind: "script" (`python main.py`: runs as `__main__`, no parent package), "module"
    (`python -m pkg.main`), "app" (an ASGI/WSGI server importing `module:attr`), "celery",
    "alembic" (runs the env.py of alembic.ini's script_location), "config" (the config module
    or file gunicorn loads before the app), "console-script" (a `[project.scripts]` entry of a
    project the image installs: imports `module`), "executable" (any other program; `program`
    names it).
    """

    kind: str
    program: str
    argv: tuple[str, ...]
    target: str
    module: str | None  # module name the file gets ("__main__" for a script)
    image_path: str | None  # the file first run or imported, in the image
    repo_path: str | None  # where that file comes from in the repository
    sys_path: tuple[str, ...]
    package: str | None  # package relative imports resolve against; None: no parent package
    source: Evidence
    port: int | None = None  # --port / --bind given on the command line


@dataclass(frozen=True)
class ModuleNode:
    """A first-party module reached from an entrypoint."""

    name: str
    repo_path: str
    image_path: str | None  # None: the module is not in the image (walked as if it were)
    is_package: bool


@dataclass(frozen=True)
class ImportEdge:
    """One import statement reached, with what it resolves to.

    status: "stdlib", "first-party" (found in the image), "not-in-image" (found in the
    repository only: `repo_candidates`), "third-party" (found in neither: a distribution
    must provide it), "relative-no-parent" (a relative import in a module with no parent
    package: `ImportError: attempted relative import with no known parent package`),
    "relative-beyond-top" (more dots than packages); no statement, a framework imports it
    at start-up (`imp` is then anchored where the module is named, `reason` says why):
    "django-settings" (the settings module), "django-app" (an INSTALLED_APPS package, its
    `apps` and `models` submodules). Framework edges are made only for first-party modules
    found in the image.
    """

    importer: str  # module name of the importing file
    path: str  # repository path of the importing file
    imp: Import
    target: str  # absolute dotted name imported (relative ones resolved as the fix would)
    status: str
    resolved: str | None  # repository path of the module file found
    repo_candidates: tuple[str, ...] = ()
    in_script: bool = False  # the importer is the entrypoint run as a script
    sys_path: tuple[str, ...] = ()  # the sys.path the import was resolved against
    reason: Evidence | None = None  # framework edges: where the module is named, and why
    function: str | None = None  # the def the statement is written in (scope "function")
    # the image's Python dropped this stdlib module (PEP 594, 632): the version that did
    removed_in: str | None = None


@dataclass(frozen=True)
class Runtime:
    """What one container (or an image's default command) runs, and the import closure."""

    entrypoints: tuple[Entrypoint, ...]
    modules: tuple[ModuleNode, ...]
    imports: tuple[ImportEdge, ...]
    notes: tuple[str, ...] = field(default=())
    # the PYTHONPATH the container's Python sees (absolute image paths): the container's env,
    # else the image's ENV
    pythonpath: tuple[str, ...] = ()
    # repository paths of the modules imported when the program starts: the entrypoints and
    # what their module-level, unguarded imports reach (the others run later, or never)
    eager: frozenset[str] = frozenset()
    # repository paths of the modules walked as if they were copied in, though the image lacks
    # them (VL202's): their own imports never run in this image
    absent: frozenset[str] = frozenset()

    def at_startup(self, edge: ImportEdge) -> bool:
        """Whether an import statement runs when the program starts."""
        return edge.path in self.eager and edge.imp.scope != "function" and not edge.imp.guarded


def lazy_reason(runtime: Runtime, edge: ImportEdge) -> str | None:
    """Why an import statement does not run when the program starts (None: it does): it is
    guarded by `except ImportError`, inside a function, or in a module imported lazily."""
    imp = edge.imp
    if imp.guarded:
        return "a `try` around it catches the ImportError: its handler runs instead of a crash"
    if imp.scope == "function":
        where = f"`{edge.function}()`" if edge.function else "the function that contains it"
        return f"it runs only when {where} is called, not at start-up"
    if edge.path not in runtime.eager:
        return f"it runs only when `{edge.importer}` is imported, which happens lazily"
    return None
