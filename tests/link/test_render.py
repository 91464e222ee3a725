"""Sync roots and rendering: overlays (patches, prefixes, namespaces, images), Argo CD, Flux."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import Found, lint_rules, workspace, write_repo
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
