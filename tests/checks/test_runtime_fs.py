"""What a container's filesystem holds decides what VL202/VL204/VL301 may say: the image's files
plus the directories its compose service bind-mounts; an image whose build fails runs nothing;
an import that fails stops the walk (nothing below it runs)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint_rules, write_repo

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
REQS = "fastapi==0.115.0\nuvicorn==0.30.6\n"


def test_code_bind_mounted_by_the_compose_service_is_in_the_container(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "svc/Dockerfile.dev": (
                "FROM python:3.12-slim\n"
                "WORKDIR /app\n"
                "COPY requirements.txt .\n"
                "RUN pip install -r requirements.txt\n"
                'CMD ["uvicorn", "api.main:app"]\n'
            ),
            "svc/requirements.txt": REQS,
            "svc/docker-compose.yml": (
                "services:\n"
                "  svc:\n"
                "    build:\n"
                "      context: .\n"
                "      dockerfile: Dockerfile.dev\n"
                "    volumes:\n"
                '      - "./api:/app/api"\n'
            ),
            "svc/api/__init__.py": "",
            "svc/api/main.py": APP + "from api import helpers\n",
            "svc/api/helpers.py": "import json\n",
        },
    )
    assert lint_rules(tmp_path, "VL202", "VL204", "VL301") == []


def test_long_form_bind_mount_and_a_named_volume(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "svc/Dockerfile.dev": (
                "FROM python:3.12-slim\n"
                "WORKDIR /app\n"
                "COPY requirements.txt .\n"
                "RUN pip install -r requirements.txt\n"
                'CMD ["uvicorn", "api.main:app"]\n'
            ),
            "svc/requirements.txt": REQS,
            "docker-compose.yml": (
                "services:\n"
                "  svc:\n"
                "    build:\n"
                "      context: svc\n"
                "      dockerfile: Dockerfile.dev\n"
                "    volumes:\n"
                "      - type: bind\n"
                "        source: ./svc/api\n"
                "        target: /app/api\n"
                "      - data:/var/data\n"
                "volumes:\n"
                "  data: {}\n"
            ),
            "svc/api/main.py": APP,
        },
    )
    assert lint_rules(tmp_path, "VL202", "VL204") == []


def test_unmounted_code_is_still_missing(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "svc/Dockerfile": (
                "FROM python:3.12-slim\n"
                "WORKDIR /app\n"
                "COPY requirements.txt .\n"
                "RUN pip install -r requirements.txt\n"
                'CMD ["uvicorn", "api.main:app"]\n'
            ),
            "svc/requirements.txt": REQS,
            "svc/docker-compose.yml": (
                "services:\n  svc:\n    build: .\n    volumes:\n      - ./other:/app/other\n"
            ),
            "svc/api/main.py": APP,
        },
    )
    assert [(f[0], f[1], f[2]) for f in lint_rules(tmp_path, "VL204")] == [
        ("VL204", "svc/Dockerfile", 5)
    ]


def _two_contexts(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "svc/Dockerfile": (
                'FROM python:3.12-slim\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n'
            ),
            "svc/main.py": "import json\nimport yaml\n",
            "svc/docker-compose.yml": "services:\n  svc:\n    build: .\n",
            "docker-compose.yml": (
                "services:\n"
                "  svc:\n"
                "    build:\n"
                "      context: .\n"
                "      dockerfile: svc/Dockerfile\n"
            ),
        },
    )


def test_entry_file_whose_copy_fails_in_one_context(tmp_path: Path) -> None:
    """Built from the root, `COPY main.py .` has no source: the build fails (VL702 says so for
    that context), no container runs, and VL204 does not say that no COPY puts main.py there."""
    _two_contexts(tmp_path)
    found = lint_rules(tmp_path, "VL204", "VL702")
    assert [(f[0], f[1], f[2], f[3]) for f in found] == [("VL702", "svc/Dockerfile", 3, 6)]
    assert "matches nothing in the build context `.`" in found[0][4]
    assert "svc" not in found[0][4]  # the service's own context has it


def test_image_whose_build_fails_reports_nothing_about_its_imports(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "svc/Dockerfile": (
                "FROM python:3.12-slim\n"
                "WORKDIR /app\n"
                "COPY requirements.txt .\n"
                "RUN pip install -r requirements.txt\n"
                "COPY app/ ./app/\n"
                "COPY lib/ ./lib/\n"
                'CMD ["uvicorn", "app.main:app"]\n'
            ),
            "svc/requirements.txt": REQS,
            "svc/app/__init__.py": "",
            "svc/app/main.py": APP + "import lib.tools\nimport yaml\n",
            "lib/__init__.py": "",
            "lib/tools.py": "import json\n",
            "svc/docker-compose.yml": "services:\n  svc:\n    build: .\n",
        },
    )
    found = lint_rules(tmp_path, "VL202", "VL204", "VL301", "VL702")
    assert [(f[0], f[1], f[2]) for f in found] == [("VL702", "svc/Dockerfile", 6)]


def test_nothing_below_an_import_the_image_lacks_is_reported(tmp_path: Path) -> None:
    """main.py imports shared.auth, which the image does not hold: VL202 at main.py; the
    imports of shared/auth.py never run in that image (no VL301 for them)."""
    write_repo(
        tmp_path,
        {
            "svc/Dockerfile": (
                "FROM python:3.12-slim\n"
                "WORKDIR /app\n"
                "COPY requirements.txt .\n"
                "RUN pip install -r requirements.txt\n"
                "COPY main.py .\n"
                'CMD ["uvicorn", "main:app"]\n'
            ),
            "svc/requirements.txt": REQS,
            "svc/main.py": APP + "from shared.auth import check\n",
            "shared/__init__.py": "",
            "shared/auth.py": "import jwt\n\n\ndef check() -> None:\n    pass\n",
            "svc/docker-compose.yml": "services:\n  svc:\n    build: .\n",
        },
    )
    found = lint_rules(tmp_path, "VL202", "VL301")
    assert [(f[0], f[1], f[2]) for f in found] == [("VL202", "svc/main.py", 4)]
