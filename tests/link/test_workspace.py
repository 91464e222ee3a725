"""Tests for the link step: the Workspace built from small repositories (see model.py)."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from tests.helpers import write_repo
from vertice_lint.config import Config, ServiceMapping, load_config
from vertice_lint.diagnostics import Evidence
from vertice_lint.engine import lint
from vertice_lint.link.workspace import image_repository
from vertice_lint.model import (
    ConfigSource,
    CopyStep,
    EnvFrom,
    EnvVar,
    Link,
    Port,
    Probe,
    Service,
    Workload,
    Workspace,
    Written,
)
from vertice_lint.paths import join
from vertice_lint.suppress import ObjectScope

NO_RULES = Config(select=())


def write(root: Path, files: dict[str, str]) -> None:
    write_repo(root, {rel: dedent(text).lstrip("\n") for rel, text in files.items()})


def workspace(root: Path, files: dict[str, str], config: Config = NO_RULES) -> Workspace:
    write(root, files)
    return lint(root, config).workspace


def by_name(ws: Workspace, name: str, kind: str = "Pod") -> Workload:
    (found,) = [w for w in ws.workloads if w.name == name and w.kind == kind]
    return found


# --- path helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "rel", "joined"),
    [
        ("deploy/compose", "../..", ""),
        ("deploy/compose", "../../services/api", "services/api"),
        ("", "./api/", "api"),
        ("a", "/abs/x", "a/abs/x"),  # COPY sources are context-relative even with a leading /
        ("deploy", "../../x", "../x"),
        ("", "../a/..", ".."),
        ("a/b", "../../../c", "../c"),
    ],
)
def test_join(base: str, rel: str, joined: str) -> None:
    assert join(base, rel) == joined


@pytest.mark.parametrize(
    ("ref", "repo"),
    [
        ("ghcr.io/org/api:1.2@sha256:abc", "ghcr.io/org/api"),
        ("localhost:5000/api", "localhost:5000/api"),
        ("localhost:5000/api:dev", "localhost:5000/api"),
        ("api", "api"),
    ],
)
def test_image_repository(ref: str, repo: str) -> None:
    assert image_repository(ref) == repo


# --- images ------------------------------------------------------------------------------------

API_DOCKERFILE = """
    FROM python:3.12 AS builder
    WORKDIR /build
    ENV BUILD_ONLY=1
    RUN pip wheel -w /build/wheels flask
    FROM python:3.12-slim
    WORKDIR /app
    ENV PORT=8000 MODE=prod
    COPY --from=builder /build/wheels /wheels
    COPY requirements.txt .
    ADD src/ ./src/
    USER app
    EXPOSE 8000 9000/udp
    ENTRYPOINT ["python"]
    CMD ["-m", "api"]
    """

TWO_CONTEXTS_COMPOSE = """
    services:
      api-root:
        build:
          context: ../..
          dockerfile: services/api/Dockerfile
        image: ghcr.io/org/api-root:1.0
      api:
        build: ../../services/api
        image: ghcr.io/org/api:dev
    """


def test_one_image_per_dockerfile_and_context(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "services/api/Dockerfile": API_DOCKERFILE,
            "services/api/requirements.txt": "flask\n",
            "services/api/.dockerignore": "*.pyc\n",
            ".dockerignore": ".git\n",
            "deploy/compose/docker-compose.yml": TWO_CONTEXTS_COMPOSE,
        },
    )
    root_img, own_img = ws.images
    assert root_img.key == "services/api/Dockerfile@."
    assert own_img.key == "services/api/Dockerfile@services/api"
    assert (root_img.context, own_img.context) == ("", "services/api")
    assert (root_img.names, own_img.names) == (("ghcr.io/org/api-root",), ("ghcr.io/org/api",))
    assert (root_img.dockerignore, own_img.dockerignore) == (
        ".dockerignore",
        "services/api/.dockerignore",
    )
    assert (root_img.service, own_img.service) == ("api", "api")
    compose = "deploy/compose/docker-compose.yml"
    assert root_img.link == Link(
        "compose build", (Evidence(compose, 2, 3, "compose service api-root builds it"),)
    )
    assert own_img.link == Link(
        "compose build", (Evidence(compose, 7, 3, "compose service api builds it"),)
    )
    # the final stage only: nothing of the builder stage
    for image in ws.images:
        assert image.workdir == "/app"
        assert dict(image.env) == {"PORT": "8000", "MODE": "prod"}
        assert image.user == "app"
        assert image.exposed == (8000, 9000)
        assert image.entrypoint == ("python",)
        assert image.cmd == ("-m", "api")
    wheels = CopyStep(("/build/wheels",), "/wheels", "builder", False, 8, 1)
    assert root_img.copies == (
        wheels,
        CopyStep(("requirements.txt",), "/app", None, False, 9, 1),
        CopyStep(("src",), "/app/src", None, True, 10, 1),
    )
    assert own_img.copies == (
        wheels,
        CopyStep(("services/api/requirements.txt",), "/app", None, False, 9, 1),
        CopyStep(("services/api/src",), "/app/src", None, True, 10, 1),
    )
    assert ws.notes == ()


def test_dockerfile_built_elsewhere_is_not_also_built_from_its_directory(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "services/api/Dockerfile": "FROM python:3.12\nCOPY services/api/ /app/\n",
            "deploy/docker-compose.yml": """
                services:
                  api:
                    build: {context: .., dockerfile: services/api/Dockerfile}
                """,
            "worker/Dockerfile": "FROM python:3.12\nCOPY . /app\n",
        },
    )
    assert [(i.key, i.link.reason, i.dockerignore) for i in ws.images] == [
        ("services/api/Dockerfile@.", "compose build", None),
        (
            "worker/Dockerfile@worker",
            "Dockerfile in its own directory (default build context)",
            None,
        ),
    ]
    assert ws.images[0].copies[0].sources == ("services/api",)
    assert ws.images[1].copies[0].sources == ("worker",)


def test_compose_build_of_a_missing_dockerfile_is_a_note(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {"docker-compose.yml": "services:\n  api:\n    build: ./api\n"},
    )
    assert ws.images == ()
    assert ws.notes == (
        "docker-compose.yml: service api builds api/Dockerfile, which does not exist",
    )


def test_shell_form_cmd_runs_through_the_stage_shell(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "a/Dockerfile": "FROM python:3.12\nCMD python main.py\n",
            "b/Dockerfile": (
                'FROM python:3.12\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\n'
                "ENTRYPOINT exec python main.py\n"
            ),
        },
    )
    a, b = ws.images
    assert (a.cmd, a.entrypoint, a.workdir, a.user, a.exposed) == (
        ("/bin/sh", "-c", "python main.py"),
        None,
        "/",
        None,
        (),
    )
    assert (b.cmd, b.entrypoint) == (
        None,
        ("/bin/bash", "-o", "pipefail", "-c", "exec python main.py"),
    )


def test_dockerfile_specific_dockerignore_wins_over_the_context_one(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "api/api.Dockerfile": "FROM python:3.12\n",
            "api/api.Dockerfile.dockerignore": "*\n",
            "api/.dockerignore": ".git\n",
            "docker-compose.yml": """
                services:
                  api:
                    build: {context: ./api, dockerfile: api.Dockerfile}
                """,
        },
    )
    (image,) = ws.images
    assert (image.key, image.dockerignore) == (
        "api/api.Dockerfile@api",
        "api/api.Dockerfile.dockerignore",
    )


def test_dockerignore_of_plain_dockerfile(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {"api/Dockerfile": "FROM python:3.12\n", "api/Dockerfile.dockerignore": "*\n"},
    )
    (image,) = ws.images
    assert image.dockerignore == "api/Dockerfile.dockerignore"
    assert ws.notes == ()


def test_stale_and_unreferenced_variants_are_not_images(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "api/Dockerfile": "FROM python:3.12\n",
            "api/Dockerfile.old": "FROM python:3.8\n",
            "api/Dockerfile.backup_2": "FROM python:3.9\n",
            "worker/Dockerfile.prod": "FROM python:3.12\n",
            ".github/workflows/build.yml": """
                jobs:
                  build:
                    steps:
                      - uses: docker/build-push-action@v6
                        with: {context: worker, file: worker/Dockerfile.prod}
                """,
            "web/Dockerfile.dev": "FROM node:22\n",
            "compose.yaml": """
                services:
                  web:
                    build: {context: web, dockerfile: Dockerfile.dev}
                """,
            "jobs/Dockerfile.backup_1": "FROM python:3.12\n",
        },
        Config(
            select=(), services=(ServiceMapping("jobs", dockerfile="jobs/Dockerfile.backup_1"),)
        ),
    )
    assert ws.stale_dockerfiles == ("api/Dockerfile.backup_2", "api/Dockerfile.old")
    assert ws.notes == (
        "api/Dockerfile.backup_2: Dockerfile variant that no compose file, workflow or config"
        " references: not treated as an image",
        "api/Dockerfile.old: Dockerfile variant that no compose file, workflow or config"
        " references: not treated as an image",
    )
    assert [(i.key, i.link) for i in ws.images] == [
        ("api/Dockerfile@api", Link("Dockerfile in its own directory (default build context)")),
        ("jobs/Dockerfile.backup_1@jobs", Link("config: [tool.vertice-lint.services.jobs]")),
        (
            "web/Dockerfile.dev@web",
            Link(
                "compose build", (Evidence("compose.yaml", 2, 3, "compose service web builds it"),)
            ),
        ),
        (
            "worker/Dockerfile.prod@worker",
            Link(
                "CI build",
                (
                    Evidence(
                        ".github/workflows/build.yml",
                        4,
                        9,
                        "docker/build-push-action builds worker/Dockerfile.prod"
                        " with context worker",
                    ),
                ),
            ),
        ),
    ]


# --- services ----------------------------------------------------------------------------------


def test_services_and_their_requirements(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12\n",  # the root directory is not a service
            "api/Dockerfile": "FROM python:3.12\n",
            "api/requirements.txt": "flask\n",
            "api/requirements-dev.txt": "pytest\n",
            "api/requirements.txt.bak": "flask==1.0\n",
            "api/app/requirements.txt": "nope\n",  # not the service's own directory
            "libs/common/util.py": "",
            "tools/api/Dockerfile": "FROM python:3.12\n",  # same last segment as api/
        },
    )
    assert ws.services == (
        Service(
            "api",
            "api",
            ("api/Dockerfile",),
            ("api/requirements-dev.txt", "api/requirements.txt"),
            Link("api/Dockerfile builds it"),
        ),
        Service(
            "tools/api",
            "tools/api",
            ("tools/api/Dockerfile",),
            (),
            Link("tools/api/Dockerfile builds it"),
        ),
    )
    assert [(i.key, i.service) for i in ws.images] == [
        ("Dockerfile@.", None),
        ("api/Dockerfile@api", "api"),
        ("tools/api/Dockerfile@tools/api", "tools/api"),
    ]


CONFIG_TOML = """
    [tool.vertice-lint]
    select = []

    [tool.vertice-lint.services.billing]
    source = "src/billing"
    dockerfile = "docker/billing.Dockerfile"
    context = "."
    image = "ghcr.io/org/billing"
    """


def test_config_services_override_the_heuristics(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": CONFIG_TOML,
            "docker/billing.Dockerfile": "FROM python:3.12\nCOPY src/billing /app\n",
            "docker/Dockerfile": "FROM python:3.12\n",  # its directory is configured: skipped
            "src/billing/main.py": "",
            "src/billing/requirements.txt": "stripe\n",
            "k8s/deploy.yaml": """
                apiVersion: v1
                kind: Pod
                metadata: {name: billing}
                spec:
                  containers:
                    - name: billing
                      image: ghcr.io/org/billing:2.0
                """,
        },
    )
    config = load_config(tmp_path / "pyproject.toml", tmp_path)
    assert config.problems == ()
    ws = lint(tmp_path, config).workspace
    assert ws.services == (
        Service(
            "billing",
            "src/billing",
            ("docker/billing.Dockerfile",),
            ("src/billing/requirements.txt",),
            Link("config: [tool.vertice-lint.services.billing]"),
        ),
    )
    (image,) = ws.images
    assert (image.key, image.context, image.service, image.names) == (
        "docker/billing.Dockerfile@.",
        "",
        "billing",
        ("ghcr.io/org/billing",),
    )
    assert image.copies[0].sources == ("src/billing",)
    (container,) = by_name(ws, "billing").containers
    assert container.image_link == image
    assert container.image_link_reason == Link(
        "config: services.billing.image = ghcr.io/org/billing"
    )
    assert ws.notes == ()


def test_config_service_name_beats_a_heuristic_service_of_the_same_name(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "api/Dockerfile": "FROM python:3.12\n",
            "docker/api.Dockerfile": "FROM python:3.12\n",
            "services/api/main.py": "",
        },
        Config(
            select=(),
            services=(
                ServiceMapping(
                    "api", source="services/api", dockerfile="docker/api.Dockerfile", image="x/api"
                ),
            ),
        ),
    )
    assert ws.services == (
        Service(
            "api",
            "services/api",
            ("docker/api.Dockerfile",),
            (),
            Link("config: [tool.vertice-lint.services.api]"),
        ),
    )
    assert [(i.key, i.service) for i in ws.images] == [
        ("api/Dockerfile@api", None),
        ("docker/api.Dockerfile@docker", "api"),
    ]
    assert ws.notes == (
        "api/: builds api/Dockerfile but the service name 'api' is taken by the config;"
        " not a service",
    )


# --- Kubernetes workloads ----------------------------------------------------------------------

DEPLOYMENT = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
      namespace: shop
      labels: {app: api}
    spec:
      replicas: 3
      selector:
        matchLabels: {app: api}
      template:
        metadata:
          labels: {app: api, tier: web}
        spec:
          serviceAccountName: api-sa
          securityContext: {runAsNonRoot: true}
          initContainers:
            - name: migrate
              image: ghcr.io/org/api:1.2
              command: ["python", "-m", "migrate"]
          containers:
            - name: api
              image: ghcr.io/org/api:1.2
              args: --port 8000 --workers 2
              env:
                - name: PORT
                  value: "8000"
                - name: DB_HOST
                  valueFrom:
                    configMapKeyRef: {name: api-config, key: db_host}
                - name: DB_PASSWORD
                  valueFrom:
                    secretKeyRef: {name: api-secret, key: password, optional: true}
                - name: POD_IP
                  valueFrom:
                    fieldRef: {fieldPath: status.podIP}
              envFrom:
                - configMapRef: {name: api-env}
                  prefix: API_
                - secretRef: {name: api-secret-env, optional: true}
              ports:
                - name: http
                  containerPort: 8000
                - containerPort: 9000
                  protocol: UDP
              livenessProbe:
                httpGet: {path: /healthz, port: http}
              readinessProbe:
                httpGet:
                  path: /ready
                  port: 8000
              startupProbe:
                tcpSocket: {port: 8000}
              securityContext:
                readOnlyRootFilesystem: true
                capabilities: {drop: [ALL]}
              volumeMounts:
                - {name: tmp, mountPath: /tmp}
          volumes:
            - name: tmp
              emptyDir: {}
    """


