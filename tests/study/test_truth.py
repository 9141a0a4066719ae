"""The model's truth: expected answers agree with the survey instrument, and a counterfactual
copy of a run continues exactly as a fresh run of the counterfactual scenario would."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import Engine
from sim.scenario import Survey, validate_scenario
from sim.study.truth import clone_engine, expected_answers, simulate_rounds
from sim.survey import answer
from tests.study.known_answer import scenario_toml


def test_expected_answers_are_the_mean_of_the_survey_instrument():
    rng = np.random.default_rng(3)
    cfg = Survey(noise=0.1)
    worry = rng.uniform(0, 1, 40)
    will, prox = rng.uniform(0, 1, 40), rng.uniform(0, 1, 40)
    draws = 4000
    reps = {k: np.zeros(40) for k in ("pct_unsafe", "pct_often", "safety_grade")}
    reps |= {"report_willingness": np.zeros(40), "gov_proximity": np.zeros(40)}
    for _ in range(draws):
        a = answer(worry, will, prox, cfg, rng)
        reps["pct_unsafe"] += 100 * (a["feel_unsafe"] != "never")
        reps["pct_often"] += 100 * (a["feel_unsafe"] == "often")
        for k in ("safety_grade", "report_willingness", "gov_proximity"):
            reps[k] += a[k]
    expected = expected_answers(worry, will, prox, cfg)
    for k, total in reps.items():
        scale = 100 if k.startswith("pct") else 10
        np.testing.assert_allclose(total / draws, expected[k], atol=0.03 * scale, err_msg=k)


def _scenario(kind: str):
    import tomllib

    return validate_scenario(tomllib.loads(scenario_toml(kind)), kind)


def test_a_cloned_engine_continues_exactly_like_the_original():
    scn = _scenario("exposure")
    a = Engine(scn, np.random.default_rng(9))
    a.run(10)
    b = clone_engine(a)
    a.run(15)
    b.run(15)
    np.testing.assert_array_equal(a.state.levels, b.state.levels)
    np.testing.assert_array_equal(a.state.member, b.state.member)
    assert b.state.worry.base is b.state.levels  # the views point into the copy


def test_no_intervention_counterfactual_equals_a_fresh_run_without_it():
    scn = _scenario("intervention")
    sim = simulate_rounds(scn, 4, [10, 39], ("designed", "no_intervention"))
    fresh = simulate_rounds(
        scn.model_copy(update={"interventions": []}), 4, [10, 39], ("designed",)
    )
    got, want = sim.snapshots["no_intervention"][39], fresh.snapshots["designed"][39]
    np.testing.assert_array_equal(got.worry, want.worry)
    np.testing.assert_array_equal(got.member, want.member)
    # before the intervention day the designed run and its counterfactual are the same run
    np.testing.assert_array_equal(
        sim.snapshots["designed"][10].worry, sim.snapshots["no_intervention"][10].worry
    )
    assert not np.array_equal(sim.snapshots["designed"][39].worry, got.worry)


@pytest.mark.parametrize("kind", ["exposure", "selection"])
def test_a_switched_off_mechanism_has_no_part_of_the_gap(kind):
    from sim.study.truth import truth

    scn = _scenario(kind)
    sim = simulate_rounds(scn, 2, [39])
    t = truth(sim, 39, scn.survey, "pct_unsafe")
    other = "selection" if kind == "exposure" else "exposure"
    assert t[other] == 0.0  # the variant without it is the same run
    assert t[kind] > 5
