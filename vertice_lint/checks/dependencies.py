"""VL3xx: what the code imports against what the image installs.

Every rule compares facts link derived (link/dependencies.py): the module map (import name ->
distribution, with its source, `ws.module_map`), what each image installs (`ws.image_deps`),
the pins of the repository (`ws.pins`) and the third-party imports of each image's code
(`ws.third_party`). The imports are those of the image's import closure (`ws.runtimes`): only
what the container really runs, without imports under `try/except ImportError` or `if
TYPE_CHECKING`, nor `importlib.import_module` strings. A finding about an image's code is
reported once however many containers run it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence

import tomlkit
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from vertice_lint.checks import CheckContext
from vertice_lint.checks.imports import deployed_by, import_chain, importers
from vertice_lint.diagnostics import Diagnostic, Edit, Evidence, Fix, Safety, Severity
from vertice_lint.fix.text_edit import append_line, insert_line, replace_span
from vertice_lint.model import (
    DIST_PACKAGES,
    ContainerRuntime,
    Declared,
    ImageDeps,
    Owner,
    ThirdPartyImport,
    UnmetDependency,
    Workspace,
    declared_by_spelling,
    lazy_reason,
)
from vertice_lint.model.files import Requirement, RequirementsFile

_DEV_FILE = re.compile(
    r"(^|[-_./])(dev|devel|test|tests|testing|lint|docs?|ci|local|build)([-_.]|$)"
)
# Distributions that are run or loaded by name rather than imported by the code.
_RUN_NOT_IMPORTED = frozenset(
    {
        "uvicorn",
        "gunicorn",
        "hypercorn",
        "daphne",
        "granian",
        "celery",
        "alembic",
        "psycopg-binary",
        "psycopg2-binary",
        "uvloop",
        "httptools",
        "python-multipart",
        "email-validator",
    }
)


# --- VL301 missing-requirement ----------------------------------------------------------------


def _version_for(ws: Workspace, deps: ImageDeps, owner: Owner) -> tuple[str | None, str]:
    """A version to pin a new requirement to, and where it comes from ("" when none)."""
    name = canonicalize_name(owner.name)
    if deps.lock is not None:
        version = deps.lock.version_of(name)
        if version:
            return version, f"the lock file {deps.lock.path}"
    if name in deps.constraint_pins:
        return deps.constraint_pins[name], "the constraints file"
    versions = ws.pins.get(name, {})
    if len(versions) == 1:
        version, where = next(iter(versions.items()))
        paths = sorted({d.path for d in where})
        return version, "the pin of " + ", ".join(paths)
    return None, ""


def _requirements_fix(text: str, record: RequirementsFile, path: str, line: str) -> Edit:
    """Add a requirement line: in order when the file is sorted, else at the end."""
    names = [r for r in record.requirements if r.normalized]
    new = canonicalize_name(line.split("=", 1)[0].split("[", 1)[0])
    if record.sorted_alphabetically and names:
        after = [r for r in names if r.normalized > new]
        if after:
            index = names.index(after[0])
            before_line = names[index - 1].end_line + 1 if index else after[0].line
            return insert_line(path, text, before_line, line)
    return append_line(path, text, line)


def _pyproject_fix(text: str, path: str, line: str) -> Edit | None:
    """Add a dependency to `[project] dependencies` with tomlkit, keeping the file's style."""
    doc = tomlkit.parse(text)
    project = doc.get("project")
    if not isinstance(project, dict) or not isinstance(project.get("dependencies"), list):
        return None
    array = project["dependencies"]
    new = canonicalize_name(line.split("=", 1)[0].split("[", 1)[0])
    names = [canonicalize_name(re.split(r"[\s\[<>=!~;@]", str(d), maxsplit=1)[0]) for d in array]
    index = len(array)
    if names == sorted(names):
        index = next((i for i, n in enumerate(names) if n > new), len(array))
    array.insert(index, line)
    return Edit(path, 0, len(text), tomlkit.dumps(doc))


