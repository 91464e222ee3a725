"""Sync roots and rendering: overlays (patches, prefixes, namespaces, images), Argo CD, Flux."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import Found, fix_twice, lint_rules, workspace, write_repo
from vertice_lint.config import Config
from vertice_lint.engine import Selection, lint
from vertice_lint.model import Written

BASE = {
    "base/kustomization.yaml": "resources:\n  - api.yaml\n  - config.yaml\n",
    "base/api.yaml": (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  name: api\n"
        "spec:\n"
        "  replicas: 2\n"
        "  selector:\n"
        "    matchLabels: {app: api}\n"
        "  template:\n"
        "    metadata:\n"
        "      labels: {app: api}\n"
        "    spec:\n"
        "      containers:\n"
        "        - name: api\n"
        "          image: app-image\n"
        "          envFrom:\n"
        "            - configMapRef:\n"
        "                name: api-config\n"
    ),
    "base/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\n",
    "services/api/Dockerfile": (
        'FROM python:3.11-slim\nCOPY . /app\nCMD ["python", "/app/main.py"]\n'
    ),
    "services/api/main.py": "print('api')\n",
}
OVERLAY = {
    "prod/kustomization.yaml": (
        "namespace: prod\n"
        "namePrefix: prod-\n"
        "resources:\n"
        "  - ../base\n"
        "  - https://github.com/acme/shared//base?ref=v1\n"
        "images:\n"
        "  - name: app-image\n"
        "    newName: ghcr.io/acme/api\n"
        "    newTag: 1.2.0\n"
        "patches:\n"
        "  - path: privileged.yaml\n"
        "  - target: {kind: Deployment, name: api}\n"
        "    patch: |-\n"
        "      - op: replace\n"
        "        path: /spec/replicas\n"
        "        value: 0\n"
    ),
    "prod/privileged.yaml": (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  name: api\n"
        "spec:\n"
        "  template:\n"
        "    spec:\n"
        "      containers:\n"
        "        - name: api\n"
        "          securityContext:\n"
        "            privileged: true\n"
    ),
}


_write = write_repo
_ws = workspace


def _found(root: Path, *rules: str) -> list[Found]:
    return lint_rules(root, *rules)


def test_overlay_renders_prefix_namespace_images_and_patches(tmp_path: Path) -> None:
    _write(tmp_path, {**BASE, **OVERLAY})
    ws = _ws(tmp_path)
    [root] = ws.sync_roots
    assert (root.kind, root.path) == ("kustomization", "prod/kustomization.yaml")
    assert sorted(o.ident for o in root.objects) == [
        "ConfigMap/prod/prod-api-config",
        "Deployment/prod/prod-api",
    ]
    api = next(o for o in root.objects if o.kind == "Deployment")
    container = api.plain["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/acme/api:1.2.0"
    assert container["envFrom"][0]["configMapRef"]["name"] == "prod-api-config"  # rewritten
    assert container["securityContext"] == {"privileged": True}
    assert api.plain["spec"]["replicas"] == 0
    # each rendered value reports where it was written
    assert api.locate(("spec", "replicas")) == ("prod/kustomization.yaml", 16, 9)
    cpath = ("spec", "template", "spec", "containers", 0)
    assert api.locate((*cpath, "image")) == ("prod/kustomization.yaml", 7, 5)
    assert api.locate((*cpath, "securityContext", "privileged")) == ("prod/privileged.yaml", 11, 13)
    assert api.locate((*cpath, "name")) == ("base/api.yaml", 14, 11)
    assert (
        "prod/kustomization.yaml:5: remote base"
        " https://github.com/acme/shared//base?ref=v1 is not followed" in ws.notes
    )
    # the workload is the rendered one, linked through the image the overlay gives it
    [workload] = ws.workloads
    assert (workload.ident, workload.path, workload.synced_by) == (
        "Deployment/prod/prod-api",
        "base/api.yaml",
        ("prod",),
    )
    assert root.workloads == (workload,)
    linked = workload.containers[0]
    assert linked.image == "ghcr.io/acme/api:1.2.0"
    assert linked.image_at == Written(
        "prod/kustomization.yaml", 7, 5, 0, ("images", 0)
    )  # the `images:` entry that set it
    assert linked.image_link is not None and linked.image_link.service == "api"
    assert linked.image_link_reason is not None
    assert (
        linked.image_link_reason.reason
        == "image name 'api' matches service directory services/api/"
    )
    assert dict(linked.security_context) == {"privileged": True}  # from the patch
    assert linked.at == Written("base/api.yaml", 14, 11, 0, cpath)  # the container: the base


def test_rules_on_patched_fields_report_the_patch(tmp_path: Path) -> None:
    _write(tmp_path, {**BASE, **OVERLAY})
    assert _found(tmp_path, "VL103", "VL805", "VL106", "VL101", "VL102") == [
        (
            "VL103",
            "prod/kustomization.yaml",
            16,
            9,
            "Deployment prod-api is scaled to zero: it runs no pod",
        ),
        (
            "VL805",
            "prod/privileged.yaml",
            11,
            25,
            "Deployment prod-api container api: runs privileged",
        ),
    ]


def test_argo_cd_application_is_a_root(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            **BASE,
            "apps/api.yaml": (
                "apiVersion: argoproj.io/v1alpha1\n"
                "kind: Application\n"
                "metadata:\n"
                "  name: api\n"
                "spec:\n"
                "  source:\n"
                "    repoURL: https://github.com/acme/platform\n"
                "    path: base\n"
                "  destination:\n"
                "    namespace: team-a\n"
            ),
            "apps/missing.yaml": (
                "apiVersion: argoproj.io/v1alpha1\n"
                "kind: Application\n"
                "metadata:\n"
                "  name: gone\n"
                "spec:\n"
                "  source:\n"
                "    path: k8s/gone\n"
            ),
        },
    )
    ws = _ws(tmp_path)
    [root] = ws.sync_roots
    assert (root.kind, root.directory, root.path) == ("argocd-application", "base", "apps/api.yaml")
    assert sorted(o.ident for o in root.objects) == [
        "ConfigMap/team-a/api-config",
        "Deployment/team-a/api",
    ]
    assert (
        "apps/missing.yaml:1: Application gone path k8s/gone is not in this repository;"
        " not followed" in ws.notes
    )
    # base is synced by the Application: `image: api` is mutable there
    assert _found(tmp_path, "VL104") == [
        (
            "VL104",
            "base/api.yaml",
            15,
            18,
            "Deployment api container api runs app-image: a mutable tag, the running version cannot"
            " be known or rolled back to",
        )
    ]


def test_flux_kustomization_renders_a_directory(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "clusters/prod/api.yaml": (
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
                "kind: Kustomization\n"
                "metadata:\n"
                "  name: api\n"
                "spec:\n"
                "  path: ./deploy\n"
                "  targetNamespace: flux-ns\n"
            ),
            "deploy/a/config.yaml": BASE["base/config.yaml"],
            "deploy/b/config.yaml": BASE["base/config.yaml"],
        },
    )
    [root] = _ws(tmp_path).sync_roots
    assert (root.kind, root.directory) == ("flux-kustomization", "deploy")
    assert [o.ident for o in root.objects] == [
        "ConfigMap/flux-ns/api-config",
        "ConfigMap/flux-ns/api-config",
    ]
    assert _found(tmp_path, "VL105") == [
        (
            "VL105",
            "deploy/b/config.yaml",
            1,
            1,
            "ConfigMap/flux-ns/api-config is defined twice under deploy: kustomize and the API"
            " server keep only one",
        )
    ]


def test_plain_directories_without_a_root(tmp_path: Path) -> None:
    _write(tmp_path, {"k8s/api.yaml": BASE["base/api.yaml"]})
    ws = _ws(tmp_path)
    assert [(r.kind, r.directory) for r in ws.sync_roots] == [("directory", "k8s")]
    assert _found(tmp_path, "VL106") == [
        (
            "VL106",
            "k8s/api.yaml",
            18,
            23,
            "Deployment api container api envFrom: ConfigMap api-config is defined nowhere in"
            " this repository (declare it in [tool.vertice-lint.external] if it is made"
            " elsewhere)",
        )
    ]


def test_resource_file_outside_the_kustomization_is_noted(tmp_path: Path) -> None:
    # kustomize's default load restrictor refuses a file (not a base directory) above the root
    files = {
        **BASE,
        "app/kustomization.yaml": "resources:\n  - ../base/config.yaml\n  - ../base\n",
    }
    _write(tmp_path, files)
    ws = _ws(tmp_path)
    assert [n for n in ws.notes if "outside" in n] == [
        "app/kustomization.yaml:2: resource file ../base/config.yaml is outside app/;"
        " kustomize (and Argo CD) refuse it unless built with --load-restrictor"
        " LoadRestrictionsNone"
    ]


FLUX_APP = (
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata:\n"
    "  name: web\n"
    "spec:\n"
    "  replicas: ${replicas:=1}\n"
    "  selector:\n"
    "    matchLabels: {app: web}\n"
    "  template:\n"
    "    metadata:\n"
    "      labels: {app: web}\n"
    "    spec:\n"
    "      containers:\n"
    "        - name: web\n"
    "          image: ghcr.io/acme/web\n"
    "          ports: [{containerPort: '${port}'}]\n"
    "          envFrom: [{secretRef: {name: '${app}-env'}}]\n"
)


def _flux(spec: str) -> str:
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
        "kind: Kustomization\n"
        "metadata:\n"
        "  name: apps\n"
        "spec:\n"
        "  path: ./apps\n" + spec
    )


def test_flux_post_build_variables_are_not_schema_errors(tmp_path: Path) -> None:
    _write(tmp_path, {"clusters/apps.yaml": _flux("  postBuild:\n    substitute: {port: '80'}\n")})
    _write(tmp_path, {"apps/web.yaml": FLUX_APP})
    assert _found(tmp_path, "VL801", "VL106") == []
    # without postBuild Flux applies `${replicas:=1}` as it is: the API server rejects it
    _write(tmp_path, {"clusters/apps.yaml": _flux("")})
    assert [(r, p, line) for r, p, line, _, _ in _found(tmp_path, "VL801")] == [
        ("VL801", "apps/web.yaml", 6),
        ("VL801", "apps/web.yaml", 16),
    ]


def test_flux_kustomization_images_patches_and_prefix_are_applied(tmp_path: Path) -> None:
    spec = (
        "  namePrefix: prod-\n"
        "  images:\n"
        "    - {name: ghcr.io/acme/web, newTag: 1.4.0}\n"
        "  patches:\n"
        "    - target: {kind: Deployment, name: web}\n"
        "      patch: |\n"
        "        - op: replace\n"
        "          path: /spec/replicas\n"
        "          value: 3\n"
    )
    _write(tmp_path, {"clusters/apps.yaml": _flux(spec), "apps/web.yaml": FLUX_APP})
    [root] = _ws(tmp_path).sync_roots
    [web] = root.objects
    assert web.name == "prod-web"
    assert web.plain["spec"]["replicas"] == 3
    assert web.plain["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "ghcr.io/acme/web:1.4.0"
    )
    assert _found(tmp_path, "VL104") == []


def test_flux_path_without_kustomization_builds_nested_kustomizations(tmp_path: Path) -> None:
    # Flux generates a kustomization for ./apps: web/ (it has one) is built, not read file
    # by file, so its patch is applied to the Deployment instead of being a second one.
    _write(
        tmp_path,
        {
            "clusters/apps.yaml": _flux(""),
            "apps/web/kustomization.yaml": (
                "resources: [web.yaml]\npatches:\n  - path: patch.yaml\n"
            ),
            "apps/web/web.yaml": FLUX_APP.replace("${replicas:=1}", "1"),
            "apps/web/patch.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
                "spec:\n  replicas: 2\n"
            ),
            "apps/config/a.yaml": BASE["base/config.yaml"],
        },
    )
    [root] = _ws(tmp_path).sync_roots
    assert [o.ident for o in root.objects] == ["ConfigMap/api-config", "Deployment/web"]
    assert root.objects[1].plain["spec"]["replicas"] == 2
    assert _found(tmp_path, "VL105") == []


def test_generated_config_map_has_the_keys_of_its_envs_file(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "k8s/kustomization.yaml": (
                "configMapGenerator:\n"
                "  - name: app\n"
                "    envs: [app.properties]\n"
                "    literals: [MODE=prod]\n"
            ),
            "k8s/app.properties": (
                "# settings\nDATABASE_URL=postgresql://db/app\nexport LOG_LEVEL=info\n"
            ),
        },
    )
    ws = _ws(tmp_path)
    (root,) = ws.sync_roots
    (config_map,) = [o for o in root.objects if o.kind == "ConfigMap"]
    assert sorted(config_map.plain["data"]) == ["DATABASE_URL", "LOG_LEVEL", "MODE"]
    (source,) = ws.config_sources
    assert source.keys == frozenset({"DATABASE_URL", "LOG_LEVEL", "MODE"})


# --- the rendered workload is the workload: values keep where they were written ---------------

_UVICORN = (
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
    'CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]\n'
)
_SERVED = {
    "services/api/Dockerfile": _UVICORN,
    "services/api/main.py": (
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.get('/health')\ndef health():\n    return {}\n"
    ),
    "k8s/base/kustomization.yaml": "resources:\n  - api.yaml\n",
    "k8s/base/api.yaml": (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  name: api\n"
        "spec:\n"
        "  selector:\n"
        "    matchLabels: {app: api}\n"
        "  template:\n"
        "    metadata:\n"
        "      labels: {app: api}\n"
        "    spec:\n"
        "      containers:\n"
        "        - name: api\n"
        "          image: ghcr.io/acme/api:1.0.0\n"
        "          ports:\n"
        "            - containerPort: 8000\n"
        "          env:\n"
        "            - name: LOG_LEVEL\n"
        "              value: info\n"
        "          readinessProbe:\n"
        "            httpGet:\n"
        "              path: /health\n"
        "              port: 8000\n"
    ),
}
_PROD = {
    "k8s/overlays/prod/kustomization.yaml": (
        "resources:\n  - ../../base\npatches:\n  - path: probe.yaml\n"
    ),
    "k8s/overlays/prod/probe.yaml": (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  name: api\n"
        "spec:\n"
        "  template:\n"
        "    spec:\n"
        "      containers:\n"
        "        - name: api\n"
        "          env:\n"
        "            - name: WORKERS\n"
        "              value: '4'\n"
        "          readinessProbe:\n"
        "            httpGet:\n"
        "              path: /ready\n"
    ),
}
_NOT_SERVED = (
    "readiness probe of Deployment/api container api requests GET /ready, which the app does"
    " not serve (its GET routes: /health): every probe gets 404 and the pod never becomes"
    " Ready; the health route is /health"
)


def test_overlay_moving_the_probe_is_reported_at_its_patch(tmp_path: Path) -> None:
    _write(tmp_path, {**_SERVED, **_PROD})
    assert _found(tmp_path, "VL601") == [
        ("VL601", "k8s/overlays/prod/probe.yaml", 15, 21, _NOT_SERVED)
    ]
    # the fix edits the patch that wrote the path, not the base
    fixed = fix_twice(tmp_path, "VL601", "k8s/overlays/prod/probe.yaml")
    assert fixed.endswith("              path: /health\n")
    assert (tmp_path / "k8s/base/api.yaml").read_text() == _SERVED["k8s/base/api.yaml"]
    assert _found(tmp_path, "VL601") == []


def test_base_alone_serves_its_probe(tmp_path: Path) -> None:
    _write(tmp_path, _SERVED)
    assert _found(tmp_path, "VL601") == []


def test_inline_patch_moving_the_probe_is_reported_inside_the_kustomization(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            **_SERVED,
            "k8s/overlays/prod/kustomization.yaml": (
                "resources:\n"
                "  - ../../base\n"
                "patches:\n"
                "  - target: {kind: Deployment, name: api}\n"
                "    patch: |-\n"
                "      - op: replace\n"
                "        path: /spec/template/spec/containers/0/readinessProbe/httpGet/path\n"
                "        value: /ready\n"
            ),
        },
    )
    # reported where `/ready` is written; no fix (no key path reaches inside the string)
    result = lint(tmp_path, Config(), Selection(select=("VL601",)))
    [diag] = result.diagnostics
    assert (diag.path, diag.line, diag.col, diag.message) == (
        "k8s/overlays/prod/kustomization.yaml",
        8,
        16,
        _NOT_SERVED,
    )
    assert diag.fix is None


def test_rendered_env_keeps_where_each_value_was_written(tmp_path: Path) -> None:
    ws = _ws(tmp_path, {**_SERVED, **_PROD})
    [workload] = ws.workloads
    assert (workload.ident, workload.path, workload.synced_by) == (
        "Deployment/api",
        "k8s/base/api.yaml",
        ("k8s/overlays/prod",),
    )
    [container] = workload.containers
    cpath = ("spec", "template", "spec", "containers", 0)
    assert [(v.name, v.value, v.at) for v in container.env] == [
        # set in the base only: the base
        ("LOG_LEVEL", "info", Written("k8s/base/api.yaml", 18, 15, 0, (*cpath, "env", 0))),
        # added by the overlay's patch: the patch
        ("WORKERS", "4", Written("k8s/overlays/prod/probe.yaml", 11, 15, 0, (*cpath, "env", 0))),
    ]
    [probe] = container.probes
    assert (probe.path, probe.path_at, probe.port, probe.port_at) == (
        "/ready",
        Written(
            "k8s/overlays/prod/probe.yaml", 15, 21, 0, (*cpath, "readinessProbe", "httpGet", "path")
        ),
        8000,
        Written("k8s/base/api.yaml", 23, 21, 0, (*cpath, "readinessProbe", "httpGet", "port")),
    )
    assert container.at == Written("k8s/base/api.yaml", 13, 11, 0, cpath)
    assert [(p.number, p.at.path) for p in container.ports] == [(8000, "k8s/base/api.yaml")]


def test_a_patch_setting_a_base_value_is_where_the_value_is(tmp_path: Path) -> None:
    ws = _ws(
        tmp_path,
        {
            **_SERVED,
            "k8s/overlays/prod/kustomization.yaml": (
                "resources:\n  - ../../base\npatches:\n  - path: level.yaml\n"
                "  - target: {kind: Deployment}\n"
                "    patch: |-\n"
                "      - op: add\n"
                "        path: /spec/template/spec/containers/0/env/-\n"
                "        value: {name: MODE, value: prod}\n"
            ),
            "k8s/overlays/prod/level.yaml": (
                "kind: Deployment\n"
                "metadata:\n"
                "  name: api\n"
                "spec:\n"
                "  template:\n"
                "    spec:\n"
                "      containers:\n"
                "        - name: api\n"
                "          env:\n"
                "            - name: LOG_LEVEL\n"
                "              value: debug\n"
            ),
        },
    )
    [container] = ws.workloads[0].containers
    cpath = ("spec", "template", "spec", "containers", 0)
    assert [(v.name, v.value, v.at) for v in container.env] == [
        # the base's entry, whose value the strategic merge patch sets: the patch's entry
        (
            "LOG_LEVEL",
            "debug",
            Written("k8s/overlays/prod/level.yaml", 10, 15, 0, (*cpath, "env", 0)),
        ),
        # appended by an inline JSON 6902 patch: inside the kustomization, not editable
        (
            "MODE",
            "prod",
            Written("k8s/overlays/prod/kustomization.yaml", 9, 9, None, (0, "value")),
        ),
    ]


def test_cronjob_overlay_patch_env_is_on_the_rendered_container(tmp_path: Path) -> None:
    ws = _ws(
        tmp_path,
        {
            "k8s/base/kustomization.yaml": "resources:\n  - report.yaml\n",
            "k8s/base/report.yaml": (
                "apiVersion: batch/v1\n"
                "kind: CronJob\n"
                "metadata:\n"
                "  name: report\n"
                "spec:\n"
                "  schedule: '0 3 * * *'\n"
                "  jobTemplate:\n"
                "    spec:\n"
                "      template:\n"
                "        spec:\n"
                "          restartPolicy: OnFailure\n"
                "          containers:\n"
                "            - name: report\n"
                "              image: ghcr.io/acme/report:1.0.0\n"
            ),
            "k8s/overlays/prod/kustomization.yaml": (
                "resources:\n  - ../../base\npatches:\n  - path: env.yaml\n"
            ),
            "k8s/overlays/prod/env.yaml": (
                "apiVersion: batch/v1\n"
                "kind: CronJob\n"
                "metadata:\n"
                "  name: report\n"
                "spec:\n"
                "  jobTemplate:\n"
                "    spec:\n"
                "      template:\n"
                "        spec:\n"
                "          containers:\n"
                "            - name: report\n"
                "              env:\n"
                "                - name: REPORT_BUCKET\n"
                "                  value: s3://reports\n"
            ),
        },
    )
    [workload] = ws.workloads
    assert (workload.kind, workload.synced_by) == ("CronJob", ("k8s/overlays/prod",))
    [container] = workload.containers
    cpath = ("spec", "jobTemplate", "spec", "template", "spec", "containers", 0)
    assert container.at == Written("k8s/base/report.yaml", 13, 15, 0, cpath)
    assert [(v.name, v.value, v.at) for v in container.env] == [
        (
            "REPORT_BUCKET",
            "s3://reports",
            Written("k8s/overlays/prod/env.yaml", 13, 19, 0, (*cpath, "env", 0)),
        )
    ]


def test_one_workload_per_distinct_rendering(tmp_path: Path) -> None:
    base = _SERVED["k8s/base/api.yaml"].replace("path: /health", "path: /ready")
    overlay = "resources:\n  - ../../base\n"
    _write(
        tmp_path,
        {
            **_SERVED,
            "k8s/base/api.yaml": base,
            "k8s/overlays/a/kustomization.yaml": overlay,
            "k8s/overlays/b/kustomization.yaml": overlay,
            **_PROD,
            "k8s/overlays/prod/probe.yaml": _PROD["k8s/overlays/prod/probe.yaml"].replace(
                "path: /ready", "path: /health"
            ),
        },
    )
    ws = _ws(tmp_path)
    # a and b render the base identically: one workload; prod patches it: its own
    assert [(w.synced_by, w.containers[0].probes[0].path) for w in ws.workloads] == [
        (("k8s/overlays/a", "k8s/overlays/b"), "/ready"),
        (("k8s/overlays/prod",), "/health"),
    ]
    by_root = {r.name: [w.synced_by for w in r.workloads] for r in ws.sync_roots}
    assert by_root == {
        "k8s/overlays/a": [("k8s/overlays/a", "k8s/overlays/b")],
        "k8s/overlays/b": [("k8s/overlays/a", "k8s/overlays/b")],
        "k8s/overlays/prod": [("k8s/overlays/prod",)],
    }
    # reported once, at the base; prod serves its probe
    assert [d[:4] for d in _found(tmp_path, "VL601")] == [("VL601", "k8s/base/api.yaml", 22, 21)]


def test_plaintext_secret_of_a_patch_is_fixed_in_the_patch(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            **_SERVED,
            "k8s/base/kustomization.yaml": "resources:\n  - api.yaml\n  - secret.yaml\n",
            "k8s/base/secret.yaml": (
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-secrets\n"
                "stringData:\n  DB_PASSWORD: changeme\n"
            ),
            "k8s/overlays/prod/kustomization.yaml": (
                "resources:\n  - ../../base\npatches:\n  - path: env.yaml\n"
            ),
            "k8s/overlays/prod/env.yaml": (
                "kind: Deployment\n"
                "metadata:\n"
                "  name: api\n"
                "spec:\n"
                "  template:\n"
                "    spec:\n"
                "      containers:\n"
                "        - name: api\n"
                "          env:\n"
                "            - name: DB_PASSWORD\n"
                "              value: hunter2-prod\n"
            ),
        },
    )
    assert [d[:4] for d in _found(tmp_path, "VL402")] == [
        ("VL402", "k8s/overlays/prod/env.yaml", 10, 15)
    ]
    fixed = fix_twice(tmp_path, "VL402", "k8s/overlays/prod/env.yaml")
    assert fixed.endswith(
        "            - name: DB_PASSWORD\n"
        "              valueFrom:\n"
        "                secretKeyRef:\n"
        "                  name: api-secrets\n"
        "                  key: DB_PASSWORD\n"
    )
    assert _found(tmp_path, "VL402") == []


def test_config_sources_are_synced_like_the_workloads(tmp_path: Path) -> None:
    """A namePrefix renames the references and the objects alike: the rendered workload's
    references meet the rendered ConfigMaps; a fix writes the name as written."""
    base = _SERVED["k8s/base/api.yaml"].replace(
        "          env:\n            - name: LOG_LEVEL\n              value: info\n",
        "          env:\n"
        "            - name: LOG_LEVEL\n"
        "              valueFrom:\n"
        "                configMapKeyRef: {name: api-config, key: level}\n",
    )
    _write(
        tmp_path,
        {
            **_SERVED,
            "services/api/main.py": _SERVED["services/api/main.py"]
            + "\nimport os\n\nURL = os.environ['DATABASE_URL']\n",
            "k8s/base/kustomization.yaml": "resources:\n  - api.yaml\n  - config.yaml\n",
            "k8s/base/api.yaml": base,
            "k8s/base/config.yaml": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\n"
                "data:\n  log_level: info\n  DATABASE_URL: postgres://db/app\n"
            ),
            "k8s/overlays/dev/kustomization.yaml": "namePrefix: dev-\nresources:\n  - ../../base\n",
            "k8s/overlays/prod/kustomization.yaml": (
                "namePrefix: prod-\nresources:\n  - ../../base\n"
            ),
        },
    )
    ws = _ws(tmp_path)
    assert [(s.name, s.written_name, s.synced_by) for s in ws.config_sources] == [
        ("dev-api-config", "api-config", ("k8s/overlays/dev",)),
        ("prod-api-config", "api-config", ("k8s/overlays/prod",)),
    ]
    found = _found(tmp_path, "VL403", "VL401")
    assert [d[:4] for d in found] == [
        ("VL403", "k8s/base/api.yaml", 18, 15),
        ("VL403", "k8s/base/api.yaml", 18, 15),
        ("VL401", "services/api/main.py", 12, 7),
    ]
    assert "of ConfigMap dev-api-config, which does not define it" in found[0][4]
    assert "of ConfigMap prod-api-config, which does not define it" in found[1][4]
    # each rendering sees its own ConfigMap only: one candidate, written as written
    assert found[2][4].endswith("(ConfigMap dev-api-config defines it)")
    fixed = fix_twice(tmp_path, "VL401", "k8s/base/api.yaml")
    assert (
        "            - name: DATABASE_URL\n"
        "              valueFrom:\n"
        "                configMapKeyRef:\n"
        "                  name: api-config\n"
        "                  key: DATABASE_URL\n"
    ) in fixed


def test_items_that_move_keep_where_they_were_written(tmp_path: Path) -> None:
    """A patch that removes or inserts a list item moves the items after it: each keeps its
    own place (the base's item, not the base's item of the same index)."""
    base = _SERVED["k8s/base/api.yaml"].replace(
        "            - name: LOG_LEVEL\n              value: info\n",
        "            - name: LOG_LEVEL\n              value: info\n"
        "            - name: TZ\n              value: UTC\n",
    )
    ws = _ws(
        tmp_path,
        {
            **_SERVED,
            "k8s/base/api.yaml": base,
            "k8s/overlays/prod/kustomization.yaml": (
                "resources:\n"
                "  - ../../base\n"
                "patches:\n"
                "  - target: {kind: Deployment}\n"
                "    patch: |-\n"
                "      - op: remove\n"
                "        path: /spec/template/spec/containers/0/env/0\n"
                "      - op: add\n"
                "        path: /spec/template/spec/containers/0/env/1\n"
                "        value: {name: MODE, value: prod}\n"
                "      - op: add\n"
                "        path: /spec/template/spec/containers/0/env/0\n"
                "        value: {name: FIRST, value: '1'}\n"
            ),
        },
    )
    [container] = ws.workloads[0].containers
    cpath = ("spec", "template", "spec", "containers", 0)
    assert [(v.name, v.at.path, v.at.line, v.at.keypath) for v in container.env] == [
        ("FIRST", "k8s/overlays/prod/kustomization.yaml", 13, (2, "value")),
        ("TZ", "k8s/base/api.yaml", 20, (*cpath, "env", 1)),
        ("MODE", "k8s/overlays/prod/kustomization.yaml", 10, (1, "value")),
    ]


def test_probe_port_of_a_patch_is_fixed_in_the_patch(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            **_SERVED,
            **_PROD,
            "k8s/overlays/prod/probe.yaml": _PROD["k8s/overlays/prod/probe.yaml"].replace(
                "              path: /ready\n",
                "              path: /health\n              port: 9000\n",
            ),
        },
    )
    assert [d[:4] for d in _found(tmp_path, "VL602")] == [
        ("VL602", "k8s/overlays/prod/probe.yaml", 16, 21)
    ]
    fixed = fix_twice(tmp_path, "VL602", "k8s/overlays/prod/probe.yaml")
    assert fixed.endswith("              path: /health\n              port: 8000\n")
    assert (tmp_path / "k8s/base/api.yaml").read_text() == _SERVED["k8s/base/api.yaml"]


def test_a_diamond_of_bases_past_the_render_budget_is_not_rendered(tmp_path: Path) -> None:
    """Bases that include the next level twice double the objects at each level (18 levels
    took minutes): past MAX_RENDERED objects the root is not rendered, and a note says why."""
    from vertice_lint.link import render

    files: dict[str, str] = {}
    levels = 16
    for i in range(levels):
        for side in "ab":
            if i == levels - 1:
                files[f"l{i}{side}/kustomization.yaml"] = "resources: [cm.yaml]\n"
                files[f"l{i}{side}/cm.yaml"] = (
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: {a: b}\n"
                )
            else:
                files[f"l{i}{side}/kustomization.yaml"] = (
                    f"resources: [../l{i + 1}a, ../l{i + 1}b]\nnamePrefix: {side}{i}-\n"
                )
    ws = workspace(tmp_path, files)
    roots = {r.path: r for r in ws.sync_roots}
    assert roots["l0a/kustomization.yaml"].objects == ()
    assert any(
        n.startswith(f"l0a/kustomization.yaml: renders more than {render.MAX_RENDERED:,} objects")
        for n in ws.notes
    )
