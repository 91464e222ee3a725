"""The typed rule registry against the catalog: one check per built-in rule, none without one."""

from __future__ import annotations

import inspect

from vertice_lint.catalog import load_catalog
from vertice_lint.checks.declarative import declarative_rule
from vertice_lint.checks.registry import AFTER_FILTER, RULES, WITHOUT_LINK
from vertice_lint.engine import check_of


def test_every_rule_of_the_catalog_has_one_check_and_no_check_lacks_a_rule() -> None:
    catalog = load_catalog()
    coded = {rule_id for rule_id, meta in catalog.items() if not meta.declarative}
    assert set(RULES) == coded


def test_declarative_rules_run_on_the_declarative_engine() -> None:
    for meta in load_catalog().values():
        assert check_of(meta) is (declarative_rule if meta.declarative else RULES[meta.id])


def test_checks_live_in_checks_and_are_named_after_their_rule() -> None:
    catalog = load_catalog()
    for rule_id, check in RULES.items():
        module = inspect.getmodule(check)
        assert module is not None and module.__name__.startswith("vertice_lint.checks."), rule_id
        assert check.__name__ == catalog[rule_id].name.replace("-", "_"), rule_id


def test_phase_sets_name_known_rules() -> None:
    assert set(RULES) >= AFTER_FILTER
    assert set(RULES) >= WITHOUT_LINK
