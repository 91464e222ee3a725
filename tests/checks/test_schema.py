"""VL801 beyond the JSON Schema: objects of an API group Kubernetes no longer serves."""

from __future__ import annotations

from pathlib import Path

from vertice_lint.config import Config
from vertice_lint.engine import Selection, lint

OLD_DEPLOYMENT = (
    "apiVersion: extensions/v1beta1\n"
    "kind: Deployment\n"
    "metadata:\n"
    "  name: web\n"
    "spec:\n"
    "  template:\n"
    "    metadata:\n"
    "      labels: {app: web}\n"
    "    spec:\n"
    "      containers:\n"
    "        - name: web\n"
    "          image: ghcr.io/acme/web:1.0.0\n"
)
CRD_OBJECT = "apiVersion: acme.example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {}\n"


def test_removed_api_group_is_reported_not_taken_for_a_crd(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "web.yaml").write_text(OLD_DEPLOYMENT)
    (tmp_path / "k8s" / "widget.yaml").write_text(CRD_OBJECT)
    result = lint(tmp_path, Config(), Selection(select=("VL801",)))
    assert not result.internal_errors
    found = [(d.path, d.line, d.col, d.message) for d in result.diagnostics]
    assert len(found) == 1
    path, line, col, message = found[0]
    assert (path, line, col) == ("k8s/web.yaml", 1, 13)
    assert message.startswith("Deployment web: apiVersion: extensions/v1beta1 is not served by")
    assert message.endswith("rejects the object (no matches for kind); use apps/v1")


def test_removed_api_group_is_not_counted_as_without_schema(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(OLD_DEPLOYMENT)
    (tmp_path / "widget.yaml").write_text(CRD_OBJECT)
    # reported by VL801 (above), so only the custom resource counts as not validated
    assert lint(tmp_path, Config()).workspace.schema_skipped == 1


SOPS_SECRET = (
    "apiVersion: v1\n"
    "kind: Secret\n"
    "metadata:\n"
    "  name: db\n"
    "stringData:\n"
    "  password: ENC[AES256_GCM,data:k/sMlGU=,iv:RlxF2E=,tag:cDSq2s==,type:str]\n"
    "sops:\n"
    "  age:\n"
    "    - recipient: age1qqqq\n"
    "      enc: 'x'\n"
    "  mac: ENC[AES256_GCM,data:Rku=,iv:7wHU=,tag:5NRT==,type:str]\n"
    "  version: 3.11.0\n"
)


def test_sops_encrypted_secret_is_neither_invalid_nor_plaintext(tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text(SOPS_SECRET)
    result = lint(tmp_path, Config(), Selection(select=("VL801", "VL402")))
    assert list(result.diagnostics) == []
    # the same Secret with a real value and a misspelt top-level field is still reported
    (tmp_path / "secret.yaml").write_text(
        SOPS_SECRET.replace(
            "ENC[AES256_GCM,data:k/sMlGU=,iv:RlxF2E=,tag:cDSq2s==,type:str]", "hunter2"
        )
        + "extra: 1\n"
    )
    result = lint(tmp_path, Config(), Selection(select=("VL801", "VL402")))
    assert sorted(d.rule for d in result.diagnostics) == ["VL402", "VL801"]


def test_vl801_never_echoes_a_value_that_may_be_a_secret(tmp_path: Path) -> None:
    """`DB_PASSWORD: 987654321` written as a number, a Secret's data of the wrong type: the
    message says what is wrong without the value; a port written as a number still shows."""
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n"
        "  selector:\n    matchLabels: {app: api}\n  template:\n"
        "    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n"
        "      - name: api\n        image: ghcr.io/acme/api:1.0.0\n        env:\n"
        "        - {name: DB_PASSWORD, value: 987654321}\n"
        "        - {name: PORT, value: 8080}\n"
    )
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: 123456789\n"
    for rel, text in (("k8s/api.yaml", deployment), ("k8s/s.yaml", secret)):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    result = lint(tmp_path, Config(), Selection(select=("VL801",)))
    messages = sorted(d.message for d in result.diagnostics)
    assert not any("987654321" in m or "123456789" in m for m in messages), messages
    assert any(m.endswith("got integer (value not shown: it may be a secret)") for m in messages)
    assert any(m.endswith("expected string, got integer 8080") for m in messages)
