"""link/appfacts.py: the facts about what runs in a container, asserted on the model.

What each container starts with (`ContainerFacts`: env given, run user, capabilities), what
the app it runs needs and does (`ContainerRuntime.app`: env needs, routes, listen port, imports)
and the workloads each Service selects (`Workspace.service_selections`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import workspace
from vertice_lint.config import Config
from vertice_lint.diagnostics import Evidence
from vertice_lint.model import (
    AppFacts,
    ContainerFacts,
    ContainerRuntime,
    ListenPort,
    RunUser,
    Workspace,
)

DOCKERFILE = "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n{extra}CMD {cmd}\n"


def _deployment(name: str = "api", container: str = "", pod: str = "", ns: str = "") -> str:
    namespace = f"  namespace: {ns}\n" if ns else ""
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n{namespace}spec:\n"
        f"  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n"
        f"      labels:\n        app: {name}\n    spec:\n{pod}      containers:\n"
        f"        - name: {name}\n          image: ghcr.io/acme/{name}:1.0.0\n{container}"
    )


def _model(
    root: Path,
    code: str,
    *,
    cmd: str = '["python", "main.py"]',
    extra: str = "",
    container: str = "",
    pod: str = "",
    **files: str,
) -> Workspace:
    return workspace(
        root,
        {
            "api/Dockerfile": DOCKERFILE.format(extra=extra, cmd=cmd),
            "api/main.py": code,
            "k8s/api.yaml": _deployment(container=container, pod=pod),
            **files,
        },
        Config(),
    )


def _run(ws: Workspace) -> tuple[ContainerRuntime, ContainerFacts, AppFacts]:
    """The one container runtime of the repository, with its facts."""
    (cr,) = [r for r in ws.runtimes if r.workload is not None]
    assert cr.facts is not None and cr.app is not None
    return cr, cr.facts, cr.app


# --- env the code needs ----------------------------------------------------------------------


def test_env_needs_say_what_is_read_and_when(tmp_path: Path) -> None:
    code = (
        "import os\n\nfrom fastapi import FastAPI\n\n"
        'A = os.environ["A"]\n'
        'C = os.environ.get("C", "c")\n'
        "app = FastAPI()\n\n\n"
        "@app.get('/x')\n"
        "def x() -> str:\n"
        '    return os.getenv("B").upper() + os.getenv("D")\n'
    )
    _, _, app = _run(_model(tmp_path, code, cmd='["uvicorn", "main:app"]'))
    assert [
        (n.names, n.path, n.line, n.col, n.error, n.when.startup, n.when.text)
        for n in app.env_needs
    ] == [
        (("A",), "api/main.py", 5, 5, "", True, "at start-up"),
        (("B",), "api/main.py", 12, 12, "AttributeError", False, "when GET /x is requested"),
        (("D",), "api/main.py", 12, 37, "TypeError", False, "when GET /x is requested"),
    ]


def test_env_needs_of_a_settings_class(tmp_path: Path) -> None:
    code = (
        "from pydantic_settings import BaseSettings\n\n\n"
        "class Settings(BaseSettings):\n"
        "    database_url: str\n"
        "    port: int = 8000\n\n\n"
        "settings = Settings()\n"
    )
    _, _, app = _run(_model(tmp_path, code))
    assert [(n.names, n.case_sensitive, n.line, n.when.startup) for n in app.env_needs] == [
        (("DATABASE_URL",), False, 5, True)
    ]


# --- env the container is given --------------------------------------------------------------


def test_env_given_by_dockerfile_env_envfrom_prefix_and_patch(tmp_path: Path) -> None:
    container = (
        "          env:\n            - name: A\n              value: a\n"
        "          envFrom:\n            - configMapRef:\n                name: cfg\n"
        "              prefix: APP_\n"
    )
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: api\n          env:\n"
        "            - name: C\n              value: c\n"
    )
    ws = _model(
        tmp_path,
        "x = 1\n",
        extra="ENV B=b\n",
        container=container,
        **{
            "k8s/cfg.yaml": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  D: d\n"
            ),
            "k8s/patch.yaml": patch,
            "k8s/kustomization.yaml": (
                "resources:\n  - api.yaml\n  - cfg.yaml\npatches:\n  - path: patch.yaml\n"
            ),
        },
    )
    _, facts, _ = _run(ws)
    assert facts.env_given.open == ()
    assert {name: (e.path, e.note) for name, e in facts.env_given.names.items()} == {
        "B": ("api/Dockerfile", "ENV"),
        "A": ("k8s/api.yaml", "env"),
        "C": ("k8s/patch.yaml", "env"),  # where the patch writes it
        "APP_D": ("k8s/api.yaml", "envFrom configMap cfg"),
    }
    # every container has its facts, in the order of the workloads
    assert [(f.workload.name, f.container.name) for f in ws.container_facts] == [("api", "api")]
    assert ws.container_facts[0] is facts


def test_env_given_is_open_for_a_source_whose_keys_are_unknown(tmp_path: Path) -> None:
    container = "          envFrom:\n            - secretRef:\n                name: managed\n"
    _, facts, _ = _run(_model(tmp_path, "x = 1\n", container=container))
    assert facts.env_given.open == ("Secret managed",)


def test_env_given_by_a_patch_of_a_cronjob(tmp_path: Path) -> None:
    """The patch's container sits under spec.jobTemplate.spec.template.spec (POD_SPECS)."""
    pod = "            spec:\n              containers:\n                - name: report\n"
    cronjob = (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: report\nspec:\n"
        "  schedule: '0 * * * *'\n  jobTemplate:\n    spec:\n      template:\n"
        f"{pod}                  image: ghcr.io/acme/report:1.0.0\n"
    )
    patch = (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: report\nspec:\n"
        "  jobTemplate:\n    spec:\n      template:\n"
        f"{pod}                  env:\n                    - name: DATABASE_URL\n"
        "                      value: postgres://db/report\n"
    )
    ws = workspace(
        tmp_path,
        {
            "report/Dockerfile": DOCKERFILE.format(extra="", cmd='["python", "main.py"]'),
            "report/main.py": "x = 1\n",
            "k8s/base/report.yaml": cronjob,
            "k8s/base/kustomization.yaml": "resources:\n  - report.yaml\n",
            "k8s/overlays/prod/kustomization.yaml": (
                "resources:\n  - ../../base\npatches:\n  - path: patch.yaml\n"
            ),
            "k8s/overlays/prod/patch.yaml": patch,
        },
        Config(),
    )
    _, facts, _ = _run(ws)
    # on the rendered container, where the patch writes it
    given = facts.env_given.names["DATABASE_URL"]
    assert (given.path, given.line, given.note) == ("k8s/overlays/prod/patch.yaml", 13, "env")


