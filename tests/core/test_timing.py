"""Time inside a day (minutes to the call, police arrival, offence duration, feedback delay in
hours) and Reageer (going out to look, confrontations and their consequences): each mechanism
moves its outcome the right way against its counterfactual, on common seeds."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from sim import rules
from sim.engine import Engine, simulate
from sim.scenario import Scenario, load_scenario, validate_scenario
from tests.core.helpers import SEEDS, outcomes, paired_greater, scenario

_DAILY: dict[tuple[str, int], pd.DataFrame] = {}


def _daily(scn: Scenario, seed: int) -> pd.DataFrame:
    key = (scn.content_hash(), seed)
    if key not in _DAILY:
        _DAILY[key] = simulate(scn, seed=seed).measured()
    return _DAILY[key]


def totals(scn: Scenario, column: str) -> np.ndarray:
    """The measured period's total of a daily count, per seed."""
    return np.array([_daily(scn, s)[column].sum() for s in SEEDS], dtype=float)


def means(scn: Scenario, column: str) -> np.ndarray:
    """The measured period's mean of a daily level, per seed."""
    return np.array([_daily(scn, s)[column].mean() for s in SEEDS])


# Many crimes seen while they happen, so that arrests in the act are not rare.
BUSY = {"crime__in_progress_share": 0.9, "crime__burglary_rate": 0.1, "days": 300, "burn_in": 60}


def test_faster_police_arrival_gives_more_arrests_in_the_act():
    fast = scenario(police__arrival_112_minutes=3.0, **BUSY)
    slow = scenario(police__arrival_112_minutes=30.0, **BUSY)
    assert paired_greater(outcomes(fast, "arrests_per_year"), outcomes(slow, "arrests_per_year"))
    assert paired_greater(means(slow, "arrival_minutes_112"), means(fast, "arrival_minutes_112"))


def test_under_the_old_probability_rule_arrival_time_changes_no_arrest():
    """The earlier rule stays selectable: there the arrival time plays no part (and with
    common random numbers the arrests are the very same)."""
    fast = scenario(police__arrest_model="probability", police__arrival_112_minutes=3.0, **BUSY)
    slow = scenario(police__arrest_model="probability", police__arrival_112_minutes=30.0, **BUSY)
    assert (totals(fast, "arrests") == totals(slow, "arrests")).all()
    assert totals(fast, "arrests").sum() > 0


def test_longer_offences_and_quicker_calls_give_more_arrests():
    long = scenario(police__offence_minutes=40.0, **BUSY)
    short = scenario(police__offence_minutes=8.0, **BUSY)
    assert paired_greater(outcomes(long, "arrests_per_year"), outcomes(short, "arrests_per_year"))
    quick = scenario(response__call_minutes=0.5, **BUSY)
    hesitant = scenario(response__call_minutes=15.0, **BUSY)
    assert paired_greater(means(hesitant, "minutes_to_call"), means(quick, "minutes_to_call"))
    assert paired_greater(
        outcomes(quick, "arrests_per_year"), outcomes(hesitant, "arrests_per_year")
    )


def _first_call_minutes(scn: Scenario, seed: int, saar_levels=(0.0, 1.0), days: int = 60):
    """Per incident, the minutes to its first call under each SAAR level, on common random
    numbers: after a short run, ``days`` times the same incidents, witnesses and response
    draws are answered once per level (nothing else differs). Also returns which incidents
    a group member witnessed."""
    eng = Engine(scn, np.random.default_rng(seed))
    eng.run(30)
    pop, st, rs = eng.pop, eng.state, eng.streams
    minutes: list[list[np.ndarray]] = [[] for _ in saar_levels]
    member_seen = []
    for _ in range(days):
        ev = rules.incidents(pop, st, scn, rs["incidents"])
        witness_event, witness = rules.notice(pop, st, ev, rs["noticing"])
        seen = np.zeros(len(ev.kind), dtype=bool)
        seen[witness_event[st.member[witness]]] = True
        member_seen.append(seen)
        for out, level in zip(minutes, saar_levels, strict=True):
            st.factors["saar_training"][:] = level
            rng = copy.deepcopy(rs["response"])  # the same draws for every level
            resp = rules.respond(pop, st, ev, witness_event, witness, scn, rng)
            out.append(resp.call_minutes)
        rs["response"].random()  # move on
    return [np.concatenate(m) for m in minutes], np.concatenate(member_seen)


# Many members and slow callers, so SAAR's faster call shows in many incidents.
SAAR = {"membership__initial_participation": 0.6, "response__call_minutes": 15.0}


