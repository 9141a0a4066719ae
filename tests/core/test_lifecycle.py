"""Groups that start, grow, go quiet and end during a run (docs/odd.md: found_groups,
end_groups, attention), on paired seeds."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import Engine, simulate
from sim.scenario import ScenarioError, load_scenario
from tests.core.helpers import outcomes, paired_greater, scenario

WAVE = "scenarios/mechanisms/burglary_wave_group.toml"


def _run_days(scn, seed, days):
    eng = Engine(scn, np.random.default_rng(seed))
    members, covered = [], []
    for _ in range(days):
        eng.step()
        members.append(eng.state.members_per_group.copy())
        covered.append((eng.state.group_of_street >= 0).sum())
    return eng, np.array(members), np.array(covered)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_group_founded_on_a_day_has_no_members_before_and_members_after(seed):
    scn = scenario(areas__1__group_start_day=100, membership__join_rate=0.002)
    eng, members, covered = _run_days(scn, seed, 200)
    zuid = eng.pop.group_area == 1
    assert members[:100, zuid].sum() == 0
    assert (members[100, zuid] > 0).all()
    assert members[-1, zuid].sum() > members[100, zuid].sum()  # it grows by joining
    # before the start its streets are not covered: alerts and deterrence stay off there
    zuid_streets = (eng.pop.group_of_street >= 0) & np.isin(
        eng.pop.group_of_street, np.flatnonzero(zuid)
    )
    assert covered[99] == (eng.pop.group_of_street >= 0).sum() - zuid_streets.sum()
    assert covered[100] == (eng.pop.group_of_street >= 0).sum()
    groups = eng.group_table()
    assert list(groups.loc[zuid, "start_day"]) == [100, 100]
    assert groups.loc[~zuid, "start_day"].eq(0).all() and groups["end_day"].isna().all()


def test_no_alerts_from_streets_whose_group_has_not_started():
    late = scenario(areas__0__group_start_day=10_000, areas__1__group_start_day=10_000)
    result = simulate(late, seed=2)
    assert result.daily["members"].eq(0).all()
    assert result.daily["posts_alert"].eq(0).all()
    assert result.daily["groups_active"].eq(0).all()


def test_a_burglary_wave_founds_a_group_and_its_absence_does_not():
    wave = load_scenario(WAVE)
    calm = wave.with_overrides({"crime.waves": []})
    zuid = ["Zuid-1", "Zuid-2"]
    for seed in range(3):
        g = simulate(wave, seed=seed, days=600).groups.set_index("group")
        first = wave.crime.waves[0].day
        assert g.loc[zuid, "start_day"].between(first, first + 30).all(), g
        assert g.loc[zuid, "factor_local_problem"].eq(1).all()
        assert g.loc[zuid, "members"].gt(0).all()
        g0 = simulate(calm, seed=seed, days=600).groups.set_index("group")
        assert g0.loc[zuid, "start_day"].isna().all() and g0.loc[zuid, "members"].eq(0).all()


def test_an_ended_group_leaves_its_members_non_members():
    scn = scenario(
        membership__leave_rate=0.02,
        membership__join_rate=0.0,
        lifecycle__min_members=15,
    )
    eng = Engine(scn, np.random.default_rng(4))
    before = {}
    for _ in range(300):
        members = eng.state.member.copy()
        eng.step()
        for g in np.flatnonzero(eng.state.group_end_day == eng.day - 1):
            before[g] = members & (eng.pop.group == g)
    assert before, "no group ended"
    for g, was_member in before.items():
        assert eng.state.members_per_group[g] == 0
        assert not eng.state.member[was_member].any()
        assert not eng.state.admin[eng.pop.group == g].any()
        assert (eng.state.group_of_street[eng.pop.group_of_street == g] == -1).all()
    table = eng.group_table()
    assert table["end_day"].notna().sum() == len(before)


def test_dormant_groups_are_not_read_and_keep_alive_prevents_it():
    quiet = dict(
        factors__group_rules=1.0,
        factors__active_admin=0.0,
        messages__chatter_rate=0.0,
        lifecycle__dormant_after_days=5,
    )
    off = scenario(**{**quiet, "lifecycle__dormant_after_days": 0})
    on = scenario(**quiet)
    # members of muted groups read fewer alerts: less worried than with dormancy off
    assert paired_greater(outcomes(off, "worry_members"), outcomes(on, "worry_members"))
    # a long silence ends the group; a weekly keep-alive message keeps it awake
    ending = scenario(**quiet, lifecycle__end_after_dormant_days=20)
    kept = scenario(**quiet, lifecycle__end_after_dormant_days=20, factors__keep_alive_days=4)
    ended = [simulate(ending, seed=s).groups["end_day"].notna().sum() for s in range(3)]
    assert sum(ended) > 0
    assert all(simulate(kept, seed=s).groups["end_day"].isna().all() for s in range(3))


def test_unfounded_groups_are_a_clear_scenario_error():
    with pytest.raises(ScenarioError, match="found_after_burglaries"):
        scenario(areas__1__group_start_day="on_wave")
    with pytest.raises(ScenarioError, match="found_after_burglaries has no effect"):
        scenario(areas__1__found_after_burglaries=5.0)
    with pytest.raises(ScenarioError, match="crime.waves"):
        scenario().with_overrides({"crime.waves": [{"area": "Oost", "day": 3}]})
