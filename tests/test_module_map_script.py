"""The generator's curated list and the shipped module map agree: every curated import
name resolves, through the shipped data or the naming convention, to its distribution."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from packaging.utils import canonicalize_name

from vertice_lint.link.dependencies import module_map_data
from vertice_lint.model import ModuleMap

ROOT = Path(__file__).resolve().parent.parent


def test_every_curated_entry_resolves_with_the_shipped_map() -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_module_map", ROOT / "scripts" / "gen_module_map.py"
    )
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    sys.modules["gen_module_map"] = gen  # dataclasses look their module up there
    spec.loader.exec_module(gen)
    namespaces, data = module_map_data()
    mapping = ModuleMap((), data, namespaces, {})
    wrong = {
        module: dists[0]
        for module, dists in gen.CURATED.items()
        if canonicalize_name(dists[0]) not in mapping.providers(module)
    }
    assert wrong == {}
