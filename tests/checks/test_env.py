"""VL401–VL404: env the code needs against env the workloads give, secrets, key refs, $(VAR)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import fix_twice as _fix
from tests.helpers import lint_rules
from tests.helpers import write_repo as _repo
from vertice_lint.config import Config
from vertice_lint.diagnostics import Severity
from vertice_lint.engine import Selection, lint

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "monorepo"

Found = tuple[str, str, int, int, str]

DOCKERFILE = 'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "main.py"]\n'
UVICORN = 'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD ["uvicorn", "main:app"]\n'


def _lint(root: Path, rule: str, config: Config | None = None) -> list[Found]:
    return lint_rules(root, rule, config=config)


def _deployment(container_extra: str = "", name: str = "api", kind: str = "Deployment") -> str:
    return (
        f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n"
        f"  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n"
        f"      labels:\n        app: {name}\n    spec:\n      containers:\n"
        f"        - name: {name}\n          image: ghcr.io/acme/{name}:1.0.0\n{container_extra}"
    )


def _app(code: str, manifest: str, dockerfile: str = DOCKERFILE, **extra: str) -> dict[str, str]:
    return {"api/Dockerfile": dockerfile, "api/main.py": code, "k8s/api.yaml": manifest, **extra}


# --- the example repository ------------------------------------------------------------------


def test_example_database_url() -> None:
    assert _lint(EXAMPLE, "VL401") == [
        (
            "VL401",
            "services/hcl_kb_service/main.py",
            8,
            16,
            '`DATABASE_URL` is read at start-up by `os.environ["DATABASE_URL"]` but'
            " Deployment/vertice/hcl-kb-service container hcl-kb does not set it: KeyError, the pod"
            " crash-loops (ConfigMap hcl-kb-config defines it)",
        )
    ]
    diag = lint(EXAMPLE, Config(), Selection(select=("VL401",))).diagnostics[0]
    assert [(e.path, e.line) for e in diag.evidence] == [
        ("k8s/base/hcl-kb-service.yaml", 18),
        ("services/hcl_kb_service/Dockerfile", 9),
        ("k8s/base/hcl-kb-service.yaml", 31),
    ]


def test_example_database_url_fix(tmp_path: Path) -> None:
    root = tmp_path / "monorepo"
    shutil.copytree(EXAMPLE, root)
    before = (root / "k8s/base/hcl-kb-service.yaml").read_text()
    after = _fix(root, "VL401", "k8s/base/hcl-kb-service.yaml")
    assert after == before.replace(
        "              value: info\n",
        "              value: info\n"
        "            - name: DATABASE_URL\n"
        "              valueFrom:\n"
        "                configMapKeyRef:\n"
        "                  name: hcl-kb-config\n"
        "                  key: DATABASE_URL\n",
    )
    assert _lint(root, "VL401") == []


def test_example_redis_password() -> None:
    assert _lint(EXAMPLE, "VL402") == [
        (
            "VL402",
            "docker-compose.yml",
            14,
            7,
            "`DATABASE_URL` holds a password in plain text in its URL in compose service hcl-kb:"
            " anyone who can read the repository has it; reference a Secret",
        ),
        (
            "VL402",
            "docker-compose.yml",
            20,
            7,
            "`POSTGRES_PASSWORD` is written in plain text in compose service postgres: anyone"
            " who can read the repository has it; reference a Secret",
        ),
        (
            "VL402",
            "k8s/base/vertice-register.yaml",
            33,
            15,
            "`REDIS_PASSWORD` is written in plain text in Deployment/vertice/vertice-register"
            " container register: anyone who can read the repository has it; reference a Secret"
            " (Secret vertice-core-secrets holds `REDIS_PASSWORD`)",
        ),
    ]


def test_example_redis_password_fix_writes_no_secret(tmp_path: Path) -> None:
    root = tmp_path / "monorepo"
    shutil.copytree(EXAMPLE, root)
    before = (root / "k8s/base/vertice-register.yaml").read_text()
    after = _fix(root, "VL402", "k8s/base/vertice-register.yaml")
    assert after == before.replace(
        "              value: vertice-redis-pass  # set by hand during the incident\n",
        "              valueFrom:\n"
        "                secretKeyRef:\n"
        "                  name: vertice-core-secrets\n"
        "                  key: REDIS_PASSWORD\n",
    )
    assert "vertice-redis-pass" not in after
    changed = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.read_bytes() != (EXAMPLE / p.relative_to(root)).read_bytes()
    }
    assert changed == {"k8s/base/vertice-register.yaml"}


def test_the_diff_of_the_secret_fix_does_not_print_the_secret(tmp_path: Path) -> None:
    """`--diff` goes to CI logs: the password the VL402 fix takes out is shown as `****`."""
    from click.testing import CliRunner

    from vertice_lint.cli import cli

    root = tmp_path / "monorepo"
    shutil.copytree(EXAMPLE, root)
    args = ["check", str(root), "--select", "VL402", "--diff", "--no-cache"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "vertice-redis-pass" not in result.output
    assert "-              value: ****  # set by hand during the incident" in result.output
    assert "+                  key: REDIS_PASSWORD" in result.output


# --- VL401 precision -------------------------------------------------------------------------


def test_vl401_default_guard_and_getenv_fallback_are_not_required(tmp_path: Path) -> None:
    code = (
        "import os\n\n"
        'A = os.environ.get("A", "x")\n'
        'B = os.getenv("B") or "y"\n'
        'if "C" in os.environ:\n'
        '    C = os.environ["C"]\n'
        "try:\n"
        '    D = os.environ["D"]\n'
        "except KeyError:\n"
        "    D = None\n"
        "\n\ndef log():\n"
        '    log_dir = os.environ.get("LOG_DIR")\n'
        "    if not log_dir:\n"
        "        return\n"
    )
    assert _lint(_repo(tmp_path, _app(code, _deployment())), "VL401") == []


def test_vl401_provided_by_env_envfrom_dockerfile_and_patch(tmp_path: Path) -> None:
    code = 'import os\n\nA = os.environ["A"]\nB = os.environ["B"]\nC = os.environ["C"]\n'
    code += 'D = os.environ["APP_D"]\n'
    manifest = (
        _deployment(
            "          env:\n            - name: A\n              value: a\n"
            "          envFrom:\n            - configMapRef:\n                name: cfg\n"
            "              prefix: APP_\n"
        )
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  D: d\n"
    )
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: api\n          env:\n"
        "            - name: C\n              value: c\n"
    )
    kustomization = "resources:\n  - api.yaml\npatches:\n  - path: patch.yaml\n"
    dockerfile = DOCKERFILE.replace("COPY . .\n", "COPY . .\nENV B=b\n")
    files = _app(code, manifest, dockerfile)
    files |= {"k8s/patch.yaml": patch, "k8s/kustomization.yaml": kustomization}
    assert _lint(_repo(tmp_path, files), "VL401") == []


def test_vl401_external_or_undefined_envfrom_is_assumed_to_provide(tmp_path: Path) -> None:
    code = 'import os\n\nA = os.environ["A"]\n'
    manifest = (
        _deployment("          envFrom:\n            - secretRef:\n                name: sealed\n")
        + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: sealed\nstringData:\n  X: '<x>'\n"
    )
    root = _repo(tmp_path, _app(code, manifest))
    assert _lint(root, "VL401", Config(external_secrets=frozenset({"sealed"}))) == []
    assert [f[4] for f in _lint(root, "VL401")] == [
        '`A` is read at start-up by `os.environ["A"]` but Deployment/api container api does not'
        " set it: KeyError, the pod crash-loops"
    ]
    manifest = _deployment(
        "          envFrom:\n            - secretRef:\n                name: nowhere\n"
    )
    assert _lint(_repo(tmp_path, _app(code, manifest)), "VL401") == []


def test_vl401_request_handler_is_a_warning_that_says_when(tmp_path: Path) -> None:
    code = (
        "import os\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "def token() -> str:\n"
        '    return os.environ["API_TOKEN"]\n\n\n'
        '@app.get("/items")\n'
        "def items() -> str:\n"
        "    return token()\n"
    )
    root = _repo(tmp_path, _app(code, _deployment(), UVICORN))
    result = lint(root, Config(), Selection(select=("VL401",)))
    assert [(d.line, d.col, d.severity, d.message) for d in result.diagnostics] == [
        (
            9,
            12,
            Severity.WARNING,
            '`API_TOKEN` is read when GET /items is requested by `os.environ["API_TOKEN"]` but'
            " Deployment/api container api does not set it: KeyError",
        )
    ]


def test_vl401_cached_getter_called_at_import_is_an_error(tmp_path: Path) -> None:
    settings = (
        "from functools import lru_cache\n\n"
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n\n\n"
        "class Settings(BaseSettings):\n"
        '    model_config = SettingsConfigDict(env_prefix="APP_")\n\n'
        "    redis_url: str\n"
        "    debug: bool = False\n\n\n"
        "@lru_cache\n"
        "def get_settings() -> Settings:\n"
        "    return Settings()\n"
    )
    code = "from settings import get_settings\n\nsettings = get_settings()\n"
    files = _app(code, _deployment()) | {"api/settings.py": settings}
    result = lint(_repo(tmp_path, files), Config(), Selection(select=("VL401",)))
    assert [(d.path, d.line, d.col, d.severity, d.message) for d in result.diagnostics] == [
        (
            "api/settings.py",
            9,
            5,
            Severity.ERROR,
            "`APP_REDIS_URL` is read at start-up by settings field `redis_url` of `Settings`"
            " (no default) but Deployment/api container api does not set it: ValidationError,"
            " the pod crash-loops",
        )
    ]


def test_vl401_settings_alias_and_case_insensitivity(tmp_path: Path) -> None:
    code = (
        "from pydantic import Field\n"
        "from pydantic_settings import BaseSettings\n\n\n"
        "class Settings(BaseSettings):\n"
        '    db: str = Field(validation_alias="DATABASE_URL")\n'
        "    redis_url: str\n\n\n"
        "settings = Settings()\n"
    )
    manifest = _deployment(
        "          env:\n            - name: DATABASE_URL\n              value: x\n"
        "            - name: redis_url\n              value: y\n"
    )
    assert _lint(_repo(tmp_path, _app(code, manifest)), "VL401") == []


def test_vl401_compose_environment_counts_per_workload(tmp_path: Path) -> None:
    code = 'import os\n\nA = os.environ["A"]\n'
    compose = "services:\n  api:\n    build: api\n    environment:\n      A: a\n"
    found = _lint(
        _repo(tmp_path, _app(code, _deployment(), **{"docker-compose.yml": compose})), "VL401"
    )
    assert [(f[1], f[2], f[3]) for f in found] == [("api/main.py", 3, 5)]
    assert "Deployment/api container api" in found[0][4]
    assert "compose" not in found[0][4]


def test_vl401_no_fix_when_two_objects_define_the_key(tmp_path: Path) -> None:
    code = 'import os\n\nA = os.environ["A"]\n'
    manifest = _deployment() + "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {n}\ndata:\n  A: a\n"
        for n in ("one", "two")
    )
    result = lint(_repo(tmp_path, _app(code, manifest)), Config(), Selection(select=("VL401",)))
    assert [d.fix for d in result.diagnostics] == [None]


# --- VL402 -----------------------------------------------------------------------------------


def test_vl402_names_values_and_placeholders(tmp_path: Path) -> None:
    env = "".join(
        f"            - name: {name}\n              value: {value}\n"
        for name, value in (
            ("API_TOKEN", "tok-123"),
            ("TOKEN_URL", "https://auth/token"),
            ("DB_PASSWORD_FILE", "/run/secrets/db"),
            ("SECRET_KEY", "'${SECRET_KEY}'"),
            ("ADMIN_PASSWORD", "changeme"),
            ("SENTRY_DSN", "https://key:s3cr3t@sentry.io/1"),
            ("CACHE_KEY", "v1"),
        )
    )
    root = _repo(tmp_path, {"k8s/api.yaml": _deployment("          env:\n" + env)})
    assert [(f[2], f[4].split(" in ")[0]) for f in _lint(root, "VL402")] == [
        (18, "`API_TOKEN` is written"),
        (28, "`SENTRY_DSN` holds a password"),
    ]


def test_vl402_compose_interpolation_is_not_a_literal(tmp_path: Path) -> None:
    # compose substitutes `$DB_PASSWORD` from the shell or `.env`: nothing is written here
    compose = (
        "services:\n  db:\n    image: postgres:16\n    environment:\n"
        "      - POSTGRES_PASSWORD=$DB_PASSWORD\n"
        "      - REDIS_PASSWORD=${REDIS_PASSWORD:-x}\n"
        "      - DATABASE_URL=postgres://app:$PW@db/app\n"
        "      - API_TOKEN=$$literal\n"
    )
    found = _lint(_repo(tmp_path, {"docker-compose.yml": compose}), "VL402")
    assert [(f[2], f[4].split(" in compose")[0]) for f in found] == [
        (8, "`API_TOKEN` is written in plain text")
    ]


def test_vl402_no_fix_without_a_secret_holding_the_key(tmp_path: Path) -> None:
    manifest = _deployment(
        "          env:\n            - name: API_TOKEN\n              value: t1\n"
    )
    result = lint(_repo(tmp_path, {"k8s/a.yaml": manifest}), Config(), Selection(select=("VL402",)))
    assert [(d.line, d.fix) for d in result.diagnostics] == [(18, None)]


def test_vl402_committed_secret_skips_public_keys_and_placeholders(tmp_path: Path) -> None:
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\ntype: Opaque\n{body}"
    files = {
        # base64 of "sample" and "pleasechangeme": a user name and a placeholder
        "k8s/creds.yaml": secret.format(
            name="creds", body="data:\n  user: c2FtcGxl\n  password: cGxlYXNlY2hhbmdlbWU=\n"
        ),
        "k8s/db.yaml": secret.format(
            name="db",
            body="stringData:\n  DB_HOST: postgres\n  DB_USER: app\n"
            "  DB_PASSWORD: hunter2\n  DB_URL: postgres://app:hunter2@postgres/app\n",
        ),
    }
    found = _lint(_repo(tmp_path, files), "VL402")
    assert [(f[1], f[2], f[3]) for f in found] == [("k8s/db.yaml", 9, 3)]
    assert "for `DB_PASSWORD`, `DB_URL` to" in found[0][4]


def test_vl402_uppercase_placeholder_words_are_not_secrets(tmp_path: Path) -> None:
    """A value spelled as an uppercase placeholder (`OPTIONAL_MAIL_KEY`, `YOUR_TOKEN_HERE`,
    AWS's documented `AKIA...EXAMPLE`) is not a secret; a random uppercase token is."""
    body = "stringData:\n" + "".join(
        f"  {key}: {value}\n"
        for key, value in (
            ("MAIL_API_KEY", "OPTIONAL_MAIL_KEY"),
            ("BUCKET_SECRET_KEY", "SECRET-KEY-GOES-HERE"),
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            ("ADMIN_PASSWORD", "TODO_SET_PASSWORD"),
        )
    )
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n{body}"
    files = {
        "k8s/optional.yaml": secret.format(name="optional", body=body),
        "k8s/real.yaml": secret.format(name="real", body=body + "  SIGNING_KEY: 9F8E7D6C5B4A\n"),
    }
    found = _lint(_repo(tmp_path, files), "VL402")
    assert [(f[1], f[2]) for f in found] == [("k8s/real.yaml", 10)]
    assert "for `SIGNING_KEY` to" in found[0][4]


def test_vl402_test_fixture_compose_files_are_not_reported(tmp_path: Path) -> None:
    """Throwaway credentials of a test's compose file (below `tests/`, or named for tests)
    protect nothing: the same fact that keeps test fixtures from being validated."""
    compose = (
        "services:\n  db:\n    image: postgres:16\n    environment:\n"
        "      POSTGRES_PASSWORD: pw-for-ci-only-1\n"
    )
    files = {
        "tests/e2e/docker-compose.yml": compose,
        "svc/docker-compose.test.yml": compose,
        "deploy/compose.e2e.yaml": compose,
        "docker-compose.yml": compose,
    }
    found = _lint(_repo(tmp_path, files), "VL402")
    assert [(f[1], f[2]) for f in found] == [("docker-compose.yml", 5)]


def test_vl402_a_value_its_comment_says_to_replace_is_a_placeholder(tmp_path: Path) -> None:
    """`# change this` above a value, `#REQUIRED - replace with your key` on the name line, a
    `your...` word as the value: the file says the value is to be replaced. A comment that
    says something else, or one that belongs to the variable before, does not."""
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: db\nspec:\n"
        "  selector:\n    matchLabels: {app: db}\n  template:\n"
        "    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n"
        "      - name: db\n        image: mysql:8.4\n        env:\n"
        "        - name: MYSQL_ROOT_PASSWORD\n"  # 16
        "          # change this\n"
        "          value: s3cr3t-0f-the-team\n"
        "        - name: AGENT_ACCESS_KEY  #REQUIRED - replace with your access key\n"  # 19
        "          value: 8312341g-5678-abcd\n"
        "        - name: MYSQL_PASSWORD\n"  # 21
        "          value: yourpassword\n"
        "        - name: APP_TOKEN  # rotated by hand every month\n"  # 23
        "          value: q8Zr-77xv-Lp0e\n"
        "        - name: API_SECRET\n"  # 25
        "          value: 'kq#9x'  # see the runbook\n"
    )
    compose = (
        "services:\n  api:\n    image: api:1.0\n    environment:\n"
        "      SESSION_SECRET: n0t-a-guess-9  # replace me\n"
        "      MAIL_PASSWORD: mail-pw-7781\n"  # 6
    )
    files = {"k8s/db.yaml": deployment, "docker-compose.yml": compose}
    found = _lint(_repo(tmp_path, files), "VL402")
    assert [(f[1], f[2]) for f in found] == [
        ("docker-compose.yml", 6),
        ("k8s/db.yaml", 23),
        ("k8s/db.yaml", 25),
    ]


