"""The figures on the teacher's answer sheet and in the workshop are what the model gives.

``docs/teaching/cijfers.py --check`` reruns every preset with the seeds the pages name and
fails when a table differs, e.g. after a change to the model or to a preset. Several hundred
runs, so it is marked slow: ``uv run pytest -m slow tests/docs/test_answer_sheet.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_answer_sheet_figures_match_the_model() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "docs" / "teaching" / "cijfers.py"),
                           "--check"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_every_figure_table_has_its_markers() -> None:
    """Each exercise's answer and the workshop carry a generated table (not typed numbers)."""
    sheet = (ROOT / "docs" / "teaching" / "antwoorden.md").read_text(encoding="utf-8")
    for n in range(1, 7):
        assert f"<!-- cijfers:oefening{n}:start -->" in sheet
        assert f"<!-- cijfers:oefening{n}:end -->" in sheet
    workshop = (ROOT / "docs" / "teaching" / "workshop-beheerders.md").read_text(
        encoding="utf-8")
    assert "<!-- cijfers:workshop:start -->" in workshop
