"""Tests for the YAML parser: documents, positions, objects, compose, kustomizations, errors."""

from __future__ import annotations

import time
from textwrap import dedent
from typing import Any

import pytest
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from vertice_lint.diagnostics import ParseFailure, ParseProblem
from vertice_lint.k8s_schema import SchemaError, validate
from vertice_lint.parsers import yaml as yaml_parser
from vertice_lint.parsers.yaml import (
    ComposePort,
    EnvVar,
    GeneratorEntry,
    HelmChart,
    KubeObject,
    KustomizeImage,
    KustomizePatch,
    PlainBudgetExceeded,
    Ref,
    key_pos,
    parse,
    plain_of,
    value_pos,
)


def y(text: str) -> str:
    return dedent(text).lstrip("\n")


# --- documents -----------------------------------------------------------------------------

STREAM = y("""
    # leading comment
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: one
    ---
    ---
    just a string
    ...
    --- |
      block
    """)


def test_documents_lines_and_explicit_start() -> None:
    docs = parse("m.yaml", STREAM).documents
    assert [(d.index, d.line, d.end_line, d.explicit_start) for d in docs] == [
        (0, 3, 6, True),
        (1, 7, 7, True),
        (2, 9, 9, True),
        (3, 11, 12, True),
    ]
    assert docs[1].data is None
    assert docs[2].plain == "just a string"
    assert docs[3].plain == "block\n"


def test_first_document_without_marker_is_implicit() -> None:
    docs = parse("m.yaml", "a: 1\n---\nb: 2\n").documents
    assert [(d.line, d.explicit_start, d.plain) for d in docs] == [
        (1, False, {"a": 1}),
        (3, True, {"b": 2}),
    ]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_empty_files_have_no_documents(text: str) -> None:
    result = parse("e.yaml", text)
    assert (result.documents, result.objects, result.compose, result.problems) == ((), (), None, ())


def test_plain_copy_is_json_compatible() -> None:
    text = y("""
        s: !!str 5
        ref: !Ref foo
        i: 0x1F
        f: 1.5
        b: &b true
        alias: *b
        n: ~
        d: 2024-01-01
        bin: !!binary aGVsbG8=
        80: http
        true: yes
        seq: [1, "2"]
        """)
    plain = parse("p.yaml", text).documents[0].plain
    assert plain == {
        "s": "5",
        "ref": "foo",
        "i": 31,
        "f": 1.5,
        "b": True,
        "alias": True,
        "n": None,
        "d": "2024-01-01",
        "bin": "aGVsbG8=",
        "80": "http",
        "true": "yes",
        "seq": [1, "2"],
    }
    assert [type(v) for v in (plain["i"], plain["b"], plain["s"])] == [int, bool, str]


def test_other_yaml_parses_without_objects() -> None:
    text = y("""
        name: CI
        on: [push]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
        include: !reference [.setup, script]
        """)
    result = parse(".github/workflows/ci.yml", text)
    assert (len(result.documents), result.objects, result.compose, result.kustomization) == (
        1,
        (),
        None,
        None,
    )


# --- positions -----------------------------------------------------------------------------

POSITIONS = y("""
    apiVersion: v1
    kind: Pod
    spec:
      containers:
      - name: x
        image: y
        ports: [{containerPort: 80, name: http}]
      - {name: z, image: w}
      flow: {a: 1, b: [1, 2]}
      empty:
      nested:
        -   - a
            - b
    base: &base {x: 1}
    merged:
      <<: *base
      z: 3
    """)


@pytest.fixture(name="pod")
def fixture_pod() -> object:
    return parse("p.yaml", POSITIONS).documents[0].data