def test_vl402_a_password_equal_to_the_user_name_and_addresses_are_no_secrets(
    tmp_path: Path,
) -> None:
    """`MYSQL_USER=mysql` with `MYSQL_PASSWORD=mysql`, and a Secret's `apiUsername` and
    `apiPassword` alike: an example's trivial default; `apiAddress` is an address (camelCase
    names split into words); a real password beside a user name is still reported, and so is
    `dbPassword` (camelCase) in an env list."""
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: db\nspec:\n"
        "  selector:\n    matchLabels: {app: db}\n  template:\n"
        "    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n"
        "      - name: db\n        image: mysql:8.4\n        env:\n"
        "        - {name: MYSQL_USER, value: mysql}\n"
        "        - {name: MYSQL_PASSWORD, value: mysql}\n"  # 17
        "        - {name: MYSQL_ROOT_PASSWORD, value: Zx81-kq2}\n"  # 18
        "        - {name: dbPassword, value: Hq-77-aa}\n"  # 19
    )
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: store\ndata:\n"
        "  apiAddress: dGNwOi8vMTI3LjAuMC4xOjU3MDU=\n"
        "  apiUsername: c3RvcmFnZW9z\n"
        "  apiPassword: c3RvcmFnZW9z\n"
    )
    example = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: heketi\ndata:\n"
        '  # base64 of the password. E.g.: echo -n "mypassword" | base64\n'
        "  key: bXlwYXNzd29yZA==\n"
    )
    files = {"k8s/db.yaml": deployment, "k8s/store.yaml": secret, "k8s/heketi.yaml": example}
    found = _lint(_repo(tmp_path, files), "VL402")
    assert [(f[1], f[2]) for f in found] == [("k8s/db.yaml", 18), ("k8s/db.yaml", 19)]


