"""The module map (sources, precedence, convention), the shipped data, and its generator."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from packaging.utils import canonicalize_name

from vertice_lint.link.dependencies import module_map_data, system_modules, transitive_table
from vertice_lint.model import ModuleMap, conventional_distribution

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
    result = gen.Result(tuple(data["namespaces"]), data["modules"], ())
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
