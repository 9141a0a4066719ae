"""The founding day of an area's groups (``areas.N.group_start_day``: a day or 'on_wave') is a
parameter like any other (issue 11, items 2 and 6): experiments sweep it, calibration priors
sample it, posterior samples carry it, and a bad value is refused with the allowed values."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.calibrate.priors import Parameter, Priors
from sim.engine import simulate
from sim.experiments.analysis import read_sweep
from sim.experiments.design import build_design
from sim.experiments.execute import run_sweep
from sim.experiments.spec import ExperimentError, load_experiment
from sim.params import describe_path
from sim.posterior_sample import read_posterior
from sim.scenario import Scenario

SWEEP = """
name = "founding_day"
scenario = "tiny.toml"
replications = 1
seed = 4
[design]
method = "factorial"
[[factors]]
path = "areas.*.group_start_day"
label = "start"
values = [0, 30]
[outputs]
summary = ["participation"]
weekly = []
survey = false
"""


def test_the_founding_day_is_a_whole_day_or_on_wave():
    info = describe_path("areas.0.group_start_day", Scenario())
    assert (info.kind, info.low, info.also) == ("int", 0.0, ("on_wave",))
    assert info.allowed() == "int in [0, ∞] or 'on_wave'"


def test_an_experiment_sweeps_the_founding_day(write_experiment, tmp_path):
    exp = load_experiment(write_experiment(SWEEP))
    design = build_design(exp)
    assert [design.overrides(p)["areas.*.group_start_day"] for p in (0, 1)] == [0, 30]
    out = tmp_path / "sweep"
    run_sweep(exp, out, workers=0)
    runs = read_sweep(out).runs.sort_values("point")
    early, late = runs["participation"].tolist()
    assert late < early, "groups founded on day 30 have fewer member-days than groups of day 0"
    # the sampled founding day reaches the run: no group before day 30
    scn = exp.base.with_overrides({"areas.0.group_start_day": 30})
    daily = simulate(scn, seed=exp.seed_of(0)).daily
    assert (daily.loc[daily["day"] < 30, "groups_active"] == 0).all()
    assert (daily.loc[daily["day"] >= 30, "groups_active"] > 0).all()


def test_a_sampled_founding_day_is_drawn_as_a_whole_day(write_experiment):
    text = SWEEP.replace("values = [0, 30]", "range = [5, 40]").replace(
        'method = "factorial"', 'method = "lhs"\nsamples = 6'
    )
    design = build_design(load_experiment(write_experiment(text)))
    days = [design.overrides(p)["areas.*.group_start_day"] for p in range(6)]
    assert all(isinstance(d, int) and 5 <= d <= 40 for d in days), days


def test_a_bad_founding_day_names_the_field_and_the_allowed_values(write_experiment):
    path = write_experiment(SWEEP.replace("values = [0, 30]", 'values = [0, "later"]'))
    with pytest.raises(ExperimentError) as e:
        load_experiment(path)
    msg = str(e.value)
    assert str(path) in msg and "factors.0.values.1" in msg
    assert "int in [0, ∞] or 'on_wave'" in msg


def test_a_calibration_prior_samples_the_founding_day_as_a_whole_day():
    base = Scenario(days=200, burn_in_days=0)
    prior = Parameter(
        name="founding",
        distribution="uniform",
        low=10,
        high=120,
        why="when the groups start",
        paths=["areas.0.group_start_day"],
    )
    priors = Priors(parameter={"founding": prior})
    scn = priors.apply(base, {"founding": 47.6}, "any")
    assert scn.areas[0].group_start_day == 48


def test_a_posterior_sample_carries_the_founding_day(tmp_path):
    file = tmp_path / "posterior.parquet"
    pd.DataFrame(
        {"areas.0.group_start_day": [30, 60], "particle": [0, 1], "weight": [1.0, 1.0]}
    ).to_parquet(file)
    sample = read_posterior(file, Scenario())
    assert {o["areas.0.group_start_day"] for o in sample.overrides} == {30, 60}
