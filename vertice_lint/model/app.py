"""Facts about the app a container runs, derived once by `link/appfacts.py`.

Per container (`ContainerFacts`, one for every container of every workload, in
`Workspace.container_facts` and on its `ContainerRuntime.facts`): the env it starts with
(`EnvGiven`), the user it runs as (`RunUser`), the capabilities a root process in it has.
Per app a container runs (`AppFacts`, on `ContainerRuntime.app`): the env the code needs and
when it reads it (`EnvNeed`, `When`), the routes it serves (`AppRoutes`), the port it listens on
(`ListenPort`), the third-party packages it imports and what those need of the container
(`HomeWriter`, `PrivilegedImport`). Per Service (`ServiceSelection`, in
`Workspace.service_selections`): the workloads whose pods it selects.

Also the pure predicates on values the rules and link share (`secret_name`, `public_name`,
`is_placeholder`, `placeholder_pem`, `asks_to_replace`, `user_values`, `secret_in_url`,
`secret_data_value`, `in_scope`, `sources_named`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from vertice_lint.diagnostics import Evidence

if TYPE_CHECKING:
    from vertice_lint.model.objects import ConfigSource
    from vertice_lint.model.workload import Container, Workload


@dataclass(frozen=True)
class When:
    """When a piece of code runs: at start-up (a crash loop) or later (and what triggers it)."""

    startup: bool
    text: str  # "at start-up", "when GET /x is requested", "when f() is called"


@dataclass(frozen=True)
class EnvNeed:
    """An env var the code cannot do without: its read raises when it is unset (no default,
    not guarded; for `os.getenv`, a None that the code is seen to reject)."""

    names: tuple[str, ...]  # any of these satisfies it (aliases)
    case_sensitive: bool
    nested_delimiter: str | None  # pydantic nested models: NAME<delim>... satisfies it too
    path: str
    line: int
    col: int
    what: str  # how the code reads it, for the message
    when: When
    error: str = ""  # what is raised, when not KeyError / ValidationError
    via: tuple[Evidence, ...] = ()  # how a framework reaches the module (Django settings)

    def satisfied_by(self, given: Iterable[str]) -> bool:
        fold = (lambda s: s) if self.case_sensitive else str.upper
        wanted = {fold(n) for n in self.names}
        prefixes = (
            tuple(fold(n) + self.nested_delimiter for n in self.names)
            if (self.nested_delimiter)
            else ()
        )
        return any(fold(g) in wanted or (prefixes and fold(g).startswith(prefixes)) for g in given)


@dataclass(frozen=True)
class EnvGiven:
    """The env a container starts with: name -> where it is set; `open` sources set any name."""

    names: Mapping[str, Evidence]
    open: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Served:
    """A route the app serves: its full path, methods, and where it is declared."""

    path: str
    methods: tuple[str, ...]
    evidence: Evidence
    any_below: bool = False  # a mounted app we cannot see into: anything under `path`

    def serves(self, probe_path: str) -> bool:
        path = probe_path.split("?", 1)[0].rstrip("/") or "/"
        if self.any_below:
            base = self.path.rstrip("/")
            return path == (base or "/") or path.startswith(base + "/")
        if self.methods and not {"GET", "HEAD"} & set(self.methods):
            return False
        return _route_regex(self.path.rstrip("/") or "/").fullmatch(path) is not None


@cache
def _route_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for piece in re.split(r"(\{[^}]*\}|<[^>]*>)", pattern):
        if piece.startswith(("{", "<")):
            out.append(".*" if ":path" in piece or piece.startswith("<path:") else "[^/]+")
        else:
            out.append(re.escape(piece))
    return re.compile("".join(out))


@dataclass(frozen=True)
class AppRoutes:
    """The app's routes, or why they cannot be known (`routes` is None then)."""

    routes: tuple[Served, ...] | None
    why_unknown: str = ""


@dataclass(frozen=True)
class RunUser:
    """Who the container's process runs as, and whether it has a writable HOME."""

    root: bool
    label: str  # "user maximus", "uid 1000"
    home_writable: bool | None  # None: cannot tell (a user from the base image)
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class ListenPort:
    """The port the app listens on (command line, `uvicorn.run(port=...)`, a single EXPOSE or
    the variable it names), and where that is said."""

    port: int
    evidence: Evidence


