"""YAML files: documents, Kubernetes objects, docker-compose services and kustomizations.

Read into ruamel.yaml's round-trip data (libyaml parses, ruamel constructs: see "the fast
reader" below). Every record carries 1-based positions; `key_pos` and `value_pos` turn a path
inside a document (as a JSON Schema error gives it) into the line and column a user looks at.

Aliases are shared by ruamel, so a small file can stand for an enormous tree (the "billion
laughs"); the plain copy of each document is therefore built under a node budget and a
document over it fails the file instead of taking the memory of the machine.
"""

from __future__ import annotations

import base64
import datetime
import fnmatch
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.docinfo import DocInfo, version
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.scalarbool import ScalarBoolean

from vertice_lint.diagnostics import ParseFailure, ParseProblem

try:  # PyYAML's binding of libyaml
    from yaml import error as _pyyaml_error
    from yaml import events as _pyyaml_events
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - a PyYAML built without libyaml: ruamel reads all
    _CParser = None

YamlPath = tuple[str | int, ...]
Role = Literal["kustomization", "argocd-application", "flux-kustomization", "resource"]

MAX_PLAIN_NODES = 100_000
_KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_COMPOSE_PATTERNS = ("docker-compose*.yml", "docker-compose*.yaml", "compose*.yml", "compose*.yaml")
_MISSING = object()


class PlainBudgetExceeded(ValueError):
    """A node expands, through aliases, to more nodes than the budget allows (or to a cycle)."""


# --- records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class YamlDocument:
    """One document of the stream; `data` is the ruamel node, `plain` its JSON-like copy."""

    index: int
    line: int  # first line of the content (the `---` line for an empty document)
    end_line: int
    explicit_start: bool
    data: Any
    plain: Any


@dataclass(frozen=True)
class KubeObject:
    """A Kubernetes object: a document, or item i of a `kind: List` (path ("items", i))."""

    api_version: str
    kind: str
    name: str | None
    namespace: str | None
    doc_index: int
    path: YamlPath
    line: int
    col: int
    node: Any
    plain: Mapping[str, Any]
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    role: Role


@dataclass(frozen=True)
class Ref:
    """A string entry of a list (a resource path, an env file, a capability) and where it is."""

    value: str
    line: int
    col: int


@dataclass(frozen=True)
class EnvVar:
    """`KEY: value` or `- KEY=value`; value None when the variable is only named (`- KEY`)."""

    name: str
    value: str | None
    line: int
    col: int


@dataclass(frozen=True)
class ComposePort:
    """A published port, short (`"127.0.0.1:8080:80/tcp"`) or long form, as written."""

    target: str | None
    published: str | None
    host_ip: str | None
    protocol: str | None
    line: int
    col: int


@dataclass(frozen=True)
class ComposeVolume:
    """A `volumes` entry of a service, short (`./src:/app/src:ro`) or long form: `source` is a
    host path (`bind`: as written, relative to the compose file's directory) or a volume name,
    None for an anonymous volume (`/app/data`)."""

    kind: str  # "bind", "volume", "tmpfs" or another `type`
    source: str | None
    target: str
    line: int
    col: int


@dataclass(frozen=True)
class ComposeService:
    """One entry of a compose file's `services`."""

    name: str
    image: str | None
    build_context: str | None
    dockerfile: str | None
    build_target: str | None
    build_args: tuple[EnvVar, ...]
    command: str | tuple[str, ...] | None
    entrypoint: str | tuple[str, ...] | None
    environment: tuple[EnvVar, ...]
    env_files: tuple[Ref, ...]
    ports: tuple[ComposePort, ...]
    user: str | None
    read_only: bool | None
    privileged: bool | None
    cap_add: tuple[Ref, ...]
    network_mode: str | None
    healthcheck_test: str | tuple[str, ...] | None
    line: int
    col: int
    volumes: tuple[ComposeVolume, ...] = ()


@dataclass(frozen=True)
class ComposeFile:
    """A docker-compose file (its first document)."""

    services: tuple[ComposeService, ...]
    doc_index: int
    node: Any


@dataclass(frozen=True)
class KustomizePatch:
    """An entry of `patches` or `patchesJson6902`: a file, an inline patch, and its target."""

    path: str | None
    patch: str | None
    target: Mapping[str, str]
    line: int
    col: int


@dataclass(frozen=True)
class KustomizeImage:
    """An entry of `images`."""

    name: str
    new_name: str | None
    new_tag: str | None
    digest: str | None
    line: int
    col: int


@dataclass(frozen=True)
class GeneratorEntry:
    """A `literals` entry (`KEY=value`) or a `files` entry (`key=path` or `path`, key its name)."""

    key: str
    value: str
    line: int
    col: int


@dataclass(frozen=True)
class KustomizeGenerator:
    """An entry of `configMapGenerator` or `secretGenerator`."""

    name: str | None
    namespace: str | None
    behavior: str | None
    literals: tuple[GeneratorEntry, ...]
    files: tuple[GeneratorEntry, ...]
    envs: tuple[Ref, ...]
    options: Mapping[str, Any]
    line: int
    col: int


