"""Workloads as they are synced: pod templates and compose services, their containers, env,
probes and ports."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vertice_lint.model.base import KeyPath, Written

# Where the pod spec sits in each workload kind: the one table (Kubernetes' own schema).
POD_SPECS: Mapping[str, KeyPath] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Rollout": ("spec", "template", "spec"),
    "Pod": ("spec",),
}
# Where the pod template (metadata + spec) sits: the pod spec's parent.
POD_TEMPLATES: Mapping[str, KeyPath] = {kind: path[:-1] for kind, path in POD_SPECS.items()}


def pod_spec_path(kind: str) -> KeyPath | None:
    """Where the pod spec of this kind of object sits, or None for a kind with none."""
    return POD_SPECS.get(kind)


def pod_spec(plain: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    """The pod spec of an object of this kind (its plain JSON-like content), or None."""
    spec_path = POD_SPECS.get(kind)
    spec: Any = plain if spec_path is not None else None
    for step in spec_path or ():
        spec = spec.get(step) if isinstance(spec, Mapping) else None
    return spec if isinstance(spec, dict) else None


def containers_of(plain: Mapping[str, Any], kind: str) -> Iterator[tuple[KeyPath, dict[str, Any]]]:
    """(path, container) of every container and init container of a workload."""
    spec = pod_spec(plain, kind)
    spec_path = POD_SPECS.get(kind)
    if spec is None or spec_path is None:
        return
    for key in ("initContainers", "containers"):
        items = spec.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    yield (*spec_path, key, i), item


if TYPE_CHECKING:
    from vertice_lint.model.base import Link
    from vertice_lint.model.image import Image


class _Placed:
    """A value of a workload with `at`, where it was written: `line`/`col` read from there."""

    at: Written

    @property
    def line(self) -> int:
        return self.at.line

    @property
    def col(self) -> int:
        return self.at.col


@dataclass(frozen=True)
class EnvVar(_Placed):
    """One `env` entry of a container (or compose `environment` entry); `at` is the entry that
    wrote its value."""

    name: str
    value: str | None
    source_kind: str | None  # configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef
    source_name: str | None
    source_key: str | None
    optional: bool
    at: Written


@dataclass(frozen=True)
class EnvFrom(_Placed):
    """One `envFrom` entry (compose `env_file` entries use kind "file")."""

    kind: str  # configMap, secret, file
    name: str
    prefix: str
    optional: bool
    at: Written


@dataclass(frozen=True)
class Probe(_Placed):
    """A liveness/readiness/startup probe; `at` is its handler key (`httpGet:`...), `path_at`
    and `port_at` the values of its path and port (None when it has none)."""

    kind: str  # liveness, readiness, startup
    handler: str  # httpGet, tcpSocket, grpc, exec
    path: str | None
    port: int | str | None
    at: Written
    path_at: Written | None = None
    port_at: Written | None = None
    # exec probes: the command, and each program it runs (`sh -c "a && b"` runs a and b) with
    # the command item that names it
    command: tuple[str, ...] = ()
    programs: tuple[tuple[str, Written], ...] = ()


@dataclass(frozen=True)
class Port(_Placed):
    """A containerPort (or a compose port mapping's container side)."""

    number: int
    name: str | None
    protocol: str
    at: Written


@dataclass(frozen=True)
class Container(_Placed):
    """A container of a workload, with where each part of it is written.

    `keypath` is where the container sits in its object as synced (for a manifest as written,
    its key path in the document); `at` is where the container itself was written (the base
    manifest, or the patch that added it), which is what a fix that adds to it edits;
    `image_at` the value of its `image` (an `images:` entry that set it, for instance).
    A compose service's `image` is as compose computes it: its `${VAR}`s replaced from the
    project's `.env` (the compose file's directory) or their defaults, `image_env_at` the
    `.env` lines it took; as written when a variable has no value known (the shell sets it).
    """

    name: str
    image: str | None
    command: tuple[str, ...] | None
    args: tuple[str, ...] | None
    env: tuple[EnvVar, ...]
    env_from: tuple[EnvFrom, ...]
    ports: tuple[Port, ...]
    probes: tuple[Probe, ...]
    security_context: Mapping[str, Any]
    volume_mounts: tuple[tuple[str, str], ...]  # (volume name, mount path)
    init: bool
    keypath: tuple[str | int, ...]
    at: Written
    image_at: Written | None = None
    image_link: Image | None = None
    image_link_reason: Link | None = None
    # directories (or files) of the repository a compose bind mount puts in the container:
    # (repository path, mount path); the container sees them over the image's files
    binds: tuple[tuple[str, str], ...] = ()
    image_env_at: tuple[Written, ...] = ()


@dataclass(frozen=True)
class Workload:
    """A pod template (Deployment, StatefulSet, Job, CronJob, Pod...) or a compose service, as
    synced: a manifest a sync root renders is the rendered workload (patches, `images:`,
    namePrefix, namespace and labels applied), one per distinct rendering (`synced_by` names
    the sync roots that render it so); a manifest no root renders, and a compose service, as
    written (`synced_by` empty). `path`, `doc_index`, `keypath`, `line` and `col` are the
    manifest (the base); each value keeps where it was written (`Written`)."""

    kind: str  # Kubernetes kind, or "compose"
    name: str
    namespace: str | None
    path: str
    doc_index: int
    keypath: tuple[str | int, ...]  # path of the object inside its document
    line: int
    col: int
    replicas: int | None
    containers: tuple[Container, ...]
    volumes: tuple[Mapping[str, Any], ...]
    pod_security_context: Mapping[str, Any]
    service_account: str | None
    labels: Mapping[str, str]
    selector: Mapping[str, str] | None
    template_labels: Mapping[str, str]
    synced_by: tuple[str, ...] = ()  # names (directories) of the sync roots rendering it so

    @property
    def ident(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{ns}{self.name}"
