"""The facts of the GitOps inventory and of the tool's input (model/inventory.py), derived once.

Called at the end of `link()` (and by `fallback_workspace`, for the facts that need no links):
kustomizations and what they list and patch, the image repositories Helm charts' values name,
the registry paths of the images the repository builds, where each workload writes its image,
every Kubernetes object validated against the schema of the configured version (VL801), and
the parse problems of every file (VL001).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from vertice_lint import k8s_schema
from vertice_lint.discover import Kind, looks_stale
from vertice_lint.link import render
from vertice_lint.link.names import LAYOUT_DIRS, norm
from vertice_lint.link.templates import fill_in_at, fixture_dir, template_files
from vertice_lint.model import KubeEntry, SyncRoot, Workload, pod_spec_path
from vertice_lint.model.image import image_repository, registry_path
from vertice_lint.model.inventory import (
    ChartImage,
    DeployCommand,
    FileProblem,
    Inventory,
    KeyPath,
    KustomizationFile,
    MadeElsewhere,
    PatchTarget,
    RegistryPath,
    ResourceEntry,
    SchemaProblem,
)
from vertice_lint.parsers import ParsedFile
from vertice_lint.parsers import yaml as yaml_parser
from vertice_lint.parsers.shell import command_end, script_words
from vertice_lint.parsers.yaml import YamlFile, key_pos, value_pos
from vertice_lint.paths import join, parent_dir

# ${var}, ${var:=default}, ${var:-default}: what Flux's postBuild substitutes before applying
_FLUX_VAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[=-][^}]*)?\}")


def inventory(
    files: Mapping[str, ParsedFile],
    workloads: Sequence[Workload],
    roots: Sequence[SyncRoot],
    read: Callable[[str], str | None] | None = None,
) -> Inventory:
    """The GitOps inventory of the repository (see model/inventory.py). `read` reads a file of
    no kind the engine parses (a `.yaml.template`, a README), from the tree."""
    kustomizations: list[KustomizationFile] = []
    resources: list[ResourceEntry] = []
    for path in sorted(files):
        record = files[path].record
        if not isinstance(record, YamlFile) or record.kustomization is None:
            continue
        k = record.kustomization
        directory = parent_dir(path)
        if render.kustomization_file(files, directory) == path:
            kustomizations.append(KustomizationFile(path, directory, k.doc_index))
        items = k.node.get("resources") if hasattr(k.node, "get") else None
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, str):
                line, col = key_pos(k.node, ("resources", i))
                target = join(directory, item)
                resources.append(ResourceEntry(path, k.doc_index, i, target, line, col))
    patches = tuple(
        PatchTarget(kfile, line, col, kind, name)
        for kfile, line, col, kind, name in render.patch_targets(files)
    )
    charts = tuple(_chart_images(files))
    return Inventory(
        kustomizations=tuple(kustomizations),
        resources=tuple(resources),
        patch_targets=patches,
        chart_images=charts,
        registries=tuple(_registries(workloads, roots)),
        image_positions=dict(_image_positions(files, workloads)),
        deploys=tuple(deploy_commands(files, roots, charts)),
        templates=_templates(files, roots),
        dockerfile_words=_dockerfile_words(files),
        dockerfile_dirs=frozenset(
            parent_dir(p) for p, f in files.items() if f.source.kind is Kind.DOCKERFILE
        ),
        made_elsewhere=tuple(made_elsewhere(files, read or _no_reader)),
        test_fixtures=frozenset(p for p in files if _test_fixture(files[p])),
        unparsed_words=_unparsed_words(files),
        foreign_namespaces=_foreign_namespaces(files, roots),
        helm_namespaces=helm_namespaces(files, read or _no_reader),
        alternatives=tuple(_alternatives(roots)),
    )


def _no_reader(path: str) -> str | None:
    return None


_TEST_WORDS = frozenset({"test", "tests", "testing", "e2e"})


def _test_fixture(parsed: ParsedFile) -> bool:
    """Input of a test: below a fixture directory, or a compose file named for tests."""
    path = parsed.source.path
    if parsed.source.kind not in (Kind.YAML, Kind.COMPOSE, Kind.KUSTOMIZATION):
        return False
    if fixture_dir(path) is not None:
        return True
    stem = PurePosixPath(path).name.lower().rsplit(".", 1)[0]
    words = set(re.split(r"[._-]+", stem))
    return parsed.source.kind is Kind.COMPOSE and bool(words & _TEST_WORDS)


_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
_PAIR = re.compile(
    r"""["']?([A-Za-z0-9_][A-Za-z0-9_./-]*)["']?\s*:[ \t]*["']?([A-Za-z0-9_][A-Za-z0-9_.-]*)"""
)


def _unparsed_words(files: Mapping[str, ParsedFile]) -> dict[str, frozenset[str]]:
    """The manifests that do not parse (VL001), each with the words of its text and its
    `key: value` pairs (as `key=value`): a rule that finds nothing defining a name or a label
    stays silent when such a file names it (the parse error is the finding, not what it would
    have defined)."""
    out: dict[str, frozenset[str]] = {}
    for path, parsed in files.items():
        if parsed.failure is None or parsed.text is None:
            continue
        if parsed.source.kind not in (Kind.YAML, Kind.JSON):
            continue
        text = parsed.text.text
        words = {w.rstrip(".") for w in _WORD.findall(text)}
        words |= {f"{k}={v}" for k, v in _PAIR.findall(text)}  # `app: web` as app=web
        if {"apiVersion", "kind"} <= words:
            out[path] = frozenset(words)
    return out


def _foreign_namespaces(
    files: Mapping[str, ParsedFile], roots: Sequence[SyncRoot]
) -> frozenset[str]:
    """Namespaces Services of the repository (as written or rendered) are in, where it declares
    no workload and no Namespace object: their pods come from outside (a chart, an add-on)."""
    named: set[str] = set()
    owned: set[str] = set()
    objects: list[tuple[str, str | None, str | None]] = [
        (o.kind, o.namespace, o.name) for r in roots for o in r.objects
    ]
    for parsed in files.values():
        if isinstance(parsed.record, YamlFile):
            objects.extend((o.kind, o.namespace, o.name) for o in parsed.record.objects)
    for kind, namespace, name in objects:
        if kind == "Namespace" and name:
            owned.add(name)
        if namespace:
            if kind == "Service":
                named.add(namespace)
            if pod_spec_path(kind) is not None:
                owned.add(namespace)
    return frozenset(named - owned)


def _alternatives(roots: Sequence[SyncRoot]) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """Objects a plain directory (not proven applied at once) defines in several files."""
    for root in roots:
        if root.applied_together:
            continue
        where: dict[tuple[str, str, str, str], tuple[str, list[str]]] = {}
        for obj in root.objects:
            key = (obj.api_version.rpartition("/")[0], obj.kind, obj.namespace or "", obj.name)
            paths = where.setdefault(key, (obj.ident, []))[1]
            if obj.path not in paths:
                paths.append(obj.path)
        for ident, paths in where.values():
            if len(paths) > 1:
                yield root.name, ident, tuple(paths)


def _templates(files: Mapping[str, ParsedFile], roots: Sequence[SyncRoot]) -> dict[str, str]:
    """The templates (link/templates.py), but for what Argo CD or Flux syncs as written (a
    `${var}` that no postBuild substitutes reaches the API server as it is), and the patch
    files a kustomization's `patches` names by a bare string: partial objects too."""
    substituted = substituted_files(files, roots)
    synced = {f for r in roots if r.kind != "kustomization" for f in r.files} - substituted
    out = {p: why for p, why in template_files(files, substituted).items() if p not in synced}
    for target, kfile in render.bare_patch_files(files).items():
        out.setdefault(target, f"a patch {kfile} names (a partial object)")
    return out