def _overlays(tmp_path: Path, prod_patch: str) -> Workspace:
    """One Deployment `api`, a base and two overlays: staging as is, prod with `prod_patch`."""
    return workspace(
        tmp_path,
        {
            "api/Dockerfile": DOCKERFILE.format(extra="", cmd='["python", "main.py"]'),
            "api/main.py": "x = 1\n",
            "k8s/base/api.yaml": _deployment(),
            "k8s/base/kustomization.yaml": "resources:\n  - api.yaml\n",
            "k8s/overlays/staging/kustomization.yaml": "resources:\n  - ../../base\n",
            "k8s/overlays/prod/kustomization.yaml": (
                "resources:\n  - ../../base\npatches:\n  - path: patch.yaml\n"
            ),
            "k8s/overlays/prod/patch.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n"
                "  template:\n    spec:\n      containers:\n" + prod_patch
            ),
        },
        Config(),
    )


def test_env_a_patch_adds_is_given_in_its_own_overlay_only(tmp_path: Path) -> None:
    """The env is read off the rendered container: prod's patch does not reach staging."""
    patch = (
        "        - name: api\n          env:\n            - name: DATABASE_URL\n"
        "              value: postgres://db/api\n"
    )
    ws = _overlays(tmp_path, patch)
    given = {f.workload.synced_by: f.env_given.names for f in ws.container_facts}
    assert set(given) == {("k8s/overlays/prod",), ("k8s/overlays/staging",)}
    assert "DATABASE_URL" in given[("k8s/overlays/prod",)]
    assert "DATABASE_URL" not in given[("k8s/overlays/staging",)]


