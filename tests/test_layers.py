"""The layers of ARCHITECTURE.md, enforced: who may import whom, and what a rule may touch.

cli / engine -> checks/ (compare facts) -> model/ (the contract) <- link/ (derives facts)
                                              ^                       |
                                              +------ parsers/ <------+
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from vertice_lint.model import Workspace

PACKAGE = Path(__file__).resolve().parent.parent / "vertice_lint"

# What each layer may import of vertice_lint (prefixes); anything else of vertice_lint is refused.
BASE = ("diagnostics", "discover", "config", "suppress", "source", "paths")
ALLOWED: dict[str, tuple[str, ...]] = {
    "parsers": ("parsers", "diagnostics", "discover", "source"),
    "model": ("model", "parsers", *BASE),
    "link": ("link", "model", "parsers", "k8s_schema", *BASE),
    "checks": ("checks", "model", "diagnostics", "catalog", "fix", "suppress"),
}


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module below vertice_lint) of every import, lazy ones included."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if node.module != "vertice_lint":
                names = [node.module]
        else:
            continue
        for name in names:
            if name.startswith("vertice_lint."):
                out.append((node.lineno, name.removeprefix("vertice_lint.")))
    return out


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    allowed = ALLOWED[layer]
    bad = [
        f"{path.relative_to(PACKAGE)}:{line}: imports vertice_lint.{name}"
        for path in _modules(layer)
        for line, name in _imports(path)
        if not any(name == a or name.startswith(a + ".") for a in allowed)
    ]
    assert bad == []


def test_no_rule_reaches_past_the_model() -> None:
    """A rule reads neither the parsed files (`ws.files`, a `.record`) nor a cache (`derive`)."""
    bad = []
    for path in _modules("checks"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Attribute) and (
                node.attr in ("record", "derive", "records", "_derived", "_record")
                or (
                    node.attr == "files"
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "ws"
                )
            ):
                bad.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: .{node.attr}")
    assert bad == []


def test_only_source_reads_the_repository() -> None:
    """No disk read of a repository file outside source.py (package data excepted)."""
    bad = []
    for layer in ("link", "checks", "model", "parsers"):
        for path in _modules(layer):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Call):
                    func = node.func
                    segment = ast.unparse(func)
                    if isinstance(func, ast.Attribute):
                        reads = func.attr in ("read_text", "read_bytes", "iterdir") or segment in (
                            "os.listdir",
                            "os.scandir",
                            "os.walk",
                        )
                    else:
                        reads = isinstance(func, ast.Name) and func.id == "open"
                    if reads and "resources" not in segment and "joinpath" not in segment:
                        bad.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {segment}")
    assert bad == []


def test_the_workspace_has_no_string_cache() -> None:
    assert not hasattr(Workspace, "derive")
    assert "_derived" not in Workspace.__dataclass_fields__
