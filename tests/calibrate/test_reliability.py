"""How reliably the installed point meets its targets beyond the ten-seed check: the
validation seeds are new seeds, the rates and check probabilities are right, and the report
says when a check was unlucky rather than calling a reliable point unreliable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from sim.calibrate.point import check_seeds, choose_points, rules_table, screening_seeds
from sim.calibrate.priors import load_priors
from sim.calibrate.reliability import (
    joint_reliability,
    reliability_table,
    validation_seeds,
)
from sim.calibrate.targets import load_targets

DATA = Path(__file__).parent / "data"
TARGETS = load_targets(DATA / "tiny_targets.toml")
PRIORS = load_priors(DATA / "tiny_priors.toml")
WORRY, SELECTION = "population.worry.mean", "membership.selection_worry"


def _obs(unsafe: list[float], victims: float = 0.1) -> list[dict[str, float]]:
    return [{"unsafe": u, "victims": victims, "gap": 0.05} for u in unsafe]


def test_validation_seeds_are_new_and_reproducible():
    checks = check_seeds(1)
    screens = screening_seeds(1, checks)
    seeds = validation_seeds(1, checks + screens)
    assert len(seeds) == len(set(seeds)) == 100
    assert not set(seeds) & (set(checks) | set(screens))
    assert seeds == validation_seeds(1, checks + screens)
    assert seeds != validation_seeds(2, checks + screens)


def test_a_point_meeting_a_target_in_nine_of_ten_seeds_fails_a_check_one_time_in_fourteen():
    """The figure the module's docstring states, and the table's rate, interval and tail."""
    validation = _obs([0.25] * 90 + [0.5] * 10)  # unsafe: inside 0.15–0.35 in 90 of 100
    check = _obs([0.25] * 6 + [0.5] * 4)  # this check met it in 6 of 10
    table = reliability_table(validation, check, TARGETS).set_index("target")
    r = table.loc["unsafe"]
    assert (r.seeds, r.seeds_met, r.share_met) == (100, 90, 0.9)
    assert r.share_low < 0.9 < r.share_high and r.share_low > 0.8 and r.share_high < 0.95
    assert 1 / (1 - r.pass_probability) == pytest.approx(14, abs=0.5)
    assert r.pass_probability == pytest.approx(binom.sf(7, 10, 0.9))
    assert r.check_seeds_met == 6 and r.check_tail == pytest.approx(binom.cdf(6, 10, 0.9))
    assert r["mean"] == pytest.approx(0.275) and r.sd > 0
    assert table.loc["victims", "seeds_met"] == 100
    assert table.loc["victims", "pass_probability"] == pytest.approx(1.0)


def test_joint_reliability_keeps_the_targets_dependence():
    """Two H targets missed in the same seeds pass a check together as often as one; missed
    in different seeds, less often — the resampling sees the difference."""
    same = [
        {"unsafe": 0.25 if i >= 15 else 0.5, "victims": 0.1 if i >= 15 else 1.0} for i in range(100)
    ]
    apart = [
        {"unsafe": 0.25 if i >= 15 else 0.5, "victims": 0.1 if i < 85 else 1.0} for i in range(100)
    ]
    one = binom.sf(7, 10, 0.85)
    together = joint_reliability(same, TARGETS, 10, seed=1)
    assert together["all_h_met"] == pytest.approx(0.85)
    assert together["check_pass_probability"] == pytest.approx(one, abs=0.015)
    separate = joint_reliability(apart, TARGETS, 10, seed=1)
    assert separate["all_h_met"] == pytest.approx(0.70)
    assert separate["check_pass_probability"] < together["check_pass_probability"] - 0.1
    assert separate == joint_reliability(apart, TARGETS, 10, seed=1)


class Model:
    """'unsafe' = worry mean + seed noise; records the seeds it is run with."""

    def __init__(self) -> None:
        self.seeds: list[int] = []

    def __call__(self, params: list[dict[str, float]], seeds: list[int]) -> list[dict]:
        self.seeds += list(seeds)
        return [
            {
                "unsafe": p[WORRY] + np.random.default_rng(s).normal(0, 0.04),
                "victims": 0.1,
                "gap": 0.05 * np.sign(p[SELECTION]),
            }
            for p, s in zip(params, seeds, strict=True)
        ]


def test_every_rule_is_validated_on_the_same_new_seeds_without_changing_the_choice():
    rng = np.random.default_rng(0)
    post = pd.DataFrame(
        {WORRY: rng.uniform(0.2, 0.45, 40), SELECTION: rng.uniform(-2, 2, 40), "run": 1}
    )
    post["weight"] = 1 / 40
    plain, model = Model(), Model()
    without = choose_points(post, PRIORS, TARGETS, plain, seed=1)
    points = choose_points(post, PRIORS, TARGETS, model, seed=1, validation=30)
    assert points["predictive"].particle == without["predictive"].particle
    assert all(p.check == without[r].check for r, p in points.items())
    assert all(len(p.validation) == 30 for p in points.values())
    checks = check_seeds(1)
    further = validation_seeds(1, checks + screening_seeds(1, checks), 30)
    assert [s for s in model.seeds if s not in further] == plain.seeds  # screening, checks
    assert len(model.seeds) == len(plain.seeds) + 30 * 3
    assert not set(further) & set(plain.seeds)
    table = rules_table(points, TARGETS, seed=1).set_index("rule")
    assert (table["validation_seeds"] == 30).all()
    # the particle chosen for meeting 'unsafe' most often meets it more often on new seeds
    assert table.loc["predictive", "all_h_met"] > table.loc["median", "all_h_met"]
    assert "validation_seeds" not in rules_table(without, TARGETS).columns
    from sim.calibrate.report import point_lines

    meta = {"point": {"rule": "predictive"}, "point_rules": table.reset_index().to_dict("records")}
    text = "\n".join(point_lines(meta, "ref", 10, ["unsafe", "victims"], 3))
    assert "every H target, of 30 further seeds | a ten-seed check passes |" in text
    assert "These runs do not change which point is chosen." in text


def _row(check_met: int, rate_met: int, mean: float, sd: float) -> dict:
    validation = _obs(list(np.where(np.arange(100) < rate_met, 0.25, 0.5)))
    check = _obs([0.25] * check_met + [0.5] * (10 - check_met))
    v = reliability_table(validation, check, TARGETS).set_index("target").loc["unsafe"]
    record = v.to_dict() | {"mean": mean, "sd": sd}
    return {"target": "unsafe", "interval": (0.15, 0.35), "side": "inside", "validation": record}


def test_report_says_when_a_check_was_in_the_unfavourable_tail():
    from sim.calibrate.report import validation_sentence

    unlucky = validation_sentence(_row(check_met=6, rate_met=95, mean=0.2, sd=0.05))
    assert "Over 100 further seeds it met unsafe in 95" in unlucky
    assert "1.0 standard deviations inside the lower bound" in unlucky
    assert "an interval 4.0 standard deviations wide" in unlucky
    assert "in 6 or fewer with probability < 1 %" in unlucky
    assert "understates how reliably the point meets unsafe" in unlucky
    ordinary = validation_sentence(_row(check_met=7, rate_met=80, mean=0.3, sd=0.04))
    assert "upper bound" in ordinary and "ordinary for the point" in ordinary
    assert validation_sentence({"target": "unsafe"}) == ""


def test_installed_point_table_adds_the_validation_columns():
    from sim.calibrate.predictive import point_table
    from sim.calibrate.report import installed_point_table

    check = _obs([0.25] * 6 + [0.5] * 4)
    validation = _obs([0.25] * 90 + [0.5] * 10)
    table = reliability_table(validation, check, TARGETS)
    record = {
        **joint_reliability(validation, TARGETS, 10, seed=1),
        "targets": {r["target"]: r for r in table.to_dict("records")},
    }
    text = "\n".join(installed_point_table(point_table(check, TARGETS), record))
    assert "further seeds meeting it (of 100)" in text
    assert "| unsafe | H | 6 of 10 |" in text and "| 90 | 83 % – 94 % |" in text
    assert "met every H target at once in 90 % of them" in text
    plain = "\n".join(installed_point_table(point_table(check, TARGETS), {}))
    assert "further seeds" not in plain and "| unsafe | H | 6 of 10 |" in plain


def test_the_command_line_default_is_the_validation_default():
    """The command line states the default without importing pandas; it must not drift.
    (A negative count is among the bad arguments of ``test_cli_and_outputs.py``.)"""
    from sim.calibrate.reliability import VALIDATION_SEEDS
    from sim.commands.calibrate import VALIDATION_SEEDS as CLI_DEFAULT

    assert CLI_DEFAULT == VALIDATION_SEEDS
