"""Parameter recovery: calibrate against data simulated from known parameters.

:func:`truth_targets` turns a targets file into one whose observed values come from runs at
known parameter values (mean over seeds ± a tolerance); :func:`recover` calibrates against
them and reports, per parameter, whether the posterior's central interval covers the truth.
Used by tests/calibrate/test_recovery.py (a small version in CI, a full one marked slow).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.distance import IntervalDistance, observed_data
from sim.calibrate.observe import Simulator
from sim.calibrate.posterior import posterior_table, weighted_quantile
from sim.calibrate.priors import Priors
from sim.calibrate.targets import Targets


def truth_targets(
    targets: Targets,
    simulator: Simulator,
    truth: dict[str, float],
    seeds: list[int],
    min_halfwidth: float = 0.5,
) -> Targets:
    """Targets whose intervals are the truth runs' mean ± max(2 sd, min_halfwidth × scale)."""
    values: dict[str, list[float]] = {t.id: [] for t in targets.used()}
    for seed in seeds:
        obs = simulator.measure(simulator.runs(truth, seed))
        for k in values:
            values[k].append(obs[k])
    new = []
    for t in targets.target:
        if not t.use:
            new.append(t)
            continue
        v = np.array(values[t.id], dtype=float)
        v = v[np.isfinite(v)]
        if len(v) == 0:
            new.append(t.model_copy(update={"use": False, "why_not_used": "no value at the truth"}))
            continue
        mean = float(v.mean())
        half = max(2 * float(v.std(ddof=1)) if len(v) > 1 else 0.0, min_halfwidth * t.scale)
        lo, hi = mean - half, mean + half
        if t.log:
            lo = max(lo, mean / 3)
        new.append(
            t.model_copy(
                update={
                    "interval": (lo, hi),
                    "direction": None,
                    "source": "simulated at known parameters",
                }
            )
        )
    out = targets.model_copy(update={"target": new})
    out.path = targets.path
    return out


def recover(
    targets: Targets,
    priors: Priors,
    scenarios: dict[str, Any],
    truth: dict[str, float],
    db: Path,
    *,
    budget: int,
    population: int,
    client: Any,
    seeds: list[int] = (11, 12, 13),
    level: float = 0.9,
    abc_seed: int | None = None,
) -> pd.DataFrame:
    """Calibrate against data simulated at ``truth``; per parameter: interval and coverage.

    With ``client=None`` the ABC runs in this process; with ``abc_seed`` it is then
    reproducible (same truth, seeds and settings → same posterior).
    """
    from sim.calibrate.sampling import run_abc_smc
    from sim.calibrate.staged import StagedModel

    sim = Simulator(targets, priors, scenarios)
    obs_targets = truth_targets(targets, sim, truth, list(seeds))
    distance = IntervalDistance(obs_targets)
    history = run_abc_smc(
        StagedModel(Simulator(obs_targets, priors, scenarios), distance),
        priors.distribution(),
        distance,
        observed_data(obs_targets),
        db,
        population_size=population,
        budget=budget,
        client=client,
        meta={"recovery": "1"},
        seed=abc_seed,
    )
    post = posterior_table(history, priors)
    a = (1 - level) / 2
    rows = []
    for name, p in priors.parameter.items():
        lo, med, hi = weighted_quantile(
            post[name].to_numpy(), post["weight"].to_numpy(), np.array([a, 0.5, 1 - a])
        )
        rows.append(
            {
                "parameter": name,
                "truth": truth[name],
                "median": med,
                "low": lo,
                "high": hi,
                "covered": bool(lo <= truth[name] <= hi),
                "width_vs_prior": (hi - lo) / (p.high - p.low),
                "generations": int(history.max_t + 1),
                "simulations": int(history.total_nr_simulations),
            }
        )
    df = pd.DataFrame(rows)
    df.attrs["level"] = level
    return df


def coverage(df: pd.DataFrame) -> float:
    return float(df["covered"].mean()) if len(df) else math.nan


def recovery_study(
    targets: Targets,
    priors: Priors,
    scenarios: dict[str, Any],
    folder: Path,
    *,
    truths: int = 20,
    budget: int,
    population: int,
    client: Any,
    seed: int = 2026,
    level: float = 0.9,
    margin: float = 0.1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Recover ``truths`` synthetic truths drawn from the prior (kept ``margin`` of the range
    away from its edges); returns the per-truth rows and a per-parameter summary:
    coverage of the ``level`` intervals, mean interval width relative to the prior, and
    :func:`identifiability`."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(truths):
        truth = {}
        for name, p in priors.parameter.items():
            lo, hi = p.to_abc(p.low), p.to_abc(p.high)
            u = rng.uniform(margin, 1 - margin)
            truth[name] = p.from_abc(lo + u * (hi - lo))
        df = recover(
            targets,
            priors,
            scenarios,
            truth,
            folder / f"truth{k}.db",
            budget=budget,
            population=population,
            client=client,
            seeds=[int(x) for x in rng.integers(0, 2**31 - 1, size=3)],
            level=level,
            abc_seed=int(rng.integers(0, 2**31 - 1)),
        )
        rows.append(df.assign(truth_id=k))
    per_truth = pd.concat(rows, ignore_index=True)
    summary = (
        per_truth.groupby("parameter", sort=False)
        .agg(coverage=("covered", "mean"), width_vs_prior=("width_vs_prior", "mean"))
        .reset_index()
    )
    summary["truths"] = truths
    summary["identifiability"] = [identifiability(w) for w in summary["width_vs_prior"]]
    return per_truth, summary


def identifiability(width_vs_prior: float) -> str:
    """Plain words for how much the targets pin a parameter down (mean 90 % interval width
    as a share of the prior range).

    >>> identifiability(0.3), identifiability(0.6), identifiability(0.9)
    ('identified', 'weakly identified', 'not identified by these targets')
    """
    if width_vs_prior < 0.5:
        return "identified"
    if width_vs_prior < 0.8:
        return "weakly identified"
    return "not identified by these targets"
