"""The module map (sources, precedence, convention), the shipped data, and its generator; the
dependency facts link derives (what each image installs, the pins, the third-party imports)."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest
from packaging.utils import canonicalize_name

from tests.helpers import workspace, write_repo
from vertice_lint.config import Config
from vertice_lint.link.dependencies import module_map_data, system_modules, transitive_table
from vertice_lint.link.workspace import link
from vertice_lint.model import DistPackagesLink, ModuleMap, conventional_distribution

ROOT = Path(__file__).resolve().parents[2]
NAMESPACES = frozenset({"google", "google.cloud", "azure"})


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_module_map", ROOT / "scripts/gen_module_map.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_module_map"] = module
    spec.loader.exec_module(module)
    return module


gen = _generator()


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("prometheus_client", "prometheus-client"),
        ("Flask_SQLAlchemy.model", "flask-sqlalchemy"),
        ("google.cloud.storage.blob", "google-cloud-storage"),
        ("google.cloud.pubsub_v1", "google-cloud-pubsub"),
        ("azure.identity", "azure-identity"),
        ("google", "google"),
    ],
)
def test_convention(module: str, expected: str) -> None:
    assert conventional_distribution(module, NAMESPACES) == expected


def test_precedence_and_sources() -> None:
    mm = ModuleMap(
        config=(("yaml", "our-yaml"),),
        data={"yaml": ("PyYAML",), "sklearn": ("scikit-learn",)},
        namespaces=NAMESPACES,
        environment={"sklearn": ("other",), "jose": ("python-jose",), "requests": ("requests",)},
    )
    assert (mm.owner("yaml.constructor").name, mm.owner("yaml").source) == ("our-yaml", "config")
    assert mm.providers("yaml") == {"our-yaml"}  # the config replaces, never adds
    assert (mm.owner("sklearn").name, mm.owner("sklearn").source) == ("scikit-learn", "data")
    assert mm.providers("sklearn") == {"scikit-learn", "other", "sklearn"}
    assert (mm.owner("jose").name, mm.owner("jose").source) == ("python-jose", "environment")
    assert mm.owner("jose").describe() == (
        "python-jose (mapping from the linting environment's installed metadata)"
    )
    # the environment agreeing with the convention is reported as the convention
    assert mm.owner("requests").source == "convention"
    owner = mm.owner("google.cloud.storage.blob")
    assert (owner.module, owner.name, owner.source) == (
        "google.cloud.storage",
        "google-cloud-storage",
        "convention",
    )


ISSUE_CASES = {
    "yaml": "pyyaml",
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "jose": "python-jose",
    "jwt": "pyjwt",
    "dotenv": "python-dotenv",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "Crypto": "pycryptodome",
    "magic": "python-magic",
    "attr": "attrs",
    "google.protobuf": "protobuf",
    "google.cloud.secretmanager": "google-cloud-secret-manager",
}


def test_shipped_module_map() -> None:
    namespaces, modules = module_map_data()
    assert len(modules) >= 300
    assert {"google", "google.cloud", "azure"} <= namespaces
    for module, dist in ISSUE_CASES.items():
        assert canonicalize_name(modules[module][0]) == dist, module
    assert "cv2" in modules and "opencv-python-headless" in modules["cv2"]
    # only exceptions: no entry whose single distribution the convention already gives
    for module, dists in modules.items():
        assert not (
            len(dists) == 1
            and canonicalize_name(dists[0]) == conventional_distribution(module, namespaces)
        ), module


def test_shipped_tables() -> None:
    assert system_modules()["bcc"].debian[0] == "python3-bpfcc"
    assert system_modules()["dbus"].pypi == ("dbus-python",)
    assert {"starlette", "pydantic"} <= set(transitive_table()["fastapi"])


# --- the generator, on fake metadata ------------------------------------------------------------


def _wheel(
    directory: Path, name: str, version: str, files: list[str], top_level: str | None = None
) -> Path:
    dist_info = f"{name.replace('-', '_')}-{version}.dist-info"
    path = directory / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    record = [f"{f},," for f in files] + [f"{dist_info}/METADATA,,", f"{dist_info}/RECORD,,"]
    with zipfile.ZipFile(path, "w") as archive:
        for member in files:
            archive.writestr(member, "")
        archive.writestr(
            f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
        )
        if top_level is not None:
            archive.writestr(f"{dist_info}/top_level.txt", top_level)
        else:
            archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
        # a vendored dist-info must not be mistaken for the wheel's own
        archive.writestr(f"{name}/_vendor/zipp-3.0.dist-info/top_level.txt", "zipp\n")
    return path


def test_generator_on_fake_wheels(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(
        wheels,
        "PyYAML",
        "6.0.2",
        ["yaml/__init__.py", "_yaml/__init__.py", "yaml/_yaml.cpython-311-x86_64-linux-gnu.so"],
    )
    _wheel(wheels, "requests", "2.32.3", ["requests/__init__.py", "tests/test_x.py"])
    _wheel(
        wheels,
        "pymongo",
        "4.10.1",
        ["pymongo/__init__.py", "bson/__init__.py", "gridfs/__init__.py"],
    )
    _wheel(
        wheels,
        "google-cloud-secret-manager",
        "2.20.0",
        ["google/cloud/secretmanager/__init__.py", "google/cloud/secretmanager_v1/__init__.py"],
    )
    _wheel(wheels, "google-cloud-storage", "2.18.0", ["google/cloud/storage/__init__.py"])
    _wheel(wheels, "opencv-python", "4.10.0", ["cv2/__init__.py"])
    _wheel(wheels, "opencv-python-headless", "4.10.0", ["cv2/__init__.py"])
    _wheel(wheels, "pysocks", "1.7.1", [], top_level="socks\nsockshandler\n")
    _wheel(wheels, "python-magic", "0.4.27", ["magic/__init__.py"])  # curated, confirmed
    _wheel(wheels, "attrs", "24.2.0", ["attrs/__init__.py"])  # curated `attr` contradicted
    dists = gen.read_sources([wheels])
    ranks = tmp_path / "ranks.tsv"
    ranks.write_text(
        "name\tversion\trank_among_most_downloaded\nopencv-python-headless\t1\t5\nopencv-python\t1\t9\n"
    )
    curated = {"magic": ["python-magic"], "attr": ["attrs"], "jose": ["python-jose"]}
    result = gen.generate(dists, curated, gen.read_ranks(ranks))
    assert "google.cloud" in result.namespaces
    assert result.modules == {
        "attr": ["attrs"],
        "bson": ["pymongo"],
        "cv2": ["opencv-python-headless", "opencv-python"],
        "google.cloud.secretmanager": ["google-cloud-secret-manager"],
        "google.cloud.secretmanager_v1": ["google-cloud-secret-manager"],
        "gridfs": ["pymongo"],
        "jose": ["python-jose"],
        "magic": ["python-magic"],
        "socks": ["pysocks"],
        "sockshandler": ["pysocks"],
        "yaml": ["PyYAML"],
    }
    assert result.contradictions == ("curated attr -> attrs: its metadata installs attrs",)
    shipped = json.loads(gen.render(result))
    assert shipped["modules"] == result.modules
    assert gen.check(shipped, result) == list(result.contradictions)
    del shipped["modules"]["cv2"]
    assert (
        gen.check(shipped, result)[-1]
        == "cv2: the shipped file lacks opencv-python, opencv-python-headless"
    )


def test_generator_reads_site_packages(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    info = site / "python_dateutil-2.9.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Name: python-dateutil\nVersion: 2.9.0\n\n")
    (info / "RECORD").write_text("dateutil/__init__.py,,\ndateutil/parser.py,,\n")
    (dists,) = gen.read_sources([site])
    assert (dists.name, dists.modules) == ("python-dateutil", frozenset({"dateutil"}))


def test_generator_main_writes_and_checks(tmp_path: Path) -> None:
    wheels = tmp_path / "w"
    wheels.mkdir()
    _wheel(wheels, "beautifulsoup4", "4.12.3", ["bs4/__init__.py"])
    output = tmp_path / "module_map.json"
    assert gen.main([str(wheels), "--output", str(output)]) == 0
    data = json.loads(output.read_text())
    assert data["modules"]["bs4"] == ["beautifulsoup4"]
    assert gen.main([str(wheels), "--output", str(output), "--check"]) == 0


def test_shipped_file_is_what_the_generator_renders() -> None:
    path = ROOT / "vertice_lint/data/module_map.json"
    data = json.loads(path.read_text())
    result = gen.Result(
        tuple(data["namespaces"]), data["modules"], (), tuple(data["distributions"])
    )
    assert gen.render(result) == path.read_text()


def test_private_modules_and_contrib_namespaces_name_their_distribution() -> None:
    from vertice_lint.link.dependencies import module_map_data
    from vertice_lint.model import ModuleMap

    namespaces, data = module_map_data()
    mapping = ModuleMap((), data, namespaces, {})
    owners = {
        module: mapping.owner(module).distributions[0]
        for module in (
            "opentelemetry._logs",
            "opentelemetry.sdk._logs.export",
            "openfeature.api",
            "openfeature.contrib.provider.flagd",
        )
    }
    assert owners == {
        "opentelemetry._logs": "opentelemetry-api",
        "opentelemetry.sdk._logs.export": "opentelemetry-sdk",
        "openfeature.api": "openfeature-sdk",
        "openfeature.contrib.provider.flagd": "openfeature-provider-flagd",
    }


# --- the facts link derives: module map, what each image installs, the pins, the imports --------

API_DOCKERFILE = """\
FROM python:3.11-slim AS base
RUN apt-get update && apt-get install -y python3-apt \\
    && echo /usr/lib/python3/dist-packages > /usr/local/lib/python3.10/site-packages/deb.pth
