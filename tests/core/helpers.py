"""Shared helpers for the core tests: short runs over common seeds."""

from __future__ import annotations

from functools import cache

import numpy as np

from sim.engine import simulate
from sim.scenario import Scenario, load_scenario

SEEDS = tuple(range(6))


@cache
def scenario(name: str = "baseline", days: int = 420, burn_in: int = 240, **overrides) -> Scenario:
    """A shipped scenario, shortened for tests (overrides given as a__b=value)."""
    s = load_scenario(f"scenarios/{name}.toml")
    waves = [{"label": "pre", "day": burn_in - 1}, {"label": "post", "day": days - 1}]
    ov = {"days": days, "burn_in_days": burn_in, "survey.waves": waves}
    ov.update({k.replace("__", "."): v for k, v in overrides.items()})
    return s.with_overrides(ov)


def outcomes(scn: Scenario, key: str, seeds=SEEDS) -> np.ndarray:
    """``summary()[key]`` for each seed."""
    return np.array([_summary(scn, s)[key] for s in seeds])


_SUMMARIES: dict[tuple[str, int], dict] = {}


def _summary(scn: Scenario, seed: int) -> dict:
    key = (scn.content_hash(), seed)
    if key not in _SUMMARIES:
        _SUMMARIES[key] = simulate(scn, seed=seed).summary()
    return _SUMMARIES[key]


def paired_greater(a: np.ndarray, b: np.ndarray) -> bool:
    """a > b with common random numbers: the mean paired difference is more than 2.5
    standard errors above zero (one-sided, about 1 % false alarms with 6 seeds)."""
    d = a - b
    se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else 0
    return bool(d.mean() > 2.5 * se and d.mean() > 0)