def test_deployment_workload(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"k8s/api.yaml": DEPLOYMENT})
    (w,) = ws.workloads
    assert (w.kind, w.name, w.namespace, w.path, w.doc_index, w.keypath, w.line, w.col) == (
        "Deployment",
        "api",
        "shop",
        "k8s/api.yaml",
        0,
        (),
        1,
        1,
    )
    assert w.ident == "Deployment/shop/api"
    assert w.replicas == 3
    assert w.service_account == "api-sa"
    assert dict(w.pod_security_context) == {"runAsNonRoot": True}
    assert dict(w.labels) == {"app": "api"}
    assert w.selector == {"app": "api"}
    assert dict(w.template_labels) == {"app": "api", "tier": "web"}
    assert w.volumes == ({"name": "tmp", "emptyDir": {}},)
    init, main = w.containers
    pod = ("spec", "template", "spec")
    assert (init.name, init.init, init.keypath, init.line, init.col) == (
        "migrate",
        True,
        (*pod, "initContainers", 0),
        18,
        11,
    )
    assert (init.image, init.command, init.args) == (
        "ghcr.io/org/api:1.2",
        ("python", "-m", "migrate"),
        None,
    )
    assert (main.name, main.init, main.keypath, main.line, main.col) == (
        "api",
        False,
        (*pod, "containers", 0),
        22,
        11,
    )
    assert (main.command, main.args) == (None, ("--port", "8000", "--workers", "2"))
    assert w.synced_by == ("k8s",)  # the plain directory of manifests, as written
    c = (*pod, "containers", 0)

    def at(line: int, col: int, *keys: str | int) -> Written:
        return Written("k8s/api.yaml", line, col, 0, (*c, *keys))

    assert main.at == at(22, 11)
    assert main.image_at == at(23, 18, "image")
    assert main.env == (
        EnvVar("PORT", "8000", None, None, None, False, at(26, 15, "env", 0)),
        EnvVar(
            "DB_HOST", None, "configMapKeyRef", "api-config", "db_host", False, at(28, 15, "env", 1)
        ),
        EnvVar(
            "DB_PASSWORD",
            None,
            "secretKeyRef",
            "api-secret",
            "password",
            True,
            at(31, 15, "env", 2),
        ),
        EnvVar("POD_IP", None, "fieldRef", None, None, False, at(34, 15, "env", 3)),
    )
    assert main.env_from == (
        EnvFrom("configMap", "api-env", "API_", False, at(38, 15, "envFrom", 0)),
        EnvFrom("secret", "api-secret-env", "", True, at(40, 15, "envFrom", 1)),
    )
    assert main.ports == (
        Port(8000, "http", "TCP", at(42, 15, "ports", 0)),
        Port(9000, None, "UDP", at(44, 15, "ports", 1)),
    )
    live, ready, startup = ("livenessProbe",), ("readinessProbe",), ("startupProbe",)
    assert main.probes == (
        Probe(
            "liveness",
            "httpGet",
            "/healthz",
            "http",
            at(47, 13, *live, "httpGet"),
            at(47, 29, *live, "httpGet", "path"),
            at(47, 45, *live, "httpGet", "port"),
        ),
        Probe(
            "readiness",
            "httpGet",
            "/ready",
            8000,
            at(49, 13, *ready, "httpGet"),
            at(50, 21, *ready, "httpGet", "path"),
            at(51, 21, *ready, "httpGet", "port"),
        ),
        Probe(
            "startup",
            "tcpSocket",
            None,
            8000,
            at(53, 13, *startup, "tcpSocket"),
            None,
            at(53, 31, *startup, "tcpSocket", "port"),
        ),
    )
    assert dict(main.security_context) == {
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert main.volume_mounts == (("tmp", "/tmp"),)
    assert init.env == init.env_from == init.ports == init.probes == init.volume_mounts == ()


OTHER_WORKLOADS = """
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db}
    spec:
      replicas: 1
      serviceName: db
      selector: {matchLabels: {app: db}}
      template:
        metadata: {labels: {app: db}}
        spec:
          containers:
            - {name: postgres, image: postgres:16}
    ---
    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: nightly}
    spec:
      schedule: "0 3 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: report
                  image: ghcr.io/org/report
                  command: python -m report
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: debug
      labels: {app: debug}
    spec:
      containers:
        - name: shell
          image: busybox
    ---
    apiVersion: v1
    kind: List
    items:
      - apiVersion: v1
        kind: ConfigMap
        metadata: {name: listed-config}
        data: {a: "1"}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: listed}
        spec:
          template:
            spec:
              containers:
                - name: app
                  image: nginx
    """


def test_other_workload_kinds(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"k8s/all.yaml": OTHER_WORKLOADS})
    summary = [
        (w.ident, w.doc_index, w.keypath, w.line, w.col, w.replicas, w.selector)
        for w in ws.workloads
    ]
    assert summary == [
        ("StatefulSet/db", 0, (), 1, 1, 1, {"app": "db"}),
        ("CronJob/nightly", 1, (), 14, 1, None, None),
        ("Pod/debug", 2, (), 29, 1, None, None),
        ("Deployment/listed", 3, ("items", 1), 46, 5, None, None),
    ]
    containers = [
        (c.name, c.image, c.command, c.keypath, c.line, c.col)
        for w in ws.workloads
        for c in w.containers
    ]
    assert containers == [
        ("postgres", "postgres:16", None, ("spec", "template", "spec", "containers", 0), 12, 11),
        (
            "report",
            "ghcr.io/org/report",
            ("python", "-m", "report"),
            ("spec", "jobTemplate", "spec", "template", "spec", "containers", 0),
            25,
            15,
        ),
        ("shell", "busybox", None, ("spec", "containers", 0), 36, 7),
        (
            "app",
            "nginx",
            None,
            ("items", 1, "spec", "template", "spec", "containers", 0),
            53,
            15,
        ),
    ]
    pod = by_name(ws, "debug")
    assert dict(pod.template_labels) == dict(pod.labels) == {"app": "debug"}
    assert [(s.kind, s.name, s.keys, s.line, s.col) for s in ws.config_sources] == [
        ("ConfigMap", "listed-config", frozenset({"a"}), 42, 5),
    ]


