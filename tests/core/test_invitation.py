"""Randomised encouragement: invited streets join more; without invitations nothing changes."""

from __future__ import annotations

import numpy as np

from sim.engine import Engine
from sim.scenario import Scenario

BASE = {
    "days": 120,
    "burn_in_days": 0,
    "areas": [{"name": "a", "streets": 12, "groups": 2, "coverage": 1.0}],
    "membership": {"join_rate": 0.002, "initial_participation": 0.1},
}


def _joined_by_street(overrides: dict, seed: int) -> tuple[np.ndarray, np.ndarray]:
    data = {**BASE, "membership": {**BASE["membership"], **overrides}}
    eng = Engine(Scenario.model_validate(data), np.random.default_rng(seed))
    start = eng.state.member.copy()
    eng.run(120)
    new = eng.state.member & ~start
    pop = eng.pop
    joined = np.bincount(pop.street[new], minlength=pop.n_streets)
    eligible = np.bincount(pop.street[~start], minlength=pop.n_streets)
    return joined / np.maximum(eligible, 1), eng.state.invited_street


def test_invited_streets_join_more_on_paired_seeds():
    for seed in range(3):
        share, invited = _joined_by_street(
            {"invited_share": 0.5, "invitation_boost": 4.0, "invitation_day": 0}, seed
        )
        assert invited.sum() == 6  # half of the 12 covered streets
        assert share[invited].mean() > 2 * share[~invited].mean()


def test_a_boost_of_one_changes_nobody_s_chance():
    """With boost 1 the invitation draw is the only difference: joining rates stay the same."""
    plain = np.mean([_joined_by_street({}, s)[0].mean() for s in range(4)])
    boosted = np.mean(
        [
            _joined_by_street({"invited_share": 0.5, "invitation_boost": 1.0}, s)[0].mean()
            for s in range(4)
        ]
    )
    assert abs(boosted - plain) < 0.25 * plain
    share, invited = _joined_by_street({}, 0)
    assert not invited.any()
