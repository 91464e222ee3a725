"""GitOps inventory (VL101-VL107): what the sync roots deploy, against the source tree.

The rules read the rendered objects of every sync root (render.py) and report where the
value was written: the base manifest, or the overlay patch or `images:` entry that set it.
An object several roots render is reported once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic, Edit, Evidence, Fix, Safety
from vertice_lint.fix import yaml_edit
from vertice_lint.fix.text_edit import EditError
from vertice_lint.model import (
    ContainerRuntime,
    Image,
    RenderedObject,
    Service,
    SyncRoot,
    Workload,
    Workspace,
    containers_of,
    pod_spec,
    pod_spec_path,
)
from vertice_lint.model.files import PythonModule
from vertice_lint.model.image import image_repository, is_image_reference, registry_path

_SHOWN_ROOTS = 5
_TEST_DIRS = frozenset({"test", "tests", "e2e", "testdata", "integration-tests"})
_HEALTH = ("/healthz", "/health", "/readyz", "/ready", "/livez", "/ping", "/status")
_SELECTOR_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Rollout"})


def _once(diags: Iterator[Diagnostic]) -> Iterator[Diagnostic]:
    """An object several roots render gives one diagnostic per place."""
    seen: set[tuple[str, int, int, str]] = set()
    for diag in diags:
        key = (diag.path, diag.line, diag.col, diag.message)
        if key not in seen:
            seen.add(key)
            yield diag


def _objects(ws: Workspace) -> Iterator[tuple[SyncRoot, RenderedObject]]:
    for root in ws.sync_roots:
        for obj in root.objects:
            yield root, obj


def _synced_by(root: SyncRoot) -> Evidence:
    return Evidence(root.path, root.line, root.col, f"synced by {root.name} ({root.kind})")


# --- VL101 orphan-workload --------------------------------------------------------------------


def orphan_workload(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A workload running an image of this repository's naming scheme that nothing here builds."""
    for workload in ws.workloads:
        if workload.kind != "compose" and not _reached(ws, workload.path):
            continue
        if workload.path in ws.inventory.templates:
            continue  # a template or a test fixture: not what is applied
        if _below_a_dockerfile(ws, workload.path):
            continue  # the manifest is in a source directory: its source is right there
        orphans = [
            c
            for c in workload.containers
            if c.image
            and c.image_link is None
            and ws.inventory.registry(registry_path(c.image))
            # a Dockerfile of a directory of that name may build it (a link the model missed)
            and _word(image_repository(c.image)) not in ws.inventory.dockerfile_words
        ]
        if not orphans:
            continue
        container = orphans[0]
        assert container.image is not None
        prefix = registry_path(container.image)
        shown = ws.inventory.registry(prefix)
        assert shown is not None
        sibling, sibling_container = shown.workload, shown.container
        assert sibling_container.image_link is not None
        evidence = [
            Evidence(
                sibling.path,
                sibling_container.line,
                sibling_container.col,
                f"{prefix} is this repository's registry path: {sibling_container.image} is"
                f" built from {sibling_container.image_link.dockerfile}",
            )
        ]
        line, col = ws.inventory.image_position(workload, container)
        what = "compose service" if workload.kind == "compose" else workload.kind
        fix = None
        if all(c.image_link is None for c in workload.containers) and workload.kind != "compose":
            fix = _removal(ws, workload, evidence)
        yield ctx.diagnostic(
            workload.path,
            line,
            col,
            f"{what} {workload.name} runs {container.image}, an image of this repository"
            f" ({prefix}) that no Dockerfile here builds: its source is gone",
            evidence=evidence,
            fix=fix,
        )


def _below_a_dockerfile(ws: Workspace, path: str) -> bool:
    """The file is in (or below) a directory that holds a Dockerfile, the repository root
    aside (`services/api/k8s/deployment.yaml` beside `services/api/Dockerfile`)."""
    parts = path.split("/")[:-1]
    return any(
        "/".join(parts[:i]) in ws.inventory.dockerfile_dirs for i in range(1, len(parts) + 1)
    )


def _reached(ws: Workspace, path: str) -> bool:
    return any(path in root.files for root in ws.sync_roots)


