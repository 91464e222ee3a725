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


# --- Python environments per stage: which installs reach the final image ------------------------

_REQ = {"requirements.txt": "flask==3.0.3\n", "app.py": "import flask\n"}
_TAIL = 'COPY app.py .\nCMD ["python", "app.py"]\n'


def _reaching(root: Path, dockerfile: str, files: dict[str, str] | None = None) -> list[tuple]:
    ws = _ws(root, {**_REQ, **(files or {}), "Dockerfile": dockerfile + _TAIL})
    (image,) = ws.images
    assert image.contents is not None
    return [(i.kind, i.value, i.env, i.no_deps) for i in image.contents.installs]


@pytest.mark.parametrize(
    ("builder", "copy", "env"),
    [
        # a virtualenv named by VIRTUAL_ENV and put first on PATH
        (
            "ENV VIRTUAL_ENV=/opt/venv\nRUN python -m venv $VIRTUAL_ENV\n"
            'ENV PATH="$VIRTUAL_ENV/bin:$PATH"\nRUN pip install -r requirements.txt\n',
            "COPY --from=builder /opt/venv /opt/venv\n",
            "/opt/venv",
        ),
        # activated in the RUN, the venv's pip by its path, `uv venv` + `uv pip install`
        (
            "RUN python3 -m venv /venv && . /venv/bin/activate"
            " && pip install -r requirements.txt\n",
            "COPY --from=builder /venv /venv\n",
            "/venv",
        ),
        (
            "RUN virtualenv /v && /v/bin/pip install -r requirements.txt\n",
            "COPY --from=builder /v /v\n",
            "/v",
        ),
        (
            "WORKDIR /src\nRUN uv venv && uv pip install -r /requirements.txt\n",
            "COPY --from=builder /src/.venv /src/.venv\n",
            "/src/.venv",
        ),
        # --prefix copied into /usr/local, --target on PYTHONPATH, the root's --user site
        (
            "RUN pip install --prefix=/install -r requirements.txt\n",
            "COPY --from=builder /install /usr/local\n",
            "/install",
        ),
        (
            "RUN pip install --target /deps -r requirements.txt\n",
            "COPY --from=builder /deps /deps\nENV PYTHONPATH=/deps\n",
            "/deps",
        ),
        (
            "RUN pip install --user -r requirements.txt\n",
            "COPY --from=builder /root/.local /root/.local\n",
            "/root/.local",
        ),
        # the base Python's site-packages, copied on its own
        (
            "RUN pip install -r requirements.txt\n",
            "COPY --from=builder /usr/local/lib/python3.12/site-packages"
            " /usr/local/lib/python3.12/site-packages\n",
            "/usr/local",
        ),
    ],
)
def test_an_environment_copied_from_a_builder_brings_its_installs(
    tmp_path: Path, builder: str, copy: str, env: str
) -> None:
    dockerfile = (
        f"FROM python:3.12-slim AS builder\nCOPY requirements.txt /requirements.txt\n"
        f"COPY requirements.txt .\n{builder}FROM python:3.12-slim\n{copy}"
    )
    (install,) = _reaching(tmp_path, dockerfile)
    assert install[0] == "requirements" and install[2:] == (env, False)


@pytest.mark.parametrize(
    "builder",
    [
        "RUN python -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt\n",
        "RUN pip install --prefix=/install -r requirements.txt\n",
        "RUN pip install -r requirements.txt\n",  # the builder's own /usr/local
        "WORKDIR /src\nRUN uv venv && uv pip install -r /requirements.txt\n",
    ],
)
def test_an_environment_the_final_stage_does_not_copy_installs_nothing(
    tmp_path: Path, builder: str
) -> None:
    dockerfile = (
        "FROM python:3.12-slim AS builder\nCOPY requirements.txt /requirements.txt\n"
        f"COPY requirements.txt .\n{builder}RUN mkdir -p /out && echo ok > /out/version\n"
        "FROM python:3.12-slim\nCOPY --from=builder /out /out\n"
    )
    assert _reaching(tmp_path, dockerfile) == []


def test_uv_sync_into_uv_project_environment(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "svc"\nversion = "1"\ndependencies = ["flask"]\n',
        "uv.lock": 'version = 1\n[[package]]\nname = "flask"\nversion = "3.0.3"\n',
    }
    head = (
        "FROM python:3.12-slim AS builder\nWORKDIR /src\nCOPY pyproject.toml uv.lock ./\n"
        "ENV UV_PROJECT_ENVIRONMENT=/opt/env\n"
        "RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-install-project\n"
        "FROM python:3.12-slim\n"
    )
    copied = _reaching(tmp_path / "a", head + "COPY --from=builder /opt/env /opt/env\n", files)
    assert copied == [("project", "/src", "/opt/env", False)]
    # the project's own .venv is not where it went: copying it brings nothing
    other = _reaching(tmp_path / "b", head + "COPY --from=builder /src /src\n", files)
    assert other == []


