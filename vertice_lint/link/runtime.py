"""What a container runs and what that imports: entrypoints, sys.path, the import closure.

From the command a container starts (Dockerfile CMD/ENTRYPOINT, overridden by a Kubernetes
`command`/`args` or a compose `command`/`entrypoint`) this module finds the Python
entrypoints (`python main.py`, `python -m pkg.main`, `uvicorn pkg.main:app`, gunicorn,
hypercorn, `fastapi run`, celery, alembic, a shell script that ends in `exec python ...`),
the `sys.path` each sees inside the image, and every import reached from them, each import
classified: stdlib, first-party in the image, first-party missing from the image,
third-party, or a relative import with no parent package. Where an import would crash, the
walk goes on as if it were fixed, so the next crash is found in the same run.

Frameworks import modules no statement names: Django imports its settings module
(DJANGO_SETTINGS_MODULE from the container's env, else the literal of the
`os.environ.setdefault` in the code) and the first-party packages of INSTALLED_APPS at
start-up; gunicorn loads its config module (`-c python:pkg.conf`, `-c file.py`, or
`./gunicorn.conf.py`). They join the closure as edges (or, for gunicorn, an entrypoint).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import posixpath
import re
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from vertice_lint.diagnostics import Evidence
from vertice_lint.link.dependencies import module_map_data
from vertice_lint.link.image import script_commands
from vertice_lint.model import (
    Container,
    ContainerRuntime,
    Entrypoint,
    FileOrigin,
    Image,
    ImageContents,
    ImageFS,
    ImportEdge,
    ModuleNode,
    RepoIndex,
    Runtime,
    Workload,
)
from vertice_lint.model.imports import module_root
from vertice_lint.parsers.python import Import, PythonModule
from vertice_lint.parsers.shell import SHELLS, Command, command_start, shebang_shell, unwrap_argv

# Modules the standard library dropped (PEP 632, PEP 594), by the version that removed them:
# on that Python they are imported from site-packages like any distribution, or not at all.
REMOVED_STDLIB: dict[str, str] = {
    **dict.fromkeys(("asynchat", "asyncore", "distutils", "imp", "smtpd"), "3.12"),
    **dict.fromkeys(
        (
            "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "lib2to3", "mailcap",
            "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau",
            "telnetlib", "uu", "xdrlib",
        ),
        "3.13",
    ),
}  # fmt: skip
# Whatever Python runs vertice-lint, the modules of the images' oldest supported Pythons.
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"} | frozenset(REMOVED_STDLIB)


def removed_from_stdlib(module: str, python_version: str | None) -> str | None:
    """The Python version that removed a stdlib module, when the image runs it or later."""
    removed = REMOVED_STDLIB.get(module.split(".")[0])
    if removed is None or python_version is None:
        return None
    as_tuple = tuple(int(p) for p in python_version.split(".")[:2])
    return removed if as_tuple >= tuple(int(p) for p in removed.split(".")) else None


_PYTHON = re.compile(r"python(\d(\.\d+)?)?")
# `TOOL SUBCOMMAND [options] COMMAND...` runners: the command they run is what starts.
_RUNNERS = {
    "uv": "run",
    "poetry": "run",
    "pipenv": "run",
    "pdm": "run",
    "rye": "run",
    "newrelic-admin": "run-program",
}
# Their options that take a value as the next word (`uv run --with x python app.py`).
_RUNNER_VALUE_OPTS = frozenset(
    {
        "--with",
        "--with-editable",
        "--with-requirements",
        "--python",
        "-p",
        "--project",
        "--directory",
        "--env-file",
        "--extra",
        "--group",
        "--only-group",
        "--no-group",
        "--package",
        "--index",
        "--default-index",
        "--index-url",
        "--extra-index-url",
        "--cache-dir",
        "--config-file",
        "--python-preference",
        "--color",
    }
)
_PY_VALUE_OPTS = frozenset({"-W", "-X", "--check-hash-based-pycs"})
# Options (with a value) of the ASGI/WSGI servers; anything else starting with "-" is a flag.
_SERVER_VALUE_OPTS = frozenset(
    {
        "--host",
        "--port",
        "--uds",
        "--fd",
        "--loop",
        "--http",
        "--ws",
        "--lifespan",
        "--interface",
        "--env-file",
        "--log-config",
        "--log-level",
        "--root-path",
        "--workers",
        "--limit-concurrency",
        "--limit-max-requests",
        "--backlog",
        "--timeout-keep-alive",
        "--ssl-keyfile",
        "--ssl-certfile",
        "--ssl-keyfile-password",
        "--ssl-version",
        "--ssl-cert-reqs",
        "--ssl-ca-certs",
        "--ssl-ciphers",
        "--header",
        "--forwarded-allow-ips",
        "--app-dir",
        "--reload-dir",
        "--reload-include",
        "--reload-exclude",
        "--reload-delay",
        "--h11-max-incomplete-event-size",
        "--timeout-graceful-shutdown",
        "-b",
        "--bind",
        "-w",
        "-k",
        "--worker-class",
        "--threads",
        "--chdir",
        "--pythonpath",
        "-c",
        "--config",
        "-t",
        "--timeout",
        "--graceful-timeout",
        "--keep-alive",
        "--log-file",
        "--access-logfile",
        "--error-logfile",
        "--access-logformat",
        "-u",
        "--user",
        "-g",
        "--group",
        "--max-requests",
        "--max-requests-jitter",
        "-n",
        "--name",
        "-e",
        "--env",
        "--worker-connections",
        "--certfile",
        "--keyfile",
        "--ca-certs",
        "--statsd-host",
        "--worker-tmp-dir",
        "-p",
        "--pid",
        "--umask",
        "--access-log",
        "--error-log",
        "--quic-bind",
        "--insecure-bind",
        "--server-names",
    }
)
SERVERS = frozenset({"uvicorn", "gunicorn", "hypercorn", "daphne", "granian"})


# --- entrypoints ----------------------------------------------------------------------------


def _strip_wrappers(argv: Sequence[str]) -> list[str]:
    """The command a launcher chain runs: `uv run`-style runners here, wrappers (`tini --`,
    `gosu USER`, `sudo -u USER`...) as the shell toolkit reads them (shell.WRAPPERS)."""
    words = list(argv)
    while words:
        program = posixpath.basename(words[0])
        if _RUNNERS.get(program) is not None and len(words) > 1 and words[1] == _RUNNERS[program]:
            words = words[2:]
            while words and words[0].startswith("-"):
                skip = 2 if words[0] in _RUNNER_VALUE_OPTS else 1
                words = words[skip:]
            continue
        start, _ = command_start(words, assignments=False)
        if start == 0:
            break
        words = words[start:]
    return words


def _server_target(args: Sequence[str]) -> tuple[str | None, dict[str, str]]:
    options: dict[str, str] = {}
    target = None
    i = 0
    while i < len(args):
        word = args[i]
        if word.startswith("-"):
            name, eq, value = word.partition("=")
            if eq:
                options[name] = value
            elif name in _SERVER_VALUE_OPTS and i + 1 < len(args):
                options[name] = args[i + 1]
                i += 1
            else:
                options[name] = ""
        elif target is None:
            target = word
        i += 1
    return target, options


def _port(options: Mapping[str, str]) -> int | None:
    for key in ("--port", "-p"):
        if options.get(key, "").isdigit():
            return int(options[key])
    for key in ("--bind", "-b"):
        bind = options.get(key, "")
        tail = bind.rsplit(":", 1)[-1]
        if tail.isdigit():
            return int(tail)
    return None


def _abs(cwd: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(cwd, path))


@dataclass(frozen=True)
class _Env:
    fs_contents: ImageContents
    workdir: str
    pythonpath: tuple[str, ...]
    site: tuple[str, ...]
    source: Evidence


def _module_entry(
    kind: str,
    program: str,
    argv: tuple[str, ...],
    target: str,
    module: str,
    hit: tuple[str, str, str] | None,
    sys_path: tuple[str, ...],
    source: Evidence,
    port: int | None = None,
    package: str | None = None,
) -> Entrypoint:
    """An entrypoint that imports `module` (found at `hit`, see find_module, or not found)."""
    if package is None:
        is_package = hit is not None and hit[1].endswith("__init__.py")
        package = module if is_package else module.rpartition(".")[0]
    return Entrypoint(
        kind,
        program,
        argv,
        target,
        module,
        hit[1] if hit else None,
        hit[2] if hit else None,
        sys_path,
        package,
        source,
        port,
    )


def _classify(command: Command, env: _Env, text_of: TextOf, depth: int = 0) -> Iterator[Entrypoint]:
    words = _strip_wrappers(command.argv)
    if not words:
        return
    program = posixpath.basename(words[0])
    cwd = env.workdir
    fs = env.fs_contents.fs
    extra = (*env.pythonpath, *env.site)
    argv = tuple(words)

    if _PYTHON.fullmatch(program):
        i = 1
        while i < len(words) and words[i].startswith("-") and words[i] not in ("-m", "-c", "-"):
            i += 2 if words[i] in _PY_VALUE_OPTS else 1
        if i >= len(words) or words[i] in ("-c", "-"):
            return
        if words[i] == "-m" and i + 1 < len(words):
            module = words[i + 1]
            if module in ("pip", "venv", "http.server", "ensurepip"):
                return
            if module in SERVERS or module == "celery":
                yield from _classify(Command((module, *words[i + 2 :])), env, text_of, depth)
                return
            sys_path = (cwd, *extra)
            hit = find_module(fs, sys_path, module)
            package = (
                module if hit and hit[1].endswith("__init__.py") else module.rpartition(".")[0]
            )
            if hit and hit[1].endswith("__init__.py"):
                # `python -m pkg` runs pkg/__main__.py (after pkg/__init__.py)
                main = find_module(fs, sys_path, module + ".__main__")
                if main is not None:
                    hit, module = main, module + ".__main__"
            yield _module_entry(
                "module", program, argv, module, module, hit, sys_path, env.source, package=package
            )
            return
        script = _abs(cwd, words[i])
        origin = fs.origin(script)
        yield Entrypoint(
            "script",
            program,
            argv,
            words[i],
            "__main__",
            script,
            origin.repo_path if origin else None,
            (posixpath.dirname(script), *extra),
            None,
            env.source,
        )
        return

    if program in SERVERS:
        target, options = _server_target(words[1:])
        if program == "gunicorn" and target is None:
            return
        if target is None:
            return
        module = target.split(":", 1)[0]
        base = cwd
        for key in ("--chdir", "--app-dir"):
            if key in options:
                base = _abs(cwd, options[key])
        paths = [base]
        if "--pythonpath" in options:
            paths.extend(_abs(cwd, p) for p in options["--pythonpath"].split(","))
        sys_path = (*paths, *extra)
        hit = find_module(fs, sys_path, module)
        yield _module_entry(
            "app", program, argv, target, module, hit, sys_path, env.source, _port(options)
        )
        if program == "gunicorn":
            yield from _gunicorn_config(options, env, sys_path, argv)
        return

    if program == "fastapi" and len(words) > 1 and words[1] in ("run", "dev"):
        target, options = _server_target(words[2:])
        candidates = [target] if target else ["main.py", "app.py", "api.py", "app/main.py"]
        for candidate in candidates:
            path = _abs(cwd, candidate)
            if fs.is_file(path) or candidate == target:
                # fastapi-cli imports the file as a module of its topmost package; a package
                # (its directory or its `__init__.py`) is imported by the package's name
                if posixpath.basename(path) == "__init__.py":
                    path = posixpath.dirname(path)
                package_init = posixpath.join(path, "__init__.py")
                directory, name = posixpath.split(path)
                if fs.is_file(package_init):
                    path = package_init
                parts = [name.removesuffix(".py")]
                while fs.is_file(posixpath.join(directory, "__init__.py")):
                    directory, pkg = posixpath.split(directory)
                    parts.insert(0, pkg)
                module = ".".join(parts)
                origin = fs.origin(path)
                package = module.rpartition(".")[0]
                yield Entrypoint(
                    "app",
                    "fastapi",
                    argv,
                    candidate,
                    module,
                    path,
                    origin.repo_path if origin else None,
                    (directory, *extra),
                    package,
                    env.source,
                    _port(options),
                )
                return
        # `fastapi run` with no file and none of its defaults: "Could not find a default file"
        yield Entrypoint(
            "app",
            "fastapi",
            argv,
            candidates[0],
            None,
            _abs(cwd, candidates[0]),
            None,
            (cwd, *extra),
            None,
            env.source,
            _port(options),
        )
        return

    if program == "celery":
        app = None
        workdir = cwd  # `--workdir DIR`: celery changes to DIR before it imports the app
        for i, word in enumerate(words):
            if word in ("-A", "--app") and i + 1 < len(words):
                app = words[i + 1]
            elif word.startswith("--app="):
                app = word.split("=", 1)[1]
            elif word == "--workdir" and i + 1 < len(words):
                workdir = _abs(cwd, words[i + 1])
            elif word.startswith("--workdir="):
                workdir = _abs(cwd, word.split("=", 1)[1])
        if app:
            module = app.split(":", 1)[0]
            sys_path = (workdir, *extra)
            hit = find_module(fs, sys_path, module) or find_module(fs, sys_path, module + ".celery")
            if hit is None and ":" not in app and "." in module:
                # `-A pkg.module.attr`: celery imports pkg.module and takes its attribute
                owner = module.rpartition(".")[0]
                hit = find_module(fs, sys_path, owner)
                module = owner if hit else module
            yield _module_entry("celery", program, argv, app, module, hit, sys_path, env.source)
        return

    if program == "alembic":
        config = "alembic.ini"
        for i, word in enumerate(words):
            if word in ("-c", "--config") and i + 1 < len(words):
                config = words[i + 1]
        ini = fs.origin(_abs(cwd, config))
        text = text_of(ini.repo_path) if ini else None
        if text is None:
            if ini is None:  # `alembic` fails with "No config file 'alembic.ini' found"
                yield Entrypoint(
                    "alembic",
                    program,
                    argv,
                    config,
                    None,
                    _abs(cwd, config),
                    None,
                    (cwd, *extra),
                    None,
                    env.source,
                )
            return
        values = _ini_values(text)
        location = values.get("script_location", "").replace(
            "%(here)s", posixpath.dirname(_abs(cwd, config))
        )
        prepend = [
            _abs(cwd, p.strip())
            for p in re.split(r"[ :]", values.get("prepend_sys_path", "."))
            if p.strip()
        ]
        env_py = posixpath.join(_abs(cwd, location), "env.py") if location else None
        origin = fs.origin(env_py) if env_py else None
        yield Entrypoint(
            "alembic",
            program,
            argv,
            env_py or config,
            "env",
            env_py,
            origin.repo_path if origin else None,
            (*prepend, *extra),
            None,
            env.source,
        )
        return

    shell = program in SHELLS
    if depth < 3 and (program.endswith(".sh") or shell or "/" in words[0]):
        script = words[1] if shell and len(words) > 1 else ("" if shell else words[0])
        if not script or script.startswith("-"):
            return
        origin = fs.origin(_abs(cwd, script))
        text = text_of(origin.repo_path) if origin else None
        is_shell = program.endswith(".sh") or shell or shebang_shell(text or "") is not None
        if text is not None and is_shell:
            # `exec "$@"` runs the script's arguments (the CMD after an ENTRYPOINT script)
            args = tuple(words[2:] if shell else words[1:])
            for inner in script_commands(text):
                argv_in: list[str] = []
                for word in inner.argv:
                    argv_in.extend(args if word in ("$@", "$*") else (word,))
                yield from _classify(Command(tuple(argv_in), inner.env), env, text_of, depth + 1)
            return
        if program.endswith(".sh") or shell:
            return

    console = env.fs_contents.scripts.get(program)
    if console and ("/" not in words[0] or posixpath.dirname(words[0]).endswith("/bin")):
        # a console script of an installed project: it imports `module` and calls `func`; its
        # sys.path is its bin directory, PYTHONPATH and site-packages (not the workdir)
        module = console.split(":", 1)[0].strip()
        hit = find_module(fs, extra, module)
        yield _module_entry(
            "console-script", program, argv, console, module, hit, extra, env.source
        )
        return
    yield Entrypoint(
        "executable", program, argv, words[0], None, None, None, (cwd, *extra), None, env.source
    )


def _gunicorn_config(
    options: Mapping[str, str], env: _Env, sys_path: tuple[str, ...], argv: tuple[str, ...]
) -> Iterator[Entrypoint]:
    """The config gunicorn loads before the app: `-c python:pkg.conf`, `-c file.py`, or
    `./gunicorn.conf.py` when no `-c` is given (a file is executed as module `__config__`)."""
    fs = env.fs_contents.fs
    config = options.get("-c", options.get("--config"))
    if config is not None and config.startswith("python:"):
        module = config.removeprefix("python:")
        hit = find_module(fs, sys_path, module)
        yield _module_entry("config", "gunicorn", argv, config, module, hit, sys_path, env.source)
        return
    path = _abs(env.workdir, config or "gunicorn.conf.py")
    origin = fs.origin(path)
    if origin is None or not path.endswith(".py"):
        return  # a missing default file is fine; a missing `-c` file is not ours to say
    yield Entrypoint(
        "config",
        "gunicorn",
        argv,
        config or "gunicorn.conf.py",
        "__config__",
        path,
        origin.repo_path,
        sys_path,
        None,
        env.source,
    )


def _ini_values(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "alembic" and "=" in line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


class TextOf:
    """Reads a repository file's decoded text through the model (for shell scripts, ini)."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self._texts = texts

    def __call__(self, repo_path: str) -> str | None:
        return self._texts.get(repo_path)


