"""Robustness: no input, however odd, crashes a parser, the linker, a rule or a fix.

Small repositories are built from generated pieces (Dockerfiles, requirements, TOML, Python,
Kubernetes/kustomize/compose YAML, configs). On each: `lint()` reports no internal error and
no "internal" message, and `--fix --unsafe-fixes` exits 0/1 and is idempotent.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from vertice_lint.checks.registry import RULES
from vertice_lint.cli import cli
from vertice_lint.config import Config, load_config
from vertice_lint.engine import RunResult, lint

Files = Mapping[str, bytes | str]

# Few examples on every run (the module stays fast); HYPOTHESIS_PROFILE=stress explores more.
_PROFILE_EXAMPLES = settings().max_examples


def examples(n: int) -> settings:
    return settings(
        max_examples=max(n, _PROFILE_EXAMPLES) if _PROFILE_EXAMPLES > 100 else n,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


# --- harness ---------------------------------------------------------------------------------


@contextmanager
def repository(files: Files) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, data in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data if isinstance(data, bytes) else data.encode())
        yield root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _lint(root: Path) -> RunResult:
    path = root / ".vertice-lint.toml"
    config = load_config(path, root) if path.is_file() else Config()
    result = lint(root, config)
    assert result.internal_errors == (), result.internal_errors
    internal = [d for d in result.diagnostics if "internal" in d.message]
    assert internal == [], internal
    return result


def _fix(root: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--fix", "--unsafe-fixes", "-q", str(root)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.output


def check_robust(files: Files, *, fix: bool = True) -> RunResult:
    """Lint the repository, then fix it twice: the second fix must change nothing."""
    with repository(files) as root:
        result = _lint(root)
        if fix and any(d.fix is not None for d in result.diagnostics):
            before = _snapshot(root)
            _fix(root)
            after = _snapshot(root)
            if after != before:  # (a fix that changed nothing would change nothing again)
                _fix(root)
                assert _snapshot(root) == after, "a second --fix changed files"
        return result


# --- pieces ----------------------------------------------------------------------------------

WORDS = st.sampled_from(
    ["api", "app", "main", "x", "", "-", "$HOME", "${A}", "${A:-b}", "é", "a b", "--", "/", "*"]
)
ODD = st.sampled_from(
    [None, 3, -1, 0, 1.5, True, "", "x", "8080", "${VAR}", [], {}, [None], [3, "a"], {"a": None}]
)
SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 70000), st.text("ab:8 -$/{}", max_size=6)
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "name", "1"]), inner)
    ),
    max_leaves=5,
)

DOCKER_LINES = [
    "FROM python:3.11-slim",
    "FROM python:3.12 AS build",
    "FROM build",
    "FROM scratch",
    "FROM $BASE",
    "FROM ${BASE:-python:3.11}",
    "FROM --platform=$BUILDPLATFORM python:3.11 AS x",
    "FROM",
    "ARG BASE=python:3.11",
    "ARG",
    "ARG A",
    "ENV A=1 B=$A C=${A:-x}",
    "ENV A 1",
    "ENV",
    "ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app",
    "WORKDIR /app",
    "WORKDIR",
    "WORKDIR $A/sub",
    "WORKDIR relative",
    "USER 1000:1000",
    "USER app",
    "USER",
    "EXPOSE 8000",
    "EXPOSE 8000/udp 9000-9010 $PORT abc",
    "EXPOSE",
    "COPY . .",
    "COPY requirements.txt /app/",
    "COPY --from=build /venv /venv",
    "COPY --from=999 / /",
    "COPY --from= / /",
    "COPY --chown=1000:1000 --chmod=755 main.py /app/main.py",
    "COPY --link --parents src/ /app/",
    "COPY",
    "COPY onlyone",
    'COPY ["main.py", "/app/"]',
    'COPY ["main.py"',
    "COPY ../outside /x",
    "COPY /abs /x",
    "COPY *.py pkg/ /app/",
    "ADD https://example.com/x.tar.gz /tmp/",
    "ADD archive.tar.gz /",
    "COPY <<EOF /app/inline.py\nprint(1)\nEOF",
    "RUN pip install -r requirements.txt",
    "RUN pip install --no-cache-dir flask==3.0 'uvicorn[standard]>=0.20' -e . ./pkg",
    "RUN pip install",
    "RUN python -m pip install --user -c constraints.txt requests",
    "RUN uv pip install --system -r pyproject.toml",
    "RUN uv sync --frozen",
    "RUN poetry install --no-root",
    "RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \\\n"
    "    && rm -rf /var/lib/apt/lists/*",
    "RUN apt-get install libxml2",
    "RUN apk add --no-cache py3-numpy",
    'RUN ["pip", "install", "flask"]',
    'RUN ["pip"',
    "RUN <<EOF\npip install flask\nEOF",
    "RUN <<-EOT bash\n\tset -e\n\tpip install x\nEOT",
    "RUN <<EOF",
    "RUN set -e; cd /app && python -c 'import x' || true | tee $(echo a)",
    "RUN echo 'unterminated",
    "RUN --mount=type=cache,target=/root/.cache pip install flask",
    "RUN --mount=type=bind,source=.,target=/src pip install /src",
    "RUN python3.9 -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt",
    "RUN \\",
    "CMD python main.py",
    'CMD ["python", "main.py"]',
    'CMD ["python", "-m", "app"]',
    "CMD []",
    'CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]',
    'CMD ["uvicorn", "main:app", "--port", "8000"]',
    'CMD ["uvicorn"]',
    'CMD ["python"]',
    'CMD ["python", "-c"]',
    'CMD ["python", "-m"]',
    'CMD ["./run.sh"]',
    'CMD ["/usr/bin/env", "python"]',
    "CMD [not json",
    "CMD",
    'ENTRYPOINT ["uvicorn"]',
    'ENTRYPOINT ["python", "/app/main.py"]',
    "ENTRYPOINT exec python -m app",
    "ENTRYPOINT []",
    'SHELL ["/bin/bash", "-c"]',
    "SHELL []",
    "SHELL bash",
    "HEALTHCHECK CMD curl -f http://localhost/",
    "HEALTHCHECK NONE",
    "ONBUILD RUN pip install x",
    "ONBUILD",
    "LABEL a=b c",
    "STOPSIGNAL 9",
    "VOLUME /data",
    "MAINTAINER me",
    "# syntax=docker/dockerfile:1",
    "# escape=`",
    "BOGUS instruction",
    "\\",
    "",
    "   ",
    "RUN a \\\n  b \\\n\n  c",
    "cmd lowercase",
    "RUN $((1+2))",
    'ENV A="unterminated',
]

REQUIREMENT_LINES = [
    "flask==3.0.0",
    "flask",
    "Flask>=2,<4",
    "requests[security,socks]==2.31; python_version >= '3.8'",
    "uvicorn[standard]",
    "-r other.txt",
    "-r",
    "-c constraints.txt",
    "-e .",
    "-e git+https://github.com/x/y.git#egg=y",
    "./local/pkg",
    "pkg @ https://example.com/pkg.whl",
    "pkg @",
    "https://example.com/pkg-1.0.tar.gz",
    "--index-url https://example.com/simple",
    "--extra-index-url",
    "--hash=sha256:abc",
    "numpy==1.26.0 --hash=sha256:deadbeef \\",
    "==1.0",
    "[extra]",
    "pkg==",
    "pkg===1.0",
    "pkg~=1",
    "pkg==1.*",
    "pkg ; invalid marker ((",
    "# comment",
    "psycopg2-binary==2.9.9  # pinned",
    "\\",
    "",
    "\t",
    "-",
    "--",
    "ñandú==1",
    "a" * 300,
    "${PKG}",
]

TOML_VALUES = [
    "3",
    '"flask"',
    "[]",
    '["flask==3.0", "requests>=2"]',
    "[3, {a = 1}, []]",
    '["", "==1", "pkg @", "x; ((("]',
    "{}",
    '{a = "b"}',
    "true",
    '{version = "^1.0", optional = true}',
    '[{version = "1", python = "<3.9"}, {git = "x"}]',
    '"*"',
    '"^3.0"',
    "1979-05-27",
    '"""multi\nline"""',
]
PYPROJECT_KEYS = [
    ("project", "name"),
    ("project", "dependencies"),
    ("project", "optional-dependencies"),
    ("project", "scripts"),
    ("project", "requires-python"),
    ("project", "dynamic"),
    ("project.optional-dependencies", "dev"),
    ("project.scripts", "app"),
    ("tool.poetry", "name"),
    ("tool.poetry", "packages"),
    ("tool.poetry", "dependencies"),
    ("tool.poetry.dependencies", "python"),
    ("tool.poetry.dependencies", "flask"),
    ("tool.poetry.group.dev.dependencies", "pytest"),
    ("tool.poetry.scripts", "app"),
    ("dependency-groups", "dev"),
    ("tool.uv", "dev-dependencies"),
    ("tool.uv.workspace", "members"),
    ("tool.uv.sources", "flask"),
    ("build-system", "requires"),
    ("tool.setuptools", "packages"),
    ("tool.setuptools", "py-modules"),
    ("tool.setuptools.packages.find", "where"),
    ("tool.hatch.build.targets.wheel", "packages"),
    ("tool.vertice-lint", "select"),
    ("tool.vertice-lint.services.api", "dockerfile"),
]
LOCK_KEYS = [
    "name",
    "version",
    "source",
    "dependencies",
    "optional",
    "category",
    "groups",
    "markers",
    "extras",
    "files",
    "sdist",
    "wheels",
]

PYTHON_SNIPPETS = [
    "import os\n",
    "import flask\nfrom flask import Flask\napp = Flask(__name__)\n",
    "@app.route('/health')\ndef health():\n    return 'ok'\n",
    "@app.get('/ready')\nasync def ready():\n    return {}\n",
    "@app.route(3)\ndef odd():\n    pass\n",
    "@app.route()\ndef bare():\n    pass\n",
    "@app.route(*paths, **kw)\ndef star():\n    pass\n",
    "@(lambda f: f)\ndef lam():\n    pass\n",
    "@decorators[0].x(y)(z)\ndef chained():\n    pass\n",
    "from fastapi import FastAPI\napp = FastAPI()\nrouter = app\n",
    "app.add_url_rule('/x', view_func=lambda: 1)\n",
    "app.run(host='0.0.0.0', port=int(os.environ.get('PORT', 8080)))\n",
    "app.run(port='abc')\n",
    "app.run(port=-1)\n",
    "app.run(port=None)\n",
    "uvicorn.run('main:app', port=99999)\n",
    "uvicorn.run(*a)\n",
    "os.environ['DATABASE_URL']\n",
    "os.environ.get('A')\nos.getenv('B', 'x')\nos.environ.get()\nos.getenv()\n",
    "os.environ[name]\nos.environ[f'{x}']\nos.environ['A' + 'B']\n",
    "os.environ['A'] = 'b'\ndel os.environ['A']\n",
    "from os import environ as e, getenv\ne['X']\ngetenv(3)\n",
    "from . import sibling\nfrom .. import up\nfrom .mod import *\n",
    "from ... import\n",
    "import api.main\nimport api\nfrom api import main as m, nothere\n",
    "from main import *\nfrom main import app\n",
    "__all__ = ['missing', 3, None]\n",
    "__all__ = 'notalist'\n",
    "__all__ += ['x']\n",
    "import numpy as np, requests, yaml, cv2, PIL, sklearn\n",
    "import apt_pkg, gi, dbus, _curses, tkinter\n",
    "import matplotlib\nimport nltk\nfrom transformers import AutoModel\n",
    "import socket\ns = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n",
    "import os\nos.nice(-5)\nos.chroot('/x')\n",
    "if __name__ == '__main__':\n    main()\n",
    "try:\n    import ujson as json\nexcept ImportError:\n    import json\n",
    "importlib.import_module('x.' + name)\n__import__(3)\n",
    "def f(\n",
    "x = (\n",
    "class A(B, metaclass=M):\n    x: int = 1\n",
    "match x:\n    case [a, *b]:\n        pass\n",
    "type X = list[int]\n",
    "print(f'{x!r:>{w}}')\n",
    "\tmixed = 1\n        tabs = 2\n",
    "lambda: (yield)\n",
    "async def g():\n    async with a as b:\n        await c\n",
    "\x00\n",
    "\ufeffimport os\n",
    "# -*- coding: latin-1 -*-\n",
    "# coding: nonexistent-codec\n",
    "import  # nothing\n",
    "global x\nnonlocal y\n",
]

NAMES = st.sampled_from(["api", "worker", "cfg", "sec", "x", "", "A_B", "a.b"])


GARBAGE = ["\t", "\x00", "\ufeff", "'", '"', ":", "{", "[", "&a ", "*a", "!!", "\r", "\u2028", "\\"]


def garble(draw: st.DrawFn, text: str) -> str:
    """Sometimes cut the text short, or slip an odd character into it."""
    roll = draw(st.integers(0, 9))
    if roll == 0 and text:
        text = text[: draw(st.integers(0, len(text) - 1))]
    elif roll == 1:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(GARBAGE)) + text[at:]
    return text


def _toml_section(draw: st.DrawFn, keys: list[tuple[str, str]]) -> str:
    out: dict[str, list[str]] = {}
    for table, key in draw(st.lists(st.sampled_from(keys), max_size=6, unique=True)):
        out.setdefault(table, []).append(f"{key} = {draw(st.sampled_from(TOML_VALUES))}")
    return "".join(f"[{t}]\n" + "\n".join(lines) + "\n" for t, lines in out.items())


@st.composite
def dockerfiles(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.sampled_from(DOCKER_LINES), min_size=0, max_size=10))
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from(DOCKER_LINES[:8])))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return garble(draw, newline.join(lines) + draw(st.sampled_from(["", newline, "\\"])))


@st.composite
def requirements(draw: st.DrawFn) -> str:
    text = "\n".join(draw(st.lists(st.sampled_from(REQUIREMENT_LINES), max_size=8))) + "\n"
    return garble(draw, text)


@st.composite
def pyprojects(draw: st.DrawFn) -> str:
    return garble(draw, _toml_section(draw, PYPROJECT_KEYS))


@st.composite
def lockfiles(draw: st.DrawFn) -> str:
    out = [f"version = {draw(st.sampled_from(TOML_VALUES))}\n"] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(0, 3))):
        out.append("[[package]]\n")
        for key in draw(st.lists(st.sampled_from(LOCK_KEYS), max_size=5, unique=True)):
            out.append(f"{key} = {draw(st.sampled_from(TOML_VALUES))}\n")
    if draw(st.booleans()):
        out.append(f"[metadata]\nfiles = {draw(st.sampled_from(TOML_VALUES))}\n")
    if draw(st.booleans()):
        out.append("package = 3\n")  # a key the arrays of tables cannot be
    return garble(draw, "".join(out))


@st.composite
def pythons(draw: st.DrawFn) -> bytes:
    text = garble(draw, "".join(draw(st.lists(st.sampled_from(PYTHON_SNIPPETS), max_size=6))))
    depth = draw(st.sampled_from([0, 0, 50, 120, 1000]))
    if depth:
        text += "x = " + "(" * depth + "1" + ")" * depth + "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "utf-16", "utf-8-sig"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:
        data += draw(st.binary(max_size=8))
    return data


# -- YAML: valid seeds, then random values planted at random places of them


def _container(name: str = "api", image: Any = "api:1") -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["python"],
        "args": ["main.py", "--port", "8000"],
        "workingDir": "/app",
        "env": [
            {"name": "A", "value": "1"},
            {"name": "B", "value": "$(A)-$(Z)"},
            {"name": "PASSWORD", "value": "hunter2hunter2"},
            {"name": "C", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}},
            {"name": "D", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "k"}}},
            {"name": "E", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        ],
        "envFrom": [{"configMapRef": {"name": "cfg"}, "prefix": "P_"}, {"secretRef": {}}],
        "ports": [{"containerPort": 8000, "name": "http", "protocol": "TCP"}],
        "livenessProbe": {"httpGet": {"path": "/health", "port": "http"}},
        "readinessProbe": {"tcpSocket": {"port": 8000}},
        "startupProbe": {"exec": {"command": ["true"]}},
        "resources": {"requests": {"cpu": "1m"}, "limits": {"memory": "1Gi"}},
        "securityContext": {
            "runAsNonRoot": True,
            "readOnlyRootFilesystem": True,
            "capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
    }


def _pod_spec() -> dict[str, Any]:
    return {
        "serviceAccountName": "sa",
        "hostNetwork": False,
        "securityContext": {"runAsUser": 1000},
        "initContainers": [_container("init", "busybox")],
        "containers": [_container()],
        "volumes": [
            {"name": "data", "persistentVolumeClaim": {"claimName": "pvc"}},
            {"name": "c", "configMap": {"name": "cfg", "items": [{"key": "k", "path": "p"}]}},
            {"name": "s", "secret": {"secretName": "sec"}},
        ],
    }


def _workloads() -> list[dict[str, Any]]:
    labels = {"app": "api"}
    template = {"metadata": {"labels": labels}, "spec": _pod_spec()}
    meta = {"name": "api", "namespace": "ns", "labels": labels}
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": template},
        },
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "job"},
            "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}},
        },
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod"}, "spec": _pod_spec()},
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "api"},
            "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": "http"}]},
        },
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"k": "v"}},
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "sec", "annotations": {"vertice-lint.dev/ignore": "VL402"}},
            "stringData": {"k": "v"},
            "data": {"password": "aHVudGVyMg=="},
        },
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "app"},
            "spec": {"source": {"path": "k8s", "repoURL": "x"}, "destination": {}},
        },
        {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "flux"},
            "spec": {"path": "./k8s", "postBuild": {"substitute": {"A": "1"}}},
        },
    ]


def _kustomization() -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": "prod",
        "namePrefix": "p-",
        "nameSuffix": "-s",
        "commonLabels": {"team": "a"},
        "resources": ["deploy.yaml", "../base", "missing.yaml", "https://example.com/x"],
        "components": ["../comp"],
        "images": [{"name": "api", "newName": "registry/api", "newTag": "2"}, {"name": "x"}],
        "patches": [
            {"path": "patch.yaml", "target": {"kind": "Deployment", "name": "api"}},
            {
                "patch": "- op: replace\n  path: /spec/replicas\n  value: 0\n",
                "target": {"kind": "Deployment"},
            },
            {"patch": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n"},
        ],
        "patchesStrategicMerge": ["patch.yaml"],
        "patchesJson6902": [{"path": "p.json", "target": {"kind": "Deployment", "name": "api"}}],
        "configMapGenerator": [
            {"name": "cfg", "literals": ["k=v", "novalue"], "envs": ["app.env"], "files": ["f"]},
        ],
        "secretGenerator": [{"name": "sec", "literals": ["k=v"], "behavior": "merge"}],
        "replicas": [{"name": "api", "count": 2}],
        "helmCharts": [{"name": "c", "repo": "x", "version": "1", "valuesFile": "v.yaml"}],
    }


def _compose() -> dict[str, Any]:
    return {
        "services": {
            "api": {
                "build": {"context": "./api", "dockerfile": "Dockerfile"},
                "image": "registry/api:${TAG:-1}",
                "command": "python main.py",
                "entrypoint": ["sh", "-c"],
                "environment": {"A": "1", "PASSWORD": "x" * 12},
                "env_file": [".env", {"path": "x.env", "required": False}],
                "ports": ["8000:8000", {"target": 8000, "published": "80"}, "9000/udp"],
                "user": "1000",
                "cap_add": ["NET_ADMIN"],
                "read_only": True,
                "privileged": False,
                "healthcheck": {"test": ["CMD", "true"]},
            },
            "worker": {"build": "./worker", "environment": ["B=2", "C"]},
        }
    }


def _node_paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _node_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _node_paths(value, (*prefix, i))


def _plant(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return tree


@st.composite
def mutated(draw: st.DrawFn, seed: Any) -> Any:
    """The seed with random values (odd types, nulls, wrong shapes) planted at random places."""
    tree = copy.deepcopy(seed)
    for _ in range(draw(st.integers(0, 4))):
        paths = list(_node_paths(tree))
        path = draw(st.sampled_from(paths))
        value = copy.deepcopy(draw(st.one_of(ODD, VALUE)))  # sampled values are shared objects
        if draw(st.integers(0, 5)) == 0 and isinstance(value, dict | list):
            value = {"k": value} if isinstance(value, list) else [value]
        tree = _plant(tree, path, value)
    return tree


def _dump(doc: Any, style: str) -> str:
    if style == "json":
        return json.dumps(doc)
    yaml = YAML()
    yaml.default_flow_style = style == "flow"
    from io import StringIO

    out = StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


@st.composite
def yaml_text(draw: st.DrawFn, seeds: list[Any]) -> str:
    docs = [
        draw(mutated(s)) for s in draw(st.lists(st.sampled_from(seeds), min_size=1, max_size=3))
    ]
    style = draw(st.sampled_from(["block", "block", "flow", "json"]))
    if draw(st.integers(0, 4)) == 0:
        docs = [{"apiVersion": "v1", "kind": "List", "items": draw(mutated(docs))}]
    text = "---\n".join(_dump(d, style) for d in docs)
    extra = draw(
        st.sampled_from(
            [
                "",
                "---\n",
                "--- null\n",
                "---\n- 1\n- 2\n",
                "--- 3\n",
                "---\n!!binary aGk=\n",
                "---\nx: &a {a: 1}\ny: *a\n<<: *a\n",
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: m}\ndata: *m\n",
                "---\n? [a, b]\n: 1\n",
                "---\n{[1]: 2, {a: 1}: 3, null: 4, 5: 6, 1.5: 7, true: 8}\n",
                "---\nkind: Deployment\nspec: !!set {a, b}\n",
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: t}\n"
                "spec:\n  template: &t {spec: {containers: [{name: c, image: api}]}}\n"
                "  other: *t\n",
                "...\n",
                "%YAML 1.1\n---\na: 1\n",
                "\t- tab\n",
            ]
        )
    )
    return garble(draw, text + extra)


K8S_SEEDS = _workloads()


@st.composite
def repositories(draw: st.DrawFn) -> dict[str, bytes | str]:
    files: dict[str, bytes | str] = {
        "api/Dockerfile": draw(dockerfiles()),
        "api/main.py": draw(pythons()),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "api/requirements.txt": requirements(),
        "api/pkg/__init__.py": pythons(),
        "api/pkg/mod.py": pythons(),
        "api/pyproject.toml": pyprojects(),
        "api/uv.lock": lockfiles(),
        "api/poetry.lock": lockfiles(),
        "api/.dockerignore": st.sampled_from(["*\n!main.py\n", "**\n", "!\n[\n", "\\\n"]),
        "api/run.sh": st.sampled_from(["#!/bin/sh\nexec python main.py\n", "exec $@\n"]),
        "worker/Dockerfile": dockerfiles(),
        "worker/app.py": pythons(),
        "k8s/deploy.yaml": yaml_text(K8S_SEEDS),
        "k8s/more.yaml": yaml_text(K8S_SEEDS),
        "k8s/kustomization.yaml": yaml_text([_kustomization()]),
        "k8s/patch.yaml": yaml_text(K8S_SEEDS[:1]),
        "k8s/p.json": st.sampled_from(['[{"op": "add"}]', "{}", "[3]", "not json"]),
        "k8s/app.env": st.sampled_from(["A=1\nB\n=\n", "\x00\xff"]),
        "overlay/kustomization.yaml": yaml_text([_kustomization()]),
        "docker-compose.yml": yaml_text([_compose()]),
        ".env": st.sampled_from(["TAG=2\n", "TAG\n", "=x\n"]),
        ".vertice-lint.toml": configs(),
    }
    for path in draw(st.lists(st.sampled_from(sorted(optional)), max_size=6, unique=True)):
        files[path] = draw(optional[path])
    return files


@st.composite
def configs(draw: st.DrawFn) -> str:
    keys = [
        ("", "select"),
        ("", "ignore"),
        ("", "extend-select"),
        ("", "exclude"),
        ("", "kubernetes-version"),
        ("", "rules-dir"),
        ("", "external-configmaps"),
        ("", "external-secrets"),
        ("", "per-file-ignores"),
        ("", "services"),
        ("services.api", "dockerfile"),
        ("services.api", "image"),
        ("services.api", "context"),
        ("services.api", "source"),
        ("per-file-ignores", "k8s/*"),
    ]
    values = ['["VL1"]', '["VL"]', '["ALL"]', '"1.29"', '"v9.99"', '["api/Dockerfile"]']
    top, tables = [], {}
    for table, key in draw(st.lists(st.sampled_from(keys), max_size=5, unique=True)):
        value = draw(st.sampled_from(TOML_VALUES + values))
        if table:
            tables.setdefault(table, []).append(f'"{key}" = {value}')
        else:
            top.append(f"{key} = {value}")
    return (
        "\n".join(top) + "\n" + "".join(f"[{t}]\n" + "\n".join(v) + "\n" for t, v in tables.items())
    )


# --- properties ------------------------------------------------------------------------------


@examples(30)
@given(repositories())
def test_random_repository(files: dict[str, bytes | str]) -> None:
    check_robust(files)


@examples(40)
@given(dockerfiles(), st.one_of(st.none(), requirements()))
def test_random_dockerfile(dockerfile: str, reqs: str | None) -> None:
    files = {"api/Dockerfile": dockerfile, "api/main.py": "import flask\n"}
    if reqs is not None:
        files["api/requirements.txt"] = reqs
    check_robust(files)


@examples(40)
@given(yaml_text(K8S_SEEDS), yaml_text([_kustomization()]))
def test_random_manifests(manifest: str, kustomization: str) -> None:
    files = {
        "api/Dockerfile": 'FROM python:3.11\nCOPY . /app\nCMD ["python", "/app/main.py"]\n',
        "api/main.py": "import os\nos.environ['X']\n",
        "k8s/deploy.yaml": manifest,
        "k8s/kustomization.yaml": kustomization,
        "k8s/patch.yaml": manifest,
    }
    check_robust(files)


@examples(25)
@given(yaml_text([_compose()]))
def test_random_compose(compose: str) -> None:
    files = {
        "api/Dockerfile": 'FROM python:3.11\nCOPY . /app\nCMD ["python", "/app/main.py"]\n',
        "api/main.py": "import os\nos.environ['X']\n",
        "docker-compose.yml": compose,
    }
    check_robust(files)


@examples(25)
@given(pythons(), pythons(), requirements())
def test_random_python(main: bytes, module: bytes, reqs: str) -> None:
    files = {
        "api/Dockerfile": 'FROM python:3.11\nCOPY . /app\nCMD ["python", "/app/main.py"]\n',
        "api/main.py": main,
        "api/pkg/mod.py": module,
        "api/requirements.txt": reqs,
        "k8s/deploy.yaml": _dump(K8S_SEEDS[0], "block"),
    }
    check_robust(files)


@examples(25)
@given(pyprojects(), lockfiles(), configs())
def test_random_toml(pyproject: str, lock: str, config: str) -> None:
    files = {
        "api/Dockerfile": "FROM python:3.11\nCOPY . .\nRUN pip install .\nCMD python main.py\n",
        "api/main.py": "import flask\n",
        "api/pyproject.toml": pyproject,
        "api/uv.lock": lock,
        "api/poetry.lock": lock,
        ".vertice-lint.toml": config,
    }
    check_robust(files)


# --- hand-written shapes fuzzing finds hard --------------------------------------------------

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
{spec}
"""
CONTAINER = "      containers:\n      - name: api\n        image: api:1\n"
APP = {
    "api/Dockerfile": 'FROM python:3.11-slim\nCOPY . /app\nCMD ["python", "/app/main.py"]\n',
    "api/main.py": "import os\nos.environ['FOO']\n",
}

