"""The pre-commit hook, run by the real `pre-commit` on a temporary git repository: a commit
that deletes a service's source reports the Deployment it orphans (VL101), one that removes
an env entry from a Deployment reports the crash in the code that reads it (VL401), though
neither finding is in a file the commit passes; findings the commit did not cause stay out."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import git

pytest.importorskip("pre_commit")

_DOCKERFILE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n'
_MAIN = 'import os\n\nprint(os.environ["DATABASE_URL"])\n'


def _deployment(name: str) -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n"
        f"  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n"
        f"      labels: {{app: {name}}}\n    spec:\n      containers:\n"
        f"        - name: {name}\n          image: ghcr.io/acme/{name}:1.0.0\n"
        '          env:\n            - {name: DATABASE_URL, value: "postgres://db/app"}\n'
    )


def _hook_config() -> str:
    # the hook of .pre-commit-hooks.yaml, run from this checkout (language: system)
    entry = f"{sys.executable} -m vertice_lint check --pre-commit --no-cache"
    return (
        "repos:\n  - repo: local\n    hooks:\n      - id: vertice-lint\n"
        "        name: vertice-lint\n"
        f"        entry: {entry}\n"
        "        language: system\n        pass_filenames: true\n"
        "        types_or: [python, yaml, dockerfile, toml, text]\n"
        "        always_run: true\n        require_serial: true\n"
    )


def _pre_commit(root: Path, home: Path) -> tuple[int, str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run"],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name in ("svc-a", "svc-b"):
        (root / name).mkdir(parents=True)
        (root / name / "Dockerfile").write_text(_DOCKERFILE)
        (root / name / "main.py").write_text(_MAIN)
        (root / "k8s").mkdir(exist_ok=True)
        (root / "k8s" / f"{name}.yaml").write_text(_deployment(name))
    (root / "k8s/kustomization.yaml").write_text("resources: [svc-a.yaml, svc-b.yaml]\n")
    (root / ".pre-commit-config.yaml").write_text(_hook_config())
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "two services")
    return root


def test_deleting_a_service_reports_the_deployment_it_orphans(repo: Path, tmp_path: Path) -> None:
    shutil.rmtree(repo / "svc-a")
    git(repo, "add", "-A")
    code, out = _pre_commit(repo, tmp_path / "home")
    assert code == 1, out
    assert "k8s/svc-a.yaml:14:18: VL101 Deployment svc-a runs ghcr.io/acme/svc-a:1.0.0" in out


def test_removing_an_env_entry_reports_the_crash_it_causes(repo: Path, tmp_path: Path) -> None:
    manifest = repo / "k8s/svc-b.yaml"
    lines = manifest.read_text().splitlines(keepends=True)
    manifest.write_text("".join(lines[:-2]))  # `env:` and its entry gone
    git(repo, "add", "-A")
    code, out = _pre_commit(repo, tmp_path / "home")
    assert code == 1, out
    assert "svc-b/main.py:3:" in out and "VL401" in out
    assert "svc-a" not in out  # the other service's findings are not this commit's


def test_a_commit_that_breaks_nothing_passes(repo: Path, tmp_path: Path) -> None:
    (repo / "svc-a/main.py").write_text(_MAIN + "print('ready')\n")
    git(repo, "add", "-A")
    code, out = _pre_commit(repo, tmp_path / "home")
    assert code == 0, out
