"""The rules: each a function of the Workspace (a check) that compares facts of the model and
yields diagnostics. The registry, `checks.registry.RULES`, maps each catalog id to its check.

A check never reads or parses files, and never derives a fact another rule could need: it asks
the model (`vertice_lint.model`) and yields diagnostics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vertice_lint.catalog import RuleMeta
from vertice_lint.diagnostics import Diagnostic, Evidence, Fix, Severity
from vertice_lint.suppress import Suppression

if TYPE_CHECKING:
    from vertice_lint.model import Workspace


@dataclass(frozen=True)
class CheckContext:
    """What a check knows about itself (its catalog entry) and, for a rule that judges the
    suppressions (VL002), what the filter did: the suppressions, with the codes of each that
    suppressed nothing this run."""

    meta: RuleMeta
    idle_suppressions: tuple[tuple[Suppression, tuple[str, ...]], ...] = ()

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
