"""The command line as a user drives it: exit codes, formats, selection, suppressions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import BAD_DEPLOY
from vertice_lint import __version__
from vertice_lint.checks.registry import RULES
from vertice_lint.cli import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content)
    return tmp_path


def test_check_is_the_default_command(tmp_path: Path) -> None:
    root = repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY})
    code, out = run(str(root), "--quiet")
    assert code == 1
    assert out == (
        f'{root}/k8s/deploy.yaml:6:3: VL801 Deployment api: spec.replica: unknown field "replica"\n'
    )
    assert run("check", str(root), "--quiet") == (code, out)


def test_clean_repository_exits_zero(tmp_path: Path) -> None:
    root = repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY.replace("replica:", "replicas:")})
    assert run(str(root)) == (0, "All checks passed!\n")


def test_exit_zero(tmp_path: Path) -> None:
    root = repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY})
    assert run(str(root), "--exit-zero")[0] == 0


def test_usage_errors_exit_two(tmp_path: Path) -> None:
    code, out = run(str(tmp_path / "missing"))
    assert code == 2
    assert "path does not exist" in out
    code, out = run(str(tmp_path), "--select", "VL999")
    assert code == 2
    assert "unknown rule selector: VL999" in out
    code, out = run(str(tmp_path), "--format", "xml")
    assert code == 2


def test_version() -> None:
    assert run("--version") == (0, f"vertice-lint, version {__version__}\n")


def test_select_and_ignore(tmp_path: Path) -> None:
    root = repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY, "svc/main.py": "def f(:\n"})
    assert run(str(root), "-q")[1].count("\n") == 2
    assert "VL001" not in run(str(root), "-q", "--ignore", "VL001")[1]
    assert "VL801" not in run(str(root), "-q", "--select", "VL0")[1]
    assert "VL801" not in run(str(root), "-q", "--select", "parse-error")[1]


def test_json_output_shape(tmp_path: Path) -> None:
    root = repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY})
    code, out = run(str(root), "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert [(d["rule"], d["line"], d["column"]) for d in data["diagnostics"]] == [("VL801", 6, 3)]
    assert data["summary"]["errors"] == 1


def test_output_file(tmp_path: Path) -> None:
    root = repo(tmp_path / "r", {"k8s/deploy.yaml": BAD_DEPLOY})
    target = tmp_path / "report.sarif"
    code, out = run(str(root), "--format", "sarif", "--output-file", str(target))
    assert (code, out) == (1, "")
    assert json.loads(target.read_text())["runs"][0]["results"][0]["ruleId"] == "VL801"


def test_files_restrict_the_report_but_the_whole_repo_is_modelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(
        tmp_path, {"a/deploy.yaml": BAD_DEPLOY, "b/deploy.yaml": BAD_DEPLOY, ".git/HEAD": ""}
    )
    os.system(f"git init -q {root}")
    monkeypatch.chdir(root)
    code, out = run("a/deploy.yaml", "-q")
    assert (code, out.splitlines()) == (1, [out.splitlines()[0]])
    assert out.startswith("a/deploy.yaml:6:3: VL801")


def test_rules_and_explain() -> None:
    code, out = run("rules")
    assert code == 0
    assert out.splitlines()[0].split() == ["id", "name", "severity", "fix", "default", "summary"]
    assert any(line.startswith("VL801  schema-invalid") for line in out.splitlines())
    code, out = run("explain", "VL801")
    assert code == 0
    assert out.startswith("VL801 schema-invalid (error)\n")
    assert "## Example: unknown-field" in out
    assert run("explain", "schema-invalid")[1] == out
    assert run("explain", "VL999")[0] == 2


def test_internal_error_in_one_rule_is_reported_and_others_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY, "svc/main.py": "def f(:\n"})

    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(RULES, "VL801", broken)
    result = CliRunner().invoke(cli, [str(root), "-q"])
    assert result.exit_code == 2
    assert "VL001" in result.stdout
    assert "internal error in VL801 (schema-invalid): RuntimeError: boom" in result.stderr


# --- suppressions -----------------------------------------------------------------------------


def test_line_suppression_and_unused_suppression(tmp_path: Path) -> None:
    text = BAD_DEPLOY.replace("  replica: 2", "  replica: 2  # vertice-lint: ignore[VL801]")
    text = text.replace("  name: api\n", "  name: api  # vertice-lint: ignore[VL801, VL001]\n", 1)
    root = repo(tmp_path, {"k8s/deploy.yaml": text})
    _, out = run(str(root), "-q")
    assert out == (
        f"{root}/k8s/deploy.yaml:4:14: VL002 unused suppression: no VL801, VL001 diagnostic is"
        " reported on this line [*]\n"
    )
    run(str(root), "--fix")
    assert (root / "k8s/deploy.yaml").read_text() == BAD_DEPLOY.replace(
        "  replica: 2", "  replica: 2  # vertice-lint: ignore[VL801]"
    )
    assert run(str(root)) == (0, "All checks passed!\n")


def test_file_suppression(tmp_path: Path) -> None:
    root = repo(tmp_path, {"k8s/deploy.yaml": "# vertice-lint: ignore-file[VL801]\n" + BAD_DEPLOY})
    assert run(str(root))[0] == 0


def test_annotation_suppression(tmp_path: Path) -> None:
    text = BAD_DEPLOY.replace(
        "  name: api\n", '  name: api\n  annotations:\n    vertice-lint.io/ignore: "VL801"\n', 1
    )
    other = BAD_DEPLOY.replace("name: api", "name: worker", 1)
    root = repo(tmp_path, {"k8s/deploy.yaml": text + "---\n" + other})
    _, out = run(str(root), "-q")
    # only the second document, which has no annotation, is reported
    assert out.splitlines() == [
        f"{root}/k8s/deploy.yaml:24:3: VL801 Deployment worker: spec.replica:"
        ' unknown field "replica"'
    ]


def test_per_file_ignores_and_config_errors(tmp_path: Path) -> None:
    root = repo(
        tmp_path,
        {
            "k8s/deploy.yaml": BAD_DEPLOY,
            "pyproject.toml": (
                '[project]\nname = "x"\n\n[tool.vertice-lint]\n'
                'per-file-ignores = {"k8s/*" = ["VL801"]}\nkubernetes-version = 1.30\n'
            ),
        },
    )
    _, out = run(str(root), "-q")
    assert out == (
        f"{root}/pyproject.toml:6:1: VL003 kubernetes-version: 1.3 is not of type 'string'\n"
    )


def test_stale_dockerfile_variant_yields_nothing(tmp_path: Path) -> None:
    root = repo(
        tmp_path,
        {
            "svc/Dockerfile": "FROM python:3.11\nCMD python main.py\n",
            "svc/Dockerfile.old": "FORM python:2.7\n",
            "svc/Dockerfile.prod": "FORM python:3.11\n",
            ".github/workflows/build.yaml": (
                "jobs: {b: {steps: [{run: docker build -f svc/Dockerfile.prod svc}]}}\n"
            ),
        },
    )
    _, out = run(str(root), "-q", "--select", "VL001")
    # the referenced variant is an image and reported; the stale copy is not
    assert out == f"{root}/svc/Dockerfile.prod:1:1: VL001 unknown instruction: FORM\n"
    _, out = run(str(root), "--select", "VL001", "--verbose")
    assert "svc/Dockerfile.old: Dockerfile variant that no compose file" in out


TEAM_RULE = """\
id: ACME001
name: team-label
severity: warning
summary: Every workload says which team owns it.
why: The on-call rota is found from the team label.
fix: {safety: none}
match: {kinds: [Deployment], path: metadata}
message: has no team label
schema: {required: [labels]}
"""


def test_the_projects_own_rules_in_select_rules_and_explain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(
        tmp_path,
        {
            ".vertice-lint.toml": 'rules-dir = "policy"\n',
            "policy/team.yaml": TEAM_RULE,
            "k8s/deploy.yaml": BAD_DEPLOY.replace("replica:", "replicas:"),
        },
    )
    code, out = run(str(root), "-q", "--select", "ACME")
    assert code == 1
    assert out.startswith(f"{root}/k8s/deploy.yaml:3:1: ACME001 Deployment api: has no team label")
    monkeypatch.chdir(root)
    assert any(line.startswith("ACME001") for line in run("rules")[1].splitlines())
    code, out = run("explain", "ACME001")
    assert code == 0
    assert out.startswith("ACME001 team-label (warning)\n")


def test_unused_suppression_followed_by_a_remark_keeps_the_remark_a_comment(tmp_path: Path) -> None:
    text = BAD_DEPLOY.replace(
        "  replica: 2", "  replicas: 2  # vertice-lint: ignore[VL801] (tuned)"
    )
    root = repo(tmp_path, {"k8s/deploy.yaml": text})
    run(str(root), "--fix")
    assert (root / "k8s/deploy.yaml").read_text() == BAD_DEPLOY.replace(
        "  replica: 2", "  replicas: 2  # (tuned)"
    )


def test_the_command_line_offers_every_report_format() -> None:
    """The CLI names the formats without importing the reports (start-up); they are the same."""
    from vertice_lint import cli as cli_module
    from vertice_lint.report import FORMATS

    assert cli_module.FORMATS == FORMATS


def test_version_and_help_load_no_catalog_schema_or_engine() -> None:
    """`--version` and `--help` import only the command line (start-up time)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from vertice_lint.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('vertice_lint.engine', 'vertice_lint.catalog', 'jsonschema',"
        " 'ruamel.yaml', 'libcst') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_parse_and_config_errors_are_reported_whatever_the_selection(tmp_path: Path) -> None:
    """`--select VL801` does not pass a YAML that does not parse (VL001) nor a broken config
    (VL003); an unknown rule id in the config is VL003 at its line; `--ignore` still
    silences them."""
    root = repo(
        tmp_path,
        {
            "k8s/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [\n",
            ".vertice-lint.toml": 'ignore = ["VL104"]\nextend-select = ["VL999"]\n',
        },
    )
    code, out = run("check", str(root), "--select", "VL801", "--no-cache", "--format", "json")
    assert code == 1
    found = sorted(
        (d["rule"], Path(d["path"]).relative_to(root).as_posix(), d["line"])
        for d in json.loads(out)["diagnostics"]
    )
    assert found == [("VL001", "k8s/broken.yaml", 4), ("VL003", ".vertice-lint.toml", 2)]
    message = next(d["message"] for d in json.loads(out)["diagnostics"] if d["rule"] == "VL003")
    assert message == "unknown rule selector `VL999`: it selects no rule"
    code, out = run(
        "check", str(root), "--select", "VL801", "--ignore", "VL001,VL003", "--no-cache"
    )
    assert code == 0, out


def test_a_report_file_in_a_missing_directory_and_an_empty_path(tmp_path: Path) -> None:
    root = repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY})
    out = tmp_path / "reports" / "ci" / "vl.sarif"
    code, _ = run("check", str(root), "--no-cache", "--format", "sarif", "-o", str(out))
    assert code == 1
    assert json.loads(out.read_text())["version"] == "2.1.0"
    code, output = run("check", "", "--no-cache")
    assert code == 2 and "an empty path was given" in output


