"""The rule catalog: one `rules/VLxxx.yaml` per rule, validated by `data/rule.schema.json`."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML

from vertice_lint.diagnostics import Severity


@dataclass(frozen=True)
class Example:
    """A small repository that shows the rule: bad (with its diagnostics), good, fixed."""

    name: str
    bad_files: dict[str, str]
    bad_diagnostics: tuple[str, ...]
    good_files: dict[str, str]
    fixed_files: dict[str, str] | None
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleMeta:
    """One catalog entry."""

    id: str
    name: str
    severity: Severity
    summary: str
    why: str
    fix_safety: str
    fix_description: str
    enabled: bool
    check: str | None
    examples: tuple[Example, ...] = field(default=(), compare=False)
    source: str = ""

    @property
    def help_text(self) -> str:
        fix = self.fix_description or "no automatic fix"
        return f"{self.summary}\n\n{self.why.strip()}\n\nFix ({self.fix_safety}): {fix}"


class CatalogError(Exception):
    """The catalog itself is broken: an internal error of the tool (exit 2)."""


def rules_dir() -> Path:
    """Where the catalog lives: bundled in the wheel, or `rules/` beside the package."""
    bundled = resources.files("vertice_lint").joinpath("_rules")
    if bundled.is_dir():
        return Path(str(bundled))
    return Path(__file__).resolve().parent.parent / "rules"


@functools.cache
def rule_schema() -> dict[str, Any]:
    text = resources.files("vertice_lint").joinpath("data/rule.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def parse_entry(data: Any, source: str) -> RuleMeta:
    """Validate one catalog entry and turn it into a RuleMeta."""
    data = _plain(data)
    errors = sorted(
        jsonschema.Draft202012Validator(rule_schema()).iter_errors(data), key=lambda e: e.path
    )
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        raise CatalogError(f"{source}: {where}: {err.message}")
    examples = tuple(
        Example(
            name=ex["name"],
            bad_files=ex["bad"]["files"],
            bad_diagnostics=tuple(ex["bad"]["diagnostics"]),
            good_files=ex["good"]["files"],
            fixed_files=ex["fixed"]["files"] if "fixed" in ex else None,
            args=tuple(ex.get("args", ())),
        )
        for ex in data["examples"]
    )
    return RuleMeta(
        id=data["id"],
        name=data["name"],
        severity=Severity(data["severity"]),
        summary=data["summary"],
        why=data["why"],
        fix_safety=data["fix"]["safety"],
        fix_description=data["fix"].get("description", ""),
        enabled=data.get("enabled", True),
        check=data.get("check"),
        examples=examples,
        source=source,
    )


@functools.cache
def load_catalog(directory: Path | None = None) -> dict[str, RuleMeta]:
    """Every rule of the catalog, by id, in id order."""
    directory = directory or rules_dir()
    yaml = YAML(typ="safe", pure=True)
    rules: dict[str, RuleMeta] = {}
    for path in sorted(directory.glob("VL*.yaml")):
        try:
            data = yaml.load(path.read_text("utf-8"))
        except Exception as exc:  # a broken catalog is the tool's own bug
            raise CatalogError(f"{path.name}: {exc}") from exc
        meta = parse_entry(data, path.name)
        if path.stem != meta.id:
            raise CatalogError(f"{path.name}: file name does not match id {meta.id}")
        rules[meta.id] = meta
    return rules
