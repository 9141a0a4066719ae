"""Joining draws each candidate with exactly their join chance, thinned or not.

``join_groups`` picks candidates with a bound on anyone's chance and keeps them with
chance / bound (thinning) unless selection is strong; both must give every non-member on a
covered street exactly the probability of the ODD's formula. The expectation here is computed
independently, in NumPy, from that formula.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import rules
from sim.engine import Engine
from tests.core.helpers import scenario

SNAPSHOT = ("member", "members_per_group", "member_ties", "fatigue")


def join_chances(eng: Engine) -> tuple[np.ndarray, np.ndarray]:
    """Candidates and their chance to join today (docs/odd.md, join_groups)."""
    st, scn, f = eng.state, eng.scenario, eng.state.factors
    mb = scn.membership
    cand = np.flatnonzero(~st.member & (st.resident_group >= 0))
    g = st.resident_group[cand]
    beta = np.array([mb.selection_worry, mb.selection_efficacy, mb.selection_cohesion])
    traits = eng.pop.traits
    x = np.stack([st.worry[cand], st.efficacy[cand], st.cohesion[cand]])
    mean = np.array([traits[k].mean() for k in ("worry", "efficacy", "cohesion")])
    sd = np.array([traits[k].std() for k in ("worry", "efficacy", "cohesion")])
    weight = np.exp(beta @ ((x - mean[:, None]) / sd[:, None]) - beta @ beta / 2)
    share = st.member_ties[cand] / np.maximum(st.degree[cand], 1)
    p = (
        mb.join_rate
        * (0.5 + f["recruitment"][g])
        * (1 + f["local_problem"][g])
        * (1 + 0.5 * f["municipal_coordination"][g])
        * (1 + mb.social_influence * share)
        * weight
    )
    return cand, np.minimum(p, 1.0)


@pytest.mark.parametrize("selection_worry, thinned", [(0.0, True), (4.0, False)])
def test_each_candidate_joins_with_their_chance(selection_worry, thinned, monkeypatch):
    scn = scenario(
        membership__selection_worry=selection_worry,
        membership__join_rate=0.002,
        factors__size_cap=256,
    )
    eng = Engine(scn, np.random.default_rng(3))
    eng.run(40)
    st = eng.state
    cand, p = join_chances(eng)
    saved = {k: getattr(st, k).copy() for k in SNAPSHOT}
    bounds = []
    kernel = rules._joiners
    monkeypatch.setattr(rules, "_joiners", lambda *a: bounds.append(a[-1]) or kernel(*a))
    calls = 3000
    joined = np.zeros(st.member.size)
    for k in range(calls):
        rules.join_groups(eng.pop, st, scn, np.random.default_rng(1000 + k))
        joined += st.member & ~saved["member"]
        for name, value in saved.items():
            getattr(st, name)[:] = value
        st._members = None
    # how many join, and who: the worried and the calm weigh in as the formula says
    for weight in (np.ones(len(cand)), st.worry[cand]):
        expected = (weight * p).sum() * calls
        se = np.sqrt((weight**2 * p * (1 - p)).sum() * calls)
        assert abs((weight * joined[cand]).sum() - expected) < 4 * se, (expected, se)
    assert joined[np.setdiff1d(np.arange(st.member.size), cand)].sum() == 0
    # the path taken is the one intended: thinning unless selection makes the bound large
    assert all(np.isfinite(bounds)) == thinned
