"""docs/calibration.md shows the shipped calibration's report, as generated."""

from __future__ import annotations

import json

from sim.calibrate.docs import DOC, IMG, RESULTS, render, results_section


def test_docs_page_holds_the_shipped_report_unchanged():
    page = DOC.read_text(encoding="utf-8")
    report = (RESULTS / "report.md").read_text(encoding="utf-8")
    assert render(page, report) == page, "run: uv run python -m sim.calibrate.docs"
    for png in (RESULTS / "figures").glob("*.png"):
        assert (IMG / png.name).read_bytes() == png.read_bytes(), png.name


def test_results_section_demotes_headings_and_points_figures_at_docs():
    text = results_section("# Calibration report\n\n## Posterior\n\n![m](figures/m.png)\n")
    assert text.startswith("### Posterior") and "](img/calibration/m.png)" in text


def test_shipped_results_carry_no_absolute_machine_paths():
    for path in RESULTS.rglob("*"):
        if path.suffix in {".md", ".csv", ".json", ".toml"}:
            text = path.read_text(encoding="utf-8")
            assert "/work/" not in text and "/home/" not in text and "/tmp/" not in text, path
    meta = json.loads((RESULTS / "calibration.json").read_text(encoding="utf-8"))
    for key in ("targets_file", "priors_file"):
        assert not meta[key].startswith("/"), meta[key]
