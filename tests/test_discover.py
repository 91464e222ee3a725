import subprocess
from pathlib import Path

import pytest

from tests.helpers import lint_rules, write_repo
from vertice_lint.cli import _git_toplevel
from vertice_lint.discover import (
    Kind,
    classify,
    discover,
    is_dockerfile_variant,
    looks_stale,
    unbuilt_folder,
)


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
        ("svc/requirements_backup.txt", Kind.OTHER),
        ("svc/requirements-old.txt", Kind.OTHER),
        ("svc/requirements-backend.txt", Kind.REQUIREMENTS),
        ("notes.txt", Kind.OTHER),
        ("pyproject.toml", Kind.PYPROJECT),
        ("uv.lock", Kind.LOCKFILE),
        ("poetry.lock", Kind.LOCKFILE),
        ("svc/main.py", Kind.PYTHON),
        ("docker-compose.yml", Kind.COMPOSE),
        ("deploy/docker-compose.prod.yaml", Kind.COMPOSE),
        ("compose.yaml", Kind.COMPOSE),
        ("k8s/kustomization.yaml", Kind.KUSTOMIZATION),
        ("k8s/a.yaml", Kind.YAML),
        ("charts/api/Chart.yaml", Kind.HELM_CHART),
        ("README.md", Kind.OTHER),
        ("bin/docker-entrypoint-web", Kind.TEXT),
        ("svc/start.sh", Kind.TEXT),
        ("alembic.ini", Kind.TEXT),
        (".env.production", Kind.TEXT),
        (".gitignore", Kind.TEXT),
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
        ("Dockerfile_backup", True, True),
        ("Dockerfile-bak-2", True, True),
        ("Dockerfile-backend", True, False),
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


HOSTILE_CONFIG = {
    "core.fsmonitor": "{hook}",
    "core.pager": "{hook}",
    "core.sshCommand": "{hook}",
    "diff.external": "{hook}",
    "core.hooksPath": "{hooks}",
}


def test_a_hostile_git_config_runs_nothing(tmp_path: Path) -> None:
    """A checkout whose .git/config names programs: listing its files runs none of them."""
    repo = tmp_path / "repo"
    _tree(repo)
    marker = tmp_path / "PWNED"
    hook = tmp_path / "hook.sh"
    hook.write_text(f'#!/bin/sh\necho ran >> "{marker}"\nexit 1\n')
    hook.chmod(0o755)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in ("post-index-change", "reference-transaction", "fsmonitor-watchman"):
        (hooks / name).write_text(hook.read_text())
        (hooks / name).chmod(0o755)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "svc/main.py"], check=True)
    for key, value in HOSTILE_CONFIG.items():
        value = value.format(hook=hook, hooks=hooks)
        subprocess.run(["git", "-C", str(repo), "config", key, value], check=True)
    # the hostile config is live: plain git runs the fsmonitor hook
    subprocess.run(["git", "-C", str(repo), "ls-files"], capture_output=True, check=False)
    assert marker.exists()
    marker.unlink()

    paths = [f.path for f in discover(repo)]
    assert _git_toplevel(repo) == repo.resolve()

    assert not marker.exists()
    assert paths == ["k8s/a.yaml", "svc/Dockerfile", "svc/main.py"]


def test_inherited_git_variables_do_not_reach_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIT_DIR or GIT_CONFIG_PARAMETERS in the caller's environment cannot redirect git."""
    repo = tmp_path / "repo"
    _tree(repo)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    marker = tmp_path / "PWNED"
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'core.fsmonitor'='touch {marker}'")
    assert [f.path for f in discover(repo)] == ["k8s/a.yaml", "svc/Dockerfile", "svc/main.py"]
    assert not marker.exists()


@pytest.mark.parametrize(
    ("path", "folder"),
    [
        ("svc/.migration_backup/20251031_195305/Dockerfile", "svc/.migration_backup"),
        ("web-backup-2025-11-15/Dockerfile", "web-backup-2025-11-15"),
        ("backups/api/Dockerfile", "backups"),
        ("svc/old/Dockerfile", "svc/old"),
        ("archive/api/Dockerfile", "archive"),
        ("svc/20251031_195305/Dockerfile", "svc/20251031_195305"),
        ("svc/2024-01-02/Dockerfile", "svc/2024-01-02"),
        ("svc/api.old/Dockerfile", "svc/api.old"),
        ("svc/api_old/Dockerfile", "svc/api_old"),
        (".archive/api/Dockerfile", ".archive"),
        ("_archived/web/Dockerfile", "_archived"),
        ("examples/_old/api/Dockerfile", "examples/_old"),
        ("_archive/Dockerfile", "_archive"),
        ("deprecated/api/Dockerfile", None),  # may still be built and deployed
        ("_internal/Dockerfile", None),
        ("svc/Dockerfile", None),
        ("backup-service/Dockerfile", None),  # a live service that makes backups
        ("services/db-backup-job/Dockerfile", None),
        ("golden/Dockerfile", None),
        ("v1.2/Dockerfile", None),
        (".github/actions/lint/Dockerfile", None),  # a Docker container action
        (".devcontainer/Dockerfile", None),
    ],
)
def test_unbuilt_folder(path: str, folder: str | None) -> None:
    found = unbuilt_folder(path)
    assert (found[0] if found else None) == folder


def test_a_backup_copy_of_a_requirements_file_is_no_requirements_file(tmp_path: Path) -> None:
    # VL303 (a requirements file no image installs) is about live files, not their backups
    files = {
        "svc/Dockerfile": (
            "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
            'COPY . .\nCMD ["python", "main.py"]\n'
        ),
        "svc/main.py": "import flask\n",
        "svc/requirements.txt": "flask==3.0.3\n",
        "svc/requirements_backup.txt": "flask==2.0.0\nrequests==2.0.0\n",
        "svc/requirements-unused.txt": "flask==2.0.0\n",
    }
    write_repo(tmp_path, files)
    assert [f[:3] for f in lint_rules(tmp_path, "VL303")] == [
        ("VL303", "svc/requirements-unused.txt", 1)
    ]
