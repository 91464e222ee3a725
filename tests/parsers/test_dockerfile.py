"""Tests for the Dockerfile parser: BuildKit's reading of the text and the stage model."""

from __future__ import annotations

import pytest

from vertice_lint.diagnostics import ParseFailure, ParseProblem
from vertice_lint.parsers.dockerfile import (
    Arg,
    Directive,
    Dockerfile,
    EnvVar,
    Heredoc,
    Port,
    Source,
    User,
    expand,
    parse,
)


def _parse(*lines: str) -> Dockerfile:
    return parse("Dockerfile", "\n".join(lines) + "\n")


# --- first pass: instructions -------------------------------------------------------------


def test_instructions_keyword_position_and_args() -> None:
    df = parse("Dockerfile", "# comment\n\nfrom python:3.11\n  run  echo hi  \n")
    assert [(i.keyword, i.line, i.col, i.end_line, i.args) for i in df.instructions] == [
        ("FROM", 3, 1, 3, "python:3.11"),
        ("RUN", 4, 3, 4, "echo hi"),
    ]
    run = df.instructions[1]
    assert (run.start, run.end) == (len("# comment\n\nfrom python:3.11\n") + 2, 44)


def test_continuation_skips_comment_and_blank_lines() -> None:
    text = (
        "FROM x\nRUN apt-get update && \\\n  # install\n\n    apt-get install -y curl\nUSER app\n"
    )
    df = parse("Dockerfile", text)
    run = df.instructions[1]
    assert (run.line, run.end_line) == (2, 5)
    assert run.args == "apt-get update &&     apt-get install -y curl"
    # "apt-get" of the continuation line is at line 5, col 5.
    offset = run.text.index("apt-get install")
    assert run.position(offset) == (5, 5)
    assert text[run.file_offset(offset) :].startswith("apt-get install")
    assert df.instructions[2].line == 6


def test_continuation_with_trailing_blanks_after_escape_and_at_end_of_file() -> None:
    df = parse("Dockerfile", "FROM x\nRUN a \\  \n b \\")
    assert df.instructions[1].args == "a  b"
    assert df.instructions[1].end_line == 3


def test_crlf_line_endings_keep_offsets() -> None:
    text = "FROM x\r\nRUN a \\\r\n  b\r\nCMD c\r\n"
    df = parse("Dockerfile", text)
    run, cmd = df.instructions[1], df.instructions[2]
    assert run.args == "a   b"
    assert text[run.start : run.end] == "RUN a \\\r\n  b"
    assert (cmd.line, text[cmd.start : cmd.end]) == (4, "CMD c")


def test_escape_directive_backtick_windows_file() -> None:
    text = (
        "# escape=`\n"
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "WORKDIR C:\\app\n"
        "COPY run.ps1 C:\\app\\\n"
        "RUN powershell -Command `\n"
        "    Write-Host C:\\app\n"
    )
    df = parse("Dockerfile", text)
    assert df.escape == "`"
    assert df.directives == (Directive("escape", "`", 1, 1),)
    stage = df.final
    assert stage.workdir == "C:\\app"
    assert stage.copies[0].dest_abs == "C:\\app"
    assert stage.copies[0].dest_is_dir is True
    assert stage.runs[0].text == "powershell -Command     Write-Host C:\\app"
    assert (stage.runs[0].line, stage.runs[0].end_line) == (5, 6)


def test_directives_only_before_first_comment_or_instruction() -> None:
    df = parse(
        "Dockerfile", "# syntax=docker/dockerfile:1\n#check=skip=all\n# note\n# escape=`\nFROM x\n"
    )
    assert df.directives == (
        Directive("syntax", "docker/dockerfile:1", 1, 1),
        Directive("check", "skip=all", 2, 1),
    )
    assert df.escape == "\\"


def test_unknown_directive_ends_directives_and_blank_line_too() -> None:
    assert parse("Dockerfile", "# foo=bar\n# escape=`\nFROM x\n").escape == "\\"
    assert parse("Dockerfile", "\n# escape=`\nFROM x\n").escape == "\\"