def test_vl402_committed_secret_key_marked_to_replace(tmp_path: Path) -> None:
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n"
        "  token: aB3dE5fG7h  # replace with your token\n"
    )
    found = _lint(_repo(tmp_path, {"k8s/creds.yaml": secret}), "VL402")
    assert found == []


# --- VL403 -----------------------------------------------------------------------------------


def test_vl403_missing_key_and_what_is_skipped(tmp_path: Path) -> None:
    env = "".join(
        f"            - name: {name}\n              valueFrom:\n                {kind}:\n"
        f"                  name: {obj}\n                  key: {key}\n{extra}"
        for name, kind, obj, key, extra in (
            ("A", "configMapKeyRef", "cfg", "A", ""),
            ("B", "configMapKeyRef", "cfg", "NOPE", ""),
            ("C", "secretKeyRef", "undefined", "C", ""),
            ("D", "configMapKeyRef", "cfg", "NOPE", "                  optional: true\n"),
        )
    )
    env = env.replace(
        "key: NOPE\n                  optional", "key: NOPE\n                  optional"
    )
    manifest = _deployment("          env:\n" + env)
    manifest += "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  A: a\n"
    assert _lint(_repo(tmp_path, {"k8s/a.yaml": manifest}), "VL403") == [
        (
            "VL403",
            "k8s/a.yaml",
            23,
            15,
            "`B` takes key `NOPE` of ConfigMap cfg, which does not define it (it has `A`): the"
            " pod fails with CreateContainerConfigError",
        )
    ]


