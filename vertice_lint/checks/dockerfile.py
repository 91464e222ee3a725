"""VL7xx: Dockerfile rules, comparing the Dockerfile facts of the images the repository builds.

Only Dockerfiles that build an image (`ws.images`) are checked, each once even when several
build contexts use it: a stale `Dockerfile.old` is not an image and yields nothing. Every stage
is checked, built into the final image or not. The facts come from link/image.py
(`Image.dockerfile_facts`: the stages, their base Python, their shell-form RUNs as commands
whose words keep their offsets and as apt/pip read them; `Image.context_sources`: each COPY
source looked up in the build context), so a diagnostic points at a word and a fix is a span
edit of the file text (`ws.text`).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic, Edit, Evidence, Fix, Safety
from vertice_lint.fix.text_edit import newline_of
from vertice_lint.model import (
    BasePython,
    ContextSource,
    DockerfileFacts,
    Image,
    RunCommand,
    RunStep,
    StageFacts,
    Workspace,
)
from vertice_lint.model.files import (
    AptCommand,
    Copy,
    Dockerfile,
    Instruction,
    Invocation,
    Stage,
)

APT_LISTS = "/var/lib/apt/lists"
APT_CLEANUP = "rm -rf /var/lib/apt/lists/*"

# --- which Dockerfiles ------------------------------------------------------------------------


def _built_dockerfiles(ws: Workspace) -> Iterator[tuple[str, Dockerfile, str, DockerfileFacts]]:
    """(path, tree, text, facts) of every Dockerfile that builds an image, once, in path order."""
    facts = {i.dockerfile: i.dockerfile_facts for i in ws.images if i.dockerfile_facts is not None}
    for path in sorted(facts):
        record, text = ws.dockerfile(path), ws.text(path)
        if record is not None and text is not None:
            yield path, record, text, facts[path]


def _span_end(instruction: Instruction, end: int) -> int:
    """The file offset just after `text[end - 1]` (the same line, not the next segment)."""
    return instruction.file_offset(end - 1) + 1


# --- VL701 apt-hygiene -----------------------------------------------------------------------


def _apt_get_install(command: RunCommand) -> AptCommand | None:
    apt = command.apt
    if apt is None or apt.program != "apt-get" or apt.call.command != "install":
        return None
    return apt


def apt_hygiene(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """`apt-get install` without update, -y, --no-install-recommends or lists cleanup."""
    for path, record, text, facts in _built_dockerfiles(ws):
        for stage in facts.stages:
            for run in stage.runs:
                diagnostic = _apt_run(ctx, path, text, record, facts, stage, run)
                if diagnostic is not None:
                    yield diagnostic


# apt commands that read the package lists (`apt-get update` writes them; remove, purge,
# clean and autoremove read only the installed packages)
_READS_LISTS = frozenset(
    {"install", "reinstall", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source"}
    | {"download", "show", "policy", "search", "list", "depends", "rdepends", "madison"}
)


def _later_list_reader(
    record: Dockerfile, facts: DockerfileFacts, stage: StageFacts, run: RunStep
) -> Instruction | None:
    """The first later RUN, in this stage or a stage built FROM it, that reads the apt package
    lists before it runs `apt-get update` itself: removing the lists at the end of `run` would
    make it fail (`E: Unable to locate package`). A RUN the model does not split (exec form,
    heredoc) that names apt counts as one."""
    steps = {r.instruction.start: r for each in facts.stages for r in each.runs}
    stages = [
        each for each in record.stages if any(s.index == stage.index for s in record.ancestry(each))
    ]
    later = sorted(
        (i for each in stages for i in each.instructions if i.keyword == "RUN"),
        key=lambda i: i.start,
    )
    for instruction in later:
        if instruction.start <= run.instruction.start:
            continue
        step = steps.get(instruction.start)
        if step is None:
            if _APT_WORD_RE.search(instruction.text) or any(
                _APT_WORD_RE.search(h.content) for h in instruction.heredocs
            ):
                return instruction
            continue
        for command in step.commands:
            apt = command.apt
            if apt is not None and apt.call.command == "update":
                break  # this RUN fetches the lists again first
            if (apt is not None and apt.call.command in _READS_LISTS) or (
                command.words.program in ("apt-cache", "aptitude")
            ):
                return instruction
    return None


_APT_WORD_RE = re.compile(r"\bapt(-get|-cache|itude)?\b")


def _apt_run(
    ctx: CheckContext,
    path: str,
    text: str,
    record: Dockerfile,
    facts: DockerfileFacts,
    stage: StageFacts,
    run: RunStep,
) -> Diagnostic | None:
    instruction = run.instruction
    installs = [(i, c) for i, c in enumerate(run.commands) if _apt_get_install(c) is not None]
    if not installs:
        return None
    first, last = installs[0][0], installs[-1][0]
    updated = any(
        c.apt is not None and c.apt.call.command == "update" for c in run.commands[:first]
    )
    yes_everywhere = stage.apt_assume_yes
    recommends_off = stage.apt_no_recommends
    cached = any(t in ("/var/lib/apt", APT_LISTS) for t in run.mounts)
    cleaned = cached or any(
        c.words.program == "rm" and any(w.value.startswith(APT_LISTS) for w in c.words.argv[1:])
        for c in run.commands[last + 1 :]
    )
    if not stage.shipped:
        # a builder stage: its layers never reach the image, so their size does not matter
        recommends_off, cleaned = True, True
    applied = [(c, a) for _, c in installs if (a := _apt_get_install(c)) is not None]
    no_yes = [c for c, apt in applied if not (apt.yes or yes_everywhere)]
    with_recommends = [c for c, apt in applied if not (apt.no_recommends or recommends_off)]
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
    message = "`apt-get install` " + ", ".join(missing)
    reader = None if cleaned else _later_list_reader(record, facts, stage, run)
    if reader is not None:
        # the cleanup would break the later RUN: that one needs its own update first
        message += (
            f"; no automatic fix: the RUN at line {reader.line} reads the package"
            " lists this one leaves (give it its own `apt-get update` first)"
        )
    elif updated and not run.has_comment and tail not in (";", "&", "|"):
        edits = []
        for command, apt in applied:
            flags = ("" if apt.yes or yes_everywhere else " -y") + (
                "" if apt.no_recommends or recommends_off else " --no-install-recommends"
            )
            if flags and apt.call.subcommand is not None:
                at = _span_end(instruction, command.words.argv[apt.call.subcommand].end)
                edits.append(Edit(path, at, at, flags))
        if not cleaned:
            at = _span_end(instruction, len(instruction.text))
            edits.append(Edit(path, at, at, _apt_cleanup_text(text, record, instruction)))
        # --no-install-recommends changes which packages the image gets (a recommended one
        # the app needs is gone): never a safe fix; -y and the cleanup install the same
        fix = Fix(
            tuple(edits),
            Safety.UNSAFE if with_recommends else Safety.SAFE,
            _apt_fix_description(bool(no_yes), bool(with_recommends), not cleaned),
        )
    line, col = instruction.position(applied[0][0].words.argv[0].start)
    return ctx.diagnostic(path, line, col, message, fix=fix)


def _apt_fix_description(yes: bool, recommends: bool, cleanup: bool) -> str:
    flags = " and ".join(
        f for f, on in (("-y", yes), ("--no-install-recommends", recommends)) if on
    )
    parts = [f"add {flags} after `install`"] if flags else []
    if cleanup:
        parts.append("remove the package lists at the end of the RUN")
    what = " and ".join(parts)
    if recommends:
        what += " (unsafe: the recommended packages are no longer installed)"
    return what


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


def copy_source_missing(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A COPY/ADD source that a build context the Dockerfile is built from lacks (the build
    from that context fails; the contexts that have it are not named)."""
    images: dict[str, list[Image]] = {}
    for image in sorted(ws.images, key=lambda i: (i.dockerfile, i.context)):
        images.setdefault(image.dockerfile, []).append(image)
    for path, _record, _text, _facts in _built_dockerfiles(ws):
        # an image whose context no build gives (an assumption) proves no source missing
        built = [image for image in images[path] if image.context_assumed is None]
        if not built:
            continue
        # every image of the Dockerfile looked up the same sources, in the same order
        for lookups in zip(*(image.context_sources for image in built), strict=True):
            lacking = [
                (i, lookup) for i, lookup in zip(built, lookups, strict=True) if not lookup.found
            ]
            if not lacking:
                continue
            source = lacking[0][1]
            reasons = [_missing_from(i, lookup) for i, lookup in lacking]
            evidence = [
                Evidence(
                    path,
                    source.copy_line,
                    source.copy_col,
                    f"built with context `{i.context or '.'}` ({i.link.reason})",
                )
                for i, _ in lacking
            ]
            yield ctx.diagnostic(
                path,
                source.line,
                source.col,
                f"{source.keyword} source `{source.text}` " + "; and ".join(reasons),
                evidence=evidence,
            )


