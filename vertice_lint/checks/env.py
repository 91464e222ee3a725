"""VL4xx: configuration and secrets, the code's env reads against what the workloads give it.

The facts (what the code needs and when: `ContainerRuntime.app.env_needs`; what each
container is given: `ContainerFacts.env_given`) are derived in link (`link/appfacts.py`);
these checks compare them. A container whose env comes partly from a source
whose keys cannot be known (an externally managed ConfigMap/Secret, an unreadable env file)
is assumed to get every variable: no VL401 is guessed for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from vertice_lint.checks import CheckContext
from vertice_lint.diagnostics import Diagnostic, Edit, Evidence, Fix, Safety, Severity
from vertice_lint.fix.text_edit import EditError, chain_edits
from vertice_lint.fix.yaml_edit import (
    add_env,
    append_to_sequence,
    insert_key,
    remove_from_sequence,
    remove_key,
)
from vertice_lint.model import (
    ConfigSource,
    Container,
    ContainerFacts,
    EnvNeed,
    EnvVar,
    Origin,
    Workload,
    Workspace,
    asks_to_replace,
    in_scope,
    is_placeholder,
    placeholder_pem,
    public_name,
    secret_data_value,
    secret_in_url,
    secret_name,
    sources_named,
    user_values,
)

_REF_KIND = {"ConfigMap": "configMapKeyRef", "Secret": "secretKeyRef"}


def _who(pairs: Sequence[tuple[Workload, Container]]) -> str:
    return " and ".join(f"{w.ident} container {c.name}" for w, c in pairs)


def _container_evidence(workload: Workload, container: Container, note: str) -> Evidence:
    return Evidence(container.at.path, container.line, container.col, note)


def _as_written(workload: Workload, container: Container) -> bool:
    """The container and its env written in the manifest itself (no patch wrote any of it),
    so that the manifest's `env` list is the container's."""
    return all(
        (at.path, at.doc_index) == (workload.path, workload.doc_index)
        for at in (container.at, *(v.at for v in container.env))
    )


def _combine(
    edits: Sequence[tuple[str, Callable[[str], Edit]]], text_of: Callable[[str], str]
) -> tuple[Edit, ...]:
    """One edit per file, the steps of each file chained in order."""
    by_path: dict[str, list[Callable[[str], Edit]]] = {}
    for path, step in edits:
        by_path.setdefault(path, []).append(step)
    return tuple(chain_edits(p, text_of(p), steps) for p, steps in sorted(by_path.items()))


# --- VL401 missing-env -----------------------------------------------------------------------


def missing_env(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Env vars the code needs (no default, not guarded) that a workload does not set."""
    found: dict[tuple[str, int, int], list[tuple[EnvNeed, Workload, Container, Evidence]]] = {}
    for cr in ws.runtimes:
        facts, app = cr.facts, cr.app
        if facts is None or app is None:
            continue  # an image's default command, or an init container
        workload, container, given = facts.workload, facts.container, facts.env_given
        if given.open:
            continue  # an envFrom whose keys cannot be known may set anything
        source = cr.runtime.entrypoints[0].source if cr.runtime.entrypoints else None
        for need in app.env_needs:
            if not need.satisfied_by(given.names):
                key = (need.path, need.line, need.col)
                run = source or Evidence(container.at.path, container.line, container.col, "")
                found.setdefault(key, []).append((need, workload, container, run))
    for (path, line, col), items in sorted(found.items()):
        yield _missing_env(ws, ctx, path, line, col, items)


