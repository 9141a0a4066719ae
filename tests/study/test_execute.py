"""Running a study: serial and on Dask alike, resumable, and a report generated from the results;
the estimators read field data in the shared microdata schema."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.study.estimators import ESTIMATORS, did
from sim.study.execute import StudyStore, replicate, run_study
from sim.study.report import write_report
from sim.study.spec import load_study
from sim.survey import read_field_data

FIELD_CSV = Path(__file__).resolve().parents[2] / "calibration" / "examples"
FIELD_CSV = FIELD_CSV / "SYNTHETIC_field_survey.csv"


class Stop(Exception):
    """Stands in for a study killed half-way."""


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    drop = ["elapsed_s", "cpu_s", "simulation_cpu_s"]
    keys = ["replication", "design", "sample_size", "estimator"]
    return frame.drop(columns=drop).sort_values(keys).reset_index(drop=True)


def test_a_killed_study_resumes_without_redoing_finished_replications(tiny_study, tmp_path):
    study = load_study(tiny_study)
    out = tmp_path / "out"

    def stop_after_two(report) -> None:
        if report.stored == 2:
            raise Stop

    with pytest.raises(Stop):
        run_study(study, out, workers=0, on_stored=stop_after_two)
    assert len(StudyStore.load(out).done()) == 2
    # the killed run's time is on record (the report's cost sums every run)
    killed = StudyStore.load(out).manifest
    assert killed["wall_seconds"] > 0 and [r["stored"] for r in killed["runs"]] == [2]
    computed: list[int] = []

    def counting(study_, rep):
        computed.append(rep)
        return replicate(study_, rep)

    report = run_study(study, out, workers=0, replicate_fn=counting)
    assert computed == [2] and report.already == 2 and report.complete
    manifest = StudyStore.load(out).manifest
    assert [r["stored"] for r in manifest["runs"]] == [2, 1]
    assert manifest["wall_seconds"] > killed["wall_seconds"]
    assert all(r["load_start"] >= 0 and r["cores"] >= 1 for r in manifest["runs"])
    cost = write_report(StudyStore.load(out), tmp_path / "report.md").read_text(encoding="utf-8")
    assert "in 2 runs: the study was stopped and resumed" in cost.split("## Cost", 1)[1]
    resumed = _sorted(StudyStore.load(out).table("estimates"))
    fresh_out = tmp_path / "fresh"
    run_study(study, fresh_out, workers=0)
    pd.testing.assert_frame_equal(resumed, _sorted(StudyStore.load(fresh_out).table("estimates")))


def test_a_broken_replication_file_is_computed_again(tiny_study, tmp_path):
    study = load_study(tiny_study)
    out = tmp_path / "out"
    run_study(study, out, workers=0)
    broken = out / "estimates" / "r0001.parquet"
    broken.write_bytes(b"not parquet")
    computed = []
    run_study(
        study, out, workers=0, replicate_fn=lambda s, r: computed.append(r) or replicate(s, r)
    )
    assert computed == [1]


def test_dask_gives_the_same_results_as_serial(tiny_study, tmp_path, cluster):
    from distributed import Client

    study = load_study(tiny_study)
    run_study(study, tmp_path / "serial", workers=0)
    with Client(cluster) as client:
        report = run_study(study, tmp_path / "dask", client=client)
    assert report.complete and not report.failed
    pd.testing.assert_frame_equal(
        _sorted(StudyStore.load(tmp_path / "serial").table("estimates")),
        _sorted(StudyStore.load(tmp_path / "dask").table("estimates")),
    )


def test_cli_writes_results_and_a_report_with_figures(tiny_study, tmp_path, capsys):
    out, md = tmp_path / "out", tmp_path / "docs" / "tiny.md"
    code = main(
        ["study", str(tiny_study), "--workers", "0", "--out", str(out), "--report", str(md)]
    )
    assert code == 0, capsys.readouterr().err
    text = md.read_text(encoding="utf-8")
    for heading in ("## Summary", "## Samenvatting", "## Power", "## Bias and coverage"):
        assert heading in text
    assert (tmp_path / "docs" / "tiny_img" / "power.png").stat().st_size > 1000
    assert (out / "report.md").exists()
    summary = pd.read_csv(tmp_path / "docs" / "tiny_img" / "summary.csv")
    row = summary.query("estimator == 'did' and sample_size == 60").iloc[0]
    assert f"{100 * row['coverage']:.0f} %" in text  # the report's figures are the table's
    assert "3 replications" in text
    # running again computes nothing and reports the same
    assert main(["study", str(tiny_study), "--workers", "0", "--out", str(out)]) == 0
    assert "0 replications computed, 3 already stored" in capsys.readouterr().out


def test_report_never_overwrites_a_file_it_did_not_write(tiny_study, tmp_path, capsys):
    notes = tmp_path / "notes.md"
    notes.write_text("# my own notes\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["study", str(tiny_study), "--workers", "0", "--out", str(out), "--report"]
    assert main([*args, str(notes)]) == 2
    assert "not a study report" in capsys.readouterr().err
    assert notes.read_text(encoding="utf-8") == "# my own notes\n"
    assert not out.exists()  # refused before any replication ran
    report = tmp_path / "report.md"
    assert main([*args, str(report)]) == 0
    assert main([*args, str(report)]) == 0  # its own report is rewritten


def test_estimators_read_field_data_in_the_shared_schema():
    data = read_field_data(FIELD_CSV)
    first, last = list(dict.fromkeys(data["wave"]))[:2]
    for name in ("difference_in_means", "before_after", "did"):
        e = ESTIMATORS[name](data, "pct_unsafe", first, last)
        assert np.isfinite(e.estimate) and e.ci_low < e.estimate < e.ci_high, name
    # DiD by hand: the change of participants minus the change of non-participants
    y = 100 * (data["feel_unsafe"] != "never")
    mean = y.groupby([data["participant"], data["wave"]]).mean()
    by_hand = (mean[True][last] - mean[True][first]) - (mean[False][last] - mean[False][first])
    assert did(data, "pct_unsafe", first, last).estimate == pytest.approx(by_hand)


def test_a_study_asked_for_fewer_replications_reports_on_its_own(tiny_study, write_study, tmp_path):
    """Replication r does not depend on how many are asked: a shorter study reuses the folder
    of a longer one and reports only on its own replications."""
    out = tmp_path / "out"
    run_study(load_study(tiny_study), out, workers=0)
    fewer = write_study(tiny_study.read_text().replace("replications = 3", "replications = 2"))
    report = run_study(load_study(fewer), out, workers=0)
    assert report.stored == 0 and report.complete
    store = StudyStore.load(out)
    assert sorted(store.table("estimates")["replication"].unique()) == [0, 1]
    text = write_report(store, tmp_path / "fewer.md").read_text(encoding="utf-8")
    assert "from 2 replications" in text