@dataclass(frozen=True)
class HomeWriter:
    """A library the code imports that writes under HOME when imported (data/cache_dirs.json).

    `evidence` is the import that brings it in (directly, or a package that imports it).
    """

    library: str
    writes: str  # what it writes, for the message
    env: str  # the variable the fix sets to move it
    directory: str  # the writable directory the fix points `env` at
    overrides: tuple[str, ...]  # variables any of which moves it
    evidence: Evidence


@dataclass(frozen=True)
class PrivilegedImport:
    """A module the code imports that needs kernel capabilities (data/privileged_modules.json)."""

    module: str
    what: str  # what it does, for the message
    caps: tuple[str, ...]  # every one of them is needed
    evidence: Evidence


@dataclass(frozen=True)
class AppFacts:
    """What the app a (regular) container runs needs from it and does, derived in link.

    `env_needs`: the env vars the code reads without a default, each with when the read runs;
    `routes`: the routes it serves (or why they cannot be known); `listen_port`: None when not
    known; `third_party_imports`: top-level package -> its first import (TYPE_CHECKING imports
    left out); `home_writers` / `privileged_imports`: those of the imported packages (and of what
    they import in turn) that write under HOME or need capabilities, in import order.
    """

    env_needs: tuple[EnvNeed, ...]
    routes: AppRoutes
    listen_port: ListenPort | None
    third_party_imports: Mapping[str, Evidence]
    home_writers: tuple[HomeWriter, ...] = ()
    privileged_imports: tuple[PrivilegedImport, ...] = ()


@dataclass(frozen=True)
class ContainerFacts:
    """What one container of a workload starts with, derived in link.

    `env_given`: the Dockerfile ENV of its image, its env and its envFrom (with the keys the
    repository defines), as rendered (what kustomize patches add included); `run_user`:
    runAsUser of the container or pod, else the image's USER; `capabilities`: what a root
    process in it has (Docker's defaults, minus drops, plus adds; "*" for all: `privileged`,
    `add: [ALL]`); `written`: the container node as written at `container.at` (that file's
    document, at that key path; JSON-like; {} for a compose service or where no key path
    reaches it), for fixes.
    """

    workload: Workload
    container: Container
    env_given: EnvGiven
    run_user: RunUser
    capabilities: frozenset[str]
    written: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ServicePort:
    """One port of a Service: its targetPort (else port) and where that is written."""

    target: int | str
    line: int
    col: int


@dataclass(frozen=True)
class ServiceSelection:
    """A Service (as written) with a selector, and the workloads whose pod templates carry every
    selector label in its namespace (a namespace left unset matches any)."""

    name: str
    namespace: str | None
    path: str
    line: int
    col: int
    selector: Mapping[str, str]
    ports: tuple[ServicePort, ...]
    workloads: tuple[Workload, ...]


# --- config sources ---------------------------------------------------------------------------


def in_scope(source: ConfigSource, workload: Workload) -> bool:
    """Whether a ConfigMap/Secret can serve this workload (same namespace, or one unset; and
    both synced by one sync root, when both are)."""
    return (
        source.namespace is None
        or workload.namespace is None
        or (source.namespace == workload.namespace)
    ) and (
        not source.synced_by
        or not workload.synced_by
        or not set(source.synced_by).isdisjoint(workload.synced_by)
    )


def sources_named(
    sources: Iterable[ConfigSource], workload: Workload, kind: str, name: str
) -> list[ConfigSource]:
    """The ConfigMaps/Secrets of this kind and name that can serve this workload."""
    return [s for s in sources if s.kind == kind and s.name == name and in_scope(s, workload)]


# --- secrets ----------------------------------------------------------------------------------

