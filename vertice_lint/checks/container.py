"""VL5xx: what the code does at run time against what the container lets it do.

The libraries come from the container's import closure (third-party imports, plus what the
data files know they import in turn); the user, HOME and securityContext from the Dockerfile
and the workload (see `appfacts.run_user`). Reported once per container, at the container.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic, Edit, Evidence, Fix, Safety, Severity
from vertice_lint.fix.text_edit import EditError
from vertice_lint.fix.yaml_edit import Value, add_env, append_to_sequence, insert_key
from vertice_lint.link.appfacts import (
    chain_edits,
    container_runtimes,
    data_file,
    env_given,
    file_text,
    plain_container,
    run_user,
    third_party_imports,
)
from vertice_lint.model import Container, ContainerRuntime, Workload, Workspace

# --- VL501 unwritable-cache-dir --------------------------------------------------------------


def unwritable_cache_dir(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A library that writes under HOME at import, in a container that cannot write there."""
    data = data_file("cache_dirs.json")
    libraries: dict[str, dict[str, Any]] = data["libraries"]
    transitive: dict[str, list[str]] = data["imports"]
    for cr in container_runtimes(ws):
        workload, container = cr.workload, cr.container
        assert workload is not None and container is not None
        found: dict[str, Evidence] = {}
        for top, where in third_party_imports(cr).items():
            if top in libraries:
                found.setdefault(top, where)
            for lib in transitive.get(top, ()):
                found.setdefault(
                    lib,
                    Evidence(
                        where.path, where.line, where.col, f"{where.note}, which imports {lib}"
                    ),
                )
        if not found:
            continue
        read_only = container.security_context.get("readOnlyRootFilesystem") is True
        user = run_user(workload, container)
        no_home = not user.root and user.home_writable is False
        if not (read_only or no_home):
            continue
        given = env_given(ws, workload, container)
        if given.open or "HOME" in given.names:
            continue  # set by a source we cannot read, or HOME moved on purpose
        missing = {
            lib: where
            for lib, where in found.items()
            if not any(v in given.names for v in libraries[lib]["overrides"])
        }
        if missing:
            yield _cache_dir(ws, ctx, cr, missing, libraries, read_only, user.label, user.evidence)


def _cache_dir(
    ws: Workspace,
    ctx: CheckContext,
    cr: ContainerRuntime,
    missing: dict[str, Evidence],
    libraries: dict[str, dict[str, Any]],
    read_only: bool,
    user: str,
    user_evidence: tuple[Evidence, ...],
) -> Diagnostic:
    workload, container = cr.workload, cr.container
    assert workload is not None and container is not None
    writes = "; ".join(f"{lib} writes {libraries[lib]['writes']}" for lib in missing)
    variables = dict.fromkeys(libraries[lib]["env"] for lib in missing)
    if read_only:
        why = "the root filesystem is read-only (readOnlyRootFilesystem: true)"
    else:
        why = f"the container runs as {user}, which has no writable home directory"
    settings = ", ".join(
        dict.fromkeys(f"{libraries[lib]['env']}={libraries[lib]['dir']}" for lib in missing)
    )
    message = (
        f"{writes} under HOME when imported, but {why}: Permission denied at start-up;"
        f" set {settings}" + (" and mount an emptyDir on /tmp" if read_only else "")
    )
    evidence = [*missing.values(), *user_evidence]
    if read_only:
        evidence.append(
            Evidence(
                container.at.path, container.line, container.col, "readOnlyRootFilesystem: true"
            )
        )
    fix = None
    if workload.kind != "compose":
        dirs = {libraries[lib]["env"]: libraries[lib]["dir"] for lib in missing}
        fix = _cache_fix(ws, workload, container, [(v, dirs[v]) for v in variables], read_only)
    severity = Severity.ERROR if read_only else None
    return ctx.diagnostic(
        container.at.path,
        container.line,
        container.col,
        message,
        evidence=evidence,
        fix=fix,
        severity=severity,
    )