# --- compose workloads -------------------------------------------------------------------------

COMPOSE = """
    services:
      api:
        build: ./api
        command: ["python", "-m", "api"]
        entrypoint: /entry.sh --verbose
        environment:
          PORT: 8000
          DEBUG:
        env_file: .env
        ports:
          - "127.0.0.1:8080:8000"
          - target: 9000
            protocol: udp
          - "7000-7001:7000-7001"
        user: "1000"
        read_only: true
        privileged: true
        cap_add: [NET_ADMIN]
      worker:
        image: ghcr.io/org/worker:1
        command: python worker.py
        environment:
          - QUEUE=jobs
          - TOKEN
        env_file:
          - common.env
          - path: worker.env
    """


def test_compose_workloads(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {"api/Dockerfile": "FROM python:3.12\n", "docker-compose.yml": COMPOSE},
    )
    api, worker = ws.workloads
    assert (api.kind, api.ident, api.keypath, api.line, api.col, api.doc_index) == (
        "compose",
        "compose/api",
        ("services", "api"),
        2,
        3,
        0,
    )
    (c,) = api.containers
    assert (c.name, c.image, c.init, c.keypath, c.line, c.col) == (
        "api",
        None,
        False,
        ("services", "api"),
        2,
        3,
    )
    assert c.command == ("/entry.sh", "--verbose")
    assert c.args == ("python", "-m", "api")

    def at(line: int, col: int) -> Written:  # compose: a position, no key path
        return Written("docker-compose.yml", line, col, None, ())

    assert c.at == Written("docker-compose.yml", 2, 3, 0, ("services", "api"))
    assert c.env == (
        EnvVar("PORT", "8000", None, None, None, False, at(7, 7)),
        EnvVar("DEBUG", None, None, None, None, False, at(8, 7)),
    )
    assert c.env_from == (EnvFrom("file", ".env", "", False, at(9, 15)),)
    assert c.ports == (Port(8000, None, "TCP", at(11, 9)), Port(9000, None, "udp", at(12, 9)))
    assert dict(c.security_context) == {
        "user": "1000",
        "readOnlyRootFilesystem": True,
        "privileged": True,
        "capabilities": {"add": ["NET_ADMIN"]},
    }
    assert c.image_link is not None and c.image_link.key == "api/Dockerfile@api"
    assert c.image_link_reason == Link("compose build")
    (wc,) = worker.containers
    assert (wc.image, wc.command, wc.args, wc.line, wc.col) == (
        "ghcr.io/org/worker:1",
        None,
        ("python", "worker.py"),
        19,
        3,
    )
    assert wc.env == (
        EnvVar("QUEUE", "jobs", None, None, None, False, at(23, 9)),
        EnvVar("TOKEN", None, None, None, None, False, at(24, 9)),
    )
    assert wc.env_from == (
        EnvFrom("file", "common.env", "", False, at(26, 9)),
        EnvFrom("file", "worker.env", "", False, at(27, 9)),
    )
    assert wc.image_at == Written("docker-compose.yml", 20, 12, 0, ("services", "worker", "image"))
    assert wc.image_link is None


