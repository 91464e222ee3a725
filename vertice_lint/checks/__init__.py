"""The rule registry: each catalog entry names its check, a function of the Workspace.

A check never reads or parses files; it asks the model and yields diagnostics.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vertice_lint.catalog import RuleMeta
from vertice_lint.diagnostics import Diagnostic, Evidence, Fix, Severity

if TYPE_CHECKING:
    from vertice_lint.model import Workspace


@dataclass(frozen=True)
class CheckContext:
    """What a check knows about itself: its catalog entry."""

    meta: RuleMeta

    def diagnostic(
        self,
        path: str,
        line: int,
        col: int,
        message: str,
        *,
        evidence: Iterable[Evidence] = (),
        fix: Fix | None = None,
        severity: Severity | None = None,
        end_line: int | None = None,
        end_col: int | None = None,
    ) -> Diagnostic:
        """A diagnostic of this rule (severity defaults to the catalog's)."""
        return Diagnostic(
            rule=self.meta.id,
            path=path,
            line=line,
            col=col,
            message=message,
            severity=severity or self.meta.severity,
            evidence=tuple(evidence),
            fix=fix,
            end_line=end_line,
            end_col=end_col,
            name=self.meta.name,
        )


Check = Callable[["Workspace", CheckContext], Iterable[Diagnostic]]


def load_check(meta: RuleMeta) -> Check | None:
    """The check function a catalog entry names (`module:function`), or None for none."""
    if not meta.check:
        return None
    module_name, _, func_name = meta.check.partition(":")
    if not module_name.startswith("vertice_lint."):
        raise ValueError(f"{meta.id}: check {meta.check!r} is not part of vertice_lint")
    module = importlib.import_module(module_name)
    func: Check = getattr(module, func_name)
    return func
