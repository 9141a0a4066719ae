"""Differential test: the vectorised engine against the per-agent reference model.

Both build the same neighbourhood for a seed and then run on independent random streams, so
each key output is compared with a paired two-sample test over the seeds (see
:mod:`tests.reference.differential`). The whole suite has a family-wise false-alarm rate of at
most 1 %: each of the six scenarios is tested at α = 0.01 / 6 with Holm's correction over its
key outputs. With fixed seeds the outcome is deterministic; the 1 % is the chance that a
correct pair of implementations fails for an unlucky choice of seeds.

Fast tier (default run): each scenario shrunk to 5 streets per area and 150 days, 20 seeds.
Slow tier (``-m slow``): the scenario files as shipped, 30 seeds each.
The detection tests change one rule in the reference only and require the suite to notice.
"""

from __future__ import annotations

import pytest

from tests.reference.differential import (
    SCENARIOS,
    compare,
    describe,
    load,
    process_pool,
    shrink,
)
from tests.reference.perturbed import DoubledAlertWorry, NoBystanderEffect

FAST = {"streets": 5, "days": 150}
FAST_SEEDS = range(20)
SLOW_SEEDS = range(1000, 1030)


@pytest.fixture(scope="module")
def pool():
    with process_pool(2) as p:
        yield p


@pytest.mark.parametrize("name", SCENARIOS)
def test_engine_agrees_with_reference(name, pool):
    table = compare(shrink(load(name), **FAST), FAST_SEEDS, pool=pool)
    assert table["p"].notna().sum() >= 20, "too few key outputs could be compared"
    assert not table["rejected"].any(), describe(table, name)


@pytest.mark.parametrize("broken", [DoubledAlertWorry, NoBystanderEffect],
                         ids=["alert_worry_doubled", "no_bystander_effect"])
def test_suite_detects_a_rule_changed_in_the_reference_only(broken, pool):
    table = compare(shrink(load("baseline"), **FAST), FAST_SEEDS, broken, pool=pool)
    assert table["rejected"].any(), (
        f"the differential suite did not notice {broken.__name__}:\n"
        + table.sort_values("p").head(5).to_string())


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_engine_agrees_with_reference_full(name, pool):
    table = compare(load(name), SLOW_SEEDS, pool=pool)
    assert not table["rejected"].any(), describe(table, name)


@pytest.mark.slow
def test_full_suite_detects_doubled_alert_worry(pool):
    table = compare(load("baseline"), SLOW_SEEDS, DoubledAlertWorry, pool=pool)
    assert table["rejected"].any(), table.sort_values("p").head(5).to_string()