def test_container_written_is_the_node_where_the_container_is_written(tmp_path: Path) -> None:
    """A sidecar prod's patch adds is written in the patch (`container.at`), not in the base."""
    patch = (
        "        - name: proxy\n          image: ghcr.io/acme/proxy:1.0.0\n"
        "          env:\n            - name: UPSTREAM\n              value: api\n"
    )
    ws = _overlays(tmp_path, patch)
    written = {
        (f.workload.synced_by, f.container.name): (f.container.at.path, dict(f.written))
        for f in ws.container_facts
    }
    assert written[(("k8s/overlays/prod",), "proxy")] == (
        "k8s/overlays/prod/patch.yaml",
        {
            "name": "proxy",
            "image": "ghcr.io/acme/proxy:1.0.0",
            "env": [{"name": "UPSTREAM", "value": "api"}],
        },
    )
    base = ("k8s/base/api.yaml", {"name": "api", "image": "ghcr.io/acme/api:1.0.0"})
    assert written[(("k8s/overlays/prod",), "api")] == base
    assert written[(("k8s/overlays/staging",), "api")] == base


# --- routes and port -------------------------------------------------------------------------


def test_routes_compose_router_prefixes_and_includes(tmp_path: Path) -> None:
    code = (
        "from fastapi import APIRouter, FastAPI\n\n"
        "router = APIRouter(prefix='/ops')\n\n\n"
        "@router.get('/live')\ndef live() -> str:\n    return 'ok'\n\n\n"
        "app = FastAPI()\n"
        "app.include_router(router, prefix='/v1')\n\n\n"
        "@app.get('/health')\ndef health() -> str:\n    return 'ok'\n"
    )
    _, _, app = _run(_model(tmp_path, code, cmd='["uvicorn", "main:app", "--port", "8080"]'))
    assert app.routes.routes is not None
    assert sorted((r.path, r.methods, r.evidence.line) for r in app.routes.routes) == [
        ("/health", ("GET",), 15),
        ("/v1/ops/live", ("GET",), 6),
    ]
    assert app.listen_port is not None
    assert (app.listen_port.port, app.listen_port.evidence.path) == (8080, "api/Dockerfile")


def test_routes_unknown_without_a_web_app(tmp_path: Path) -> None:
    _, _, app = _run(_model(tmp_path, "x = 1\n"))
    assert app.routes.routes is None
    assert app.routes.why_unknown == "no web app found in the code the container runs"
    assert app.listen_port is None


def test_listen_port_of_uvicorn_run_and_of_an_exposed_variable(tmp_path: Path) -> None:
    code = "import uvicorn\n\napp = object()\nuvicorn.run(app, port=9000)\n"
    _, _, app = _run(_model(tmp_path / "run", code))
    assert app.listen_port == ListenPort(9000, Evidence("api/main.py", 4, 1, "listens on 9000"))
    container = "          env:\n            - name: PORT\n              value: '7000'\n"
    exposed = _model(
        tmp_path / "expose",
        "x = 1\n",
        extra="ARG PORT=50051\nEXPOSE ${PORT}\n",
        container=container,
    )
    _, _, app = _run(exposed)
    assert app.listen_port == ListenPort(
        7000, Evidence("k8s/api.yaml", 18, 15, "Deployment/api env PORT")
    )


# --- user, capabilities, what imports need ---------------------------------------------------


