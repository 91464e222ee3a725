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


# --- installs: pip's options read as pip reads them -------------------------------------------


@pytest.mark.parametrize(
    ("run", "packages"),
    [
        ("pip install --retries 5 flask", ["flask"]),
        (
            "pip install --no-cache-dir --timeout=30 -i https://pypi.example/simple flask==2.0",
            ["flask==2.0"],
        ),
        ("pip install --root-user-action ignore --progress-bar off flask==3.0", ["flask==3.0"]),
        ("pip --retries 5 install flask", ["flask"]),
        ("python -u -m pip install --proxy http://proxy:3128 flask", ["flask"]),
        ("sudo -E pip install flask", ["flask"]),
    ],
)
def test_pip_options_with_values_install_no_package(
    tmp_path: Path, run: str, packages: list[str]
) -> None:
    dockerfile = f'FROM python:3.12-slim\nRUN {run}\nCMD ["python"]\n'
    ws = _ws(tmp_path, {"Dockerfile": dockerfile})
    (image,) = ws.images
    assert image.contents is not None
    assert [(i.kind, i.value) for i in image.contents.installs] == [
        ("package", p) for p in packages
    ]


def test_apt_option_values_are_no_packages(tmp_path: Path) -> None:
    run = "apt-get -o Dpkg::Options::=--force-confold install -y -t bookworm curl=7.88"
    ws = _ws(tmp_path, {"Dockerfile": f'FROM python:3.12-slim\nRUN {run}\nCMD ["python"]\n'})
    (image,) = ws.images
    assert image.contents is not None
    assert [(i.kind, i.value) for i in image.contents.installs] == [("apt", "curl")]


def test_uv_pip_sync_installs_its_requirements_file(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.12-slim\nCOPY requirements.txt .\n"
        'RUN uv pip sync --system requirements.txt\nCMD ["python"]\n'
    )
    ws = _ws(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": "flask==3.0\n"})
    (image,) = ws.images
    assert image.contents is not None
    assert [(i.kind, i.value, i.repo_path, i.tool) for i in image.contents.installs] == [
        ("requirements", "requirements.txt", "requirements.txt", "uv")
    ]


# --- docker build in CI: the options docker reads --------------------------------------------


def test_ci_docker_build_options_with_values_are_no_context(tmp_path: Path) -> None:
    ws = _ws(
        tmp_path,
        {
            "services/api/Dockerfile": 'FROM python:3.12-slim\nCMD ["python"]\n',
            ".github/workflows/ci.yaml": (
                "jobs:\n  b:\n    steps:\n      - run: docker build --memory 2g --cpu-shares 512"
                " -tghcr.io/acme/api:1 -f services/api/Dockerfile services/api\n"
            ),
        },
    )
    (image,) = ws.images
    assert (image.key, image.names) == (
        "services/api/Dockerfile@services/api",
        ("ghcr.io/acme/api",),
    )
    assert image.link.reason == "CI build"


# --- the Python of a base image: one fact, per stage and for the image ------------------------


@pytest.mark.parametrize(
    ("base", "version"),
    [
        ("python:3.11-slim", "3.11"),
        ("docker.io/library/python:3.11", "3.11"),
        ("mirror.gcr.io/library/python:3.11", "3.11"),
        ("public.ecr.aws/docker/library/python:3.12-slim-bookworm", "3.12"),
        ("registry.example.com:5000/library/python:3.10@sha256:abc", "3.10"),
        ("debian:bookworm", None),
        ("ghcr.io/astral-sh/uv:python3.12-bookworm", None),
    ],
)
def test_base_image_python_version(tmp_path: Path, base: str, version: str | None) -> None:
    dockerfile = f'FROM {base} AS build\nFROM build\nCMD ["python"]\n'
    ws = _ws(tmp_path, {"Dockerfile": dockerfile})
    (image,) = ws.images
    assert image.dockerfile_facts is not None and image.contents is not None
    stages = image.dockerfile_facts.stages
    assert [s.python.version if s.python else None for s in stages] == [version, version]
    assert image.contents.python_version == version
    if version is not None:
        assert stages[1].python is not None
        assert (stages[1].python.image, stages[1].python.line) == (base, 1)


# --- the build context: one fact for the image's files and VL702 ----------------------------


def test_build_context_sent_files(tmp_path: Path) -> None:
    ws = _ws(
        tmp_path,
        {
            "svc/Dockerfile": "FROM alpine\nCOPY . /app\nCOPY secrets/key /k\n",
            "svc/Dockerfile.dockerignore": "secrets\n",
            "svc/.dockerignore": "README.md\n",
            "svc/secrets/key": "",
            "svc/README.md": "",
            "svc/app.py": "",
            "other/x.py": "",
        },
    )
    (image,) = ws.images
    assert image.contents is not None
    build = image.contents.build_context
    assert build is not None
    assert (build.directory, build.dockerignore) == ("svc", "svc/Dockerfile.dockerignore")
    assert build.paths >= {"secrets", "secrets/key", "README.md", "app.py", "Dockerfile"}
    assert "other/x.py" not in build.paths
    assert "secrets/key" not in build.sent and "secrets" not in build.sent
    assert {"README.md", "app.py"} <= build.sent
    # the image's files come from the same fact
    assert sorted(image.contents.fs.files) == [
        "/app/.dockerignore",
        "/app/Dockerfile",
        "/app/Dockerfile.dockerignore",
        "/app/README.md",
        "/app/app.py",
    ]
    whole, key = image.context_sources
    assert (whole.text, whole.found) == (".", True)
    assert (key.text, key.found, key.matches, key.outside) == (
        "secrets/key",
        False,
        ("secrets/key",),
        False,
    )
    assert key.excluded_by is not None
    assert (key.excluded_by.path, key.excluded_by.line) == ("svc/Dockerfile.dockerignore", 1)
