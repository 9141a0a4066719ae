"""docs/success-factors.md (issue 11): generated from the current inputs, every row's
direction the literature's or explained, and the directions it claims hold on a small rerun."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sim.engine import simulate
from sim.experiments.factors_table import EXPERIMENT, LITERATURE, PAGE, render, stored_effects
from sim.experiments.spec import load_experiment


@pytest.fixture(scope="module")
def page() -> str:
    return PAGE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def experiment():
    return load_experiment(EXPERIMENT)


def _rows(page: str) -> dict[str, list[str]]:
    rows = {}
    for line in page.splitlines():
        m = re.match(r"\| `(\w+)` \|(.*)\|\s*$", line)
        if m:
            rows[m.group(1)] = [c.strip() for c in m.group(2).split("|")]
    return rows


def test_page_belongs_to_the_current_inputs(page, experiment):
    assert f"Inputs: `{experiment.content_hash()}`" in page, (
        "docs/success-factors.md is stale: run `uv run buurtsim factors-table`"
    )


def test_page_is_what_the_script_writes_from_the_stored_effects(page, experiment):
    assert page == render(stored_effects(), experiment), (
        "docs/success-factors.md differs from its effects: run "
        "`uv run buurtsim factors-table --render-only`"
    )


def test_every_factor_has_a_row_and_differences_are_explained(page, experiment):
    rows = _rows(page)
    assert set(rows) == {f.name for f in experiment.spec.factors} == set(LITERATURE)
    for name, cells in rows.items():
        verdict, why = cells[-2], cells[-1]
        assert verdict in ("agrees", "differs", "not significant", "—"), name
        if verdict in ("differs", "not significant"):
            assert why, f"{name}: {verdict} but no explanation"


def test_claimed_agreements_hold_on_a_small_rerun(page, experiment):
    """Where the page says the model agrees with the literature, the same direction shows
    in a shorter run with three paired seeds (mean paired effect of the right sign)."""
    rows = _rows(page)
    short = {"days": 360, "burn_in_days": 180}
    base = experiment.base.with_overrides(short)
    seeds = range(1, 4)
    off = [simulate(base, seed=s).summary() for s in seeds]
    checked = 0
    for factor in experiment.spec.factors:
        if rows[factor.name][-2] != "agrees":
            continue
        on_scn = base.with_overrides({factor.path: factor.values[0]})
        on = [simulate(on_scn, seed=s).summary() for s in seeds]
        for outcome, sign in LITERATURE[factor.name][0].items():
            effect = np.mean([a[outcome] - b[outcome] for a, b in zip(on, off, strict=True)])
            assert sign * effect > 0, (factor.name, outcome, effect)
            checked += 1
    assert checked >= 5
