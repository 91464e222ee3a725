"""False positives of VL104, VL801 and the Dockerfile rules on images a deploy tool retags,
fill-in placeholders and archive folders (issue 11)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint_rule, lint_rules, write_repo

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {{app: api}}
  template:
    metadata:
      labels: {{app: api}}
    spec:
      containers:
        - name: api
          image: {image}
"""


def _ids(found: list[tuple[str, str, int, int, str]]) -> list[tuple[str, str, int]]:
    return [(rule, path, line) for rule, path, line, _, _ in found]


def test_a_skaffold_artifact_in_a_manifest_skaffold_deploys_is_not_mutable(
    tmp_path: Path,
) -> None:
    write_repo(
        tmp_path,
        {
            "skaffold.yaml": (
                "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n"
                "    - image: api\n      context: src/api\n"
                "manifests:\n  rawYaml:\n    - k8s/api.yaml\n"
            ),
            "src/api/Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-V"]\n',
            "k8s/api.yaml": DEPLOYMENT.format(image="api"),
            # not deployed by skaffold: skaffold does not rewrite it
            "other/api.yaml": DEPLOYMENT.format(image="api"),
        },
    )
    assert _ids(lint_rule(tmp_path, "VL104")) == [("VL104", "other/api.yaml", 14)]


def test_skaffold_kustomize_paths_and_legacy_kubectl_manifests(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "skaffold.yaml": (
                "apiVersion: skaffold/v2beta29\nkind: Config\nbuild:\n  artifacts:\n"
                "    - image: web\n    - image: worker\n"
                "deploy:\n  kubectl:\n    manifests:\n      - jobs/*.yaml\n"
                "---\n"
                "apiVersion: skaffold/v3\nkind: Config\n"
                "manifests:\n  kustomize:\n    paths:\n      - deploy\n"
            ),
            "deploy/kustomization.yaml": "resources:\n  - web.yaml\n",
            "deploy/web.yaml": DEPLOYMENT.format(image="web"),
            "jobs/worker.yaml": DEPLOYMENT.format(image="worker:latest"),
            "jobs/cache.yaml": DEPLOYMENT.format(image="redis"),  # no artifact: mutable
        },
    )
    assert _ids(lint_rule(tmp_path, "VL104")) == [("VL104", "jobs/cache.yaml", 14)]


def test_placeholder_images_are_not_image_references(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "k8s/a.yaml": DEPLOYMENT.format(image="<YOUR-CONTAINER>"),
            "k8s/b.yaml": DEPLOYMENT.format(image='"<image_url>"'),
            "k8s/c.yaml": DEPLOYMENT.format(image="REPLACE_ME"),
            "k8s/d.yaml": DEPLOYMENT.format(image="nginx"),
        },
    )
    assert _ids(lint_rule(tmp_path, "VL104")) == [("VL104", "k8s/d.yaml", 14)]


PV = """\
apiVersion: v1
kind: PersistentVolume
metadata:
  name: disk
spec:
  capacity:
    storage: 1Gi
  accessModes: [ReadWriteOnce]
  fc:
    targetWWNs: ["<PUT WWN HERE>"]
    lun: {lun}
"""


def test_a_fill_in_placeholder_is_not_a_schema_error(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "k8s/pv.yaml": PV.format(lun="<ADD THE LUN ID>"),
            "k8s/pv2.yaml": PV.format(lun="<your-lun>").replace("name: disk", "name: disk2"),
            "k8s/pv3.yaml": PV.format(lun='"3"').replace("name: disk", "name: disk3"),
        },
    )
    assert _ids(lint_rule(tmp_path, "VL801")) == [("VL801", "k8s/pv3.yaml", 11)]


def test_an_underscore_archive_folder_builds_nothing(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "_archived/web/Dockerfile": (
                "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n"
            ),
            "web/Dockerfile": "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
        },
    )
    found = _ids(lint_rules(tmp_path, "VL701", "VL104"))
    assert found == [("VL701", "web/Dockerfile", 2)]