# --- container -> image links ------------------------------------------------------------------


def pod(name: str, image: str) -> str:
    return f"""
        apiVersion: v1
        kind: Pod
        metadata: {{name: {name}}}
        spec:
          containers:
            - {{name: {name}, image: "{image}"}}
        """


def test_link_by_compose_image_name(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "services/api/Dockerfile": "FROM python:3.12\n",
            "docker-compose.yml": """
                services:
                  api:
                    build: services/api
                    image: ghcr.io/org/shop-api:dev
                  api-again:
                    image: ghcr.io/org/shop-api:dev
                """,
            "k8s/pod.yaml": pod("api", "ghcr.io/org/shop-api:1.2@sha256:abcd"),
        },
    )
    (image,) = ws.images
    (container,) = by_name(ws, "api", "compose").containers
    (kube,) = by_name(ws, "api").containers
    assert container.image_link == image
    assert kube.image_link == image
    evidence = (Evidence("docker-compose.yml", 2, 3, "compose service api builds it"),)
    assert kube.image_link_reason == Link(
        "image ghcr.io/org/shop-api is built by services/api/Dockerfile@services/api", evidence
    )
    (again,) = by_name(ws, "api-again", "compose").containers
    assert again.image_link == image
    assert again.image_link_reason == kube.image_link_reason


