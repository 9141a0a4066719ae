"""The EMA Workbench adapter (optional extra ``ema``): model and PRIM on sweep results."""

from __future__ import annotations

import pytest

from sim.experiments.execute import run_sweep
from sim.experiments.spec import load_experiment

from .standin import standin_run

pytest.importorskip("ema_workbench", reason="optional extra 'ema' not installed")
pytestmark = [
    pytest.mark.filterwarnings("ignore:ipyparallel not installed:UserWarning"),
    # ema_workbench 3.0's PRIM calls DataFrame.drop(inplace=True), deprecated in pandas 3.1
    pytest.mark.filterwarnings(
        "ignore:The inplace keyword in DataFrame:pandas.errors.Pandas4Warning"
    ),
]

EXPERIMENT = """
name = "ema"
scenario = "tiny.toml"
replications = 2
[design]
method = "lhs"
samples = 40
seed = 4
[[factors]]
path = "factors.police_feedback"
label = "feedback"
range = [0.0, 1.0]
[[factors]]
path = "factors.size_cap"
label = "size_cap"
range = [10, 200]
[[factors]]
path = "factors.signs"
label = "signs"
[outputs]
summary = ["worry_members", "participation"]
weekly = []
survey = false
"""


def test_prim_finds_the_feedback_box_on_integer_factors(write_experiment, tmp_path):
    from sim.experiments.ema import discover, ema_results

    exp = load_experiment(write_experiment(EXPERIMENT))
    out = tmp_path / "ema"
    run_sweep(exp, out, workers=0, run_fn=standin_run)
    experiments, outcomes = ema_results(out)
    assert experiments["size_cap"].dtype == float  # pandas 3 + ema_workbench 3.0 workaround
    assert outcomes["worry_members"].shape == (40,)
    # stand-in: worry_members = 0.4 − 0.2 × feedback (+ noise): below 0.28 ⇔ feedback above 0.6
    box = discover(out, "worry_members", 0.28, above=False)
    limits = box.box_lims[box._cur_box]
    assert limits["feedback"].iloc[0] > 0.4  # the box starts at high feedback
    assert box.density > 0.8
    traj = box.peeling_trajectory  # some box on the way is both large and pure
    assert ((traj["coverage"] >= 0.8) & (traj["density"] >= 0.8)).any()


def test_ema_model_runs_the_real_engine(write_experiment):
    from ema_workbench import perform_experiments

    from sim.experiments.ema import ema_model

    exp = load_experiment(write_experiment(EXPERIMENT))
    model = ema_model(exp)
    assert [u.name for u in model.uncertainties] == ["feedback", "size_cap", "signs"]
    experiments, outcomes = perform_experiments(model, scenarios=3)
    assert len(experiments) == 3
    assert ((outcomes["participation"] > 0) & (outcomes["participation"] < 1)).all()
