"""What is inside an image: its files (where each came from) and what it installs.

Derived from a Dockerfile, its build context and the repository's files, never by building:
each COPY/ADD maps repository files to image paths (`.dockerignore` applied, `COPY --from`
followed through the stages), and each RUN's `pip install` / `uv` / `poetry` / `apt-get`
command is read as an `Install`. The result feeds the entrypoint and import analysis.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import PurePosixPath

import pathspec
from packaging.utils import canonicalize_name

from vertice_lint.config import Config
from vertice_lint.discover import DEFAULT_EXCLUDES
from vertice_lint.link.tree import RepoFiles, as_repo_files
from vertice_lint.model import (
    BasePython,
    BuildContext,
    ContextSource,
    DockerfileFacts,
    FileOrigin,
    IgnoreRule,
    Image,
    ImageContents,
    ImageFS,
    Install,
    RunCommand,
    RunStep,
    StageFacts,
)
from vertice_lint.parsers import ParsedFile
from vertice_lint.parsers.commands import (
    PipInstall,
    ProjectInstall,
    apt_configuration,
    read_apt,
    read_pip,
    read_pip_sync,
    read_pip_wheel,
    read_project_install,
)
from vertice_lint.parsers.dockerfile import Copy, Dockerfile, Instruction, Invocation, Stage
from vertice_lint.parsers.dockerignore import DockerIgnore
from vertice_lint.parsers.pyproject import Pyproject
from vertice_lint.parsers.shell import SHELLS, Command, script_words, split_commands, unwrap_argv
from vertice_lint.paths import parent_dir

_PYTHON_BASE = re.compile(r"^(?:[\w.-]+(?::\d+)?/)*(?:library/)?python:(\d+)\.(\d+)")
_GLOB = re.compile(r"[*?\[]")


def _join(base: str, rel: str) -> str:
    """Join a context-relative path to the context (POSIX, `..` kept when it escapes)."""
    joined = posixpath.normpath(posixpath.join(base or ".", rel))
    return "" if joined == "." else joined


def _context_files(
    source: str, context: str, repo_files: RepoFiles, build: BuildContext
) -> list[tuple[str, str, str]]:
    """(repo path, name at the destination, "file" | "dir") of the files a COPY source sends.

    "file": a file named by the source (or matched by a glob) lands at the destination, or in
    it when the destination is a directory; "dir": a file under a copied directory keeps its
    path relative to that directory.
    """
    rel = source.lstrip("/")
    base = _join(context, rel)
    if base.startswith(".."):
        return []
    prefix = (context + "/") if context else ""

    def sent(path: str) -> bool:
        return path.startswith(prefix) and path[len(prefix) :] in build.sent

    if _GLOB.search(rel):
        out = []
        # a path the pattern (or a directory of it) matches starts with its literal part
        glob = _GLOB.search(base)
        for path in repo_files.starting(base if glob is None else base[: glob.start()]):
            if not sent(path):
                continue
            if fnmatch.fnmatchcase(path, base):
                out.append((path, posixpath.basename(path), "file"))
                continue
            parts = path.split("/")
            for depth in range(1, len(parts)):
                if fnmatch.fnmatchcase("/".join(parts[:depth]), base):
                    out.append((path, "/".join(parts[depth:]), "dir"))
                    break
        return out
    if base == "":
        return [(p, p[len(prefix) :], "dir") for p in repo_files.starting(prefix) if sent(p)]
    if base in repo_files:
        return [(base, posixpath.basename(base), "file")] if sent(base) else []
    under = base + "/"
    return [(p, p[len(under) :], "dir") for p in repo_files.starting(under) if sent(p)]


def _copy_into(
    fs: dict[str, FileOrigin],
    copy: Copy,
    sources: Iterable[tuple[str, str, FileOrigin]],
    many: bool,
) -> None:
    """Place (relative name, is-a-directory-content, origin) entries at the COPY destination."""
    dest = copy.dest_abs
    # a destination that is already a directory of the image receives the files inside it
    inside = posixpath.normpath(dest).rstrip("/") + "/"
    onto_dir = copy.dest_is_dir or any(path.startswith(inside) for path in fs)
    for rel, kind, origin in sources:
        spread = kind == "dir" or onto_dir or many
        target = posixpath.join(dest, rel) if spread else dest
        fs[posixpath.normpath(target)] = origin


def _stage_fs(
    record: Dockerfile, context: str, repo_files: RepoFiles, build: BuildContext
) -> list[dict[str, FileOrigin]]:
    stages: list[dict[str, FileOrigin]] = []
    for stage in record.stages:
        fs: dict[str, FileOrigin] = (
            dict(stages[stage.base_stage]) if stage.base_stage is not None else {}
        )
        for copy in stage.copies:
            if copy.heredocs:
                continue
            if copy.from_stage is not None:
                if copy.from_index is None or copy.from_index >= len(stages):
                    continue  # an external image: its files are unknown
                source_fs = stages[copy.from_index]
                entries = []
                for src in copy.sources:
                    root = posixpath.normpath("/" + src.value.lstrip("/"))
                    if root in source_fs:
                        entries.append((posixpath.basename(root), "file", source_fs[root]))
                        continue
                    for image_path, origin in source_fs.items():
                        if image_path.startswith(root.rstrip("/") + "/"):
                            entries.append((image_path[len(root.rstrip("/")) + 1 :], "dir", origin))
                _copy_into(fs, copy, entries, len(copy.sources) > 1)
                continue
            entries = [
                (rel, kind, FileOrigin(repo_path, copy.line, copy.col))
                for src in copy.sources
                if "://" not in src.value
                for repo_path, rel, kind in _context_files(src.value, context, repo_files, build)
            ]
            _copy_into(fs, copy, entries, len(copy.sources) > 1)
        stages.append(fs)
    return stages


# --- installs -------------------------------------------------------------------------------


def _workdirs(stage: Stage) -> list[tuple[int, str]]:
    """(line, workdir in effect after it) for every WORKDIR of a stage, in order."""
    current = "/"
    out: list[tuple[int, str]] = []
    for ins in stage.instructions:
        if ins.keyword == "WORKDIR":
            value = ins.args.strip().strip("\"'")
            if "$" not in value:
                current = posixpath.normpath(posixpath.join(current, value))
                out.append((ins.line, current))
    return out


def _workdir_at(workdirs: list[tuple[int, str]], line: int, default: str) -> str:
    current = default
    for wline, path in workdirs:
        if wline < line:
            current = path
    return current


def _commands(run: Invocation) -> tuple[Command, ...]:
    if run.form == "exec":
        return unwrap_argv(run.args)
    return split_commands(run.text)


def script_commands(text: str) -> tuple[Command, ...]:
    """The simple commands of a shell script's text (backslash-newline continues a line)."""
    return split_commands(re.sub(r"\\\r?\n", " ", text))


