"""Random streams per submodel: counterfactual runs share the chance events they do not change."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine import Engine, simulate
from sim.model import NeighbourhoodModel
from sim.streams import SUBMODELS, spawn_streams
from tests.core.helpers import scenario


def _incident_days(scn, seed: int, days: int) -> list[tuple[np.ndarray, np.ndarray, int, tuple]]:
    """Per day: incident streets and kinds, and what sets tomorrow's crime rates."""
    eng = Engine(scn, np.random.default_rng(seed))
    out = []
    for _ in range(days):
        eng.step()
        out.append(
            (
                eng.today["incident_streets"].copy(),
                eng.today["incident_kinds"].copy(),
                eng.records[-1]["posts_feedback"],
                (tuple(eng.state.members_per_group), tuple(eng.state.arrest_until)),
            )
        )
    return out


def test_feedback_leaves_the_incident_stream_of_a_seed_unchanged():
    """Police feedback changes messages only: as long as membership and arrests (which set the
    crime rates) agree, both runs have the very same incidents on the very same streets."""
    on = scenario(days=60, burn_in=10, factors__police_feedback=1.0)
    off = scenario(days=60, burn_in=10, factors__police_feedback=0.0)
    for seed in (1, 2):
        a, b = _incident_days(on, seed, 60), _incident_days(off, seed, 60)
        assert sum(day[2] for day in a) > sum(day[2] for day in b)
        compared = 0
        for (streets_a, kinds_a, _, rates_a), (streets_b, kinds_b, _, rates_b) in zip(
            a, b, strict=True
        ):
            assert np.array_equal(streets_a, streets_b) and np.array_equal(kinds_a, kinds_b)
            compared += 1
            if rates_a != rates_b:  # from tomorrow on the crime rates may differ
                break
        # feedback posts start within days; the incidents stay the same well past them
        first_feedback = next(k for k, (x, y) in enumerate(zip(a, b, strict=True)) if x[2] != y[2])
        assert compared > first_feedback + 1


def test_streams_depend_on_the_seed_only_and_differ_between_submodels():
    a = spawn_streams(np.random.default_rng(3))
    used = np.random.default_rng(3)
    used.random(100)  # how far the parent was used does not matter
    b = spawn_streams(used)
    c = spawn_streams(np.random.default_rng(4))
    assert set(a) == set(SUBMODELS)
    first = {k: g.random(4) for k, g in a.items()}
    assert all(np.array_equal(first[k], b[k].random(4)) for k in SUBMODELS)
    assert not np.array_equal(first["incidents"], c["incidents"].random(4))
    assert len({v.tobytes() for v in first.values()}) == len(SUBMODELS)
    # a new submodel's stream does not shift the existing ones
    more = spawn_streams(np.random.default_rng(3), ("zzz_new", *SUBMODELS))
    assert np.array_equal(more["police"].random(4), first["police"])


def test_every_way_of_building_a_run_gives_the_same_run():
    scn = scenario(days=30, burn_in=5)
    ref = simulate(scn, seed=5)
    model = NeighbourhoodModel(scn, rng=5, headless=True)
    model.run_for(30)
    pd.testing.assert_frame_equal(model.result().daily, ref.daily)
    pd.testing.assert_frame_equal(model.result().survey, ref.survey)
