"""Differential test: the vectorised engine against the per-agent reference model.

Both build the same neighbourhood for a seed and then run on independent random streams, so
each key output is compared with a paired two-sample test over the seeds (see
:mod:`tests.reference.differential`). The whole suite has a family-wise false-alarm rate of at
most 1 %: each of the scenarios is tested at α = 0.01 / (number of scenarios) with Holm's
correction over its key outputs. With fixed seeds the outcome is deterministic; the 1 % is the
chance that a correct pair of implementations fails for an unlucky choice of seeds.

Fast tier (default run): each scenario shrunk to 5 streets per area and 150 days, 20 seeds.
Slow tier (``-m slow``): the scenario files as shipped, 30 seeds each.

The detection tests change one rule in the reference only and require the suite to notice:
dropping the bystander discount is caught by the fast tier; doubling the worry an alert
causes is subtler (in the shrunk neighbourhoods groups are one or two streets and post few
alerts: members' worry differs at p ≈ 2·10⁻⁴, not enough after correcting for 48 outputs at
α = 0.01/7), so it is checked at full size in the slow tier.
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


def test_suite_detects_the_bystander_rule_changed_in_the_reference_only(pool):
    table = compare(shrink(load("baseline"), **FAST), FAST_SEEDS, NoBystanderEffect, pool=pool)
    flagged = set(table.loc[table["rejected"], "metric"])
    # Without the bystander discount witnesses call far more often: reports and the share of
    # crimes reported must be among the outputs that differ.
    assert {"total_reports_112", "reported_share"} & flagged, (
        "the differential suite did not notice NoBystanderEffect:\n"
        + table.sort_values("p").head(5).to_string()
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_engine_agrees_with_reference_full(name, pool):
    table = compare(load(name), SLOW_SEEDS, pool=pool)
    assert not table["rejected"].any(), describe(table, name)


@pytest.mark.slow
def test_full_suite_detects_doubled_alert_worry(pool):
    table = compare(load("baseline"), SLOW_SEEDS, DoubledAlertWorry, pool=pool)
    flagged = set(table.loc[table["rejected"], "metric"])
    assert "worry_members" in flagged, table.sort_values("p").head(5).to_string()
