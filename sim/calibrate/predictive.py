"""The posterior-predictive table of a calibration: per target, what was observed and what the
posterior's runs give (median, 90 % interval, share of draws that meet the target)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.distance import target_miss
from sim.calibrate.targets import Targets


def predictive_table(draws: list[dict[str, Any]], targets: Targets) -> pd.DataFrame:
    """Per target: observed, posterior-predictive median and 90 % interval, share met."""
    weights = targets.weights
    rows = []
    for t in targets.target:
        sim = (
            np.array([d["observables"].get(t.id, math.nan) for d in draws], dtype=float)
            if t.use
            else np.array([])
        )
        finite = sim[np.isfinite(sim)]
        met = np.mean([target_miss(t, v) == 0 for v in sim]) if len(sim) else math.nan
        q05, q50, q95 = np.quantile(finite, [0.05, 0.5, 0.95]) if len(finite) else (math.nan,) * 3
        rows.append(
            {
                "target": t.id,
                "title": t.title,
                "used": t.use,
                "certainty": t.certainty,
                "weight": t.weight(weights) if t.use else 0.0,
                "observed": (
                    f"{t.interval[0]:g} – {t.interval[1]:g}"
                    if t.interval
                    else f"{'> 0' if t.direction == 'positive' else '< 0'}"
                ),
                "low": t.interval[0] if t.interval else math.nan,
                "high": t.interval[1] if t.interval else math.nan,
                "direction": t.direction or "",
                "sim_q05": q05,
                "sim_median": q50,
                "sim_q95": q95,
                "share_met": met,
                "verdict": _verdict(met, t.use),
            }
        )
    return pd.DataFrame(rows)


def _verdict(met: float, used: bool) -> str:
    if not used:
        return "not used"
    if not math.isfinite(met):
        return "no value"
    if met >= 0.5:
        return "met"
    if met >= 0.1:
        return "partly met"
    return "not met"
