"""Generate (or check) vertice_lint/data/module_map.json from real package metadata.

The module map lists only the exceptions to the rule "import name = normalised distribution
name" (`yaml` -> PyYAML, `sklearn` -> scikit-learn, `google.cloud.secretmanager` ->
google-cloud-secret-manager), plus the namespace packages (`google`, `google.cloud`, `azure`)
under which the import name is the dotted path (`azure.storage.blob` -> azure-storage-blob).

What a distribution provides is read from its metadata, never by importing it:
- a wheel (`.whl`): its own `NAME-VERSION.dist-info/RECORD` (every file it installs), else
  its `top_level.txt`;
- an installed distribution (a `site-packages` directory): each `*.dist-info/RECORD`, else
  `top_level.txt`.
A top-level directory with an `__init__.py` is a package, a `.py` file or an extension module
(`.so`, `.pyd`) is a module, and a directory without `__init__.py` is a namespace package whose
sub-packages are the import names. Private names (`_foo`) and `tests`/`docs`-like directories
are left out.

Entries for distributions whose metadata was not in the given set come from `CURATED` below;
they are kept as they are, and checked as soon as their wheels are given: a curated entry
that the metadata contradicts (the distribution is in the set but does not install that
module) is reported, and `--check` fails on it.

Regenerate (from the repository root; any directories of wheels or site-packages will do,
the more popular distributions the better; `--ranks` orders the distributions that share an
import name by popularity, from a TSV with `name` and `rank...` columns):

    python scripts/gen_module_map.py --ranks pypi.tsv \\
        /path/to/wheels/ /path/to/venv/lib/python3.11/site-packages \\
        --output vertice_lint/data/module_map.json

Check the shipped file against some metadata without writing it:

    python scripts/gen_module_map.py --check /path/to/wheels/
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.utils import (
    InvalidWheelFilename,
    canonicalize_name,
    parse_wheel_filename,
)

from vertice_lint.model import conventional_distribution

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "vertice_lint/data/module_map.json"
_EXTENSION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\.(?:[\w.-]+\.)?(?:so|pyd)$")
_JUNK = frozenset({"test", "tests", "testing", "docs", "doc", "examples", "example", "benchmarks"})

# Popular distributions whose import name is their name (so absent from `modules`): the
# generated file lists them, with every distribution the metadata showed, as `distributions`
# (the names VL301 may report and write into a requirements file; any other name the
# convention gives is only a guess).
KNOWN: tuple[str, ...] = (
    "aio-pika",
    "aioboto3",
    "aiobotocore",
    "aiofiles",
    "aiohttp",
    "aiokafka",
    "aioredis",
    "aiosqlite",
    "alembic",
    "amqp",
    "anthropic",
    "anyio",
    "apscheduler",
    "asgiref",
    "asyncio-mqtt",
    "asyncpg",
    "attrs",
    "authlib",
    "bcrypt",
    "black",
    "bleach",
    "boto3",
    "botocore",
    "cachetools",
    "celery",
    "certifi",
    "cffi",
    "chardet",
    "chromadb",
    "click",
    "colorama",
    "confluent-kafka",
    "cryptography",
    "cython",
    "dask",
    "deprecated",
    "django",
    "dnspython",
    "docker",
    "elasticsearch",
    "email-validator",
    "faiss-cpu",
    "fastapi",
    "filelock",
    "flask",
    "gevent",
    "google-api-core",
    "google-auth",
    "google-cloud-pubsub",
    "google-cloud-storage",
    "googleapis-common-protos",
    "greenlet",
    "grpcio",
    "grpcio-health-checking",
    "grpcio-status",
    "grpcio-tools",
    "gunicorn",
    "h11",
    "h5py",
    "httpcore",
    "httptools",
    "httpx",
    "huggingface-hub",
    "hypercorn",
    "idna",
    "itsdangerous",
    "jinja2",
    "jmespath",
    "joblib",
    "jsonschema",
    "jwcrypto",
    "kafka-python",
    "kombu",
    "kubernetes",
    "langchain",
    "langchain-community",
    "langchain-core",
    "langchain-openai",
    "langgraph",
    "langsmith",
    "lightgbm",
    "loguru",
    "lxml",
    "markdown",
    "markupsafe",
    "marshmallow",
    "matplotlib",
    "minio",
    "motor",
    "msgpack",
    "mypy",
    "nats-py",
    "neo4j",
    "networkx",
    "nltk",
    "numba",
    "numpy",
    "openai",
    "opencv-python",
    "openpyxl",
    "opentelemetry-api",
    "opentelemetry-distro",
    "opentelemetry-exporter-gcp-monitoring",
    "opentelemetry-exporter-gcp-trace",
    "opentelemetry-exporter-jaeger",
    "opentelemetry-exporter-jaeger-thrift",
    "opentelemetry-exporter-otlp",
    "opentelemetry-exporter-otlp-proto-grpc",
    "opentelemetry-exporter-otlp-proto-http",
    "opentelemetry-exporter-prometheus",
    "opentelemetry-instrumentation",
    "opentelemetry-instrumentation-fastapi",
    "opentelemetry-instrumentation-flask",
    "opentelemetry-instrumentation-grpc",
    "opentelemetry-instrumentation-httpx",
    "opentelemetry-instrumentation-logging",
    "opentelemetry-instrumentation-redis",
    "opentelemetry-instrumentation-requests",
    "opentelemetry-instrumentation-sqlalchemy",
    "opentelemetry-propagator-gcp",
    "opentelemetry-proto",
    "opentelemetry-resourcedetector-gcp",
    "opentelemetry-sdk",
    "opentelemetry-semantic-conventions",
    "orjson",
    "packaging",
    "pandas",
    "paramiko",
    "passlib",
    "peewee",
    "pendulum",
    "pika",
    "pillow",
    "pinecone-client",
    "playwright",
    "pluggy",
    "polars",
    "prometheus-client",
    "prometheus-fastapi-instrumentator",
    "protobuf",
    "psutil",
    "psycopg",
    "psycopg2",
    "psycopg2-binary",
    "pyarrow",
    "pydantic",
    "pydantic-core",
    "pydantic-settings",
    "pygments",
    "pyjwt",
    "pymilvus",
    "pymongo",
    "pymysql",
    "pynacl",
    "pyopenssl",
    "pyotp",
    "pysocks",
    "pytest",
    "pytest-asyncio",
    "python-dateutil",
    "python-dotenv",
    "python-jose",
    "python-multipart",
    "pytz",
    "pyyaml",
    "pyzmq",
    "qdrant-client",
    "qrcode",
    "rabbitmq",
    "ray",
    "redis",
    "reportlab",
    "requests",
    "rich",
    "ruamel-yaml",
    "s3transfer",
    "scapy",
    "scikit-learn",
    "scipy",
    "selenium",
    "sentence-transformers",
    "sentry-sdk",
    "setuptools",
    "shapely",
    "simplejson",
    "six",
    "slowapi",
    "sniffio",
    "spacy",
    "sqlalchemy",
    "sqlmodel",
    "starlette",
    "statsmodels",
    "streamlit",
    "structlog",
    "sympy",
    "tabulate",
    "tenacity",
    "tensorflow",
    "termcolor",
    "tiktoken",
    "tokenizers",
    "toml",
    "tomli",
    "torch",
    "tornado",
    "tqdm",
    "traceloop-sdk",
    "transformers",
    "typer",
    "typing-extensions",
    "tzdata",
    "ujson",
    "urllib3",
    "uvicorn",
    "uvloop",
    "vcrpy",
    "watchfiles",
    "weaviate-client",
    "websocket-client",
    "websockets",
    "werkzeug",
    "wheel",
    "wrapt",
    "xgboost",
    "xmltodict",
    "yarl",
    "zipp",
)

# Distributions that are popular and whose import name differs, for which no metadata was at
# hand when the file was generated: module -> distributions (the usual one first).
CURATED: dict[str, list[str]] = {
    "attr": ["attrs"],
    "jose": ["python-jose"],
    "magic": ["python-magic"],
    "bson": ["pymongo"],
    "gridfs": ["pymongo"],
    "MySQLdb": ["mysqlclient"],
    "ldap": ["python-ldap"],
    "ldif": ["python-ldap"],
    "memcache": ["python-memcached"],
    "snappy": ["python-snappy"],
    "wx": ["wxPython"],
    "gi": ["PyGObject"],
    "dbus": ["dbus-python"],
    "win32api": ["pywin32"],
    "win32con": ["pywin32"],
    "win32com": ["pywin32"],
    "pythoncom": ["pywin32"],
    "pywintypes": ["pywin32"],
    "win32ctypes": ["pywin32-ctypes"],
    "usb": ["pyusb"],
    "RPi": ["RPi.GPIO"],
    "discord": ["discord.py"],
    "telegram": ["python-telegram-bot"],
    "telebot": ["pyTelegramBotAPI"],
    "slack": ["slackclient"],
    "kafka": ["kafka-python"],
    "opensearchpy": ["opensearch-py"],
    "cassandra": ["cassandra-driver"],
    "snowflake.connector": ["snowflake-connector-python"],
    "snowflake.sqlalchemy": ["snowflake-sqlalchemy"],
    "snowflake.snowpark": ["snowflake-snowpark-python"],
    "databricks.sql": ["databricks-sql-connector"],
    "pptx": ["python-pptx"],
    "fitz": ["PyMuPDF"],
    "pymupdf": ["PyMuPDF"],
    "Levenshtein": ["Levenshtein", "python-Levenshtein"],
    "socketio": ["python-socketio"],
    "engineio": ["python-engineio"],
    "rest_framework": ["djangorestframework"],
    "rest_framework_simplejwt": ["djangorestframework-simplejwt"],
    "corsheaders": ["django-cors-headers"],
    "environ": ["django-environ"],
    "django_filters": ["django-filter"],
    "storages": ["django-storages"],
    "debug_toolbar": ["django-debug-toolbar"],
    "crispy_forms": ["django-crispy-forms"],
    "allauth": ["django-allauth"],
    "import_export": ["django-import-export"],
    "model_utils": ["django-model-utils"],
    "mptt": ["django-mptt"],
    "taggit": ["django-taggit"],
    "guardian": ["django-guardian"],
    "oauth2_provider": ["django-oauth-toolkit"],
    "phonenumber_field": ["django-phonenumber-field"],
    "polymorphic": ["django-polymorphic"],
    "social_django": ["social-auth-app-django"],
    "social_core": ["social-auth-core"],
    "daemon": ["python-daemon"],
    "gitlab": ["python-gitlab"],
    "atlassian": ["atlassian-python-api"],
    "iptc": ["python-iptables"],
    "nmap": ["python-nmap"],
    "keycloak": ["python-keycloak"],
    "crontab": ["python-crontab"],
    "factory": ["factory-boy"],
    "avro": ["avro", "avro-python3"],
    "multipart": ["python-multipart"],
    "python_multipart": ["python-multipart"],
    "consul": ["python-consul", "python-consul2"],
    "hcl": ["pyhcl"],
    "hcl2": ["python-hcl2"],
    "jenkins": ["python-jenkins"],
    "decouple": ["python-decouple"],
    "hydra": ["hydra-core"],
    "skopt": ["scikit-optimize"],
    "imblearn": ["imbalanced-learn"],
    "gnupg": ["python-gnupg"],
    "suds": ["suds-community", "suds-jurko"],
    "opentelemetry.exporter.cloud_trace": ["opentelemetry-exporter-gcp-trace"],
    "opentelemetry.exporter.cloud_monitoring": ["opentelemetry-exporter-gcp-monitoring"],
    "opentelemetry.resourcedetector.gcp_resource_detector": ["opentelemetry-resourcedetector-gcp"],
    "opentelemetry.propagators.cloud_trace_propagator": ["opentelemetry-propagator-gcp"],
    "traceloop.sdk": ["traceloop-sdk"],
    "vcr": ["vcrpy"],
    "smbclient": ["smbprotocol"],
    "smb": ["pysmb"],
    "nmb": ["pysmb"],
    "winrm": ["pywinrm"],
    "rediscluster": ["redis-py-cluster"],
    "tortoise": ["tortoise-orm"],
    "playhouse": ["peewee"],
    "pynvml": ["nvidia-ml-py", "pynvml"],
    "rapidjson": ["python-rapidjson"],
    "yamlinclude": ["pyyaml-include"],
    "newspaper": ["newspaper3k"],
    "whois": ["python-whois"],
    "IPython": ["ipython"],
    "hamcrest": ["PyHamcrest"],
    "Xlib": ["python-xlib"],
    "systemd": ["systemd-python"],
    "bluetooth": ["PyBluez"],
    "serial_asyncio": ["pyserial-asyncio"],
    "awsiot": ["awsiotsdk"],
    "strawberry": ["strawberry-graphql"],
    "compose": ["docker-compose"],
    "openstack": ["openstacksdk"],
    "novaclient": ["python-novaclient"],
    "keystoneclient": ["python-keystoneclient"],
    "swiftclient": ["python-swiftclient"],
    "glanceclient": ["python-glanceclient"],
    "neutronclient": ["python-neutronclient"],
    "cinderclient": ["python-cinderclient"],
    "heatclient": ["python-heatclient"],
    "openstackclient": ["python-openstackclient"],
    "libcloud": ["apache-libcloud"],
    "aws_cdk": ["aws-cdk-lib"],
    "digitalocean": ["python-digitalocean"],
    "elftools": ["pyelftools"],
    "keystone": ["keystone-engine"],
    "pwn": ["pwntools"],
    "pwnlib": ["pwntools"],
    "yara": ["yara-python"],
    "libnmap": ["python-libnmap"],
    "antlr4": ["antlr4-python3-runtime"],
    "ffmpeg": ["ffmpeg-python"],
    "vlc": ["python-vlc"],
    "cairo": ["pycairo"],
    "barcode": ["python-barcode"],
    "bumpversion": ["bump2version", "bumpversion"],
    "semantic_release": ["python-semantic-release"],
    "past": ["future"],
    "libfuturize": ["future"],
    "spellchecker": ["pyspellchecker"],
    "community": ["python-louvain"],
    "janitor": ["pyjanitor"],
    "osgeo": ["GDAL"],
    "vertexai": ["google-cloud-aiplatform"],
    "googleclouddebugger": ["google-python-cloud-debugger"],
    # private modules the generator leaves out, that applications import all the same
    "opentelemetry._logs": ["opentelemetry-api"],
    "opentelemetry._events": ["opentelemetry-api"],
    "opentelemetry.sdk._logs": ["opentelemetry-sdk"],
    "opentelemetry.sdk._events": ["opentelemetry-sdk"],
    "openfeature": ["openfeature-sdk"],
    "openfeature.contrib.provider.flagd": ["openfeature-provider-flagd"],
    "openfeature.contrib.hook.opentelemetry": ["openfeature-hooks-opentelemetry"],
    "googlecloudprofiler": ["google-cloud-profiler"],
    "googlesearch": ["googlesearch-python"],
    "office365": ["Office365-REST-Python-Client"],
    "pyrebase": ["pyrebase4"],
    "ulid": ["python-ulid", "ulid-py"],
    "grpc_health": ["grpcio-health-checking"],
    "grpc_reflection": ["grpcio-reflection"],
    "grpc_status": ["grpcio-status"],
    "skmultilearn": ["scikit-multilearn"],
    "google.cloud.secretmanager": ["google-cloud-secret-manager"],
    "google.cloud.secretmanager_v1": ["google-cloud-secret-manager"],
    "google.cloud.errorreporting": ["google-cloud-error-reporting"],
    "google.cloud.error_reporting": ["google-cloud-error-reporting"],
    "google.cloud.resourcemanager": ["google-cloud-resource-manager"],
    "google.cloud.resourcemanager_v3": ["google-cloud-resource-manager"],
    "google.cloud.sql.connector": ["cloud-sql-python-connector"],
    "google.cloud.exceptions": ["google-cloud-core"],
    "google.cloud.client": ["google-cloud-core"],
    "google.cloud.bigquery_storage": ["google-cloud-bigquery-storage"],
    "google.cloud.bigquery_storage_v1": ["google-cloud-bigquery-storage"],
    "google.cloud.devtools": ["google-cloud-build"],
    "google.cloud.pubsublite": ["google-cloud-pubsublite"],
    "google.cloud.alloydb.connector": ["google-cloud-alloydb-connector"],
    "google.iam.v1": ["grpc-google-iam-v1"],
}

DEFAULT_NAMESPACES = (
    "azure",
    "azure.mgmt",
    "azure.keyvault",
    "azure.storage",
    "backports",
    "google",
    "google.cloud",
    "jaraco",
    "opentelemetry",
    "opentelemetry.exporter",
    "opentelemetry.instrumentation",
    "ruamel",
    "snowflake",
    "sphinxcontrib",
    "zope",
)


@dataclass(frozen=True)
class Distribution:
    """What one distribution's metadata says it installs."""

    name: str
    modules: frozenset[str]  # import names, dotted below a namespace package
    namespaces: frozenset[str]  # namespace packages it installs into


