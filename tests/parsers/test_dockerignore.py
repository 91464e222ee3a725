"""Tests for .dockerignore parsing and Docker's matching rules."""

from __future__ import annotations

import pytest

from vertice_lint.diagnostics import ParseProblem
from vertice_lint.parsers.dockerignore import parse


def test_patterns_keep_lines_and_normalise() -> None:
    ignore = parse(".dockerignore", "# comment\n\n/build/\n  ./dist  \n!  /keep//me.txt\n")
    assert [(p.text, p.pattern, p.exclusion, p.line, p.col) for p in ignore.patterns] == [
        ("/build/", "build", False, 3, 1),
        ("./dist", "dist", False, 4, 3),
        ("!  /keep//me.txt", "keep/me.txt", True, 5, 1),
    ]


def test_plain_name_matches_only_at_the_root() -> None:
    ignore = parse(".dockerignore", "secrets\n")
    assert ignore.excludes("secrets") is True
    assert ignore.excludes("secrets/prod.env") is True
    assert ignore.excludes("app/secrets") is False
    assert ignore.excludes("secrets.txt") is False


def test_double_star_matches_at_any_depth() -> None:
    ignore = parse(".dockerignore", "**/*.pyc\n**/__pycache__\n")
    assert ignore.excludes("a.pyc") is True
    assert ignore.excludes("app/sub/mod.pyc") is True
    assert ignore.excludes("app/__pycache__/mod.cpython-311.pyc") is True
    assert ignore.excludes("app/mod.py") is False


def test_star_does_not_cross_directories_but_parents_match() -> None:
    ignore = parse(".dockerignore", "*/temp*\ndocs/*.md\n")
    assert ignore.excludes("a/temporary") is True
    assert ignore.excludes("a/b/temporary") is False
    assert ignore.excludes("temporary") is False
    assert ignore.excludes("docs/x.md") is True
    # docs/sub matches nothing, docs/sub/x.md is not "docs/*.md".
    assert ignore.excludes("docs/sub/x.md") is False
    assert ignore.excludes("docs/x.md/inner.txt") is True


def test_exception_re_includes_file_under_excluded_directory() -> None:
    ignore = parse(".dockerignore", "docs\n!docs/README.md\n")
    assert ignore.excludes("docs/guide.md") is True
    assert ignore.excludes("docs/README.md") is False
    assert ignore.excludes("docs") is True


def test_last_matching_pattern_wins() -> None:
    ignore = parse(".dockerignore", "*.md\n!README*.md\nREADME-secret.md\n")
    assert ignore.excludes("notes.md") is True
    assert ignore.excludes("CHANGES.md") is True
    assert ignore.excludes("README.md") is False
    assert ignore.excludes("README-secret.md") is True
    pattern = ignore.deciding_pattern("README-secret.md")
    assert pattern is not None and pattern.line == 3


def test_leading_exception_changes_nothing() -> None:
    ignore = parse(".dockerignore", "!app\n")
    assert ignore.excludes("app/main.py") is False


def test_everything_but_the_service() -> None:
    ignore = parse(".dockerignore", "*\n!services/api\n!requirements.txt\n")
    assert ignore.excludes("services/api/main.py") is False
    assert ignore.excludes("services/worker/main.py") is True
    assert ignore.excludes("requirements.txt") is False
    assert ignore.excludes("README.md") is True
    pattern = ignore.deciding_pattern("README.md")
    assert pattern is not None and (pattern.text, pattern.line) == ("*", 1)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("file?.txt", "file1.txt", True),
        ("file?.txt", "file10.txt", False),
        ("[a-c].py", "b.py", True),
        ("[a-c].py", "d.py", False),
        ("[^a-c].py", "d.py", True),
        ("data/**", "data/x/y.csv", True),
        ("data/**", "other/data/x", False),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("*.log", "logs/app.log", False),
        ("foo\\*", "foo*", True),
        ("foo\\*", "foox", False),
        ("../outside", "outside", False),
        ("a.b", "axb", False),
    ],
)
def test_pattern_syntax(pattern: str, path: str, expected: bool) -> None:
    assert parse(".dockerignore", pattern + "\n").excludes(path) is expected


def test_paths_are_normalised_before_matching() -> None:
    ignore = parse(".dockerignore", "build\n")
    assert ignore.excludes("./build/x") is True
    assert ignore.excludes("/build") is True
    assert ignore.excludes(".") is False


def test_comment_only_at_line_start_and_bad_exclusion() -> None:
    ignore = parse(".dockerignore", "# comment\n  #literal\n!\n[\n")
    assert [p.pattern for p in ignore.patterns] == ["#literal", "["]
    assert ignore.problems == (ParseProblem('illegal exclusion pattern: "!"', 3, 1),)
    assert ignore.excludes("#literal") is True
    assert ignore.excludes("[") is True