CASES: dict[str, dict[str, bytes | str]] = {
    "containers-null": {"k8s/d.yaml": DEPLOYMENT.format(spec="      containers: null")},
    "env-map": {"k8s/d.yaml": DEPLOYMENT.format(spec=CONTAINER + "        env: {}")},
    "env-map-entries": {"k8s/d.yaml": DEPLOYMENT.format(spec=CONTAINER + "        env: {A: b}")},
    "ports-string": {"k8s/d.yaml": DEPLOYMENT.format(spec=CONTAINER + '        ports: "8080"')},
    "image-int": {
        "k8s/d.yaml": DEPLOYMENT.format(
            spec="      containers:\n      - name: api\n        image: 3"
        )
    },
    "metadata-list": {"k8s/d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: []\n"},
    "template-null": {
        "k8s/d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n"
        "spec:\n  template: null\n"
    },
    "kustomization-resources-string": {
        "k8s/kustomization.yaml": "resources: foo.yaml\n",
        "k8s/foo.yaml": DEPLOYMENT.format(spec=CONTAINER),
    },
    "kustomization-empty-patch": {
        "k8s/kustomization.yaml": "resources: [foo.yaml]\npatches: [{}]\n",
        "k8s/foo.yaml": DEPLOYMENT.format(spec=CONTAINER),
    },
    "compose-services-list": {"docker-compose.yml": "services: []\n"},
    "compose-build-int": {"docker-compose.yml": "services:\n  api:\n    build: 3\n"},
    "copy-from-999": {"api/Dockerfile": "FROM python:3.11\nCOPY --from=999 / /\n"},
    "from-scratch-only": {"api/Dockerfile": "FROM scratch\n", "api/main.py": "print(1)\n"},
    "cmd-empty": {"api/Dockerfile": "FROM python:3.11\nCMD []\n", "api/main.py": "print(1)\n"},
    "uvicorn-no-target": {
        "api/Dockerfile": 'FROM python:3.11\nRUN pip install uvicorn\nENTRYPOINT ["uvicorn"]\n',
        "api/main.py": "print(1)\n",
    },
    "python-10000-parentheses": {"api/deep.py": "x = " + "(" * 10000 + "1" + ")" * 10000 + "\n"},
    # regressions: each crashed a parser, link or a rule
    "dockerfile-only-an-escape": {"api/Dockerfile": "\\"},  # parser: assert on a blank line
    "dockerfile-escape-lines": {"api/Dockerfile": "FROM python:3.11\n\\\n  \\\n\\\n  CMD x\n"},
    "copy-invalid-glob": {  # VL702: `[]` and `[z-a]` made invalid regular expressions
        "api/Dockerfile": 'FROM python:3.11\nCOPY [] .\nCOPY ["[z-a]", "/x"]\nCMD python main.py\n'
    },
    "env-envfrom-volumes-int": {  # VL106 iterated over an int
        "k8s/d.yaml": DEPLOYMENT.format(
            spec=CONTAINER + "        env: 3\n        envFrom: 3\n"
            "      volumes: 3\n      imagePullSecrets: 3"
        )
    },
    "selector-odd-shapes": {  # VL107: matchLabels an int, matchExpressions of odd items
        "k8s/d.yaml": DEPLOYMENT.format(spec=CONTAINER).replace(
            "matchLabels: {app: api}",
            "matchLabels: 3\n    matchExpressions: [3, {key: [a], operator: In, values: 3}]",
        )
    },
    "kustomize-invalid-target-regex": {  # link: re.error on a patch target name
        "k8s/kustomization.yaml": "resources: [d.yaml]\npatches:\n- path: p.yaml\n"
        "  target: {name: '(', kind: '[', namespace: '*'}\n",
        "k8s/p.yaml": "- op: add\n  path: /x\n  value: 1\n",
        "k8s/d.yaml": DEPLOYMENT.format(spec=CONTAINER),
    },
    "kustomize-odd-metadata": {  # link: setdefault on metadata/labels/selector of odd types
        "k8s/kustomization.yaml": "namespace: ns\nnamePrefix: p-\ncommonLabels: {a: b}\n"
        "resources: [d.yaml, s.yaml, c.yaml, n.yaml]\n"
        "configMapGenerator: [{name: c, behavior: merge, literals: [k=v]}]\n",
        "k8s/d.yaml": DEPLOYMENT.format(spec=CONTAINER)
        .replace("metadata:\n  name: api", "metadata: ${VAR}")
        .replace("matchLabels: {app: api}", "matchLabels: [app]")
        .replace("labels: {app: api}", "labels: 3"),
        "k8s/s.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: s, labels: [x]}\n"
        "spec: {selector: [a]}\n",
        "k8s/c.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: 3\n",
        "k8s/n.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: null\n"
        "spec: {template: {metadata: []}}\n",
    },
    "kustomize-json-pointer-odd-digits": {  # int("²") in a JSON pointer
        "k8s/kustomization.yaml": "resources: [d.yaml]\npatches:\n- target: {kind: Deployment}\n"
        "  patch: '[{op: add, path: /spec/²/x, value: 1}, {op: remove, path: /spec/٣}]'\n",
        "k8s/d.yaml": DEPLOYMENT.format(spec=CONTAINER),
    },
    "argocd-odd-shapes": {  # kustomize.py: sources/kustomize/generators of odd types
        "k8s/app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        "metadata: {name: a}\nspec: {sources: 3, source: {path: k8s, kustomize: 3}}\n"
        "---\napiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: b}\n"
        "spec:\n  generators: [{git: {directories: [3, {path: 3}, {exclude: true}]}}]\n"
        "  template: {spec: 3}\n"
        "---\napiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: c}\n"
        "spec: {generators: 3, template: {spec: {source: {path: '{{path}}'}}}}\n",
        "k8s/d.yaml": DEPLOYMENT.format(spec=CONTAINER),
    },
    "helm-release-sources-int": {  # VL106: an Application's `sources: 3`
        "k8s/app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        "metadata: {name: a}\nspec: {sources: 3}\n",
        "k8s/d.yaml": DEPLOYMENT.format(
            spec=CONTAINER + "        envFrom: [{secretRef: {name: s}}]"
        ),
    },
    "service-ports-int": {  # VL602 iterated over an int
        "k8s/d.yaml": DEPLOYMENT.format(spec=CONTAINER + "        ports: [{containerPort: 80}]"),
        "k8s/s.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
        "spec: {selector: {app: api}, ports: 3}\n",
    },
    "config-nested-too-deeply": {".vertice-lint.toml": "select = " + "[" * 800 + "]" * 800},
}


