"""Link the parsed files into one Workspace (see model.py).

Every heuristic link records its reason; an explicit `[tool.vertice-lint.services]` mapping
in the config is applied first and always wins.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from vertice_lint.config import Config
from vertice_lint.diagnostics import Evidence, ParseFailure
from vertice_lint.discover import Kind, is_dockerfile_variant, unbuilt_folder
from vertice_lint.link import dependencies
from vertice_lint.link.appfacts import app_facts, open_env_notes
from vertice_lint.link.builds import Mentions, build_not_run, declared_builds, skaffold_deploys
from vertice_lint.link.image import contents, with_dockerfile_facts
from vertice_lint.link.names import norm, service_words
from vertice_lint.link.programs import programs_of, unjudged_probe_programs
from vertice_lint.link.runtime import build_runtimes, repo_index
from vertice_lint.link.suppressions import suppressions
from vertice_lint.link.tree import RepoFiles
from vertice_lint.model import (
    POD_TEMPLATES,
    ConfigSource,
    Container,
    ContainerRuntime,
    CopyStep,
    EnvFrom,
    EnvVar,
    Image,
    ImageContents,
    ImageDeps,
    KubeEntry,
    Link,
    Origin,
    Port,
    Probe,
    RenderedObject,
    Service,
    SyncRoot,
    Workload,
    Workspace,
    Written,
    override,
    written_at,
)
from vertice_lint.model.image import image_repository
from vertice_lint.parsers import ParsedFile
from vertice_lint.parsers.commands import read_pip, read_pip_sync, read_project_install
from vertice_lint.parsers.dockerfile import Dockerfile, Invocation
from vertice_lint.parsers.dockerignore import DockerIgnore
from vertice_lint.parsers.pyproject import Pyproject
from vertice_lint.parsers.python import PythonModule
from vertice_lint.parsers.requirements import RequirementsFile
from vertice_lint.parsers.shell import command_start, shell_words, unwrap_argv
from vertice_lint.parsers.yaml import (
    ComposeService,
    ComposeVolume,
    KubeObject,
    YamlDocument,
    YamlFile,
    value_pos,
)
from vertice_lint.paths import join, parent_dir
from vertice_lint.source import decode, read_bytes
from vertice_lint.suppress import ANNOTATION, ObjectScope, parse_codes

PROBES = (
    ("livenessProbe", "liveness"),
    ("readinessProbe", "readiness"),
    ("startupProbe", "startup"),
)

KeyPath = tuple[str | int, ...]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in _mapping(value).items()}


def _str_tuple(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list | tuple):  # compose's parser gives tuples
        return tuple(str(v) for v in value)
    if isinstance(value, str):
        try:
            return tuple(shlex.split(value))
        except ValueError:
            return (value,)
    return None


# --- Kubernetes ------------------------------------------------------------------------------


def _patch_files(files: Mapping[str, ParsedFile]) -> set[str]:
    """Files a kustomization applies as patches: partial objects, not resources."""
    patches: set[str] = set()
    for path, parsed in files.items():
        record = parsed.record
        if not isinstance(record, YamlFile) or record.kustomization is None:
            continue
        k = record.kustomization
        base = parent_dir(path)
        for patch in (*k.patches, *k.patches_json6902):
            if patch.path:
                patches.add(join(base, patch.path))
        for ref in k.patches_strategic_merge:
            patches.add(join(base, ref.value))
    return patches


def _kube_entries(files: Mapping[str, ParsedFile]) -> list[KubeEntry]:
    patches = _patch_files(files)
    entries: list[KubeEntry] = []
    for path in sorted(files):
        record = files[path].record
        if not isinstance(record, YamlFile):
            continue
        for obj in record.objects:
            document = record.documents[obj.doc_index]
            validated = obj.role == "resource" and path not in patches
            entries.append(KubeEntry(path, obj, document, validated))
    return entries


class _Place:
    """Where the values of one object were written: its manifest, and, for an object a sync
    root renders, the patches and `images:` entries that wrote parts of it (`overrides`:
    rendered key path -> Origin, see render.py). Key paths are the rendered object's."""

    def __init__(self, entry: KubeEntry, overrides: Sequence[tuple[KeyPath, Origin]] = ()):
        self.entry = entry
        self.overrides = overrides

    def at(self, keypath: KeyPath, *, value: bool = False) -> Written:
        """Where the value at `keypath` was written (its key, or with `value` the value)."""
        return written_at(self.entry, self.overrides, keypath, value=value)

    def item(self, keypath: KeyPath, key: str | None) -> Written:
        """Where the list item at `keypath` was written, judged by who wrote its `key` (the
        part that carries its value): a patch that set only that part of a base item gives
        its own item for a strategic merge patch, the operation's value for a JSON 6902 one
        (which no key path edits as an item)."""
        if key is None:
            return self.at(keypath)
        best = override(self.overrides, (*keypath, key))
        if best is None or len(best[0]) <= len(keypath):
            return self.at(keypath)
        prefix, origin = best
        up = len(prefix) - len(keypath)
        if origin.merge and up <= len(origin.keypath):
            mirror = replace(origin, keypath=origin.keypath[: len(origin.keypath) - up])
            line, col = mirror.position()
            return Written(origin.path, line, col, origin.doc_index, mirror.keypath)
        line, col = origin.position((*keypath, key)[len(prefix) :])
        return Written(origin.path, line, col, None, ())


def _env(place: _Place, cpath: KeyPath, spec: Mapping[str, Any]) -> tuple[EnvVar, ...]:
    out = []
    for i, item in enumerate(_list(spec.get("env"))):
        item = _mapping(item)
        if "name" not in item:
            continue
        source = _mapping(item.get("valueFrom"))
        kind = next(iter(source), None)
        ref = _mapping(source.get(kind)) if kind else {}
        value = item.get("value")
        carrier = next((k for k in ("value", "valueFrom") if k in item), None)
        out.append(
            EnvVar(
                name=str(item["name"]),
                value=None if value is None else str(value),
                source_kind=kind,
                source_name=str(ref["name"]) if "name" in ref else None,
                source_key=str(ref["key"]) if "key" in ref else None,
                optional=bool(ref.get("optional", False)),
                at=place.item((*cpath, "env", i), carrier),
            )
        )
    return tuple(out)


