"""Sync roots and what they render, as Argo CD or Flux would sync them.

A sync root is a top-level kustomization (one no other kustomization includes), the path of
an Argo CD `Application`/`ApplicationSet` or of a Flux `Kustomization` inside this
repository, or, when the repository has no Argo CD or Flux object, each directory of plain
manifests too (what `kubectl apply -f DIR` applies; templates and test fixtures are not).
Rendering follows kustomize: resources and bases (remote ones are reported, not followed),
components, configMap/secret generators, patches (strategic merge and JSON 6902, from files
or inline), namespace, namePrefix/nameSuffix (with the references kustomize rewrites),
commonLabels and `images:`. Every rendered object keeps its original document, and every
value a patch or an `images:` entry wrote keeps where it was written (`RenderedObject.locate`),
so rules see what is synced and report where to change it.
"""

from __future__ import annotations

import copy
import fnmatch
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import PurePosixPath
from typing import Any

from ruamel.yaml.comments import CommentedMap

from vertice_lint.link.templates import template_files
from vertice_lint.model import (
    POD_SPECS,
    KubeEntry,
    Link,
    Origin,
    RenderedObject,
    SyncRoot,
    containers_of,
    override,
)
from vertice_lint.model.image import image_repository
from vertice_lint.parsers import ParsedFile
from vertice_lint.parsers.yaml import (
    KubeObject,
    Kustomization,
    KustomizeGenerator,
    KustomizePatch,
    YamlFile,
    _read_kustomization,
    key_pos,
    value_pos,
)
from vertice_lint.parsers.yaml import parse as parse_yaml
from vertice_lint.paths import join, parent_dir

KeyPath = tuple[str | int, ...]

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PersistentVolume",
        "StorageClass",
        "PriorityClass",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "APIService",
        "RuntimeClass",
        "ClusterIssuer",
    }
)
_MERGE_KEYS = {"volumeMounts": "mountPath", "volumeDevices": "devicePath"}
_REMOTE = re.compile(r"^(https?://|git@|ssh://|github\.com/|gitlab\.com/|bitbucket\.org/)|\?ref=")


def kustomization_file(files: Mapping[str, ParsedFile], directory: str) -> str | None:
    """The kustomization of a directory, if it has one."""
    for name in KUSTOMIZATION_NAMES:
        path = join(directory, name)
        record = files[path].record if path in files else None
        if isinstance(record, YamlFile) and record.kustomization is not None:
            return path
    return None


def patch_targets(files: Mapping[str, ParsedFile]) -> Iterator[tuple[str, int, int, str, str]]:
    """(kustomization, line, col, kind, name) of every patch target named by kind and name."""
    for path in sorted(files):
        record = files[path].record
        if not isinstance(record, YamlFile) or record.kustomization is None:
            continue
        for patch in (*record.kustomization.patches, *record.kustomization.patches_json6902):
            if patch.target.get("name"):
                kind = patch.target.get("kind", "")
                yield path, patch.line, patch.col, kind, patch.target["name"]


def bare_patch_files(files: Mapping[str, ParsedFile]) -> dict[str, str]:
    """Files a kustomization's `patches` names by a bare string (the old
    patchesStrategicMerge way, which kustomize refuses there: a VL001): file -> kustomization.
    They are partial objects, not resources."""
    out: dict[str, str] = {}
    for path in sorted(files):
        record = files[path].record
        k = record.kustomization if isinstance(record, YamlFile) else None
        items = k.node.get("patches") if k is not None and hasattr(k.node, "get") else None
        for item in items if isinstance(items, list) else []:
            target = join(parent_dir(path), item) if isinstance(item, str) else ""
            if target in files:
                out.setdefault(target, path)
    return out


# --- rendering ---------------------------------------------------------------------------


@dataclass
class _Obj:
    """An object being rendered (mutable until frozen into a RenderedObject)."""

    entry: KubeEntry | None
    plain: dict[str, Any]
    path: str
    line: int
    col: int
    original_name: str
    overrides: dict[KeyPath, Origin] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.plain.get("kind", ""))

    @property
    def name(self) -> str:
        return str(_meta(self.plain).get("name") or "")

    @property
    def namespace(self) -> str | None:
        ns = _meta(self.plain).get("namespace")
        return None if ns is None else str(ns)

    def record(self, at: KeyPath, origin: Origin) -> None:
        for key in [k for k in self.overrides if k[: len(at)] == at]:
            del self.overrides[key]
        self.overrides[at] = origin

    def reindex(self, seq: KeyPath, index: int, delta: int) -> None:
        """Before an item is inserted at (delta 1) or removed from (delta -1) `index` of the
        list at `seq`: every item pins where it was written (an override of its own, from
        the manifest or the patch that wrote it), and those that move keep theirs."""
        items = _get(self.plain, seq)
        if not isinstance(items, list):
            return
        for j in range(len(items)):
            here = (*seq, j)
            if here in self.overrides:
                continue
            origin = self._origin_of(here)
            if origin is not None:
                self.overrides[here] = origin  # deeper overrides stay: the longest one wins
        n = len(seq)
        moved: dict[KeyPath, Origin] = {}
        for key in list(self.overrides):
            if key[:n] != seq or len(key) == n or not isinstance(key[n], int):
                continue
            at = key[n]
            assert isinstance(at, int)
            if at < index:
                continue
            origin = self.overrides.pop(key)
            if delta < 0 and at == index:
                continue  # the removed item
            moved[(*seq, at + delta, *key[n + 1 :])] = origin
        self.overrides.update(moved)

    def _origin_of(self, keypath: KeyPath) -> Origin | None:
        """The origin that locates `keypath` now: the longest override above it, or the
        manifest (None for an object a generator makes)."""
        best = override(self.overrides.items(), keypath)
        if best is not None:
            return replace(best[1], keypath=(*best[1].keypath, *keypath[len(best[0]) :]))
        if self.entry is None:
            return None
        obj: KubeObject = self.entry.obj
        return Origin(
            self.entry.path,
            self.entry.document.data,
            (*obj.path, *keypath),
            doc_index=obj.doc_index,
        )


