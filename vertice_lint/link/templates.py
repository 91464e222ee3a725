"""Templates are not manifests: YAML files that a tool fills in before anything applies them.

A file is a template, and its objects are not validated as final Kubernetes objects (VL801),
nor its unparsable YAML reported (VL001), nor its workloads counted as applied, when:

- it has `{{ }}` placeholders where YAML reads structure (a value that starts with `{{`,
  which YAML reads as a mapping with a mapping for key, or cannot read at all), or in a key
  or in the object's name,
  namespace or image, outside a Helm chart's templates (which are not read). `${{ }}` is a
  GitHub Actions expression, not a placeholder; `{{ $value }}` inside a quoted or mid-line
  string (a PrometheusRule's annotation) is the object's own text;
- it has envsubst placeholders (`${VAR}`, or a whole value `$VAR`) in a key or a value, outside
  what a shell or the program reads (`command`, `args`, `data`, `stringData`, scripts) and
  outside the files a Flux Kustomization substitutes (their `${var}` values are checked one
  by one, see link/inventory.py);
- it sits beside jsonnet or ksonnet sources (`*.jsonnet`, `*.libsonnet`, `jsonnetfile.json`):
  generated or consumed by jsonnet, not applied as written;
- it is a test fixture: below a `testdata/`, `test-data/`, `fixtures/`, `test/` or `tests/`
  directory, input of a test rather than what is deployed (a compose file there too);
- its name says it is one (`docker-compose.sidecar-template.yml`, `deployment.template.yaml`,
  `app.tpl.yaml`, `values.example.yaml`, `secret.sample.yml`): a copy to fill in, often with
  placeholders no YAML parser reads (`{SERVICE}-sidecar:`), a compose file too.

A fill-in placeholder (`lun: <ADD LUN ID Here>`, `image: <your-image>`: a whole value in angle
brackets) does not make the file a template, its other values are what a reader applies once
filled in; the schema does not judge that one value (`fill_in_at`, VL801).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from ruamel.yaml.comments import CommentedKeyMap, CommentedKeySeq

from vertice_lint.discover import Kind
from vertice_lint.parsers import ParsedFile
from vertice_lint.parsers.yaml import YamlFile
from vertice_lint.paths import parent_dir

_FIXTURE_DIRS = frozenset(
    {"testdata", "test-data", "test_data", "fixtures", "__fixtures__", "test", "tests"}
)
_JSONNET = (".jsonnet", ".libsonnet")
_BRACES = re.compile(r"(?<!\$)\{\{")
_ENVSUBST = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_WHOLE_VAR = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")
# what a shell, a program or a config file reads: its `$VAR` are not the manifest's
_SCRIPT_KEYS = frozenset(
    {"command", "args", "data", "stringData", "binaryData", "script", "annotations"}
)
_IDENTITY = ("name", "namespace", "generateName")
# a file named as a copy to fill in: `x-template.yml`, `x.template.yaml`, `template_x.yml`
# (`example-pod.yaml` is an example to apply, `secret.example.yaml` a copy to fill in)
_NAMED = re.compile(r"(^|[._-])(template|tpl)s?([._-]|$)|\.(example|sample)$", re.IGNORECASE)


def _named_template(path: str) -> bool:
    stem = PurePosixPath(path).name.rsplit(".", 1)[0]
    return bool(_NAMED.search(stem))


# a whole value a person replaces: `<ADD LUN ID Here>`, `<your-bucket>`, `<image_url>`
_FILL_IN = re.compile(r"<[^<>]*[A-Za-z][^<>]*>")


def is_fill_in(value: Any) -> bool:
    """A whole value in angle brackets, written for a person to replace before applying."""
    return isinstance(value, str) and _FILL_IN.fullmatch(value.strip()) is not None


def fill_in_at(plain: Any, path: tuple[str | int, ...]) -> bool:
    """Whether the value at `path` of an object is a fill-in placeholder (`is_fill_in`)."""
    value = plain
    for step in path:
        in_list = isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value)
        if in_list or (isinstance(value, dict) and step in value):
            value = value[step]
        else:
            return False
    return is_fill_in(value)


def template_files(files: Mapping[str, ParsedFile], substituted: set[str]) -> dict[str, str]:
    """Path -> why it is a template, for every YAML file that is one (see the module doc)."""
    jsonnet_dirs = {
        parent_dir(p)
        for p in files
        if p.endswith(_JSONNET) or p.rpartition("/")[2] == "jsonnetfile.json"
    }
    out: dict[str, str] = {}
    for path in sorted(files):
        parsed = files[path]
        if parsed.source.kind is Kind.COMPOSE:
            fixture = fixture_dir(path)
            if fixture is not None:  # a test's compose file: not what is deployed
                out[path] = f"a test fixture (below {fixture}/)"
            elif _named_template(path):
                out[path] = "named as a template (a copy to fill in)"
            continue
        if parsed.source.kind not in (Kind.YAML, Kind.KUSTOMIZATION):
            continue
        why = _why(path, parsed, jsonnet_dirs, path in substituted)
        if why:
            out[path] = why
    return out


def fixture_dir(path: str) -> str | None:
    """The test-fixture directory (`tests`, `testdata`...) above the file, if any."""
    parts = PurePosixPath(path).parts[:-1]
    return next((p for p in parts if p.lower() in _FIXTURE_DIRS), None)


def _why(path: str, parsed: ParsedFile, jsonnet_dirs: set[str], substituted: bool) -> str:
    fixture = fixture_dir(path)
    record = parsed.record
    has_objects = isinstance(record, YamlFile) and bool(record.objects)
    if fixture is not None and (has_objects or parsed.failure is not None):
        return f"a test fixture (below {fixture}/)"
    if parent_dir(path) in jsonnet_dirs:
        return "beside jsonnet sources"
    if _named_template(path) and (has_objects or parsed.failure is not None):
        return "named as a template (a copy to fill in)"
    text = parsed.text.text if parsed.text is not None else ""
    if parsed.failure is not None:
        return "has {{ }} placeholders" if _BRACES.search(text) else ""
    if not isinstance(record, YamlFile) or not record.objects:
        return ""
    if any(_complex_key(doc.data) for doc in record.documents):
        return "has {{ }} placeholders"
    for obj in record.objects:
        if _placeholder(obj.plain, (), substituted):
            return "has placeholders (`{{ }}` or `${VAR}`) a tool fills in before applying it"
    return ""


def _complex_key(node: Any) -> bool:
    """A mapping key that is itself a mapping or a sequence: what YAML makes of a value that
    opens with `{{` (`replicas: {{replicas}}`); no Kubernetes object has one."""
    if isinstance(node, dict):
        return any(
            isinstance(k, (CommentedKeyMap, CommentedKeySeq)) or _complex_key(v)
            for k, v in node.items()
        )
    if isinstance(node, list):
        return any(_complex_key(item) for item in node)
    return False


def _placeholder(node: Any, at: tuple[str, ...], substituted: bool) -> bool:
    if isinstance(node, dict):
        for key, value in node.items():
            k = str(key)
            if _BRACES.search(k) or _ENVSUBST.search(k):
                return True
            if k in _SCRIPT_KEYS:
                continue
            if _placeholder(value, (*at, k), substituted):
                return True
        return False
    if isinstance(node, list):
        return any(_placeholder(item, at, substituted) for item in node)
    if not isinstance(node, str) or "\n" in node:
        return False
    last = at[-1] if at else ""
    identity = last in _IDENTITY and len(at) == 2 and at[0] == "metadata"
    if (identity or last == "image") and _BRACES.search(node):
        return True
    if substituted:
        return False  # Flux substitutes `${var}` values: checked one by one
    return bool(_ENVSUBST.search(node) or _WHOLE_VAR.fullmatch(node))
