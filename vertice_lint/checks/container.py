"""VL5xx: what the code does at run time against what the container lets it do.

The facts are derived in link (`link/appfacts.py`): the libraries that write under HOME or need
kernel capabilities come from the container's import closure and the data files
(`ContainerRuntime.app.home_writers`, `.privileged_imports`); the user, its HOME, the env and the
capabilities from the Dockerfile and the workload (`ContainerFacts.run_user`, `.env_given`,
`.capabilities`). Reported once per container, at the container.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic, Edit, Evidence, Fix, Safety, Severity
from vertice_lint.fix.text_edit import EditError, chain_edits
from vertice_lint.fix.yaml_edit import Value, add_env, append_to_sequence, insert_key
from vertice_lint.model import ContainerFacts, HomeWriter, RunUser, Workspace

# --- VL501 unwritable-cache-dir --------------------------------------------------------------


def unwritable_cache_dir(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A library that writes under HOME at import, in a container that cannot write there."""
    for cr in ws.runtimes:
        facts, app = cr.facts, cr.app
        if facts is None or app is None or not app.home_writers:
            continue
        read_only = facts.container.security_context.get("readOnlyRootFilesystem") is True
        user = facts.run_user
        no_home = not user.root and user.home_writable is False
        if not (read_only or no_home):
            continue
        given = facts.env_given
        if given.open or "HOME" in given.names:
            continue  # set by a source we cannot read, or HOME moved on purpose
        missing = [w for w in app.home_writers if not any(v in given.names for v in w.overrides)]
        if missing:
            yield _cache_dir(ws, ctx, facts, missing, read_only, user)


def _cache_dir(
    ws: Workspace,
    ctx: CheckContext,
    facts: ContainerFacts,
    missing: list[HomeWriter],
    read_only: bool,
    user: RunUser,
) -> Diagnostic:
    workload, container = facts.workload, facts.container
    writes = "; ".join(f"{w.library} writes {w.writes}" for w in missing)
    variables = dict.fromkeys(w.env for w in missing)
    if read_only:
        why = "the root filesystem is read-only (readOnlyRootFilesystem: true)"
    else:
        why = f"the container runs as {user.label}, which has no writable home directory"
    settings = ", ".join(dict.fromkeys(f"{w.env}={w.directory}" for w in missing))
    message = (
        f"{writes} under HOME when imported, but {why}: Permission denied at start-up;"
        f" set {settings}" + (" and mount an emptyDir on /tmp" if read_only else "")
    )
    evidence = [*(w.evidence for w in missing), *user.evidence]
    if read_only:
        evidence.append(
            Evidence(
                container.at.path, container.line, container.col, "readOnlyRootFilesystem: true"
            )
        )
    fix = None
    if workload.kind != "compose":
        dirs = {w.env: w.directory for w in missing}
        fix = _cache_fix(ws, facts, [(v, dirs[v]) for v in variables], read_only)
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
    facts: ContainerFacts,
    settings: list[tuple[str, str]],
    read_only: bool,
) -> Fix | None:
    workload, container = facts.workload, facts.container
    text = ws.text(workload.path)
    plain = facts.written
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
    for cr in ws.runtimes:
        facts, app = cr.facts, cr.app
        if facts is None or app is None or not app.privileged_imports:
            continue
        workload, container = facts.workload, facts.container
        needs = app.privileged_imports
        user = facts.run_user
        available = facts.capabilities
        wanted: dict[str, None] = {}
        for need in needs:
            for cap in need.caps:
                if user.root and ("*" in available or cap in available):
                    continue
                wanted[cap] = None
        if not wanted:
            continue
        what = "; ".join(f"{need.module} {need.what}" for need in needs)
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
        evidence = [*(need.evidence for need in needs), *user.evidence]
        yield ctx.diagnostic(
            container.at.path, container.line, container.col, message, evidence=evidence
        )