def _removal(ws: Workspace, workload: Workload, evidence: list[Evidence]) -> Fix | None:
    """Remove the document (the file, when it is the only one) and the entries listing it."""
    record = ws.yaml_file(workload.path)
    text = ws.text(workload.path)
    if record is None or text is None or workload.keypath:
        return None
    patches = ws.inventory.patched_by(workload.kind, workload.name)
    if patches:
        patch = patches[0]
        where = (patch.kustomization, patch.line, patch.col)
        evidence.append(Evidence(*where, "a patch targets it: remove it by hand"))
        return None
    documents = [d for d in record.documents if d.data is not None]
    try:
        if len(documents) > 1:
            edits: tuple[Edit, ...] = (
                yaml_edit.remove_document(workload.path, text, workload.doc_index),
            )
        else:
            edits = (Edit(workload.path, delete=True),)
            for entry in ws.inventory.listed_by(workload.path):
                ktext = ws.text(entry.kustomization)
                assert ktext is not None
                edits += (
                    yaml_edit.remove_from_sequence(
                        entry.kustomization, ktext, entry.doc_index, ("resources",), entry.index
                    ),
                )
    except EditError:
        return None
    return Fix(edits, Safety.UNSAFE, f"remove {workload.kind} {workload.name}")


# --- VL102 undeployed-service -----------------------------------------------------------------


