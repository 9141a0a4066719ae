"""The compiled day (:mod:`sim.day`) is a twin of ``Engine.step``: the same scenario and seed
give bit-identical daily, group and survey tables whether ordinary days run compiled or every
day runs through the Python rules. Covers the calibration scenarios (with their survey waves
and interventions), the shipped baseline and scenarios that switch the structures and
features the compiled day must follow or leave to Python (opinion contagion, interventions,
invitations, burglary waves founding groups, groups ending, feedback delays, no groups).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import rules
from sim.calibrate.observe import load_calibration_scenarios
from sim.calibrate.targets import load_targets
from sim.engine import Engine, simulate
from sim.logs import Extras
from sim.scenario import load_scenario, resolve_scenario_path


def _assert_same(a, b) -> None:
    for table in ("daily", "groups", "survey"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True)
    assert a.metadata["survey_fieldwork"] == b.metadata["survey_fieldwork"]


def _both(scenario, seed: int, days: int | None = None):
    """Run both ways; the compiled run must have run most of its days compiled."""
    days = scenario.days if days is None else days
    python = simulate(scenario, seed=seed, days=days, compiled_day=False)
    engine = Engine(scenario, np.random.default_rng(seed))
    engine.run(days)
    compiled = engine.result(seed)
    _assert_same(python, compiled)
    assert engine.days_compiled >= days // 2, "the compiled day hardly ran"
    return compiled


def _scenario(name: str, overrides: dict | None = None):
    scn = load_scenario(resolve_scenario_path(name))
    return scn.with_overrides(overrides, "test") if overrides else scn


@pytest.fixture(scope="module")
def calibration_scenarios():
    return load_calibration_scenarios(load_targets())


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("name", ["national", "rotterdam", "tilburg", "tilburg_without_groups"])
def test_calibration_scenarios_are_identical(calibration_scenarios, name, seed):
    result = _both(calibration_scenarios[name], seed)
    assert len(result.daily) == calibration_scenarios[name].days


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_baseline_is_identical(seed):
    _both(_scenario("baseline.toml"), seed, days=400)


@pytest.mark.parametrize(
    ("name", "overrides", "days"),
    [
        ("mechanisms/opinion_contagion.toml", None, 200),
        ("baseline.toml", {"contagion.model": "opinion"}, 150),
        # interventions (a Python day each) and feedback 72 hours late
        ("teaching/oefening5_zwakke_uitvoering.toml", None, 250),
        ("factors/police_feedback.toml", None, 200),
        ("tilburg_style.toml", None, 200),
        # invitations on day 40 (a Python day), then invited streets join more
        (
            "baseline.toml",
            {"membership.invited_share": 0.5, "membership.invitation_day": 40},
            150,
        ),
        # a burglary wave founds a group (a Python day); dormant groups end (compiled)
        ("mechanisms/burglary_wave_group.toml", None, None),
        ("baseline.toml", {"lifecycle.min_members": 40}, 120),
        ("baseline.toml", {"membership.join_rate": 0.05}, 100),  # no thinning, size caps
        ("no_groups.toml", None, 150),
        ("baseline.toml", {"crime.violence_rate": 0.02, "police.arrest_model": "probability"}, 150),
    ],
)
def test_structures_and_features_are_identical(name, overrides, days):
    _both(_scenario(name, overrides), seed=11, days=days)


def test_groups_that_end_and_are_founded_are_identical():
    scn = _scenario("mechanisms/burglary_wave_group.toml")
    result = _both(scn, seed=2)
    groups = result.groups
    assert groups["start_day"].notna().all()
    assert (groups["start_day"] > 0).any(), "no group was founded by the wave"


def test_event_logs_fall_back_to_python_with_the_same_results():
    scn = _scenario("baseline.toml")
    plain = simulate(scn, seed=7, days=60)
    engine = Engine(scn, np.random.default_rng(7), Extras.parse("incidents"))
    engine.run(60)
    assert engine.days_compiled == 0
    _assert_same(plain, engine.result(7))


def test_progress_reports_reach_the_end():
    scn = _scenario("baseline.toml")
    engine = Engine(scn, np.random.default_rng(1))
    calls = []
    engine.run(95, lambda done, total: calls.append((done, total)))
    assert calls[-1] == (95, 95)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert engine.day == 95 and len(engine.records) == 95


def test_a_town_above_10000_residents_is_identical():
    """Above 10,000 covered residents NumPy samples join candidates by a partial shuffle."""
    from sim.commands.bench import scaled_scenario

    scn = scaled_scenario(25_000, 60).with_overrides({"membership.join_rate": 0.0005}, "test")
    _both(scn, seed=3)


def test_replaced_rules_run_in_python(monkeypatch):
    """A rule instrumented after import is seen only by Engine.step: every day runs there."""
    calls = []
    original = rules.leave_groups
    monkeypatch.setattr(rules, "leave_groups", lambda *a: calls.append(1) or original(*a))
    engine = Engine(_scenario("baseline.toml"), np.random.default_rng(1))
    engine.run(30)
    assert len(calls) == 30 and engine.days_compiled == 0
