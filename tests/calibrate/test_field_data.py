"""Field microdata: checked with row/column errors; replaces the targets it covers using the
same analysis code as simulated surveys."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sim.calibrate.field_data import apply_field_data, covers
from sim.calibrate.observe import observe_survey
from sim.calibrate.targets import load_targets
from sim.errors import UserError
from sim.survey import gaps

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "calibration" / "examples" / "SYNTHETIC_field_survey.csv"


@pytest.fixture
def example() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)


def _write(tmp_path: Path, df: pd.DataFrame) -> Path:
    path = tmp_path / "field.csv"
    df.to_csv(path, index=False)
    return path


def test_example_file_is_labelled_synthetic_and_valid():
    assert "SYNTHETIC" in EXAMPLE.name
    readme = (EXAMPLE.parent / "README.md").read_text(encoding="utf-8")
    assert "not real" in readme.lower() or "not field data" in readme.lower()
    targets, replaced, data = apply_field_data(load_targets(), EXAMPLE)
    assert set(replaced) == {
        "F7-unsafe",
        "F7-grade",
        "F8-unsafe",
        "F8-grade",
        "F8-willingness",
        "F8-proximity",
    }
    assert set(data["wave"]) == {"pre", "post"}


def test_replaced_targets_use_the_survey_analysis_code(example):
    targets, _, data = apply_field_data(load_targets(), EXAMPLE)
    t = targets.by_id("F7-unsafe")
    # the direction became the observed size with its 95 % interval
    assert t.direction is None and t.certainty == "H"
    g = gaps(data)
    expected = g[g["indicator"] == "pct_unsafe"]["gap"].mean() / 100
    assert (t.interval[0] + t.interval[1]) / 2 == pytest.approx(expected, abs=1e-9)
    original = load_targets().by_id("F7-unsafe")
    assert observe_survey(original, data) == pytest.approx(expected, abs=1e-9)


def test_targets_the_data_cannot_measure_are_kept(example):
    targets = load_targets()
    data = example.assign(participant=example["participant"] == "True")
    assert not covers(targets.by_id("F1"), data, targets.primary)  # not a survey target
    assert not covers(targets.by_id("F2-often"), data, targets.primary)  # needs participation
    only_pre = data[data["wave"] == "pre"]
    assert covers(
        targets.by_id("F7-grade").model_copy(update={"waves": ["pre"]}), only_pre, targets.primary
    )
    assert not covers(targets.by_id("F8-unsafe"), only_pre, targets.primary)


def test_missing_column_is_named(tmp_path, example):
    path = _write(tmp_path, example.drop(columns=["safety_grade"]))
    with pytest.raises(UserError, match="missing column.*safety_grade"):
        apply_field_data(load_targets(), path)


def test_unknown_answer_code_names_row_and_column(tmp_path, example):
    example.loc[4, "feel_unsafe"] = "vaak"
    path = _write(tmp_path, example)
    with pytest.raises(UserError, match=r"row 6, column 'feel_unsafe'.*'vaak'.*never"):
        apply_field_data(load_targets(), path)


def test_out_of_range_grade_names_row_and_column(tmp_path, example):
    example.loc[10, "safety_grade"] = "11"
    path = _write(tmp_path, example)
    with pytest.raises(UserError, match=r"row 12, column 'safety_grade'"):
        apply_field_data(load_targets(), path)


def test_empty_group_is_refused(tmp_path, example):
    no_members_post = example[~((example["wave"] == "post") & (example["participant"] == "True"))]
    path = _write(tmp_path, no_members_post)
    with pytest.raises(UserError, match=r"wave 'post' has no participants"):
        apply_field_data(load_targets(), path)


def test_field_data_covering_no_target_is_refused(tmp_path, example):
    from sim.calibrate.pipeline import CalibrationSettings, prepare
    from sim.calibrate.sampling import CalibrationError

    path = _write(
        tmp_path, example.assign(wave=example["wave"].map({"pre": "2019", "post": "2023"}))
    )
    with pytest.raises(CalibrationError, match="cover no target"):
        prepare(CalibrationSettings(out=tmp_path / "o", field_data=path))
    assert not (tmp_path / "o").exists()


def test_field_values_are_finite(example):
    targets, replaced, _ = apply_field_data(load_targets(), EXAMPLE)
    for tid in replaced:
        lo, hi = targets.by_id(tid).interval
        assert math.isfinite(lo) and math.isfinite(hi) and lo < hi
