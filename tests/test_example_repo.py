"""The example monorepo of the README: exact findings, SARIF validity, --diff writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from vertice_lint.cli import cli
from vertice_lint.config import Config
from vertice_lint.engine import lint

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "monorepo"
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"

EXPECTED = [
    ("VL203", "backend/modules/tegumentar/__init__.py", 3, 54),
    ("VL502", "docker-compose.yml", 3, 3),
    ("VL402", "docker-compose.yml", 14, 7),
    ("VL402", "docker-compose.yml", 20, 7),
    ("VL001", "k8s/base/broken-configmap.yaml", 7, 1),
    ("VL101", "k8s/base/command-bus-service.yaml", 17, 18),
    ("VL801", "k8s/base/hcl-kb-service.yaml", 8, 3),
    ("VL601", "k8s/base/hcl-kb-service.yaml", 28, 21),
    ("VL002", "k8s/base/maximus-core-service.yaml", 6, 16),
    ("VL501", "k8s/base/maximus-core-service.yaml", 18, 11),
    ("VL603", "k8s/base/maximus-core-service.yaml", 18, 11),
    ("VL104", "k8s/base/maximus-core-service.yaml", 19, 18),
    ("VL502", "k8s/base/tegumentar-service.yaml", 18, 11),
    ("VL602", "k8s/base/tegumentar-service.yaml", 36, 7),
    ("VL106", "k8s/base/vertice-register.yaml", 20, 23),
    ("VL404", "k8s/base/vertice-register.yaml", 24, 15),
    ("VL403", "k8s/base/vertice-register.yaml", 28, 15),
    ("VL402", "k8s/base/vertice-register.yaml", 33, 15),
    ("VL604", "k8s/base/vertice-register.yaml", 37, 37),
    ("VL103", "k8s/overlays/prod/kustomization.yaml", 19, 9),
    ("VL102", "services/audit_service/Dockerfile", 10, 5),
    ("VL204", "services/audit_service/Dockerfile", 10, 5),
    ("VL401", "services/hcl_kb_service/main.py", 8, 16),
    ("VL701", "services/maximus_core_service/Dockerfile", 3, 5),
    ("VL704", "services/maximus_core_service/Dockerfile", 7, 5),
    ("VL102", "services/narrative_digest_service/Dockerfile", 9, 5),
    ("VL305", "services/narrative_digest_service/requirements.txt", 1, 1),
    ("VL703", "services/tegumentar_service/Dockerfile", 9, 71),
    ("VL301", "services/tegumentar_service/app.py", 4, 1),
    ("VL202", "services/tegumentar_service/app.py", 6, 1),
    ("VL203", "services/tegumentar_service/app.py", 6, 58),
    ("VL201", "services/tegumentar_service/app.py", 8, 1),
    ("VL302", "services/tegumentar_service/app.py", 10, 1),
    ("VL202", "services/tegumentar_service/config.py", 21, 5),
    ("VL201", "services/tegumentar_service/main.py", 5, 1),
    ("VL702", "services/vertice_register/Dockerfile", 6, 18),
    ("VL705", "services/vertice_register/Dockerfile", 9, 5),
]


def test_example_findings_are_exact() -> None:
    result = lint(EXAMPLE, Config())
    assert [(d.rule, d.path, d.line, d.col) for d in result.diagnostics] == EXPECTED
    assert result.internal_errors == ()


def test_example_model() -> None:
    ws = lint(EXAMPLE, Config()).workspace
    assert sorted(i.key for i in ws.images) == [
        "services/audit_service/Dockerfile@services/audit_service",
        "services/hcl_kb_service/Dockerfile@services/hcl_kb_service",
        "services/maximus_core_service/Dockerfile@services/maximus_core_service",
        "services/narrative_digest_service/Dockerfile@services/narrative_digest_service",
        "services/tegumentar_service/Dockerfile@.",
        "services/vertice_register/Dockerfile@services/vertice_register",
    ]
    assert ws.stale_dockerfiles == ("services/narrative_digest_service/Dockerfile.old",)
    links = {
        (w.name, c.image_link.service if c.image_link else None)
        for w in ws.workloads
        for c in w.containers
    }
    assert ("command-bus-service", None) in links  # the orphan: no source, no image
    assert ("hcl-kb-service", "hcl_kb_service") in links
    assert ("tegumentar", "tegumentar_service") in links  # compose build, context "."


def test_example_sarif_validates() -> None:
    result = CliRunner().invoke(cli, [str(EXAMPLE), "--format", "sarif"])
    assert result.exit_code == 1
    sarif = json.loads(result.output)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == [e[0] for e in EXPECTED]


def test_diff_prints_and_writes_nothing(tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in EXAMPLE.rglob("*") if p.is_file()}
    result = CliRunner().invoke(cli, [str(EXAMPLE), "--diff", "--unsafe-fixes"])
    assert result.exit_code == 1
    after = {p: p.read_bytes() for p in EXAMPLE.rglob("*") if p.is_file()}
    assert after == before
    assert result.output.startswith("--- ")
    # paths are shown relative to the current directory (the repository root under pytest)
    prefix = "+++ b/examples/monorepo/"
    changed = [
        line[len(prefix) :] for line in result.output.splitlines() if line.startswith(prefix)
    ]
    assert changed == [
        "k8s/base/audit-service.yaml",  # VL102 (unsafe): a new Deployment + Service
        "k8s/base/hcl-kb-service.yaml",  # VL401 valueFrom, VL601 probe path
        "k8s/base/kustomization.yaml",  # VL101 entry removed, VL102 entries added
        "k8s/base/maximus-core-service.yaml",  # VL501 MPLCONFIGDIR
        "k8s/base/narrative-digest-service.yaml",  # VL102
        "k8s/base/vertice-register.yaml",  # VL402 secretKeyRef
        "services/maximus_core_service/Dockerfile",  # VL704
        "services/tegumentar_service/Dockerfile",  # VL703, VL202 COPY lines
        "services/tegumentar_service/app.py",  # VL201
        "services/tegumentar_service/main.py",  # VL201
        "services/tegumentar_service/requirements.txt",  # VL301
        "services/vertice_register/Dockerfile",  # VL705
    ]
    assert (
        "--- a/examples/monorepo/k8s/base/command-bus-service.yaml\n+++ /dev/null" in result.output
    )  # VL101


def test_fix_on_a_copy_then_nothing_left_to_fix(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "monorepo"
    shutil.copytree(EXAMPLE, root)
    first = CliRunner().invoke(cli, [str(root), "--fix"])
    assert first.exit_code == 1  # unfixable findings remain
    assert (
        (root / "services/vertice_register/Dockerfile")
        .read_text()
        .endswith('CMD ["python", "register.py"]\n')
    )
    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    CliRunner().invoke(cli, [str(root), "--fix"])
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == snapshot
