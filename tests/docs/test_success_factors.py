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


class _Sweep:
    """A stand-in for a finished one-at-a-time sweep: point 0 is the reference."""

    def __init__(self, y: np.ndarray):
        import pandas as pd

        self.y = y
        self.design = pd.DataFrame(
            {"point": range(len(y)), "varied": [""] + [f"f{i}" for i in range(1, len(y))]}
        )

    def per_replication(self, outcome: str) -> np.ndarray:
        return self.y


def test_a_shift_all_factors_share_is_named_as_the_reference_runs_chance_error():
    """Every effect is a difference from the same reference runs: when those runs are high
    by chance, all factors seem to lower the outcome together. The page must call that
    what it is (issue 11: several factors 'lowered' the share of crimes reported)."""
    import pandas as pd

    from sim.experiments.factors_table import shared_notes, shared_reference, shared_why

    rng = np.random.default_rng(0)
    noise = rng.normal(0, 0.04, 8)
    reference = 0.44 + noise - noise.mean() + 0.015  # by chance about 1 standard error high
    arms = 0.44 + rng.normal(0, 0.01, (16, 8))  # the factors do nothing
    shared = shared_reference(_Sweep(np.vstack([reference, arms])), ["reported_share"])
    row = shared.iloc[0]
    assert row.mean_effect < 0 and row.same_sign >= 0.8 and row.effect_correlation > 0.5
    notes = " ".join(shared_notes(shared))
    assert "Shared shift in *share of crimes reported*" in notes
    assert "chance error, not a mechanism" in notes
    # a factor whose significant mark follows the shift is told so in its row
    table = pd.DataFrame(
        [{"factor": "keep_alive", "outcome": "reported_share", "ci_low": -0.05, "ci_high": -0.01}]
    )
    assert "shift all factors share" in shared_why("keep_alive", table, shared)
    # a shift far beyond the reference runs' error is not explained away
    big = shared.assign(mean_effect=-10 * shared["reference_se"])
    assert "look for a mechanism" in " ".join(shared_notes(big))
    assert shared_why("keep_alive", table, big) == ""
    # effects that do not move together get no note
    assert shared_notes(shared.assign(effect_correlation=0.1)) == []