@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        ((), (1, 1), (1, 1)),
        (("kind",), (2, 1), (2, 7)),
        (("spec",), (3, 1), (4, 3)),
        (("spec", "containers", 0), (5, 5), (5, 5)),
        (("spec", "containers", 0, "name"), (5, 5), (5, 11)),
        (("spec", "containers", 0, "ports"), (7, 5), (7, 12)),
        (("spec", "containers", 0, "ports", 0), (7, 13), (7, 13)),
        (("spec", "containers", 0, "ports", 0, "name"), (7, 33), (7, 39)),
        (("spec", "containers", 1), (8, 5), (8, 5)),
        (("spec", "containers", 1, "image"), (8, 15), (8, 22)),
        (("spec", "flow", "b"), (9, 16), (9, 19)),
        (("spec", "flow", "b", 1), (9, 23), (9, 23)),
        (("spec", "empty"), (10, 3), (10, 3)),
        (("spec", "nested", 0, 1), (13, 11), (13, 11)),
        (("merged", "z"), (17, 3), (17, 6)),
        (("merged", "x"), (14, 14), (14, 17)),
    ],
)
def test_key_and_value_positions(
    pod: object, path: tuple[str | int, ...], key: tuple[int, int], value: tuple[int, int]
) -> None:
    assert (key_pos(pod, path), value_pos(pod, path)) == (key, value)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("spec", "missing"), (3, 1)),
        (("spec", "containers", 0, "missing", "deeper"), (5, 5)),
        (("spec", "containers", 5, "name"), (4, 3)),
        (("spec", "flow", "a", "not-a-mapping"), (9, 10)),
        (("nope",), (1, 1)),
    ],
)
def test_missing_path_points_at_deepest_existing_ancestor(
    pod: object, path: tuple[str | int, ...], expected: tuple[int, int]
) -> None:
    assert key_pos(pod, path) == expected
    assert value_pos(pod, path) == expected


def test_positions_of_a_non_mapping_node_are_the_origin() -> None:
    assert key_pos("scalar", ("a",)) == (1, 1)


# --- Kubernetes objects --------------------------------------------------------------------

MANIFEST = y("""
    # Web tier
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      namespace: shop
      labels: {app: web, tier: "1"}
      annotations:
        team: core
    spec:
      replica: 3   # typo of replicas
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: shop/web:1.2
              imagePullPolicy: Sometimes
              ports:
                - containerPort: "8080"
    ---
    # an empty document follows
    ---
    apiVersion: v1
    kind: List
    items:
      - apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          ports: [{port: 80, targetPort: http}]
      - just: a mapping
    ---
    apiVersion: kustomize.config.k8s.io/v1beta1
    kind: Kustomization
    resources: [deploy.yaml]
    ---
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: {name: shop}
    ---
    apiVersion: kustomize.toolkit.fluxcd.io/v1
    kind: Kustomization
    metadata: {name: apps}
    ---
    apiVersion: 1
    kind: NotAnObject
    """)


def test_objects_are_found_with_roles_and_positions() -> None:
    result = parse("deploy/all.yaml", MANIFEST)
    summary = [
        (o.api_version, o.kind, o.name, o.namespace, o.doc_index, o.path, o.line, o.col, o.role)
        for o in result.objects
    ]
    assert summary == [
        ("apps/v1", "Deployment", "web", "shop", 0, (), 2, 1, "resource"),
        ("v1", "Service", "web", None, 2, ("items", 0), 30, 5, "resource"),
        (
            "kustomize.config.k8s.io/v1beta1",
            "Kustomization",
            None,
            None,
            3,
            (),
            37,
            1,
            "kustomization",
        ),
        ("argoproj.io/v1alpha1", "Application", "shop", None, 4, (), 41, 1, "argocd-application"),
        (
            "kustomize.toolkit.fluxcd.io/v1",
            "Kustomization",
            "apps",
            None,
            5,
            (),
            45,
            1,
            "flux-kustomization",
        ),
    ]
    assert result.problems == (
        ParseProblem(
            "item 2 of List is not a Kubernetes object (it needs apiVersion and kind)", 35, 5
        ),
    )


def test_object_metadata_and_plain_copy() -> None:
    deployment, service = parse("all.yaml", MANIFEST).objects[:2]
    assert deployment.labels == {"app": "web", "tier": "1"}
    assert deployment.annotations == {"team": "core"}
    assert deployment.plain["spec"]["replica"] == 3
    assert service.plain == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"ports": [{"port": 80, "targetPort": "http"}]},
    }
    assert service.node["metadata"]["name"] == "web"


def _where(obj: KubeObject, error: SchemaError) -> tuple[int, int]:
    """How VL801 reports a schema error: the key of an unknown field, the mapping of a missing
    one, the value of a wrong one."""
    if error.kind in ("unknown-field", "required"):
        return key_pos(obj.node, error.path)
    return value_pos(obj.node, error.path)


