"""Sensitivity and comparison find the factors that matter, with honest intervals.

These use the stand-in run function (tests/experiments/standin.py), whose outcomes are a known
function of the factors: worry_members = 0.3 + 0.1 × exposure − 0.2 × police_feedback + noise,
participation rises with coverage only, crimes depend on coverage × signs only (a pure
interaction of the two).
"""

from __future__ import annotations

import numpy as np
import pytest
from SALib.analyze import sobol

from sim.cli import main
from sim.experiments.execute import run_sweep
from sim.experiments.spec import load_experiment

from .standin import standin_run

FACTORS = """
[[factors]]
path = "factors.police_feedback"
label = "feedback"
range = [0.0, 1.0]
[[factors]]
path = "messages.exposure"
label = "exposure"
range = [0.0, 1.0]
[[factors]]
path = "areas.*.coverage"
label = "coverage"
range = [0.2, 1.0]
[[factors]]
path = "factors.signs"
label = "signs"
[outputs]
summary = ["worry_members", "worry_nonmembers", "participation", "crimes_per_1000"]
weekly = []
survey = false
"""

DISCRETE = FACTORS.replace("range = [0.0, 1.0]", "values = [0.0, 1.0]").replace(
    "range = [0.2, 1.0]", "values = [0.2, 1.0]"
)


def _sweep(write_experiment, tmp_path, head: str, name: str, factors: str = FACTORS):
    path = write_experiment(
        f'name = "{name}"\nscenario = "tiny.toml"\n' + head + factors, f"{name}.toml"
    )
    out = tmp_path / name
    report = run_sweep(load_experiment(path), out, workers=0, run_fn=standin_run)
    assert report.complete
    return out