def _meta(plain: Mapping[str, Any]) -> dict[str, Any]:
    meta = plain.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _get(plain: Any, path: KeyPath) -> Any:
    for step in path:
        if isinstance(plain, dict) and isinstance(step, str):
            plain = plain.get(step)
        elif isinstance(plain, list) and isinstance(step, int) and 0 <= step < len(plain):
            plain = plain[step]
        else:
            return None
    return plain


def _child_dict(holder: Any, key: str) -> dict[str, Any] | None:
    """holder[key], created when missing or null; None when either is not a mapping."""
    if not isinstance(holder, dict):
        return None
    if holder.get(key) is None:
        holder[key] = {}
    value = holder[key]
    return value if isinstance(value, dict) else None


def _set_meta(plain: dict[str, Any], key: str, value: str) -> None:
    meta = _child_dict(plain, "metadata")
    if meta is not None:
        meta[key] = value


def _fullmatch(pattern: str, text: str) -> bool:
    """kustomize's regular-expression match of a patch target; an invalid one matches itself."""
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return pattern == text


ReadText = Callable[[str], "str | None"]


def env_file_keys(text: str) -> Iterator[str]:
    """The keys of a `KEY=value` env file (comments, blank lines and `export` allowed)."""
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            yield line.split("=", 1)[0].removeprefix("export ").strip()


def generator_keys(
    kfile: str, kind: str, gen: KustomizeGenerator, read_text: ReadText
) -> tuple[frozenset[str], list[str]]:
    """The keys a configMapGenerator/secretGenerator entry gives (literals, files, the keys
    of its envs files), and a note for each envs file that cannot be read."""
    keys = {e.key for e in (*gen.literals, *gen.files)}
    notes = []
    for ref in gen.envs:
        env_path = join(parent_dir(kfile), ref.value)
        text = read_text(env_path)
        if text is None:
            notes.append(
                f"{kfile}:{ref.line}: cannot read {env_path}; the keys it gives"
                f" {kind} {gen.name} are unknown"
            )
        else:
            keys |= set(env_file_keys(text))
    return frozenset(keys), notes


def _parsed_text(files: Mapping[str, ParsedFile]) -> ReadText:
    def read(path: str) -> str | None:
        parsed = files.get(path)
        return parsed.text.text if parsed is not None and parsed.text is not None else None

    return read


# Objects one sync root may render: bases included many times over (a diamond of bases, each
# level including the next twice) double the objects at every level, and 18 levels took
# minutes; a real root renders some hundreds.
MAX_RENDERED = 10_000


class _RenderBudget(Exception):
    """A sync root renders more than MAX_RENDERED objects."""


