"""Images: one Dockerfile built from one build context, its stages, files and installs."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vertice_lint.model.base import Link
from vertice_lint.model.files import AptCommand, Instruction, PipInstall, SimpleCommand
from vertice_lint.model.programs import Programs


@dataclass(frozen=True)
class CopyStep:
    """What a COPY/ADD of the image's final stage puts where."""

    sources: tuple[str, ...]  # paths relative to the repository root (context applied)
    dest: str  # absolute path in the image
    from_stage: str | None  # another stage or image: sources are not from the context
    is_add: bool
    line: int
    col: int


@dataclass(frozen=True)
class Image:
    """One Dockerfile built from one build context."""

    key: str  # "<dockerfile>@<context>"
    dockerfile: str
    context: str  # directory relative to the root ("" for the root)
    service: str | None
    names: tuple[str, ...]  # image repositories this build is known as (compose, config)
    workdir: str
    env: Mapping[str, str]
    user: str | None
    exposed: tuple[int, ...]
    cmd: tuple[str, ...] | None
    entrypoint: tuple[str, ...] | None
    copies: tuple[CopyStep, ...]
    dockerignore: str | None
    link: Link
    record: Any = field(compare=False, repr=False)
    contents: ImageContents | None = field(default=None, compare=False, repr=False)
    # the Dockerfile's stages as facts (shared by the images built from the same file)
    dockerfile_facts: DockerfileFacts | None = field(default=None, compare=False, repr=False)
    # every COPY/ADD source of the Dockerfile looked up in this image's build context
    context_sources: tuple[ContextSource, ...] = field(default=(), compare=False, repr=False)
    # the programs it can run, as far as the repository shows it (None: Dockerfile not read)
    programs: Programs | None = field(default=None, compare=False, repr=False)
    # every build that asks for it is a compose service's `build:` (it runs only as those
    # services' containers, never by itself)
    compose_only: bool = False
    # the COPY/ADD sources of the stages the build runs that this build context lacks: the
    # build fails at the first of them, and no container runs the image
    build_fails: tuple[ContextSource, ...] = field(default=(), compare=False, repr=False)
    # why the build context is an assumption, not what a build says (None: a build says it)
    context_assumed: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FileOrigin:
    """Where a file of the image comes from: a repository file and the COPY that put it there."""

    repo_path: str
    line: int
    col: int


@dataclass(frozen=True)
class ImageFS:
    """The image's files that come from the repository, by absolute image path."""

    files: Mapping[str, FileOrigin]
    dirs: frozenset[str] = field(default=frozenset())

    @classmethod
    def of(cls, files: Mapping[str, FileOrigin]) -> ImageFS:
        dirs = {"/"}
        for path in files:
            parent = posixpath.dirname(path)
            while parent not in dirs:
                dirs.add(parent)
                parent = posixpath.dirname(parent)
        return cls(dict(files), frozenset(dirs))

    @functools.cached_property
    def repo_paths(self) -> frozenset[str]:
        """The repository files the image holds (wherever they were copied)."""
        return frozenset(origin.repo_path for origin in self.files.values())

    def is_file(self, path: str) -> bool:
        return posixpath.normpath(path) in self.files

    def is_dir(self, path: str) -> bool:
        return posixpath.normpath(path) in self.dirs

    def origin(self, path: str) -> FileOrigin | None:
        return self.files.get(posixpath.normpath(path))

    def find_module(self, sys_path: Sequence[str], dotted: str) -> tuple[str, str, str] | None:
        """(sys.path entry, image path, repo path) of a module in the image, or None.

        Regular modules and packages first, in sys.path order; a directory without
        `__init__.py` (a namespace package: its repo path is "") only when no regular one
        exists, as Python does.
        """
        parts = dotted.split(".")
        for entry in sys_path:
            base = posixpath.join(entry, *parts)
            for candidate in (base + ".py", posixpath.join(base, "__init__.py")):
                origin = self.origin(candidate)
                if origin is not None:
                    return entry, candidate, origin.repo_path
        for entry in sys_path:
            base = posixpath.join(entry, *parts)
            if self.is_dir(base):
                return entry, base, ""
        return None

    def first_missing(self, sys_path: Sequence[str], dotted: str) -> str:
        """The shortest prefix of a dotted name the image does not have (`a.b` of `a.b.c`
        when `a` is there and `a.b` is not): what `ModuleNotFoundError` names."""
        parts = dotted.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if self.find_module(sys_path, prefix) is None:
                return prefix
        return dotted

    def repo_dir(self, path: str) -> str | None:
        """The repository directory whose files were copied to this image directory."""
        prefix = posixpath.normpath(path).rstrip("/") + "/"
        for image_path, origin in sorted(self.files.items()):
            if image_path.startswith(prefix):
                rest = image_path[len(prefix) :]
                if origin.repo_path.endswith("/" + rest) or origin.repo_path == rest:
                    return origin.repo_path[: len(origin.repo_path) - len(rest)].rstrip("/")
        return None


