"""VL501–VL502: cache directories under HOME and kernel capabilities, per container."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import fix_twice as _fix
from tests.helpers import lint_rule as _lint
from tests.helpers import write_repo as _repo
from vertice_lint.config import Config
from vertice_lint.diagnostics import Severity
from vertice_lint.engine import Selection, lint

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "monorepo"

Found = tuple[str, str, int, int, str]


def _files(
    code: str, user_lines: str = "", container_extra: str = "", pod_extra: str = ""
) -> dict[str, str]:
    dockerfile = (
        f"FROM python:3.11-slim\n{user_lines}WORKDIR /app\nCOPY main.py .\n"
        'CMD ["python", "main.py"]\n'
    )
    manifest = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n"
        "  selector:\n    matchLabels:\n      app: app\n  template:\n    metadata:\n"
        f"      labels:\n        app: app\n    spec:\n{pod_extra}      containers:\n"
        f"        - name: app\n          image: ghcr.io/acme/app:1.0.0\n{container_extra}"
    )
    return {"app/Dockerfile": dockerfile, "app/main.py": code, "k8s/app.yaml": manifest}


MPL = "import matplotlib.pyplot as plt\n"
MPL_MESSAGE = (
    "matplotlib writes its config and font cache (~/.config/matplotlib, ~/.cache/matplotlib)"
    " under HOME when imported, but "
)

# --- VL501 -----------------------------------------------------------------------------------


def test_example_matplotlib() -> None:
    assert _lint(EXAMPLE, "VL501") == [
        (
            "VL501",
            "k8s/base/maximus-core-service.yaml",
            18,
            11,
            MPL_MESSAGE + "the container runs as user maximus, which has no writable home"
            " directory: Permission denied at start-up; set MPLCONFIGDIR=/tmp/matplotlib",
        )
    ]
    diag = lint(EXAMPLE, Config(), Selection(select=("VL501",))).diagnostics[0]
    assert [(e.path, e.line, e.note) for e in diag.evidence] == [
        ("services/maximus_core_service/core.py", 6, "imports matplotlib"),
        ("services/maximus_core_service/Dockerfile", 10, "USER maximus"),
        (
            "services/maximus_core_service/Dockerfile",
            4,
            "useradd creates maximus without a home directory",
        ),
    ]


def test_example_matplotlib_fix(tmp_path: Path) -> None:
    root = tmp_path / "monorepo"
    shutil.copytree(EXAMPLE, root)
    path = "k8s/base/maximus-core-service.yaml"
    before = (root / path).read_text()
    assert _fix(root, "VL501", path) == before + (
        "          env:\n            - name: MPLCONFIGDIR\n              value: /tmp/matplotlib\n"
    )


def test_vl501_users_with_a_home_root_and_overrides_are_fine(tmp_path: Path) -> None:
    cases = [
        ("", ""),  # root
        ("RUN useradd -m app\nUSER app\n", ""),
        ("RUN adduser --disabled-password app\nUSER app\n", ""),
        (
            "RUN useradd --system app\nUSER app\n",
            "          env:\n            - name: MPLCONFIGDIR\n              value: /tmp/mpl\n",
        ),
        ("RUN useradd --system app\nENV HOME=/tmp\nUSER app\n", ""),
        ("USER appuser\n", ""),  # from the base image: cannot tell
    ]
    for i, (user, extra) in enumerate(cases):
        root = _repo(tmp_path / str(i), _files(MPL, user, extra))
        assert _lint(root, "VL501") == [], (user, extra)


def test_vl501_transitive_import_and_bare_uid(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        _files(
            "from stable_baselines3 import PPO\n",
            container_extra="          securityContext:\n            runAsUser: 1000\n",
        ),
    )
    result = lint(root, Config(), Selection(select=("VL501",)))
    assert [(d.line, d.col, d.message) for d in result.diagnostics] == [
        (
            15,
            11,
            MPL_MESSAGE + "the container runs as uid 1000, which has no writable home"
            " directory: Permission denied at start-up; set MPLCONFIGDIR=/tmp/matplotlib",
        )
    ]
    assert result.diagnostics[0].evidence[0].note == (
        "imports stable_baselines3, which imports matplotlib"
    )


def test_vl501_read_only_root_is_an_error_and_the_fix_mounts_tmp(tmp_path: Path) -> None:
    extra = "          securityContext:\n            readOnlyRootFilesystem: true\n"
    root = _repo(tmp_path, _files(MPL, container_extra=extra))
    result = lint(root, Config(), Selection(select=("VL501",)))
    assert [(d.severity, d.message) for d in result.diagnostics] == [
        (
            Severity.ERROR,
            MPL_MESSAGE + "the root filesystem is read-only (readOnlyRootFilesystem: true):"
            " Permission denied at start-up; set MPLCONFIGDIR=/tmp/matplotlib and mount an"
            " emptyDir on /tmp",
        )
    ]
    before = (root / "k8s/app.yaml").read_text()
    after = _fix(root, "VL501", "k8s/app.yaml")
    assert after == before + (
        "          env:\n            - name: MPLCONFIGDIR\n              value: /tmp/matplotlib\n"
        "          volumeMounts:\n            - name: tmp\n              mountPath: /tmp\n"
        "      volumes:\n        - name: tmp\n          emptyDir: {}\n"
    )


# --- VL502 -----------------------------------------------------------------------------------


def test_example_bcc() -> None:
    message = (
        "bcc loads eBPF programs: that needs SYS_ADMIN, which {who} does not have; set"
        " `{context}` {where} (or `privileged: true`)"
    )
    assert _lint(EXAMPLE, "VL502") == [
        (
            "VL502",
            "docker-compose.yml",
            3,
            3,
            message.format(
                who="compose/tegumentar container tegumentar",
                context="cap_add: [SYS_ADMIN]",
                where="on the compose service",
            ),
        ),
        (
            "VL502",
            "k8s/base/tegumentar-service.yaml",
            18,
            11,
            message.format(
                who="Deployment/vertice/tegumentar-service container tegumentar",
                context="securityContext: {capabilities: {add: [SYS_ADMIN]}}",
                where="on the container",
            ),
        ),
    ]


def test_vl502_capabilities_privileged_defaults_and_drops(tmp_path: Path) -> None:
    def found(code: str, extra: str, user: str = "") -> list[str]:
        root = _repo(tmp_path / str(len(list(tmp_path.iterdir()))), _files(code, user, extra))
        return [f[4] for f in _lint(root, "VL502")]

    ctx = "          securityContext:\n"
    assert (
        found(
            "import nftables\n", ctx + "            capabilities:\n              add: [NET_ADMIN]\n"
        )
        == []
    )
    assert found("import nftables\n", ctx + "            privileged: true\n") == []
    assert found("from scapy.all import sniff\n", "") == []  # NET_RAW is a default capability
    dropped = found(
        "from scapy.all import sniff\n",
        ctx + "            capabilities:\n              drop: [ALL]\n",
    )
    assert dropped == [
        "scapy sends and sniffs packets on raw sockets: that needs NET_RAW, which Deployment/app"
        " container app does not have; set `securityContext: {capabilities: {add: [NET_RAW]}}`"
        " on the container (or `privileged: true`)"
    ]
    non_root = found(
        "import nftables\n",
        ctx + "            capabilities:\n              add: [NET_ADMIN]\n",
        "RUN useradd -m fw\nUSER fw\n",
    )
    assert non_root == [
        "nftables changes nftables firewall rules: that needs NET_ADMIN, but Deployment/app"
        " container app runs as user fw and capabilities only take effect for root; run it as"
        " root with `securityContext: {capabilities: {add: [NET_ADMIN]}}` on the container"
    ]
