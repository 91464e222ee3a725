"""Issue 11, causes 4 and 5: imports resolve where Python would resolve them, and an import
whose distribution is only a guess is no finding. Minimal repositories written for each case."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint_rules, workspace, write_repo
from vertice_lint.config import Config
from vertice_lint.link.dependencies import build_module_map


def _service(name: str, main: str, requirements: str = "", extra: str = "") -> dict[str, str]:
    return {
        f"{name}/Dockerfile": (
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
            "RUN pip install --no-cache-dir -r requirements.txt\n"
            f'COPY main.py .\n{extra}CMD ["python", "main.py"]\n'
        ),
        f"{name}/requirements.txt": requirements,
        f"{name}/main.py": main,
    }


def test_installed_distribution_wins_over_another_services_file(tmp_path: Path) -> None:
    files = {
        **_service("api", "import cache\n", "cache==1.0\n"),
        **_service("worker", "print(1)\n"),
        "worker/lib/__init__.py": "",
        "worker/cache.py": "VALUE = 1\n",  # the worker's own module, not the api's `cache`
    }
    assert lint_rules(write_repo(tmp_path, files), "VL202", "VL203", "VL301") == []


def test_another_services_module_is_not_a_candidate(tmp_path: Path) -> None:
    files = {
        **_service("api", "from database import Session\n"),
        "users/database.py": "Other = 1\n",  # another service's, outside api's build context
    }
    found = lint_rules(write_repo(tmp_path, files), "VL202", "VL203")
    assert found == []


def test_a_module_of_the_repository_root_stays_a_candidate(tmp_path: Path) -> None:
    files = {
        **_service("api", "from shared import helper\n"),
        "shared/__init__.py": "def helper() -> None: ...\n",
    }
    found = lint_rules(write_repo(tmp_path, files), "VL202")
    assert [(f[0], f[1], f[2]) for f in found] == [("VL202", "api/main.py", 1)]


def test_not_descended_below_a_guarded_import(tmp_path: Path) -> None:
    files = _service(
        "api",
        "try:\n    import plugin\nexcept ImportError:\n    plugin = None\n",
        "",
        "COPY plugin.py .\n",
    )
    files["api/plugin.py"] = "from missing_pkg.sub import thing\n"
    files["missing_pkg/sub.py"] = "thing = 1\n"
    assert lint_rules(write_repo(tmp_path, files), "VL202", "VL203") == []


def test_a_cascade_inside_a_missing_module_is_reported_once(tmp_path: Path) -> None:
    files = {
        **_service("api", "import shared.a\n"),
        "shared/__init__.py": "",
        "shared/a.py": "import shared.b\n",
        "shared/b.py": "",
    }
    found = lint_rules(write_repo(tmp_path, files), "VL202")
    assert [(f[1], f[2]) for f in found] == [("api/main.py", 1)]


def test_first_party_name_guessed_as_a_distribution_is_no_error(tmp_path: Path) -> None:
    files = {
        **_service("api", "import backendlib\nimport fastapi\n", "uvicorn==0.30.0\n"),
        "libs/backendlib/__init__.py": "",  # installed elsewhere, as nothing here shows
    }
    # `api` cannot see libs/backendlib (not in its build context, not above it): a name no
    # requirements file names is no VL301; fastapi is a known distribution: reported
    found = lint_rules(write_repo(tmp_path, files), "VL301")
    assert [(f[0], f[1], f[2]) for f in found] == [("VL301", "api/main.py", 2)]
    ws = workspace(tmp_path)
    assert any(n.startswith("backendlib (imported in api/main.py:1)") for n in ws.notes), ws.notes


def test_unknown_name_is_a_guess_and_never_written(tmp_path: Path) -> None:
    files = _service("api", "import zzqq_unheard_of\n", "uvicorn==0.30.0\n")
    assert lint_rules(write_repo(tmp_path, files), "VL301") == []


def test_namespace_longest_prefix_and_curated_exporters(tmp_path: Path) -> None:
    files = _service(
        "api",
        "from opentelemetry.exporter.jaeger.thrift import JaegerExporter\n"
        "from opentelemetry.exporter.cloud_trace import CloudTraceSpanExporter\n"
        "from google.protobuf import json_format\n"
        "from langchain_core.messages import HumanMessage\n",
        "opentelemetry-exporter-jaeger-thrift==1.21.0\n"
        "opentelemetry-exporter-gcp-trace==1.6.0\ngrpcio-tools==1.60.0\nlangchain==0.2.0\n",
    )
    root = write_repo(tmp_path, files)
    assert lint_rules(root, "VL301") == []
    found = lint_rules(root, "VL307")
    # protobuf and langchain-core are installed, as dependencies only: VL307's, not VL301's
    assert [(f[2], f[4].split(" ")[0]) for f in found] == [
        (3, "google.protobuf"),
        (4, "langchain_core"),
    ]
    assert all("installed only as a dependency" in f[4] for f in found)


def test_module_map_does_not_read_the_linting_environment() -> None:
    # pytest is installed where the tests run; the map must not know it from there
    mm = build_module_map(Config())
    assert mm.environment == {}
    assert mm.owner("_pytest").source == "convention"


def test_vl202_a_module_copied_into_an_existing_package_directory(tmp_path: Path) -> None:
    files = {
        "docker-compose.yml": (
            "services:\n  agent:\n    build:\n      context: .\n"
            "      dockerfile: svc/agent/Dockerfile\n"
        ),
        "svc/agent/Dockerfile": (
            "FROM python:3.12-slim\nWORKDIR /app\n"
            "COPY svc/agent/src src\nCOPY svc/shared/tools.py src/agents\n"
            'CMD ["python", "-m", "src.agents.agents"]\n'
        ),
        "svc/agent/src/agents/agents.py": "from src.agents.tools import f\n\nf()\n",
        "svc/shared/tools.py": "def f() -> None: ...\n",
    }
    assert lint_rules(write_repo(tmp_path, files), "VL202") == []
