"""Workloads as they are synced: pod templates and compose services, their containers, env,
probes and ports."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

KeyPath = tuple[str | int, ...]

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


def containers_of(plain: Mapping[str, Any], kind: str) -> Iterator[tuple[KeyPath, dict[str, Any]]]:
    """(path, container) of every container and init container of a workload."""
    spec_path = POD_SPECS.get(kind)
    if spec_path is None:
        return
    spec: Any = plain
    for step in spec_path:
        spec = spec.get(step) if isinstance(spec, Mapping) else None
    if not isinstance(spec, dict):
        return
    for key in ("initContainers", "containers"):
        items = spec.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    yield (*spec_path, key, i), item


if TYPE_CHECKING:
    from vertice_lint.model.image import Image
    from vertice_lint.model.workspace import Link


@dataclass(frozen=True)
class EnvVar:
    """One `env` entry of a container (or compose `environment` entry)."""

    name: str
    value: str | None
    source_kind: str | None  # configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef
    source_name: str | None
    source_key: str | None
    optional: bool
    line: int
    col: int


@dataclass(frozen=True)
class EnvFrom:
    """One `envFrom` entry (compose `env_file` entries use kind "file")."""

    kind: str  # configMap, secret, file
    name: str
    prefix: str
    optional: bool
    line: int
    col: int


@dataclass(frozen=True)
class Probe:
    """A liveness/readiness/startup probe."""

    kind: str  # liveness, readiness, startup
    handler: str  # httpGet, tcpSocket, grpc, exec
    path: str | None
    port: int | str | None
    line: int
    col: int


@dataclass(frozen=True)
class Port:
    """A containerPort (or a compose port mapping's container side)."""

    number: int
    name: str | None
    protocol: str
    line: int
    col: int


@dataclass(frozen=True)
class Container:
    """A container of a workload, with where each part of it is written."""

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
    keypath: tuple[str | int, ...]  # path of the container node inside its document
    line: int
    col: int
    image_link: Image | None = None
    image_link_reason: Link | None = None


@dataclass(frozen=True)
class Workload:
    """A pod template (Deployment, StatefulSet, Job, CronJob, Pod...) or a compose service."""

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

    @property
    def ident(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{ns}{self.name}"