def inventory_notes(inv: Inventory) -> list[str]:
    """What --verbose says about the inventory: the templates not validated, and why VL102
    cannot tell which services are deployed."""
    notes = [
        f"{path}: {why}; not validated as a final Kubernetes object, nor applied as one"
        for path, why in sorted(inv.templates.items())
    ]
    for made in inv.made_elsewhere:
        what = f"{made.kind or 'the object'} {made.name}"
        if made.namespace:
            what += f" (namespace {made.namespace})"
        notes.append(
            f"{made.path}:{made.line}: {what} is made out of band ({made.how}); VL106 does not"
            " report references to it"
        )
    for directory, ident, paths in inv.alternatives:
        notes.append(
            f"{directory}/: {ident} is defined in {' and '.join(paths)}, files of a plain"
            " directory that may be alternatives each applied alone; VL105 reports a duplicate"
            " only within one file or under a kustomization, Argo CD or Flux path"
        )
    for path in sorted(inv.unparsed_words):
        notes.append(
            f"{path}: does not parse (VL001); VL106 and VL107 report no reference or selector"
            " its objects could satisfy"
        )
    for namespace, (path, line) in sorted(inv.helm_namespaces.items()):
        notes.append(
            f"{path}:{line}: a Helm chart is installed into namespace {namespace} out of band;"
            " its pods' labels are not in the repository, so VL107 reports no Service there"
            " whose labels no pod of the repository carries"
        )
    for namespace in sorted(inv.foreign_namespaces):
        notes.append(
            f"namespace {namespace}: the repository declares no workload and no Namespace"
            " there; what runs in it comes from elsewhere, so VL107 reports no Service there"
            " whose labels no pod of the repository carries"
        )
    if inv.test_fixtures:
        fixture = min(inv.test_fixtures)
        more = f" (and {len(inv.test_fixtures) - 1} more)" if len(inv.test_fixtures) > 1 else ""
        notes.append(
            f"{fixture}{more}: input of a test (below a test directory, or a compose file named"
            " for tests); VL402 does not report the throwaway credentials of test fixtures"
        )
    unknown = [d for d in inv.deploys if d.any_image]
    if unknown:
        first = unknown[0]
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        notes.append(
            f"{first.path}:{first.line}: `{first.command}`: {first.why}{more}; which images"
            " this repository deploys is unknown, so VL102 reports no undeployed service"
        )
    return notes