def test_run_user_from_the_dockerfile_and_the_security_context(tmp_path: Path) -> None:
    _, facts, _ = _run(_model(tmp_path / "root", "x = 1\n"))
    assert facts.run_user == RunUser(True, "root", True, ())
    _, facts, _ = _run(_model(tmp_path / "home", "x = 1\n", extra="RUN useradd -m app\nUSER app\n"))
    assert (facts.run_user.root, facts.run_user.label, facts.run_user.home_writable) == (
        False,
        "user app",
        True,
    )
    assert [(e.path, e.line) for e in facts.run_user.evidence] == [
        ("api/Dockerfile", 5),
        ("api/Dockerfile", 4),
    ]
    system = "RUN useradd --system app\nUSER app\n"
    _, facts, _ = _run(_model(tmp_path / "system", "x = 1\n", extra=system))
    assert facts.run_user.home_writable is False
    pod = "      securityContext:\n        runAsUser: 1000\n"
    _, facts, _ = _run(_model(tmp_path / "uid", "x = 1\n", pod=pod))
    assert (facts.run_user.root, facts.run_user.label) == (False, "uid 1000")


@pytest.mark.parametrize(
    ("run", "home"),
    [
        ("useradd -r app", False),
        ("useradd app", False),
        ("useradd -m app", True),
        ("useradd -rm -s /bin/bash app", True),
        ("useradd --create-home --uid 1000 app", True),
        ("useradd -r -g app -d /home/app app", False),
        ("adduser --disabled-password --gecos '' app", True),
        ("adduser --system app", False),
        ("adduser --system --home /app app", True),
        ("adduser -D -H app", False),
        # the user created is `other` (`app` is its group): nothing says where app's home is
        ("useradd -m -g app other", None),
        ("adduser other app", None),
    ],
)
def test_whether_the_run_user_has_a_home(tmp_path: Path, run: str, home: bool | None) -> None:
    _, facts, _ = _run(_model(tmp_path, "x = 1\n", extra=f"RUN {run}\nUSER app\n"))
    assert (facts.run_user.label, facts.run_user.home_writable) == ("user app", home)
    evidence = [(e.path, e.line) for e in facts.run_user.evidence]
    assert evidence == [("api/Dockerfile", 5)] + (
        [("api/Dockerfile", 4)] if home is not None else []
    )


def test_capabilities_and_the_imports_that_need_them(tmp_path: Path) -> None:
    container = (
        "          securityContext:\n            capabilities:\n"
        "              drop: [NET_RAW]\n              add: [CAP_SYS_ADMIN]\n"
    )
    code = "import bcc\nimport seaborn\nimport sentence_transformers\n"
    _, facts, app = _run(_model(tmp_path, code, container=container))
    assert "SYS_ADMIN" in facts.capabilities and "NET_RAW" not in facts.capabilities
    assert "CHOWN" in facts.capabilities
    assert list(app.third_party_imports) == ["bcc", "seaborn", "sentence_transformers"]
    assert [(p.module, p.caps) for p in app.privileged_imports] == [("bcc", ("SYS_ADMIN",))]
    assert [(w.library, w.env, w.evidence.line) for w in app.home_writers] == [
        ("matplotlib", "MPLCONFIGDIR", 2),
        ("transformers", "HF_HOME", 3),
        ("huggingface_hub", "HF_HOME", 3),
    ]
    assert app.home_writers[0].evidence.note == "imports seaborn, which imports matplotlib"


# --- which pods a Service selects ------------------------------------------------------------


def test_service_selects_the_workloads_of_its_namespace(tmp_path: Path) -> None:
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: web\nspec:\n"
        "  selector:\n    app: api\n  ports:\n    - port: 80\n      targetPort: http\n"
        "    - port: 81\n"
    )
    ws = workspace(
        tmp_path,
        {
            "k8s/web.yaml": _deployment(ns="web"),
            "k8s/jobs.yaml": _deployment(ns="jobs"),
            "k8s/any.yaml": _deployment(),
            "k8s/other.yaml": _deployment(name="other", ns="web"),
            "k8s/svc.yaml": service,
        },
    )
    (selection,) = ws.service_selections
    assert (selection.name, selection.namespace, selection.selector) == (
        "api",
        "web",
        {"app": "api"},
    )
    assert [w.path for w in selection.workloads] == ["k8s/any.yaml", "k8s/web.yaml"]
    assert [(p.target, p.line, p.col) for p in selection.ports] == [("http", 11, 7), (81, 12, 7)]