def test_duplicate_and_invalid_escape_directive_fail() -> None:
    with pytest.raises(ParseFailure) as exc:
        parse("Dockerfile", "# escape=`\n# escape=\\\nFROM x\n")
    assert (exc.value.message, exc.value.line) == (
        "only one escape parser directive can be used",
        2,
    )
    with pytest.raises(ParseFailure) as exc:
        parse("Dockerfile", "# escape=!\nFROM x\n")
    assert exc.value.message == "invalid escape token '!' does not match ` or \\"


def test_flags_are_pairs_and_args_follow_them() -> None:
    df = _parse(
        "FROM --platform=$BUILDPLATFORM python:3.11 AS build",
        "RUN --mount=type=cache,target=/root/.cache --network=none pip install x",
        'COPY --link --chmod=755 --chown="a b" src/ /app/',
    )
    run = df.instructions[1]
    assert run.flags == (("mount", "type=cache,target=/root/.cache"), ("network", "none"))
    assert run.args == "pip install x"
    assert run.position(run.args_offset) == (2, 59)
    copy = df.instructions[2]
    assert copy.flags == (("link", ""), ("chmod", "755"), ("chown", "a b"))
    assert copy.flag("link") == "" and copy.flag("from") is None
    assert df.final.platform == "$BUILDPLATFORM"
    assert df.final.copies[0].chown == "a b"
    assert df.final.copies[0].chmod == "755"


# --- exec form and shell form ---------------------------------------------------------------


def test_exec_form_and_shell_form() -> None:
    df = _parse(
        "FROM x",
        'ENTRYPOINT ["tini", "--"]',
        "CMD uvicorn app.main:app --port 8080",
    )
    entrypoint, cmd = df.final.entrypoint, df.final.cmd
    assert entrypoint is not None and cmd is not None
    assert (entrypoint.form, entrypoint.args, entrypoint.line, entrypoint.col) == (
        "exec",
        ("tini", "--"),
        2,
        12,
    )
    assert (cmd.form, cmd.args, cmd.has_shell_syntax) == (
        "shell",
        ("uvicorn", "app.main:app", "--port", "8080"),
        False,
    )
    assert (cmd.line, cmd.col) == (3, 5)


def test_invalid_json_array_is_shell_form() -> None:
    df = _parse("FROM x", "CMD ['python', 'main.py']", 'CMD ["python", 1]')
    cmd = df.final.cmd
    assert cmd is not None
    assert (cmd.form, cmd.line) == ("shell", 3)
    first = parse("Dockerfile", "FROM x\nCMD ['python', 'main.py']\n").final.cmd
    assert first is not None
    assert (first.form, first.args) == ("shell", ("[python,", "main.py]"))


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("python main.py", False),
        ("python main.py && echo done", True),
        ("python main.py || true", True),
        ("a; b", True),
        ("a | b", True),
        ("echo $(date)", True),
        ("echo `date`", True),
        ("a > /tmp/log", True),
        ("ls *.py", True),
        ("echo $HOME", True),
        ("echo ${HOME}", True),
        ("echo '$HOME'", False),
        ("echo 'a && b'", False),
        ("FOO=1 python main.py", True),
        ("exec uvicorn app:app", True),
    ],
)
def test_has_shell_syntax(command: str, expected: bool) -> None:
    cmd = _parse("FROM x", f"CMD {command}").final.cmd
    assert cmd is not None
    assert cmd.has_shell_syntax is expected


def test_entrypoint_resets_inherited_cmd_and_last_cmd_wins() -> None:
    df = _parse(
        "FROM x AS base",
        "CMD a",
        "CMD b",
        "FROM base AS one",
        "FROM base AS two",
        'ENTRYPOINT ["e"]',
    )
    base, one, two = df.stages
    assert base.cmd is not None and base.cmd.args == ("b",)
    assert one.cmd == base.cmd
    assert two.cmd is None
    assert two.entrypoint is not None and two.entrypoint.line == 6