def _missing_from(image: Image, lookup: ContextSource) -> str:
    """Why a COPY source is not in this image's build context."""
    name = f"`{image.context or '.'}`"
    if lookup.outside:
        return f"is outside the build context {name}"
    if not lookup.matches or image.dockerignore is None:
        return f"matches nothing in the build context {name}"
    rule = lookup.excluded_by
    where = f"{rule.path}:{rule.line} `{rule.text}`" if rule is not None else "it"
    return f"is excluded from the build context {name} by {where}"


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

# `pip install --upgrade pip setuptools wheel`, `pip install uv`: the installer itself (and
# the installers that the next RUN uses), which the app never imports
_INSTALLER_TOOLS = frozenset({"pip", "setuptools", "wheel", "uv", "pip-tools", "poetry"})


def pip_hygiene(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """`pip install` without --no-cache-dir, or of packages without a version pin."""
    for path, record, _text, facts in _built_dockerfiles(ws):
        for stage in facts.stages:
            cache_dir = record.stages[stage.index].env_var("PIP_CACHE_DIR")
            for run in stage.runs:
                diagnostic = _pip_run(ctx, path, stage, run, cache_dir.value if cache_dir else None)
                if diagnostic is not None:
                    yield diagnostic


def _pip_run(
    ctx: CheckContext, path: str, stage: StageFacts, run: RunStep, cache_dir: str | None
) -> Diagnostic | None:
    instruction = run.instruction
    installs = [(c.words, c.pip) for c in run.commands if c.pip is not None and c.pip.tool == "pip"]
    if not installs:
        return None
    # `--no-cache-dir`, or PIP_NO_CACHE_DIR set for the command, by ENV or by an ARG default
    # (pip disables its cache for any value, even `0`), or a cache mount on pip's cache (there
    # --no-cache-dir would defeat the mount), or a builder stage, whose layers never ship
    cached = not stage.shipped or any(
        "/.cache" in target
        or target.endswith("/pip")
        or (cache_dir is not None and target == posixpath.normpath(cache_dir))
        for target in run.mounts
    )
    with_cache = [(words, pip) for words, pip in installs if not (pip.no_cache or cached)]
    unpinned = [
        _shown(item.value, item.name)
        for _, pip in installs
        for item in pip.items
        if item.kind == "requirement"
        and not item.pinned
        and item.name.lower() not in _INSTALLER_TOOLS
    ]
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
        for words, pip in with_cache:
            at = _span_end(instruction, words.argv[pip.install].end)
            edits.append(Edit(path, at, at, " --no-cache-dir"))
        fix = Fix(tuple(edits), Safety.SAFE, "add --no-cache-dir after `install`")
    words, pip = installs[0]
    line, col = instruction.position(words.argv[pip.program].start)
    return ctx.diagnostic(path, line, col, "`pip install` " + " and ".join(parts), fix=fix)


def _shown(spec: str, name: str) -> str:
    """How an unpinned requirement is named: a range as written (`fastapi>=0.111` is a
    constraint, not a pin), else its name."""
    ranged = any(op in spec for op in "<>=~!")
    return spec.split(";", 1)[0].strip() if ranged else name


# --- VL705 shell-form-entrypoint -------------------------------------------------------------

_ASSIGNMENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
# a SHELL that reads `exec` (not powershell or cmd)
_POSIX_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})


