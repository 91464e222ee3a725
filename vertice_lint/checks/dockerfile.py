"""VL7xx: Dockerfile rules, read from the parsed Dockerfiles of the images the repository builds.

Only Dockerfiles that build an image (`ws.images`) are checked, each once even when several
build contexts use it: a stale `Dockerfile.old` is not an image and yields nothing. Shell-form
RUN text is split into simple commands with the offset of every word, so a diagnostic points
at the word and a fix is a span edit of the file text.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import pathspec

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic, Edit, Evidence, Fix, Safety
from vertice_lint.discover import DEFAULT_EXCLUDES
from vertice_lint.fix.text_edit import newline_of
from vertice_lint.model import BasePython, DockerfileFacts, Image, StageFacts, Workspace
from vertice_lint.parsers.dockerfile import Copy, Dockerfile, Instruction, Invocation, Stage
from vertice_lint.parsers.dockerignore import DockerIgnore

APT_LISTS = "/var/lib/apt/lists"
APT_CLEANUP = "rm -rf /var/lib/apt/lists/*"

# --- which Dockerfiles, and their RUN instructions ------------------------------------------


def _dockerfiles(ws: Workspace) -> Iterator[tuple[str, Dockerfile, str]]:
    """(path, record, text) of every Dockerfile that builds an image, once, in path order."""
    for path in sorted({image.dockerfile for image in ws.images}):
        parsed = ws.files.get(path)
        record = parsed.record if parsed is not None else None
        if parsed is None or parsed.text is None or not isinstance(record, Dockerfile):
            continue
        yield path, record, parsed.text.text


def _built_dockerfiles(ws: Workspace) -> Iterator[tuple[str, Dockerfile, str, DockerfileFacts]]:
    """(path, tree, text, facts) of every Dockerfile that builds an image, once, in path order."""
    facts = {i.dockerfile: i.dockerfile_facts for i in ws.images if i.dockerfile_facts is not None}
    for path in sorted(facts):
        record, text = ws.dockerfile(path), ws.text(path)
        if record is not None and text is not None:
            yield path, record, text, facts[path]


def _runs(stage: Stage) -> Iterator[tuple[Instruction, Invocation]]:
    """Shell-form RUNs of a stage (heredoc scripts are not read) with their instruction."""
    instructions = [i for i in stage.instructions if i.keyword == "RUN"]
    for instruction, run in zip(instructions, stage.runs, strict=True):
        if run.form == "shell" and not run.heredocs:
            yield instruction, run


def _ancestry(record: Dockerfile, stage: Stage) -> list[Stage]:
    """The stage and the stages it is built FROM, nearest first."""
    chain = [stage]
    while chain[-1].base_stage is not None:
        chain.append(record.stages[chain[-1].base_stage])
    return chain


def _span_end(instruction: Instruction, end: int) -> int:
    """The file offset just after `text[end - 1]` (the same line, not the next segment)."""
    return instruction.file_offset(end - 1) + 1


# --- shell text with word offsets ------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    """A shell word: its value (quotes and escapes removed) and its span in Instruction.text."""

    value: str
    start: int
    end: int


@dataclass(frozen=True)
class _Command:
    """A simple command: leading `NAME=value` assignments, then its words (wrappers dropped)."""

    assignments: tuple[str, ...]
    argv: tuple[_Word, ...]

    @property
    def program(self) -> str:
        return posixpath.basename(self.argv[0].value) if self.argv else ""


@dataclass(frozen=True)
class _Script:
    commands: tuple[_Command, ...]
    has_comment: bool


_OPERATOR_CHARS = ";&|()\n"
_ASSIGNMENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_LEADING_WORDS = frozenset({"if", "then", "else", "elif", "while", "until", "do", "!", "{", "time"})
_WRAPPERS = frozenset({"sudo", "exec", "env", "command", "nohup"})


def _script(text: str, start: int) -> _Script:
    """Split `text[start:]` into simple commands; redirections and comments are left out."""
    raw: list[list[_Word]] = [[]]
    value: list[str] = []
    begin = -1
    quote = ""
    redirect = False
    comment = False
    i, n = start, len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
            elif quote == '"' and c == "\\" and i + 1 < n and text[i + 1] in '"\\$`':
                i += 1
                value.append(text[i])
            else:
                value.append(c)
            i += 1
            continue
        is_redirect = c in "<>" or (c == "&" and text[i + 1 : i + 2] == ">")
        if c in " \t" or c in _OPERATOR_CHARS or is_redirect:
            if begin >= 0:
                word = _Word("".join(value), begin, i)
                fd_number = is_redirect and word.value.isdigit()
                if redirect:
                    redirect = False
                elif not fd_number:
                    raw[-1].append(word)
                value, begin = [], -1
            if is_redirect:
                i += 1
                while i < n and text[i] in "<>&":
                    i += 1
                redirect = True
                continue
            if c in _OPERATOR_CHARS:
                raw.append([])
            i += 1
            continue
        if begin < 0:
            if c == "#":
                comment = True
                end = text.find("\n", i)
                i = n if end < 0 else end
                continue
            begin = i
        if c == "\\" and i + 1 < n:
            value.append(text[i + 1])
            i += 2
            continue
        if c in "'\"":
            quote = c
        else:
            value.append(c)
        i += 1
    if begin >= 0 and not redirect:
        raw[-1].append(_Word("".join(value), begin, n))
    commands = (_simple(words) for words in raw)
    return _Script(tuple(c for c in commands if c.argv), comment)


def _simple(words: Sequence[_Word]) -> _Command:
    assignments: list[str] = []
    rest = list(words)
    while rest:
        word = rest[0].value
        if _ASSIGNMENT_RE.match(word):
            assignments.append(word)
        elif word in _LEADING_WORDS or word in _WRAPPERS:
            pass
        elif rest[0] is not words[0] and word.startswith("-") and words[0].value == "sudo":
            pass  # sudo's own options
        else:
            break
        rest.pop(0)
    return _Command(tuple(assignments), tuple(rest))


def _split_subcommand(
    argv: Sequence[_Word], takes_value: frozenset[str]
) -> tuple[list[str], _Word | None, list[_Word]]:
    """Options before the subcommand, the subcommand word, and the words after it."""
    options: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i].value
        if not word.startswith("-") or word == "-":
            return options, argv[i], list(argv[i + 1 :])
        options.append(word)
        if word in takes_value and i + 1 < len(argv):
            options.append(argv[i + 1].value)
            i += 1
        i += 1
    return options, None, []


def _mount_targets(instruction: Instruction) -> list[str]:
    """Targets of the RUN's `--mount` flags."""
    targets = []
    for name, value in instruction.flags:
        if name != "mount":
            continue
        for part in value.split(","):
            key, _, target = part.partition("=")
            if key.strip() in ("target", "dst", "destination"):
                targets.append(posixpath.normpath(target.strip()))
    return targets


