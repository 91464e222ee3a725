"""Kubernetes objects checked against the official JSON Schemas (strict: unknown fields fail).

The schemas ship with kubernetes-validate, one directory per Kubernetes version. Only its
data is used: `_definitions.json` holds every type, each top-level kind tagged with
`x-kubernetes-group-version-kind` (the per-kind files are copies of those entries), so one
file read per version gives both the registry and the apiVersion/kind index. Registries and
compiled validators are cached, so validating many objects costs only the validation itself.

The published OpenAPI leaves out checks the API server makes in Go (enums such as
`imagePullPolicy`, the 15-character IANA name of a container port); `_SUPPLEMENTS` adds
the ones that make pods fail, so they are caught before the sync instead of at it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ErrorKind = Literal["unknown-field", "type", "enum", "required", "other"]

_DEFINITIONS_URI = "https://kubernetes.io/api/_definitions.json"
_VERSION_DIR_RE = re.compile(r"^v(\d+)\.(\d+)\.(\d+)-local-strict$")
_REQUESTED_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")
# IANA_SVC_NAME as the API server checks it: lowercase alphanumerics and single inner '-',
# at least one letter.
_IANA_SVC_NAME = r"^(?!.*--)(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
_PORT = {"minimum": 1, "maximum": 65535}
_IMAGE_PULL_POLICY = {"enum": ["Always", "IfNotPresent", "Never", None]}
_SUPPLEMENTS: dict[str, dict[str, dict[str, Any]]] = {
    "io.k8s.api.core.v1.Container": {"imagePullPolicy": _IMAGE_PULL_POLICY},
    "io.k8s.api.core.v1.EphemeralContainer": {"imagePullPolicy": _IMAGE_PULL_POLICY},
    "io.k8s.api.core.v1.ContainerPort": {
        "name": {"maxLength": 15, "pattern": _IANA_SVC_NAME},
        "containerPort": _PORT,
        "protocol": {"enum": ["TCP", "UDP", "SCTP", None]},
    },
    "io.k8s.api.core.v1.ServicePort": {
        "port": _PORT,
        "protocol": {"enum": ["TCP", "UDP", "SCTP", None]},
    },
    "io.k8s.api.core.v1.ServiceSpec": {
        "type": {"enum": ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName", None]},
    },
    "io.k8s.api.core.v1.PodSpec": {
        "restartPolicy": {"enum": ["Always", "OnFailure", "Never", None]},
        "dnsPolicy": {"enum": ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None", None]},
    },
    "io.k8s.api.core.v1.HTTPGetAction": {"scheme": {"enum": ["HTTP", "HTTPS", None]}},
    "io.k8s.api.apps.v1.DeploymentStrategy": {
        "type": {"enum": ["Recreate", "RollingUpdate", None]}
    },
    "io.k8s.api.batch.v1.CronJobSpec": {
        "concurrencyPolicy": {"enum": ["Allow", "Forbid", "Replace", None]},
    },
}


# API groups Kubernetes no longer serves at all (every shipped schema version is newer): the
# schemas know nothing of them, so their objects would pass for custom resources, while the
# API server answers "no matches for kind".
_GONE_GROUPS = frozenset({"extensions"})
_REPLACEMENT = {
    "Deployment": "apps/v1",
    "DaemonSet": "apps/v1",
    "ReplicaSet": "apps/v1",
    "Ingress": "networking.k8s.io/v1",
    "NetworkPolicy": "networking.k8s.io/v1",
}


@dataclass(frozen=True)
class SchemaError:
    """One violation: the path of the offending node inside the object, and what is wrong."""

    path: tuple[str | int, ...]
    message: str
    kind: ErrorKind


@dataclass(frozen=True)
class SchemaResult:
    """The errors of one object; `skipped` when no schema exists for its apiVersion/kind."""

    errors: tuple[SchemaError, ...]
    skipped: bool


@dataclass(frozen=True)
class _Catalog:
    registry: Registry[Any]
    kinds: Mapping[tuple[str, str, str], str]  # (group, version, kind) -> definition name
    group_kinds: Mapping[tuple[str, str], tuple[str, ...]]  # (group, kind) -> apiVersions


def _schema_root() -> Traversable:
    return files("kubernetes_validate") / "kubernetes-json-schema"


@functools.cache
def available_versions() -> tuple[str, ...]:
    """Kubernetes versions with a strict schema, oldest first (e.g. "1.37.0")."""
    found = []
    for entry in _schema_root().iterdir():
        match = _VERSION_DIR_RE.match(entry.name)
        if match:
            found.append(tuple(int(part) for part in match.groups()))
    return tuple(".".join(map(str, v)) for v in sorted(found))


def resolve_version(requested: str | None) -> str:
    """The newest available schema version not newer than `requested` (MAJOR.MINOR), or the
    newest of all for None."""
    versions = available_versions()
    if not versions:
        raise ValueError("no Kubernetes schemas found in the kubernetes-validate package")
    if requested is None:
        return versions[-1]
    span = f"{_minor(versions[0])} to {_minor(versions[-1])}"
    match = _REQUESTED_RE.match(requested.strip())
    if match is None:
        raise ValueError(
            f"invalid Kubernetes version {requested!r}: expected MAJOR.MINOR (schemas: {span})"
        )
    wanted = (int(match[1]), int(match[2]))
    newest = _key(versions[-1])
    if wanted > newest:
        raise ValueError(f"Kubernetes {requested} is newer than the schemas available ({span})")
    candidates = [v for v in versions if _key(v) <= wanted]
    if not candidates:
        raise ValueError(f"Kubernetes {requested} is older than the schemas available ({span})")
    return candidates[-1]


def _key(version: str) -> tuple[int, int]:
    major, minor, _ = version.split(".")
    return int(major), int(minor)


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


@functools.cache
def _catalog(version: str) -> _Catalog:
    directory = _schema_root() / f"v{version}-local-strict"
    definitions = json.loads((directory / "_definitions.json").read_text("utf-8"))
    defs = definitions["$defs"]
    for name, properties in _SUPPLEMENTS.items():
        props = defs.get(name, {}).get("properties", {})
        for prop, extra in properties.items():
            if prop in props:
                props[prop] = {**props[prop], **extra}
    kinds: dict[tuple[str, str, str], str] = {}
    group_kinds: dict[tuple[str, str], list[str]] = {}
    for name, schema in defs.items():
        gvks = schema.get("x-kubernetes-group-version-kind", [])
        # DeleteOptions and WatchEvent claim every group: they are not objects one applies.
        if len(gvks) != 1:
            continue
        group, ver, kind = gvks[0]["group"], gvks[0]["version"], gvks[0]["kind"]
        kinds[(group, ver, kind)] = name
        group_kinds.setdefault((group, kind), []).append(f"{group}/{ver}" if group else ver)
    resource = Resource.from_contents(definitions, default_specification=DRAFT202012)
    return _Catalog(
        registry=Registry().with_resource(_DEFINITIONS_URI, resource),
        kinds=kinds,
        group_kinds={key: tuple(sorted(value)) for key, value in group_kinds.items()},
    )


@functools.cache
def _validator(version: str, definition: str) -> Draft202012Validator:
    schema = {"$ref": f"{_DEFINITIONS_URI}#/$defs/{definition}"}
    return Draft202012Validator(schema, registry=_catalog(version).registry)


def validate(obj: Mapping[str, Any], version: str) -> SchemaResult:
    """Check a plain Kubernetes object against the schema of its apiVersion/kind in `version`."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return SchemaResult((), skipped=True)
    catalog = _catalog(version)
    group, _, ver = api_version.rpartition("/")
    definition = catalog.kinds.get((group, ver, kind))
    if definition is None:
        return _unknown_kind(catalog, group, api_version, kind, version)
    errors: list[SchemaError] = []
    secret = kind == "Secret"
    for error in _validator(version, definition).iter_errors(obj):
        hidden = _may_be_secret(obj, tuple(error.absolute_path), secret)
        errors.extend(_convert(error, hidden))
    return SchemaResult(_ordered(obj, errors), skipped=False)


