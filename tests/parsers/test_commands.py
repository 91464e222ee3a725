"""The argument readers of parsers/commands.py: pip, uv, poetry, pipenv, apt, useradd, docker
build."""

from __future__ import annotations

import shlex

import pytest

from vertice_lint.parsers.commands import (
    read_apt,
    read_docker_build,
    read_pip,
    read_project_install,
    read_useradd,
)


def _items(text: str) -> list[tuple[str, str]] | None:
    found = read_pip(shlex.split(text))
    return None if found is None else [(i.kind, i.value) for i in found.items]


# --- pip ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "items"),
    [
        # options that take a value, in both spellings, never read as a distribution
        ("pip install --retries 5 flask", [("requirement", "flask")]),
        (
            "pip install --no-cache-dir --timeout=30 -i https://pypi.example/simple flask==2.0",
            [("requirement", "flask==2.0")],
        ),
        ("pip install --root-user-action ignore --progress-bar off x", [("requirement", "x")]),
        (
            "pip install --proxy http://p:3128 --cert /ca.pem --exists-action w x",
            [("requirement", "x")],
        ),
        ("pip install --default-timeout 100 --keyring-provider import x", [("requirement", "x")]),
        ("pip install --trusted-host h --client-cert c.pem --log /l x", [("requirement", "x")]),
        ("pip install --build-constraint b.txt --group dev x", [("requirement", "x")]),
        # an unambiguous prefix names a long option (optparse): --extra is --extra-index-url
        ("pip install --extra https://x/simple --no-cache y", [("requirement", "y")]),
        # short forms: attached value, cluster ending with a valued option
        (
            "pip install -rrequirements.txt -Ur dev.txt",
            [("requirements", "requirements.txt"), ("requirements", "dev.txt")],
        ),
        (
            "pip install -c constraints.txt --constraint=c2.txt",
            [("constraints", "constraints.txt"), ("constraints", "c2.txt")],
        ),
        (
            "pip install -e . --editable=./lib pkg",
            [("editable", "."), ("editable", "./lib"), ("requirement", "pkg")],
        ),
        ("pip install -t /deps --prefix=/install --root / x", [("requirement", "x")]),
        # after `--` everything is an operand
        ("pip install -- -weird", [("requirement", "-weird")]),
        # an option pip does not have is a flag: it never swallows a package
        ("pip install --frobnicate flask", [("requirement", "flask")]),
    ],
)
def test_pip_install_arguments(text: str, items: list[tuple[str, str]]) -> None:
    assert _items(text) == items


@pytest.mark.parametrize(
    "text",
    [
        "pip3 install x",
        "pip3.12 install x",
        "/opt/venv/bin/pip install x",
        "python -m pip install x",
        "python3.11 -u -m pip install x",
        "python -mpip install x",
        "pip --retries 5 --disable-pip-version-check install x",
        "pip -q install x",
    ],
)
def test_pip_program_spellings_and_general_options(text: str) -> None:
    assert _items(text) == [("requirement", "x")]


@pytest.mark.parametrize(
    "text",
    [
        "pip download x",
        "pip --version",
        "python main.py",
        "python -c 'import pip' install",
        "pipx install x",
    ],
)
def test_not_a_pip_install(text: str) -> None:
    assert read_pip(shlex.split(text)) is None


def test_pip_positions_and_no_cache() -> None:
    found = read_pip(shlex.split("python -m pip --no-cache install x"))
    assert found is not None
    assert (found.tool, found.program, found.install, found.no_cache) == ("pip", 0, 4, True)
    plain = read_pip(["pip", "install", "x"])
    assert plain is not None and not plain.no_cache
    from_env = read_pip(["pip", "install", "x"], ["PIP_NO_CACHE_DIR"])
    assert from_env is not None and from_env.no_cache


@pytest.mark.parametrize(
    ("spec", "name", "pinned"),
    [
        ("flask", "flask", False),
        ("flask==2.0", "flask", True),
        ("fastapi>=0.111", "fastapi", False),
        ("uvicorn[standard]", "uvicorn", False),
        ("./dist/app-1.0-py3-none-any.whl", "./dist/app-1.0-py3-none-any.whl", True),
        ("git+https://github.com/x/y@v1", "git+https://github.com/x/y@v1", True),
        ("app.tar.gz", "app.tar.gz", True),
    ],
)
def test_requirement_name_and_pin(spec: str, name: str, pinned: bool) -> None:
    found = read_pip(["pip", "install", spec])
    assert found is not None
    (item,) = found.items
    assert (item.name, item.pinned) == (name, pinned)


# --- uv ----------------------------------------------------------------------------------------


def test_uv_pip_install_and_sync() -> None:
    assert _items("uv pip install --system -r requirements.txt --requirements=b.txt x") == [
        ("requirements", "requirements.txt"),
        ("requirements", "b.txt"),
        ("requirement", "x"),
    ]
    assert _items(
        "uv pip install --python 3.12 --index-strategy unsafe-best-match --extra dev ."
    ) == [("requirement", ".")]
    assert _items("uv pip install -c c.txt --overrides o.txt -b b.txt x") == [
        ("constraints", "c.txt"),
        ("requirement", "x"),
    ]
    assert _items("uv pip sync --system requirements.lock") == [
        ("requirements", "requirements.lock")
    ]
    found = read_pip(shlex.split("uv --no-cache pip install x"))
    assert found is not None and found.tool == "uv" and found.no_cache
    assert read_pip(shlex.split("uv pip compile requirements.in")) is None
    assert read_pip(shlex.split("uv sync")) is None


