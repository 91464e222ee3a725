"""VL6xx: probes and ports against the routes the app serves and the port it listens on.

Routes are composed from the app the container runs (router prefixes, `include_router`,
mounted sub-apps, blueprints; see `appfacts.app_routes`). When they cannot be known (routes
registered dynamically, an include we cannot resolve, no web framework at all) VL601 stays
silent rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic, Evidence, Fix, Safety
from vertice_lint.fix.text_edit import EditError
from vertice_lint.fix.yaml_edit import set_scalar
from vertice_lint.link.appfacts import (
    app_routes,
    container_runtimes,
    file_text,
    k8s_containers,
    listen_port,
    position,
)
from vertice_lint.model import Container, Probe, Workload, Workspace, Written

_PROBE_KEYS = {
    "liveness": "livenessProbe",
    "readiness": "readinessProbe",
    "startup": "startupProbe",
}
_HEALTH = re.compile(
    r"(^|/)(health|healthz|healthcheck|health-check|_health|ready|readyz|readiness|live|livez"
    r"|liveness|ping|status)/?$"
)
_LONG_RUNNING = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Rollout"})


def _value_at(probe: Probe, key: str) -> Written:
    """Where the probe's `path` or `port` value was written (the base or an overlay's patch)."""
    return (probe.path_at if key == "path" else probe.port_at) or probe.at


# --- VL601 probe-path-not-served -------------------------------------------------------------


def probe_path_not_served(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """An httpGet probe on a path no route of the app serves."""
    for cr in container_runtimes(ws):
        workload, container = cr.workload, cr.container
        assert workload is not None and container is not None
        probes = [p for p in container.probes if p.handler == "httpGet" and p.path is not None]
        if not probes:
            continue
        routes = app_routes(ws, cr).routes
        if routes is None:
            continue  # cannot be known: say nothing rather than guess
        for probe in probes:
            assert probe.path is not None
            if any(r.serves(probe.path) for r in routes):
                continue
            health = [
                r
                for r in routes
                if not r.any_below
                and _HEALTH.search(r.path)
                and r.serves(r.path)
                and "{" not in r.path
                and "<" not in r.path
            ]
            at = _value_at(probe, "path")
            gets = [r.path for r in routes if not r.any_below and r.serves(r.path)]
            served = ", ".join(dict.fromkeys(gets)) or "none"
            message = (
                f"{probe.kind} probe of {workload.ident} container {container.name} requests"
                f" GET {probe.path}, which the app does not serve (its GET routes: {served}):"
                " every probe gets 404"
            )
            if probe.kind == "liveness":
                message += " and the kubelet restarts the container"
            elif probe.kind == "readiness":
                message += " and the pod never becomes Ready"
            else:
                message += " and the container never starts"
            fix = None
            if len(health) == 1:
                message += f"; the health route is {health[0].path}"
                fix = _path_fix(ws, at, health[0].path)
            evidence = [r.evidence for r in routes][:10]
            yield ctx.diagnostic(at.path, at.line, at.col, message, evidence=evidence, fix=fix)


def _path_fix(ws: Workspace, at: Written, path: str) -> Fix | None:
    text = file_text(ws, at.path)
    if text is None or at.doc_index is None:
        return None
    try:
        edit = set_scalar(at.path, text, at.doc_index, at.keypath, path)
    except EditError:
        return None
    return Fix((edit,), Safety.SAFE, f"probe {path}")


# --- VL602 port-mismatch ---------------------------------------------------------------------


def port_mismatch(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Probe port, containerPort, Service targetPort and the app's listening port disagree."""
    for cr in container_runtimes(ws):
        workload, container = cr.workload, cr.container
        assert workload is not None and container is not None
        if workload.kind == "compose":
            continue
        listening = listen_port(ws, cr)
        numbers = {p.number for p in container.ports if p.protocol.upper() == "TCP"}
        app_port = listening[0] if listening else None
        for probe in container.probes:
            if probe.handler not in ("httpGet", "tcpSocket") or probe.port is None:
                continue
            diagnostic = _probe_port(ws, ctx, workload, container, probe, listening, numbers)
            if diagnostic is not None:
                yield diagnostic
        if listening is not None and numbers and app_port not in numbers:
            first = container.ports[0]
            yield ctx.diagnostic(
                first.at.path,
                first.line,
                first.col,
                f"{workload.ident} container {container.name} declares containerPort"
                f" {', '.join(str(n) for n in sorted(numbers))}, but the app listens on"
                f" {app_port}: Services and probes aimed at the declared port reach nothing",
                evidence=[listening[1]],
            )
    yield from _service_ports(ws, ctx)