def _script_of(
    argv: Sequence[str], workdir: str, fs: Mapping[str, FileOrigin]
) -> tuple[str, FileOrigin | None] | None:
    """The script a command runs (`bin/install`, `./setup.sh`, `sh setup.sh`): its image path
    and the repository file there (None when no COPY puts one there); None when the command
    runs no script (`sh` reading its input, a program on PATH)."""
    program = posixpath.basename(argv[0])
    if program in SHELLS and len(argv) > 1 and not argv[1].startswith("-"):
        script = argv[1]
    elif "/" in argv[0] or program.endswith(".sh"):
        script = argv[0]
    else:
        return None
    path = posixpath.normpath(posixpath.join(workdir, script))
    return path, fs.get(path)


# Where a Python's programs are: a `pip` or `python` found there is the base Python's.
_SYSTEM_BIN = frozenset({"/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin"})
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")
_TRUE = frozenset({"1", "true", "yes", "on"})
_PIP_WORD = re.compile(r"^(?:.*/)?(?:pip\d*(?:\.\d+)?|uv|pip-sync|poetry|pipenv)$")


class Where:
    """What the commands of a RUN (or a script it runs) see while they run: the variables
    (ENV, ARG defaults, `export`, an activated virtualenv), the working directory, the user,
    the base Python's prefix, the virtualenvs of the stage, the wheel directories it holds.
    The commands update it (`cd`, `export`, `. /opt/venv/bin/activate`, `python -m venv`)."""

    def __init__(
        self,
        variables: Mapping[str, str],
        workdir: str,
        user: str | None = None,
        system: str | None = None,
        venvs: Iterable[str] = (),
        wheelhouses: Mapping[str, Sequence[Install]] | None = None,
        poetry: Mapping[str, bool] | None = None,
    ) -> None:
        self.variables = dict(variables)
        self.workdir = workdir
        self.user = user
        self.system = system
        self.venvs = set(venvs)
        self.wheelhouses: dict[str, list[Install]] = {
            k: list(v) for k, v in (wheelhouses or {}).items()
        }
        self.poetry: dict[str, bool] = dict(poetry or {})  # `poetry config` settings
        self.unknown: set[str] = set()  # variables set to a value the model cannot read

    def expand(self, word: str, extra: Mapping[str, str] | None = None) -> str | None:
        """The word with its variables substituted; None when one has no known value."""
        values = {**self.variables, **(extra or {})}
        missing = False

        def value(match: re.Match[str]) -> str:
            nonlocal missing
            name = match.group(1) or match.group(2)
            if name in self.unknown or name not in values:
                missing = True
                return ""
            return values[name]

        out = _VARIABLE.sub(value, word)
        if missing or "$(" in word or "`" in word:
            return None
        return out

    def path(self, word: str, extra: Mapping[str, str] | None = None) -> str | None:
        value = self.expand(word, extra)
        if value is None or not value:
            return None
        return posixpath.normpath(posixpath.join(self.workdir, value))

    def _venvs(self, values: Mapping[str, str]) -> set[str]:
        known = set(self.venvs)
        for name in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"):
            if name in values and name not in self.unknown:
                found = self.path(values[name])
                if found is not None:
                    known.add(found)
        return known

    def program_env(self, program: str, extra: Mapping[str, str] | None = None) -> str | None:
        """The Python environment a `pip`/`python` program belongs to: its directory's
        parent for a path (`/opt/venv/bin/pip`), else the first virtualenv or system
        directory on PATH."""
        values = {**self.variables, **(extra or {})}
        if "/" in program:
            found = self.path(program, extra)
            if found is None:
                return None
            directory = posixpath.dirname(found)
            if directory in _SYSTEM_BIN:
                return self.system
            return posixpath.dirname(directory) if directory.endswith("/bin") else None
        if "PATH" in self.unknown:
            return None
        venvs = self._venvs(values)
        for entry in values.get("PATH", _DEFAULT_PATH).split(":"):
            entry = posixpath.normpath(entry) if entry else entry
            if entry in _SYSTEM_BIN:
                return self.system
            if entry.endswith("/bin") and posixpath.dirname(entry) in venvs:
                return posixpath.dirname(entry)
        return self.system

    def user_base(self, values: Mapping[str, str]) -> str | None:
        """Where `pip install --user` puts distributions (`site.USER_BASE`)."""
        if "PYTHONUSERBASE" in values:
            return self.path(values["PYTHONUSERBASE"])
        if "HOME" in values:
            home = self.path(values["HOME"])
            return posixpath.join(home, ".local") if home else None
        if self.user in (None, "root", "0", "0:0", "root:root"):
            return "/root/.local"
        return None  # another user's home: useradd may have put it anywhere

    def pip_env(self, command: Command, pip: PipInstall) -> str | None:
        """The environment a `pip install` / `uv pip install|sync` / `pip-sync` installs into."""
        values = {**self.variables, **dict(command.env)}
        extra = dict(command.env)
        call = pip.call
        for option, variable in (("--target", "PIP_TARGET"), ("--prefix", "PIP_PREFIX")):
            chosen = call.value(option) or (values.get(variable) if pip.tool == "pip" else None)
            if chosen:
                return self.path(chosen, extra)
        if call.value("--root"):
            return self.path(call.value("--root") or "", extra)
        if pip.tool == "pip-sync":
            python = call.value("--python-executable")
            return self.program_env(python, extra) if python else self.program_env("pip", extra)
        if pip.tool == "uv":
            if call.has("--system") or values.get("UV_SYSTEM_PYTHON", "").lower() in _TRUE:
                return self.program_env("python", extra)
            python = call.value("--python") or values.get("UV_PYTHON")
            if python and "/" in python:
                found = self.path(python, extra)
                if found is None:
                    return None
                directory = posixpath.dirname(found)
                if directory.endswith("/bin"):
                    return posixpath.dirname(directory)
                return found
            if values.get("VIRTUAL_ENV") and "VIRTUAL_ENV" not in self.unknown:
                return self.path(values["VIRTUAL_ENV"], extra)
            directory = self.workdir
            while True:  # uv looks for a .venv in the working directory and its parents
                candidate = posixpath.join(directory, ".venv")
                if candidate in self.venvs:
                    return candidate
                if directory == "/":
                    return None
                directory = posixpath.dirname(directory)
        if call.has("--user") or values.get("PIP_USER", "").lower() in _TRUE:
            return self.user_base(values)
        return self.program_env(command.argv[0], extra)

    def project_env(
        self, command: Command, project: ProjectInstall, fs: Mapping[str, FileOrigin]
    ) -> str | None:
        """The environment `uv sync`, `poetry install` or `pipenv install` installs into."""
        values = {**self.variables, **dict(command.env)}
        extra = dict(command.env)
        venv = values.get("VIRTUAL_ENV") if "VIRTUAL_ENV" not in self.unknown else None
        if project.tool == "uv":
            if project.call.has("--active") and venv:
                return self.path(venv, extra)
            where = project.call.value("--project", "--directory")
            directory = self.path(where, extra) if where else self.workdir
            if directory is None:
                return None
            chosen = values.get("UV_PROJECT_ENVIRONMENT")
            if chosen:
                found = self.expand(chosen, extra)
                return posixpath.normpath(posixpath.join(directory, found)) if found else None
            parent = directory
            while parent != "/":  # a workspace member: the workspace root's .venv
                parent = posixpath.dirname(parent)
                if posixpath.join(parent, "pyproject.toml") in fs:
                    return None
            return posixpath.join(directory, ".venv")
        if project.tool == "poetry":
            if venv:
                return self.path(venv, extra)
            create = values.get("POETRY_VIRTUALENVS_CREATE")
            in_project = values.get("POETRY_VIRTUALENVS_IN_PROJECT")
            if (create is not None and create.lower() not in _TRUE) or (
                create is None and self.poetry.get("virtualenvs.create") is False
            ):
                return self.program_env("python", extra)
            if (in_project or "").lower() in _TRUE or self.poetry.get("virtualenvs.in-project"):
                return posixpath.join(self.workdir, ".venv")
            return None  # poetry's own cache directory, a name with a hash
        if project.call.has("--system"):
            return self.program_env("python", extra)
        if values.get("PIPENV_VENV_IN_PROJECT", "").lower() in _TRUE:
            return posixpath.join(self.workdir, ".venv")
        return None

    def run(self, command: Command) -> None:
        """What a command changes for the next ones: `cd`, `export`, an activated virtualenv,
        a created one, poetry's configuration."""
        argv = command.argv
        program = posixpath.basename(argv[0])
        if program == "cd" and len(argv) == 2:
            found = self.path(argv[1])
            if found is not None:
                self.workdir = found
        elif program == "export":
            for word in argv[1:]:
                name, eq, value = word.partition("=")
                if not eq:
                    continue
                expanded = self.expand(value)
                if expanded is None:
                    self.unknown.add(name)
                else:
                    self.unknown.discard(name)
                    self.variables[name] = expanded
        elif program in (".", "source") and len(argv) > 1 and argv[1].endswith("/bin/activate"):
            found = self.path(argv[1])
            if found is None:
                self.unknown.update({"VIRTUAL_ENV", "PATH"})
                return
            venv = posixpath.dirname(posixpath.dirname(found))
            self.venvs.add(venv)
            self.variables["VIRTUAL_ENV"] = venv
            path = self.variables.get("PATH", _DEFAULT_PATH)
            self.variables["PATH"] = f"{venv}/bin:{path}"
            self.unknown.difference_update({"VIRTUAL_ENV", "PATH"})
        elif program == "poetry" and len(argv) >= 4 and argv[1] == "config":
            key, value = argv[-2], argv[-1].lower()
            if key in ("virtualenvs.create", "virtualenvs.in-project"):
                self.poetry[key] = value in _TRUE
        else:
            created = _created_venv(argv)
            if created is not None:
                found = self.path(created)
                if found is not None:
                    self.venvs.add(found)


