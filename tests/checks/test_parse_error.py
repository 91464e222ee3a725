"""VL001 parse-error: a Python file that does not parse says who runs it as the entry module."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import write_repo
from vertice_lint.config import Config
from vertice_lint.engine import Selection, lint

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/svc:1.0.0
"""


def _files(deployed: bool) -> dict[str, str]:
    files = {
        "svc/Dockerfile": (
            "FROM python:3.12-slim\n"
            "WORKDIR /srv\n"
            "COPY app/ ./app/\n"
            'CMD ["python", "-m", "app.main"]\n'
        ),
        "svc/app/__init__.py": "",
        "svc/app/main.py": "def main():\n    pass\n  x = 1\n",
        "svc/app/other.py": "print(1\n",
    }
    if deployed:
        files["k8s/api.yaml"] = DEPLOYMENT
    return files


def _vl001(root: Path) -> list[tuple[str, int, str, list[tuple[str, int, str]]]]:
    result = lint(root, Config(), Selection(select=("VL001",)))
    assert not result.internal_errors
    return [
        (d.path, d.line, d.message, [(e.path, e.line, e.note) for e in d.evidence])
        for d in result.diagnostics
    ]


SYNTAX = "syntax error: unindent does not match any outer indentation level"


def test_vl001_names_the_workload_that_runs_the_entry_module(tmp_path: Path) -> None:
    root = write_repo(tmp_path, _files(deployed=True))
    assert _vl001(root) == [
        (
            "svc/app/main.py",
            3,
            SYNTAX + "; Deployment/api (container api, image svc/Dockerfile) runs it as the entry"
            " module: Python stops at start with a SyntaxError and the container exits"
            " (the pod crash-loops)",
            [
                (
                    "svc/Dockerfile",
                    4,
                    "Deployment/api (container api, image svc/Dockerfile) runs"
                    " `python -m app.main`",
                )
            ],
        ),
        ("svc/app/other.py", 1, "syntax error: '(' was never closed", []),
    ]


def test_vl001_names_the_image_when_no_workload_runs_it(tmp_path: Path) -> None:
    root = write_repo(tmp_path, _files(deployed=False))
    (main, _other) = _vl001(root)
    assert main[2] == (
        SYNTAX + "; image svc/Dockerfile runs it as the entry module: Python stops at start"
        " with a SyntaxError and the container exits"
    )


def test_vl001_a_compose_service_is_no_pod(tmp_path: Path) -> None:
    files = _files(deployed=False)
    files["docker-compose.yml"] = "services:\n  api:\n    build: ./svc\n"
    root = write_repo(tmp_path, files)
    (main, _other) = _vl001(root)
    assert main[2] == (
        SYNTAX + "; compose/api (container api, image svc/Dockerfile) runs it as the entry"
        " module: Python stops at start with a SyntaxError and the container exits"
    )
