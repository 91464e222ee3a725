"""VL101-VL107 on the example monorepo: exact findings, and the unsafe fixes' exact output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import lint_rule, workspace, write_repo
from vertice_lint.cli import cli
from vertice_lint.config import Config
from vertice_lint.engine import Selection, lint

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "monorepo"


def test_example_inventory() -> None:
    result = lint(EXAMPLE, Config(), Selection(select=("VL1",)))
    found = [(d.rule, d.path, d.line, d.col, d.message) for d in result.diagnostics]
    assert (
        "VL101",
        "k8s/base/command-bus-service.yaml",
        17,
        18,
        "Deployment command-bus-service runs ghcr.io/vertice/command-bus-service:1.4.2, an"
        " image of this repository (ghcr.io/vertice/) that no Dockerfile here builds: its"
        " source is gone",
    ) in found
    assert (
        "VL102",
        "services/narrative_digest_service/Dockerfile",
        9,
        5,
        "service narrative_digest_service (services/narrative_digest_service/) builds an"
        " image that no workload of a sync root runs",
    ) in found
    assert (
        "VL103",
        "k8s/overlays/prod/kustomization.yaml",
        19,
        9,
        "Deployment tegumentar-service is scaled to zero: it runs no pod",
    ) in found
    assert (
        "VL106",
        "k8s/base/vertice-register.yaml",
        20,
        23,
        "Deployment vertice-register container register envFrom: Secret vertice-register-env"
        " is defined nowhere in this repository",
    ) in [(r, p, line, c, m.split(" (")[0].split(";")[0]) for r, p, line, c, m in found]
    assert {rule for rule, *_ in found} <= {"VL101", "VL102", "VL103", "VL104", "VL106"}
    assert result.internal_errors == ()


def test_unsafe_fixes_remove_the_orphan_and_deploy_the_service(tmp_path: Path) -> None:
    root = tmp_path / "monorepo"
    shutil.copytree(EXAMPLE, root)
    kustomization = (root / "k8s/base/kustomization.yaml").read_text()
    args = [str(root), "--select", "VL101,VL102", "--fix", "--unsafe-fixes"]
    CliRunner().invoke(cli, args, catch_exceptions=False)
    assert not (root / "k8s/base/command-bus-service.yaml").exists()
    after = (root / "k8s/base/kustomization.yaml").read_text()
    expected = kustomization.replace(
        "  - command-bus-service.yaml   # orphan: services/command_bus_service was deleted\n", ""
    )
    assert after.startswith(expected)  # the orphan's entry is gone, nothing else changed
    assert "  - narrative-digest-service.yaml\n" in after[len(expected) :]
    written = (root / "k8s/base/narrative-digest-service.yaml").read_text()
    assert "containerPort: 8200\n" in written  # the Dockerfile's --port
    assert "              path: /health\n" in written  # the app's route
    assert "image: ghcr.io/vertice/narrative-digest-service:unreleased" in written
    # the written manifests pass every rule, VL801 and the opt-in hygiene rules included
    result = lint(root, Config(), Selection(select=("ALL",)))
    assert [d for d in result.diagnostics if "narrative-digest-service" in d.path] == []
    assert not [d for d in result.diagnostics if d.rule in ("VL101",)]


def test_required_env_from_the_one_secret(tmp_path: Path) -> None:
    files = {
        "services/api/Dockerfile": (
            'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "main.py"]\n'
        ),
        "services/api/main.py": "print('api')\n",
        "services/worker/Dockerfile": (
            "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nUSER 1000\n"
            'CMD ["uvicorn", "main:app", "--port", "9000"]\n'
        ),
        "services/worker/main.py": (
            "import os\n\nfrom fastapi import FastAPI\n\nTOKEN = os.environ['API_TOKEN']\n"
            "app = FastAPI()\n"
        ),
        "k8s/kustomization.yaml": "resources:\n  - api.yaml\n",
        "k8s/api.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n"
            "  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n"
            "      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n"
            "          image: ghcr.io/acme/api:1.0.0\n"
            "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: tokens\n"
            "stringData:\n  API_TOKEN: sealed\n"
        ),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    [diag] = lint(tmp_path, Config(), Selection(select=("VL102",))).diagnostics
    assert diag.fix is not None
    created = next(e for e in diag.fix.edits if e.create)
    assert created.path == "k8s/worker.yaml"
    assert (
        "          env:\n"
        "            - name: API_TOKEN\n"
        "              valueFrom:\n"
        "                secretKeyRef:\n"
        "                  name: tokens\n"
        "                  key: API_TOKEN\n"
        "          readinessProbe:\n"
        "            tcpSocket:\n"
        "              port: http\n"
    ) in created.replacement
    assert "runAsUser" not in created.replacement  # the image has a USER


def test_secrets_made_by_operators_and_helm_releases_are_defined(tmp_path: Path) -> None:
    pod = (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata: {name: web, namespace: web}\n"
        "spec:\n"
        "  containers:\n"
        "    - name: web\n"
        "      image: ghcr.io/acme/web:1.0.0\n"
        "      envFrom:\n"
        "        - secretRef: {name: web-sealed}\n"
        "        - secretRef: {name: web-db-postgresql}\n"
        "        - secretRef: {name: nowhere}\n"
        "        - secretRef: {name: pg-app}\n"
        "  volumes:\n"
        "    - {name: tls, secret: {secretName: web-tls}}\n"
    )
    makers = (
        "apiVersion: bitnami.com/v1alpha1\n"
        "kind: SealedSecret\n"
        "metadata: {name: web-sealed, namespace: web}\n"
        "spec: {encryptedData: {A: x}}\n"
        "---\n"
        "apiVersion: cert-manager.io/v1\n"
        "kind: Certificate\n"
        "metadata: {name: web, namespace: web}\n"
        "spec: {secretName: web-tls, issuerRef: {name: le}}\n"
        "---\n"
        "apiVersion: helm.toolkit.fluxcd.io/v2\n"
        "kind: HelmRelease\n"
        "metadata: {name: web-db, namespace: web}\n"
        "spec: {chart: {spec: {chart: postgresql}}}\n"
        "---\n"
        "apiVersion: postgresql.cnpg.io/v1\n"
        "kind: Cluster\n"
        "metadata: {name: pg, namespace: web}\n"
        "spec: {instances: 1}\n"
    )
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_text(pod)
    (tmp_path / "k8s" / "makers.yaml").write_text(makers)
    result = lint(tmp_path, Config(), Selection(select=("VL106",)))
    assert [(d.path, d.line) for d in result.diagnostics] == [("k8s/pod.yaml", 11)]
    assert "Secret nowhere is defined nowhere" in result.diagnostics[0].message


def test_service_deployed_by_a_helm_chart_is_not_undeployed(tmp_path: Path) -> None:
    """Templates are not rendered, but a chart's values naming the image count as deploying
    it (by registry path or by the service directory's name)."""
    files = {
        "services/api/Dockerfile": 'FROM python:3.11-slim\nCMD ["python", "main.py"]\n',
        "services/api/main.py": "print('api')\n",
        "services/worker/Dockerfile": 'FROM python:3.11-slim\nCMD ["python", "main.py"]\n',
        "services/worker/main.py": "print('worker')\n",
        "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "chart/values.yaml": "image:\n  repository: acme/api\n  tag: '1.0'\n",
        "chart/values-prod.yaml": "worker:\n  image: ghcr.io/acme/worker:2.0\n",
        "chart/templates/deployment.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
            "spec:\n  template:\n    spec:\n      containers:\n        - name: api\n"
            '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
        ),
        "argocd/app.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: app\n"
            "spec:\n  source:\n    path: chart\n    helm:\n      valueFiles: [values-prod.yaml]\n"
        ),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert lint(tmp_path, Config(), Selection(select=("VL102",))).diagnostics == ()
    (tmp_path / "chart/values-prod.yaml").write_text("replicaCount: 2\n")
    [diag] = lint(tmp_path, Config(), Selection(select=("VL102",))).diagnostics
    assert diag.path == "services/worker/Dockerfile"