def undeployed_service(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A service with a Dockerfile and an entrypoint that no synced workload runs."""
    if any(d.any_image for d in ws.inventory.deploys):
        return  # the repository deploys in a way the model does not render (a note says so)
    deployed = _deployed_images(ws)
    charted = ws.inventory.chart_images
    named = [image_repository(i) for d in ws.inventory.deploys for i in d.images]
    for service in ws.services:
        if any(p.lower() in _TEST_DIRS for p in service.directory.split("/")):
            continue  # a test runner's image (run by a test job), not a service to deploy
        images = [i for i in ws.images if i.service == service.name]
        runnable = [i for i in images if i.cmd is not None or i.entrypoint is not None]
        if not runnable or any(i.key in deployed for i in images):
            continue
        if any(c.repository in i.names for c in charted for i in images) or any(
            c.word in service.words for c in charted
        ):
            continue  # a Helm chart's values name its image: templates are not rendered
        if any(n in i.names for n in named for i in images) or any(
            _word(n) in service.words for n in named
        ):
            continue  # a script deploys or publishes its image
        image = runnable[0]
        dockerfile = ws.dockerfile(image.dockerfile)
        assert dockerfile is not None  # an image is a parsed Dockerfile with stages
        stage = dockerfile.final
        inv = stage.entrypoint or stage.cmd
        line, col = (inv.line, inv.col) if inv is not None else (stage.line, stage.col)
        where = "a sync root" if ws.sync_roots else "this repository"
        fix, why_not = _deployment_fix(ws, service, image)
        message = (
            f"service {service.name} ({service.directory}/) builds an image that no workload"
            f" of {where} runs"
        )
        if why_not:
            message += f"; no automatic fix: {why_not}"
        yield ctx.diagnostic(
            image.dockerfile, line, col, message, evidence=_considered(ws, image), fix=fix
        )


def _word(repository: str) -> str:
    return repository.rsplit("/", 1)[-1].lower().replace("_", "-").replace(".", "-")


def _considered(ws: Workspace, image: Image) -> list[Evidence]:
    """What VL102 looked at: how the image is built, and the sync roots (or compose files)."""
    out = [Evidence(image.dockerfile, 1, 1, f"built as {image.link.reason or 'its service'}")]
    out.extend(image.link.evidence[:2])
    roots = ws.sync_roots
    for root in roots[:_SHOWN_ROOTS]:
        out.append(
            Evidence(
                root.path,
                root.line,
                root.col,
                f"sync root {root.name} ({root.kind}) renders {len(root.workloads)}"
                f" workload{'' if len(root.workloads) == 1 else 's'}, none runs it",
            )
        )
    if len(roots) > _SHOWN_ROOTS:
        first = roots[_SHOWN_ROOTS]
        out.append(
            Evidence(
                first.path,
                first.line,
                first.col,
                f"and {len(roots) - _SHOWN_ROOTS} more sync roots, none runs it",
            )
        )
    if not roots:
        composes = sorted({w.path for w in ws.workloads if w.kind == "compose"})
        for path in composes[:_SHOWN_ROOTS]:
            out.append(Evidence(path, 1, 1, "no service of this compose file runs it"))
    return out


def _deployed_images(ws: Workspace) -> set[str]:
    workloads: Sequence[Workload] = [w for r in ws.sync_roots for w in r.workloads]
    if not ws.sync_roots:
        workloads = ws.workloads
    compose = [w for w in ws.workloads if w.kind == "compose"]
    if not any(r.workloads for r in ws.sync_roots):
        workloads = [*workloads, *compose]
    else:  # the compose files a deploy script runs (`docker compose -f prod.yml up`)
        run = {f for d in ws.inventory.deploys for f in d.compose_files}
        workloads = [*workloads, *(w for w in compose if w.path in run)]
    return {c.image_link.key for w in workloads for c in w.containers if c.image_link is not None}


def _runtime(ws: Workspace, image: Image) -> ContainerRuntime | None:
    return next((r for r in ws.runtimes if r.image.key == image.key and r.workload is None), None)


def _modules(ws: Workspace, runtime: ContainerRuntime | None) -> list[PythonModule]:
    if runtime is None:
        return []
    out = []
    for node in runtime.runtime.modules:
        module = ws.python_module(node.repo_path)
        if module is not None:
            out.append(module)
    return out


def health_route(modules: Sequence[PythonModule]) -> str | None:
    """The health-like GET route an app serves at its root, preferring /healthz."""
    included = {inc.included for m in modules for inc in m.router_includes}
    paths = {
        r.path
        for m in modules
        for r in m.routes
        if (not r.methods or "GET" in r.methods) and r.router not in included
    }
    return next((p for p in _HEALTH if p in paths), None)


def required_env(image: Image, modules: Sequence[PythonModule]) -> list[str]:
    """Variables the code reads with no default (os.environ[...], settings fields)."""
    names: list[str] = []
    for module in modules:
        for read in module.env_reads:
            if read.kind in ("subscript", "pop") and not read.has_default and not read.guarded:
                names.append(read.name)
        for settings in module.settings_classes:
            if settings.config_dynamic:
                continue
            for fld in settings.fields:
                if fld.has_default or fld.optional or fld.alias is not None:
                    continue
                name = settings.env_prefix + fld.name
                names.append(name if settings.case_sensitive else name.upper())
    return sorted({n for n in names if n not in image.env})


def _deployment_fix(ws: Workspace, service: Service, image: Image) -> tuple[Fix | None, str]:
    if len(ws.inventory.registries) != 1:
        return None, "the image's registry path is not known (no single naming scheme)"
    registry = ws.inventory.registries[0].prefix
    manifests = Counter(
        w.path.rpartition("/")[0] for r in ws.sync_roots for w in r.workloads if ws.has_file(w.path)
    )
    if not manifests:
        return None, "there are no manifests to put it beside"
    directory = sorted(manifests.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    name = _dns_name(PurePosixPath(service.directory).name)
    target = f"{directory}/{name}.yaml" if directory else f"{name}.yaml"
    if ws.has_file(target):
        return None, f"{target} exists"
    runtime = _runtime(ws, image)
    modules = _modules(ws, runtime)
    ports = [e.port for e in (runtime.runtime.entrypoints if runtime else ()) if e.port]
    port = ports[0] if ports else (image.exposed[0] if image.exposed else None)
    env: list[tuple[str, str, str, str]] = []  # (name, ref kind, object, key)
    for var in required_env(image, modules):
        # one source as written (however many sync roots render it), named as written
        sources = list(
            {(s.path, s.line, s.col): s for s in ws.config_sources if var in s.keys}.values()
        )
        if len(sources) != 1:
            return (
                None,
                f"it requires {var}, which {'more than one' if sources else 'no'}"
                " ConfigMap or Secret defines",
            )
        ref = "secretKeyRef" if sources[0].kind == "Secret" else "configMapKeyRef"
        env.append((var, ref, sources[0].written_name, var))
    route = health_route(modules)
    text = render_manifests(name, f"{registry}{name}", image, port, route, env)
    edits: tuple[Edit, ...] = (Edit(target, create=True, replacement=text),)
    kustomization = ws.inventory.kustomization_in(directory)
    if kustomization is not None:
        ktext = ws.text(kustomization.path)
        assert ktext is not None
        try:
            edits += (
                yaml_edit.append_to_sequence(
                    kustomization.path,
                    ktext,
                    kustomization.doc_index,
                    ("resources",),
                    f"{name}.yaml",
                ),
            )
        except EditError as exc:
            return None, str(exc)
    return Fix(edits, Safety.UNSAFE, f"write {target} (Deployment + Service)"), ""


def _dns_name(directory: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", directory.lower().replace("_", "-")).strip("-")


def render_manifests(
    name: str,
    repository: str,
    image: Image,
    port: int | None,
    route: str | None,
    env: Sequence[tuple[str, str, str, str]],
) -> str:
    """A Deployment (and a Service when the app listens on a port) for a service."""
    runs_as_root = image.user in (None, "", "root", "0") or (image.user or "").startswith(
        ("0:", "root:")
    )
    lines = [
        f"# Written by vertice-lint (VL102) from {image.dockerfile}: review the image tag,",
        "# the resources and the replicas before the first sync.",
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        f"  name: {name}",
        "  labels:",
        f"    app: {name}",
        "spec:",
        "  replicas: 1",
        "  selector:",
        "    matchLabels:",
        f"      app: {name}",
        "  template:",
        "    metadata:",
        "      labels:",
        f"        app: {name}",
        "    spec:",
        "      securityContext:",
        "        runAsNonRoot: true",
    ]
    if runs_as_root:
        lines += ["        runAsUser: 10001"]
    lines += [
        "      containers:",
        f"        - name: {name}",
        f"          image: {repository}:unreleased  # the tag CI pushes",
        "          imagePullPolicy: IfNotPresent",
    ]
    if port is not None:
        lines += [
            "          ports:",
            "            - name: http",
            f"              containerPort: {port}",
        ]
    if env:
        lines += ["          env:"]
        for var, ref, obj, key in env:
            lines += [
                f"            - name: {var}",
                "              valueFrom:",
                f"                {ref}:",
                f"                  name: {obj}",
                f"                  key: {key}",
            ]
    if port is not None:
        for probe in ("readinessProbe", "livenessProbe"):
            lines += [f"          {probe}:"]
            if route is not None:
                lines += [
                    "            httpGet:",
                    f"              path: {route}",
                    "              port: http",
                ]
            else:
                lines += ["            tcpSocket:", "              port: http"]
    lines += [
        "          resources:",
        "            requests:",
        "              cpu: 100m",
        "              memory: 128Mi",
        "            limits:",
        "              memory: 256Mi",
        "          securityContext:",
        "            allowPrivilegeEscalation: false",
    ]
    if port is not None:
        lines += [
            "---",
            "apiVersion: v1",
            "kind: Service",
            "metadata:",
            f"  name: {name}",
            "spec:",
            "  selector:",
            f"    app: {name}",
            "  ports:",
            "    - name: http",
            "      port: 80",
            "      targetPort: http",
        ]
    return "\n".join(lines) + "\n"


# --- VL103 scaled-to-zero ---------------------------------------------------------------------


def scaled_to_zero(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A workload rendered with `replicas: 0`."""

    def found() -> Iterator[Diagnostic]:
        for root, obj in _objects(ws):
            spec = obj.plain.get("spec")
            if not isinstance(spec, dict) or spec.get("replicas") != 0:
                continue
            if pod_spec_path(obj.kind) is None:
                continue
            path, line, col = obj.locate(("spec", "replicas"))
            yield ctx.diagnostic(
                path,
                line,
                col,
                f"{obj.kind} {obj.name} is scaled to zero: it runs no pod",
                evidence=(_synced_by(root),),
            )

    yield from _once(found())


# --- VL104 mutable-image-tag ------------------------------------------------------------------


def is_mutable(image: str) -> bool:
    """No tag and no digest, or the `latest` tag (of an image reference: a fill-in placeholder
    such as `<YOUR-IMAGE>` or `REPLACE_ME` names no image)."""
    if "@" in image or not is_image_reference(image):
        return False
    last = image.rsplit("/", 1)[-1]
    return ":" not in last or last.rsplit(":", 1)[1] == "latest"


def _deployed_as_built(ws: Workspace, path: str, image: str) -> bool:
    repository = image_repository(image)
    return any(path in d.files and repository in d.repositories for d in ws.deployed_artifacts)


def mutable_image_tag(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Images that cannot be rolled back to: no tag, `:latest`, or a `FROM x:latest` base."""

    def found() -> Iterator[Diagnostic]:
        for root, obj in _objects(ws):
            for cpath, container in containers_of(obj.plain, obj.kind):
                image = container.get("image")
                if isinstance(image, str) and "${" not in image and is_mutable(image):
                    if _deployed_as_built(ws, obj.path, image):
                        continue  # skaffold deploys it as the tag@digest it built
                    path, line, col = obj.locate((*cpath, "image"), value=True)
                    yield ctx.diagnostic(
                        path,
                        line,
                        col,
                        f"{obj.kind} {obj.name} container {container.get('name', '?')} runs"
                        f" {image}: a mutable tag, the running version cannot be known or"
                        " rolled back to",
                        evidence=(_synced_by(root),),
                    )
        for workload in ws.workloads:
            if workload.kind != "compose":
                continue
            for service in workload.containers:
                image = service.image
                if image and "$" in image:
                    continue  # a variable with no value known: the shell sets it
                if image and service.image_link is None and is_mutable(image):
                    line, col = ws.inventory.image_position(workload, service)
                    yield ctx.diagnostic(
                        workload.path,
                        line,
                        col,
                        f"compose service {workload.name} runs {image}: a mutable tag",
                        evidence=tuple(
                            Evidence(w.path, w.line, w.col, "compose takes the image from it")
                            for w in service.image_env_at
                        ),
                    )
        for image in ws.images:
            dockerfile = ws.dockerfile(image.dockerfile)
            stages = dockerfile.stages if dockerfile is not None else ()
            names = {s.name.lower() for s in stages if s.name}
            for stage in stages:
                base = stage.base
                if stage.base_stage is not None or base.lower() in names | {"scratch"}:
                    continue
                if "$" in base or not is_mutable(base):
                    continue
                yield ctx.diagnostic(
                    image.dockerfile,
                    stage.base_line,
                    stage.base_col,
                    f"FROM {base}: a mutable base image, the next build may get another one",
                )

    yield from _once(found())


# --- VL105 duplicate-resource -----------------------------------------------------------------


def duplicate_resource(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """The same kind/namespace/name twice under one sync root."""

    def found() -> Iterator[Diagnostic]:
        for root in ws.sync_roots:
            first: dict[tuple[str, str, str, str], RenderedObject] = {}
            for obj in root.objects:
                group = obj.api_version.rpartition("/")[0]
                key = (group, obj.kind, obj.namespace or "", obj.name)
                if key not in first:
                    first[key] = obj
                    continue
                other = first[key]
                if not root.applied_together and other.path != obj.path:
                    continue  # alternative files of a plain directory (link/inventory.py notes)
                yield ctx.diagnostic(
                    obj.path,
                    obj.line,
                    obj.col,
                    f"{obj.ident} is defined twice under {root.name}: kustomize and the API"
                    " server keep only one",
                    evidence=(
                        Evidence(other.path, other.line, other.col, "first defined here"),
                        _synced_by(root),
                    ),
                )

    yield from _once(found())


# --- VL106 dangling-reference -----------------------------------------------------------------


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def references(
    plain: Mapping[str, Any], kind: str
) -> Iterator[tuple[str, str, tuple[str | int, ...], str]]:
    """(kind, name, path of the name, what) of every object a pod spec refers to."""
    spec_path = pod_spec_path(kind)
    spec = pod_spec(plain, kind)
    if spec is None or spec_path is None:
        return
    account = spec.get("serviceAccountName")
    if isinstance(account, str) and account != "default":
        yield "ServiceAccount", account, (*spec_path, "serviceAccountName"), "serviceAccountName"
    for i, secret in enumerate(_list(spec.get("imagePullSecrets"))):
        if isinstance(secret, dict) and isinstance(secret.get("name"), str):
            yield (
                "Secret",
                secret["name"],
                (*spec_path, "imagePullSecrets", i, "name"),
                "imagePullSecrets",
            )
    # a StatefulSet's pod volume named as one of its volumeClaimTemplates is that claim (the
    # controller replaces it with `<template>-<pod>`), not a reference to a PVC of that name
    top = plain.get("spec") if kind == "StatefulSet" else None
    claimed = {
        t["metadata"]["name"]
        for t in _list(top.get("volumeClaimTemplates") if isinstance(top, dict) else None)
        if isinstance(t, dict)
        and isinstance(t.get("metadata"), dict)
        and isinstance(t["metadata"].get("name"), str)
    }
    for i, volume in enumerate(_list(spec.get("volumes"))):
        if not isinstance(volume, dict):
            continue
        if str(volume.get("name")) in claimed and "persistentVolumeClaim" in volume:
            continue
        for key, ref_kind, field_name in (
            ("configMap", "ConfigMap", "name"),
            ("secret", "Secret", "secretName"),
            ("persistentVolumeClaim", "PersistentVolumeClaim", "claimName"),
        ):
            source = volume.get(key)
            if (
                isinstance(source, dict)
                and isinstance(source.get(field_name), str)
                and not source.get("optional")
            ):
                at = (*spec_path, "volumes", i, key, field_name)
                yield ref_kind, source[field_name], at, f"volume {volume.get('name', i)}"
    for cpath, container in containers_of(plain, kind):
        cname = container.get("name", "?")
        for i, item in enumerate(_list(container.get("envFrom"))):
            for key, ref_kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                ref = item.get(key) if isinstance(item, dict) else None
                if (
                    isinstance(ref, dict)
                    and isinstance(ref.get("name"), str)
                    and not ref.get("optional")
                ):
                    yield (
                        ref_kind,
                        ref["name"],
                        (*cpath, "envFrom", i, key, "name"),
                        f"container {cname} envFrom",
                    )
        for i, item in enumerate(_list(container.get("env"))):
            source = item.get("valueFrom") if isinstance(item, dict) else None
            if not isinstance(source, dict):
                continue
            for key, ref_kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = source.get(key)
                if (
                    isinstance(ref, dict)
                    and isinstance(ref.get("name"), str)
                    and not ref.get("optional")
                ):
                    at = (*cpath, "env", i, "valueFrom", key, "name")
                    yield (
                        ref_kind,
                        ref["name"],
                        at,
                        f"container {cname} env {item.get('name', '?')}",
                    )


# Operators that write a Secret: kind -> the path of its name in the object (default: its name)
_SECRET_MAKERS: dict[str, tuple[str, ...]] = {
    "SealedSecret": (),
    "ExternalSecret": ("spec", "target", "name"),
    "Certificate": ("spec", "secretName"),  # cert-manager
    "VaultStaticSecret": ("spec", "destination", "name"),  # Vault Secrets Operator
    "VaultDynamicSecret": ("spec", "destination", "name"),
    "VaultPKISecret": ("spec", "destination", "name"),
    "OnePasswordItem": (),
}


def _made_secret(obj: RenderedObject) -> str | None:
    if obj.kind not in _SECRET_MAKERS:
        return None
    if not _SECRET_MAKERS[obj.kind]:
        return obj.name
    value: Any = obj.plain
    for step in _SECRET_MAKERS[obj.kind]:
        value = value.get(step) if isinstance(value, dict) else None
    if obj.kind == "Certificate" and not value:
        return None
    return str(value or obj.name)


def _helm_releases(ws: Workspace) -> set[tuple[str | None, str]]:
    """(namespace, release name) of every Helm release a Flux HelmRelease or an Argo CD
    Application installs: the chart's objects are not in the repository, and charts name
    them after the release (`<release>`, `<release>-postgresql`). A CloudNativePG Cluster
    names its Secrets the same way (`<cluster>-app`, `<cluster>-superuser`)."""
    out: set[tuple[str | None, str]] = set()
    for entry in ws.kube_objects:
        obj, plain = entry.obj, entry.obj.plain
        spec: dict[str, Any] = plain["spec"] if isinstance(plain.get("spec"), dict) else {}
        destination = spec.get("destination") if isinstance(spec.get("destination"), dict) else {}
        if obj.kind == "Cluster" and obj.api_version.startswith("postgresql.cnpg.io/"):
            out.add((obj.namespace, obj.name))
        elif obj.kind == "HelmRelease" and obj.api_version.startswith("helm.toolkit.fluxcd.io/"):
            target = spec.get("targetNamespace")
            default = f"{target}-{obj.name}" if target else obj.name
            out.add((target or obj.namespace, str(spec.get("releaseName") or default)))
        elif obj.role == "argocd-application":
            for source in [spec.get("source"), *_list(spec.get("sources"))]:
                if isinstance(source, dict) and source.get("chart"):
                    helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
                    release = str((helm or {}).get("releaseName") or obj.name)
                    out.add(((destination or {}).get("namespace"), release))
    return out


def _by_helm(releases: set[tuple[str | None, str]], namespace: str | None, name: str) -> bool:
    return any(
        (ns is None or namespace is None or ns == namespace)
        and (name == release or name.startswith(release + "-"))
        for ns, release in releases
    )


def _defined(ws: Workspace) -> set[tuple[str, str | None, str]]:
    out: set[tuple[str, str | None, str]] = set()
    for _, obj in _objects(ws):
        out.add((obj.kind, obj.namespace, obj.name))
        made = _made_secret(obj)
        if made is not None:
            out.add(("Secret", obj.namespace, made))
    for source in ws.config_sources:
        out.add((source.kind, source.namespace, source.name))
    return out


def dangling_reference(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A ConfigMap, Secret, PVC or ServiceAccount a pod refers to that nothing defines."""
    defined = _defined(ws)
    releases = _helm_releases(ws)
    external = {("ConfigMap", n) for n in ws.config.external_configmaps} | {
        ("Secret", n) for n in ws.config.external_secrets
    }

    def found() -> Iterator[Diagnostic]:
        for root, obj in _objects(ws):
            for kind, name, at, what in references(obj.plain, obj.kind):
                if (kind, name) in external or "${" in name:
                    continue  # ${var}: substituted (Flux postBuild, envsubst) before applying
                if _by_helm(releases, obj.namespace, name):
                    continue
                if ws.inventory.unparsed_defining(name):
                    continue  # a file that does not parse may define it (VL001 is the finding)
                if any(
                    k == kind
                    and n == name
                    and (ns is None or obj.namespace is None or ns == obj.namespace)
                    for k, ns, n in defined
                ):
                    continue
                if ws.inventory.made_by(kind, obj.namespace, name) is not None:
                    continue  # a template, a `kubectl create`: made out of band (a note says)
                path, line, col = obj.locate(at, value=True)
                yield ctx.diagnostic(
                    path,
                    line,
                    col,
                    f"{obj.kind} {obj.name} {what}: {kind} {name} is defined nowhere in this"
                    " repository (declare it in [tool.vertice-lint.external] if it is made"
                    " elsewhere)",
                    evidence=(_synced_by(root),),
                )

    yield from _once(found())


# --- VL107 selector-mismatch ------------------------------------------------------------------


def _matches(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    match_labels = selector.get("matchLabels")
    match_labels = match_labels if isinstance(match_labels, dict) else {}
    if any(str(labels.get(k)) != str(v) for k, v in match_labels.items()):
        return False
    for expr in _list(selector.get("matchExpressions")):
        if not isinstance(expr, dict):
            continue
        key, op = str(expr.get("key")), expr.get("operator")
        values = [str(v) for v in _list(expr.get("values"))]
        present = isinstance(expr.get("key"), str) and key in labels
        value = str(labels[key]) if present else None
        if op == "In" and (not present or value not in values):
            return False
        if op == "NotIn" and present and value in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def _template_labels(obj: RenderedObject) -> dict[str, Any] | None:
    return _pod_labels(obj.kind, obj.plain)


def _pod_labels(kind: str, plain: Mapping[str, Any]) -> dict[str, Any] | None:
    spec_path = pod_spec_path(kind)
    if spec_path is None:
        return None
    holder: Any = plain
    for step in spec_path[:-1]:
        holder = holder.get(step) if isinstance(holder, dict) else None
    meta = holder.get("metadata") if isinstance(holder, dict) else None
    labels = meta.get("labels") if isinstance(meta, dict) else None
    return labels if isinstance(labels, dict) else {}


def _pods_from_elsewhere(
    ws: Workspace,
    releases: set[tuple[str | None, str]],
    pods: Sequence[tuple[str | None, Mapping[str, Any]]],
    service: RenderedObject,
    selector: Mapping[str, Any],
) -> bool:
    """The Service's pods may come from outside what the repository renders: its namespace
    holds no workload of the repository (a chart's, a managed add-on's) and no pod of the
    repository carries its labels in another namespace, a script or a README installs a Helm
    chart into its namespace, it selects a label valued as a Helm release the repository
    installs, or a file that does not parse names every label it selects (VL001 is the
    finding)."""
    namespaced = [labels for namespace, labels in pods if namespace == service.namespace]
    if service.namespace in ws.inventory.helm_namespaces and not any(
        _matches({"matchLabels": selector}, labels) for labels in namespaced
    ):
        return True  # a chart installed there out of band: its pods' labels are unknown
    if service.namespace in ws.inventory.foreign_namespaces and not any(
        _matches({"matchLabels": selector}, labels) for _, labels in pods
    ):
        return True  # (pods so labelled in another namespace: the Service's is wrong)
    if any(_by_helm(releases, service.namespace, str(v)) for v in selector.values()):
        return True
    pairs = [f"{k}={v}" for k, v in selector.items()]
    return ws.inventory.unparsed_defining(*pairs) is not None


def selector_mismatch(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A workload selector its own pod template does not match; a Service selecting no pod."""
    pods = [
        (obj.namespace, labels)
        for _, obj in _objects(ws)
        if (labels := _template_labels(obj)) is not None
    ]
    # a template (filled in by sed, envsubst...) is not validated, but its pods run
    pods += [
        (entry.obj.namespace, labels)
        for entry in ws.kube_objects
        if entry.path in ws.inventory.templates
        and (labels := _pod_labels(entry.obj.kind, entry.obj.plain)) is not None
    ]
    releases = _helm_releases(ws)

    def found() -> Iterator[Diagnostic]:
        for root, obj in _objects(ws):
            spec = obj.plain.get("spec")
            if not isinstance(spec, dict):
                continue
            selector = spec.get("selector")
            if obj.kind in _SELECTOR_KINDS and isinstance(selector, dict):
                labels = _template_labels(obj) or {}
                if not _matches(selector, labels):
                    path, line, col = obj.locate(("spec", "selector"))
                    yield ctx.diagnostic(
                        path,
                        line,
                        col,
                        f"{obj.kind} {obj.name}: spec.selector does not match the pod"
                        " template's labels; the API server rejects it",
                        evidence=(_synced_by(root),),
                    )
            elif obj.kind == "Service" and isinstance(selector, dict) and selector:
                wanted = {"matchLabels": selector}
                if _pods_from_elsewhere(ws, releases, pods, obj, selector):
                    continue
                if not any(
                    _matches(wanted, labels)
                    for ns, labels in pods
                    if ns is None or obj.namespace is None or ns == obj.namespace
                ):
                    path, line, col = obj.locate(("spec", "selector"))
                    shown = ", ".join(f"{k}={v}" for k, v in sorted(selector.items()))
                    yield ctx.diagnostic(
                        path,
                        line,
                        col,
                        f"Service {obj.name} selects {shown}, which no pod template of this"
                        " repository carries: it has no endpoints",
                        evidence=(_synced_by(root),),
                    )

    yield from _once(found())