def test_schema_errors_map_to_exact_positions() -> None:
    result = parse("deploy/all.yaml", MANIFEST)
    reported = [
        (*_where(obj, error), error.message)
        for obj in result.objects
        for error in validate(obj.plain, "1.37.0").errors
    ]
    assert reported == [
        (11, 3, 'unknown field "replica"'),
        (21, 28, '"Sometimes" is not one of Always, IfNotPresent, Never'),
        (23, 30, 'expected integer, got string "8080"'),
    ]


def test_missing_field_points_at_the_mapping_key_inside_a_list() -> None:
    text = y("""
        apiVersion: v1
        kind: List
        items:
          - apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              template: {}
        """)
    (obj,) = parse("l.yaml", text).objects
    errors = validate(obj.plain, "1.37.0").errors
    assert [(e.path, e.message) for e in errors] == [
        (("spec",), 'missing required field "selector"')
    ]
    assert key_pos(obj.node, errors[0].path) == (7, 5)


# --- docker-compose ------------------------------------------------------------------------

COMPOSE = y("""
    services:
      web:
        build:
          context: ./web
          dockerfile: Dockerfile.prod
          target: runtime
          args: [VERSION=1.2, DEBUG]
        command: ["python", "-m", "app"]
        entrypoint: /entry.sh
        environment:
          FOO: bar
          PORT: 8080
          TOKEN:
        env_file: [.env, {path: .env.local, required: false}]
        ports: ["8080:80", "127.0.0.1:9090:90/udp", 3000, {target: 22, published: 2222}]
        user: 1000
        read_only: true
        privileged: false
        cap_add: [NET_ADMIN]
        network_mode: host
        healthcheck:
          test: ["CMD", "curl", "-f", "http://localhost/"]
      db:
        image: postgres:16
        build: ./db
        environment:
          - POSTGRES_PASSWORD=a=b
          - PGDATA
        env_file: db.env
        healthcheck: {test: pg_isready}
    """)


def test_compose_service_fields() -> None:
    compose = parse("docker-compose.yml", COMPOSE).compose
    assert compose is not None
    web, db = compose.services
    assert (web.name, web.line, web.col, web.image) == ("web", 2, 3, None)
    assert (web.build_context, web.dockerfile, web.build_target) == (
        "./web",
        "Dockerfile.prod",
        "runtime",
    )
    assert web.build_args == (EnvVar("VERSION", "1.2", 7, 14), EnvVar("DEBUG", None, 7, 27))
    assert (web.command, web.entrypoint) == (("python", "-m", "app"), "/entry.sh")
    assert web.environment == (
        EnvVar("FOO", "bar", 11, 7),
        EnvVar("PORT", "8080", 12, 7),
        EnvVar("TOKEN", None, 13, 7),
    )
    assert web.env_files == (Ref(".env", 14, 16), Ref(".env.local", 14, 22))
    assert web.ports == (
        ComposePort("80", "8080", None, None, 15, 13),
        ComposePort("90", "9090", "127.0.0.1", "udp", 15, 24),
        ComposePort("3000", None, None, None, 15, 49),
        ComposePort("22", "2222", None, None, 15, 55),
    )
    assert (web.user, web.read_only, web.privileged, web.network_mode) == (
        "1000",
        True,
        False,
        "host",
    )
    assert web.cap_add == (Ref("NET_ADMIN", 19, 15),)
    assert web.healthcheck_test == ("CMD", "curl", "-f", "http://localhost/")
    assert (db.image, db.build_context, db.dockerfile, db.healthcheck_test) == (
        "postgres:16",
        "./db",
        None,
        "pg_isready",
    )
    assert db.environment == (
        EnvVar("POSTGRES_PASSWORD", "a=b", 27, 9),
        EnvVar("PGDATA", None, 28, 9),
    )
    assert db.env_files == (Ref("db.env", 29, 15),)