def _env_from(place: _Place, cpath: KeyPath, spec: Mapping[str, Any]) -> tuple[EnvFrom, ...]:
    out = []
    for i, item in enumerate(_list(spec.get("envFrom"))):
        item = _mapping(item)
        for key, kind in (("configMapRef", "configMap"), ("secretRef", "secret")):
            ref = _mapping(item.get(key))
            if "name" in ref:
                out.append(
                    EnvFrom(
                        kind,
                        str(ref["name"]),
                        str(item.get("prefix") or ""),
                        bool(ref.get("optional", False)),
                        place.item((*cpath, "envFrom", i), key),
                    )
                )
    return tuple(out)


def _probes(place: _Place, cpath: KeyPath, spec: Mapping[str, Any]) -> tuple[Probe, ...]:
    out = []
    for key, kind in PROBES:
        probe = _mapping(spec.get(key))
        for handler in ("httpGet", "tcpSocket", "grpc", "exec"):
            if handler in probe:
                action = _mapping(probe[handler])
                here = (*cpath, key, handler)
                port = action.get("port")
                out.append(
                    Probe(
                        kind,
                        handler,
                        str(action["path"]) if "path" in action else None,
                        port if isinstance(port, int | str) else None,
                        place.at(here),
                        place.at((*here, "path"), value=True) if "path" in action else None,
                        place.at((*here, "port"), value=True) if "port" in action else None,
                        *_exec_programs(place, here, action) if handler == "exec" else (),
                    )
                )
    return tuple(out)


def _exec_programs(
    place: _Place, here: KeyPath, action: Mapping[str, Any]
) -> tuple[tuple[str, ...], tuple[tuple[str, Written], ...]]:
    """An exec probe's command, and the programs it runs, each with the item that names it."""
    command = tuple(str(w) for w in _list(action.get("command")) if isinstance(w, str | int))
    programs = []
    # the program the kubelet starts (a shell, a wrapper) and each program it runs in turn
    named = dict.fromkeys([*command[:1], *(run.argv[0] for run in unwrap_argv(command))])
    for program in named:
        index = next(
            (
                i
                for i, item in enumerate(command)
                if item == program or program in shell_words(item)
            ),
            0,
        )
        programs.append((program, place.at((*here, "command", index), value=True)))
    return command, tuple(programs)


def _ports(place: _Place, cpath: KeyPath, spec: Mapping[str, Any]) -> tuple[Port, ...]:
    out = []
    for i, item in enumerate(_list(spec.get("ports"))):
        item = _mapping(item)
        number = item.get("containerPort")
        if isinstance(number, int):
            name = item.get("name")
            out.append(
                Port(
                    number,
                    str(name) if name else None,
                    str(item.get("protocol", "TCP")),
                    place.item((*cpath, "ports", i), "containerPort"),
                )
            )
    return tuple(out)


def _containers(
    place: _Place, pod_path: KeyPath, pod_spec: Mapping[str, Any]
) -> Iterator[Container]:
    prefix = place.entry.obj.path
    for key, init in (("initContainers", True), ("containers", False)):
        for i, spec in enumerate(_list(pod_spec.get(key))):
            spec = _mapping(spec)
            cpath: KeyPath = (*pod_path, key, i)
            yield Container(
                name=str(spec.get("name", "")),
                image=str(spec["image"]) if spec.get("image") is not None else None,
                command=_str_tuple(spec.get("command")),
                args=_str_tuple(spec.get("args")),
                env=_env(place, cpath, spec),
                env_from=_env_from(place, cpath, spec),
                ports=_ports(place, cpath, spec),
                probes=_probes(place, cpath, spec),
                security_context=_mapping(spec.get("securityContext")),
                volume_mounts=tuple(
                    (str(_mapping(m).get("name", "")), str(_mapping(m).get("mountPath", "")))
                    for m in _list(spec.get("volumeMounts"))
                ),
                init=init,
                keypath=(*prefix, *cpath),
                at=place.at(cpath),
                image_at=place.at((*cpath, "image"), value=True) if "image" in spec else None,
            )


def _kube_workload(entry: KubeEntry, rendered: RenderedObject | None = None) -> Workload | None:
    """The workload of a manifest as written, or (`rendered`) as a sync root renders it."""
    obj: KubeObject = entry.obj
    template_path = POD_TEMPLATES.get(obj.kind)
    if template_path is None or not entry.validated:
        return None
    if rendered is None:
        plain: Mapping[str, Any] = obj.plain
        name, namespace, labels = obj.name or "", obj.namespace, obj.labels
        place = _Place(entry)
    else:
        plain = rendered.plain
        name, namespace = rendered.name, rendered.namespace
        labels = _str_map(_mapping(plain.get("metadata")).get("labels"))
        place = _Place(entry, rendered.overrides)
    template: Any = plain
    for step in template_path:
        template = _mapping(template).get(str(step))
    template = _mapping(template)
    pod_path: KeyPath = (*template_path, "spec")
    if obj.kind == "Pod":
        template_labels = labels
    else:
        template_labels = _str_map(_mapping(template.get("metadata")).get("labels"))
    pod_spec = _mapping(template.get("spec"))
    spec = _mapping(plain.get("spec"))
    replicas = spec.get("replicas")
    selector = spec.get("selector")
    return Workload(
        kind=obj.kind,
        name=name,
        namespace=namespace,
        path=entry.path,
        doc_index=obj.doc_index,
        keypath=obj.path,
        line=obj.line,
        col=obj.col,
        replicas=replicas if isinstance(replicas, int) else None,
        containers=tuple(_containers(place, pod_path, pod_spec)),
        volumes=tuple(_mapping(v) for v in _list(pod_spec.get("volumes"))),
        pod_security_context=_mapping(pod_spec.get("securityContext")),
        service_account=pod_spec.get("serviceAccountName"),
        labels=labels,
        selector=_str_map(_mapping(selector).get("matchLabels")) if selector else None,
        template_labels=template_labels,
    )


