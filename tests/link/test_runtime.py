"""runtime.py and image.py: every entrypoint form, the sys.path it sees, the import closure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import workspace
from vertice_lint.config import Config
from vertice_lint.engine import lint
from vertice_lint.model import ContainerRuntime, Entrypoint, Workspace

SRC = {
    "pkg/__init__.py": "",
    "pkg/main.py": "from .util import x\napp = 1\n",
    "pkg/util.py": "x = 1\n",
    "main.py": "from app import app\n",
    "app.py": "app = 1\n",
}


def _workspace(root: Path, files: dict[str, str]) -> Workspace:
    return workspace(root, files, Config())


def _dockerfile(cmd: str) -> str:
    return f"FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD {cmd}\n"


def _image_entries(root: Path, cmd: str, extra: dict[str, str] | None = None) -> list[Entrypoint]:
    dockerfile = f"FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD {cmd}\n"
    ws = _workspace(root, {**SRC, **(extra or {}), "Dockerfile": dockerfile})
    (run,) = ws.runtimes
    return list(run.runtime.entrypoints)


def _shape(entry: Entrypoint) -> tuple[object, ...]:
    return (
        entry.kind,
        entry.program,
        entry.module,
        entry.image_path,
        entry.repo_path,
        entry.sys_path[0],
        entry.package,
    )


@pytest.mark.parametrize(
    ("cmd", "shape"),
    [
        (
            '["python", "main.py"]',
            ("script", "python", "__main__", "/app/main.py", "main.py", "/app", None),
        ),
        (
            '["python3", "-u", "/app/pkg/main.py"]',
            ("script", "python3", "__main__", "/app/pkg/main.py", "pkg/main.py", "/app/pkg", None),
        ),
        (
            '["python", "-m", "pkg.main"]',
            ("module", "python", "pkg.main", "/app/pkg/main.py", "pkg/main.py", "/app", "pkg"),
        ),
        (
            '["uvicorn", "pkg.main:app", "--port", "8080"]',
            ("app", "uvicorn", "pkg.main", "/app/pkg/main.py", "pkg/main.py", "/app", "pkg"),
        ),
        (
            '["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app:app"]',
            ("app", "gunicorn", "app", "/app/app.py", "app.py", "/app", ""),
        ),
        (
            '["hypercorn", "--bind", "0.0.0.0:9000", "pkg.main:app"]',
            ("app", "hypercorn", "pkg.main", "/app/pkg/main.py", "pkg/main.py", "/app", "pkg"),
        ),
        (
            '["fastapi", "run", "--port", "80"]',
            ("app", "fastapi", "main", "/app/main.py", "main.py", "/app", ""),
        ),
        (
            '["fastapi", "run", "pkg/main.py"]',
            ("app", "fastapi", "pkg.main", "/app/pkg/main.py", "pkg/main.py", "/app", "pkg"),
        ),
        (
            '["celery", "-A", "pkg", "worker"]',
            ("celery", "celery", "pkg", "/app/pkg/__init__.py", "pkg/__init__.py", "/app", "pkg"),
        ),
        (
            '["python", "-m", "uvicorn", "main:app"]',
            ("app", "uvicorn", "main", "/app/main.py", "main.py", "/app", ""),
        ),
        (
            "python main.py",  # shell form: /bin/sh -c
            ("script", "python", "__main__", "/app/main.py", "main.py", "/app", None),
        ),
        # runners: the command they run is the entrypoint
        (
            '["uv", "run", "--no-sync", "--with", "x", "python", "main.py"]',
            ("script", "python", "__main__", "/app/main.py", "main.py", "/app", None),
        ),
        (
            '["poetry", "run", "uvicorn", "pkg.main:app"]',
            ("app", "uvicorn", "pkg.main", "/app/pkg/main.py", "pkg/main.py", "/app", "pkg"),
        ),
        (
            '["opentelemetry-instrument", "--traces_exporter", "otlp", "python", "main.py"]',
            ("script", "python", "__main__", "/app/main.py", "main.py", "/app", None),
        ),
    ],
)
def test_entrypoint_forms(tmp_path: Path, cmd: str, shape: tuple[object, ...]) -> None:
    (entry,) = _image_entries(tmp_path, cmd)
    assert _shape(entry) == shape


def test_server_port_is_read(tmp_path: Path) -> None:
    (entry,) = _image_entries(tmp_path, '["uvicorn", "pkg.main:app", "--port", "8080"]')
    assert entry.port == 8080
    (entry,) = _image_entries(tmp_path, '["hypercorn", "--bind", "0.0.0.0:9000", "pkg.main:app"]')
    assert entry.port == 9000


def test_python_c_is_ignored(tmp_path: Path) -> None:
    assert _image_entries(tmp_path, '["python", "-c", "import app"]') == []


def test_fastapi_run_without_a_default_file(tmp_path: Path) -> None:
    dockerfile = 'FROM python:3.11-slim\nWORKDIR /srv\nCOPY pkg/ ./pkg/\nCMD ["fastapi", "run"]\n'
    ws = _workspace(tmp_path, {**SRC, "Dockerfile": dockerfile})
    (entry,) = ws.runtimes[0].runtime.entrypoints
    assert (entry.kind, entry.module, entry.image_path, entry.repo_path) == (
        "app",
        None,
        "/srv/main.py",
        None,
    )


ALEMBIC = {
    "alembic.ini": "[alembic]\nscript_location = %(here)s/migrations\nprepend_sys_path = . src\n",
    "migrations/env.py": "from pkg.util import x\n",
}


def test_shell_chain_has_an_entrypoint_per_command_and_alembic_runs_env_py(
    tmp_path: Path,
) -> None:
    cmd = '["sh", "-c", "alembic upgrade head && uvicorn main:app"]'
    alembic, server = _image_entries(tmp_path, cmd, ALEMBIC)
    assert _shape(alembic) == (
        "alembic",
        "alembic",
        "env",
        "/app/migrations/env.py",
        "migrations/env.py",
        "/app",
        None,
    )
    assert alembic.sys_path[:2] == ("/app", "/app/src")  # prepend_sys_path
    assert _shape(server) == ("app", "uvicorn", "main", "/app/main.py", "main.py", "/app", "")


def test_alembic_without_its_ini_is_a_missing_entrypoint(tmp_path: Path) -> None:
    (entry,) = _image_entries(tmp_path, '["alembic", "upgrade", "head"]')
    assert (entry.kind, entry.module, entry.image_path, entry.repo_path) == (
        "alembic",
        None,
        "/app/alembic.ini",
        None,
    )


def test_entrypoint_script_whose_last_exec_starts_python(tmp_path: Path) -> None:
    script = '#!/bin/sh\nset -e\nalembic upgrade head\nexec python -m pkg.main "$@"\n'
    entries = _image_entries(
        tmp_path, '["./docker-entrypoint.sh"]', {**ALEMBIC, "docker-entrypoint.sh": script}
    )
    python = [e for e in entries if e.kind not in ("executable",)]
    assert [(e.kind, e.module) for e in python] == [("alembic", "env"), ("module", "pkg.main")]


DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: ghcr.io/org/api:1.0
          command: ["python", "-m", "pkg.main"]
        - name: worker
          image: ghcr.io/org/api:1.0
          args: ["main.py"]
"""

