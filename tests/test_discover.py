import subprocess
from pathlib import Path

import pytest

from vertice_lint.discover import Kind, classify, discover, is_dockerfile_variant, looks_stale


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("Dockerfile", Kind.DOCKERFILE),
        ("svc/Containerfile", Kind.DOCKERFILE),
        ("svc/Dockerfile.prod", Kind.DOCKERFILE),
        ("svc/api.Dockerfile", Kind.DOCKERFILE),
        ("svc/.dockerignore", Kind.DOCKERIGNORE),
        ("requirements.txt", Kind.REQUIREMENTS),
        ("svc/requirements-dev.txt", Kind.REQUIREMENTS),
        ("svc/dev-requirements.txt", Kind.REQUIREMENTS),
        ("requirements/base.txt", Kind.REQUIREMENTS),
        ("constraints.txt", Kind.REQUIREMENTS),
        ("requirements.txt.bak", Kind.OTHER),
        ("notes.txt", Kind.OTHER),
        ("pyproject.toml", Kind.PYPROJECT),
        ("uv.lock", Kind.LOCKFILE),
        ("poetry.lock", Kind.LOCKFILE),
        ("svc/main.py", Kind.PYTHON),
        ("docker-compose.yml", Kind.COMPOSE),
        ("deploy/docker-compose.prod.yaml", Kind.COMPOSE),
        ("compose.yaml", Kind.COMPOSE),
        ("k8s/kustomization.yaml", Kind.KUSTOMIZATION),
        ("k8s/deploy.yaml", Kind.YAML),
        ("charts/api/Chart.yaml", Kind.HELM_CHART),
        ("README.md", Kind.OTHER),
        ("bin/docker-entrypoint-web", Kind.TEXT),
        ("svc/start.sh", Kind.TEXT),
        ("alembic.ini", Kind.TEXT),
        (".env.production", Kind.TEXT),
        (".gitignore", Kind.OTHER),
    ],
)
def test_classify(path: str, kind: Kind) -> None:
    assert classify(path) is kind


def test_helm_templates_are_not_yaml() -> None:
    assert classify("charts/api/templates/deploy.yaml", ["charts/api"]) is Kind.HELM_TEMPLATE
    assert classify("charts/api/values.yaml", ["charts/api"]) is Kind.YAML


@pytest.mark.parametrize(
    ("name", "variant", "stale"),
    [
        ("Dockerfile", False, False),
        ("Dockerfile.prod", True, False),
        ("Dockerfile.old", True, True),
        ("Dockerfile.backup_2", True, True),
        ("Dockerfile.bak", True, True),
        ("Dockerfile~", True, True),
    ],
)
def test_dockerfile_variants(name: str, variant: bool, stale: bool) -> None:
    # "Dockerfile~" is no Dockerfile name at all; it only looks stale.
    assert is_dockerfile_variant(name) is (variant and name != "Dockerfile~")
    assert looks_stale(name) is stale


def _tree(root: Path) -> None:
    for rel in (
        "svc/main.py",
        "svc/Dockerfile",
        "node_modules/x/a.py",
        ".venv/lib/b.py",
        "k8s/a.yaml",
    ):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n")


def test_walk_skips_default_excludes(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert [f.path for f in discover(tmp_path)] == ["k8s/a.yaml", "svc/Dockerfile", "svc/main.py"]


def test_exclude_patterns(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert [f.path for f in discover(tmp_path, ["k8s/"])] == ["svc/Dockerfile", "svc/main.py"]


def test_git_checkout_lists_tracked_and_untracked_not_ignored(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / ".gitignore").write_text("k8s/\nnode_modules/\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "svc/main.py"], check=True)
    paths = [f.path for f in discover(tmp_path)]
    # tracked, untracked-but-not-ignored; ignored k8s/ and default-excluded .venv are gone
    assert paths == [".gitignore", "svc/Dockerfile", "svc/main.py"]
