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
