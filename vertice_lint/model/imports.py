"""The repository's Python files as the import analysis looks them up: where a dotted module
exists anywhere in the repository (to say "it is in the repository, not in the image") and
which names of a package are submodules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RepoIndex:
    """Where a dotted module exists anywhere in the repository (built once by link).

    `modules` are the Python files that parsed (what an import can be resolved to), indexed by
    their last one or two path components in `by_tail`; `python_dirs` every directory with a
    `.py` file at any depth and `python_files` every `.py` path, parsed or not (a submodule
    exists even when its file does not parse).
    """

    modules: frozenset[str] = frozenset()
    by_tail: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    python_files: frozenset[str] = frozenset()
    python_dirs: frozenset[str] = frozenset()

    def find(self, dotted: str) -> tuple[str, ...]:
        """The repository files a dotted module could be, shallowest first."""
        parts = dotted.split(".")
        found = []
        for tail, suffix in (
            (parts[-1] + ".py", "/".join(parts) + ".py"),
            (parts[-1] + "/__init__.py", "/".join(parts) + "/__init__.py"),
        ):
            for path in self.by_tail.get(tail, ()):
                if path == suffix or path.endswith("/" + suffix):
                    found.append(path)
        return tuple(sorted(found, key=lambda p: (p.count("/"), p)))

    def in_package(self, candidate: str, dotted: str) -> bool:
        """Whether the directory a candidate would have to be imported from is a package.

        `src/config/celery.py` is `celery` only from `src/config/`, a regular package: it is
        the module `config.celery`, and `import celery` means another (installed) module.
        """
        depth = dotted.count(".") + (2 if candidate.endswith("/__init__.py") else 1)
        root = "/".join(candidate.split("/")[:-depth])
        return bool(root) and f"{root}/__init__.py" in self.modules

    def has_submodule(self, package_dir: str, name: str) -> bool:
        """Whether `name` is a module or a (possibly namespace) subpackage of the package
        whose directory is `package_dir`: `name.py`, or a directory with Python files."""
        sub = f"{package_dir}/{name}" if package_dir else name
        return f"{sub}.py" in self.python_files or sub in self.python_dirs


def module_root(candidate: str, dotted: str) -> str | None:
    """The repository directory a file is module `dotted` relative to (None: it is not that
    module): `svc/app/db.py` is `app.db` relative to `svc`."""
    rel = "/".join(dotted.split("."))
    for tail in (rel + ".py", rel + "/__init__.py"):
        if candidate == tail:
            return ""
        if candidate.endswith("/" + tail):
            return candidate[: -len(tail) - 1]
    return None