def entrypoints(
    argv: Sequence[str] | None,
    contents: ImageContents,
    workdir: str,
    pythonpath: Sequence[str],
    source: Evidence,
    text_of: TextOf,
) -> tuple[Entrypoint, ...]:
    """The Python entrypoints a command starts (several for `a && b`)."""
    if not argv:
        return ()
    # Locally installed projects are in the image's site-packages (see image.contents).
    env = _Env(contents, workdir, tuple(pythonpath), (contents.site_packages,), source)
    return tuple(e for command in unwrap_argv(argv) for e in _classify(command, env, text_of))


# --- module resolution and the closure ------------------------------------------------------


def find_module(fs: ImageFS, sys_path: Sequence[str], dotted: str) -> tuple[str, str, str] | None:
    """(sys.path entry, image path, repo path) of a module in the image, or None (see
    `ImageFS.find_module`)."""
    return fs.find_module(sys_path, dotted)


def repo_index(modules: Iterable[str], python_files: Iterable[str] = ()) -> RepoIndex:
    """The index of the repository's Python files: `modules` the parsed ones, `python_files`
    every `.py` path (parsed or not; the modules when not given)."""
    parsed = sorted(modules)
    by_tail: dict[str, list[str]] = {}
    for path in parsed:
        parts = path.split("/")
        tail = "/".join(parts[-2:]) if parts[-1] == "__init__.py" else parts[-1]
        by_tail.setdefault(tail, []).append(path)
    every = frozenset(python_files) or frozenset(parsed)
    dirs: set[str] = set()
    for path in every:
        parent = posixpath.dirname(path)
        while parent and parent not in dirs:
            dirs.add(parent)
            parent = posixpath.dirname(parent)
    return RepoIndex(
        frozenset(parsed),
        {tail: tuple(paths) for tail, paths in by_tail.items()},
        every,
        frozenset(dirs),
    )