@pytest.mark.parametrize(
    ("directory", "image"),
    [
        ("services/billing-worker", "registry.example.com:5000/team/billing_worker:v1"),
        ("services/billing_worker", "ghcr.io/org/billing-worker"),
        ("services/Billing.Worker", "billing-worker:latest"),
    ],
)
def test_link_by_service_directory_name(tmp_path: Path, directory: str, image: str) -> None:
    ws = workspace(
        tmp_path,
        {
            f"{directory}/Dockerfile": "FROM python:3.12\n",
            "services/other/Dockerfile": "FROM python:3.12\n",
            "k8s/pod.yaml": pod("worker", image),
        },
    )
    (container,) = by_name(ws, "worker").containers
    assert container.image_link is not None
    assert container.image_link.key == f"{directory}/Dockerfile@{directory}"
    last = image_repository(image).rsplit("/", 1)[-1].lower().replace("_", "-")
    assert container.image_link_reason == Link(
        f"image name {last!r} matches service directory {directory}/"
    )
    assert ws.notes == ()


def test_unrelated_image_is_not_linked(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {"api/Dockerfile": "FROM python:3.12\n", "k8s/pod.yaml": pod("cache", "redis:7")},
    )
    (container,) = by_name(ws, "cache").containers
    assert (container.image_link, container.image_link_reason) == (None, None)
    assert ws.notes == ()