FROM base
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY install.sh .
RUN ./install.sh
COPY . .
CMD ["python", "main.py"]
"""
WORKER_DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
CMD ["python", "worker.py"]
"""
REPO = {
    "services/api/Dockerfile": API_DOCKERFILE,
    "services/api/requirements.txt": "flask==3.0.0\nrequests>=2\n",
    "services/api/constraints.txt": "requests==2.32.3\n",
    "services/api/install.sh": "#!/bin/sh\npip install --no-cache-dir redis==5.0.1\n",
    "services/api/main.py": "import flask\nimport redis\nimport yaml.constructor\n",
    "services/worker/Dockerfile": WORKER_DOCKERFILE,
    # compiled by pip-compile: itsdangerous is pinned only because flask needs it
    "services/worker/requirements.txt": (
        "flask==2.3.0\n    # via -r requirements.in\nitsdangerous==2.1.2\n    # via flask\n"
    ),
    "services/worker/worker.py": "import flask\n",
}
API = "services/api/Dockerfile@services/api"
WORKER = "services/worker/Dockerfile@services/worker"


def test_the_module_map_is_a_fact_of_the_workspace(tmp_path: Path) -> None:
    config = Config(select=(), module_map=(("yaml", "our-yaml"),))
    ws = workspace(tmp_path, REPO, config)
    assert ws.module_map.config == (("yaml", "our-yaml"),)
    owner = ws.module_map.owner("yaml.constructor")
    assert (owner.module, owner.name, owner.source) == ("yaml", "our-yaml", "config")
    assert ws.module_map.owner("flask").source == "convention"
    apt = ws.module_map.system_module("apt_pkg.Cache")
    assert apt is not None and apt.debian == ("python3-apt",)
    assert ws.module_map.system_module("flask") is None