class _Renderer:
    def bounded(self, what: str, render: Callable[[], list[_Obj]]) -> list[_Obj]:
        """What `render` gives, or nothing (and a note) past MAX_RENDERED objects."""
        try:
            return render()
        except _RenderBudget:
            self.note(
                f"{what}: renders more than {MAX_RENDERED:,} objects (bases included many times"
                " over?); not rendered, so no rule checks what it would apply"
            )
            return []

    def __init__(
        self, files: Mapping[str, ParsedFile], notes: list[str], read_text: ReadText | None = None
    ) -> None:
        self.files = files
        self.notes = notes
        self.read_text = read_text or _parsed_text(files)
        self.read: set[str] = set()
        self.rendered = 0  # objects read from files so far (MAX_RENDERED)
        self._dirs = {parent_dir(p) for p in files}
        for p in list(self._dirs):
            while p:
                p = parent_dir(p)
                self._dirs.add(p)

    def is_dir(self, path: str) -> bool:
        return path in self._dirs

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # objects of a file or directory

    def file_objects(self, path: str) -> list[_Obj]:
        record = self.files[path].record if path in self.files else None
        if not isinstance(record, YamlFile):
            return []
        self.read.add(path)
        out = []
        for obj in record.objects:
            if obj.role == "kustomization":
                continue
            entry = KubeEntry(path, obj, record.documents[obj.doc_index], obj.role == "resource")
            out.append(_from_entry(entry))
        self.rendered += len(out)
        if self.rendered > MAX_RENDERED:
            raise _RenderBudget
        return out

    def directory_objects(
        self, directory: str, recurse: bool, include: str = "", exclude: str = ""
    ) -> list[_Obj]:
        out = []
        for path in sorted(self.files):
            if not path.endswith((".yaml", ".yml", ".json")):
                continue
            rel = path[len(directory) + 1 :] if directory else path
            if directory and not path.startswith(directory + "/"):
                continue
            if "/" in rel and not recurse:
                continue
            name = PurePosixPath(path).name
            if name in KUSTOMIZATION_NAMES:
                continue
            if include and not any(fnmatch.fnmatch(rel, g) for g in _globs(include)):
                continue
            if exclude and any(fnmatch.fnmatch(rel, g) for g in _globs(exclude)):
                continue
            record = self.files[path].record
            if isinstance(record, YamlFile) and record.compose is None:
                out.extend(self.file_objects(path))
        return out

    # kustomizations

    def kustomize(self, directory: str, stack: tuple[str, ...] = ()) -> list[_Obj]:
        kfile = kustomization_file(self.files, directory)
        if kfile is None:
            self.note(f"{directory or '.'}/: no kustomization.yaml; kustomize would refuse it")
            return []
        if directory in stack:
            self.note(f"{kfile}: includes itself through {' -> '.join(stack)}; not rendered")
            return []
        self.read.add(kfile)
        record = self.files[kfile].record
        assert isinstance(record, YamlFile) and record.kustomization is not None
        k = record.kustomization
        objs: list[_Obj] = []
        for ref in (*k.resources, *k.bases):
            objs.extend(self._resource(kfile, directory, ref.value, ref.line, (*stack, directory)))
        objs.extend(self._generated(kfile, k, objs))
        for ref in k.components:
            target = join(directory, ref.value)
            if _REMOTE.search(ref.value):
                self.note(f"{kfile}:{ref.line}: remote component {ref.value} is not followed")
                continue
            objs = self.component(target, objs, (*stack, directory), kfile, ref.line)
        self.transform(kfile, k, objs)
        return objs

    def component(
        self, directory: str, objs: list[_Obj], stack: tuple[str, ...], by: str, line: int
    ) -> list[_Obj]:
        kfile = kustomization_file(self.files, directory)
        if kfile is None:
            self.note(f"{by}:{line}: component {directory or '.'}/ has no kustomization")
            return objs
        self.read.add(kfile)
        record = self.files[kfile].record
        assert isinstance(record, YamlFile) and record.kustomization is not None
        k = record.kustomization
        objs = list(objs)
        for ref in k.resources:
            objs.extend(self._resource(kfile, directory, ref.value, ref.line, (*stack, directory)))
        objs.extend(self._generated(kfile, k, objs))
        self.transform(kfile, k, objs)
        return objs

    def _resource(
        self, kfile: str, directory: str, ref: str, line: int, stack: tuple[str, ...]
    ) -> list[_Obj]:
        if _REMOTE.search(ref):
            self.note(f"{kfile}:{line}: remote base {ref} is not followed")
            return []
        target = join(directory, ref)
        if target in self.files:
            if directory and not target.startswith(directory + "/"):
                self.note(
                    f"{kfile}:{line}: resource file {ref} is outside {directory}/; kustomize"
                    " (and Argo CD) refuse it unless built with --load-restrictor"
                    " LoadRestrictionsNone"
                )
            return self.file_objects(target)
        if self.is_dir(target):
            return self.kustomize(target, stack)
        self.note(f"{kfile}:{line}: resource {ref} does not exist")
        return []

    def _generated(self, kfile: str, k: Kustomization, objs: list[_Obj]) -> list[_Obj]:
        out = []
        for kind, generators in (
            ("ConfigMap", k.config_map_generator),
            ("Secret", k.secret_generator),
        ):
            for gen in generators:
                if not gen.name:
                    continue
                generated, notes = generator_keys(kfile, kind, gen, self.read_text)
                self.notes.extend(n for n in notes if n not in self.notes)
                keys = dict.fromkeys(sorted(generated), "")
                if gen.behavior in ("merge", "replace"):
                    existing = next(
                        (o for o in objs if o.kind == kind and o.original_name == gen.name), None
                    )
                    if existing is not None:
                        data = _child_dict(existing.plain, "data")
                        if data is None:
                            continue
                        if gen.behavior == "replace":
                            data.clear()
                        data.update(keys)
                        continue
                meta: dict[str, Any] = {"name": gen.name}
                if gen.namespace:
                    meta["namespace"] = gen.namespace
                plain = {"apiVersion": "v1", "kind": kind, "metadata": meta, "data": keys}
                out.append(_Obj(None, plain, kfile, gen.line, gen.col, gen.name))
        return out

    def transform(
        self, kfile: str, k: Kustomization, objs: list[_Obj], at: tuple[Any, KeyPath] | None = None
    ) -> None:
        """The transformers of one kustomization, in kustomize's order. `at`: the document
        node and the key path of `k.node` inside it (by default the document is `k.node`)."""
        node = k.node
        doc_node, node_path = at if at is not None else (node, ())
        for i, patch in enumerate(_items(node, "patches")):
            self._patch(kfile, k, "patches", i, patch, objs)
        for i, patch in enumerate(_items(node, "patchesJson6902")):
            self._patch(kfile, k, "patchesJson6902", i, patch, objs)
        for ref in k.patches_strategic_merge:
            target = join(parent_dir(kfile), ref.value)
            if target not in self.files:
                self.note(f"{kfile}:{ref.line}: patch {ref.value} does not exist")
                continue
            self._file_patch(kfile, ref.line, target, {}, objs)
        if k.namespace:
            for obj in objs:
                if obj.kind not in CLUSTER_SCOPED:
                    _set_meta(obj.plain, "namespace", k.namespace)
        if k.name_prefix or k.name_suffix:
            rename(objs, k.name_prefix or "", k.name_suffix or "")
        if k.common_labels:
            _common_labels(objs, k.common_labels)
        images = node.get("images") if hasattr(node, "get") else None
        for img in k.images:
            index = _index_at(images, img.line, img.col)
            origin = Origin(
                kfile,
                doc_node,
                (*node_path, "images", index) if index is not None else node_path,
                doc_index=k.doc_index if index is not None else None,
            )
            for obj in objs:
                for cpath, container in containers_of(obj.plain, obj.kind):
                    image = container.get("image")
                    if isinstance(image, str) and image_repository(image) == img.name:
                        container["image"] = _override(image, img.new_name, img.new_tag, img.digest)
                        obj.record((*cpath, "image"), origin)

    def _patch(
        self, kfile: str, k: Kustomization, key: str, index: int, item: Any, objs: list[_Obj]
    ) -> None:
        patch = next(
            (p for p in (k.patches if key == "patches" else k.patches_json6902) if _at(p, item)),
            None,
        )
        if patch is None:
            return
        if patch.path:
            target = join(parent_dir(kfile), patch.path)
            if target not in self.files:
                self.note(f"{kfile}:{patch.line}: patch {patch.path} does not exist")
                return
            self._file_patch(kfile, patch.line, target, patch.target, objs)
            return
        if patch.patch is None:
            return
        try:
            inline = parse_yaml(f"{kfile}#patch", patch.patch)
        except Exception as exc:  # an unparsable inline patch: kustomize fails, we say why
            self.note(f"{kfile}:{patch.line}: inline patch does not parse: {exc}")
            return
        line_offset, col_offset = self._inline_offset(kfile, item)
        for document in inline.documents:
            origin = Origin(kfile, document.data, (), line_offset, col_offset)  # no doc_index
            self._apply(kfile, patch.line, document.plain, origin, patch.target, objs)

    def _inline_offset(self, kfile: str, item: Any) -> tuple[int, int]:
        """Lines and columns to add to a position inside an inline (block scalar) patch."""
        line, col = value_pos(item, ("patch",))
        text = self.files[kfile].text
        lines = text.text.splitlines() if text is not None else []
        value_line = lines[line - 1] if 0 < line <= len(lines) else ""
        if value_line[col - 1 : col] in ("|", ">"):
            for raw in lines[line:]:
                if raw.strip():
                    return line, len(raw) - len(raw.lstrip(" "))
            return line, 0
        quote = 1 if value_line[col - 1 : col] in ("'", '"') else 0
        return line - 1, col - 1 + quote

    def _file_patch(
        self, kfile: str, line: int, target: str, selector: Mapping[str, str], objs: list[_Obj]
    ) -> None:
        record = self.files[target].record
        if not isinstance(record, YamlFile):
            self.note(f"{kfile}:{line}: patch {target} is not YAML; not applied")
            return
        self.read.add(target)
        for index, document in enumerate(record.documents):
            origin = Origin(target, document.data, (), doc_index=index)
            self._apply(kfile, line, document.plain, origin, selector, objs)

    def _apply(
        self,
        kfile: str,
        line: int,
        content: Any,
        origin: Origin,
        selector: Mapping[str, str],
        objs: list[_Obj],
    ) -> None:
        if isinstance(content, list):  # JSON 6902
            if not selector:
                self.note(f"{kfile}:{line}: JSON 6902 patch without a target; not applied")
                return
            matched = [o for o in objs if _selected(o, selector)]
            for obj in matched:
                _json6902(obj, content, origin, self.note, kfile, line)
        elif isinstance(content, dict):
            if not selector:
                meta = _meta(content)
                selector = {"kind": str(content.get("kind", "")), "name": str(meta.get("name", ""))}
            matched = [o for o in objs if _selected(o, selector)]
            for obj in matched:
                _merge(obj, obj.plain, content, (), replace(origin, merge=True))
        else:
            return
        if not matched:
            what = ", ".join(f"{k}={v}" for k, v in sorted(selector.items()))
            self.note(f"{kfile}:{line}: patch matches no object ({what}); kustomize fails")