def test_ambiguous_link_is_not_made(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "services/api/Dockerfile": API_DOCKERFILE,
            "deploy/compose/docker-compose.yml": TWO_CONTEXTS_COMPOSE.replace(
                "        image: ghcr.io/org/api:dev\n", ""
            ),
            "k8s/pod.yaml": pod("api", "ghcr.io/other/api:1"),
        },
    )
    assert len(ws.images) == 2
    (container,) = by_name(ws, "api").containers
    assert (container.image_link, container.image_link_reason) == (None, None)
    assert ws.notes == (
        "k8s/pod.yaml:6: image ghcr.io/other/api:1 could be any of services/api/Dockerfile@.,"
        " services/api/Dockerfile@services/api; not linked"
        " (map it in [tool.vertice-lint.services])",
    )


def test_config_image_beats_the_directory_heuristic(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "api/Dockerfile": "FROM python:3.12\n",
            "backend/Dockerfile": "FROM python:3.12\n",
            "k8s/pod.yaml": pod("api", "ghcr.io/org/api:3"),
        },
        Config(
            select=(),
            services=(ServiceMapping("backend", source="backend", image="ghcr.io/org/api"),),
        ),
    )
    (container,) = by_name(ws, "api").containers
    assert container.image_link is not None
    assert container.image_link.key == "backend/Dockerfile@backend"
    assert container.image_link_reason == Link("config: services.backend.image = ghcr.io/org/api")


OTEL_LIKE = {
    # opentelemetry-demo: one repository, the service in the tag, the Dockerfile from .env
    ".env": """
        IMAGE_NAME=ghcr.io/org/demo
        API_DOCKERFILE=./src/api/Dockerfile
        export WORKER_DOCKERFILE="./src/worker/Dockerfile"
        """,
    "docker-compose.yml": """
        services:
          api:
            image: ${IMAGE_NAME}:${DEMO_VERSION:-latest}-api
            build:
              context: ./
              dockerfile: ${API_DOCKERFILE}
          worker:
            image: ${IMAGE_NAME}:${DEMO_VERSION:-latest}-worker
            build:
              context: ./
              dockerfile: ${WORKER_DOCKERFILE}
          other:
            build:
              context: ./
              dockerfile: ${UNSET_DOCKERFILE}
        """,
    "src/api/Dockerfile": "FROM golang:1.22\nCOPY ./src/api/main.go main.go\n",
    "src/api/main.go": "package main\n",
    "src/worker/Dockerfile": "FROM node:22\nCOPY ./src/worker/index.js index.js\n",
    "src/worker/index.js": "",
    "k8s/pod.yaml": pod("api", "ghcr.io/org/demo:2.0.2-api"),
}


def test_compose_build_fields_are_interpolated_from_dot_env(tmp_path: Path) -> None:
    ws = workspace(tmp_path, OTEL_LIKE)
    assert sorted(i.key for i in ws.images) == [
        "src/api/Dockerfile@.",
        "src/worker/Dockerfile@.",
    ]
    assert all(i.names == ("ghcr.io/org/demo",) for i in ws.images)
    # a variable neither .env nor a default gives stays as written (the shell may set it)
    assert ws.notes == (
        "docker-compose.yml: service other builds ${UNSET_DOCKERFILE}, which does not exist",
    )


def test_one_repository_for_all_services_links_by_the_tag_suffix(tmp_path: Path) -> None:
    ws = workspace(tmp_path, OTEL_LIKE)
    (container,) = by_name(ws, "api").containers
    assert container.image_link is not None
    assert container.image_link.key == "src/api/Dockerfile@."


def test_link_through_a_layout_directory(tmp_path: Path) -> None:
    # microservices-demo: src/cartservice/src/Dockerfile builds the image `cartservice`
    ws = workspace(
        tmp_path,
        {
            "src/cartservice/src/Dockerfile": "FROM mcr.microsoft.com/dotnet/runtime-deps:8.0\n",
            "src/frontend/Dockerfile": "FROM alpine:3.20\n",
            "k8s/pod.yaml": pod("cart", "cartservice"),
        },
    )
    (container,) = by_name(ws, "cart").containers
    assert container.image_link is not None
    assert container.image_link.key == "src/cartservice/src/Dockerfile@src/cartservice/src"


# --- ConfigMaps and Secrets --------------------------------------------------------------------


