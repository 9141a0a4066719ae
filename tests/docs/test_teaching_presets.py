"""The teaching presets load, and each differs from its reference in what its exercise is about.

A preset that silently stopped changing its factor (say, because the parent scenario changed)
would make an exercise compare two identical neighbourhoods; these tests catch that.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.scenario import Scenario, load_scenario, read_scenario_dict

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "scenarios" / "teaching"
TEACHING = ROOT / "docs" / "teaching"

# preset → (reference it is compared with in class, {field: value in the preset}).
# "group.X" is success factor X of the groups in the first area (area overrides included).
EXPECTED: dict[str, tuple[str, dict[str, object]]] = {
    "oefening1_buurt": ("../baseline", {"areas.0.name": "Vogelbuurt", "areas.0.groups": 1}),
    "oefening2_wijkagent": (
        "oefening1_buurt",
        {
            "group.linked_professional": True,
            "group.police_feedback": 0.9,
            "group.feedback_delay_hours": 2.4,
        },
    ),
    "oefening3_geen": (
        "oefening1_buurt",
        {
            "messages.exposure": 0.0,
            "messages.feedback_relief": 0.0,
            "membership.selection_worry": 0.0,
        },
    ),
    "oefening3_selectie": ("oefening3_geen", {"membership.selection_worry": 1.0}),
    "oefening3_blootstelling": (
        "oefening3_geen",
        {"messages.exposure": 1.0, "membership.selection_worry": -0.2},
    ),
    "oefening4_inbraakgolf": (
        "../baseline",
        {"crime.burglary_rate": 0.06, "group.local_problem": True},
    ),
    "oefening4_voorbeeldontwerp": (
        "oefening4_inbraakgolf",
        {
            "group.municipal_coordination": True,
            "group.signs": True,
            "areas.0.coverage": 1.0,
            "group.police_feedback": 0.95,
        },
    ),
    "oefening5_zonder_interventies": ("../rotterdam_experiment", {"interventions": []}),
    "oefening5_zwakke_uitvoering": (
        "../rotterdam_experiment",
        {"interventions.0.set.police_feedback": 0.25, "interventions.0.set.active_admin": 0.4},
    ),
    "oefening5_groter_onderzoek": (
        "oefening5_zwakke_uitvoering",
        {
            "survey.participants": 600,
            "survey.non_participants": 600,
            "areas.0.groups": 12,
            "areas.1.groups": 4,
        },
    ),
    "oefening6_sweep": ("oefening1_buurt", {"group.police_feedback": 0.0, "days": 548}),
    "workshop_a_zonder_afspraken": (
        "oefening1_buurt",
        {"group.group_rules": 0.0, "group.active_admin": 0.1, "group.police_feedback": 0.05},
    ),
    "workshop_b_regels": (
        "workshop_a_zonder_afspraken",
        {"group.group_rules": 0.9, "group.social_channel": True},
    ),
    "workshop_c_moderatie": (
        "workshop_b_regels",
        {"group.active_admin": 0.9, "group.vigilantism_guard": 0.8},
    ),
    "workshop_d_terugkoppeling": (
        "workshop_c_moderatie",
        {"group.police_feedback": 0.8, "group.feedback_delay_hours": 12.0},
    ),
}


def value(scn: Scenario, path: str) -> object:
    """The value at a dotted path; ``group.X`` reads the first area's group factors."""
    if path.startswith("group."):
        return getattr(scn.group_factors(scn.areas[0]), path.removeprefix("group."))
    node: object = scn
    for part in path.split("."):
        node = node[int(part)] if part.isdigit() else getattr(node, part)  # type: ignore[index]
    return node


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS.glob("*.toml"))


def test_every_preset_has_an_expectation() -> None:
    assert preset_names() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_differs_from_its_reference_in_the_exercise_factor(name: str) -> None:
    reference, fields = EXPECTED[name]
    child = load_scenario(PRESETS / f"{name}.toml")
    parent = load_scenario(PRESETS / f"{reference}.toml")
    for path, expected in fields.items():
        got = value(child, path)
        if isinstance(expected, float):
            assert got == pytest.approx(expected), f"{name}: {path}"
        else:
            assert got == expected, f"{name}: {path}"
        assert value(parent, path) != got, (
            f"{name}: {path} is {got!r} in {reference} too, so the exercise shows no contrast"
        )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_extends_a_shipped_scenario_and_is_described(name: str) -> None:
    raw = (PRESETS / f"{name}.toml").read_text(encoding="utf-8")
    assert re.search(r'^extends = "', raw, flags=re.MULTILINE), "presets inherit, never copy"
    data = read_scenario_dict(PRESETS / f"{name}.toml")
    scn = load_scenario(PRESETS / f"{name}.toml")
    assert scn.name != "baseline" and scn.description, "the web page shows name and description"
    assert data["name"] == scn.name


def test_exercises_name_only_existing_presets_and_use_every_preset() -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in TEACHING.glob("*.md"))
    named = set(re.findall(r"`(?:teaching/)?((?:oefening\d|workshop_)[a-z0-9_]*)`", pages))
    named = {n for n in named if not n.startswith("oefening6_terugkoppeling")}
    assert named, "the exercises should name their presets"
    files = set(preset_names())
    assert named - files == set(), "exercises mention presets that do not exist"
    assert files - named == set(), "presets that no exercise uses"


def test_presets_are_offered_in_the_web_page() -> None:
    from sim.app.session import scenario_files

    offered = scenario_files()
    for name in preset_names():
        assert f"teaching/{name}" in offered


@pytest.mark.parametrize("name", ["oefening6_terugkoppeling", "oefening6_wachttijd"])
def test_exercise_6_sweeps_are_valid_experiment_files(name: str) -> None:
    from sim.experiments import build_design, load_experiment

    exp = load_experiment(TEACHING / f"{name}.toml")
    assert len(build_design(exp).points) * exp.spec.replications == 25


# The resident count each exercise tells students to type into the web page.
RESIDENTS = {
    "oefening4_inbraakgolf": 800,
    "oefening4_voorbeeldontwerp": 800,
    "oefening5_zonder_interventies": 2080,
    "oefening5_zwakke_uitvoering": 2080,
    "oefening5_groter_onderzoek": 8320,
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_resident_count_in_the_exercises_leaves_the_preset_unchanged(name: str) -> None:
    """With the number of residents the exercise gives, the web page runs the preset exactly
    as the answer sheet did (the page rescales streets to its resident count otherwise)."""
    from sim.app.session import scale_population

    residents = RESIDENTS.get(name, 640)
    pages = "\n".join(p.read_text(encoding="utf-8") for p in TEACHING.glob("*.md"))
    assert f"**{residents}**" in pages
    scn = load_scenario(PRESETS / f"{name}.toml")
    assert scale_population(scn, residents).content_hash() == scn.content_hash()
