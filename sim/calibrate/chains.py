"""Independent calibrations compared: do two runs with different seeds find one posterior?

Per parameter: each run's 90 % interval, the overlap of the two intervals (length of the
intersection ÷ length of the union, 1 = identical), the Bhattacharyya coefficient of the
weighted marginals on a common 20-bin grid over the prior range (1 = identical
distributions, 0 = disjoint) and the weighted Kolmogorov–Smirnov distance (largest gap
between the two cumulative distributions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibrate.posterior import weighted_quantile
from sim.calibrate.priors import Priors

AGREE_BHATTACHARYYA = 0.8
"""Two runs agree on a parameter when their marginals' Bhattacharyya coefficient is at
least this (a convention of this report, not a test)."""


def interval_overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Intersection ÷ union of two intervals.

    >>> interval_overlap((0, 2), (1, 3))
    0.3333333333333333
    """
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 1.0


def bhattacharyya(x, wx, y, wy, edges) -> float:
    """Bhattacharyya coefficient of two weighted samples on histogram ``edges``."""
    hx, _ = np.histogram(np.clip(x, edges[0], edges[-1]), bins=edges, weights=wx)
    hy, _ = np.histogram(np.clip(y, edges[0], edges[-1]), bins=edges, weights=wy)
    if hx.sum() <= 0 or hy.sum() <= 0:
        return float("nan")
    return float(np.sum(np.sqrt(hx / hx.sum() * hy / hy.sum())))


def weighted_ks(x, wx, y, wy) -> float:
    """Largest distance between the weighted empirical CDFs of two samples."""
    grid = np.union1d(x, y)

    def cdf(v, w):
        order = np.argsort(v)
        v, w = np.asarray(v)[order], np.asarray(w)[order] / np.sum(w)
        return np.concatenate([[0.0], np.cumsum(w)])[np.searchsorted(v, grid, side="right")]

    return float(np.max(np.abs(cdf(x, wx) - cdf(y, wy)))) if len(grid) else float("nan")


def compare_runs(posts: list[pd.DataFrame], priors: Priors, level: float = 0.9) -> pd.DataFrame:
    """Per parameter and pair of runs: intervals, interval overlap, Bhattacharyya, KS."""
    a = (1 - level) / 2
    rows = []
    for i in range(len(posts)):
        for j in range(i + 1, len(posts)):
            p, q = posts[i], posts[j]
            if len(p) == 0 or len(q) == 0:
                continue
            for name, par in priors.parameter.items():
                x, wx = p[name].to_numpy(float), p["weight"].to_numpy(float)
                y, wy = q[name].to_numpy(float), q["weight"].to_numpy(float)
                ix = tuple(weighted_quantile(x, wx, np.array([a, 1 - a])))
                iy = tuple(weighted_quantile(y, wy, np.array([a, 1 - a])))
                if par.distribution == "loguniform":
                    edges = np.geomspace(par.low, par.high, 21)
                else:
                    edges = np.linspace(par.low, par.high, 21)
                bc = bhattacharyya(x, wx, y, wy, edges)
                rows.append(
                    {
                        "parameter": name,
                        "run_a": i + 1,
                        "run_b": j + 1,
                        "a_q05": ix[0],
                        "a_q95": ix[1],
                        "b_q05": iy[0],
                        "b_q95": iy[1],
                        "interval_overlap": interval_overlap(ix, iy),
                        "bhattacharyya": bc,
                        "ks": weighted_ks(x, wx, y, wy),
                        "agree": bool(bc >= AGREE_BHATTACHARYYA),
                    }
                )
    return pd.DataFrame(rows)