def _globs(value: str) -> list[str]:
    value = value.strip("{}")
    return [g.strip() for g in value.split(",") if g.strip()]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _items(node: Any, key: str) -> list[Any]:
    value = node.get(key) if hasattr(node, "get") else None
    return list(value) if isinstance(value, list) else []


def _at(patch: KustomizePatch, item: Any) -> bool:
    line, col = key_pos(item, ())
    return (patch.line, patch.col) == (line, col)


def _index_at(items: Any, line: int, col: int) -> int | None:
    if not isinstance(items, list):
        return None
    for i in range(len(items)):
        if key_pos(items, (i,)) == (line, col):
            return i
    return None


def _from_entry(entry: KubeEntry) -> _Obj:
    obj: KubeObject = entry.obj
    return _Obj(
        entry,
        copy.deepcopy(dict(obj.plain)),
        entry.path,
        obj.line,
        obj.col,
        obj.name or "",
    )


def _override(image: str, new_name: str | None, new_tag: str | None, digest: str | None) -> str:
    repo = image_repository(image)
    rest = image[len(repo) :]
    name = new_name or repo
    if digest:
        return f"{name}@{digest}"
    if new_tag:
        return f"{name}:{new_tag}"
    return name + rest


def _selected(obj: _Obj, selector: Mapping[str, str]) -> bool:
    api = str(obj.plain.get("apiVersion", ""))
    group, _, version = api.rpartition("/")
    checks = {
        "kind": obj.kind,
        "group": group,
        "version": version,
        "namespace": obj.namespace or "",
    }
    for key, want in selector.items():
        if key == "name":
            names = {obj.name, obj.original_name}
            if not any(_fullmatch(want, n) or n == want for n in names):
                return False
        elif key == "labelSelector":
            labels = _meta(obj.plain).get("labels")
            labels = labels if isinstance(labels, dict) else {}
            for term in want.split(","):
                k, _, v = term.partition("=")
                if str(labels.get(k.strip())) != v.strip():
                    return False
        elif key in checks and want and not _fullmatch(want, checks[key]):
            return False
    return True


