"""The shell toolkit: command lines split into the simple commands they run, wrappers, shebangs.

Commands come from a shell-form CMD or RUN, a `sh -c "..."` argument, a Kubernetes
`command`/`args`, a compose `command` or a script. The question asked is "which programs does
this start, with which arguments": `split_commands("alembic upgrade head && exec uvicorn
app:app")` gives the two commands. Two readers, one grammar:

- `split_commands` / `unwrap_argv`: the words as strings (POSIX quoting by the stdlib `shlex`),
  `sh -c SCRIPT` followed into its script;
- `script_words`: the words with their offsets in the text (quotes and escapes removed from the
  value), for the Dockerfile rules, whose diagnostics point at a word and whose fixes edit it.

Both drop what runs the command rather than being it: reserved words (`if`, `!`, `time`...),
leading `NAME=value` assignments and the wrappers of `WRAPPERS` (`exec`, `env`, `sudo -u USER`,
`tini --`, `gosu USER`...), each read with its own options. `shebang` reads a script's `#!`
line (`/usr/bin/env` and `env -S` resolved) and `SHELLS` names the POSIX-like shells whose
scripts are followed. Nothing beyond quoting, operators, redirections and these is interpreted.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_PUNCTUATION = "();<>|&\n"
_ASSIGNMENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
# The shells whose `-c SCRIPT` is followed and whose scripts are read like sh scripts.
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})
# Reserved words that start a compound command: the command proper follows them.
_LEADING_KEYWORDS = frozenset({"if", "then", "else", "elif", "while", "until", "do", "!", "{"})
_CLOSING_KEYWORDS = frozenset({"fi", "done", "esac", "}"})
# Builtins and keywords that have no binary: an exec-form array cannot run them.
_SHELL_WORDS = (
    _LEADING_KEYWORDS
    | _CLOSING_KEYWORDS
    | {
        "for",
        "case",
        "function",
        "[[",
        "exec",
        "cd",
        "source",
        ".",
        "export",
        "set",
        "unset",
        "eval",
        "alias",
        "trap",
        "ulimit",
        "umask",
        "wait",
        "read",
        "exit",
    }
)


@dataclass(frozen=True)
class Command:
    """One simple command: its argv and the `VAR=value` assignments written before it."""

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Wrapper:
    """A program that runs the command written after its own arguments (`sudo -u app CMD`).

    `values`: its options that take a value (the next word, or attached: `-uapp`,
    `--user=app`); its other options are flags. `operands`: the words it reads after its
    options, before the command (gosu's USER). `assignments`: `NAME=value` words may come
    before the command and set its environment. `options`: whether it reads options at all.
    `inert`: options with which it runs nothing (`command -v NAME` only describes NAME).
    `valued`: every option takes a value (`opentelemetry-instrument --service_name x`).
    """

    values: frozenset[str] = frozenset()
    operands: int = 0
    assignments: bool = False
    options: bool = True
    inert: frozenset[str] = frozenset()
    valued: bool = False


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Each from the program's own documentation (man page or --help); a flag not listed is read as
# taking no value, which is what all of their remaining options do.
WRAPPERS: Mapping[str, Wrapper] = {
    # bash: `exec [-cl] [-a name] [command]`
    "exec": Wrapper(values=_words("-a")),
    # POSIX: `command [-p] [-v|-V] name`; with -v/-V it prints what `name` is, runs nothing
    "command": Wrapper(inert=_words("-v -V")),
    # coreutils env: `env [-i0v] [-u NAME] [-C DIR] [-S STRING] [NAME=VALUE]... COMMAND`
    "env": Wrapper(values=_words("-u --unset -C --chdir -S --split-string"), assignments=True),
    # coreutils: `nice [-n N] COMMAND`, `nohup COMMAND`, `timeout [-k T] [-s SIG] DURATION CMD`
    "nice": Wrapper(values=_words("-n --adjustment")),
    "nohup": Wrapper(options=False),
    "timeout": Wrapper(values=_words("-k --kill-after -s --signal"), operands=1),
    # bash's `time [-p]` and GNU time's `-f FORMAT`, `-o FILE`
    "time": Wrapper(values=_words("-f --format -o --output")),
    # sudo(8): `sudo [options] [VAR=value...] [--] command`
    "sudo": Wrapper(
        values=_words(
            "-C --close-from -D --chdir -g --group --host -p --prompt -R --chroot -r --role"
            " -T --command-timeout -t --type -U --other-user -u --user"
        ),
        assignments=True,
    ),
    # tini: `tini [-s] [-g] [-v] [-w] [-l] [-p SIGNAL] [-e EXIT_CODE] [--] PROGRAM [ARGS]`
    "tini": Wrapper(values=_words("-p -e")),
    "tini-static": Wrapper(values=_words("-p -e")),
    # dumb-init: `dumb-init [-c] [-r s:r] [-v] [--] COMMAND`
    "dumb-init": Wrapper(values=_words("-r --rewrite")),
    # `gosu USER COMMAND`, `su-exec USER COMMAND`, s6's `s6-setuidgid USER COMMAND`
    "gosu": Wrapper(operands=1, options=False),
    "su-exec": Wrapper(operands=1, options=False),
    "s6-setuidgid": Wrapper(operands=1, options=False),
    # runit's chpst: every option but -v, -P, -0, -1, -2 takes a value
    "chpst": Wrapper(values=_words("-u -U -b -e -/ -n -l -L -m -d -o -p -f -c -r -t")),
    # util-linux setpriv: `setpriv [options] PROGRAM`
    "setpriv": Wrapper(
        values=_words(
            "--reuid --regid --groups --inh-caps --ambient-caps --bounding-set --securebits"
            " --pdeathsig --selinux-label --apparmor-profile --landlock-access --landlock-rule"
            " --seccomp-filter"
        )
    ),
    # APM launchers that exec the command they are given
    "ddtrace-run": Wrapper(),
    "opentelemetry-instrument": Wrapper(valued=True),
}


def command_start(words: Sequence[str], *, assignments: bool = True) -> tuple[int, tuple[int, ...]]:
    """Where the command proper starts in the words of a simple command, and which words before
    it are `NAME=value` assignments: reserved words (`if`, `!`...), leading assignments (unless
    `assignments` is False: an exec-form array runs no shell) and wrappers are passed.
    `sudo -u app FOO=1 python main.py` gives (4, (3,)).

    A wrapper that runs nothing (`command -v x`) is the command; after one with no command
    (`exec >log 2>&1`, a bare `env`) the start is the end of the words.
    """
    i, n = 0, len(words)
    while i < n and words[i] in _LEADING_KEYWORDS:
        i += 1
    assigned: list[int] = []
    while assignments and i < n and _ASSIGNMENT_RE.match(words[i]):
        assigned.append(i)
        i += 1
    while i < n:
        wrapper = WRAPPERS.get(posixpath.basename(words[i]))
        after = _after_wrapper(words, i + 1, wrapper) if wrapper is not None else None
        if wrapper is None or after is None:
            break
        i = after
        while wrapper.assignments and i < n and _ASSIGNMENT_RE.match(words[i]):
            assigned.append(i)
            i += 1
    return i, tuple(assigned)


def _after_wrapper(words: Sequence[str], i: int, wrapper: Wrapper) -> int | None:
    """The index after a wrapper's own arguments (from `words[i]` on), None if it runs nothing."""
    n = len(words)
    while wrapper.options and i < n and words[i].startswith("-"):
        word = words[i]
        i += 1
        if word == "--":
            break
        if word in wrapper.inert:
            return None
        if word.startswith("--"):
            if wrapper.valued or word.partition("=")[0] in wrapper.values:
                i += 0 if "=" in word else 1
            continue
        for at in range(1, len(word)):
            option = "-" + word[at]
            if option in wrapper.inert:
                return None
            if wrapper.valued or option in wrapper.values:
                i += 1 if at == len(word) - 1 else 0  # `-u app` or `-uapp`
                break
    return min(i + wrapper.operands, n)


def split_commands(text: str) -> tuple[Command, ...]:
    """Split a shell command line into simple commands, unwrapping `exec`, `env` and `sh -c`.

    Text with an unterminated quote, which a shell would refuse, gives one command made of
    its whitespace-separated words.
    """
    try:
        tokens = _tokens(_strip_comments(text))
    except ValueError:
        words = tuple(text.split())
        return (Command(words),) if words else ()
    commands: list[Command] = []
    for argv in _simple_commands(tokens):
        commands.extend(_unwrap(_assignments(argv)))
    return tuple(commands)


def unwrap_argv(argv: Sequence[str]) -> tuple[Command, ...]:
    """The commands an exec-form array runs: `["sh", "-c", "a && b"]` gives `a` and `b`."""
    if not argv:
        return ()
    return _unwrap(Command(tuple(argv)))


def shell_words(text: str) -> tuple[str, ...]:
    """The words of a command line as a POSIX shell splits them (whitespace split if unbalanced)."""
    try:
        return tuple(shlex.split(text))
    except ValueError:
        return tuple(text.split())


def has_shell_syntax(text: str) -> bool:
    """Whether running `text` needs a shell: operators, expansions, globs, redirects, builtins.

    Without any of these the command means the same as the exec-form array of its words.
    """
    if _has_special_chars(text):
        return True
    try:
        words = shlex.split(text)
    except ValueError:
        return True
    return bool(words) and (words[0] in _SHELL_WORDS or bool(_ASSIGNMENT_RE.match(words[0])))


def _top_level(text: str) -> list[tuple[str, list[str]]] | None:
    """The simple commands of `text` as (the operator before it, its words with redirections
    and their targets dropped); None when it is unbalanced or uses subshells or groups."""
    try:
        tokens = _tokens(_strip_comments(text))
    except ValueError:
        return None
    commands: list[tuple[str, list[str]]] = [("", [])]
    skip_target = False
    for token, is_operator in tokens:
        if not is_operator:
            if skip_target:
                skip_target = False
            else:
                commands[-1][1].append(token)
        elif "<" in token or ">" in token:
            if commands[-1][1] and commands[-1][1][-1].isdigit():
                commands[-1][1].pop()
            skip_target = True
        elif "(" in token or ")" in token:
            return None
        else:
            commands.append((token, []))
    if commands[0][1] and commands[0][1][0] in ("{", "}"):
        return None
    return commands


def execs_last_command(text: str) -> bool:
    """Whether a shell running `text` ends by replacing itself with a program: its last command
    is `exec PROGRAM ...` (`exec gunicorn app:app`, `alembic upgrade head && exec uvicorn
    app:app`), neither piped nor sent to the background. `exec >log 2>&1` alone runs nothing."""
    commands = _top_level(text)
    if commands is None:
        return False
    while len(commands) > 1 and not commands[-1][1] and commands[-1][0] in (";", "\n"):
        commands.pop()  # a trailing `;` or newline
    operator, words = commands[-1]
    if operator in ("|", "|&", "&"):
        return False  # a pipeline's last part, or a command after one sent to the background
    i = 0
    while i < len(words) and _ASSIGNMENT_RE.match(words[i]):
        i += 1
    if i >= len(words) or words[i] != "exec":
        return False
    after = _after_wrapper(words, i + 1, WRAPPERS["exec"])
    return after is not None and after < len(words)


def is_single_command(text: str) -> bool:
    """Whether `text` is one simple command that starts with a program (no operators, no
    leading assignments, no builtin or keyword first): `exec ` before it replaces the shell
    with that program, expansions and redirections kept."""
    commands = _top_level(text)
    if commands is None:
        return False
    while len(commands) > 1 and not commands[-1][1] and commands[-1][0] in (";", "\n"):
        commands.pop()
    if len(commands) != 1 or not commands[0][1]:
        return False
    first = commands[0][1][0]
    return first not in _SHELL_WORDS and first not in WRAPPERS and not _ASSIGNMENT_RE.match(first)


def _has_special_chars(text: str) -> bool:
    quote = ""
    word_start = True
    i = 0
    while i < len(text):
        c = text[i]
        nxt = text[i + 1 : i + 2]
        if quote == "'":
            quote = "" if c == "'" else quote
        elif c == "\\":
            i += 2
            word_start = False
            continue
        elif c == "`" or (c == "$" and nxt != "" and (nxt.isalnum() or nxt in "_{(@*#?$!-")):
            return True
        elif quote == '"':
            quote = "" if c == '"' else quote
        elif c in "'\"":
            quote = c
        elif c in _PUNCTUATION or c in "*?[" or (c in "~#" and word_start):
            return True
        word_start = c in " \t"
        i += 1
    return False


def _strip_comments(text: str) -> str:
    """Drop `# ...` comments (a `#` starting an unquoted word) but keep their newline, and
    join lines continued with a backslash."""
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                out.append(text[i : i + 2])
                i += 2
                continue
            quote = "" if c == quote else quote
        elif c == "\\":
            if text.startswith("\n", i + 1) or text.startswith("\r\n", i + 1):
                # a line continuation joins the lines: the command goes on
                i += 2 if text[i + 1] == "\n" else 3
                continue
            out.append(text[i : i + 2])
            i += 2
            continue
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or text[i - 1] in " \t\n;&|()"):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Tokens as (text, is_operator); raises ValueError on an unterminated quote."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=_PUNCTUATION)
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    lexer.commenters = ""
    tokens: list[tuple[str, bool]] = []
    while True:
        # shlex reports an empty quoted word ("") as "", so the end is only None.
        token = lexer.get_token()
        if token is None:
            return tokens
        is_operator = bool(token) and all(ch in _PUNCTUATION for ch in token)
        tokens.append((token, is_operator))


