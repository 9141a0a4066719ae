"""Scale (issue 11, item 8): the same neighbourhood composition gives the same shares and
per-member rates at different numbers of residents, because the page adds groups with the
streets; with a fixed number of groups the named mechanism — bigger groups, more alerts per
member — makes members more worried."""

from __future__ import annotations

import numpy as np

from sim.app.session import scale_population
from sim.engine import simulate
from sim.scenario import load_scenario

SEEDS = range(3)


def _short(residents: int, fixed_groups: bool = False):
    base = load_scenario("scenarios/baseline.toml").with_overrides(
        {"days": 400, "burn_in_days": 200, "survey.waves": []}
    )
    scn = scale_population(base, residents)
    if fixed_groups:
        scn = scn.with_overrides({f"areas.{i}.groups": a.groups for i, a in enumerate(base.areas)})
    return scn


def _means(scn, keys):
    rows = [simulate(scn, seed=s).summary() for s in SEEDS]
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


def test_shares_do_not_drift_with_the_number_of_residents():
    keys = ("participation", "unsafe_members", "unsafe_nonmembers", "alerts_per_group_month")
    small, large = _means(_short(2000), keys), _means(_short(8000), keys)
    assert abs(small["participation"] - large["participation"]) < 0.015
    assert abs(small["unsafe_members"] - large["unsafe_members"]) < 0.06
    assert abs(small["unsafe_nonmembers"] - large["unsafe_nonmembers"]) < 0.04
    # groups keep their size, so they post about as many alerts each
    ratio = large["alerts_per_group_month"] / small["alerts_per_group_month"]
    assert 0.7 < ratio < 1.4


def test_fixed_number_of_groups_makes_bigger_groups_and_more_worried_members():
    keys = ("members_per_group", "worry_members")
    scaled, fixed = _means(_short(8000), keys), _means(_short(8000, fixed_groups=True), keys)
    assert fixed["members_per_group"] > 2 * scaled["members_per_group"]
    assert fixed["worry_members"] > scaled["worry_members"]