def _dockerfile_words(files: Mapping[str, ParsedFile]) -> frozenset[str]:
    words: set[str] = set()
    for path, parsed in files.items():
        if parsed.source.kind is not Kind.DOCKERFILE:
            continue
        parts = PurePosixPath(path).parts[:-1]
        if parts:
            words.add(norm(parts[-1]))
        if len(parts) >= 2 and parts[-1].lower() in LAYOUT_DIRS:
            words.add(norm(parts[-2]))
    return frozenset(words)


# --- deploy commands the model does not render ----------------------------------------------

_DEPLOY = re.compile(
    r"\b(?:kubectl|oc)\s+(?:apply|create|replace|run|set\s+image)\b"
    r"|\bhelm\s+(?:install|upgrade)\b"
    r"|\bskaffold\s+(?:run|deploy|dev|apply)\b"
    r"|\bkustomize\s+edit\s+set\s+image\b"
    r"|\bgcloud\s+(?:beta\s+)?run\s+(?:deploy|services\s+replace)\b"
    r"|\b(?:docker|podman)\s+push\b"
    r"|\bdocker\s+(?:stack\s+deploy|service\s+create)\b"
    r"|\bdocker[\s-]compose\b[^\n]*\bup\b"
)
_COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_FILE_OPTIONS = ("-f", "--filename", "-k", "--kustomize")
_CLOUD_BUILDERS = ("kubectl", "gke-deploy", "helm")


def deploy_commands(
    files: Mapping[str, ParsedFile], roots: Sequence[SyncRoot], charts: Sequence[ChartImage]
) -> Iterator[DeployCommand]:
    """The deploy commands of the repository's scripts, Makefiles and CI files, and its Helm
    charts, that the model does not render (see DeployCommand)."""
    charted = {parent_dir(c.path) for c in charts}
    rendered = {f for r in roots for f in r.files}
    rendered_dirs = {parent_dir(f) for f in rendered} | {r.directory for r in roots}
    directories = {parent_dir(p) for p in files}
    scripts = dict(_script_files(files))
    for path in sorted(files):
        parsed = files[path]
        if parsed.source.kind is Kind.HELM_CHART:
            if parent_dir(path) not in charted:
                why = "a Helm chart whose values name no image: its templates are not rendered"
                yield DeployCommand(path, 1, 1, "helm chart", why, any_image=True)
            continue
        text = scripts.get(path)
        if text is None:
            continue
        record = parsed.record
        if isinstance(record, YamlFile):
            yield from _cloud_build(path, record)
        for line, col, command in _commands(text, _DEPLOY):
            found = _deploy(path, line, col, command, files, directories, rendered, rendered_dirs)
            if found is not None:
                yield found


def _script_files(files: Mapping[str, ParsedFile]) -> Iterator[tuple[str, str]]:
    """(path, text) of the scripts, Makefiles and CI files whose commands are read."""
    for path in sorted(files):
        parsed = files[path]
        if parsed.text is None or parsed.source.kind not in (Kind.TEXT, Kind.YAML):
            continue
        if looks_stale(_file_name(path)) or "/.github/" in path:
            continue  # a disabled copy (`ci.old.yaml`); a workflow not at the root never runs
        yield path, parsed.text.text


