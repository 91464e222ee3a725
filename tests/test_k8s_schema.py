"""Tests for Kubernetes schema validation: messages, paths, kinds, CRDs and versions."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from vertice_lint.k8s_schema import (
    SchemaError,
    SchemaResult,
    available_versions,
    resolve_version,
    validate,
)

VERSION = "1.37.0"


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}, "creationTimestamp": None},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "shop/web:1.2",
                            "imagePullPolicy": "IfNotPresent",
                            "ports": [{"containerPort": 8080, "name": "http"}],
                            "env": [{"name": "PORT", "value": "8080"}],
                            "resources": {
                                "requests": {"cpu": "500m", "memory": "1Gi"},
                                "limits": {"cpu": 1, "memory": "2Gi"},
                            },
                            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                            "readinessProbe": {"tcpSocket": {"port": 8080}},
                        }
                    ],
                },
            },
        },
    }


SERVICE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {
        "type": "ClusterIP",
        "selector": {"app": "web"},
        "ports": [
            {"name": "http", "port": 80, "targetPort": "http"},
            {"name": "alt", "port": 81, "targetPort": 8080, "protocol": "TCP"},
            {"name": "none", "port": 82, "targetPort": None},
        ],
    },
}
CONFIG_MAP: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "web", "namespace": "shop"},
    "data": {"LOG_LEVEL": "debug"},
}
CRON_JOB: dict[str, Any] = {
    "apiVersion": "batch/v1",
    "kind": "CronJob",
    "metadata": {"name": "nightly"},
    "spec": {
        "schedule": "0 3 * * *",
        "concurrencyPolicy": "Forbid",
        "jobTemplate": {
            "spec": {
                "backoffLimit": 2,
                "template": {
                    "spec": {
                        "restartPolicy": "OnFailure",
                        "containers": [{"name": "job", "image": "shop/job", "args": ["run"]}],
                    }
                },
            }
        },
    },
}
CONTAINER = ("spec", "template", "spec", "containers", 0)


@pytest.mark.parametrize("obj", [deployment(), SERVICE, CONFIG_MAP, CRON_JOB])
def test_valid_objects_have_no_errors(obj: dict[str, Any]) -> None:
    assert validate(obj, VERSION) == SchemaResult(errors=(), skipped=False)


def errors_of(obj: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str, str]]:
    return [(e.path, e.message, e.kind) for e in validate(obj, VERSION).errors]


def test_unknown_field() -> None:
    obj = deployment()
    obj["spec"]["replica"] = 3
    assert errors_of(obj) == [(("spec", "replica"), 'unknown field "replica"', "unknown-field")]


def test_wrong_type() -> None:
    obj = deployment()
    obj["spec"]["replicas"] = "3"
    assert errors_of(obj) == [(("spec", "replicas"), 'expected integer, got string "3"', "type")]


def test_missing_required_field_points_at_the_mapping() -> None:
    obj = deployment()
    del obj["spec"]["selector"]
    assert errors_of(obj) == [(("spec",), 'missing required field "selector"', "required")]


def test_image_pull_policy_enum() -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Sometimes"
    assert errors_of(obj) == [
        (
            (*CONTAINER, "imagePullPolicy"),
            '"Sometimes" is not one of Always, IfNotPresent, Never',
            "enum",
        )
    ]


def test_container_port_name_longer_than_an_iana_service_name() -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["ports"][0]["name"] = "metrics-http-server"
    assert errors_of(obj) == [
        (
            (*CONTAINER, "ports", 0, "name"),
            '"metrics-http-server" is longer than 15 characters',
            "other",
        )
    ]


def test_container_port_name_with_invalid_characters() -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["ports"][0]["name"] = "Web_Port"
    ((path, message, kind),) = errors_of(obj)
    assert (path, kind) == ((*CONTAINER, "ports", 0, "name"), "other")
    assert message.startswith('"Web_Port" does not match ^')


def test_several_errors_come_in_document_order() -> None:
    obj = deployment()
    obj["spec"]["replicas"] = "3"
    obj["spec"]["template"]["spec"]["containers"][0]["bogus"] = True
    obj["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = 8080
    obj["metadata"]["labels"]["x"] = {"nested": 1}
    obj["spex"] = {}
    assert errors_of(obj) == [
        (("metadata", "labels", "x"), "expected string, got object", "type"),
        (("spec", "replicas"), 'expected integer, got string "3"', "type"),
        ((*CONTAINER, "env", 0, "value"), "expected string, got integer 8080", "type"),
        ((*CONTAINER, "bogus"), 'unknown field "bogus"', "unknown-field"),
        (("spex",), 'unknown field "spex"', "unknown-field"),
    ]
    assert errors_of(obj) == errors_of(copy.deepcopy(obj))


def test_int_or_string_of_the_wrong_type_is_one_error() -> None:
    service = copy.deepcopy(SERVICE)
    service["spec"]["ports"][0]["targetPort"] = [8080]
    service["spec"]["ports"][1]["port"] = 70000
    assert errors_of(service) == [
        (("spec", "ports", 0, "targetPort"), "expected string or integer, got array", "type"),
        (("spec", "ports", 1, "port"), "70000 is greater than the maximum of 65535", "other"),
    ]


def test_quantity_of_the_wrong_type() -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] = True
    assert errors_of(obj) == [
        (
            (*CONTAINER, "resources", "limits", "cpu"),
            "expected string or number, got boolean true",
            "type",
        )
    ]


@pytest.mark.parametrize(
    "obj",
    [
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "spec": {"x": 1}},
        {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "t"}},
        {"apiVersion": "v1"},
        {"kind": "Deployment"},
    ],
)
def test_objects_without_a_schema_are_skipped(obj: dict[str, Any]) -> None:
    assert validate(obj, VERSION) == SchemaResult(errors=(), skipped=True)


def test_kind_unknown_in_a_builtin_group() -> None:
    assert validate({"apiVersion": "apps/v1", "kind": "Deploymnet"}, VERSION) == SchemaResult(
        errors=(
            SchemaError(
                ("kind",), 'unknown kind "Deploymnet" in apps/v1 (Kubernetes 1.37)', "other"
            ),
        ),
        skipped=False,
    )


def test_api_version_removed_from_a_builtin_group() -> None:
    result = validate({"apiVersion": "batch/v1beta1", "kind": "CronJob"}, VERSION)
    assert result.errors == (
        SchemaError(
            ("apiVersion",),
            "batch/v1beta1 has no kind CronJob in Kubernetes 1.37 (use batch/v1)",
            "other",
        ),
    )


def test_older_version_is_used_when_asked() -> None:
    # ValidatingAdmissionPolicy reached admissionregistration.k8s.io/v1 in Kubernetes 1.30.
    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": "p"},
    }
    assert validate(policy, "1.30.0").errors == ()
    assert validate(policy, "1.29.0").errors == (
        SchemaError(
            ("apiVersion",),
            "admissionregistration.k8s.io/v1 has no kind ValidatingAdmissionPolicy in"
            " Kubernetes 1.29 (use admissionregistration.k8s.io/v1alpha1,"
            " admissionregistration.k8s.io/v1beta1)",
            "other",
        ),
    )


def test_available_versions() -> None:
    versions = available_versions()
    assert versions[0] == "1.25.0"
    assert versions[-1] == "1.37.0"
    assert list(versions) == sorted(versions, key=lambda v: tuple(map(int, v.split("."))))


@pytest.mark.parametrize(
    ("requested", "resolved"),
    [
        (None, "1.37.0"),
        ("1.30", "1.30.0"),
        ("v1.29.4", "1.29.0"),
        ("1.37", "1.37.0"),
        ("1.25.0", "1.25.0"),
    ],
)
def test_resolve_version(requested: str | None, resolved: str) -> None:
    assert resolve_version(requested) == resolved


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        ("1.40", "Kubernetes 1.40 is newer than the schemas available (1.25 to 1.37)"),
        ("1.20", "Kubernetes 1.20 is older than the schemas available (1.25 to 1.37)"),
        (
            "latest",
            "invalid Kubernetes version 'latest': expected MAJOR.MINOR (schemas: 1.25 to 1.37)",
        ),
    ],
)
def test_resolve_version_errors(requested: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        resolve_version(requested)
    assert str(caught.value) == message