@dataclass(frozen=True)
class HelmChart:
    """An entry of `helmCharts`."""

    name: str | None
    repo: str | None
    version: str | None
    release_name: str | None
    namespace: str | None
    values_file: str | None
    line: int
    col: int


@dataclass(frozen=True)
class Kustomization:
    """A kustomization (kind Kustomization or Component) with every entry's position."""

    kind: str
    doc_index: int
    line: int
    col: int
    node: Any
    resources: tuple[Ref, ...]
    components: tuple[Ref, ...]
    bases: tuple[Ref, ...]
    patches: tuple[KustomizePatch, ...]
    patches_strategic_merge: tuple[Ref, ...]
    patches_json6902: tuple[KustomizePatch, ...]
    images: tuple[KustomizeImage, ...]
    namespace: str | None
    name_prefix: str | None
    name_suffix: str | None
    config_map_generator: tuple[KustomizeGenerator, ...]
    secret_generator: tuple[KustomizeGenerator, ...]
    common_labels: Mapping[str, str]
    helm_charts: tuple[HelmChart, ...]


@dataclass(frozen=True)
class YamlFile:
    """Everything read from one YAML file."""

    path: str
    documents: tuple[YamlDocument, ...]
    objects: tuple[KubeObject, ...]
    compose: ComposeFile | None
    kustomization: Kustomization | None
    problems: tuple[ParseProblem, ...]


# --- positions -----------------------------------------------------------------------------


def key_pos(node: Any, path: YamlPath) -> tuple[int, int]:
    """1-based (line, col) of the key (or list item) at `path`; for a missing path, of its
    deepest existing ancestor."""
    return _locate(node, path, value=False)


def value_pos(node: Any, path: YamlPath) -> tuple[int, int]:
    """1-based (line, col) of the value at `path` (a key with an empty value: the key);
    for a missing path, the key of its deepest existing ancestor."""
    return _locate(node, path, value=True)


def _locate(node: Any, path: YamlPath, *, value: bool) -> tuple[int, int]:
    pos = _own_pos(node)
    current = node
    for depth, step in enumerate(path):
        found = _child(current, step)
        if found is None:
            break
        key_at, value_at, current = found
        if depth == len(path) - 1:
            pos = value_at if value else key_at
            break
        pos = key_at
    return pos[0] + 1, pos[1] + 1


def _own_pos(node: Any) -> tuple[int, int]:
    if isinstance(node, CommentedMap | CommentedSeq):
        return node.lc.line, node.lc.col
    return 0, 0


def _child(node: Any, step: str | int) -> tuple[tuple[int, int], tuple[int, int], Any] | None:
    """Key position, value position and value of one step below `node`, if it exists."""
    if isinstance(node, CommentedSeq):
        if isinstance(step, int) and 0 <= step < len(node) and step in node.lc.data:
            line, col = node.lc.data[step]
            return (line, col), (line, col), node[step]
        return None
    if not isinstance(node, CommentedMap):
        return None
    key = _find_key(node, step)
    if key is _MISSING:
        return None
    if key in node.lc.data:
        kline, kcol, vline, vcol = node.lc.data[key]
        child = node[key]
        # An empty value is positioned at the next token, often on a later line.
        if child is None and vline != kline:
            vline, vcol = kline, kcol
        return (kline, kcol), (vline, vcol), child
    # A key that only comes from a merge (`<<: *base`) is written in the merged mapping.
    for merged in _merge_sources(node):
        found = _child(merged, step)
        if found is not None:
            return found
    return None


def _find_key(node: CommentedMap, step: str | int) -> Any:
    if step in node:
        return step
    # Paths come from the plain copy, where non-string keys (`80: http`) became strings.
    for key in node:
        if _plain_key(key) == step:
            return key
    return _MISSING


def _merge_sources(node: CommentedMap) -> Iterator[CommentedMap]:
    for entry in getattr(node, "merge", ()):
        merged = entry[1] if isinstance(entry, tuple) else entry
        if isinstance(merged, CommentedMap):
            yield merged


# --- plain copies --------------------------------------------------------------------------


def plain_of(node: Any, budget: int = MAX_PLAIN_NODES) -> Any:
    """A JSON-compatible copy of a ruamel node, visiting at most `budget` nodes (aliases
    expanded); raises PlainBudgetExceeded beyond that or on a recursive alias."""
    remaining = [budget]
    return _plain(node, remaining, set())


def _plain(node: Any, remaining: list[int], active: set[int]) -> Any:
    remaining[0] -= 1
    if remaining[0] < 0:
        raise PlainBudgetExceeded("expands to too many nodes")
    if isinstance(node, Mapping | list):
        if id(node) in active:
            raise PlainBudgetExceeded("contains a recursive alias")
        active.add(id(node))
        try:
            if isinstance(node, Mapping):
                return {_plain_key(k): _plain(v, remaining, active) for k, v in node.items()}
            return [_plain(item, remaining, active) for item in node]
        finally:
            active.discard(id(node))
    return _plain_scalar(node)


