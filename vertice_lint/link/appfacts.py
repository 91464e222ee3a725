"""The facts about what runs in a container, derived once in link for the VL4xx-VL6xx rules.

`app_facts()` (called by `link()` after the runtimes are built) gives every container its
`ContainerFacts` (the env it is given: Dockerfile ENV, env, envFrom with the keys the
repository defines, all as the sync roots render them, so with what kustomize patches add;
the user it runs as; its capabilities; the container as written, for fixes), every regular
container's runtime its `AppFacts` (the env the code needs and *when* each read runs, at
start-up or only when a request or call reaches it; the routes the app serves, router
prefixes and includes composed; the port it listens on; the third-party packages it imports
and which of them write under HOME or need capabilities), and every Service the workloads it
selects. Every fact keeps the Evidence that explains it. Static only, like everything else.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from vertice_lint.diagnostics import Evidence
from vertice_lint.link.data import data_file
from vertice_lint.link.render import env_file_keys
from vertice_lint.link.runtime import DJANGO_SETTINGS
from vertice_lint.model import (
    AppFacts,
    AppRoutes,
    ConfigSource,
    Container,
    ContainerFacts,
    ContainerRuntime,
    EnvFrom,
    EnvGiven,
    EnvNeed,
    HomeWriter,
    Image,
    ImportEdge,
    KubeEntry,
    ListenPort,
    PrivilegedImport,
    RunUser,
    Served,
    ServicePort,
    ServiceSelection,
    When,
    Workload,
    in_scope,
)
from vertice_lint.parsers import ParsedFile
from vertice_lint.parsers.commands import read_useradd
from vertice_lint.parsers.dockerfile import Dockerfile, Stage
from vertice_lint.parsers.python import FunctionInfo, PythonModule, SettingsClass
from vertice_lint.parsers.shell import split_commands, unwrap_argv
from vertice_lint.parsers.yaml import key_pos

_APP_KINDS = frozenset({"FastAPI", "Flask", "Quart", "Starlette", "Application"})
_STARTUP_DECORATORS = frozenset({"on_event", "before_first_request", "before_serving"})


# --- the whole --------------------------------------------------------------------------------


def app_facts(
    runtimes: Sequence[ContainerRuntime],
    workloads: Sequence[Workload],
    entries: Sequence[KubeEntry],
    sources: Sequence[ConfigSource],
    modules: Mapping[str, PythonModule],
    files: Mapping[str, ParsedFile],
) -> tuple[tuple[ContainerRuntime, ...], tuple[ContainerFacts, ...], tuple[ServiceSelection, ...]]:
    """The runtimes with their facts set, the facts of every container of `workloads` (in
    order), and the workloads each Service selects."""
    given = _Sources(entries, sources, files)
    facts = [_container_facts(w, c, given) for w in workloads for c in w.containers]
    by_container = {id(f.container): f for f in facts}
    apps = _Apps(modules)
    out = []
    for cr in runtimes:
        if cr.workload is None or cr.container is None or cr.container.init:
            out.append(cr)
            continue
        container_facts = by_container.get(id(cr.container))
        if container_facts is None:
            container_facts = _container_facts(cr.workload, cr.container, given)
        out.append(replace(cr, facts=container_facts, app=apps.of(cr, container_facts)))
    return tuple(out), tuple(facts), tuple(_service_selections(entries, workloads))


class _Apps:
    """AppFacts of each runtime; what depends only on the Runtime (several containers may run
    the same one) is computed once for it."""

    def __init__(self, modules: Mapping[str, PythonModule]) -> None:
        self.modules = modules
        self._closures: dict[int, dict[str, PythonModule]] = {}
        self._timings: dict[int, _Timing] = {}
        self._routes: dict[int, AppRoutes] = {}
        self._imports: dict[int, dict[str, Evidence]] = {}
        self._needs: dict[tuple[int, str, frozenset[str]], tuple[EnvNeed, ...]] = {}

    def closure(self, cr: ContainerRuntime) -> dict[str, PythonModule]:
        """repo path -> record of the first-party modules the container's code reaches."""
        key = id(cr.runtime)
        if key not in self._closures:
            self._closures[key] = {
                node.repo_path: self.modules[node.repo_path]
                for node in cr.runtime.modules
                if node.repo_path in self.modules
            }
        return self._closures[key]

    def timing(self, cr: ContainerRuntime) -> _Timing:
        key = id(cr.runtime)
        if key not in self._timings:
            self._timings[key] = _timing(cr, self.closure(cr))
        return self._timings[key]

    def of(self, cr: ContainerRuntime, facts: ContainerFacts) -> AppFacts:
        key = id(cr.runtime)
        if key not in self._routes:
            self._routes[key] = _app_routes(cr, self.closure(cr))
            self._imports[key] = _third_party_imports(cr)
        skip = _unknown_settings(cr, facts)
        need_key = (key, cr.image.key, skip)
        if need_key not in self._needs:
            self._needs[need_key] = tuple(_env_needs(cr, self.closure(cr), self.timing(cr), skip))
        imports = self._imports[key]
        return AppFacts(
            env_needs=self._needs[need_key],
            routes=self._routes[key],
            listen_port=_listen_port(cr, self.closure(cr)),
            third_party_imports=imports,
            home_writers=_home_writers(imports),
            privileged_imports=_privileged_imports(imports),
        )