def _missing_fix(ws: Workspace, deps: ImageDeps, owner: Owner) -> Fix | None:
    """Add the owner to the image's requirements; never a guessed name (dependency
    confusion: a name nobody publishes can be registered by anyone)."""
    if owner.source == "convention" and canonicalize_name(owner.name) not in ws.module_map.known:
        return None
    target = deps.fix_target()
    if target is None:
        return None
    text = ws.text(target.path)
    if text is None:
        return None
    version, source = _version_for(ws, deps, owner)
    line = f"{owner.name}=={version}" if version else owner.name
    record = ws.requirements_file(target.path)
    if record is not None:
        edit: Edit | None = _requirements_fix(text, record, target.path, line)
    else:
        edit = _pyproject_fix(text, target.path, line)
    if edit is None:
        return None
    pinned = f", pinned to the version of {source}" if version else ", unpinned"
    return Fix(
        (edit,),
        Safety.SAFE if version else Safety.UNSAFE,
        f"add `{line}` to {target.path}{pinned}",
        # an unpinned line is what the user asked for with --unsafe-fixes; VL304 then says so
        leaves=() if version else ("VL304",),
    )


def missing_requirement(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A third-party import that no requirement of the image provides (VL301): nothing
    installs the module. Silent when the distribution is one others commonly depend on and
    the image installs some whose dependencies are unknown (it may come with them: a guess).
    Images whose base may bring distributions of its own, or with installs vertice-lint
    cannot read, are skipped: absence would prove nothing."""
    return _missing(ws, ctx, transitive=False)


def transitive_requirement(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A third-party import the image has only as a dependency of a declared distribution
    (lock file or curated table), not declared itself (VL307): it works until that
    distribution drops it."""
    return _missing(ws, ctx, transitive=True)


def _missing(ws: Workspace, ctx: CheckContext, *, transitive: bool) -> Iterator[Diagnostic]:
    """VL301 (`transitive` False) or VL307: the imports of each image no declared
    distribution provides, judged once."""
    mm = ws.module_map
    # the container whose walk found the image's imports (link: the first one that runs code)
    walked: dict[str, ContainerRuntime] = {}
    runners: dict[str, list[Evidence]] = {}  # the workload containers that run each image
    for each in ws.runtimes:
        if each.runtime.entrypoints:
            walked.setdefault(each.image.key, each)
        for ev in deployed_by(each):
            if ev not in runners.setdefault(each.image.key, []):
                runners[each.image.key].append(ev)
    for key, uses in sorted(ws.third_party.items()):
        deps = ws.image_deps.get(key)
        if deps is None or deps.unknown or not deps.clean_base:
            continue
        if not transitive:
            yield from _unmet(ws, ctx, deps, uses)
        run = walked.get(key)
        parents = importers(run) if run is not None and uses else {}
        python = deps.image.contents.python_version if deps.image.contents else None
        for use in uses:
            removed = use.edge.removed_in
            if removed is not None:
                if not transitive:
                    yield from _removed_module(ws, ctx, deps, use, removed, python or "")
                continue
            if mm.system_module(use.module) and not mm.providers(use.module) & deps.names:
                continue  # VL302's
            providers = mm.providers(use.module)
            if providers & deps.names or declared_by_spelling(
                use.module, deps.names, mm.namespaces
            ):
                continue
            if mm.guessed(use.module) is not None:
                continue  # a guess is not a finding (link's note says so in --verbose)
            owner = mm.owner(use.module)
            target = deps.fix_target()
            where = target.path if target is not None else deps.image.dockerfile
            imp = use.edge.imp
            # how the file is reached: the command, the imports from the entry module on
            chain = import_chain(run, use.edge.path, parents) if run is not None else []
            chain = [ev for ev in chain if not ev.note.startswith("run by ")] or [use.entry]
            evidence = (*chain, *deps.evidence(), *runners.get(key, [])[:3])
            brought = sorted(p for p in providers if p in deps.transitive)
            if brought:
                if not transitive:
                    continue  # VL307's: it is installed, as a dependency
                parent, source = deps.transitive[brought[0]]
                yield ctx.diagnostic(
                    use.edge.path,
                    imp.line,
                    imp.col,
                    f"{owner.module} comes from {owner.describe()}, installed only as a dependency"
                    f" of {parent} ({source}): declare it in {where}",
                    evidence=evidence,
                    fix=_missing_fix(ws, deps, owner),
                )
                continue
            if transitive or deps.may_bring(providers, mm.dependencies):
                continue  # a guess: it may come with them (link's note says so in --verbose)
            message = (
                f"{owner.module} comes from {owner.describe()}, which the image never installs:"
                f" add it to {where}"
            )
            # an import in a function (or a module imported lazily) fails when it runs, not
            # at start-up: a warning, as VL202 says of first-party modules
            later = lazy_reason(run.runtime, use.edge) if run is not None else None
            yield ctx.diagnostic(
                use.edge.path,
                imp.line,
                imp.col,
                message if later is None else f"{message} ({later})",
                evidence=evidence,
                fix=_missing_fix(ws, deps, owner),
                severity=Severity.ERROR if later is None else Severity.WARNING,
            )


def _unmet(
    ws: Workspace, ctx: CheckContext, deps: ImageDeps, uses: Sequence[ThirdPartyImport]
) -> Iterator[Diagnostic]:
    """VL301 for a distribution the code imports that the image installs without its
    dependencies (`uv pip sync`, `pip-sync`, `--no-deps`) while one it needs is installed by
    nothing: its import fails. Once per distribution, at the first import of it."""
    by_name: dict[str, list[UnmetDependency]] = {}
    for each in deps.unmet:
        by_name.setdefault(each.declared.normalized, []).append(each)
    mm = ws.module_map
    for name, unmet in sorted(by_name.items()):
        use = next((u for u in uses if name in mm.providers(u.module)), None)
        if use is None:
            continue  # the code does not import it
        declared = unmet[0].declared
        install = declared.install
        missing = sorted({u.missing for u in unmet})
        by_chain: dict[tuple[str, ...], list[str]] = {}
        for each in unmet:
            by_chain.setdefault(each.chain, []).append(each.missing)
        needs = "; ".join(
            (
                f"{chain[-1]} (needed by {' <- '.join(reversed(chain[:-1]))})"
                if len(chain) > 1
                else declared.requirement.name
            )
            + f" needs {' and '.join(names)}"
            for chain, names in by_chain.items()
        )
        sources = sorted({u.source for u in unmet})
        imp = use.edge.imp
        evidence = (
            use.entry,
            Evidence(
                deps.image.dockerfile,
                install.line,
                install.col,
                f"`{install.command}` installs {declared.path} without dependencies",
            ),
            Evidence(
                declared.path,
                declared.requirement.line,
                declared.requirement.col,
                f"{declared.requirement.name}: its dependencies are known from"
                f" {', '.join(sources)}",
            ),
        )
        fix = _missing_fix(ws, deps, Owner(missing[0], (missing[0],), "data"))
        yield ctx.diagnostic(
            use.edge.path,
            imp.line,
            imp.col,
            f"{use.module} comes from {declared.requirement.name}, which `{install.command}`"
            f" installs without its dependencies: {needs}, which {declared.path} does not list"
            f" and nothing else in the image installs, so the import fails at start-up"
            f" (ModuleNotFoundError): add {' and '.join(missing)} to {declared.path}",
            evidence=evidence,
            fix=fix if len(missing) == 1 else None,
        )


# What still provides a module the standard library dropped (distutils: setuptools' shim).
_REPLACEMENTS = {"distutils": "setuptools"}


def _removed_module(
    ws: Workspace,
    ctx: CheckContext,
    deps: ImageDeps,
    use: ThirdPartyImport,
    removed: str,
    python: str,
) -> Iterator[Diagnostic]:
    """VL301 for a module the image's Python no longer has in its standard library."""
    top = use.module.split(".")[0]
    replacement = _REPLACEMENTS.get(top)
    if replacement is not None and (replacement in deps.names or replacement in deps.transitive):
        return
    imp = use.edge.imp
    message = (
        f"`{top}` was removed from the standard library in Python {removed} and the image runs"
        f" Python {python}: ModuleNotFoundError: No module named '{top}'"
    )
    fix = None
    if replacement is not None:
        target = deps.fix_target()
        where = target.path if target is not None else deps.image.dockerfile
        message += f"; {replacement} provides it: add {replacement} to {where}"
        owner = Owner(top, (replacement,), "data")
        fix = _missing_fix(ws, deps, owner)
    yield ctx.diagnostic(
        use.edge.path,
        imp.line,
        imp.col,
        message,
        evidence=(use.entry, *deps.evidence()),
        fix=fix,
    )


# --- VL302 system-module ----------------------------------------------------------------------


def _visibility(deps: ImageDeps, pythonpath: tuple[str, ...]) -> tuple[bool, list[Evidence]]:
    """Whether Debian's dist-packages is visible to the image's /usr/local Python."""
    if DIST_PACKAGES in pythonpath:
        return True, []
    version = deps.image.contents.python_version if deps.image.contents else None
    wrong: list[Evidence] = []
    for link in deps.dist_packages_links:
        if link.python == version:
            return True, []
        wrong.append(
            Evidence(
                deps.image.dockerfile,
                link.line,
                link.col,
                f"links it into Python {link.python}'s site-packages, not {version}'s",
            )
        )
    return False, wrong


def system_module(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """An import only a distro package provides, missing or invisible to the image's Python."""
    mm = ws.module_map
    pythonpaths: dict[str, tuple[str, ...]] = {}
    for ctr in ws.runtimes:
        pythonpaths[ctr.image.key] = ctr.runtime.pythonpath  # the last container's
    for key, uses in sorted(ws.third_party.items()):
        deps = ws.image_deps.get(key)
        if deps is None or deps.image.contents is None:
            continue
        for use in uses:
            top = use.module.split(".")[0]
            entry = mm.system_module(use.module)
            if entry is None or mm.providers(use.module) & deps.names:
                continue
            packages = entry.debian
            installed = [i for i in deps.apt if i.value in packages]
            imp = use.edge.imp
            also = entry.pypi
            pypi = f" (or the PyPI distribution {', '.join(also)})" if also else ""
            if not installed:
                yield ctx.diagnostic(
                    use.edge.path,
                    imp.line,
                    imp.col,
                    f"{top} is provided only by the distro package {' or '.join(packages)}"
                    f"{pypi}, which the image does not install",
                    evidence=(use.entry, *deps.evidence()),
                )
                continue
            if deps.image.contents.python_prefix != "/usr/local":
                continue
            visible, wrong = _visibility(deps, pythonpaths.get(key, ()))
            if visible:
                continue
            apt = installed[0]
            version = deps.image.contents.python_version
            yield ctx.diagnostic(
                use.edge.path,
                imp.line,
                imp.col,
                f"{top} comes from the Debian package {apt.value}, installed under"
                f" {DIST_PACKAGES} for Debian's python3, which the image's Python {version}"
                " (/usr/local) does not read: link it into"
                f" /usr/local/lib/python{version}/site-packages or add it to PYTHONPATH",
                evidence=(
                    use.entry,
                    Evidence(deps.image.dockerfile, apt.line, apt.col, f"installs {apt.value}"),
                    *wrong,
                ),
            )


# --- VL303 requirements-not-installed ---------------------------------------------------------


def _runtimes_by_image(ws: Workspace) -> dict[str, list[ContainerRuntime]]:
    by_image: dict[str, list[ContainerRuntime]] = {}
    for ctr in ws.runtimes:
        by_image.setdefault(ctr.image.key, []).append(ctr)
    return by_image


def _may_run_python(deps: ImageDeps, runtimes: Sequence[ContainerRuntime]) -> bool:
    """Whether the image has or runs Python: a Python base image, a Python install, or a
    command that starts Python (not `node server.js`, not a Go binary)."""
    image = deps.image
    if deps.files or deps.declared or deps.unknown:
        return True
    if image.contents is not None and image.contents.python_version is not None:
        return True
    for cr in runtimes:
        for entry in cr.runtime.entrypoints:
            if entry.kind != "executable" or "python" in posixpath.basename(entry.program):
                return True
    return False


def requirements_not_installed(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A requirements file beside a service's Dockerfile that none of its images installs."""
    directories = {s.name: s.directory for s in ws.services}
    by_dir: dict[str, list[ImageDeps]] = {}
    by_image = _runtimes_by_image(ws)
    unknown: set[str] = set()
    for deps in ws.image_deps.values():
        image = deps.image
        directory = directories.get(image.service or "", posixpath.dirname(image.dockerfile))
        if deps.unknown:
            unknown.add(directory)  # an install it cannot read may be the one that installs it
        if not _may_run_python(deps, by_image.get(image.key, ())):
            continue  # a Node/Go/JVM image: a requirements.txt beside it is for something else
        directory = directories.get(image.service or "", posixpath.dirname(image.dockerfile))
        by_dir.setdefault(directory, []).append(deps)
    requirement_files = [p for p in ws.paths if ws.requirements_file(p) is not None]
    for directory, images in sorted(by_dir.items()):
        if directory in unknown:
            continue
        images.sort(key=lambda d: d.image.key)
        installed = {f.path for d in images for f in d.files}
        others = sorted({f.path for d in images for f in d.files if f.kind == "requirements"})
        what = (
            f"installs {', '.join(others)} instead" if others else "installs no requirements file"
        )
        for path in requirement_files:
            name = posixpath.basename(path).lower()
            if (
                posixpath.dirname(path) != directory
                or path in installed
                or "constraint" in name
                or _DEV_FILE.search(name)
                or _covered(ws, path, images)
            ):
                continue
            yield ctx.diagnostic(
                path,
                1,
                1,
                f"{path} is never installed: {images[0].image.dockerfile} {what}",
                evidence=[e for d in images for e in d.evidence()],
            )


def _covered(ws: Workspace, path: str, images: Sequence[ImageDeps]) -> bool:
    """Whether every image installs every distribution the file lists anyway (its project's
    dependencies, or their dependencies by the lock): a leftover list, nothing is lost. A
    file that includes others, or lists nothing, is not judged so."""
    record = ws.requirements_file(path)
    if record is None or record.includes or not record.requirements:
        return False

    def installs(deps: ImageDeps, requirement: Requirement) -> bool:
        if requirement.normalized in deps.transitive:
            return True
        pins = [
            d.requirement.pinned_version
            for d in deps.declared
            if d.normalized == requirement.normalized
        ]
        if not pins:
            return False
        # the version the file asks for, where both say one (`flask==2.0.0` is not 3.0.3)
        try:
            wanted = SpecifierSet(requirement.specifier) if requirement.specifier else None
        except InvalidSpecifier:
            return False
        return wanted is None or all(
            p is None or wanted.contains(p, prereleases=True) for p in pins
        )

    return all(installs(deps, r) for deps in images for r in record.requirements)


# --- VL304 unpinned-requirement ---------------------------------------------------------------


def _pin_text(declared: Declared, version: str) -> str:
    requirement = declared.requirement
    extras = f"[{','.join(requirement.extras)}]" if requirement.extras else ""
    marker = f"; {requirement.marker}" if requirement.marker else ""
    return f"{requirement.name}{extras}=={version}{marker}"


def unpinned_requirement(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A requirement of a requirements file an image installs, without an exact pin."""
    seen: set[tuple[str, int, int]] = set()
    for _key, deps in sorted(ws.image_deps.items()):
        requirement_files = {f.path for f in deps.files if f.kind == "requirements"}
        for declared in deps.declared:
            requirement = declared.requirement
            where = (declared.path, requirement.line, requirement.col)
            if (
                declared.path not in requirement_files
                or requirement.pinned_version
                or requirement.url
                or requirement.local_path
                or declared.normalized in deps.constraint_pins
                or where in seen
            ):
                continue
            seen.add(where)
            version = deps.lock.version_of(declared.normalized) if deps.lock else None
            spec = requirement.specifier or "any version"
            message = (
                f"{requirement.name} is not pinned ({spec}): each build of the image may install"
                " another version"
            )
            fix = None
            if version and deps.lock is not None:
                text = ws.text(declared.path)
                assert text is not None
                edit = _replace(text, declared, _pin_text(declared, version))
                message += f"; {deps.lock.path} locks {version}"
                fix = Fix((edit,), Safety.SAFE, f"pin {requirement.name}=={version}")
            yield ctx.diagnostic(
                declared.path,
                requirement.line,
                requirement.col,
                message,
                evidence=deps.evidence(),
                fix=fix,
            )


def _replace(text: str, declared: Declared, new: str) -> Edit:
    requirement = declared.requirement
    return replace_span(
        declared.path,
        text,
        requirement.line,
        requirement.col,
        requirement.end_line,
        requirement.end_col,
        new,
    )


# --- VL305 version-drift ----------------------------------------------------------------------


def version_drift(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """One distribution pinned to different versions by the images of the repository."""
    for _name, versions in sorted(ws.pins.items()):
        if len(versions) < 2:
            continue
        counts = sorted(((len(v), k) for k, v in versions.items()), reverse=True)
        majority = counts[0][1] if counts[0][0] > counts[1][0] else None
        for version, declarations in sorted(versions.items()):
            if version == majority:
                continue
            others = sorted(
                f"{v} in {', '.join(sorted({d.path for d in ds}))}"
                for v, ds in versions.items()
                if v != version
            )
            for declared in declarations:
                if declared.resolver_pin:
                    continue  # the resolver's choice, not the service's: it follows the others
                yield ctx.diagnostic(
                    declared.path,
                    declared.requirement.line,
                    declared.requirement.col,
                    f"{declared.requirement.name} is pinned to {version} here but to "
                    + "; ".join(others),
                )


# --- VL306 unused-requirement -----------------------------------------------------------------


def unused_requirement(ws: Workspace, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A declared distribution that no code of the image imports (off by default)."""
    mm = ws.module_map
    uses = ws.third_party
    runs: dict[str, set[str]] = {}
    for ctr in ws.runtimes:
        found = runs.setdefault(ctr.image.key, set())
        for entry in ctr.runtime.entrypoints:
            found.add(canonicalize_name(entry.program))
            if entry.repo_path is None and entry.kind != "executable":
                found.add("?")  # an entrypoint not found: its imports are unknown
    by_image = _runtimes_by_image(ws)
    seen: set[tuple[str, int, int]] = set()
    for key, deps in sorted(ws.image_deps.items()):
        if deps.unknown or key not in runs or "?" in runs[key] or not uses.get(key):
            continue
        imported: set[str] = set()
        modules = [use.module for use in uses[key]]
        for ctr in by_image.get(key, ()):
            modules += [e.target for e in ctr.runtime.imports if e.status == "third-party"]
        for module in modules:
            imported |= mm.providers(module)
        for declared in deps.declared:
            name = declared.normalized
            requirement = declared.requirement
            where = (declared.path, requirement.line, requirement.col)
            if (
                name in imported
                or any(declared_by_spelling(m, (name,), mm.namespaces) for m in modules)
                or name in runs[key]
                or name in _RUN_NOT_IMPORTED
                or name in deps.brought
                or declared.path == deps.image.dockerfile
                or where in seen
                or declared.resolver_pin
            ):
                continue
            seen.add(where)
            yield ctx.diagnostic(
                declared.path,
                requirement.line,
                requirement.col,
                f"{requirement.name} is installed but no code the image runs imports it",
                evidence=deps.evidence(),
            )