# --- VL404 -----------------------------------------------------------------------------------


def test_vl404_forward_nowhere_escape_and_service_links(tmp_path: Path) -> None:
    env = "".join(
        f"            - name: {name}\n              value: {value}\n"
        for name, value in (
            ("URL", "http://$(HOST):$(PORT)"),
            ("HOST", "db"),
            ("RAW", "$$(HOST)"),
            ("LINK", "$(REDIS_SERVICE_HOST)"),
            ("LOST", "$(MISSING)"),
            ("PORT", "'5432'"),
        )
    )
    found = _lint(_repo(tmp_path, {"k8s/a.yaml": _deployment("          env:\n" + env)}), "VL404")
    assert [(f[2], f[3], f[4]) for f in found] == [
        (
            18,
            15,
            "`URL` refers to `HOST`, defined later in the list (line 20), and `PORT`, defined"
            " later in the list (line 28): Kubernetes expands `$(VAR)` only for variables"
            " defined before it and otherwise keeps the literal text",
        ),
        (
            26,
            15,
            "`LOST` refers to `MISSING`, defined nowhere in the container's env: Kubernetes"
            " expands `$(VAR)` only for variables defined before it and otherwise keeps the"
            " literal text",
        ),
    ]


# --- VL401 and Django: the settings module Django imports at start-up ------------------------