def _merge_key(field_name: str, base: list[Any], patch: list[Any]) -> str | None:
    items = [*base, *patch]
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    key = _MERGE_KEYS.get(field_name)
    if key is None:
        for candidate in ("name", "containerPort", "port", "ip"):
            if all(candidate in i for i in patch if i.get("$patch") is None):
                key = candidate
                break
    if key is None or not all(key in i for i in items):
        return None
    return key


def _merge(
    obj: _Obj,
    base: dict[str, Any],
    patch: Mapping[str, Any],
    at: KeyPath,
    origin: Origin,
    identity: str | None = None,
) -> None:
    """Strategic merge of `patch` into `base` (rendered path `at`), recording what it wrote;
    `identity` is the merge key that matched a list item (it identifies, it does not write)."""
    for key, value in patch.items():
        if key.startswith("$") or key == identity:
            continue
        if at == () and key in ("apiVersion", "kind"):
            continue
        if at == ("metadata",) and key in ("name", "namespace"):
            continue
        here = (*at, key)
        from_here = replace_keypath(origin, key)
        current = base.get(key)
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(current, dict):
            if value.get("$patch") == "replace":
                base[key] = {k: v for k, v in value.items() if k != "$patch"}
                obj.record(here, from_here)
            else:
                _merge(obj, current, value, here, from_here)
        elif isinstance(value, list) and isinstance(current, list):
            merge_key = _merge_key(key, current, value)
            if merge_key is None:
                base[key] = copy.deepcopy(value)
                obj.record(here, from_here)
                continue
            for j, item in enumerate(value):
                item_origin = replace_keypath(from_here, j)
                found = next(
                    (
                        n
                        for n, old in enumerate(current)
                        if old.get(merge_key) == item.get(merge_key)
                    ),
                    None,
                )
                if item.get("$patch") == "delete":
                    if found is not None:
                        obj.reindex(here, found, -1)
                        del current[found]
                elif found is None:
                    current.append(copy.deepcopy(item))
                    obj.record((*here, len(current) - 1), item_origin)
                else:
                    _merge(obj, current[found], item, (*here, found), item_origin, merge_key)
        else:
            base[key] = copy.deepcopy(value)
            obj.record(here, from_here)


def replace_keypath(origin: Origin, step: str | int) -> Origin:
    return replace(origin, keypath=(*origin.keypath, step))


def _pointer(path: str) -> KeyPath:
    steps: list[str | int] = []
    for raw in path.split("/")[1:]:
        step = raw.replace("~1", "/").replace("~0", "~")
        steps.append(int(step) if step.isascii() and step.isdigit() else step)
    return tuple(steps)


