"""Tests for the pip requirements file parser."""

from __future__ import annotations

from vertice_lint.diagnostics import ParseProblem
from vertice_lint.parsers.requirements import (
    Include,
    Option,
    Requirement,
    RequirementsFile,
    parse,
)


def _one(text: str) -> Requirement:
    result = parse("requirements.txt", text)
    assert result.problems == ()
    assert len(result.requirements) == 1
    return result.requirements[0]


def test_plain_pinned_requirement_has_exact_record() -> None:
    assert _one("Flask_Login==0.6.3\n") == Requirement(
        name="Flask_Login",
        normalized="flask-login",
        specifier="==0.6.3",
        extras=(),
        marker=None,
        url=None,
        editable=False,
        local_path=None,
        pinned_version="0.6.3",
        line=1,
        col=1,
        end_line=1,
        end_col=19,
        raw="Flask_Login==0.6.3",
    )


def test_comments_blank_lines_and_inline_comment() -> None:
    text = "# header\n\n   # indented comment\nrequests>=2.31  # http client\n"
    req = _one(text)
    assert (req.name, req.specifier, req.pinned_version) == ("requests", ">=2.31", None)
    assert (req.line, req.col, req.end_line, req.end_col) == (4, 1, 4, 15)
    assert req.raw == "requests>=2.31"


def test_hash_is_not_a_comment_without_whitespace_before_it() -> None:
    req = _one("git+https://example.com/repo.git#egg=tool\n")
    assert req.name == "tool"
    assert req.url == "git+https://example.com/repo.git#egg=tool"


def test_continuation_lines_keep_first_line_and_hashes() -> None:
    text = (
        "alpha==1.0\n"
        "flask==2.0.1 \\\n"
        "    --hash=sha256:aaa \\\n"
        "    --hash=sha256:bbb  # pinned with hashes\n"
        "zeta==3\n"
    )
    result = parse("requirements.txt", text)
    flask = result.requirements[1]
    assert (flask.name, flask.pinned_version) == ("flask", "2.0.1")
    assert (flask.line, flask.col, flask.end_line, flask.end_col) == (2, 1, 2, 13)
    assert flask.hashes == ("sha256:aaa", "sha256:bbb")
    assert [r.line for r in result.requirements] == [1, 2, 5]


def test_continuation_inside_the_requirement_spans_two_lines() -> None:
    req = _one("django\\\n>=4.2\n")
    assert (req.name, req.specifier) == ("django", ">=4.2")
    assert (req.line, req.col, req.end_line, req.end_col) == (1, 1, 2, 6)
    assert req.raw == "django\\\n>=4.2"


def test_includes_and_global_options() -> None:
    text = (
        "-r base.txt\n"
        "--requirement=dev.txt\n"
        "-c constraints.txt\n"
        "--index-url https://pypi.example.com/simple\n"
        "--extra-index-url=https://mirror.example.com/simple\n"
        "-f ./wheels\n"
        "--no-binary :all:\n"
        "--pre\n"
    )
    result = parse("requirements/prod.txt", text)
    assert result.requirements == ()
    assert result.includes == (
        Include("requirement", "base.txt", 1, 4),
        Include("requirement", "dev.txt", 2, 15),
        Include("constraint", "constraints.txt", 3, 4),
    )
    assert result.options == (
        Option("--index-url", "https://pypi.example.com/simple", 4, 1),
        Option("--extra-index-url", "https://mirror.example.com/simple", 5, 1),
        Option("--find-links", "./wheels", 6, 1),
        Option("--no-binary", ":all:", 7, 1),
        Option("--pre", None, 8, 1),
    )


def test_editable_local_path_with_extras() -> None:
    req = _one("-e ../lib[server]\n")
    assert (req.name, req.editable, req.local_path, req.extras) == ("", True, "../lib", ("server",))
    assert (req.line, req.col, req.end_col, req.raw) == (1, 4, 18, "../lib[server]")


def test_editable_vcs_url_takes_name_from_egg() -> None:
    req = _one("--editable git+https://github.com/org/repo.git@v1.2#egg=My_Lib\n")
    assert (req.name, req.normalized, req.editable) == ("My_Lib", "my-lib", True)
    assert req.url == "git+https://github.com/org/repo.git@v1.2#egg=My_Lib"
    assert req.local_path is None
    assert req.col == 12


def test_editable_of_a_plain_name_is_a_problem() -> None:
    result = parse("requirements.txt", "-e flask\nclick\n")
    assert result.problems == (
        ParseProblem(
            "flask is not a valid editable requirement: it should be a path to a local project"
            " or a VCS URL",
            1,
            4,
        ),
    )
    assert [r.name for r in result.requirements] == ["click"]


def test_name_at_url_and_file_url() -> None:
    result = parse(
        "requirements.txt",
        "pkg @ https://example.com/pkg-1.0.tar.gz\nlib @ file:///srv/lib\n",
    )
    pkg, lib = result.requirements
    assert (pkg.name, pkg.url, pkg.local_path) == (
        "pkg",
        "https://example.com/pkg-1.0.tar.gz",
        None,
    )
    assert (lib.name, lib.url, lib.local_path) == ("lib", "file:///srv/lib", "/srv/lib")


