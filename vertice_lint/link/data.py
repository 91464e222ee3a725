"""The JSON data files shipped in vertice_lint/data, read once: the one reader link/ uses."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


@functools.cache
def data_file(name: str) -> Any:
    """The parsed JSON file `name` of vertice_lint/data (shared: do not mutate it)."""
    return json.loads(resources.files("vertice_lint.data").joinpath(name).read_text("utf-8"))