@pytest.mark.parametrize(
    ("text", "tool", "packages", "skip"),
    [
        ("uv sync --frozen", "uv", (), ""),
        ("uv sync --locked --no-install-project", "uv", (), "project"),
        ("uv sync --package api --package=worker", "uv", ("api", "worker"), ""),
        ("uv --no-cache sync --all-packages --no-install-workspace", "uv", ("*",), "workspace"),
        ("uv sync --python 3.12 --group dev --no-dev", "uv", (), ""),
        ("poetry install --no-root --only main", "poetry", (), "project"),
        ("poetry --no-interaction install --without dev", "poetry", (), ""),
        ("poetry sync", "poetry", (), ""),
        ("pipenv install --system --deploy", "pipenv", (), ""),
    ],
)
def test_project_installs(text: str, tool: str, packages: tuple[str, ...], skip: str) -> None:
    found = read_project_install(shlex.split(text))
    assert found is not None
    assert (found.tool, found.packages, found.skip) == (tool, packages, skip)


@pytest.mark.parametrize("text", ["uv install x", "uv pip install x", "poetry add x", "uv run app"])
def test_not_a_project_install(text: str) -> None:
    assert read_project_install(shlex.split(text)) is None


# --- apt ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command", "yes", "no_recommends", "packages"),
    [
        ("apt-get install curl", "install", False, False, ["curl"]),
        (
            "apt-get install -y --no-install-recommends curl=7.88 git",
            "install",
            True,
            True,
            ["curl=7.88", "git"],
        ),
        ("apt-get -qq install curl", "install", True, False, ["curl"]),
        ("apt-get install -q=2 curl", "install", True, False, ["curl"]),
        ("apt-get install --quiet=2 curl", "install", True, False, ["curl"]),
        ("apt-get install -q curl", "install", False, False, ["curl"]),
        (
            "apt-get -o Dpkg::Options::=--force-confold install --yes curl",
            "install",
            True,
            False,
            ["curl"],
        ),
        (
            "apt-get -o APT::Get::Assume-Yes=true -o APT::Install-Recommends=0 install x",
            "install",
            True,
            True,
            ["x"],
        ),
        ("apt-get install -t bookworm-backports -yq x", "install", True, False, ["x"]),
        ("apt-get update", "update", False, False, []),
        ("apt install -y x", "install", True, False, ["x"]),
    ],
)
def test_apt(text: str, command: str, yes: bool, no_recommends: bool, packages: list[str]) -> None:
    found = read_apt(shlex.split(text))
    assert found is not None
    assert (found.call.command, found.yes, found.no_recommends) == (command, yes, no_recommends)
    assert [p.value for p in found.packages] == packages


def test_apt_without_subcommand_or_other_program() -> None:
    assert read_apt(["apt-get", "-y"]) is None
    assert read_apt(["aptitude", "install", "x"]) is None


# --- useradd / adduser -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "home"),
    [
        ("useradd -m app", "app", True),
        ("useradd -rm -s /bin/bash app", "app", True),
        ("useradd --create-home --uid 1000 app", "app", True),
        ("useradd -r -g app -d /home/app app", "app", False),
        ("useradd -u 1000 -s /usr/sbin/nologin m", "m", False),
        ("adduser --system --home /app --no-create-home app", "app", False),
        ("adduser --system --home /app app", "app", True),
        ("adduser --system app", "app", False),
        ("adduser --disabled-password --gecos '' app", "app", True),
        ("adduser -D -h /app -s /bin/sh app", "app", True),
        ("adduser -D -H -G app app", "app", False),
    ],
)
def test_useradd(text: str, name: str, home: bool) -> None:
    found = read_useradd(shlex.split(text))
    assert found is not None
    assert (found.name, found.creates_home) == (name, home)


def test_useradd_without_a_name() -> None:
    assert read_useradd(["useradd", "-D"]) is None


# --- docker build ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "file", "tag", "context"),
    [
        ("-f docker/Dockerfile -t org/app:1 .", "docker/Dockerfile", "org/app:1", "."),
        ("--file=x/Dockerfile --tag=a -t b ctx", "x/Dockerfile", "a", "ctx"),
        ("-tapp -fDockerfile.prod .", "Dockerfile.prod", "app", "."),
        (
            "--build-arg A=1 --push --platform linux/amd64 --secret id=x,src=y svc",
            None,
            None,
            "svc",
        ),
        ("--cache-from type=gha --cache-to type=gha,mode=max --load -q .", None, None, "."),
        ("--network host --progress plain --target runtime .", None, None, "."),
        ("--memory 2g --authfile a.json --format docker .", None, None, "."),
        ("--pull --no-cache .", None, None, "."),
        ("-t x", None, "x", None),
    ],
)
def test_docker_build(text: str, file: str | None, tag: str | None, context: str | None) -> None:
    found = read_docker_build(shlex.split(text))
    assert (found.file, found.tag, found.context) == (file, tag, context)