def test_config_sources(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "k8s/config.yaml": """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: api-config, namespace: shop}
                data: {db_host: db, "8080": port}
                binaryData: {logo.png: aGVsbG8=}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: api-secret}
                data: {password: cGFzcw==}
                stringData: {token: abc}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: sealed}
                """,
            "k8s/kustomization.yaml": """
                namespace: shop
                resources: [config.yaml]
                configMapGenerator:
                  - name: gen-config
                    literals: [MODE=prod, LEVEL=debug=1]
                    files: [settings.ini, custom=conf/app.toml]
                    envs: [app.env]
                  - name: gen-missing
                    namespace: other
                    envs: [missing.env]
                secretGenerator:
                  - name: gen-secret
                    env: secret.properties
                """,
            "k8s/settings.ini": "[x]\n",
            "k8s/conf/app.toml": "a = 1\n",
            "k8s/app.env": "# comment\nexport HOST=x\nPORT = 80\n\nnot a pair\n",
            "k8s/secret.properties": "API_KEY=s3cr3t\n",
        },
        Config(
            select=(),
            external_configmaps=frozenset({"sealed"}),
            external_secrets=frozenset({"vault-secret"}),
        ),
    )
    kust = "k8s/kustomization.yaml"
    # as the kustomization renders them: in its namespace (which overrides a generator's own)
    expected = [
        ("ConfigMap", "api-config", {"db_host", "8080", "logo.png"}, "k8s/config.yaml", 1, 1),
        ("Secret", "api-secret", {"password", "token"}, "k8s/config.yaml", 7, 1),
        ("ConfigMap", "sealed", set(), "k8s/config.yaml", 13, 1),
        ("ConfigMap", "gen-config", {"MODE", "LEVEL", "settings.ini", "custom"}, kust, 4, 5),
        ("ConfigMap", "gen-missing", set(), kust, 8, 5),
        ("Secret", "gen-secret", {"API_KEY"}, kust, 12, 5),
    ]
    expected[3][2].update({"HOST", "PORT"})  # from its envs file
    assert ws.config_sources == tuple(
        ConfigSource(
            kind,
            name,
            "shop",
            frozenset(keys),
            path,
            line,
            col,
            path == kust,
            name == "sealed",
            name,
            ("k8s",),
            keys_unknown=name == "gen-missing",  # its envs file is not in the repository
        )
        for kind, name, keys, path, line, col in expected
    )
    assert ws.notes == (
        "k8s/kustomization.yaml:10: cannot read k8s/missing.env; the keys it gives ConfigMap"
        " gen-missing are unknown",
    )


# --- kube objects: patches, CRDs, ignore annotations -------------------------------------------