def test_sobol_ranks_the_factors_and_averages_replications(
    write_experiment, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("BUURTSIM_TEST_NOISE", "0.03")
    out = _sweep(
        write_experiment,
        tmp_path,
        'replications = 3\n[design]\nmethod = "sobol"\nsamples = 32\nseed = 5\n',
        "sobol",
    )
    assert main(["sensitivity", str(out), "--outcome", "worry_members,crimes_per_1000"]) == 0
    assert "worry_members: most influential feedback" in capsys.readouterr().out
    folder = out / "sensitivity-sobol"
    assert (folder / "indices.png").read_bytes()[:4] == b"\x89PNG"
    import pandas as pd

    table = pd.read_csv(folder / "indices.csv").set_index(["outcome", "factor"])
    worry = table.loc["worry_members"]
    # true first-order indices: feedback 0.8, exposure 0.2, the others 0
    assert worry.loc["feedback", "S1"] > 0.55 > worry.loc["exposure", "S1"] > 0.05
    assert worry.loc["coverage", "ST"] < 0.12 and worry.loc["signs", "ST"] < 0.12
    # coverage and signs act only together on crime: total order high, first order low
    crime = table.loc["crimes_per_1000"]
    assert (crime.loc[["coverage", "signs"], "ST"] > 0.6).all()
    assert (crime.loc[["coverage", "signs"], "S1"] < 0.2).all()
    assert crime.loc["feedback", "ST"] < 0.05
    # one replication alone: noise shows up as spurious total-order sensitivity
    runs = pd.read_parquet(out / "runs").sort_values("point")
    single = runs[runs["replication"] == 0]["worry_members"].to_numpy()
    problem = {"num_vars": 4, "names": ["a", "b", "c", "d"], "bounds": [[0, 1]] * 4}
    noisy = sobol.analyze(problem, single, calc_second_order=False, seed=1)
    assert noisy["ST"][2] > worry.loc["coverage", "ST"] + 0.04
    report = (folder / "report.md").read_text()
    assert "averaged per design point" in report and "Replication noise" in report


def test_morris_screens_out_the_inert_factor(write_experiment, tmp_path):
    from sim.experiments.sensitivity import sensitivity

    out = _sweep(
        write_experiment,
        tmp_path,
        'replications = 2\n[design]\nmethod = "morris"\nsamples = 12\nlevels = 4\nseed = 3\n',
        "morris",
    )
    table, _ = sensitivity(out, ["worry_members", "participation"])
    mu = table.set_index(["outcome", "factor"])["mu_star"]
    assert (
        mu["worry_members", "feedback"]
        > mu["worry_members", "exposure"]
        > 5 * mu["worry_members", "coverage"]
    )
    assert mu["participation", "coverage"] > 5 * mu["participation", "feedback"]


def test_compare_recovers_paired_effects_with_intervals(write_experiment, tmp_path, capsys):
    out = _sweep(
        write_experiment,
        tmp_path,
        'replications = 8\n[design]\nmethod = "factorial"\n',
        "factorial",
        DISCRETE,
    )
    assert (
        main(["compare", str(out), "--outcome", "worry_members", "--outcome", "worry_nonmembers"])
        == 0
    )
    assert "feedback = 1.0 vs 0.0" in capsys.readouterr().out
    import pandas as pd

    table = pd.read_csv(out / "compare" / "effects.csv")
    row = table[(table.outcome == "worry_members") & (table.factor == "feedback")].iloc[0]
    assert row.ci_low < -0.2 < row.ci_high and row.ci_high < 0  # true effect: −0.2
    row = table[(table.outcome == "worry_members") & (table.factor == "exposure")].iloc[0]
    assert row.ci_low < 0.1 < row.ci_high  # true effect: +0.1
    none = table[table.outcome == "worry_nonmembers"]
    assert ((none.ci_low < 0) & (none.ci_high > 0)).all()  # no true effect
    assert (out / "compare" / "effects.png").read_bytes()[:4] == b"\x89PNG"


def test_compare_one_at_a_time_against_the_base(write_experiment, tmp_path):
    from sim.experiments.compare import compare

    path = write_experiment(
        """
        name = "oat"
        scenario = "tiny.toml"
        replications = 5
        [design]
        method = "oat"
        [[factors]]
        path = "factors.police_feedback"
        values = [0.9]
        [[factors]]
        path = "factors.signs"
        values = [true]
        [outputs]
        summary = ["worry_members"]
    """,
        "oat.toml",
    )
    out = tmp_path / "oat"
    run_sweep(load_experiment(path), out, workers=0, run_fn=standin_run)
    table, _ = compare(out)
    effect = table.set_index("factor")["effect"]
    assert effect["factors.police_feedback"] == pytest.approx(-0.2 * (0.9 - 0.2), abs=0.01)
    assert abs(effect["factors.signs"]) < 0.01
    assert np.isfinite(table["ci_low"]).all()


def test_analyses_refuse_wrong_or_unfinished_sweeps(write_experiment, tmp_path, capsys):
    path = write_experiment(
        'name = "f"\nscenario = "tiny.toml"\n[design]\nmethod = "factorial"\n' + DISCRETE, "f.toml"
    )
    out = tmp_path / "f"
    run_sweep(load_experiment(path), out, workers=0, run_fn=standin_run, limit=3)
    assert main(["compare", str(out)]) == 2
    assert "not complete (3 of 16 runs" in capsys.readouterr().err
    run_sweep(load_experiment(path), out, workers=0, run_fn=standin_run)
    assert main(["sensitivity", str(out)]) == 2
    err = capsys.readouterr().err
    assert "factorial design" in err and "buurtsim compare" in err
    assert main(["compare", str(out), "--outcome", "worry"]) == 2
    assert "allowed: worry_members" in capsys.readouterr().err
    assert main(["sensitivity", str(tmp_path)]) == 2
    assert "not a sweep results folder" in capsys.readouterr().err


def test_compare_with_one_replication_says_there_are_no_intervals(
    write_experiment, tmp_path, capsys
):
    out = _sweep(
        write_experiment,
        tmp_path,
        'replications = 1\n[design]\nmethod = "factorial"\n',
        "factorial",
        DISCRETE,
    )
    capsys.readouterr()
    assert main(["compare", str(out), "--outcome", "worry_members"]) == 0
    printed = capsys.readouterr().out
    assert "none with a 95 % interval" in printed and "replications ≥ 2" in printed
    assert "0 of" not in printed