def _plain_scalar(node: Any) -> Any:
    if node is None or type(node) in (str, int, float, bool):
        return node
    if isinstance(node, bool | ScalarBoolean):
        return bool(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, TaggedScalar):
        return None if node.value is None else str(node.value)
    if isinstance(node, datetime.date):
        return node.isoformat()
    if isinstance(node, bytes):
        return base64.b64encode(node).decode("ascii")
    return str(node)


def _plain_key(key: Any) -> str:
    plain = _plain_scalar(key) if not isinstance(key, Mapping | list) else str(key)
    if isinstance(plain, str):
        return plain
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if plain is None:
        return "null"
    return str(plain)


# --- parsing -------------------------------------------------------------------------------


_TRAILING_TABS = re.compile(r"[ \t]*\t[ \t]*(?=\r?$)", re.MULTILINE)


def parse(path: str, text: str) -> YamlFile:
    """Parse a YAML file into its documents, Kubernetes objects, compose file and kustomization."""
    try:
        documents = tuple(_documents(text))
    except ParseFailure as failure:
        # A tab at the end of a line is whitespace to Kubernetes' YAML reader but an error to
        # ruamel's scanner: read such a file with those tabs as spaces (columns unchanged).
        relaxed = _TRAILING_TABS.sub(lambda m: " " * len(m.group()), text)
        if relaxed == text or "tab" not in failure.message:
            raise
        documents = tuple(_documents(relaxed))
    problems: list[ParseProblem] = []
    objects: list[KubeObject] = []
    for document in documents:
        objects.extend(_objects(document, problems))
    name = PurePosixPath(path.replace("\\", "/")).name
    compose = _compose(name, documents, problems)
    kustomization = _kustomization(name, documents, problems)
    return YamlFile(
        path=path,
        documents=documents,
        objects=tuple(objects),
        compose=compose,
        kustomization=kustomization,
        problems=tuple(problems),
    )


def _documents(text: str) -> Iterator[YamlDocument]:
    composed = _compose_fast(text)
    if composed is None:
        yield from _documents_ruamel(text)
        return
    for index, (start, root, data) in enumerate(composed):
        yield _document(index, start, root, data)


def _document(index: int, start: Any, root: Any, data: Any) -> YamlDocument:
    """A document from its start event, its root node and the data constructed from it."""
    if data is None:
        line = start.start_mark.line + 1
        end_line = line
    else:
        line = root.start_mark.line + 1
        end = root.end_mark
        end_line = max(line, end.line if end.column == 0 else end.line + 1)
    try:
        plain = plain_of(data)
    except PlainBudgetExceeded as exc:
        raise ParseFailure(
            f"document {index + 1} {exc} when its aliases are expanded"
            f" (more than {MAX_PLAIN_NODES:,} nodes is refused: an alias bomb?)",
            line,
            1,
        ) from None
    return YamlDocument(index, line, end_line, bool(start.explicit), data, plain)


def _documents_ruamel(text: str) -> Iterator[YamlDocument]:
    # Driving ruamel's composer by hand (what `load_all` does) gives each document's start
    # event (explicit `---`) and its root node's marks, which `load_all` throws away.
    yaml = YAML(typ="rt")
    try:
        constructor, parser = yaml.get_constructor_parser(text)
        composer = yaml.composer
        index = 0
        # the scanner writes a `%YAML` directive into the info of the document it starts, which
        # must exist before the directive is scanned (when the previous document ends)
        yaml.doc_infos.append(DocInfo(requested_version=version(yaml.version)))
        while composer.check_node():
            start = parser.peek_event()
            root = composer.get_node()
            data = constructor.construct_document(root)
            yield _document(index, start, root, data)
            index += 1
            yaml.doc_infos.append(DocInfo(requested_version=version(yaml.version)))
    except MarkedYAMLError as exc:
        raise _failure(exc) from None
    except YAMLError as exc:
        raise ParseFailure(f"invalid YAML: {exc}") from None
    finally:
        yaml.parser.dispose()


# --- the fast reader -----------------------------------------------------------------------
#
# ruamel's pure-Python scanner and parser take nearly all the time of a load. libyaml (the C
# parser PyYAML ships) gives the same events, with the same marks, many times faster; the nodes
# composed from them (tags resolved by ruamel's YAML 1.2 resolver) go to ruamel's round-trip
# constructor, so the data is what ruamel alone builds, minus the comments, which no reader of
# a record looks at (fixes re-read the file). Whatever this reader does not handle exactly as
# ruamel does (an error of any kind, directives, explicit tags, a reused anchor) is read again
# by ruamel alone, errors and all.


class _Unsupported(Exception):
    """Input the fast reader leaves to ruamel."""


