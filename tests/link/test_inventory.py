"""The inventory facts (link/inventory.py): kustomizations, patches, Helm values, registry paths,
image positions, service words, schema problems and parse problems, asserted on the model."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import workspace
from vertice_lint.model.inventory import FileProblem

# --- VL001: parse problems ---------------------------------------------------------------------


def test_parse_problems_of_every_file(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "svc/requirements.txt": "flask==3.0\n--no-such-option\n",
            "svc/.dockerignore": "!\n",
            "svc/Dockerfile": "FROM python:3.12\n",
        },
    )
    assert [(p.path, p.line, p.col) for p in ws.parse_problems] == [
        ("svc/.dockerignore", 1, 1),
        ("svc/requirements.txt", 2, 1),
    ]
    assert all(isinstance(p, FileProblem) and p.message for p in ws.parse_problems)