def import_names(files: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(import names, namespace packages) of a distribution, from the paths it installs."""
    paths = [PurePosixPath(p) for p in files]
    paths = [
        p
        for p in paths
        if p.parts
        and not p.parts[0].endswith((".dist-info", ".data", ".egg-info"))
        and p.parts[0] not in ("..", "bin", "share", "include")
    ]
    directories: set[tuple[str, ...]] = set()
    inits: set[tuple[str, ...]] = set()
    for path in paths:
        for depth in range(1, len(path.parts)):
            directories.add(path.parts[:depth])
        if path.name == "__init__.py":
            inits.add(path.parts[:-1])
    modules: set[str] = set()
    namespaces: set[str] = set()

    def usable(name: str) -> bool:
        # `_private` and mypyc's hashed `abc123__mypyc` helpers are nobody's import name
        return (
            name.isidentifier()
            and not name.startswith("_")
            and "__" not in name
            and name not in _JUNK
        )

    def visit(prefix: tuple[str, ...]) -> None:
        for path in paths:
            if path.parts[: len(prefix)] != prefix or len(path.parts) != len(prefix) + 1:
                continue
            name = path.name
            stem = name[:-3] if name.endswith(".py") else None
            match = _EXTENSION.match(name)
            module = stem or (match.group(1) if match else None)
            if module and usable(module) and module != "__init__":
                modules.add(".".join((*prefix, module)))
        children = {d for d in directories if len(d) == len(prefix) + 1 and d[:-1] == prefix}
        for child in sorted(children):
            if not usable(child[-1]):
                continue
            if child in inits:
                modules.add(".".join(child))
            elif any(d[: len(child)] == child for d in inits):
                namespaces.add(".".join(child))
                visit(child)

    visit(())
    return frozenset(modules), frozenset(namespaces)


def _from_top_level(text: str) -> tuple[frozenset[str], frozenset[str]]:
    names = {line.strip().replace("/", ".") for line in text.splitlines()}
    return frozenset(n for n in names if n and not n.startswith("_")), frozenset()


def _record_paths(text: str) -> list[str]:
    return [row[0] for row in csv.reader(text.splitlines()) if row]


def read_wheel(path: Path) -> Distribution | None:
    """A wheel's distribution name and import names, from its own dist-info."""
    try:
        name, version, _, _ = parse_wheel_filename(path.name)
    except InvalidWheelFilename:
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            own = [
                m
                for m in members
                if m.count("/") == 1
                and m.split("/")[0].endswith(".dist-info")
                and canonicalize_name(m.split("/")[0].removesuffix(".dist-info").rsplit("-", 1)[0])
                == name
            ]
            record = next((m for m in own if m.endswith("/RECORD")), None)
            top_level = next((m for m in own if m.endswith("/top_level.txt")), None)
            metadata = next((m for m in own if m.endswith("/METADATA")), None)
            display = (
                _display_name(archive.read(metadata).decode("utf-8", "replace"), metadata)
                if metadata is not None
                else None
            )
            if record is not None:
                modules, namespaces = import_names(_record_paths(archive.read(record).decode()))
            elif top_level is not None:
                modules, namespaces = _from_top_level(archive.read(top_level).decode())
            else:
                modules, namespaces = import_names(members)
    except (OSError, zipfile.BadZipFile, KeyError, UnicodeDecodeError):
        return None
    del version
    return Distribution(display or str(name), modules, namespaces)


def _display_name(metadata: str, where: str | None) -> str | None:
    if where is None:
        return None
    for line in metadata.splitlines():
        if line.lower().startswith("name:"):
            return line.split(":", 1)[1].strip()
        if not line.strip():
            break
    return None


def read_installed(site: Path) -> Iterator[Distribution]:
    """The distributions installed in a site-packages directory."""
    for info in sorted(site.glob("*.dist-info")) + sorted(site.glob("*.egg-info")):
        if not info.is_dir():
            continue
        meta_file = info / ("METADATA" if info.suffix == ".dist-info" else "PKG-INFO")
        try:
            display = _display_name(meta_file.read_text("utf-8", "replace"), str(meta_file))
        except OSError:
            continue
        if not display:
            continue
        record = info / "RECORD"
        top_level = info / "top_level.txt"
        if record.is_file():
            modules, namespaces = import_names(_record_paths(record.read_text("utf-8")))
        elif top_level.is_file():
            modules, namespaces = _from_top_level(top_level.read_text("utf-8"))
        else:
            continue
        yield Distribution(display, modules, namespaces)


def read_sources(sources: Sequence[Path]) -> list[Distribution]:
    """Every distribution of the given wheels, wheel directories and site-packages."""
    found: dict[str, Distribution] = {}
    for source in sources:
        if source.is_file() and source.suffix == ".whl":
            candidates: Iterable[Distribution | None] = [read_wheel(source)]
        elif source.is_dir() and any(source.glob("*.dist-info")):
            candidates = read_installed(source)
        elif source.is_dir():
            candidates = (read_wheel(w) for w in sorted(source.rglob("*.whl")))
        else:
            continue
        for dist in candidates:
            if dist is not None:
                # several versions of one distribution: the union of what they install
                key = canonicalize_name(dist.name)
                old = found.get(key)
                if old is not None:
                    dist = Distribution(
                        old.name, old.modules | dist.modules, old.namespaces | dist.namespaces
                    )
                found[key] = dist
    return [found[k] for k in sorted(found)]


def read_ranks(path: Path) -> dict[str, int]:
    """Popularity ranks by normalised name, from a TSV with `name` and `rank...` columns."""
    ranks: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, [])
        try:
            name_col = header.index("name")
            rank_col = next(i for i, h in enumerate(header) if h.startswith("rank"))
        except (ValueError, StopIteration):
            raise SystemExit(f"{path}: needs a `name` and a `rank...` column") from None
        for row in reader:
            if len(row) > max(name_col, rank_col) and row[rank_col].isdigit():
                ranks[canonicalize_name(row[name_col])] = int(row[rank_col])
    return ranks