_MANAGE = (
    "import os\nimport sys\n\n\ndef main():\n"
    '    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n'
    "    from django.core.management import execute_from_command_line\n\n"
    "    execute_from_command_line(sys.argv)\n\n\n"
    'if __name__ == "__main__":\n    main()\n'
)
_SETTINGS = (
    "import environ\n\n"
    "env = environ.Env(DEBUG=(bool, False))\n"
    'SECRET_KEY = env("SECRET_KEY")\n'
    'DEBUG = env("DEBUG")\n'
    'DATABASES = {"default": env.db()}\n'
)


def _django(tmp_path: Path, settings: str = _SETTINGS, env: str = "", **extra: str) -> Path:
    job = _deployment(
        '          command: ["python", "manage.py", "migrate"]\n'
        "          env:\n            - name: DATABASE_URL\n              value: postgres://db/x\n"
        + env,
        kind="Job",
    )
    files = {
        "api/Dockerfile": DOCKERFILE,
        "api/manage.py": _MANAGE,
        "api/shop/__init__.py": "",
        "api/shop/settings.py": settings,
        "k8s/api.yaml": job,
        **extra,
    }
    return _repo(tmp_path, files)


def test_vl401_django_settings_read_by_a_migrate_job(tmp_path: Path) -> None:
    root = _django(tmp_path)
    assert _lint(root, "VL401") == [
        (
            "VL401",
            "api/shop/settings.py",
            4,
            14,
            '`SECRET_KEY` is read at start-up by `env("SECRET_KEY")` (django-environ) but'
            " Job/api container api does not set it: ImproperlyConfigured, the pod crash-loops",
        )
    ]
    diag = lint(root, Config(), Selection(select=("VL401",))).diagnostics[0]
    assert diag.severity is Severity.ERROR
    assert [(e.path, e.line, e.note) for e in diag.evidence][1:] == [
        ("k8s/api.yaml", 15, "command: python manage.py migrate"),
        (
            "api/manage.py",
            6,
            "api/manage.py sets DJANGO_SETTINGS_MODULE to shop.settings"
            " (os.environ.setdefault): Django imports it at start-up",
        ),
    ]


def test_vl401_django_installed_app_models_read_at_start_up(tmp_path: Path) -> None:
    settings = 'SECRET_KEY = "x"\nINSTALLED_APPS = ["django.contrib.auth", "shop.billing"]\n'
    root = _django(
        tmp_path,
        settings,
        **{
            "api/shop/billing/__init__.py": "",
            "api/shop/billing/models.py": 'import os\n\nKEY = os.environ["STRIPE_KEY"]\n',
        },
    )
    (found,) = _lint(root, "VL401")
    assert found[1:4] == ("api/shop/billing/models.py", 3, 7)
    diag = lint(root, Config(), Selection(select=("VL401",))).diagnostics[0]
    assert (
        diag.evidence[-1].note == "INSTALLED_APPS lists shop.billing: Django imports it at start-up"
    )


def test_vl401_django_settings_imported_env_object(tmp_path: Path) -> None:
    base = 'import environ\n\nenv = environ.Env(DEBUG=(bool, False))\nX = env("X", default="")\n'
    prod = (
        "from .base import *  # noqa\nfrom .base import env\n\n"
        'SECRET_KEY = env("DJANGO_SECRET_KEY")\nDEBUG = env.bool("DEBUG")\n'
    )
    root = _django(
        tmp_path,
        "",
        **{
            "api/manage.py": _MANAGE.replace("shop.settings", "shop.settings.prod"),
            "api/shop/settings/__init__.py": "",
            "api/shop/settings/base.py": base,
            "api/shop/settings/prod.py": prod,
        },
    )
    assert [(f[1], f[2]) for f in _lint(root, "VL401")] == [("api/shop/settings/prod.py", 4)]


