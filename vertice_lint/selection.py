"""Which rules run: the command line's selectors over the configuration's (as in ruff).

Kept apart from the engine so that a run answered from the cache (cache.py) decides its
selection without importing the linker."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vertice_lint.catalog import RuleMeta
from vertice_lint.config import Config


@dataclass(frozen=True)
class Selection:
    """Rule selectors from the command line; None means "as the config says"."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def matches(selector: str, meta: RuleMeta) -> bool:
    """Whether a selector (an id, an id prefix, a name, ALL) picks the rule."""
    return (
        selector == "ALL"
        or (meta.id.startswith(selector) and selector.startswith("VL"))
        # a user rule's prefix (ACME, ACME0, ACME001), never a part of it (AC)
        or (
            meta.id.startswith(selector)
            and selector.rstrip("0123456789") == meta.id.rstrip("0123456789")
        )
        or selector == meta.name
    )


def enabled_rules(
    catalog: Mapping[str, RuleMeta], config: Config, cli: Selection
) -> tuple[set[str], list[str]]:
    """The ids of the rules that run (as in ruff: select replaces, extend-select adds, ignore
    removes).

    Returns the ids and the selectors that matched no rule (a usage error on the command line).
    """
    unknown: list[str] = []

    def pick(selectors: Sequence[str]) -> set[str]:
        ids = set()
        for sel in selectors:
            hits = {rid for rid, meta in catalog.items() if matches(sel, meta)}
            if not hits:
                unknown.append(sel)
            ids |= hits
        return ids

    select = cli.select if cli.select is not None else config.select
    default = {rid for rid, meta in catalog.items() if meta.enabled}
    ids = default if select is None else pick(select)
    ids |= pick(config.extend_select) | pick(cli.extend_select)
    ids -= pick(config.ignore) | pick(cli.ignore)
    return ids, unknown


# What the command line runs whatever the selection, unless ignored: a file that does not
# parse and a broken config (as ruff reports syntax errors), so that a `--select VL801` run
# never passes a YAML it cannot read
ALWAYS = ("VL001", "VL003")


__all__ = ["ALWAYS", "Selection", "enabled_rules", "matches"]