COMPOSE = """\
services:
  api:
    build: .
    entrypoint: ["uvicorn"]
    command: ["pkg.main:app"]
  job:
    build: .
    command: python app.py
"""


def _containers(ws: Workspace) -> dict[str, ContainerRuntime]:
    return {r.ident: r for r in ws.runtimes if r.workload is not None}


def test_kubernetes_command_and_args_override_the_image(tmp_path: Path) -> None:
    dockerfile = (
        'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nENTRYPOINT ["python"]\nCMD ["app.py"]\n'
    )
    ws = _workspace(
        tmp_path,
        {
            **SRC,
            "api/Dockerfile": dockerfile.replace("COPY . .", "COPY . ."),
            "k8s/api.yaml": DEPLOY,
        },
    )
    runs = _containers(ws)
    (api,) = runs["Deployment/api container api"].runtime.entrypoints
    assert (api.kind, api.module, api.source.path, api.source.note) == (
        "module",
        "pkg.main",
        "k8s/api.yaml",
        "command: python -m pkg.main",
    )
    (worker,) = runs["Deployment/api container worker"].runtime.entrypoints
    assert (worker.kind, worker.target, worker.source.note) == (
        "script",
        "main.py",
        "args: main.py",
    )


def test_compose_command_and_entrypoint_override_the_image(tmp_path: Path) -> None:
    dockerfile = 'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "main.py"]\n'
    ws = _workspace(tmp_path, {**SRC, "Dockerfile": dockerfile, "docker-compose.yml": COMPOSE})
    runs = _containers(ws)
    (api,) = runs["compose/api container api"].runtime.entrypoints
    assert (api.kind, api.program, api.module) == ("app", "uvicorn", "pkg.main")
    (job,) = runs["compose/job container job"].runtime.entrypoints
    assert (job.kind, job.target) == ("script", "app.py")