def test_shell_instruction_changes_stage_shell() -> None:
    df = _parse("FROM x", 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]', "SHELL bash")
    assert df.final.shell == ("/bin/bash", "-o", "pipefail", "-c")
    assert df.problems == (ParseProblem("SHELL requires the arguments to be in JSON form", 3, 7),)


# --- heredocs --------------------------------------------------------------------------------


def test_run_heredoc_content_and_lines() -> None:
    df = _parse("FROM x", "RUN <<EOF", "set -e", "  pip install x", "EOF", "USER app")
    run = df.final.runs[0]
    assert run.heredocs == (Heredoc("EOF", "set -e\n  pip install x\n", True, False, 0, 2, 5, 5),)
    assert (run.line, run.end_line, run.has_shell_syntax) == (2, 5, True)
    assert df.final.user == User("app", 6, 6)


def test_several_heredocs_chomp_and_quoted_delimiter() -> None:
    df = _parse(
        "FROM x",
        'RUN <<-"A" python3 && cat 2<<B',
        "\tprint($x)",
        "\tA",
        "b",
        "B",
    )
    first, second = df.instructions[1].heredocs
    assert first == Heredoc("A", "print($x)\n", False, True, 0, 2, 5, 4)
    assert second == Heredoc("B", "b\n", True, False, 2, 2, 27, 6)
    assert df.instructions[1].end_line == 6


def test_copy_heredoc_is_a_source_by_content() -> None:
    df = _parse("FROM x", "WORKDIR /etc", "COPY <<EOF app.conf", "key=1", "EOF")
    copy = df.final.copies[0]
    assert copy.sources == ()
    assert (copy.dest, copy.dest_abs, copy.dest_is_dir) == ("app.conf", "/etc/app.conf", False)
    assert copy.heredocs[0].content == "key=1\n"
    assert (copy.line, copy.end_line) == (3, 5)


def test_heredoc_markers_inside_quotes_are_not_heredocs() -> None:
    df = _parse("FROM x", "RUN echo '<<EOF'")
    assert df.instructions[1].heredocs == ()


# --- stages, ARG and ENV ---------------------------------------------------------------------


def test_multi_stage_copy_from_name_index_and_image() -> None:
    df = _parse(
        "ARG BASE=python:3.11-slim",
        "FROM ${BASE} AS Build",
        "WORKDIR /src",
        "COPY . .",
        "FROM $BASE",
        "COPY --from=build /src/app /app",
        "COPY --from=0 /src/x.py /app/",
        "COPY --from=nginx:1.27 /etc/nginx/nginx.conf /etc/nginx/",
    )
    build, final = df.stages
    assert (build.index, build.name, build.base, build.base_raw) == (
        0,
        "build",
        "python:3.11-slim",
        "${BASE}",
    )
    assert (build.base_line, build.base_col, build.line, build.end_line) == (2, 6, 2, 4)
    assert (final.index, final.name, final.base_stage, final.base) == (
        1,
        None,
        None,
        "python:3.11-slim",
    )
    assert df.final is final
    assert [(c.from_stage, c.from_index) for c in final.copies] == [
        ("build", 0),
        ("0", 0),
        ("nginx:1.27", None),
    ]
    assert df.stage("BUILD") is build
    assert df.global_args == (Arg("BASE", "python:3.11-slim", "python:3.11-slim", 1, 5),)


def test_from_stage_inherits_env_workdir_user_and_ports() -> None:
    df = _parse(
        "FROM python:3.11 AS base",
        "ENV PYTHONPATH=/app",
        "WORKDIR /app",
        "USER app",
        "EXPOSE 8000",
        "FROM base",
        "ENV PORT=8000",
        "WORKDIR src",
    )
    final = df.final
    assert final.base_stage == 0
    assert final.env == (
        EnvVar("PYTHONPATH", "/app", "/app", 2, 5),
        EnvVar("PORT", "8000", "8000", 7, 5),
    )
    assert final.envs == (EnvVar("PORT", "8000", "8000", 7, 5),)
    assert (final.workdir, final.workdir_line) == ("/app/src", 8)
    assert final.user == User("app", 4, 6)
    assert final.ports == (Port(8000, "tcp", 5, 8),)
    assert final.env_var("PYTHONPATH") == EnvVar("PYTHONPATH", "/app", "/app", 2, 5)
    assert final.env_var("HOME") is None


