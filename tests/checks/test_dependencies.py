"""VL301–VL306: imports against what the image installs, on small repositories and the example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import fix_twice, lint_rules, write_repo
from vertice_lint.cli import cli
from vertice_lint.config import Config
from vertice_lint.engine import Selection, lint

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "monorepo"

DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "main.py"]
"""


_repo = write_repo
_lint = lint_rules
_fix = fix_twice


def _service(main: str, requirements: str = "", **files: str) -> dict[str, str | bytes]:
    return {"Dockerfile": DOCKERFILE, "requirements.txt": requirements, "main.py": main, **files}


# --- the example monorepo ------------------------------------------------------------------------

APP = "services/tegumentar_service/app.py"


def test_example_reports_the_incident() -> None:
    assert _lint(EXAMPLE, "VL301", "VL302", "VL303", "VL304", "VL305") == [
        (
            "VL305",
            "services/narrative_digest_service/requirements.txt",
            1,
            1,
            "fastapi is pinned to 0.112.2 here but to 0.115.0 in"
            " services/audit_service/requirements.txt, services/hcl_kb_service/requirements.txt,"
            " services/tegumentar_service/requirements.txt",
        ),
        (
            "VL301",
            APP,
            4,
            1,
            "prometheus_client comes from prometheus-client (import name = distribution name),"
            " which the image never installs: add it to"
            " services/tegumentar_service/requirements.txt",
        ),
        (
            "VL302",
            APP,
            10,
            1,
            "bcc comes from the Debian package python3-bpfcc, installed under"
            " /usr/lib/python3/dist-packages for Debian's python3, which the image's Python 3.11"
            " (/usr/local) does not read: link it into /usr/local/lib/python3.11/site-packages"
            " or add it to PYTHONPATH",
        ),
    ]


def test_example_evidence_and_once_for_three_containers() -> None:
    result = lint(EXAMPLE, Config(), Selection(select=("VL301",)))
    (diag,) = result.diagnostics  # the image runs as a Deployment, a compose service, itself
    # how app.py is reached: the command, the import chain from the entry module, the installs,
    # the workloads that run the image
    assert [(e.path, e.line, e.note) for e in diag.evidence] == [
        (
            "services/tegumentar_service/Dockerfile",
            17,
            "services/tegumentar_service/main.py is run as a script:"
            " the image's command: python main.py",
        ),
        ("services/tegumentar_service/main.py", 5, "imports app"),
        (
            "services/tegumentar_service/Dockerfile",
            12,
            "the image installs services/tegumentar_service/requirements.txt",
        ),
        (
            "k8s/base/tegumentar-service.yaml",
            18,
            "run by Deployment/vertice/tegumentar-service container tegumentar",
        ),
        ("docker-compose.yml", 3, "run by compose/tegumentar container tegumentar"),
    ]
    assert diag.fix is not None and diag.fix.safety.value == "safe"


def test_example_fix_writes_the_incident_requirement(tmp_path: Path) -> None:
    root = tmp_path / "monorepo"
    shutil.copytree(EXAMPLE, root)
    fixed = _fix(root, "VL301", "services/tegumentar_service/requirements.txt")
    # pinned to the version another service of the repository pins
    assert fixed == (
        "fastapi==0.115.0\nuvicorn==0.30.6\npydantic-settings==2.5.2\nprometheus-client==0.21.0\n"
    )


def test_example_bcc_link_into_the_wrong_python_is_evidence() -> None:
    result = lint(EXAMPLE, Config(), Selection(select=("VL302",)))
    (diag,) = result.diagnostics
    assert [e.note for e in diag.evidence][1:] == [
        "installs python3-bpfcc",
        "links it into Python 3.10's site-packages, not 3.11's",
    ]


# --- precision ---------------------------------------------------------------------------------


def test_no_finding_for_guarded_typing_stdlib_first_party_namespace_dynamic(tmp_path: Path) -> None:
    main = """\
from __future__ import annotations

import importlib
import json
import os.path
from typing import TYPE_CHECKING

import helpers
from nspkg import tool

try:
    import orjson
except ImportError:
    orjson = None

try:
    import ujson
except ModuleNotFoundError:
    ujson = None

if TYPE_CHECKING:
    import mypy_boto3_s3

plugin = importlib.import_module("some_plugin")
"""
    _repo(
        tmp_path,
        _service(
            main,
            "",
            **{
                "helpers.py": "import json\n",
                "nspkg/tool.py": "X = 1\n",
                "tests/test_main.py": "import pytest\nimport hypothesis\n",
                "scripts/seed.py": "import faker\n",
            },
        ),
    )
    assert _lint(tmp_path, "VL301", "VL302") == []


def test_only_the_closure_counts(tmp_path: Path) -> None:
    _repo(tmp_path, _service("import requests\n", "", **{"unused.py": "import numpy\n"}))
    found = _lint(tmp_path, "VL301")
    assert [(f[1], f[2], f[3]) for f in found] == [("main.py", 1, 1)]


def test_unknown_base_image_is_skipped(tmp_path: Path) -> None:
    dockerfile = DOCKERFILE.replace("python:3.11-slim", "tiangolo/uvicorn-gunicorn-fastapi:py3.11")
    _repo(tmp_path, {**_service("import fastapi\n"), "Dockerfile": dockerfile})
    assert _lint(tmp_path, "VL301") == []


def test_unreadable_install_is_skipped(tmp_path: Path) -> None:
    dockerfile = DOCKERFILE.replace(
        "-r requirements.txt", "-r requirements.txt -r /opt/extra/requirements.txt"
    )
    _repo(tmp_path, {**_service("import fastapi\n"), "Dockerfile": dockerfile})
    assert _lint(tmp_path, "VL301") == []


# --- the module map ---------------------------------------------------------------------------

