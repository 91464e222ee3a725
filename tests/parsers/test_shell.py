"""Tests for splitting shell command lines into simple commands."""

from __future__ import annotations

import pytest

from vertice_lint.parsers.shell import (
    Command,
    has_shell_syntax,
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