# --- VL701 apt-hygiene -----------------------------------------------------------------------

_APT_TAKES_VALUE = frozenset(
    {"-o", "-c", "-t", "-a", "--option", "--config-file", "--target-release", "--host-architecture"}
)
_APT_NO_RECOMMENDS_RE = re.compile(r"APT::Install-Recommends\s*=?\s*\"?(false|0|no)", re.I)
_APT_YES_RE = re.compile(r"APT::Get::Assume-Yes\s*=?\s*\"?(true|1|yes)", re.I)


@dataclass(frozen=True)
class _AptInstall:
    program: _Word
    install: _Word
    yes: bool
    no_recommends: bool


def _apt_command(command: _Command) -> tuple[str, _AptInstall | None]:
    """The apt-get subcommand, and for `install` what its options say."""
    if command.program not in ("apt-get", "apt"):
        return "", None
    before, sub, after = _split_subcommand(command.argv[1:], _APT_TAKES_VALUE)
    if sub is None:
        return "", None
    if sub.value != "install" or command.program != "apt-get":
        return sub.value, None
    options = before + [w.value for w in after if w.value.startswith("-")]
    words = " ".join(w.value for w in command.argv)
    short = [_short_flags(o) for o in options if o.startswith("-") and o[1:2] != "-"]
    quiet = sum(s.count("q") for s in short) + sum(o.startswith("-q=2") for o in options)
    yes = (
        any("y" in s for s in short)
        or any(o in ("--yes", "--assume-yes", "--quiet=2") for o in options)
        or quiet >= 2
        or bool(_APT_YES_RE.search(words))
    )
    no_recommends = "--no-install-recommends" in options or bool(
        _APT_NO_RECOMMENDS_RE.search(words)
    )
    return "install", _AptInstall(command.argv[0], sub, yes, no_recommends)


