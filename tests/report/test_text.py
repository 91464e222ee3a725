"""The text format: ruff-like lines, evidence, summary grammar, statistics, show-fixes."""

from __future__ import annotations

from vertice_lint.diagnostics import Diagnostic, Fix, Safety, Severity
from vertice_lint.report import RunSummary, render
from vertice_lint.report.text import count_phrase

from .test_render import CTX, SAMPLE, ctx

LIST = """\
/repo/k8s/orphan.yaml:1:1: VL101 Deployment legacy: 100%, no source
second line
    = /repo/k8s/kustomization.yaml:4:5: listed in resources
    = legacy:1:1: no such directory
/repo/k8s/scaled.yaml:7:3: VL103 replicas: 0
api/Dockerfile:1:6: VL104 base image python:latest is mutable
api/main.py:2:1: VL201 relative import `from .db import db` in a script [*]
api/main.py:3:1: VL201 relative import `from .app import app` in a script [*]
    = api/Dockerfile:14:1: main.py is run as a script by `CMD`
"""


def _diag(severity: Severity, safety: Safety | None = None) -> Diagnostic:
    fix = Fix((), safety, "fix it") if safety else None
    return Diagnostic("VL201", "services/a.py", 1, 1, "m", severity, fix=fix)


def test_list_then_summary_with_hidden_unsafe_fix() -> None:
    assert render("text", SAMPLE, CTX) == LIST + (
        "\n"
        "Found 2 errors, 2 warnings and 1 info.\n"
        "[*] 2 fixable with the --fix option"
        " (1 hidden fix can be enabled with the --unsafe-fixes option).\n"
    )


def test_unsafe_fixes_enabled_marks_unsafe_fixable_and_drops_the_hint() -> None:
    out = render("text", SAMPLE, ctx(unsafe_fixes=True))
    assert out.splitlines()[:2] == [
        "/repo/k8s/orphan.yaml:1:1: VL101 Deployment legacy: 100%, no source",
        "second line [*]",
    ]
    assert out.endswith(
        "\nFound 2 errors, 2 warnings and 1 info.\n[*] 3 fixable with the --fix option.\n"
    )


def test_quiet_prints_the_diagnostics_only() -> None:
    assert render("text", SAMPLE, ctx(quiet=True)) == LIST
    assert render("text", (), ctx(quiet=True)) == ""


def test_nothing_found() -> None:
    assert render("text", (), CTX) == "All checks passed!\n"


def test_count_phrase_grammar() -> None:
    e, w, i = Severity.ERROR, Severity.WARNING, Severity.INFO
    cases = {
        (e,): "1 error",
        (e, e): "2 errors",
        (w,): "1 warning",
        (i, i): "2 infos",
        (e, w): "1 error and 1 warning",
        (w, w, i): "2 warnings and 1 info",
        (e, e, w, i, i): "2 errors, 1 warning and 2 infos",
        (): "0 errors",
    }
    for severities, phrase in cases.items():
        assert count_phrase([_diag(s) for s in severities]) == phrase


def test_fix_hints_singular_plural_and_only_hidden() -> None:
    one_hidden = [_diag(Severity.ERROR, Safety.UNSAFE)]
    assert render("text", one_hidden, CTX) == (
        "a.py:1:1: VL201 m\n"
        "\n"
        "Found 1 error.\n"
        "No fixes available (1 hidden fix can be enabled with the --unsafe-fixes option).\n"
    )
    mixed = [_diag(Severity.WARNING, Safety.SAFE)] + [_diag(Severity.WARNING, Safety.UNSAFE)] * 2
    assert render("text", mixed, CTX).split("\n\n")[1] == (
        "Found 3 warnings.\n"
        "[*] 1 fixable with the --fix option"
        " (2 hidden fixes can be enabled with the --unsafe-fixes option).\n"
    )


def test_schema_skipped_line_only_when_some_were_skipped() -> None:
    one = ctx(summary=RunSummary(files_checked=1, files_by_kind={}, schema_skipped=1))
    assert render("text", (), one) == (
        "All checks passed!\n"
        "Checked 1 file; 1 Kubernetes object without a schema was not validated.\n"
    )
    many = ctx(summary=RunSummary(files_checked=12, files_by_kind={}, schema_skipped=3))
    assert render("text", (), many) == (
        "All checks passed!\n"
        "Checked 12 files; 3 Kubernetes objects without a schema were not validated.\n"
    )


