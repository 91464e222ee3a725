"""A safe Dockerfile fix never changes what gets installed nor breaks a later instruction.

Each case fixes a small Dockerfile through the CLI (`fix_twice`), compares the exact fixed file,
and then builds the model of the fixed repository again to prove that the image still builds
the same way: every stage installs the same apt and pip packages, every apt install still finds
package lists, and no new VL7xx finding appeared.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import fix_twice, lint_rule, lint_rules, workspace, write_repo

DOCKERFILE_RULES = ("VL701", "VL702", "VL703", "VL704", "VL705")


def _builds(root: Path, path: str = "Dockerfile") -> list[tuple[int, str, tuple[str, ...]]]:
    """(stage, tool, packages) of every install, in build order; fails if an apt install runs
    where the package lists are gone (the base image ships none: `apt-get update` fetches them,
    `rm -rf /var/lib/apt/lists/*` removes them, a stage starts with its base stage's)."""
    ws = workspace(root)
    record = ws.dockerfile(path)
    facts = next(i.dockerfile_facts for i in ws.images if i.dockerfile == path)
    assert record is not None and facts is not None
    lists_at_end: dict[int, bool] = {}
    installs = []
    for stage, stage_facts in zip(record.stages, facts.stages, strict=True):
        lists = lists_at_end.get(stage.base_stage, False) if stage.base_stage is not None else False
        for run in stage_facts.runs:
            for command in run.commands:
                apt, pip = command.apt, command.pip
                if apt is not None and apt.call.command == "update":
                    lists = True
                elif apt is not None and apt.call.command == "install":
                    assert lists, f"line {run.instruction.line}: apt-get install without lists"
                    installs.append((stage.index, "apt", tuple(str(a.value) for a in apt.packages)))
                elif command.words.program == "rm" and any(
                    w.value.startswith("/var/lib/apt/lists") for w in command.words.argv[1:]
                ):
                    lists = False
                if pip is not None:
                    items = tuple(i.value for i in pip.items)
                    installs.append((stage.index, "pip", items))
        lists_at_end[stage.index] = lists
    return installs


def _fix_and_prove(
    root: Path, rule: str, *extra: str, path: str = "Dockerfile"
) -> tuple[str, set[tuple[str, str]]]:
    """The fixed text; asserts the fixed image installs what the original did and that no
    Dockerfile rule reports anything new. Returns what the Dockerfile rules still report."""
    before = _builds(root, path)
    reported = {(f[0], f[4]) for f in lint_rules(root, *DOCKERFILE_RULES)}
    fixed = fix_twice(root, rule, path, *extra)
    assert _builds(root, path) == before
    after = {(f[0], f[4]) for f in lint_rules(root, *DOCKERFILE_RULES)}
    assert {r for r, _ in after} <= {r for r, _ in reported}, after - reported
    return fixed, after


# --- VL701: the lists cleanup and --no-install-recommends ------------------------------------


def test_vl701_no_cleanup_when_a_later_run_in_the_stage_installs_without_update(
    tmp_path: Path,
) -> None:
    text = (
        "FROM debian:bookworm\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl\n"
        "RUN apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n"
    )
    root = write_repo(tmp_path, {"Dockerfile": text})
    assert lint_rule(root, "VL701") == [
        (
            "VL701",
            "Dockerfile",
            2,
            23,
            "`apt-get install` without `rm -rf /var/lib/apt/lists/*` afterwards; no automatic"
            " fix: the RUN at line 3 reads the package lists this one leaves (give it its own"
            " `apt-get update` first)",
        ),
        (
            "VL701",
            "Dockerfile",
            3,
            5,
            "`apt-get install` without `apt-get update` in the same RUN"
            " (add `apt-get update && ` before it)",
        ),
    ]
    fixed, _ = _fix_and_prove(root, "VL701", "--unsafe-fixes")
    assert fixed == text


def test_vl701_no_cleanup_when_a_stage_built_from_it_installs_without_update(
    tmp_path: Path,
) -> None:
    text = (
        "FROM debian:bookworm AS base\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl\n"
        "FROM python:3.12-slim AS tools\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends make"
        " && rm -rf /var/lib/apt/lists/*\n"
        "FROM base\n"
        "RUN apt-cache policy curl\n"
        "RUN apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n"
    )
    root = write_repo(tmp_path, {"Dockerfile": text})
    assert next((f[2], f[4].split("; ")[-1]) for f in lint_rule(root, "VL701")) == (
        2,
        "no automatic fix: the RUN at line 6 reads the package lists this one leaves"
        " (give it its own `apt-get update` first)",
    )
    fixed, _ = _fix_and_prove(root, "VL701", "--unsafe-fixes")
    assert fixed == text


def test_vl701_cleanup_is_safe_when_every_later_install_updates_first(tmp_path: Path) -> None:
    root = write_repo(
        tmp_path,
        {
            "Dockerfile": (
                "FROM debian:bookworm AS base\n"
                "RUN apt-get update && apt-get install --no-install-recommends curl\n"
                "RUN apt-get remove -y --purge vim-tiny\n"
                "FROM base\n"
                "RUN apt-get update && apt-get install -y --no-install-recommends git \\\n"
                "    && rm -rf /var/lib/apt/lists/*\n"
            )
        },
    )
    fixed, after = _fix_and_prove(root, "VL701")  # safe fixes only
    assert fixed == (
        "FROM debian:bookworm AS base\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "RUN apt-get remove -y --purge vim-tiny\n"
        "FROM base\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends git \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )
    assert after == set()


def test_vl701_no_install_recommends_is_an_unsafe_fix(tmp_path: Path) -> None:
    text = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n"
    root = write_repo(tmp_path, {"Dockerfile": text})
    # --fix alone applies safe fixes only: the recommended packages would no longer be installed
    assert fix_twice(root, "VL701", "Dockerfile") == text
    fixed, after = _fix_and_prove(root, "VL701", "--unsafe-fixes")
    assert fixed == (
        "FROM debian:bookworm\n"
        "RUN apt-get update && apt-get install --no-install-recommends -y curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )
    assert after == set()


# --- VL704: --no-cache-dir where the cache is used, or never shipped --------------------------


def test_vl704_no_cache_dir_is_not_asked_under_a_cache_mount_or_in_a_builder(
    tmp_path: Path,
) -> None:
    root = write_repo(
        tmp_path,
        {
            "Dockerfile": (
                "FROM python:3.12-slim AS wheels\n"
                "RUN pip wheel -w /wheels flask==3.0.3\n"
                "RUN pip install -r requirements.txt\n"  # a builder: its cache never ships
                "FROM python:3.12-slim\n"
                "ENV PIP_CACHE_DIR=/var/cache/pip\n"
                "RUN --mount=type=cache,target=/root/.cache/pip pip install -r a.txt\n"
                "RUN --mount=type=cache,target=/var/cache/pip/ pip install -r b.txt\n"
                "RUN --mount=type=cache,target=/root/.cache pip install -r c.txt\n"
                "RUN --mount=type=bind,source=d.txt,target=/tmp/d.txt pip install -r /tmp/d.txt\n"
            )
        },
    )
    assert lint_rule(root, "VL704") == [
        ("VL704", "Dockerfile", 9, 54, "`pip install` without --no-cache-dir")
    ]
    fixed, after = _fix_and_prove(root, "VL704")
    assert fixed.splitlines()[-1] == (
        "RUN --mount=type=bind,source=d.txt,target=/tmp/d.txt pip install --no-cache-dir"
        " -r /tmp/d.txt"
    )
    assert fixed.splitlines()[:-1] == (tmp_path / "Dockerfile").read_text().splitlines()[:-1]
    assert after == set()


# --- VL705: `exec` in the shell form where the exec form would change the command -----------


def _final_command(root: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(ENTRYPOINT, CMD) words of the final stage, `exec` dropped: what the container runs."""
    record = workspace(root).dockerfile("Dockerfile")
    assert record is not None
    final = record.final
    words = [
        tuple(w for i, w in enumerate(v.args) if not (i == 0 and w == "exec"))
        if v is not None
        else ()
        for v in (final.entrypoint, final.cmd)
    ]
    return words[0], words[1]


def test_vl705_keeps_the_shell_form_where_it_expands_a_variable(tmp_path: Path) -> None:
    root = write_repo(
        tmp_path,
        {
            "Dockerfile": (
                "FROM python:3.12-slim\n"
                'CMD uvicorn app:app --host 0.0.0.0 --port "${PORT:-8080}" 2>&1\n'
            )
        },
    )
    (message,) = [f[4] for f in lint_rule(root, "VL705")]
    assert message.endswith(
        "; prefix it with `exec` (CMD exec ...): it expands variables, which the exec form"
        " does not, so the shell form is needed"
    )
    before = _final_command(root)
    fixed, after = _fix_and_prove(root, "VL705")
    assert fixed == (
        "FROM python:3.12-slim\n"
        'CMD exec uvicorn app:app --host 0.0.0.0 --port "${PORT:-8080}" 2>&1\n'
    )
    assert _final_command(root) == before
    assert after == set()


def test_vl705_shell_form_entrypoint_with_a_cmd_gets_exec_not_the_exec_form(
    tmp_path: Path,
) -> None:
    # ENTRYPOINT ["python", "app.py"] would run `python app.py --debug`: the shell form
    # ignores the CMD, so only `exec` keeps the command the container runs
    root = write_repo(
        tmp_path,
        {"Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT python app.py\nCMD ["--debug"]\n'},
    )
    before = _final_command(root)
    fixed, after = _fix_and_prove(root, "VL705")
    assert fixed == 'FROM python:3.12-slim\nENTRYPOINT exec python app.py\nCMD ["--debug"]\n'
    assert _final_command(root) == before
    assert after == set()


def test_vl705_no_fix_under_a_shell_that_is_not_posix(tmp_path: Path) -> None:
    text = (
        "FROM mcr.microsoft.com/powershell:lts-debian-12\n"
        'SHELL ["pwsh", "-Command"]\n'
        "CMD ./server --port $env:PORT\n"
    )
    root = write_repo(tmp_path, {"Dockerfile": text})
    assert len(lint_rule(root, "VL705")) == 1
    assert fix_twice(root, "VL705", "Dockerfile", "--unsafe-fixes") == text
