"""The point ``--install`` writes: the rules of ``--point`` pick what a user would expect, and
the check that reports on the choice does not reuse the seeds the choice was made with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.point import (
    POINT_RULES,
    SCREEN_ROUNDS,
    check_seeds,
    choose_points,
    medoid_point,
    rules_table,
    scores,
)
from sim.calibrate.priors import load_priors
from sim.calibrate.targets import load_targets

DATA = Path(__file__).parent / "data"
TARGETS = load_targets(DATA / "tiny_targets.toml")
PRIORS = load_priors(DATA / "tiny_priors.toml")
WORRY, SELECTION = "population.worry.mean", "membership.selection_worry"


def _posterior(n: int = 40, seed: int = 0) -> pd.DataFrame:
    """Worry spread over 0.2–0.45: its median (about 0.33) sits near the target's upper
    edge, where seed noise often pushes it out."""
    rng = np.random.default_rng(seed)
    post = pd.DataFrame(
        {WORRY: rng.uniform(0.2, 0.45, n), SELECTION: rng.uniform(-2, 2, n), "run": 1}
    )
    post["weight"] = 1 / n
    return post


class Model:
    """A stand-in for the simulator: 'unsafe' = worry mean + seed noise, inside the target
    (0.15–0.35) best at 0.25; 'victims' always met; the gap's sign follows the selection
    parameter. Records every seed it is run with."""

    def __init__(self, noise: float = 0.04) -> None:
        self.noise = noise
        self.seeds: list[int] = []

    def __call__(self, params: list[dict[str, float]], seeds: list[int]) -> list[dict]:
        self.seeds += list(seeds)
        out = []
        for p, s in zip(params, seeds, strict=True):
            e = np.random.default_rng(s).normal(0, self.noise)
            out.append(
                {"unsafe": p[WORRY] + e, "victims": 0.1, "gap": 0.05 * np.sign(p[SELECTION])}
            )
        return out


def test_scores_rank_by_the_h_target_met_least_often():
    """A particle meeting both H targets in 3 of 4 seeds beats one meeting one of them
    always and the other in half, though their mean is the same."""
    rows = []
    for seed in range(4):
        rows.append({"particle": 0, "seed": seed, "unsafe": seed < 3, "victims": seed != 0})
        rows.append({"particle": 1, "seed": seed, "unsafe": True, "victims": seed < 2})
    table = scores(pd.DataFrame(rows), ["unsafe", "victims"], pd.Series([0.1, 0.9]), {})
    assert list(table.index) == [0, 1]
    assert table.loc[0, "h_min"] == 0.75 and table.loc[1, "h_min"] == 0.5
    assert table.loc[0, "weighted"] == table.loc[1, "weighted"] == 0.75


def test_past_the_bar_the_other_targets_decide():
    """Both particles meet every H target in at least 90 % of ten seeds; the one that also
    meets the direction target ranks first, though it missed an H target once."""
    rows = [
        {"particle": p, "seed": s, "unsafe": p == 1 or s > 0, "victims": True, "gap": p == 0}
        for p in (0, 1)
        for s in range(10)
    ]
    weights = {"unsafe": 1.0, "victims": 1.0, "gap": 0.5}
    table = scores(pd.DataFrame(rows), ["unsafe", "victims"], pd.Series([0.5, 0.5]), weights)
    assert table.loc[0, "h_min"] == 0.9 and table.loc[1, "h_min"] == 1.0
    assert list(table.index) == [0, 1]
    assert table.loc[0, "weighted"] == pytest.approx((0.9 + 1 + 0.5) / 2.5)
    # below the bar the H targets still come first
    rows = [
        r | {"unsafe": r["unsafe"] and r["seed"] > 1} if r["particle"] == 0 else r for r in rows
    ]
    table = scores(pd.DataFrame(rows), ["unsafe", "victims"], pd.Series([0.5, 0.5]), weights)
    assert list(table.index) == [1, 0]


def test_predictive_point_finds_the_particle_at_the_target_with_screening_seeds_only():
    """With seed noise, the particle whose worry is nearest the middle of the target wins;
    the screening never uses a check seed, and the halving runs the promised number of
    simulations."""
    post = _posterior()
    model = Model()
    points = choose_points(post, PRIORS, TARGETS, model, seed=1)
    best = points["predictive"]
    assert abs(best.parameters[WORRY] - 0.25) < 0.06
    assert points["median"].parameters[WORRY] > 0.3
    assert best.particle is not None and best.run == 1
    checks = check_seeds(1)
    screen = model.seeds[: -len(checks) * len(POINT_RULES)]
    assert not set(screen) & set(checks)
    n = len(post)
    (s1, k1), (s2, k2), (s3, _) = SCREEN_ROUNDS
    assert len(screen) == n * s1 + max(k1, -(-n // 4)) * s2 + k2 * s3
    # every rule's point was checked with the same ten seeds
    assert all(len(p.check) == 10 for p in points.values())
    assert model.seeds[-30:] == checks * 3
    table = rules_table(points, TARGETS).set_index("rule")
    assert table.loc["predictive", "seeds_met_unsafe"] > table.loc["median", "seeds_met_unsafe"]
    assert table.loc["predictive", "seeds_met_unsafe"] >= 9
    assert pd.isna(table.loc["median", "particle"])


def test_point_choice_is_reproducible():
    a = choose_points(_posterior(), PRIORS, TARGETS, Model(), seed=3)
    b = choose_points(_posterior(), PRIORS, TARGETS, Model(), seed=3)
    assert a["predictive"].particle == b["predictive"].particle
    assert a["predictive"].check == b["predictive"].check


def test_medoid_is_a_particle_pulled_by_weight():
    """Five particles in a row: with equal weights the middle one; with the weight on one
    end, that end's neighbour or the end itself — always a particle, never an average."""
    post = pd.DataFrame(
        {WORRY: np.linspace(0.1, 0.4, 5), SELECTION: np.zeros(5), "run": 1, "weight": 0.2}
    )
    assert medoid_point(post, PRIORS).particle == 2
    post["weight"] = [0.02, 0.02, 0.02, 0.02, 0.92]
    point = medoid_point(post, PRIORS)
    assert point.particle == 4 and point.parameters[WORRY] == pytest.approx(0.4)


