"""Facts of the GitOps inventory and of the tool's own input, derived by `link/inventory.py`.

What the VL0xx, VL1xx and VL801 rules compare: which kustomizations list or patch a manifest,
the kustomization of each directory, the image repositories Helm charts' values name, the
registry paths of the images the repository builds, where each workload writes its image,
each Kubernetes object's schema problems, and each file's parse problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vertice_lint.model.workload import Container, Workload

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class KustomizationFile:
    """The kustomization kustomize reads in a directory (the first of its file names)."""

    path: str
    directory: str
    doc_index: int


@dataclass(frozen=True)
class ResourceEntry:
    """A string item of a kustomization's `resources` list and the path it names."""

    kustomization: str  # the kustomization file
    doc_index: int
    index: int  # the item's index in `resources` (what removing it edits)
    target: str  # the path it names, resolved against the kustomization's directory
    line: int
    col: int


@dataclass(frozen=True)
class PatchTarget:
    """A `patches`/`patchesJson6902` entry whose target names an object."""

    kustomization: str
    line: int
    col: int
    kind: str  # "" when the target names no kind (any kind)
    name: str

    def targets(self, kind: str, name: str) -> bool:
        return self.kind in ("", kind) and self.name == name


@dataclass(frozen=True)
class ChartImage:
    """An image repository a Helm chart's values file names (`image:` or `image: {repository:
    ...}`), read without rendering the chart's templates."""

    repository: str
    word: str  # its last path segment, normalised as a service's words are
    path: str  # the values file


@dataclass(frozen=True)
class RegistryPath:
    """A registry path (`ghcr.io/acme/`) an image this repository builds is pushed to, with the
    first container that shows it (a container linked to a Dockerfile of the repository)."""

    prefix: str
    workload: Workload
    container: Container


@dataclass(frozen=True)
class DeployCommand:
    """A command of a script, Makefile or CI file that deploys or publishes images in a way the
    model does not render (`kubectl apply -f -`, a heredoc or a computed file, `helm install`,
    `skaffold run`, `gcloud run deploy`, `kubectl set image`, `docker push`...), or a Helm
    chart of the repository (its templates are not rendered).

    `images`: the image references it names literally; `any_image`: what it deploys cannot be
    told (a computed name or file, stdin, a chart), so it may deploy any image built here."""

    path: str
    line: int
    col: int
    command: str  # what it runs, for messages (`kubectl apply -f -`)
    why: str
    images: tuple[str, ...] = ()
    any_image: bool = False
    compose_files: tuple[str, ...] = ()  # the compose files `docker compose up` runs


@dataclass(frozen=True)
class MadeElsewhere:
    """A ConfigMap or Secret the repository shows is created out of band, not by a manifest: a
    committed template of it (`secrets/app.yaml.template`, `.example`, `.sample`, `.tpl`,
    `.dist`, `.yaml.in`, `app.example.yaml`: the real file is filled in and kept out of git),
    a `kubectl create secret|configmap NAME` of a script, Makefile, CI file or README shell
    block, or a file `kubectl apply -f` applies that the repository does not hold (its stem is
    the name). `kind` is "" when it cannot be told (an absent file); `namespace` is None when
    none is named."""

    kind: str
    namespace: str | None
    name: str
    path: str  # the template, or the file of the command
    line: int
    how: str  # for notes: "a template of it", "`kubectl create secret tls`"...

    def makes(self, kind: str, namespace: str | None, name: str) -> bool:
        return (
            self.name == name
            and self.kind in ("", kind)
            and (self.namespace is None or namespace is None or self.namespace == namespace)
        )