def _plausible(
    index: RepoIndex, contents: ImageContents, importer: str, dotted: str
) -> tuple[str, ...]:
    """The repository files a top-level-rooted import missing from the image may mean.

    A file is one only where Python could find it under that name: a module of a package
    the image holds is not this top-level name (an installed `celery` imported from the
    project's own `config/celery.py`), and a file outside the image is one only when the
    directory its name is relative to (its root) is the repository root or a directory
    above the importer: where the code is written to run from. `database` imported in one
    service is not `other_service/database.py`, nor `tests/unit/libs/vertice_core/` the
    `vertice_core` of a library. A file the build context sends outside a regular package
    is one too (a COPY can put it on the sys.path).
    """
    fs, build = contents.fs, contents.build_context
    prefix = f"{build.directory}/" if build is not None and build.directory else ""
    out = []
    for candidate in index.find(dotted):
        packaged = index.in_package(candidate, dotted)
        if candidate in fs.repo_paths:
            if not packaged:
                out.append(candidate)
            continue
        root = module_root(candidate, dotted)
        if (root is not None and (not root or importer.startswith(root + "/"))) or (
            build is not None
            and not packaged
            and candidate.startswith(prefix)
            and candidate[len(prefix) :] in build.sent
        ):
            out.append(candidate)
    return tuple(out)


