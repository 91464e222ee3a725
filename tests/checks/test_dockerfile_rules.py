"""VL701–VL705: the Dockerfile rules, linted on small repositories and fixed through the CLI."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import fix_twice
from tests.helpers import lint_rule as _lint
from tests.helpers import write_repo as _repo

Found = tuple[str, str, int, int, str]

APT_FIXED_END = " \\\n    && rm -rf /var/lib/apt/lists/*"


def _dockerfile(*lines: str, newline: str = "\n") -> dict[str, str]:
    return {"Dockerfile": newline.join(lines) + newline}


# --- VL701 apt-hygiene -----------------------------------------------------------------------

APT_NO_FLAGS = (
    "`apt-get install` without -y, without --no-install-recommends,"
    " without `rm -rf /var/lib/apt/lists/*` afterwards"
)


def test_vl701_reports_what_is_missing_at_the_install_word(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM debian:bookworm",
            "RUN apt-get update && apt-get install curl",
            "RUN apt-get update && apt-get install -qq --no-install-recommends git"
            " && rm -rf /var/lib/apt/lists/*",
            "RUN apt-get install -y --no-install-recommends vim && rm -rf /var/lib/apt/lists/*",
        ),
    )
    assert _lint(root, "VL701") == [
        (
            "VL701",
            "Dockerfile",
            2,
            23,
            APT_NO_FLAGS + "; no automatic fix: the RUN at line 4 reads the package lists this"
            " one leaves (give it its own `apt-get update` first)",
        ),
        (
            "VL701",
            "Dockerfile",
            4,
            5,
            "`apt-get install` without `apt-get update` in the same RUN"
            " (add `apt-get update && ` before it)",
        ),
    ]


def test_vl701_cache_mount_and_apt_conf_satisfy_it(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM debian:bookworm",
            "RUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/99norec",
            "RUN --mount=type=cache,target=/var/lib/apt \\",
            "    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get -y install curl",
        ),
    )
    assert _lint(root, "VL701") == []


def test_vl701_builder_stage_only_needs_update_and_yes(tmp_path: Path) -> None:
    # a builder stage's layers never reach the image: lists and recommends are its own business
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM python:3.12-slim AS builder",
            "RUN apt-get update && apt-get install -y build-essential",
            "RUN apt-get install gcc",
            "FROM builder AS base",
            "RUN apt-get update && apt-get install -y git",
            "FROM python:3.12-slim",
            "RUN apt-get update && apt-get install -y curl",
        ),
    )
    assert [(f[2], f[4]) for f in _lint(root, "VL701")] == [
        (
            3,
            "`apt-get install` without `apt-get update` in the same RUN"
            " (add `apt-get update && ` before it), without -y",
        ),
        (
            7,
            "`apt-get install` without --no-install-recommends, without"
            " `rm -rf /var/lib/apt/lists/*` afterwards",
        ),
    ]


def test_vl701_fix_single_line(tmp_path: Path) -> None:
    root = _repo(
        tmp_path, _dockerfile("FROM debian:bookworm", "RUN apt-get update && apt-get install curl")
    )
    assert fix_twice(root, "VL701", "Dockerfile", "--unsafe-fixes") == (
        "FROM debian:bookworm\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl"
        + APT_FIXED_END
        + "\n"
    )


def test_vl701_fix_keeps_leading_operator_style_and_crlf(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM debian:bookworm",
            "RUN apt-get update \\",
            "  && apt-get install \\",
            "       curl \\",
            "       git",
            'CMD ["bash"]',
            newline="\r\n",
        ),
    )
    assert fix_twice(root, "VL701", "Dockerfile", "--unsafe-fixes") == (
        "FROM debian:bookworm\r\n"
        "RUN apt-get update \\\r\n"
        "  && apt-get install -y --no-install-recommends \\\r\n"
        "       curl \\\r\n"
        "       git \\\r\n"
        "  && rm -rf /var/lib/apt/lists/*\r\n"
        'CMD ["bash"]\r\n'
    )


def test_vl701_fix_keeps_trailing_operator_style(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM debian:bookworm",
            "RUN apt-get update && \\",
            "    apt-get install -y curl",
        ),
    )
    assert fix_twice(root, "VL701", "Dockerfile", "--unsafe-fixes") == (
        "FROM debian:bookworm\n"
        "RUN apt-get update && \\\n"
        "    apt-get install --no-install-recommends -y curl && \\\n"
        "    rm -rf /var/lib/apt/lists/*\n"
    )


def test_vl701_no_fix_without_update_or_after_semicolon(tmp_path: Path) -> None:
    files = _dockerfile(
        "FROM debian:bookworm",
        "RUN apt-get install curl",
        "RUN apt-get update; apt-get install -y --no-install-recommends git;",
    )
    root = _repo(tmp_path, files)
    assert [d[2] for d in _lint(root, "VL701")] == [2, 3]
    assert fix_twice(root, "VL701", "Dockerfile") == files["Dockerfile"]


# --- VL702 copy-source-missing ---------------------------------------------------------------


def test_vl702_missing_outside_and_globs(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            "svc/Dockerfile": "\n".join(
                [
                    "FROM python:3.12-slim AS builder",
                    "COPY requirements.txt ./",
                    "FROM python:3.12-slim",
                    "COPY --from=builder /root/.local /root/.local",
                    "COPY --from=python:3.12 /usr/local/bin/python /x",
                    "COPY app/*.py [ab].txt /app/",
                    "COPY lib/ /lib/",
                    "COPY ../shared /shared",
                    "ADD https://example.com/x.tar.gz /tmp/",
                    "COPY <<EOF /etc/motd",
                    "hi",
                    "EOF",
                    "COPY nothing*.py /app/",
                ]
            )
            + "\n",
            "svc/app/main.py": "",
            "svc/b.txt": "",
            "svc/lib/sub/x.py": "",
            "shared/y.py": "",
        },
    )
    assert _lint(root, "VL702") == [
        (
            "VL702",
            "svc/Dockerfile",
            2,
            6,
            "COPY source `requirements.txt` matches nothing in the build context `svc`",
        ),
        (
            "VL702",
            "svc/Dockerfile",
            8,
            6,
            "COPY source `../shared` is outside the build context `svc`",
        ),
        (
            "VL702",
            "svc/Dockerfile",
            13,
            6,
            "COPY source `nothing*.py` matches nothing in the build context `svc`",
        ),
    ]


def test_vl702_an_optional_wildcard_source_may_match_nothing(tmp_path: Path) -> None:
    # a wildcard source that matches nothing is dropped when another source of the instruction
    # matches (BuildKit and the legacy builder agree); a wildcard whose folder is missing fails
    root = _repo(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\n"
            "COPY requirements.txt* pyproject.toml* poetry.lock* ./\n"
            "COPY nowhere/*.txt requirements.txt ./\n",
            "requirements.txt": "flask==3.0.3\n",
        },
    )
    assert _lint(root, "VL702") == [
        (
            "VL702",
            "Dockerfile",
            4,
            6,
            "COPY source `nowhere/*.txt` matches nothing in the build context `.`",
        )
    ]


def test_vl702_a_source_git_ignores_may_exist_where_the_image_is_built(tmp_path: Path) -> None:
    # `.env` and `svc/local.json` are ignored by git (the root's and the service's own
    # `.gitignore`): a checkout lacks them, a developer's tree has them, so their absence
    # proves nothing; `svc/keep.json` is re-included, and a source nothing ignores is missing
    root = _repo(
        tmp_path,
        {
            ".gitignore": "# local files\n.env\n",
            "svc/.gitignore": "*.json\n!keep.json\n",
            "svc/Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY .env local.json ./\n"
            "COPY keep.json config.toml ./\n",
            "docker-compose.yml": "services:\n  svc:\n    build: ./svc\n",
        },
    )
    assert [f[:4] for f in _lint(root, "VL702")] == [
        ("VL702", "svc/Dockerfile", 4, 6),
        ("VL702", "svc/Dockerfile", 4, 16),
    ]


def test_vl702_dockerignore_exclusion_and_reinclusion(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            "Dockerfile": "FROM alpine\nCOPY secrets/ /s/\nCOPY docs/README.md /d/\n",
            ".dockerignore": "# build context\nsecrets\ndocs\n!docs/README.md\n",
            "secrets/key": "",
            "docs/README.md": "",
        },
    )
    assert _lint(root, "VL702") == [
        (
            "VL702",
            "Dockerfile",
            2,
            6,
            "COPY source `secrets/` is excluded from the build context `.`"
            " by .dockerignore:2 `secrets`",
        )
    ]


def test_vl702_reads_the_dockerfile_specific_dockerignore(tmp_path: Path) -> None:
    # `<Dockerfile>.dockerignore` beats the context's `.dockerignore`: the image's files and
    # VL702 read the same BuildContext fact
    root = _repo(
        tmp_path,
        {
            "svc/Dockerfile": "FROM alpine\nCOPY secrets/key /k\nCOPY README.md /r\n",
            "svc/Dockerfile.dockerignore": "secrets\n",
            "svc/.dockerignore": "README.md\n",
            "svc/secrets/key": "",
            "svc/README.md": "",
        },
    )
    assert _lint(root, "VL702") == [
        (
            "VL702",
            "svc/Dockerfile",
            2,
            6,
            "COPY source `secrets/key` is excluded from the build context `svc`"
            " by svc/Dockerfile.dockerignore:1 `secrets`",
        )
    ]


COMPOSE_TWO_CONTEXTS = """\
services:
  a:
    build:
      context: svc-a
      dockerfile: ../docker/Dockerfile
  b:
    build:
      context: svc-b
      dockerfile: ../docker/Dockerfile