def _created_venv(argv: Sequence[str]) -> str | None:
    """The directory `python -m venv DIR`, `virtualenv DIR` or `uv venv [DIR]` creates."""
    program = posixpath.basename(argv[0])
    operands = [w for w in argv[1:] if not w.startswith("-")]
    if program == "virtualenv":
        return operands[0] if operands else None
    if program == "uv":
        if operands[:1] == ["venv"]:
            return operands[1] if len(operands) > 1 else ".venv"
        return None
    if re.fullmatch(r"python(\d+(\.\d+)?)?", program):
        for i, word in enumerate(argv[:-1]):
            if word == "-m" and argv[i + 1] in ("venv", "virtualenv"):
                rest = [w for w in argv[i + 2 :] if not w.startswith("-")]
                return rest[0] if rest else None
    return None


def _pip_command(pip: PipInstall) -> str:
    """How an install is named in messages."""
    if pip.tool == "uv":
        text = f"uv pip {pip.call.command}"
    elif pip.tool == "pip-sync":
        text = "pip-sync"
    else:
        text = "pip install"
    return f"{text} --no-deps" if pip.call.has("--no-deps") else text


def _installs_of_run(run: Invocation, where: Where, fs: Mapping[str, FileOrigin]) -> list[Install]:
    return installs_of_commands(_commands(run), where.workdir, fs, run.line, run.col, where)


