"""The README tells the truth: its two commands, and a row for every rule of the catalog."""

from __future__ import annotations

import re
from pathlib import Path

from vertice_lint.catalog import load_catalog

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")


def test_first_shell_block_holds_the_two_commands() -> None:
    match = re.search(r"```(?:bash|sh|shell|console)?\n(.*?)```", README, re.S)
    assert match is not None
    commands = [line for line in match.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "vertice-lint examples/monorepo" in commands[0]
    assert "pytest" in commands[1]
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text("utf-8")
    assert commands[1] in ci  # CI runs the README's test command verbatim


def test_every_rule_has_a_row() -> None:
    """The README's rules table is the catalog's: id, name, severity, fix safety, summary."""
    rows = {
        m.group(1): tuple(cell.strip() for cell in m.group(2).split("|"))
        for m in re.finditer(r"^\| (VL\d{3}) \|(.*)\|\s*$", README, re.M)
    }
    catalog = load_catalog()
    expected = {
        rule_id: (
            meta.name + ("" if meta.enabled else " (off by default)"),
            meta.severity.value,
            "-" if meta.fix_safety == "none" else meta.fix_safety,
            " ".join(meta.summary.split()),
        )
        for rule_id, meta in catalog.items()
    }
    assert rows == expected
