"""Parsing a Dockerfile the way BuildKit reads it, and deriving what each stage produces.

Two passes. The first splits the text into instructions exactly as BuildKit's parser does:
parser directives, line continuations with the escape character (comment and blank lines
inside a continuation are skipped), flags, heredocs. The second walks the instructions like
the builder would, without building anything: stages and their bases, ARG and ENV with
variable substitution, WORKDIR, USER, EXPOSE, CMD/ENTRYPOINT, COPY/ADD and RUN.

Every value keeps where it was written (1-based line and column of the physical line), and
each instruction maps offsets of its joined text back to the file, for fixes.
"""

from __future__ import annotations

import bisect
import json
import ntpath
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from vertice_lint.diagnostics import ParseFailure, ParseProblem
from vertice_lint.parsers.shell import (
    execs_last_command,
    has_shell_syntax,
    is_single_command,
    shell_words,
)

INSTRUCTIONS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
DEFAULT_SHELL = ("/bin/sh", "-c")

_DIRECTIVE_RE = re.compile(r"^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$")
_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_HEREDOC_RE = re.compile(r"^(\d*)<<(-?)([^<]*)$")
_HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
_NAME_CHARS = re.compile(r"[A-Za-z0-9_]*")
_VARIABLE_NAME = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_PORT_RE = re.compile(r"^(\d+)(?:-(\d+))?(?:/([A-Za-z]+))?$")
_WINDOWS_ABS_RE = re.compile(r"^[A-Za-z]:[\\/]")
_MAX_PORT_RANGE = 1024

Form = Literal["exec", "shell"]


@dataclass(frozen=True)
class Directive:
    """A parser directive (`# syntax=`, `# escape=`, `# check=`); name lower-cased."""

    name: str
    value: str
    line: int
    col: int


@dataclass(frozen=True)
class Heredoc:
    """A here-document of RUN/COPY/ADD: `<<NAME` at (line, col), body up to its terminator.

    `content` is what the file or stdin receives (leading tabs removed for `<<-`), with a
    newline after every line; `expand` is False for a quoted delimiter (`<<"EOF"`).
    """

    name: str
    content: str
    expand: bool
    chomp: bool
    fd: int
    line: int
    col: int
    end_line: int