MAPPED = [
    ("import yaml", "PyYAML"),
    ("import sklearn", "scikit-learn"),
    ("import cv2", "opencv-python-headless"),
    ("from PIL import Image", "Pillow"),
    ("from jose import jwt", "python-jose"),
    ("import jwt", "PyJWT"),
    ("from dotenv import load_dotenv", "python-dotenv"),
    ("from bs4 import BeautifulSoup", "beautifulsoup4"),
    ("from dateutil import parser", "python-dateutil"),
    ("from google.cloud import storage", "google-cloud-storage"),
    ("import google.cloud.pubsub_v1", "google-cloud-pubsub"),
    ("from google.cloud import secretmanager", "google-cloud-secret-manager"),
    ("from Crypto.Cipher import AES", "pycryptodome"),
    ("import magic", "python-magic"),
    ("import attr", "attrs"),
    ("from prometheus_client import Counter", "prometheus-client"),
    ("import bson", "pymongo"),
    ("import MySQLdb", "mysqlclient"),
    ("import azure.storage.blob", "azure-storage-blob"),
]


@pytest.mark.parametrize(("statement", "distribution"), MAPPED)
def test_declared_distribution_satisfies_its_import(
    tmp_path: Path, statement: str, distribution: str
) -> None:
    _repo(tmp_path, _service(statement + "\n", f"{distribution}==1.0\n"))
    assert _lint(tmp_path, "VL301") == []


@pytest.mark.parametrize(
    ("statement", "module", "named"),
    [
        ("import sklearn.linear_model", "sklearn", "scikit-learn (mapping from vertice-lint's"),
        (
            "from google.cloud import storage",
            "google.cloud.storage",
            "google-cloud-storage (import",
        ),
        ("from Crypto.Cipher import AES", "Crypto", "pycryptodome (mapping from vertice-lint's"),
        ("import cv2", "cv2", "opencv-python (mapping from vertice-lint's module map)"),
    ],
)
def test_missing_names_the_distribution_and_source(
    tmp_path: Path, statement: str, module: str, named: str
) -> None:
    _repo(tmp_path, _service(statement + "\n", "requests==2.32.3\n"))
    ((rule, path, line, col, message),) = _lint(tmp_path, "VL301")
    assert (rule, path, line, col) == ("VL301", "main.py", 1, 1)
    assert message.startswith(f"{module} comes from {named}")


def test_config_module_map_overrides(tmp_path: Path) -> None:
    _repo(tmp_path, _service("import vertice_common\n", "vertice-commons==3.1\n"))
    config = Config(module_map=(("vertice_common", "vertice-commons"),))
    assert _lint(tmp_path, "VL301", config=config) == []
    _repo(tmp_path, {"requirements.txt": "requests==2.32.3\n"})
    ((*_, message),) = _lint(tmp_path, "VL301", config=config)
    assert message.startswith(
        "vertice_common comes from vertice-commons (mapping from [tool.vertice-lint.module-map])"
    )


def test_an_import_inside_a_function_is_a_warning_that_says_when_it_fails(
    tmp_path: Path,
) -> None:
    """`import sqlalchemy` in a method fails when the method runs, not when the pod starts: a
    warning that says so; the module-level import of the same file is an error."""
    main = (
        "import redis\n\n\nclass Store:\n    def __init__(self) -> None:\n"
        "        import sqlalchemy\n\n        self.engine = sqlalchemy.create_engine('x')\n"
    )
    _repo(tmp_path, _service(main, "flask==3.0.3\n"))
    result = lint(tmp_path, Config(), Selection(select=("VL301",)))
    found = [(d.line, d.severity.value, d.message) for d in result.diagnostics]
    assert [(line, severity) for line, severity, _ in found] == [(1, "error"), (6, "warning")]
    assert found[1][2].endswith(
        "add it to requirements.txt (it runs only when `Store.__init__()` is called, not at"
        " start-up)"
    )


# --- transitive availability --------------------------------------------------------------------


def test_transitive_from_the_curated_table_is_a_warning(tmp_path: Path) -> None:
    _repo(tmp_path, _service("import starlette\nimport fastapi\n", "fastapi==0.115.0\n"))
    result = lint(tmp_path, Config(), Selection(select=("VL307",)))
    (diag,) = result.diagnostics
    assert (diag.line, diag.severity.value) == (1, "warning")
    assert diag.message == (
        "starlette comes from starlette (import name = distribution name), installed only as a"
        " dependency of fastapi (data/transitive.json): declare it in requirements.txt"
    )


def test_flask_pymongo_brings_pymongo(tmp_path: Path) -> None:
    # gateway importing gridfs/bson with only Flask-PyMongo declared (field test, round h)
    _repo(tmp_path, _service("import gridfs\nimport flask_pymongo\n", "Flask-PyMongo==2.3.0\n"))
    result = lint(tmp_path, Config(), Selection(select=("VL307",)))
    (diag,) = result.diagnostics
    assert (diag.line, diag.severity.value) == (1, "warning")
    assert "installed only as a dependency of Flask-PyMongo" in diag.message


UV_LOCK = """\
version = 1

[[package]]
name = "fastapi"
version = "0.115.0"
dependencies = [{ name = "starlette" }]

[[package]]
name = "starlette"
version = "0.38.6"
dependencies = [{ name = "anyio" }]

[[package]]
name = "anyio"
version = "4.6.0"
"""


def test_transitive_from_the_lock_file_and_fix_pinned_to_it(tmp_path: Path) -> None:
    _repo(tmp_path, _service("import anyio\n", "fastapi==0.115.0\n", **{"uv.lock": UV_LOCK}))
    ((_, _, _, _, message),) = _lint(tmp_path, "VL307")
    assert message.endswith(
        "installed only as a dependency of fastapi (uv.lock): declare it in requirements.txt"
    )
    assert _fix(tmp_path, "VL307", "requirements.txt") == "anyio==4.6.0\nfastapi==0.115.0\n"


# --- install forms ----------------------------------------------------------------------------