@pytest.mark.parametrize("files", list(CASES.values()), ids=list(CASES))
def test_odd_shape(files: dict[str, bytes | str]) -> None:
    check_robust({**APP, **files})


def test_deep_python_is_a_parse_error() -> None:
    result = check_robust(
        {**APP, "api/deep.py": "x = " + "(" * 10000 + "1" + ")" * 10000 + "\n"}, fix=False
    )
    assert [(d.rule, d.path) for d in result.diagnostics if d.rule == "VL001"] == [
        ("VL001", "api/deep.py")
    ]


# --- a linker bug does not stop the run ------------------------------------------------------

BAD_CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndataa: {}\n"


def _broken_link(*_: object) -> None:
    raise RuntimeError("boom")


def test_link_error_still_reports_parse_and_schema_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vertice_lint.engine.link", _broken_link)
    files = {**APP, "k8s/cm.yaml": BAD_CONFIGMAP, "api/bad.py": "def f(:\n"}
    with repository(files) as root:
        result = lint(root, Config())
        assert len(result.internal_errors) == 1
        assert result.internal_errors[0].startswith("internal error in link: RuntimeError: boom")
        assert sorted({(d.rule, d.path) for d in result.diagnostics}) == [
            ("VL001", "api/bad.py"),
            ("VL801", "k8s/cm.yaml"),
        ]
        out = CliRunner().invoke(cli, ["check", "--fix", "-q", str(root)])
        assert out.exit_code == 2
        assert "vertice-lint: internal error in link: RuntimeError: boom" in out.stderr
        assert "k8s/cm.yaml:5:1: VL801" in out.stdout


