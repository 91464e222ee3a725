"""Python monorepos with modern packaging: shared libraries installed through Poetry path
dependencies and uv workspaces, console scripts, celery --workdir (field tests, round 4)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint_rule as _lint
from tests.helpers import write_repo

Found = tuple[str, str, int, int, str]


_repo = write_repo


# --- Poetry path dependencies ---------------------------------------------------------------

POETRY_ROOT = """\
[tool.poetry]
name = "mono"
version = "0.1.0"
packages = []

[tool.poetry.group.svc.dependencies]
svc = { path = "services/svc", develop = true }
"""

POETRY_SVC = """\
[tool.poetry]
name = "svc"
version = "0.1.0"
packages = [{include = "acme", from = "src"}]

[tool.poetry.dependencies]
python = "^3.11"
common = { path = "../../libs/common" }

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""

POETRY_COMMON = """\
[tool.poetry]
name = "common"
version = "0.1.0"
packages = [{include = "acme", from = "src"}]

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""


def _poetry_repo(root: Path, copy_libs: bool) -> Path:
    copies = "COPY services/ services/\n" + ("COPY libs/ libs/\n" if copy_libs else "")
    return _repo(
        root,
        {
            "pyproject.toml": POETRY_ROOT,
            "services/svc/pyproject.toml": POETRY_SVC,
            "services/svc/src/acme/svc/__init__.py": "",
            "services/svc/src/acme/svc/main.py": "from acme.common.db import connect\n",
            "libs/common/pyproject.toml": POETRY_COMMON,
            "libs/common/src/acme/common/__init__.py": "",
            "libs/common/src/acme/common/db.py": "def connect():\n    return None\n",
            "Dockerfile": (
                "FROM python:3.11-slim\nWORKDIR /app\nCOPY pyproject.toml ./\n"
                f"{copies}RUN pip install --no-cache-dir poetry==1.8.3"
                " && poetry install --only svc\n"
                'CMD ["python", "services/svc/src/acme/svc/main.py"]\n'
            ),
        },
    )


def test_poetry_path_dependency_installs_the_shared_library(tmp_path: Path) -> None:
    """The service's path dependency on libs/common is installed: acme.common imports."""
    assert _lint(_poetry_repo(tmp_path, copy_libs=True), "VL202") == []


def test_poetry_path_dependency_not_in_the_image_is_reported(tmp_path: Path) -> None:
    """libs/ never copied: the shared library is not installed, the import fails."""
    found = _lint(_poetry_repo(tmp_path, copy_libs=False), "VL202")
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("VL202", "services/svc/src/acme/svc/main.py", 1)
    ]
    assert "No module named 'acme.common'" in found[0][4]


# --- uv workspaces --------------------------------------------------------------------------


def _uv_repo(root: Path, sync: str, cmd: str) -> Path:
    return _repo(
        root,
        {
            "pyproject.toml": (
                '[project]\nname = "ws"\nversion = "0.1.0"\ndependencies = []\n\n'
                '[tool.uv.workspace]\nmembers = ["apps/*", "libs/*"]\n'
            ),
            "uv.lock": 'version = 1\nrequires-python = ">=3.12"\n',
            "apps/api/pyproject.toml": (
                '[project]\nname = "api"\nversion = "0.1.0"\n'
                'dependencies = ["fastapi==0.115.0", "uvicorn==0.30.0", "shared"]\n'
                "[tool.uv.sources]\nshared = { workspace = true }\n"
            ),
            "apps/api/app/__init__.py": "",
            "apps/api/app/main.py": (
                "from fastapi import FastAPI\n\nfrom shared.models import Item\n\napp = FastAPI()\n"
            ),
            "libs/shared/pyproject.toml": (
                '[project]\nname = "shared"\nversion = "0.1.0"\ndependencies = []\n'
                '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
            ),
            "libs/shared/src/shared/__init__.py": "",
            "libs/shared/src/shared/models.py": "class Item:\n    pass\n",
            "Dockerfile": (
                "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
                f"RUN pip install --no-cache-dir uv==0.5.0 && {sync}\n"
                'ENV PATH="/app/.venv/bin:$PATH"\n'
                f"CMD {cmd}\n"
            ),
        },
    )


UVICORN = '["uvicorn", "app.main:app", "--app-dir", "apps/api"]'


def test_uv_sync_package_installs_the_member_and_its_workspace_dependencies(
    tmp_path: Path,
) -> None:
    """`uv sync --package api`: api's dependencies (fastapi, uvicorn) and the workspace
    member it depends on (shared) are installed; the virtual root installs nothing."""
    root = _uv_repo(tmp_path, "uv sync --frozen --package api", UVICORN)
    assert _lint(root, "VL2") == []
    assert _lint(root, "VL301") == []


