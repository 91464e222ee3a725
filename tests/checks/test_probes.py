"""VL601–VL603: probe paths against the app's routes, ports, and missing readiness probes."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import fix_twice as _fix
from tests.helpers import lint_rule as _lint
from tests.helpers import write_repo as _repo
from vertice_lint.config import Config
from vertice_lint.engine import Selection, lint

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "monorepo"

Found = tuple[str, str, int, int, str]
UVICORN = (
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
    'CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]\n'
)


def _manifest(container_extra: str, kind: str = "Deployment") -> str:
    return (
        f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: api\nspec:\n"
        "  selector:\n    matchLabels:\n      app: api\n  template:\n    metadata:\n"
        "      labels:\n        app: api\n    spec:\n      containers:\n"
        f"        - name: api\n          image: ghcr.io/acme/api:1.0.0\n{container_extra}"
    )


def _probe(path: str, port: str = "8000", kind: str = "readinessProbe") -> str:
    return (
        "          ports:\n            - name: http\n              containerPort: 8000\n"
        f"          {kind}:\n            httpGet:\n              path: {path}\n"
        f"              port: {port}\n"
    )


def _app(code: str, extra: str, **files: str) -> dict[str, str]:
    return {
        "api/Dockerfile": UVICORN,
        "api/main.py": code,
        "k8s/api.yaml": _manifest(extra),
        **files,
    }


# --- VL601 -----------------------------------------------------------------------------------


def test_example_wrong_probe_path() -> None:
    assert _lint(EXAMPLE, "VL601") == [
        (
            "VL601",
            "k8s/base/hcl-kb-service.yaml",
            28,
            21,
            "readiness probe of Deployment/vertice/hcl-kb-service container hcl-kb requests GET"
            " /healthz, which the app does not serve (its GET routes: /health, /entries/{key}):"
            " every probe gets 404 and the pod never becomes Ready; the health route is /health",
        )
    ]


def test_example_wrong_probe_path_fix(tmp_path: Path) -> None:
    root = tmp_path / "monorepo"
    shutil.copytree(EXAMPLE, root)
    path = "k8s/base/hcl-kb-service.yaml"
    before = (root / path).read_text()
    after = _fix(root, "VL601", path)
    assert after == before.replace("path: /healthz\n", "path: /health\n")


ROUTERS = {
    "api/routers/__init__.py": "",
    "api/routers/ops.py": (
        "from fastapi import APIRouter\n\nrouter = APIRouter(prefix='/ops')\n\n\n"
        "@router.get('/live')\ndef live() -> str:\n    return 'ok'\n\n\n"
        "@router.post('/drain')\ndef drain() -> str:\n    return 'ok'\n"
    ),
}
MAIN = (
    "from fastapi import FastAPI\n\nfrom routers import ops\n\napp = FastAPI()\n"
    "app.include_router(ops.router, prefix='/v1')\n\n\n"
    "@app.get('/items/{item_id}')\ndef item(item_id: int) -> int:\n    return item_id\n"
)


def test_vl601_prefixes_params_methods_and_trailing_slash(tmp_path: Path) -> None:
    served = ["/v1/ops/live", "/v1/ops/live/", "/items/7", "/v1/ops/live?full=1"]
    for i, path in enumerate(served):
        root = _repo(tmp_path / str(i), _app(MAIN, _probe(path), **ROUTERS))
        assert _lint(root, "VL601") == [], path
    root = _repo(tmp_path / "post", _app(MAIN, _probe("/v1/ops/drain"), **ROUTERS))
    assert [f[4] for f in _lint(root, "VL601")] == [
        "readiness probe of Deployment/api container api requests GET /v1/ops/drain, which the"
        " app does not serve (its GET routes: /items/{item_id}, /v1/ops/live): every"
        " probe gets 404 and the pod never becomes Ready; the health route is /v1/ops/live"
    ]


def test_vl601_silent_when_routes_cannot_be_known(tmp_path: Path) -> None:
    dynamic = (
        "from fastapi import FastAPI\n\napp = FastAPI()\n\nfor name in ['a', 'b']:\n"
        "    app.add_api_route('/' + name, lambda: name)\n"
    )
    no_framework = "from http.server import HTTPServer\n\napp = None\n"
    unresolved = (
        "from fastapi import FastAPI\n\nfrom plugins import load\n\napp = FastAPI()\n"
        "app.include_router(load())\n"
    )
    for i, code in enumerate((dynamic, no_framework, unresolved)):
        root = _repo(tmp_path / str(i), _app(code, _probe("/healthz")))
        assert _lint(root, "VL601") == [], code


def test_vl601_mounted_app_serves_everything_below_it(tmp_path: Path) -> None:
    code = (
        "from fastapi import FastAPI\nfrom prometheus_client import make_asgi_app\n\n"
        "app = FastAPI()\napp.mount('/metrics', make_asgi_app())\n"
    )
    assert _lint(_repo(tmp_path, _app(code, _probe("/metrics/x"))), "VL601") == []


def test_vl601_no_fix_without_a_single_health_route(tmp_path: Path) -> None:
    code = (
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.get('/health')\ndef h() -> str:\n    return ''\n\n\n"
        "@app.get('/ready')\ndef r() -> str:\n    return ''\n"
    )
    result = lint(
        _repo(tmp_path, _app(code, _probe("/healthz"))), Config(), Selection(select=("VL601",))
    )
    assert [(d.line, d.fix) for d in result.diagnostics] == [(22, None)]


# --- VL602 -----------------------------------------------------------------------------------


def test_vl602_probe_port_and_container_port(tmp_path: Path) -> None:
    code = "from fastapi import FastAPI\n\napp = FastAPI()\n"
    root = _repo(tmp_path / "a", _app(code, _probe("/", port="metrics")))
    assert _lint(root, "VL602") == [
        (
            "VL602",
            "k8s/api.yaml",
            23,
            21,
            "readiness probe port `metrics` names no containerPort of container api (named:"
            " http): the probe cannot run",
        )
    ]
    extra = "          ports:\n            - containerPort: 8080\n"
    root = _repo(tmp_path / "b", _app(code, extra))
    assert [f[2:] for f in _lint(root, "VL602")] == [
        (
            18,
            15,
            "Deployment/api container api declares containerPort 8080, but the app listens on"
            " 8000: Services and probes aimed at the declared port reach nothing",
        )
    ]


def test_vl602_fix_points_the_probe_at_the_named_port(tmp_path: Path) -> None:
    code = "from fastapi import FastAPI\n\napp = FastAPI()\n"
    root = _repo(tmp_path, _app(code, _probe("/", port="9000")))
    assert [f[4] for f in _lint(root, "VL602")] == [
        "readiness probe of Deployment/api container api checks port 9000, but the app listens"
        " on 8000: the probe always fails"
    ]
    before = (root / "k8s/api.yaml").read_text()
    assert _fix(root, "VL602", "k8s/api.yaml") == before.replace("port: 9000", "port: 8000")


def test_vl602_service_target_port(tmp_path: Path) -> None:
    code = "from fastapi import FastAPI\n\napp = FastAPI()\n"
    service = (
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n"
        "  selector:\n    app: api\n  ports:\n    - port: 80\n      targetPort: 8080\n"
        "    - name: ok\n      port: 81\n      targetPort: http\n"
    )
    files = _app(code, _probe("/"))
    files["k8s/api.yaml"] += service
    assert [f[2:] for f in _lint(_repo(tmp_path, files), "VL602")] == [
        (
            34,
            7,
            "targetPort 8080 of Service api matches no port of the pods it selects (they use"
            " 8000): connections are refused",
        )
    ]


NODE_DOCKERFILE = """\
FROM node:22-slim
WORKDIR /app
COPY . .
ARG PAYMENT_PORT=50051
EXPOSE ${PAYMENT_PORT}
CMD ["node", "index.js"]
"""


def test_vl602_exposed_port_from_a_variable_the_container_sets(tmp_path: Path) -> None:
    # opentelemetry-demo payment: the app reads PAYMENT_PORT at run time, the pod sets 8080
    env = "          env:\n            - name: PAYMENT_PORT\n              value: '{}'\n"
    ports = "          ports:\n            - containerPort: 8080\n"
    files = {
        "api/Dockerfile": NODE_DOCKERFILE,
        "api/index.js": "require('http').createServer().listen(process.env.PAYMENT_PORT)\n",
        "k8s/api.yaml": _manifest(ports + env.format(8080)),
    }
    assert _lint(_repo(tmp_path, files), "VL602") == []
    files["k8s/api.yaml"] = _manifest(ports + env.format(9090))
    assert [f[2:] for f in _lint(_repo(tmp_path, files), "VL602")] == [
        (
            18,
            15,
            "Deployment/api container api declares containerPort 8080, but the app listens on"
            " 9090: Services and probes aimed at the declared port reach nothing",
        )
    ]


# --- VL603 -----------------------------------------------------------------------------------


def test_example_missing_probe() -> None:
    assert _lint(EXAMPLE, "VL603") == [
        (
            "VL603",
            "k8s/base/maximus-core-service.yaml",
            18,
            11,
            "Deployment/vertice/maximus-core-service container maximus-core has no readinessProbe:"
            " it receives traffic as soon as it starts, before the app can answer, and keeps"
            " receiving it when the app stops answering",
        )
    ]


def test_vl603_workers_and_jobs_are_not_reported(tmp_path: Path) -> None:
    files = {
        "k8s/worker.yaml": _manifest(""),
        "k8s/job.yaml": _manifest(
            "          ports:\n            - containerPort: 80\n", "Job"
        ).replace("  selector:\n    matchLabels:\n      app: api\n", ""),
    }
    assert _lint(_repo(tmp_path, files), "VL603") == []


def test_vl603_a_service_selects_pods_of_its_own_namespace_only(tmp_path: Path) -> None:
    """One fact (`Workspace.service_selections`) for VL602 and VL603: a Service in another
    namespace routes nothing to a worker, so the worker needs no readiness probe."""
    worker = _manifest("").replace("  name: api\n", "  name: api\n  namespace: jobs\n", 1)
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: {ns}\nspec:\n"
        "  selector:\n    app: api\n  ports:\n    - port: 80\n"
    )
    elsewhere = {"k8s/worker.yaml": worker, "k8s/svc.yaml": service.format(ns="web")}
    assert _lint(_repo(tmp_path / "elsewhere", elsewhere), "VL603") == []
    same = {"k8s/worker.yaml": worker, "k8s/svc.yaml": service.format(ns="jobs")}
    assert [f[:4] for f in _lint(_repo(tmp_path / "same", same), "VL603")] == [
        ("VL603", "k8s/worker.yaml", 16, 11)
    ]
