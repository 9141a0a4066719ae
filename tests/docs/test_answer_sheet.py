"""The teaching pages say what the current model shows: every figure regenerated, every claim true.

``docs/teaching/cijfers.py --check`` reruns the presets with the seeds the pages name (runs are
cached outside the work tree, keyed by the model's code, so a rerun after an unrelated change
costs seconds), regenerates every table and every number in the prose, and evaluates each claim
declared next to a sentence (``<!-- check: … -->``) on paired seeds. It fails when a figure is
stale or a claim has become false; the flip test below shows that a false claim is caught.
Nothing is written into the work tree: page copies live in ``tmp_path``.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEACHING = ROOT / "docs" / "teaching"


def _load():
    spec = importlib.util.spec_from_file_location("cijfers", TEACHING / "cijfers.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["cijfers"] = module  # worker processes unpickle its functions by this name
    spec.loader.exec_module(module)
    return module


cijfers = _load()


@pytest.fixture(scope="module")
def cache_dir() -> Path:
    """The same cache as the command line, so CI's own step and a local run fill it once."""
    return cijfers.default_cache()


@pytest.mark.timeout(3600)
def test_every_figure_is_current_and_every_claim_holds(cache_dir: Path) -> None:
    report = cijfers.run(check=True, workers=2, cache_dir=cache_dir)
    assert not report.errors, "\n".join(report.errors)
    assert not report.false, "\n".join(report.false)
    assert not report.stale, (
        f"figures out of date in {report.stale}: run `uv run python docs/teaching/cijfers.py`"
    )
    assert report.checked >= 30, f"only {report.checked} claims are checked"


@pytest.mark.timeout(3600)
def test_a_claim_made_false_fails_the_check(tmp_path: Path, cache_dir: Path) -> None:
    """Flip one claim in a copy of the answer sheet: the check names it and fails."""
    pages = tmp_path / "teaching"
    shutil.copytree(TEACHING, pages, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    sheet = pages / "antwoorden.md"
    text = sheet.read_text(encoding="utf-8")
    claim = '<!-- check: oefening4.effect("voorbeeldontwerp", "unsafe_members").lower -->'
    assert claim in text, "the claim this test flips is gone from the answer sheet"
    sheet.write_text(text.replace(claim, claim.replace(".lower", ".higher")), encoding="utf-8")
    report = cijfers.run(
        check=True, workers=2, cache_dir=cache_dir, only=["oefening4"], folder=pages
    )
    assert len(report.false) == 1, report.false
    assert "antwoorden.md" in report.false[0] and ".higher" in report.false[0]
    assert "voorbeeldontwerp" in report.false[0]  # the prose of the flipped claim is quoted
    assert not report.stale and not report.errors


def test_a_stale_figure_and_a_broken_marker_are_reported(tmp_path: Path, cache_dir: Path) -> None:
    """A hand-edited number in the prose counts as stale; a marker with a typo is an error
    naming the page and line, not a traceback. Uses only exercise 1 (ten cached runs)."""
    page = tmp_path / "p.md"
    page.write_text(
        "Lid: <!-- cijfer: pct(oefening1.median('Vogelbuurt', 'participation')) -->99"
        "<!-- /cijfer --> %.\n\n"
        "Fout: <!-- check: oefening1.median('Vogelbuurt', 'no_such_key') > 0 -->\n",
        encoding="utf-8",
    )
    report = cijfers.run(
        check=True, workers=1, cache_dir=cache_dir, only=["oefening1"], folder=tmp_path
    )
    assert report.stale == ["p.md"]
    assert len(report.errors) == 1 and report.errors[0].startswith("p.md:3:")
    assert page.read_text(encoding="utf-8").count("99") == 1  # --check wrote nothing


def test_number_formatting_is_dutch() -> None:
    assert cijfers.num(-4.04, 1) == "−4,0"
    assert cijfers.num(-0.01, 1) == "0,0"
    assert cijfers.signed(1.44, 1) == "+1,4"
    assert cijfers.pct(0.293) == "29"


def generated(page: str, name: str) -> str:
    text = (TEACHING / page).read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- cijfers:{name}:start -->\n(.*?)<!-- cijfers:{name}:end -->", text, flags=re.DOTALL
    )
    assert match, f"{page}: the generated table {name!r} is missing"
    return match.group(1)


def test_every_exercise_and_the_workshop_carry_generated_figures() -> None:
    """Each answer and the workshop show a table made by cijfers.py (not typed numbers),
    naming the seeds it used, and no page promises an exact match with the app."""
    for n in range(1, 7):
        body = generated("antwoorden.md", f"oefening{n}")
        assert body.count("\n| ") >= 3, f"exercise {n}: no table"
        assert re.search(r"seeds 1–(5|10)", body, flags=re.IGNORECASE), (
            f"exercise {n}: seeds not stated"
        )
    body = generated("workshop-beheerders.md", "workshop")
    assert body.count("\n| ") >= 3 and "seeds 1–10" in body
    for page in TEACHING.glob("*.md"):
        assert "precies de getallen" not in page.read_text(encoding="utf-8"), page.name
