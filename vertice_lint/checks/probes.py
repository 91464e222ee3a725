"""VL6xx: probes and ports against the routes the app serves and the port it listens on.

Routes are composed in link from the app the container runs (router prefixes,
`include_router`, mounted sub-apps, blueprints: `ContainerRuntime.app.routes`), like the port
it listens on (`.listen_port`) and the workloads each Service selects
(`Workspace.service_selections`). When the routes cannot be known (routes registered
dynamically, an include we cannot resolve, no web framework at all) VL601 stays silent rather
than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic, Evidence, Fix, Safety
from vertice_lint.fix.text_edit import EditError
from vertice_lint.fix.yaml_edit import set_scalar
from vertice_lint.model import Container, ListenPort, Probe, Workload, Workspace, Written

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
    for cr in ws.runtimes:
        workload, container, app = cr.workload, cr.container, cr.app
        if workload is None or container is None or app is None:
            continue  # an image's default command, or an init container
        probes = [p for p in container.probes if p.handler == "httpGet" and p.path is not None]
        if not probes:
            continue
        routes = app.routes.routes
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
    text = ws.text(at.path)
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
    for cr in ws.runtimes:
        workload, container, app = cr.workload, cr.container, cr.app
        if workload is None or container is None or app is None or workload.kind == "compose":
            continue
        if workload.path in ws.inventory.templates:
            continue  # a template or a test fixture, not what is applied
        listening = app.listen_port
        numbers = {p.number for p in container.ports if p.protocol.upper() == "TCP"}
        app_port = listening.port if listening else None
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
                evidence=[listening.evidence],
            )
    yield from _service_ports(ws, ctx)


def _probe_port(
    ws: Workspace,
    ctx: CheckContext,
    workload: Workload,
    container: Container,
    probe: Probe,
    listening: ListenPort | None,
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
        target, evidence = listening.port, listening.evidence
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
    text = ws.text(at.path)
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
    listen_ports = {  # by the workload itself: several renderings of one manifest are several
        (id(cr.workload), cr.container.name): cr.app.listen_port
        for cr in ws.runtimes
        if cr.workload is not None and cr.container is not None and cr.app is not None
    }
    for service in ws.service_selections:
        containers = [(w, c) for w in service.workloads for c in w.containers if not c.init]
        if not containers:
            continue
        names = {p.name for _, c in containers for p in c.ports if p.name}
        numbers = {p.number for _, c in containers for p in c.ports}
        listening = {
            lp.port for w, c in containers if (lp := listen_ports.get((id(w), c.name))) is not None
        }
        for port in service.ports:
            target = port.target
            if isinstance(target, str) and not target.isdigit():
                if target in names or (not names and not numbers):
                    continue
                message = (
                    f"targetPort `{target}` of Service {service.name} names no containerPort of"
                    " the pods it selects: connections are refused"
                )
            else:
                number = int(target)
                if number in numbers or number in listening or not (numbers or listening):
                    continue
                known = sorted(numbers | listening)
                message = (
                    f"targetPort {number} of Service {service.name} matches no port of the pods"
                    f" it selects (they use {', '.join(str(n) for n in known)}):"
                    " connections are refused"
                )
            evidence = [
                Evidence(c.at.path, c.line, c.col, f"{w.ident} container {c.name}")
                for w, c in containers
            ]
            yield ctx.diagnostic(service.path, port.line, port.col, message, evidence=evidence)


# --- VL603 missing-probe ---------------------------------------------------------------------


def missing_probe(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A long-running container whose pods a Service selects, with no readinessProbe."""
    # a Service selects the pods only when it is applied with them: by one sync root (and a
    # Service no root applies, the pods of workloads no root applies: with no root at all,
    # any Service of the repository)
    roots = [r.files for r in ws.sync_roots]
    synced = {f for files in roots for f in files}
    selected = {
        (w.path, w.doc_index)
        for s in ws.service_selections
        for w in s.workloads
        if any(s.path in files and w.path in files for files in roots)
        or (s.path not in synced and w.path not in synced)
    }
    for workload in ws.workloads:
        if workload.kind not in _LONG_RUNNING:
            continue
        if workload.path in ws.inventory.templates:
            continue  # a template or a test fixture, not what is applied
        for container in workload.containers:
            if container.init or any(p.kind == "readiness" for p in container.probes):
                continue
            if (workload.path, workload.doc_index) not in selected:
                # no Service applied with it selects its pods: nothing routes traffic by
                # readiness (a worker, or a node that registers itself with a hub); a port
                # alone proves no traffic
                continue
            yield ctx.diagnostic(
                container.at.path,
                container.line,
                container.col,
                f"{workload.ident} container {container.name} has no readinessProbe: it"
                " receives traffic as soon as it starts, before the app can answer, and keeps"
                " receiving it when the app stops answering",
            )


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