# --- what the code imports ----------------------------------------------------------------------


def _third_party_imports(cr: ContainerRuntime) -> dict[str, Evidence]:
    """Top-level third-party packages the container's code imports, with the first import."""
    found: dict[str, Evidence] = {}
    for edge in cr.runtime.imports:
        if edge.status != "third-party" or edge.imp.type_checking:
            continue
        top = edge.target.split(".", 1)[0]
        if top not in found:
            found[top] = Evidence(edge.path, edge.imp.line, edge.imp.col, f"imports {edge.target}")
    return found


def _home_writers(imports: Mapping[str, Evidence]) -> tuple[HomeWriter, ...]:
    """The imported libraries (or libraries they import) that write under HOME when imported."""
    data = data_file("cache_dirs.json")
    libraries: dict[str, dict[str, Any]] = data["libraries"]
    transitive: dict[str, list[str]] = data["imports"]
    found: dict[str, Evidence] = {}
    for top, where in imports.items():
        if top in libraries:
            found.setdefault(top, where)
        for lib in transitive.get(top, ()):
            found.setdefault(
                lib,
                Evidence(where.path, where.line, where.col, f"{where.note}, which imports {lib}"),
            )
    return tuple(
        HomeWriter(
            lib,
            libraries[lib]["writes"],
            libraries[lib]["env"],
            libraries[lib]["dir"],
            tuple(libraries[lib]["overrides"]),
            where,
        )
        for lib, where in found.items()
    )


def _privileged_imports(imports: Mapping[str, Evidence]) -> tuple[PrivilegedImport, ...]:
    modules: dict[str, dict[str, Any]] = data_file("privileged_modules.json")["modules"]
    return tuple(
        PrivilegedImport(top, modules[top]["what"], tuple(modules[top]["caps"]), where)
        for top, where in imports.items()
        if top in modules
    )


# --- when code runs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Timing:
    eager: frozenset[str]  # modules executed at start-up (imported at module level)
    startup: frozenset[tuple[str, str]]  # (module path, function qualname) run at start-up
    handler: Mapping[tuple[str, str], str]  # function -> the route that reaches it
    instantiated: Mapping[str, When]  # class name -> when it is first instantiated


def _timing(cr: ContainerRuntime, modules: dict[str, PythonModule]) -> _Timing:
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
            parts = function.qualname.rsplit(".", 2)
            by_name.setdefault(parts[-1], []).append((path, function))
            if len(parts) > 1 and parts[-1] == "__init__":  # `C(...)` runs `C.__init__`
                by_name.setdefault(parts[-2], []).append((path, function))
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