def test_local_paths_and_wheels() -> None:
    result = parse("requirements.txt", ".\n./pkg\n./dist/tool_x-1.2.3-py3-none-any.whl\n")
    dot, pkg, wheel = result.requirements
    assert (dot.name, dot.local_path, dot.url) == ("", ".", None)
    assert pkg.local_path == "./pkg"
    assert (wheel.name, wheel.normalized, wheel.pinned_version) == ("tool-x", "tool-x", "1.2.3")
    assert wheel.local_path == "./dist/tool_x-1.2.3-py3-none-any.whl"


def test_markers_and_extras() -> None:
    req = _one('requests[Socks,security] >= 2.0 ; python_version < "3.12"\n')
    assert req.extras == ("security", "socks")
    assert req.specifier == ">=2.0"
    assert req.marker == 'python_version < "3.12"'
    assert req.end_col == 58


def test_url_marker_needs_a_space_before_the_semicolon() -> None:
    req = _one('https://example.com/a-1.0-py3-none-any.whl ; sys_platform == "linux"\n')
    assert req.url == "https://example.com/a-1.0-py3-none-any.whl"
    assert req.marker == 'sys_platform == "linux"'
    assert (req.name, req.pinned_version) == ("a", "1.0")


def test_pinned_version_only_for_exact_pins() -> None:
    text = "a==1.0\nb===1.0.post1\nc==1.*\nd>=1,<2\ne~=1.2\nf==1.0,!=1.1\n"
    pins = [r.pinned_version for r in parse("requirements.txt", text).requirements]
    assert pins == ["1.0", "1.0.post1", None, None, None, None]


def test_environment_variables_are_kept_as_written() -> None:
    text = "private @ https://${TOKEN}@git.example.com/p.whl\nver==${VERSION}\n"
    result = parse("requirements.txt", text)
    assert result.problems == ()
    private, ver = result.requirements
    assert private.url == "https://${TOKEN}@git.example.com/p.whl"
    assert (ver.name, ver.specifier, ver.pinned_version) == ("ver", "==${VERSION}", None)


def test_bad_line_is_a_problem_and_the_next_line_still_parses() -> None:
    result = parse("requirements.txt", "flask=2.0\nfoo bar\nclick==8.1.7\n")
    assert result.problems == (
        ParseProblem(
            "invalid requirement 'flask=2.0': Expected semicolon (after name with no version"
            " specifier) or end (= is not a valid operator; did you mean ==?)",
            1,
            6,
        ),
        ParseProblem(
            "invalid requirement 'foo bar': Expected semicolon (after name with no version"
            " specifier) or end",
            2,
            5,
        ),
    )
    assert [(r.name, r.line) for r in result.requirements] == [("click", 3)]


def test_unknown_option_is_a_problem() -> None:
    result = parse("requirements.txt", "--frobnicate x\nclick\n")
    assert result.problems == (ParseProblem("no such option: --frobnicate", 1, 1),)
    assert len(result.requirements) == 1


def test_sorted_alphabetically_is_case_insensitive() -> None:
    assert parse("r.txt", "alembic\nDjango\nflask\n").sorted_alphabetically is True
    assert parse("r.txt", "flask\nDjango\n").sorted_alphabetically is False


def test_crlf_newline_and_positions() -> None:
    result = parse("requirements.txt", "a==1\r\nb==2\r\n")
    assert result.newline == "\r\n"
    assert [(r.raw, r.line, r.end_col) for r in result.requirements] == [
        ("a==1", 1, 5),
        ("b==2", 2, 5),
    ]
    assert isinstance(result, RequirementsFile)
    assert parse("r.txt", "a\n").newline == "\n"


def test_lone_continuation_at_end_of_file_is_empty() -> None:
    result = parse("requirements.txt", "click \\")
    assert [(r.raw, r.line, r.end_col) for r in result.requirements] == [("click", 1, 6)]
    assert parse("requirements.txt", "\\").requirements == ()


def test_pip_compile_via_annotation_belongs_to_the_requirement_above() -> None:
    # inline, block, and after the `--hash` continuation lines of --generate-hashes output
    text = (
        "alpha==1.0  # via -r requirements.in\n"
        "beta==2.0 \\\n"
        "    --hash=sha256:aaa \\\n"
        "    --hash=sha256:bbb\n"
        "    # via alpha\n"
        "gamma==3.0 \\\n"
        "    --hash=sha256:ccc\n"
        "    # via\n"
        "    #   -r requirements.in\n"
        "    #   beta\n"
        "delta==4.0\n"
        "    # via alpha, beta\n"
        "# a note by hand\n"
        "epsilon==5.0\n"
        "\n"
        "#   not a via entry\n"
    )
    result = parse("requirements.txt", text)
    assert [(r.name, r.via) for r in result.requirements] == [
        ("alpha", ("-r requirements.in",)),
        ("beta", ("alpha",)),
        ("gamma", ("-r requirements.in", "beta")),
        ("delta", ("alpha", "beta")),
        ("epsilon", ()),
    ]