# What the two parsers read differently: tabs (libyaml accepts some where ruamel refuses them),
# the line breaks of YAML 1.1 only, document end markers (ruamel refuses some sequences of them)
_RUAMEL_ONLY = re.compile("[\t\x85\u2028\u2029]|^[.][.][.]", re.MULTILINE)
_EOL_COMMENT = re.compile(r"[ \t]*#")
_LAST_BREAK = re.compile(r"\r\n|\r|\n")
_BLANK_LINE = re.compile(r" +(\r\n|\r|\n|$)")
_NAME_ENDS = frozenset(" \r\n,[]{}")


# ruamel's resolver and round-trip constructor, shared by the files of a run (a constructor
# keeps no state from one document to the next, a resolver none at all); one YAML object per
# file would be a reference cycle left to the cyclic garbage collector
_LOADER: YAML | None = None


def load_all(text: str) -> list[Any] | None:
    """The data of every document of `text` as ruamel's round-trip constructor builds it,
    parsed by libyaml (so without comments: for comparing data, as a fix's verification
    does), or None when ruamel alone must read the text."""
    composed = _compose_fast(text)
    return None if composed is None else [data for _, _, data in composed]


def _compose_fast(text: str) -> list[tuple[Any, Any, Any]] | None:
    """(start event, root node, data) of each document, or None when ruamel must read it."""
    global _LOADER
    if _CParser is None or _RUAMEL_ONLY.search(text):
        return None
    if _LOADER is None:
        _LOADER = YAML(typ="rt")
    constructor = _LOADER.constructor
    composer = _FastComposer(text, _LOADER.resolver)
    try:
        documents: list[tuple[Any, Any, Any]] = []
        composer.parser.get_event()  # stream start
        while not isinstance(start := composer.parser.get_event(), _pyyaml_events.StreamEndEvent):
            if start.version is not None or start.tags:
                raise _Unsupported("directives")
            root = composer.document()
            composer.parser.get_event()  # document end
            documents.append((start, root, constructor.construct_document(root)))
        return documents
    except Exception:  # anything unusual is ruamel's to read, and to report
        _LOADER = None  # a constructor stopped midway may keep state
        return None
    finally:
        composer.parser.dispose()


class _FastComposer:
    """ruamel's nodes from libyaml's events, composed as ruamel's composer does (without
    recursion), with ruamel's marks where the two parsers differ."""

    def __init__(self, text: str, resolver: Any) -> None:
        self.text = text
        self.resolver = resolver
        self.parser = _CParser(text)
        # libyaml ends a text without a final line break on a line of its own; ruamel where
        # the text ends
        self.eof: Any = None
        if text and text[-1] not in "\r\n":
            lines = _LAST_BREAK.split(text)
            self.eof = _pyyaml_error.Mark(
                "<unicode string>", len(text), len(lines) - 1, len(lines[-1]), None, None
            )

    def mark(self, mark: Any) -> Any:
        return self.eof if self.eof is not None and mark.index == len(self.text) else mark

    def document(self) -> Any:
        """The root node of the document whose start event was just read."""
        events, resolver, parser = _pyyaml_events, self.resolver, self.parser
        anchors: dict[str, Any] = {}
        # open collections: [node, pending key node or _MISSING, is a mapping]
        stack: list[list[Any]] = []
        while True:
            event = parser.get_event()
            cls = type(event)
            if cls is events.MappingEndEvent or cls is events.SequenceEndEvent:
                node = stack.pop()[0]
                node.end_mark = self.mark(event.end_mark)
            elif cls is events.AliasEvent:
                if event.anchor not in anchors:
                    raise _Unsupported("undefined alias")
                self.check_name("*", event)
                node = anchors[event.anchor]
            else:
                if event.tag is not None:
                    raise _Unsupported("explicit tag")
                if cls is events.ScalarEvent:
                    start_mark, end_mark = event.start_mark, event.end_mark
                    if not event.value and not event.style and event.anchor is None and stack:
                        # an empty node: the parsers place some differently
                        parent = stack[-1]
                        if parent[0].flow_style:
                            raise _Unsupported("empty node in a flow collection")
                        if parent[2] and parent[1] is not _MISSING:
                            start_mark = end_mark = self.empty_value_mark(start_mark)
                    if event.style in ("|", ">"):
                        self.check_block_scalar(event)
                    node = ScalarNode(
                        resolver.resolve(ScalarNode, event.value, event.implicit),
                        event.value,
                        start_mark,
                        end_mark,
                        style=event.style or None,
                    )
                elif cls is events.MappingStartEvent:
                    tag = resolver.resolve(MappingNode, None, event.implicit)
                    node = MappingNode(tag, [], event.start_mark, None, event.flow_style)
                else:
                    tag = resolver.resolve(SequenceNode, None, event.implicit)
                    node = SequenceNode(tag, [], event.start_mark, None, event.flow_style)
                if event.anchor is not None:
                    if event.anchor in anchors:
                        raise _Unsupported("reused anchor")  # ruamel warns
                    self.check_name("&", event)
                    node.anchor = event.anchor
                    anchors[event.anchor] = node
                if cls is not events.ScalarEvent:
                    stack.append([node, _MISSING, cls is events.MappingStartEvent])
                    continue
            if not stack:
                if isinstance(node, ScalarNode) and node.style in ("|", ">"):
                    # its lines may start at column 0, where the parsers disagree
                    raise _Unsupported("block scalar at the root")
                return node
            parent = stack[-1]
            if not parent[2]:
                parent[0].value.append(node)
            elif parent[1] is _MISSING:
                parent[1] = node
            else:
                parent[0].value.append((parent[1], node))
                parent[1] = _MISSING

    def check_name(self, indicator: str, event: Any) -> None:
        """An anchor or alias name must end where both parsers end it (YAML 1.2 lets a name
        go on through `:`, YAML 1.1 does not)."""
        start = event.start_mark.index
        end = start + 1 + len(event.anchor)
        if not self.text.startswith(indicator + event.anchor, start) or (
            end < len(self.text) and self.text[end] not in _NAME_ENDS
        ):
            raise _Unsupported("anchor name")

    def check_block_scalar(self, event: Any) -> None:
        """ruamel refuses a block scalar whose first line holds only spaces and a later line
        more of them, libyaml does not."""
        if event.anchor is not None:
            raise _Unsupported("anchored block scalar")  # its mark is the anchor's
        header_end = _LAST_BREAK.search(self.text, event.start_mark.index)
        if header_end is not None and _BLANK_LINE.match(self.text, header_end.end()):
            raise _Unsupported("block scalar starting with spaces")

    def empty_value_mark(self, mark: Any) -> Any:
        """Where ruamel puts the empty value of a block mapping's key (`key:`), from libyaml's
        mark for it (just after the colon): there when a comment follows the colon and
        another key follows; else at the token that follows (the next key, or the end of the
        mapping)."""
        following = self.parser.peek_event()
        if type(following) is _pyyaml_events.MappingEndEvent:
            return self.mark(following.end_mark)
        between = self.text[mark.index : following.start_mark.index]
        if any("?" in line.split("#", 1)[0] for line in between.splitlines()):
            raise _Unsupported("explicit key")  # ruamel's mark: after the `?`
        if _EOL_COMMENT.match(self.text, mark.index):
            return mark
        return following.start_mark