def _json6902(obj: _Obj, ops: list[Any], origin: Origin, note: Any, kfile: str, line: int) -> None:
    for i, op in enumerate(ops):
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            continue
        kind = op.get("op")
        path = _pointer(op["path"])
        if not path:
            continue
        parent = _get(obj.plain, path[:-1])
        last = path[-1]
        value_origin = replace_keypath(replace_keypath(origin, i), "value")
        if kind in ("add", "replace"):
            value = copy.deepcopy(op.get("value"))
            if isinstance(parent, dict):
                parent[str(last)] = value
                obj.record((*path[:-1], str(last)), value_origin)
            elif isinstance(parent, list):
                if last == "-":
                    parent.append(value)
                    obj.record((*path[:-1], len(parent) - 1), value_origin)
                elif isinstance(last, int) and 0 <= last <= len(parent):
                    if kind == "add":
                        obj.reindex(path[:-1], last, 1)
                        parent.insert(last, value)
                    elif last < len(parent):
                        parent[last] = value
                    obj.record(path, value_origin)
            else:
                note(
                    f"{kfile}:{line}: JSON patch path {op['path']} is not in {obj.kind} {obj.name}"
                )
        elif kind == "remove":
            if isinstance(parent, dict):
                parent.pop(str(last), None)
            elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
                obj.reindex(path[:-1], last, -1)
                del parent[last]


def rename(objs: Sequence[_Obj], prefix: str, suffix: str) -> None:
    """namePrefix/nameSuffix, and the references to the renamed objects kustomize rewrites."""
    renamed: dict[tuple[str, str], str] = {}
    for obj in objs:
        if obj.kind in ("Namespace", "CustomResourceDefinition") or not obj.name:
            continue
        new = f"{prefix}{obj.name}{suffix}"
        renamed[(obj.kind, obj.name)] = new
        _set_meta(obj.plain, "name", new)
    for obj in objs:
        spec_path = POD_SPECS.get(obj.kind)
        spec = _get(obj.plain, spec_path) if spec_path is not None else None
        if isinstance(spec, dict):
            _rename_refs(spec, renamed)


def _rename_refs(spec: dict[str, Any], renamed: Mapping[tuple[str, str], str]) -> None:
    def swap(holder: Any, key: str, kind: str) -> None:
        if isinstance(holder, dict) and isinstance(holder.get(key), str):
            holder[key] = renamed.get((kind, holder[key]), holder[key])

    swap(spec, "serviceAccountName", "ServiceAccount")
    for secret in _list(spec.get("imagePullSecrets")):
        swap(secret, "name", "Secret")
    for volume in _list(spec.get("volumes")):
        if isinstance(volume, dict):
            swap(volume.get("configMap"), "name", "ConfigMap")
            swap(volume.get("secret"), "secretName", "Secret")
            swap(volume.get("persistentVolumeClaim"), "claimName", "PersistentVolumeClaim")
    for key in ("initContainers", "containers"):
        for container in _list(spec.get(key)):
            if not isinstance(container, dict):
                continue
            for item in _list(container.get("envFrom")):
                if isinstance(item, dict):
                    swap(item.get("configMapRef"), "name", "ConfigMap")
                    swap(item.get("secretRef"), "name", "Secret")
            for item in _list(container.get("env")):
                source = item.get("valueFrom") if isinstance(item, dict) else None
                if isinstance(source, dict):
                    swap(source.get("configMapKeyRef"), "name", "ConfigMap")
                    swap(source.get("secretKeyRef"), "name", "Secret")


def _add_labels(holder: dict[str, Any] | None, labels: Mapping[str, str]) -> None:
    if holder is not None:
        holder.update(labels)


def _common_labels(objs: Sequence[_Obj], labels: Mapping[str, str]) -> None:
    for obj in objs:
        _add_labels(_child_dict(_child_dict(obj.plain, "metadata"), "labels"), labels)
        spec = obj.plain.get("spec")
        if not isinstance(spec, dict):
            continue
        if obj.kind == "Service":
            _add_labels(_child_dict(spec, "selector"), labels)
        elif obj.kind in POD_SPECS and obj.kind != "Pod":
            _add_labels(_child_dict(_child_dict(spec, "selector"), "matchLabels"), labels)
            template = _get(obj.plain, POD_SPECS[obj.kind][:-1])
            _add_labels(_child_dict(_child_dict(template, "metadata"), "labels"), labels)


# --- roots -------------------------------------------------------------------------------


def _freeze(root: str, objs: Sequence[_Obj]) -> tuple[RenderedObject, ...]:
    return tuple(
        RenderedObject(
            root=root,
            api_version=str(o.plain.get("apiVersion", "")),
            kind=o.kind,
            name=o.name,
            namespace=o.namespace,
            plain=o.plain,
            path=o.path,
            line=o.line,
            col=o.col,
            entry=o.entry,
            overrides=tuple(sorted(o.overrides.items(), key=lambda kv: str(kv[0]))),
        )
        for o in objs
    )


def _render_path(renderer: _Renderer, directory: str, recurse: bool, auto: bool) -> list[_Obj]:
    """A directory an Application or Flux Kustomization points at."""
    if kustomization_file(renderer.files, directory) is not None:
        return renderer.kustomize(directory)
    if auto:
        return _flux_generated(renderer, directory)
    return renderer.directory_objects(directory, recurse)