def test_vl401_django_precision(tmp_path: Path) -> None:
    defaults = _SETTINGS.replace('env("SECRET_KEY")', 'env("SECRET_KEY", default="dev")')
    assert _lint(_django(tmp_path / "default", defaults), "VL401") == []
    # the setdefault names a module that is not first-party
    manage = _MANAGE.replace("shop.settings", "django.conf.global_settings")
    assert _lint(_django(tmp_path / "third", **{"api/manage.py": manage}), "VL401") == []
    # a non-literal settings module
    manage = _MANAGE.replace('"shop.settings"', "os.environ['WHICH']")
    assert _lint(_django(tmp_path / "dynamic", **{"api/manage.py": manage}), "VL401") == [
        (
            "VL401",
            "api/manage.py",
            6,
            53,
            '`WHICH` is read at start-up by `os.environ["WHICH"]` but Job/api container api'
            " does not set it: KeyError, the pod crash-loops",
        )
    ]
    # the container picks another settings module, which has defaults
    env = "            - name: DJANGO_SETTINGS_MODULE\n              value: shop.dev\n"
    root = _django(tmp_path / "env", env=env, **{"api/shop/dev.py": 'SECRET_KEY = "dev"\n'})
    assert _lint(root, "VL401") == []
    # a ConfigMap sets DJANGO_SETTINGS_MODULE: which module runs is not known here
    env = "          envFrom:\n            - configMapRef:\n                name: cfg\n"
    cfg = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n"
    cfg += "  DJANGO_SETTINGS_MODULE: shop.other\n"
    root = _django(tmp_path / "envfrom", env=env, **{"k8s/cfg.yaml": cfg})
    assert _lint(root, "VL401") == []
    other = cfg.replace("DJANGO_SETTINGS_MODULE: shop.other", "LOG_LEVEL: info")
    root = _django(tmp_path / "envfrom-other", env=env, **{"k8s/cfg.yaml": other})
    assert [f[1] for f in _lint(root, "VL401")] == ["api/shop/settings.py"]
    # the settings load a .env file the image holds
    settings = _SETTINGS + "environ.Env.read_env()\n"
    root = _django(tmp_path / "dotenv", settings, **{"api/.env": "SECRET_KEY=x\n"})
    assert _lint(root, "VL401") == []


# --- env a kustomize overlay patch adds, per workload kind -----------------------------------

# (apiVersion, kind, what the base adds to `spec:`, the keys down to the pod spec's parent)
_KINDS = {
    "Deployment": (
        "apps/v1",
        "  selector:\n    matchLabels:\n      app: report\n",
        "  template:\n    metadata:\n      labels:\n        app: report\n",
        "  template:\n",
        "    ",
    ),
    "CronJob": (
        "batch/v1",
        "  schedule: '0 * * * *'\n",
        "  jobTemplate:\n    spec:\n      template:\n",
        "  jobTemplate:\n    spec:\n      template:\n",
        "            ",
    ),
}


def _overlay_repo(root: Path, kind: str, patched: bool) -> Path:
    """A `kind` in base/ without DATABASE_URL; the synced overlay patches it in (or not)."""
    api, spec_extra, base_template, patch_template, pad = _KINDS[kind]
    head = f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: report\nspec:\n"
    container = f"{pad}spec:\n{pad}  containers:\n{pad}    - name: report\n"
    base = f"{head}{spec_extra}{base_template}{container}{pad}      image: ghcr.io/acme/report:1\n"
    patch = (
        f"{head}{patch_template}{container}{pad}      env:\n"
        f"{pad}        - name: DATABASE_URL\n{pad}          value: postgres://db/report\n"
    )
    overlay = "resources:\n  - ../../base\n" + ("patches:\n  - path: patch.yaml\n" * patched)
    files = {
        "report/Dockerfile": DOCKERFILE,
        "report/main.py": 'import os\n\nURL = os.environ["DATABASE_URL"]\n',
        "k8s/base/report.yaml": base,
        "k8s/base/kustomization.yaml": "resources:\n  - report.yaml\n",
        "k8s/overlays/prod/kustomization.yaml": overlay,
    }
    return _repo(root, files | ({"k8s/overlays/prod/patch.yaml": patch} if patched else {}))


def test_vl401_env_from_an_overlay_patch_counts_for_every_kind(tmp_path: Path) -> None:
    for kind in _KINDS:
        assert _lint(_overlay_repo(tmp_path / kind, kind, patched=True), "VL401") == [], kind
        unpatched = _overlay_repo(tmp_path / f"{kind}-bare", kind, patched=False)
        assert [f[:4] for f in _lint(unpatched, "VL401")] == [("VL401", "report/main.py", 3, 7)], (
            kind
        )


# --- VL401: what the code does with the None of os.getenv ------------------------------------