def _target(importer: str, is_package: bool, imp: Import) -> tuple[str | None, str]:
    """Absolute name of an import, and a status for relative ones that cannot resolve."""
    if imp.level == 0:
        return imp.module, ""
    package = importer if is_package else importer.rpartition(".")[0]
    if importer == "__main__" or not package:
        return None, "relative-no-parent"
    parts = package.split(".")
    if imp.level - 1 >= len(parts) + (0 if parts else 1):
        return None, "relative-beyond-top"
    base = parts[: len(parts) - (imp.level - 1)]
    name = ".".join([*base, imp.module] if imp.module else base)
    return name, ""


@dataclass(frozen=True)
class _Visit:
    name: str
    repo_path: str
    image_path: str | None
    is_package: bool
    sys_path: tuple[str, ...]
    in_script: bool  # the file run as a script (`__main__`, no parent package)
    as_main: bool  # the file runs as `__main__` (script or `-m`): its main guard runs


def closure(
    entries: Sequence[Entrypoint],
    contents: ImageContents,
    modules: Mapping[str, PythonModule],
    index: RepoIndex,
    env: Mapping[str, tuple[str | None, Evidence]] | None = None,
    installed: Callable[[str], bool] = lambda dotted: False,
) -> tuple[tuple[ModuleNode, ...], tuple[ImportEdge, ...]]:
    """Every first-party module reached from the entrypoints, and every import statement.

    Imports inside functions and under `try/except ImportError` are followed too (the rules
    lower their severity); `if TYPE_CHECKING:` imports never run, and a module's
    `if __name__ == "__main__":` imports run only in the file started as `__main__`.
    `env` is the container's environment (name -> literal value or None, and where it is
    set): a DJANGO_SETTINGS_MODULE there beats the code's `os.environ.setdefault`.
    `installed(dotted)`: whether a distribution the image installs provides a module (it
    then wins over repository files of that name).
    """
    fs = contents.fs
    nodes: dict[str, ModuleNode] = {}
    edges: list[ImportEdge] = []
    seen: set[tuple[str, str]] = set()
    visits: dict[str, _Visit] = {}  # repo path -> first visit, in walk order
    queue: deque[_Visit] = deque(
        _Visit(
            entry.module,
            entry.repo_path,
            entry.image_path,
            entry.repo_path.endswith("__init__.py"),
            entry.sys_path,
            entry.kind == "script",
            entry.kind in ("script", "module"),
        )
        for entry in entries
        if entry.repo_path and entry.repo_path in modules and entry.module
    )

    def walk() -> None:
        while queue:
            visit = queue.popleft()
            if (visit.name, visit.repo_path) in seen:
                continue
            seen.add((visit.name, visit.repo_path))
            visits.setdefault(visit.repo_path, visit)
            nodes.setdefault(
                visit.repo_path,
                ModuleNode(visit.name, visit.repo_path, visit.image_path, visit.is_package),
            )
            record = modules.get(visit.repo_path)
            if record is None:
                continue
            found, more = _follow(visit, record, contents, index, installed)
            edges.extend(found)
            queue.extend(more)

    walk()
    settings = _django_settings(visits, edges, modules, fs, env or {})
    if settings is not None:
        edges.append(settings[0])
        queue.append(settings[1])
        walk()
        apps = _installed_apps(settings[0], visits, edges, modules, fs)
        for edge, visit in apps:
            edges.append(edge)
            queue.append(visit)
        walk()
    return tuple(nodes.values()), tuple(edges)