def _short_flags(option: str) -> str:
    """The flag letters of a short-option cluster, up to one that takes a value (`-yqoFoo=1`)."""
    letters = re.match(r"[^octa=]*", option[1:])
    return letters.group(0) if letters else ""


def _apt_configured(record: Dockerfile, stage: Stage) -> str:
    """The RUN text of the stage and its bases, where apt.conf settings may be written."""
    parts = []
    for each in _ancestry(record, stage):
        for instruction in each.instructions:
            if instruction.keyword == "RUN":
                parts.append(instruction.text)
                parts.extend(h.content for h in instruction.heredocs)
    return "\n".join(parts)


def apt_hygiene(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """`apt-get install` without update, -y, --no-install-recommends or lists cleanup."""
    for path, record, text in _dockerfiles(ws):
        # the final stage and the stages it is built FROM: their layers are the image
        shipped = {st.index for st in _ancestry(record, record.final)}
        for stage in record.stages:
            configured = _apt_configured(record, stage)
            for instruction, _run in _runs(stage):
                diagnostic = _apt_run(
                    ctx, path, text, record, instruction, configured, stage.index in shipped
                )
                if diagnostic is not None:
                    yield diagnostic


def _apt_run(
    ctx: CheckContext,
    path: str,
    text: str,
    record: Dockerfile,
    instruction: Instruction,
    configured: str,
    shipped: bool = True,
) -> Diagnostic | None:
    script = _script(instruction.text, instruction.args_offset)
    subcommands = [_apt_command(c) for c in script.commands]
    installs = [(i, inst) for i, (_, inst) in enumerate(subcommands) if inst is not None]
    if not installs:
        return None
    first, last = installs[0][0], installs[-1][0]
    updated = any(sub == "update" for sub, _ in subcommands[:first])
    yes_everywhere = bool(_APT_YES_RE.search(configured))
    recommends_off = bool(_APT_NO_RECOMMENDS_RE.search(configured))
    cached = any(t in ("/var/lib/apt", APT_LISTS) for t in _mount_targets(instruction))
    cleaned = cached or any(
        c.program == "rm" and any(w.value.startswith(APT_LISTS) for w in c.argv[1:])
        for c in script.commands[last + 1 :]
    )
    if not shipped:
        # a builder stage: its layers never reach the image, so their size does not matter
        recommends_off, cleaned = True, True
    no_yes = [inst for _, inst in installs if not (inst.yes or yes_everywhere)]
    with_recommends = [inst for _, inst in installs if not (inst.no_recommends or recommends_off)]
    missing = []
    if not updated:
        missing.append(
            "without `apt-get update` in the same RUN (add `apt-get update && ` before it)"
        )
    if no_yes:
        missing.append("without -y")
    if with_recommends:
        missing.append("without --no-install-recommends")
    if not cleaned:
        missing.append(f"without `{APT_CLEANUP}` afterwards")
    if not missing:
        return None
    fix = None
    tail = instruction.text.rstrip()[-1:]
    if updated and not script.has_comment and tail not in (";", "&", "|"):
        edits = []
        for _, inst in installs:
            flags = ("" if inst.yes or yes_everywhere else " -y") + (
                "" if inst.no_recommends or recommends_off else " --no-install-recommends"
            )
            if flags:
                at = _span_end(instruction, inst.install.end)
                edits.append(Edit(path, at, at, flags))
        if not cleaned:
            at = _span_end(instruction, len(instruction.text))
            edits.append(Edit(path, at, at, _apt_cleanup_text(text, record, instruction)))
        fix = Fix(
            tuple(edits),
            Safety.SAFE,
            "add -y and --no-install-recommends after `install` and remove the package lists"
            " at the end of the RUN",
        )
    line, col = instruction.position(installs[0][1].program.start)
    return ctx.diagnostic(path, line, col, "`apt-get install` " + ", ".join(missing), fix=fix)


def _apt_cleanup_text(text: str, record: Dockerfile, instruction: Instruction) -> str:
    """` \\` + newline + the cleanup, in the continuation style the RUN already uses."""
    newline = newline_of(text)
    lines = [text[start:].split("\n", 1)[0].rstrip("\r") for *_, start in instruction.segments[1:]]
    leading = [line for line in lines if line.lstrip().startswith("&&")]
    trailing = any(
        _line_before(text, _span_end(instruction, offset)).rstrip().endswith("&&")
        for offset, *_ in instruction.segments[1:]
    )
    if leading or not trailing:
        model = leading[-1] if leading else (lines[0] if lines else "    ")
        indent = model[: len(model) - len(model.lstrip())] or "    "
        return f" {record.escape}{newline}{indent}&& {APT_CLEANUP}"
    indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())] or "    "
    return f" && {record.escape}{newline}{indent}{APT_CLEANUP}"