def test_requirements_include_is_followed(tmp_path: Path) -> None:
    _repo(
        tmp_path,
        {
            "Dockerfile": DOCKERFILE.replace(
                "COPY requirements.txt .", "COPY requirements/ ./requirements/"
            ).replace("-r requirements.txt", "-r requirements/prod.txt"),
            "requirements/prod.txt": "-r base.txt\nuvicorn==0.30.6\n",
            "requirements/base.txt": "fastapi==0.115.0\n",
            "main.py": "import fastapi\nimport uvicorn\nimport redis\n",
        },
    )
    ((_, path, line, _, message),) = _lint(tmp_path, "VL301")
    assert (path, line) == ("main.py", 3)
    assert message.endswith("add it to requirements/prod.txt")


def test_constraints_pin_the_fix(tmp_path: Path) -> None:
    _repo(
        tmp_path,
        {
            "Dockerfile": DOCKERFILE.replace(
                "COPY requirements.txt .", "COPY requirements.txt constraints.txt ./"
            ).replace("-r requirements.txt", "-r requirements.txt -c constraints.txt"),
            "requirements.txt": "# app\r\nfastapi==0.115.0\r\n",
            "constraints.txt": "redis==5.0.8\r\n",
            "main.py": "import fastapi\nimport redis\n",
        },
    )
    fixed = _fix(tmp_path, "VL301", "requirements.txt")
    assert fixed == "# app\r\nfastapi==0.115.0\r\nredis==5.0.8\r\n"


def test_inline_package(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.11-slim\nRUN pip install --no-cache-dir redis==5.0.8\n"
        'COPY main.py .\nCMD ["python", "main.py"]\n'
    )
    _repo(tmp_path, {"Dockerfile": dockerfile, "main.py": "import redis\nimport requests\n"})
    found = _lint(tmp_path, "VL301")
    assert [(f[2], f[4]) for f in found] == [
        (
            2,
            "requests comes from requests (import name = distribution name), which the image"
            " never installs: add it to Dockerfile",
        )
    ]
    assert lint(tmp_path, Config(), Selection(select=("VL301",))).diagnostics[0].fix is None


PYPROJECT = """\
[project]
name = "svc"
version = "1.0"
dependencies = [
    "fastapi==0.115.0",
    "uvicorn==0.30.6",
]
"""


def test_pip_install_project_and_tomlkit_fix(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
        'RUN pip install --no-cache-dir .\nCMD ["python", "-m", "svc.app"]\n'
    )
    _repo(
        tmp_path,
        {
            "Dockerfile": dockerfile,
            "pyproject.toml": PYPROJECT,
            "svc/__init__.py": "",
            "svc/app.py": "import fastapi\nimport httpx\nimport svc\n",
            "other/Dockerfile": DOCKERFILE,
            "other/requirements.txt": "httpx==0.27.2\n",
            "other/main.py": "import httpx\n",
        },
    )
    found = _lint(tmp_path, "VL301")
    assert [(f[1], f[2]) for f in found] == [("svc/app.py", 2)]
    assert _fix(tmp_path, "VL301", "pyproject.toml") == PYPROJECT.replace(
        '    "fastapi==0.115.0",\n', '    "fastapi==0.115.0",\n    "httpx==0.27.2",\n'
    )


POETRY_PYPROJECT = """\
[tool.poetry]
name = "svc"
version = "1.0"

[tool.poetry.dependencies]
python = "^3.11"
fastapi = "0.115.0"
"""

POETRY_LOCK = """\
[[package]]
name = "fastapi"
version = "0.115.0"

[package.dependencies]
starlette = ">=0.37"

[[package]]
name = "starlette"
version = "0.38.6"

[metadata]
content-hash = "0"
"""


@pytest.mark.parametrize("command", ["poetry install --only main", "uv sync --frozen"])
def test_project_tools(tmp_path: Path, command: str) -> None:
    dockerfile = (
        f'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nRUN {command}\nCMD ["python", "main.py"]\n'
    )
    lock = {"poetry.lock": POETRY_LOCK} if command.startswith("poetry") else {"uv.lock": UV_LOCK}
    pyproject = POETRY_PYPROJECT if command.startswith("poetry") else PYPROJECT
    _repo(
        tmp_path,
        {
            "Dockerfile": dockerfile,
            "pyproject.toml": pyproject,
            "main.py": "import fastapi\nimport starlette\nimport redis\n",
            **lock,
        },
    )
    found = _lint(tmp_path, "VL301")
    assert [f[2] for f in found] == [3]
    found = _lint(tmp_path, "VL307")
    assert [(f[2], "dependency of fastapi" in f[4]) for f in found] == [(2, True)]


def test_pipenv_lock(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
        'RUN pipenv install --system --deploy\nCMD ["python", "main.py"]\n'
    )
    lock = '{"_meta": {}, "default": {"redis": {"version": "==5.0.8"}}, "develop": {}}\n'
    _repo(
        tmp_path,
        {
            "Dockerfile": dockerfile,
            "Pipfile": "[packages]\nredis = '*'\n",
            "Pipfile.lock": lock,
            "pyproject.toml": PYPROJECT,
            "main.py": "import redis\nimport celery\n",
        },
    )
    assert [(f[2]) for f in _lint(tmp_path, "VL301")] == [2]


def test_uv_pip_install(tmp_path: Path) -> None:
    dockerfile = DOCKERFILE.replace("pip install --no-cache-dir", "uv pip install --system")
    _repo(tmp_path, {**_service("import redis\n", "redis==5.0.8\n"), "Dockerfile": dockerfile})
    assert _lint(tmp_path, "VL301") == []


# --- VL301 fixes ------------------------------------------------------------------------------


def test_fix_sorted_file_keeps_order_and_comments(tmp_path: Path) -> None:
    requirements = "# web\nfastapi==0.115.0\n\n# storage\nsqlalchemy==2.0.35  # orm\n"
    _repo(tmp_path, _service("import fastapi\nimport redis\nimport sqlalchemy\n", requirements))
    fixed = _fix(tmp_path, "VL301", "requirements.txt", "--unsafe-fixes")
    assert fixed == "# web\nfastapi==0.115.0\nredis\n\n# storage\nsqlalchemy==2.0.35  # orm\n"