def _flux_generated(renderer: _Renderer, directory: str) -> list[_Obj]:
    """What Flux renders for a path without a kustomization: it generates one listing the
    YAML files below the path, and a subdirectory holding a kustomization as one resource
    (built as a kustomization; its patch files are not resources)."""
    out = renderer.directory_objects(directory, False)
    prefix = directory + "/" if directory else ""
    subdirs = sorted(
        {
            prefix + p[len(prefix) :].split("/", 1)[0]
            for p in renderer.files
            if p.startswith(prefix) and "/" in p[len(prefix) :]
        }
    )
    for sub in subdirs:
        if kustomization_file(renderer.files, sub) is not None:
            out.extend(renderer.kustomize(sub))
        else:
            out.extend(_flux_generated(renderer, sub))
    return out


def _flux_transform(
    renderer: _Renderer, path: str, record: YamlFile, obj: KubeObject, objs: list[_Obj]
) -> None:
    """The kustomize fields of a Flux Kustomization's spec (patches, images, namePrefix,
    nameSuffix), which Flux applies on top of what its path renders."""
    data = record.documents[obj.doc_index].data
    spec = data.get("spec") if hasattr(data, "get") else None
    if not isinstance(spec, CommentedMap):
        return
    k = _read_kustomization(spec, obj.doc_index, [])
    k = replace(
        k,
        resources=(),
        components=(),
        bases=(),
        patches_strategic_merge=(),
        patches_json6902=(),
        namespace=None,
        config_map_generator=(),
        secret_generator=(),
        common_labels={},
        helm_charts=(),
    )
    if k.patches or k.images or k.name_prefix or k.name_suffix:
        renderer.transform(path, k, objs, (data, ("spec",)))


