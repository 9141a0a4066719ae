"""The reference model itself: same neighbourhood as the engine, same outputs, reproducible."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine import Engine, simulate
from sim.reference import ReferenceModel, simulate_reference
from sim.scenario import Scenario

SMALL = Scenario(
    days=40,
    burn_in_days=10,
    survey={"waves": [{"label": "w", "day": 39}], "participants": 20, "non_participants": 20},
)


def test_same_seed_builds_the_same_neighbourhood_as_the_engine():
    engine = Engine(SMALL, np.random.default_rng(5))
    ref = ReferenceModel(SMALL, seed=5)
    assert len(ref.residents) == engine.pop.n
    streets = np.array([r.street.index for r in ref.residents])
    assert np.array_equal(streets, engine.pop.street)
    worry = np.array([r.baseline["worry"] for r in ref.residents])
    assert np.array_equal(worry, engine.pop.traits["worry"])
    degree = np.array([len(r.ties) for r in ref.residents])
    assert np.array_equal(degree, np.diff(engine.pop.adjacency.indptr))


def test_reference_gives_the_engines_tables_and_summary():
    e, r = simulate(SMALL, seed=2), simulate_reference(SMALL, seed=2)
    assert list(r.daily.columns) == list(e.daily.columns)
    assert set(r.groups.columns) == set(e.groups.columns)
    assert set(r.survey.columns) == set(e.survey.columns) and len(r.survey) == 40
    assert set(r.summary()) == set(e.summary())
    # Day 0 memberships follow the same selection model and target participation.
    assert abs(r.daily["members"].iloc[0] - e.daily["members"].iloc[0]) < 0.5 * max(
        e.daily["members"].iloc[0], 10
    )


def test_reference_is_reproducible_and_seed_dependent():
    a, b = simulate_reference(SMALL, seed=7), simulate_reference(SMALL, seed=7)
    pd.testing.assert_frame_equal(a.daily, b.daily)
    pd.testing.assert_frame_equal(a.survey, b.survey)
    c = simulate_reference(SMALL, seed=8)
    assert not a.daily.equals(c.daily)


def test_interventions_change_the_reference_groups_on_their_day():
    scn = SMALL.with_overrides(
        {"interventions": [{"day": 20, "areas": [], "set": {"keep_alive_days": 7}}]}
    )
    r = simulate_reference(scn, seed=3)
    keepalive = r.daily.set_index("day")["posts_keepalive"]
    assert keepalive.loc[:19].sum() == 0
    assert keepalive.loc[20:].sum() > 0
