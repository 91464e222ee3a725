"""VL604 probe-program-missing: exact findings on minimal repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import lint_rule, write_repo


def _deployment(command: str, image: str = "ghcr.io/acme/api:1.0.0", kind: str = "liveness") -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {{app: api}}
  template:
    metadata:
      labels: {{app: api}}
    spec:
      containers:
        - name: api
          image: {image}
          {kind}Probe:
            exec:
              command: {command}
"""


def _repo(root: Path, dockerfile: str, command: str, **extra: str) -> Path:
    return write_repo(
        root,
        {
            "api/Dockerfile": dockerfile,
            "api/main.py": "print('serving')\n",
            "k8s/api.yaml": _deployment(command),
            **extra,
        },
    )


SLIM = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n'


def test_curl_in_a_slim_image_is_reported_at_the_command_item(tmp_path: Path) -> None:
    _repo(tmp_path, SLIM, '["curl", "-f", "http://localhost:8000/health"]')
    found = lint_rule(tmp_path, "VL604")
    assert [(r, p, line, col) for r, p, line, col, _ in found] == [
        ("VL604", "k8s/api.yaml", 17, 25)
    ]
    assert "runs `curl`" in found[0][4] and "restarts the container" in found[0][4]


def test_every_command_of_a_shell_string_is_a_program(tmp_path: Path) -> None:
    _repo(tmp_path, SLIM, '["/bin/sh", "-c", "test -f /tmp/ready && pg_isready -h db"]')
    assert [(p, line, col) for _, p, line, col, _ in lint_rule(tmp_path, "VL604")] == [
        ("k8s/api.yaml", 17, 42)
    ]


@pytest.mark.parametrize(
    "dockerfile",
    [
        # a RUN names the program: it may install it (apt, apk, a download)
        SLIM.replace("WORKDIR", "RUN apt-get update && apt-get install -y curl\nWORKDIR"),
        # the full python image has curl
        SLIM.replace("python:3.12-slim", "python:3.12"),
        SLIM.replace("python:3.12-slim", "python:3.12-bookworm"),
        # a base image whose contents are not known
        SLIM.replace("python:3.12-slim", "ghcr.io/acme/python-base:3.12"),
        # copied from another image into a PATH directory
        SLIM.replace(
            "WORKDIR", "COPY --from=curlimages/curl:8.8.0 /usr/bin/curl /usr/local/bin/\nWORKDIR"
        ),
    ],
)
def test_what_the_model_cannot_rule_out_is_not_reported(tmp_path: Path, dockerfile: str) -> None:
    _repo(tmp_path, dockerfile, '["curl", "-f", "http://localhost:8000/health"]')
    assert lint_rule(tmp_path, "VL604") == []


def test_a_program_the_repository_copies_onto_path_is_there(tmp_path: Path) -> None:
    dockerfile = SLIM.replace("WORKDIR", "COPY bin/curl /usr/local/bin/curl\nWORKDIR")
    _repo(
        tmp_path,
        dockerfile,
        '["curl", "-f", "http://localhost/"]',
        **{"api/bin/curl": "#!/bin/sh\n"},
    )
    assert lint_rule(tmp_path, "VL604") == []


def test_alpine_has_wget_and_no_bash(tmp_path: Path) -> None:
    alpine = SLIM.replace("python:3.12-slim", "python:3.12-alpine")
    _repo(tmp_path, alpine, '["wget", "-q", "-O-", "http://localhost:8000/health"]')
    assert lint_rule(tmp_path, "VL604") == []
    _repo(tmp_path, alpine, '["bash", "-c", "exit 0"]')
    assert [(p, line) for _, p, line, _, _ in lint_rule(tmp_path, "VL604")] == [
        ("k8s/api.yaml", 17)
    ]


def test_an_absolute_path_no_copy_fills_is_reported(tmp_path: Path) -> None:
    _repo(tmp_path, SLIM, '["/bin/grpc_health_probe", "-addr=:9090"]')
    assert [(p, line, col) for _, p, line, col, _ in lint_rule(tmp_path, "VL604")] == [
        ("k8s/api.yaml", 17, 25)
    ]


def test_an_unlinked_image_is_not_judged(tmp_path: Path) -> None:
    write_repo(tmp_path, {"k8s/api.yaml": _deployment('["curl", "-f", "http://x/"]', "redis:7")})
    assert lint_rule(tmp_path, "VL604") == []
