"""The virtual survey is unbiased against the latent state it samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from sim.errors import UserError
from sim.scenario import Survey
from sim.survey import answer, changes, gaps, indicators, read_field_data


def test_answers_are_unbiased_against_latent_state():
    rng = np.random.default_rng(0)
    n = 200_000
    worry = rng.beta(2, 5, n)
    will = rng.beta(4, 4, n)
    cfg = Survey(noise=0.08)
    a = answer(worry, will, will, cfg, rng)
    expected_unsafe = (1 - norm.cdf((cfg.unsafe_sometimes - worry) / cfg.noise)).mean()
    observed_unsafe = (a["feel_unsafe"] != "never").mean()
    assert observed_unsafe == pytest.approx(expected_unsafe, abs=0.004)
    expected_often = (1 - norm.cdf((cfg.unsafe_often - worry) / cfg.noise)).mean()
    assert (a["feel_unsafe"] == "often").mean() == pytest.approx(expected_often, abs=0.003)
    # Grades and Likert items: mean answer matches the mapping of the mean latent state
    # (rounding is symmetric away from the scale ends).
    grade = cfg.grade_top - cfg.grade_slope * worry.mean()
    assert a["safety_grade"].mean() == pytest.approx(grade, abs=0.05)
    assert a["report_willingness"].mean() == pytest.approx(1 + 4 * will.mean(), abs=0.05)


def _micro(**cols):
    n = len(cols["participant"])
    base = dict(
        wave=["pre"] * n,
        respondent=range(n),
        area=["A"] * n,
        feel_unsafe=["never"] * n,
        safety_grade=[8] * n,
        report_willingness=[3] * n,
        gov_proximity=[3] * n,
    )
    base.update(cols)
    return pd.DataFrame(base)


def test_indicators_have_intervals_that_cover_the_estimate():
    df = _micro(
        participant=[True] * 50 + [False] * 50,
        feel_unsafe=["sometimes"] * 20 + ["never"] * 30 + ["often"] * 5 + ["never"] * 45,
    )
    ind = indicators(df).set_index(["respondents", "indicator"])
    p = ind.loc[("participants", "pct_unsafe")]
    assert p.estimate == pytest.approx(40.0) and p.ci_low < 40 < p.ci_high
    assert ind.loc[("non_participants", "pct_unsafe")].estimate == pytest.approx(10.0)
    g = gaps(df).set_index("indicator").loc["pct_unsafe"]
    assert g.gap == pytest.approx(30.0) and g.ci_low > 0


def test_changes_compare_first_and_last_wave():
    pre = _micro(participant=[True, False] * 30)
    post = _micro(participant=[True, False] * 30, safety_grade=[6, 8] * 30).assign(wave="post")
    ch = changes(pd.concat([pre, post])).set_index(["respondents", "indicator"])
    assert ch.loc[("participants", "safety_grade")].change == pytest.approx(-2.0)
    assert ch.loc[("non_participants", "safety_grade")].change == pytest.approx(0.0)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.drop(columns=["gov_proximity"]), "missing column(s) gov_proximity"),
        (lambda d: d.assign(feel_unsafe=["never", "soms"] * 3), "row 3, column 'feel_unsafe'"),
        (lambda d: d.assign(safety_grade=[8, 11] * 3), "row 3, column 'safety_grade'"),
        (lambda d: d.assign(participant=["true"] * 6), "has no non-participants"),
        (lambda d: d.assign(participant=["true", "maybe"] * 3), "row 3, column 'participant'"),
    ],
)
def test_field_data_errors_name_row_and_column(tmp_path, edit, message):
    df = _micro(participant=["true", "false"] * 3)
    path = tmp_path / "field.csv"
    edit(df).to_csv(path, index=False)
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_field_data(path)


def test_field_data_roundtrip_uses_the_same_analysis(tmp_path):
    df = _micro(participant=[True, False] * 10, feel_unsafe=["often", "never"] * 10)
    path = tmp_path / "field.csv"
    df.to_csv(path, index=False)
    back = read_field_data(path)
    pd.testing.assert_frame_equal(indicators(back), indicators(df), check_dtype=False)