def test_what_an_image_installs(tmp_path: Path) -> None:
    ws = workspace(tmp_path, REPO)
    assert sorted(ws.image_deps) == [API, WORKER]
    deps = ws.image_deps[API]
    assert deps.image.key == API
    assert [(f.path, f.kind, f.install.line) for f in deps.files] == [
        ("services/api/requirements.txt", "requirements", 7),
        ("services/api/constraints.txt", "constraints", 7),
    ]
    # redis comes from the script the RUN on line 9 runs; the Dockerfile is where it is installed
    assert [(d.normalized, d.path, d.install.line) for d in deps.declared] == [
        ("flask", "services/api/requirements.txt", 7),
        ("requests", "services/api/requirements.txt", 7),
        ("redis", "services/api/Dockerfile", 9),
    ]
    assert deps.names == {"flask", "requests", "redis"}
    assert deps.constraint_pins == {"requests": "2.32.3"}
    assert deps.transitive["werkzeug"] == ("flask", "data/transitive.json")
    assert [(i.value, i.line) for i in deps.apt] == [("python3-apt", 2)]
    assert (deps.unknown, deps.clean_base, deps.lock) == ((), True, None)
    assert (deps.final_line, deps.final_col) == (4, 1)  # the final stage's FROM
    assert deps.dist_packages_links == (DistPackagesLink(2, 5, "3.10"),)  # through `base`
    assert [d.resolver_pin for d in deps.declared] == [False, False, False]
    worker = ws.image_deps[WORKER]
    assert [(d.normalized, d.resolver_pin) for d in worker.declared] == [
        ("flask", False),
        ("itsdangerous", True),
    ]
    assert worker.dist_packages_links == ()


def test_the_pins_of_the_repository(tmp_path: Path) -> None:
    ws = workspace(tmp_path, REPO)
    pins = {
        name: {version: [d.path for d in where] for version, where in by.items()}
        for name, by in ws.pins.items()
    }
    assert pins == {
        "flask": {
            "3.0.0": ["services/api/requirements.txt"],
            "2.3.0": ["services/worker/requirements.txt"],
        },
        "redis": {"5.0.1": ["services/api/Dockerfile"]},
        "itsdangerous": {"2.1.2": ["services/worker/requirements.txt"]},
    }