def _commands(text: str, pattern: re.Pattern[str]) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """(line, col, words) of each simple command starting where `pattern` matches, outside
    comments."""
    for match in pattern.finditer(text):
        start = text.rfind("\n", 0, match.start()) + 1
        if "#" in text[start : match.start()].replace("${#", "").replace("$#", ""):
            continue  # a comment (or an unreadable line)
        command = _command_at(text, match.start())
        if command is None:
            continue
        yield text.count("\n", 0, match.start()) + 1, match.start() - start + 1, command


def _command_at(text: str, at: int) -> tuple[str, ...] | None:
    """The words of the simple command starting at `at` (backslash-continued lines joined)."""
    end = command_end(text, at)
    script = script_words(text[at:end].replace("\\\n", " "))
    if not script.commands:
        return None
    return script.commands[0].values


def _deploy(
    path: str,
    line: int,
    col: int,
    argv: tuple[str, ...],
    files: Mapping[str, ParsedFile],
    directories: set[str],
    rendered: set[str],
    rendered_dirs: set[str],
) -> DeployCommand | None:
    program = PurePosixPath(argv[0]).name if argv else ""
    args = [a for a in argv[1:]]
    shown = " ".join(argv[:4])
    images = tuple(_image_args(program, args))
    computed = any("$" in i or "{{" in i for i in images)
    literal = tuple(i for i in images if "$" not in i and "{{" not in i)
    if program in ("kubectl", "oc") and args[:1] and args[0] in ("apply", "create", "replace"):
        if args[0] == "create" and len(args) > 1 and not args[1].startswith("-"):
            if not images:
                return None  # `kubectl create namespace x`, `secret ...`: no image
            return DeployCommand(path, line, col, shown, "it creates a workload", literal, computed)
        targets = [args[i + 1] for i, a in enumerate(args[:-1]) if a in _FILE_OPTIONS]
        targets += [a.split("=", 1)[1] for a in args if a.startswith(("--filename=", "-f="))]
        unknown = [
            t
            for t in targets
            if not _rendered(t, path, files, directories, rendered, rendered_dirs)
        ]
        if not targets or not unknown:
            return None  # what it applies is a sync root the model renders
        why = f"it applies {unknown[0]}, which no sync root renders"
        if unknown[0] == "-":
            why = "it applies what it reads from stdin (a heredoc or a pipe)"
        elif "$" in unknown[0]:
            why = f"it applies a computed file ({unknown[0]})"
        return DeployCommand(path, line, col, shown, why, any_image=True)
    compose = args[1:] if program == "docker" and args[:1] == ["compose"] else args
    if (program == "docker-compose" or args[:1] == ["compose"]) and "up" in compose:
        named = [compose[i + 1] for i, a in enumerate(compose[:-1]) if a in ("-f", "--file")]
        if any("$" in n for n in named):
            return DeployCommand(path, line, col, shown, "it runs computed compose files", (), True)
        found = []
        for base in (parent_dir(path), ""):
            for name in named or _COMPOSE_NAMES:
                if join(base, name) in files:
                    found.append(join(base, name))
        return DeployCommand(
            path, line, col, shown, "it runs compose files", compose_files=tuple(found)
        )
    if program == "helm":
        return DeployCommand(
            path, line, col, shown, "a Helm release is not rendered", literal, True
        )
    if program == "skaffold":
        return DeployCommand(
            path, line, col, shown, "skaffold deploys are not rendered", literal, True
        )
    if program in ("docker", "podman") and (
        args[:1] == ["stack"] or args[:2] == ["service", "create"]
    ):
        return DeployCommand(
            path, line, col, shown, "a Swarm deploy is not rendered", literal, True
        )
    if not images:
        return None
    what = "it publishes the image" if args[:1] == ["push"] else "it sets the image it runs"
    return DeployCommand(path, line, col, shown, what, literal, computed)


def _image_args(program: str, args: list[str]) -> Iterator[str]:
    """The image references a deploy command names."""
    for i, arg in enumerate(args):
        if arg.startswith("--image="):
            yield arg.split("=", 1)[1]
        elif arg == "--image" and i + 1 < len(args):
            yield args[i + 1]
    if program in ("docker", "podman") and args[:1] == ["push"]:
        rest = [a for a in args[1:] if not a.startswith("-")]
        if rest:
            yield rest[0]
    if "image" in args[:3] and "set" in args[:3]:  # kubectl set image / kustomize edit set image
        for arg in args[args.index("image") + 1 :]:
            if "=" in arg and not arg.startswith("-"):
                yield arg.split("=", 1)[1]


