"""The figures on the teacher's answer sheet and in the workshop are what the model gives.

``docs/teaching/cijfers.py --check`` reruns every preset with the seeds the pages name and
fails when a table differs, e.g. after a change to the model or to a preset. Several hundred
runs, so it is marked slow: ``uv run pytest -m slow tests/docs/test_answer_sheet.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_answer_sheet_figures_match_the_model() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "teaching" / "cijfers.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def generated(page: str, name: str) -> str:
    text = (ROOT / "docs" / "teaching" / page).read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- cijfers:{name}:start -->\n(.*?)<!-- cijfers:{name}:end -->", text, flags=re.DOTALL
    )
    assert match, f"{page}: the generated table {name!r} is missing"
    return match.group(1)


def test_every_exercise_and_the_workshop_carry_generated_figures() -> None:
    """Each answer and the workshop show a table made by cijfers.py (not typed numbers),
    naming the seeds it used."""
    for n in range(1, 7):
        body = generated("antwoorden.md", f"oefening{n}")
        assert body.count("\n| ") >= 3, f"exercise {n}: no table"
        assert re.search(r"seeds 1–(5|10)", body, flags=re.IGNORECASE), (
            f"exercise {n}: seeds not stated"
        )
    body = generated("workshop-beheerders.md", "workshop")
    assert body.count("\n| ") >= 3 and "seeds 1–10" in body