def _binds(path: str, volumes: Sequence[ComposeVolume]) -> tuple[tuple[str, str], ...]:
    """The bind mounts of repository paths: the source resolved against the compose file's
    directory, as compose does (one that leaves the repository, or names a variable, is not
    the repository's)."""
    out = []
    for volume in volumes:
        source = volume.source
        if volume.kind != "bind" or not source or not source.startswith("."):
            continue
        if "$" in source:
            continue
        repo_path = posixpath.normpath(posixpath.join(parent_dir(path), source))
        if repo_path == ".." or repo_path.startswith("../"):
            continue
        target = posixpath.normpath(volume.target)
        if target.startswith("/"):
            out.append(("" if repo_path == "." else repo_path, target))
    return tuple(out)


def _compose_workloads(
    path: str, record: YamlFile, files: Mapping[str, ParsedFile]
) -> Iterator[Workload]:
    compose = record.compose
    if compose is None:
        return
    for svc in compose.services:

        def at(line: int, col: int) -> Written:
            return Written(path, line, col, None, ())  # the parser gives no key paths below

        env = tuple(
            EnvVar(e.name, e.value, None, None, None, False, at(e.line, e.col))
            for e in svc.environment
        )
        env_files = tuple(
            EnvFrom("file", r.value, "", False, at(r.line, r.col)) for r in svc.env_files
        )
        ports = []
        for port in svc.ports:
            target = (port.target or "").split("/")[0]
            if target.isdigit():
                ports.append(
                    Port(int(target), None, port.protocol or "TCP", at(port.line, port.col))
                )
        security: dict[str, Any] = {}
        if svc.user:
            security["user"] = svc.user
        if svc.read_only:
            security["readOnlyRootFilesystem"] = True
        if svc.privileged:
            security["privileged"] = True
        if svc.cap_add:
            security["capabilities"] = {"add": [r.value for r in svc.cap_add]}
        keypath: KeyPath = ("services", svc.name)
        image_at = None
        if svc.image is not None:
            line, col = value_pos(compose.node, (*keypath, "image"))
            image_at = Written(path, line, col, compose.doc_index, (*keypath, "image"))
        image, image_env_at = _compose_image(files, path, svc.image)
        container = Container(
            name=svc.name,
            image=image,
            command=_str_tuple(svc.entrypoint),
            args=_str_tuple(svc.command),
            env=env,
            env_from=env_files,
            ports=tuple(ports),
            probes=(),
            security_context=security,
            volume_mounts=tuple((v.source or "", v.target) for v in svc.volumes),
            init=False,
            keypath=keypath,
            at=Written(path, svc.line, svc.col, compose.doc_index, keypath),
            image_at=image_at,
            binds=_binds(path, svc.volumes),
            image_env_at=image_env_at,
        )
        yield Workload(
            kind="compose",
            name=svc.name,
            namespace=None,
            path=path,
            doc_index=compose.doc_index,
            keypath=keypath,
            line=svc.line,
            col=svc.col,
            replicas=None,
            containers=(container,),
            volumes=(),
            pod_security_context={},
            service_account=None,
            labels={},
            selector=None,
            template_labels={},
        )


def _source_keys(kind: str, plain: Mapping[str, Any]) -> frozenset[str]:
    sections = ("data", "binaryData") if kind == "ConfigMap" else ("data", "stringData")
    return frozenset(str(k) for s in sections for k in _mapping(plain.get(s)))


def _external(config: Config, kind: str, *names: str) -> bool:
    declared = config.external_configmaps if kind == "ConfigMap" else config.external_secrets
    return any(n in declared for n in names)


def _config_sources(
    root: Path,
    files: Mapping[str, ParsedFile],
    entries: Sequence[KubeEntry],
    roots: Sequence[SyncRoot],
    config: Config,
    notes: list[str],
) -> Iterator[ConfigSource]:
    """The ConfigMaps and Secrets as synced: for each manifest and each kustomize generator,
    every distinct rendering of it by the sync roots, or, when no root renders it, as
    written (in that order: the manifests, then the generators)."""
    from vertice_lint.link import render

    by_entry: dict[tuple[str, int, KeyPath], list[tuple[str, RenderedObject]]] = {}
    by_generator: dict[tuple[str, int, int], list[tuple[str, RenderedObject]]] = {}
    for sync_root in roots:
        for made in sync_root.objects:
            if made.kind not in ("ConfigMap", "Secret") or not made.name:
                continue
            if made.entry is not None:
                kube: KubeObject = made.entry.obj
                key = (made.entry.path, kube.doc_index, kube.path)
                by_entry.setdefault(key, []).append((sync_root.name, made))
            else:
                by_generator.setdefault((made.path, made.line, made.col), []).append(
                    (sync_root.name, made)
                )

    def synced(
        renderings: Sequence[tuple[str, RenderedObject]],
        written: str,
        generated: bool,
        keys_unknown: bool = False,
    ) -> Iterator[ConfigSource]:
        distinct: dict[ConfigSource, list[str]] = {}
        for name, made in renderings:
            source = ConfigSource(
                made.kind,
                made.name,
                made.namespace,
                _source_keys(made.kind, made.plain),
                made.path,
                made.line,
                made.col,
                generated,
                not generated and _external(config, made.kind, written, made.name),
                written,
                keys_unknown=keys_unknown,
            )
            names = distinct.setdefault(source, [])
            if name not in names:
                names.append(name)
        for source, names in distinct.items():
            yield replace(source, synced_by=tuple(names))

    for entry in entries:
        obj: KubeObject = entry.obj
        if not entry.validated or obj.kind not in ("ConfigMap", "Secret") or not obj.name:
            continue
        renderings = by_entry.get((entry.path, obj.doc_index, obj.path))
        if renderings:
            yield from synced(renderings, obj.name, False)
            continue
        yield ConfigSource(
            obj.kind,
            obj.name,
            obj.namespace,
            _source_keys(obj.kind, obj.plain),
            entry.path,
            obj.line,
            obj.col,
            False,
            _external(config, obj.kind, obj.name),
            obj.name,
        )
    for path in sorted(files):
        record = files[path].record
        if not isinstance(record, YamlFile) or record.kustomization is None:
            continue
        k = record.kustomization
        for kind, generators in (
            ("ConfigMap", k.config_map_generator),
            ("Secret", k.secret_generator),
        ):
            for gen in generators:
                if not gen.name:
                    continue
                keys, unread = render.generator_keys(path, kind, gen, _env_reader(root, files))
                renderings = by_generator.get((path, gen.line, gen.col))
                if renderings:
                    yield from synced(renderings, gen.name, True, bool(unread))
                    continue
                notes.extend(n for n in unread if n not in notes)
                yield ConfigSource(
                    kind,
                    gen.name,
                    gen.namespace or k.namespace,
                    keys,
                    path,
                    gen.line,
                    gen.col,
                    True,
                    False,
                    gen.name,
                    keys_unknown=bool(unread),
                )