def _rendered(
    target: str,
    path: str,
    files: Mapping[str, ParsedFile],
    directories: set[str],
    rendered: set[str],
    rendered_dirs: set[str],
) -> bool:
    if target == "-" or "$" in target or "://" in target or "{{" in target:
        return False
    for base in (parent_dir(path), ""):
        full = join(base, target.rstrip("/"))
        if full in rendered:
            return True
        if full in directories and any(
            d == full or d.startswith(full + "/") for d in rendered_dirs
        ):
            return True
    return False


def _cloud_build(path: str, record: YamlFile) -> Iterator[DeployCommand]:
    """A Cloud Build config: steps run by the kubectl, gke-deploy or helm builders, or `gcloud
    run deploy`, deploy what the model does not render; `images:` are published."""
    for doc in record.documents:
        plain = doc.plain
        if not isinstance(plain, dict) or not isinstance(plain.get("steps"), list):
            continue
        for index, step in enumerate(plain["steps"]):
            if not isinstance(step, dict):
                continue
            name = str(step.get("name", ""))
            args = (
                [str(a) for a in step.get("args", [])] if isinstance(step.get("args"), list) else []
            )
            builder = name.rsplit("/", 1)[-1].split(":", 1)[0]
            deploys = builder in _CLOUD_BUILDERS or (
                builder in ("gcloud", "cloud-sdk") and "deploy" in args
            )
            if deploys:
                line, col = key_pos(doc.data, ("steps", index))
                yield DeployCommand(
                    path,
                    line,
                    col,
                    f"{builder} {' '.join(args[:3])}".strip(),
                    "a Cloud Build deploy step is not rendered",
                    any_image=True,
                )
        images = plain.get("images")
        if isinstance(images, list):
            literal = tuple(str(i) for i in images if "$" not in str(i))
            line, col = key_pos(doc.data, ("images",))
            yield DeployCommand(
                path,
                line,
                col,
                "cloudbuild images",
                "Cloud Build publishes them",
                literal,
                any(("$" in str(i)) for i in images),
            )


def _chart_images(files: Mapping[str, ParsedFile]) -> Iterator[ChartImage]:
    """Image repositories the values files of the repository's Helm charts name (`image:` or
    `image: {repository: ...}`), read without rendering the templates."""
    charts = {
        parent_dir(path)
        for path, parsed in files.items()
        if parsed.record is not None and parsed.source.kind is Kind.HELM_CHART
    }
    for path in sorted(files):
        parsed = files[path]
        record = parsed.record
        if parsed.source.kind is not Kind.YAML or not isinstance(record, YamlFile):
            continue
        if parent_dir(path) not in charts:
            continue
        if not PurePosixPath(path).name.lower().startswith("values"):
            continue
        found: set[str] = set()
        for doc in record.documents:
            _walk_values(doc.plain, "", found)
        found.discard("")
        for repository in sorted({image_repository(r) for r in found}):
            yield ChartImage(repository, norm(repository.rsplit("/", 1)[-1]), path)


def _walk_values(node: Any, key: str, found: set[str]) -> None:
    if isinstance(node, dict):
        if key.lower().endswith("image") and isinstance(node.get("repository"), str):
            registry = node.get("registry")
            repo = node["repository"]
            found.add(f"{registry}/{repo}" if isinstance(registry, str) and registry else repo)
        for k, v in node.items():
            if isinstance(v, str) and str(k).lower().endswith("image") and "{{" not in v:
                found.add(image_repository(v))
            _walk_values(v, str(k), found)
    elif isinstance(node, list):
        for item in node:
            _walk_values(item, key, found)


# Public registries whose root is shared by every project (an image there is named below an
# organisation or project, except the official images of Docker Hub and Kubernetes).
_SHARED_REGISTRIES = frozenset(
    {
        "docker.io",
        "index.docker.io",
        "registry.k8s.io",
        "k8s.gcr.io",
        "gcr.io",
        "ghcr.io",
        "quay.io",
        "public.ecr.aws",
        "mcr.microsoft.com",
        "registry.gitlab.com",
        "docker.io/library",
    }
)