def _simple_commands(tokens: list[tuple[str, bool]]) -> list[list[str]]:
    commands: list[list[str]] = [[]]
    skip_target = False
    for token, is_operator in tokens:
        if not is_operator:
            if skip_target:
                skip_target = False
            else:
                commands[-1].append(token)
            continue
        if "<" in token or ">" in token:
            # `2>&1`: the fd number was read as a word of its own.
            if commands[-1] and commands[-1][-1].isdigit():
                commands[-1].pop()
            skip_target = True
        else:
            commands.append([])
    return [argv for argv in commands if argv]


def _assignments(argv: Sequence[str]) -> Command:
    env: list[tuple[str, str]] = []
    words = list(argv)
    while words and _ASSIGNMENT_RE.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env.append((name, value))
    return Command(tuple(words), tuple(env))


def _unwrap(command: Command) -> tuple[Command, ...]:
    argv, env = list(command.argv), command.env
    # leading assignments of shell text were read by split_commands; exec form has none
    start, assigned = command_start(argv, assignments=False)
    env = env + tuple(_pair(argv[i]) for i in assigned)
    at = next((i for i in range(start) if _is_env(argv[i])), None)
    split = _split_string(argv[at + 1 : start]) if at is not None else None
    if split is not None:  # `env -S "python -u" main.py`: env splits the string into words
        return _unwrap(Command(("env", *shell_words(split), *argv[start:]), env))
    argv = argv[start:]
    if not argv or (len(argv) == 1 and argv[0] in _CLOSING_KEYWORDS):
        return ()
    program = posixpath.basename(argv[0])
    if program in SHELLS:
        script = _script_of(argv[1:])
        if script is not None:
            return tuple(Command(inner.argv, env + inner.env) for inner in split_commands(script))
    return (Command(tuple(argv), env),)