def test_saar_training_shortens_the_minutes_to_the_call_of_each_incident():
    """Per incident on common random numbers (the same incidents, witnesses and draws, with
    and without training): trained members call sooner and more often, so no incident's
    first call comes later, many come sooner, and only incidents a member witnessed change.
    The daily mean over incidents that got a call mixes in the extra incidents SAAR gets
    called at all; this measure does not."""
    untrained, trained = [], []
    for seed in SEEDS[:3]:
        (off, on), member_seen = _first_call_minutes(scenario(**SAAR), seed)
        called = ~np.isnan(off)
        assert (on[called] <= off[called] + 1e-9).all(), "a first call came later with SAAR"
        assert np.isnan(on).sum() <= np.isnan(off).sum(), "SAAR lost a call"
        unseen = ~member_seen
        assert np.array_equal(on[unseen], off[unseen], equal_nan=True)
        both = called & member_seen
        untrained.append(off[both])
        trained.append(on[both])
    untrained, trained = np.concatenate(untrained), np.concatenate(trained)
    assert len(untrained) >= 40, "too few incidents witnessed by members to measure"
    assert (trained < untrained).mean() > 0.3
    assert trained.mean() < 0.9 * untrained.mean()


def test_without_the_saar_rules_training_leaves_every_minute_unchanged():
    """The same measure with SAAR's call speed-up and call boost switched off: every
    incident's first call comes at the very same minute (the measure isolates the
    mechanism)."""
    scn = scenario(response__saar_call_speedup=0.0, response__saar_call_boost=0.0, **SAAR)
    (off, on), member_seen = _first_call_minutes(scn, SEEDS[0])
    assert member_seen.sum() > 10
    assert np.array_equal(on, off, equal_nan=True)


def test_later_feedback_reassures_less():
    """Vollaard: in Tilburg feedback comes within about ten minutes. The same feedback a
    week later relieves members' worry and raises their willingness less."""
    prompt = scenario(factors__police_feedback=0.9, factors__feedback_delay_hours=0.17)
    late = scenario(factors__police_feedback=0.9, factors__feedback_delay_hours=168.0)
    assert paired_greater(outcomes(late, "worry_members"), outcomes(prompt, "worry_members"))
    assert paired_greater(
        outcomes(prompt, "willingness_members"), outcomes(late, "willingness_members")
    )
    # ... because of its timeliness, not because fewer messages arrive
    fb_prompt, fb_late = (outcomes(s, "feedback_per_group_month") for s in (prompt, late))
    assert abs(fb_prompt.mean() - fb_late.mean()) < 0.15 * fb_prompt.mean()


# Alerts in progress are common enough to count who goes out and what follows.
REAGEER = {"crime__in_progress_share": 0.9, "response__vigilante_share": 0.2}


def test_guarding_against_vigilantism_cuts_confrontations_and_leaving_after_conflict():
    loose = scenario(factors__vigilantism_guard=0.0, **REAGEER)
    guarded = scenario(factors__vigilantism_guard=0.8, **REAGEER)
    assert paired_greater(
        outcomes(loose, "confrontations_per_year"), outcomes(guarded, "confrontations_per_year")
    )
    assert paired_greater(
        totals(loose, "left_after_conflict"), totals(guarded, "left_after_conflict")
    )
    assert totals(loose, "conflicts").sum() > 0 and totals(loose, "escalations").sum() > 0


def test_saar_training_sends_more_to_look_but_with_fewer_confrontations():
    """Reageer at a safe distance: trained members go and look more often, and confront
    less."""
    trained = scenario(factors__saar_training=0.8, **REAGEER)
    untrained = scenario(factors__saar_training=0.0, **REAGEER)
    assert paired_greater(totals(trained, "went_to_look"), totals(untrained, "went_to_look"))
    assert paired_greater(
        outcomes(untrained, "confrontations_per_year"),
        outcomes(trained, "confrontations_per_year"),
    )


def test_confrontations_on_false_alarms_stigmatise():
    """A confrontation after an alert about an ambiguous situation counts as stigmatising."""
    many = scenario(factors__vigilantism_guard=0.0, response__vigilante_share=0.9)
    none = scenario(factors__vigilantism_guard=0.0, response__vigilante_share=0.0)
    assert paired_greater(
        outcomes(many, "stigmatising_share"), outcomes(none, "stigmatising_share")
    )


def test_old_feedback_delay_in_days_is_read_as_hours():
    base = load_scenario("scenarios/baseline.toml")
    data = base.model_dump(mode="python")
    data["factors"].pop("feedback_delay_hours")
    data["factors"]["feedback_delay_days"] = 0.5
    data["areas"][0]["factors"]["feedback_delay_days"] = 2
    scn = validate_scenario(data)
    assert scn.factors.feedback_delay_hours == pytest.approx(12.0)
    assert scn.group_factors(scn.areas[0]).feedback_delay_hours == pytest.approx(48.0)
    old = base.with_overrides({"factors.feedback_delay_days": 1.0})
    assert (
        old.content_hash()
        == base.with_overrides({"factors.feedback_delay_hours": 24.0}).content_hash()
    )