def test_a_failing_rule_does_not_make_its_suppressions_unused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(RULES, "VL801", _broken_link)
    text = BAD_CONFIGMAP.replace("dataa: {}", "dataa: {}  # vertice-lint: ignore[VL801]")
    with repository({"k8s/cm.yaml": text + "# vertice-lint: ignore\n"}) as root:
        result = lint(root, Config())
        assert len(result.internal_errors) == 1
        assert [d.rule for d in result.diagnostics] == []


def test_pyproject_config_section_not_a_table() -> None:
    # config.py: `[tool] vertice-lint = 3` made load_config call .items() on an int
    with repository({"pyproject.toml": "[tool]\nvertice-lint = 3\n", **APP}) as root:
        config = load_config(root / "pyproject.toml", root)
        assert [p.message for p in config.problems] == ["config: 3 is not of type 'object'"]
        _lint(root)


def test_parser_bug_is_an_internal_error_not_a_parse_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(path: str, text: str) -> None:
        raise KeyError("boom")

    monkeypatch.setattr("vertice_lint.parsers.dockerfile.parse", broken)
    with repository({**APP, "k8s/cm.yaml": BAD_CONFIGMAP}) as root:
        result = lint(root, Config())
        assert [e.split(" (")[0] for e in result.internal_errors] == [
            "internal error parsing api/Dockerfile: KeyError: 'boom'"
        ]
        assert [d.rule for d in result.diagnostics] == ["VL801"]  # no VL001 for our bug
        out = CliRunner().invoke(cli, ["check", "-q", str(root)])
        assert out.exit_code == 2
        assert "vertice-lint: internal error parsing api/Dockerfile: KeyError" in out.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_file_name_not_utf8(fmt: str) -> None:
    # every report crashed (UnicodeEncodeError) on a file name the OS gives as surrogate escapes
    with repository(APP) as root:
        name = os.fsdecode(b"k8s/bad\xff.yaml")
        (root / "k8s").mkdir()
        (root / name).write_text(BAD_CONFIGMAP)
        result = _lint(root)
        assert [(d.rule, d.path) for d in result.diagnostics if d.rule == "VL801"] == [
            ("VL801", name)
        ]
        out = CliRunner().invoke(cli, ["check", "--format", fmt, str(root)])
        assert out.exit_code == 1, out.output
        assert "bad\ufffd.yaml" in out.output or "bad%FF.yaml" in out.output
        report = root / "report.out"
        out = CliRunner().invoke(cli, ["check", "--format", fmt, "-o", str(report), str(root)])
        assert out.exit_code == 1, out.output


def test_python_analysis_bug_is_an_internal_error_though_deferred(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the analysis runs when the linker first reads the module's facts, not when it is parsed
    def broken(self: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr("vertice_lint.parsers.python._Analyzer.run", broken)
    with repository(APP) as root:
        result = lint(root, Config())
        assert [e.split(" (")[0] for e in result.internal_errors] == [
            "internal error parsing api/main.py: KeyError: 'boom'"
        ]
        assert [d.rule for d in result.diagnostics if d.path == "api/main.py"] == []


def test_python_too_deep_to_analyse_is_a_parse_error_though_deferred() -> None:
    deep = "x = a" + ".b" * 1500 + "\n"  # ast accepts it, the analysis recurses too deep
    result = check_robust({**APP, "api/main.py": APP["api/main.py"] + deep}, fix=False)
    assert [
        (d.rule, d.path, d.message.split(";")[0]) for d in result.diagnostics if d.rule == "VL001"
    ] == [("VL001", "api/main.py", "code is nested too deeply to analyse")]