# --- frameworks: Django ---------------------------------------------------------------------

DJANGO_SETTINGS = "DJANGO_SETTINGS_MODULE"
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def _framework_import(module: str, line: int, col: int) -> Import:
    """An import no statement makes: a framework makes it at start-up (anchored at line:col)."""
    return Import(module, 0, (), False, False, line, col, line, col, "module", False, False, False)


def _django_settings(
    visits: Mapping[str, _Visit],
    edges: Sequence[ImportEdge],
    modules: Mapping[str, PythonModule],
    fs: ImageFS,
    env: Mapping[str, tuple[str | None, Evidence]],
) -> tuple[ImportEdge, _Visit] | None:
    """The edge to the settings module Django imports at start-up, when it can be known.

    The container's DJANGO_SETTINGS_MODULE wins; otherwise the literal of the one
    `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "...")` value of the code (several
    different ones, or a non-literal, and nothing is guessed). Only a first-party module
    found in the image is followed.
    """
    defaults = [
        (visit, read)
        for visit in visits.values()
        if visit.repo_path in modules
        for read in modules[visit.repo_path].env_reads
        if read.name == DJANGO_SETTINGS and read.kind == "setdefault"
    ]
    anchor: tuple[_Visit, int, int] | None = None
    if defaults:
        visit, read = defaults[0]
        anchor = (visit, read.line, read.col)
    if DJANGO_SETTINGS in env:
        value, where = env[DJANGO_SETTINGS]
        if value is None or "$" in value:
            return None  # set from a Secret/ConfigMap or interpolated: not known here
        name = value.strip()
        if anchor is None:
            # no setdefault: Django is started by an import of it (wsgi, manage.py)
            django = next(
                (
                    e
                    for e in edges
                    if e.status == "third-party"
                    and (e.target == "django" or e.target.startswith("django."))
                    and e.path in visits
                ),
                None,
            )
            if django is None:
                return None
            anchor = (visits[django.path], django.imp.line, django.imp.col)
        reason = Evidence(
            where.path,
            where.line,
            where.col,
            f"{where.note}: {DJANGO_SETTINGS}={name}, the settings module Django imports"
            " at start-up",
        )
    else:
        values = {read.default for _, read in defaults}
        if anchor is None or len(values) != 1 or None in values:
            return None
        name = next(iter(v for v in values if v is not None)).strip()
        visit = anchor[0]
        reason = Evidence(
            visit.repo_path,
            anchor[1],
            anchor[2],
            f"{visit.repo_path} sets {DJANGO_SETTINGS} to {name} (os.environ.setdefault):"
            " Django imports it at start-up",
        )
    if not _DOTTED.fullmatch(name):
        return None
    visit, line, col = anchor
    hit = find_module(fs, visit.sys_path, name)
    if hit is None or not hit[2]:
        return None  # not first-party (or not in the image): nothing to say
    edge = ImportEdge(
        visit.name,
        visit.repo_path,
        _framework_import(name, line, col),
        name,
        "django-settings",
        hit[2],
        (),
        visit.in_script,
        visit.sys_path,
        reason,
    )
    target = _Visit(
        name, hit[2], hit[1], hit[2].endswith("__init__.py"), visit.sys_path, False, False
    )
    return edge, target