def _failure(exc: MarkedYAMLError) -> ParseFailure:
    problem = exc.problem or exc.context or "invalid YAML"
    mark = exc.problem_mark or exc.context_mark
    if "'\\t'" in problem:
        problem = "tab character where YAML expects indentation or a token (use spaces)"
    elif exc.context and exc.problem:
        problem = f"{problem} ({exc.context})"
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return ParseFailure(f"invalid YAML: {problem}", line, col)


# --- Kubernetes objects --------------------------------------------------------------------


def _is_object(node: Any) -> bool:
    return (
        isinstance(node, CommentedMap)
        and isinstance(node.get("apiVersion"), str)
        and isinstance(node.get("kind"), str)
        and bool(node["apiVersion"])
        and bool(node["kind"])
    )


def _objects(document: YamlDocument, problems: list[ParseProblem]) -> Iterator[KubeObject]:
    data = document.data
    if not _is_object(data):
        return
    kind = str(data["kind"])
    items = data.get("items")
    if kind.endswith("List") and isinstance(items, CommentedSeq):
        for i, item in enumerate(items):
            item_path: YamlPath = ("items", i)
            line, col = key_pos(data, item_path)
            if _is_object(item):
                yield _object(
                    item, document.plain["items"][i], document.index, item_path, line, col
                )
            else:
                problems.append(
                    ParseProblem(
                        f"item {i + 1} of {kind} is not a Kubernetes object "
                        "(it needs apiVersion and kind)",
                        line,
                        col,
                    )
                )
        return
    line, col = key_pos(data, ())
    yield _object(data, document.plain, document.index, (), line, col)


def _object(
    node: CommentedMap, plain: dict[str, Any], doc_index: int, path: YamlPath, line: int, col: int
) -> KubeObject:
    api_version = str(node["apiVersion"])
    kind = str(node["kind"])
    metadata = plain.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    return KubeObject(
        api_version=api_version,
        kind=kind,
        name=_str_or_none(metadata.get("name")),
        namespace=_str_or_none(metadata.get("namespace")),
        doc_index=doc_index,
        path=path,
        line=line,
        col=col,
        node=node,
        plain=plain,
        labels=_string_map(metadata.get("labels")),
        annotations=_string_map(metadata.get("annotations")),
        role=_role(api_version, kind),
    )