# --- what is in the image -------------------------------------------------------------------


def test_dockerignore_keeps_files_out_of_the_image(tmp_path: Path) -> None:
    ws = _workspace(
        tmp_path,
        {
            **SRC,
            ".dockerignore": "pkg/util.py\n",
            "Dockerfile": _dockerfile('["python", "-m", "pkg.main"]'),
        },
    )
    (run,) = ws.runtimes
    assert run.image.contents is not None
    assert not run.image.contents.fs.is_file("/app/pkg/util.py")
    (edge,) = [e for e in run.runtime.imports if e.target == "pkg.util"]
    assert (edge.status, edge.repo_candidates) == ("not-in-image", ("pkg/util.py",))


def test_pythonpath_from_env_is_on_sys_path(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.11-slim\nWORKDIR /app\nENV PYTHONPATH=/opt/lib:$PYTHONPATH\n"
        'COPY libs/shared_v2/ /opt/lib/shared/\nCOPY main.py .\nCMD ["python", "main.py"]\n'
    )
    ws = _workspace(
        tmp_path,
        {
            "Dockerfile": dockerfile,
            "main.py": "from shared import greet\n",
            "libs/shared_v2/__init__.py": "def greet() -> None: ...\n",
        },
    )
    (run,) = ws.runtimes
    (entry,) = run.runtime.entrypoints
    assert entry.sys_path == ("/app", "/opt/lib", "/usr/local/lib/python3.11/site-packages")
    (edge,) = run.runtime.imports
    assert (edge.status, edge.resolved) == ("first-party", "libs/shared_v2/__init__.py")


def test_pip_install_of_a_local_project_lands_in_site_packages(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.11-slim AS build\nWORKDIR /src\nCOPY lib/ ./lib/\n"
        "RUN pip install --no-cache-dir ./lib\n"
        'FROM build\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n'
    )
    ws = _workspace(
        tmp_path,
        {
            "Dockerfile": dockerfile,
            "main.py": "from corelib.api import run\n",
            "lib/pyproject.toml": (
                '[project]\nname = "corelib"\nversion = "1"\ndependencies = ["httpx==0.27.0"]\n'
            ),
            "lib/src/corelib/__init__.py": "",
            "lib/src/corelib/api.py": "def run() -> None: ...\n",
        },
    )
    (run,) = ws.runtimes
    contents = run.image.contents
    assert contents is not None
    (project,) = [i for i in contents.installs if i.kind == "project"]
    assert (project.repo_path, project.image_path) == ("lib", "/src/lib")
    site = "/usr/local/lib/python3.11/site-packages"
    assert contents.fs.origin(f"{site}/corelib/api.py") is not None
    (edge,) = [e for e in run.runtime.imports if e.target == "corelib.api"]
    assert (edge.status, edge.resolved) == ("first-party", "lib/src/corelib/api.py")


# --- the closure ----------------------------------------------------------------------------


def test_closure_walks_past_a_failure_as_if_it_were_fixed(tmp_path: Path) -> None:
    files = {
        "svc/Dockerfile": _dockerfile('["python", "main.py"]'),
        "svc/main.py": "from .app import app\n",
        "svc/app.py": "from shared.tools import helper\napp = helper\n",
        "shared/__init__.py": "",
        "shared/tools.py": "from .deep import helper\n",
        "shared/deep.py": "def helper() -> None: ...\n",
    }
    ws = _workspace(tmp_path, files)
    (run,) = ws.runtimes
    got = [(e.path, e.target, e.status, e.resolved) for e in run.runtime.imports]
    assert got == [
        ("svc/main.py", "app", "relative-no-parent", "svc/app.py"),  # then read as `from app`
        ("svc/app.py", "shared.tools", "not-in-image", None),
        ("shared/tools.py", "shared.deep", "not-in-image", None),  # walked as if copied in
    ]


