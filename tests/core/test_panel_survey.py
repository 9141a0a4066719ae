"""Panel surveys, attrition, nonresponse and panel-form field data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine import simulate
from sim.errors import UserError
from sim.scenario import ScenarioError, load_scenario, resolve_scenario_path
from sim.survey import indicators, paired_changes, read_field_data


def _short(**overrides):
    """The Rotterdam scenario shortened to 400 days with waves 'a' (day 150) and 'b' (399)."""
    waves = [{"label": "a", "day": 150}, {"label": "b", "day": 399}]
    over = {"days": 400, "burn_in_days": 100, "survey.waves": waves, **overrides}
    return load_scenario(resolve_scenario_path("rotterdam_experiment"), over)


@pytest.fixture(scope="module")
def rotterdam_panel():
    """The Rotterdam experiment measured as a panel, with a wave before anyone in the sample
    joins: the same residents before (day 200), at the 'pre' wave and after ('post')."""
    scn = load_scenario(
        resolve_scenario_path("rotterdam_experiment"),
        {
            "survey.panel": True,
            "survey.non_participants": 400,
            "survey.waves": [
                {"label": "before", "day": 200},
                {"label": "pre", "day": 364},
                {"label": "post", "day": 729},
            ],
        },
    )
    return simulate(scn, seed=5).survey


def test_panel_reinterviews_the_same_residents(rotterdam_panel):
    s = rotterdam_panel
    ids = {w: set(d["respondent_id"]) for w, d in s.groupby("wave")}
    assert ids["post"] == ids["pre"] == ids["before"]  # no attrition, no refresh
    assert s["respondent_id"].dtype == np.int64
    assert not s.duplicated(["wave", "respondent_id"]).any()


def test_pre_post_differences_for_the_same_respondents(rotterdam_panel):
    s = rotterdam_panel
    ch = paired_changes(s, "before", "post")
    joined = ch[(ch["respondents"] == "joined") & (ch["indicator"] == "pct_unsafe")].iloc[0]
    before = s[s["wave"] == "before"].set_index("respondent_id")
    after = s[s["wave"] == "post"].set_index("respondent_id")
    who = before.index[~before["participant"] & after.loc[before.index, "participant"]]
    assert joined["n"] == len(who) > 0
    # joiners were not members at the first wave, and joined after it (joined_day)
    assert (after.loc[who, "joined_day"] > 200).all()
    # the paired change is the mean of the individual changes
    d = 100 * (
        (after.loc[who, "feel_unsafe"] != "never").astype(float)
        - (before.loc[who, "feel_unsafe"] != "never").astype(float)
    )
    assert joined["change"] == pytest.approx(d.mean())
    all_row = ch[(ch["respondents"] == "all") & (ch["indicator"] == "safety_grade")].iloc[0]
    assert (
        all_row["n"] == len(before) and all_row["ci_low"] < all_row["change"] < all_row["ci_high"]
    )
    # the shared indicator code reads the panel like a cross-section
    ind = indicators(s)
    assert set(ind["wave"]) == {"before", "pre", "post"}


def test_cross_sections_have_no_repeated_respondents_to_pair():
    s = simulate(_short(), seed=2).survey
    ch = paired_changes(s)
    n_a = (s["wave"] == "a").sum()
    # only residents drawn twice by chance (the neighbourhood is small) are paired
    assert 0 < ch.loc[ch["respondents"] == "all", "n"].iloc[0] < n_a / 2


def test_attrition_loses_its_share_per_wave():
    r = simulate(_short(**{"survey.panel": True, "survey.attrition": 0.3}), seed=3)
    a, b = (set(d["respondent_id"]) for _, d in r.survey.groupby("wave", sort=False))
    assert b <= a and 0.6 < len(b) / len(a) < 0.8
    work = r.metadata["survey_fieldwork"][1]
    assert work["attrition"] == len(a) - len(b) and work["answered"] == len(b)


def test_refresh_tops_up_to_the_quotas():
    scn = load_scenario(
        resolve_scenario_path("rotterdam_experiment"),
        {"survey.panel": True, "survey.attrition": 0.5, "survey.refresh": True},
    )
    s = simulate(scn, seed=3).survey
    post = s[s["wave"] == "post"]
    assert post["participant"].sum() == 120 and (~post["participant"]).sum() == 180


def test_nonresponse_makes_the_survey_calmer_than_the_population():
    base = _short(**{"survey.non_participants": 100})
    shy = base.with_overrides(
        {"survey.nonresponse.enabled": True, "survey.nonresponse.worry": -6.0}
    )
    gaps = []
    for scn in (base, shy):
        r = simulate(scn, seed=4)
        w = r.survey[r.survey["wave"] == "a"]
        gaps.append(w.loc[~w["participant"], "latent_worry"].mean())
        work = r.metadata["survey_fieldwork"][0]
    assert gaps[1] < gaps[0] - 0.02  # the worried answer less, so the sample is calmer
    assert work["asked"] > work["answered"] == 220


def test_panel_options_need_a_panel():
    with pytest.raises(ScenarioError, match="survey.panel"):
        load_scenario(resolve_scenario_path("rotterdam_experiment"), {"survey.attrition": 0.2})


# --------------------------------------------------------------------------- field data


def _field(tmp_path, rows, with_id=True):
    df = pd.DataFrame(rows)
    if not with_id:
        df = df.drop(columns="respondent_id")
    p = tmp_path / "field.csv"
    df.to_csv(p, index=False)
    return p


def _rows(ids_pre, ids_post):
    rows = []
    for wave, ids in (("pre", ids_pre), ("post", ids_post)):
        for k, i in enumerate(ids):
            rows.append(
                {
                    "wave": wave,
                    "respondent": k,
                    "respondent_id": i,
                    "area": "A",
                    "participant": "ja" if k % 2 else "nee",
                    "feel_unsafe": ["never", "sometimes", "often"][(i + len(wave)) % 3],
                    "safety_grade": 5 + i % 4,
                    "report_willingness": 1 + i % 5,
                    "gov_proximity": 1 + (i + 1) % 5,
                }
            )
    return rows


def test_field_data_in_panel_form_loads_and_pairs(tmp_path):
    data = read_field_data(_field(tmp_path, _rows([10, 11, 12, 13], [11, 12, 13, 14])))
    assert data["respondent_id"].dtype == np.int64
    ch = paired_changes(data, "pre", "post")
    assert ch.loc[ch["respondents"] == "all", "n"].iloc[0] == 3


def test_field_data_without_ids_is_a_cross_section(tmp_path):
    data = read_field_data(_field(tmp_path, _rows([1, 2, 3, 4], [1, 2, 3, 4]), with_id=False))
    assert data["respondent_id"].is_unique
    assert (paired_changes(data)["n"] == 0).all()


@pytest.mark.parametrize("column", ["respondent_id", "respondent"])
def test_duplicate_ids_within_a_wave_are_an_error(tmp_path, column):
    rows = _rows([1, 2, 3, 4], [1, 2, 3, 4])
    rows[2][column] = rows[1][column]
    with pytest.raises(UserError, match=rf"row 4, column '{column}'.*twice in wave 'pre'"):
        read_field_data(_field(tmp_path, rows))