def installs_of_commands(
    commands: Iterable[Command],
    workdir: str,
    fs: Mapping[str, FileOrigin],
    line: int,
    col: int,
    where: Where | None = None,
) -> list[Install]:
    """What some commands install, run in `workdir` of an image whose files are `fs`.

    A repository script the commands run is an Install of kind "script" (`repo_path` the
    script, `image_path` the workdir): its text is read where the parsed files are at hand
    (distributions.py), and its installs counted there. `where` is what the commands see
    (variables, Python environments); without it (a script's commands) the environment they
    install into is unknown (`env` None).
    """
    out: list[Install] = []
    located = where is not None
    where = where if where is not None else Where({}, workdir)
    where.workdir = workdir

    def repo_of(image_path: str) -> str | None:
        origin = fs.get(posixpath.normpath(posixpath.join(where.workdir, image_path)))
        return origin.repo_path if origin else None

    def project_dir(image_path: str) -> str | None:
        target = posixpath.normpath(posixpath.join(where.workdir, image_path))
        origin = fs.get(posixpath.join(target, "pyproject.toml")) or fs.get(
            posixpath.join(target, "setup.py")
        )
        return posixpath.dirname(origin.repo_path) if origin else None

    def image_dir(image_path: str) -> str:
        return posixpath.normpath(posixpath.join(where.workdir, image_path))

    def unknown(why: str, tool: str) -> Install:
        return Install("unknown", why, None, tool, line, col)

    for command in commands:
        argv = command.argv
        if not argv:
            continue
        program = posixpath.basename(argv[0])
        apt = read_apt(argv)
        if apt is not None:
            for package in apt.packages:
                name = (package.value or "").split("=")[0]
                out.append(Install("apt", name, None, apt.program, line, col))
            continue
        if program == "xargs" and any(_PIP_WORD.match(w) for w in argv[1:]):
            out.append(unknown(f"`{' '.join(argv)}` reads what it installs from its input", "sh"))
            continue
        project = read_project_install(argv)
        if project is not None:
            env = where.project_env(command, project, fs) if located else None
            out.append(
                Install(
                    "project",
                    where.workdir,
                    project_dir("."),
                    project.tool,
                    line,
                    col,
                    image_path=where.workdir,
                    packages=project.packages if project.tool == "uv" else (),
                    skip=project.skip,
                    env=env,
                    command=f"{project.tool} {project.call.command}",
                )
            )
            continue
        wheel = read_pip_wheel(argv)
        if wheel is not None:
            built, directory = wheel
            target = where.path(directory, dict(command.env))
            found = _pip_installs(built, None, repo_of, project_dir, image_dir, unknown, line, col)
            if target is not None:
                where.wheelhouses.setdefault(target, []).extend(found)
            continue
        pip = read_pip_sync(argv) or read_pip(argv, [name for name, _ in command.env])
        if pip is None:
            script = _script_of(argv, where.workdir, fs)
            if script is not None and script[1] is not None:
                out.append(Install("script", argv[0], script[1].repo_path, "sh", line, col, False))
                out[-1] = replace(out[-1], image_path=where.workdir)
            elif script is not None and (program in SHELLS or program.endswith(".sh")):
                out.append(
                    unknown(f"`{' '.join(argv)}` runs {script[0]}, no file of the repository", "sh")
                )
            else:
                where.run(command)
            continue
        env = where.pip_env(command, pip) if located else None
        for install in _pip_installs(pip, env, repo_of, project_dir, image_dir, unknown, line, col):
            wheels = _from_wheelhouse(install, where.wheelhouses)
            if wheels is None:
                out.append(install)
            else:
                out.extend(replace(w, env=env, line=line, col=col) for w in wheels)
    return out


def _pip_installs(
    pip: PipInstall,
    env: str | None,
    repo_of: Callable[[str], str | None],
    project_dir: Callable[[str], str | None],
    image_dir: Callable[[str], str],
    unknown: Callable[[str, str], Install],
    line: int,
    col: int,
) -> list[Install]:
    """The Installs of one pip-like command's items."""
    out: list[Install] = []
    how = _pip_command(pip)
    for item in pip.items:
        if item.kind in ("requirements", "constraints"):
            out.append(Install(item.kind, item.value, repo_of(item.value), pip.tool, line, col))
        else:
            editable = item.kind == "editable"
            word = item.value
            if word.startswith("$") or "`" in word:
                shown = "$(...)" if word == "$" else word
                out.append(unknown(f"`{how} {shown}`: what it names is not known", pip.tool))
                continue
            if word.startswith((".", "/")) and not word.endswith(_ARCHIVES):
                local = Install("project", word, project_dir(word), pip.tool, line, col, editable)
                out.append(replace(local, image_path=image_dir(word)))
            else:
                out.append(Install("package", word, None, pip.tool, line, col, editable))
    no_deps = pip.no_deps
    return [replace(i, env=env, no_deps=no_deps, command=how) for i in out]


_ARCHIVES = (".whl", ".tar.gz", ".zip")


def _from_wheelhouse(
    install: Install, wheelhouses: Mapping[str, Sequence[Install]]
) -> list[Install] | None:
    """What `pip install /wheels/*.whl` (or `/wheels/*`, `/wheels/`) installs: the
    distributions the `pip wheel -w /wheels` of a stage built; None for another install."""
    if install.kind not in ("package", "project") or not install.value.startswith("/"):
        return None
    value = install.value
    for directory, built in wheelhouses.items():
        head = value.rstrip("/")
        if head == directory or (
            posixpath.dirname(value) == directory and _GLOB.search(posixpath.basename(value))
        ):
            return list(built)
    return None


# --- which installs reach the final image -------------------------------------------------------


class _StageEnvs:
    """The Python environments of a stage: the installs in each directory (None: where the
    model cannot tell), the virtualenvs and wheel directories, the ENV in effect at its end."""

    def __init__(self) -> None:
        self.installs: dict[str | None, list[int]] = {}  # environment -> indexes of installs
        self.venvs: set[str] = set()
        self.wheelhouses: dict[str, list[Install]] = {}
        self.variables: dict[str, str] = {}
        self.poetry: dict[str, bool] = {}

    def inherit(self, base: _StageEnvs) -> None:
        self.installs = {k: list(v) for k, v in base.installs.items()}
        self.venvs = set(base.venvs)
        self.wheelhouses = {k: list(v) for k, v in base.wheelhouses.items()}
        self.variables = dict(base.variables)
        self.poetry = dict(base.poetry)

    def add(self, env: str | None, index: int) -> None:
        self.installs.setdefault(env, []).append(index)

    def copy_from(self, source: _StageEnvs, copy: Copy) -> None:
        """What `COPY --from=<that stage> SRC DEST` brings of its environments."""
        many = len(copy.sources) > 1
        for src in copy.sources:
            path = posixpath.normpath("/" + src.value.lstrip("/"))
            prefix = _GLOB.split(path, maxsplit=1)[0] if _GLOB.search(path) else None
            dest = copy.dest_abs
            for env, indexes in source.installs.items():
                moved = _moved(env, path, prefix, dest, many or copy.dest_is_dir)
                if moved is not None or (env is None and indexes):
                    self.installs.setdefault(moved, []).extend(indexes)
            for venv in source.venvs:
                moved = _moved(venv, path, prefix, dest, many or copy.dest_is_dir)
                if moved:
                    self.venvs.add(moved)
            for directory, built in source.wheelhouses.items():
                moved = _moved(directory, path, prefix, dest, many or copy.dest_is_dir)
                if moved:
                    self.wheelhouses.setdefault(moved, []).extend(built)