def test_main_guard_imports_run_only_in_the_file_started_as_main(tmp_path: Path) -> None:
    files = {
        "Dockerfile": 'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "main.py"]\n',
        "main.py": "import app\nif __name__ == '__main__':\n    import tool_a\n",
        "app.py": "if __name__ == '__main__':\n    import tool_b\n",
        "tool_a.py": "",
        "tool_b.py": "",
    }
    (run,) = _workspace(tmp_path, files).runtimes
    assert [e.target for e in run.runtime.imports] == ["app", "tool_a"]


def test_python_dash_m_on_a_package_runs_its_main(tmp_path: Path) -> None:
    files = {
        "svc/Dockerfile": (
            'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "-m", "pkg"]\n'
        ),
        "svc/pkg/__init__.py": "",
        "svc/pkg/__main__.py": "from .worker import run\n\nrun()\n",
        "svc/pkg/worker.py": "import prometheus_client\n\ndef run():\n    pass\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (runtime,) = [r.runtime for r in lint(tmp_path, Config()).workspace.runtimes]
    (entry,) = runtime.entrypoints
    assert (entry.kind, entry.module, entry.repo_path, entry.package) == (
        "module",
        "pkg.__main__",
        "svc/pkg/__main__.py",
        "pkg",
    )
    assert [(e.target, e.status) for e in runtime.imports] == [
        ("pkg.worker", "first-party"),
        ("prometheus_client", "third-party"),
    ]


def test_fastapi_cli_target_that_is_a_package_directory(tmp_path: Path) -> None:
    # `fastapi dev src/pkg` imports the package `pkg` from src/ (fastapi-cli's discovery)
    files = {
        "src/web/__init__.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\n"
        'CMD ["fastapi", "run", "/app/src/web"]\n',
    }
    ws = _workspace(tmp_path, files)
    (run,) = ws.runtimes
    (entry,) = run.runtime.entrypoints
    assert (entry.module, entry.image_path, entry.repo_path, entry.sys_path[0]) == (
        "web",
        "/app/src/web/__init__.py",
        "src/web/__init__.py",
        "/app/src",
    )
    assert [e.target for e in run.runtime.imports] == ["fastapi"]


def test_entrypoint_script_exec_args_runs_the_cmd(tmp_path: Path) -> None:
    # ENTRYPOINT [script] + CMD: the script's `exec "$@"` runs the CMD (a shell script by its
    # shebang, whatever its name)
    script = '#!/bin/bash\nset -e\ncp -r /a /b\nexec "$@"\n'
    dockerfile = (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
        'ENTRYPOINT ["/app/bin/entrypoint.bash"]\nCMD ["gunicorn", "pkg.main:app"]\n'
    )
    ws = _workspace(tmp_path, {**SRC, "bin/entrypoint.bash": script, "Dockerfile": dockerfile})
    (run,) = ws.runtimes
    apps = [(e.kind, e.module) for e in run.runtime.entrypoints if e.kind != "executable"]
    assert apps == [("app", "pkg.main")]


def test_third_party_name_of_a_package_submodule_is_not_first_party(tmp_path: Path) -> None:
    # config/celery.py is `config.celery`; its `from celery import Celery` is the installed one
    files = {
        "config/__init__.py": "from config.celery import app\n",
        "config/celery.py": "from celery import Celery\napp = Celery('x')\n",
        "Dockerfile": _dockerfile('["celery", "-A", "config", "worker"]'),
    }
    ws = _workspace(tmp_path, files)
    (run,) = ws.runtimes
    statuses = {e.target: e.status for e in run.runtime.imports}
    assert statuses == {"config.celery": "first-party", "celery": "third-party"}


# --- Django and gunicorn: modules a framework imports -----------------------------------------

MANAGE = """\
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
"""
DJANGO = {
    "manage.py": MANAGE,
    "config/__init__.py": "",
    "config/wsgi.py": (
        "import os\n\nfrom django.core.wsgi import get_wsgi_application\n\n"
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n'
        "application = get_wsgi_application()\n"
    ),
    "config/settings.py": (
        "import environ\n\nfrom config import defaults\n\nenv = environ.Env()\n"
        'INSTALLED_APPS = ["django.contrib.admin", "shop.apps.ShopConfig", "blog"]\n'
    ),
    "config/defaults.py": "X = 1\n",
    "config/prod.py": "from config.settings import *  # noqa\n",
    "shop/__init__.py": "",
    "shop/apps.py": "from django.apps import AppConfig\n\nclass ShopConfig(AppConfig): ...\n",
    "shop/models.py": "from shop import signals\n",
    "shop/signals.py": "",
    "blog/__init__.py": "",
    "blog/models.py": "",
}


def _django_edges(run: ContainerRuntime) -> list[tuple[str, str, str, int, str | None]]:
    return [
        (e.path, e.target, e.status, e.imp.line, e.resolved)
        for e in run.runtime.imports
        if e.status.startswith("django-")
    ]


def test_django_settings_module_from_the_setdefault_of_manage_py(tmp_path: Path) -> None:
    files = {**DJANGO, "Dockerfile": _dockerfile('["python", "manage.py", "migrate"]')}
    (run,) = _workspace(tmp_path, files).runtimes
    assert _django_edges(run) == [
        ("manage.py", "config.settings", "django-settings", 6, "config/settings.py"),
        ("config/settings.py", "shop", "django-app", 6, "shop/__init__.py"),
        ("config/settings.py", "shop.apps", "django-app", 6, "shop/apps.py"),
        ("config/settings.py", "shop.models", "django-app", 6, "shop/models.py"),
        ("config/settings.py", "blog", "django-app", 6, "blog/__init__.py"),
        ("config/settings.py", "blog.models", "django-app", 6, "blog/models.py"),
    ]
    settings = run.runtime.imports[[e.status for e in run.runtime.imports].index("django-settings")]
    assert settings.reason is not None
    assert (settings.reason.path, settings.reason.line, settings.reason.note) == (
        "manage.py",
        6,
        "manage.py sets DJANGO_SETTINGS_MODULE to config.settings (os.environ.setdefault):"
        " Django imports it at start-up",
    )
    assert settings.imp.scope == "module" and not settings.imp.in_main_guard
    reached = {n.repo_path for n in run.runtime.modules}
    assert {"config/defaults.py", "shop/signals.py"} <= reached
    assert "config/prod.py" not in reached


def test_django_settings_module_set_by_the_container_wins(tmp_path: Path) -> None:
    deploy = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: web\n          image: ghcr.io/acme/web:1\n"
        '          command: ["gunicorn", "config.wsgi"]\n          env:\n'
        "            - name: DJANGO_SETTINGS_MODULE\n              value: config.prod\n"
        "        - name: secret\n          image: ghcr.io/acme/web:1\n"
        '          command: ["gunicorn", "config.wsgi"]\n          env:\n'
        "            - name: DJANGO_SETTINGS_MODULE\n              valueFrom:\n"
        "                secretKeyRef: {name: s, key: k}\n"
    )
    files = {f"web/{p}": t for p, t in DJANGO.items()}
    files["web/Dockerfile"] = _dockerfile('["gunicorn", "config.wsgi"]')
    files["k8s/web.yaml"] = deploy
    runs = _containers(_workspace(tmp_path, files))
    web = runs["Deployment/web container web"]
    first = _django_edges(web)[0]
    assert first == (
        "web/config/wsgi.py",
        "config.prod",
        "django-settings",
        5,
        "web/config/prod.py",
    )
    reason = web.runtime.imports[
        [e.status for e in web.runtime.imports].index("django-settings")
    ].reason
    assert reason is not None and (reason.path, reason.line) == ("k8s/web.yaml", 13)
    # prod star-imports settings: its INSTALLED_APPS are followed too
    assert ("web/config/settings.py", "shop.models") in {(e[0], e[1]) for e in _django_edges(web)}
    # a value from a Secret is not known: nothing is guessed
    assert _django_edges(runs["Deployment/web container secret"]) == []