def _may_be_secret(obj: Mapping[str, Any], path: tuple[str | int, ...], secret: bool) -> bool:
    """Whether the value at `path` may be a credential a message must not echo: any value of
    a Secret's data, and the `value` of an env entry whose name says it holds a secret
    (`DB_PASSWORD: 987654321` written as a number is a schema error and a leaked password)."""
    from vertice_lint.model.app import secret_name

    if secret and path[:1] in (("data",), ("stringData",)):
        return True
    if len(path) < 3 or path[-1] != "value" or path[-3] != "env":
        return False
    entry: Any = obj
    for step in path[:-1]:
        try:
            entry = entry[step]
        except (KeyError, IndexError, TypeError):
            return True  # cannot tell: do not echo
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return not isinstance(name, str) or secret_name(name)


def _unknown_kind(
    catalog: _Catalog, group: str, api_version: str, kind: str, version: str
) -> SchemaResult:
    if group in _GONE_GROUPS:
        use = _REPLACEMENT.get(kind)
        message = (
            f"{api_version} is not served by Kubernetes {_minor(version)}: the API server"
            " rejects the object (no matches for kind)" + (f"; use {use}" if use else "")
        )
        return SchemaResult((SchemaError(("apiVersion",), message, "other"),), skipped=False)
    # A group Kubernetes itself serves cannot hold custom kinds: this is a typo or an
    # apiVersion that no longer exists, not a CRD.
    if not any(g == group for g, _ in catalog.group_kinds):
        return SchemaResult((), skipped=True)
    versions = catalog.group_kinds.get((group, kind))
    if versions:
        message = (
            f"{api_version} has no kind {kind} in Kubernetes {_minor(version)}"
            f" (use {', '.join(versions)})"
        )
        return SchemaResult((SchemaError(("apiVersion",), message, "other"),), skipped=False)
    message = f'unknown kind "{kind}" in {api_version} (Kubernetes {_minor(version)})'
    return SchemaResult((SchemaError(("kind",), message, "other"),), skipped=False)