@dataclass(frozen=True)
class Install:
    """One thing a RUN installs.

    kind: "requirements" / "constraints" (a file: `value` is its image path, `repo_path` the
    repository file it came from), "package" (a requirement written on the command line),
    "project" (`pip install .`, `uv sync`, `poetry install`: `repo_path` is the project
    directory, `image_path` where it is in the image), "apt" (a Debian package), "script" (a
    repository script the RUN runs: `repo_path` the script, `image_path` the workdir; its own
    installs are read by link/dependencies.py), "unknown" (an install the model cannot read:
    `value` says why; what the image installs is then unknown).

    `env` is the directory of the Python environment it installs into, as the stage sees it
    (a virtualenv `/opt/venv`, the base Python's prefix `/usr/local`, a `--prefix`, `--target`
    or `--user` directory, `<project>/.venv` of `uv sync`); None when the model cannot tell
    (then it reaches the final image whenever the final image copies anything from its stage).
    `no_deps`: the tool installs exactly what it names, without their dependencies
    (`uv pip sync`, `pip-sync`, `--no-deps`, or wheels built so).
    """

    kind: str
    value: str
    repo_path: str | None
    tool: str
    line: int
    col: int
    editable: bool = False
    image_path: str | None = None
    packages: tuple[str, ...] = ()  # `uv sync --package NAME` ("*": `--all-packages`)
    virtual: bool = False  # a project whose dependencies are installed, not the project itself
    # "project": `uv sync --no-install-project`, `poetry install --no-root`; "workspace":
    # `uv sync --no-install-workspace` (no workspace member either)
    skip: str = ""
    env: str | None = None
    no_deps: bool = False
    command: str = ""  # the installing command, for messages (`uv pip sync`, `pip install`)


@dataclass(frozen=True)
class ImageContents:
    """The final image: files, installs, Python.

    The first-party packages a `pip install .` (or `uv sync`, `poetry install`) installs are in
    `fs` under `site_packages`, each file with the RUN that installed it as its origin, so the
    import analysis finds them even when the final stage only copies a builder's virtualenv.
    """

    fs: ImageFS
    installs: tuple[Install, ...]
    python_version: str | None  # "3.11" for an official python:3.11 base
    python_prefix: str  # where pip installs: /usr/local for python:* images, else /usr
    site_packages: str = "/usr/lib/python3/site-packages"
    # console scripts of the local projects it installs (`[project.scripts]`): name -> target
    scripts: Mapping[str, str] = field(default_factory=dict)
    # console scripts of projects whose dependencies only it installs: name -> pyproject.toml
    scripts_not_installed: Mapping[str, str] = field(default_factory=dict)
    # the files the build context sends (what every COPY from the context reads)
    build_context: BuildContext | None = None


# --- the Dockerfile, stage by stage, as the builder and the package tools read it --------------


@dataclass(frozen=True)
class BasePython:
    """The Python of the official python image a stage is built FROM, through its stage bases:
    `python:3.11-slim`, also pulled through a registry or a mirror
    (`docker.io/library/python:3.11`, `mirror.gcr.io/library/python:3.11`,
    `public.ecr.aws/docker/library/python:3.11`)."""

    version: str  # "3.11"
    image: str  # the FROM image, ARGs substituted
    line: int  # where that FROM names it
    col: int


