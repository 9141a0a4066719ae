"""Joining draws each candidate with exactly their join chance, thinned or not, with and
without the boosts from recent victimisation, crime on the street and a burglary wave.

``join_groups`` picks candidates with a bound on anyone's chance and keeps them with
chance / bound (thinning) unless selection is strong; both must give every non-member on a
covered street exactly the probability of the ODD's formula. The expectation here is computed
independently, in NumPy, from that formula.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import rules
from sim.engine import Engine, simulate
from sim.scenario import load_scenario
from tests.core.helpers import paired_greater, scenario

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
    recent = st.day - mb.recent_days
    victim = st.last_victim_day[cand] > recent
    street_crime = st.street_crime_day[eng.pop.street[cand]] > recent
    households = np.bincount(eng.pop.area_of_street, eng.pop.households_of_street)
    per_1000 = 1000 * st.area_burglaries.sum(axis=0) / households
    wave = per_1000[eng.pop.group_area[g]] >= mb.wave_burglaries
    p = (
        mb.join_rate
        * (mb.recruitment_floor + f["recruitment"][g])
        * (1 + mb.local_problem_join * f["local_problem"][g])
        * (1 + mb.municipal_invitation * f["municipal_coordination"][g])
        * (1 + mb.wave_join * wave)
        * (1 + mb.social_influence * share)
        * weight
        * (1 + mb.victim_join * victim)
        * (1 + mb.street_crime_join * street_crime)
    )
    return cand, np.minimum(p, 1.0)


#: Recent events on: a recent victim joins 3 × as readily, after a crime on the street 2 ×,
#: and every group is in a wave (threshold 0); the smaller base rate keeps the thinning on.
EVENTS = {
    "membership__victim_join": 2.0,
    "membership__street_crime_join": 1.0,
    "membership__wave_join": 1.0,
    "membership__wave_burglaries": 0.0,
    "membership__join_rate": 0.0002,
    "membership__recent_days": 365,
}


@pytest.mark.parametrize(
    "selection_worry, events, thinned", [(0.0, False, True), (4.0, False, False), (0.0, True, True)]
)
def test_each_candidate_joins_with_their_chance(selection_worry, events, thinned, monkeypatch):
    settings = {
        "membership__selection_worry": selection_worry,
        "membership__join_rate": 0.002,
        "factors__size_cap": 256,
    }
    scn = scenario(**{**settings, **(EVENTS if events else {})})
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
    recent_victim = (st.last_victim_day[cand] > st.day - scn.membership.recent_days).astype(float)
    assert recent_victim.sum() > 8 or not events
    for weight in (np.ones(len(cand)), st.worry[cand], recent_victim):
        expected = (weight * p).sum() * calls
        se = np.sqrt((weight**2 * p * (1 - p)).sum() * calls)
        assert abs((weight * joined[cand]).sum() - expected) < 4 * se, (expected, se)
    assert joined[np.setdiff1d(np.arange(st.member.size), cand)].sum() == 0
    # the path taken is the one intended: thinning unless selection makes the bound large
    assert all(np.isfinite(bounds)) == thinned


def joining_record(scn, seed: int, monkeypatch, days: int = 200) -> dict[str, float]:
    """Over ``days`` days: the share of recent victims among new joiners and among the
    candidates (non-members on covered streets) at that moment, and the mean worry of both."""
    tally = np.zeros(6)  # joiners, recent victims among them, their worry; same for candidates
    original = rules.join_groups

    def recording(pop, st, scn_, rng):
        cand = np.flatnonzero(~st.member & (st.resident_group >= 0))
        victim = st.last_victim_day > st.day - scn_.membership.recent_days
        before = st.member.copy()
        worry = st.worry.copy()
        n = original(pop, st, scn_, rng)
        new = np.flatnonzero(st.member & ~before)
        tally[:3] += [len(new), victim[new].sum(), worry[new].sum()]
        tally[3:] += [len(cand), victim[cand].sum(), worry[cand].sum()]
        return n

    monkeypatch.setattr(rules, "join_groups", recording)
    Engine(scn, np.random.default_rng(seed)).run(days)
    monkeypatch.setattr(rules, "join_groups", original)
    return {
        "victims_joiners": tally[1] / tally[0],
        "victims_candidates": tally[4] / tally[3],
        "worry_gap": tally[2] / tally[0] - tally[5] / tally[3],
    }


def test_recent_victims_join_more_and_joiners_are_then_more_worried(monkeypatch):
    """Selection of the other sign: with victim-driven joining on, recent victims are
    over-represented among new joiners and joiners are more worried than the non-members
    they leave behind; off (F12's calm selection only), joiners are calmer."""
    base = dict(membership__join_rate=0.002, factors__size_cap=256)
    off, on = scenario(**base), scenario(**base, membership__victim_join=8.0)
    seeds = range(4)
    rec_off = [joining_record(off, s, monkeypatch) for s in seeds]
    rec_on = [joining_record(on, s, monkeypatch) for s in seeds]
    for key in ("victims_joiners", "worry_gap"):
        a = np.array([r[key] for r in rec_on])
        b = np.array([r[key] for r in rec_off])
        assert paired_greater(a, b), (key, a, b)
    for r in rec_on:
        assert r["victims_joiners"] > 2 * r["victims_candidates"]
    assert np.mean([r["worry_gap"] for r in rec_on]) > 0  # despite F12's calm selection
    assert np.mean([r["worry_gap"] for r in rec_off]) < 0  # F12: the calm join


def test_a_burglary_wave_brings_more_joiners():
    wave = load_scenario("scenarios/mechanisms/burglary_wave_group.toml").with_overrides(
        {
            "areas.1.group_start_day": 0,
            "areas.1.found_after_burglaries": 0.0,
            "days": 500,
            "survey.waves": [],
        }
    )
    off = wave.with_overrides({"membership.wave_join": 0.0})

    def joined(scn, seed):
        return simulate(scn, seed=seed).daily.set_index("day")["joined"].loc[420:460].sum()

    a = np.array([joined(wave, s) for s in range(6)])
    b = np.array([joined(off, s) for s in range(6)])
    assert paired_greater(a, b), (a, b)