def test_compose_recognised_by_content_but_not_kubernetes_or_other_services() -> None:
    assert parse("stack.yaml", "services:\n  app: {image: a}\n").compose is not None
    other = "services:\n  app: {enabled: true}\n"
    assert parse("values.yaml", other).compose is None
    kube = "apiVersion: v1\nkind: X\nservices:\n  app: {image: a}\n"
    assert parse("x.yaml", kube).compose is None
    named = parse("compose.override.yaml", "services:\n  app:\n    environment: [A=1]\n")
    assert named.compose is not None
    assert named.compose.services[0].build_context is None


def test_compose_with_bad_service_reports_a_problem() -> None:
    result = parse("compose.yaml", "services:\n  app: nginx\n  ok: {image: a}\n")
    assert result.compose is not None
    assert [s.name for s in result.compose.services] == ["ok"]
    assert result.problems == (ParseProblem("compose service 'app' is not a mapping", 2, 3),)


# --- kustomizations ------------------------------------------------------------------------

KUSTOMIZATION = y("""
    namespace: shop
    namePrefix: prod-
    resources:
      - ../../base
      - deployment.yaml
    components: [../../components/tls]
    bases: [../legacy]
    patches:
      - path: replicas.yaml
        target: {kind: Deployment, name: web}
      - patch: |-
          - op: replace
            path: /spec/replicas
            value: 3
    patchesStrategicMerge:
      - memory.yaml
    patchesJson6902:
      - target: {group: apps, version: v1, kind: Deployment, name: web}
        path: json-patch.yaml
    images:
      - name: shop/web
        newName: registry.example.com/shop/web
        newTag: "1.3"
      - name: redis
        digest: sha256:abc
    configMapGenerator:
      - name: web-config
        behavior: merge
        literals: [LOG_LEVEL=debug, EMPTY=]
        files: [app.ini, settings=conf/settings.json]
        envs: [web.env]
        options: {disableNameSuffixHash: true}
    secretGenerator:
      - name: web-secret
        env: secret.env
    commonLabels:
      app: web
    helmCharts:
      - name: redis
        repo: https://charts.bitnami.com/bitnami
        version: 18.0.0
        releaseName: cache
        valuesFile: redis-values.yaml
    """)


def test_kustomization_fields() -> None:
    result = parse("overlays/prod/kustomization.yaml", KUSTOMIZATION)
    k = result.kustomization
    assert k is not None
    assert result.objects == ()
    assert result.problems == ()
    assert (k.kind, k.doc_index, k.line, k.col) == ("Kustomization", 0, 1, 1)
    assert (k.namespace, k.name_prefix, k.name_suffix) == ("shop", "prod-", None)
    assert k.resources == (Ref("../../base", 4, 5), Ref("deployment.yaml", 5, 5))
    assert k.components == (Ref("../../components/tls", 6, 14),)
    assert k.bases == (Ref("../legacy", 7, 9),)
    assert k.patches == (
        KustomizePatch("replicas.yaml", None, {"kind": "Deployment", "name": "web"}, 9, 5),
        KustomizePatch(None, "- op: replace\n  path: /spec/replicas\n  value: 3", {}, 11, 5),
    )
    assert k.patches_strategic_merge == (Ref("memory.yaml", 16, 5),)
    assert k.patches_json6902 == (
        KustomizePatch(
            "json-patch.yaml",
            None,
            {"group": "apps", "version": "v1", "kind": "Deployment", "name": "web"},
            18,
            5,
        ),
    )
    assert k.images == (
        KustomizeImage("shop/web", "registry.example.com/shop/web", "1.3", None, 21, 5),
        KustomizeImage("redis", None, None, "sha256:abc", 24, 5),
    )
    (config,) = k.config_map_generator
    assert (config.name, config.behavior, config.line, config.col) == ("web-config", "merge", 27, 5)
    assert config.literals == (
        GeneratorEntry("LOG_LEVEL", "debug", 29, 16),
        GeneratorEntry("EMPTY", "", 29, 33),
    )
    assert config.files == (
        GeneratorEntry("app.ini", "app.ini", 30, 13),
        GeneratorEntry("settings", "conf/settings.json", 30, 22),
    )
    assert config.envs == (Ref("web.env", 31, 12),)
    assert config.options == {"disableNameSuffixHash": True}
    (secret,) = k.secret_generator
    assert (secret.name, secret.envs) == ("web-secret", (Ref("secret.env", 35, 10),))
    assert k.common_labels == {"app": "web"}
    assert k.helm_charts == (
        HelmChart(
            "redis",
            "https://charts.bitnami.com/bitnami",
            "18.0.0",
            "cache",
            None,
            "redis-values.yaml",
            39,
            5,
        ),
    )


