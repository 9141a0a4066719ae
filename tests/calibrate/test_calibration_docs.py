"""docs/calibration.md shows the shipped calibration's report, as generated."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.calibrate.docs import (
    DOC,
    IMG,
    RESULTS,
    load_recovery,
    recovery_section,
    render,
    results_section,
)


def test_docs_page_holds_the_shipped_report_unchanged():
    page = DOC.read_text(encoding="utf-8")
    report = (RESULTS / "report.md").read_text(encoding="utf-8")
    assert render(page, report, load_recovery()) == page, "run: uv run python -m sim.calibrate.docs"
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


def test_recovery_section_counts_covered_truths_per_parameter():
    per_truth = pd.DataFrame(
        {
            "truth_id": [0, 0, 1, 1, 2, 2],
            "parameter": ["a", "b"] * 3,
            "covered": [True, True, True, False, False, True],
            "width_vs_prior": [0.3, 0.9] * 3,
        }
    )
    summary = pd.DataFrame(
        {
            "parameter": ["a", "b"],
            "coverage": [2 / 3, 2 / 3],
            "width_vs_prior": [0.3, 0.9],
            "identifiability": ["identified", "not identified by these targets"],
        }
    )
    run = {
        "budget": 300,
        "population": 40,
        "commit": "abc1234",
        "date": "2026-12-01",
        "minutes": 61.0,
    }
    text = recovery_section(summary, per_truth, run)
    assert "| `a` | 2 of 3 (67 %) | 0.30 | identified |" in text
    assert "3 truths" in text and "`abc1234`" in text and "61 min" in text
    assert "in 67 % of cases" in text


def test_docs_say_which_calibration_the_shipped_scenario_comes_from():
    """The shipped scenario is replaced by a calibration that passes the joint check, or by
    one installed with --force, which the file and the page then say; otherwise
    scenarios/calibrated.toml must not be that run's, and the page must say whose it is."""
    import re

    from sim.shipped import SCENARIO_DIR

    meta = json.loads((RESULTS / "calibration.json").read_text(encoding="utf-8"))
    passes = meta["joint_check"][meta["installed_structure"]]["passes"]
    header = (SCENARIO_DIR / "calibrated.toml").read_text(encoding="utf-8")[:1500]
    shipped_hash = re.search(r"targets hash ([0-9a-f]{12})", header).group(1)
    installed = meta["targets_hash"].startswith(shipped_hash)
    forced = "# Installed with --force although" in header
    page = DOC.read_text(encoding="utf-8")
    assert installed or not forced
    if passes:
        assert installed and not forced
    if installed:
        assert "still come from the first calibration" not in page
        assert forced == ("installed with `--force`" in page)
    else:
        assert "still come from the first calibration" in page


def test_an_installed_scenario_holds_the_reported_point():
    """When scenarios/calibrated.toml comes from the shipped calibration, it holds exactly
    the point the report checked (the `--point` rule's parameters and the structure's
    switches on the primary scenario), so the report's ten-seed check is about this file."""
    import re

    from sim.calibrate.priors import load_priors
    from sim.scenario import load_scenario, resolve_scenario_path
    from sim.shipped import SCENARIO_DIR

    meta = json.loads((RESULTS / "calibration.json").read_text(encoding="utf-8"))
    shipped_file = SCENARIO_DIR / "calibrated.toml"
    header = shipped_file.read_text(encoding="utf-8")[:1500]
    shipped_hash = re.search(r"targets hash ([0-9a-f]{12})", header).group(1)
    if not meta["targets_hash"].startswith(shipped_hash):
        return  # not installed: the docs test above checks that the page says so
    assert f"(--point {meta['point']['rule']})" in header
    base = load_scenario(resolve_scenario_path(meta["primary_file"]))
    structure = meta["structures"][meta["installed_structure"]]["overrides"]
    overrides = load_priors().overrides(meta["point"]["parameters"], meta["primary"], base)
    expected = _flat(base.with_overrides({**overrides, **structure}).model_dump(mode="json"))
    shipped = _flat(load_scenario(shipped_file).model_dump(mode="json"))
    for key in ("name", "description"):
        expected.pop(key), shipped.pop(key)
    assert shipped.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, float):
            assert shipped[key] == pytest.approx(value, rel=1e-5, abs=1e-6), key
        else:
            assert shipped[key] == value, key


def _flat(data, prefix: str = "") -> dict:
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return {prefix: data}
    out = {}
    for k, v in items:
        out |= _flat(v, f"{prefix}.{k}" if prefix else str(k))
    return out
