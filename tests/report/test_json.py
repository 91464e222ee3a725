"""The JSON format: exact document, and validity against data/report.schema.json."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from vertice_lint.diagnostics import Diagnostic
from vertice_lint.report import RunSummary, render

from .test_render import CTX, SAMPLE, ctx


def _schema() -> dict[str, Any]:
    text = resources.files("vertice_lint").joinpath("data/report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


EXPECTED_HEAD = """\
{
  "version": 1,
  "tool": {
    "name": "vertice-lint",
    "version": "0.1.0"
  },
  "diagnostics": [
    {
      "rule": "VL101",
      "name": "orphan-workload",
      "severity": "warning",
      "path": "/repo/k8s/orphan.yaml",
      "line": 1,
      "column": 1,
      "end_line": null,
      "end_column": null,
      "message": "Deployment legacy: 100%, no source\\nsecond line",
      "evidence": [
        {
          "path": "/repo/k8s/kustomization.yaml",
          "line": 4,
          "column": 5,
          "note": "listed in resources"
        },
        {
          "path": "legacy",
          "line": 1,
          "column": 1,
          "note": "no such directory"
        }
      ],
      "fix": {
        "safety": "unsafe",
        "description": "remove the document",
        "applicable": false
      }
    },
"""

EXPECTED_TAIL = """\
  "summary": {
    "errors": 2,
    "warnings": 2,
    "infos": 1,
    "fixable": 2,
    "files_checked": 12,
    "schema_skipped": 0
  }
}
"""


def test_exact_document() -> None:
    out = render("json", SAMPLE, CTX)
    assert out.startswith(EXPECTED_HEAD)
    assert out.endswith(EXPECTED_TAIL)
    data = json.loads(out)
    assert [(d["path"], d["line"], d["rule"]) for d in data["diagnostics"]] == [
        ("/repo/k8s/orphan.yaml", 1, "VL101"),
        ("/repo/k8s/scaled.yaml", 7, "VL103"),
        ("api/Dockerfile", 1, "VL104"),
        ("api/main.py", 2, "VL201"),
        ("api/main.py", 3, "VL201"),
    ]
    # The catalog supplies the name a diagnostic does not carry.
    assert data["diagnostics"][1]["name"] == "scaled-to-zero"
    assert data["diagnostics"][4] == {
        "rule": "VL201",
        "name": "relative-import-in-script",
        "severity": "error",
        "path": "api/main.py",
        "line": 3,
        "column": 1,
        "end_line": 3,
        "end_column": 27,
        "message": "relative import `from .app import app` in a script",
        "evidence": [
            {
                "path": "api/Dockerfile",
                "line": 14,
                "column": 1,
                "note": "main.py is run as a script by `CMD`",
            }
        ],
        "fix": {"safety": "safe", "description": "absolute import", "applicable": True},
    }


def test_unsafe_fixes_make_unsafe_fixes_applicable() -> None:
    data = json.loads(render("json", SAMPLE, ctx(unsafe_fixes=True)))
    assert data["diagnostics"][0]["fix"]["applicable"] is True
    assert data["summary"]["fixable"] == 3


def test_empty_report() -> None:
    out = render("json", (), ctx(summary=RunSummary(3, {"python": 3}, schema_skipped=2)))
    assert json.loads(out) == {
        "version": 1,
        "tool": {"name": "vertice-lint", "version": "0.1.0"},
        "diagnostics": [],
        "summary": {
            "errors": 0,
            "warnings": 0,
            "infos": 0,
            "fixable": 0,
            "files_checked": 3,
            "schema_skipped": 2,
        },
    }


@pytest.mark.parametrize("diagnostics", [SAMPLE, ()])
def test_output_validates_against_the_report_schema(diagnostics: tuple[Diagnostic, ...]) -> None:
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(json.loads(render("json", diagnostics, CTX)))


def test_schema_rejects_a_changed_shape() -> None:
    data = json.loads(render("json", SAMPLE, CTX))
    data["diagnostics"][0]["col"] = data["diagnostics"][0].pop("column")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(_schema()).validate(data)
