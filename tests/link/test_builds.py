"""Which Dockerfiles are images: folders nothing builds, variants only a build that runs names
(link/builds.py and the image selection of link/workspace.py)."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from tests.helpers import lint_rules, workspace, write_repo
from vertice_lint.diagnostics import Evidence
from vertice_lint.link.builds import build_not_run

APP = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD python main.py\n"


def _files(files: dict[str, str]) -> dict[str, str]:
    return {rel: dedent(text).lstrip("\n") for rel, text in files.items()}


def test_dockerfiles_in_folders_nothing_builds_are_not_images(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        _files(
            {
                "api/Dockerfile": APP,
                "api/.snapshots/Dockerfile": APP,
                "api/.snapshots/Dockerfile.prod": APP,
                "api/backup/Dockerfile": APP,
                "old/worker/Dockerfile": APP,
                "web/2024-01-02/Dockerfile": APP,
                "jobs/20240102_101500/Dockerfile": APP,
                "jobs/20240102_101500/build.sh": "docker build -t jobs .\n",
                "archive/legacy/Dockerfile": APP,
                "archive/legacy/compose.yaml": "services:\n  legacy:\n    build: .\n",
                # a live service that does backups: its name is no backup folder
                "backup-service/Dockerfile": APP,
                # a Dockerfile of a folder nothing builds that a build that runs names is one
                "tools/.docker/Dockerfile": APP,
                "compose.yaml": """
                    services:
                      tools:
                        build: {context: tools, dockerfile: .docker/Dockerfile}
                """,
            }
        ),
    )
    assert [i.key for i in ws.images] == [
        "api/Dockerfile@api",
        "backup-service/Dockerfile@backup-service",
        "tools/.docker/Dockerfile@tools",
    ]
    assert ws.stale_dockerfiles == (
        "api/.snapshots/Dockerfile",
        "api/.snapshots/Dockerfile.prod",
        "api/backup/Dockerfile",
        "archive/legacy/Dockerfile",
        "jobs/20240102_101500/Dockerfile",
        "old/worker/Dockerfile",
        "web/2024-01-02/Dockerfile",
    )
    # one note per folder, saying why, and naming the builds that do not run
    assert [n for n in ws.notes if "Dockerfile in it" in n] == [
        "api/.snapshots/: a hidden folder, and no build that runs names a Dockerfile in it:"
        " its 2 Dockerfiles are not treated as images (Dockerfile, Dockerfile.prod)",
        "api/backup/: a backup folder, and no build that runs names a Dockerfile in it:"
        " its 1 Dockerfile is not treated as an image (Dockerfile)",
        "archive/: an archive folder, and no build that runs names a Dockerfile in it (named"
        " only where no build runs: archive/legacy/compose.yaml:2: it is in archive/, an"
        " archive folder nothing builds): its 1 Dockerfile is not treated as an image"
        " (legacy/Dockerfile)",
        "jobs/20240102_101500/: a timestamped snapshot folder, and no build that runs names a"
        " Dockerfile in it (named only where no build runs: jobs/20240102_101500/build.sh:1:"
        " it is in jobs/20240102_101500/, a timestamped snapshot folder nothing builds): its 1"
        " Dockerfile is not treated as an image (Dockerfile)",
        "old/: an archive folder, and no build that runs names a Dockerfile in it: its 1"
        " Dockerfile is not treated as an image (worker/Dockerfile)",
        "web/2024-01-02/: a timestamped snapshot folder, and no build that runs names a"
        " Dockerfile in it: its 1 Dockerfile is not treated as an image (Dockerfile)",
    ]


def test_crash_rules_report_nothing_from_a_backup_copy_of_a_service(tmp_path: Path) -> None:
    """A backup of a service, next to it: its Dockerfile installs its own requirements and
    copies a file that is gone. Read as an image it would report a missing requirement for the
    code it runs (VL301, its fix target the backup's requirements) and the COPY (VL702)."""
    write_repo(
        tmp_path,
        {
            "svc/Dockerfile": (
                "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
                "RUN pip install -r requirements.txt\nCOPY main.py .\nCMD python main.py\n"
            ),
            "svc/requirements.txt": "httpx==0.27.0\n",
            "svc/main.py": "import httpx\n",
            "svc/.migration_backup/20250101_120000/Dockerfile": (
                "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
                "RUN pip install -r requirements.txt\nCOPY main.py gone.py ./\n"
                "CMD python main.py\n"
            ),
            "svc/.migration_backup/20250101_120000/requirements.txt": "requests==2.32.0\n",
            "svc/.migration_backup/20250101_120000/main.py": "import httpx\n",
        },
    )
    assert lint_rules(tmp_path, "VL301", "VL304", "VL305", "VL702") == []
    # and the backup is no service of its own that no workload runs
    assert [d[1] for d in lint_rules(tmp_path, "VL102")] == ["svc/Dockerfile"]


def test_a_variant_named_only_by_a_workflow_github_does_not_run_is_no_image(
    tmp_path: Path,
) -> None:
    def build(f: str, n: str, c: str) -> str:
        return f"jobs:\n  b:\n    steps:\n      - run: docker build -f {f} -t acme/{n} {c}\n"

    ws = workspace(
        tmp_path,
        {
            "api/Dockerfile": APP,
            "api/Dockerfile.production": APP,
            # a service's own workflow folder: GitHub runs only the root's workflows
            "api/.github/workflows/ci.yml": build(f="Dockerfile.production", n="api", c="."),
            "web/Dockerfile.prod": APP,
            ".github/workflows/templates/web.yml": build(f="web/Dockerfile.prod", n="web", c="web"),
            "worker/Dockerfile.prod": APP,
            ".github/workflows/worker.old.yml": build(
                f="worker/Dockerfile.prod", n="worker", c="worker"
            ),
            "batch/Dockerfile.prod": APP,
            ".github/workflows/batch.yml.disabled": build(
                f="batch/Dockerfile.prod", n="batch", c="batch"
            ),
            # a workflow run only by hand still runs
            "cron/Dockerfile.prod": APP,
            ".github/workflows/cron.yml": "on: workflow_dispatch\n"
            + build(f="cron/Dockerfile.prod", n="cron", c="cron"),
        },
    )
    assert [(i.key, i.names) for i in ws.images] == [
        ("api/Dockerfile@api", ()),
        ("cron/Dockerfile.prod@cron", ("acme/cron",)),
    ]
    assert ws.stale_dockerfiles == (
        "api/Dockerfile.production",
        "batch/Dockerfile.prod",
        "web/Dockerfile.prod",
        "worker/Dockerfile.prod",
    )
    not_run = " (it runs only the repository root's .github/workflows/*.yml)"
    assert [n for n in ws.notes if "variant" in n] == [
        "api/Dockerfile.production: Dockerfile variant that no compose file, workflow or"
        " config references (named only where no build runs: api/.github/workflows/ci.yml:4:"
        f" a workflow GitHub does not run{not_run}): not treated as an image",
        "batch/Dockerfile.prod: Dockerfile variant that no compose file, workflow or config"
        " references: not treated as an image",
        "web/Dockerfile.prod: Dockerfile variant that no compose file, workflow or config"
        " references (named only where no build runs: .github/workflows/templates/web.yml:4:"
        f" a workflow GitHub does not run{not_run}): not treated as an image",
        "worker/Dockerfile.prod: Dockerfile variant that no compose file, workflow or config"
        " references (named only where no build runs: .github/workflows/worker.old.yml:4:"
        " its name marks a stale copy): not treated as an image",
    ]


def test_cloud_build_steps_build_images(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        _files(
            {
                "api/Dockerfile.prod": APP,
                "api/cloudbuild.yaml": """
                    steps:
                      - name: gcr.io/cloud-builders/docker
                        args: [build, -t, us-docker.pkg.dev/acme/api:1, -f, Dockerfile.prod, .]
                      - name: gcr.io/cloud-builders/docker
                        args: [push, us-docker.pkg.dev/acme/api:1]
                """,
                "worker/Dockerfile": APP,
                "cloudbuild.yaml": """
                    steps:
                      - name: gcr.io/cloud-builders/docker
                        dir: worker
                        args: ['build', '-t', 'us-docker.pkg.dev/acme/worker:1', '.']
                """,
            }
        ),
    )
    assert [(i.key, i.names, i.link.evidence) for i in ws.images] == [
        (
            "api/Dockerfile.prod@api",
            ("us-docker.pkg.dev/acme/api",),
            (
                Evidence(
                    "api/cloudbuild.yaml",
                    2,
                    5,
                    "a Cloud Build step builds api/Dockerfile.prod with context api",
                ),
            ),
        ),
        (
            "worker/Dockerfile@worker",
            ("us-docker.pkg.dev/acme/worker",),
            (
                Evidence(
                    "cloudbuild.yaml",
                    2,
                    5,
                    "a Cloud Build step builds worker/Dockerfile with context worker",
                ),
            ),
        ),
    ]


def test_build_not_run() -> None:
    assert build_not_run(".github/workflows/ci.yml") is None
    assert build_not_run("Makefile") is None
    assert build_not_run("svc/scripts/build.sh") is None
    assert build_not_run("svc/.github/workflows/ci.yml") is not None
    assert build_not_run(".github/workflows/sub/ci.yml") is not None
    assert build_not_run("backup/build.sh") is not None
    assert build_not_run(".github/workflows/ci.old.yml") is not None


def test_a_build_push_action_tag_written_as_an_expression_names_no_image(tmp_path: Path) -> None:
    workflow = """
        on: push
        jobs:
          image:
            runs-on: ubuntu-latest
            steps:
              - uses: docker/build-push-action@v5
                with:
                  context: api
                  tags: ${{ steps.meta.outputs.tags }}
              - uses: docker/build-push-action@v5
                with:
                  context: worker
                  tags: ghcr.io/acme/worker:${{ github.sha }}, ghcr.io/acme/worker:latest
    """
    files = {"api/Dockerfile": APP, "worker/Dockerfile": APP, ".github/workflows/ci.yml": workflow}
    ws = workspace(tmp_path, _files(files))
    assert [(i.key, i.names) for i in ws.images] == [
        ("api/Dockerfile@api", ()),
        ("worker/Dockerfile@worker", ("ghcr.io/acme/worker",)),
    ]


def test_a_script_build_whose_dockerfile_names_a_variable_gives_its_context(
    tmp_path: Path,
) -> None:
    # `docker build -f "gen/$1/Dockerfile" .` in a shell function: every Dockerfile the pattern
    # matches (the variable as one path segment) is built from the script's directory
    root = write_repo(
        tmp_path,
        _files(
            {
                "build-all.sh": """
                    #!/bin/sh
                    gen() {
                      docker build -f "gen/$1/Dockerfile" -t "$1-gen" .
                    }
                    gen api
                """,
                "gen/api/Dockerfile": "FROM alpine\nCOPY proto/api.proto /p/\n",
                "gen/api/nested/x/Dockerfile": "FROM alpine\nCOPY here.txt /h\n",
                "gen/api/nested/x/here.txt": "",
                "proto/api.proto": "",
            }
        ),
    )
    ws = workspace(root)
    assert [(i.key, i.link.evidence) for i in ws.images] == [
        (
            "gen/api/Dockerfile@.",
            (Evidence("build-all.sh", 3, 3, "builds gen/api/Dockerfile with context ."),),
        ),
        ("gen/api/nested/x/Dockerfile@gen/api/nested/x", ()),
    ]
    assert lint_rules(root, "VL702") == []


def test_a_dockerfile_no_build_names_written_for_the_repository_root(tmp_path: Path) -> None:
    # no build names svc/Dockerfile and its sources are repository-root paths: the context is
    # not its folder; the image is read from the root and VL702 stays silent (a note says why)
    files = _files(
        {
            "svc/Dockerfile": """
                FROM python:3.12-slim
                WORKDIR /app
                COPY svc/requirements.txt .
                COPY svc/app/ /app/app/
                COPY svc/local.env /app/.env
                CMD ["python", "-m", "app.main"]
            """,
            "svc/requirements.txt": "",
            "svc/app/main.py": "print(1)\n",
            "own/Dockerfile": "FROM alpine\nCOPY own/x.txt /x\nCOPY y.txt /y\n",
            "own/y.txt": "",
            "own/x.txt": "",
        }
    )
    root = write_repo(tmp_path, files)
    ws = workspace(root)
    assert [i.key for i in ws.images] == ["own/Dockerfile@own", "svc/Dockerfile@."]
    svc = ws.images[1]
    assert svc.contents is not None and "/app/app/main.py" in svc.contents.fs.files
    assert lint_rules(root, "VL702", "VL204") == [
        (
            "VL702",
            "own/Dockerfile",
            2,
            6,
            "COPY source `own/x.txt` matches nothing in the build context `own`",
        )
    ]
