"""The inventory facts (link/inventory.py): kustomizations, patches, Helm values, registry paths,
image positions, service words, schema problems and parse problems, asserted on the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import workspace
from vertice_lint.model.image import image_repository, registry_path
from vertice_lint.model.inventory import (
    ChartImage,
    FileProblem,
    KustomizationFile,
    PatchTarget,
    ResourceEntry,
    SchemaProblem,
)

DEPLOYMENT = (
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata:\n"
    "  name: {name}\n"
    "spec:\n"
    "  selector:\n"
    "    matchLabels: {{app: {name}}}\n"
    "  template:\n"
    "    metadata:\n"
    "      labels: {{app: {name}}}\n"
    "    spec:\n"
    "      containers:\n"
    "        - name: {name}\n"
    "          image: {image}\n"
)
SERVICE = {
    "services/api/Dockerfile": (
        'FROM python:3.12-slim\nCOPY . /app\nCMD ["python", "/app/main.py"]\n'
    ),
    "services/api/main.py": "print('api')\n",
}


# --- kustomizations -----------------------------------------------------------------------------


def test_kustomizations_what_they_list_and_patch(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "k8s/kustomization.yaml": (
                "resources:\n"
                "  - api.yaml\n"
                "  - {path: not-a-string.yaml}\n"
                "  - ../shared/db.yaml\n"
                "patches:\n"
                "  - target: {kind: Deployment, name: api}\n"
                "    patch: |-\n"
                "      - {op: replace, path: /spec/replicas, value: 2}\n"
                "  - target: {name: db}\n"
                "    path: db-patch.yaml\n"
                "  - target: {labelSelector: app=x}\n"  # names no object
                "    path: labelled.yaml\n"
            ),
            "k8s/kustomization.yml": "resources:\n  - api.yaml\n",  # kustomize reads the .yaml
            "k8s/api.yaml": DEPLOYMENT.format(name="api", image="ghcr.io/acme/api:1.0"),
            "shared/db.yaml": DEPLOYMENT.format(name="db", image="postgres:16"),
            "overlay/kustomization.yaml": "---\nnamespace: prod\nresources:\n  - ../k8s\n",
        },
    )
    inv = ws.inventory
    assert inv.kustomizations == (
        KustomizationFile("k8s/kustomization.yaml", "k8s", 0),
        KustomizationFile("overlay/kustomization.yaml", "overlay", 0),
    )
    assert inv.kustomization_in("k8s") == inv.kustomizations[0]
    assert inv.kustomization_in("shared") is None
    assert inv.listed_by("k8s/api.yaml") == (
        ResourceEntry("k8s/kustomization.yaml", 0, 0, "k8s/api.yaml", 2, 5),
        ResourceEntry("k8s/kustomization.yml", 0, 0, "k8s/api.yaml", 2, 5),
    )
    assert inv.listed_by("shared/db.yaml") == (
        ResourceEntry("k8s/kustomization.yaml", 0, 2, "shared/db.yaml", 4, 5),
    )
    assert inv.listed_by("k8s") == (ResourceEntry("overlay/kustomization.yaml", 0, 0, "k8s", 4, 5),)
    assert inv.patch_targets == (
        PatchTarget("k8s/kustomization.yaml", 6, 5, "Deployment", "api"),
        PatchTarget("k8s/kustomization.yaml", 9, 5, "", "db"),
    )
    assert inv.patched_by("Deployment", "api") == inv.patch_targets[:1]
    assert inv.patched_by("StatefulSet", "api") == ()
    assert inv.patched_by("StatefulSet", "db") == inv.patch_targets[1:]


# --- Helm charts' values --------------------------------------------------------------------


def test_images_the_values_of_a_helm_chart_name(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "charts/web/values.yaml": (
                "image:\n"
                "  registry: ghcr.io\n"
                "  repository: acme/Web_Front\n"
                "  tag: 1.0.0\n"
                "sidecarImage: busybox:1.36\n"
                "templatedImage: '{{ .Values.image.repository }}'\n"
                "workers:\n"
                "  - image: {repository: acme/worker}\n"
            ),
            "charts/web/values-prod.yaml": "initImage: ghcr.io/acme/init@sha256:abc\n",
            "charts/web/defaults.yaml": "image: ghcr.io/acme/not-values:1\n",  # not values*
            "charts/web/templates/extra.yaml": "image: ghcr.io/acme/not-a-value:1\n",
            "k8s/values.yaml": "image: ghcr.io/acme/not-a-chart:1\n",  # no Chart.yaml beside it
        },
    )
    assert ws.inventory.chart_images == (
        ChartImage("ghcr.io/acme/init", "init", "charts/web/values-prod.yaml"),
        ChartImage("acme/worker", "worker", "charts/web/values.yaml"),
        ChartImage("busybox", "busybox", "charts/web/values.yaml"),
        ChartImage("ghcr.io/acme/Web_Front", "web-front", "charts/web/values.yaml"),
    )


# --- images: registry paths and where they are written ---------------------------------------


@pytest.mark.parametrize(
    ("ref", "repository", "registry"),
    [
        ("ghcr.io/acme/api:1.2@sha256:abc", "ghcr.io/acme/api", "ghcr.io/acme/"),
        ("localhost:5000/api", "localhost:5000/api", "localhost:5000/"),
        ("registry:5000/team/api:2", "registry:5000/team/api", "registry:5000/team/"),
        ("redis:7", "redis", ""),
    ],
)
def test_image_repository_and_registry_path(ref: str, repository: str, registry: str) -> None:
    assert (image_repository(ref), registry_path(ref)) == (repository, registry)


def test_registry_paths_of_the_images_the_repository_builds(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            **SERVICE,
            "k8s/api.yaml": DEPLOYMENT.format(name="api", image="ghcr.io/acme/api:1.0"),
            "k8s/db.yaml": DEPLOYMENT.format(name="db", image="docker.io/library/postgres:16"),
            "k8s/cache.yaml": DEPLOYMENT.format(name="cache", image="redis:7"),
        },
    )
    registries = ws.inventory.registries
    assert [(r.prefix, r.workload.path, r.container.image) for r in registries] == [
        ("ghcr.io/acme/", "k8s/api.yaml", "ghcr.io/acme/api:1.0"),  # only linked images
    ]
    assert ws.inventory.registry("ghcr.io/acme/") == registries[0]
    assert ws.inventory.registry("docker.io/library/") is None


def test_where_each_workload_writes_its_image(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "k8s/api.yaml": "---\n" + DEPLOYMENT.format(name="api", image="ghcr.io/acme/api:1.0"),
            "compose.yaml": (
                "services:\n"
                "  web:\n"
                "    ports: ['8080:80']\n"
                "    image:   nginx\n"
                "  worker:\n"
                "    build: .\n"
            ),
        },
    )
    by_name = {w.name: w for w in ws.workloads}
    positions = {
        name: ws.inventory.image_position(w, w.containers[0]) for name, w in by_name.items()
    }
    worker = by_name["worker"].containers[0]
    assert positions == {"api": (15, 18), "web": (4, 14), "worker": (5, 3)}
    assert (worker.line, worker.col) == (5, 3)  # no image: the service itself


# --- services ----------------------------------------------------------------------------------


def test_the_words_a_service_is_known_by(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "services/Cart_Service/Dockerfile": "FROM python:3.12\n",
            "shop/checkout.v2/src/Dockerfile": "FROM python:3.12\n",
        },
    )
    assert {s.directory: s.words for s in ws.services} == {
        "services/Cart_Service": frozenset({"cart-service"}),
        "shop/checkout.v2/src": frozenset({"src", "checkout-v2"}),
    }


# --- VL801: schema problems, validated in link --------------------------------------------------

FLUX = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
    "kind: Kustomization\n"
    "metadata:\n"
    "  name: apps\n"
    "  namespace: flux-system\n"
    "spec:\n"
    "  interval: 10m\n"
    "  path: ./apps\n"
    "  prune: true\n"
    "  sourceRef: {kind: GitRepository, name: flux-system}\n"
    "  postBuild:\n"
    "    substitute: {replicas: '2'}\n"
)


def test_schema_problems_of_each_object(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "k8s/cm.yaml": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndataa: {}\n"
                "---\n"
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 3\n"
            ),
            "k8s/secret.yaml": (  # SOPS metadata is removed before applying
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"
                "data: {a: YQ==}\nsops: {version: 3.8.1}\n"
            ),
            "k8s/kustomization.yaml": "resources: [cm.yaml, secret.yaml]\npatches:\n"
            "  - path: patch.yaml\n",
            "k8s/patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nextra: 1\n",
        },
    )
    assert ws.schema_problems == (
        SchemaProblem(
            "k8s/cm.yaml", 5, 1, "ConfigMap", "c", ("dataa",), 'unknown field "dataa"',
            "unknown-field",
        ),
        SchemaProblem(
            "k8s/cm.yaml", 10, 9, "ConfigMap", "3", ("metadata", "name"),
            "expected string, got integer 3", "type",
        ),
    )  # fmt: skip


def test_a_variable_flux_substitutes_is_marked_substituted(tmp_path: Path) -> None:
    deployment = DEPLOYMENT.format(name="api", image="ghcr.io/acme/api:1.0").replace(
        "spec:\n  selector", "spec:\n  replicas: ${replicas}\n  selector", 1
    )
    files = {"clusters/prod/apps.yaml": FLUX, "apps/api.yaml": deployment}
    ws = workspace(tmp_path, files)
    assert [(p.path, p.line, p.at, p.substituted) for p in ws.schema_problems] == [
        ("apps/api.yaml", 6, ("spec", "replicas"), True),
    ]
    without_post_build = FLUX.split("  postBuild:")[0]
    ws = workspace(tmp_path, {"clusters/prod/apps.yaml": without_post_build})
    assert [(p.path, p.substituted) for p in ws.schema_problems] == [("apps/api.yaml", False)]


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