def _env_needs(
    cr: ContainerRuntime,
    closure: Mapping[str, PythonModule],
    timing: _Timing,
    skip: frozenset[str],
) -> Iterator[EnvNeed]:
    """What the container's code needs from the environment."""
    via = _framework_chains(cr)
    envs = {name for record in closure.values() for name in record.environ_envs}
    scheme_defaults = {n for record in closure.values() for n in record.env_scheme_defaults}
    env_file = _env_file_loaded(cr, closure.values())
    in_image = {n.repo_path for n in cr.runtime.modules if n.image_path is not None}
    for path, record in closure.items():
        if path in skip or path not in in_image:
            continue  # not the code this container runs (or not in its image: VL3xx says so)
        for read in record.env_reads:
            if read.has_default or read.guarded or read.kind == "setdefault" or env_file:
                continue
            if read.via is not None and (
                read.via.rsplit(".", 1)[-1] not in envs or read.name in scheme_defaults
            ):
                continue  # an imported Env object we never saw built, or a scheme default
            when = _when(timing, path, read.scope, read.function)
            call = {
                "subscript": f'os.environ["{read.name}"]',
                "pop": f'os.environ.pop("{read.name}")',
                "get": f'os.environ.get("{read.name}")',
                "getenv": f'os.getenv("{read.name}")',
                "environ": f'{read.call}("{read.name}")',
            }[read.kind]
            what = f"`{call}`" + (" (django-environ)" if read.kind == "environ" else "")
            error = "ImproperlyConfigured" if read.kind == "environ" else ""
            if read.kind in ("get", "getenv"):
                refuser = next(
                    ((f, e) for f, e in read.unset_raised_by if (path, f) in timing.startup),
                    None,
                )
                if not read.unset_error and refuser is not None and when.startup:
                    function, error = refuser
                    what += f" (None when unset, and {function}() raises {error} at start-up)"
                    yield EnvNeed(
                        (read.name,), True, None, path, read.line, read.col, what, when, error
                    )
                    continue
                if not read.unset_error:
                    continue  # the code tests, defaults or passes on the None: optional
                if read.unset_use == "raise" and not when.startup:
                    continue  # raised where a caller may catch it: not known to fail
                error = read.unset_error
                if read.unset_use == "raise":
                    what += f" (the code raises {error} when it is unset)"
                else:
                    what += f" (None when unset, then `{read.unset_use}`)"
            yield EnvNeed(
                (read.name,),
                True,
                None,
                path,
                read.line,
                read.col,
                what,
                when,
                error,
                via.get(path, ()),
            )
        for settings in record.settings_classes:
            built = timing.instantiated.get(settings.name)
            if built is None or settings.config_dynamic or _env_file_in_image(cr.image, settings):
                continue  # never built here, or its config (or a copied .env) is unknown to us
            yield from _settings_needs(path, settings, built)


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


def _unknown_settings(cr: ContainerRuntime, facts: ContainerFacts) -> frozenset[str]:
    """Modules reached only through the code's DJANGO_SETTINGS_MODULE default when the
    container sets that variable from a source whose value is not known here (envFrom):
    which settings module runs is not known, so nothing is said about them."""
    assert cr.container is not None
    edges = cr.runtime.imports
    if not any(e.status == "django-settings" for e in edges):
        return frozenset()
    literal = DJANGO_SETTINGS in cr.image.env or any(
        v.name == DJANGO_SETTINGS for v in cr.container.env
    )
    if literal or DJANGO_SETTINGS not in facts.env_given.names:
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
            when,
        )


def _env_file_in_image(image: Image, settings: SettingsClass) -> bool:
    if settings.env_file is None or image.contents is None:
        return False
    files = (settings.env_file,) if isinstance(settings.env_file, str) else settings.env_file
    return any(image.contents.fs.is_file(posixpath.join(image.workdir, f)) for f in files)


# --- what a container starts with -------------------------------------------------------------