def _pair(word: str) -> tuple[str, str]:
    name, _, value = word.partition("=")
    return name, value


def _is_env(word: str) -> bool:
    return posixpath.basename(word) == "env"


def _split_string(words: Sequence[str]) -> str | None:
    """The string of `env -S STRING` among env's own options (`words`: what follows `env`)."""
    found = None
    i = 0
    while i < len(words) and words[i].startswith("-") and words[i] != "--":
        word = words[i]
        i += 1
        if word in ("-S", "--split-string"):
            found = words[i] if i < len(words) else None
            i += 1
        elif word.startswith("--split-string="):
            found = word.partition("=")[2]
        elif word.startswith("-S"):
            found = word[2:]
        elif word in ("-u", "--unset", "-C", "--chdir"):
            i += 1
    return found


def _script_of(args: Sequence[str]) -> str | None:
    """The script of `sh [-opts] -c SCRIPT`: the first operand after a `-c` option cluster."""
    has_c = False
    takes_argument = False
    for i, arg in enumerate(args):
        if takes_argument:
            takes_argument = False
        elif arg == "--":
            return args[i + 1] if has_c and i + 1 < len(args) else None
        elif arg[:1] in ("-", "+") and len(arg) > 1:
            short = arg[1] != "-"
            has_c = has_c or (short and arg[0] == "-" and "c" in arg)
            # `-o pipefail` and `-euo pipefail`: the option name is the next word.
            takes_argument = short and arg.endswith("o")
        else:
            return arg if has_c else None
    return None


