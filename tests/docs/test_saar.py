"""SAAR is described one way everywhere: the sentences of ``sim.saar`` (police and WABP
guidance), in the app's tooltip, the scenario reference and every page."""

from __future__ import annotations

import re
from pathlib import Path

from sim.app.messages import FACTORS
from sim.saar import SAAR
from sim.scenario import SuccessFactors

ROOT = Path(__file__).resolve().parents[2]


#: the bare expansion of the acronym (the four names, nothing that could contradict the rest)
ACRONYM = ("Signaleer, Alarmeer, App, Reageer", "Signaleer, Alarmeer, App en Reageer")


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def other_descriptions(text: str) -> list[str]:
    """Descriptions of SAAR in ``text`` (its steps spelled out, from Signaleer to Reageer) that
    are not one of the canonical sentences. Naming one step ("Signaleer, Alarmeer: call
    first") or just expanding the acronym is not a description."""
    text = flat(text)
    found = []
    for match in re.finditer(r"Signaleer", text):
        rest = text[match.start() :]
        spelled_out = "Reageer" in rest[:300]
        canonical = any(rest.startswith(SAAR[lang]) for lang in SAAR)
        if spelled_out and not canonical and not rest.startswith(ACRONYM):
            found.append(rest[:80])
    return found


def test_every_page_describes_saar_the_same_way() -> None:
    offenders = {}
    for path in sorted((ROOT / "docs").rglob("*.md")):
        bad = other_descriptions(path.read_text(encoding="utf-8"))
        if bad:
            offenders[path.relative_to(ROOT).as_posix()] = bad
    assert not offenders, f"SAAR described another way than sim/saar.py: {offenders}"


def test_code_takes_saar_from_one_place() -> None:
    """Python sources do not spell the steps out; they use ``sim.saar.SAAR``."""
    spelled = {
        p.relative_to(ROOT).as_posix(): other_descriptions(p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "sim").rglob("*.py"))
        if p.name != "saar.py"
    }
    assert not any(spelled.values()), {k: v for k, v in spelled.items() if v}
    assert SAAR["en"] in SuccessFactors.model_fields["saar_training"].description
    assert SAAR["nl"] in FACTORS["saar_training"]["nl"][1]
    assert SAAR["en"] in FACTORS["saar_training"]["en"][1]


def test_a_variant_is_caught() -> None:
    assert other_descriptions("SAAR: Signaleer, Alarmeer 112, App, Reageer op afstand.")
    assert other_descriptions('"Signaleer, Alarmeer 112, "\n    "App, Reageer."')
    assert not other_descriptions("SAAR training cuts the minutes (Signaleer, Alarmeer: call).")
    assert not other_descriptions("het SAAR-protocol (Signaleer, Alarmeer, App, Reageer) van")
    assert not other_descriptions(f"Het protocol:\n{SAAR['nl'].replace(' ', chr(10), 3)}.")
