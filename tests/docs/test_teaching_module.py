"""The lesson module's own pages stay true to what they summarise: the Dutch ODD summary names
the sections and rules of docs/odd.md, the preset page is what the app shows, and the study
file the final assignment starts from is a valid study."""

from __future__ import annotations

import re
from pathlib import Path

from sim.app.scenario_texts import teaching_presets_markdown
from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
ODD = ROOT / "docs" / "odd.md"
SUMMARY = ROOT / "docs" / "teaching" / "model-in-het-kort.md"


def odd_outline(text: str) -> tuple[list[str], list[str]]:
    """The numbers of the ODD's top sections and the names of its submodels (``### name``)."""
    sections = re.findall(r"^## (\d+)\. ", text, flags=re.MULTILINE)
    submodels = re.findall(r"^### ([a-z_]+)\s*$", text, flags=re.MULTILINE)
    return sections, submodels


def summary_gaps(odd: str, summary: str) -> list[str]:
    """What the Dutch summary lacks of the ODD: a numbered section or a submodel by name."""
    sections, submodels = odd_outline(odd)
    own = set(re.findall(r"^## (\d+)\. ", summary, flags=re.MULTILINE))
    gaps = [f"section {n}" for n in sections if n not in own]
    gaps += [f"submodel {name}" for name in submodels if f"| `{name}` |" not in summary]
    return gaps


def test_dutch_model_summary_follows_the_odd() -> None:
    odd = ODD.read_text(encoding="utf-8")
    sections, submodels = odd_outline(odd)
    assert sections == [str(n) for n in range(1, 8)], sections
    assert len(submodels) > 20, submodels
    assert summary_gaps(odd, SUMMARY.read_text(encoding="utf-8")) == []


def test_summary_check_sees_a_new_submodel() -> None:
    """A rule added to the ODD, or a section dropped from the summary, is reported."""
    odd = ODD.read_text(encoding="utf-8") + "\n### guard_patrols\n\nResidents walk rounds.\n"
    summary = SUMMARY.read_text(encoding="utf-8").replace("## 4. ", "## Vier. ")
    assert summary_gaps(odd, summary) == ["section 4", "submodel guard_patrols"]


def test_preset_page_is_what_the_app_shows() -> None:
    page = ROOT / "docs" / "teaching" / "lespresets.md"
    assert page.read_text(encoding="utf-8") == teaching_presets_markdown(), (
        "docs/teaching/lespresets.md is out of date: "
        "uv run python -m sim.app.scenario_texts > docs/teaching/lespresets.md"
    )
    text = page.read_text(encoding="utf-8")
    for preset in sorted((ROOT / "scenarios" / "teaching").glob("*.toml")):
        assert f"`teaching/{preset.stem}`" in text, preset.stem
    # every preset has a Dutch description and an English one
    assert text.count("*English:*") == text.count("\n## ")


def test_final_assignment_study_file_is_valid(capsys) -> None:
    study = ROOT / "docs" / "teaching" / "eindopdracht_studie.toml"
    assert main(["validate", str(study)]) == 0
    out = capsys.readouterr().out
    assert "study 'eindopdracht_voorbeeld'" in out
    text = study.read_text(encoding="utf-8")
    # the assignment asks for a design that separates selection from exposure
    assert 'kind = "panel"' in text and "before_groups = true" in text
