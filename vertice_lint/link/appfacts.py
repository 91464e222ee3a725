"""Facts about what runs in a container, derived once per run for the VL4xx–VL6xx rules.

What the code needs (env vars read without a default, and *when* each read runs: at start-up
or only when a request or call reaches it), what the container is given (env, envFrom with
the keys the repository defines, Dockerfile ENV, kustomize patches), the routes the app
serves (router prefixes and includes composed), the port it listens on, and the user it
runs as. Every fact keeps the Evidence that explains it. Static only, like everything else.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from vertice_lint.diagnostics import Edit, Evidence
from vertice_lint.fix.text_edit import apply_edits
from vertice_lint.link.runtime import DJANGO_SETTINGS
from vertice_lint.model import (
    AppRoutes,
    ConfigSource,
    Container,
    ContainerRuntime,
    EnvFrom,
    EnvGiven,
    EnvNeed,
    Image,
    ImportEdge,
    KubeEntry,
    RunUser,
    Served,
    When,
    Workload,
    Workspace,
    containers_of,
)
from vertice_lint.parsers.dockerfile import Dockerfile, Stage
from vertice_lint.parsers.python import FunctionInfo, PythonModule, SettingsClass
from vertice_lint.parsers.shell import split_commands, unwrap_argv
from vertice_lint.parsers.yaml import key_pos

_APP_KINDS = frozenset({"FastAPI", "Flask", "Quart", "Starlette", "Application"})
_STARTUP_DECORATORS = frozenset({"on_event", "before_first_request", "before_serving"})


# --- shared small helpers ----------------------------------------------------------------------


@cache
def data_file(name: str) -> Any:
    """A JSON file of vertice_lint/data."""
    return json.loads(resources.files("vertice_lint.data").joinpath(name).read_text("utf-8"))


def file_text(ws: Workspace, path: str) -> str | None:
    parsed = ws.files.get(path)
    return None if parsed is None or parsed.text is None else parsed.text.text


def chain_edits(path: str, text: str, steps: Sequence[Callable[[str], Edit]]) -> Edit:
    """Several yaml_edit primitives, each built on the previous result, as one minimal edit.

    Two primitives that insert at the same offset (a new `env:` and a new `volumeMounts:` at
    the end of a container) cannot go in one Fix as separate edits; chained they can.
    """
    current = text
    for step in steps:
        current = apply_edits(current, [step(current)])
    start = 0
    limit = min(len(text), len(current))
    while start < limit and text[start] == current[start]:
        start += 1
    start = text.rfind("\n", 0, start) + 1
    tail = 0
    while tail < limit - start and text[len(text) - 1 - tail] == current[len(current) - 1 - tail]:
        tail += 1
    return Edit(path, start, len(text) - tail, current[start : len(current) - tail])


def in_scope(source: ConfigSource, workload: Workload) -> bool:
    """Whether a ConfigMap/Secret can serve this workload (same namespace, or one unset)."""
    return (
        source.namespace is None
        or workload.namespace is None
        or (source.namespace == workload.namespace)
    )


def sources_named(ws: Workspace, workload: Workload, kind: str, name: str) -> list[ConfigSource]:
    return [
        s for s in ws.config_sources if s.kind == kind and s.name == name and in_scope(s, workload)
    ]


def plain_container(ws: Workspace, workload: Workload, container: Container) -> dict[str, Any]:
    """The container as written (the document's JSON-like copy); {} when not found."""
    for entry in ws.kube_objects:
        if entry.path == workload.path and entry.obj.doc_index == workload.doc_index:
            node: Any = entry.document.plain
            for step in container.keypath:
                if isinstance(node, dict) and isinstance(step, str):
                    node = node.get(step)
                elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                    node = node[step]
                else:
                    return {}
            return node if isinstance(node, dict) else {}
    return {}


def k8s_containers(ws: Workspace) -> Iterator[tuple[Workload, Container]]:
    """Every regular (non-init) container of a Kubernetes workload."""
    for workload in ws.workloads:
        if workload.kind == "compose":
            continue
        for container in workload.containers:
            if not container.init:
                yield workload, container


def container_runtimes(ws: Workspace) -> Iterator[ContainerRuntime]:
    """Runtimes of containers that run an image built here (not images alone, not init)."""
    for cr in ws.runtimes:
        if cr.workload is not None and cr.container is not None and not cr.container.init:
            yield cr


def closure_modules(ws: Workspace, cr: ContainerRuntime) -> Iterator[tuple[str, PythonModule]]:
    """(repo path, record) of the first-party modules the container's code reaches."""
    seen: set[str] = set()
    for node in cr.runtime.modules:
        parsed = ws.files.get(node.repo_path)
        record = parsed.record if parsed is not None else None
        if isinstance(record, PythonModule) and node.repo_path not in seen:
            seen.add(node.repo_path)
            yield node.repo_path, record


def third_party_imports(cr: ContainerRuntime) -> dict[str, Evidence]:
    """Top-level third-party packages the container's code imports, with the first import."""
    found: dict[str, Evidence] = {}
    for edge in cr.runtime.imports:
        if edge.status != "third-party" or edge.imp.type_checking:
            continue
        top = edge.target.split(".", 1)[0]
        if top not in found:
            found[top] = Evidence(edge.path, edge.imp.line, edge.imp.col, f"imports {edge.target}")
    return found


# --- when code runs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Timing:
    eager: frozenset[str]  # modules executed at start-up (imported at module level)
    startup: frozenset[tuple[str, str]]  # (module path, function qualname) run at start-up
    handler: Mapping[tuple[str, str], str]  # function -> the route that reaches it
    instantiated: Mapping[str, When]  # class name -> when it is first instantiated


def _timing(ws: Workspace, cr: ContainerRuntime) -> _Timing:
    modules = dict(closure_modules(ws, cr))
    scripts = {e.repo_path for e in cr.runtime.entrypoints if e.kind == "script"}
    eager = {e.repo_path for e in cr.runtime.entrypoints if e.repo_path in modules}
    changed = True
    while changed:
        changed = False
        for edge in cr.runtime.imports:
            if (
                edge.path in eager
                and edge.resolved in modules
                and edge.resolved not in eager
                and edge.imp.scope == "module"
                and (not edge.imp.in_main_guard or edge.path in scripts)
            ):
                eager.add(edge.resolved)
                changed = True
    by_name: dict[str, list[tuple[str, FunctionInfo]]] = {}
    for path, record in modules.items():
        for function in record.functions:
            by_name.setdefault(function.qualname.rsplit(".", 1)[-1], []).append((path, function))
    functions = {(p, f.qualname): f for fs in by_name.values() for p, f in fs}

    def callees(names: Iterable[str]) -> Iterator[tuple[str, str]]:
        for name in names:
            for path, function in by_name.get(name.rsplit(".", 1)[-1], ()):
                yield path, function.qualname

    def reach(seeds: Iterable[tuple[str, str]]) -> dict[tuple[str, str], None]:
        found = dict.fromkeys(seeds)
        stack = list(found)
        while stack:
            key = stack.pop()
            for callee in callees(c.name for c in functions[key].calls):
                if callee not in found:
                    found[callee] = None
                    stack.append(callee)
        return found

    startup_calls = [
        call.name
        for path in eager
        for call in modules[path].module_calls
        if not call.in_main_guard or path in scripts
    ]
    hooks = [
        key
        for key, f in functions.items()
        if any(d.rsplit(".", 1)[-1] in _STARTUP_DECORATORS for d in f.decorators)
        or "lifespan" in f.qualname.rsplit(".", 1)[-1]
    ]
    startup = reach([*callees(startup_calls), *hooks])
    handler: dict[tuple[str, str], str] = {}
    for path, record in modules.items():
        for route in record.routes:
            if route.function is None or (path, route.function) not in functions:
                continue
            label = f"{'/'.join(route.methods) or 'a'} {route.path}"
            for key in reach([(path, route.function)]):
                handler.setdefault(key, f"when {label} is requested")
    instantiated: dict[str, When] = {}
    for name in startup_calls + [c.name for key in startup for c in functions[key].calls]:
        instantiated.setdefault(name.rsplit(".", 1)[-1], When(True, "at start-up"))
    for key, text in handler.items():
        for call in functions[key].calls:
            instantiated.setdefault(call.name.rsplit(".", 1)[-1], When(False, text))
    return _Timing(frozenset(eager), frozenset(startup), handler, instantiated)


def _when(timing: _Timing, path: str, scope: str, function: str | None) -> When:
    if function is None or scope != "function":
        if path in timing.eager:
            return When(True, "at start-up")
        return When(False, "when the module is first imported")
    if (path, function) in timing.startup:
        return When(True, "at start-up")
    if (path, function) in timing.handler:
        return When(False, timing.handler[(path, function)])
    return When(False, f"when {function}() is called")


# --- env the code needs -----------------------------------------------------------------------


def env_needs(ws: Workspace, cr: ContainerRuntime) -> tuple[EnvNeed, ...]:
    """What the container's code needs from the environment, computed once per runtime."""
    table = ws.derive("appfacts.env_needs", _all_env_needs)
    return table.get(id(cr.runtime), ())


def _all_env_needs(ws: Workspace) -> dict[int, tuple[EnvNeed, ...]]:
    return {id(cr.runtime): tuple(_env_needs(ws, cr)) for cr in container_runtimes(ws)}


def _env_needs(ws: Workspace, cr: ContainerRuntime) -> Iterator[EnvNeed]:
    timing = _timing(ws, cr)
    closure = dict(closure_modules(ws, cr))
    via = _framework_chains(cr)
    skip = _unknown_settings(ws, cr)
    envs = {name for record in closure.values() for name in record.environ_envs}
    scheme_defaults = {n for record in closure.values() for n in record.env_scheme_defaults}
    env_file = _env_file_loaded(cr, closure.values())
    for path, record in closure.items():
        if path in skip:
            continue
        for read in record.env_reads:
            if read.has_default or read.guarded or read.kind == "setdefault" or env_file:
                continue
            if read.via is not None and (
                read.via.rsplit(".", 1)[-1] not in envs or read.name in scheme_defaults
            ):
                continue  # an imported Env object we never saw built, or a scheme default
            crash = read.kind in ("subscript", "pop", "environ")
            call = {
                "subscript": f'os.environ["{read.name}"]',
                "pop": f'os.environ.pop("{read.name}")',
                "get": f'os.environ.get("{read.name}")',
                "getenv": f'os.getenv("{read.name}")',
                "environ": f'{read.call}("{read.name}")',
            }[read.kind]
            yield EnvNeed(
                (read.name,),
                True,
                None,
                path,
                read.line,
                read.col,
                f"`{call}`" + (" (django-environ)" if read.kind == "environ" else ""),
                crash,
                _when(timing, path, read.scope, read.function),
                "ImproperlyConfigured" if read.kind == "environ" else "",
                via.get(path, ()),
            )
        for settings in record.settings_classes:
            when = timing.instantiated.get(settings.name)
            if when is None or settings.config_dynamic or _env_file_in_image(cr.image, settings):
                continue  # never built here, or its config (or a copied .env) is unknown to us
            yield from _settings_needs(path, settings, when)


_FRAMEWORK_STATUSES = frozenset({"django-settings", "django-app"})


def _framework_chains(cr: ContainerRuntime) -> dict[str, tuple[Evidence, ...]]:
    """For modules a framework reaches (Django settings, INSTALLED_APPS): the chain from the
    framework import on (`manage.py sets DJANGO_SETTINGS_MODULE`, then each import)."""
    parent: dict[str, ImportEdge] = {}
    for edge in cr.runtime.imports:
        if edge.resolved and edge.resolved != edge.path:
            parent.setdefault(edge.resolved, edge)
    entries = {e.repo_path for e in cr.runtime.entrypoints if e.repo_path}
    chains: dict[str, tuple[Evidence, ...]] = {}
    for path in parent:
        hops: list[ImportEdge] = []
        current = path
        while current not in entries and current in parent and len(hops) < 50:
            hops.append(parent[current])
            current = parent[current].path
        hops.reverse()
        first = next((i for i, e in enumerate(hops) if e.status in _FRAMEWORK_STATUSES), None)
        if first is None:
            continue
        chains[path] = tuple(
            e.reason
            if e.reason is not None
            else Evidence(e.path, e.imp.line, e.imp.col, f"imports {e.target}")
            for e in hops[first:]
        )
    return chains


def _unknown_settings(ws: Workspace, cr: ContainerRuntime) -> frozenset[str]:
    """Modules reached only through the code's DJANGO_SETTINGS_MODULE default when the
    container sets that variable from a source whose value is not known here (envFrom):
    which settings module runs is not known, so nothing is said about them."""
    assert cr.workload is not None and cr.container is not None
    edges = cr.runtime.imports
    if not any(e.status == "django-settings" for e in edges):
        return frozenset()
    literal = DJANGO_SETTINGS in cr.image.env or any(
        v.name == DJANGO_SETTINGS for v in cr.container.env
    )
    if literal or DJANGO_SETTINGS not in env_given(ws, cr.workload, cr.container).names:
        return frozenset()
    reached = {e.repo_path for e in cr.runtime.entrypoints if e.repo_path}
    stack = list(reached)
    while stack:
        path = stack.pop()
        for edge in edges:
            target = edge.resolved
            if edge.path != path or not target or edge.status in _FRAMEWORK_STATUSES:
                continue
            if target not in reached:
                reached.add(target)
                stack.append(target)
    return frozenset(n.repo_path for n in cr.runtime.modules if n.repo_path not in reached)


def _env_file_loaded(cr: ContainerRuntime, records: Iterable[PythonModule]) -> bool:
    """The code loads a `.env` file (`environ.Env.read_env()`, `load_dotenv()`) and the image
    holds one: any variable may come from it."""
    if not any(record.env_file_loads for record in records) or cr.image.contents is None:
        return False
    return any(posixpath.basename(p) == ".env" for p in cr.image.contents.fs.files)


def _settings_needs(path: str, settings: SettingsClass, when: When) -> Iterator[EnvNeed]:
    for f in settings.fields:
        if f.has_default or (settings.version == 1 and f.optional):
            continue
        if f.alias is None:
            names: tuple[str, ...] = (settings.env_prefix + f.name,)
        else:
            names = (f.alias,) if isinstance(f.alias, str) else f.alias
        if not names:
            continue
        if not settings.case_sensitive:
            names = tuple(n.upper() for n in names)
        yield EnvNeed(
            names,
            settings.case_sensitive,
            settings.env_nested_delimiter,
            path,
            f.line,
            f.col,
            f"settings field `{f.name}` of `{settings.name}` (no default)",
            True,
            when,
        )


def _env_file_in_image(image: Image, settings: SettingsClass) -> bool:
    if settings.env_file is None or image.contents is None:
        return False
    files = (settings.env_file,) if isinstance(settings.env_file, str) else settings.env_file
    return any(image.contents.fs.is_file(posixpath.join(image.workdir, f)) for f in files)


# --- env the container is given ---------------------------------------------------------------


def env_given(ws: Workspace, workload: Workload, container: Container) -> EnvGiven:
    names: dict[str, Evidence] = {}
    open_sources: list[str] = []
    image = container.image_link
    if image is not None and isinstance(image.record, Dockerfile):
        for var in image.record.final.env:
            names.setdefault(var.name, Evidence(image.dockerfile, var.line, var.col, "ENV"))
    for entry in container.env:
        names.setdefault(entry.name, Evidence(workload.path, entry.line, entry.col, "env"))
    groups: list[tuple[str, Sequence[EnvFrom]]] = [(workload.path, container.env_from)]
    for patch_path, patch_from, patch_names in _patches(ws, workload, container):
        for name in patch_names:
            names.setdefault(name, Evidence(patch_path, 1, 1, "env (kustomize patch)"))
        groups.append((patch_path, patch_from))
    for path, env_from in groups:
        for ref in env_from:
            keys = _env_from_keys(ws, workload, path, ref)
            where = Evidence(path, ref.line, ref.col, f"envFrom {ref.kind} {ref.name}")
            if keys is None:
                open_sources.append(f"{ref.kind} {ref.name}")
                continue
            for key in keys:
                names.setdefault(ref.prefix + key, where)
    return EnvGiven(names, tuple(open_sources))


def _env_from_keys(
    ws: Workspace, workload: Workload, path: str, ref: EnvFrom
) -> frozenset[str] | None:
    """Keys an envFrom gives; None when they cannot be known (external, missing, unreadable)."""
    if ref.kind == "file":
        text = file_text(ws, posixpath.normpath(posixpath.join(posixpath.dirname(path), ref.name)))
        if text is None:
            return None
        return frozenset(
            line.split("=", 1)[0].removeprefix("export ").strip()
            for line in (raw.strip() for raw in text.splitlines())
            if line and not line.startswith("#") and "=" in line
        )
    kind = "ConfigMap" if ref.kind == "configMap" else "Secret"
    found = sources_named(ws, workload, kind, ref.name)
    if not found or any(s.external for s in found):
        return None
    return frozenset().union(*(s.keys for s in found))


def _seq(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _patches(
    ws: Workspace, workload: Workload, container: Container
) -> Iterator[tuple[str, tuple[EnvFrom, ...], tuple[str, ...]]]:
    """env / envFrom that kustomize patch files add to this container."""
    for entry in ws.kube_objects:
        obj = entry.obj
        if entry.validated or obj.kind != workload.kind or obj.name != workload.name:
            continue
        for keypath, item in containers_of(obj.plain, workload.kind):
            if item.get("name") != container.name or (keypath[-2] == "initContainers") != (
                container.init
            ):
                continue
            names = tuple(
                str(e["name"]) for e in _seq(item.get("env")) if isinstance(e, dict) and "name" in e
            )
            env_from = []
            for e in _seq(item.get("envFrom")):
                for key, kind in (("configMapRef", "configMap"), ("secretRef", "secret")):
                    ref = e.get(key) if isinstance(e, dict) else None
                    if isinstance(ref, dict) and "name" in ref:
                        env_from.append(
                            EnvFrom(
                                kind,
                                str(ref["name"]),
                                str(e.get("prefix") or ""),
                                False,
                                obj.line,
                                obj.col,
                            )
                        )
            yield entry.path, tuple(env_from), names


# --- routes -----------------------------------------------------------------------------------


def app_routes(ws: Workspace, cr: ContainerRuntime) -> AppRoutes:
    """The routes of the app a container runs, computed once per runtime."""
    table = ws.derive(
        "appfacts.routes",
        lambda w: {id(c.runtime): _app_routes(w, c) for c in container_runtimes(w)},
    )
    return table.get(id(cr.runtime)) or _app_routes(ws, cr)


_Node = tuple[str, str]  # (module path, variable)


def _app_routes(ws: Workspace, cr: ContainerRuntime) -> AppRoutes:
    modules = dict(closure_modules(ws, cr))
    names = {m.name: m.repo_path for m in cr.runtime.modules}
    dynamic = [p for p, r in modules.items() if r.dynamic_routes]
    if dynamic:
        return AppRoutes(None, f"routes registered dynamically in {dynamic[0]}")

    def resolve(path: str, expr: str | None) -> _Node | None:
        if expr is None:
            return None
        record = modules[path]
        if expr in {r.variable for r in record.routers}:
            return path, expr
        head, _, attr = expr.partition(".")
        for edge in cr.runtime.imports:
            if edge.path != path:
                continue
            for imported in edge.imp.names:
                if (imported.asname or imported.name) != head:
                    continue
                submodule = names.get(f"{edge.target}.{imported.name}")
                if submodule is not None and attr:
                    return (submodule, attr) if submodule in modules else None
                if edge.resolved in modules and not attr:
                    return edge.resolved, imported.name
            if not edge.imp.is_from and attr and edge.target == head:
                return (edge.resolved, attr) if edge.resolved in modules else None
        return None

    roots: list[_Node] = []
    for entry in cr.runtime.entrypoints:
        if entry.kind == "app" and entry.repo_path in modules and ":" in entry.target:
            roots.append((entry.repo_path, entry.target.split(":", 1)[1]))
    for path, record in modules.items():
        for run in record.uvicorn_runs:
            node = resolve(path, run.app)
            if node is not None:
                roots.append(node)
    if not roots:
        apps = [
            (p, r.variable) for p, m in modules.items() for r in m.routers if r.kind in _APP_KINDS
        ]
        if len(apps) != 1:
            return AppRoutes(None, "no web app found in the code the container runs")
        roots = apps
    served: list[Served] = []
    seen: set[_Node] = set()

    def walk(node: _Node, base: str) -> str | None:
        if node in seen:
            return None
        seen.add(node)
        path, variable = node
        record = modules.get(path)
        router = (
            next((r for r in record.routers if r.variable == variable), None) if record else None
        )
        if record is None or router is None:
            return f"cannot see the app object {variable} in {path}"
        base = base + (router.prefix or "")
        for route in record.routes:
            if resolve(path, route.router) == node:
                served.append(
                    Served(
                        base + route.path,
                        route.methods,
                        Evidence(path, route.line, route.col, f"serves {base + route.path}"),
                    )
                )
        for src_path, src in modules.items():
            for include in src.router_includes:
                if resolve(src_path, include.target) != node:
                    continue
                child = resolve(src_path, include.included)
                prefix = base + (include.prefix or "")
                if child is None:
                    if include.kind != "mount":
                        where = f"{src_path}:{include.line}"
                        return f"cannot resolve {include.included} included at {where}"
                    served.append(
                        Served(
                            prefix,
                            (),
                            Evidence(
                                src_path,
                                include.line,
                                include.col,
                                f"mounts {include.included} on {prefix}",
                            ),
                            True,
                        )
                    )
                    continue
                problem = walk(child, prefix)
                if problem is not None:
                    return problem
        return None

    for root in dict.fromkeys(roots):
        problem = walk(root, "")
        if problem is not None:
            return AppRoutes(None, problem)
    return AppRoutes(tuple(served))


# --- port -------------------------------------------------------------------------------------


def listen_port(ws: Workspace, cr: ContainerRuntime) -> tuple[int, Evidence] | None:
    """The port the app listens on: command line, `uvicorn.run(port=...)`, or a single EXPOSE."""
    for entry in cr.runtime.entrypoints:
        if entry.port is not None:
            return entry.port, entry.source
    scripts = {e.repo_path for e in cr.runtime.entrypoints if e.kind == "script"}
    for path, record in closure_modules(ws, cr):
        for run in record.uvicorn_runs:
            if run.port is not None and (not run.in_main_guard or path in scripts):
                return run.port, Evidence(path, run.line, run.col, f"listens on {run.port}")
    record = cr.image.record
    if isinstance(record, Dockerfile) and len(record.final.ports) == 1:
        port = record.final.ports[0]
        # `ARG PAYMENT_PORT=50051` / `EXPOSE ${PAYMENT_PORT}`: the app reads the variable at
        # run time, so the container's value is the port (and any other value is unknown).
        container = cr.container
        override = next(
            (e for e in (container.env if container else ()) if e.name in port.variables), None
        )
        if override is not None and cr.workload is not None:
            if override.value is None or not override.value.isdigit():
                return None
            where = f"{cr.workload.ident} env {override.name}"
            return int(override.value), Evidence(
                cr.workload.path, override.line, override.col, where
            )
        return port.port, Evidence(cr.image.dockerfile, port.line, port.col, f"EXPOSE {port.port}")
    return None


# --- user and home ----------------------------------------------------------------------------


def run_user(workload: Workload, container: Container) -> RunUser:
    image = container.image_link
    record = image.record if image is not None else None
    stage = record.final if isinstance(record, Dockerfile) else None
    uid = container.security_context.get("runAsUser")
    if uid is None:
        uid = workload.pod_security_context.get("runAsUser")
    user = stage.user if stage is not None else None
    where = Evidence(workload.path, container.line, container.col, f"runAsUser: {uid}")
    if isinstance(uid, int) and not isinstance(uid, bool):
        if uid == 0:
            return RunUser(True, "root", True, (where,))
        if user is None or user.name.split(":")[0] in ("root", "0"):
            return RunUser(False, f"uid {uid}", False, (where,))
    if user is None or stage is None or image is None:
        return RunUser(True, "root", True, ())
    name = user.name.split(":", 1)[0]
    user_ev = Evidence(image.dockerfile, user.line, user.col, f"USER {user.name}")
    if name in ("root", "0"):
        return RunUser(True, "root", True, (user_ev,))
    assert isinstance(record, Dockerfile)
    created = _created_user(record, stage, name)
    if created is None:
        writable = False if name.isdigit() or name == "nobody" else None
        return RunUser(False, f"user {name}", writable, (user_ev,))
    home, evidence = created
    return RunUser(False, f"user {name}", home, (user_ev, evidence))


def _created_user(record: Dockerfile, stage: Stage, name: str) -> tuple[bool, Evidence] | None:
    """Whether the Dockerfile creates `name` with a home directory, and where."""
    chain = [stage]
    while chain[-1].base_stage is not None:
        chain.append(record.stages[chain[-1].base_stage])
    for current in chain:
        for run in reversed(current.runs):
            commands = split_commands(run.text) if run.form == "shell" else unwrap_argv(run.args)
            for command in commands:
                argv = list(command.argv)
                program = posixpath.basename(argv[0]) if argv else ""
                if program not in ("useradd", "adduser") or name not in argv[1:]:
                    continue
                flags = set(argv[1:])
                if program == "useradd":
                    home = bool(flags & {"-m", "--create-home"}) or any(
                        a.startswith("-") and not a.startswith("--") and "m" in a for a in flags
                    )
                elif "--system" in flags:  # Debian adduser: home /nonexistent unless --home
                    home = "--home" in flags and "--no-create-home" not in flags
                else:
                    home = not flags & {"-H", "--no-create-home"}
                how = "with a home directory" if home else "without a home directory"
                ev = Evidence(record.path, run.line, run.col, f"{program} creates {name} {how}")
                return home, ev
    return None


# --- secrets ----------------------------------------------------------------------------------

_SECRET_TOKENS = frozenset(
    {"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIALS", "CREDENTIAL", "APIKEY"}
)
_KEY_QUALIFIERS = frozenset(
    {"API", "ACCESS", "SECRET", "PRIVATE", "ENCRYPTION", "SIGNING", "MASTER", "AUTH", "CLIENT"}
)
_NOT_SECRET_SUFFIXES = frozenset(
    {
        "FILE",
        "PATH",
        "DIR",
        "URL",
        "URI",
        "ENDPOINT",
        "NAME",
        "USER",
        "USERNAME",
        "ID",
        "HEADER",
        "TTL",
        "EXPIRY",
        "EXPIRES",
        "EXPIRE",
        "LENGTH",
        "LEN",
        "ALGORITHM",
        "TYPE",
        "ENABLED",
        "REF",
        "KIND",
        "MODE",
        "HOST",
        "PORT",
        "VERSION",
        "TIMEOUT",
        "SECONDS",
        "MINUTES",
    }
)
_URL_CREDENTIALS = re.compile(r"^[a-z][a-z0-9+.-]*://[^/:@\s]*:([^/@\s]+)@", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"^$|^[<\[{(].*[>\]})]$|\$\{|\$\(|placeholder|change[-_ ]?me|replace|dummy|example|redacted"
    r"|sample|sealed|^x+$|todo|fixme|fake|not[-_ ]?set|^secret$|^password$"
    r"|^ENC\[AES256_GCM,",  # a value SOPS encrypted
    re.IGNORECASE,
)


def secret_name(name: str) -> bool:
    """Whether an env/key name looks like it holds a secret."""
    tokens = [t for t in re.split(r"[^A-Za-z0-9]+", name.upper()) if t]
    if not tokens or tokens[-1] in _NOT_SECRET_SUFFIXES:
        return False
    if any(t in _SECRET_TOKENS for t in tokens):
        return True
    return tokens[-1] == "KEY" and len(tokens) > 1 and tokens[-2] in _KEY_QUALIFIERS


def public_name(name: str) -> bool:
    """A key name that says its value is not a secret: `user`, `DB_HOST`, `REDIS_URL`."""
    tokens = [t for t in re.split(r"[^A-Za-z0-9]+", name.upper()) if t]
    return bool(tokens) and tokens[-1] in _NOT_SECRET_SUFFIXES


def secret_in_url(value: str) -> bool:
    """A connection URL with a literal password (`scheme://user:pass@host`)."""
    match = _URL_CREDENTIALS.match(value.strip())
    return match is not None and not is_placeholder(match.group(1))


def is_placeholder(value: str) -> bool:
    return _PLACEHOLDER.search(value.strip()) is not None


def secret_data_value(section: str, value: Any) -> str | None:
    """The text of a Secret value (`data` is base64), None when it is not text."""
    if not isinstance(value, str):
        return None if value is None else str(value)
    if section != "data":
        return value
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def position(entry: KubeEntry, keypath: Sequence[str | int]) -> tuple[int, int]:
    """1-based line/col of a key below a Kubernetes object."""
    return key_pos(entry.document.data, (*entry.obj.path, *keypath))