def test_kustomization_by_kind_in_any_file_and_component() -> None:
    text = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [a.yaml]\n"
    result = parse("components/tls/kustomize-me.yaml", text)
    assert result.kustomization is not None
    assert (result.kustomization.kind, result.kustomization.resources) == (
        "Component",
        (Ref("a.yaml", 3, 13),),
    )
    assert parse("other.yaml", "resources: [a.yaml]\n").kustomization is None


def test_kustomization_with_wrong_types_reports_problems() -> None:
    text = "resources: deployment.yaml\nimages:\n  - newTag: 1\n  - redis\nconfigMapGenerator:\n"
    text += "  - name: c\n    literals: [NOVALUE]\n"
    result = parse("Kustomization", text)
    assert result.kustomization is not None
    assert result.kustomization.resources == ()
    assert result.problems == (
        ParseProblem("`resources` is not a list", 1, 12),
        ParseProblem("`images` entry has no name", 3, 5),
        ParseProblem("`images` entry 2 is not a mapping", 4, 5),
        ParseProblem("literal 'NOVALUE' is not KEY=value", 7, 16),
    )


# --- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "line", "col"),
    [
        (
            "a: 1\nb:\n  c: 2\n  c: 3\n",
            'invalid YAML: found duplicate key "c" with value "3" (original value: "2")'
            " (while constructing a mapping)",
            4,
            3,
        ),
        (
            "a:\n\tb: 1\n",
            "invalid YAML: tab character where YAML expects indentation or a token (use spaces)",
            2,
            1,
        ),
        ("a: *nope\n", "invalid YAML: found undefined alias 'nope'", 1, 4),
        (
            "ok: 1\n---\na: [1, 2\n",
            "invalid YAML: expected ',' or ']', but got '<stream end>'"
            " (while parsing a flow sequence)",
            4,
            1,
        ),
        ("a: b: c\n", "invalid YAML: mapping values are not allowed here", 1, 5),
    ],
)
def test_broken_yaml_is_a_parse_failure(text: str, message: str, line: int, col: int) -> None:
    with pytest.raises(ParseFailure) as caught:
        parse("bad.yaml", text)
    assert (caught.value.message, caught.value.line, caught.value.col) == (message, line, col)


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def test_billion_laughs_fails_fast_with_the_document_position() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\n---\n# the bomb\n" + _billion_laughs()
    started = time.perf_counter()
    with pytest.raises(ParseFailure) as caught:
        parse("bomb.yaml", text)
    elapsed = time.perf_counter() - started
    assert (caught.value.message, caught.value.line, caught.value.col) == (
        "document 2 expands to too many nodes when its aliases are expanded"
        " (more than 100,000 nodes is refused: an alias bomb?)",
        5,
        1,
    )
    # Expanded, the file is 9**9 strings: finishing at all means the budget held.
    assert elapsed < 5


def test_plain_of_budget() -> None:
    data = parse("s.yaml", "a: &a [1, 2, 3]\nb: [*a, *a]\n").documents[0].data
    assert plain_of(data, budget=14) == {"a": [1, 2, 3], "b": [[1, 2, 3], [1, 2, 3]]}
    with pytest.raises(PlainBudgetExceeded):
        plain_of(data, budget=13)


def test_trailing_tab_is_whitespace_as_for_kubernetes() -> None:
    text = "apiVersion: v1\t\nkind: Service\nmetadata:\n  name: web \t\nspec: {}\n"
    (obj,) = parse("svc.yaml", text).objects
    assert (obj.api_version, obj.kind, obj.name) == ("v1", "Service", "web")


def test_tab_indentation_is_still_an_error() -> None:
    with pytest.raises(ParseFailure) as err:
        parse("cm.yaml", "data:\n  a: 1\t\n\tb: 2\n")
    assert (err.value.line, err.value.col) == (3, 1)