def test_vl401_getenv_whose_none_is_handled_or_passed_on_is_optional(tmp_path: Path) -> None:
    code = (
        "import os\n"
        "from dataclasses import dataclass, field\n\n"
        'DEBUG = os.getenv("DEBUG") == "True"\n'
        'if os.getenv("TRACING"):\n'
        "    pass\n"
        'TOKEN = os.environ.get("TOKEN")\n'
        "if not TOKEN:\n"
        "    print('no token')\n"
        'MODE = os.getenv("MODE")\n'
        'LEVEL = "debug" if MODE is None else MODE\n\n\n'
        "def connect(url=None):\n"
        "    return url\n\n\n"
        'client = connect(url=os.getenv("BROKER_URL"))\n\n\n'
        "class Tracer:\n"
        "    def __init__(self):\n"
        '        self.endpoint = os.getenv("OTLP_ENDPOINT")\n\n\n'
        "@dataclass\n"
        "class Vector:\n"
        '    key: str | None = field(default_factory=lambda: os.getenv("QDRANT_KEY"))\n\n\n'
        "def llm():\n"
        '    key = os.getenv("LLM_KEY")\n'
        "    if not key:\n"
        '        raise ValueError("LLM_KEY is not set")\n'
        "    return key\n\n\n"
        "tracer = Tracer()\n"
        "vector = Vector()\n"
    )
    assert _lint(_repo(tmp_path, _app(code, _deployment())), "VL401") == []


def test_vl401_getenv_whose_none_fails_at_start_up(tmp_path: Path) -> None:
    code = (
        "import os\n"
        "import sys\n\n"
        'PORT = int(os.getenv("PORT"))\n'
        'HOSTS = os.getenv("ALLOWED_HOSTS").split(",")\n'
        'KEY = os.environ.get("SECRET_KEY")\n'
        "if KEY is None:\n"
        '    raise RuntimeError("SECRET_KEY must be set")\n'
        'if not os.getenv("DB_DSN"):\n'
        "    sys.exit(1)\n\n\n"
        "class Tracer:\n"
        "    def __init__(self):\n"
        '        base = os.getenv("COLLECTOR")\n'
        '        self.url = base + "/v1/traces"\n\n\n'
        "tracer = Tracer()\n"
    )
    result = lint(_repo(tmp_path, _app(code, _deployment())), Config(), Selection(("VL401",)))
    who = "but Deployment/api container api does not set it"
    assert [(d.line, d.col, d.severity, d.message) for d in result.diagnostics] == [
        (
            4,
            12,
            Severity.ERROR,
            '`PORT` is read at start-up by `os.getenv("PORT")` (None when unset, then'
            f" `int()`) {who}: TypeError, the pod crash-loops",
        ),
        (
            5,
            9,
            Severity.ERROR,
            '`ALLOWED_HOSTS` is read at start-up by `os.getenv("ALLOWED_HOSTS")` (None when'
            f" unset, then `.split`) {who}: AttributeError, the pod crash-loops",
        ),
        (
            6,
            7,
            Severity.ERROR,
            '`SECRET_KEY` is read at start-up by `os.environ.get("SECRET_KEY")` (the code'
            f" raises RuntimeError when it is unset) {who}: RuntimeError, the pod crash-loops",
        ),
        (
            9,
            8,
            Severity.ERROR,
            '`DB_DSN` is read at start-up by `os.getenv("DB_DSN")` (the code raises SystemExit'
            f" when it is unset) {who}: SystemExit, the pod crash-loops",
        ),
        (
            15,
            16,
            Severity.ERROR,
            '`COLLECTOR` is read at start-up by `os.getenv("COLLECTOR")` (None when unset,'
            f" then `+`) {who}: TypeError, the pod crash-loops",
        ),
    ]


def test_vl401_vl403_generator_envs_file_not_in_the_repository_gives_unknown_keys(
    tmp_path: Path,
) -> None:
    code = 'import os\n\nDATABASE_URL = os.environ["DATABASE_URL"]\n'
    manifest = _deployment(
        "          envFrom:\n            - configMapRef:\n                name: api-env\n"
        "          env:\n            - name: API_KEY\n              valueFrom:\n"
        "                configMapKeyRef:\n                  name: api-env\n"
        "                  key: API_KEY\n"
    )
    kustomization = (
        "resources:\n  - api.yaml\n"
        "configMapGenerator:\n  - name: api-env\n    envs:\n      - generated.env\n"
        "    literals:\n      - MODE=prod\n"
    )
    files = _app(code, manifest) | {"k8s/kustomization.yaml": kustomization}
    root = _repo(tmp_path, files)
    assert _lint(root, "VL401") == []
    assert _lint(root, "VL403") == []
    notes = lint(root, Config(), Selection(("VL401",))).notes
    assert (
        "Deployment/api container api: env from ConfigMap api-env, whose keys the repository"
        " does not show (not defined here, external, or an env file it does not hold); it may"
        " set any variable, so no env var is reported missing for it"
    ) in notes
    # with the file in the repository its keys are known again
    (root / "k8s/generated.env").write_text("OTHER=1\n")
    assert [f[:4] for f in _lint(root, "VL401")] == [("VL401", "api/main.py", 3, 16)]
    assert [f[:4] for f in _lint(root, "VL403")] == [("VL403", "k8s/api.yaml", 21, 15)]