@pytest.mark.parametrize(
    "setdefault",
    [
        '"django.conf.global_settings"',  # not first-party
        "SETTINGS",  # not a literal
        '"config.settings") or os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.prod"',
    ],
)
def test_django_settings_module_that_cannot_be_known_is_skipped(
    tmp_path: Path, setdefault: str
) -> None:
    manage = MANAGE.replace('"config.settings"', setdefault)
    files = {**DJANGO, "manage.py": manage, "Dockerfile": _dockerfile('["python", "manage.py"]')}
    (run,) = _workspace(tmp_path, files).runtimes
    assert _django_edges(run) == []
    assert "config/settings.py" not in {n.repo_path for n in run.runtime.modules}


def test_celery_app_that_sets_the_django_settings_module(tmp_path: Path) -> None:
    files = {
        **DJANGO,
        "config/__init__.py": "from .celery import app\n",
        "config/celery.py": (
            "import os\nfrom celery import Celery\n"
            'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n'
            'app = Celery("config")\napp.config_from_object("django.conf:settings")\n'
        ),
        "Dockerfile": _dockerfile('["celery", "-A", "config", "worker"]'),
    }
    (run,) = _workspace(tmp_path, files).runtimes
    assert _django_edges(run)[0] == (
        "config/celery.py",
        "config.settings",
        "django-settings",
        3,
        "config/settings.py",
    )


