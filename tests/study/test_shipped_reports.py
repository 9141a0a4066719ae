"""The shipped study reports (docs/studies/) are the command's output: their tables agree with
the summary written beside them, and they answer the questions the issue asks with figures."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
REPORTS = sorted((ROOT / "docs" / "studies").glob("*.md"))


def test_every_shipped_study_has_its_report():
    studies = {p.stem for p in (ROOT / "scenarios" / "studies").glob("*.toml")}
    assert studies and studies == {p.stem for p in REPORTS}


@pytest.mark.parametrize("report", REPORTS, ids=lambda p: p.stem)
def test_report_tables_are_its_summary(report: Path):
    text = report.read_text(encoding="utf-8")
    summary = pd.read_csv(report.parent / f"{report.stem}_img" / "summary.csv")
    study = tomllib.loads((ROOT / "scenarios" / "studies" / f"{report.stem}.toml").read_text())
    assert set(summary["design"]) == {d["name"] for d in study["designs"]}
    for _, row in summary.iterrows():
        cells = (
            f"| {row['design']} | {row['estimator']} | {row['question']} | {row['sample_size']} |"
        )
        line = next(x for x in text.splitlines() if x.startswith(cells))
        assert f"| {100 * row['power']:.0f} % | {row['estimated']} |" in line, line
    reps = int(summary["replications"].max())
    assert f"from {reps} replications" in text
    assert (report.parent / f"{report.stem}_img" / "power.png").stat().st_size > 10_000
    for heading in ("## Summary", "## Samenvatting", "## Cost"):
        assert heading in text


def test_rotterdam_report_answers_both_questions_for_the_design_as_run():
    text = (ROOT / "docs" / "studies" / "rotterdam.md").read_text(encoding="utf-8")
    summary_en = text.split("## Summary", 1)[1].split("## Samenvatting", 1)[0]
    for needed in (
        "**Intervention effect.**",
        "**as_run**, before_after: at the size as run (300 per round)",
        "**as_run**, difference_in_means: at the size as run (300 per round)",
        "**Selection or exposure.**",
        "**Smallest study that answers**",
    ):
        assert needed in summary_en, needed