_SECRET_TOKENS = frozenset(
    {"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIALS", "CREDENTIAL", "APIKEY"}
)
_KEY_QUALIFIERS = frozenset(
    {"API", "ACCESS", "SECRET", "PRIVATE", "ENCRYPTION", "SIGNING", "MASTER", "AUTH", "CLIENT"}
)
_NOT_SECRET_SUFFIXES = frozenset(
    {
        "FILE",
        "PATH",
        "DIR",
        "URL",
        "URI",
        "ENDPOINT",
        "NAME",
        "USER",
        "USERNAME",
        "ID",
        "HEADER",
        "TTL",
        "EXPIRY",
        "EXPIRES",
        "EXPIRE",
        "LENGTH",
        "LEN",
        "ALGORITHM",
        "TYPE",
        "ENABLED",
        "REF",
        "KIND",
        "MODE",
        "HOST",
        "ADDRESS",
        "ADDR",
        "PORT",
        "VERSION",
        "TIMEOUT",
        "SECONDS",
        "MINUTES",
        # a certificate is public (its key is not): `tls.crt`, `ca.crt`, `CA_CERT`
        "CRT",
        "CERT",
    }
)
_URL_CREDENTIALS = re.compile(r"^[a-z][a-z0-9+.-]*://([^/:@\s]*):([^/@\s]+)@", re.IGNORECASE)
# The documented default credentials of common service images (postgres, RabbitMQ's guest,
# MinIO's minioadmin, Grafana's and others' admin, neo4j): public knowledge, not a secret.
_WELL_KNOWN_DEFAULTS = frozenset({"postgres", "guest", "minioadmin", "admin", "root", "neo4j"})
_PLACEHOLDER = re.compile(
    r"^$|^[<\[{(].*[>\]})]$|\$\{|\$\(|placeholder|change[-_ ]?me|replace|dummy|example|redacted"
    r"|sample|sealed|^x+$|todo|fixme|fake|not[-_ ]?set|^secret$|^password$"
    # a value that says it is not the real one: `..._change_in_prod`, `..._dev_only`, `your-...`
    r"|change[-_ ]?(it|this|in[-_ ]?prod)|dev[-_ ]?only|^your[-_]?[a-z]|[-_]here$|^default[-_]"
    # a flag, not a value (`REQUIRE_API_KEY=true`)
    r"|^(true|false|yes|no|on|off)$"
    r"|^ENC\[AES256_GCM,",  # a value SOPS encrypted
    re.IGNORECASE,
)


def _name_tokens(name: str) -> list[str]:
    """The words of a key name, upper-cased: `DB_PASSWORD`, `db-password`, `dbPassword` and
    `apiURL` all split at their word boundaries."""
    return [
        word.upper()
        for part in re.split(r"[^A-Za-z0-9]+", name)
        for word in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", part)
    ]


def secret_name(name: str) -> bool:
    """Whether an env/key name looks like it holds a secret."""
    tokens = _name_tokens(name)
    if not tokens or tokens[-1] in _NOT_SECRET_SUFFIXES:
        return False
    if any(t in _SECRET_TOKENS for t in tokens):
        return True
    return tokens[-1] == "KEY" and len(tokens) > 1 and tokens[-2] in _KEY_QUALIFIERS


def public_name(name: str) -> bool:
    """A key name that says its value is not a secret: `user`, `DB_HOST`, `REDIS_URL`."""
    tokens = _name_tokens(name)
    return bool(tokens) and tokens[-1] in _NOT_SECRET_SUFFIXES


def user_values(pairs: Iterable[tuple[str, str | None]]) -> frozenset[str]:
    """The values of the user-name keys among (name, value) pairs (`MYSQL_USER`,
    `apiUsername`, `LOGIN`): a password equal to one of them is the trivial default of an
    example (`mysql`/`mysql`), guessed first by anyone, not a secret."""
    return frozenset(
        value
        for name, value in pairs
        if value and (tokens := _name_tokens(name)) and tokens[-1] in _USER_WORDS
    )


_USER_WORDS = frozenset({"USER", "USERNAME", "LOGIN"})


def secret_in_url(value: str) -> bool:
    """A connection URL with a literal password (`scheme://user:pass@host`)."""
    match = _URL_CREDENTIALS.match(value.strip())
    # `postgresql://postgres:postgres@db`: the image's default, a placeholder as well
    return match is not None and not is_placeholder(match.group(2))


