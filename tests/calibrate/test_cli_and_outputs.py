"""`buurtsim calibrate` refuses bad input clearly; the calibrated scenario file is usable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.posterior import calibrated_toml, weighted_quantile
from sim.calibrate.priors import load_priors
from sim.cli import main
from sim.scenario import load_scenario, resolve_scenario_path


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as e:  # argparse errors
        return int(e.code)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--budget", "ten"], "'ten' is not a whole number"),
        (["--budget", "5"], "must be at least 20"),
        (["--workers", "2", "--scheduler", "tcp://x:1"], "not allowed with argument"),
        (["--budget", "50", "--population", "40"], "too small for --population 40"),
        (["--refresh-generations", "-1"], "--refresh-generations: must be at least 0, got -1"),
        (["--validation-seeds", "-1"], "--validation-seeds: must be at least 0, got -1"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line(tmp_path, capsys, argv, message):
    code = _exit_code(["calibrate", *argv, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_bad_targets_file_is_a_user_error_before_anything_is_written(tmp_path, capsys):
    bad = tmp_path / "t.toml"
    bad.write_text("version = 1\n", encoding="utf-8")
    code = main(["calibrate", "--targets", str(bad), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and str(bad) in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_unreachable_scheduler_is_reported(tmp_path, capsys):
    code = main(
        [
            "calibrate",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--budget",
            "40",
            "--population",
            "10",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "cannot connect" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_bad_field_data_names_row_and_column(tmp_path, capsys):
    csv = tmp_path / "f.csv"
    csv.write_text(
        "wave,respondent,area,participant,feel_unsafe,safety_grade,"
        "report_willingness,gov_proximity\npre,1,A,true,never,7,3,3\n"
        "pre,2,A,false,altijd,7,3,3\n",
        encoding="utf-8",
    )
    code = main(["calibrate", "--field-data", str(csv), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "row 3, column 'feel_unsafe'" in err
    assert not (tmp_path / "o").exists()


def test_weighted_quantile_respects_weights():
    x = np.array([0.0, 1.0, 2.0])
    assert weighted_quantile(x, np.array([1, 1, 1]), 0.5) == pytest.approx(1.0)
    assert weighted_quantile(x, np.array([0.01, 0.01, 10]), 0.5) == pytest.approx(2.0, abs=0.01)


def test_calibrated_scenario_extends_the_base_and_sets_the_medians(tmp_path):
    base_file = resolve_scenario_path("rotterdam_experiment")
    base = load_scenario(base_file)
    priors = load_priors()
    medians = {
        "membership.selection_worry": -0.7,
        "messages.alert_worry": 0.05,
        "rotterdam.worry_shift": 0.08,
        "messages.reassurance_scale": 0.5,
    }
    overrides = priors.overrides(medians, "rotterdam", base)
    dest = tmp_path / "calibrated.toml"
    dest.write_text(calibrated_toml(overrides, base, base_file, dest, "test"), encoding="utf-8")
    text = dest.read_text(encoding="utf-8")
    assert "extends =" in text
    s = load_scenario(dest)
    assert s.membership.selection_worry == pytest.approx(-0.7)
    assert s.messages.alert_worry == pytest.approx(0.05)
    assert s.areas[0].worry_shift == pytest.approx(base.areas[0].worry_shift + 0.08)
    assert s.areas[1].name == base.areas[1].name
    assert s.messages.feedback_relief == pytest.approx(base.messages.feedback_relief * 0.5)
    assert s.interventions == base.interventions  # everything else is inherited


def test_posterior_overrides_apply_to_the_base_scenario():
    from sim.calibrate.posterior import particle_overrides

    base = load_scenario(resolve_scenario_path("rotterdam_experiment"))
    priors = load_priors()
    rng = np.random.default_rng(0)
    post = pd.DataFrame({n: p.sample(rng, 3) for n, p in priors.parameter.items()})
    post["weight"] = 1 / 3
    table = particle_overrides(post, priors, base, "rotterdam")
    assert len(table) == 3 and table["weight"].sum() == pytest.approx(1)
    row = table.iloc[1].drop(["particle", "weight"]).to_dict()
    s = base.with_overrides(row)
    assert s.membership.selection_worry == pytest.approx(post.loc[1, "membership.selection_worry"])
    # parameters of other calibration scenarios do not leak into the primary one
    assert not any(k.startswith("areas.") and k.endswith("coverage") for k in row)


def test_shipped_calibrated_scenario_loads_if_present():
    path = Path(__file__).resolve().parents[2] / "scenarios" / "calibrated.toml"
    if not path.exists():
        pytest.skip("no shipped calibration yet")
    s = load_scenario(path)
    assert s.name.endswith("calibrated")


def test_results_folder_holding_a_users_file_is_refused_before_any_sampling(tmp_path, capsys):
    """The results are written last; a results folder buurtsim would refuse to replace is
    refused at the start, not after an hour of sampling, and the user's file stays."""
    out = tmp_path / "o"
    (out / "results").mkdir(parents=True)
    notes = out / "results" / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    code = main(["calibrate", "--report-only", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "results: folder holds files buurtsim did not write" in err
    assert "Traceback" not in err
    assert notes.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in out.rglob("*")) == ["notes.txt", "results"]


def test_every_result_file_is_one_buurtsim_may_replace():
    """Each file the results writer names is listed as a calibration result, so a second
    report into the same folder replaces the first instead of refusing it."""
    import re

    from sim.outdir import KINDS

    allowed = KINDS["calibration results"][1]
    source = "".join(
        (Path(__file__).parents[2] / "sim" / "calibrate" / f).read_text(encoding="utf-8")
        for f in ("outputs.py", "report.py")
    )
    written = set(re.findall(r'tmp / "([^"/]+)"', source)) | set(
        re.findall(r'folder / "([^"/]+)"', source)
    )
    assert "point_validation.csv" in written
    assert written <= allowed, written - allowed


def test_a_new_out_folder_passes_the_early_results_check(tmp_path, capsys):
    """The early check of OUT/results leaves a folder that does not exist yet alone: the
    command goes on to its own checks (here: nothing sampled to report on)."""
    code = main(["calibrate", "--report-only", "--out", str(tmp_path / "new")])
    err = capsys.readouterr().err
    assert code == 2 and "--report-only needs a finished generation of every run" in err
    assert "parent folder" not in err and not (tmp_path / "new").exists()
