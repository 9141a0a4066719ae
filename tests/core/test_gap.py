"""The participant gap: absent without groups, present in the baseline through exposure."""

from __future__ import annotations

import numpy as np

from sim.engine import simulate
from sim.survey import gaps
from tests.core.helpers import SEEDS, outcomes, scenario


def test_no_groups_has_no_participant_gap():
    scn = scenario("no_groups")
    r = simulate(scn, seed=0)
    assert r.daily["members"].eq(0).all()
    assert np.isnan(r.summary()["unsafe_gap"])
    assert not r.survey["participant"].any()
    assert gaps(r.survey)["gap"].isna().all()


def test_baseline_members_feel_less_safe_with_exposure():
    scn = scenario()
    gap = outcomes(scn, "unsafe_gap")
    assert gap.mean() > 0.02 and (gap > 0).sum() >= len(SEEDS) - 1
    # The survey sees it too, pooled over seeds (as pooled field rounds would).
    pooled = []
    for seed in SEEDS:
        g = gaps(simulate(scn, seed=seed).survey)
        pooled.append(g.query("wave == 'post' and indicator == 'pct_unsafe'")["gap"].iloc[0])
    assert np.mean(pooled) > 0


def test_with_exposure_off_selection_alone_makes_members_calmer():
    scn = scenario(messages__exposure=0.0)  # baseline selection: calmer residents join (F12)
    assert (outcomes(scn, "unsafe_gap") < 0).all()