def _registries(workloads: Sequence[Workload], roots: Sequence[SyncRoot]) -> Iterator[RegistryPath]:
    """Registry paths of the images this repository builds, each with one container showing
    it: the workloads as written first, then as the sync roots render them."""
    seen: set[str] = set()
    for workload in [*workloads, *(w for r in roots for w in r.workloads)]:
        for container in workload.containers:
            if container.image and container.image_link is not None:
                prefix = registry_path(container.image)
                if prefix.rstrip("/").lower() in _SHARED_REGISTRIES:
                    continue  # a public registry's root: every project pushes there
                if prefix and prefix not in seen:
                    seen.add(prefix)
                    yield RegistryPath(prefix, workload, container)


def _image_positions(
    files: Mapping[str, ParsedFile], workloads: Sequence[Workload]
) -> Iterator[tuple[tuple[str, int, KeyPath], tuple[int, int]]]:
    """(workload file, document, container keypath) -> where its `image:` value is written."""
    for workload in workloads:
        parsed = files.get(workload.path)
        record = parsed.record if parsed is not None else None
        if not isinstance(record, YamlFile):
            continue
        for container in workload.containers:
            key = (workload.path, workload.doc_index, container.keypath)
            if workload.kind == "compose":
                assert record.compose is not None
                at = value_pos(record.compose.node, ("services", workload.name, "image"))
            else:
                data = record.documents[workload.doc_index].data
                at = value_pos(data, (*container.keypath, "image"))
            yield key, at


# --- ConfigMaps and Secrets made out of band (VL106) ----------------------------------------

# `app.yaml.template`, `.yml.example`, `.yaml.sample`, `.yaml.tpl`, `.yaml.dist`, `.yaml.in`,
# `app.example.yaml`, `app.template.yml`: a manifest one fills in and applies by hand
_TEMPLATE_NAME = re.compile(
    r"\.ya?ml\.(?:template|tmpl|example|sample|tpl|dist|in)$"
    r"|[._-](?:template|tmpl|example|sample|dist)\.ya?ml$",
    re.IGNORECASE,
)
_CREATE = re.compile(r"\b(?:kubectl|oc)\b[^\n#]*?\bcreate\s+(?:secret|configmap|cm)\b")
_APPLY = re.compile(r"\b(?:kubectl|oc)\s+(?:apply|create|replace)\b")
_SECRET_TYPES = ("generic", "tls", "docker-registry")
# kubectl options that take a value (the words that are not the command's own)
_VALUE_OPTIONS = frozenset(
    {"-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-s", "--server"}
)
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")
_SHELL_FENCES = frozenset({"", "sh", "bash", "shell", "console", "zsh", "shell-session"})
_PROMPT = re.compile(r"^(\s*)[$%]\s")  # `$ kubectl ...` (not `# `: a comment as well)


def made_elsewhere(
    files: Mapping[str, ParsedFile], read: Callable[[str], str | None]
) -> Iterator[MadeElsewhere]:
    """The ConfigMaps and Secrets the repository shows are made out of band (MadeElsewhere)."""
    paths = sorted(files)
    for path in paths:
        if _TEMPLATE_NAME.search(_file_name(path)):
            yield from _template_objects(path, files[path], read)
    names = _FileNames(files)
    for path, text in _command_texts(files, read):
        for line, _, argv in _commands(text, _CREATE):
            created = _created(argv)
            if created is not None:
                kind, namespace, name = created
                shown = " ".join(a for a in argv[:4])
                yield MadeElsewhere(kind, namespace, name, path, line, f"`{shown}`")
        for line, _, argv in _commands(text, _APPLY):
            yield from _absent_applied(path, line, argv, files, names)


def _command_texts(
    files: Mapping[str, ParsedFile],
    read: Callable[[str], str | None],
    *,
    every_document: bool = False,
    word: str = "",
) -> list[tuple[str, str]]:
    """(path, text) of what a person or a pipeline runs: the scripts, Makefiles and CI files,
    and the shell blocks of the READMEs (of every Markdown file with `every_document`; the
    rest of the document blanked, lines kept). With `word`, only texts that contain it."""
    texts = [(p, t) for p, t in _script_files(files) if word in t]
    for path in sorted(files):
        name = PurePosixPath(path).name.lower()
        if not name.endswith((".md", ".markdown")):
            continue
        if not every_document and not name.startswith("readme"):
            continue
        text = read(path)
        if text is not None and word in text:
            texts.append((path, markdown_shell(text)))
    return texts