def _env_reader(root: Path, files: Mapping[str, ParsedFile]) -> Callable[[str], str | None]:
    """Reads an envs file of a generator: such files (`app.properties`) may be of no kind
    the engine reads, so they are read here, from the tree."""

    def read(path: str) -> str | None:
        parsed = files.get(path)
        if parsed is None or parsed.failure is not None:
            return None
        if parsed.text is not None:
            return parsed.text.text
        try:
            return decode(read_bytes(root, path)).text
        except ParseFailure:
            return None

    return read


def _ignore_scopes(entries: Sequence[KubeEntry]) -> Iterator[ObjectScope]:
    for entry in entries:
        value = entry.obj.annotations.get(ANNOTATION)
        if value is None:
            continue
        document: YamlDocument = entry.document
        start, end = document.line, document.end_line
        if entry.obj.path:  # item i of a `kind: List`: up to the next item
            start = entry.obj.line
            items = document.data["items"]
            following = entry.obj.path[1] + 1
            if following in items.lc.data:
                end = items.lc.data[following][0]  # 0-based line of the next item
        yield ObjectScope(entry.path, start, end, parse_codes(value))


# --- compose variables -----------------------------------------------------------------------

_COMPOSE_VAR = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)|(?P<dollar>\$))"
)


def _dotenv(files: Mapping[str, ParsedFile], compose_path: str) -> dict[str, tuple[str, int]]:
    """name -> (value, line) of the `.env` file compose reads for variables: the project
    directory's (the compose file's directory)."""
    parsed = files.get(join(parent_dir(compose_path), ".env"))
    if parsed is None or parsed.text is None:
        return {}
    out: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(parsed.text.text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if value[:1] in ("'", '"') and value[0] in value[1:]:
            value = value[1 : value.index(value[0], 1)]  # what follows the quote is ignored
        else:
            value = re.split(r"\s#", value, maxsplit=1)[0].rstrip()  # ` # comment`
        out[name.strip()] = (value, number)
    return out


def _compose_variables(files: Mapping[str, ParsedFile], compose_path: str) -> dict[str, str]:
    """The variables compose reads from the project `.env` (see `_dotenv`)."""
    return {name: value for name, (value, _) in _dotenv(files, compose_path).items()}


def _compose_image(
    files: Mapping[str, ParsedFile], path: str, image: str | None
) -> tuple[str | None, tuple[Written, ...]]:
    """A compose service's image as compose computes it, and the `.env` lines it took."""
    if image is None or "$" not in image:
        return image, ()
    dotenv = _dotenv(files, path)
    expanded = _interpolate(image, {name: value for name, (value, _) in dotenv.items()})
    if expanded == image:
        return image, ()
    env = join(parent_dir(path), ".env")
    used = dict.fromkeys(m.group("braced") or m.group("bare") for m in _COMPOSE_VAR.finditer(image))
    return expanded, tuple(Written(env, dotenv[n][1], 1, None, ()) for n in used if n in dotenv)


def _interpolate(value: str | None, variables: Mapping[str, str]) -> str | None:
    """`${VAR}`, `${VAR:-default}`, `$VAR`, `$$` as compose expands them; the value unchanged
    when a variable is neither in `.env` nor has a default (the shell may set it)."""
    if value is None or "$" not in value:
        return value
    unknown = False

    def one(match: re.Match[str]) -> str:
        nonlocal unknown
        if match.group("dollar"):
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = variables.get(name)
        if op in (":-", "-"):
            return arg if current is None or (op == ":-" and not current) else current
        if op in (":+", "+"):
            return "" if current is None or (op == ":+" and not current) else arg
        if current is None:
            unknown = True
            return match.group(0)
        return current

    expanded = _COMPOSE_VAR.sub(one, value)
    return value if unknown else expanded


def _compose_build(
    files: Mapping[str, ParsedFile], path: str, svc: ComposeService
) -> tuple[str, str, str | None] | None:
    """(context, dockerfile, image) a compose service builds, its variables expanded."""
    if svc.build_context is None and svc.dockerfile is None:
        return None
    written = (svc.build_context or "") + (svc.dockerfile or "") + (svc.image or "")
    variables = _compose_variables(files, path) if "$" in written else {}
    context = join(parent_dir(path), _interpolate(svc.build_context, variables) or ".")
    dockerfile = join(context, _interpolate(svc.dockerfile, variables) or "Dockerfile")
    return context, dockerfile, _interpolate(svc.image, variables)


# --- images and services ---------------------------------------------------------------------


def _argv(inv: Invocation | None, shell: tuple[str, ...]) -> tuple[str, ...] | None:
    if inv is None:
        return None
    if inv.form == "exec":
        return inv.args
    return (*shell, inv.text)


_COMPOSE_BUILD = "compose build"


def _build_requests(
    files: Mapping[str, ParsedFile], config: Config
) -> tuple[dict[tuple[str, str], tuple[set[str], list[Link]]], dict[str, list[str]], list[str]]:
    """(dockerfile, context) -> (image names, why) from the config, the compose files and the
    builds that run (link/builds.py); the builds that do not run, by Dockerfile ("where: why")."""
    requests: dict[tuple[str, str], tuple[set[str], list[Link]]] = {}
    unrun: dict[str, list[str]] = {}
    notes: list[str] = []

    def add(dockerfile: str, context: str, name: str | None, link: Link) -> None:
        names, links = requests.setdefault((dockerfile, context), (set(), []))
        if name:
            names.add(image_repository(name))
        links.append(link)

    for mapping in config.services:
        if mapping.dockerfile:
            context = (
                mapping.context if mapping.context is not None else parent_dir(mapping.dockerfile)
            )
            add(
                join("", mapping.dockerfile),
                join("", context),
                mapping.image,
                Link(f"config: [tool.vertice-lint.services.{mapping.name}]"),
            )
    for path in sorted(files):
        record = files[path].record
        if not isinstance(record, YamlFile) or record.compose is None:
            continue
        not_run = build_not_run(path)
        for svc in record.compose.services:
            build = _compose_build(files, path, svc)
            if build is None:
                continue
            context, dockerfile, image = build
            if not_run is not None:
                unrun.setdefault(dockerfile, []).append(f"{path}:{svc.line}: {not_run}")
                continue
            if dockerfile not in files:
                notes.append(
                    f"{path}: service {svc.name} builds {dockerfile}, which does not exist"
                )
                continue
            evidence = Evidence(path, svc.line, svc.col, f"compose service {svc.name} builds it")
            add(dockerfile, context, image, Link(_COMPOSE_BUILD, (evidence,)))
    for declared in declared_builds(files):
        target = files.get(declared.dockerfile)
        if target is None or target.source.kind is not Kind.DOCKERFILE:
            continue
        where = declared.where
        why = build_not_run(where.path)
        if why is not None:
            unrun.setdefault(declared.dockerfile, []).append(f"{where.path}:{where.line}: {why}")
            continue
        add(declared.dockerfile, declared.context, declared.tag, Link("CI build", (where,)))
    return requests, unrun, notes


def _images(
    files: Mapping[str, ParsedFile], config: Config, notes: list[str]
) -> tuple[list[Image], list[str]]:
    requests, unrun, request_notes = _build_requests(files, config)
    notes.extend(request_notes)
    requested = {dockerfile for dockerfile, _ in requests}
    configured = {parent_dir(join("", s.dockerfile)) for s in config.services if s.dockerfile}
    stale: list[str] = []
    # folder nothing builds -> (why, its Dockerfiles no build that runs names)
    unbuilt: dict[str, tuple[str, list[str]]] = {}

    def not_run(path: str, names: Sequence[str] = ()) -> str:
        said = list(dict.fromkeys((*unrun.get(path, ()), *names)))
        if not said:
            return ""
        more = f" and {len(said) - 2} more" if len(said) > 2 else ""
        return f" (named only where no build runs: {'; '.join(said[:2])}{more})"

    repo_paths: set[str] | None = None
    mentions = Mentions(files)
    assumed: dict[tuple[str, str], str] = {}
    for path in sorted(files):
        parsed = files[path]
        if parsed.source.kind is not Kind.DOCKERFILE or path in requested:
            continue
        dead = unbuilt_folder(path)
        if dead is not None:
            stale.append(path)
            unbuilt.setdefault(dead[0], (dead[1], []))[1].append(path)
            continue
        if is_dockerfile_variant(parsed.source.name):
            named: Evidence | None = None
            unrun_names: list[str] = []
            for where in mentions.named_by(path):
                why = build_not_run(where.path)
                if why is None:
                    named = where
                    break
                unrun_names.append(f"{where.path}:{where.line}: {why}")
            if named is None:
                stale.append(path)
                notes.append(
                    f"{path}: Dockerfile variant that no compose file, workflow or config"
                    f" references{not_run(path, unrun_names)}: not treated as an image"
                )
                continue
            link = Link("Dockerfile variant referenced", (named,))
        else:
            if parent_dir(path) in configured:
                continue  # the config says how this directory is built
            link = Link("Dockerfile in its own directory (default build context)")
        if repo_paths is None:
            repo_paths = {q for f in files for q in (f, *_parents(f))}
        written = _written_for_the_root(parsed.record, parent_dir(path), repo_paths)
        if written is None:
            requests[(path, parent_dir(path))] = (set(), [link])
            continue
        why = (
            f"no build names its context and its COPY sources are repository-root paths"
            f" (`{written}`), not paths of its folder {parent_dir(path)}/"
        )
        notes.append(
            f"{path}: {why}: read as built from the repository root; its COPY sources are"
            " not checked (VL702), the build context is unknown"
        )
        assumed[(path, "")] = why
        requests[(path, "")] = (set(), [Link(f"{link.reason}; {why}", link.evidence)])
    for folder, (why, dockerfiles) in sorted(unbuilt.items()):
        listed = ", ".join(PurePosixPath(d).relative_to(folder).as_posix() for d in dockerfiles[:3])
        more = f" and {len(dockerfiles) - 3} more" if len(dockerfiles) > 3 else ""
        unrun_in = [n for d in dockerfiles for n in unrun.get(d, ())]
        verdict = (
            f"its {len(dockerfiles)} Dockerfiles are not treated as images"
            if len(dockerfiles) > 1
            else "its 1 Dockerfile is not treated as an image"
        )
        notes.append(
            f"{folder}/: {why}, and no build that runs names a Dockerfile in it"
            f"{not_run('', unrun_in)}: {verdict} ({listed}{more})"
        )

    images: list[Image] = []
    for (dockerfile, context), (names, links) in sorted(requests.items()):
        record = files[dockerfile].record if dockerfile in files else None
        if not isinstance(record, Dockerfile) or not record.stages:
            continue
        stage = record.final
        ignore_path = next(
            (
                p
                for p in (f"{dockerfile}.dockerignore", join(context, ".dockerignore"))
                if isinstance(files.get(p) and files[p].record, DockerIgnore)
            ),
            None,
        )
        copies = tuple(
            CopyStep(
                sources=tuple(
                    src.value if copy.from_stage is not None else join(context, src.value)
                    for src in copy.sources
                ),
                dest=copy.dest_abs,
                from_stage=copy.from_stage,
                is_add=copy.is_add,
                line=copy.line,
                col=copy.col,
            )
            for copy in stage.copies
        )
        images.append(
            Image(
                key=f"{dockerfile}@{context or '.'}",
                dockerfile=dockerfile,
                context=context,
                service=None,
                names=tuple(sorted(names)),
                workdir=stage.workdir,
                env={e.name: e.value for e in stage.env},
                user=stage.user.name if stage.user else None,
                exposed=tuple(p.port for p in stage.ports),
                cmd=_argv(stage.cmd, stage.shell),
                entrypoint=_argv(stage.entrypoint, stage.shell),
                copies=copies,
                dockerignore=ignore_path,
                link=Link(
                    "; ".join(dict.fromkeys(lk.reason for lk in links)),
                    tuple(e for lk in links for e in lk.evidence),
                ),
                record=record,
                compose_only=all(lk.reason == _COMPOSE_BUILD for lk in links),
                context_assumed=assumed.get((dockerfile, context)),
            )
        )
    return images, stale


def _parents(path: str) -> Iterator[str]:
    parent = parent_dir(path)
    while parent:
        yield parent
        parent = parent_dir(parent)


def _written_for_the_root(record: object, folder: str, repo_paths: set[str]) -> str | None:
    """A COPY source of a Dockerfile no build gives a context that is a repository-root path
    and not one of its folder, when no source is only in its folder (it was written for
    `docker build -f <folder>/Dockerfile .`); None otherwise."""
    if not folder or not isinstance(record, Dockerfile):
        return None
    rooted: str | None = None
    for stage in record.stages:
        for copy in stage.copies:
            if copy.from_stage is not None:
                continue
            for source in copy.sources:
                value = source.value
                if "$" in source.text or "://" in value or re.search(r"[*?\[]", value):
                    continue
                rel = join("", value.lstrip("/"))
                if not rel or rel == ".." or rel.startswith("../"):
                    continue
                here, there = join(folder, rel) in repo_paths, rel in repo_paths
                if here and not there:
                    return None
                if there and not here and rooted is None:
                    rooted = source.text
    return rooted


def _services(
    files: Mapping[str, ParsedFile], config: Config, images: Sequence[Image], notes: list[str]
) -> list[Service]:
    services: dict[str, Service] = {}
    for svc in config.services:
        directory = (
            join("", svc.source) if svc.source else parent_dir(join("", svc.dockerfile or ""))
        )
        dockerfiles: tuple[str, ...] = (join("", svc.dockerfile),) if svc.dockerfile else ()
        services[svc.name] = Service(
            svc.name,
            directory,
            dockerfiles,
            (),
            Link(f"config: [tool.vertice-lint.services.{svc.name}]"),
        )
    claimed = {s.directory for s in services.values()}
    mapped = {d for s in services.values() for d in s.dockerfiles}
    for image in images:
        directory = parent_dir(image.dockerfile)
        if image.dockerfile in mapped or directory in claimed or not directory:
            continue
        claimed.add(directory)
        name = PurePosixPath(directory).name
        if name in services:
            name = directory
        if name in services:  # a config service has this name: the config wins
            notes.append(
                f"{directory}/: builds {image.dockerfile} but the service name {name!r} is"
                " taken by the config; not a service"
            )
            continue
        services[name] = Service(
            name, directory, (image.dockerfile,), (), Link(f"{image.dockerfile} builds it")
        )
    requirements_by_dir: dict[str, list[str]] = {}
    for path in sorted(files):
        if isinstance(files[path].record, RequirementsFile):
            requirements_by_dir.setdefault(parent_dir(path), []).append(path)
    result = []
    for service in sorted(services.values(), key=lambda s: s.directory):
        reqs = tuple(requirements_by_dir.get(service.directory, ()))
        dockerfiles = service.dockerfiles or tuple(
            i.dockerfile for i in images if parent_dir(i.dockerfile) == service.directory
        )
        words = frozenset(service_words(service))
        result.append(
            Service(service.name, service.directory, dockerfiles, reqs, service.link, words)
        )
    return result


def _assign_services(images: Sequence[Image], services: Sequence[Service]) -> list[Image]:
    out = []
    for image in images:
        owner = next((s.name for s in services if image.dockerfile in s.dockerfiles), None)
        if owner is None:
            owner = next(
                (
                    s.name
                    for s in services
                    if s.directory and image.dockerfile.startswith(s.directory + "/")
                ),
                None,
            )
        out.append(replace(image, service=owner))
    return out


def _link_container(
    container: Container,
    workload: Workload,
    images: Sequence[Image],
    services: Sequence[Service],
    config: Config,
    compose_builds: Mapping[tuple[str, str], Image],
    notes: list[str],
    root_words: frozenset[str] = frozenset(),
) -> Container:
    if workload.kind == "compose":
        built = compose_builds.get((workload.path, workload.name))
        if built is not None:
            return replace(container, image_link=built, image_link_reason=Link("compose build"))
    if not container.image:
        return container
    repo = image_repository(container.image)
    for svc in config.services:
        if svc.image and image_repository(svc.image) == repo:
            match = [i for i in images if i.service == svc.name]
            if len(match) == 1:
                return replace(
                    container,
                    image_link=match[0],
                    image_link_reason=Link(f"config: services.{svc.name}.image = {svc.image}"),
                )
    named = [i for i in images if repo in i.names]
    if len(named) > 1:
        # One repository for every service, the service in the tag (`demo:2.0.2-cart`).
        tag = norm(container.image.split("@", 1)[0][len(repo) :].lstrip(":"))
        by_tag = [
            i
            for s in services
            if any(tag == w or tag.endswith("-" + w) for w in s.words)
            for i in named
            if i.service == s.name
        ]
        if len(by_tag) == 1:
            named = by_tag
    if len(named) == 1:
        return replace(
            container,
            image_link=named[0],
            image_link_reason=Link(
                f"image {repo} is built by {named[0].key}", named[0].link.evidence
            ),
        )
    last = norm(repo.rsplit("/", 1)[-1])
    by_dir = [s for s in services if last in s.words]
    candidates = [i for i in images if any(i.service == s.name for s in by_dir)]
    if len(candidates) == 1:
        service = next(s for s in by_dir if s.name == candidates[0].service)
        return replace(
            container,
            image_link=candidates[0],
            image_link_reason=Link(
                f"image name {last!r} matches service directory {service.directory}/"
            ),
        )
    if not candidates and last in root_words:
        # a single-service repository: the Dockerfile at the root is the image of the
        # repository's own name (its directory, or its pyproject name)
        at_root = [i for i in images if not parent_dir(i.dockerfile) and i.service is None]
        if len(at_root) == 1:
            return replace(
                container,
                image_link=at_root[0],
                image_link_reason=Link(
                    f"image name {last!r} is the repository's name; {at_root[0].dockerfile}"
                    " at its root builds it"
                ),
            )
    if len(candidates) > 1 or len(named) > 1:
        keys = ", ".join(i.key for i in (named or candidates))
        notes.append(
            f"{container.at.path}:{container.line}: image {container.image} could be any of {keys};"
            " not linked (map it in [tool.vertice-lint.services])"
        )
    return container


# --- sync roots ------------------------------------------------------------------------------


def _workloads(
    entries: Sequence[KubeEntry], roots: Sequence[SyncRoot], files: Mapping[str, ParsedFile]
) -> tuple[list[Workload], list[list[int]]]:
    """The workloads as synced, not yet linked to images, and the indices of those each sync
    root renders: for each manifest, every distinct rendering of it by the
    sync roots (one workload, however many roots render it so), or, when no root renders
    it, the manifest as written; then the compose services."""
    rendered: dict[tuple[str, int, KeyPath], list[tuple[int, RenderedObject]]] = {}
    for r, root in enumerate(roots):
        for obj in root.objects:
            if obj.entry is not None and obj.kind in POD_TEMPLATES:
                kube: KubeObject = obj.entry.obj
                key = (obj.entry.path, kube.doc_index, kube.path)
                rendered.setdefault(key, []).append((r, obj))
    out: list[Workload] = []
    by_root: list[list[int]] = [[] for _ in roots]
    for entry in entries:
        renderings = rendered.get((entry.path, entry.obj.doc_index, entry.obj.path))
        if not renderings:
            workload = _kube_workload(entry)
            if workload is not None:
                out.append(workload)
            continue
        distinct: list[tuple[Workload, list[int]]] = []
        for r, obj in renderings:
            workload = _kube_workload(entry, obj)
            if workload is None:
                continue
            same = next((d for d in distinct if d[0] == workload), None)
            if same is None:
                distinct.append((workload, [r]))
            elif r not in same[1]:
                same[1].append(r)
        for workload, indices in distinct:
            names = dict.fromkeys(roots[r].name for r in indices)
            for r in indices:
                by_root[r].append(len(out))
            out.append(replace(workload, synced_by=tuple(names)))
    for path in sorted(files):
        record = files[path].record
        if isinstance(record, YamlFile):
            out.extend(_compose_workloads(path, record, files))
    return out, by_root


# --- the whole -------------------------------------------------------------------------------


def _root_words(root: Path, files: Mapping[str, ParsedFile]) -> frozenset[str]:
    """Names the repository itself goes by: its directory and its root pyproject's name."""
    words = {norm(root.resolve().name)}
    record = files["pyproject.toml"].record if "pyproject.toml" in files else None
    if isinstance(record, Pyproject) and record.name:
        words.add(norm(record.name))
    return frozenset(w for w in words if w)


def image_contents(
    image: Image,
    files: Mapping[str, ParsedFile],
    repo_files: RepoFiles,
    projects: Mapping[str, Pyproject],
) -> ImageContents:
    """What the image holds and installs (see image.py)."""
    ignore = files[image.dockerignore].record if image.dockerignore is not None else None
    return contents(
        image.record,
        image.context,
        repo_files,
        ignore if isinstance(ignore, DockerIgnore) else None,
        projects,
    )


def link(root: Path, config: Config, files: Mapping[str, ParsedFile]) -> Workspace:
    """Build the Workspace from the parsed files and the config."""
    from vertice_lint import k8s_schema

    notes: list[str] = []
    for path, parsed in sorted(files.items()):
        if parsed.source.kind is Kind.HELM_CHART:
            notes.append(
                f"{parent_dir(path) or '.'}: Helm chart recognised; templates are not rendered"
            )
    entries = _kube_entries(files)
    images, stale = _images(files, config, notes)
    services = _services(files, config, images, notes)
    images = _assign_services(images, services)
    repo_files = RepoFiles(files)
    projects = {p: f.record for p, f in files.items() if isinstance(f.record, Pyproject)}
    images = [
        replace(image, contents=image_contents(image, files, repo_files, projects))
        for image in images
    ]
    images = with_dockerfile_facts(images, files, config)
    images = [replace(image, programs=programs_of(image)) for image in images]
    root_words = _root_words(root, files)
    compose_builds: dict[tuple[str, str], Image] = {}
    for path in sorted(files):
        record = files[path].record
        if isinstance(record, YamlFile) and record.compose is not None:
            for svc in record.compose.services:
                build = _compose_build(files, path, svc)
                if build is None:
                    continue
                context, dockerfile, _ = build
                for image in images:
                    if (image.dockerfile, image.context) == (dockerfile, context):
                        compose_builds[(path, svc.name)] = image
    from vertice_lint.link import render

    roots = render.sync_roots(files, notes, _env_reader(root, files))
    unlinked, by_root = _workloads(entries, roots, files)
    sources = list(_config_sources(root, files, entries, roots, config, notes))
    linking: list[str] = []
    workloads = [
        replace(
            w,
            containers=tuple(
                _link_container(c, w, images, services, config, compose_builds, linking, root_words)
                for c in w.containers
            ),
        )
        for w in unlinked
    ]
    # A manifest several roots render would say the same thing once per rendering: say it once.
    notes.extend(dict.fromkeys(n for n in linking if n not in notes))
    roots = [
        replace(r, workloads=tuple(workloads[i] for i in indices))
        for r, indices in zip(roots, by_root, strict=True)
    ]
    modules = {p: f.record for p, f in files.items() if isinstance(f.record, PythonModule)}
    texts = {
        p: f.text.text
        for p, f in files.items()
        if f.source.kind is Kind.TEXT and f.text is not None
    }
    python_index = repo_index(modules, [p for p in files if p.endswith(".py")])
    # Python dependencies: what each image installs (an installed distribution providing a
    # top-level name wins over repository files of that name when imports are resolved).
    module_map = dependencies.build_module_map(config, files)
    image_deps = dependencies.image_dependencies(images, files)
    runtimes = build_runtimes(
        images,
        workloads,
        modules,
        texts,
        python_index,
        dependencies.installed_provider(module_map, image_deps),
        repo_files,
    )
    notes.extend(unjudged_probe_programs(workloads))
    image_deps = _installs_at_start(image_deps, runtimes)
    # what each container starts with, what its app needs and does, what each Service selects
    runtimes, container_facts, selections = app_facts(
        runtimes, workloads, entries, sources, modules, files
    )
    notes.extend(open_env_notes(container_facts))
    # Python dependencies: what each image installs, against what its code imports.
    pins = dependencies.repository_pins(image_deps)
    third_party = dependencies.third_party_imports(runtimes, module_map)
    notes.extend(dependencies.guessed_notes(third_party, module_map))
    notes.extend(dependencies.unknown_closure_notes(third_party, image_deps, module_map))
    notes.extend(dependencies.unknown_install_notes(image_deps))
    try:
        version = k8s_schema.resolve_version(config.kubernetes_version)
    except ValueError as exc:
        notes.append(f"kubernetes-version: {exc}")
        version = k8s_schema.resolve_version(None)
    skipped = sum(
        1
        for e in entries
        # resources and the GitOps CRDs (Argo CD, Flux) that have no schema to validate against
        if (e.validated or e.obj.role in ("argocd-application", "flux-kustomization"))
        and not k8s_schema.has_schema(e.obj.api_version, e.obj.kind, version)
    )
    # the inventory, the schema problems and the parse problems (link/inventory.py)
    from vertice_lint.link import inventory as facts

    inventory = facts.inventory(files, workloads, roots, _env_reader(root, files))
    notes.extend(n for n in facts.inventory_notes(inventory) if n not in notes)
    schema_problems = facts.schema_problems(entries, version, facts.substituted_files(files, roots))
    rendered: dict[str, frozenset[str]] = {}
    for r in roots:
        rendered[r.directory] = rendered.get(r.directory, frozenset()) | r.files
    deployed_artifacts = tuple(skaffold_deploys(files, rendered))
    notes.extend(
        f"{p.path}:{p.line}: {p.kind} {p.name or '(unnamed)'}: a fill-in placeholder, not"
        " validated (VL801)"
        for p in schema_problems
        if p.fill_in
    )
    return Workspace(
        root=root,
        config=config,
        files=dict(files),
        services=tuple(services),
        images=tuple(images),
        workloads=tuple(workloads),
        config_sources=tuple(sources),
        kube_objects=tuple(entries),
        runtimes=runtimes,
        ignore_scopes=tuple(_ignore_scopes(entries)),
        suppressions=suppressions(files),
        stale_dockerfiles=tuple(stale),
        kubernetes_version=version,
        schema_skipped=skipped,
        notes=tuple(notes),
        sync_roots=tuple(roots),
        deployed_artifacts=deployed_artifacts,
        module_map=module_map,
        image_deps=image_deps,
        pins=pins,
        third_party=third_party,
        python_index=python_index,
        inventory=inventory,
        schema_problems=schema_problems,
        parse_problems=facts.parse_problems(files),
        container_facts=container_facts,
        service_selections=selections,
    )


def fallback_workspace(root: Path, config: Config, files: Mapping[str, ParsedFile]) -> Workspace:
    """The Workspace of a run whose link() raised: the parsed files and the Kubernetes objects,
    no links, so that the rules that need none (parse errors, the schema) still run."""
    from vertice_lint import k8s_schema

    try:
        entries = tuple(_kube_entries(files))
    except Exception:
        entries = ()
    try:
        version = k8s_schema.resolve_version(config.kubernetes_version)
    except ValueError:
        version = k8s_schema.resolve_version(None)
    from vertice_lint.link import inventory as facts

    try:
        schema_problems = facts.schema_problems(entries, version, set())
    except Exception:
        schema_problems = ()
    return Workspace(
        root=root,
        config=config,
        files=dict(files),
        kube_objects=entries,
        kubernetes_version=version,
        suppressions=suppressions(files),
        schema_problems=schema_problems,
        parse_problems=facts.parse_problems(files),
    )


def _installs_at_start(
    image_deps: Mapping[str, ImageDeps], runtimes: Sequence[ContainerRuntime]
) -> dict[str, ImageDeps]:
    """A container whose command installs Python packages when it starts (`sh -c "pip install
    -e /app/lib && uvicorn app:app"`, often of a bind-mounted project) runs the image with
    more than the image installs: what it has is no longer known from the Dockerfile alone."""
    out = dict(image_deps)
    for cr in runtimes:
        container, workload = cr.container, cr.workload
        if container is None or workload is None:
            continue
        argv = (*(container.command or ()), *(container.args or ()))
        if not argv:
            continue
        deps = out.get(cr.image.key)
        if deps is None:
            continue
        for command in unwrap_argv(argv):
            words = list(command.argv)
            start, _ = command_start(words, assignments=False)
            words = words[start:]
            if read_pip(words) or read_pip_sync(words) or read_project_install(words):
                why = (
                    f"{workload.ident} container {container.name} runs"
                    f" `{' '.join(words)}` when it starts"
                )
                if why not in deps.unknown:
                    deps = replace(deps, unknown=(*deps.unknown, why))
        out[cr.image.key] = deps
    return out
