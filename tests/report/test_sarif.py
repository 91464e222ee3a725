"""SARIF 2.1.0: exact shape, fingerprints, and validity against the official OASIS schema."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from vertice_lint.diagnostics import Diagnostic, Severity
from vertice_lint.report import render
from vertice_lint.report.sarif import fingerprint

from .test_render import CTX, RULES, SAMPLE

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json"
CUSTOM = Diagnostic("VL1001", "my dir/a,b.yaml", 2, 4, "custom finding", Severity.INFO)


def _sarif(diagnostics: tuple[Diagnostic, ...]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render("sarif", diagnostics, CTX))
    return data


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft4Validator  # what the schema's $schema declares
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator


@pytest.mark.parametrize("diagnostics", [SAMPLE, (*SAMPLE, CUSTOM), ()])
def test_output_validates_against_the_official_schema(diagnostics: tuple[Diagnostic, ...]) -> None:
    _validator().validate(_sarif(diagnostics))


def test_the_schema_check_can_fail() -> None:
    data = _sarif(SAMPLE)
    data["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(data)


def test_run_header_and_rules_in_id_order() -> None:
    data = _sarif(SAMPLE)
    assert data["$schema"] == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    assert data["version"] == "2.1.0"
    (run,) = data["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("vertice-lint", "0.1.0")
    assert "informationUri" not in driver  # no public home page yet
    assert [rule["id"] for rule in driver["rules"]] == ["VL101", "VL103", "VL104", "VL201"]
    assert driver["rules"][3] == {
        "id": "VL201",
        "name": "relative-import-in-script",
        "shortDescription": {"text": "relative-import-in-script summary"},
        "fullDescription": {"text": "relative-import-in-script why."},
        "help": {
            "text": "relative-import-in-script summary\n\nrelative-import-in-script why.\n\n"
            "Fix (safe): absolute import",
            "markdown": "**relative-import-in-script summary**\n\nrelative-import-in-script why."
            "\n\n**Fix (safe):** absolute import",
        },
        "defaultConfiguration": {"level": "error", "enabled": True},
        "properties": {"tags": ["gitops"]},
    }
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///repo/"}}
    assert run["columnKind"] == "unicodeCodePoints"
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in run["results"]] == [
        ("VL101", 0, "warning"),
        ("VL103", 1, "note"),
        ("VL104", 2, "warning"),
        ("VL201", 3, "error"),
        ("VL201", 3, "error"),
    ]


def test_result_with_evidence_and_fix() -> None:
    result = _sarif(SAMPLE)["runs"][0]["results"][4]
    assert result == {
        "ruleId": "VL201",
        "ruleIndex": 3,
        "level": "error",
        "message": {
            "text": "relative import `from .app import app` in a script\n"
            "= services/api/Dockerfile:14:1: main.py is run as a script by `CMD`"
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "services/api/main.py", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 27},
                }
            }
        ],
        "partialFingerprints": {"verticeLint/v1": f"{fingerprint(SAMPLE[0])}:1"},
        "relatedLocations": [
            {
                "id": 1,
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": "services/api/Dockerfile",
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": {"startLine": 14, "startColumn": 1},
                },
                "message": {"text": "main.py is run as a script by `CMD`"},
            }
        ],
    }


def test_result_without_evidence_or_end_and_a_rule_outside_the_catalog() -> None:
    run = _sarif((CUSTOM,))["runs"][0]
    # every rule of the catalog is listed, and the custom rule that fired after them
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [
        "VL1001",
        "VL101",
        "VL103",
        "VL104",
        "VL201",
    ]
    assert run["tool"]["driver"]["rules"][0] == {
        "id": "VL1001",
        "name": "VL1001",
        "shortDescription": {"text": "VL1001"},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["gitops"]},
    }
    (result,) = run["results"]
    assert result["ruleIndex"] == 0
    assert "relatedLocations" not in result
    assert result["message"] == {"text": "custom finding"}
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "my%20dir/a%2Cb.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2, "startColumn": 4, "endLine": 2},
    }


def test_fingerprint_survives_moved_lines_and_separates_findings() -> None:
    moved = dataclasses.replace(SAMPLE[0], line=30, col=5, end_line=30, end_col=31)
    assert fingerprint(moved) == fingerprint(SAMPLE[0])
    assert fingerprint(SAMPLE[0]) != fingerprint(SAMPLE[3])
    assert fingerprint(SAMPLE[0]) != fingerprint(dataclasses.replace(SAMPLE[0], path="b.py"))
    twin = dataclasses.replace(SAMPLE[0], line=9)
    keys = [
        r["partialFingerprints"]["verticeLint/v1"]
        for r in _sarif((SAMPLE[0], twin))["runs"][0]["results"]
    ]
    assert keys == [f"{fingerprint(SAMPLE[0])}:1", f"{fingerprint(SAMPLE[0])}:2"]


def test_no_diagnostics() -> None:
    (run,) = _sarif(())["runs"]
    assert run["results"] == []
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["VL101", "VL103", "VL104", "VL201"]


def test_security_rules_internal_errors_and_a_subdirectory_of_the_repository() -> None:
    """A rule about security carries `security-severity` and a `security` tag; a run with an
    internal error is not successful; a run on `deploy/` of a repository gives paths from the
    repository's top, where code scanning resolves them."""
    secret = dataclasses.replace(
        RULES["VL104"], id="VL402", name="plaintext-secret", security_severity="7.5"
    )
    finding = Diagnostic("VL402", "k8s/db.yaml", 5, 3, "a secret", Severity.WARNING)
    context = dataclasses.replace(
        CTX,
        rules={**RULES, "VL402": secret},
        root=Path("/repo/deploy"),
        repo_root=Path("/repo"),
        summary=dataclasses.replace(CTX.summary, internal_errors=("VL301 crashed: KeyError",)),
    )
    data = json.loads(render("sarif", (finding,), context))
    _validator().validate(data)
    (run,) = data["runs"]
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "VL402")
    assert rule["properties"] == {"tags": ["gitops", "security"], "security-severity": "7.5"}
    assert run["invocations"] == [
        {
            "executionSuccessful": False,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": "VL301 crashed: KeyError"}}
            ],
        }
    ]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///repo/"}}
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "deploy/k8s/db.yaml", "uriBaseId": "%SRCROOT%"}