"""


def test_vl702_dockerfile_built_from_two_contexts(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            "docker-compose.yml": COMPOSE_TWO_CONTEXTS,
            "docker/Dockerfile": "FROM alpine\nCOPY only-a.txt /\nCOPY nowhere.txt /\n",
            "svc-a/only-a.txt": "",
            "svc-b/other.txt": "",
        },
    )
    assert _lint(root, "VL702") == [
        # the build from svc-b fails, whatever svc-a holds
        (
            "VL702",
            "docker/Dockerfile",
            2,
            6,
            "COPY source `only-a.txt` matches nothing in the build context `svc-b`",
        ),
        (
            "VL702",
            "docker/Dockerfile",
            3,
            6,
            "COPY source `nowhere.txt` matches nothing in the build context `svc-a`;"
            " and matches nothing in the build context `svc-b`",
        ),
    ]


def test_stale_dockerfile_variant_yields_nothing(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["python"]\n',
            "Dockerfile.old": (
                "FROM python:3.9-slim\n"
                "RUN apt-get install curl && pip install flask\n"
                "COPY missing/ /app/\n"
                "ENV P=/usr/local/lib/python3.8/site-packages\n"
                "CMD python main.py\n"
            ),
        },
    )
    for rule in ("VL701", "VL702", "VL703", "VL704", "VL705"):
        assert _lint(root, rule) == [], rule


# --- VL703 python-path-version ---------------------------------------------------------------


def test_vl703_arg_base_stage_chain_and_copy_from(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        _dockerfile(
            "ARG PY=3.11",
            "FROM python:${PY}-slim AS base",
            "FROM base AS builder",
            "RUN ls /usr/local/lib/python3.9/site-packages",
            "FROM debian:bookworm",
            "RUN apt-get install -y python3.9 && ls /usr/lib/python3.9",
            "COPY --from=builder /usr/local/lib/python3.11/site-packages /opt/python3.8/",
            "FROM python:3.12",
            "COPY --from=builder /usr/local/lib/python3.10/x /usr/local/lib/python3.12/x",
        ),
    )
    message = (
        "`{}` is a Python {} path, but the base image {} has Python {}:"
        " the path does not exist in the image"
    )
    assert _lint(root, "VL703") == [
        (
            "VL703",
            "Dockerfile",
            4,
            29,
            message.format(
                "/usr/local/lib/python3.9/site-packages", "3.9", "python:3.11-slim", "3.11"
            ),
        ),
        (
            "VL703",
            "Dockerfile",
            9,
            42,
            message.format("/usr/local/lib/python3.10/x", "3.10", "python:3.11-slim", "3.11"),
        ),
    ]


def test_vl703_fix_crlf(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM python:3.12-slim",
            "ENV PYTHONPATH=/app:/usr/local/lib/python3.10/site-packages",
            newline="\r\n",
        ),
    )
    assert fix_twice(root, "VL703", "Dockerfile") == (
        "FROM python:3.12-slim\r\nENV PYTHONPATH=/app:/usr/local/lib/python3.12/site-packages\r\n"
    )


def test_vl703_base_image_through_a_registry_mirror(tmp_path: Path) -> None:
    # The Python of `mirror.gcr.io/library/python:3.11` is one fact of the model (3.11), which
    # VL703 reads; it used to know only Docker Hub names and said nothing here.
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM mirror.gcr.io/library/python:3.11",
            "ENV PYTHONPATH=/usr/local/lib/python3.12/site-packages",
            "FROM public.ecr.aws/docker/library/python:3.10-slim",
            "RUN ls /usr/local/lib/python3.12/site-packages",
            'CMD ["python"]',
        ),
    )
    assert _lint(root, "VL703") == [
        (
            "VL703",
            "Dockerfile",
            2,
            37,
            "`/usr/local/lib/python3.12/site-packages` is a Python 3.12 path, but the base"
            " image mirror.gcr.io/library/python:3.11 has Python 3.11: the path does not exist"
            " in the image",
        ),
        (
            "VL703",
            "Dockerfile",
            4,
            29,
            "`/usr/local/lib/python3.12/site-packages` is a Python 3.12 path, but the base"
            " image public.ecr.aws/docker/library/python:3.10-slim has Python 3.10: the path"
            " does not exist in the image",
        ),
    ]


# --- VL704 pip-hygiene -----------------------------------------------------------------------


def test_vl704_forms_pins_and_env(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            "Dockerfile": "\n".join(
                [
                    "FROM python:3.12-slim AS a",
                    "RUN pip3 install -r requirements.txt -e . ./lib https://x/y.whl"
                    " 'flask[async]==3.0.3'",
                    "RUN python3 -m pip install --upgrade 'requests>=2' flask==3.0.3 requests",
                    "RUN pip install --no-cache-dir -c c.txt uvicorn",
                    "RUN pip install --no-cache-dir --upgrade pip wheel 'uvicorn[standard]>=0.30'",
                    "FROM a",  # a is shipped: its layers are the image's
                    "ENV PIP_NO_CACHE_DIR=1",
                    "RUN pip install -r requirements.txt",
                    "RUN --mount=type=cache,target=/root/.cache/pip pip install -r r.txt",
                ]
            )
            + "\n",
        },
    )
    assert _lint(root, "VL704") == [
        ("VL704", "Dockerfile", 2, 5, "`pip install` without --no-cache-dir"),
        (
            "VL704",
            "Dockerfile",
            3,
            5,
            "`pip install` without --no-cache-dir and with unpinned packages: requests>=2"
            " (pin them: `name==version`)",
        ),
        (
            "VL704",
            "Dockerfile",
            4,
            5,
            "`pip install` with unpinned packages: uvicorn (pin them: `name==version`)",
        ),
        (
            "VL704",
            "Dockerfile",
            5,
            5,
            "`pip install` with unpinned packages: uvicorn[standard]>=0.30"
            " (pin them: `name==version`)",
        ),
    ]


def test_vl704_arg_default_and_abbreviated_flag_disable_the_cache(tmp_path: Path) -> None:
    # `ARG PIP_NO_CACHE_DIR=0` is in RUN's environment (pip disables the cache for any value);
    # pip's optparse takes `--no-cache` for `--no-cache-dir`
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM python:3.12 AS builder",
            "ARG PIP_NO_CACHE_DIR=0",
            "RUN pip install pipenv==2020.11.4",
            "FROM python:3.12-slim",
            "ARG PIP_NO_CACHE_DIR",
            "RUN pip install --no-cache /wheels/*",
            "RUN pip install wheel==0.45.1",
        ),
    )
    assert [(f[2], f[4]) for f in _lint(root, "VL704")] == [
        (7, "`pip install` without --no-cache-dir")
    ]


def test_vl704_fix_only_the_flag(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM python:3.12-slim",
            "RUN pip install -r requirements.txt \\",
            "    && python -m pip install \\",
            "       -e .",
            "RUN pip install flask",
        ),
    )
    assert fix_twice(root, "VL704", "Dockerfile") == (
        "FROM python:3.12-slim\n"
        "RUN pip install --no-cache-dir -r requirements.txt \\\n"
        "    && python -m pip install --no-cache-dir \\\n"
        "       -e .\n"
        "RUN pip install flask\n"
    )


def test_vl704_reads_pip_options_as_the_image_model_does(tmp_path: Path) -> None:
    # One pip reader for the image's installs and VL704: `5`, `ignore` and the index URL are
    # option values, never distributions (VL704's own table lacked --root-user-action).
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM python:3.12-slim",
            "RUN pip install --retries 5 flask",
            "RUN pip install --no-cache-dir --timeout=30 -i https://pypi.example/simple flask==2.0",
            "RUN pip install --no-cache-dir --root-user-action ignore --progress-bar off x==1",
            "RUN pip --retries 5 install --no-cache-dir --proxy http://proxy:3128 y",
            'CMD ["python"]',
        ),
    )
    assert _lint(root, "VL704") == [
        (
            "VL704",
            "Dockerfile",
            2,
            5,
            "`pip install` without --no-cache-dir and with unpinned packages: flask"
            " (pin them: `name==version`)",
        ),
        (
            "VL704",
            "Dockerfile",
            5,
            5,
            "`pip install` with unpinned packages: y (pin them: `name==version`)",
        ),
    ]


def test_vl701_reads_the_command_behind_sudo_user(tmp_path: Path) -> None:
    # `sudo -u root apt-get install`: the wrapper table knows -u takes a value (VL701 used to
    # drop every dash word after sudo and read `root` as the program)
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM debian:bookworm",
            "RUN apt-get update && sudo -u root apt-get install curl",
        ),
    )
    assert _lint(root, "VL701") == [("VL701", "Dockerfile", 2, 36, APT_NO_FLAGS)]


# --- VL705 shell-form-entrypoint -------------------------------------------------------------

SHELL_FORM = (
    "{} in shell form runs as `/bin/sh -c`, so SIGTERM goes to the shell, not the app,"
    " and the pod is killed at the end of its grace period; "
)


def test_vl705_final_stage_only_and_why_no_fix(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            "Dockerfile": "\n".join(
                [
                    "FROM python:3.12 AS builder",
                    "CMD python build.py",
                    "FROM python:3.12-slim",
                    "CMD alembic upgrade head && uvicorn app:app --port $PORT",
                ]
            )
            + "\n",
        },
    )
    assert _lint(root, "VL705") == [
        (
            "VL705",
            "Dockerfile",
            4,
            5,
            SHELL_FORM.format("CMD") + "no automatic fix: it expands variables, which the exec"
            " form does not; write `exec` before the command that should become PID 1"
            " (`... && exec app`)",
        ),
    ]


def test_vl705_a_shell_form_that_execs_is_not_reported(tmp_path: Path) -> None:
    # `exec` makes the app PID 1; a CMD under a shell-form ENTRYPOINT never runs
    for lines in (
        ["ENTRYPOINT exec gunicorn app:app", "CMD alembic upgrade head"],
        ["CMD alembic upgrade head && exec uvicorn app:app --port ${PORT:-8080}"],
        ["CMD PYTHONUNBUFFERED=1 exec python main.py"],
    ):
        root = _repo(tmp_path, _dockerfile("FROM python:3.12-slim", *lines))
        assert _lint(root, "VL705") == [], lines
    root = _repo(tmp_path, _dockerfile("FROM python:3.12-slim", "CMD exec >/tmp/log 2>&1; app"))
    assert [f[4].split("; ", 1)[1] for f in _lint(root, "VL705")] == [
        "no automatic fix: its `exec` runs no program (only redirections); write `exec` before"
        " the command that should become PID 1 (`... && exec app`)"
    ]


def test_vl705_fix_keeps_keyword_case_crlf_and_continuation(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM python:3.12-slim",
            "entrypoint python \\",
            "    'main app.py' --port 8080",
            "USER app",
            newline="\r\n",
        ),
    )
    assert fix_twice(root, "VL705", "Dockerfile") == (
        'FROM python:3.12-slim\r\nentrypoint ["python", "main app.py", "--port", "8080"]\r\n'
        "USER app\r\n"
    )


def test_vl704_installer_tools_need_no_pin(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        _dockerfile(
            "FROM python:3.12-slim",
            "RUN pip install --no-cache-dir --upgrade pip setuptools wheel",
            "RUN pip install --no-cache-dir uv && uv pip install --system -r requirements.txt",
            "RUN pip install --no-cache-dir poetry pip-tools requests",
        ),
    )
    assert _lint(root, "VL704") == [
        (
            "VL704",
            "Dockerfile",
            4,
            5,
            "`pip install` with unpinned packages: requests (pin them: `name==version`)",
        )
    ]


def test_vl705_a_lone_command_under_busybox_or_bash_runs_as_pid_1(tmp_path: Path) -> None:
    # busybox ash (Alpine) and bash (the Red Hat family) exec the only command of `sh -c`, so
    # the program is PID 1; Debian's dash stays its parent, and every shell stays the parent
    # of a command list
    cases = {
        "alpine/Dockerfile": "FROM python:3.12-alpine\nCOPY app.py .\nCMD python app.py\n",
        "ubi/Dockerfile": "FROM registry.access.redhat.com/ubi9/python-311\nCMD python app.py\n",
        "staged/Dockerfile": "FROM alpine:3.20 AS base\nRUN apk add python3\nFROM base\n"
        "CMD python3 app.py\n",
        "slim/Dockerfile": "FROM python:3.12-slim\nCOPY app.py .\nCMD python app.py\n",
        "list/Dockerfile": "FROM python:3.12-alpine\nCOPY app.py .\n"
        "CMD python migrate.py && python app.py\n",
    }
    root = _repo(tmp_path, {**cases, "alpine/app.py": "", "slim/app.py": "", "list/app.py": ""})
    assert [f[1:3] for f in _lint(root, "VL705")] == [
        ("list/Dockerfile", 3),
        ("slim/Dockerfile", 3),
    ]