def _moved(env: str | None, src: str, prefix: str | None, dest: str, into: bool) -> str | None:
    """Where a directory of a stage (`env`) is after `COPY --from SRC DEST`, when the COPY
    takes it or a part of it (site-packages of /usr/local); None when it takes none of it."""
    if env is None:
        return None
    if prefix is not None:  # a glob: whatever it matches below its fixed part may be the env
        base = prefix.rstrip("/") or "/"
        if env == base or env.startswith(base.rstrip("/") + "/") or base.startswith(env + "/"):
            return dest
        return None
    if src == "/" or env == src:
        return posixpath.normpath(posixpath.join(dest, env.lstrip("/"))) if src == "/" else dest
    if env.startswith(src + "/"):
        return posixpath.normpath(posixpath.join(dest, env[len(src) + 1 :]))
    if src.startswith(env + "/"):  # a part of it: the env is there, wherever the part lands
        part = src[len(env) + 1 :]
        return dest[: -len(part) - 1] if dest.endswith("/" + part) else dest
    return None


def _stage_variables(stage: Stage, line: int, inherited: Mapping[str, str]) -> dict[str, str]:
    """ENV (and ARG defaults) in effect at a line of a stage."""
    values = dict(inherited)
    for arg in stage.args:
        if arg.default is not None and arg.line < line:
            values.setdefault(arg.name, arg.default)
    for var in stage.envs:
        if var.line < line:
            values[var.name] = var.value
    return values


def _user_at(stage: Stage, line: int, inherited: str | None) -> str | None:
    user = inherited
    for instruction in stage.instructions:
        if instruction.keyword == "USER" and instruction.line < line:
            user = instruction.args.strip().split(":", 1)[0] or None
    return user


def _bind_mounts(
    run: Invocation,
    workdir: str,
    context: str,
    repo_files: RepoFiles,
    build: BuildContext,
    stages: Sequence[Mapping[str, FileOrigin]],
    record: Dockerfile,
) -> dict[str, FileOrigin]:
    """The files `RUN --mount=type=bind,source=S,target=T[,from=STAGE]` shows the RUN."""
    out: dict[str, FileOrigin] = {}
    for name, value in run.flags:
        if name != "mount":
            continue
        pairs = (part.partition("=") for part in value.split(","))
        fields = {k.strip().lower(): v.strip() for k, _, v in pairs}
        if fields.get("type", "bind") != "bind":
            continue
        target = fields.get("target") or fields.get("dst") or fields.get("destination")
        if not target or "$" in target:
            continue
        dest = posixpath.normpath(posixpath.join(workdir, target))
        source = fields.get("source") or fields.get("src") or "."
        origin = fields.get("from")
        if origin is not None:
            found = record.stage(origin)
            if found is None or found.index >= len(stages):
                continue
            root = posixpath.normpath("/" + source.lstrip("/"))
            for path, file in stages[found.index].items():
                if path == root:
                    out[dest] = file
                elif path.startswith(root.rstrip("/") + "/"):
                    out[posixpath.join(dest, path[len(root.rstrip("/")) + 1 :])] = file
            continue
        for repo_path, rel, kind in _context_files(source, context, repo_files, build):
            target_path = posixpath.join(dest, rel) if kind == "dir" else dest
            out[posixpath.normpath(target_path)] = FileOrigin(repo_path, run.line, run.col)
    return out


def _reaching_installs(
    record: Dockerfile,
    context: str,
    repo_files: RepoFiles,
    build: BuildContext,
    stage_fs: Sequence[Mapping[str, FileOrigin]],
    projects: Mapping[str, Pyproject] | None,
) -> list[Install]:
    """The installs whose environment the final image holds: those of the final stage and
    the stages it is built FROM, and those a `COPY --from` brings with the directory of
    their environment (a virtualenv, `--prefix`, `--target`, `--user` site, the base
    Python's prefix); an install whose environment is not known reaches the final image
    when anything is copied from its stage. In build order."""
    every: list[Install] = []
    envs: list[_StageEnvs] = []
    users: list[str | None] = []
    for stage in record.stages:
        state = _StageEnvs()
        base = envs[stage.base_stage] if stage.base_stage is not None else None
        if base is not None:
            state.inherit(base)
        inherited_user = users[stage.base_stage] if stage.base_stage is not None else None
        python = base_python(record, stage)
        system = "/usr/local" if python is not None else None
        workdirs = _workdirs(stage)
        default = record.stages[stage.base_stage].workdir if stage.base_stage is not None else "/"
        fs = stage_fs[stage.index]
        present = {origin.repo_path for origin in fs.values()}
        runs = {run.line: run for run in stage.runs}
        copies = {copy.line: copy for copy in stage.copies}
        for instruction in stage.instructions:
            if instruction.keyword in ("COPY", "ADD"):
                copy = copies.get(instruction.line)
                if copy is not None and copy.from_index is not None and copy.from_index < len(envs):
                    state.copy_from(envs[copy.from_index], copy)
                continue
            run = runs.get(instruction.line) if instruction.keyword == "RUN" else None
            if run is None:
                continue
            workdir = _workdir_at(workdirs, run.line, default)
            variables = _stage_variables(stage, run.line, state.variables)
            where = Where(
                variables,
                workdir,
                _user_at(stage, run.line, inherited_user),
                system,
                state.venvs,
                state.wheelhouses,
                state.poetry,
            )
            view = fs
            if any(name == "mount" for name, _ in run.flags):
                view = {
                    **fs,
                    **_bind_mounts(run, workdir, context, repo_files, build, stage_fs, record),
                }
            for install in _installs_of_run(run, where, view):
                found = (
                    _local_projects(install, projects, present, repo_files)
                    if install.kind == "project" and projects
                    else [install]
                )
                for each in found:
                    state.add(each.env, len(every))
                    every.append(each)
            state.venvs = where.venvs
            state.wheelhouses = where.wheelhouses
            state.poetry = where.poetry
        state.variables = _stage_variables(stage, stage.end_line + 1, state.variables)
        envs.append(state)
        users.append(_user_at(stage, stage.end_line + 1, inherited_user))
    final = envs[record.final.index]
    reaching = sorted({i for indexes in final.installs.values() for i in indexes})
    return [every[i] for i in reaching]


