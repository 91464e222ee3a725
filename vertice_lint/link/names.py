"""The names a service or an image goes by, normalised so that they can be compared."""

from __future__ import annotations

from vertice_lint.model import Service


def norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


# Directory names that say how a service is laid out, not which service it is
# (`src/cartservice/src/Dockerfile` is the cartservice).
LAYOUT_DIRS = frozenset({"src", "app", "docker", "build", "source", "dockerfiles"})


def service_words(service: Service) -> set[str]:
    """The names an image of this service may go by: the service's name, its directory's
    name, and the parent directory's when that name is a layout word (`src`)."""
    parts = [p for p in service.directory.split("/") if p]
    words = {norm(service.name)}
    if parts:
        words.add(norm(parts[-1]))
    if len(parts) >= 2 and parts[-1].lower() in LAYOUT_DIRS:
        words.add(norm(parts[-2]))
    return words