def _role(api_version: str, kind: str) -> Role:
    group = api_version.rpartition("/")[0]
    if group == "kustomize.config.k8s.io":
        return "kustomization"
    if group == "argoproj.io" and kind in ("Application", "ApplicationSet"):
        return "argocd-application"
    if group == "kustomize.toolkit.fluxcd.io" and kind == "Kustomization":
        return "flux-kustomization"
    return "resource"


def _str_or_none(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return _scalar_text(value)


def _scalar_text(value: Any) -> str:
    """A plain scalar as the string a tool reading the YAML would see (`true`, `8080`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {
        k: _scalar_text(v)
        for k, v in value.items()
        if v is not None and not isinstance(v, dict | list)
    }


# --- docker-compose ------------------------------------------------------------------------


def _is_compose_name(name: str) -> bool:
    lower = name.lower()
    return any(fnmatch.fnmatchcase(lower, pattern) for pattern in _COMPOSE_PATTERNS)


def _looks_like_compose(data: Any) -> bool:
    if not isinstance(data, CommentedMap) or "apiVersion" in data:
        return False
    services = data.get("services")
    if not isinstance(services, CommentedMap) or not services:
        return False
    entries = list(services.values())
    return all(isinstance(e, CommentedMap) for e in entries) and any(
        "image" in e or "build" in e for e in entries
    )


def _compose(
    name: str, documents: tuple[YamlDocument, ...], problems: list[ParseProblem]
) -> ComposeFile | None:
    first = next((d for d in documents if d.data is not None), None)
    by_name = _is_compose_name(name)
    if first is None:
        return ComposeFile((), 0, None) if by_name else None
    if not by_name and not _looks_like_compose(first.data):
        return None
    data = first.data
    services = data.get("services") if isinstance(data, CommentedMap) else None
    if not isinstance(services, CommentedMap):
        if services is not None or not isinstance(data, CommentedMap):
            line, col = value_pos(data, ("services",))
            problems.append(ParseProblem("compose `services` is not a mapping", line, col))
        return ComposeFile((), first.index, data)
    result = []
    for service_name in services:
        line, col = key_pos(services, (service_name,))
        spec = services[service_name]
        if spec is None:
            spec = CommentedMap()
        if not isinstance(spec, CommentedMap):
            problems.append(
                ParseProblem(f"compose service {service_name!r} is not a mapping", line, col)
            )
            continue
        result.append(_service(_plain_key(service_name), spec, line, col, problems))
    return ComposeFile(tuple(result), first.index, data)


def _service(
    name: str, spec: CommentedMap, line: int, col: int, problems: list[ParseProblem]
) -> ComposeService:
    build = spec.get("build")
    context = dockerfile = target = None
    build_args: tuple[EnvVar, ...] = ()
    if isinstance(build, CommentedMap):
        # Compose's default when `build:` is a mapping without a context.
        context = _text(build.get("context")) or "."
        dockerfile = _text(build.get("dockerfile"))
        target = _text(build.get("target"))
        build_args = _env_vars(build, "args", problems)
    elif build is not None:
        context = _text(build)
    healthcheck = spec.get("healthcheck")
    return ComposeService(
        name=name,
        image=_text(spec.get("image")),
        build_context=context,
        dockerfile=dockerfile,
        build_target=target,
        build_args=build_args,
        command=_command(spec.get("command")),
        entrypoint=_command(spec.get("entrypoint")),
        environment=_env_vars(spec, "environment", problems),
        env_files=_env_files(spec, problems),
        ports=_ports(spec, problems),
        user=_text(spec.get("user")),
        read_only=_flag(spec.get("read_only")),
        privileged=_flag(spec.get("privileged")),
        cap_add=_refs(spec, "cap_add", problems),
        network_mode=_text(spec.get("network_mode")),
        healthcheck_test=(
            _command(healthcheck.get("test")) if isinstance(healthcheck, CommentedMap) else None
        ),
        line=line,
        col=col,
        volumes=_volumes(spec),
    )


def _volumes(spec: CommentedMap) -> tuple[ComposeVolume, ...]:
    """The service's volumes whose target is written (entries it cannot read are left out)."""
    value = spec.get("volumes")
    if not isinstance(value, CommentedSeq):
        return ()
    result = []
    for i, item in enumerate(value):
        line, col = key_pos(value, (i,))
        if isinstance(item, CommentedMap):
            target, source = _text(item.get("target")), _text(item.get("source"))
            kind = _text(item.get("type")) or "volume"
        else:
            text = _text(item)
            if text is None:
                continue
            parts = text.split(":")
            if len(parts) >= 3 and len(parts[0]) == 1 and parts[0].isalpha():  # C:\dir:/app
                parts = [parts[0] + ":" + parts[1], *parts[2:]]
            if len(parts) == 1:
                source, target = None, parts[0]
            else:
                source, target = parts[0], parts[1]
            host = source is not None and source.startswith((".", "/", "~", "$"))
            kind = "bind" if host or (source and ("/" in source or "\\" in source)) else "volume"
        if target:
            result.append(ComposeVolume(kind, source, target, line, col))
    return tuple(result)


def _text(value: Any) -> str | None:
    """A scalar as text (numbers and booleans as written in JSON), None for null or a collection."""
    if value is None or isinstance(value, Mapping | list):
        return None
    return _scalar_text(_plain_scalar(value))


def _flag(value: Any) -> bool | None:
    return bool(value) if isinstance(value, bool | ScalarBoolean) else None


def _command(value: Any) -> str | tuple[str, ...] | None:
    if isinstance(value, CommentedSeq):
        return tuple(_text(v) or "" for v in value)
    return _text(value)


def _env_vars(node: CommentedMap, key: str, problems: list[ParseProblem]) -> tuple[EnvVar, ...]:
    value = node.get(key)
    result = []
    if isinstance(value, CommentedMap):
        for name in value:
            line, col = key_pos(value, (name,))
            result.append(EnvVar(_plain_key(name), _text(value[name]), line, col))
    elif isinstance(value, CommentedSeq):
        for i, item in enumerate(value):
            line, col = key_pos(value, (i,))
            entry = _text(item)
            if entry is None:
                problems.append(ParseProblem(f"`{key}` entry is not a string", line, col))
                continue
            name, sep, rest = entry.partition("=")
            result.append(EnvVar(name, rest if sep else None, line, col))
    elif value is not None:
        line, col = value_pos(node, (key,))
        problems.append(ParseProblem(f"`{key}` is neither a mapping nor a list", line, col))
    return tuple(result)


def _env_files(spec: CommentedMap, problems: list[ParseProblem]) -> tuple[Ref, ...]:
    value = spec.get("env_file")
    if value is None:
        return ()
    if not isinstance(value, CommentedSeq):
        text = _text(value)
        line, col = value_pos(spec, ("env_file",))
        return (Ref(text, line, col),) if text is not None else ()
    result = []
    for i, item in enumerate(value):
        line, col = key_pos(value, (i,))
        text = _text(item.get("path")) if isinstance(item, CommentedMap) else _text(item)
        if text is None:
            problems.append(ParseProblem("`env_file` entry has no path", line, col))
        else:
            result.append(Ref(text, line, col))
    return tuple(result)


def _ports(spec: CommentedMap, problems: list[ParseProblem]) -> tuple[ComposePort, ...]:
    value = spec.get("ports")
    if not isinstance(value, CommentedSeq):
        return ()
    result = []
    for i, item in enumerate(value):
        line, col = key_pos(value, (i,))
        if isinstance(item, CommentedMap):
            result.append(
                ComposePort(
                    target=_text(item.get("target")),
                    published=_text(item.get("published")),
                    host_ip=_text(item.get("host_ip")),
                    protocol=_text(item.get("protocol")),
                    line=line,
                    col=col,
                )
            )
            continue
        text = _text(item)
        if text is None:
            problems.append(ParseProblem("`ports` entry is not a string", line, col))
            continue
        result.append(_short_port(text, line, col))
    return tuple(result)


_SHORT_PORT_RE = re.compile(
    r"^(?:(?P<ip>\[[^\]]*\]|[^:\[\]]+):(?=[^:]*:))?(?:(?P<published>[^:]*):)?(?P<target>[^:/]+)"
    r"(?:/(?P<protocol>\w+))?$"
)


def _short_port(text: str, line: int, col: int) -> ComposePort:
    match = _SHORT_PORT_RE.match(text)
    if match is None:
        return ComposePort(text, None, None, None, line, col)
    ip = match["ip"]
    return ComposePort(
        target=match["target"],
        published=match["published"] or None,
        host_ip=ip.strip("[]") if ip else None,
        protocol=match["protocol"],
        line=line,
        col=col,
    )


def _refs(node: CommentedMap, key: str, problems: list[ParseProblem]) -> tuple[Ref, ...]:
    """A list of strings under `key`, each with its position."""
    value = node.get(key)
    if value is None:
        return ()
    if not isinstance(value, CommentedSeq):
        line, col = value_pos(node, (key,))
        problems.append(ParseProblem(f"`{key}` is not a list", line, col))
        return ()
    result = []
    for i, item in enumerate(value):
        line, col = key_pos(value, (i,))
        text = _text(item)
        if text is None:
            problems.append(ParseProblem(f"`{key}` entry {i + 1} is not a string", line, col))
        else:
            result.append(Ref(text, line, col))
    return tuple(result)


# --- kustomizations ------------------------------------------------------------------------


def _kustomization(
    name: str, documents: tuple[YamlDocument, ...], problems: list[ParseProblem]
) -> Kustomization | None:
    for document in documents:
        data = document.data
        by_kind = (
            _is_object(data)
            and _role(str(data["apiVersion"]), str(data["kind"])) == "kustomization"
        )
        if by_kind or (name in _KUSTOMIZATION_NAMES and isinstance(data, CommentedMap)):
            return _read_kustomization(data, document.index, problems)
        if name in _KUSTOMIZATION_NAMES and data is not None:
            line, col = key_pos(data, ())
            problems.append(ParseProblem("kustomization is not a mapping", line, col))
            return None
    return None


def _read_kustomization(
    node: CommentedMap, doc_index: int, problems: list[ParseProblem]
) -> Kustomization:
    line, col = key_pos(node, ())
    patches_json = tuple(_patches(node, "patchesJson6902", problems))
    labels = node.get("commonLabels")
    return Kustomization(
        kind=_text(node.get("kind")) or "Kustomization",
        doc_index=doc_index,
        line=line,
        col=col,
        node=node,
        resources=_refs(node, "resources", problems),
        components=_refs(node, "components", problems),
        bases=_refs(node, "bases", problems),
        patches=tuple(_patches(node, "patches", problems)),
        patches_strategic_merge=_refs(node, "patchesStrategicMerge", problems),
        patches_json6902=patches_json,
        images=tuple(_images(node, problems)),
        namespace=_text(node.get("namespace")),
        name_prefix=_text(node.get("namePrefix")),
        name_suffix=_text(node.get("nameSuffix")),
        config_map_generator=tuple(_generators(node, "configMapGenerator", problems)),
        secret_generator=tuple(_generators(node, "secretGenerator", problems)),
        common_labels=_string_map(plain_of(labels)) if isinstance(labels, CommentedMap) else {},
        helm_charts=tuple(_helm_charts(node, problems)),
    )


def _mappings(
    node: CommentedMap, key: str, problems: list[ParseProblem]
) -> Iterator[tuple[CommentedMap, int, int]]:
    """The mapping entries of the list under `key`, each with its position."""
    value = node.get(key)
    if value is None:
        return
    if not isinstance(value, CommentedSeq):
        line, col = value_pos(node, (key,))
        problems.append(ParseProblem(f"`{key}` is not a list", line, col))
        return
    for i, item in enumerate(value):
        line, col = key_pos(value, (i,))
        if isinstance(item, CommentedMap):
            yield item, line, col
        else:
            problems.append(ParseProblem(f"`{key}` entry {i + 1} is not a mapping", line, col))


def _patches(
    node: CommentedMap, key: str, problems: list[ParseProblem]
) -> Iterator[KustomizePatch]:
    for item, line, col in _mappings(node, key, problems):
        target = item.get("target")
        yield KustomizePatch(
            path=_text(item.get("path")),
            patch=_text(item.get("patch")),
            target=_string_map(plain_of(target)) if isinstance(target, CommentedMap) else {},
            line=line,
            col=col,
        )


def _images(node: CommentedMap, problems: list[ParseProblem]) -> Iterator[KustomizeImage]:
    for item, line, col in _mappings(node, "images", problems):
        name = _text(item.get("name"))
        if name is None:
            problems.append(ParseProblem("`images` entry has no name", line, col))
            continue
        yield KustomizeImage(
            name=name,
            new_name=_text(item.get("newName")),
            new_tag=_text(item.get("newTag")),
            digest=_text(item.get("digest")),
            line=line,
            col=col,
        )


def _generators(
    node: CommentedMap, key: str, problems: list[ParseProblem]
) -> Iterator[KustomizeGenerator]:
    for item, line, col in _mappings(node, key, problems):
        literals = []
        for ref in _refs(item, "literals", problems):
            name, sep, value = ref.value.partition("=")
            if not sep:
                problems.append(
                    ParseProblem(f"literal {ref.value!r} is not KEY=value", ref.line, ref.col)
                )
                continue
            literals.append(GeneratorEntry(name, value, ref.line, ref.col))
        files = []
        for ref in _refs(item, "files", problems):
            name, sep, file = ref.value.partition("=")
            if not sep:
                name, file = PurePosixPath(ref.value).name, ref.value
            files.append(GeneratorEntry(name, file, ref.line, ref.col))
        envs = list(_refs(item, "envs", problems))
        env = item.get("env")
        if env is not None and _text(env) is not None:
            env_line, env_col = value_pos(item, ("env",))
            envs.append(Ref(_text(env) or "", env_line, env_col))
        options = item.get("options")
        yield KustomizeGenerator(
            name=_text(item.get("name")),
            namespace=_text(item.get("namespace")),
            behavior=_text(item.get("behavior")),
            literals=tuple(literals),
            files=tuple(files),
            envs=tuple(envs),
            options=plain_of(options) if isinstance(options, CommentedMap) else {},
            line=line,
            col=col,
        )


def _helm_charts(node: CommentedMap, problems: list[ParseProblem]) -> Iterator[HelmChart]:
    for item, line, col in _mappings(node, "helmCharts", problems):
        yield HelmChart(
            name=_text(item.get("name")),
            repo=_text(item.get("repo")),
            version=_text(item.get("version")),
            release_name=_text(item.get("releaseName")),
            namespace=_text(item.get("namespace")),
            values_file=_text(item.get("valuesFile")),
            line=line,
            col=col,
        )