@dataclass(frozen=True)
class RunCommand:
    """One simple command of a shell-form RUN: its words with their offsets in the RUN's
    `Instruction.text` (wrappers such as `sudo -u root` dropped), and what apt and pip read
    in them (indexes of the readings point into `words.argv`)."""

    words: SimpleCommand
    apt: AptCommand | None
    pip: PipInstall | None  # pip, `python -m pip` or `uv pip` install (see `pip.tool`)


@dataclass(frozen=True)
class RunStep:
    """A shell-form RUN without heredocs, split into its commands."""

    instruction: Instruction
    commands: tuple[RunCommand, ...]
    has_comment: bool
    mounts: tuple[str, ...]  # the targets of its `--mount` flags, normalised


@dataclass(frozen=True)
class StageFacts:
    """What a build stage is, whether or not the final image is built from it."""

    index: int  # into Dockerfile.stages
    python: BasePython | None
    # `python3.X` versions the stage or its bases name in a RUN (as a program or package): it
    # may install that Python itself
    named_pythons: frozenset[str]
    shipped: bool  # the final stage or one it is built FROM: its layers are the image's
    # apt.conf settings written in a RUN of the stage or of its bases
    apt_assume_yes: bool
    apt_no_recommends: bool
    runs: tuple[RunStep, ...]


@dataclass(frozen=True)
class DockerfileFacts:
    """A Dockerfile's stages as facts; one object for all the images built from the file."""

    path: str
    stages: tuple[StageFacts, ...]


@dataclass(frozen=True)
class BuildContext:
    """What a build context sends to the builder: the repository's files under its directory
    and their directories (`paths`, relative to it), and of those the ones `.dockerignore`
    (the Dockerfile's own `<Dockerfile>.dockerignore` first) leaves in (`sent`)."""

    directory: str  # relative to the repository root ("" for the root)
    dockerignore: str | None
    paths: frozenset[str]
    sent: frozenset[str]


@dataclass(frozen=True)
class IgnoreRule:
    """A `.dockerignore` line."""

    path: str
    line: int
    text: str


@dataclass(frozen=True)
class ContextSource:
    """A COPY/ADD source (of any stage, not `--from`) looked up in one image's build context.

    Only sources whose value is known are looked up: not URLs, git remotes, nor a source naming
    a build variable with no value in the default build.
    """

    stage: int
    keyword: str  # COPY or ADD
    text: str  # as written
    line: int
    col: int
    copy_line: int  # the instruction
    copy_col: int
    outside: bool  # it leaves the build context (`../lib`)
    # the context sends it, it is the context itself, or it is a path discovery never lists
    # (its absence proves nothing)
    found: bool
    matches: tuple[str, ...]  # the context's paths it names (relative to the context)
    excluded_by: IgnoreRule | None  # the line that leaves out the first of them


# The reference grammar of the distribution project (what `docker pull` and the kubelet accept):
# `[registry[:port]/]path[/path...][:tag][@digest]`, path components lowercase.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_REGISTRY = rf"{_LABEL}(?:\.{_LABEL})*(?::\d+)?/"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REFERENCE = re.compile(
    rf"(?:{_REGISTRY})?{_COMPONENT}(?:/{_COMPONENT})*(?::[\w][\w.-]{{0,127}})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
)


def is_image_reference(ref: str) -> bool:
    """Whether `ref` is an image reference at all: a fill-in placeholder (`<YOUR-IMAGE>`,
    `REPLACE_ME`, `${IMAGE}`, `{{ .image }}`) is not one, nothing can pull it."""
    return _REFERENCE.fullmatch(ref) is not None


def image_repository(ref: str) -> str:
    """`ghcr.io/org/api:1.2@sha256:...` -> `ghcr.io/org/api` (registry port kept)."""
    ref = ref.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref = ref[: len(ref) - len(last)] + last.split(":", 1)[0]
    return ref


def registry_path(ref: str) -> str:
    """`ghcr.io/acme/api:1.0` -> `ghcr.io/acme/`: the path an image is pushed below ("" for a
    bare name such as `redis:7`)."""
    repo = image_repository(ref)
    return repo.rsplit("/", 1)[0] + "/" if "/" in repo else ""
