"""Which builds a repository runs, and so which Dockerfiles are images.

A build is declared by a CI workflow, a Makefile or script (`docker build`), a
`docker/build-push-action` step, a skaffold artifact, a Cloud Build step (compose builds and
the config are read in workspace.py). A declared build runs unless the file that declares it
cannot run (`build_not_run`): a GitHub workflow that is not in the repository root's
`.github/workflows/` (GitHub runs no other), a file in a folder nothing builds
(`discover.unbuilt_folder`: a backup, an archive, a snapshot, a hidden folder) or a file whose
name marks a stale copy (`ci.old.yml`). A file renamed `ci.yml.disabled` is no YAML at all.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from vertice_lint.diagnostics import Evidence
from vertice_lint.discover import Kind, looks_stale, unbuilt_folder
from vertice_lint.model.image import image_repository
from vertice_lint.model.objects import DeployedArtifacts
from vertice_lint.parsers import ParsedFile
from vertice_lint.parsers.commands import read_docker_build
from vertice_lint.parsers.shell import command_end
from vertice_lint.parsers.yaml import YamlDocument, YamlFile, key_pos
from vertice_lint.paths import join, parent_dir

KeyPath = tuple[str | int, ...]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class Build:
    """One `docker build` a file declares: the Dockerfile, its context, the tag, where."""

    dockerfile: str
    context: str
    tag: str | None
    where: Evidence


_WORKFLOW = re.compile(r"\.github/workflows/[^/]+\.ya?ml")


def build_not_run(path: str) -> str | None:
    """Why the builds the file `path` declares never run, or None when they may."""
    in_workflows = path.startswith(".github/workflows/") or "/.github/workflows/" in path
    if in_workflows and not _WORKFLOW.fullmatch(path):
        return (
            "a workflow GitHub does not run (it runs only the repository root's"
            " .github/workflows/*.yml)"
        )
    dead = unbuilt_folder(path)
    if dead is not None:
        return f"it is in {dead[0]}/, {dead[1]} nothing builds"
    if looks_stale(PurePosixPath(path).name):
        return "its name marks a stale copy"
    return None


_DOCKER_BUILD = re.compile(r"\b(?:docker|podman)(?:\s+buildx)?\s+build\b")


def declared_builds(files: Mapping[str, ParsedFile]) -> Iterator[Build]:
    """The builds CI workflows, scripts, skaffold and Cloud Build files declare, in path order,
    whether they run or not (`build_not_run` says).

    `docker build [-f FILE] [-t TAG] CONTEXT` lines (GitHub/GitLab workflows, Makefiles,
    scripts) and `docker/build-push-action` steps; `-f` is relative to where the command runs,
    which is the repository root for workflows and the file's directory for a Makefile or
    script. A `-f` path naming a variable (`src/$1/Dockerfile` in a shell function) builds each
    Dockerfile it can name (`_named_by_pattern`); builds whose context is computed are skipped.
    """
    for path in sorted(files):
        parsed = files[path]
        if parsed.text is None or parsed.source.kind not in (Kind.YAML, Kind.TEXT):
            continue
        text = parsed.text.text
        in_ci = (
            path.startswith((".github/", ".gitlab", ".circleci/"))
            or parsed.source.kind is Kind.YAML
        )
        cwd = "" if in_ci else parent_dir(path)
        for match in _DOCKER_BUILD.finditer(text):
            end = command_end(text, match.end())  # over backslash-continued lines
            command = re.split(r"&&|\|\||;|\|", text[match.end() : end].replace("\\\n", " "))[0]
            try:
                words = shlex.split(command)
            except ValueError:
                continue
            build = read_docker_build(words)
            dockerfile_opt, tag, context = build.file, build.tag, build.context
            if (
                context is None
                or context == "-"  # the context is read from stdin
                or "$" in context
                or "://" in context
            ):
                continue
            ctx = join(cwd, context)
            if dockerfile_opt and "$" in dockerfile_opt:
                # `-f "src/$1/Dockerfile"` (a function's or script's argument): each Dockerfile
                # the pattern names, the variable standing for one path segment
                dockerfiles = _named_by_pattern(join(cwd, dockerfile_opt), files)
            else:
                dockerfiles = [
                    join(cwd, dockerfile_opt) if dockerfile_opt else join(ctx, "Dockerfile")
                ]
            before = text[: match.start()]
            line, col = before.count("\n") + 1, match.start() - before.rfind("\n")
            for dockerfile in dockerfiles:
                yield Build(
                    dockerfile,
                    ctx,
                    tag if tag and "$" not in tag else None,
                    Evidence(path, line, col, f"builds {dockerfile} with context {ctx or '.'}"),
                )
        record = parsed.record
        if isinstance(record, YamlFile):
            for document in record.documents:
                yield from _build_push_steps(path, document)
                yield from _skaffold_artifacts(path, document)
                yield from _cloud_build_steps(path, document, files)


_SHELL_VARIABLE = re.compile(r"\$(?:\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])")


def _named_by_pattern(pattern: str, files: Mapping[str, ParsedFile]) -> list[str]:
    """The Dockerfiles a `-f` path naming shell variables can name, each variable one path
    segment (`src/$1/genproto/Dockerfile`); none when the path is only variables."""
    parts = _SHELL_VARIABLE.split(pattern)
    if len(parts) < 2 or not "".join(parts).strip("/"):
        return []
    regex = re.compile("[^/]+".join(re.escape(part) for part in parts))
    return [
        p for p in sorted(files) if files[p].source.kind is Kind.DOCKERFILE and regex.fullmatch(p)
    ]


def _skaffold_artifacts(path: str, document: YamlDocument) -> Iterator[Build]:
    """`build.artifacts` of a skaffold.yaml (and of its profiles): image, context, Dockerfile."""
    plain = _mapping(document.plain)
    if not str(plain.get("apiVersion", "")).startswith("skaffold/"):
        return
    builds: list[tuple[Any, KeyPath]] = [(plain.get("build"), ("build",))]
    for index, profile in enumerate(_list(plain.get("profiles"))):
        builds.append((_mapping(profile).get("build"), ("profiles", index, "build")))
    for build, keypath in builds:
        for index, artifact in enumerate(_list(_mapping(build).get("artifacts"))):
            artifact = _mapping(artifact)
            image, context = artifact.get("image"), str(artifact.get("context", "."))
            if not isinstance(image, str) or "$" in context or "{{" in context:
                continue
            ctx = join(parent_dir(path), context)
            docker = _mapping(artifact.get("docker"))
            dockerfile = join(ctx, str(docker.get("dockerfile", "Dockerfile")))
            line, col = key_pos(document.data, (*keypath, "artifacts", index))
            yield Build(
                dockerfile,
                ctx,
                image,
                Evidence(
                    path,
                    line,
                    col,
                    f"skaffold builds {image} from {dockerfile} with context {ctx or '.'}",
                ),
            )


def skaffold_deploys(
    files: Mapping[str, ParsedFile], rendered: Mapping[str, frozenset[str]]
) -> Iterator[DeployedArtifacts]:
    """What each skaffold.yaml that may run (`build_not_run`) builds and deploys: skaffold
    replaces every artifact image (`build.artifacts[].image`) it finds in the manifests it
    deploys with the `tag@digest` it built. The manifests: `manifests.rawYaml` and (before
    skaffold/v3) `deploy.kubectl.manifests` globs, and the kustomize `paths` (what the
    kustomization there renders, `rendered` by directory, or the YAML files below it), of the
    configuration and of its profiles, over every document of the file (skaffold builds the
    artifacts of all of them before it deploys). Helm releases are not read."""
    yaml_files = sorted(p for p, f in files.items() if isinstance(f.record, YamlFile))
    for path in sorted(files):
        record = files[path].record
        if not isinstance(record, YamlFile) or build_not_run(path) is not None:
            continue
        repositories: set[str] = set()
        globs: list[str] = []
        dirs: list[str] = []
        at: tuple[int, int] | None = None
        for document in record.documents:
            plain = _mapping(document.plain)
            if not str(plain.get("apiVersion", "")).startswith("skaffold/"):
                continue
            at = at or (document.line, 1)
            base = parent_dir(path)
            for config in (plain, *map(_mapping, _list(plain.get("profiles")))):
                for artifact in _list(_mapping(config.get("build")).get("artifacts")):
                    image = _mapping(artifact).get("image")
                    if isinstance(image, str) and image and "{{" not in image:
                        repositories.add(image_repository(image))
                manifests = _mapping(config.get("manifests"))
                deploy = _mapping(config.get("deploy"))
                written = (
                    *_list(manifests.get("rawYaml")),
                    *_list(_mapping(deploy.get("kubectl")).get("manifests")),
                )
                globs += [join(base, g) for g in written if isinstance(g, str)]
                for kustomize in (manifests.get("kustomize"), deploy.get("kustomize")):
                    paths = _list(_mapping(kustomize).get("paths"))
                    dirs += [join(base, d) for d in paths if isinstance(d, str)]
        if at is None or not repositories:
            continue
        deployed = {p for g in globs if "$" not in g for p in yaml_files if _glob(g, p)}
        for directory in dirs:
            below = {p for p in yaml_files if not directory or p.startswith(directory + "/")}
            deployed |= rendered.get(directory, below)
        if deployed:
            yield DeployedArtifacts(frozenset(repositories), frozenset(deployed), path, *at)


def _glob(pattern: str, path: str) -> bool:
    """A skaffold manifest glob (`k8s/*.yaml`, `k8s/**/*.yaml`) matched against a path."""
    out = ""
    for part in re.split(r"(\*\*/?|\*|\?)", pattern):
        if part.startswith("**"):
            out += "(?:.*/)?" if part.endswith("/") else ".*"
        elif part == "*":
            out += "[^/]*"
        elif part == "?":
            out += "[^/]"
        else:
            out += re.escape(part)
    return re.fullmatch(out, path) is not None


def _build_push_steps(path: str, document: YamlDocument) -> Iterator[Build]:
    """`uses: docker/build-push-action` steps of a workflow document."""

    def walk(value: Any, keypath: KeyPath) -> Iterator[tuple[Mapping[str, Any], KeyPath]]:
        if isinstance(value, dict):
            if str(value.get("uses", "")).startswith("docker/build-push-action"):
                yield value, keypath
            for key, child in value.items():
                yield from walk(child, (*keypath, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                yield from walk(child, (*keypath, index))

    for step, keypath in walk(document.plain, ()):
        options = _mapping(step.get("with"))
        context = str(options.get("context", "."))
        if "$" in context or "://" in context:
            continue
        ctx = join("", context)
        file = options.get("file")
        dockerfile = join("", str(file)) if file else join(ctx, "Dockerfile")
        # `${{ steps.meta.outputs.tags }}` is one expression, not three words
        written = re.sub(r"\$\{\{.*?\}\}", "$expr", str(options.get("tags", "")))
        tags = re.split(r"[,\s]+", written.strip())
        tag = next((t for t in tags if t and "$" not in t), None)
        line, col = key_pos(document.data, keypath)
        yield Build(
            dockerfile,
            ctx,
            tag,
            Evidence(
                path,
                line,
                col,
                f"docker/build-push-action builds {dockerfile} with context {ctx or '.'}",
            ),
        )


class Mentions:
    """Where CI workflows or other YAML (skaffold, cloudbuild) name a Dockerfile variant, read
    once for all variants: the YAML texts in path order, and for each file name the texts that
    contain it (a path naming a variant contains its file name)."""

    def __init__(self, files: Mapping[str, ParsedFile]) -> None:
        self._names = Counter(
            PurePosixPath(p).name for p, f in files.items() if f.source.kind is Kind.DOCKERFILE
        )
        self._texts = [
            (path, parsed.text.text)
            for path, parsed in sorted(files.items())
            if parsed.source.kind is Kind.YAML and parsed.text is not None
        ]
        self._containing: dict[str, list[tuple[str, str]]] = {}

    def named_by(self, dockerfile: str) -> Iterator[Evidence]:
        """The first place in each file that names this variant: by its path, or by its file
        name when no other Dockerfile has that name (a workflow's matrix, a skaffold
        profile's patch). Whether those files run is `build_not_run`'s to say."""
        name = PurePosixPath(dockerfile).name
        needle = name if self._names[name] == 1 else dockerfile
        if name not in self._containing:
            self._containing[name] = [(p, t) for p, t in self._texts if name in t]
        for path, text in self._containing[name]:
            at = text.find(needle)
            if at >= 0:
                before = text[:at]
                line, col = before.count("\n") + 1, at - before.rfind("\n")
                yield Evidence(path, line, col, "names it")


_CLOUD_BUILDERS = re.compile(r"(?:[\w.-]+/)*(?:cloud-builders/)?docker(?::[\w.-]+)?")


def _cloud_build_steps(
    path: str, document: YamlDocument, files: Mapping[str, ParsedFile]
) -> Iterator[Build]:
    """`steps:` of a Cloud Build config whose builder is docker and whose args are `build ...`
    (`name: gcr.io/cloud-builders/docker`, `args: [build, -f, Dockerfile.prod, -t, TAG, .]`).

    Paths are relative to the uploaded source (the step's `dir:` below it): the config's own
    directory when the Dockerfile is there (`gcloud builds submit` from the service), else the
    repository root (a trigger)."""
    plain = _mapping(document.plain)
    for index, step in enumerate(_list(plain.get("steps"))):
        step = _mapping(step)
        args = _list(step.get("args"))
        if not _CLOUD_BUILDERS.fullmatch(str(step.get("name", ""))) or not args:
            continue
        words = [str(a) for a in args]
        if words[:2] == ["buildx", "build"]:
            words = words[1:]
        if words[0] != "build":
            continue
        build = read_docker_build(words[1:])
        step_dir = str(step.get("dir", "") or "")
        if (
            build.context is None
            or any("$" in w for w in (build.context, build.file or "", step_dir))
            or "://" in build.context
        ):
            continue
        for source in dict.fromkeys((parent_dir(path), "")):
            cwd = join(source, step_dir) if step_dir else source
            ctx = join(cwd, build.context)
            dockerfile = join(cwd, build.file) if build.file else join(ctx, "Dockerfile")
            if dockerfile in files:
                line, col = key_pos(document.data, ("steps", index))
                yield Build(
                    dockerfile,
                    ctx,
                    build.tag if build.tag and "$" not in build.tag else None,
                    Evidence(
                        path,
                        line,
                        col,
                        f"a Cloud Build step builds {dockerfile} with context {ctx or '.'}",
                    ),
                )
                break