def _installed_apps(
    settings: ImportEdge,
    visits: Mapping[str, _Visit],
    edges: Sequence[ImportEdge],
    modules: Mapping[str, PythonModule],
    fs: ImageFS,
) -> list[tuple[ImportEdge, _Visit]]:
    """Edges to the first-party INSTALLED_APPS packages (their `apps` and `models` too).

    INSTALLED_APPS is read from the settings module and the first-party modules it imports
    (`from .base import *`). An entry is a package (`shop`) or an AppConfig class
    (`shop.apps.ShopConfig`, whose package is `shop`).
    """
    below: dict[str, None] = {}
    stack = [settings.resolved or ""]
    while stack:
        path = stack.pop()
        if path in below or path not in modules:
            continue
        below[path] = None
        stack.extend(e.resolved for e in edges if e.path == path and e.resolved)
    out: list[tuple[ImportEdge, _Visit]] = []
    done: set[str] = set()
    for path in below:
        visit = visits.get(path)
        if visit is None:
            continue
        for app, line, col in modules[path].installed_apps:
            if app in done or not _DOTTED.fullmatch(app):
                continue
            done.add(app)
            hit = find_module(fs, visit.sys_path, app)
            if hit is not None and hit[2]:
                package = app
            else:
                parent, _, attr = app.rpartition(".")
                hit = find_module(fs, visit.sys_path, parent) if parent else None
                if hit is None or not hit[2] or not attr[:1].isupper():
                    continue  # third-party (django.contrib.admin), or not in the image
                package = parent.rpartition(".")[0] or parent
            reason = Evidence(
                path, line, col, f"INSTALLED_APPS lists {app}: Django imports it at start-up"
            )
            for dotted in dict.fromkeys((package, f"{package}.apps", f"{package}.models")):
                found = find_module(fs, visit.sys_path, dotted)
                if found is None or not found[2]:
                    continue
                edge = ImportEdge(
                    visit.name,
                    path,
                    _framework_import(dotted, line, col),
                    dotted,
                    "django-app",
                    found[2],
                    (),
                    False,
                    visit.sys_path,
                    reason,
                )
                target = _Visit(
                    dotted,
                    found[2],
                    found[1],
                    found[2].endswith("__init__.py"),
                    visit.sys_path,
                    False,
                    False,
                )
                out.append((edge, target))
    return out


# --- per container --------------------------------------------------------------------------


def _pythonpath(value: str | None, workdir: str) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(_abs(workdir, p) for p in value.split(":") if p and "$" not in p)


