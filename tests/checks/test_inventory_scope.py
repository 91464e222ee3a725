"""VL105-VL107 on what a repository does not prove: plain directories of alternative examples,
files that do not parse, objects JSON manifests define, StatefulSet claim templates, Services
whose pods come from outside the repository, and pods of templates."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint_rules, workspace, write_repo

_SC = (
    "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\n"
    "provisioner: kubernetes.io/no-provisioner\n"
)


def test_vl105_alternative_files_of_a_plain_directory_are_not_duplicates(tmp_path: Path) -> None:
    write_repo(tmp_path, {"ex/sc-a.yaml": _SC, "ex/sc-b.yaml": _SC})
    assert lint_rules(tmp_path, "VL105") == []
    notes = workspace(tmp_path).notes
    assert any(n.startswith("ex/: StorageClass/fast is defined in ex/sc-a.yaml and") for n in notes)


def test_vl105_twice_in_one_file_of_a_plain_directory(tmp_path: Path) -> None:
    write_repo(tmp_path, {"ex/sc.yaml": f"{_SC}---\n{_SC}"})
    assert [d[:4] for d in lint_rules(tmp_path, "VL105")] == [("VL105", "ex/sc.yaml", 7, 1)]


def test_vl105_two_files_a_kustomization_lists(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "ex/kustomization.yaml": "resources: [sc-a.yaml, sc-b.yaml]\n",
            "ex/sc-a.yaml": _SC,
            "ex/sc-b.yaml": _SC,
        },
    )
    assert [d[:4] for d in lint_rules(tmp_path, "VL105")] == [("VL105", "ex/sc-b.yaml", 1, 1)]


_BROKEN_DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n"
    "  selector:\n    matchLabels:\n      app: web\n  replicas: 2\n  template:\n    metadata:\n"
    "      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n"
    "        image: nginx:1.25\n        volumeMounts:\n        - {name: d, mountPath: /d}\n"
    "      volumes:\n      - name: d\n        persistentVolumeClaim: {claimName: store}\n"
)
_SERVICE = (
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n"
    "  ports:\n  - port: 80\n"
)
_POD = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n"
    "    image: nginx:1.25\n  volumes:\n  - name: d\n    persistentVolumeClaim:\n"
    "      claimName: claim1\n"
)


def test_a_file_that_does_not_parse_is_the_only_finding(tmp_path: Path) -> None:
    write_repo(tmp_path, {"app/deploy.yaml": _BROKEN_DEPLOYMENT, "app/svc.yaml": _SERVICE})
    assert [d[:3] for d in lint_rules(tmp_path, "VL001", "VL106", "VL107")] == [
        ("VL001", "app/deploy.yaml", 10)
    ]


def test_a_broken_file_that_names_other_labels_does_not_hide_the_mismatch(tmp_path: Path) -> None:
    broken = _BROKEN_DEPLOYMENT.replace("app: web", "app: api")
    write_repo(tmp_path, {"app/deploy.yaml": broken, "app/svc.yaml": _SERVICE})
    assert [d[:3] for d in lint_rules(tmp_path, "VL107")] == [("VL107", "app/svc.yaml", 6)]


def test_vl106_a_claim_a_json_manifest_defines(tmp_path: Path) -> None:
    claim = (
        '{\n  "kind": "PersistentVolumeClaim",\n  "apiVersion": "v1",\n'
        '  "metadata": {\n\t"name": "claim1"\n  },\n  "spec": {"accessModes": ["ReadWriteOnce"],'
        ' "resources": {"requests": {"storage": "1Gi"}}}\n}\n'
    )
    write_repo(tmp_path, {"demo/claim.json": claim, "demo/sub/pod.yaml": _POD})
    assert lint_rules(tmp_path, "VL106") == []
    write_repo(tmp_path, {"demo/claim.json": claim.replace("claim1", "claim2")})
    assert [d[:3] for d in lint_rules(tmp_path, "VL106")] == [("VL106", "demo/sub/pod.yaml", 12)]


def test_json_that_is_no_manifest_is_no_finding(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "web/tsconfig.json": '{\n  // comments are allowed here\n  "a": 1,\n}\n',
            "web/x.json": "[1",
            # a component's config file (kube-scheduler --policy-config-file): no metadata
            "sched/policy.json": '{"kind": "Policy", "apiVersion": "v1", "predicates": []}\n',
        },
    )
    assert lint_rules(tmp_path, "VL001", "VL801") == []


_STATEFULSET = (
    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n"
    "  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n"
    "    spec:\n      containers:\n      - name: db\n        image: postgres:16\n"
    "        volumeMounts:\n        - {name: data, mountPath: /var/lib/postgresql}\n"
    "      volumes:\n      - name: data\n        persistentVolumeClaim:\n"
    "          claimName: data\n"
    "  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n"
    "      accessModes: [ReadWriteOnce]\n      resources: {requests: {storage: 1Gi}}\n"
)


def test_vl106_a_statefulset_volume_named_after_its_claim_template(tmp_path: Path) -> None:
    write_repo(tmp_path, {"db/sts.yaml": _STATEFULSET})
    assert lint_rules(tmp_path, "VL106") == []
    # a volume named after a claim template is replaced by the replica's claim, whatever its
    # claimName says; a volume of another name that claims a PVC nothing defines is dangling
    other = _STATEFULSET.replace("claimName: data", "claimName: x")
    write_repo(tmp_path, {"db/sts.yaml": other})
    assert lint_rules(tmp_path, "VL106") == []
    other = other.replace("      - name: data\n", "      - name: scratch\n").replace(
        "{name: data,", "{name: scratch,"
    )
    write_repo(tmp_path, {"db/sts.yaml": other})
    assert [d[:3] for d in lint_rules(tmp_path, "VL106")] == [("VL106", "db/sts.yaml", 21)]


def test_vl107_service_in_a_namespace_where_the_repository_runs_nothing(tmp_path: Path) -> None:
    service = _SERVICE.replace("name: web\n", "name: web\n  namespace: monitoring\n", 1)
    deployment = _BROKEN_DEPLOYMENT.replace("  replicas: 2\n", "").replace("web", "api")
    write_repo(tmp_path, {"mon/svc.yaml": service, "app/deploy.yaml": deployment})
    assert lint_rules(tmp_path, "VL107") == []
    assert any(n.startswith("namespace monitoring: ") for n in workspace(tmp_path).notes)
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n"
    write_repo(tmp_path, {"mon/ns.yaml": namespace})  # the repository owns the namespace
    assert [d[:3] for d in lint_rules(tmp_path, "VL107")] == [("VL107", "mon/svc.yaml", 7)]


def test_vl107_pods_of_a_template_a_script_renders(tmp_path: Path) -> None:
    template = (
        "apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: web\nspec:\n"
        "  replicas: {{replicas}}\n  template:\n    metadata:\n      labels:\n        app: web\n"
        "    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n"
    )
    write_repo(
        tmp_path,
        {
            "app/web-controller-template.yaml": template,
            "app/svc.yaml": _SERVICE,
            "app/up.sh": "sed s/x/3/ web-controller-template.yaml | kubectl apply -f -\n",
        },
    )
    ws = workspace(tmp_path)
    assert "app/web-controller-template.yaml" in ws.inventory.templates
    assert lint_rules(tmp_path, "VL107") == []


def test_vl107_service_in_a_namespace_a_readme_installs_a_chart_into(tmp_path: Path) -> None:
    """A document's (or a script's) `helm install ... --namespace monitoring`: the chart's pods run
    there with labels the repository does not show, even where the repository runs workloads
    of its own in that namespace. A chart installed elsewhere proves nothing."""
    service = _SERVICE.replace("name: web\n", "name: web\n  namespace: monitoring\n", 1)
    own = _BROKEN_DEPLOYMENT.replace("  replicas: 2\n", "").replace("web", "api")
    own = own.replace("name: api\n", "name: api\n  namespace: monitoring\n", 1)
    readme = (
        "# GPU metrics\n\nInstall the exporter first:\n\n```bash\n"
        "helm install exporter charts/exporter --namespace monitoring\n```\n"
    )
    write_repo(
        tmp_path,
        {"mon/svc.yaml": service, "mon/api.yaml": own, "mon/gpu-metrics.md": readme},
    )
    assert lint_rules(tmp_path, "VL107") == []
    assert any(
        n.startswith("mon/gpu-metrics.md:6: a Helm chart is installed into namespace monitoring")
        for n in workspace(tmp_path).notes
    )
    write_repo(tmp_path, {"mon/gpu-metrics.md": readme.replace("monitoring", "gpu")})
    assert [d[:3] for d in lint_rules(tmp_path, "VL107")] == [("VL107", "mon/svc.yaml", 7)]