# The words of a value spelled as an uppercase placeholder: `OPTIONAL_MAIL_KEY`, `YOUR_TOKEN`,
# `SECRET-KEY-GOES-HERE`, `TODO_SET_PASSWORD`
_PLACEHOLDER_WORDS = frozenset(
    {
        "KEY",
        "TOKEN",
        "PASSWORD",
        "SECRET",
        "OPTIONAL",
        "YOUR",
        "HERE",
        "CHANGE",
        "REPLACE",
        "EXAMPLE",
        "PLACEHOLDER",
        "TODO",
        "XXX",
    }
)
_UPPERCASE_WORDS = re.compile(r"[A-Z0-9]+(?:[-_][A-Z0-9]+)*")


def is_placeholder(value: str) -> bool:
    """A value that says it is not the real one (`changeme`, `<your-key>`, `${VAR}`,
    `OPTIONAL_MAIL_KEY`), or an image's documented default credential."""
    text = value.strip()
    if _PLACEHOLDER.search(text) is not None or text.lower() in _WELL_KNOWN_DEFAULTS:
        return True
    # an uppercase name made of words, one of them a placeholder's (a random uppercase token
    # such as `9F8E7D6C5B4A` has no such word)
    return _UPPERCASE_WORDS.fullmatch(text) is not None and any(
        word in _PLACEHOLDER_WORDS for word in re.split(r"[-_]", text)
    )


# A comment that tells the reader to put their own value there: `# change this`,
# `#REQUIRED - replace with your access key`, `# fill in`, `# set your token`
_REPLACE_ME = re.compile(
    r"\b(change\s+(this|it|me)|replace|fill[-\s]?in|set\s+(this|your)|your\s+own"
    r"|placeholder|dummy|example\s+value|e\.g\.|for\s+example)",
    re.IGNORECASE,
)


def asks_to_replace(text: str, line: int) -> bool:
    """Whether the entry written at `line` (1-based) of `text` carries a comment asking the
    reader to replace its value: on its own lines (the line and those indented below it: a
    list item's `value:`), or on the comment-only line just above it. Such a value is a
    placeholder, whatever it looks like."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return False
    first = lines[line - 1]
    indent = len(first) - len(first.lstrip())
    numbers = [line]
    for number in range(line + 1, len(lines) + 1):
        source = lines[number - 1]
        if source.strip() and len(source) - len(source.lstrip()) <= indent:
            break
        numbers.append(number)
    if line > 1 and lines[line - 2].lstrip().startswith("#"):
        numbers.append(line - 1)
    for number in numbers:
        comment = _comment(lines[number - 1])
        if comment is not None and _REPLACE_ME.search(comment):
            return True
    return False


def _comment(line: str) -> str | None:
    """The YAML comment of a line (`#` at its start or after a blank, outside quotes)."""
    quote: str | None = None
    for i, char in enumerate(line):
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "'\"" and (i == 0 or line[i - 1] in " \t:-[{,"):
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i + 1 :]
    return None


_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_SMALLEST_KEY = 32  # bytes: the DER of the smallest real key (Ed25519, PKCS#8) is 48


def placeholder_pem(value: str) -> bool:
    """PEM armour around no real body: `...`, `<your key>`, or a few bytes where a key or
    certificate would be (a template to fill in, not a secret)."""
    text = value.strip()
    blocks = list(_PEM_BLOCK.finditer(text))
    if not blocks or _PEM_BLOCK.sub("", text).strip():
        return False
    for block in blocks:
        lines = [line.strip() for line in block.group(2).splitlines()]
        body = "".join(line for line in lines if ":" not in line)  # not `Proc-Type: 4,ENCRYPTED`
        real = _BASE64.fullmatch(body) and len(body) % 4 == 0
        if real and len(base64.b64decode(body)) >= _SMALLEST_KEY:
            return False
    return True


def secret_data_value(section: str, value: Any) -> str | None:
    """The text of a Secret value (`data` is base64), None when it is not text."""
    if not isinstance(value, str):
        return None if value is None else str(value)
    if section != "data":
        return value
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