def python_of(base: str) -> str | None:
    """The `3.X` of a python image, on any registry or mirror: `python:3.11-slim`,
    `docker.io/library/python:3.11`, `mirror.gcr.io/library/python:3.11` -> "3.11"."""
    match = _PYTHON_BASE.match(base)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def base_python(record: Dockerfile, stage: Stage) -> BasePython | None:
    """The Python of the image the stage is built FROM, through its stage bases."""
    root = record.ancestry(stage)[-1]
    version = python_of(root.base)
    if version is None:
        return None
    return BasePython(version, root.base, root.base_line, root.base_col)


def build_context(
    context: str, repo_files: Iterable[str], ignore: DockerIgnore | None
) -> BuildContext:
    """The paths under the context directory (files and their directories, relative to it)
    and those the `.dockerignore` leaves in."""
    prefix = f"{context}/" if context else ""
    paths: set[str] = set()
    sent: set[str] = set()
    for path in as_repo_files(repo_files).starting(prefix):
        rel = path[len(prefix) :]
        family = _family(rel)
        paths.update(family)
        if ignore is None or not ignore.excludes(rel):
            sent.update(family)
    return BuildContext(
        context, ignore.path if ignore is not None else None, frozenset(paths), frozenset(sent)
    )


def _family(rel: str) -> list[str]:
    """`rel` and its parent directories, nearest first (`a/b/c` -> `a/b/c`, `a/b`, `a`)."""
    if "//" in rel or "/./" in rel or rel.startswith(("/", "./")) or rel.endswith(("/", "/.")):
        return [rel, *(str(p) for p in PurePosixPath(rel).parents if str(p) != ".")]
    family = [rel]
    end = rel.rfind("/")
    while end > 0:
        family.append(rel[:end])
        end = rel.rfind("/", 0, end)
    return family


def contents(
    record: Dockerfile,
    context: str,
    repo_files: Sequence[str],
    ignore: DockerIgnore | None,
    projects: Mapping[str, Pyproject] | None = None,
) -> ImageContents:
    """The final image's files and installs, from the Dockerfile and its build context."""
    files = as_repo_files(repo_files)
    build = build_context(context, files, ignore)
    stage_fs = _stage_fs(record, context, files, build)
    final = record.final
    installs = _reaching_installs(record, context, files, build, stage_fs, projects)
    python = base_python(record, final)
    version = python.version if python is not None else None
    prefix = "/usr/local" if version else "/usr"
    site = f"{prefix}/lib/python{version or '3'}/site-packages"
    fs = dict(stage_fs[final.index])
    scripts: dict[str, str] = {}
    not_installed: dict[str, str] = {}
    for install in installs:
        if install.kind != "project" or install.repo_path is None:
            continue
        record_of = _pyproject_of(install.repo_path, projects or {})
        for script in record_of.scripts if record_of is not None else ():
            if install.virtual:
                not_installed.setdefault(script.name, record_of.path if record_of else "")
            else:
                scripts.setdefault(script.name, script.target)
        if not install.virtual:
            fs.update(_installed_project(install, site, files, record_of))
    return ImageContents(
        fs=ImageFS.of(fs),
        installs=tuple(installs),
        python_version=version,
        python_prefix=prefix,
        site_packages=site,
        scripts=scripts,
        scripts_not_installed={k: v for k, v in not_installed.items() if k not in scripts},
        build_context=build,
    )


def _pyproject_of(directory: str, projects: Mapping[str, Pyproject]) -> Pyproject | None:
    return projects.get(
        posixpath.join(directory, "pyproject.toml") if directory else "pyproject.toml"
    )


def _workspace(directory: str, projects: Mapping[str, Pyproject]) -> dict[str, str]:
    """The members of the uv workspace `directory` is the root or a member of: name -> dir."""
    current = directory
    while True:
        root = _pyproject_of(current, projects)
        if root is not None and root.workspace_members:
            break
        if not current:
            return {}
        current = posixpath.dirname(current)
    members: dict[str, str] = {}
    for path, record in projects.items():
        member = posixpath.dirname(path)
        rel = posixpath.relpath(member, current or ".") if member != current else "."
        if record.name is None or rel.startswith(".."):
            continue
        if member == current or (
            any(fnmatch.fnmatchcase(rel, g.strip("/")) for g in root.workspace_members)
            and not any(fnmatch.fnmatchcase(rel, g.strip("/")) for g in root.workspace_exclude)
        ):
            members[canonicalize_name(record.name)] = member
    return members


def _local_projects(
    install: Install,
    projects: Mapping[str, Pyproject],
    present: set[str],
    repo_files: RepoFiles,
) -> list[Install]:
    """The local projects a `pip install .` / `uv sync` / `poetry install` installs: the project
    (or the workspace members `--package` names) and, through their path and workspace
    dependencies, the shared libraries the image holds when the RUN runs."""
    root = install.repo_path
    if root is None:
        return [install]
    members = _workspace(root, projects) if install.tool == "uv" else {}
    if "*" in install.packages:
        start = sorted(set(members.values()))
    elif install.packages:
        start = [
            members[canonicalize_name(n)]
            for n in install.packages
            if canonicalize_name(n) in members
        ]
        if len(start) < len(install.packages):
            return [install]  # a package that is not a member: what is installed is unknown
    else:
        start = [root]
    seen: list[str] = []
    todo = list(start)
    while todo:
        directory = todo.pop(0)
        if directory in seen:
            continue
        seen.append(directory)
        record = _pyproject_of(directory, projects)
        if record is None:
            continue
        for name, source in sorted(record.local_sources.items()):
            if source == "workspace":
                target = members.get(name) or _workspace(directory, projects).get(name)
            else:
                target = posixpath.normpath(posixpath.join(directory or ".", source))
                target = "" if target == "." else target
            if target is None or target.startswith(".."):
                continue
            if posixpath.join(target, "pyproject.toml").lstrip("/") not in present and not any(
                posixpath.join(target, n).lstrip("/") in present for n in ("setup.py", "setup.cfg")
            ):
                continue  # not in the image: its modules are not installed
            todo.append(target)
    out = []
    member_dirs = set(members.values())
    for directory in seen:
        record = _pyproject_of(directory, projects)
        has_setup = posixpath.join(directory, "setup.py").lstrip("/") in repo_files
        virtual = (
            (install.skip == "project" and directory in start)
            or (install.skip == "workspace" and (directory in start or directory in member_dirs))
            or (
                install.tool == "uv"
                and record is not None
                and record.build_backend is None
                and not has_setup
            )
        )
        out.append(replace(install, repo_path=directory, virtual=virtual))
    return out


