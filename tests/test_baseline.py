"""The baseline: a legacy repository records its findings and sees only new ones."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.helpers import git
from vertice_lint.cli import cli

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replica: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: ghcr.io/acme/{name}:latest
"""


def _run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", str(root), "--no-cache", *args])
    return result.exit_code, result.output


def _found(output: str, root: Path) -> list[tuple[str, str, int]]:
    return sorted(
        (d["rule"], Path(d["path"]).relative_to(root).as_posix(), d["line"])
        for d in json.loads(output)["diagnostics"]
    )


def test_a_baseline_hides_the_old_findings_and_shows_the_new_one(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "k8s").mkdir(parents=True)
    (root / "k8s/api.yaml").write_text(DEPLOY.format(name="api"))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "legacy")
    baseline = root / ".vertice-lint-baseline.json"
    code, out = _run(root, "--write-baseline", str(baseline))
    assert code == 0 and out == "Wrote 2 findings to " + str(baseline) + ".\n"
    recorded = json.loads(baseline.read_text())
    assert [(e["rule"], e["path"]) for e in recorded["entries"]] == [
        ("VL104", "k8s/api.yaml"),
        ("VL801", "k8s/api.yaml"),
    ]
    # lines move (a comment on top), a new problem comes in another file
    (root / "k8s/api.yaml").write_text("# the API\n\n" + DEPLOY.format(name="api"))
    (root / "k8s/worker.yaml").write_text(
        DEPLOY.format(name="worker").replace("replica: 2", "replicas: 2")
    )
    code, out = _run(root, "--baseline", str(baseline), "--format", "json")
    assert code == 1
    assert _found(out, root) == [("VL104", "k8s/worker.yaml", 15)]
    assert json.loads(out)["summary"]["baseline"] == {"hidden": 2, "gone": 0}
    code, out = _run(root, "--baseline", str(baseline))
    assert "2 findings hidden by the baseline; 0 baseline entries no longer occur." in out
    # an old finding fixed: its entry no longer occurs
    (root / "k8s/api.yaml").write_text(DEPLOY.format(name="api").replace("replica:", "replicas:"))
    code, out = _run(root, "--baseline", str(baseline), "--format", "json")
    assert _found(out, root) == [("VL104", "k8s/worker.yaml", 15)]
    assert json.loads(out)["summary"]["baseline"] == {"hidden": 1, "gone": 1}


def test_a_third_copy_of_a_recorded_finding_is_new(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "k8s").mkdir(parents=True)
    twice = DEPLOY.format(name="api") + "---\n" + DEPLOY.format(name="api")
    (root / "k8s/api.yaml").write_text(twice)
    baseline = tmp_path / "baseline.json"
    assert _run(root, "--select", "VL801", "--write-baseline", str(baseline))[0] == 0
    (root / "k8s/api.yaml").write_text(twice + "---\n" + DEPLOY.format(name="api"))
    code, out = _run(root, "--select", "VL801", "--baseline", str(baseline), "--format", "json")
    assert code == 1 and _found(out, root) == [("VL801", "k8s/api.yaml", 38)]


def test_a_file_that_is_no_baseline_is_a_usage_error(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 7}')
    code, out = _run(root, "--baseline", str(bad))
    assert code == 2 and "is not a vertice-lint baseline" in out
    code, out = _run(root, "--baseline", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read baseline" in out
