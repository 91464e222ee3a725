"""Declarative rules: a custom rule written the way a user would, and VL003 for a bad one."""

from __future__ import annotations

from pathlib import Path

from vertice_lint.config import Config, find_config, load_config
from vertice_lint.engine import Selection, lint

DEPLOYMENT = (
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata:\n"
    "  name: api\n"
    "spec:\n"
    "  selector:\n"
    "    matchLabels: {app: api}\n"
    "  template:\n"
    "    metadata:\n"
    "      labels: {app: api}\n"
    "    spec:\n"
    "      containers:\n"
    "        - name: api\n"
    "          image: ghcr.io/acme/api:1.0.0\n"
    "          readinessProbe:\n"
    "            httpGet: {path: /health, port: 8000}\n"
)
TEAM_LABEL = """\
id: ACME001
name: team-label
severity: warning
summary: Every workload says which team owns it.
why: |
  The on-call rota is found from the `team` label.
fix:
  safety: none
  description: add metadata.labels.team
match:
  kinds: [Deployment, StatefulSet]
  path: metadata
message: has no team label
schema:
  required: [labels]
  properties:
    labels:
      required: [team]
"""
NO_LIVENESS = """\
id: ACME002
name: liveness-probe
severity: info
summary: Containers have a liveness probe.
why: |
  A hung process is only restarted with one.
fix:
  safety: none
match:
  scope: container
message: has no liveness probe
schema:
  required: [livenessProbe]
"""
BROKEN = """\
id: ACME003
name: broken
severity: fatal
summary: x
why: y
fix: {safety: none}
match: {scope: container}
message: z
schema: {required: [a]}
"""


def _run(root: Path, *rules: str) -> list[tuple[str, str, int, int, str]]:
    found = find_config(root)
    assert found is not None
    result = lint(root, load_config(found, root), Selection(select=rules))
    assert result.internal_errors == ()
    return [(d.rule, d.path, d.line, d.col, d.message) for d in result.diagnostics]


def _repo(root: Path, rules: dict[str, str]) -> None:
    (root / "k8s").mkdir()
    (root / "k8s/api.yaml").write_text(DEPLOYMENT)
    (root / ".vertice-lint.toml").write_text('rules-dir = "policy"\n')
    (root / "policy").mkdir()
    for name, text in rules.items():
        (root / "policy" / name).write_text(text)


def test_user_rules_run_like_built_in_ones(tmp_path: Path) -> None:
    _repo(tmp_path, {"team-label.yaml": TEAM_LABEL, "liveness.yaml": NO_LIVENESS})
    assert _run(tmp_path, "ACME", "VL003") == [
        ("ACME001", "k8s/api.yaml", 3, 1, "Deployment api: has no team label"),
        ("ACME002", "k8s/api.yaml", 13, 11, "Deployment api container api: has no liveness probe"),
    ]
    (tmp_path / "k8s/api.yaml").write_text(
        DEPLOYMENT.replace("  name: api\n", "  name: api\n  labels: {team: payments}\n", 1)
        + "          livenessProbe:\n            httpGet: {path: /health, port: 8000}\n"
    )
    assert _run(tmp_path, "ACME", "VL003") == []


def test_a_bad_user_rule_is_vl003_at_its_position(tmp_path: Path) -> None:
    check_instead = TEAM_LABEL.replace("id: ACME001", "id: ACME004").replace(
        "name: team-label",
        "name: team-label-2\ncheck: vertice_lint.checks.inventory:orphan_workload",
    )
    vl_id = NO_LIVENESS.replace("ACME002", "VL999")
    bad_schema = (
        NO_LIVENESS.replace("ACME002", "ACME005")
        .replace("name: liveness-probe", "name: bad-schema")
        .replace("  required: [livenessProbe]", "  required: livenessProbe")
    )
    _repo(
        tmp_path,
        {"a.yaml": BROKEN, "b.yaml": check_instead, "c.yaml": vl_id, "d.yaml": bad_schema},
    )
    assert _run(tmp_path, "VL003") == [
        (
            "VL003",
            "policy/a.yaml",
            3,
            11,
            "invalid rule: severity: 'fatal' is not one of ['error', 'warning', 'info']",
        ),
        (
            "VL003",
            "policy/b.yaml",
            1,
            1,
            "invalid rule: Additional properties are not allowed ('check' was unexpected)",
        ),
        (
            "VL003",
            "policy/c.yaml",
            1,
            5,
            "invalid rule: id: VL ids belong to the built-in catalog: use a prefix of your own",
        ),
        (
            "VL003",
            "policy/d.yaml",
            13,
            13,
            "invalid rule: schema/required: not a valid JSON Schema:"
            " 'livenessProbe' is not of type 'array'",
        ),
    ]


def test_evidence_says_what_the_yaml_holds_not_the_schema(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s/api.yaml").write_text(
        DEPLOYMENT.replace("api:1.0.0", "api:latest")
        + "          imagePullPolicy: IfNotPresent\n"
        + "          securityContext: {runAsNonRoot: false}\n"
    )
    result = lint(tmp_path, Config(), Selection(select=("VL802", "VL803", "VL807")))
    assert result.internal_errors == ()
    notes = {d.rule: d.evidence[0].note.split(": ", 1)[1] for d in result.diagnostics}
    assert notes == {
        "VL802": "missing `resources`",
        "VL803": "is false, expected true",
        "VL807": 'is "IfNotPresent"',
    }
