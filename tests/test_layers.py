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
BASE = ("diagnostics", "discover", "git", "config", "suppress", "source", "paths")
ALLOWED: dict[str, tuple[str, ...]] = {
    "parsers": ("parsers", "diagnostics", "discover", "git", "source"),
    "model": ("model", "parsers", *BASE),
    "link": ("link", "model", "parsers", "k8s_schema", *BASE),
    "checks": ("checks", "model", "diagnostics", "catalog", "fix", "suppress"),
}


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def _is_module(dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module below vertice_lint) of every import, lazy ones included."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from vertice_lint.link import render` imports the module link.render
            subs = [f"{node.module}.{a.name}" for a in node.names]
            modules = [s for s in subs if _is_module(s)]
            names = modules or [node.module]
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


def _module_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def test_no_import_cycle() -> None:
    """No module reaches itself through the imports of others (lazy and typing-only included)."""
    modules = {_module_of(p): p for p in PACKAGE.rglob("*.py")}
    graph = {
        name: {target for _, target in _imports(path) if target in modules and target != name}
        for name, path in modules.items()
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