@dataclass(frozen=True)
class Result:
    """The generated map, and the curated entries the metadata contradicts."""

    namespaces: tuple[str, ...]
    modules: dict[str, list[str]]
    contradictions: tuple[str, ...]
    distributions: tuple[str, ...] = ()


def generate(
    dists: Sequence[Distribution],
    curated: Mapping[str, Sequence[str]] = CURATED,
    ranks: Mapping[str, int] | None = None,
) -> Result:
    """The exceptions to "import name = distribution name" that the metadata shows, plus
    the curated entries of distributions absent from it."""
    namespaces = set(DEFAULT_NAMESPACES)
    for dist in dists:
        namespaces |= dist.namespaces
    frozen_ns = frozenset(namespaces)
    providers: dict[str, set[str]] = {}
    for dist in dists:
        for module in dist.modules:
            providers.setdefault(module, set()).add(dist.name)
    ranks = ranks or {}

    def order(module: str, names: Iterable[str]) -> list[str]:
        conventional = conventional_distribution(module, frozen_ns)
        return sorted(
            set(names),
            key=lambda n: (
                canonicalize_name(n) != conventional,
                ranks.get(canonicalize_name(n), 10**9),
                canonicalize_name(n),
            ),
        )

    by_name: dict[str, Distribution] = {str(canonicalize_name(d.name)): d for d in dists}
    modules: dict[str, list[str]] = {}
    for module, provided_by in providers.items():
        if module in frozen_ns:
            continue  # several distributions install into it: no one owns it
        conventional = conventional_distribution(module, frozen_ns)
        if conventional in by_name:
            # a meta-package (`jupyter`, `typer`) or the usual provider: named first
            provided_by = provided_by | {by_name[conventional].name}
        if len(provided_by) == 1 and canonicalize_name(next(iter(provided_by))) == conventional:
            continue
        modules[module] = order(module, provided_by)
    contradictions: list[str] = []
    for module, names in curated.items():
        for name in names:
            found = by_name.get(canonicalize_name(name))
            if found is not None and module not in found.modules:
                contradictions.append(
                    f"curated {module} -> {name}: its metadata installs"
                    f" {', '.join(sorted(found.modules)) or 'no module'}"
                )
        conventional = conventional_distribution(module, frozen_ns)
        needed = len(names) > 1 or canonicalize_name(names[0]) != conventional
        if module not in modules and needed:
            modules[module] = order(module, names)
    known = {canonicalize_name(n) for n in KNOWN} | {canonicalize_name(d.name) for d in dists}
    return Result(
        tuple(sorted(namespaces)),
        {k: modules[k] for k in sorted(modules, key=lambda m: (m.lower(), m))},
        tuple(contradictions),
        tuple(sorted(known)),
    )


