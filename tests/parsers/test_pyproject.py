"""Tests for the pyproject.toml parser and the TOML locator."""

from __future__ import annotations

import pytest

from vertice_lint.diagnostics import ParseFailure, ParseProblem
from vertice_lint.parsers.pyproject import Package, PackageFind, Script, locate, parse

PEP621 = """\
[build-system]
requires = ["setuptools>=68", 'wheel']
build-backend = "setuptools.build_meta"

[project]
name = "orders-api"
version = "1.4.0"
requires-python = ">=3.11"
dependencies = [
    "fastapi[all]>=0.110",  # web
    'uvicorn==0.29.0',
  "psycopg2-binary==2.9.9 ; sys_platform == 'linux'", "redis",
]

[project.optional-dependencies]
metrics = ["prometheus-client==0.20.0"]

[project.scripts]
orders = "orders.main:run"

[dependency-groups]
test = ["pytest>=8", "hypothesis"]
dev = [{include-group = "test"}, "ruff"]

[tool.setuptools]
packages = ["orders", "orders.api"]
py-modules = ["settings"]
package-dir = {"" = "src"}

[tool.vertice-lint]
services = { orders = "src" }
"""


def test_pep621_dependencies_with_string_positions() -> None:
    project = parse("pyproject.toml", PEP621)
    assert project.problems == ()
    assert (project.name, project.version, project.requires_python) == (
        "orders-api",
        "1.4.0",
        ">=3.11",
    )
    found = [
        (r.name, r.specifier, r.pinned_version, r.line, r.col, r.end_col)
        for r in project.dependencies
    ]
    assert found == [
        ("fastapi", ">=0.110", None, 10, 6, 25),
        ("uvicorn", "==0.29.0", "0.29.0", 11, 6, 21),
        ("psycopg2-binary", "==2.9.9", "2.9.9", 12, 4, 52),
        ("redis", "", None, 12, 56, 61),
    ]
    assert project.dependencies[0].extras == ("all",)
    assert project.dependencies[2].marker == 'sys_platform == "linux"'
    assert project.dependencies[0].raw == "fastapi[all]>=0.110"


def test_optional_dependencies_scripts_and_build_system() -> None:
    project = parse("pyproject.toml", PEP621)
    (metrics,) = project.optional_dependencies["metrics"]
    assert (metrics.normalized, metrics.pinned_version, metrics.line, metrics.col) == (
        "prometheus-client",
        "0.20.0",
        16,
        13,
    )
    assert project.scripts == (Script("orders", "orders.main:run", 19, 11),)
    assert project.build_backend == "setuptools.build_meta"
    assert [(r.name, r.line, r.col) for r in project.build_requires] == [
        ("setuptools", 2, 14),
        ("wheel", 2, 32),
    ]


def test_dependency_groups_resolve_include_group() -> None:
    groups = parse("pyproject.toml", PEP621).dependency_groups
    assert [(r.name, r.line, r.col) for r in groups["test"]] == [
        ("pytest", 22, 10),
        ("hypothesis", 22, 23),
    ]
    assert [(r.name, r.line) for r in groups["dev"]] == [
        ("pytest", 22),
        ("hypothesis", 22),
        ("ruff", 23),
    ]


def test_dependency_group_cycle_and_unknown_group_are_problems() -> None:
    text = (
        "[dependency-groups]\n"
        'a = [{include-group = "b"}]\n'
        'b = [{include-group = "a"}, {include-group = "nope"}]\n'
    )
    project = parse("pyproject.toml", text)
    assert project.problems == (
        ParseProblem("dependency group include cycle: a -> b -> a", 3, 24),
        ParseProblem("dependency group 'b' includes unknown group 'nope'", 3, 47),
    )


def test_setuptools_packages_follow_package_dir() -> None:
    project = parse("pyproject.toml", PEP621)
    assert project.packages == (
        Package("orders", "src/orders", 26, 14),
        Package("orders.api", "src/orders/api", 26, 24),
        Package("settings", "src/settings.py", 27, 16),
    )
    assert project.package_find is None


def test_tool_table_and_its_line() -> None:
    project = parse("pyproject.toml", PEP621)
    assert project.tool == {"services": {"orders": "src"}}
    assert project.tool_line == 30


def test_setuptools_packages_find_and_auto_discovery() -> None:
    text = (
        '[build-system]\nbuild-backend = "setuptools.build_meta"\n'
        '[tool.setuptools.packages.find]\nwhere = ["src"]\ninclude = ["app*"]\n'
    )
    project = parse("pyproject.toml", text)
    assert project.packages is None
    assert project.package_find == PackageFind(("src",), ("app*",), (), True, 3, 27)
    auto = parse("pyproject.toml", '[project]\nname = "x"\n')
    assert (auto.packages, auto.package_find) == (None, None)