def _missing_env(
    ws: Workspace,
    ctx: CheckContext,
    path: str,
    line: int,
    col: int,
    items: list[tuple[EnvNeed, Workload, Container, Evidence]],
) -> Diagnostic:
    need = next((n for n, *_ in items if n.when.startup), items[0][0])
    unique: dict[tuple[str, int, str], tuple[Workload, Container, Evidence]] = {}
    for _, w, c, run in items:
        unique.setdefault((w.path, w.doc_index, c.name), (w, c, run))
    pairs = [(w, c) for w, c, _ in unique.values()]
    name = need.names[0]
    shown = " (or ".join(f"`{n}`" for n in need.names) + ")" * (len(need.names) - 1)
    error = need.error or ("ValidationError" if need.what.startswith("settings") else "KeyError")
    consequence = f"{error}, the pod crash-loops" if need.when.startup else error
    evidence: list[Evidence] = []
    edits: list[tuple[str, Callable[[str], Edit]]] = []
    fixable = True
    suggestions: list[str] = []
    for workload, container, run in unique.values():
        evidence.append(
            _container_evidence(
                workload,
                container,
                f"{workload.ident} container {container.name} does not set {name}",
            )
        )
        evidence.append(run)
        for hop in need.via:
            if hop not in evidence:
                evidence.append(hop)  # how the framework reaches the module (Django settings)
        candidates = [
            s
            for s in ws.config_sources
            if not s.external and name in s.keys and in_scope(s, workload)
        ]
        if len(candidates) == 1 and workload.kind != "compose" and container.at.editable:
            source = candidates[0]
            suggestions.append(f"{source.kind} {source.name}")
            evidence.append(
                Evidence(
                    source.path,
                    source.line,
                    source.col,
                    f"{source.kind} {source.name} defines {name}",
                )
            )
            edits.append((container.at.path, _add_ref(container, name, source)))
        else:
            fixable = False
    message = (
        f"{shown} is read {need.when.text} by {need.what} but {_who(pairs)} does not set it:"
        f" {consequence}"
    )
    if suggestions and fixable:
        message += f" ({' and '.join(dict.fromkeys(suggestions))} defines it)"
    fix = None
    if fixable and edits:
        try:
            fix = Fix(
                _combine(edits, lambda p: ws.text(p) or ""),
                Safety.SAFE,
                f"add {name} to the container env from the {'/'.join(dict.fromkeys(suggestions))}",
            )
        except EditError:
            fix = None
    severity = Severity.ERROR if need.when.startup else Severity.WARNING
    return ctx.diagnostic(path, line, col, message, evidence=evidence, fix=fix, severity=severity)


def _add_ref(container: Container, name: str, source: ConfigSource) -> Callable[[str], Edit]:
    at, doc = container.at, container.at.doc_index
    assert doc is not None

    def step(text: str) -> Edit:
        ref = {_REF_KIND[source.kind]: {"name": source.written_name, "key": name}}
        return add_env(at.path, text, doc, at.keypath, name, value_from=ref)

    return step


# --- VL402 plaintext-secret ------------------------------------------------------------------


_COMPOSE_INTERPOLATION = re.compile(r"\$(?:[A-Za-z_]|\{)")


