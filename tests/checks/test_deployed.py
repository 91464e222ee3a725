"""What is deployed (VL101, VL102) and templates are not manifests (VL801, VL001): issue 11,
causes 7 and 8. Every fixture is written for its case."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint_rule, lint_rules, workspace, write_repo
from vertice_lint.config import Config
from vertice_lint.engine import Selection, lint

_DOCKERFILE = 'FROM python:3.12-slim\nCOPY . /app\nCMD ["python", "/app/main.py"]\n'


def _deployment(name: str, image: str) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        f"  name: {name}\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n"
        f"  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n"
        f"      containers:\n        - name: {name}\n          image: {image}\n"
    )


def _services(*names: str) -> dict[str, str]:
    files: dict[str, str] = {}
    for name in names:
        files[f"svc/{name}/Dockerfile"] = _DOCKERFILE
        files[f"svc/{name}/main.py"] = "print('hi')\n"
    return files


_BASE = {
    **_services("shop", "mailer"),
    "ops/base/kustomization.yaml": "resources: [shop.yaml]\n",
    "ops/base/shop.yaml": _deployment("shop", "ghcr.io/example/shop:3.1"),
}


# --- cause 7: plain manifest directories are applied when no Argo CD or Flux object exists


def test_plain_directory_beside_a_kustomization_is_a_sync_root(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {**_BASE, "ops/plain/mailer.yaml": _deployment("mailer", "ghcr.io/example/mailer:3.1")},
    )
    roots = {(r.kind, r.directory) for r in workspace(tmp_path).sync_roots}
    assert roots == {("kustomization", "ops/base"), ("directory", "ops/plain")}
    assert lint_rule(tmp_path, "VL102") == []


def test_without_plain_directory_the_unrun_service_is_reported(tmp_path: Path) -> None:
    write_repo(tmp_path, _BASE)
    [(rule, path, line, _, message)] = lint_rule(tmp_path, "VL102")
    assert (rule, path, line) == ("VL102", "svc/mailer/Dockerfile", 3)
    assert "service mailer" in message


def test_with_an_argo_application_a_plain_directory_is_not_applied(tmp_path: Path) -> None:
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\n"
        "spec:\n  source:\n    path: ops/base\n"
    )
    write_repo(
        tmp_path,
        {
            **_BASE,
            "argocd/shop.yaml": app,
            "ops/plain/mailer.yaml": _deployment("mailer", "ghcr.io/example/mailer:3.1"),
        },
    )
    assert [(r, p) for r, p, *_ in lint_rule(tmp_path, "VL102")] == [
        ("VL102", "svc/mailer/Dockerfile")
    ]


def test_vl102_evidence_lists_the_sync_roots_it_considered(tmp_path: Path) -> None:
    write_repo(tmp_path, _BASE)
    [diag] = lint(tmp_path, Config(), Selection(select=("VL102",))).diagnostics
    notes = [e.note for e in diag.evidence]
    assert any(n.startswith("sync root ops/base (kustomization) renders 1 workload") for n in notes)


# --- cause 7: deploys the model does not render make VL102 silent, and --verbose says why


def test_deploy_script_with_a_heredoc_makes_vl102_silent(tmp_path: Path) -> None:
    script = (
        "#!/bin/bash\nfor s in mailer; do\n"
        "  kubectl apply -f - <<EOF\napiVersion: apps/v1\nkind: Deployment\nEOF\ndone\n"
    )
    write_repo(tmp_path, {**_BASE, "scripts/rollout.sh": script})
    assert lint_rule(tmp_path, "VL102") == []
    notes = workspace(tmp_path).notes
    assert any(
        n.startswith(
            "scripts/rollout.sh:3: `kubectl apply -f -`: it applies what it reads from stdin"
        )
        and "VL102 reports no undeployed service" in n
        for n in notes
    )


def test_kubectl_apply_of_a_rendered_directory_is_known(tmp_path: Path) -> None:
    write_repo(tmp_path, {**_BASE, "Makefile": "deploy:\n\tkubectl apply -k ops/base\n"})
    assert [(r, p) for r, p, *_ in lint_rule(tmp_path, "VL102")] == [
        ("VL102", "svc/mailer/Dockerfile")
    ]


def test_computed_kubectl_apply_makes_vl102_silent(tmp_path: Path) -> None:
    script = '#!/bin/sh\nMANIFEST="/tmp/$1.yaml"\nkubectl apply -f "$MANIFEST"\n'
    write_repo(tmp_path, {**_BASE, "deploy.sh": script})
    assert lint_rule(tmp_path, "VL102") == []


def test_an_image_a_script_pushes_is_not_undeployed(tmp_path: Path) -> None:
    script = "#!/bin/sh\ndocker push ghcr.io/example/mailer:3.1\n"
    write_repo(tmp_path, {**_BASE, "release.sh": script})
    assert lint_rule(tmp_path, "VL102") == []
    # a script pushing another image says nothing about this one
    write_repo(tmp_path, {"release.sh": "#!/bin/sh\ndocker push ghcr.io/example/other:1\n"})
    assert [(r, p) for r, p, *_ in lint_rule(tmp_path, "VL102")] == [
        ("VL102", "svc/mailer/Dockerfile")
    ]


def test_compose_file_a_deploy_script_runs_is_deployed(tmp_path: Path) -> None:
    compose = "services:\n  mailer:\n    build: ./svc/mailer\n"
    script = "#!/bin/sh\ndocker compose -f compose.prod.yml up -d --build\n"
    write_repo(tmp_path, {**_BASE, "compose.prod.yml": compose})
    assert [(r, p) for r, p, *_ in lint_rule(tmp_path, "VL102")] == [
        ("VL102", "svc/mailer/Dockerfile")
    ]
    write_repo(tmp_path, {"ship.sh": script})
    assert lint_rule(tmp_path, "VL102") == []


def test_a_chart_whose_values_name_no_image_makes_vl102_silent(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            **_BASE,
            "charts/mail/Chart.yaml": "apiVersion: v2\nname: mail\nversion: 0.1.0\n",
            "charts/mail/values.yaml": "replicas: 2\n",
        },
    )
    assert lint_rule(tmp_path, "VL102") == []


# --- VL101: a public registry's root is not this repository's naming scheme


def test_public_registry_root_is_not_a_naming_scheme(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            **_services("probe"),
            "k8s/probe.yaml": _deployment("probe", "registry.k8s.io/probe:1.0"),
            "k8s/other.yaml": _deployment("other", "registry.k8s.io/pause:3.9"),
        },
    )
    assert lint_rule(tmp_path, "VL101") == []


def test_image_named_after_a_dockerfile_directory_is_not_an_orphan(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            **_services("shop"),
            # a Dockerfile the model does not take as a service (no Python beside it)
            "tools/ledger/src/Dockerfile": 'FROM golang:1.22\nCMD ["/ledger"]\n',
            "k8s/kustomization.yaml": "resources: [shop.yaml, ledger.yaml, gone.yaml]\n",
            "k8s/shop.yaml": _deployment("shop", "ghcr.io/example/shop:3.1"),
            "k8s/ledger.yaml": _deployment("ledger", "ghcr.io/example/ledger:3.1"),
            "k8s/gone.yaml": _deployment("gone", "ghcr.io/example/gone:3.1"),
        },
    )
    assert [(r, p, line) for r, p, line, *_ in lint_rule(tmp_path, "VL101")] == [
        ("VL101", "k8s/gone.yaml", 14)
    ]


# --- cause 8: templates are not manifests

_PLACEHOLDER_RC = (
    "apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: store-{{zone}}\n"
    "spec:\n  replicas: {{replicas}}\n  template:\n    spec:\n      containers:\n"
    "        - name: store\n          image: example/store:1\n"
)
_ENVSUBST_DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: ${TARGET_NS}\n"
    "spec:\n  replicas: ${REPLICAS}\n  selector:\n    matchLabels: {app: web}\n  template:\n"
    "    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n"
    "        - name: web\n          image: example/web:1\n"
)


def test_placeholder_templates_are_not_validated_and_a_note_says_so(tmp_path: Path) -> None:
    write_repo(tmp_path, {"tpl/store.yaml": _PLACEHOLDER_RC, "tpl/web.yaml": _ENVSUBST_DEPLOYMENT})
    assert lint_rule(tmp_path, "VL801") == []
    notes = workspace(tmp_path).notes
    for path in ("tpl/store.yaml", "tpl/web.yaml"):
        assert any(n.startswith(f"{path}: ") and "not validated" in n for n in notes), notes


def test_a_final_object_beside_a_template_is_still_validated(tmp_path: Path) -> None:
    final = _ENVSUBST_DEPLOYMENT.replace("${TARGET_NS}", "prod").replace("${REPLICAS}", "two")
    write_repo(tmp_path, {"k8s/web.yaml": final, "tpl/store.yaml": _PLACEHOLDER_RC})
    assert [(r, p, line) for r, p, line, *_ in lint_rule(tmp_path, "VL801")] == [
        ("VL801", "k8s/web.yaml", 7)
    ]


def test_shell_variables_in_a_command_and_prometheus_braces_are_not_placeholders(
    tmp_path: Path,
) -> None:
    rule = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: loop\n  annotations:\n"
        '    summary: "load is {{ $value }}"\nspec:\n  containers:\n    - name: loop\n'
        "      image: busybox:1.36\n      command: [sh, -c, 'echo $HOSTNAME; sleep ${DELAY}']\n"
        "      ports: [{containerPort: 80, protocol: tcp}]\n"
    )
    write_repo(tmp_path, {"k8s/loop.yaml": rule})
    assert [(r, p, line) for r, p, line, *_ in lint_rule(tmp_path, "VL801")] == [
        ("VL801", "k8s/loop.yaml", 12)
    ]


def test_unparsable_placeholder_yaml_is_not_a_parse_error(tmp_path: Path) -> None:
    broken = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n{{ range .items }}\n"
        "  k: v\n"
    )
    workflow = "on: push\njobs:\n  a:\n    steps:\n      - run: echo ${{ x }}\n   bad: [\n"
    write_repo(tmp_path, {"tpl/cfg.yaml": broken, ".github/workflows/ci.yml": workflow})
    assert [(r, p) for r, p, *_ in lint_rule(tmp_path, "VL001")] == [
        ("VL001", ".github/workflows/ci.yml")
    ]


def test_test_fixtures_and_jsonnet_outputs_are_not_validated(tmp_path: Path) -> None:
    invalid = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports: [{port: x}]\n"
    write_repo(
        tmp_path,
        {
            "pkg/testdata/svc.yaml": invalid,
            "jsonnet/app.jsonnet": "{}\n",
            "jsonnet/svc.yaml": invalid,
            "k8s/svc.yaml": invalid,
        },
    )
    assert [(r, p) for r, p, *_ in lint_rules(tmp_path, "VL801")] == [("VL801", "k8s/svc.yaml")]


def test_a_test_runner_image_is_not_an_undeployed_service(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            **_BASE,
            "svc/mailer/Dockerfile": "",
            "qa/tests/smoke/Dockerfile": _DOCKERFILE,
            "qa/tests/smoke/main.py": "print('smoke')\n",
        },
    )
    assert [(r, p) for r, p, *_ in lint_rule(tmp_path, "VL102")] == []


# --- VL603: a Service selects the pods it is applied with


def _worker(name: str) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        f"  name: {name}\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n"
        f"  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n"
        f"      containers:\n        - name: {name}\n          image: example/{name}:1\n"
    )


def test_a_service_of_another_sync_root_does_not_make_a_worker_serve(tmp_path: Path) -> None:
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: queue\nspec:\n"
        "  selector: {app: queue}\n  ports: [{port: 80}]\n"
    )
    write_repo(
        tmp_path,
        {
            "east/kustomization.yaml": "resources: [queue.yaml]\n",
            "east/queue.yaml": _worker("queue"),
            "west/kustomization.yaml": "resources: [svc.yaml]\n",
            "west/svc.yaml": service,
        },
    )
    assert lint_rule(tmp_path, "VL603") == []
    write_repo(tmp_path, {"east/kustomization.yaml": "resources: [queue.yaml, ../west/svc.yaml]\n"})
    assert [(r, p, line) for r, p, line, *_ in lint_rule(tmp_path, "VL603")] == [
        ("VL603", "east/queue.yaml", 13)
    ]


def test_a_test_fixture_workload_needs_no_probe(tmp_path: Path) -> None:
    service = (
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
        "  selector: {app: web}\n  ports: [{port: 80}]\n"
    )
    served = _worker("web") + "          ports: [{containerPort: 80}]\n" + service
    write_repo(tmp_path, {"cli/test/integration/web.yaml": served, "k8s/web.yaml": served})
    assert [(r, p) for r, p, *_ in lint_rule(tmp_path, "VL603")] == [("VL603", "k8s/web.yaml")]


def test_a_pod_no_service_selects_needs_no_readiness_probe(tmp_path: Path) -> None:
    """A node that declares a port but registers itself with a hub (no Service selects it):
    readiness routes no traffic to it. A Service that selects it makes it reported."""
    node = _worker("node") + "          ports: [{containerPort: 5555}]\n"
    write_repo(tmp_path, {"k8s/node.yaml": node})
    assert lint_rule(tmp_path, "VL603") == []
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: node\nspec:\n"
        "  selector: {app: node}\n  ports: [{port: 80, targetPort: 5555}]\n"
    )
    write_repo(tmp_path, {"k8s/node-svc.yaml": service})
    assert [(r, p, line) for r, p, line, *_ in lint_rule(tmp_path, "VL603")] == [
        ("VL603", "k8s/node.yaml", 13)
    ]


def test_a_go_template_inside_a_block_scalar_is_the_object_s_own_text(tmp_path: Path) -> None:
    config = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alerts\n  labelz: {}\n"
        "data:\n  mail.tmpl: |\n    {{ range .Alerts }}\n    {{ .Labels.alertname }}\n"
        "    {{ end }}\n  collector.yaml: |\n    exporter:\n      project: {{PROJECT_ID}}\n"
    )
    write_repo(tmp_path, {"k8s/alerts.yaml": config})
    assert [(r, p, line) for r, p, line, *_ in lint_rule(tmp_path, "VL801")] == [
        ("VL801", "k8s/alerts.yaml", 5)
    ]


def test_a_manifest_inside_its_source_directory_is_not_an_orphan(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            **_services("shop", "filter"),
            "k8s/kustomization.yaml": "resources: [shop.yaml]\n",
            "k8s/shop.yaml": _deployment("shop", "ghcr.io/example/shop:3.1"),
            # the service's own manifests, its image named otherwise than its directory
            "svc/filter/k8s/deployment.yaml": _deployment("filter", "ghcr.io/example/sieve:2"),
            "k8s/gone.yaml": _deployment("gone", "ghcr.io/example/gone:3.1"),
        },
    )
    write_repo(tmp_path, {"k8s/kustomization.yaml": "resources: [shop.yaml, gone.yaml]\n"})
    assert [(r, p, line) for r, p, line, *_ in lint_rule(tmp_path, "VL101")] == [
        ("VL101", "k8s/gone.yaml", 14)
    ]


def test_a_test_compose_file_runs_no_orphan(tmp_path: Path) -> None:
    compose = "services:\n  shop:\n    build: ../../svc/shop\n    image: ghcr.io/example/shop:3.1\n"
    e2e = "services:\n  mock:\n    image: ghcr.io/example/mock-upstream:1\n"
    write_repo(tmp_path, {**_services("shop"), "ops/e2e/compose.yml": compose + e2e[9:]})
    assert [(r, p) for r, p, *_ in lint_rule(tmp_path, "VL101")] == [
        ("VL101", "ops/e2e/compose.yml")
    ]
    write_repo(
        tmp_path, {"ops/e2e/compose.yml": compose, "qa/tests/compose.yml": compose + e2e[9:]}
    )
    assert lint_rule(tmp_path, "VL101") == []


def test_a_patch_file_named_by_a_bare_string_is_not_validated(tmp_path: Path) -> None:
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n"
    write_repo(
        tmp_path,
        {
            "app/kustomization.yaml": "resources: [web.yaml]\npatches:\n- more/replicas.yaml\n",
            "app/web.yaml": _deployment("web", "example/web:1"),
            "app/more/replicas.yaml": patch,
        },
    )
    assert [(r, p) for r, p, *_ in lint_rules(tmp_path, "VL801")] == []
    assert {r.directory for r in workspace(tmp_path).sync_roots} == {"app"}


def test_disabled_and_nested_workflows_deploy_nothing(tmp_path: Path) -> None:
    step = "jobs:\n  d:\n    steps:\n      - run: kubectl apply -f - < out.yaml\n"
    write_repo(
        tmp_path,
        {
            **_BASE,
            ".github/workflows/cd.old.yml": step,
            "svc/mailer/.github/workflows/cd.yml": step,
        },
    )
    assert [(r, p) for r, p, *_ in lint_rule(tmp_path, "VL102")] == [
        ("VL102", "svc/mailer/Dockerfile")
    ]
    write_repo(tmp_path, {".github/workflows/cd.yml": step})
    assert lint_rule(tmp_path, "VL102") == []


def test_a_file_named_as_a_template_is_not_a_manifest_nor_a_compose_file(tmp_path: Path) -> None:
    # single-brace placeholders no YAML parser reads, in a file whose name says "fill me in"
    compose_template = "services:\n  {NAME}-sidecar:\n    image: {IMAGE}\n"
    manifest_template = _deployment("web", "example/web:1").replace("replicas", "x") + (
        "  replicas: two\n"
    )
    files = {
        "svc/docker-compose.sidecar-template.yml": compose_template,
        "k8s/web.template.yaml": manifest_template,
        "k8s/secret.yaml.example": "kind: Secret\n",
        # an example to apply as it is, named example-*: still checked
        "k8s/example-web.yaml": manifest_template,
        "svc/docker-compose.broken.yml": compose_template,
    }
    write_repo(tmp_path, files)
    assert [(r, p, line) for r, p, line, *_ in lint_rules(tmp_path, "VL001", "VL801")] == [
        ("VL801", "k8s/example-web.yaml", 15),
        ("VL001", "svc/docker-compose.broken.yml", 2),
    ]
    notes = workspace(tmp_path).notes
    for path in ("svc/docker-compose.sidecar-template.yml", "k8s/web.template.yaml"):
        assert any(n.startswith(f"{path}: ") and "template" in n for n in notes), notes
