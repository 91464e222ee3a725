"""The shell toolkit: simple commands, wrappers, words with offsets, shebangs."""

from __future__ import annotations

import pytest

from vertice_lint.parsers.shell import (
    Command,
    command_start,
    execs_last_command,
    has_shell_syntax,
    is_single_command,
    script_words,
    shebang,
    shebang_shell,
    shell_words,
    split_commands,
    unwrap_argv,
)


def test_sh_c_with_and_and_exec_is_unwrapped() -> None:
    assert split_commands(
        'sh -c "alembic upgrade head && exec uvicorn app.main:app --port 8080"'
    ) == (
        Command(("alembic", "upgrade", "head")),
        Command(("uvicorn", "app.main:app", "--port", "8080")),
    )


def test_leading_assignments_become_env() -> None:
    assert split_commands('FOO=1 BAR="a b" python main.py') == (
        Command(("python", "main.py"), (("FOO", "1"), ("BAR", "a b"))),
    )


def test_python_dash_c_stays_one_command() -> None:
    assert split_commands("python -c \"import app; app.run() && print('x')\"") == (
        Command(("python", "-c", "import app; app.run() && print('x')")),
    )


@pytest.mark.parametrize(
    ("text", "argvs"),
    [
        ("a && b || c; d", [("a",), ("b",), ("c",), ("d",)]),
        ("a | b", [("a",), ("b",)]),
        ("a\nb\n\nc", [("a",), ("b",), ("c",)]),
        ("a &\nb", [("a",), ("b",)]),
        ("python app.py > /tmp/log 2>&1", [("python", "app.py")]),
        ("python app.py < input.txt", [("python", "app.py")]),
        ("echo 'a;b' \"c|d\"", [("echo", "a;b", "c|d")]),
        ("echo a\\;b", [("echo", "a;b")]),
        ("# setup\npython a.py # run it\nb", [("python", "a.py"), ("b",)]),
        ("echo a#b", [("echo", "a#b")]),
        ("if [ -f x ]; then python a.py; fi", [("[", "-f", "x", "]"), ("python", "a.py")]),
        ("", []),
        ("  ;  ", []),
    ],
)
def test_operators_newlines_redirects_and_quotes(text: str, argvs: list[tuple[str, ...]]) -> None:
    assert [c.argv for c in split_commands(text)] == argvs


def test_nested_wrappers_and_env_inheritance() -> None:
    text = (
        "FOO=1 exec env BAR=2 /bin/bash -euo pipefail -c 'exec sh -c \"gunicorn -b :80 app:app\"'"
    )
    assert split_commands(text) == (
        Command(("gunicorn", "-b", ":80", "app:app"), (("FOO", "1"), ("BAR", "2"))),
    )


def test_shell_without_dash_c_runs_a_script() -> None:
    assert split_commands("sh ./start.sh") == (Command(("sh", "./start.sh")),)
    assert split_commands("bash -x start.sh") == (Command(("bash", "-x", "start.sh")),)


def test_unterminated_quote_gives_whitespace_words() -> None:
    assert split_commands('echo "oops') == (Command(("echo", '"oops')),)


def test_unwrap_argv_exec_form() -> None:
    assert unwrap_argv(["sh", "-c", "alembic upgrade head && uvicorn main:app"]) == (
        Command(("alembic", "upgrade", "head")),
        Command(("uvicorn", "main:app")),
    )
    assert unwrap_argv(["python", "main.py"]) == (Command(("python", "main.py")),)
    assert unwrap_argv(["/bin/sh", "-lc", "python -m app"]) == (Command(("python", "-m", "app")),)
    # Exec form runs no shell: an assignment-looking first word is the program.
    assert unwrap_argv(["FOO=1", "python"]) == (Command(("FOO=1", "python")),)
    assert unwrap_argv([]) == ()


def test_shell_words() -> None:
    assert shell_words("uvicorn 'a b' \"c\"") == ("uvicorn", "a b", "c")
    assert shell_words("echo 'x") == ("echo", "'x")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gunicorn -w 4 app:app", False),
        ("python -m app --name='my app'", False),
        ("a && b", True),
        ("echo $(id -u)", True),
        ('echo "$HOME"', True),
        ("echo '$HOME'", False),
        ("echo ~/x", True),
        ("echo a~b", False),
        ("cd /app", True),
        ("ls [ab]", True),
    ],
)
def test_has_shell_syntax(text: str, expected: bool) -> None:
    assert has_shell_syntax(text) is expected


def test_backslash_newline_continues_the_command() -> None:
    assert split_commands("pip install \\\n  -r a.txt\n") == (
        Command(("pip", "install", "-r", "a.txt")),
    )
    assert split_commands("echo a && \\\r\n  exec python main.py") == (
        Command(("echo", "a")),
        Command(("python", "main.py")),
    )


