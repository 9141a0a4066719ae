"""Bad study files and flags: a clear message naming file and field, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.study.spec import StudyError, load_study, validate_study_file
from tests.study.conftest import TINY_STUDY


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = main(["study", *argv, "--quiet"])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('kind = "cross_section"', 'kind = "cohort"'), ["designs.0.kind", "'cross_section'"]),
        (("sample_sizes = [60, 120]", "sample_sizes = [120, 60]"), ["sample_sizes", "increase"]),
        (("sample_sizes = [60, 120]", "sample_sizes = [5]"), ["sample_sizes", "10–100000"]),
        (("day = 29", "day = 400"), ["designs.0.waves.1.day", "past the scenario's last day"]),
        (('"did"]', '"did", "iv"]'), ["designs.0", "'iv' is not available", "allowed:"]),
        (("seed = 5", "seed = 5\nreplicatons = 3"), ["replicatons", "unknown key"]),
        (('scenario = "exposure.toml"', 'scenario = "nowhere.toml"'), ["field 'scenario'"]),
        (("as_run = 60", "as_run = 70"), ["as_run", "must be one of sample_sizes"]),
        (('posterior = "none"', 'posterior = "missing.parquet"'), ["field 'posterior'"]),
        (
            ('scenario = "exposure.toml"', 'scenario = "exposure_only.toml"'),
            ["no [[interventions]]", "before_after, did", "allowed here: difference_in_means"],
        ),
    ],
)
def test_bad_study_file_names_file_and_field(write_study, capsys, tmp_path, change, expected):
    old, new = change
    assert old in TINY_STUDY
    path = write_study(TINY_STUDY.replace(old, new))
    out = tmp_path / "results"
    code, err = _run(capsys, str(path), "--out", str(out), "--workers", "0")
    assert code == 2
    assert str(path) in err
    for text in expected:
        assert text in err, err
    assert "Traceback" not in err
    assert not out.exists()
    with pytest.raises(StudyError):
        validate_study_file(path)


def test_encouragement_needs_an_invitation(write_study):
    text = TINY_STUDY.replace('kind = "cross_section"', 'kind = "encouragement"').replace(
        '"before_after", "did"', '"iv"'
    )
    with pytest.raises(StudyError, match=r"designs\.0.*invitation"):
        load_study(write_study(text))


def test_bad_flags_and_files_exit_2(tiny_study, capsys, tmp_path):
    assert _run(capsys, str(tiny_study), "--workers", "-1")[0] == 2
    code, err = _run(capsys, str(tmp_path / "absent.toml"), "--workers", "0")
    assert code == 2 and "file not found" in err
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [", encoding="utf-8")
    code, err = _run(capsys, str(bad), "--workers", "0")
    assert code == 2 and "bad TOML" in err
    code, err = _run(capsys, str(tiny_study), "--workers", "0", "--report", "x.txt")
    assert code == 2 and "--report" in err


def test_out_folder_of_something_else_is_left_alone(tiny_study, capsys, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    code, err = _run(capsys, str(tiny_study), "--out", str(out), "--workers", "0")
    assert code == 2 and "not empty" in err
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_shipped_studies_are_valid():
    folder = Path(__file__).resolve().parents[2] / "scenarios" / "studies"
    files = sorted(folder.glob("*.toml"))
    assert files, "no shipped study files"
    for f in files:
        study = load_study(f)
        assert study.spec.replications >= 2