def test_the_command_line_offers_exactly_the_rules(tmp_path, capsys):
    from sim.cli import main
    from sim.commands.calibrate import POINT_RULES as CLI_RULES

    assert CLI_RULES == POINT_RULES
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", "--point", "best", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "invalid choice: 'best'" in err and "predictive" in err
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_report_compares_the_rules_and_names_the_installed_one():
    from sim.calibrate.report import point_lines

    points = choose_points(_posterior(), PRIORS, TARGETS, Model(), seed=1)
    rules = rules_table(points, TARGETS).to_dict("records")
    meta = {
        "point": {"rule": "predictive", "description": points["predictive"].describe("ref")},
        "point_rules": rules,
        "point_screening": points["predictive"].screening["seeds"].value_counts().to_dict(),
    }
    text = "\n".join(point_lines(meta, "ref", 10, ["unsafe", "victims"], 3))
    assert "| `predictive` (installed) | particle " in text
    assert "| `median` | posterior median |" in text
    assert "unsafe: seeds meeting it" in text and "victims: seeds meeting it" in text
    assert "all 40 particles with 2 seeds, the best 16 with 8, the best 8 with 40" in text
    assert "met the H targets most often over 40 screening seeds" in text
    assert "up to 90 % of the seeds" in text


def test_report_says_what_the_installed_point_gives_up():
    """A target another rule's point meets in three or more seeds more is named, with both
    counts; smaller differences are not."""
    from sim.calibrate.report import given_up_lines

    rules = [
        {
            "rule": "predictive",
            "seeds": 10,
            "seeds_met_F1": 10,
            "seeds_met_F7": 5,
            "seeds_met_F9": 8,
        },
        {"rule": "median", "seeds": 10, "seeds_met_F1": 4, "seeds_met_F7": 10, "seeds_met_F9": 10},
        {"rule": "medoid", "seeds": 10, "seeds_met_F1": 10, "seeds_met_F7": 7, "seeds_met_F9": 9},
    ]
    text = "".join(given_up_lines(rules, "predictive"))
    assert "against the `median` point it meets F7 in 5 instead of 10 of the 10 seeds" in text
    assert "F9" not in text and "medoid" not in text and "F1 " not in text
    text = "".join(given_up_lines(rules, "median"))
    assert "against the `predictive` point it meets F1 in 4 instead of 10" in text
    assert "against the `medoid` point it meets F1 in 4 instead of 10" in text
    assert "No other rule" in "".join(given_up_lines(rules[2:], "medoid"))