def _probe_port(
    ws: Workspace,
    ctx: CheckContext,
    workload: Workload,
    container: Container,
    probe: Probe,
    listening: tuple[int, Evidence] | None,
    numbers: set[int],
) -> Diagnostic | None:
    at = _value_at(probe, "port")
    line, col = at.line, at.col
    named = {p.name: p.number for p in container.ports if p.name}
    if isinstance(probe.port, str) and not probe.port.isdigit():
        if probe.port in named:
            number = named[probe.port]
        else:
            return ctx.diagnostic(
                at.path,
                line,
                col,
                f"{probe.kind} probe port `{probe.port}` names no containerPort of container"
                f" {container.name} (named: {', '.join(sorted(named)) or 'none'}): the probe"
                " cannot run",
            )
    else:
        number = int(probe.port) if probe.port is not None else 0
    if listening is not None:
        target, evidence = listening
        if number == target:
            return None
        why = f"the app listens on {target}"
        evidence_list = [evidence]
    elif numbers and number not in numbers:
        target = next(iter(numbers)) if len(numbers) == 1 else 0
        why = f"the container declares containerPort {', '.join(str(n) for n in sorted(numbers))}"
        evidence_list = []
    else:
        return None
    message = (
        f"{probe.kind} probe of {workload.ident} container {container.name} checks port"
        f" {number}, but {why}: the probe always fails"
    )
    fix = None
    port = next((p for p in container.ports if p.number == target), None)
    text = file_text(ws, at.path)
    if port is not None and text is not None and at.doc_index is not None:
        value: str | int = port.name if isinstance(probe.port, str) and port.name else port.number
        try:
            edit = set_scalar(at.path, text, at.doc_index, at.keypath, value)
            fix = Fix((edit,), Safety.SAFE, f"probe port {value}")
        except EditError:
            fix = None
    return ctx.diagnostic(at.path, line, col, message, evidence=evidence_list, fix=fix)