# --- words with offsets ----------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """A shell word: its value (quotes and escapes removed) and its span `[start, end)` in the
    text it was read from."""

    value: str
    start: int
    end: int


@dataclass(frozen=True)
class SimpleCommand:
    """A simple command read with offsets: the `NAME=value` assignments written before it and
    its words, reserved words and wrappers dropped (see `command_start`)."""

    assignments: tuple[Word, ...]
    argv: tuple[Word, ...]

    @property
    def program(self) -> str:
        return posixpath.basename(self.argv[0].value) if self.argv else ""

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(word.value for word in self.argv)


@dataclass(frozen=True)
class Script:
    """The simple commands of a shell text, and whether it has a `#` comment."""

    commands: tuple[SimpleCommand, ...]
    has_comment: bool


_OPERATOR_CHARS = ";&|()\n"


def script_words(text: str, start: int = 0) -> Script:
    """Split `text[start:]` into simple commands with word offsets; redirections (and their
    targets) and comments are left out. `sh -c` scripts are not followed: their words are
    inside one quoted word."""
    raw: list[list[Word]] = [[]]
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
                word = Word("".join(value), begin, i)
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
        raw[-1].append(Word("".join(value), begin, n))
    commands = (_simple_command(words) for words in raw)
    return Script(tuple(c for c in commands if c.argv), comment)


def _simple_command(words: Sequence[Word]) -> SimpleCommand:
    start, assigned = command_start([w.value for w in words])
    return SimpleCommand(tuple(words[i] for i in assigned), tuple(words[start:]))


# --- shebangs --------------------------------------------------------------------------------


def shebang(text: str) -> tuple[str, ...]:
    """The interpreter command of a script's `#!` line, `()` without one.

    `#!/bin/sh -e` gives ("/bin/sh", "-e"); through env the program it looks up:
    `#!/usr/bin/env bash` gives ("bash",), `#!/usr/bin/env -S python3 -u` ("python3", "-u").
    """
    if not text.startswith("#!"):
        return ()
    line = text[2:].split("\n", 1)[0].rstrip("\r").strip()
    words = line.split()
    if not words:
        return ()
    if posixpath.basename(words[0]) != "env" or len(words) == 1:
        return tuple(words)
    if words[1].startswith(("-S", "--split-string")):
        # the kernel passes the rest of the line as one argument, which `-S` splits
        rest = line.split(None, 1)[1]
        split = re.sub(r"^(?:-S|--split-string)=?", "", rest).strip()
        words = ["env", *shell_words(split)]
    start, _ = command_start(words)
    return tuple(words[start:])


def shebang_shell(text: str) -> str | None:
    """The shell (one of SHELLS) a script's `#!` line runs it with: "zsh" for `#!/bin/zsh`,
    `#!/usr/bin/env zsh` or `#!/bin/busybox sh`; None for another interpreter or none."""
    command = shebang(text)
    if command and posixpath.basename(command[0]) == "busybox":
        command = command[1:]
    program = posixpath.basename(command[0]) if command else ""
    return program if program in SHELLS else None


def command_end(text: str, at: int) -> int:
    """Where the line starting at `at` ends, backslash-continued lines included."""
    end = at
    while True:
        newline = text.find("\n", end)
        if newline < 0:
            return len(text)
        if text[:newline].rstrip("\r").endswith("\\"):
            end = newline + 1
            continue
        return newline