def test_env_forms_and_substitution() -> None:
    df = _parse(
        "FROM x",
        "ARG VERSION=1.2",
        'ENV A=b C="d e" D=$A',
        "ENV LEGACY some words ${VERSION}",
        "ENV E=${UNSET:-dflt} F=${VERSION:+set} G=${UNSET-x} H=\\$VERSION I='$VERSION'",
        "ENV A=z",
    )
    env = {var.name: (var.value, var.raw) for var in df.final.env}
    assert env == {
        "C": ("d e", '"d e"'),
        # Substitution uses the values from before the ENV instruction: A was unset.
        "D": ("", "$A"),
        "LEGACY": ("some words 1.2", "some words ${VERSION}"),
        "E": ("dflt", "${UNSET:-dflt}"),
        "F": ("set", "${VERSION:+set}"),
        "G": ("x", "${UNSET-x}"),
        "H": ("$VERSION", "\\$VERSION"),
        "I": ("$VERSION", "'$VERSION'"),
        "A": ("z", "z"),
    }
    # A redefined variable moves to the end and points at its last definition.
    assert df.final.env[-1] == EnvVar("A", "z", "z", 6, 5)
    assert [v.col for v in df.final.envs[:3]] == [5, 9, 17]


def test_global_arg_needs_redeclaring_inside_stage() -> None:
    df = _parse(
        "ARG APP=/srv/app",
        "ARG OTHER=o",
        "FROM x",
        "ARG APP",
        "WORKDIR $APP/$OTHER",
    )
    assert df.final.workdir == "/srv/app"
    assert df.final.args == (Arg("APP", None, None, 4, 5),)


def test_env_overrides_arg_of_same_name() -> None:
    df = _parse("FROM x", "ARG DIR=/a", "ENV DIR=/b", "WORKDIR $DIR")
    assert df.final.workdir == "/b"


def test_env_syntax_error_is_a_problem() -> None:
    df = _parse("FROM x", "ENV A=1 B")
    assert df.problems == (
        ParseProblem("ENV syntax error: can't find = in 'B'; use name=value", 2, 9),
    )


@pytest.mark.parametrize(
    ("word", "env", "expected"),
    [
        ("$A", {"A": "1"}, "1"),
        ("${A}b", {"A": "1"}, "1b"),
        ("${A:-x}", {"A": ""}, "x"),
        ("${A-x}", {"A": ""}, ""),
        ("${A:+y}", {"A": "1"}, "y"),
        ("${A+y}", {"A": ""}, "y"),
        ("${A:-${B}}", {"B": "2"}, "2"),
        ('"a $A"', {"A": "1"}, "a 1"),
        ("'$A'", {"A": "1"}, "$A"),
        ("a\\ b", {}, "a b"),
        ("$", {}, "$"),
        ("\\$A", {"A": "1"}, "$A"),
    ],
)
def test_expand(word: str, env: dict[str, str], expected: str) -> None:
    assert expand(word, env) == expected


# --- WORKDIR, COPY, EXPOSE -------------------------------------------------------------------


