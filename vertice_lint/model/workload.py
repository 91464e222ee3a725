"""Workloads as they are synced: pod templates and compose services, their containers, env,
probes and ports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
