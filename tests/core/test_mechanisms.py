"""Each mechanism moves outcomes the right way against its counterfactual (common seeds)."""

from __future__ import annotations

import numpy as np

from sim import rules
from sim.engine import Engine
from tests.core.helpers import outcomes, paired_greater, scenario


def test_alerts_raise_readers_worry():
    on, off = scenario(), scenario(messages__exposure=0.0)
    assert paired_greater(outcomes(on, "worry_members"), outcomes(off, "worry_members"))
    # Non-members do not read the group: their worry moves far less than members'.
    d_mem = (outcomes(on, "worry_members") - outcomes(off, "worry_members")).mean()
    d_non = (outcomes(on, "worry_nonmembers") - outcomes(off, "worry_nonmembers")).mean()
    assert abs(d_non) < d_mem / 3


def test_feedback_raises_willingness_and_proximity():
    fb = scenario(factors__police_feedback=0.9, factors__feedback_delay_hours=12.0)
    none = scenario(factors__police_feedback=0.0)
    for key in ("willingness_members", "proximity_members"):
        assert paired_greater(outcomes(fb, key), outcomes(none, key)), key


def test_no_feedback_lowers_willingness_over_time():
    import sim.engine

    scn = scenario(factors__police_feedback=0.0, factors__active_admin=0.0)
    drops = []
    for seed in range(4):
        daily = sim.engine.simulate(scn, seed=seed).daily
        start = daily["willingness_nonmembers"].iloc[:30].mean()
        end = daily["willingness_nonmembers"].iloc[-60:].mean()
        drops.append(start - end)
    assert np.mean(drops) > 0 and min(drops) > -0.005
    # ... and the penalty is the cause: without it willingness does not fall.
    calm = scenario(
        factors__police_feedback=0.0, factors__active_admin=0.0, messages__no_feedback_penalty=0.0
    )
    assert paired_greater(
        outcomes(calm, "willingness_nonmembers"), outcomes(scn, "willingness_nonmembers")
    )


def test_chatter_without_rules_raises_leaving():
    loose = scenario(
        factors__group_rules=0.0, factors__active_admin=0.0, messages__chatter_rate=0.05
    )
    strict = scenario(
        factors__group_rules=1.0, factors__active_admin=0.0, messages__chatter_rate=0.05
    )
    assert paired_greater(
        outcomes(loose, "chatter_per_group_month"), outcomes(strict, "chatter_per_group_month")
    )
    # Leaving shows as lower membership under chatter (same recruitment, same seeds).
    assert paired_greater(
        outcomes(strict, "members_per_group"), outcomes(loose, "members_per_group")
    )


def test_deterrence_lowers_crime_on_covered_streets():
    scn = scenario("tilburg_style")
    eng = Engine(scn, np.random.default_rng(0))
    rate_with = rules.crime_rate(eng.pop, eng.state, scn)
    eng.state.leave(np.flatnonzero(eng.state.member))  # nobody in a group: no deterrence
    rate_without = rules.crime_rate(eng.pop, eng.state, scn)
    covered = eng.pop.group_of_street >= 0
    assert (rate_with[covered] < rate_without[covered]).all()
    # In whole runs: crime falls with deterrence switched on.
    no_det = scenario("tilburg_style", crime__deterrence=0.0)
    assert paired_greater(outcomes(no_det, "crimes_per_1000"), outcomes(scn, "crimes_per_1000"))


def test_displacement_moves_crime_to_uncovered_streets():
    scn = scenario(factors__signs=True)
    eng = Engine(scn, np.random.default_rng(0))
    uncovered = eng.pop.group_of_street < 0
    with_disp = rules.crime_rate(eng.pop, eng.state, scn)
    no_disp = rules.crime_rate(eng.pop, eng.state, scn.with_overrides({"crime.displacement": 0.0}))
    assert (with_disp[uncovered] >= no_disp[uncovered]).all()
    assert with_disp[uncovered].sum() > no_disp[uncovered].sum()
    coordinated = scn.with_overrides({"factors.municipal_coordination": True})
    eng.state.factors["municipal_coordination"][:] = 1.0
    assert np.allclose(
        rules.crime_rate(eng.pop, eng.state, coordinated)[uncovered], no_disp[uncovered]
    )


def test_bystander_discount_lowers_calls_per_witness():
    scn = scenario("no_groups")
    eng = Engine(scn, np.random.default_rng(1))
    street = np.zeros(4000, dtype=np.int64)
    ev = rules.Events(
        street=street,
        kind=np.zeros(4000, dtype=np.int64),
        in_progress=np.ones(4000, bool),
        victim=np.full(4000, -1),
    )
    size = int(eng.pop.street_size[0])
    rates = []
    for k in (1, 3, min(8, size)):
        we = np.repeat(np.arange(4000), k)
        wr = np.tile(np.arange(k), 4000)
        resp = rules.respond(eng.pop, eng.state, ev, we, wr, scn, np.random.default_rng(2))
        rates.append(len(resp.caller) / len(wr))
    assert rates[0] > rates[1] > rates[2]


def test_selection_sign_decides_who_joins():
    from sim.engine import simulate

    def day0_gap(coef: float) -> float:
        scn = scenario(
            membership__selection_worry=coef,
            membership__selection_efficacy=0.0,
            membership__selection_cohesion=0.0,
            messages__exposure=0.0,
        )
        gaps = [simulate(scn, seed=s, days=1).daily.iloc[0] for s in range(4)]
        return float(np.mean([g["worry_members"] - g["worry_nonmembers"] for g in gaps]))

    assert day0_gap(1.0) > 0.02
    assert day0_gap(-1.0) < -0.02
    assert abs(day0_gap(0.0)) < 0.015


def test_saar_signal_cuts_duplicate_calls_from_members():
    trained = scenario(factors__saar_training=1.0)
    untrained = scenario(factors__saar_training=0.0)
    assert paired_greater(
        outcomes(untrained, "confrontations_per_year"), outcomes(trained, "confrontations_per_year")
    )


def test_recognition_training_cuts_false_alarms():
    trained = scenario(factors__recognition_training=1.0)
    untrained = scenario(factors__recognition_training=0.0)
    assert paired_greater(
        outcomes(untrained, "alerts_per_group_month"), outcomes(trained, "alerts_per_group_month")
    )


def test_vigilantism_guard_cuts_stigmatising_posts():
    guarded = scenario(factors__vigilantism_guard=1.0)
    open_ = scenario(factors__vigilantism_guard=0.0)
    assert paired_greater(
        outcomes(open_, "stigmatising_share"), outcomes(guarded, "stigmatising_share")
    )