def _installed_project(
    install: Install, site: str, repo_files: RepoFiles, record: Pyproject | None = None
) -> dict[str, FileOrigin]:
    """The Python files of a locally installed project, as pip puts them in site-packages.

    The packages its pyproject.toml declares when it does; else src layout when the project
    has a `src/` directory, flat layout otherwise; files at the project's top (setup.py,
    conftest.py) are not packages and stay out.
    """
    root = install.repo_path or ""
    prefix = (root + "/") if root else ""
    declared = record.packages if record is not None else None
    if declared is not None and all(p.path is not None for p in declared):
        found: dict[str, FileOrigin] = {}
        for package in declared:
            path = prefix + (package.path or "").strip("/")
            parent = posixpath.dirname(path)
            cut = len(parent) + 1 if parent else 0
            for repo_path in repo_files.starting(path):
                if repo_path.endswith(".py") and (
                    repo_path.startswith(path + "/") or repo_path in (path, path + ".py")
                ):
                    found[posixpath.join(site, repo_path[cut:])] = FileOrigin(
                        repo_path, install.line, install.col
                    )
        return found
    src = prefix + "src/"
    base = src if repo_files.starting(src) else prefix
    out: dict[str, FileOrigin] = {}
    for path in repo_files.starting(base):
        if path.endswith(".py"):
            rel = path[len(base) :]
            if "/" in rel and not rel.startswith(("tests/", "test/", "docs/")):
                out[posixpath.join(site, rel)] = FileOrigin(path, install.line, install.col)
    return out


# --- the Dockerfile as facts: stages, RUN commands, COPY sources --------------------------------

_PYTHON_NAMED_RE = re.compile(r"(?<![/\w.-])python(3\.\d+)(?!\d)")


def dockerfile_facts(record: Dockerfile) -> DockerfileFacts:
    """Every stage of a Dockerfile as facts, built into the final image or not."""
    shipped = {stage.index for stage in record.ancestry()}
    stages: list[StageFacts] = []
    for stage in record.stages:
        chain = record.ancestry(stage)
        written: list[str] = []
        named: set[str] = set()
        for each in chain:
            for instruction in each.instructions:
                if instruction.keyword == "RUN":
                    written.append(instruction.text)
                    written.extend(h.content for h in instruction.heredocs)
                    named.update(
                        _PYTHON_NAMED_RE.findall(instruction.text[instruction.args_offset :])
                    )
        assume_yes, no_recommends = apt_configuration("\n".join(written))
        # what the RUNs see as environment variables: ENV, and an ARG with a default
        environment = {var.name for var in stage.env} | {
            arg.name for arg in stage.args if arg.default is not None
        }
        instructions = [i for i in stage.instructions if i.keyword == "RUN"]
        runs = tuple(
            _run_step(instruction, environment)
            for instruction, run in zip(instructions, stage.runs, strict=True)
            if run.form == "shell" and not run.heredocs
        )
        stages.append(
            StageFacts(
                stage.index,
                base_python(record, stage),
                frozenset(named),
                stage.index in shipped,
                assume_yes,
                no_recommends,
                runs,
            )
        )
    return DockerfileFacts(record.path, tuple(stages))


def _run_step(instruction: Instruction, environment: set[str]) -> RunStep:
    script = script_words(instruction.text, instruction.args_offset)
    commands = []
    for words in script.commands:
        values = words.values
        assigned = {w.value.partition("=")[0] for w in words.assignments}
        commands.append(
            RunCommand(words, read_apt(values), read_pip(values, environment | assigned))
        )
    return RunStep(instruction, tuple(commands), script.has_comment, _mount_targets(instruction))


def _mount_targets(instruction: Instruction) -> tuple[str, ...]:
    """Targets of a RUN's `--mount` flags."""
    targets = []
    for name, value in instruction.flags:
        if name != "mount":
            continue
        for part in value.split(","):
            key, _, target = part.partition("=")
            if key.strip() in ("target", "dst", "destination"):
                targets.append(posixpath.normpath(target.strip()))
    return tuple(targets)


def with_dockerfile_facts(
    images: Sequence[Image], files: Mapping[str, ParsedFile], config: Config
) -> list[Image]:
    """The images with their Dockerfile's facts (one object per Dockerfile) and their COPY
    sources looked up in their build context."""
    facts: dict[str, DockerfileFacts] = {}
    unlisted = _unlisted(config, files)
    out = []
    for image in images:
        record = image.record
        if not isinstance(record, Dockerfile):
            out.append(image)
            continue
        if image.dockerfile not in facts:
            facts[image.dockerfile] = dockerfile_facts(record)
        build = image.contents.build_context if image.contents is not None else None
        sources: tuple[ContextSource, ...] = ()
        if build is not None:
            parsed = files.get(image.dockerignore) if image.dockerignore else None
            ignore = parsed.record if parsed is not None else None
            ignore = ignore if isinstance(ignore, DockerIgnore) else None
            sources = tuple(context_sources(record, build, ignore, unlisted))
        needed = built_stages(record)
        out.append(
            replace(
                image,
                dockerfile_facts=facts[image.dockerfile],
                context_sources=sources,
                build_fails=tuple(
                    s
                    for s in sources
                    if s.stage in needed and not s.found and not any(c in s.text for c in "*?[")
                ),
            )
        )
    return out


def built_stages(record: Dockerfile) -> frozenset[int]:
    """The stages a build of the final image runs: the final stage, the stages it is built
    FROM, and those their `COPY --from` read, transitively (BuildKit skips the others).

    (A wildcard source that matches nothing is left out of `Image.build_fails`: next to another
    source, as in `COPY package.json yarn.lock* ./`, the builder accepts it.)"""
    needed: set[int] = set()
    todo = [record.final]
    while todo:
        stage = todo.pop()
        if stage.index in needed:
            continue
        needed.add(stage.index)
        if stage.base_stage is not None:
            todo.append(record.stages[stage.base_stage])
        todo.extend(record.stages[c.from_index] for c in stage.copies if c.from_index is not None)
    return frozenset(needed)


