"""Facts: the programs an image has (model/programs.py), derived in link/programs.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import workspace
from vertice_lint.link.programs import flavour_of


@pytest.mark.parametrize(
    ("base", "flavour"),
    [
        ("python:3.12-slim", "python-slim"),
        ("python:3.11-slim-bookworm", "python-slim"),
        ("docker.io/library/python:3.11-alpine3.20", "python-alpine"),
        ("mirror.gcr.io/library/python:3.11", "python-full"),
        ("python:3.11.7-bullseye", "python-full"),
        ("python:3.12-windowsservercore", None),
        ("ghcr.io/acme/python:3.12-slim", None),
        ("ubuntu:24.04", None),
    ],
)
def test_flavour_of_official_python_images(base: str, flavour: str | None) -> None:
    assert flavour_of(base) == flavour


def test_programs_of_an_image(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "svc/Dockerfile": (
                "FROM python:3.12-slim AS base\n"
                "RUN apt-get update && apt-get install -y --no-install-recommends netcat-openbsd\n"
                "FROM base\n"
                "COPY --from=ghcr.io/acme/tools:1 /tools /opt/tools\n"
                "COPY probe.sh /usr/local/bin/probe\n"
                'CMD ["python", "-m", "http.server"]\n'
            ),
            "svc/probe.sh": "#!/bin/sh\n",
        },
    )
    (image,) = ws.images
    programs = image.programs
    assert programs is not None
    assert (programs.base, programs.flavour) == ("python:3.12-slim", "python-slim")
    assert programs.lookup("probe").state == "present"
    assert programs.lookup("/usr/local/bin/probe").state == "present"
    assert programs.lookup("/opt/tools/check").state == "unknown"  # filled by another image
    assert programs.lookup("netcat-openbsd").state == "unknown"  # named by a RUN
    absent = programs.lookup("curl")
    assert absent.state == "absent"
    assert [(e.path, e.line) for e in absent.evidence] == [("svc/Dockerfile", 1)]
    assert programs.lookup("python").state == "unknown"  # not a tool the data judges
    assert programs.lookup("bin/run").state == "unknown"  # relative to the working directory


def test_exec_probe_programs_are_model_facts(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "k8s/pod.yaml": (
                "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                "    - name: c\n      image: x:1\n      readinessProbe:\n        exec:\n"
                '          command: ["sh", "-c", "cat /tmp/ok && redis-cli ping"]\n'
            )
        },
    )
    (probe,) = ws.workloads[0].containers[0].probes
    assert probe.command == ("sh", "-c", "cat /tmp/ok && redis-cli ping")
    assert [(p, at.line, at.col) for p, at in probe.programs] == [
        ("sh", 10, 21),
        ("cat", 10, 33),
        ("redis-cli", 10, 33),
    ]


def test_an_exec_probe_program_the_model_cannot_judge_is_a_note(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        {
            "api/Dockerfile": (
                "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y curl\n"
                'COPY main.py .\nCMD ["python", "main.py"]\n'
            ),
            "api/main.py": "print(1)\n",
            "k8s/api.yaml": (
                "apiVersion: v1\nkind: Pod\nmetadata: {name: api}\nspec:\n  containers:\n"
                "    - name: api\n      image: ghcr.io/acme/api:1\n      livenessProbe:\n"
                '        exec:\n          command: ["curl", "-f", "http://localhost/"]\n'
            ),
        },
    )
    assert [n for n in ws.notes if "VL604" in n] == [
        "k8s/api.yaml:10: the liveness probe runs curl, not judged (VL604): a RUN instruction"
        " names curl (it may install it)"
    ]
