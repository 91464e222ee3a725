"""VL104 on compose images whose value compose takes from the project `.env`."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import write_repo
from vertice_lint.config import Config
from vertice_lint.engine import Selection, lint

COMPOSE = """\
services:
  db:
    image: ${DB_IMAGE}
  cache:
    image: ${CACHE_IMAGE}
  web:
    image: ${WEB_IMAGE:-nginx}
  job:
    image: ${JOB_IMAGE}
"""
DOTENV = "DB_IMAGE=postgres:16.2\nCACHE_IMAGE=redis:latest\n"


def test_vl104_reads_the_compose_image_from_dotenv(tmp_path: Path) -> None:
    write_repo(tmp_path, {"compose.yaml": COMPOSE, ".env": DOTENV})
    result = lint(tmp_path, Config(), Selection(select=("VL104",)))
    found = [
        (d.rule, d.path, d.line, d.col, d.message, [(e.path, e.line) for e in d.evidence])
        for d in result.diagnostics
    ]
    assert found == [
        (
            "VL104",
            "compose.yaml",
            5,
            12,
            "compose service cache runs redis:latest: a mutable tag",
            [(".env", 2)],
        ),
        ("VL104", "compose.yaml", 7, 12, "compose service web runs nginx: a mutable tag", []),
    ]