def test_patches_are_not_validated_and_crds_are_counted(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "k8s/base/deploy.yaml": pod("api", "nginx"),
            "k8s/overlay/kustomization.yaml": """
                resources: [../base, crontab.yaml]
                patches:
                  - path: patches/replicas.yaml
                  - patch: |-
                      - op: replace
                        path: /spec/replicas
                        value: 2
                    target: {kind: Deployment}
                patchesStrategicMerge: [env-patch.yaml]
                patchesJson6902:
                  - target: {kind: Deployment, name: api}
                    path: json-patch.yaml
                """,
            "k8s/overlay/patches/replicas.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: api}
                spec: {replicas: 5}
                """,
            "k8s/overlay/env-patch.yaml": """
                apiVersion: v1
                kind: Pod
                metadata: {name: api}
                spec:
                  containers:
                    - {name: api, env: [{name: X, value: "1"}]}
                """,
            "k8s/overlay/json-patch.yaml": "- {op: remove, path: /spec/replicas}\n",
            "k8s/overlay/crontab.yaml": """
                apiVersion: stable.example.com/v1
                kind: CronTab
                metadata: {name: nightly}
                spec: {cronSpec: "* * * * */5"}
                ---
                apiVersion: argoproj.io/v1alpha1
                kind: Rollout
                metadata: {name: canary}
                spec:
                  template:
                    spec:
                      containers: [{name: app, image: nginx}]
                """,
        },
    )
    assert [(e.path, e.obj.kind, e.validated) for e in ws.kube_objects] == [
        ("k8s/base/deploy.yaml", "Pod", True),
        ("k8s/overlay/crontab.yaml", "CronTab", True),
        ("k8s/overlay/crontab.yaml", "Rollout", True),
        ("k8s/overlay/env-patch.yaml", "Pod", False),
        ("k8s/overlay/patches/replicas.yaml", "Deployment", False),
    ]
    assert [(w.ident, w.path) for w in ws.workloads] == [
        ("Pod/api", "k8s/base/deploy.yaml"),
        ("Rollout/canary", "k8s/overlay/crontab.yaml"),
    ]
    assert ws.schema_skipped == 2  # CronTab and Rollout: no schema shipped
    assert ws.kubernetes_version != ""


def test_ignore_annotations_give_scopes(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "k8s/app.yaml": """
                # leading comment
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: quiet
                  annotations:
                    vertice-lint.io/ignore: "VL401, VL603"
                data: {a: "1"}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: loud}
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: all-quiet
                  annotations: {vertice-lint.io/ignore: ""}
                spec:
                  containers: [{name: a, image: nginx}]
                """,
        },
    )
    assert ws.ignore_scopes == (
        ObjectScope("k8s/app.yaml", 2, 8, ("VL401", "VL603")),
        ObjectScope("k8s/app.yaml", 14, 20, ()),
    )


def test_variant_named_by_path_when_its_file_name_is_not_unique(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "a/Dockerfile.prod": "FROM python:3.12\n",
            "b/Dockerfile.prod": "FROM python:3.12\n",
            "ci.yml": "steps:\n  - run: docker build -f ./a/Dockerfile.prod a\n",
        },
    )
    assert [(i.key, i.link.evidence) for i in ws.images] == [
        (
            "a/Dockerfile.prod@a",
            (Evidence("ci.yml", 2, 10, "builds a/Dockerfile.prod with context a"),),
        ),
    ]
    assert ws.stale_dockerfiles == ("b/Dockerfile.prod",)


def test_ignore_annotation_on_a_list_item_covers_that_item(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "k8s/list.yaml": """
                apiVersion: v1
                kind: List
                items:
                  - apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: quiet
                      annotations: {vertice-lint.io/ignore: VL801}
                  - apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: loud}
                  - apiVersion: v1
                    kind: Secret
                    metadata:
                      name: last
                      annotations: {vertice-lint.io/ignore: VL401}
                """,
        },
    )
    assert ws.ignore_scopes == (
        ObjectScope("k8s/list.yaml", 4, 8, ("VL801",)),
        ObjectScope("k8s/list.yaml", 12, 16, ("VL401",)),
    )


# --- builds run by CI workflows and scripts ----------------------------------------------------


CI_DOCKERFILE = 'FROM python:3.11-slim\nCOPY src/ /app/\nCMD ["python", "/app/main.py"]\n'


def test_workflow_docker_build_gives_the_context_and_the_image_name(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "build/Dockerfile": CI_DOCKERFILE,
            "src/main.py": "print('hi')\n",
            ".github/workflows/ci.yaml": """
                jobs:
                  build:
                    steps:
                      - run: |
                          docker build . -f build/Dockerfile \\
                            -t ghcr.io/acme/demo:${{ github.sha }}
            """,
        },
    )
    (image,) = ws.images
    assert (image.key, image.names) == ("build/Dockerfile@.", ())
    assert image.link.reason == "CI build"
    assert image.link.evidence == (
        Evidence(".github/workflows/ci.yaml", 5, 11, "builds build/Dockerfile with context ."),
    )
    assert image.copies[0].sources == ("src",)


def test_build_push_action_and_makefile(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "api/Dockerfile": CI_DOCKERFILE,
            "worker/docker/Dockerfile": CI_DOCKERFILE,
            "worker/Makefile": (
                "image:\n\tdocker build -t ghcr.io/acme/worker:1 -f docker/Dockerfile .\n"
            ),
            ".github/workflows/api.yaml": """
                jobs:
                  push:
                    steps:
                      - uses: docker/build-push-action@v6
                        with:
                          context: .
                          file: api/Dockerfile
                          tags: ghcr.io/acme/api:latest
            """,
        },
    )
    assert sorted((i.key, i.names) for i in ws.images) == [
        ("api/Dockerfile@.", ("ghcr.io/acme/api",)),
        ("worker/docker/Dockerfile@worker", ("ghcr.io/acme/worker",)),
    ]


def test_computed_build_paths_are_not_guessed(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "svc/Dockerfile": CI_DOCKERFILE,
            ".github/workflows/ci.yaml": "jobs: {b: {steps: [{run: docker build $CTX}]}}\n",
        },
    )
    (image,) = ws.images
    assert image.key == "svc/Dockerfile@svc"  # the default: its own directory


def test_skaffold_artifacts_name_and_locate_the_builds(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "src/frontend/Dockerfile": CI_DOCKERFILE,
            "src/cart/src/Dockerfile": CI_DOCKERFILE,
            "skaffold.yaml": """
                apiVersion: skaffold/v4beta11
                kind: Config
                build:
                  artifacts:
                    - image: frontend
                      context: src/frontend
                    - image: cartservice
                      context: src/cart/src
                      docker:
                        dockerfile: Dockerfile
            """,
            "k8s/frontend.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: frontend}
                spec:
                  selector: {matchLabels: {app: frontend}}
                  template:
                    metadata: {labels: {app: frontend}}
                    spec:
                      containers:
                        - name: server
                          image: frontend
            """,
        },
    )
    assert sorted((i.key, i.names) for i in ws.images) == [
        ("src/cart/src/Dockerfile@src/cart/src", ("cartservice",)),
        ("src/frontend/Dockerfile@src/frontend", ("frontend",)),
    ]
    (deploy,) = [w for w in ws.workloads if w.kind == "Deployment"]
    link = deploy.containers[0]
    assert link.image_link is not None
    assert link.image_link.key == "src/frontend/Dockerfile@src/frontend"


ROOT_DEPLOY = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
            - name: web
              image: ghcr.io/acme/techtrends:1.0.0
            - name: cache
              image: redis:7
"""


def test_root_dockerfile_links_by_the_repository_name(tmp_path: Path) -> None:
    root = tmp_path / "techtrends"
    ws = workspace(root, {"Dockerfile": CI_DOCKERFILE, "k8s/web.yaml": ROOT_DEPLOY})
    (deploy,) = [w for w in ws.workloads if w.kind == "Deployment"]
    web, cache = deploy.containers
    assert web.image_link is not None and web.image_link.key == "Dockerfile@."
    assert web.image_link_reason == Link(
        "image name 'techtrends' is the repository's name; Dockerfile at its root builds it"
    )
    assert cache.image_link is None


def test_root_dockerfile_links_by_the_pyproject_name(tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    ws = workspace(
        root,
        {
            "Dockerfile": CI_DOCKERFILE,
            "pyproject.toml": '[project]\nname = "techtrends"\nversion = "1.0"\n',
            "k8s/web.yaml": ROOT_DEPLOY,
        },
    )
    (deploy,) = [w for w in ws.workloads if w.kind == "Deployment"]
    assert deploy.containers[0].image_link is not None
    assert deploy.containers[1].image_link is None


def test_root_dockerfile_is_not_linked_to_an_unrelated_name(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path / "elsewhere", {"Dockerfile": CI_DOCKERFILE, "k8s/web.yaml": ROOT_DEPLOY}
    )
    (deploy,) = [w for w in ws.workloads if w.kind == "Deployment"]
    assert [c.image_link for c in deploy.containers] == [None, None]