_VARIABLE_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _unlisted(config: Config, files: Mapping[str, ParsedFile]) -> Callable[[str], bool]:
    """Whether discovery leaves a path out (default or configured excludes), or git does (the
    repository's `.gitignore` files: a local `.env`, a generated file): such a path is never
    in the model, or not in a fresh checkout though it may be where the image is built, so
    its absence proves nothing."""
    spec = pathspec.GitIgnoreSpec.from_lines(config.exclude) if config.exclude else None
    ignored = git_ignored(files)

    def unlisted(repo_path: str) -> bool:
        if any(part in DEFAULT_EXCLUDES for part in PurePosixPath(repo_path).parts):
            return True
        if ignored is not None and (
            ignored.match_file(repo_path) or ignored.match_file(repo_path + "/")
        ):
            return True
        return spec is not None and (spec.match_file(repo_path) or spec.match_file(repo_path + "/"))

    return unlisted


def git_ignored(files: Mapping[str, ParsedFile]) -> pathspec.GitIgnoreSpec | None:
    """One spec of every `.gitignore` of the repository, its patterns anchored to their
    directory and in git's order (a deeper file's rules after its parents', the last match
    deciding), or None when there is none."""
    lines: list[str] = []
    for path in sorted(files, key=lambda p: (p.count("/"), p)):
        if PurePosixPath(path).name != ".gitignore":
            continue
        parsed = files[path]
        if parsed.text is None:
            continue
        directory = parent_dir(path)
        for raw in parsed.text.text.splitlines():
            pattern = raw.rstrip()
            if not pattern or pattern.startswith("#"):
                continue
            lines.append(_anchored(pattern, directory))
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


def _anchored(pattern: str, directory: str) -> str:
    """A `.gitignore` pattern of `directory` as a pattern of the repository root."""
    negate = pattern.startswith("!")
    body = pattern[1:] if negate else pattern
    if not directory:
        return pattern
    if "/" in body.rstrip("/"):
        body = f"{directory}/{body.lstrip('/')}"
    else:
        body = f"{directory}/**/{body}"
    return ("!" if negate else "") + body


def context_sources(
    record: Dockerfile,
    build: BuildContext,
    ignore: DockerIgnore | None,
    unlisted: Callable[[str], bool],
) -> Iterator[ContextSource]:
    """Every COPY/ADD source of the Dockerfile read from the build context, looked up in it."""
    for stage in record.stages:
        for copy in stage.copies:
            if copy.from_stage is not None:
                continue
            lookups = [
                (
                    source.value,
                    _lookup(
                        stage.index,
                        copy,
                        source.text,
                        source.value,
                        source.line,
                        source.col,
                        build,
                        ignore,
                        unlisted,
                    ),
                )
                for source in copy.sources
                if "://" not in source.value
                and not source.value.startswith("git@")
                and not _unresolved(source.text, record, stage)
            ]
            sent = any(lookup.found for _, lookup in lookups)
            for value, lookup in lookups:
                if sent and not lookup.found and _may_match_nothing(value, build):
                    lookup = replace(lookup, found=True)
                yield lookup


def _may_match_nothing(value: str, build: BuildContext) -> bool:
    """Whether a COPY source is a wildcard Docker drops when it matches nothing, as long as
    another source of the instruction matches (`COPY requirements.txt* poetry.lock* ./`): its
    folder (the part before the first wildcard) must exist, else BuildKit fails on it."""
    rel = value.lstrip("/")
    at = re.search(r"[*?\[]", rel)
    if at is None:
        return False
    folder = posixpath.dirname(rel[: at.start()])
    return folder in ("", ".") or posixpath.normpath(folder) in build.paths


def _unresolved(source_text: str, record: Dockerfile, stage: Stage) -> bool:
    """Whether the source names a variable with no value in the default build."""
    globals_ = {a.name for a in record.global_args if a.default is not None}
    known = {e.name for e in stage.env} | {
        a.name for a in stage.args if a.default is not None or a.name in globals_
    }
    return any(name not in known for name in _VARIABLE_RE.findall(source_text))


def _lookup(
    stage: int,
    copy: Copy,
    text: str,
    value: str,
    line: int,
    col: int,
    build: BuildContext,
    ignore: DockerIgnore | None,
    unlisted: Callable[[str], bool],
) -> ContextSource:
    keyword = "ADD" if copy.is_add else "COPY"

    def found(
        outside: bool, is_found: bool, matches: Sequence[str] = (), rule: IgnoreRule | None = None
    ) -> ContextSource:
        return ContextSource(
            stage,
            keyword,
            text,
            line,
            col,
            copy.line,
            copy.col,
            outside,
            is_found,
            tuple(matches),
            rule,
        )

    rel = posixpath.normpath(value.lstrip("/")) if value.lstrip("/") else "."
    if rel == ".." or rel.startswith("../"):
        return found(True, False)
    if rel == ".":
        return found(False, True)
    repo_path = posixpath.join(build.directory, rel)
    if unlisted(re.split(r"[*?\[]", repo_path)[0].rstrip("/") or repo_path):
        return found(False, True)
    if any(c in rel for c in "*?["):
        regex = _copy_glob(rel)
        matches = sorted(p for p in build.paths if regex.fullmatch(p))
        sent = any(p in build.sent for p in matches)
    else:
        matches = [rel] if rel in build.paths else []
        sent = rel in build.sent
    if sent or not matches or ignore is None:
        return found(False, sent, matches)
    pattern = ignore.deciding_pattern(matches[0])
    rule = IgnoreRule(ignore.path, pattern.line, pattern.text) if pattern is not None else None
    return found(False, False, matches, rule)


def _copy_glob(pattern: str) -> re.Pattern[str]:
    """Go's `filepath.Match` as Docker applies it to COPY sources (`**` crosses directories)."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            negate = body.startswith("^")
            body = re.sub(r"([\\\]\[^])", r"\\\1", body[1:] if negate else body)
            out.append(f"[{'^/' if negate else ''}{body}]")
            i = end + 1
            continue
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out))
    except re.error:  # `[]`, `[z-a]`: Go rejects the pattern; it names no file but itself
        return re.compile(re.escape(pattern))