# --- wrappers: one table, each with its own options --------------------------------------------


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["tini", "--", "python", "main.py"], ("python", "main.py")),
        (["tini", "-s", "-g", "-p", "SIGTERM", "--", "python", "main.py"], ("python", "main.py")),
        (["/usr/bin/tini", "-e", "143", "python", "main.py"], ("python", "main.py")),
        (["dumb-init", "--", "python", "main.py"], ("python", "main.py")),
        (["dumb-init", "-r", "15:2", "-c", "python", "main.py"], ("python", "main.py")),
        (["gosu", "app", "python", "main.py"], ("python", "main.py")),
        (["su-exec", "app:app", "python", "main.py"], ("python", "main.py")),
        (["sudo", "-u", "app", "python", "main.py"], ("python", "main.py")),
        (["sudo", "-E", "-uapp", "--", "python", "main.py"], ("python", "main.py")),
        (["sudo", "--user=app", "-H", "python", "main.py"], ("python", "main.py")),
        (["nohup", "python", "main.py"], ("python", "main.py")),
        (["nice", "-n", "5", "python", "main.py"], ("python", "main.py")),
        (["timeout", "-s", "KILL", "30", "python", "main.py"], ("python", "main.py")),
        (["exec", "-a", "app", "python", "main.py"], ("python", "main.py")),
        (["chpst", "-u", "app", "python", "main.py"], ("python", "main.py")),
        (
            ["setpriv", "--reuid", "1000", "--init-groups", "python", "main.py"],
            ("python", "main.py"),
        ),
        (["opentelemetry-instrument", "--service_name", "x", "python", "m.py"], ("python", "m.py")),
        (["tini", "--", "gosu", "app", "python", "main.py"], ("python", "main.py")),
        (["env", "-u", "HOME", "-i", "python", "main.py"], ("python", "main.py")),
        (["env", "-S", "python -u", "main.py"], ("python", "-u", "main.py")),
        # `command -v` describes a program, runs nothing: the command is `command` itself
        (["command", "-v", "python"], ("command", "-v", "python")),
        (["command", "python", "main.py"], ("python", "main.py")),
    ],
)
def test_wrappers_are_read_with_their_options(argv: list[str], command: tuple[str, ...]) -> None:
    (found,) = unwrap_argv(argv)
    assert found.argv == command


def test_env_and_sudo_assignments_become_env() -> None:
    assert split_commands("sudo -u app FOO=1 env BAR=2 python main.py") == (
        Command(("python", "main.py"), (("FOO", "1"), ("BAR", "2"))),
    )


def test_a_wrapper_with_no_command_leaves_none() -> None:
    assert split_commands("exec >/dev/null 2>&1") == ()
    assert split_commands("exec") == ()


def test_command_start() -> None:
    assert command_start(["sudo", "-u", "app", "FOO=1", "python", "main.py"]) == (4, (3,))
    assert command_start(["if", "X=1", "tini", "--", "y"]) == (4, (1,))
    assert command_start(["X=1", "y"], assignments=False) == (0, ())
    assert command_start(["python"]) == (0, ())


# --- words with offsets -----------------------------------------------------------------------


def test_script_words_offsets_values_and_wrappers() -> None:
    text = "RUN sudo -u root FOO=1 pip install 'a b' \\\"c # x\nnohup apt-get -y install curl >/log"
    script = script_words(text, 4)
    first, second = script.commands
    assert [w.value for w in first.assignments] == ["FOO=1"]
    assert first.values == ("pip", "install", "a b", '"c')
    assert [(w.start, w.end) for w in first.argv] == [(23, 26), (27, 34), (35, 40), (41, 44)]
    assert text[first.argv[2].start : first.argv[2].end] == "'a b'"
    assert second.program == "apt-get"
    assert second.values == ("apt-get", "-y", "install", "curl")
    assert script.has_comment


def test_script_words_drop_redirect_targets_and_fd_numbers() -> None:
    (command,) = script_words("python app.py 2>&1 > /tmp/log < in").commands
    assert command.values == ("python", "app.py")


# --- shebangs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command", "shell"),
    [
        ("#!/bin/sh\nexec x\n", ("/bin/sh",), "sh"),
        ("#!/bin/bash -e\n", ("/bin/bash", "-e"), "bash"),
        ("#! /bin/dash\n", ("/bin/dash",), "dash"),
        ("#!/bin/ash\n", ("/bin/ash",), "ash"),
        ("#!/bin/zsh\n", ("/bin/zsh",), "zsh"),
        ("#!/usr/bin/env zsh\n", ("zsh",), "zsh"),
        ("#!/usr/bin/env bash\r\n", ("bash",), "bash"),
        ("#!/usr/bin/env -S bash -eu\n", ("bash", "-eu"), "bash"),
        ("#!/usr/bin/env -S PYTHONUNBUFFERED=1 python3 -u\n", ("python3", "-u"), None),
        ("#!/usr/bin/env python3\n", ("python3",), None),
        ("#!/bin/busybox sh\n", ("/bin/busybox", "sh"), "sh"),
        ("echo no shebang\n", (), None),
        ("#!\n", (), None),
    ],
)
def test_shebang(text: str, command: tuple[str, ...], shell: str | None) -> None:
    assert shebang(text) == command
    assert shebang_shell(text) == shell


def test_env_split_string_is_env_s_own() -> None:
    # sudo's -S (read the password from stdin) is a flag, not env's -S STRING
    (found,) = unwrap_argv(["env", "X=1", "sudo", "-S", "python", "main.py"])
    assert found == Command(("python", "main.py"), (("X", "1"),))
    (found,) = unwrap_argv(["env", "-u", "HOME", "-S", "python -u", "main.py"])
    assert found.argv == ("python", "-u", "main.py")


def test_execs_last_command_and_single_command() -> None:
    execs = {
        "exec gunicorn app:app": True,
        "alembic upgrade head && exec uvicorn app:app --port $PORT": True,
        "A=1 exec python main.py;": True,
        "exec >/tmp/log 2>&1; python main.py": False,
        "exec python main.py | tee log": False,
        "exec python main.py &": False,
        "(exec python main.py)": False,
        "python main.py": False,
    }
    assert {text: execs_last_command(text) for text in execs} == execs
    single = {
        'uvicorn app:app --port "${PORT:-80}" 2>&1': True,
        "python main.py;": True,
        "a && b": False,
        "A=1 python main.py": False,
        "cd /app": False,
        "exec python": False,
    }
    assert {text: is_single_command(text) for text in single} == single
