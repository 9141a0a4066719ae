"""Fear as a contagious state (issue 11, item 3): with ``contagion.model = "opinion"`` fear
travels beyond those who saw, suffered or read something, and is adopted more readily than
calm; with ``"event"`` (the default) it goes one hop."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import breadth_first_order, shortest_path

from sim import rules
from sim.engine import Engine
from sim.scenario import load_scenario


def _no_responses() -> rules.Responses:
    e = np.zeros(0, dtype=np.int64)
    none = np.zeros(0, bool)
    return rules.Responses(e, e, e, e, none, none, none, 0, confronted=none)


def _far_worry_change(model: str, days: int = 20) -> tuple[float, int]:
    """Mean change in worry of non-members more than two hops from one victim, against the
    same days without the victim (paired: same neighbourhood, same starting worry)."""
    scn = load_scenario("scenarios/baseline.toml").with_overrides({"contagion.model": model})
    runs = []
    for with_victim in (True, False):
        eng = Engine(scn, np.random.default_rng(2))
        st, pop = eng.state, eng.pop
        victim = 100
        if with_victim:
            st.worry[victim] = 0.95
            st.shaken[victim] = True
            st.victims_today = np.array([victim])
        for _ in range(days):
            rules.word_of_mouth(pop, st, _no_responses(), scn)
            st.victims_today = np.zeros(0, dtype=np.int64)
        runs.append(st.worry.copy())
    hops = shortest_path(pop.adjacency, unweighted=True, indices=victim)
    far = (hops > 2) & np.isfinite(hops) & ~st.member
    return float((runs[0] - runs[1])[far].mean()), int(far.sum())


def test_opinion_fear_spreads_beyond_two_hops_event_fear_does_not():
    change, n_far = _far_worry_change("opinion")
    assert n_far > 100
    assert change > 0
    event_change, _ = _far_worry_change("event")
    assert event_change == 0.0


def test_fear_is_adopted_more_readily_than_calm():
    indptr = np.array([0, 1, 2])
    indices = np.array([1, 0])  # two residents who know each other
    rates = np.array([1.0, 0.1, 0.03])
    up, down = np.array([0.3, 0.5]), np.array([0.3, 0.1])
    rules._opinion(indptr, indices, up, rates)
    rules._opinion(indptr, indices, down, rates)
    assert up[0] - 0.3 > 0.3 - down[0] > 0


@pytest.mark.parametrize("model", ["event", "opinion"])
def test_victimisation_raises_neighbours_worry(model):
    scn = load_scenario("scenarios/baseline.toml").with_overrides({"contagion.model": model})
    after = []
    for with_victim in (True, False):
        eng = Engine(scn, np.random.default_rng(4))
        st, pop = eng.state, eng.pop
        ties = breadth_first_order(pop.adjacency, 7, return_predecessors=False)[1:4]
        if with_victim:
            st.worry[7], st.shaken[7], st.victims_today = 0.95, True, np.array([7])
        rules.word_of_mouth(pop, st, _no_responses(), scn)
        after.append(st.worry[ties].copy())
    assert (after[0] > after[1]).all()