def render(result: Result) -> str:
    """The JSON text of module_map.json (stable, one entry a line)."""
    lines = ["{"]
    about = "generated by scripts/gen_module_map.py; see vertice_lint/data/README.md"
    lines.append(f'  "about": {json.dumps(about)},')
    lines.append(f'  "namespaces": {json.dumps(list(result.namespaces))},')
    lines.append(f'  "distributions": {json.dumps(list(result.distributions))},')
    lines.append('  "modules": {')
    items = list(result.modules.items())
    for index, (module, names) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        lines.append(f"    {json.dumps(module)}: {json.dumps(names)}{comma}")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def check(shipped: Mapping[str, object], result: Result) -> list[str]:
    """Where the shipped file disagrees with what the metadata shows."""
    problems = list(result.contradictions)
    modules = shipped.get("modules")
    old: dict[str, list[str]] = modules if isinstance(modules, dict) else {}
    for module, names in result.modules.items():
        missing = sorted(set(names) - set(old.get(module, [])))
        if missing:
            problems.append(f"{module}: the shipped file lacks {', '.join(missing)}")
    listed = shipped.get("distributions")
    have = set(listed) if isinstance(listed, list) else set()
    lacking = sorted(set(result.distributions) - have)
    if lacking:
        problems.append(f"distributions: the shipped file lacks {', '.join(lacking)}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("sources", nargs="+", type=Path, help="wheels, wheel dirs, site-packages")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--ranks", type=Path, help="TSV with name and rank columns")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    dists = read_sources(args.sources)
    ranks = read_ranks(args.ranks) if args.ranks else None
    result = generate(dists, CURATED, ranks)
    if args.check:
        shipped = json.loads(args.output.read_text("utf-8"))
        problems = check(shipped, result)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for problem in result.contradictions:
        print(f"warning: {problem}", file=sys.stderr)
    args.output.write_text(render(result), "utf-8")
    print(f"{args.output}: {len(result.modules)} modules from {len(dists)} distributions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