def test_hatch_wheel_packages() -> None:
    text = (
        '[build-system]\nbuild-backend = "hatchling.build"\n'
        '[tool.hatch.build.targets.wheel]\npackages = ["src/worker"]\n'
    )
    assert parse("pyproject.toml", text).packages == (Package("worker", "src/worker", 4, 14),)


def test_flit_module_defaults_to_the_project_name() -> None:
    text = '[build-system]\nbuild-backend = "flit_core.buildapi"\n[project]\nname = "my-tool"\n'
    assert parse("pyproject.toml", text).packages == (Package("my_tool", None, 4, 9),)


POETRY = """\
[tool.poetry]
name = "billing"
version = "0.3.0"
packages = [{ include = "billing", from = "src" }]

[tool.poetry.dependencies]
python = "^3.11"
requests = "2.31.0"
fastapi = { version = "^0.110", extras = ["all"] }
psycopg2 = { version = "==2.9.9", optional = true }
shared = { path = "../shared", develop = true }
internal = { git = "https://git.example.com/internal.git", tag = "v2" }

[tool.poetry.extras]
pg = ["psycopg2"]

[tool.poetry.group.dev.dependencies]
pytest = "^8.0"

[tool.poetry.scripts]
billing = "billing.cli:main"
"""


def test_poetry_dependencies_with_constraints_kept() -> None:
    project = parse("pyproject.toml", POETRY)
    assert (project.name, project.version, project.requires_python) == (
        "billing",
        "0.3.0",
        "^3.11",
    )
    found = [
        (r.name, r.specifier, r.pinned_version, r.line, r.col, r.end_col)
        for r in project.dependencies
    ]
    assert found == [
        ("requests", "2.31.0", "2.31.0", 8, 1, 20),
        ("fastapi", "^0.110", None, 9, 1, 51),
        ("shared", "", None, 11, 1, 48),
        ("internal", "", None, 12, 1, 72),
    ]
    requests, fastapi, shared, internal = project.dependencies
    assert requests.raw == 'requests = "2.31.0"'
    assert fastapi.extras == ("all",)
    assert (shared.local_path, shared.editable) == ("../shared", True)
    assert internal.url == "git+https://git.example.com/internal.git"


def test_poetry_optional_extras_groups_scripts_and_packages() -> None:
    project = parse("pyproject.toml", POETRY)
    (psycopg2,) = project.optional_dependencies["pg"]
    assert (psycopg2.name, psycopg2.pinned_version, psycopg2.line) == ("psycopg2", "2.9.9", 10)
    assert [(r.name, r.specifier, r.line) for r in project.dependency_groups["dev"]] == [
        ("pytest", "^8.0", 18)
    ]
    assert project.scripts == (Script("billing", "billing.cli:main", 21, 12),)
    assert project.packages == (Package("billing", "src/billing", 4, 26),)


def test_invalid_dependency_string_is_a_problem_at_its_position() -> None:
    project = parse("pyproject.toml", '[project]\ndependencies = ["ok", "bad=1"]\n')
    assert [r.name for r in project.dependencies] == ["ok"]
    assert project.problems == (
        ParseProblem(
            "invalid requirement 'bad=1': Expected semicolon (after name with no version"
            " specifier) or end (= is not a valid operator; did you mean ==?)",
            2,
            27,
        ),
    )


def test_toml_error_becomes_parse_failure_with_position() -> None:
    with pytest.raises(ParseFailure) as caught:
        parse("pyproject.toml", '[project]\nname = "x"\nversion 1\n')
    failure = caught.value
    assert (failure.line, failure.col) == (3, 9)
    assert failure.message == "invalid TOML: Expected '=' after a key in a key/value pair"


def test_locate_handles_multiline_strings_dotted_keys_and_arrays_of_tables() -> None:
    text = (
        'a.b = """\nxy"""\n'
        "[[pkg]]\nname = 'one'\n"
        '[[pkg]]\nname = "two"  # comment\n'
        "[pkg.sub]\nk = [1, [2, 'three']]\n"
    )
    where = locate(text)
    assert (where.values[("a", "b")].line, where.values[("a", "b")].col) == (2, 1)
    assert where.keys[("pkg", 1, "name")].line == 6
    assert where.values[("pkg", 1, "name")].col == 9
    inner = where.values[("pkg", 1, "sub", "k", 1, 1)]
    assert (inner.line, inner.col, inner.end_col) == (8, 14, 19)