def test_verbose_always_reports_coverage_and_notes() -> None:
    summary = RunSummary(
        files_checked=12,
        files_by_kind={"python": 7, "yaml": 4, "dockerfile": 1},
        schema_skipped=0,
        notes=("assumed services/api is the build context", "skipped stale Dockerfile.old"),
    )
    assert render("text", (), ctx(verbose=True, summary=summary)) == (
        "All checks passed!\n"
        "Checked 12 files (1 dockerfile, 7 python, 4 yaml).\n"
        "note: assumed services/api is the build context\n"
        "note: skipped stale Dockerfile.old\n"
    )
    assert render("text", (), ctx(summary=summary)) == "All checks passed!\n"


def test_statistics_table_like_ruff() -> None:
    assert render("text", SAMPLE, ctx(statistics=True)) == (
        "2\tVL201\t[*] relative-import-in-script\n"
        "1\tVL101\t[ ] orphan-workload\n"
        "1\tVL103\t[ ] scaled-to-zero\n"
        "1\tVL104\t[ ] mutable-image-tag\n"
        "\n"
        "Found 2 errors, 2 warnings and 1 info.\n"
        "[*] 2 fixable with the --fix option"
        " (1 hidden fix can be enabled with the --unsafe-fixes option).\n"
    )


def test_statistics_without_fixes_has_no_marks_and_pads_columns() -> None:
    many = [_diag(Severity.INFO)] * 10 + [
        Diagnostic("VL1001", "services/b.py", 1, 1, "m", Severity.INFO, name="custom")
    ]
    assert render("text", many, ctx(statistics=True, quiet=True)) == (
        "10\tVL201 \trelative-import-in-script\n 1\tVL1001\tcustom\n"
    )


def test_show_fixes_lists_what_was_fixed() -> None:
    fixed = (SAMPLE[3], SAMPLE[0], SAMPLE[2])
    out = render(
        "text",
        (SAMPLE[1],),
        ctx(show_fixes=True, fixed=fixed, summary=RunSummary(12, {}, 0, fixed=3)),
    )
    assert out == (
        "/repo/k8s/scaled.yaml:7:3: VL103 replicas: 0\n"
        "\n"
        "Fixed 2 errors and 1 warning:\n"
        "- /repo/k8s/orphan.yaml:1:1: VL101 Deployment legacy: 100%, no source\nsecond line\n"
        "- api/main.py:2:1: VL201 relative import `from .db import db` in a script\n"
        "- api/main.py:3:1: VL201 relative import `from .app import app` in a script\n"
        "\n"
        "Found 1 info.\n"
    )


def test_fixed_count_without_show_fixes() -> None:
    assert render("text", (), ctx(summary=RunSummary(12, {}, 0, fixed=1))) == (
        "Fixed 1 diagnostic.\nAll checks passed!\n"
    )
    assert render("text", (), ctx(summary=RunSummary(12, {}, 0, fixed=4))) == (
        "Fixed 4 diagnostics.\nAll checks passed!\n"
    )


def test_control_characters_of_names_and_messages_never_reach_the_terminal() -> None:
    """A file name with an ESC sequence or a newline, a message quoting one: escaped, so no
    colour, cursor move or forged line; a message's own newline is kept."""
    from vertice_lint.diagnostics import Evidence

    diag = Diagnostic(
        "VL801",
        "k8s/\x1b[2Jevil\nname.yaml",
        1,
        1,
        "key `\x1b[31mred` unknown\nsecond line",
        evidence=(Evidence("k8s/\x07bell.yaml", 2, 1, "note \x1b]0;title\x07"),),
    )
    out = render("text", (diag,), ctx(quiet=True))
    assert "\x1b" not in out and "\x07" not in out
    assert out == (
        "/repo/k8s/\\x1b[2Jevil\\x0aname.yaml:1:1: VL801 key `\\x1b[31mred` unknown\nsecond line\n"
        "    = /repo/k8s/\\x07bell.yaml:2:1: note \\x1b]0;title\\x07\n"
    )
