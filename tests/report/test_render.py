"""The shared report API (render, display_path) and the sample every format test renders."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from vertice_lint.catalog import RuleMeta
from vertice_lint.diagnostics import Diagnostic, Edit, Evidence, Fix, Safety, Severity
from vertice_lint.report import FORMATS, ReportContext, RunSummary, display_path, render


def _rule(rule_id: str, name: str, severity: Severity, safety: str, fix: str = "") -> RuleMeta:
    return RuleMeta(
        id=rule_id,
        name=name,
        severity=severity,
        summary=f"{name} summary",
        why=f"{name} why.\n",
        fix_safety=safety,
        fix_description=fix,
        enabled=True,
    )


RULES = {
    meta.id: meta
    for meta in (
        _rule("VL101", "orphan-workload", Severity.WARNING, "unsafe", "remove the document"),
        _rule("VL103", "scaled-to-zero", Severity.INFO, "none"),
        _rule("VL104", "mutable-image-tag", Severity.WARNING, "none"),
        _rule("VL201", "relative-import-in-script", Severity.ERROR, "safe", "absolute import"),
    )
}

# Out of order on purpose: every format must sort them.
SAMPLE = (
    Diagnostic(
        "VL201",
        "services/api/main.py",
        3,
        1,
        "relative import `from .app import app` in a script",
        evidence=(
            Evidence("services/api/Dockerfile", 14, 1, "main.py is run as a script by `CMD`"),
        ),
        fix=Fix((Edit("services/api/main.py", 40, 45, "app"),), Safety.SAFE, "absolute import"),
        end_line=3,
        end_col=27,
        name="relative-import-in-script",
    ),
    Diagnostic("VL103", "k8s/scaled.yaml", 7, 3, "replicas: 0", Severity.INFO),
    Diagnostic(
        "VL101",
        "k8s/orphan.yaml",
        1,
        1,
        "Deployment legacy: 100%, no source\nsecond line",
        Severity.WARNING,
        evidence=(
            Evidence("k8s/kustomization.yaml", 4, 5, "listed in resources"),
            Evidence("services/legacy", 1, 1, "no such directory"),
        ),
        fix=Fix((Edit("k8s/orphan.yaml", delete=True),), Safety.UNSAFE, "remove the document"),
        name="orphan-workload",
    ),
    Diagnostic(
        "VL201",
        "services/api/main.py",
        2,
        1,
        "relative import `from .db import db` in a script",
        fix=Fix((Edit("services/api/main.py", 10, 14, "db"),), Safety.SAFE, "absolute import"),
        name="relative-import-in-script",
    ),
    Diagnostic(
        "VL104",
        "services/api/Dockerfile",
        1,
        6,
        "base image python:latest is mutable",
        Severity.WARNING,
        name="mutable-image-tag",
    ),
)

# The report is read from services/, so k8s/ lies outside it and shows absolute.
CTX = ReportContext(
    rules=RULES,
    root=Path("/repo"),
    display_base=Path("/repo/services"),
    summary=RunSummary(
        files_checked=12, files_by_kind={"python": 7, "yaml": 4, "dockerfile": 1}, schema_skipped=0
    ),
)


def ctx(**changes: object) -> ReportContext:
    """CTX with some fields replaced (summary fields go through `summary=`)."""
    return dataclasses.replace(CTX, **changes)  # type: ignore[arg-type]


def test_display_path_relative_inside_base_absolute_outside() -> None:
    assert display_path("services/api/main.py", CTX) == "api/main.py"
    assert display_path("k8s/orphan.yaml", CTX) == "/repo/k8s/orphan.yaml"
    assert display_path("services/../k8s/a.yaml", CTX) == "/repo/k8s/a.yaml"
    assert display_path("services/api/main.py", ctx(display_base=Path("/repo"))) == (
        "services/api/main.py"
    )


def test_every_format_renders_and_sorts() -> None:
    for fmt in FORMATS:
        assert render(fmt, SAMPLE, CTX) == render(fmt, tuple(reversed(SAMPLE)), CTX)


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render("xml", SAMPLE, CTX)