def test_short_help_is_the_long_help() -> None:
    assert run("-h") == run("--help")
    assert run("check", "-h") == run("check", "--help")


def test_fail_on_sets_the_severity_that_fails(tmp_path: Path) -> None:
    # a Deployment scaled to zero is an info finding (VL103), a schema error an error (VL801)
    scaled = BAD_DEPLOY.replace("replica: 2", "replicas: 0")
    root = repo(tmp_path, {"k8s/deploy.yaml": scaled})
    args = ("check", str(root), "--no-cache", "--select", "VL103")
    assert run(*args)[0] == 1
    assert run(*args, "--fail-on", "warning")[0] == 0
    root = repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY})
    assert run("check", str(root), "--no-cache", "--select", "VL801", "--fail-on", "error")[0] == 1


def test_full_format_frames_the_source_line_and_colour_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path, {"k8s/deploy.yaml": BAD_DEPLOY})
    args = ("check", str(root), "--no-cache", "--select", "VL801")
    code, out = run(*args, "--full")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{root}/k8s/deploy.yaml:6:3: error: VL801 ") or lines[0].startswith(
        "k8s/deploy.yaml:6:3: error: VL801 "
    )
    assert lines[1:4] == ["   |", " 6 |   replica: 2", "   |   ^^^^^^^^^^"]
    code, out = run(*args, "--concise")
    assert "error:" not in out.splitlines()[0] and " | " not in out
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run(*args)[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(*args)[1]


def test_python_m_does_not_import_the_linted_repository_s_modules(tmp_path: Path) -> None:
    """`python -m vertice_lint .` from the repository's root: `python -m` puts the cwd first
    on sys.path, so a planted `jsonschema.py` would run in place of the real one."""
    import subprocess
    import sys

    marker = tmp_path / "RAN"
    (tmp_path / "jsonschema.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
    )
    (tmp_path / "click").mkdir()
    (tmp_path / "click" / "__init__.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.run(
        [sys.executable, "-m", "vertice_lint", ".", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()


def test_the_progress_line_is_erased_and_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import time

    from vertice_lint import cli as cli_module

    err = io.StringIO()
    monkeypatch.setattr(cli_module.sys, "stderr", err)
    with cli_module._progress(True):
        time.sleep(1.3)
    assert err.getvalue().startswith("\rvertice-lint: linting... 1 s")
    assert err.getvalue().endswith("\r\x1b[2K")
    err.truncate(0)
    err.seek(0)
    with cli_module._progress(False):
        time.sleep(1.1)
    assert err.getvalue() == ""