# VL107's Service part compares Services and pod templates as the sync roots render them
# (kustomize namespace and commonLabels applied). Workspace.service_selections pairs the Service
# as written with the rendered workloads, so VL107 does not read it yet: these pin the cases
# where the two differ.

_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec: {containers: [{name: web, image: "nginx:1.25"}]}
"""


def _service(namespace: str = "") -> str:
    meta = f"\n  namespace: {namespace}" if namespace else ""
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: web{meta}\n"
        "spec:\n  selector: {app: web}\n  ports:\n    - port: 80\n"
    )


def _no_endpoints(shown: str) -> str:
    return (
        f"Service web selects {shown}, which no pod template of this repository carries:"
        " it has no endpoints"
    )


_NO_ENDPOINTS = {
    # the Service in namespace a, the pods in namespace b (each kustomization sets one)
    "namespaces-set-by-kustomize": (
        {
            "svc/kustomization.yaml": "namespace: a\nresources: [svc.yaml]\n",
            "svc/svc.yaml": _service(),
            "dep/kustomization.yaml": "namespace: b\nresources: [dep.yaml]\n",
            "dep/dep.yaml": _DEPLOYMENT,
        },
        "app=web",
    ),
    # commonLabels adds team=x to the Service's selector, not to the pods
    "common-labels-on-the-service-only": (
        {
            "svc/kustomization.yaml": "commonLabels: {team: x}\nresources: [svc.yaml]\n",
            "svc/svc.yaml": _service(),
            "dep/kustomization.yaml": "resources: [dep.yaml]\n",
            "dep/dep.yaml": _DEPLOYMENT,
        },
        "app=web, team=x",
    ),
    # the pods are of a manifest no sync root renders (Argo CD syncs svc/ only)
    "pods-of-an-unsynced-manifest": (
        {
            "argocd/app.yaml": (
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: svc\n"
                "spec:\n  source:\n    path: svc\n"
            ),
            "svc/kustomization.yaml": "resources: [svc.yaml]\n",
            "svc/svc.yaml": _service(),
            "loose/dep.yaml": _DEPLOYMENT,
        },
        "app=web",
    ),
}


@pytest.mark.parametrize("case", sorted(_NO_ENDPOINTS))
def test_vl107_service_selects_no_rendered_pod(tmp_path: Path, case: str) -> None:
    files, shown = _NO_ENDPOINTS[case]
    write_repo(tmp_path, files)
    assert lint_rule(tmp_path, "VL107") == [("VL107", "svc/svc.yaml", 6, 3, _no_endpoints(shown))]


def test_vl107_namespace_written_on_the_service_is_overridden(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "app/kustomization.yaml": "namespace: b\nresources: [svc.yaml, dep.yaml]\n",
            "app/svc.yaml": _service("a"),
            "app/dep.yaml": _DEPLOYMENT,
        },
    )
    assert lint_rule(tmp_path, "VL107") == []


_POD_WITH_REFS = (
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata: {name: web, namespace: shop}\n"
    "spec:\n"
    "  containers:\n"
    "    - name: web\n"
    "      image: ghcr.io/acme/web:1.0.0\n"
    "      envFrom:\n"
    "        - secretRef: {name: shop-secrets}\n"
    "        - secretRef: {name: shop-tls}\n"
    "        - configMapRef: {name: shop-settings}\n"
    "        - secretRef: {name: shop-db}\n"
    "        - secretRef: {name: really-missing}\n"
)


def test_vl106_objects_made_out_of_band_are_not_dangling(tmp_path: Path) -> None:
    """A Secret whose template is committed (the real file is ignored), one a script or a
    README's shell block creates with `kubectl create`, one a script applies from a file
    that is absent: made elsewhere, not dangling; --verbose says where from."""
    write_repo(
        tmp_path,
        {
            "deploy/pod.yaml": _POD_WITH_REFS,
            ".gitignore": "deploy/secrets/*.yaml\n",
            "deploy/secrets/shop-secrets.yaml.template": (
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: shop-secrets\n"
                "  namespace: shop\nstringData:\n  TOKEN: CHANGE_ME\n"
            ),
            "Makefile": (
                "secrets:\n\tkubectl create secret tls shop-tls -n shop \\\n"
                "\t  --cert=tls.crt --key=tls.key\n"
            ),
            "docs/README.md": (
                "Create the settings first:\n\n```sh\n"
                "$ kubectl --namespace shop create configmap shop-settings --from-file=a.conf\n"
                'configmap "shop-settings" created\n```\n\n'
                "Prose: kubectl create secret generic really-missing is not run.\n"
            ),
            "scripts/deploy.sh": (
                "#!/bin/sh\nkubectl apply -f deploy/secrets/shop-db.yaml\n"
                "kubectl apply -f deploy/pod.yaml\n"
            ),
        },
    )
    found = lint_rule(tmp_path, "VL106")
    assert [(r, p, line) for r, p, line, _, _ in found] == [("VL106", "deploy/pod.yaml", 13)]
    ws = workspace(tmp_path)
    made = {(m.kind, m.namespace, m.name, m.path, m.line) for m in ws.inventory.made_elsewhere}
    assert made == {
        ("Secret", "shop", "shop-secrets", "deploy/secrets/shop-secrets.yaml.template", 1),
        ("Secret", "shop", "shop-tls", "Makefile", 2),
        ("ConfigMap", "shop", "shop-settings", "docs/README.md", 4),
        ("", None, "shop-db", "scripts/deploy.sh", 2),
    }
    assert any("shop-secrets" in n and "template" in n for n in ws.notes)


def test_vl106_made_elsewhere_in_another_namespace_still_dangles(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "deploy/pod.yaml": _POD_WITH_REFS.replace("- secretRef: {name: really-missing}\n", ""),
            "deploy/secrets.yaml.example": (
                "apiVersion: v1\nkind: Secret\nmetadata: {name: shop-secrets, namespace: other}\n"
            ),
            "setup.sh": "kubectl create secret generic shop-tls -n shop --from-literal=a=b\n"
            "kubectl create configmap shop-settings -n shop\n"
            "kubectl create secret generic shop-db -n shop\n",
        },
    )
    found = lint_rule(tmp_path, "VL106")
    assert [(p, line) for _, p, line, _, _ in found] == [("deploy/pod.yaml", 9)]


def test_vl106_statefulset_volume_of_a_claim_template_is_not_a_reference(tmp_path: Path) -> None:
    sts = (
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n"
        "  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n"
        "    spec:\n      containers: [{name: db, image: 'postgres:16'}]\n      volumes:\n"
        "        - name: data\n          persistentVolumeClaim: {claimName: data}\n"
        "        - name: other\n          persistentVolumeClaim: {claimName: other}\n"
        "  volumeClaimTemplates:\n    - metadata: {name: data}\n"
        "      spec: {accessModes: [ReadWriteOnce]}\n"
    )
    write_repo(tmp_path, {"k8s/db.yaml": sts})
    assert [(p, line) for _, p, line, _, _ in lint_rule(tmp_path, "VL106")] == [("k8s/db.yaml", 14)]
