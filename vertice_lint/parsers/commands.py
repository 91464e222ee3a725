"""Argument readers for the commands a Dockerfile or a CI script runs: pip, uv, poetry, pipenv,
apt, useradd/adduser, docker build.

Each reader takes the words of one simple command (as `shell.split_commands` or
`shell.script_words` give them: wrappers already dropped) and says what the tool will do, the
way the tool's own option parser reads the words: which options take a value (`--retries 5`,
`--timeout=30`, `-i URL`, `-rreq.txt`, clusters such as `-qr req.txt`), where the subcommand is
(`pip --no-cache-dir install`), what the operands are. Everything points back at the words by
index, so the image model (link/image.py) and the Dockerfile rules, which hold the same words
with offsets, share one reading.

The option tables come from each tool's documentation and its option definitions: pip's
`cmdoptions.py` and `commands/install.py` (general, index, selection and install options;
optparse also accepts any unambiguous prefix of a long option, `--no-cache` for
`--no-cache-dir`), uv's `uv-cli` (clap: no prefixes), apt-get(8), useradd(8) and Debian/BusyBox
adduser, `docker build`/`docker buildx build` and podman-build(1). An option missing from a
table is read as a flag, so an unknown option never swallows a package name.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

# --- the option grammar ----------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """A tool's options: the spellings that take a value and the flags, each with the name it
    is known by (`-r` and `--requirement` are both "--requirement")."""

    values: dict[str, str]
    flags: dict[str, str]
    abbreviations: bool = False  # optparse: an unambiguous prefix of a long option names it

    def name(self, spelling: str) -> str | None:
        """The option a long spelling names, or None when the tool has no such option."""
        if spelling in self.values:
            return self.values[spelling]
        if spelling in self.flags:
            return self.flags[spelling]
        if self.abbreviations and spelling.startswith("--"):
            found = {
                name
                for table in (self.values, self.flags)
                for long, name in table.items()
                if long.startswith(spelling)
            }
            if len(found) == 1:
                return found.pop()
        return None

    def takes_value(self, name: str) -> bool:
        return name in self.values.values()


def _options(values: str, flags: str = "", *, abbreviations: bool = False) -> Options:
    """Options from `"-r --requirement | --constraint -c"` groups: the spellings of one option
    are separated by spaces, options by `|`; the last long spelling of a group is its name."""

    def table(spec: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for group in spec.split("|"):
            spellings = group.split()
            if not spellings:
                continue
            longs = [s for s in spellings if s.startswith("--")]
            name = longs[0] if longs else spellings[0]
            for spelling in spellings:
                out[spelling] = name
        return out

    return Options(table(values), table(flags), abbreviations)


def _merge(*tables: Options, abbreviations: bool = False) -> Options:
    values: dict[str, str] = {}
    flags: dict[str, str] = {}
    for each in tables:
        values.update(each.values)
        flags.update(each.flags)
    return Options(values, flags, abbreviations)


@dataclass(frozen=True)
class Argument:
    """One argument of a command: an option (its name, and its value unless it is a flag) or an
    operand (`option` None, `value` the word). `index` is the word it is written in (for an
    option whose value is the next word, the option's own word)."""

    index: int
    option: str | None
    value: str | None


def _read(
    words: Sequence[str], start: int, options: Options, *, until_operand: bool = False
) -> tuple[list[Argument], int]:
    """Read `words[start:]` as options and operands; with `until_operand`, stop at the first
    operand (a subcommand) and return its index, else the end."""
    out: list[Argument] = []
    i, n = start, len(words)
    only_operands = False
    while i < n:
        word = words[i]
        if only_operands or not word.startswith("-") or word == "-":
            if until_operand:
                return out, i
            out.append(Argument(i, None, word))
            i += 1
            continue
        if word == "--":
            only_operands = True
            i += 1
            continue
        if word.startswith("--"):
            spelling, eq, attached = word.partition("=")
            name = options.name(spelling) or spelling
            if eq:
                out.append(Argument(i, name, attached))
            elif options.takes_value(name) and i + 1 < n:
                out.append(Argument(i, name, words[i + 1]))
                i += 1
            else:
                out.append(Argument(i, name, None))
            i += 1
            continue
        # a cluster of short options: `-qq`, `-Ur file`, `-rfile`, `-o=Foo::Bar=1`
        at = 1
        while at < len(word):
            spelling = "-" + word[at]
            name = options.name(spelling) or spelling
            if options.takes_value(name):
                rest = word[at + 1 :]
                if rest:
                    out.append(Argument(i, name, rest.removeprefix("=")))
                elif i + 1 < n:
                    out.append(Argument(i, name, words[i + 1]))
                    i += 1
                else:
                    out.append(Argument(i, name, None))
                break
            if word[at + 1 : at + 2] == "=":  # `-q=2`: a value given to a flag
                out.append(Argument(i, name, word[at + 2 :]))
                break
            out.append(Argument(i, name, None))
            at += 1
        i += 1
    return out, n


@dataclass(frozen=True)
class Call:
    """A command read against its tool's options: the program word, the subcommand word (when
    the tool has subcommands) and the arguments after it, in order."""

    tool: str
    program: int
    subcommand: int | None
    command: str  # the subcommand ("install"); "" for a tool without subcommands
    arguments: tuple[Argument, ...]
    general: tuple[Argument, ...] = ()  # options written before the subcommand

    def has(self, *names: str) -> bool:
        return any(a.option in names for a in (*self.general, *self.arguments))

    def value(self, *names: str) -> str | None:
        """The value of the last of these options given, None if none is."""
        found = None
        for argument in (*self.general, *self.arguments):
            if argument.option in names and argument.value is not None:
                found = argument.value
        return found

    @property
    def operands(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.arguments if a.option is None)


def _subcommand(
    tool: str, words: Sequence[str], program: int, general: Options, options: Options
) -> Call | None:
    before, at = _read(words, program + 1, general, until_operand=True)
    if at >= len(words):
        return None
    after, _ = _read(words, at + 1, options)
    return Call(tool, program, at, words[at], tuple(after), tuple(before))


# --- pip and uv pip --------------------------------------------------------------------------

_PIP_GENERAL = _options(
    "--python | --log --log-file --local-log | --keyring-provider | --proxy | --retries"
    " | --resume-retries | --timeout --default-timeout | --exists-action | --trusted-host"
    " | --cert | --client-cert | --cache-dir | --use-feature | --use-deprecated",
    "-h --help | --debug | --isolated | --require-virtualenv --require-venv | -v --verbose"
    " | -V --version | -q --quiet | --no-input | --no-cache-dir | --disable-pip-version-check"
    " | --no-color | --no-python-version-warning",
)
_PIP_INSTALL = _options(
    # install options, the index and selection groups, and those of older pips
    # (--global-option, --build-option, --install-option)
    "-r --requirement | -c --constraint | --build-constraint | --requirements-from-script"
    " | -e --editable | -t --target | --platform | --python-version | --implementation | --abi"
    " | --root | --prefix | --src --source --source-dir --source-directory | --upgrade-strategy"
    " | -C --config-settings | --progress-bar | --root-user-action | --report | --group"
    " | -i --index-url --pypi-url | --extra-index-url | -f --find-links | --uploaded-prior-to"
    " | --all-releases | --only-final | --no-binary | --only-binary | --global-option"
    " | --build-option | --install-option",
    "--no-deps --no-dependencies | --only-deps --only-dependencies | --dry-run | --user"
    " | --no-user | -U --upgrade | --force-reinstall | -I --ignore-installed"
    " | --ignore-requires-python | --no-build-isolation | --use-pep517 | --no-use-pep517"
    " | --check-build-dependencies | --break-system-packages | --compile | --no-compile"
    " | --no-warn-script-location | --no-warn-conflicts | --require-hashes | --no-clean"
    " | --no-index | --pre | --prefer-binary",
)
PIP_OPTIONS = _merge(_PIP_GENERAL, _PIP_INSTALL, abbreviations=True)
_PIP_GENERAL_ONLY = _merge(_PIP_GENERAL, abbreviations=True)

_UV_GLOBAL = _options(
    "--python-preference | --python-fetch | --color | --allow-insecure-host --trusted-host"
    " | --preview-features --preview-feature | --directory | --project | --config-file"
    " | --cache-dir",
    "-q --quiet | -v --verbose | --managed-python | --no-managed-python"
    " | --allow-python-downloads | --no-python-downloads | --no-color | --native-tls"
    " | --no-native-tls | --system-certs | --no-system-certs | --offline | --no-offline"
    " | --preview | --no-preview | --isolated | --show-settings | --no-progress"
    " | --no-installer-metadata | --no-config | -n --no-cache --no-cache-dir | -h --help"
    " | -V --version",
)
# resolver, installer, index and build options shared by `uv pip install/sync` and `uv sync`
_UV_RESOLVER = _options(
    "--index | --default-index | -i --index-url | --extra-index-url | -f --find-links"
    " | -P --upgrade-package | --upgrade-group | --reinstall-package | --index-strategy"
    " | --keyring-provider | -C --config-setting --config-settings | --config-settings-package"
    " | --exclude-newer | --exclude-newer-package | --link-mode | --resolution | --prerelease"
    " | --prerelease-package | --fork-strategy | --no-build-isolation-package"
    " | --no-sources-package | --refresh-package | -p --python | --python-platform | --extra",
    "--no-index | -U --upgrade | --no-upgrade | --reinstall --force-reinstall | --no-reinstall"
    " | --pre | --no-build-isolation | --build-isolation | --no-sources | --refresh"
    " | --no-refresh | --compile-bytecode --compile | --no-compile-bytecode --no-compile"
    " | --all-extras | --no-all-extras | --dry-run | --exact | --inexact --no-exact"
    " | --no-build | --build",
)
_UV_PIP = _options(
    "-r --requirements --requirement | -e --editable | -c --constraints --constraint"
    " | --overrides --override | --excludes --exclude | -b --build-constraints"
    " --build-constraint | --group | --no-editable-package | -t --target | --prefix"
    " | --python-version | --torch-backend | --no-binary | --only-binary",
    "--no-editable | --no-deps | --deps | --require-hashes | --no-require-hashes"
    " | --verify-hashes | --no-verify-hashes | --system | --no-system | --break-system-packages"
    " | --no-break-system-packages | --strict | --no-strict | --user"
    " | --disable-pip-version-check",
)
UV_PIP_OPTIONS = _merge(_UV_GLOBAL, _UV_RESOLVER, _UV_PIP)
UV_SYNC_OPTIONS = _merge(
    _UV_GLOBAL,
    _UV_RESOLVER,
    _options(
        "--package | --no-install-package | --only-install-package | --no-binary-package"
        " | --no-build-package | --no-editable-package | --no-extra | --group | --no-group"
        " | --only-group | --output-format | --script",
        "--active | --no-active | --all-packages | --binary | --no-binary | --check | --no-check"
        " | --editable | --no-editable | --frozen | --locked | --no-install-local"
        " | --no-install-project | --no-install-workspace | --only-install-local"
        " | --only-install-project | --only-install-workspace | --dev | --no-dev | --only-dev"
        " | --no-default-groups | --all-groups",
    ),
)

_PIP_PROGRAM_RE = re.compile(r"pip(\d+(\.\d+)?)?")
_PYTHON_PROGRAM_RE = re.compile(r"python(\d+(\.\d+)?)?")
# the interpreter's own options that take a value (python(1)); `-m` and `-c` end them
_PYTHON_VALUES = frozenset({"-W", "-X", "--check-hash-based-pycs"})
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz")
_REQUIREMENTS = frozenset({"--requirement", "--requirements"})
_CONSTRAINTS = frozenset({"--constraint", "--constraints"})


@dataclass(frozen=True)
class PipItem:
    """What one argument of `pip install` asks for, in command-line order.

    kind: "requirement" (a specifier, path, URL or archive on the command line), "editable"
    (`-e VALUE`), "requirements" (a `-r` file; for `uv pip sync`, each file operand),
    "constraints" (a `-c` file).
    """

    kind: str
    value: str
    index: int

    @property
    def name(self) -> str:
        """The distribution name a requirement specifier starts with (`flask[async]>=2` ->
        `flask`)."""
        return re.split(r"[\s<>=!~;\[]", self.value, maxsplit=1)[0]

    @property
    def pinned(self) -> bool:
        """A requirement that names an exact version, or a path, URL or archive (no index
        lookup)."""
        spec = self.value
        return (
            "==" in spec
            or "@" in spec
            or "/" in spec
            or "$" in spec
            or spec.startswith(".")
            or spec.endswith(_ARCHIVE_SUFFIXES)
        )


@dataclass(frozen=True)
class PipInstall:
    """`pip install`, `python -m pip install`, `uv pip install` or `uv pip sync`."""

    call: Call
    items: tuple[PipItem, ...]
    no_cache: bool  # `--no-cache-dir` (any prefix pip accepts), or PIP_NO_CACHE_DIR in the env

    @property
    def tool(self) -> str:
        return self.call.tool

    @property
    def program(self) -> int:
        return self.call.program

    @property
    def install(self) -> int:
        """The index of the `install` (or `sync`) word."""
        assert self.call.subcommand is not None
        return self.call.subcommand

    @property
    def no_deps(self) -> bool:
        """It installs exactly what it names, not their dependencies: `uv pip sync`,
        `pip-sync`, `--no-deps`."""
        return self.call.command == "sync" or self.call.has("--no-deps")


def read_pip(words: Sequence[str], environment: Collection[str] = ()) -> PipInstall | None:
    """`pip install ...` in its forms, or None for any other command.

    `environment`: the names of the variables the command runs with (pip reads its options
    from PIP_<OPTION> too; PIP_NO_CACHE_DIR disables the cache whatever its value).
    """
    if not words:
        return None
    program = posixpath.basename(words[0])
    if program == "uv":
        return _uv_pip(words)
    module = _python_module(words, "pip") if _PYTHON_PROGRAM_RE.fullmatch(program) else None
    if module is None and not _PIP_PROGRAM_RE.fullmatch(program):
        return None
    start = module or 0
    call = _subcommand("pip", words, start, _PIP_GENERAL_ONLY, PIP_OPTIONS)
    if call is None or call.command != "install":
        return None
    call = Call("pip", 0, call.subcommand, call.command, call.arguments, call.general)
    no_cache = call.has("--no-cache-dir") or "PIP_NO_CACHE_DIR" in environment
    return PipInstall(call, _pip_items(call.arguments), no_cache)


_PIP_WHEEL_OPTIONS = _merge(
    PIP_OPTIONS,
    _options("-w --wheel-dir | -d --dest --destination-dir --destination-directory"),
    abbreviations=True,
)
# pip-tools' `pip-sync [OPTIONS] [SRC_FILES]...` (its --help)
PIP_SYNC_OPTIONS = _options(
    "--pip-args | --python-executable | -f --find-links | -i --index-url | --extra-index-url"
    " | --trusted-host | --cert | --client-cert | --config",
    "-a --ask | -n --dry-run | --force | --user | --no-config | -v --verbose | -q --quiet"
    " | --no-color | --color | -h --help | --version",
)


def read_pip_wheel(words: Sequence[str]) -> tuple[PipInstall, str] | None:
    """`pip wheel -w DIR ...` / `pip download -d DIR ...` (any pip spelling): what it builds or
    fetches (its items, as `pip install` reads them) and the directory it writes to."""
    if not words:
        return None
    program = posixpath.basename(words[0])
    module = _python_module(words, "pip") if _PYTHON_PROGRAM_RE.fullmatch(program) else None
    if module is None and not _PIP_PROGRAM_RE.fullmatch(program):
        return None
    call = _subcommand("pip", words, module or 0, _PIP_GENERAL_ONLY, _PIP_WHEEL_OPTIONS)
    if call is None or call.command not in ("wheel", "download"):
        return None
    directory = call.value("--wheel-dir", "--dest") or "."
    return PipInstall(call, _pip_items(call.arguments), call.has("--no-cache-dir")), directory


def read_pip_sync(words: Sequence[str]) -> PipInstall | None:
    """pip-tools' `pip-sync [FILES]` (requirements.txt when none is named): the environment
    becomes exactly these files' distributions, without their dependencies."""
    if not words or posixpath.basename(words[0]) != "pip-sync":
        return None
    arguments, _ = _read(words, 1, PIP_SYNC_OPTIONS)
    call = Call("pip-sync", 0, None, "sync", tuple(arguments))
    items = tuple(
        PipItem("requirements", a.value, a.index)
        for a in arguments
        if a.option is None and a.value is not None
    )
    return PipInstall(call, items or (PipItem("requirements", "requirements.txt", 0),), False)


def _python_module(words: Sequence[str], module: str) -> int | None:
    """The index of the module word of `python [options] -m MODULE`, if it is `module`."""
    i = 1
    while i < len(words):
        word = words[i]
        if word == "-m" and i + 1 < len(words):
            return i + 1 if words[i + 1] == module else None
        if word == "-m" + module:
            return i
        if not word.startswith("-") or word == "-" or word.startswith("-c"):
            return None  # a script, stdin or `-c CODE`: not `-m`
        i += 2 if word in _PYTHON_VALUES else 1
    return None


def _uv_pip(words: Sequence[str]) -> PipInstall | None:
    call = _subcommand("uv", words, 0, _UV_GLOBAL, UV_PIP_OPTIONS)
    if call is None or call.command != "pip" or call.subcommand is None:
        return None
    inner = _subcommand("uv", words, call.subcommand, _UV_GLOBAL, UV_PIP_OPTIONS)
    if inner is None or inner.command not in ("install", "sync"):
        return None
    general = (*call.general, *inner.general)
    inner = Call("uv", 0, inner.subcommand, inner.command, inner.arguments, general)
    items = _pip_items(inner.arguments)
    if inner.command == "sync":  # its operands are requirements files
        items = tuple(
            PipItem("requirements", i.value, i.index) if i.kind == "requirement" else i
            for i in items
        )
    no_cache = inner.has("--no-cache")
    return PipInstall(inner, items, no_cache)


def _pip_items(arguments: Sequence[Argument]) -> tuple[PipItem, ...]:
    out: list[PipItem] = []
    for argument in arguments:
        if argument.value is None:
            continue
        if argument.option is None:
            out.append(PipItem("requirement", argument.value, argument.index))
        elif argument.option in _REQUIREMENTS:
            out.append(PipItem("requirements", argument.value, argument.index))
        elif argument.option in _CONSTRAINTS:
            out.append(PipItem("constraints", argument.value, argument.index))
        elif argument.option == "--editable":
            out.append(PipItem("editable", argument.value, argument.index))
    return tuple(out)


# --- project installers: uv sync, poetry install, pipenv install -----------------------------

_POETRY_GLOBAL = _options(
    "-C --directory | -P --project",
    "-h --help | -q --quiet | -V --version | --ansi | --no-ansi | -n --no-interaction"
    " | --no-plugins | --no-cache | -v --verbose",
)
POETRY_INSTALL_OPTIONS = _merge(
    _POETRY_GLOBAL,
    _options(
        "--without | --with | --only | -E --extras",
        "--no-dev | --sync | --no-root | --no-directory | --only-root | --dry-run | --all-extras"
        " | --all-groups | --compile | --remove-untracked",
    ),
)
# pipenv(1): `pipenv [--python VERSION] install [--system] [--deploy] ...`
PIPENV_OPTIONS = _options(
    "--python | --pypi-mirror | -r --requirements | --extra-pip-args | --categories",
    "--system | --deploy | --dev | -d | --ignore-pipfile | --skip-lock | --site-packages"
    " | --clear | -v --verbose | -q --quiet",
)


@dataclass(frozen=True)
class ProjectInstall:
    """`uv sync`, `poetry install` / `poetry sync`, `pipenv install` / `pipenv sync`: the
    project in the working directory and its locked dependencies."""

    call: Call
    packages: tuple[str, ...]  # `uv sync --package NAME` ("*": `--all-packages`)
    # "project": `--no-install-project` (uv), `--no-root` (poetry); "workspace":
    # `--no-install-workspace` (no workspace member either)
    skip: str

    @property
    def tool(self) -> str:
        return self.call.tool


def read_project_install(words: Sequence[str]) -> ProjectInstall | None:
    """The project install a `uv`, `poetry` or `pipenv` command runs, or None."""
    if not words:
        return None
    program = posixpath.basename(words[0])
    if program == "uv":
        call = _subcommand("uv", words, 0, _UV_GLOBAL, UV_SYNC_OPTIONS)
        if call is None or call.command != "sync":
            return None
    elif program == "poetry":
        call = _subcommand("poetry", words, 0, _POETRY_GLOBAL, POETRY_INSTALL_OPTIONS)
        if call is None or call.command not in ("install", "sync"):
            return None
    elif program == "pipenv":
        call = _subcommand("pipenv", words, 0, PIPENV_OPTIONS, PIPENV_OPTIONS)
        if call is None or call.command not in ("install", "sync"):
            return None
    else:
        return None
    packages: list[str] = []
    if call.tool == "uv":
        for argument in call.arguments:
            if argument.option == "--package" and argument.value is not None:
                packages.append(argument.value)
            elif argument.option == "--all-packages":
                packages.append("*")
    skip = ""
    if call.has("--no-install-workspace"):
        skip = "workspace"
    elif call.has("--no-install-project", "--no-root"):
        skip = "project"
    return ProjectInstall(call, tuple(packages), skip)


# --- apt ---------------------------------------------------------------------------------------

# apt-get(8): -o/-c/-t/-a take a value; -q=2, --quiet=2 and -qq are quieter (and imply -y)
APT_OPTIONS = _options(
    "-o --option | -c --config-file | -t --target-release --default-release"
    " | -a --host-architecture",
    "-y --yes --assume-yes | --assume-no | -q --quiet | -s --simulate --just-print --dry-run"
    " --recon --no-act | -d --download-only | -f --fix-broken | -m --ignore-missing --fix-missing"
    " | -u --show-upgraded | -V --verbose-versions | -b --compile --build"
    " | --no-install-recommends | --install-recommends | --install-suggests"
    " | --no-install-suggests | --reinstall | --no-upgrade | --only-upgrade | --purge"
    " | --allow-downgrades | --allow-remove-essential | --allow-change-held-packages"
    " | --allow-unauthenticated | --force-yes | --print-uris | --auto-remove --autoremove"
    " | --fix-policy | --ignore-hold | --with-new-pkgs | --list-cleanup | --trivial-only"
    " | --no-remove | --only-source | --diff-only | --dsc-only | --tar-only | --arch-only"
    " | --indep-only | -h --help | -v --version",
)
_APT_YES_RE = re.compile(r"APT::Get::Assume-Yes\s*=?\s*\"?(true|1|yes)", re.I)
_APT_NO_RECOMMENDS_RE = re.compile(r"APT::Install-Recommends\s*=?\s*\"?(false|0|no)", re.I)


@dataclass(frozen=True)
class AptCommand:
    """An `apt-get` / `apt` command: its subcommand and, for `install`, what its options say."""

    call: Call
    yes: bool  # -y, --yes, --assume-yes, -qq (which implies -y), or `-o APT::Get::Assume-Yes=1`
    no_recommends: bool  # --no-install-recommends or `-o APT::Install-Recommends=false`

    @property
    def program(self) -> str:
        return self.call.tool

    @property
    def packages(self) -> tuple[Argument, ...]:
        """The packages an `install` names (as written: `curl=7.88.1-10`, `python3/bookworm`)."""
        return self.call.operands if self.call.command == "install" else ()


def read_apt(words: Sequence[str]) -> AptCommand | None:
    """`apt-get ...` or `apt ...`, or None for another command (or one with no subcommand)."""
    if not words:
        return None
    program = posixpath.basename(words[0])
    if program not in ("apt-get", "apt"):
        return None
    before, at = _read(words, 1, APT_OPTIONS, until_operand=True)
    if at >= len(words):
        return None
    after, _ = _read(words, at + 1, APT_OPTIONS)
    call = Call(program, 0, at, words[at], tuple(after), tuple(before))
    every = (*before, *after)
    quiet = sum(1 for a in every if a.option == "--quiet" and a.value is None) + sum(
        2 for a in every if a.option == "--quiet" and a.value == "2"
    )
    yes = call.has("--yes") or quiet >= 2 or bool(_APT_YES_RE.search(" ".join(words)))
    no_recommends = call.has("--no-install-recommends") or bool(
        _APT_NO_RECOMMENDS_RE.search(" ".join(words))
    )
    return AptCommand(call, yes, no_recommends)


def apt_configuration(text: str) -> tuple[bool, bool]:
    """(assume yes, no recommends) as apt.conf settings written anywhere in `text` (a RUN that
    writes /etc/apt/apt.conf.d/, or passes `-o`)."""
    return bool(_APT_YES_RE.search(text)), bool(_APT_NO_RECOMMENDS_RE.search(text))


# --- useradd / adduser -------------------------------------------------------------------------

# shadow-utils useradd(8)
USERADD_OPTIONS = _options(
    "-b --base-dir | -c --comment | -d --home-dir | -e --expiredate | -f --inactive | -g --gid"
    " | -G --groups | -k --skel | -K --key | -p --password | -R --root | -P --prefix | -s --shell"
    " | -u --uid | -Z --selinux-user | --btrfs-subvolume-home-options",
    "-D --defaults | -h --help | -l --no-log-init | -m --create-home | -M --no-create-home"
    " | -N --no-user-group | -o --non-unique | -r --system | -U --user-group"
    " | --btrfs-subvolume-home | -F --add-subids-for-system",
)
# Debian adduser(8) (long options) and BusyBox adduser (short: -h DIR, -g GECOS, -s SHELL,
# -G GROUP, -u UID, -k SKEL take a value; -D, -S, -H are flags)
ADDUSER_OPTIONS = _options(
    "--home | --shell | --gecos --comment | --uid | --gid | --ingroup | --firstuid | --lastuid"
    " | --firstgid | --lastgid | --conf | --add-extra-groups --add_extra_groups | -h | -g | -s"
    " | -G | -u | -k",
    "--system | --group | --no-create-home | --disabled-password | --disabled-login | --quiet"
    " | -q | --debug | --force-badname | --allow-badname | --allow-all-names | --encrypt-home"
    " | --help | --version | -D | -S | -H",
)


@dataclass(frozen=True)
class UserAdd:
    """A `useradd` or `adduser` command: the user it creates and whether it has a home."""

    program: str
    name: str
    creates_home: bool


def read_useradd(words: Sequence[str]) -> UserAdd | None:
    if not words:
        return None
    program = posixpath.basename(words[0])
    if program not in ("useradd", "adduser"):
        return None
    options = USERADD_OPTIONS if program == "useradd" else ADDUSER_OPTIONS
    arguments, _ = _read(words, 1, options)
    operands = [a.value for a in arguments if a.option is None and a.value is not None]
    if not operands:
        return None
    call = Call(program, 0, None, "", tuple(arguments))
    if program == "useradd":
        home = call.has("--create-home")
    elif call.has("--system"):  # Debian adduser: home /nonexistent unless --home
        home = call.has("--home") and not call.has("--no-create-home")
    else:
        home = not call.has("-H", "--no-create-home")
    # `adduser USER GROUP` adds a user to a group: the user is the first operand either way
    return UserAdd(program, operands[0], home)


# --- docker build ------------------------------------------------------------------------------

# `docker build` / `docker buildx build` (docs.docker.com reference) and the podman-build(1)
# options commonly written in CI; every other option is a flag
DOCKER_BUILD_OPTIONS = _options(
    "-f --file | -t --tag | --build-arg | --target | --platform | --label | --secret | --ssh"
    " | --cache-from | --cache-to | -o --output | --network | --progress | --iidfile"
    " | --add-host | --build-context | --annotation | --attest | --metadata-file | --shm-size"
    " | --ulimit | --allow | --builder | --call | --cgroup-parent | --no-cache-filter"
    " | --cpu-period | --cpu-quota | -c --cpu-shares | --cpuset-cpus | --cpuset-mems"
    " | --isolation | -m --memory | --memory-swap | --security-opt | --authfile"
    " | --build-arg-file | --cert-dir | --creds | --format | --jobs | --manifest | --ignorefile"
    " | -v --volume | --env",
)


@dataclass(frozen=True)
class DockerBuild:
    """The arguments of `docker build`: the Dockerfile (`-f`, last one given), the first tag
    (`-t`) and the context (the first operand)."""

    file: str | None
    tag: str | None
    context: str | None


def read_docker_build(arguments: Sequence[str]) -> DockerBuild:
    """Read the words after `docker build` (or `docker buildx build`, `podman build`)."""
    read, _ = _read(arguments, 0, DOCKER_BUILD_OPTIONS)
    file = tag = context = None
    for argument in read:
        if argument.option is None:
            context = context if context is not None else argument.value
        elif argument.option == "--file" and argument.value is not None:
            file = argument.value
        elif argument.option == "--tag" and tag is None:
            tag = argument.value
    return DockerBuild(file, tag, context)