def shell_form_entrypoint(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """CMD/ENTRYPOINT of the final stage in shell form: /bin/sh, not the app, gets SIGTERM.
    A shell form that ends with `exec app` already makes the app PID 1: not reported."""
    for path, record, _text, _facts in _built_dockerfiles(ws):
        final = record.final
        for invocation in (final.entrypoint, final.cmd):
            if invocation is None or invocation.form != "shell":
                continue
            if invocation.execs:
                continue
            if invocation.single_command and _shell_execs_a_lone_command(record, final):
                continue  # busybox ash and bash exec the only command of `sh -c`: PID 1
            entrypoint = final.entrypoint
            if invocation is final.cmd and entrypoint is not None and entrypoint.form == "shell":
                continue  # a shell-form ENTRYPOINT ignores the CMD: it never runs
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
            yield _shell_form(ctx, path, final, instruction, invocation)


# Bases whose /bin/sh replaces itself with the only command of `sh -c` (busybox ash on
# Alpine; bash on the Red Hat family): a shell-form CMD of one simple command runs as PID 1.
# Debian's and Ubuntu's dash stays the parent (checked: dash 0.5.12 keeps `sh -c 'sleep 3'`
# as the parent of sleep).
_EXEC_LONE_COMMAND = re.compile(
    r"(^|[/:@-])(alpine|busybox|fedora|centos|rockylinux|almalinux|amazonlinux|ubi\d*"
    r"|ubi\d*-minimal|oraclelinux)([/:@.-]|$)",
    re.IGNORECASE,
)


def _shell_execs_a_lone_command(record: Dockerfile, final: Stage) -> bool:
    """Whether the image's /bin/sh is one that execs the only command of `sh -c`, judged by
    the external base image the final stage is built on (a SHELL of its own: no)."""
    if final.shell and posixpath.basename(final.shell[0]) not in ("sh", "ash"):
        return posixpath.basename(final.shell[0]) == "bash"
    stage = final
    while stage.base_stage is not None:
        stage = record.stages[stage.base_stage]
    return _EXEC_LONE_COMMAND.search(stage.base) is not None


def _shell_form(
    ctx: CheckContext, path: str, final: Stage, instruction: Instruction, invocation: Invocation
) -> Diagnostic:
    keyword = invocation.keyword
    message = (
        f"{keyword} in shell form runs as `/bin/sh -c`, so SIGTERM goes to the shell, not the"
        " app, and the pod is killed at the end of its grace period"
    )
    exec_form = json.dumps(list(invocation.args), ensure_ascii=False)
    contiguous = len(instruction.segments) == instruction.end_line - instruction.line + 1
    posix = bool(final.shell) and posixpath.basename(final.shell[0]) in _POSIX_SHELLS
    # `exec ` in front of one simple command: the shell replaces itself with the program,
    # and the variables, quotes and redirections it expands stay as they are
    prefix = posix and invocation.single_command
    start = instruction.file_offset(instruction.args_offset)
    with_exec = Fix(
        (Edit(path, start, start, "exec "),),
        Safety.SAFE,
        "prefix the command with `exec` (the shell form is kept)",
    )
    fix = None
    if not posix:
        message += f"; write it as {keyword} {exec_form}"
    elif invocation.has_shell_syntax:
        if prefix:
            fix = with_exec
            message += (
                f"; prefix it with `exec` ({keyword} exec ...): {_why_shell(invocation)}, so the"
                " shell form is needed"
            )
        else:
            message += f"; no automatic fix: {_why_shell(invocation)}; {_exec_last()}"
    elif keyword == "ENTRYPOINT" and final.cmd is not None:
        # the exec form would pass the CMD to the program as arguments (the shell form drops it)
        fix = with_exec if prefix else None
        message += (
            f"; prefix it with `exec` (ENTRYPOINT exec ...): the exec form {exec_form} would"
            " also pass the CMD to it as arguments"
        )
    elif not invocation.args or not contiguous:
        message += f"; write it as {keyword} {exec_form}"
    else:
        end = _span_end(instruction, len(instruction.text))
        fix = Fix((Edit(path, start, end, exec_form),), Safety.SAFE, "rewrite in exec form")
        message += f"; use the exec form {keyword} {exec_form}"
    return ctx.diagnostic(path, invocation.line, invocation.col, message, fix=fix)


def _exec_last() -> str:
    return "write `exec` before the command that should become PID 1 (`... && exec app`)"


def _why_shell(invocation: Invocation) -> str:
    first = invocation.args[0] if invocation.args else ""
    if invocation.text.startswith("["):
        return "it is not a valid JSON array, so Docker runs it as shell form; quote every element"
    if first == "exec":
        return "its `exec` runs no program (only redirections)"
    if _ASSIGNMENT_RE.match(first):
        return "it sets variables before the command (or set them with ENV and use the exec form)"
    if "$" in invocation.text or "`" in invocation.text:
        return "it expands variables, which the exec form does not"
    return "it uses shell operators, globs or redirections"