class _Sources:
    """Where a container's env comes from, indexed once: the documents (where a container is
    written), the ConfigMaps/Secrets by kind and name, the parsed files (compose env files)."""

    def __init__(
        self,
        entries: Sequence[KubeEntry],
        sources: Sequence[ConfigSource],
        files: Mapping[str, ParsedFile],
    ) -> None:
        self.files = files
        self.documents: dict[tuple[str, int], KubeEntry] = {}
        for entry in entries:
            self.documents.setdefault((entry.path, entry.obj.doc_index), entry)
        self.sources: dict[tuple[str, str], list[ConfigSource]] = {}
        for source in sources:
            self.sources.setdefault((source.kind, source.name), []).append(source)

    def text(self, path: str) -> str | None:
        parsed = self.files.get(path)
        return None if parsed is None or parsed.text is None else parsed.text.text

    def named(self, workload: Workload, kind: str, name: str) -> list[ConfigSource]:
        return [s for s in self.sources.get((kind, name), ()) if in_scope(s, workload)]


def open_env_notes(facts: Iterable[ContainerFacts]) -> Iterator[str]:
    """For `--verbose`: the containers whose env comes partly from sources whose keys cannot
    be known here; VL401 (and VL404 for undefined names) assume they may set anything."""
    seen: set[str] = set()
    for f in facts:
        if not f.env_given.open:
            continue
        note = (
            f"{f.workload.ident} container {f.container.name}: env from"
            f" {', '.join(f.env_given.open)}, whose keys the repository does not show (not"
            " defined here, external, or an env file it does not hold); it may set any"
            " variable, so no env var is reported missing for it"
        )
        if note not in seen:
            seen.add(note)
            yield note


def _container_facts(workload: Workload, container: Container, given: _Sources) -> ContainerFacts:
    return ContainerFacts(
        workload,
        container,
        _env_given(workload, container, given),
        _run_user(workload, container),
        _capabilities(container),
        _written(container, given),
    )


def _written(container: Container, given: _Sources) -> dict[str, Any]:
    """The container as written where it was written (`container.at`: the base manifest, or the
    patch that added it), the document's JSON-like copy; {} when no key path reaches it."""
    at = container.at
    entry = None if at.doc_index is None else given.documents.get((at.path, at.doc_index))
    if entry is None:
        return {}
    node: Any = entry.document.plain
    for step in at.keypath:
        if isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        else:
            return {}
    return node if isinstance(node, dict) else {}


def _env_given(workload: Workload, container: Container, given: _Sources) -> EnvGiven:
    names: dict[str, Evidence] = {}
    open_sources: list[str] = []
    image = container.image_link
    if image is not None and isinstance(image.record, Dockerfile):
        for var in image.record.final.env:
            names.setdefault(var.name, Evidence(image.dockerfile, var.line, var.col, "ENV"))
    for entry in container.env:
        names.setdefault(entry.name, Evidence(entry.at.path, entry.line, entry.col, "env"))
    for ref in container.env_from:
        keys = _env_from_keys(workload, ref, given)
        where = Evidence(ref.at.path, ref.line, ref.col, f"envFrom {ref.kind} {ref.name}")
        if keys is None:
            label = {"configMap": "ConfigMap", "secret": "Secret"}.get(ref.kind, "env_file")
            open_sources.append(f"{label} {ref.name}")
            continue
        for key in keys:
            names.setdefault(ref.prefix + key, where)
    return EnvGiven(names, tuple(open_sources))


def _env_from_keys(workload: Workload, ref: EnvFrom, given: _Sources) -> frozenset[str] | None:
    """Keys an envFrom gives; None when they cannot be known (external, missing, unreadable)."""
    if ref.kind == "file":
        folder = posixpath.dirname(workload.path)  # a compose env_file: beside the compose file
        text = given.text(posixpath.normpath(posixpath.join(folder, ref.name)))
        return None if text is None else frozenset(env_file_keys(text))
    kind = "ConfigMap" if ref.kind == "configMap" else "Secret"
    found = given.named(workload, kind, ref.name)
    if not found or not all(s.keys_known for s in found):
        return None  # not in the repository, external, or a generator's missing envs file
    return frozenset().union(*(s.keys for s in found))


def _capabilities(container: Container) -> frozenset[str]:
    """The capabilities a root process in the container has ("*": all of them)."""
    sc = container.security_context
    caps: Any = sc.get("capabilities") or {}
    if not isinstance(caps, dict):
        caps = {}
    added = _caps(caps.get("add"))
    dropped = _caps(caps.get("drop"))
    if "ALL" in added or sc.get("privileged") is True:
        return frozenset({"*"})
    defaults = frozenset(data_file("privileged_modules.json")["default_caps"])
    return (frozenset() if "ALL" in dropped else defaults - dropped) | added