def test_gunicorn_config_module_and_default_file_are_loaded(tmp_path: Path) -> None:
    files = {
        **SRC,
        "conf/__init__.py": "",
        "conf/gunicorn.py": "import conf.hooks\nbind = '0.0.0.0:8000'\n",
        "conf/hooks.py": "",
        "gunicorn.conf.py": "import os\nworkers = int(os.environ['WORKERS'])\n",
    }
    entries = _image_entries(
        tmp_path, '["gunicorn", "-c", "python:conf.gunicorn", "app:app"]', files
    )
    assert [(e.kind, e.module, e.repo_path) for e in entries] == [
        ("app", "app", "app.py"),
        ("config", "conf.gunicorn", "conf/gunicorn.py"),
    ]
    entries = _image_entries(tmp_path, '["gunicorn", "app:app"]', files)
    assert [(e.kind, e.module, e.repo_path) for e in entries] == [
        ("app", "app", "app.py"),
        ("config", "__config__", "gunicorn.conf.py"),
    ]


# --- facts of a runtime the rules compare: start-up imports, PYTHONPATH, removed modules -------


def test_what_runs_at_start_up_and_the_pythonpath(tmp_path: Path) -> None:
    files = {
        "Dockerfile": (
            "FROM python:3.12-slim\nWORKDIR /app\nENV PYTHONPATH=lib:/opt/x/:$EXTRA\n"
            'COPY . .\nCMD ["python", "main.py"]\n'
        ),
        "main.py": (
            "import pkg.eager\n"
            "def later():\n    import pkg.lazy\n"
            "try:\n    import pkg.guarded\nexcept ImportError:\n    pass\n"
            "import distutils\n"
        ),
        "pkg/__init__.py": "",
        "pkg/eager.py": "import pkg.deep\n",
        "pkg/deep.py": "",
        "pkg/lazy.py": "import pkg.lazydeep\n",
        "pkg/lazydeep.py": "",
        "pkg/guarded.py": "",
    }
    ws = _workspace(tmp_path, files)
    (run,) = ws.runtimes
    runtime = run.runtime
    assert runtime.pythonpath == ("/app/lib", "/opt/x")
    assert {"main.py", "pkg/eager.py", "pkg/deep.py"} <= runtime.eager
    assert not {"pkg/lazy.py", "pkg/lazydeep.py", "pkg/guarded.py"} & runtime.eager
    edges = {e.target: e for e in runtime.imports}
    assert edges["pkg.lazy"].function == "later"
    assert edges["pkg.eager"].function is None
    assert [t for t, e in edges.items() if runtime.at_startup(e)] == [
        "pkg.eager",
        "distutils",
        "pkg.deep",
    ]
    assert (edges["distutils"].status, edges["distutils"].removed_in) == ("third-party", "3.12")
    assert edges["pkg.eager"].removed_in is None


def test_a_container_env_pythonpath_replaces_the_images(tmp_path: Path) -> None:
    files = {
        "Dockerfile": "FROM python:3.11-slim\nWORKDIR /app\nENV PYTHONPATH=/img\nCOPY . .\n"
        'CMD ["python", "main.py"]\n',
        "main.py": "",
        "docker-compose.yml": (
            "services:\n  app:\n    build: .\n    environment:\n"
            "      PYTHONPATH: src:/usr/lib/python3/dist-packages/\n"
        ),
    }
    ws = _workspace(tmp_path, files)
    paths = sorted((r.container is not None, r.runtime.pythonpath) for r in ws.runtimes)
    # only the compose service: compose builds the image for it alone, so the image never
    # runs its own command by itself
    assert paths == [(True, ("/app/src", "/usr/lib/python3/dist-packages"))]