def _line_before(text: str, offset: int) -> str:
    """The part of the physical line before `offset`."""
    return text[text.rfind("\n", 0, offset) + 1 : offset]


# --- VL702 copy-source-missing ---------------------------------------------------------------

_VARIABLE_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class _Context:
    """The paths a build context sends (files and their directories), relative to it."""

    image: Image
    paths: frozenset[str]
    sent: frozenset[str]  # minus what .dockerignore excludes
    ignore: DockerIgnore | None
    excludes: pathspec.GitIgnoreSpec | None  # the config's: such paths were never listed


def _context(ws: Workspace, image: Image, excludes: pathspec.GitIgnoreSpec | None) -> _Context:
    prefix = f"{image.context}/" if image.context else ""
    ignore_file = ws.files.get(image.dockerignore) if image.dockerignore else None
    ignore = ignore_file.record if ignore_file is not None else None
    ignore = ignore if isinstance(ignore, DockerIgnore) else None
    paths: set[str] = set()
    sent: set[str] = set()
    for path in ws.files:
        if not path.startswith(prefix):
            continue
        rel = path[len(prefix) :]
        family = [rel, *(str(p) for p in PurePosixPath(rel).parents if str(p) != ".")]
        paths.update(family)
        if ignore is None or not ignore.excludes(rel):
            sent.update(family)
    return _Context(image, frozenset(paths), frozenset(sent), ignore, excludes)


def _glob_regex(pattern: str) -> re.Pattern[str]:
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


def _unresolved(source_text: str, record: Dockerfile, stage: Stage) -> bool:
    """Whether the source names a variable with no value in the default build."""
    globals_ = {a.name for a in record.global_args if a.default is not None}
    known = {e.name for e in stage.env} | {
        a.name for a in stage.args if a.default is not None or a.name in globals_
    }
    return any(name not in known for name in _VARIABLE_RE.findall(source_text))


def _not_listed(context: _Context, repo_path: str) -> bool:
    """A path discovery leaves out (default or configured excludes): absence proves nothing."""
    if any(part in DEFAULT_EXCLUDES for part in PurePosixPath(repo_path).parts):
        return True
    spec = context.excludes
    return spec is not None and (spec.match_file(repo_path) or spec.match_file(repo_path + "/"))


def _missing_from(context: _Context, value: str) -> str | None:
    """Why a COPY source is not in this build context, or None when it is."""
    name = f"`{context.image.context or '.'}`"
    rel = posixpath.normpath(value.lstrip("/")) if value.lstrip("/") else "."
    if rel == ".." or rel.startswith("../"):
        return f"is outside the build context {name}"
    if rel == ".":
        return None
    repo_path = posixpath.join(context.image.context, rel)
    if _not_listed(context, re.split(r"[*?\[]", repo_path)[0].rstrip("/") or repo_path):
        return None
    if any(c in rel for c in "*?["):
        regex = _glob_regex(rel)
        matches = sorted(p for p in context.paths if regex.fullmatch(p))
        sent = any(p in context.sent for p in matches)
    else:
        matches = [rel] if rel in context.paths else []
        sent = rel in context.sent
    if sent:
        return None
    if not matches or context.ignore is None:
        return f"matches nothing in the build context {name}"
    pattern = context.ignore.deciding_pattern(matches[0])
    where = f"{context.ignore.path}:{pattern.line} `{pattern.text}`" if pattern else "it"
    return f"is excluded from the build context {name} by {where}"