def _caps(value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        return frozenset()
    return frozenset(str(v).upper().removeprefix("CAP_") for v in value)


# --- which pods a Service selects -------------------------------------------------------------


def _service_selections(
    entries: Sequence[KubeEntry], workloads: Sequence[Workload]
) -> Iterator[ServiceSelection]:
    by_label: dict[tuple[str, str], list[Workload]] = {}
    for w in workloads:
        if w.kind != "compose":
            for label in w.template_labels.items():
                by_label.setdefault(label, []).append(w)
    for entry in entries:
        obj = entry.obj
        if not entry.validated or obj.kind != "Service":
            continue
        spec: Any = obj.plain.get("spec") if isinstance(obj.plain.get("spec"), dict) else {}
        selector = spec.get("selector")
        if not isinstance(selector, dict) or not selector:
            continue
        wanted = {str(k): str(v) for k, v in selector.items()}
        selected = tuple(
            w
            for w in by_label.get(next(iter(wanted.items())), ())
            if all(w.template_labels.get(k) == v for k, v in wanted.items())
            and (w.namespace is None or obj.namespace is None or w.namespace == obj.namespace)
        )
        ports = []
        items = spec.get("ports")
        for i, port in enumerate(items if isinstance(items, list) else ()):
            if not isinstance(port, dict):
                continue
            target = port.get("targetPort", port.get("port"))
            if not isinstance(target, int | str):
                continue
            key = "targetPort" if "targetPort" in port else "port"
            line, col = key_pos(entry.document.data, (*obj.path, "spec", "ports", i, key))
            ports.append(ServicePort(target, line, col))
        yield ServiceSelection(
            obj.name or "",
            obj.namespace,
            entry.path,
            obj.line,
            obj.col,
            wanted,
            tuple(ports),
            selected,
        )


# --- routes -----------------------------------------------------------------------------------


_Node = tuple[str, str]  # (module path, variable)


def _app_routes(cr: ContainerRuntime, modules: dict[str, PythonModule]) -> AppRoutes:
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


def _listen_port(cr: ContainerRuntime, closure: Mapping[str, PythonModule]) -> ListenPort | None:
    """The port the app listens on: command line, `uvicorn.run(port=...)`, or a single EXPOSE."""
    for entry in cr.runtime.entrypoints:
        if entry.port is not None:
            return ListenPort(entry.port, entry.source)
    scripts = {e.repo_path for e in cr.runtime.entrypoints if e.kind == "script"}
    for path, record in closure.items():
        for run in record.uvicorn_runs:
            if run.port is not None and (not run.in_main_guard or path in scripts):
                return ListenPort(
                    run.port, Evidence(path, run.line, run.col, f"listens on {run.port}")
                )
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
            return ListenPort(
                int(override.value), Evidence(override.at.path, override.line, override.col, where)
            )
        return ListenPort(
            port.port, Evidence(cr.image.dockerfile, port.line, port.col, f"EXPOSE {port.port}")
        )
    return None


# --- user and home ----------------------------------------------------------------------------


def _run_user(workload: Workload, container: Container) -> RunUser:
    image = container.image_link
    record = image.record if image is not None else None
    stage = record.final if isinstance(record, Dockerfile) else None
    uid = container.security_context.get("runAsUser")
    if uid is None:
        uid = workload.pod_security_context.get("runAsUser")
    user = stage.user if stage is not None else None
    where = Evidence(container.at.path, container.line, container.col, f"runAsUser: {uid}")
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
    for current in record.ancestry(stage):
        for run in reversed(current.runs):
            commands = split_commands(run.text) if run.form == "shell" else unwrap_argv(run.args)
            for command in commands:
                added = read_useradd(command.argv)
                if added is None or added.name != name:
                    continue
                home = added.creates_home
                how = "with a home directory" if home else "without a home directory"
                what = f"{added.program} creates {name} {how}"
                return home, Evidence(record.path, run.line, run.col, what)
    return None
