"""Facts of the image model (link/image.py) and of the commands the image runs, as read by the
shell and command toolkits (parsers/shell.py, parsers/commands.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import workspace
from vertice_lint.config import Config
from vertice_lint.model import Workspace
from vertice_lint.parsers.shell import script_words, unwrap_argv

SRC = {"main.py": "print('hi')\n"}


def _ws(root: Path, files: dict[str, str]) -> Workspace:
    return workspace(root, files, Config())


def _scripts(ws: Workspace) -> list[tuple[str, str, str | None]]:
    return [
        (e.kind, e.program, e.repo_path) for run in ws.runtimes for e in run.runtime.entrypoints
    ]


# --- wrappers: the runtime and the Dockerfile rules read the same words ------------------------


@pytest.mark.parametrize(
    "command",
    [
        'CMD ["tini", "--", "python", "main.py"]',
        'ENTRYPOINT ["dumb-init", "--"]\nCMD ["python", "main.py"]',
        "CMD gosu app python main.py",
        "CMD sudo -u app python main.py",
        "CMD nohup python main.py",
        'CMD ["tini", "-p", "SIGTERM", "--", "python", "main.py"]',
        "CMD nice -n 5 python main.py",
    ],
)
def test_wrapped_commands_run_the_script(tmp_path: Path, command: str) -> None:
    dockerfile = f"FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n{command}\n"
    ws = _ws(tmp_path, {**SRC, "Dockerfile": dockerfile})
    assert _scripts(ws) == [("script", "python", "main.py")]
    # the same words as the Dockerfile rules read a RUN: the wrappers are dropped alike
    (image,) = ws.images
    argv = (*(image.entrypoint or ()), *(image.cmd or ()))
    if argv[:2] == ("/bin/sh", "-c"):
        (words,) = script_words(argv[2]).commands
        assert words.values == ("python", "main.py")
    else:
        (found,) = unwrap_argv(argv)
        assert found.argv == ("python", "main.py")


# --- shebangs: every POSIX-like shell's script is followed --------------------------------------


@pytest.mark.parametrize(
    "line", ["#!/bin/zsh", "#!/usr/bin/env zsh", "#!/bin/ash", "#!/usr/bin/env -S bash -e"]
)
def test_entrypoint_script_with_a_shell_shebang_is_followed(tmp_path: Path, line: str) -> None:
    ws = _ws(
        tmp_path,
        {
            **SRC,
            "entrypoint": f"{line}\necho starting\nexec python main.py\n",
            "Dockerfile": (
                'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nENTRYPOINT ["./entrypoint"]\n'
            ),
        },
    )
    assert ("script", "python", "main.py") in _scripts(ws)


def test_a_python_shebang_is_not_read_as_a_shell_script(tmp_path: Path) -> None:
    ws = _ws(
        tmp_path,
        {
            **SRC,
            "entrypoint": "#!/usr/bin/env python3\nexec python main.py\n",
            "Dockerfile": (
                'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nENTRYPOINT ["./entrypoint"]\n'
            ),
        },
    )
    assert _scripts(ws) == [("executable", "entrypoint", None)]