def _convert(error: ValidationError, hidden: bool = False) -> list[SchemaError]:
    """The errors a validation error means; with `hidden`, the value is not echoed."""
    path = tuple(error.absolute_path)
    instance = error.instance
    validator = error.validator
    show: Callable[[Any], str] = _hidden if hidden else _show
    describe: Callable[[Any], str] = _hidden_kind if hidden else _describe
    if validator == "additionalProperties":
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        return [
            SchemaError((*path, key), f'unknown field "{key}"', "unknown-field")
            for key in instance
            if key not in known
        ]
    if validator == "required":
        return [
            SchemaError(path, f'missing required field "{field}"', "required")
            for field in error.validator_value
            if field not in instance
        ]
    if validator == "type":
        expected = _types(error.validator_value)
        return [SchemaError(path, f"expected {expected}, got {describe(instance)}", "type")]
    if validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value if v is not None)
        return [SchemaError(path, f"{show(instance)} is not one of {allowed}", "enum")]
    if validator in ("oneOf", "anyOf"):
        return _alternatives(error, path, hidden)
    if validator == "maxLength":
        message = f"{show(instance)} is longer than {error.validator_value} characters"
        return [SchemaError(path, message, "other")]
    if validator == "pattern":
        message = f"{show(instance)} does not match {error.validator_value}"
        return [SchemaError(path, message, "other")]
    return [SchemaError(path, error.message, "other")]


def _alternatives(
    error: ValidationError, path: tuple[str | int, ...], hidden: bool = False
) -> list[SchemaError]:
    # int-or-string and quantity are `oneOf` two nullable types, so null matches both.
    if error.instance is None:
        return []
    context = error.context or []
    if context and all(e.validator == "type" and not e.relative_path for e in context):
        expected = _types([t for e in context for t in _as_list(e.validator_value)])
        got = (_hidden_kind if hidden else _describe)(error.instance)
        return [SchemaError(path, f"expected {expected}, got {got}", "type")]
    best = best_match(context)
    if best is None:
        return [SchemaError(path, error.message, "other")]
    return _convert(best, hidden)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _types(value: Any) -> str:
    names = [value] if isinstance(value, str) else list(value)
    return " or ".join(n for n in dict.fromkeys(names) if n != "null") or "null"


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {_show(value)}"
    return "object" if isinstance(value, Mapping) else "array"


def _hidden(value: Any) -> str:
    return "the value (not shown: it may be a secret)"


def _hidden_kind(value: Any) -> str:
    return _describe(value).split(" ", 1)[0] + " (value not shown: it may be a secret)"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + '..."'


def _ordered(obj: Mapping[str, Any], errors: list[SchemaError]) -> tuple[SchemaError, ...]:
    """Errors without duplicates, in the order their nodes appear in the document."""
    unique = {(e.path, e.message): e for e in errors}
    return tuple(sorted(unique.values(), key=lambda e: (_document_order(obj, e.path), e.message)))


def _document_order(obj: Any, path: tuple[str | int, ...]) -> tuple[int, ...]:
    order = []
    node = obj
    for step in path:
        if isinstance(node, Mapping) and step in node:
            order.append(list(node).index(step))
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            order.append(step)
            node = node[step]
        else:
            order.append(len(node) if isinstance(node, Mapping | list) else 0)
            break
    return tuple(order)


def has_schema(api_version: str, kind: str, version: str) -> bool:
    """Whether `validate` checks this apiVersion/kind (False: a CRD, skipped and counted)."""
    catalog = _catalog(version)
    group, _, ver = api_version.rpartition("/")
    return (
        (group, ver, kind) in catalog.kinds
        or group in _GONE_GROUPS
        or any(g == group for g, _ in catalog.group_kinds)
    )