def build_runtimes(
    images: Sequence[Image],
    workloads: Sequence[Workload],
    modules: Mapping[str, PythonModule],
    texts: Mapping[str, str],
    index: RepoIndex,
    installed: Callable[[str, str], bool] = lambda key, dotted: False,
    repo_files: Sequence[str] = (),
) -> tuple[ContainerRuntime, ...]:
    """A Runtime for every image's default command and every container that runs an image;
    `index` is the repository's Python index (`Workspace.python_index`), `installed(image
    key, dotted)` whether a distribution the image installs provides a module; `repo_files`
    every repository path (what a compose bind mount of a repository directory shows).

    A container's files are the image's with its bind mounts over them; an image whose build
    fails (`Image.build_fails`) runs nothing, and an image compose builds only for its services
    (`Image.compose_only`) runs only as their containers."""
    text_of = TextOf(texts)
    cache: dict[tuple[object, ...], Runtime] = {}
    listed = sorted(repo_files)
    mounted: dict[tuple[str, tuple[tuple[str, str], ...]], ImageContents] = {}

    def container_contents(image: Image, container: Container | None) -> ImageContents:
        """The container's files: the image's, with what its bind mounts put over them."""
        assert image.contents is not None
        binds = container.binds if container is not None else ()
        if not binds:
            return image.contents
        key = (image.key, binds)
        if key not in mounted:
            mounted[key] = replace(image.contents, fs=with_binds(image.contents.fs, binds, listed))
        return mounted[key]

    def runtime_for(
        image: Image,
        argv: tuple[str, ...] | None,
        pythonpath: tuple[str, ...],
        source: Evidence,
        container: Container | None = None,
        workload: Workload | None = None,
    ) -> Runtime:
        env = _framework_env(image, container, workload)
        binds = container.binds if container is not None else ()
        key = (image.key, argv or (), pythonpath, tuple(sorted(env.items())), binds)
        if key not in cache:
            files = container_contents(image, container)
            found = entrypoints(argv, files, image.workdir, pythonpath, source, text_of)
            nodes, edges = closure(
                found,
                files,
                modules,
                index,
                env,
                functools.partial(installed, image.key),
            )
            eager = _eager(found, edges)
            absent = frozenset(n.repo_path for n in nodes if n.image_path is None)
            cache[key] = Runtime(
                found, nodes, edges, pythonpath=pythonpath, eager=eager, absent=absent
            )
        return cache[key]

    # An image compose builds only for its services runs as their containers, never by itself.
    run_as_built = {
        container.image_link.key
        for workload in workloads
        if workload.kind == "compose"
        for container in workload.containers
        if container.image_link is not None
        and container.image_link_reason is not None
        and container.image_link_reason.reason == "compose build"
    }
    out: list[ContainerRuntime] = []
    for image in images:
        if image.contents is None or image.build_fails:
            continue  # a build that fails runs nothing (VL702 says why)
        if image.compose_only and image.key in run_as_built:
            continue
        stage = image.record.final
        inv = stage.entrypoint or stage.cmd
        line, col = (inv.line, inv.col) if inv is not None else (stage.line, stage.col)
        argv = (*(image.entrypoint or ()), *((image.cmd or ()) if _cmd_applies(image) else ()))
        source = Evidence(image.dockerfile, line, col, "the image's command: " + " ".join(argv))
        pythonpath = _pythonpath(image.env.get("PYTHONPATH"), image.workdir)
        out.append(
            ContainerRuntime(
                image, None, None, runtime_for(image, argv or None, pythonpath, source)
            )
        )
    for workload in workloads:
        for container in workload.containers:
            linked = container.image_link
            if linked is None or linked.contents is None or linked.build_fails:
                continue
            image = linked
            default_argv = (
                *(image.entrypoint or ()),
                *((image.cmd or ()) if _cmd_applies(image) else ()),
            )
            if container.command is not None:
                argv = (*container.command, *(container.args or ()))
                source = Evidence(
                    container.at.path, container.line, container.col, "command: " + " ".join(argv)
                )
            elif container.args is not None:
                argv = (*(image.entrypoint or ()), *container.args)
                source = Evidence(
                    container.at.path,
                    container.line,
                    container.col,
                    "args: " + " ".join(container.args),
                )
            else:
                argv = default_argv
                stage = image.record.final
                inv = stage.entrypoint or stage.cmd
                line, col = (inv.line, inv.col) if inv is not None else (stage.line, stage.col)
                source = Evidence(
                    image.dockerfile, line, col, "the image's command: " + " ".join(argv)
                )
            override = next(
                (e.value for e in container.env if e.name == "PYTHONPATH" and e.value), None
            )
            pythonpath = _pythonpath(override or image.env.get("PYTHONPATH"), image.workdir)
            out.append(
                ContainerRuntime(
                    image,
                    workload,
                    container,
                    runtime_for(image, argv or None, pythonpath, source, container, workload),
                )
            )
    return tuple(out)


def with_binds(fs: ImageFS, binds: Sequence[tuple[str, str]], repo_files: Sequence[str]) -> ImageFS:
    """The image's files with bind mounts of repository paths over them: a mount hides what
    the image has below its target and shows the repository's files there (`repo_files`
    sorted)."""
    files = dict(fs.files)
    for repo_path, target in binds:
        below = target.rstrip("/") + "/"
        for path in [p for p in files if p == target or p.startswith(below)]:
            del files[path]
        at = bisect.bisect_left(repo_files, repo_path)
        if at < len(repo_files) and repo_files[at] == repo_path:  # a single file
            files[target] = FileOrigin(repo_path, 0, 0)
            continue
        prefix = repo_path + "/" if repo_path else ""
        start = bisect.bisect_left(repo_files, prefix)
        for path in itertools.islice(repo_files, start, None):
            if not path.startswith(prefix):
                break
            files[posixpath.join(target, path[len(prefix) :])] = FileOrigin(path, 0, 0)
    return ImageFS.of(files)


def _framework_env(
    image: Image, container: Container | None, workload: Workload | None
) -> dict[str, tuple[str | None, Evidence]]:
    """The container's DJANGO_SETTINGS_MODULE (value, or None when not a literal; where)."""
    if container is not None and workload is not None:
        for var in container.env:
            if var.name == DJANGO_SETTINGS:
                value = var.value if var.source_kind is None else None
                where = Evidence(var.at.path, var.line, var.col, f"{workload.ident} env")
                return {DJANGO_SETTINGS: (value, where)}
    if DJANGO_SETTINGS in image.env:
        stage = getattr(image.record, "final", None)
        found = next((v for v in getattr(stage, "env", ()) if v.name == DJANGO_SETTINGS), None)
        line, col = (found.line, found.col) if found is not None else (1, 1)
        where = Evidence(image.dockerfile, line, col, "ENV")
        return {DJANGO_SETTINGS: (image.env[DJANGO_SETTINGS], where)}
    return {}