def copy_source_missing(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A COPY/ADD source that is in none of the build contexts the Dockerfile is built from."""
    excludes = pathspec.GitIgnoreSpec.from_lines(ws.config.exclude) if ws.config.exclude else None
    contexts: dict[str, list[_Context]] = {}
    for image in sorted(ws.images, key=lambda i: (i.dockerfile, i.context)):
        contexts.setdefault(image.dockerfile, []).append(_context(ws, image, excludes))
    for path, record, _text in _dockerfiles(ws):
        for stage in record.stages:
            for copy in stage.copies:
                if copy.from_stage is not None:
                    continue
                yield from _copy_sources(ctx, path, record, stage, copy, contexts[path])


def _copy_sources(
    ctx: CheckContext,
    path: str,
    record: Dockerfile,
    stage: Stage,
    copy: Copy,
    contexts: Sequence[_Context],
) -> Iterator[Diagnostic]:
    keyword = "ADD" if copy.is_add else "COPY"
    for source in copy.sources:
        value = source.value
        if "://" in value or value.startswith("git@") or _unresolved(source.text, record, stage):
            continue
        reasons = [_missing_from(context, value) for context in contexts]
        if any(reason is None for reason in reasons):
            continue
        evidence = [
            Evidence(
                path,
                copy.line,
                copy.col,
                f"built with context `{c.image.context or '.'}` ({c.image.link.reason})",
            )
            for c in contexts
        ]
        yield ctx.diagnostic(
            path,
            source.line,
            source.col,
            f"{keyword} source `{source.text}` " + "; and ".join(str(r) for r in reasons),
            evidence=evidence,
        )


# --- VL703 python-path-version ---------------------------------------------------------------

_PYTHON_PATH_RE = re.compile(r"(?<=/)python(3\.\d+)(?!\d)")


def python_path_version(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A hard-coded `python3.X` path that is not the base image's Python."""
    for path, record, _text, facts in _built_dockerfiles(ws):
        for stage, stage_facts in zip(record.stages, facts.stages, strict=True):
            copies = {copy.line: copy for copy in stage.copies}
            for instruction in stage.instructions:
                if instruction.keyword not in ("RUN", "ENV", "COPY", "ADD"):
                    continue
                for start, end, version, base in _python_paths(
                    facts, stage_facts, instruction, copies.get(instruction.line)
                ):
                    if version in stage_facts.named_pythons:
                        continue  # the stage names that Python itself: it may install it
                    line, col = instruction.position(start)
                    fix = None
                    begin, stop = instruction.file_offset(start), _span_end(instruction, end)
                    if stop - begin == end - start:
                        fix = Fix(
                            (Edit(path, begin, stop, base.version),),
                            Safety.SAFE,
                            f"use the base image's Python {base.version}",
                        )
                    yield ctx.diagnostic(
                        path,
                        line,
                        col,
                        f"`{_path_around(instruction.text, start)}` is a Python {version} path,"
                        f" but the base image {base.image} has Python {base.version}: the path"
                        " does not exist in the image",
                        fix=fix,
                        evidence=(Evidence(path, base.line, base.col, f"FROM {base.image}"),),
                    )


def _path_around(text: str, offset: int) -> str:
    """The path word around `text[offset]` (an ENV name or a `:` list separator ends it)."""
    stops = " \t:=;,'\""
    start, end = offset, offset
    while start > 0 and text[start - 1] not in stops:
        start -= 1
    while end < len(text) and text[end] not in stops:
        end += 1
    return text[start:end]


def _python_paths(
    facts: DockerfileFacts, stage: StageFacts, instruction: Instruction, copy: Copy | None
) -> Iterator[tuple[int, int, str, BasePython]]:
    """(start, end, version, base) of each `python3.X` path whose version differs from its base."""
    args = instruction.text[instruction.args_offset :]
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", args)]
    for match in _PYTHON_PATH_RE.finditer(args):
        base = stage.python
        if instruction.keyword in ("COPY", "ADD") and copy is not None:
            is_dest = bool(words) and match.start() >= words[-1][0]
            if not is_dest:
                # A source path lives in the stage it is copied from (context files: no Python).
                if copy.from_index is None:
                    continue
                base = facts.stages[copy.from_index].python
        if base is None or match.group(1) == base.version:
            continue
        start = instruction.args_offset + match.start(1)
        yield start, start + len(match.group(1)), match.group(1), base


# --- VL704 pip-hygiene -----------------------------------------------------------------------

_PIP_PROGRAM_RE = re.compile(r"pip(3(\.\d+)?)?$")
_PYTHON_PROGRAM_RE = re.compile(r"python(3(\.\d+)?)?$")
_PIP_TAKES_VALUE = frozenset(
    {
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--src",
        "--upgrade-strategy",
        "--progress-bar",
        "--no-binary",
        "--only-binary",
        "--trusted-host",
        "--cache-dir",
        "--log",
        "--proxy",
        "--retries",
        "--timeout",
        "--exists-action",
        "--cert",
        "--client-cert",
        "--global-option",
        "--config-settings",
        "-C",
        "--report",
        "--python",
    }
)
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz")


@dataclass(frozen=True)
class _PipInstall:
    program: _Word
    install: _Word
    no_cache: bool
    unpinned: tuple[str, ...]


def _pip_install(command: _Command) -> _PipInstall | None:
    argv = list(command.argv)
    if _PYTHON_PROGRAM_RE.match(command.program):
        index = next((i for i, w in enumerate(argv) if w.value == "-m"), None)
        if index is None or index + 1 >= len(argv) or argv[index + 1].value != "pip":
            return None
        rest = argv[index + 2 :]
    elif _PIP_PROGRAM_RE.match(command.program):
        rest = argv[1:]
    else:
        return None
    before, sub, after = _split_subcommand(rest, _PIP_TAKES_VALUE)
    if sub is None or sub.value != "install":
        return None
    options = list(before)
    unpinned = []
    i = 0
    while i < len(after):
        word = after[i].value
        if word.startswith("-"):
            options.append(word)
            i += 2 if word in _PIP_TAKES_VALUE else 1
            continue
        name = re.split(r"[\s<>=!~;\[]", word, maxsplit=1)[0]
        if not _pinned(word) and name.lower() not in _INSTALLER_TOOLS:
            # a range is shown as written: `fastapi>=0.111` is a constraint, not a pin
            ranged = any(op in word for op in "<>=~!")
            unpinned.append(word.split(";", 1)[0].strip() if ranged else name)
        i += 1
    # pip's optparse takes any unambiguous prefix: `--no-cache` is `--no-cache-dir`
    no_cache = any(o in _NO_CACHE_SPELLINGS for o in options) or any(
        a.startswith("PIP_NO_CACHE_DIR=") for a in command.assignments
    )
    return _PipInstall(argv[0], sub, no_cache, tuple(unpinned))


_NO_CACHE_SPELLINGS = frozenset(
    {"--no-cache", "--no-cache-", "--no-cache-d", "--no-cache-di", "--no-cache-dir"}
)

# `pip install --upgrade pip wheel`: the installer itself, which the app never imports
_INSTALLER_TOOLS = frozenset({"pip", "wheel"})


def _pinned(spec: str) -> bool:
    """A requirement that names an exact version, or a path, URL or archive (not an index name)."""
    return (
        "==" in spec
        or "@" in spec
        or "/" in spec
        or "$" in spec
        or spec.startswith(".")
        or spec.endswith(_ARCHIVE_SUFFIXES)
    )


def pip_hygiene(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """`pip install` without --no-cache-dir, or of packages without a version pin."""
    for path, record, _text in _dockerfiles(ws):
        for stage in record.stages:
            # `ENV PIP_NO_CACHE_DIR=…`, or `ARG PIP_NO_CACHE_DIR=…` with a default (RUN sees it
            # as an environment variable); pip disables its cache for any value, even `0`
            env_no_cache = stage.env_var("PIP_NO_CACHE_DIR") is not None or any(
                a.name == "PIP_NO_CACHE_DIR" and a.default is not None for a in stage.args
            )
            for instruction, _run in _runs(stage):
                diagnostic = _pip_run(ctx, path, instruction, env_no_cache)
                if diagnostic is not None:
                    yield diagnostic


def _pip_run(
    ctx: CheckContext, path: str, instruction: Instruction, env_no_cache: bool
) -> Diagnostic | None:
    script = _script(instruction.text, instruction.args_offset)
    installs = [p for p in (_pip_install(c) for c in script.commands) if p is not None]
    if not installs:
        return None
    cached = env_no_cache or any(
        "/.cache" in target or target.endswith("/pip") for target in _mount_targets(instruction)
    )
    with_cache = [p for p in installs if not (p.no_cache or cached)]
    unpinned = [name for p in installs for name in p.unpinned]
    parts = []
    if with_cache:
        parts.append("without --no-cache-dir")
    if unpinned:
        first: dict[str, str] = {}
        for spec in unpinned:
            first.setdefault(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0].lower(), spec)
        names = ", ".join(first.values())
        parts.append(f"with unpinned packages: {names} (pin them: `name==version`)")
    if not parts:
        return None
    fix = None
    if with_cache and not unpinned:
        edits = []
        for p in with_cache:
            at = _span_end(instruction, p.install.end)
            edits.append(Edit(path, at, at, " --no-cache-dir"))
        fix = Fix(tuple(edits), Safety.SAFE, "add --no-cache-dir after `install`")
    line, col = instruction.position(installs[0].program.start)
    return ctx.diagnostic(path, line, col, "`pip install` " + " and ".join(parts), fix=fix)


# --- VL705 shell-form-entrypoint -------------------------------------------------------------


def shell_form_entrypoint(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """CMD/ENTRYPOINT of the final stage in shell form: /bin/sh, not the app, gets SIGTERM."""
    for path, record, _text in _dockerfiles(ws):
        final = record.final
        for invocation in (final.entrypoint, final.cmd):
            if invocation is None or invocation.form != "shell":
                continue
            instruction = next(
                (
                    i
                    for i in record.instructions
                    if i.keyword == invocation.keyword
                    and i.position(i.args_offset) == (invocation.line, invocation.col)
                ),
                None,
            )
            if instruction is None:
                continue
            yield _shell_form(ctx, path, instruction, invocation)


def _shell_form(
    ctx: CheckContext, path: str, instruction: Instruction, invocation: Invocation
) -> Diagnostic:
    keyword = invocation.keyword
    message = (
        f"{keyword} in shell form runs as `/bin/sh -c`, so SIGTERM goes to the shell, not the"
        " app, and the pod is killed at the end of its grace period"
    )
    exec_form = json.dumps(list(invocation.args), ensure_ascii=False)
    contiguous = len(instruction.segments) == instruction.end_line - instruction.line + 1
    fix = None
    if invocation.has_shell_syntax:
        message += f"; no automatic fix: {_why_shell(invocation)}"
    elif not invocation.args or not contiguous:
        message += f"; write it as {keyword} {exec_form}"
    else:
        start = instruction.file_offset(instruction.args_offset)
        end = _span_end(instruction, len(instruction.text))
        fix = Fix((Edit(path, start, end, exec_form),), Safety.SAFE, "rewrite in exec form")
        message += f"; use the exec form {keyword} {exec_form}"
    return ctx.diagnostic(path, invocation.line, invocation.col, message, fix=fix)


def _why_shell(invocation: Invocation) -> str:
    first = invocation.args[0] if invocation.args else ""
    if invocation.text.startswith("["):
        return "it is not a valid JSON array, so Docker runs it as shell form; quote every element"
    if first == "exec":
        rest = json.dumps(list(invocation.args[1:]), ensure_ascii=False)
        return f"`exec` is a shell builtin (the exec form of this command is {rest})"
    if _ASSIGNMENT_RE.match(first):
        return "it sets variables before the command; set them with ENV and use the exec form"
    if "$" in invocation.text or "`" in invocation.text:
        return (
            "it expands variables, which the exec form does not; run it from a script"
            " that ends with `exec`"
        )
    return (
        "it uses shell operators, globs or redirections; run it from a script that ends with `exec`"
    )
