"""The facts of the GitOps inventory and of the tool's input (model/inventory.py), derived once.

Called at the end of `link()` (and by `fallback_workspace`, for the facts that need no links):
every Kubernetes object validated against the schema of the configured version (VL801), and
the parse problems of every file (VL001).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from vertice_lint import k8s_schema
from vertice_lint.model import KubeEntry, SyncRoot
from vertice_lint.model.inventory import FileProblem, KeyPath, SchemaProblem
from vertice_lint.parsers import ParsedFile
from vertice_lint.parsers.yaml import YamlFile, key_pos, value_pos

# ${var}, ${var:=default}, ${var:-default}: what Flux's postBuild substitutes before applying
_FLUX_VAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[=-][^}]*)?\}")


# --- VL801: the schema ----------------------------------------------------------------------


def substituted_files(files: Mapping[str, ParsedFile], roots: Sequence[SyncRoot]) -> set[str]:
    """Files a Flux Kustomization with `spec.postBuild` renders: Flux substitutes their
    `${var}` before it applies them, so a variable is not the value the API server sees."""
    out: set[str] = set()
    for root in roots:
        if root.kind != "flux-kustomization" or root.path not in files:
            continue
        record = files[root.path].record
        if not isinstance(record, YamlFile):
            continue
        for obj in record.objects:
            spec = obj.plain.get("spec")
            at_root = (obj.line, obj.col) == (root.line, root.col)
            if at_root and isinstance(spec, dict) and isinstance(spec.get("postBuild"), dict):
                out |= root.files
    return out


def schema_problems(
    entries: Sequence[KubeEntry], version: str, substituted: set[str]
) -> tuple[SchemaProblem, ...]:
    """Every whole resource validated against the schema of `version`, in file order."""
    out: list[SchemaProblem] = []
    for entry in entries:
        if not entry.validated:
            continue
        obj = entry.obj
        plain = obj.plain
        if isinstance(plain.get("sops"), dict):
            # SOPS metadata of an encrypted file: Flux (or `sops -d`) removes it before applying
            plain = {k: v for k, v in plain.items() if k != "sops"}
        result = k8s_schema.validate(plain, version)
        for error in result.errors:
            locate = key_pos if error.kind in ("unknown-field", "required") else value_pos
            line, col = locate(entry.document.data, (*obj.path, *error.path))
            variable = entry.path in substituted and _is_variable(obj.plain, error.path)
            out.append(
                SchemaProblem(
                    entry.path,
                    line,
                    col,
                    obj.kind,
                    obj.name,
                    error.path,
                    error.message,
                    error.kind,
                    variable,
                )
            )
    return tuple(out)


def _is_variable(plain: Any, path: KeyPath) -> bool:
    value = plain
    for step in path:
        in_list = isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value)
        if in_list or (isinstance(value, dict) and step in value):
            value = value[step]
        else:
            return False
    return isinstance(value, str) and _FLUX_VAR.search(value) is not None


# --- VL001: parse problems ------------------------------------------------------------------


def parse_problems(files: Mapping[str, ParsedFile]) -> tuple[FileProblem, ...]:
    """The non-fatal problems (bad lines) of every parsed file, in path order."""
    return tuple(
        FileProblem(path, problem.line, problem.col, problem.message)
        for path in sorted(files)
        for problem in getattr(files[path].record, "problems", ())
    )
