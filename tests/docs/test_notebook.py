"""The researchers' first-hour notebook runs from top to bottom and shows its tables.

The notebook is executed with nbclient on a kernel that uses this project's Python (the one
running pytest, i.e. ``.venv``), so it cannot silently rot as the model changes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "notebooks" / "quickstart.ipynb"


def venv_kernel(tmp: Path) -> str:
    """A Jupyter data folder whose only kernelspec starts ipykernel with this interpreter."""
    spec = tmp / "kernels" / "buurtsim-venv"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "buurtsim .venv",
                "language": "python",
            }
        )
    )
    return str(tmp)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    tmp = tmp_path_factory.mktemp("jupyter")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", venv_kernel(tmp))
        mp.setenv("JUPYTER_PLATFORM_DIRS", "1")
        client = NotebookClient(
            nb,
            kernel_name="buurtsim-venv",
            timeout=600,
            resources={"metadata": {"path": str(NOTEBOOK.parent)}},
        )
        client.execute()
    return nb


def tagged(nb: nbformat.NotebookNode, tag: str) -> str:
    """All text and HTML output of the cell tagged ``tag``."""
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}"
    parts = []
    for out in cells[0].get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out["text"])
        data = out.get("data", {})
        parts.append(data.get("text/plain", ""))
        parts.append(data.get("text/html", ""))
    return "\n".join(parts)


def test_notebook_is_stored_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "clear the notebook's outputs before committing it"
    )


def test_runs_on_the_project_python(executed: nbformat.NotebookNode) -> None:
    assert f"python : {sys.executable}" in tagged(executed, "setup")


def test_no_cell_reports_an_error(executed: nbformat.NotebookNode) -> None:
    errors = [
        out
        for c in executed.cells
        if c.cell_type == "code"
        for out in c.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors


def test_summary_and_survey_tables(executed: nbformat.NotebookNode) -> None:
    summary = tagged(executed, "summary-table")
    for key in ("unsafe_members", "unsafe_nonmembers", "unsafe_gap", "participation"):
        assert key in summary
    survey = tagged(executed, "survey-table")
    assert "participants" in survey and "non_participants" in survey
    assert "pct_unsafe" in survey


def test_parquet_outputs_read_back(executed: nbformat.NotebookNode) -> None:
    daily = tagged(executed, "daily-table")
    assert "730 days, seed 1" in daily
    assert "unsafe_members" in daily and "posts_feedback" in daily


def test_sweep_results_table(executed: nbformat.NotebookNode) -> None:
    runs = tagged(executed, "runs-table")
    assert "exposure" in runs and "unsafe_gap" in runs
    sweep = tagged(executed, "sweep-table")
    assert "mean" in sweep and "std" in sweep
    duck = tagged(executed, "duckdb-table")
    # one row per design point (exposure off and on), three replications each
    rows = re.findall(r"^\d+\s+([01]\.0)\s+(\d+)\s", duck, flags=re.MULTILINE)
    assert rows == [("0.0", "3"), ("1.0", "3")], duck


def test_overrides_compare_with_the_same_seed_and_bad_values_are_refused(
    executed: nbformat.NotebookNode,
) -> None:
    table = tagged(executed, "overrides-table")
    assert "police feedback 0.8" in table and "difference" in table
    error = tagged(executed, "override-error")
    assert "factors.police_feedback" in error and "Traceback" not in error


def test_posterior_runs_are_paired_per_particle(executed: nbformat.NotebookNode) -> None:
    assert "particles of rotterdam_experiment_calibrated" in tagged(executed, "posterior-table")
    runs = tagged(executed, "posterior-runs")
    assert "particle" in runs and "exposure" in runs


def test_morris_screening_ranks_the_factors(executed: nbformat.NotebookNode) -> None:
    table = tagged(executed, "sensitivity-table")
    assert "mu_star" in table
    for factor in ("police_feedback", "active_admin", "group_rules", "saar_training"):
        assert factor in table


def test_field_data_and_panel_are_analysed(executed: nbformat.NotebookNode) -> None:
    assert "pct_unsafe" in tagged(executed, "field-table")
    assert "Estimate(estimate=" in tagged(executed, "field-did")
    panel = tagged(executed, "panel-table")
    assert "respondents" in panel and "stayed_non_participants" in panel


def test_study_designer_reports_against_the_truth(executed: nbformat.NotebookNode) -> None:
    estimates = tagged(executed, "study-estimates")
    assert "truth" in estimates and "before_after" in estimates
    summary = tagged(executed, "study-summary")
    assert "**Intervention effect.**" in summary and "**Selection or exposure.**" in summary