@dataclass(frozen=True)
class Inventory:
    """The repository's GitOps inventory: kustomizations, Helm values, image names."""

    kustomizations: tuple[KustomizationFile, ...] = ()  # one per directory, path order
    resources: tuple[ResourceEntry, ...] = ()  # of every kustomization file, path order
    patch_targets: tuple[PatchTarget, ...] = ()
    chart_images: tuple[ChartImage, ...] = ()
    registries: tuple[RegistryPath, ...] = ()  # in the order the workloads show them
    deploys: tuple[DeployCommand, ...] = ()  # path order
    # YAML files a tool fills in before applying them (link/templates.py): path -> why
    templates: Mapping[str, str] = field(default_factory=dict, compare=False)
    # the names (normalised) of the directories holding a Dockerfile, and of their parent when
    # the directory is a layout word (`src/cartservice/src`): what a Dockerfile here may build
    dockerfile_words: frozenset[str] = frozenset()
    dockerfile_dirs: frozenset[str] = frozenset()  # the directories holding a Dockerfile
    made_elsewhere: tuple[MadeElsewhere, ...] = ()  # ConfigMaps and Secrets made out of band
    # YAML files that are input of a test, not what is deployed: below a `tests/`, `testdata/`,
    # `fixtures/`... directory (link/templates.py), or a compose file named for tests
    # (`docker-compose.test.yml`, `compose.e2e.yaml`)
    test_fixtures: frozenset[str] = frozenset()
    # manifests (YAML or JSON) that do not parse (VL001) -> the words of their text: the
    # names and labels the objects they would define could carry
    unparsed_words: Mapping[str, frozenset[str]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # namespaces the repository's objects name where it declares no workload and no Namespace:
    # what runs there (a chart, a managed add-on) comes from outside the repository
    foreign_namespaces: frozenset[str] = frozenset()
    # namespaces a script or a README shell block installs a Helm chart into (`helm install
    # ... -n NS`) -> (path, line) of the command: pods with labels the repository cannot show
    helm_namespaces: Mapping[str, tuple[str, int]] = field(default_factory=dict, compare=False)
    # an object a plain directory defines in more than one file: (directory, ident, files)
    alternatives: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    # (workload file, document index, container keypath) -> (line, col) of its image value
    image_positions: Mapping[tuple[str, int, KeyPath], tuple[int, int]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def kustomization_in(self, directory: str) -> KustomizationFile | None:
        """The kustomization of a directory, if it has one."""
        return next((k for k in self.kustomizations if k.directory == directory), None)

    def listed_by(self, target: str) -> tuple[ResourceEntry, ...]:
        """The `resources` entries naming `target`, in kustomization path order."""
        return tuple(e for e in self.resources if e.target == target)

    def patched_by(self, kind: str, name: str) -> tuple[PatchTarget, ...]:
        """The patches whose target names this object."""
        return tuple(p for p in self.patch_targets if p.targets(kind, name))

    def made_by(self, kind: str, namespace: str | None, name: str) -> MadeElsewhere | None:
        """How the repository makes this object out of band, if it shows it."""
        return next((m for m in self.made_elsewhere if m.makes(kind, namespace, name)), None)

    def unparsed_defining(self, *words: str) -> str | None:
        """The first manifest that does not parse and whose text names all of `words` (what
        it could define, had it parsed), if any."""
        return next(
            (p for p, found in sorted(self.unparsed_words.items()) if set(words) <= found), None
        )

    def registry(self, prefix: str) -> RegistryPath | None:
        return next((r for r in self.registries if r.prefix == prefix), None)

    def image_position(self, workload: Workload, container: Container) -> tuple[int, int]:
        """Where the container's image is written (the container itself when unknown)."""
        key = (workload.path, workload.doc_index, container.keypath)
        return self.image_positions.get(key, (container.line, container.col))


@dataclass(frozen=True)
class SchemaProblem:
    """A Kubernetes object's violation of the JSON Schema of the configured version (VL801)."""

    path: str  # the file of the object
    line: int
    col: int
    kind: str  # the object's kind and name, for the message
    name: str | None
    at: KeyPath  # where inside the object
    message: str
    error: str  # unknown-field, type, enum, required, other
    # the value is a `${var}` a Flux Kustomization's postBuild replaces before applying
    substituted: bool = False
    # the value is a fill-in placeholder a person replaces (`lun: <ADD LUN ID Here>`)
    fill_in: bool = False


@dataclass(frozen=True)
class FileProblem:
    """A non-fatal problem of a file that was otherwise parsed (a bad line), for VL001."""

    path: str
    line: int
    col: int
    message: str
