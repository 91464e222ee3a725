"""The inventory facts (link/inventory.py): kustomizations, patches, Helm values, registry paths,
image positions, service words, schema problems and parse problems, asserted on the model."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import workspace
from vertice_lint.model.inventory import FileProblem, SchemaProblem

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
