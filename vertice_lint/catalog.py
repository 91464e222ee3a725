"""The rule catalog: one `rules/VLxxx.yaml` per rule, validated by `data/rule.schema.json`."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
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
    examples: tuple[Example, ...] = field(default=(), compare=False)
    source: str = ""
    # A declarative rule (checks/declarative.py): what it matches, and the JSON Schema the
    # matched value must satisfy; `message` says what is wrong.
    match: dict[str, Any] | None = field(default=None, compare=False)
    schema: dict[str, Any] | None = field(default=None, compare=False)
    message: str = ""
    # a rule about security: its score for code scanning (SARIF `security-severity`)
    security_severity: str | None = None

    @property
    def declarative(self) -> bool:
        """A rule written as data (`match` + `schema`), run by checks/declarative.py."""
        return self.match is not None

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


def entry_errors(data: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """(path, message) of what is wrong with a catalog entry, most useful first."""
    errors = sorted(
        jsonschema.Draft202012Validator(rule_schema()).iter_errors(data),
        key=lambda e: [str(p) for p in e.path],
    )
    out = [
        (
            tuple(e.absolute_path),
            e.message,
        )
        for e in errors
    ]
    if not out and isinstance(data, dict) and "schema" in data:
        try:
            jsonschema.Draft202012Validator.check_schema(data["schema"])
        except jsonschema.SchemaError as exc:
            out.append((("schema", *exc.absolute_path), f"not a valid JSON Schema: {exc.message}"))
    return out


def parse_entry(data: Any, source: str) -> RuleMeta:
    """Validate one catalog entry and turn it into a RuleMeta."""
    data = _plain(data)
    errors = entry_errors(data)
    if not errors and "examples" not in data:
        errors = [((), "'examples' is a required property of a built-in rule")]
    if errors:
        path, message = errors[0]
        where = "/".join(str(p) for p in path) or "(top)"
        raise CatalogError(f"{source}: {where}: {message}")
    return entry_meta(data, source)


def entry_meta(data: dict[str, Any], source: str) -> RuleMeta:
    """The RuleMeta of a valid entry (see `entry_errors`)."""
    examples = tuple(
        Example(
            name=ex["name"],
            bad_files=ex["bad"]["files"],
            bad_diagnostics=tuple(ex["bad"]["diagnostics"]),
            good_files=ex["good"]["files"],
            fixed_files=ex["fixed"]["files"] if "fixed" in ex else None,
            args=tuple(ex.get("args", ())),
        )
        for ex in data.get("examples", ())
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
        examples=examples,
        source=source,
        match=data.get("match"),
        schema=data.get("schema"),
        security_severity=data.get("security-severity"),
        message=data.get("message", ""),
    )


def _catalog_loader() -> Callable[[str], Any]:
    """How the catalog's own YAML is read: libyaml's C loader when PyYAML has it (ten times
    faster than the pure-Python reader; a test checks that both read the catalog the same),
    else ruamel.yaml's safe loader."""
    try:
        import yaml as pyyaml

        loader = pyyaml.CSafeLoader
    except (ImportError, AttributeError):
        return YAML(typ="safe").load

    def load(text: str) -> Any:
        return pyyaml.load(text, Loader=loader)

    return load


@functools.cache
def load_catalog(directory: Path | None = None) -> dict[str, RuleMeta]:
    """Every rule of the catalog, by id, in id order."""
    directory = directory or rules_dir()
    load = _catalog_loader()
    rules: dict[str, RuleMeta] = {}
    for path in sorted(directory.glob("VL*.yaml")):
        try:
            data = load(path.read_text("utf-8"))
        except Exception as exc:  # a broken catalog is the tool's own bug
            raise CatalogError(f"{path.name}: {exc}") from exc
        meta = parse_entry(data, path.name)
        if path.stem != meta.id:
            raise CatalogError(f"{path.name}: file name does not match id {meta.id}")
        rules[meta.id] = meta
    return rules


def load_user_rules(
    directory: Path, shown: str
) -> tuple[dict[str, RuleMeta], list[tuple[str, int, int, str]]]:
    """The declarative rules a repository writes in its `rules-dir`, and what is wrong with
    the ones that are not valid: (path, line, col, message), path shown as `shown/<file>`.

    A user rule has the catalog's format, matches and a schema instead of a Python check, and
    an id of its own (the VL prefix is the built-in catalog's); examples are optional.
    """
    from vertice_lint.diagnostics import ParseFailure
    from vertice_lint.parsers.yaml import key_pos, value_pos
    from vertice_lint.parsers.yaml import parse as parse_yaml

    rules: dict[str, RuleMeta] = {}
    problems: list[tuple[str, int, int, str]] = []
    if not directory.is_dir():
        problems.append((shown, 1, 1, "rules-dir does not exist or is not a directory"))
        return rules, problems
    built_in = load_catalog()
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        rel = f"{shown.rstrip('/')}/{path.name}" if shown not in ("", ".") else path.name
        try:
            parsed = parse_yaml(rel, path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append((rel, 1, 1, f"cannot read rule: {exc}"))
            continue
        except ParseFailure as exc:
            problems.append((rel, exc.line, exc.col, f"rule does not parse: {exc.message}"))
            continue
        documents = [d for d in parsed.documents if d.data is not None]
        if len(documents) != 1:
            problems.append((rel, 1, 1, "a rule file holds exactly one rule"))
            continue
        document = documents[0]
        data = _plain(document.plain)
        errors = entry_errors(data)
        if not errors and isinstance(data, dict):
            if "match" not in data:
                errors = [((), "a user rule has `match`, `schema` and `message`")]
            elif data["id"].startswith("VL"):
                errors = [
                    (("id",), "VL ids belong to the built-in catalog: use a prefix of your own")
                ]
            elif data["id"] in rules:
                errors = [
                    (("id",), f"id {data['id']} is already used by {rules[data['id']].source}")
                ]
            elif data["name"] in {m.name for m in (*built_in.values(), *rules.values())}:
                errors = [(("name",), f"name {data['name']} is already used by another rule")]
        if errors:
            where, message = errors[0]
            locate = key_pos if "additional" in message or "required" in message else value_pos
            line, col = locate(document.data, where)
            shown_at = "/".join(str(p) for p in where)
            problems.append(
                (rel, line, col, f"invalid rule: {shown_at + ': ' if shown_at else ''}{message}")
            )
            continue
        meta = entry_meta(data, rel)
        rules[meta.id] = meta
    return rules, problems
