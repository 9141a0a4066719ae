"""Known-answer tests: where the model plants only exposure (or only selection), each estimator
of the exposure effect covers the model's own truth at its nominal rate — and the naive
difference in means is shown to measure selection when there is selection."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.study.execute import replicate
from sim.study.report import summarise
from sim.study.spec import load_study


def _coverage(study_file, replications: int) -> pd.DataFrame:
    study = load_study(study_file)
    est = pd.concat([replicate(study, r)["estimates"] for r in range(replications)])
    return summarise(est).set_index(["design", "estimator"])


def test_exposure_estimators_cover_a_planted_exposure_effect(known_answer_study):
    table = _coverage(known_answer_study("exposure_only", 6), 6)
    for key in [
        ("cross_section", "difference_in_means"),
        ("panel", "panel_fe"),
        ("encouragement", "iv"),
    ]:
        row = table.loc[key]
        assert row["truth"] > 10, f"{key}: the planted exposure effect is too small to test"
        assert row["estimated"] == 6, f"{key}: some replications gave no estimate"
        # nominal 95 %: 5 or more of 6 (probability of fewer at 95 %: 3 %)
        assert row["coverage"] >= 5 / 6, f"{key} covers the truth in {row['coverage']:.0%}"


def test_selection_without_exposure_only_within_and_iv_estimators_find_no_effect(
    known_answer_study,
):
    table = _coverage(known_answer_study("selection", 6), 6)
    assert table.loc[("cross_section", "difference_in_means"), "truth"] == 0.0
    for key in [("panel", "panel_fe"), ("encouragement", "iv")]:
        assert table.loc[key, "coverage"] >= 5 / 6, key
    # the participant gap is all selection: the naive estimator finds an 'effect' that is none
    naive = table.loc[("cross_section", "difference_in_means")]
    assert naive["bias"] > 10 and naive["coverage"] <= 1 / 6 and naive["power"] >= 5 / 6


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["exposure_only", "selection"])
def test_exposure_estimators_nominal_coverage_over_many_replications(known_answer_study, scenario):
    """Coverage within Monte Carlo error of 95 % over 100 replications (≥ 88 %: the 1st
    percentile of Binomial(100, 0.95) is 89)."""
    table = _coverage(known_answer_study(scenario, 100), 100)
    for key in [("panel", "panel_fe"), ("encouragement", "iv")] + (
        [("cross_section", "difference_in_means")] if scenario == "exposure_only" else []
    ):
        assert table.loc[key, "coverage"] >= 0.88, (key, table.loc[key, "coverage"])