_HELM_INSTALL = re.compile(r"\bhelm\s+(?:install|upgrade)\b")


def helm_namespaces(
    files: Mapping[str, ParsedFile], read: Callable[[str], str | None]
) -> dict[str, tuple[str, int]]:
    """Namespaces a `helm install|upgrade ... --namespace NS` of a script or of a shell block
    of the documentation (any Markdown file) installs a chart into -> (path, line) of the
    first such command: the chart's pods run there, with labels the repository does not
    show."""
    out: dict[str, tuple[str, int]] = {}
    for path, text in _command_texts(files, read, every_document=True, word="helm"):
        for line, _, argv in _commands(text, _HELM_INSTALL):
            namespace = _helm_namespace(argv)
            if namespace is not None:
                out.setdefault(namespace, (path, line))
    return out


def _helm_namespace(argv: Sequence[str]) -> str | None:
    if not argv or PurePosixPath(argv[0]).name != "helm":
        return None
    for i, arg in enumerate(argv):
        value: str | None = None
        if arg in ("-n", "--namespace") and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--namespace="):
            value = arg.split("=", 1)[1]
        if value is not None:
            literal = re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", value)
            return value if literal else None
    return None


def _template_objects(
    path: str, parsed: ParsedFile, read: Callable[[str], str | None]
) -> Iterator[MadeElsewhere]:
    record = parsed.record
    if not isinstance(record, YamlFile):
        text = parsed.text.text if parsed.text is not None else read(path)
        if text is None or parsed.failure is not None:
            return
        try:
            record = yaml_parser.parse(path, text)
        except Exception:  # a template need not be valid YAML: it shows nothing then
            return
    for obj in record.objects:
        if obj.kind in ("Secret", "ConfigMap") and obj.name and "{{" not in obj.name:
            how = f"{path} is a template of it"
            yield MadeElsewhere(obj.kind, obj.namespace, obj.name, path, obj.line, how)


def markdown_shell(text: str) -> str:
    """A Markdown text with every line that is not in a shell code block blanked, and the
    prompts (`$ `) of the shell lines replaced by spaces: lines and columns are kept."""
    out: list[str] = []
    fence: str | None = None
    shell = False
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if fence is None and match is not None:
            fence, shell = match.group(1), match.group(2).lower() in _SHELL_FENCES
            out.append("")
        elif fence is not None and line.strip().startswith(fence):
            fence = None
            out.append("")
        elif fence is not None and shell:
            prompt = _PROMPT.match(line)
            out.append(" " * prompt.end() + line[prompt.end() :] if prompt else line)
        else:
            out.append("")
    return "\n".join(out)


def _kubectl_words(argv: Sequence[str]) -> tuple[list[str], str | None] | None:
    """The positional words of a kubectl command and the namespace it names, or None when it
    is not kubectl (or names a computed namespace: None namespace then)."""
    if not argv or PurePosixPath(argv[0]).name not in ("kubectl", "oc"):
        return None
    namespace: str | None = None
    words: list[str] = []
    args = list(argv[1:])
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _VALUE_OPTIONS and i + 1 < len(args):
            if arg in ("-n", "--namespace"):
                namespace = args[i + 1]
            i += 2
            continue
        if arg.startswith(("--namespace=", "-n=")):
            namespace = arg.split("=", 1)[1]
        elif arg.startswith("-n") and not arg.startswith("--") and len(arg) > 2:
            namespace = arg[2:]
        elif not arg.startswith("-"):
            words.append(arg)
        i += 1
    if namespace is not None and ("$" in namespace or "{{" in namespace):
        namespace = None
    return words, namespace


def _created(argv: Sequence[str]) -> tuple[str, str | None, str] | None:
    """(kind, namespace, name) of a `kubectl create secret TYPE NAME` / `create configmap
    NAME` with a literal name."""
    read = _kubectl_words(argv)
    if read is None:
        return None
    words, namespace = read
    if words[:2] == ["create", "secret"] and len(words) > 3 and words[2] in _SECRET_TYPES:
        kind, name = "Secret", words[3]
    elif words[:1] == ["create"] and words[1:2] in (["configmap"], ["cm"]) and len(words) > 2:
        kind, name = "ConfigMap", words[2]
    else:
        return None
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name):
        return None  # computed, or not a name (`$NAME`, `<name>`)
    return kind, namespace, name


