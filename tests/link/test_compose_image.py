"""The image of a compose service as compose computes it: `${VAR}` from the project `.env`."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import workspace
from vertice_lint.model import Written

COMPOSE = """\
services:
  db:
    image: ${DB_IMAGE}
  cache:
    image: "${REGISTRY}/cache:${CACHE_TAG}"
  web:
    image: ${WEB_IMAGE:-nginx:1.27}
  job:
    image: ${JOB_IMAGE}
  plain:
    image: busybox:1.36
"""
DOTENV = """\
# images
DB_IMAGE=postgres:16.2
export REGISTRY=ghcr.io/acme
CACHE_TAG="7.2"  # quoted
"""


def test_compose_image_is_interpolated_from_the_project_dotenv(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"deploy/compose.yaml": COMPOSE, "deploy/.env": DOTENV})
    found = {
        w.name: (c.image, c.image_env_at)
        for w in ws.workloads
        if w.kind == "compose"
        for c in w.containers
    }
    env = "deploy/.env"
    assert found == {
        "db": ("postgres:16.2", (Written(env, 2, 1, None, ()),)),
        "cache": (
            "ghcr.io/acme/cache:7.2",
            (Written(env, 3, 1, None, ()), Written(env, 4, 1, None, ())),
        ),
        "web": ("nginx:1.27", ()),
        "job": ("${JOB_IMAGE}", ()),  # no value known: as written
        "plain": ("busybox:1.36", ()),
    }


def test_a_dotenv_elsewhere_is_not_read(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"deploy/compose.yaml": COMPOSE, ".env": DOTENV})
    (db,) = [c for w in ws.workloads if w.name == "db" for c in w.containers]
    assert (db.image, db.image_env_at) == ("${DB_IMAGE}", ())