def plaintext_secret(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Secret-looking literals in workload env / compose environment, and committed Secrets."""
    for facts in ws.container_facts:
        workload, container = facts.workload, facts.container
        if workload.path in ws.inventory.test_fixtures:
            continue  # a test's throwaway credentials protect nothing (a note says so)
        users = user_values((v.name, v.value) for v in container.env if v.source_kind is None)
        for var in container.env:
            if var.value is None or var.source_kind is not None:
                continue
            if var.value in users and not public_name(var.name):
                continue  # the password is the user name: an example's trivial default
            if workload.kind == "compose" and _COMPOSE_INTERPOLATION.search(
                var.value.replace("$$", "")
            ):
                continue  # `$DB_PASSWORD`: compose substitutes it from the shell or `.env`
            if _marked_placeholder(ws, var.at.path, var.line):
                continue  # `# change this` beside it: a value to replace, not the real one
            if secret_name(var.name) and not (
                is_placeholder(var.value) or placeholder_pem(var.value)
            ):
                what = f"`{var.name}` is written in plain text"
            elif secret_in_url(var.value):
                what = f"`{var.name}` holds a password in plain text in its URL"
            else:
                continue
            yield _plaintext(ws, ctx, facts, var, what)
    for entry in ws.kube_objects:
        obj = entry.obj
        if not entry.validated or obj.kind != "Secret":
            continue
        if entry.path in ws.inventory.test_fixtures:
            continue
        real: list[tuple[str, str]] = []
        texts = [
            (str(key), secret_data_value(section, value))
            for section in ("stringData", "data")
            for key, value in (
                obj.plain[section].items() if isinstance(obj.plain.get(section), dict) else ()
            )
        ]
        users = user_values(texts)
        for section in ("stringData", "data"):
            values = obj.plain.get(section)
            for key, value in values.items() if isinstance(values, dict) else ():
                text = secret_data_value(section, value)
                if text is None or is_placeholder(text) or placeholder_pem(text):
                    continue
                if text in users and not public_name(str(key)):
                    continue  # the password is the user name: an example's trivial default
                if public_name(str(key)) and not secret_in_url(text):
                    continue  # `user`, `DB_HOST`: configuration kept in the Secret, not a secret
                at = Origin(entry.path, entry.document.data, entry.obj.path).position(
                    (section, key)
                )
                if _marked_placeholder(ws, entry.path, at[0]):
                    continue
                real.append((section, str(key)))
        if real:
            line, col = Origin(entry.path, entry.document.data, entry.obj.path).position(real[0])
            keys = ", ".join(f"`{k}`" for _, k in real)
            yield ctx.diagnostic(
                entry.path,
                line,
                col,
                f"Secret {obj.name} commits real values for {keys} to the repository: anyone"
                " who can read it has them; keep only placeholders here and deliver the values"
                " with a SealedSecret, an ExternalSecret or SOPS",
            )


def _marked_placeholder(ws: Workspace, path: str, line: int) -> bool:
    text = ws.text(path)
    return text is not None and asks_to_replace(text, line)


def _plaintext(
    ws: Workspace, ctx: CheckContext, facts: ContainerFacts, var: EnvVar, what: str
) -> Diagnostic:
    workload, container = facts.workload, facts.container
    where = f"{workload.ident} container {container.name}"
    if workload.kind == "compose":
        where = f"compose service {workload.name}"
    message = f"{what} in {where}: anyone who can read the repository has it; reference a Secret"
    secrets = [
        s
        for s in ws.config_sources
        if s.kind == "Secret"
        and not s.external
        and var.name in s.keys
        and in_scope(s, workload)
        and workload.kind != "compose"
    ]
    evidence = [
        Evidence(s.path, s.line, s.col, f"Secret {s.name} holds {var.name}") for s in secrets
    ]
    fix = None
    if len(secrets) == 1:
        secret = secrets[0]
        message += f" (Secret {secret.name} holds `{var.name}`)"
        at = var.at  # the entry that wrote the value: the base's, or an overlay patch's
        text = ws.text(at.path)
        doc, item = at.doc_index, at.keypath
        if doc is not None and text is not None:
            ref = {"secretKeyRef": {"name": secret.written_name, "key": var.name}}

            def drop(t: str) -> Edit:
                return remove_key(at.path, t, doc, item, "value")

            def add(t: str) -> Edit:
                return insert_key(at.path, t, doc, item, "valueFrom", ref)

            try:
                edit = chain_edits(at.path, text, [drop, add])
                fix = Fix(
                    (edit,),
                    Safety.SAFE,
                    f"reference key {var.name} of Secret {secret.name}",
                    secrets=(var.value,) if var.value else (),
                )
            except EditError:
                fix = None
    return ctx.diagnostic(var.at.path, var.line, var.col, message, evidence=evidence, fix=fix)


def _env_list(facts: ContainerFacts) -> list[Any] | None:
    """The container's `env` sequence as written."""
    env = facts.written.get("env")
    return env if isinstance(env, list) else None


# --- VL403 missing-config-key ----------------------------------------------------------------


def missing_config_key(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A configMapKeyRef/secretKeyRef key that the referenced object does not define."""
    for workload in ws.workloads:
        for container in workload.containers:
            for var in container.env:
                if var.source_kind not in ("configMapKeyRef", "secretKeyRef") or var.optional:
                    continue
                if var.source_name is None or var.source_key is None:
                    continue
                kind = "ConfigMap" if var.source_kind == "configMapKeyRef" else "Secret"
                found = sources_named(ws.config_sources, workload, kind, var.source_name)
                if not found or not all(s.keys_known for s in found):
                    continue  # undefined (VL106), managed elsewhere, or from a missing file
                keys: set[str] = set().union(*(s.keys for s in found))
                if var.source_key in keys:
                    continue
                has = ", ".join(f"`{k}`" for k in sorted(keys)) or "no keys"
                yield ctx.diagnostic(
                    var.at.path,
                    var.line,
                    var.col,
                    f"`{var.name}` takes key `{var.source_key}` of {kind} {var.source_name},"
                    f" which does not define it (it has {has}): the pod fails with"
                    " CreateContainerConfigError",
                    evidence=[
                        Evidence(s.path, s.line, s.col, f"{kind} {s.name} is defined here")
                        for s in found
                    ],
                )


# --- VL404 env-forward-reference -------------------------------------------------------------

_VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_SERVICE_LINK = re.compile(
    r".+_(SERVICE_HOST|SERVICE_PORT(_.+)?|PORT(_\d+_(TCP|UDP|SCTP)(_.+)?)?)$"
)


def env_forward_reference(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """`$(VAR)` in an env value naming a variable defined later in the list, or nowhere."""
    for facts in ws.container_facts:
        workload, container, given = facts.workload, facts.container, facts.env_given
        if workload.kind == "compose" or container.init:
            continue
        from_env_from = {n for n, e in given.names.items() if e.note.startswith("envFrom")}
        position_of: dict[str, int] = {}
        for index, var in enumerate(container.env):
            position_of.setdefault(var.name, index)
        for index, var in enumerate(container.env):
            refs = [m.group(1) for m in _VAR_REF.finditer(var.value or "") if m.group(1)]
            later: list[str] = []
            nowhere: list[str] = []
            for ref in dict.fromkeys(refs):
                at = position_of.get(ref)
                if (at is not None and at < index) or ref in from_env_from:
                    continue
                if at is not None:
                    later.append(ref)
                elif not given.open and not _SERVICE_LINK.match(ref):
                    nowhere.append(ref)
            if later or nowhere:
                yield _forward(ws, ctx, facts, index, var, later, nowhere)


def _forward(
    ws: Workspace,
    ctx: CheckContext,
    facts: ContainerFacts,
    index: int,
    var: EnvVar,
    later: list[str],
    nowhere: list[str],
) -> Diagnostic:
    workload, container = facts.workload, facts.container
    parts = []
    evidence = []
    for ref in later:
        other = next(v for v in container.env if v.name == ref)
        parts.append(f"`{ref}`, defined later in the list (line {other.line}),")
        evidence.append(Evidence(other.at.path, other.line, other.col, f"{ref} is defined here"))
    for ref in nowhere:
        parts.append(f"`{ref}`, defined nowhere in the container's env,")
    message = (
        f"`{var.name}` refers to " + " and ".join(parts)[:-1] + ": Kubernetes expands `$(VAR)` only"
        " for variables defined before it and otherwise keeps the literal text"
    )
    fix = None
    names_after = [v for v in container.env[index + 1 :] if f"$({var.name})" in (v.value or "")]
    items = _env_list(facts)
    at = container.at
    text = ws.text(at.path)
    if (
        not nowhere
        and not names_after
        and _as_written(workload, container)
        and items is not None
        and text is not None
        and (len(items) == len(container.env))
    ):
        seq = (*at.keypath, "env")
        item = items[index]
        doc = workload.doc_index  # the container's own document (`_as_written`)

        def drop(t: str) -> Edit:
            return remove_from_sequence(at.path, t, doc, seq, index)

        def append(t: str) -> Edit:
            return append_to_sequence(at.path, t, doc, seq, item)

        try:
            edit = chain_edits(at.path, text, [drop, append])
            fix = Fix((edit,), Safety.SAFE, f"move {var.name} after the variables it uses")
        except EditError:
            fix = None
    return ctx.diagnostic(var.at.path, var.line, var.col, message, evidence=evidence, fix=fix)