def _service_ports(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Service targetPorts that no selected container declares (by number or name)."""
    runtimes = {  # by the workload itself: several renderings of one manifest are several
        (id(cr.workload), cr.container.name): cr
        for cr in container_runtimes(ws)
        if cr.workload is not None and cr.container is not None
    }
    for entry in ws.kube_objects:
        obj = entry.obj
        if not entry.validated or obj.kind != "Service":
            continue
        spec: Any = obj.plain.get("spec") if isinstance(obj.plain.get("spec"), dict) else {}
        selector = spec.get("selector")
        if not isinstance(selector, dict) or not selector:
            continue
        selected = [
            w
            for w in ws.workloads
            if w.kind != "compose"
            and w.template_labels
            and all(w.template_labels.get(k) == str(v) for k, v in selector.items())
            and (w.namespace is None or obj.namespace is None or w.namespace == obj.namespace)
        ]
        containers = [(w, c) for w in selected for c in w.containers if not c.init]
        if not containers:
            continue
        names = {p.name for _, c in containers for p in c.ports if p.name}
        numbers = {p.number for _, c in containers for p in c.ports}
        listening = {
            lp[0]
            for w, c in containers
            if (cr := runtimes.get((id(w), c.name))) is not None
            and (lp := listen_port(ws, cr)) is not None
        }
        ports = spec.get("ports")
        for i, port in enumerate(ports if isinstance(ports, list) else ()):
            if not isinstance(port, dict):
                continue
            target = port.get("targetPort", port.get("port"))
            line, col = position(
                entry, ("spec", "ports", i, "targetPort" if "targetPort" in port else "port")
            )
            if isinstance(target, str) and not target.isdigit():
                if target in names or (not names and not numbers):
                    continue
                message = (
                    f"targetPort `{target}` of Service {obj.name} names no containerPort of the"
                    " pods it selects: connections are refused"
                )
            elif isinstance(target, int | str):
                number = int(target)
                if number in numbers or number in listening or not (numbers or listening):
                    continue
                known = sorted(numbers | listening)
                message = (
                    f"targetPort {number} of Service {obj.name} matches no port of the pods it"
                    f" selects (they use {', '.join(str(n) for n in known)}):"
                    " connections are refused"
                )
            else:
                continue
            evidence = [
                Evidence(c.at.path, c.line, c.col, f"{w.ident} container {c.name}")
                for w, c in containers
            ]
            yield ctx.diagnostic(entry.path, line, col, message, evidence=evidence)


# --- VL603 missing-probe ---------------------------------------------------------------------


def missing_probe(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A long-running container that serves a port but has no readinessProbe."""
    selected = _selected_by_services(ws)
    for workload, container in k8s_containers(ws):
        if workload.kind not in _LONG_RUNNING:
            continue
        if any(p.kind == "readiness" for p in container.probes):
            continue
        if not container.ports and (workload.path, workload.doc_index) not in selected:
            continue  # a worker with nothing to route traffic to
        yield ctx.diagnostic(
            container.at.path,
            container.line,
            container.col,
            f"{workload.ident} container {container.name} has no readinessProbe: it receives"
            " traffic as soon as it starts, before the app can answer, and keeps receiving it"
            " when the app stops answering",
        )


def _selected_by_services(ws: Workspace) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    for entry in ws.kube_objects:
        if not entry.validated or entry.obj.kind != "Service":
            continue
        spec = entry.obj.plain.get("spec")
        selector = spec.get("selector") if isinstance(spec, dict) else None
        if not isinstance(selector, dict) or not selector:
            continue
        for w in ws.workloads:
            if w.template_labels and all(
                w.template_labels.get(k) == str(v) for k, v in selector.items()
            ):
                out.add((w.path, w.doc_index))
    return out


# --- VL604 probe-program-missing ------------------------------------------------------------

_FAILS = {
    "liveness": "the kubelet restarts the container after every failed check, in a loop",
    "readiness": "the pod never becomes Ready and receives no traffic",
    "startup": "the container is killed before it has started",
}


def probe_program_missing(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """VL604: an exec probe runs a program that the container's image does not have."""
    for workload in ws.workloads:
        for container in workload.containers:
            image = container.image_link
            programs = image.programs if image is not None else None
            if image is None or programs is None:
                continue
            for probe in container.probes:
                for program, at in probe.programs:
                    fact = programs.lookup(program)
                    if fact.state != "absent":
                        continue
                    linked = container.image_link_reason
                    fails = _FAILS.get(probe.kind, "the probe never passes")
                    evidence = list(fact.evidence)
                    if linked is not None and linked.reason:
                        where = container.at
                        evidence.append(Evidence(where.path, where.line, where.col, linked.reason))
                    yield ctx.diagnostic(
                        at.path,
                        at.line,
                        at.col,
                        f"the {probe.kind} probe of {workload.ident} container {container.name}"
                        f" runs `{program}`, which its image ({image.dockerfile}) does not have:"
                        f" every probe fails and {fails};"
                        f" install it in the image or use an httpGet, tcpSocket or grpc probe",
                        evidence=evidence,
                    )
