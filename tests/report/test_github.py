"""GitHub workflow commands: one escaped command line per diagnostic."""

from __future__ import annotations

from vertice_lint.diagnostics import Diagnostic, Evidence, Severity
from vertice_lint.report import render
from vertice_lint.report.github import escape_data, escape_property

from .test_render import CTX, SAMPLE


def test_exact_output() -> None:
    assert render("github", SAMPLE, CTX) == (
        "::warning file=/repo/k8s/orphan.yaml,line=1,col=1,title=VL101 orphan-workload"
        "::Deployment legacy: 100%25, no source%0Asecond line"
        "%0A= /repo/k8s/kustomization.yaml:4:5: listed in resources"
        "%0A= legacy:1:1: no such directory\n"
        "::notice file=/repo/k8s/scaled.yaml,line=7,col=3,title=VL103 scaled-to-zero"
        "::replicas: 0\n"
        "::warning file=api/Dockerfile,line=1,col=6,title=VL104 mutable-image-tag"
        "::base image python:latest is mutable\n"
        "::error file=api/main.py,line=2,col=1,title=VL201 relative-import-in-script"
        "::relative import `from .db import db` in a script\n"
        "::error file=api/main.py,line=3,col=1,endLine=3,endColumn=27,"
        "title=VL201 relative-import-in-script"
        "::relative import `from .app import app` in a script"
        "%0A= api/Dockerfile:14:1: main.py is run as a script by `CMD`\n"
    )


def test_properties_escape_delimiters_and_message_keeps_them() -> None:
    odd = Diagnostic(
        "VL1001",
        "services/a,b:c%.yaml",
        4,
        2,
        "50% of a: b, c\r\nd",
        Severity.ERROR,
        evidence=(Evidence("services/x.py", 1, 1, "note: 1,2"),),
        end_col=9,
    )
    assert render("github", (odd,), CTX) == (
        "::error file=a%2Cb%3Ac%25.yaml,line=4,col=2,endLine=4,endColumn=9,title=VL1001"
        "::50%25 of a: b, c%0D%0Ad%0A= x.py:1:1: note: 1,2\n"
    )


def test_escapes() -> None:
    assert escape_data("%0A,:\r\n") == "%250A,:%0D%0A"
    assert escape_property("%0A,:\r\n") == "%250A%2C%3A%0D%0A"


def test_nothing_to_annotate() -> None:
    assert render("github", (), CTX) == ""