def test_yaml_directives_are_read_in_every_document() -> None:
    """`%YAML 1.2` before the first document (or a later one) used to crash the reader
    (IndexError inside ruamel's scanner): an internal error instead of a parsed file."""
    from vertice_lint.parsers.yaml import parse

    record = parse("k8s/x.yaml", "%YAML 1.2\n---\na: 1\n...\n%YAML 1.2\n---\nb: 2\n")
    assert [d.plain for d in record.documents] == [{"a": 1}, {"b": 2}]


# the fast reader (libyaml's events, ruamel's constructor) reads what ruamel alone reads --------


def _shape(data: Any, seen: dict[int, int]) -> Any:
    """Types, values, positions (ruamel's `lc`) and anchors of a document's data."""
    if isinstance(data, CommentedMap | CommentedSeq):
        if id(data) in seen:
            return ("alias", seen[id(data)])
        seen[id(data)] = len(seen)
        anchor = getattr(data.yaml_anchor(), "value", None)
        positions = sorted((repr(k), tuple(v)) for k, v in (data.lc.data or {}).items())
        items = (
            [(_shape(k, seen), _shape(v, seen)) for k, v in data.items()]
            if isinstance(data, CommentedMap)
            else [_shape(v, seen) for v in data]
        )
        merges = getattr(data, "merge", None) or []
        merged = [_shape(m[1] if isinstance(m, tuple) else m, seen) for m in merges]
        return (type(data).__name__, data.lc.line, data.lc.col, positions, items, merged, anchor)
    return (type(data).__name__, repr(data), getattr(getattr(data, "anchor", None), "value", None))


def _read(reader: Any, text: str) -> Any:
    try:
        documents = list(reader(text))
    except ParseFailure as failure:
        return (failure.message, failure.line, failure.col)
    return [
        (d.index, d.line, d.end_line, d.explicit_start, d.plain, _shape(d.data, {}))
        for d in documents
    ]


_FAST_READ = [
    "a: 1\nb: [x, y]\nc: {d: e}\n",
    "key:\n# a comment\n\n# another\nnext: 1\n",  # an empty value: ruamel's mark is the next key
    "key:  # says why\nnext: 1\n",
    "outer:\n  inner:\nafter: 1\n",  # an empty value ending its mapping
    "outer:\n  inner:  # c\n",
    "last:",  # no final line break
    "list:\n- a\n-\n- b: \n  c: 2",
    "base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n",
    "yes: no\non: 0o17\nport: 0x1F\nv: 1.50\nd: 2001-12-14\nn: ~\n",  # YAML 1.2 types
    "script: |\n  echo é\n  done\nfolded: >-\n  one\n  two\n",
    "---\na: 1\n---\n---\nb: 2\r\n",
    "? complex\n: value\n",
    "k: 'single'\nq: \"double\"\nu: 日本語 → ✓\n",
]
_RUAMEL_READ = [
    "a:\tb\n",  # tabs
    "%YAML 1.1\n---\nyes: no\n",  # a directive
    "a: !Ref x\n",  # an explicit tag
    "a: &x 1\nb: &x 2\n",  # a reused anchor
    "a:\n? b\n: c\n",  # an empty value before an explicit key
    "a: {b: }\n",  # an empty node in a flow collection
    "a: 1\n...\n",  # a document end marker
    "a: >\n  \n    x\n",  # a block scalar starting with a line of spaces
    "a: 1\na: 2\n",  # a duplicate key: ruamel's error
    "a: [1\n",  # a syntax error
]


@pytest.mark.filterwarnings("ignore::ruamel.yaml.error.ReusedAnchorWarning")
@pytest.mark.parametrize("text", _FAST_READ + _RUAMEL_READ)
def test_fast_reader_reads_what_ruamel_reads(text: str) -> None:
    assert _read(yaml_parser._documents, text) == _read(yaml_parser._documents_ruamel, text)


@pytest.mark.parametrize("text", _FAST_READ)
def test_fast_reader_is_used(text: str) -> None:
    assert yaml_parser._compose_fast(text) is not None


@pytest.mark.parametrize("text", _RUAMEL_READ)
def test_ruamel_reads_what_the_parsers_read_differently(text: str) -> None:
    assert yaml_parser._compose_fast(text) is None
