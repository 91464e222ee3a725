"""VL201–VL204: imports and entrypoints, linted on small repositories and fixed through the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from tests.helpers import workspace
from tests.helpers import write_repo as _repo
from vertice_lint.cli import cli
from vertice_lint.config import Config, load_config
from vertice_lint.diagnostics import Severity
from vertice_lint.engine import Selection, lint

Found = tuple[str, str, int, int, str]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "monorepo"
NO_PARENT = "ImportError: attempted relative import with no known parent package"


def _lint(root: Path, rule: str = "VL2", config: Config | None = None) -> list[Found]:
    result = lint(root, config or Config(), Selection(select=(rule,)))
    assert not result.internal_errors
    return [(d.rule, d.path, d.line, d.col, d.message) for d in result.diagnostics]


def _fix(root: Path, rule: str, *extra: str) -> None:
    """`--fix` twice: the second run must change nothing."""
    args = ["check", str(root), "--select", rule, "--fix", *extra]
    CliRunner().invoke(cli, args, catch_exceptions=False)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    CliRunner().invoke(cli, args, catch_exceptions=False)
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def _dockerfile(cmd: str, *lines: str, workdir: str = "/app") -> str:
    body = "\n".join(lines or ("COPY . .",))
    return f"FROM python:3.12-slim\nWORKDIR {workdir}\n{body}\nCMD {cmd}\n"


# --- the example monorepo -------------------------------------------------------------------

TEGUMENTAR_202 = (
    "`backend.modules.tegumentar` is not in the image: backend/modules/tegumentar/ is in the"
    " repository, but no COPY puts it on the image's sys.path (/app):"
    " ModuleNotFoundError: No module named 'backend'"
)

EXAMPLE_FINDINGS: list[Found] = [
    (
        "VL203",
        "backend/modules/tegumentar/__init__.py",
        3,
        54,
        "`__all__` lists `get_settings`, which `backend.modules.tegumentar` does not define:"
        " `from backend.modules.tegumentar import *` raises AttributeError"
        " (it bites on `import *`)",
    ),
    (
        "VL204",
        "services/audit_service/Dockerfile",
        10,
        5,
        "`uvicorn api.main:app --host 0.0.0.0 --port 8300`: no module `api.main` in the image"
        " (sys.path /srv) nor in what it installs",
    ),
    ("VL202", "services/tegumentar_service/app.py", 6, 1, TEGUMENTAR_202),
    (
        "VL203",
        "services/tegumentar_service/app.py",
        6,
        58,
        "`backend.modules.tegumentar` (backend/modules/tegumentar/__init__.py) neither defines"
        " nor imports `get_settings`, and its `__getattr__` only provides TegumentarSettings,"
        " TegumentarModule: ImportError: cannot import name 'get_settings' from"
        " 'backend.modules.tegumentar'",
    ),
    (
        "VL201",
        "services/tegumentar_service/app.py",
        8,
        1,
        f"`from .config import` in `app`, imported as a top-level module (no parent package):"
        f" {NO_PARENT}; use `from config import`",
    ),
    (
        "VL202",
        "services/tegumentar_service/config.py",
        21,
        5,
        TEGUMENTAR_202 + " (it runs only when `get_module()` is called, not at start-up)",
    ),
    (
        "VL201",
        "services/tegumentar_service/main.py",
        5,
        1,
        f"`from .app import` in a file run as a script (no parent package): {NO_PARENT};"
        " use `from app import`",
    ),
]


def test_example_findings() -> None:
    assert _lint(EXAMPLE) == EXAMPLE_FINDINGS


def test_example_evidence_chain_and_severity() -> None:
    result = lint(EXAMPLE, Config(), Selection(select=("VL202",)))
    first, second = result.diagnostics
    assert [(e.path, e.line, e.col, e.note) for e in first.evidence] == [
        (
            "services/tegumentar_service/Dockerfile",
            17,
            5,
            "services/tegumentar_service/main.py is run as a script:"
            " the image's command: python main.py",
        ),
        ("services/tegumentar_service/main.py", 5, 1, "imports app"),
        (
            "k8s/base/tegumentar-service.yaml",
            18,
            11,
            "run by Deployment/vertice/tegumentar-service container tegumentar",
        ),
        ("docker-compose.yml", 3, 3, "run by compose/tegumentar container tegumentar"),
    ]
    assert (first.severity, second.severity) == (Severity.ERROR, Severity.WARNING)


def test_example_fix_writes_the_incident_fix(tmp_path: Path) -> None:
    root = tmp_path / "monorepo"
    shutil.copytree(EXAMPLE, root)
    _fix(root, "VL201,VL202", "--unsafe-fixes")
    service = root / "services/tegumentar_service"
    main = (service / "main.py").read_text()
    assert main.splitlines()[4] == "from app import app, service_settings"
    assert (service / "app.py").read_text().splitlines()[7] == (
        "from config import get_module, get_service_settings"
    )
    assert (service / "Dockerfile").read_text().splitlines()[13:18] == [
        "COPY services/tegumentar_service/ /app/",
        "COPY backend/__init__.py /app/backend/__init__.py",
        "COPY backend/modules/__init__.py /app/backend/modules/__init__.py",
        "COPY backend/modules/tegumentar/ /app/backend/modules/tegumentar/",
        "",
    ]
    assert [f[0] for f in _lint(root)] == ["VL203", "VL204", "VL203"]


# --- VL201 relative-import-in-script --------------------------------------------------------

SCRIPT = {
    "Dockerfile": _dockerfile('["python", "main.py"]'),
    "main.py": '"""Entry."""\n\nfrom .app import serve, VERSION as version  # keep\n\nserve()\n',
    "app.py": "VERSION = 1\n\n\ndef serve() -> None: ...\n",
}


def test_vl201_script_is_reported_and_fixed_to_the_absolute_import(tmp_path: Path) -> None:
    root = _repo(tmp_path, SCRIPT)
    assert _lint(root, "VL201") == [
        (
            "VL201",
            "main.py",
            3,
            1,
            f"`from .app import` in a file run as a script (no parent package): {NO_PARENT};"
            " use `from app import`",
        )
    ]
    _fix(root, "VL201")
    assert (root / "main.py").read_text() == (
        '"""Entry."""\n\nfrom app import serve, VERSION as version  # keep\n\nserve()\n'
    )


def test_vl201_crlf_file_keeps_its_line_endings(tmp_path: Path) -> None:
    main = SCRIPT["main.py"].replace("\n", "\r\n")
    root = _repo(tmp_path, {**SCRIPT, "main.py": main})
    _fix(root, "VL201")
    assert (root / "main.py").read_bytes() == main.replace("from .app", "from app").encode()


def test_vl201_uvicorn_top_level_module(tmp_path: Path) -> None:
    files = {**SCRIPT, "Dockerfile": _dockerfile('["uvicorn", "main:app"]')}
    assert _lint(_repo(tmp_path, files), "VL201") == [
        (
            "VL201",
            "main.py",
            3,
            1,
            f"`from .app import` in `main`, imported as a top-level module (no parent package):"
            f" {NO_PARENT}; use `from app import`",
        )
    ]


def test_vl201_no_fix_when_the_target_is_not_in_the_image(tmp_path: Path) -> None:
    files = {**SCRIPT, "Dockerfile": _dockerfile('["python", "main.py"]', "COPY main.py .")}
    root = _repo(tmp_path, files)
    (found,) = _lint(root, "VL201")
    assert (
        found[4] == f"`from .app import` in a file run as a script (no parent package): {NO_PARENT}"
    )
    _fix(root, "VL201")
    assert (root / "main.py").read_text() == SCRIPT["main.py"]


def test_vl201_function_and_guarded_imports_are_warnings(tmp_path: Path) -> None:
    main = (
        "def run() -> None:\n"
        "    from .app import serve\n"
        "    serve()\n"
        "\n"
        "try:\n"
        "    from .extras import plugin\n"
        "except ImportError:\n"
        "    plugin = None\n"
        "\n"
        "try:\n"
        "    from .app import VERSION\n"
        "except ImportError:\n"
        "    from app import VERSION\n"
    )
    files = {**SCRIPT, "main.py": main, "extras.py": "plugin = 1\n"}
    result = lint(_repo(tmp_path, files), Config(), Selection(select=("VL201",)))
    assert [(d.line, d.severity, d.message) for d in result.diagnostics] == [
        (
            2,
            Severity.WARNING,
            f"`from .app import` in a file run as a script (no parent package): {NO_PARENT};"
            " use `from app import` (it runs only when `run()` is called, not at start-up)",
        ),
        (
            6,
            Severity.WARNING,
            f"`from .extras import` in a file run as a script (no parent package): {NO_PARENT};"
            " use `from extras import` (a `try` around it catches the ImportError: its handler"
            " runs instead of a crash)",
        ),
    ]


def test_vl201_precision_module_and_package_app(tmp_path: Path) -> None:
    pkg = {
        "pkg/__init__.py": "",
        "pkg/main.py": "from .app import serve\nserve()\n",
        "pkg/app.py": "def serve() -> None: ...\n",
    }
    for cmd in ('["python", "-m", "pkg.main"]', '["uvicorn", "pkg.main:app"]'):
        root = _repo(tmp_path / str(len(cmd)), {**pkg, "Dockerfile": _dockerfile(cmd)})
        assert _lint(root, "VL201") == []


def test_vl201_no_fix_when_another_container_imports_the_file_from_its_package(
    tmp_path: Path,
) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/main.py": "from .app import serve\n",
        "pkg/app.py": "def serve() -> None: ...\n",
        "Dockerfile": _dockerfile('["python", "-m", "pkg.main"]'),
        "docker-compose.yml": (
            "services:\n  web:\n    build: .\n"
            "  debug:\n    build: .\n    command: python pkg/main.py\n"
        ),
    }
    root = _repo(tmp_path, files)
    (found,) = _lint(root, "VL201")
    assert found[:4] == ("VL201", "pkg/main.py", 1, 1)
    assert not found[4].endswith("use `from app import`")


# --- VL202 module-not-in-image --------------------------------------------------------------

SHARED = {
    "services/api/Dockerfile": (
        "FROM python:3.12-slim\r\nWORKDIR /srv\r\nCOPY --chown=app services/api/ /srv/\r\n"
        'CMD ["python", "main.py"]\r\n'
    ),
    "docker-compose.yml": (
        "services:\n  api:\n    build:\n      context: .\n"
        "      dockerfile: services/api/Dockerfile\n"
    ),
    "services/api/main.py": "from common.net.http import get\n\nget()\n",
    "common/__init__.py": "",
    "common/net/__init__.py": "",
    "common/net/http.py": "def get() -> None: ...\n",
}


def test_vl202_reported_and_fixed_with_copy_lines_in_the_file_style(tmp_path: Path) -> None:
    root = _repo(tmp_path, SHARED)
    assert _lint(root, "VL202") == [
        (
            "VL202",
            "services/api/main.py",
            1,
            1,
            "`common.net.http` is not in the image: common/net/http.py is in the repository,"
            " but no COPY puts it on the image's sys.path (/srv):"
            " ModuleNotFoundError: No module named 'common'",
        )
    ]
    _fix(root, "VL202")  # unsafe: nothing without --unsafe-fixes
    assert (root / "services/api/Dockerfile").read_bytes() == SHARED[
        "services/api/Dockerfile"
    ].encode()
    _fix(root, "VL202", "--unsafe-fixes")
    assert (root / "services/api/Dockerfile").read_bytes() == (
        b"FROM python:3.12-slim\r\nWORKDIR /srv\r\nCOPY --chown=app services/api/ /srv/\r\n"
        b"COPY --chown=app common/__init__.py /srv/common/__init__.py\r\n"
        b"COPY --chown=app common/net/ /srv/common/net/\r\n"
        b'CMD ["python", "main.py"]\r\n'
    )
    assert _lint(root) == []


def test_vl202_no_fix_when_the_build_context_does_not_hold_the_module(tmp_path: Path) -> None:
    files = {
        "services/api/Dockerfile": _dockerfile('["python", "main.py"]'),
        "services/api/main.py": "import common\n",
        "common/__init__.py": "",
    }
    root = _repo(tmp_path, files)
    (found,) = _lint(root, "VL202")
    assert found[1:4] == ("services/api/main.py", 1, 1)
    result = lint(root, Config(), Selection(select=("VL202",)))
    assert result.diagnostics[0].fix is None


def test_vl202_precision_module_copied_under_another_name_on_pythonpath(tmp_path: Path) -> None:
    files = {
        "Dockerfile": _dockerfile(
            '["python", "main.py"]',
            "ENV PYTHONPATH=/opt/lib",
            "COPY libs/shared_v2/ /opt/lib/shared/",
            "COPY main.py .",
        ),
        "main.py": "from shared import greet\n",
        "libs/shared_v2/__init__.py": "def greet() -> None: ...\n",
        "legacy/shared/__init__.py": "",  # what the name would point at if the image lacked it
    }
    assert _lint(_repo(tmp_path, files)) == []
    files["Dockerfile"] = files["Dockerfile"].replace("ENV PYTHONPATH=/opt/lib\n", "")
    # without it, `shared` is the legacy package, walked as if copied in (it lacks greet)
    assert [f[0] for f in _lint(_repo(tmp_path, files))] == ["VL202", "VL203"]


def test_vl202_precision_config_maps_the_build_context(tmp_path: Path) -> None:
    files = {
        "services/api/Dockerfile": _dockerfile(
            '["python", "main.py"]', "COPY services/api/main.py .", "COPY common/ ./common/"
        ),
        "services/api/main.py": "import common\n",
        "common/__init__.py": "",
        "pyproject.toml": (
            "[tool.vertice-lint.services.api]\n"
            'dockerfile = "services/api/Dockerfile"\ncontext = "."\n'
        ),
    }
    root = _repo(tmp_path, files)
    # no build names it and its sources are repository-root paths: read from the root, its
    # context an assumption (link/workspace.py `_written_for_the_root`), not its folder
    assert _lint(root) == []
    assert [(i.key, i.context_assumed is not None) for i in workspace(root).images] == [
        ("services/api/Dockerfile@.", True)
    ]
    config = load_config(root / "pyproject.toml", root)
    assert _lint(root, config=config) == []


# --- VL203 unresolved-import-name -----------------------------------------------------------


def test_vl203_names_and_all(tmp_path: Path) -> None:
    files = {
        "Dockerfile": _dockerfile('["python", "main.py"]'),
        "main.py": (
            "from settings import Settings, get_settings, base, missing\n"
            "from lazy import anything\n"
            "from starred import whatever\n"
        ),
        "settings/__init__.py": '__all__ = ["Settings", "nowhere"]\nfrom .base import Settings\n',
        "settings/base.py": "class Settings: ...\n",
        "lazy.py": "def __getattr__(name: str) -> object:\n    return name\n",
        "starred.py": "from os.path import *\n",
    }
    assert _lint(_repo(tmp_path, files), "VL203") == [
        (
            "VL203",
            "main.py",
            1,
            32,
            "`settings` (settings/__init__.py) neither defines nor imports `get_settings`:"
            " ImportError: cannot import name 'get_settings' from 'settings'",
        ),
        (
            "VL203",
            "main.py",
            1,
            52,
            "`settings` (settings/__init__.py) neither defines nor imports `missing`:"
            " ImportError: cannot import name 'missing' from 'settings'",
        ),
        (
            "VL203",
            "settings/__init__.py",
            1,
            24,
            "`__all__` lists `nowhere`, which `settings` does not define:"
            " `from settings import *` raises AttributeError (it bites on `import *`)",
        ),
    ]


# --- VL204 entrypoint-missing ---------------------------------------------------------------


def test_vl204_executables_need_their_distribution(tmp_path: Path) -> None:
    chain = "alembic upgrade head && exec gunicorn -k uvicorn.workers.UvicornWorker main:app"
    cmd = f'["sh", "-c", "{chain}"]'
    files = {
        "Dockerfile": _dockerfile(
            cmd, "COPY requirements.txt .", "RUN pip install -r requirements.txt", "COPY . ."
        ),
        "requirements.txt": "uvicorn==0.30.6\n",
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "migrations/env.py": "",
        "main.py": "app = object()\n",
    }
    root = _repo(tmp_path, files)
    assert _lint(root, "VL204") == [
        (
            "VL204",
            "Dockerfile",
            6,
            5,
            "`alembic` is not installed in the image: nothing it installs (requirements.txt)"
            " provides it; add `alembic` to the requirements",
        ),
        (
            "VL204",
            "Dockerfile",
            6,
            5,
            "`gunicorn` is not installed in the image: nothing it installs (requirements.txt)"
            " provides it; add `gunicorn` to the requirements",
        ),
    ]
    (root / "requirements.txt").write_text("gunicorn==23.0.0\nfastapi[standard]\nalembic\n")
    assert _lint(root, "VL204") == []


def test_vl204_missing_targets(tmp_path: Path) -> None:
    deploy = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: api}\nspec:\n  containers:\n"
        "    - name: api\n      image: ghcr.io/org/api:1\n"
        '      command: ["python", "-m", "api.server"]\n'
        "    - name: tools\n      image: ghcr.io/org/api:1\n"
        '      command: ["python", "/scripts/run.py"]\n'
        "      volumeMounts: [{name: scripts, mountPath: /scripts}]\n"
        "  volumes: [{name: scripts, configMap: {name: scripts}}]\n"
    )
    files = {
        "api/Dockerfile": _dockerfile('["python", "server.py"]', "COPY app/ ./app/"),
        "api/app/__init__.py": "",
        "api/api/server.py": "",
        "k8s/pod.yaml": deploy,
    }
    assert _lint(_repo(tmp_path, files), "VL204") == [
        (
            "VL204",
            "api/Dockerfile",
            4,
            5,
            "`python server.py`: the script /app/server.py is not in the image"
            " (no COPY puts a file there)",
        ),
        (
            "VL204",
            "k8s/pod.yaml",
            6,
            7,
            "`python -m api.server`: module `api.server` is not in the image: api/api/server.py"
            " is in the repository, but not on the image's sys.path (/app)",
        ),
    ]


def test_vl204_other_base_images_may_bring_the_server(tmp_path: Path) -> None:
    files = {
        "Dockerfile": (
            "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nCOPY main.py /app/\n"
            'CMD ["uvicorn", "main:app"]\n'
        ),
        "main.py": "app = object()\n",
    }
    assert _lint(_repo(tmp_path, files), "VL204") == []


def test_vl202_installed_name_shadowed_by_a_package_submodule(tmp_path: Path) -> None:
    # Django + celery layout: src/config/celery.py does `from celery import Celery`; the
    # project's file is `config.celery`, not the top-level `celery` (field test, round 2)
    files = {
        "requirements.txt": "celery==5.4.0\n",
        "src/config/__init__.py": "from config.celery import app as celery_app\n",
        "src/config/celery.py": "from celery import Celery\napp = Celery('hello')\n",
        "Dockerfile": _dockerfile(
            '["celery", "-A", "config", "worker"]',
            "COPY requirements.txt .",
            "RUN pip install --no-cache-dir -r requirements.txt",
            "COPY . .",
            "WORKDIR /app/src",
        ),
    }
    assert _lint(_repo(tmp_path, files), "VL202") == []


def test_vl202_missing_submodule_of_the_importers_namespace_package(tmp_path: Path) -> None:
    # `uvicorn src.main:app` with src/ copied without an __init__.py: a missing `src.cache`
    # is the project's module, not a distribution named `src` (field test, round h)
    files = {
        "requirements.txt": "fastapi==0.115.0\nuvicorn==0.30.6\n",
        "svc/src/main.py": "from src.db import engine\nfrom src.cache import client\n",
        "svc/src/db.py": "engine = None\n",
        "svc/Dockerfile": _dockerfile(
            '["uvicorn", "src.main:app"]',
            "COPY requirements.txt .",
            "RUN pip install --no-cache-dir -r requirements.txt",
            "COPY src/ ./src/",
        ),
        "svc/requirements.txt": "fastapi==0.115.0\nuvicorn==0.30.6\n",
    }
    root = _repo(tmp_path, files)
    assert _lint(root, "VL301") == []
    assert [f[:4] for f in _lint(root, "VL202")] == [("VL202", "svc/src/main.py", 2, 1)]


def test_vl203_guarded_name_import_is_a_warning_that_says_guarded(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            "Dockerfile": _dockerfile('["python", "main.py"]'),
            "main.py": (
                "try:\n"
                "    from helpers import fast_dumps\n"
                "except ImportError:\n"
                "    fast_dumps = None\n"
            ),
            "helpers.py": "def dumps(x):\n    return str(x)\n",
        },
    )
    result = lint(root, Config(), Selection(select=("VL203",)))
    (diag,) = result.diagnostics
    assert (diag.path, diag.line, diag.severity) == ("main.py", 2, Severity.WARNING)
    assert diag.message.endswith(
        "(a `try` around it catches the ImportError: its handler runs instead of a crash)"
    )
