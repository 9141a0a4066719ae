"""The page's model session and compare mode, without a browser."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.app.compare import Comparison
from sim.app.session import (
    FieldError,
    Session,
    Settings,
    expected_residents,
    load_named,
    parse_int,
    scale_population,
    scenario_files,
)
from sim.engine import simulate


def test_the_picker_offers_shipped_scenarios_and_teaching_presets():
    files = scenario_files()
    assert "baseline" in files
    keys = list(files)
    teaching = [k for k in keys if k.startswith("teaching/")]
    assert teaching, "teaching presets missing from the picker"
    # top-level scenarios come before the presets
    assert keys.index("baseline") < keys.index(teaching[0])


@pytest.mark.parametrize("key", list(scenario_files()))
def test_every_offered_scenario_loads_at_page_population_sizes(key):
    base = load_named(key)
    scn = scale_population(base, 300)
    # every area keeps at least one street, so big cities cannot shrink below that
    one_street = {}
    for i, area in enumerate(base.areas):  # one street, and no more groups than it allows
        one_street[f"areas.{i}.streets"] = 1
        one_street[f"areas.{i}.groups"] = min(area.groups, round(area.coverage))
    one_street_each = base.with_overrides({"survey.waves": [], **one_street})
    smallest = expected_residents(one_street_each)
    assert 200 <= expected_residents(scn) <= max(450, 1.01 * smallest)


@pytest.mark.parametrize("target", [300, 2000, 8000])
def test_population_size_is_close_to_what_was_asked(target):
    s = Session(Settings(residents=target, seed=3))
    assert abs(s.engine.pop.n - target) / target < 0.15


def test_the_page_runs_the_same_model_as_the_command_line():
    s = Session(Settings(residents=400, seed=11))
    s.step(40)
    cli = simulate(s.scenario, seed=11, days=40).daily
    page = s.daily()[cli.columns]
    pd.testing.assert_frame_equal(page.reset_index(drop=True), cli.reset_index(drop=True))


def test_sessions_do_not_share_state():
    a, b = Session(Settings(residents=300, seed=1)), Session(Settings(residents=300, seed=1))
    a.set_factor("signs", True)
    a.step(10)
    assert b.day == 0 and b.settings.factors == {}
    assert not b.engine.state.factors["signs"].any()


def test_a_factor_change_applies_now_and_after_reset_and_can_be_undone():
    s = Session(Settings(residents=300, seed=2))
    s.step(5)
    s.set_factor("police_feedback", 0.9)
    assert s.day == 5
    assert np.allclose(s.engine.state.factors["police_feedback"], 0.9)
    s.reset()
    assert s.day == 0 and np.allclose(s.engine.state.factors["police_feedback"], 0.9)
    s.set_factor("police_feedback", s.base.factors.police_feedback)
    assert s.settings.factors == {}
    with pytest.raises(FieldError, match="between 0 and 1"):
        s.set_factor("police_feedback", 3)


def test_a_bad_population_size_keeps_the_running_model():
    s = Session(Settings(residents=300, seed=2))
    s.step(3)
    model = s.model
    with pytest.raises(FieldError, match="between 50 and 20000"):
        s.set_residents(parse_int("residents", "99999", 50, 20_000, 300, "en"))
    assert s.model is model and s.day == 3


@pytest.mark.parametrize(
    ("text", "expected"), [("abc", "whole number"), ("2.5", "whole"), ("-1", "between 0 and 10")]
)
def test_typed_numbers_are_checked_with_a_plain_message(text, expected):
    with pytest.raises(FieldError) as e:
        parse_int("seed", text, 0, 10, 4, "en")
    assert expected in str(e.value) and "keeps 4" in str(e.value)


def test_thousand_separators_are_accepted():
    assert parse_int("residents", "2.000", 50, 20_000, 300, "nl") == 2000


def test_a_survey_taken_from_the_page_compares_participants_and_non_participants():
    s = Session(Settings(residents=2000, seed=4))
    s.step(60)
    s.take_survey()
    ind = s.survey_indicators()
    assert set(ind["respondents"]) == {"participants", "non_participants"}
    row = ind[(ind["indicator"] == "pct_unsafe") & (ind["respondents"] == "participants")]
    assert (row["ci_low"] <= row["estimate"]).all() and (row["estimate"] <= row["ci_high"]).all()
    s.take_survey()  # same day twice: one wave, not two
    assert len(s.surveys()) == 1


def test_the_running_week_is_scaled_to_a_whole_week():
    s = Session(Settings(residents=500, seed=4))
    s.step(10)  # week 1 has 3 days
    daily, weekly = s.daily(), s.weekly()
    last = daily[daily["day"] >= 7]["crimes"].sum()
    assert weekly["crimes"].iloc[-1] == pytest.approx(last * 7 / 3)


def _small(**overrides):
    scn = scale_population(load_named("baseline"), 400)
    return scn.with_overrides({"days": 120, "burn_in_days": 30, "survey.waves": [], **overrides})


def test_compare_with_identical_sides_shows_no_difference():
    scn = _small()
    cmp = Comparison({"A": scn, "B": scn}, seeds=[1, 2, 3], days=120)
    cmp.run_inline()
    table = cmp.summary_table().set_index("outcome")
    assert (table["diff_median"].fillna(0) == 0).all()
    bands = cmp.bands("members")
    pd.testing.assert_frame_equal(bands["A"], bands["B"])
    assert (bands["A"]["low"] <= bands["A"]["median"]).all()
    assert (bands["A"]["median"] <= bands["A"]["high"]).all()


def test_compare_shows_the_direction_of_a_change_in_every_replication():
    a, b = _small(), _small(**{"crime.burglary_rate": 0.2})
    cmp = Comparison({"A": a, "B": b}, seeds=[1, 2, 3], days=120)
    cmp.run_inline()
    row = cmp.summary_table().set_index("outcome").loc["burglaries_per_1000"]
    assert row["diff_low"] > 0, "more burglaries per household must show in every seed"


def test_compare_runs_in_worker_processes_in_the_background():
    from concurrent.futures import ProcessPoolExecutor, wait

    scn = _small()
    cmp = Comparison(
        {"A": scn, "B": scn.with_overrides({"factors.signs": True})}, seeds=[5, 6], days=60
    )
    with ProcessPoolExecutor(max_workers=1) as pool:
        cmp.start(pool)
        assert cmp.total == 4
        wait(list(cmp.futures.values()), timeout=120)
    assert cmp.finished and not cmp.errors()
    weekly = simulate(scn, seed=5, days=60).weekly()
    # 60 days = 8 full weeks and 4 days: the partial week is left out, not plotted as a dive
    same = weekly[weekly["days"] == 7]["members"].to_numpy()
    assert len(same) == 8
    got = [
        w
        for (side, seed), f in cmp.futures.items()
        if side == "A" and seed == 5
        for w in [f.result()[0]]
    ][0]
    assert np.array_equal(got["members"].to_numpy(), same)


def test_weekly_series_match_the_run_result_for_complete_weeks():
    s = Session(Settings(residents=500, seed=4))
    s.step(33)
    s.weekly()  # the incremental cache must stay right as days are added
    s.step(40)
    page = s.weekly().iloc[:-1]
    ref = s.model.result().weekly().iloc[:-1]
    for col in ("crimes", "reports_112", "posts_alert", "members", "unsafe_members"):
        np.testing.assert_allclose(page[col].to_numpy(float), ref[col].to_numpy(float))


def test_the_compare_pool_takes_waiting_comparisons_in_turn():
    """A class: the first comparison queued all its runs, a second one started just after.
    The second must not wait for all of the first (issue 16: a session waited 121 s)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from sim.app.compare import FairPool

    pool = FairPool(2, lambda: ThreadPoolExecutor(2))
    gate, order = threading.Event(), []
    blockers = [pool.submit_for("x", gate.wait) for _ in range(2)]  # both workers busy
    first = [pool.submit_for("first", order.append, ("first", i)) for i in range(10)]
    second = [pool.submit_for("second", order.append, ("second", i)) for i in range(10)]
    assert pool.waiting() == 20
    gate.set()
    for f in blockers + first + second:
        f.result(timeout=30)
    pool.shutdown()
    owners = [o for o, _ in order]
    assert owners.index("second") <= 2, owners
    assert owners[:4].count("second") == 2, owners


def test_a_cancelled_comparison_leaves_the_pool():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from sim.app.compare import FairPool

    pool = FairPool(1, lambda: ThreadPoolExecutor(1))
    gate = threading.Event()
    busy = pool.submit_for("x", gate.wait)
    queued = [pool.submit_for("a", lambda: "ran") for _ in range(3)]
    assert all(f.cancel() for f in queued)
    after = pool.submit_for("b", lambda: "b ran")
    gate.set()
    assert busy.result(timeout=30) and after.result(timeout=30) == "b ran"
    assert all(f.cancelled() for f in queued)
    pool.shutdown()
