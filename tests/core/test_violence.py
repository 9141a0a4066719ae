"""Violent crime and each resident's victimisation history (F4: victims of violence are
more often afraid than non-victims), on paired seeds."""

from __future__ import annotations

import numpy as np

from sim.engine import Engine
from sim.survey import victim_fear
from tests.core.helpers import outcomes, paired_greater, scenario


def test_victims_of_violence_are_more_often_afraid_and_more_so_with_a_stronger_jump():
    strong = scenario(crime__violence_worry=1.0)
    weak = scenario(crime__violence_worry=0.6)
    ratio_strong = outcomes(strong, "victim_fear_ratio")
    assert (ratio_strong > 1).all(), ratio_strong
    assert paired_greater(ratio_strong, outcomes(weak, "victim_fear_ratio"))
    # violence is counted: about crime.violence_rate per resident per year
    rate = outcomes(strong, "violence_per_1000") / 1000
    assert abs(rate.mean() - strong.crime.violence_rate) < 0.5 * strong.crime.violence_rate


def test_no_violence_means_no_violent_victims():
    result_ratio = outcomes(scenario(crime__violence_rate=0.0), "victim_fear_ratio")
    assert np.isnan(result_ratio).all()


def test_history_and_survey_columns_follow_each_victimisation():
    scn = scenario(days=200, burn_in=100)
    eng = Engine(scn, np.random.default_rng(5))
    eng.run(200)
    st, daily = eng.state, eng.result(5).daily
    assert st.victimisations.sum() == daily["victims"].sum()
    assert (st.last_violence_day <= st.last_victim_day).all()
    violent = st.last_violence_day >= 0
    assert violent.sum() > 0 and (st.victimisations[violent] >= 1).all()
    assert (st.last_victim_kind[st.victimisations > 0] >= 0).all()
    survey = eng.result(5).survey
    post = survey[survey["wave"] == "post"]
    expected = st.last_violence_day[post["respondent"].to_numpy()] > 199 - 365
    assert (post["victim_violence_12m"].to_numpy() == expected).all()
    table = victim_fear(survey)
    assert list(table["wave"]) == ["pre", "post"]
    assert table["n_violence_victims"].sum() == survey["victim_violence_12m"].sum()