@dataclass(frozen=True)
class Instruction:
    """One instruction with its continuation lines joined.

    `text` is the whole instruction from the keyword on, continuations joined the way
    BuildKit joins them (escape and newline removed, nothing inserted), heredoc bodies not
    included. `args` is the argument text after the flags; `args_offset` is where it starts
    in `text`. `start`/`end` are offsets in the file text (end excludes the final newline).
    """

    keyword: str
    line: int
    col: int
    end_line: int
    text: str
    args: str
    args_offset: int
    flags: tuple[tuple[str, str], ...]
    heredocs: tuple[Heredoc, ...]
    start: int
    end: int
    # (offset in text, line, col, file offset) where each physical line's part starts.
    segments: tuple[tuple[int, int, int, int], ...] = field(repr=False, compare=False)

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, col) in the file of `text[offset]`."""
        base, line, col, _ = self._segment(offset)
        return line, col + offset - base

    def file_offset(self, offset: int) -> int:
        """The offset in the file text of `text[offset]`."""
        base, _, _, file_start = self._segment(offset)
        return file_start + offset - base

    def flag(self, name: str) -> str | None:
        """Value of the last `--name[=value]` flag ("" for a bare `--name`), None if absent."""
        values = [value for flag, value in self.flags if flag == name]
        return values[-1] if values else None

    def _segment(self, offset: int) -> tuple[int, int, int, int]:
        index = bisect.bisect_right([s[0] for s in self.segments], offset) - 1
        return self.segments[max(index, 0)]


@dataclass(frozen=True)
class Arg:
    """An ARG declaration; `default` is substituted, `raw_default` as written (None: no default)."""

    name: str
    default: str | None
    raw_default: str | None
    line: int
    col: int


@dataclass(frozen=True)
class EnvVar:
    """An ENV assignment; `value` is substituted, `raw` as written."""

    name: str
    value: str
    raw: str
    line: int
    col: int


@dataclass(frozen=True)
class Invocation:
    """RUN, CMD or ENTRYPOINT: exec form (`args` is the JSON array) or shell form.

    For the shell form `args` are the words as a POSIX shell splits `text`, and
    `has_shell_syntax` tells whether the text needs a shell at all; `execs` whether the shell
    ends by replacing itself with a program (`... && exec app`), `single_command` whether the
    text is one simple command starting with a program (so `exec ` in front of it would).
    """

    keyword: str
    form: Form
    args: tuple[str, ...]
    text: str
    has_shell_syntax: bool
    heredocs: tuple[Heredoc, ...]
    flags: tuple[tuple[str, str], ...]
    line: int
    col: int
    end_line: int
    execs: bool = False
    single_command: bool = False


@dataclass(frozen=True)
class User:
    """The USER in effect (substituted), `user[:group]`."""

    name: str
    line: int
    col: int


@dataclass(frozen=True)
class Port:
    """One exposed port (a range in EXPOSE gives one Port per number)."""

    port: int
    protocol: str
    line: int
    col: int
    # the build variables the port was written with (`EXPOSE ${PAYMENT_PORT}`): a container
    # that sets one of them at run time may make the app listen elsewhere
    variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """A COPY/ADD source: as written and substituted."""

    text: str
    value: str
    line: int
    col: int


@dataclass(frozen=True)
class Copy:
    """A COPY or ADD.

    `dest_abs` is the destination resolved against WORKDIR; `dest_is_dir` is True when the
    destination ends in `/` (or is `.`) or several sources (heredocs included) are copied.
    `from_stage` is the `--from` value (substituted); `from_index` the stage it names, None
    for the build context or an external image.
    """

    is_add: bool
    sources: tuple[Source, ...]
    dest: str
    dest_abs: str
    dest_is_dir: bool
    dest_line: int
    dest_col: int
    from_stage: str | None
    from_index: int | None
    chown: str | None
    chmod: str | None
    heredocs: tuple[Heredoc, ...]
    line: int
    col: int
    end_line: int


@dataclass(frozen=True)
class Stage:
    """A build stage and the image configuration it ends with (inherited from a stage base)."""

    index: int
    name: str | None
    base: str
    base_raw: str
    base_line: int
    base_col: int
    base_stage: int | None
    platform: str | None  # as written
    line: int
    col: int
    end_line: int
    instructions: tuple[Instruction, ...]
    args: tuple[Arg, ...]
    envs: tuple[EnvVar, ...]
    env: tuple[EnvVar, ...]
    workdir: str
    workdir_line: int | None
    user: User | None
    ports: tuple[Port, ...]
    shell: tuple[str, ...]
    cmd: Invocation | None
    entrypoint: Invocation | None
    copies: tuple[Copy, ...]
    runs: tuple[Invocation, ...]

    def env_var(self, name: str) -> EnvVar | None:
        """The ENV entry for `name` in effect at the end of the stage."""
        return next((var for var in self.env if var.name == name), None)


@dataclass(frozen=True)
class Dockerfile:
    """A parsed Dockerfile: directives, instructions, global ARGs and stages."""

    path: str
    escape: str
    directives: tuple[Directive, ...]
    instructions: tuple[Instruction, ...]
    global_args: tuple[Arg, ...]
    stages: tuple[Stage, ...]
    problems: tuple[ParseProblem, ...] = ()

    @property
    def final(self) -> Stage:
        """The stage that becomes the image (the last one)."""
        return self.stages[-1]

    def stage(self, ref: str) -> Stage | None:
        """The stage a `--from`/`FROM` reference names (name, case-insensitive, or index)."""
        index = _stage_index(self.stages, ref, len(self.stages))
        return None if index is None else self.stages[index]

    def ancestry(self, stage: Stage | None = None) -> tuple[Stage, ...]:
        """The stage (default: the final one) and the stages it is built FROM, nearest first;
        the last one is FROM an image, not a stage (its `base` is the root base image)."""
        chain = [stage if stage is not None else self.final]
        while chain[-1].base_stage is not None:
            chain.append(self.stages[chain[-1].base_stage])
        return tuple(chain)


def parse(path: str, text: str) -> Dockerfile:
    """Parse a Dockerfile; raises ParseFailure where Docker would refuse the file."""
    lines = text.removeprefix("\ufeff").split("\n")
    lines = [line.removesuffix("\r") for line in lines]
    offsets = [0]
    for line in text.removeprefix("\ufeff").split("\n")[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    bom = len(text) - len(text.removeprefix("\ufeff"))
    offsets = [offset + bom for offset in offsets]
    directives = _directives(lines)
    escape = next((d.value for d in directives if d.name == "escape"), "\\")
    instructions = _instructions(lines, offsets, escape)
    for instruction in instructions:
        if len(instruction.text) > MAX_INSTRUCTION:
            raise ParseFailure(
                f"{instruction.keyword} is {len(instruction.text):,} characters long, more than"
                f" the {MAX_INSTRUCTION:,} vertice-lint reads of one instruction",
                instruction.line,
                1,
            )
    return _Builder(path, escape, directives, instructions).build()


MAX_INSTRUCTION = 1 << 17  # characters of one instruction, its continuation lines joined


# ---------------------------------------------------------------------------------------
# First pass: text to instructions


def _directives(lines: list[str]) -> tuple[Directive, ...]:
    found: list[Directive] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.lstrip()
        match = _DIRECTIVE_RE.match(stripped)
        # Anything else, an unknown directive included, ends the directive block.
        if match is None or match.group(1).lower() not in _DIRECTIVES:
            break
        name, value = match.group(1).lower(), match.group(2)
        col = len(line) - len(stripped) + 1
        if any(d.name == name for d in found):
            raise ParseFailure(f"only one {name} parser directive can be used", number, col)
        if name == "escape" and value not in ("\\", "`"):
            raise ParseFailure(
                f"invalid escape token {value!r} does not match ` or \\", number, col
            )
        found.append(Directive(name, value, number, col))
    return tuple(found)


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _trim_continuation(line: str, escape: str) -> tuple[str, bool]:
    """Strip a trailing escape (and blanks after it); True when the instruction goes on."""
    body = line.rstrip(" \t")
    if body.endswith(escape):
        return body[: -len(escape)], True
    return line, False


def _instructions(lines: list[str], offsets: list[int], escape: str) -> list[Instruction]:
    result: list[Instruction] = []
    i = 0
    while i < len(lines):
        first = lines[i]
        stripped = first.lstrip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        indent = len(first) - len(stripped)
        joined, going_on = _trim_continuation(stripped, escape)
        segments = [(0, i + 1, indent + 1, offsets[i] + indent)]
        last = i
        i += 1
        while going_on and i < len(lines):
            line = lines[i]
            i += 1
            if _is_comment(line) or not line.strip():
                continue
            part, going_on = _trim_continuation(line, escape)
            segments.append((len(joined), i, 1, offsets[i - 1]))
            joined += part
            last = i - 1
        keyword_match = re.search(r"\S+", joined)
        if keyword_match is None:  # only escapes (`\` alone on its lines): no instruction
            continue
        word = keyword_match.group(0)
        keyword = word.upper()
        line_no, col = segments[0][1], indent + 1
        if keyword not in INSTRUCTIONS:
            raise ParseFailure(f"unknown instruction: {word}", line_no, col)
        body = joined.rstrip()
        flags, args_offset = _flags(body, keyword_match.end())
        end = offsets[last] + len(lines[last])
        heredocs: tuple[Heredoc, ...] = ()
        end_line = last + 1
        if keyword in _HEREDOC_KEYWORDS:
            partial = Instruction(
                keyword, line_no, col, end_line, body, "", 0, (), (), 0, 0, tuple(segments)
            )
            heredocs, i = _read_heredocs(partial, lines, i)
            if heredocs:
                end_line = heredocs[-1].end_line
                end = offsets[end_line - 1] + len(lines[end_line - 1])
        result.append(
            Instruction(
                keyword=keyword,
                line=line_no,
                col=col,
                end_line=end_line,
                text=body,
                args=body[args_offset:],
                args_offset=args_offset,
                flags=flags,
                heredocs=heredocs,
                start=offsets[segments[0][1] - 1] + indent,
                end=end,
                segments=tuple(segments),
            )
        )
    return result


def _flags(text: str, start: int) -> tuple[tuple[tuple[str, str], ...], int]:
    """Read leading `--name[=value]` words (quotes removed); returns them and where args start."""
    flags: list[tuple[str, str]] = []
    pos = start
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if not text.startswith("--", pos):
            return tuple(flags), pos
        word, end = _flag_word(text, pos)
        if word == "--":
            return tuple(flags), end
        name, has_value, value = word[2:].partition("=")
        flags.append((name, value if has_value else ""))
        pos = end


def _flag_word(text: str, pos: int) -> tuple[str, int]:
    chars: list[str] = []
    quote = ""
    while pos < len(text):
        c = text[pos]
        if not quote and c.isspace():
            break
        if c == quote:
            quote = ""
        elif not quote and c in "'\"":
            quote = c
        elif c == "\\" and pos + 1 < len(text):
            pos += 1
            chars.append(text[pos])
        else:
            chars.append(c)
        pos += 1
    return "".join(chars), pos


def _words(text: str, escape: str) -> list[tuple[str, int]]:
    """Split on blanks outside quotes, keeping quotes and escapes in the words (with offsets)."""
    words: list[tuple[str, int]] = []
    start = -1
    quote = ""
    i = 0
    while i < len(text):
        c = text[i]
        if start < 0:
            if c.isspace():
                i += 1
                continue
            start = i
        if quote:
            if c == escape and quote == '"':
                i += 1
            elif c == quote:
                quote = ""
        elif c == escape:
            i += 1
        elif c in "'\"":
            quote = c
        elif c.isspace():
            words.append((text[start:i], start))
            start = -1
        i += 1
    if start >= 0:
        words.append((text[start:], start))
    return words


def _read_heredocs(
    instruction: Instruction, lines: list[str], i: int
) -> tuple[tuple[Heredoc, ...], int]:
    """Read the bodies of the heredocs the instruction opens, from line index `i` on."""
    heredocs: list[Heredoc] = []
    for word, offset in _words(instruction.text, "\\"):
        match = _HEREDOC_RE.match(word)
        if match is None:
            continue
        name = expand(match.group(3), {}, "\\")
        if not name:
            continue
        chomp = match.group(2) == "-"
        line, col = instruction.position(offset)
        body: list[str] = []
        while True:
            if i >= len(lines):
                raise ParseFailure(f"unterminated heredoc <<{name}", line, col)
            candidate = lines[i].lstrip("\t") if chomp else lines[i]
            i += 1
            if candidate == name:
                break
            body.append(candidate + "\n")
        heredocs.append(
            Heredoc(
                name=name,
                content="".join(body),
                expand=not any(q in match.group(3) for q in "'\""),
                chomp=chomp,
                fd=int(match.group(1) or 0),
                line=line,
                col=col,
                end_line=i,
            )
        )
    return tuple(heredocs), i


# ---------------------------------------------------------------------------------------
# Variable substitution (BuildKit's shell lexer for ENV, ARG, FROM, COPY, WORKDIR...)


def expand(word: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """Substitute `$V`, `${V}`, `${V:-x}`, `${V-x}`, `${V:+x}`, `${V+x}` and remove quotes.

    Unset variables become empty, as in a build without `--build-arg`. A result longer than
    `MAX_EXPANSION` characters (ARGs that expand each other, `ARG B=$A$A`, doubling at each
    step) is a parse failure of the file, not gigabytes of memory.
    """
    result = _process(word, 0, env, escape, stop="")[0]
    if len(result) > MAX_EXPANSION:
        raise ParseFailure(
            f"a variable expands to more than {MAX_EXPANSION:,} characters"
            " (build arguments that expand each other?)"
        )
    return result


MAX_EXPANSION = 1 << 16  # characters: a real value (a PATH, a list of flags) is far shorter


def _process(word: str, i: int, env: Mapping[str, str], escape: str, stop: str) -> tuple[str, int]:
    out: list[str] = []
    n = len(word)
    while i < n:
        c = word[i]
        if stop and c == stop:
            return "".join(out), i + 1
        if c == "'":
            end = word.find("'", i + 1)
            end = n if end < 0 else end
            out.append(word[i + 1 : end])
            i = end + 1
        elif c == '"':
            i += 1
            while i < n and word[i] != '"':
                c = word[i]
                if c == "$":
                    value, i = _dollar(word, i, env, escape)
                    out.append(value)
                    continue
                if c == escape and word[i + 1 : i + 2] in ('"', "$", escape):
                    i += 1
                    c = word[i]
                elif c == escape and i + 1 == n:
                    break
                out.append(c)
                i += 1
            i += 1
        elif c == escape:
            out.append(word[i + 1 : i + 2])
            i += 2
        elif c == "$":
            value, i = _dollar(word, i, env, escape)
            out.append(value)
        else:
            out.append(c)
            i += 1
    return "".join(out), i


def _dollar(word: str, i: int, env: Mapping[str, str], escape: str) -> tuple[str, int]:
    """Expand the `$...` at `word[i]`; returns the value and the index after it."""
    if word[i + 1 : i + 2] == "{":
        name_match = _NAME_CHARS.match(word, i + 2)
        assert name_match is not None  # `*` always matches
        name, j = name_match.group(0), name_match.end()
        value = env.get(name)
        if word[j : j + 1] == "}":
            return value or "", j + 1
        colon = word[j : j + 1] == ":"
        op = word[j + 1 : j + 2] if colon else word[j : j + 1]
        alt, end = _process(word, j + (2 if colon else 1), env, escape, stop="}")
        unset = value is None or (colon and value == "")
        if op == "-" or op == "?":
            return (alt if unset and op == "-" else value or ""), end
        if op == "+":
            return ("" if unset else alt), end
        # Pattern operations (`#`, `%`, `/`) are not evaluated: keep the variable's value.
        return value or "", end
    name_match = _NAME_CHARS.match(word, i + 1)
    assert name_match is not None
    if not name_match.group(0):
        return "$", i + 1
    return env.get(name_match.group(0)) or "", name_match.end()


# ---------------------------------------------------------------------------------------
# Second pass: instructions to stages


def _stage_index(stages: tuple[Stage, ...] | list[Stage], ref: str, before: int) -> int | None:
    lowered = ref.lower()
    for stage in stages[:before]:
        if stage.name == lowered:
            return stage.index
    if ref.isdigit() and int(ref) < before:
        return int(ref)
    return None


def _is_abs(path: str) -> bool:
    return path.startswith("/") or bool(_WINDOWS_ABS_RE.match(path))


def _resolve(workdir: str, path: str) -> str:
    """`path` made absolute against `workdir` and cleaned (Windows drive paths kept as such)."""
    if _WINDOWS_ABS_RE.match(path) or (_WINDOWS_ABS_RE.match(workdir) and not _is_abs(path)):
        return ntpath.normpath(ntpath.join(workdir, path))
    joined = posixpath.normpath(posixpath.join(workdir, path))
    return "/" + joined.lstrip("/")


def _json_array(text: str) -> tuple[str, ...] | None:
    """The strings of a JSON array, or None when `text` is not one (then Docker uses shell form)."""
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return tuple(value)


@dataclass
class _StageState:
    """What a stage has accumulated so far (mutable while walking its instructions)."""

    index: int
    name: str | None
    base: str
    base_raw: str
    base_line: int
    base_col: int
    base_stage: int | None
    platform: str | None
    from_instruction: Instruction
    instructions: list[Instruction] = field(default_factory=list)
    args: list[Arg] = field(default_factory=list)
    arg_values: dict[str, str] = field(default_factory=dict)
    envs: list[EnvVar] = field(default_factory=list)
    env: dict[str, EnvVar] = field(default_factory=dict)
    workdir: str = "/"
    workdir_line: int | None = None
    user: User | None = None
    ports: list[Port] = field(default_factory=list)
    shell: tuple[str, ...] = DEFAULT_SHELL
    cmd: Invocation | None = None
    cmd_inherited: bool = False
    entrypoint: Invocation | None = None
    copies: list[Copy] = field(default_factory=list)
    runs: list[Invocation] = field(default_factory=list)

    def variables(self) -> dict[str, str]:
        """Variables for substitution: ARG values, overridden by ENV of the same name."""
        return {**self.arg_values, **{name: var.value for name, var in self.env.items()}}

    def freeze(self) -> Stage:
        last = self.instructions[-1]
        return Stage(
            index=self.index,
            name=self.name,
            base=self.base,
            base_raw=self.base_raw,
            base_line=self.base_line,
            base_col=self.base_col,
            base_stage=self.base_stage,
            platform=self.platform,
            line=self.from_instruction.line,
            col=self.from_instruction.col,
            end_line=last.end_line,
            instructions=tuple(self.instructions),
            args=tuple(self.args),
            envs=tuple(self.envs),
            env=tuple(self.env.values()),
            workdir=self.workdir,
            workdir_line=self.workdir_line,
            user=self.user,
            ports=tuple(self.ports),
            shell=self.shell,
            cmd=self.cmd,
            entrypoint=self.entrypoint,
            copies=tuple(self.copies),
            runs=tuple(self.runs),
        )


class _Builder:
    """Walks the instructions as the builder would, collecting stages and problems."""

    def __init__(
        self,
        path: str,
        escape: str,
        directives: tuple[Directive, ...],
        instructions: list[Instruction],
    ) -> None:
        self.path = path
        self.escape = escape
        self.directives = directives
        self.instructions = instructions
        self.global_args: list[Arg] = []
        self.global_values: dict[str, str] = {}
        self.stages: list[Stage] = []
        self.current: _StageState | None = None
        self.problems: list[ParseProblem] = []

    def build(self) -> Dockerfile:
        for instruction in self.instructions:
            if instruction.keyword == "FROM":
                self._finish_stage()
                self.current = self._from(instruction)
                self.current.instructions.append(instruction)
            elif self.current is None:
                if instruction.keyword != "ARG":
                    raise ParseFailure(
                        f"{instruction.keyword} before the first FROM: only ARG may come first",
                        instruction.line,
                        instruction.col,
                    )
                self._arg(instruction, None)
            else:
                self.current.instructions.append(instruction)
                self._dispatch(instruction, self.current)
        self._finish_stage()
        if not self.stages:
            line = self.instructions[-1].line if self.instructions else 1
            raise ParseFailure("no FROM instruction: the Dockerfile has no build stage", line, 1)
        return Dockerfile(
            path=self.path,
            escape=self.escape,
            directives=self.directives,
            instructions=tuple(self.instructions),
            global_args=tuple(self.global_args),
            stages=tuple(self.stages),
            problems=tuple(self.problems),
        )

    def _problem(self, message: str, instruction: Instruction, offset: int | None = None) -> None:
        line, col = instruction.position(instruction.args_offset if offset is None else offset)
        self.problems.append(ParseProblem(message, line, col))

    def _finish_stage(self) -> None:
        if self.current is not None:
            self.stages.append(self.current.freeze())
            self.current = None

    def _words(self, instruction: Instruction) -> list[tuple[str, int]]:
        return [
            (word, instruction.args_offset + offset)
            for word, offset in _words(instruction.args, self.escape)
        ]

    def _from(self, instruction: Instruction) -> _StageState:
        words = self._words(instruction)
        if not words:
            raise ParseFailure("FROM requires an image", instruction.line, instruction.col)
        if len(words) not in (1, 3) or (len(words) == 3 and words[1][0].lower() != "as"):
            raise ParseFailure(
                "FROM requires either one argument or three (FROM image AS name)",
                instruction.line,
                instruction.col,
            )
        raw, offset = words[0]
        base = expand(raw, self.global_values, self.escape)
        base_stage = _stage_index(self.stages, base, len(self.stages))
        if base_stage is not None and base.isdigit():
            base_stage = None  # FROM takes stage names, not indexes
        line, col = instruction.position(offset)
        state = _StageState(
            index=len(self.stages),
            name=expand(words[2][0], self.global_values, self.escape).lower()
            if len(words) == 3
            else None,
            base=base,
            base_raw=raw,
            base_line=line,
            base_col=col,
            base_stage=base_stage,
            # Kept as written: it usually names automatic ARGs ($BUILDPLATFORM) unknown here.
            platform=instruction.flag("platform"),
            from_instruction=instruction,
        )
        if base_stage is not None:
            parent = self.stages[base_stage]
            state.env = {var.name: var for var in parent.env}
            state.workdir, state.workdir_line = parent.workdir, parent.workdir_line
            state.user, state.ports, state.shell = parent.user, list(parent.ports), parent.shell
            state.cmd, state.entrypoint = parent.cmd, parent.entrypoint
            state.cmd_inherited = parent.cmd is not None
        return state

    def _dispatch(self, instruction: Instruction, stage: _StageState) -> None:
        keyword = instruction.keyword
        if keyword == "ARG":
            self._arg(instruction, stage)
        elif keyword == "ENV":
            self._env(instruction, stage)
        elif keyword == "WORKDIR":
            value = expand(instruction.args, stage.variables(), self.escape)
            if not value:
                self._problem("WORKDIR requires a path", instruction)
                return
            stage.workdir = _resolve(stage.workdir, value)
            stage.workdir_line = instruction.line
        elif keyword == "USER":
            value = expand(instruction.args, stage.variables(), self.escape)
            if not value:
                self._problem("USER requires a user name", instruction)
                return
            line, col = instruction.position(instruction.args_offset)
            stage.user = User(value, line, col)
        elif keyword == "EXPOSE":
            self._expose(instruction, stage)
        elif keyword in ("RUN", "CMD", "ENTRYPOINT"):
            invocation = self._invocation(instruction)
            if keyword == "RUN":
                stage.runs.append(invocation)
            elif keyword == "CMD":
                stage.cmd, stage.cmd_inherited = invocation, False
            else:
                stage.entrypoint = invocation
                # Setting ENTRYPOINT drops a CMD that came from the base.
                if stage.cmd_inherited:
                    stage.cmd, stage.cmd_inherited = None, False
        elif keyword == "SHELL":
            argv = _json_array(instruction.args)
            if not argv:
                self._problem("SHELL requires the arguments to be in JSON form", instruction)
            else:
                stage.shell = argv
        elif keyword in ("COPY", "ADD"):
            self._copy(instruction, stage)

    def _arg(self, instruction: Instruction, stage: _StageState | None) -> None:
        words = self._words(instruction)
        if not words:
            self._problem("ARG requires at least one argument", instruction)
        values = self.global_values if stage is None else stage.variables()
        for word, offset in words:
            name, has_default, raw = word.partition("=")
            line, col = instruction.position(offset)
            default = expand(raw, values, self.escape) if has_default else None
            arg = Arg(name, default, raw if has_default else None, line, col)
            if stage is None:
                self.global_args.append(arg)
                if default is not None:
                    self.global_values[name] = default
                continue
            stage.args.append(arg)
            # `ARG NAME` inside a stage takes the value of the global ARG of that name.
            value = default if default is not None else self.global_values.get(name)
            if value is not None:
                stage.arg_values[name] = value
                values = stage.variables()

    def _env(self, instruction: Instruction, stage: _StageState) -> None:
        words = self._words(instruction)
        if not words:
            self._problem("ENV requires at least one argument", instruction)
            return
        # Substitution sees the variables from before this instruction.
        values = stage.variables()
        pairs: list[tuple[str, str, int]] = []
        if "=" not in words[0][0]:
            name, offset = words[0]
            rest = instruction.args[len(name) :].lstrip()
            if not rest:
                self._problem("ENV must have two arguments", instruction, offset)
                return
            pairs.append((name, rest, offset))
        else:
            for word, offset in words:
                if "=" not in word:
                    self._problem(
                        f"ENV syntax error: can't find = in {word!r}; use name=value",
                        instruction,
                        offset,
                    )
                    return
                name, _, raw = word.partition("=")
                pairs.append((name, raw, offset))
        for name, raw, offset in pairs:
            line, col = instruction.position(offset)
            var = EnvVar(name, expand(raw, values, self.escape), raw, line, col)
            stage.envs.append(var)
            stage.env.pop(name, None)
            stage.env[name] = var

    def _expose(self, instruction: Instruction, stage: _StageState) -> None:
        for word, offset in self._words(instruction):
            value = expand(word, stage.variables(), self.escape)
            if not value.strip():
                continue  # `EXPOSE ${UNSET}`: BuildKit drops words that expand to nothing
            match = _PORT_RE.match(value)
            first = int(match.group(1)) if match else 0
            last = int(match.group(2) or first) if match else 0
            protocol = (match.group(3) or "tcp").lower() if match else ""
            if (
                match is None
                or protocol not in ("tcp", "udp", "sctp")
                or not 0 < first <= last <= 65535
                or last - first >= _MAX_PORT_RANGE
            ):
                self._problem(f"invalid port in EXPOSE: {value!r}", instruction, offset)
                continue
            line, col = instruction.position(offset)
            names = tuple(_VARIABLE_NAME.findall(word))
            stage.ports.extend(Port(p, protocol, line, col, names) for p in range(first, last + 1))

    def _invocation(self, instruction: Instruction) -> Invocation:
        line, col = instruction.position(instruction.args_offset)
        argv = _json_array(instruction.args)
        form: Form = "shell" if argv is None else "exec"
        if argv is None:
            argv = shell_words(instruction.args)
        shell_form = form == "shell" and not instruction.heredocs
        needs_shell = form == "shell" and (
            bool(instruction.heredocs) or has_shell_syntax(instruction.args)
        )
        return Invocation(
            keyword=instruction.keyword,
            form=form,
            args=argv,
            text=instruction.args,
            has_shell_syntax=needs_shell,
            heredocs=instruction.heredocs,
            flags=instruction.flags,
            line=line,
            col=col,
            end_line=instruction.end_line,
            execs=shell_form and execs_last_command(instruction.args),
            single_command=shell_form and is_single_command(instruction.args),
        )

    def _copy(self, instruction: Instruction, stage: _StageState) -> None:
        values = stage.variables()
        listed = _json_array(instruction.args)
        if listed is not None:
            # JSON form: every element points at the opening bracket.
            words = [(word, instruction.args_offset) for word in listed]
        else:
            # Heredoc words (`<<EOF`) are sources given by content, not paths.
            words = [w for w in self._words(instruction) if not _HEREDOC_RE.match(w[0])]
        if len(words) + len(instruction.heredocs) < 2:
            self._problem(
                f"{instruction.keyword} requires at least two arguments: sources and destination",
                instruction,
            )
            return
        *sources, (dest_raw, dest_offset) = words
        dest = expand(dest_raw, values, self.escape)
        dest_line, dest_col = instruction.position(dest_offset)
        count = len(sources) + len(instruction.heredocs)
        from_raw = instruction.flag("from")
        from_stage = None if from_raw is None else expand(from_raw, values, self.escape)
        chown, chmod = instruction.flag("chown"), instruction.flag("chmod")
        stage.copies.append(
            Copy(
                is_add=instruction.keyword == "ADD",
                sources=tuple(
                    Source(word, expand(word, values, self.escape), *instruction.position(offset))
                    for word, offset in sources
                ),
                dest=dest_raw,
                dest_abs=_resolve(stage.workdir, dest) if dest else stage.workdir,
                dest_is_dir=dest in ("", ".") or dest.endswith(("/", "\\")) or count > 1,
                dest_line=dest_line,
                dest_col=dest_col,
                from_stage=from_stage,
                from_index=None
                if from_stage is None
                else _stage_index(self.stages, from_stage, len(self.stages)),
                chown=None if chown is None else expand(chown, values, self.escape),
                chmod=None if chmod is None else expand(chmod, values, self.escape),
                heredocs=instruction.heredocs,
                line=instruction.line,
                col=instruction.col,
                end_line=instruction.end_line,
            )
        )
