"""Rules written as data (VL802... and the rules of a repository's `rules-dir`).

A declarative rule matches values of the rendered Kubernetes objects of every sync root and
validates each against a JSON Schema:

    match:
      apiVersions: [apps/v1]          # optional: any apiVersion
      kinds: [Deployment, CronJob]    # optional: any kind (that has the scope)
      scope: container                # object (default) | pod | container
      path: securityContext           # optional, dotted, `[*]`/`[N]` for list items
    schema: {...}                     # JSON Schema 2020-12 the matched value must satisfy
    message: runs privileged          # what is wrong, in the diagnostic

`pod` is the pod spec wherever the kind keeps it; `container` is every container and init
container, whose `securityContext` holds the effective settings (the fields a container
inherits from the pod's securityContext, overridden by its own). A path that does not exist
selects nothing. Each matched value that fails gets one diagnostic, at the original position
of the first failing part (a patch's position when a patch wrote it).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import jsonschema.exceptions

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic, Evidence
from vertice_lint.model import RenderedObject, Workspace, containers_of, pod_spec_path

KeyPath = tuple[str | int, ...]
_INHERITED = (
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "seLinuxOptions",
    "seccompProfile",
    "windowsOptions",
    "appArmorProfile",
)
_STEP = re.compile(r"^([^\[]+)(?:\[(\*|\d+)\])?$")


@functools.cache
def _validator(schema_json: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(schema_json))


def declarative_rule(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Every matched value of every rendered object against the rule's schema."""
    meta = ctx.meta
    assert meta.match is not None and meta.schema is not None
    validator = _validator(json.dumps(meta.schema, sort_keys=True))
    seen: set[tuple[str, int, int]] = set()
    for root in ws.sync_roots:
        for obj in root.objects:
            if not _selected(meta.match, obj):
                continue
            for at, label, value in _targets(meta.match, obj):
                error = jsonschema.exceptions.best_match(validator.iter_errors(value))
                if error is None:
                    continue
                keypath = (*at, *error.absolute_path)
                missing = error.validator in ("required", "dependentRequired")
                path, line, col = obj.locate(keypath, value=not missing)
                if (path, line, col) in seen:
                    continue
                seen.add((path, line, col))
                yield ctx.diagnostic(
                    path,
                    line,
                    col,
                    f"{obj.kind} {obj.name}{label}: {meta.message}",
                    evidence=(
                        Evidence(path, line, col, f"{_dotted(keypath)}: {_explain(error)}"),
                        Evidence(root.path, root.line, root.col, f"synced by {root.name}"),
                    ),
                )


def _selected(match: dict[str, Any], obj: RenderedObject) -> bool:
    if "kinds" in match and obj.kind not in match["kinds"]:
        return False
    return "apiVersions" not in match or obj.api_version in match["apiVersions"]


def _targets(match: dict[str, Any], obj: RenderedObject) -> Iterator[tuple[KeyPath, str, Any]]:
    """(rendered path, label, value) of every value the rule validates in this object."""
    scope = match.get("scope", "object")
    steps = _steps(match.get("path", ""))
    if scope == "object":
        yield from _walk(obj.plain, (), "", steps)
        return
    spec_path = pod_spec_path(obj.kind)
    if spec_path is None:
        return
    pod: Any = obj.plain
    for step in spec_path:
        pod = pod.get(step) if isinstance(pod, dict) else None
    if not isinstance(pod, dict):
        return
    if scope == "pod":
        yield from _walk(pod, spec_path, "", steps)
        return
    pod_security = pod.get("securityContext")
    inherited = (
        {k: v for k, v in pod_security.items() if k in _INHERITED}
        if isinstance(pod_security, dict)
        else {}
    )
    for cpath, container in containers_of(obj.plain, obj.kind):
        own = container.get("securityContext")
        effective = dict(container)
        if inherited or own is not None:
            effective["securityContext"] = {**inherited, **(own if isinstance(own, dict) else {})}
        yield from _walk(effective, cpath, f" container {container.get('name', '?')}", steps)


def _steps(path: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for part in path.split(".") if path else []:
        found = _STEP.match(part)
        assert found is not None  # the catalog schema checked the path
        out.append((found.group(1), found.group(2)))
    return out


def _walk(
    value: Any, at: KeyPath, label: str, steps: list[tuple[str, str | None]]
) -> Iterator[tuple[KeyPath, str, Any]]:
    if not steps:
        yield at, label, value
        return
    (key, index), rest = steps[0], steps[1:]
    if not isinstance(value, dict) or key not in value:
        return
    child = value[key]
    if index is None:
        yield from _walk(child, (*at, key), label, rest)
    elif isinstance(child, list):
        picks = range(len(child)) if index == "*" else [int(index)]
        for i in picks:
            if 0 <= i < len(child):
                yield from _walk(child[i], (*at, key, i), label, rest)


def _explain(error: jsonschema.exceptions.ValidationError) -> str:
    """The failure in the YAML's words (`is true, expected false`), not the schema's."""
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "const":
        return f"is {_show(value)}, expected {_show(expected)}"
    if kind == "enum" and isinstance(expected, list):
        return f"is {_show(value)}, expected one of {', '.join(_show(e) for e in expected)}"
    if kind == "not":
        return f"is {_show(value)}"
    if kind == "required" and isinstance(expected, list) and isinstance(value, dict):
        missing = [k for k in expected if k not in value]
        return "missing " + ", ".join(f"`{k}`" for k in missing)
    return str(error.message)


def _show(value: Any) -> str:
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    return json.dumps(value)


def _dotted(path: KeyPath) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out or "(object)"
