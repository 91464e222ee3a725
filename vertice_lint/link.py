"""Link the parsed files into one Workspace (see model.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from vertice_lint.config import Config
from vertice_lint.discover import Kind
from vertice_lint.model import Workspace
from vertice_lint.parsers import ParsedFile


def link(root: Path, config: Config, files: Mapping[str, ParsedFile]) -> Workspace:
    """Build the Workspace from the parsed files and the config."""
    notes: list[str] = []
    for path, parsed in sorted(files.items()):
        if parsed.source.kind is Kind.HELM_CHART:
            notes.append(f"{path}: Helm chart recognised; its templates are not rendered yet")
    return Workspace(root=root, config=config, files=dict(files), notes=tuple(notes))