def _cache_fix(
    ws: Workspace,
    workload: Workload,
    container: Container,
    settings: list[tuple[str, str]],
    read_only: bool,
) -> Fix | None:
    text = file_text(ws, workload.path)
    plain = plain_container(ws, workload, container)
    at = container.at
    if text is None or not plain or (at.path, at.doc_index) != (workload.path, workload.doc_index):
        return None  # a container an overlay's patch adds: the manifest does not hold it
    path, doc, keypath = workload.path, workload.doc_index, at.keypath
    steps: list[Callable[[str], Edit]] = []
    for name, value in settings:
        steps.append(_env_step(path, doc, keypath, name, value))
    if read_only and not any(mount == "/tmp" for _, mount in container.volume_mounts):
        if any(v.get("name") == "tmp" for v in workload.volumes):
            return None  # a volume named tmp that is not on /tmp: let a human choose
        mount: dict[str, Value] = {"name": "tmp", "mountPath": "/tmp"}
        if "volumeMounts" in plain:
            steps.append(
                lambda t: append_to_sequence(path, t, doc, (*keypath, "volumeMounts"), mount)
            )
        else:
            steps.append(lambda t: insert_key(path, t, doc, keypath, "volumeMounts", [mount]))
        pod = keypath[:-2]
        volume: dict[str, Value] = {"name": "tmp", "emptyDir": {}}
        if workload.volumes:
            steps.append(lambda t: append_to_sequence(path, t, doc, (*pod, "volumes"), volume))
        else:
            steps.append(lambda t: insert_key(path, t, doc, pod, "volumes", [volume]))
    try:
        edit = chain_edits(path, text, steps)
    except EditError:
        return None
    names = " and ".join(f"{n}={v}" for n, v in settings)
    extra = " with an emptyDir on /tmp" if read_only else ""
    return Fix((edit,), Safety.SAFE, f"set {names}{extra}")


def _env_step(
    path: str, doc: int, keypath: tuple[str | int, ...], name: str, value: str
) -> Callable[[str], Edit]:
    return lambda text: add_env(path, text, doc, keypath, name, value=value)


# --- VL502 missing-capability ----------------------------------------------------------------


def missing_capability(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Code that needs kernel privileges in a container whose securityContext lacks them."""
    data = data_file("privileged_modules.json")
    modules: dict[str, dict[str, Any]] = data["modules"]
    defaults = frozenset(data["default_caps"])
    for cr in container_runtimes(ws):
        workload, container = cr.workload, cr.container
        assert workload is not None and container is not None
        needs = {top: where for top, where in third_party_imports(cr).items() if top in modules}
        if not needs:
            continue
        sc = container.security_context
        caps: dict[str, Any] = sc.get("capabilities") or {}
        if not isinstance(caps, dict):
            caps = {}
        added = _caps(caps.get("add"))
        dropped = _caps(caps.get("drop"))
        user = run_user(workload, container)
        privileged = sc.get("privileged") is True
        if "ALL" in added or privileged:
            available = frozenset({"*"})
        else:
            available = (frozenset() if "ALL" in dropped else defaults - dropped) | added
        wanted: dict[str, None] = {}
        for top in needs:
            for cap in modules[top]["caps"]:
                if user.root and ("*" in available or cap in available):
                    continue
                wanted[cap] = None
        if not wanted:
            continue
        what = "; ".join(f"{top} {modules[top]['what']}" for top in needs)
        cap_list = ", ".join(wanted)
        if workload.kind == "compose":
            context = f"cap_add: [{cap_list}]"
            where = "on the compose service"
        else:
            context = f"securityContext: {{capabilities: {{add: [{cap_list}]}}}}"
            where = "on the container"
        who = f"{workload.ident} container {container.name}"
        if user.root:
            message = (
                f"{what}: that needs {cap_list}, which {who} does not have;"
                f" set `{context}` {where} (or `privileged: true`)"
            )
        else:
            message = (
                f"{what}: that needs {cap_list}, but {who} runs as {user.label} and capabilities"
                f" only take effect for root; run it as root with `{context}` {where}"
            )
        evidence = [*needs.values(), *user.evidence]
        yield ctx.diagnostic(
            container.at.path, container.line, container.col, message, evidence=evidence
        )


def _caps(value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        return frozenset()
    return frozenset(str(v).upper().removeprefix("CAP_") for v in value)