class _FileNames:
    """The file names of the repository's paths, collected on first use."""

    def __init__(self, files: Mapping[str, ParsedFile]) -> None:
        self._files = files
        self._names: frozenset[str] | None = None

    def __contains__(self, name: object) -> bool:
        if self._names is None:
            self._names = frozenset(_file_name(p) for p in self._files)
        return name in self._names


def _file_name(path: str) -> str:
    """The last part of a repository path (as `PurePosixPath(path).name`: paths are clean)."""
    return path.rpartition("/")[2]


def _absent_applied(
    path: str,
    line: int,
    argv: Sequence[str],
    files: Mapping[str, ParsedFile],
    names: _FileNames,
) -> Iterator[MadeElsewhere]:
    """A manifest `kubectl apply -f` applies that the repository does not hold (kept out of
    git, filled in by hand): what it defines is named by its file's stem."""
    read = _kubectl_words(argv)
    if read is None:
        return
    _, namespace = read
    args = list(argv[1:])
    targets = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-f", "--filename")]
    targets += [a.split("=", 1)[1] for a in args if a.startswith(("--filename=", "-f="))]
    for target in targets:
        name = PurePosixPath(target).name
        stem, dot, ext = name.rpartition(".")
        if not dot or ext.lower() not in ("yaml", "yml") or "$" in name or "://" in target:
            continue
        if "$" in target:  # a computed directory: absent when no file has this name
            present = name in names
        else:
            present = any(join(base, target) in files for base in (parent_dir(path), ""))
        if not present and re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", stem):
            how = f"`kubectl apply -f {target}` applies it from a file the repository lacks"
            yield MadeElsewhere("", namespace, stem, path, line, how)


# --- VL801: the schema ----------------------------------------------------------------------


def substituted_files(files: Mapping[str, ParsedFile], roots: Sequence[SyncRoot]) -> set[str]:
    """Files a Flux Kustomization with `spec.postBuild` renders: Flux substitutes their
    `${var}` before it applies them, so a variable is not the value the API server sees."""
    out: set[str] = set()
    for root in roots:
        if root.kind != "flux-kustomization" or root.path not in files:
            continue
        record = files[root.path].record
        if not isinstance(record, YamlFile):
            continue
        for obj in record.objects:
            spec = obj.plain.get("spec")
            at_root = (obj.line, obj.col) == (root.line, root.col)
            if at_root and isinstance(spec, dict) and isinstance(spec.get("postBuild"), dict):
                out |= root.files
    return out


def schema_problems(
    entries: Sequence[KubeEntry], version: str, substituted: set[str]
) -> tuple[SchemaProblem, ...]:
    """Every whole resource validated against the schema of `version`, in file order."""
    out: list[SchemaProblem] = []
    for entry in entries:
        if not entry.validated:
            continue
        obj = entry.obj
        plain = obj.plain
        if isinstance(plain.get("sops"), dict):
            # SOPS metadata of an encrypted file: Flux (or `sops -d`) removes it before applying
            plain = {k: v for k, v in plain.items() if k != "sops"}
        result = k8s_schema.validate(plain, version)
        for error in result.errors:
            locate = key_pos if error.kind in ("unknown-field", "required") else value_pos
            line, col = locate(entry.document.data, (*obj.path, *error.path))
            variable = entry.path in substituted and _is_variable(obj.plain, error.path)
            fill_in = error.kind not in ("unknown-field", "required") and fill_in_at(
                obj.plain, error.path
            )
            out.append(
                SchemaProblem(
                    entry.path,
                    line,
                    col,
                    obj.kind,
                    obj.name,
                    error.path,
                    error.message,
                    error.kind,
                    variable,
                    fill_in,
                )
            )
    return tuple(out)


def _is_variable(plain: Any, path: KeyPath) -> bool:
    value = plain
    for step in path:
        in_list = isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value)
        if in_list or (isinstance(value, dict) and step in value):
            value = value[step]
        else:
            return False
    return isinstance(value, str) and _FLUX_VAR.search(value) is not None


# --- VL001: parse problems ------------------------------------------------------------------


def parse_problems(files: Mapping[str, ParsedFile]) -> tuple[FileProblem, ...]:
    """The non-fatal problems (bad lines) of every parsed file, in path order."""
    return tuple(
        FileProblem(path, problem.line, problem.col, problem.message)
        for path in sorted(files)
        for problem in getattr(files[path].record, "problems", ())
    )