def test_workdir_chain_and_copy_destinations() -> None:
    df = _parse(
        "FROM x",
        "COPY a.txt .",
        "WORKDIR /app",
        "WORKDIR sub/../pkg",
        "COPY main.py .",
        "COPY requirements.txt constraints.txt deps",
        "COPY src/ lib/",
        "ADD archive.tar.gz /opt/x",
        'COPY ["my file.py", "./"]',
    )
    copies = df.final.copies
    assert [(c.dest, c.dest_abs, c.dest_is_dir) for c in copies] == [
        (".", "/", True),
        (".", "/app/pkg", True),
        ("deps", "/app/pkg/deps", True),
        ("lib/", "/app/pkg/lib", True),
        ("/opt/x", "/opt/x", False),
        ("./", "/app/pkg", True),
    ]
    assert copies[2].sources == (
        Source("requirements.txt", "requirements.txt", 6, 6),
        Source("constraints.txt", "constraints.txt", 6, 23),
    )
    assert (copies[2].dest_line, copies[2].dest_col) == (6, 39)
    assert copies[4].is_add is True
    assert copies[5].sources == (Source("my file.py", "my file.py", 9, 6),)
    assert df.final.workdir == "/app/pkg"


def test_copy_sources_and_dest_are_substituted() -> None:
    df = _parse("FROM x", "ARG SVC=api", "ENV HOME=/home/app", "COPY services/$SVC/ ${HOME}/")
    copy = df.final.copies[0]
    assert copy.sources == (Source("services/$SVC/", "services/api/", 4, 6),)
    assert (copy.dest, copy.dest_abs) == ("${HOME}/", "/home/app")


def test_copy_without_destination_is_a_problem() -> None:
    df = _parse("FROM x", "COPY app")
    assert df.final.copies == ()
    assert df.problems == (
        ParseProblem("COPY requires at least two arguments: sources and destination", 2, 6),
    )


def test_expose_ports_protocols_ranges_and_invalid() -> None:
    df = _parse("FROM x", "ARG P=9000", "EXPOSE 80 53/UDP 7000-7001/tcp ${P} http")
    assert df.final.ports == (
        Port(80, "tcp", 3, 8),
        Port(53, "udp", 3, 11),
        Port(7000, "tcp", 3, 18),
        Port(7001, "tcp", 3, 18),
        Port(9000, "tcp", 3, 32, ("P",)),
    )
    assert df.problems == (ParseProblem("invalid port in EXPOSE: 'http'", 3, 37),)


def test_expose_of_an_unset_variable_is_no_port_and_no_problem() -> None:
    # opentelemetry-demo: `EXPOSE ${CART_PORT}` with no ARG builds (BuildKit drops the word).
    df = _parse("FROM x", "EXPOSE ${CART_PORT} 8080")
    assert df.final.ports == (Port(8080, "tcp", 2, 21),)
    assert df.problems == ()


def test_runs_are_collected_with_lines() -> None:
    df = _parse("FROM x", "RUN pip install -r requirements.txt", 'RUN ["apt-get", "update"]')
    assert [(r.form, r.text, r.line) for r in df.final.runs] == [
        ("shell", "pip install -r requirements.txt", 2),
        ("exec", '["apt-get", "update"]', 3),
    ]


# --- refused files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "line", "col"),
    [
        ("FROM x\nRUN a\napt-get install y\n", "unknown instruction: apt-get", 3, 1),
        ("FROM x\n  COPYY a b\n", "unknown instruction: COPYY", 2, 3),
        ("# c\nRUN echo\nFROM x\n", "RUN before the first FROM: only ARG may come first", 2, 1),
        ("ARG A=1\nENV B=2\nFROM x\n", "ENV before the first FROM: only ARG may come first", 2, 1),
        ("ARG A\nFROM\n", "FROM requires an image", 2, 1),
        ("FROM a b\n", "FROM requires either one argument or three (FROM image AS name)", 1, 1),
        ("FROM x\nRUN <<EOF\necho\n", "unterminated heredoc <<EOF", 2, 5),
        ("FROM x\nCOPY a \\\n  <<END /b\nx\n", "unterminated heredoc <<END", 3, 3),
        ("", "no FROM instruction: the Dockerfile has no build stage", 1, 1),
        ("ARG A=1\n", "no FROM instruction: the Dockerfile has no build stage", 1, 1),
    ],
)
def test_parse_failures(text: str, message: str, line: int, col: int) -> None:
    with pytest.raises(ParseFailure) as exc:
        parse("Dockerfile", text)
    assert (exc.value.message, exc.value.line, exc.value.col) == (message, line, col)
