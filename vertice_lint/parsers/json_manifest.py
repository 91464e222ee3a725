"""JSON files that are Kubernetes manifests (`kubectl apply -f claim.json`), read as YAML.

JSON is YAML, so a manifest is parsed by parsers/yaml.py (objects with their positions). Any
other JSON (package.json, a dashboard, a tsconfig.json with comments) has no record and is no
finding: whether it is valid JSON is not this linter's business.
"""

from __future__ import annotations

import json

from vertice_lint.diagnostics import ParseFailure
from vertice_lint.parsers import yaml


def _manifest(value: object) -> bool:
    """An object kubectl applies: apiVersion, kind and metadata (a `kind: List` has items).
    A component's own config with apiVersion and kind (kube-scheduler's `kind: Policy`,
    passed with --policy-config-file) has no metadata: it is not applied."""
    if not isinstance(value, dict):
        return False
    typed = isinstance(value.get("apiVersion"), str) and isinstance(value.get("kind"), str)
    listed = value.get("kind") == "List" and isinstance(value.get("items"), list)
    return typed and (isinstance(value.get("metadata"), dict) or listed)


def parse(path: str, text: str) -> yaml.YamlFile | None:
    """The file's Kubernetes objects (a YamlFile), or None when it is no manifest."""
    if '"apiVersion"' not in text or '"kind"' not in text:
        return None  # most JSON files: not even loaded
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not _manifest(value):
        return None
    try:
        return yaml.parse(path, text)
    except (ParseFailure, RecursionError):
        return None
