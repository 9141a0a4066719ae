"""Posterior samples: reading and checking the file, weighted drawing, and sweeps that run each
replication at its own posterior particle (tiny scenario, real engine, a few seconds)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.compare import compare
from sim.experiments.execute import run_sweep
from sim.experiments.runner import point_scenario
from sim.experiments.spec import ExperimentError, load_experiment
from sim.experiments.store import ResultStore, StoreError
from sim.posterior_sample import PosteriorError, read_posterior
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]

#: Two points (police feedback off / on) × 4 replications, at the particles of a posterior.
EXPERIMENT = """
name = "tiny_posterior"
scenario = "tiny.toml"
posterior = "post.parquet"
replications = 4
seed = 4                 # draws particles 10, 11, 10, 10 for replications 0-3
[design]
method = "factorial"
[[factors]]
path = "factors.police_feedback"
label = "feedback"
values = [0.0, 1.0]
[outputs]
summary = ["crimes_per_1000", "worry_gap"]
weekly = ["crimes"]
survey = false
"""


def write_posterior(path: Path, **columns) -> Path:
    """A posterior-sample file; by default three particles (ids 10, 11, 12), the last of
    weight 0, that differ in theft rate and also set police feedback (a design factor)."""
    data = {
        "particle": [10, 11, 12],
        "weight": [0.5, 0.5, 0.0],
        "crime.theft_rate": [0.05, 0.6, 1.0],
        "factors.police_feedback": [0.3, 0.3, 0.3],
    }
    data.update(columns)
    pd.DataFrame({k: v for k, v in data.items() if v is not None}).to_parquet(path)
    return path


@pytest.fixture
def posterior_experiment(write_experiment, tmp_path) -> Path:
    write_posterior(tmp_path / "post.parquet")
    return write_experiment(EXPERIMENT)


# --------------------------------------------------------------------------- the file


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"weight": None}, "column 'weight' missing"),
        ({"weight": [0.5, float("nan"), 0.5]}, "column 'weight': weight nan"),
        ({"weight": [0.5, -0.1, 0.5]}, "column 'weight': weight -0.1"),
        ({"weight": [0.0, 0.0, 0.0]}, "column 'weight': all weights are 0"),
        (
            {"crime.theft_rat": [0.1, 0.1, 0.1]},
            "column 'crime.theft_rat' is not a scenario parameter",
        ),
        (
            {"crime.theft_rate": [0.1, 7.0, 0.1]},
            "column 'crime.theft_rate': value 7.0 of particle "
            "11 is not allowed; allowed: float in [0, 5]",
        ),
        ({"areas.3.worry_shift": [0.1, 0.1, 0.1]}, "column 'areas.3.worry_shift'"),
        ({"particle": [1, 1, 2]}, "column 'particle': particle ids must be unique"),
    ],
)
def test_a_bad_posterior_file_names_the_file_and_the_column(tmp_path, columns, expected):
    path = write_posterior(tmp_path / "bad.parquet", **columns)
    with pytest.raises(PosteriorError) as err:
        read_posterior(path, Scenario())
    assert str(err.value).startswith(f"{path}: ")
    assert expected in str(err.value)


def test_a_missing_or_broken_file_is_a_message(tmp_path):
    with pytest.raises(PosteriorError, match="not found"):
        read_posterior(tmp_path / "none.parquet", Scenario())
    (tmp_path / "text.parquet").write_text("not parquet")
    with pytest.raises(PosteriorError, match="not a readable Parquet file"):
        read_posterior(tmp_path / "text.parquet", Scenario())


def test_the_cli_reports_a_bad_posterior_without_traceback(factorial_file, tmp_path, capsys):
    bad = write_posterior(tmp_path / "bad.parquet", weight=None)
    out = tmp_path / "never"
    code = main(
        ["sweep", str(factorial_file), "--workers", "0", "--posterior", str(bad), "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"argument --posterior: {bad}: column 'weight' missing" in err
    assert not out.exists()


def test_a_posterior_named_in_the_experiment_file_must_exist(write_experiment):
    path = write_experiment(EXPERIMENT)
    with pytest.raises(ExperimentError, match="field 'posterior'.*post.parquet.*not found"):
        load_experiment(path)


# --------------------------------------------------------------------------- drawing


def test_draws_follow_the_weights_and_never_pick_a_weight_of_zero(tmp_path):
    post = read_posterior(
        write_posterior(tmp_path / "p.parquet", weight=[0.8, 0.2, 0.0]), Scenario()
    )
    drawn = np.array([d.particle for d in post.draws(4000, seed=9)])
    assert 12 not in drawn
    assert abs((drawn == 10).mean() - 0.8) < 0.03
    # a draw depends on (seed, index) only: more draws do not change the first ones
    assert [d.particle for d in post.draws(5, seed=9)] == list(drawn[:5])
    assert [d.particle for d in post.draws(50, seed=10)] != list(drawn[:50])
    assert post.draw(0, 9).overrides["crime.theft_rate"] == {10: 0.05, 11: 0.6}[drawn[0]]


def test_the_same_seed_draws_the_same_particles_in_another_process(tmp_path):
    path = write_posterior(tmp_path / "p.parquet", weight=[0.3, 0.3, 0.4])
    code = (
        f"from sim.posterior_sample import read_posterior; from sim.scenario import "
        f"Scenario; p = read_posterior({str(path)!r}, Scenario()); "
        f"print([d.particle for d in p.draws(30, seed=4)])"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    here = [d.particle for d in read_posterior(path, Scenario()).draws(30, seed=4)]
    assert other == str(here)
    assert len(set(here)) == 3


# --------------------------------------------------------------------------- sweeps


def _runs(out: Path) -> pd.DataFrame:
    return ResultStore.load(out).table("runs")


def test_each_replication_runs_at_its_own_particle_at_every_point(posterior_experiment, tmp_path):
    exp = load_experiment(posterior_experiment)
    report = run_sweep(exp, tmp_path / "out", workers=0)
    assert report.complete and not report.failed
    runs = _runs(tmp_path / "out")
    # the same particle and seed for replication r at both points: comparisons stay paired
    per_rep = runs.groupby("replication")[["particle", "seed"]].nunique()
    assert (per_rep == 1).all().all()
    drawn = [exp.particle_of(r).particle for r in range(4)]
    assert runs.groupby("replication")["particle"].first().tolist() == drawn
    assert set(drawn) == {10, 11}, "both particles of weight > 0 are drawn in 4 replications"
    manifest = ResultStore.load(tmp_path / "out").manifest
    assert manifest["posterior"]["particles"] == drawn
    # each run's scenario is the particle's overrides, then the point's factor value (which
    # wins over the particle's police_feedback = 0.3)
    for row in runs.itertuples():
        scen = point_scenario(
            exp.base,
            {
                "crime.theft_rate": {10: 0.05, 11: 0.6}[row.particle],
                "factors.police_feedback": row.feedback,
            },
        )
        assert row.scenario_hash == scen.content_hash()
    # a 12-fold theft rate shows: runs at particle 11 have more crimes than at 10 (in the mean;
    # a tiny run has a handful of crimes and only replication 1 is at particle 11, so this is a
    # direction check, not a size check)
    crimes = runs.groupby("particle")["crimes_per_1000"].mean()
    assert crimes[11] > crimes[10]
    # the analyses say their intervals include parameter uncertainty
    _, folder = compare(tmp_path / "out", ["crimes_per_1000"])
    assert "includes the calibrated parameters' uncertainty" in (folder / "report.md").read_text()


def test_posterior_sweeps_give_the_same_numbers_serial_parallel_and_resumed(
    posterior_experiment, tmp_path, client
):
    exp = load_experiment(posterior_experiment)
    run_sweep(exp, tmp_path / "serial", workers=0)
    first = run_sweep(exp, tmp_path / "parallel", client=client, limit=3)
    assert not first.complete
    second = run_sweep(load_experiment(posterior_experiment), tmp_path / "parallel", client=client)
    assert second.complete and (second.already, second.stored) == (3, 5)
    columns = ["point", "replication", "seed", "particle", "crimes_per_1000", "worry_gap"]
    pd.testing.assert_frame_equal(
        _runs(tmp_path / "serial")[columns], _runs(tmp_path / "parallel")[columns], check_exact=True
    )


def test_resuming_with_another_posterior_file_is_refused(posterior_experiment, tmp_path, capsys):
    out = tmp_path / "out"
    run_sweep(load_experiment(posterior_experiment), out, workers=0, limit=2)
    write_posterior(tmp_path / "post.parquet", weight=[0.4, 0.6, 0.0])  # the file changed
    with pytest.raises(
        StoreError,
        match="computed with the posterior sample .*post.parquet.*"
        "a resumed sweep must use the same posterior file",
    ):
        run_sweep(load_experiment(posterior_experiment), out, workers=0)
    # and without any posterior, through the command line
    code = main(
        [
            "sweep",
            str(posterior_experiment),
            "--workers",
            "0",
            "--out",
            str(out),
            "--posterior",
            str(write_posterior(tmp_path / "other.parquet", weight=[1.0, 0.0, 0.0])),
        ]
    )
    assert (
        code == 2 and "a resumed sweep must use the same posterior file" in capsys.readouterr().err
    )
    assert len(_runs(out)) == 2, "the refused sweeps left the stored runs alone"


def test_fixed_paths_win_over_the_posterior(posterior_experiment):
    fixed = posterior_experiment.with_name("fixed.toml")
    fixed.write_text(
        posterior_experiment.read_text().replace(
            "[design]", '[fixed]\n"crime.theft_rate" = 0.2\n[design]'
        )
    )
    exp = load_experiment(fixed)
    assert exp.base.crime.theft_rate == 0.2
    assert exp.run_overrides({}, 0) == {"factors.police_feedback": 0.3}
    assert exp.run_overrides({"factors.police_feedback": 1.0}, 0) == {
        "factors.police_feedback": 1.0
    }