def test_unpinned_fix_is_unsafe(tmp_path: Path) -> None:
    _repo(tmp_path, _service("import redis\n", "fastapi==0.115.0"))
    result = lint(tmp_path, Config(), Selection(select=("VL301",)))
    (diag,) = result.diagnostics
    assert diag.fix is not None and diag.fix.safety.value == "unsafe"
    assert _fix(tmp_path, "VL301", "requirements.txt") == "fastapi==0.115.0"
    fixed = _fix(tmp_path, "VL301", "requirements.txt", "--unsafe-fixes")
    assert fixed == "fastapi==0.115.0\nredis"  # no final newline, as before


def test_two_workloads_one_image_one_finding(tmp_path: Path) -> None:
    deploy = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/svc:1.0
"""
    compose = "services:\n  svc:\n    build: svc\n    image: ghcr.io/acme/svc:1.0\n"
    files: dict[str, str | bytes] = {f"svc/{k}": v for k, v in _service("import redis\n").items()}
    files.update(
        {
            "docker-compose.yml": compose,
            "k8s/a.yaml": deploy.format(name="a"),
            "k8s/b.yaml": deploy.format(name="b"),
        }
    )
    _repo(tmp_path, files)
    assert [(f[1], f[2]) for f in _lint(tmp_path, "VL301")] == [("svc/main.py", 1)]


# --- VL302 --------------------------------------------------------------------------------------


def test_system_module_visible_through_pythonpath(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y python3-apt\n"
        "ENV PYTHONPATH=/usr/lib/python3/dist-packages\nCOPY main.py .\n"
        'CMD ["python", "main.py"]\n'
    )
    _repo(tmp_path, {"Dockerfile": dockerfile, "main.py": "import apt_pkg\n"})
    assert _lint(tmp_path, "VL301", "VL302") == []


def test_system_module_visible_through_the_pythonpath_the_runtime_sees(tmp_path: Path) -> None:
    """VL302 reads the one PYTHONPATH of the runtime (entries normalised, the container's env
    over the image's ENV), not its own reading of the env: a trailing slash is the same path."""
    dockerfile = (
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y python3-apt\n"
        "ENV PYTHONPATH=/usr/lib/python3/dist-packages/\nCOPY main.py .\n"
        'CMD ["python", "main.py"]\n'
    )
    _repo(tmp_path, {"Dockerfile": dockerfile, "main.py": "import apt_pkg\n"})
    assert _lint(tmp_path, "VL301", "VL302") == []


def test_system_module_from_pypi_alternative(tmp_path: Path) -> None:
    _repo(tmp_path, _service("import gi\n", "PyGObject==3.50.0\n"))
    assert _lint(tmp_path, "VL301", "VL302") == []


def test_system_module_not_installed(tmp_path: Path) -> None:
    _repo(tmp_path, _service("import dbus\n", ""))
    assert _lint(tmp_path, "VL301", "VL302") == [
        (
            "VL302",
            "main.py",
            1,
            1,
            "dbus is provided only by the distro package python3-dbus (or the PyPI"
            " distribution dbus-python), which the image does not install",
        )
    ]


# --- VL303 VL304 VL305 VL306 ------------------------------------------------------------------


def test_requirements_not_installed(tmp_path: Path) -> None:
    dockerfile = DOCKERFILE.replace("requirements.txt", "requirements-prod.txt")
    _repo(
        tmp_path,
        {
            **_service("import redis\n", "redis==5.0.8\ncelery==5.4.0\n"),
            "Dockerfile": dockerfile,
            "requirements-prod.txt": "redis==5.0.8\n",
            "requirements-dev.txt": "pytest==8.3.3\n",
        },
    )
    assert _lint(tmp_path, "VL303") == [
        (
            "VL303",
            "requirements.txt",
            1,
            1,
            "requirements.txt is never installed:"
            " Dockerfile installs requirements-prod.txt instead",
        )
    ]


def test_requirements_whose_every_entry_the_image_installs_anyway(tmp_path: Path) -> None:
    """A leftover requirements.txt whose distributions the installed project declares (or
    brings, by its lock): nothing it lists is missing, no import can fail. One entry more and
    it is reported."""
    pyproject = '[project]\nname = "svc"\nversion = "1.0"\ndependencies = ["fastapi==0.115.0"]\n'
    files = {
        "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
        'RUN pip install --no-cache-dir .\nCMD ["python", "main.py"]\n',
        "pyproject.toml": pyproject,
        "uv.lock": UV_LOCK,
        "main.py": "import fastapi\n",
        "requirements.txt": "fastapi==0.115.0\nstarlette==0.38.6\n",
    }
    _repo(tmp_path, files)
    assert _lint(tmp_path, "VL303") == []
    _repo(tmp_path, {"requirements.txt": "fastapi==0.115.0\nredis==5.0.8\n"})
    assert [f[1:3] for f in _lint(tmp_path, "VL303")] == [("requirements.txt", 1)]


def test_requirements_beside_a_node_image_are_not_its_own(tmp_path: Path) -> None:
    # microservices-demo currencyservice: Python contract tests next to a Node service
    _repo(
        tmp_path,
        {
            "currency/Dockerfile": "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\n"
            'ENTRYPOINT ["node", "server.js"]\n',
            "currency/server.js": "",
            "currency/requirements.txt": "pytest>=8\n",
            "currency/tests/test_contract.py": "import pytest\n",
            "worker/Dockerfile": 'FROM python:3.12-slim\nCOPY . .\nCMD ["/app/start.sh"]\n',
            "worker/requirements.txt": "redis==5.0.8\n",
        },
    )
    assert [f[1] for f in _lint(tmp_path, "VL303")] == ["worker/requirements.txt"]


def test_unpinned_requirement_fixed_from_lock(tmp_path: Path) -> None:
    requirements = "fastapi[all]>=0.100 ; python_version >= '3.8'\nredis\nuvicorn==0.30.6\n"
    _repo(tmp_path, _service("import fastapi\n", requirements, **{"uv.lock": UV_LOCK}))
    assert [(f[2], f[4]) for f in _lint(tmp_path, "VL304")] == [
        (
            1,
            "fastapi is not pinned (>=0.100): each build of the image may install another"
            " version; uv.lock locks 0.115.0",
        ),
        (
            2,
            "redis is not pinned (any version):"
            " each build of the image may install another version",
        ),
    ]
    assert _fix(tmp_path, "VL304", "requirements.txt") == (
        'fastapi[all]==0.115.0; python_version >= "3.8"\nredis\nuvicorn==0.30.6\n'
    )


def test_version_drift(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {}
    for name, version in (("a", "2.9.2"), ("b", "2.9.2"), ("c", "1.10.13")):
        files.update({f"{name}/{k}": v for k, v in _service("import pydantic\n").items()})
        files[f"{name}/requirements.txt"] = f"pydantic=={version}\n"
    _repo(tmp_path, files)
    assert _lint(tmp_path, "VL305") == [
        (
            "VL305",
            "c/requirements.txt",
            1,
            1,
            "pydantic is pinned to 1.10.13 here but to 2.9.2 in a/requirements.txt,"
            " b/requirements.txt",
        )
    ]


COMPILED_A = """\
grpcio==1.58.0
    # via
    #   -r requirements.in
    #   grpcio-status
protobuf==4.24.2
    # via grpcio-status
requests==2.31.0  # via -r requirements.in
urllib3==1.26.16  # via requests
"""
COMPILED_B = """\
grpcio==1.59.0
    # via grpcio-health-checking
protobuf==4.24.3
    # via
    #   -r requirements.in
    #   grpcio-health-checking
requests==2.30.0  # via -r requirements.in
urllib3==1.26.18  # via requests
"""


def test_version_drift_skips_pins_a_compiled_file_has_only_for_dependencies(
    tmp_path: Path,
) -> None:
    # pip-compile output: a pin `# via` other distributions only is the resolver's choice
    files: dict[str, str | bytes] = {}
    for name, text in (("a", COMPILED_A), ("b", COMPILED_B)):
        files.update({f"{name}/{k}": v for k, v in _service("import grpc\n").items()})
        files[f"{name}/requirements.txt"] = text
    _repo(tmp_path, files)
    assert [(f[1], f[2], f[4].split(" is ")[0]) for f in _lint(tmp_path, "VL305")] == [
        ("a/requirements.txt", 1, "grpcio"),
        ("a/requirements.txt", 7, "requests"),
        ("b/requirements.txt", 3, "protobuf"),
        ("b/requirements.txt", 7, "requests"),
    ]
    assert [(f[1], f[2]) for f in _lint(tmp_path, "VL306")] == [
        ("a/requirements.txt", 7),
        ("b/requirements.txt", 3),
        ("b/requirements.txt", 7),
    ]


def test_distribution_spelt_as_the_import_provides_it(tmp_path: Path) -> None:
    # google-cloud-profiler installs `googlecloudprofiler`: not missing, not unused
    main = "import googlecloudprofiler\nimport pythonjsonlog\n"
    _repo(tmp_path, _service(main, "google-cloud-profiler==4.1.0\npython-json-log==1.0\n"))
    assert _lint(tmp_path, "VL301") == []
    assert _lint(tmp_path, "VL306") == []


def test_shipped_mapping_names_the_distribution(tmp_path: Path) -> None:
    _repo(tmp_path, _service("import googleclouddebugger\n", "grpcio==1.59.0\n"))
    ((*_, message),) = _lint(tmp_path, "VL301")
    assert message.startswith("googleclouddebugger comes from google-python-cloud-debugger")


def test_sqlmodel_brings_sqlalchemy(tmp_path: Path) -> None:
    _repo(tmp_path, _service("import sqlalchemy\nimport sqlmodel\n", "sqlmodel==0.0.22\n"))
    ((*_, message),) = _lint(tmp_path, "VL307")
    assert "installed only as a dependency of sqlmodel" in message


def test_unused_requirement(tmp_path: Path) -> None:
    requirements = "matplotlib==3.9.2\nnumpy==2.1.1\npandas==2.2.3\nuvicorn==0.30.6\n"
    _repo(tmp_path, _service("import matplotlib\n", requirements))
    assert [(f[2], f[4]) for f in _lint(tmp_path, "VL306")] == [
        (3, "pandas is installed but no code the image runs imports it")
    ]


def test_unpinned_fix_applies_with_vl304_enabled(tmp_path: Path) -> None:
    """The unsafe fix writes an unpinned line on purpose: the VL304 it leaves is not a
    finding the fix introduced, so the loop keeps the fix, and VL304 then asks for a pin."""
    _repo(tmp_path, _service("import redis\n", "fastapi==0.115.0\n"))
    args = ["check", str(tmp_path), "--select", "VL301,VL304", "--fix", "--unsafe-fixes"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert (tmp_path / "requirements.txt").read_text() == "fastapi==0.115.0\nredis\n"
    assert "requirements.txt:2:1: VL304" in result.output
    assert "not applied" not in result.output


# --- second field round: scripts that install, removed stdlib modules -----------------------------

SCRIPT_DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements*.txt ./
COPY bin/ ./bin
RUN chmod 0755 bin/* && bin/pip3-install
COPY . .
CMD ["python", "main.py"]
"""
# extensionless, a continued line, and a constraints file the build writes itself
PIP3_INSTALL = """\
#!/usr/bin/env bash
set -e
pip3 freeze > requirements-lock.txt
pip3 install --no-cache-dir --user \\
  -r requirements.txt -c requirements-lock.txt
"""


def test_requirements_installed_by_a_script_the_dockerfile_runs(tmp_path: Path) -> None:
    files = {
        **_service("import redis\nimport flask\n", "flask==3.0.0\n"),
        "Dockerfile": SCRIPT_DOCKERFILE,
        "bin/pip3-install": PIP3_INSTALL,
    }
    root = _repo(tmp_path, files)
    found = _lint(root, "VL301", "VL303")
    assert [(r, p, line) for r, p, line, _c, _m in found] == [("VL301", "main.py", 1)]


def test_an_unreadable_install_script_makes_the_installs_unknown(tmp_path: Path) -> None:
    files = {
        **_service("import redis\n", "flask==3.0.0\n"),
        "Dockerfile": SCRIPT_DOCKERFILE,
        "bin/pip3-install": b"\xff\xfe binary",
    }
    assert _lint(_repo(tmp_path, files), "VL301") == []


@pytest.mark.parametrize(
    ("base", "requirements", "expected"),
    [
        ("python:3.12-slim", "flask==3.0.0\n", 1),
        ("python:3.11-slim", "flask==3.0.0\n", 0),
        ("python:3.12-slim", "flask==3.0.0\nsetuptools==80.9.0\n", 0),
    ],
)
def test_distutils_removed_in_python_312(
    tmp_path: Path, base: str, requirements: str, expected: int
) -> None:
    main = "from distutils.util import strtobool\nimport imp\n"
    files = {
        **_service(main, requirements),
        "Dockerfile": DOCKERFILE.replace("python:3.11-slim", base),
    }
    found = _lint(_repo(tmp_path, files), "VL301")
    distutils = [f for f in found if f[2] == 1]
    assert len(distutils) == expected
    if expected:
        assert distutils[0][4] == (
            "`distutils` was removed from the standard library in Python 3.12 and the image runs"
            " Python 3.12: ModuleNotFoundError: No module named 'distutils'; setuptools provides"
            " it: add setuptools to requirements.txt"
        )
    imp = [f for f in found if f[2] == 2]
    assert len(imp) == (1 if base.endswith("3.12-slim") else 0)


# --- builder stages: the environment the final image copies, installs without dependencies -------

SYNC_DOCKERFILE = """\
FROM python:3.12-slim AS builder
RUN pip install uv
WORKDIR /build
COPY requirements.txt .
RUN python -m venv /opt/venv && . /opt/venv/bin/activate && {install}

FROM python:3.12-slim
COPY --from=builder {copied} /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
WORKDIR /app
COPY . .
CMD ["python", "main.py"]
"""
# a compiled file (every dependency listed, `# via`) with a block appended by hand
COMPILED = """\
flask==3.0.3
    # via svc (pyproject.toml)
werkzeug==3.0.4
    # via flask
jinja2==3.1.4
    # via flask
markupsafe==2.1.5
    # via jinja2, werkzeug
itsdangerous==2.2.0
    # via flask
click==8.1.7
    # via flask
blinker==1.8.2
    # via flask
# added later
pydantic-settings>=2.0.0
"""
MAIN = "import flask\nfrom pydantic_settings import BaseSettings\n"


def _sync(install: str = "uv pip sync requirements.txt", copied: str = "/opt/venv") -> str:
    return SYNC_DOCKERFILE.format(install=install, copied=copied)


def test_a_venv_built_and_copied_from_a_builder_installs_its_requirements(tmp_path: Path) -> None:
    _repo(
        tmp_path,
        _service(MAIN, "flask==3.0.3\n", Dockerfile=_sync("pip install -r requirements.txt")),
    )
    assert _lint(tmp_path, "VL301", "VL303") == [
        (
            "VL301",
            "main.py",
            2,
            1,
            "pydantic_settings comes from pydantic-settings (import name = distribution name),"
            " which the image never installs: add it to requirements.txt",
        )
    ]


def test_an_environment_the_final_stage_does_not_copy_installs_nothing(tmp_path: Path) -> None:
    dockerfile = _sync("pip install -r requirements.txt", copied="/build").replace(
        "/opt/venv /opt/venv\n", "/opt/venv /opt/venv-unused\n"
    )
    _repo(tmp_path, _service("import flask\n", "flask==3.0.3\n", Dockerfile=dockerfile))
    found = _lint(tmp_path, "VL301", "VL303")
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("VL301", "main.py", 1),
        ("VL303", "requirements.txt", 1),
    ]
    assert "which the image never installs" in found[0][4]


@pytest.mark.parametrize(
    "install",
    [
        "uv pip sync requirements.txt",
        "pip install pip-tools && pip-sync requirements.txt",
        "pip install --no-deps -r requirements.txt",
    ],
)
def test_installed_without_its_dependencies(tmp_path: Path, install: str) -> None:
    _repo(tmp_path, _service(MAIN, COMPILED, Dockerfile=_sync(install)))
    found = _lint(tmp_path, "VL301")
    tool = install.split(" && ")[-1].split(" -r")[0].replace(" requirements.txt", "")
    assert found == [
        (
            "VL301",
            "main.py",
            2,
            1,
            f"pydantic_settings comes from pydantic-settings, which `{tool}` installs without its"
            " dependencies: pydantic-settings needs pydantic and python-dotenv, which"
            " requirements.txt does not list and nothing else in the image installs, so the"
            " import fails at start-up (ModuleNotFoundError): add pydantic and python-dotenv to"
            " requirements.txt",
        )
    ]


def test_installed_without_dependencies_through_a_listed_one(tmp_path: Path) -> None:
    # pydantic-settings' dependencies are listed, pydantic's are not (pydantic-core...)
    requirements = COMPILED + "pydantic==2.9.2\npython-dotenv==1.0.1\n"
    _repo(tmp_path, _service(MAIN, requirements, Dockerfile=_sync()))
    ((_, path, line, _, message),) = _lint(tmp_path, "VL301")
    assert (path, line) == ("main.py", 2)
    assert (
        "pydantic (needed by pydantic-settings) needs pydantic-core and annotated-types and"
        " typing-extensions" in message
    )


@pytest.mark.parametrize(
    "requirements",
    [
        # every dependency listed
        COMPILED + "pydantic==2.9.2\npython-dotenv==1.0.1\npydantic-core==2.23.4\n"
        "annotated-types==0.7.0\ntyping-extensions==4.12.2\n",
        # a distribution whose dependencies neither a lock file nor the table knows
        COMPILED.replace("pydantic-settings>=2.0.0", "some-unknown-lib==1.0"),
    ],
)
def test_installed_without_dependencies_silent_when_met_or_unknown(
    tmp_path: Path, requirements: str
) -> None:
    main = MAIN.replace("pydantic_settings", "some_unknown_lib")
    if "some-unknown-lib" not in requirements:
        main = MAIN
    _repo(tmp_path, _service(main, requirements, Dockerfile=_sync()))
    assert _lint(tmp_path, "VL301") == []


def test_installed_without_dependencies_not_imported_is_silent(tmp_path: Path) -> None:
    _repo(tmp_path, _service("import flask\n", COMPILED, Dockerfile=_sync()))
    assert _lint(tmp_path, "VL301") == []


def test_installed_without_dependencies_from_the_lock_file(tmp_path: Path) -> None:
    lock = """\
version = 1
[[package]]
name = "flask"
version = "3.0.3"
dependencies = [{ name = "werkzeug" }, { name = "colorama", marker = "sys_platform == 'win32'" }]
[[package]]
name = "httpx-lite"
version = "0.1.0"
dependencies = [{ name = "anyio" }, { name = "certifi" }]
[[package]]
name = "anyio"
version = "4.4.0"
"""
    requirements = (
        "flask==3.0.3\nwerkzeug==3.0.4\nmarkupsafe==2.1.5\nhttpx-lite==0.1.0\nanyio==4.4.0\n"
    )
    main = "import flask\nimport httpx_lite\n"
    _repo(tmp_path, {**_service(main, requirements, Dockerfile=_sync()), "uv.lock": lock})
    ((_, path, line, _, message),) = _lint(tmp_path, "VL301")
    # flask's colorama is for Windows only; the lock file says httpx-lite needs certifi
    assert (path, line) == ("main.py", 2)
    assert "httpx-lite needs certifi, which requirements.txt does not list" in message


@pytest.mark.parametrize(
    "install",
    [
        "pip install $(cat requirements.txt)",
        "cat requirements.txt | xargs pip install",
        "sh /opt/install-deps.sh",
    ],
)
def test_an_install_the_model_cannot_read_makes_the_dependency_rules_silent(
    tmp_path: Path, install: str
) -> None:
    dockerfile = DOCKERFILE.replace("pip install --no-cache-dir -r requirements.txt", install)
    _repo(tmp_path, _service(MAIN, "flask==3.0.3\n", Dockerfile=dockerfile))
    assert _lint(tmp_path, "VL301", "VL303", "VL204") == []


def test_the_lock_file_speaks_only_for_the_version_the_image_pins(tmp_path: Path) -> None:
    # the lock file locks another pydantic, which needs typing-inspection; the pinned one
    # is known from the curated table, whose dependencies are all listed
    lock = """\
version = 1
[[package]]
name = "pydantic"
version = "2.12.2"
dependencies = [{ name = "annotated-types" }, { name = "pydantic-core" },
    { name = "typing-extensions" }, { name = "typing-inspection" }]
"""
    requirements = (
        "pydantic==2.5.3\npydantic-core==2.14.6\nannotated-types==0.7.0\n"
        "typing-extensions==4.12.2\n"
    )
    main = "import pydantic\n"
    _repo(tmp_path, {**_service(main, requirements, Dockerfile=_sync()), "uv.lock": lock})
    assert _lint(tmp_path, "VL301") == []
    (tmp_path / "requirements.txt").write_text(requirements.replace("2.5.3", "2.12.2"))
    ((_, _, _, _, message),) = _lint(tmp_path, "VL301")
    assert "pydantic needs typing-inspection" in message


def test_vl301_evidence_shows_the_import_chain_from_the_entry_module(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        _service(
            "from app.api import routes\n",
            "flask==3.0.3\n",
            **{
                "app/__init__.py": "",
                "app/api/__init__.py": "",
                "app/api/routes.py": "from app.api.clients import http\n",
                "app/api/clients.py": "import httpx\n\nhttp = httpx.Client()\n",
            },
        ),
    )
    result = lint(root, Config(), Selection(select=("VL301",)))
    (diag,) = result.diagnostics
    assert (diag.path, diag.line) == ("app/api/clients.py", 1)
    assert [(e.path, e.line, e.note) for e in diag.evidence] == [
        ("Dockerfile", 6, "main.py is run as a script: the image's command: python main.py"),
        ("main.py", 1, "imports app.api.routes"),
        ("app/api/routes.py", 1, "imports app.api.clients"),
        ("Dockerfile", 4, "the image installs requirements.txt"),
    ]


# --- a container that installs packages when it starts ------------------------------------------


def test_a_container_that_installs_when_it_starts_has_unknown_installs(tmp_path: Path) -> None:
    # the compose command installs a bind-mounted project (its install_requires) before the app
    main = "import aio_pika\n"
    compose = (
        "services:\n  api:\n    build: .\n"
        '    command: sh -c "pip install -e /app/lib && python main.py"\n'
        "    volumes:\n      - ./lib:/app/lib\n"
    )
    setup = "from setuptools import setup\nsetup(name='lib', install_requires=['aio-pika'])\n"
    files = _service(main, "fastapi==0.110.0\n", **{"docker-compose.yml": compose})
    files["lib/setup.py"] = setup
    _repo(tmp_path, files)
    assert _lint(tmp_path, "VL301", "VL303") == []
    notes = lint(tmp_path, Config(), Selection(("VL301",))).notes
    assert any(
        "compose/api container api runs `pip install -e /app/lib` when it starts" in n
        for n in notes
    ), notes
    # the same service without the start-time install: the import fails
    _repo(tmp_path, {"docker-compose.yml": compose.replace("pip install -e /app/lib && ", "")})
    assert [f[:3] for f in _lint(tmp_path, "VL301")] == [("VL301", "main.py", 1)]


# --- a closure vertice-lint does not know ---------------------------------------------------------

# an SDK neither a lock file nor data/transitive.json knows the dependencies of
SDK = "acme-genai-sdk==0.3.1\n"


def test_a_common_dependency_may_come_with_a_distribution_of_unknown_dependencies(
    tmp_path: Path,
) -> None:
    main = "import acme_genai_sdk\nfrom google.api_core import exceptions\nimport six\n"
    _repo(tmp_path, _service(main, SDK))
    result = lint(tmp_path, Config(), Selection(select=("VL301",)))
    assert result.diagnostics == ()
    assert (
        "Dockerfile: google.api_core (imported in main.py:2) comes from google-api-core, which"
        " the image does not install itself, but it may come as a dependency of acme-genai-sdk,"
        " whose dependencies vertice-lint does not know (no lock file lists it, nor"
        " data/transitive.json): VL301 does not judge it"
    ) in result.notes
    assert any(n.startswith("Dockerfile: six (imported in main.py:3)") for n in result.notes)


def test_a_leaf_distribution_stays_missing_beside_unknown_dependencies(tmp_path: Path) -> None:
    # prometheus-client is no dependency other distributions commonly have: nothing brings it
    _repo(tmp_path, _service("import acme_genai_sdk\nimport prometheus_client\n", SDK))
    assert _lint(tmp_path, "VL301") == [
        (
            "VL301",
            "main.py",
            2,
            1,
            "prometheus_client comes from prometheus-client (import name = distribution name),"
            " which the image never installs: add it to requirements.txt",
        )
    ]


def test_a_common_dependency_is_missing_when_the_closure_is_known(tmp_path: Path) -> None:
    # flask's dependencies are known (data/transitive.json): none of them is google-api-core
    _repo(tmp_path, _service("import flask\nfrom google.api_core import retry\n", "flask==3.0.3\n"))
    ((rule, path, line, _, message),) = _lint(tmp_path, "VL301")
    assert (rule, path, line) == ("VL301", "main.py", 2)
    assert message.endswith("which the image never installs: add it to requirements.txt")


def test_a_lock_file_listing_the_distribution_makes_its_dependencies_known(
    tmp_path: Path,
) -> None:
    lock = 'version = 1\n\n[[package]]\nname = "acme-genai-sdk"\nversion = "0.3.1"\n'
    _repo(tmp_path, _service("import acme_genai_sdk\nimport six\n", SDK, **{"uv.lock": lock}))
    ((rule, path, line, _, message),) = _lint(tmp_path, "VL301")
    assert (rule, path, line) == ("VL301", "main.py", 2)
    assert message.startswith("six comes from six (")


OTHER_LOCK = """\
version = 1

[[package]]
name = "other-svc"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "statsd-leaf" }, { name = "widget-core" }]

[[package]]
name = "widget-toolkit"
version = "2.0.0"
dependencies = [{ name = "widget-core" }]

[[package]]
name = "widget-core"
version = "2.0.0"

[[package]]
name = "statsd-leaf"
version = "1.0.0"
"""


def test_a_dependency_some_lock_file_of_the_repository_shows_is_common(tmp_path: Path) -> None:
    # widget-core is a dependency of widget-toolkit in the other service's lock: it may come
    # with the SDK too. statsd-leaf is only a dependency of that service's own project.
    files = {
        **_service("import acme_genai_sdk\nimport widget_core\nimport statsd_leaf\n", SDK),
        "other/pyproject.toml": '[project]\nname = "other-svc"\nversion = "0.1.0"\n',
        "other/uv.lock": OTHER_LOCK,
    }
    _repo(tmp_path, files)
    ((rule, path, line, _, message),) = _lint(tmp_path, "VL301")
    assert (rule, path, line) == ("VL301", "main.py", 3)
    assert message.startswith("statsd_leaf comes from statsd-leaf (")


def test_google_generativeai_brings_google_api_core(tmp_path: Path) -> None:
    main = "import google.generativeai as genai\nfrom google.api_core import exceptions\n"
    _repo(tmp_path, _service(main, "google-generativeai==0.3.1\n"))
    result = lint(tmp_path, Config(), Selection(select=("VL307",)))
    (diag,) = result.diagnostics
    assert (diag.path, diag.line, diag.severity.value) == ("main.py", 2, "warning")
    assert diag.message == (
        "google.api_core comes from google-api-core (import name = distribution name), installed"
        " only as a dependency of google-generativeai (data/transitive.json): declare it in"
        " requirements.txt"
    )


# pip-compile --generate-hashes: the `# via` block comes after the hash continuation lines
HASHED_A = """\
certifi==2024.1.1 \\
    --hash=sha256:0a \\
    --hash=sha256:0b
    # via requests
requests==2.31.0 \\
    --hash=sha256:1a
    # via -r requirements.in
"""
HASHED_B = """\
certifi==2024.2.2 \\
    --hash=sha256:2a \\
    --hash=sha256:2b
    # via requests
requests==2.30.0 \\
    --hash=sha256:3a
    # via -r requirements.in
"""


def test_version_drift_reads_the_via_block_after_hash_lines(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {}
    for name, text in (("a", HASHED_A), ("b", HASHED_B)):
        files.update({f"{name}/{k}": v for k, v in _service("import requests\n").items()})
        files[f"{name}/requirements.txt"] = text
    _repo(tmp_path, files)
    assert [(f[1], f[2], f[4].split(" is ")[0]) for f in _lint(tmp_path, "VL305")] == [
        ("a/requirements.txt", 5, "requests"),
        ("b/requirements.txt", 5, "requests"),
    ]


def test_example_transitive_requirement() -> None:
    """VL307 (off by default) on the example monorepo: starlette through fastapi."""
    assert [f[:4] for f in _lint(EXAMPLE, "VL307")] == [
        ("VL307", "services/narrative_digest_service/main.py", 4, 1)
    ]