def _cmd_applies(image: Image) -> bool:
    # A shell-form ENTRYPOINT ignores CMD; an exec-form one gets CMD as arguments.
    entry = image.record.final.entrypoint
    return entry is None or entry.form == "exec"


def _enclosing_function(record: PythonModule, imp: Import) -> str | None:
    """The def an import is written in: the nearest one above it, indented less."""
    best = None
    for function in record.functions:
        before = function.line < imp.line and function.col < imp.col
        if before and (best is None or function.line > best.line):
            best = function
    return best.qualname if best else None


def _eager(entries: Sequence[Entrypoint], edges: Sequence[ImportEdge]) -> frozenset[str]:
    """The modules imported at start-up: the entrypoints', and what the module-level,
    unguarded imports of those reach (walked as if the missing ones were copied in)."""
    follow: dict[str, list[str]] = {}
    for edge in edges:
        target = edge.resolved or (edge.repo_candidates[0] if edge.repo_candidates else None)
        if target is not None and edge.imp.scope != "function" and not edge.imp.guarded:
            follow.setdefault(edge.path, []).append(target)
    eager = {e.repo_path for e in entries if e.repo_path}
    todo = list(eager)
    while todo:
        for target in follow.get(todo.pop(), ()):
            if target not in eager:
                eager.add(target)
                todo.append(target)
    return frozenset(eager)


def _follow(
    visit: _Visit,
    record: PythonModule,
    contents: ImageContents,
    index: RepoIndex,
    installed: Callable[[str], bool] = lambda dotted: False,
) -> tuple[list[ImportEdge], list[_Visit]]:
    """The import statements of one module, resolved, and the modules they lead to.

    `installed(dotted)`: whether a distribution the image installs provides the module."""
    fs, python_version = contents.fs, contents.python_version
    sys_path = visit.sys_path
    edges: list[ImportEdge] = []
    queue: list[_Visit] = []

    def edge(
        imp: Import,
        dotted: str,
        status: str,
        resolved: str | None = None,
        candidates: tuple[str, ...] = (),
    ) -> None:
        edges.append(
            ImportEdge(
                visit.name,
                visit.repo_path,
                imp,
                dotted,
                status,
                resolved,
                candidates,
                visit.in_script,
                sys_path,
                function=_enclosing_function(record, imp) if imp.scope == "function" else None,
                removed_in=removed_from_stdlib(dotted, python_version),
            )
        )

    def walk(dotted: str, repo_path: str, image_path: str | None) -> None:
        if imp.guarded:
            return  # an ImportError anywhere below is caught by the guard: not descended
        is_pkg = repo_path.endswith("__init__.py")
        queue.append(_Visit(dotted, repo_path, image_path, is_pkg, sys_path, False, False))

    for imp in record.imports:
        if imp.type_checking or (imp.in_main_guard and not visit.as_main):
            continue
        target, problem = _target(visit.name, visit.is_package, imp)
        if problem == "relative-no-parent" and imp.level == 1:
            target = imp.module  # walked on as the fix would write it: from the script's dir
        if not target:
            edge(imp, "", problem)
            continue
        parent_missing = False
        names = imp.names if imp.is_from and not imp.star else ()
        for dotted, is_sub in [(target, False), *((f"{target}.{n.name}", True) for n in names)]:
            if (
                imp.level == 0
                and target.split(".")[0] in STDLIB
                and not removed_from_stdlib(target, python_version)
            ):
                edge(imp, dotted, "stdlib")
                break
            hit = find_module(fs, sys_path, dotted)
            if hit is not None and hit[2]:
                edge(imp, dotted, problem or "first-party", hit[2])
                walk(dotted, hit[2], hit[1])
                continue
            if hit is not None:  # a namespace package directory
                if not is_sub:
                    edge(imp, dotted, problem or "first-party")
                continue
            # `from pkg import name` names an attribute unless a submodule exists; one is
            # only looked for in the repository when pkg itself is missing from the image.
            if is_sub and not parent_missing:
                continue
            # An installed distribution that provides the top-level name wins over any
            # repository file of that name (`import redis` is not another service's redis.py).
            if imp.level == 0 and not is_sub and installed(dotted):
                edge(imp, dotted, problem or "third-party")
                continue
            candidates = _plausible(index, contents, visit.repo_path, dotted)
            if candidates:
                parent_missing = parent_missing or not is_sub
                edge(imp, dotted, problem or "not-in-image", None, candidates)
                walk(dotted, candidates[0], None)  # walked on as if it were copied in
                continue
            if not is_sub:
                # A submodule of a regular first-party package the image holds is no
                # distribution: Python finds the package, not the submodule.
                parts = dotted.split(".")
                top = find_module(fs, sys_path, parts[0]) if len(parts) > 1 else None
                # (a namespace package only when its subpackage is first-party too, or when
                # the importer is in it and it is no distributions' namespace: `src.x` from
                # `src.main`, where `src/` has no `__init__.py`)
                owned = imp.level == 0 and (
                    (top is not None and bool(top[2]))
                    or (
                        len(parts) > 2
                        and find_module(fs, sys_path, ".".join(parts[:2])) is not None
                    )
                    or (
                        top is not None
                        and visit.name.split(".")[0] == parts[0]
                        and parts[0] not in module_map_data()[0]
                    )
                )
                edge(imp, dotted, problem or ("no-such-module" if owned else "third-party"))
    return edges, queue
