"""`python -m vertice_lint`: the command line.

`python -m` puts the current directory first on `sys.path`, and the current directory is
usually the repository being linted: its `jsonschema.py` or `click/` would be imported in
place of the real ones, running the repository's code. It is taken off the path before
anything else is imported (unless it is where vertice_lint itself is, a checkout of this
project).
"""

import os
import sys


def _without_the_working_directory(path: list[str]) -> list[str]:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cwd = os.path.abspath(os.getcwd())
    return [p for p in path if os.path.abspath(p or os.curdir) != cwd or cwd == here]


sys.path[:] = _without_the_working_directory(sys.path)

from vertice_lint.cli import main  # noqa: E402 - after the path is made safe

main()
