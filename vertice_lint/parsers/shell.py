"""Splitting a shell command line into the simple commands it runs.

Commands come from a shell-form CMD, a `sh -c "..."` argument, a Kubernetes `command`/`args`
or a compose `command`. The question the rules ask is "which programs does this start, with
which arguments": `split_commands("alembic upgrade head && exec uvicorn app:app")` gives the
two commands. Tokens come from the stdlib `shlex` (POSIX quoting); nothing beyond quoting,
operators, leading assignments and a few wrappers (`exec`, `env`, `sh -c`) is interpreted.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

_PUNCTUATION = "();<>|&\n"
_ASSIGNMENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})
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
    while argv and argv[0] in _LEADING_KEYWORDS:
        argv.pop(0)
    if not argv or (len(argv) == 1 and argv[0] in _CLOSING_KEYWORDS):
        return ()
    program = posixpath.basename(argv[0])
    if program == "exec":
        return _unwrap(Command(tuple(argv[1:]), env))
    if program == "env" and len(argv) > 1 and not argv[1].startswith("-"):
        inner = _assignments(argv[1:])
        return _unwrap(Command(inner.argv, env + inner.env))
    if program in _SHELLS:
        script = _script_of(argv[1:])
        if script is not None:
            return tuple(Command(inner.argv, env + inner.env) for inner in split_commands(script))
    return (Command(tuple(argv), env),)


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
