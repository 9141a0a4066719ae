"""docs/ cannot drift from the code: the scenario reference is generated, the ODD names
every rule."""

from __future__ import annotations

import inspect
from pathlib import Path

from pydantic import BaseModel

from sim import rules
from sim.docgen import scenario_reference
from sim.scenario import FACTOR_NAMES, Scenario


def test_scenario_reference_is_up_to_date():
    committed = Path("docs/scenarios.md").read_text(encoding="utf-8")
    assert committed == scenario_reference(), (
        "docs/scenarios.md is stale: run `uv run python -m sim.docgen > docs/scenarios.md`"
    )


def test_every_parameter_is_documented_with_a_description():
    for section, info in Scenario.model_fields.items():
        model = type(info.default) if isinstance(info.default, BaseModel) else None
        for name, field in model.model_fields.items() if model else []:
            assert field.description, f"{section}.{name} has no description"


def test_odd_has_one_section_per_rule():
    odd = Path("docs/odd.md").read_text(encoding="utf-8")
    funcs = [
        n
        for n, f in inspect.getmembers(rules, inspect.isfunction)
        if f.__module__ == "sim.rules" and not n.startswith("_")
    ]
    assert len(funcs) >= 15
    for name in funcs:
        assert f"### {name}\n" in odd, f"docs/odd.md has no section for rules.{name}"
    for factor in FACTOR_NAMES:
        assert f"`{factor}`" in odd, f"docs/odd.md does not mention success factor {factor}"


def test_defaults_quoted_in_the_odd_are_the_schemas():
    """A default the ODD quotes in brackets after a parameter, e.g. `saar_call_boost` (0.5)
    or `crime.deterrence_full_share` (30 %), is the schema's default: prose cannot keep a
    value the model no longer uses."""
    import re

    odd = Path("docs/odd.md").read_text(encoding="utf-8")
    scenario = Scenario()
    defaults: dict[str, list[tuple[str, object]]] = {}
    for section in Scenario.model_fields:
        value = getattr(scenario, section)
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                defaults.setdefault(name, []).append((section, getattr(value, name)))
    quoted = re.finditer(r"`(?:([a-z_]+)\.)?([a-z_]+)`\s*\((-?[0-9.]+)( ?%)?[):]", odd)
    checked = 0
    for m in quoted:
        section, name, text, percent = m.groups()
        candidates = [v for s, v in defaults.get(name, []) if section in (None, s)]
        assert candidates, f"docs/odd.md quotes a default for unknown parameter {m.group(0)!r}"
        value = float(text) / (100 if percent else 1)
        assert any(abs(float(v) - value) < 1e-9 for v in candidates), (
            f"docs/odd.md quotes {m.group(0)!r}, but the default is {candidates}"
        )
        checked += 1
    assert checked >= 8