def _source_paths(obj: KubeObject) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(path, source) of every git source of an Application or ApplicationSet template."""
    spec = obj.plain.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    if obj.kind == "ApplicationSet":
        template = spec.get("template")
        spec = template.get("spec") if isinstance(template, dict) else {}
        spec = spec if isinstance(spec, dict) else {}
    sources: list[dict[str, Any]] = [
        s for s in [spec.get("source"), *_list(spec.get("sources"))] if isinstance(s, dict)
    ]
    for source in sources:
        if "chart" in source:
            continue
        yield str(source.get("path", "")), source


def _appset_directories(obj: KubeObject, files: set[str]) -> list[str]:
    spec = obj.plain.get("spec")
    out: list[str] = []
    generators = spec.get("generators") if isinstance(spec, dict) else None
    for generator in _list(generators):
        git = generator.get("git") if isinstance(generator, dict) else None
        if not isinstance(git, dict):
            continue
        entries = [d for d in _list(git.get("directories")) if isinstance(d, dict) and "path" in d]
        include = [str(d["path"]) for d in entries if not d.get("exclude")]
        exclude = [str(d["path"]) for d in entries if d.get("exclude")]
        for directory in sorted(files):
            if any(fnmatch.fnmatch(directory, g) for g in include) and not any(
                fnmatch.fnmatch(directory, g) for g in exclude
            ):
                out.append(directory)
    return out


def sync_roots(
    files: Mapping[str, ParsedFile], notes: list[str], read_text: ReadText | None = None
) -> list[SyncRoot]:
    """Every sync root of the repository and the objects it renders."""
    roots: list[SyncRoot] = []
    covered: set[str] = set()  # directories an Application or Flux Kustomization syncs
    directories = {parent_dir(p) for p in files}
    for d in list(directories):
        while d:
            d = parent_dir(d)
            directories.add(d)
    for path in sorted(files):
        record = files[path].record
        if not isinstance(record, YamlFile):
            continue
        for obj in record.objects:
            if obj.role == "argocd-application":
                roots.extend(_argo_roots(files, notes, path, obj, directories, covered, read_text))
            elif obj.role == "flux-kustomization":
                spec = obj.plain.get("spec") if isinstance(obj.plain.get("spec"), dict) else {}
                directory = join("", str((spec or {}).get("path", "./")))
                if directory not in directories:
                    notes.append(
                        f"{path}:{obj.line}: Flux Kustomization {obj.name} path {directory}"
                        " is not in this repository; not followed"
                    )
                    continue
                covered.add(directory)
                renderer = _Renderer(files, notes, read_text)
                objs = renderer.bounded(
                    f"{path}:{obj.line}", partial(_render_path, renderer, directory, True, True)
                )
                covered.update(
                    parent_dir(f)
                    for f in renderer.read
                    if PurePosixPath(f).name in KUSTOMIZATION_NAMES
                )
                _flux_transform(renderer, path, record, obj, objs)
                target_ns = (spec or {}).get("targetNamespace")
                if target_ns:
                    for o in objs:
                        if o.kind not in CLUSTER_SCOPED:
                            _set_meta(o.plain, "namespace", str(target_ns))
                roots.append(
                    _root(
                        "flux-kustomization",
                        directory,
                        path,
                        obj,
                        objs,
                        renderer,
                        f"Flux Kustomization {obj.name} ({path}:{obj.line})"
                        f" syncs {directory or '.'}",
                    )
                )
    included: set[str] = set()
    kustomizations: list[tuple[str, Kustomization]] = []
    for path in sorted(files):
        record = files[path].record
        if isinstance(record, YamlFile) and record.kustomization is not None:
            k = record.kustomization
            kustomizations.append((path, k))
            for ref in (*k.resources, *k.bases, *k.components):
                included.add(join(parent_dir(path), ref.value))
    for path, k in kustomizations:
        directory = parent_dir(path)
        if k.kind == "Component" or directory in included or directory in covered:
            continue
        if kustomization_file(files, directory) != path:
            continue
        renderer = _Renderer(files, notes, read_text)
        objs = renderer.bounded(path, partial(renderer.kustomize, directory))
        roots.append(
            SyncRoot(
                kind="kustomization",
                directory=directory,
                path=path,
                line=k.line,
                col=k.col,
                objects=_freeze(directory or ".", objs),
                files=frozenset(renderer.read),
                link=Link(f"{path}: a kustomization no other kustomization includes"),
            )
        )
    if any(r.kind != "kustomization" for r in roots):
        return roots
    # No Argo CD or Flux object: what is applied is what `kubectl apply -k` and `kubectl apply
    # -f DIR` apply, so every directory of plain manifests (no kustomization, no file a
    # kustomization reads, no template) is applied as well as the top-level kustomizations.
    kustomized = {f for r in roots for f in r.files} | set(bare_patch_files(files))
    templates = template_files(files, set())
    by_dir: dict[str, list[str]] = {}
    for path in sorted(files):
        record = files[path].record
        if not isinstance(record, YamlFile) or path in kustomized:
            continue
        if not any(o.role == "resource" for o in record.objects):
            continue
        directory = parent_dir(path)
        if kustomization_file(files, directory) is not None:
            continue  # `kubectl apply -f` of it would read the kustomization as an object
        if path in templates:
            continue  # not applied as written (link/inventory.py notes it)
        by_dir.setdefault(directory, []).append(path)
    for directory, paths in sorted(by_dir.items()):
        renderer = _Renderer(files, notes, read_text)
        objs = [o for p in paths for o in renderer.file_objects(p)]
        roots.append(
            SyncRoot(
                kind="directory",
                directory=directory,
                path=directory or ".",
                line=1,
                col=1,
                objects=_freeze(directory or ".", objs),
                files=frozenset(renderer.read),
                link=Link("no kustomization, Application or Flux Kustomization: a plain directory"),
            )
        )
    return roots


def _root(
    kind: str,
    directory: str,
    path: str,
    obj: KubeObject,
    objs: list[_Obj],
    renderer: _Renderer,
    why: str,
) -> SyncRoot:
    return SyncRoot(
        kind=kind,
        directory=directory,
        path=path,
        line=obj.line,
        col=obj.col,
        objects=_freeze(directory or ".", objs),
        files=frozenset(renderer.read),
        link=Link(why),
    )


def _argo_roots(
    files: Mapping[str, ParsedFile],
    notes: list[str],
    path: str,
    obj: KubeObject,
    directories: set[str],
    covered: set[str],
    read_text: ReadText | None,
) -> Iterator[SyncRoot]:
    spec = obj.plain.get("spec") if isinstance(obj.plain.get("spec"), dict) else {}
    if obj.kind == "ApplicationSet":
        template = (spec or {}).get("template") or {}
        spec = template.get("spec") if isinstance(template, dict) else {}
        spec = spec if isinstance(spec, dict) else {}
    destination = (spec or {}).get("destination") or {}
    namespace = destination.get("namespace") if isinstance(destination, dict) else None
    for raw, source in _source_paths(obj):
        if "{{" in raw:
            targets = _appset_directories(obj, directories)
            if not targets:
                notes.append(
                    f"{path}:{obj.line}: ApplicationSet {obj.name} path {raw} is templated by"
                    " generators other than git directories; not followed"
                )
        else:
            targets = [join("", raw)]
        for directory in targets:
            if directory not in directories:
                notes.append(
                    f"{path}:{obj.line}: {obj.kind} {obj.name} path {directory or '.'} is not"
                    " in this repository; not followed"
                )
                continue
            options = source.get("kustomize")
            if isinstance(options, dict) and any(
                k in options for k in ("namePrefix", "nameSuffix", "images", "patches")
            ):
                notes.append(
                    f"{path}:{obj.line}: the kustomize options of {obj.kind} {obj.name} are not"
                    " applied"
                )
            covered.add(directory)
            renderer = _Renderer(files, notes, read_text)
            d = source.get("directory") if isinstance(source.get("directory"), dict) else {}
            if kustomization_file(files, directory) is not None:
                objs = renderer.bounded(
                    f"{path}:{obj.line}", partial(renderer.kustomize, directory)
                )
            else:
                objs = renderer.directory_objects(
                    directory,
                    bool((d or {}).get("recurse")),
                    str((d or {}).get("include", "")),
                    str((d or {}).get("exclude", "")),
                )
            if namespace:
                for o in objs:
                    if o.kind not in CLUSTER_SCOPED and o.namespace is None:
                        _set_meta(o.plain, "namespace", str(namespace))
            yield _root(
                "argocd-application",
                directory,
                path,
                obj,
                objs,
                renderer,
                f"{obj.kind} {obj.name} ({path}:{obj.line}) syncs {directory or '.'}",
            )