def test_vl401_reads_only_the_code_in_the_image(tmp_path: Path) -> None:
    # `shared/` is in the repository but the image copies main.py only: the import fails
    # (VL3xx says so); what shared/config.py would read is not this container's code
    dockerfile = 'FROM python:3.11-slim\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n'
    code = "from shared.config import URL\n"
    shared = 'import os\n\nURL = os.environ["COLLECTOR_URL"]\n'
    files = _app(code, _deployment(), dockerfile) | {
        "api/shared/__init__.py": "",
        "api/shared/config.py": shared,
    }
    assert _lint(_repo(tmp_path, files), "VL401") == []
    copied = dockerfile.replace("COPY main.py .", "COPY . .")
    files["api/Dockerfile"] = copied
    assert [f[:4] for f in _lint(_repo(tmp_path, files), "VL401")] == [
        ("VL401", "api/shared/config.py", 3, 7)
    ]


def test_vl401_module_getenv_refused_by_a_start_up_check(tmp_path: Path) -> None:
    code = (
        "import os\n\nfrom fastapi import FastAPI\n\n"
        'SECRET_KEY = os.getenv("JWT_SECRET_KEY")\n'
        'REPORT_URL = os.getenv("REPORT_URL")\n'
        "app = FastAPI()\n\n\n"
        "def validate() -> None:\n"
        "    if not SECRET_KEY:\n"
        '        raise ValueError("JWT_SECRET_KEY is required")\n\n\n'
        "def report() -> None:\n"
        "    if REPORT_URL is None:\n"
        '        raise RuntimeError("no REPORT_URL")\n\n\n'
        '@app.on_event("startup")\n'
        "async def startup() -> None:\n"
        "    validate()\n"
    )
    result = lint(
        _repo(tmp_path, _app(code, _deployment(), UVICORN)), Config(), Selection(("VL401",))
    )
    assert [(d.line, d.col, d.severity, d.message) for d in result.diagnostics] == [
        (
            5,
            14,
            Severity.ERROR,
            '`JWT_SECRET_KEY` is read at start-up by `os.getenv("JWT_SECRET_KEY")` (None when'
            " unset, and validate() raises ValueError at start-up) but Deployment/api container"
            " api does not set it: ValueError, the pod crash-loops",
        )
    ]


def test_vl402_values_that_say_they_are_not_the_real_one(tmp_path: Path) -> None:
    # a committed default that names itself as one is a placeholder; a real-looking one is not
    compose = (
        "services:\n  db:\n    image: postgres:16\n    environment:\n"
        "      POSTGRES_PASSWORD: staging_pw_change_in_prod\n"
        "      ADMIN_PASSWORD: admin_dev_only\n"
        "      JWT_SECRET: your-jwt-secret-here\n"
        "      REGISTRY_TOKEN: default-dev-token\n"
        "      REQUIRE_API_KEY: 'true'\n"
        "      SESSION_SECRET: 9f8e7d6c5b4a39281706f5e4d3c2b1a0\n"
    )
    found = _lint(_repo(tmp_path, {"docker-compose.yml": compose}), "VL402")
    assert [(f[2], f[4].split(" in compose")[0]) for f in found] == [
        (10, "`SESSION_SECRET` is written in plain text")
    ]


def test_vl402_well_known_defaults_and_certificates_are_not_secrets(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    image: ghcr.io/acme/api:1\n    environment:\n"
        "      DATABASE_URL: postgresql://postgres:postgres@db:5432/app\n"
        "      BROKER_URL: amqp://guest:guest@mq:5672/\n"
        "      MINIO_ROOT_PASSWORD: minioadmin\n"
        "      CACHE_URL: redis://app:k3y-9f8e7d@cache:6379/0\n"
    )
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ntype: kubernetes.io/tls\n"
        "stringData:\n  tls.crt: |\n    -----BEGIN CERTIFICATE-----\n  ca.crt: x509\n"
    )
    root = _repo(tmp_path, {"docker-compose.yml": compose, "k8s/tls.yaml": secret})
    assert [(f[1], f[2], f[4].split(" in ")[0]) for f in _lint(root, "VL402")] == [
        ("docker-compose.yml", 8, "`CACHE_URL` holds a password")
    ]


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def test_vl402_pem_armour_around_a_placeholder_body_is_no_secret(tmp_path: Path) -> None:
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\ntype: {type}\n{body}"
    dots = "-----BEGIN EC PRIVATE KEY-----\n...\n-----END EC PRIVATE KEY-----\n"
    hint = "-----BEGIN PRIVATE KEY-----\n<paste the key>\n-----END PRIVATE KEY-----"
    tiny = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
    body = "".join(f"{i:02x}" for i in range(40))  # 80 base64 characters: a key's size
    real = f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"
    files = {
        "k8s/tls.yaml": secret.format(
            name="tls",
            type="kubernetes.io/tls",
            body=f"data:\n  tls.crt: {_b64(dots)}\n  tls.key: {_b64(dots)}\n",
        ),
        "k8s/hint.yaml": secret.format(
            name="hint",
            type="Opaque",
            body=f"data:\n  tls.key: {_b64(hint)}\n  other.key: {_b64(tiny)}\n",
        ),
        "k8s/real.yaml": secret.format(
            name="real", type="kubernetes.io/tls", body=f"data:\n  tls.key: {_b64(real)}\n"
        ),
    }
    found = _lint(_repo(tmp_path, files), "VL402")
    assert [(f[1], f[2], f[3]) for f in found] == [("k8s/real.yaml", 7, 3)]
