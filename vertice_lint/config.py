"""Configuration: `[tool.vertice-lint]` in pyproject.toml or a `.vertice-lint.toml`.

Found by walking up from the linted root; validated by `data/config.schema.json`. An invalid
config does not stop the run: each error is a VL003 diagnostic and the invalid part is ignored.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from vertice_lint.diagnostics import ParseProblem

CONFIG_FILES = (".vertice-lint.toml", "pyproject.toml")
_SECTION = ("tool", "vertice-lint")


@dataclass(frozen=True)
class ServiceMapping:
    """An explicit `[tool.vertice-lint.services.NAME]` entry."""

    name: str
    source: str | None = None
    dockerfile: str | None = None
    context: str | None = None
    image: str | None = None


@dataclass(frozen=True)
class Config:
    """The effective configuration of a run."""

    path: str | None = None  # relative to the root when inside it, else absolute
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    kubernetes_version: str | None = None
    services: tuple[ServiceMapping, ...] = ()
    external_configmaps: frozenset[str] = frozenset()
    external_secrets: frozenset[str] = frozenset()
    module_map: tuple[tuple[str, str], ...] = ()
    rules_dir: str | None = None  # relative to the root when inside it, else absolute
    problems: tuple[ParseProblem, ...] = field(default=(), compare=False)


@functools.cache
def config_schema() -> dict[str, Any]:
    text = resources.files("vertice_lint").joinpath("data/config.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def find_config(start: Path) -> Path | None:
    """The nearest `.vertice-lint.toml`, or pyproject.toml with a [tool.vertice-lint] table."""
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml":
                try:
                    data = tomllib.loads(candidate.read_text("utf-8"))
                except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
                    continue
                tool = data.get("tool")
                if not isinstance(tool, dict) or "vertice-lint" not in tool:
                    continue
            return candidate
    return None


def _locate(text: str, in_pyproject: bool, keypath: list[str | int]) -> tuple[int, int]:
    """Best-effort line/col of a key path in TOML text (tomllib keeps no positions)."""
    lines = text.splitlines()
    header = "tool.vertice-lint" if in_pyproject else ""
    keys = [k for k in keypath if isinstance(k, str)]
    table = header
    best = (1, 1)
    found_table = not header
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        match = re.match(r"^\[\s*([^\]]+?)\s*\]", line)
        if match:
            table = match.group(1).replace('"', "").replace(" ", "")
            if header and table == header and not found_table:
                found_table = True
                best = (number, 1)
            continue
        if not keys or not (table == header or table.startswith(header + ".") or not header):
            continue
        inner = table[len(header) :].lstrip(".") if header else table
        prefix = [p for p in inner.split(".") if p]
        remaining = keys[len(prefix) :] if keys[: len(prefix)] == prefix else None
        if remaining is None:
            continue
        if not remaining:
            best = (number, 1)
            continue
        key_match = re.match(r'^\s*"?([A-Za-z0-9_.*/-]+)"?\s*=', raw)
        if key_match and key_match.group(1) == remaining[0]:
            return number, len(raw) - len(raw.lstrip()) + 1
    return best


def _error_message(error: jsonschema.ValidationError, keypath: list[str | int]) -> str:
    where = ".".join(str(p) for p in keypath)
    if error.validator == "additionalProperties":
        return f"unknown option {where!r}"
    return f"{where or 'config'}: {error.message}"


def _rules_dir(config_path: Path, root: Path, value: str | None) -> str | None:
    if value is None:
        return None
    target = (config_path.parent / value).resolve()
    try:
        return target.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(target)


def load_config(path: Path, root: Path) -> Config:
    """Read and validate a config file; problems become VL003 diagnostics."""
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = str(path)
    try:
        text = path.read_text("utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        return Config(path=rel, problems=(ParseProblem(f"cannot read config: {exc}", 1, 1),))
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+), column (\d+)", str(exc))
        line, col = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        return Config(path=rel, problems=(ParseProblem(f"invalid TOML: {exc}", line, col),))
    except RecursionError:
        return Config(path=rel, problems=(ParseProblem("invalid TOML: nested too deeply", 1, 1),))
    in_pyproject = path.name == "pyproject.toml"
    section: Any = data
    if in_pyproject:
        for key in _SECTION:
            section = section.get(key, {}) if isinstance(section, dict) else {}
    problems: list[ParseProblem] = []
    validator = jsonschema.Draft202012Validator(config_schema())
    bad_keys: set[str] = set()
    for error in sorted(validator.iter_errors(section), key=lambda e: list(map(str, e.path))):
        keypath = list(error.absolute_path)
        if error.validator == "additionalProperties" and "'" in error.message:
            keypath = [*keypath, error.message.split("'")[1]]
        line, col = _locate(text, in_pyproject, keypath)
        problems.append(ParseProblem(_error_message(error, keypath), line, col))
        if keypath:
            bad_keys.add(str(keypath[0]))
    ok = (
        {k: v for k, v in section.items() if k not in bad_keys} if isinstance(section, dict) else {}
    )
    services = tuple(
        ServiceMapping(name=name, **{k: v for k, v in entry.items()})
        for name, entry in sorted(ok.get("services", {}).items())
    )
    external = ok.get("external", {})
    select = ok.get("select")
    return Config(
        path=rel,
        select=tuple(select) if select is not None else None,
        extend_select=tuple(ok.get("extend-select", ())),
        ignore=tuple(ok.get("ignore", ())),
        per_file_ignores=tuple(
            (glob, tuple(rules)) for glob, rules in ok.get("per-file-ignores", {}).items()
        ),
        exclude=tuple(ok.get("exclude", ())),
        kubernetes_version=ok.get("kubernetes-version"),
        services=services,
        external_configmaps=frozenset(external.get("configmaps", ())),
        external_secrets=frozenset(external.get("secrets", ())),
        module_map=tuple(sorted(ok.get("module-map", {}).items())),
        rules_dir=_rules_dir(path, root, ok.get("rules-dir")),
        problems=tuple(problems),
    )


def selector_problems(config: Config, root: Path, unknown: Sequence[str]) -> Config:
    """The config with a VL003 problem for each rule selector of it that names no rule
    (an id no rule has, in `ignore`: the command line refuses the same selector), at the quoted
    selector in the file when it can be found there."""
    if config.path is None or not unknown:
        return config
    path = Path(config.path) if Path(config.path).is_absolute() else root / config.path
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    problems = list(config.problems)
    for selector in dict.fromkeys(unknown):
        line, col = 1, 1
        for number, raw in enumerate(lines, start=1):
            at = max(raw.find(f'"{selector}"'), raw.find(f"'{selector}'"))
            if at >= 0 and not raw.lstrip().startswith("#"):
                line, col = number, at + 1
                break
        problems.append(
            ParseProblem(f"unknown rule selector `{selector}`: it selects no rule", line, col)
        )
    return replace(config, problems=tuple(problems))
