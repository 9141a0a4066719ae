"""The calibration distance: zero inside every target, growing with the miss outside.

For one target the miss is how far the simulated value lies outside the observed interval
(or on the wrong side of zero for a direction-only target), in units of the target's
``scale``, times the weight that follows from its certainty. The distance of a run is the
Euclidean norm of these weighted misses. A value the run could not produce (no members, no
respondents: NaN) costs ``MISSING_PENALTY`` scale units.

>>> from sim.calibrate.targets import Target
>>> t = Target(id="x", title="x", observable="summary", scenario="s", key="k",
...            definition="d", certainty="H", source="s", scale=0.02, interval=(0.14, 0.18))
>>> target_miss(t, 0.15), round(target_miss(t, 0.22), 6)
(0.0, 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from sim.calibrate.targets import Target, Targets

MISSING_PENALTY = 10.0


def target_miss(target: Target, value: float) -> float:
    """Unweighted miss of ``value`` for ``target``, in scale units (0 = target met)."""
    if value is None or not math.isfinite(value):
        return MISSING_PENALTY
    if target.direction is not None:
        wrong = -value if target.direction == "positive" else value
        return max(0.0, wrong) / target.scale
    lo, hi = target.interval  # type: ignore[misc]
    if target.log:  # a count of zero in a short run counts as a tenth of the lower bound
        value, lo, hi = math.log(max(value, lo / 10)), math.log(lo), math.log(hi)
    outside = lo - value if value < lo else (value - hi if value > hi else 0.0)
    return outside / target.scale


class IntervalDistance:
    """Weighted distance between simulated observables and the targets (pyabc-compatible).

    Called as ``distance(x, x_0)`` with ``x`` a mapping from target id to simulated value;
    ``x_0`` (the observed data pyabc stores) is not needed, since the targets carry it.
    """

    def __init__(self, targets: Targets):
        self.targets = [t for t in targets.used()]
        self.weights = np.array([t.weight(targets.weights) for t in self.targets])

    def misses(self, x: Mapping[str, float], measured_only: bool = False) -> dict[str, float]:
        """Weighted miss per target id (``measured_only``: only the targets ``x`` holds;
        otherwise a target missing from ``x`` costs the penalty)."""
        return {
            t.id: float(w * target_miss(t, _as_float(x.get(t.id))))
            for t, w in zip(self.targets, self.weights, strict=True)
            if not measured_only or t.id in x
        }

    def __call__(self, x: Mapping[str, float], x_0: Mapping | None = None) -> float:
        m = np.fromiter(self.misses(x).values(), dtype=float)
        return float(np.sqrt(np.sum(m * m)))


def _as_float(v: object) -> float:
    try:
        return float(np.asarray(v).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        return float("nan")


def observed_data(targets: Targets) -> dict[str, np.ndarray]:
    """What pyabc stores as observed data: per target [low, high] (direction: ±inf side)."""
    out = {}
    for t in targets.used():
        if t.interval is not None:
            out[t.id] = np.array(t.interval, dtype=float)
        else:
            out[t.id] = np.array([0.0, np.inf] if t.direction == "positive" else [-np.inf, 0.0])
    return out