def test_the_third_party_imports_of_each_image(tmp_path: Path) -> None:
    ws = workspace(tmp_path, REPO)
    assert {k: [(u.module, u.edge.imp.line) for u in v] for k, v in ws.third_party.items()} == {
        API: [("flask", 1), ("redis", 2), ("yaml.constructor", 3)],
        WORKER: [("flask", 1)],
    }
    use = ws.third_party[API][0]
    assert (use.entry.path, use.entry.line) == ("services/api/Dockerfile", 11)


def test_a_script_is_read_from_the_parsed_files(tmp_path: Path) -> None:
    """What the parsed files hold (the `--fix` overlay) is the script, not what is on disk."""
    ws = workspace(tmp_path, REPO)
    script = "services/api/install.sh"
    parsed = ws.files[script]
    assert parsed.text is not None
    files = dict(ws.files)
    files[script] = replace(parsed, text=replace(parsed.text, text="pip install celery==5.4.0\n"))
    relinked = link(ws.root, ws.config, files)
    assert [d.normalized for d in relinked.image_deps[API].declared][2:] == ["celery"]


@pytest.mark.parametrize(
    ("shebang", "read"),
    [
        ("", True),
        ("#!/bin/sh\n", True),
        ("#!/usr/bin/env bash\n", True),
        ("#!/bin/ash\n", True),  # a shell of SHELLS (parsers.shell): its pip installs count
        ("#!/bin/busybox sh\n", True),
        ("#!/usr/bin/env python3\n", False),
        ("#!/usr/bin/python3 -u\n", False),
    ],
)
def test_a_script_is_read_as_shell_by_its_shebang(tmp_path: Path, shebang: str, read: bool) -> None:
    script = {"services/api/install.sh": f"{shebang}pip install --no-cache-dir redis==5.0.1\n"}
    ws = workspace(tmp_path, {**REPO, **script})
    assert ("redis" in ws.image_deps[API].names) is read


def test_a_script_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "install.sh").write_text("#!/bin/sh\npip install redis==5.0.1\n")
    root = tmp_path / "repo"
    write_repo(root, {k: v for k, v in REPO.items() if not k.endswith("install.sh")})
    (root / "services/api/install.sh").symlink_to(outside / "install.sh")
    ws = workspace(root)
    deps = ws.image_deps[API]
    assert "redis" not in deps.names
    assert deps.unknown == ("services/api/install.sh (run by the Dockerfile) cannot be read",)


def test_the_python_files_of_the_repository(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {**REPO, "lib/pkg/__init__.py": "", "lib/pkg/sub/mod.py": ""})
    index = ws.python_index
    assert index.find("worker") == ("services/worker/worker.py",)
    assert index.find("pkg") == ("lib/pkg/__init__.py",)
    assert index.has_submodule("lib/pkg", "sub")  # a namespace subpackage
    assert not index.has_submodule("lib/pkg", "other")


def test_the_installed_distributions_whose_dependencies_are_unknown(tmp_path: Path) -> None:
    files = {
        "Dockerfile": (
            "FROM python:3.12-slim\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\nRUN pip install --no-deps wheelhouse-x==1\n"
            'COPY main.py .\nCMD ["python", "main.py"]\n'
        ),
        # flask is in the curated table, locked-sdk in the lock file, redis[hiredis] has both
        # its name and its extra in the table; python-jose's extra `pycryptodome` is not
        "requirements.txt": (
            "flask==3.0.3\nlocked-sdk==1.0\nmystery-sdk==2.0\nredis[hiredis]==5.0.0\n"
            "python-jose[pycryptodome]==3.3.0\n"
        ),
        "uv.lock": 'version = 1\n\n[[package]]\nname = "locked-sdk"\nversion = "1.0"\n',
        "main.py": "import flask\n",
    }
    deps = workspace(tmp_path, files).image_deps["Dockerfile@."]
    # what `--no-deps` installs brings nothing: its dependencies do not matter
    assert deps.unknown_dependencies == ("mystery-sdk", "python-jose[pycryptodome]")


def test_the_distributions_others_commonly_depend_on(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "svc"\nversion = "1"\n',
        "uv.lock": (
            'version = 1\n\n[[package]]\nname = "svc"\nversion = "1"\n'
            'dependencies = [{ name = "leaf-a" }]\n\n'
            '[[package]]\nname = "tool-b"\nversion = "1"\ndependencies = [{ name = "core-c" }]\n'
        ),
    }
    common = workspace(tmp_path, files).module_map.dependencies
    # the curated table's dependencies, its libraries, a lock's third-party dependencies
    assert {"starlette", "google-api-core", "protobuf", "six", "core-c"} <= common
    assert "leaf-a" not in common  # only the repository's own project depends on it
    assert "prometheus-client" not in common