def test_uv_sync_of_a_bind_mounted_project_lands_in_its_venv(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "svc"\nversion = "1"\ndependencies = ["flask"]\n',
        "uv.lock": 'version = 1\n[[package]]\nname = "flask"\nversion = "3.0.3"\n',
    }
    dockerfile = (
        "FROM python:3.12-slim AS builder\nWORKDIR /app\n"
        "RUN --mount=type=cache,target=/root/.cache/uv"
        " --mount=type=bind,source=uv.lock,target=uv.lock"
        " --mount=type=bind,source=pyproject.toml,target=pyproject.toml"
        " uv sync --frozen --no-install-project\n"
        "FROM python:3.12-slim\nCOPY --from=builder /app/.venv /app/.venv\n"
    )
    ws = _ws(tmp_path, {**_REQ, **files, "Dockerfile": dockerfile + _TAIL})
    assert ws.image_deps[ws.images[0].key].names == {"flask"}
    assert [f.path for f in ws.image_deps[ws.images[0].key].files] == ["pyproject.toml"]


@pytest.mark.parametrize(
    "install",
    [
        "RUN pip install --no-index --find-links /wheels /wheels/*.whl\n",
        "RUN pip install --no-index --find-links=/wheels /wheels/*\n",
        "COPY requirements.txt .\nRUN pip install --no-index -f /wheels -r requirements.txt\n",
    ],
)
def test_wheels_built_in_a_builder_and_installed_in_the_final_stage(
    tmp_path: Path, install: str
) -> None:
    dockerfile = (
        "FROM python:3.12-slim AS builder\nCOPY requirements.txt .\n"
        "RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt\n"
        f"FROM python:3.12-slim\nCOPY --from=builder /wheels /wheels\n{install}"
    )
    ws = _ws(tmp_path, {**_REQ, "Dockerfile": dockerfile + _TAIL})
    deps = ws.image_deps[ws.images[0].key]
    assert (deps.names, deps.unknown) == ({"flask"}, ())
    # the RUN that installs the wheels is the one that installs the file's distributions
    (installed,) = deps.files
    assert (installed.path, installed.install.line) == ("requirements.txt", dockerfile.count("\n"))


@pytest.mark.parametrize(
    ("command", "tool"),
    [
        ("uv pip sync requirements.txt", "uv pip sync"),
        ("pip-sync", "pip-sync"),
        ("pip-sync requirements.txt", "pip-sync"),
        ("pip install --no-deps -r requirements.txt", "pip install --no-deps"),
        ("uv pip install --system --no-deps -r requirements.txt", "uv pip install --no-deps"),
    ],
)
def test_installs_without_dependencies(tmp_path: Path, command: str, tool: str) -> None:
    env = "ENV UV_SYSTEM_PYTHON=1\n" if command.startswith("uv pip sync") else ""
    dockerfile = f"FROM python:3.12-slim\n{env}COPY requirements.txt .\nRUN {command}\n"
    ws = _ws(tmp_path, {**_REQ, "Dockerfile": dockerfile + _TAIL})
    (image,) = ws.images
    assert image.contents is not None
    (install,) = image.contents.installs
    assert (install.kind, install.repo_path, install.no_deps, install.command) == (
        "requirements",
        "requirements.txt",
        True,
        tool,
    )
    assert install.env == "/usr/local"


@pytest.mark.parametrize(
    ("run", "why"),
    [
        ("RUN pip install $(cat requirements.txt)\n", "`pip install $(...)`"),
        ("RUN cat requirements.txt | xargs pip install\n", "reads what it installs"),
        ("RUN sh /opt/install.sh\n", "/opt/install.sh, no file of the repository"),
        ("RUN ./scripts/install.sh\n", "no file of the repository"),
    ],
)
def test_an_install_the_model_cannot_read_is_unknown(tmp_path: Path, run: str, why: str) -> None:
    dockerfile = f"FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n{run}"
    ws = _ws(tmp_path, {**_REQ, "Dockerfile": dockerfile + _TAIL})
    deps = ws.image_deps[ws.images[0].key]
    assert len(deps.unknown) == 1 and why in deps.unknown[0], deps.unknown
    assert any("what the image installs is not known" in n for n in ws.notes)


def test_a_file_copied_onto_a_directory_of_the_image_lands_inside_it(tmp_path: Path) -> None:
    # `COPY lib/util.py pkg/sub` with /app/pkg/sub already a directory of the image: Docker puts
    # the file at /app/pkg/sub/util.py (no trailing slash needed), it does not replace the folder
    ws = _ws(
        tmp_path,
        {
            "Dockerfile": (
                "FROM python:3.12-slim\nWORKDIR /app\n"
                "COPY code/pkg pkg\nCOPY lib/util.py pkg/sub\nCOPY lib/util.py single\n"
                'CMD ["python", "-m", "pkg.sub.main"]\n'
            ),
            "code/pkg/sub/main.py": "from pkg.sub.util import f\n",
            "lib/util.py": "def f(): ...\n",
        },
    )
    (image,) = ws.images
    assert image.contents is not None
    files = image.contents.fs.files
    assert sorted(files) == ["/app/pkg/sub/main.py", "/app/pkg/sub/util.py", "/app/single"]
    assert files["/app/pkg/sub/util.py"].repo_path == "lib/util.py"