def test_uv_sync_without_package_installs_only_the_root(tmp_path: Path) -> None:
    """A plain `uv sync` of a root that depends on no member: fastapi is never installed."""
    root = _uv_repo(tmp_path, "uv sync --frozen", UVICORN)
    rules = sorted({f[0] for f in _lint(root, "VL2")} | {f[0] for f in _lint(root, "VL301")})
    assert rules == ["VL202", "VL204", "VL301"]


# --- console scripts ------------------------------------------------------------------------

SCRIPT_PYPROJECT = """\
[project]
name = "mysvc"
version = "0.1.0"
dependencies = ["typer==0.12.0"]

[project.scripts]
mysvc = "mysvc.cli:app"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""


def _script_repo(root: Path, second_sync: str, cli_extra: str = "") -> Path:
    return _repo(
        root,
        {
            "pyproject.toml": SCRIPT_PYPROJECT,
            "uv.lock": 'version = 1\nrequires-python = ">=3.12"\n',
            "src/mysvc/__init__.py": "",
            "src/mysvc/cli.py": f"import typer\n{cli_extra}\napp = typer.Typer()\n",
            "Dockerfile": (
                "FROM python:3.12-slim AS builder\nWORKDIR /app\n"
                "RUN pip install --no-cache-dir uv==0.5.0\n"
                "COPY pyproject.toml uv.lock ./\n"
                "RUN uv sync --frozen --no-install-project --no-dev\n"
                f"COPY src ./src\n{second_sync}\n"
                "FROM python:3.12-slim\nWORKDIR /app\n"
                "COPY --from=builder /app/.venv /app/.venv\n"
                'ENV PATH="/app/.venv/bin:$PATH"\n'
                'ENTRYPOINT ["mysvc"]\nCMD ["serve"]\n'
            ),
        },
    )


def test_console_script_is_followed_into_its_module(tmp_path: Path) -> None:
    """`ENTRYPOINT ["mysvc"]` runs mysvc.cli: its imports are checked like any entrypoint."""
    root = _script_repo(tmp_path, "RUN uv sync --frozen --no-dev", "import requests")
    assert _lint(root, "VL204") == []
    found = _lint(root, "VL301")
    assert [(f[1], f[2]) for f in found] == [("src/mysvc/cli.py", 2)]
    assert "console script `mysvc`" not in found[0][4]  # evidence, not the message


def test_console_script_of_a_project_never_installed(tmp_path: Path) -> None:
    """Only `uv sync --no-install-project`: the project's console script does not exist."""
    found = _lint(_script_repo(tmp_path, "RUN true"), "VL204")
    assert [(f[0], f[1], f[2]) for f in found] == [("VL204", "Dockerfile", 12)]
    assert (
        "`mysvc` is not installed in the image: it is a console script of pyproject.toml"
        in (found[0][4])
    )


# --- celery --workdir -----------------------------------------------------------------------


def test_celery_workdir_and_attribute_app(tmp_path: Path) -> None:
    """`celery -A worker.celery_app.celery_app --workdir apps/worker`: celery changes to the
    directory first, and `pkg.module.attr` names an attribute of pkg.module."""
    root = _repo(
        tmp_path,
        {
            "requirements.txt": "celery==5.4.0\n",
            "apps/worker/worker/__init__.py": "",
            "apps/worker/worker/celery_app.py": (
                "from celery import Celery\n\ncelery_app = Celery('w')\n"
            ),
            "Dockerfile": (
                "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
                "RUN pip install --no-cache-dir -r requirements.txt\n"
                'CMD ["celery", "-A", "worker.celery_app.celery_app", "worker",'
                ' "--workdir", "apps/worker"]\n'
            ),
        },
    )
    assert _lint(root, "VL204") == []
    # without --workdir the module is really not on sys.path
    text = (root / "Dockerfile").read_text().replace(', "--workdir", "apps/worker"', "")
    (root / "Dockerfile").write_text(text)
    assert [f[0] for f in _lint(root, "VL204")] == ["VL204"]


# --- a missing submodule of a first-party package -------------------------------------------


def test_missing_submodule_of_a_first_party_package_is_no_requirement(tmp_path: Path) -> None:
    """`from app.core.logging import ...` with app/core/ in the image but no logging.py: a
    ModuleNotFoundError (VL202), not a distribution named `app` to add (VL301)."""
    root = _repo(
        tmp_path,
        {
            "requirements.txt": "fastapi==0.115.0\nuvicorn==0.30.0\n",
            "app/main.py": "from fastapi import FastAPI\n\nfrom app.core.logging import setup\n",
            "app/core/config.py": "X = 1\n",
            "Dockerfile": (
                "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
                "RUN pip install --no-cache-dir -r requirements.txt\n"
                'CMD ["uvicorn", "app.main:app"]\n'
            ),
        },
    )
    assert _lint(root, "VL301") == []
    found = _lint(root, "VL202")
    assert [(f[1], f[2]) for f in found] == [("app/main.py", 3)]
    assert "No module named 'app.core.logging'" in found[0][4]
