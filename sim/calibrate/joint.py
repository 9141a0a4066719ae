"""The joint posterior-predictive check: can the targets be met *together*?

A marginal check (each target's share of draws inside its interval) hides conflicts: two
targets may each be met in half the draws but never in the same one. Here every posterior
draw is a row of met / missed targets, and the check reports

- the share of draws meeting every H-graded target at once, and every used target at once;
- per target, the share of draws meeting it;
- which pairs conflict: the correlation (phi coefficient) of their *misses* over the draws
  and how often both are met compared with independence.

``buurtsim calibrate --install`` installs a calibrated scenario only if the share of draws
meeting every H target at once is at least :data:`INSTALL_THRESHOLD` (``--force``
overrides, and says so).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.distance import target_miss
from sim.calibrate.targets import Targets

INSTALL_THRESHOLD = 0.5
"""Least share of posterior-predictive draws that meet every H target (the solid CBS and
Rotterdam figures) at once for ``--install`` to replace ``scenarios/calibrated.toml``: a
calibrated scenario should reproduce the solid facts more often than not."""


def met_matrix(draws: list[dict[str, Any]], targets: Targets) -> pd.DataFrame:
    """One row per draw, one boolean column per used target: inside its interval / side."""
    used = targets.used()
    rows = [
        {t.id: target_miss(t, d["observables"].get(t.id, math.nan)) == 0 for t in used}
        for d in draws
    ]
    return pd.DataFrame(rows, columns=[t.id for t in used]).astype(bool)


def conflicts(met: pd.DataFrame, min_abs_phi: float = 0.0) -> pd.DataFrame:
    """Pairs of targets: correlation of their misses (phi; negative = meeting one tends to
    miss the other), P(both met) and the product of the marginal shares (independence)."""
    rows = []
    for a, b in itertools.combinations(met.columns, 2):
        x, y = met[a].to_numpy(float), met[b].to_numpy(float)
        pa, pb, both = x.mean(), y.mean(), (x * y).mean()
        sd = math.sqrt(pa * (1 - pa) * pb * (1 - pb))
        phi = (both - pa * pb) / sd if sd > 0 else math.nan
        if math.isfinite(phi) and abs(phi) < min_abs_phi:
            continue
        rows.append(
            {
                "target_a": a,
                "target_b": b,
                "met_a": pa,
                "met_b": pb,
                "met_both": both,
                "met_both_if_independent": pa * pb,
                "phi": phi,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "target_a",
            "target_b",
            "met_a",
            "met_b",
            "met_both",
            "met_both_if_independent",
            "phi",
        ],
    )
    return out.sort_values("phi", na_position="last").reset_index(drop=True)


def joint_check(draws: list[dict[str, Any]], targets: Targets) -> dict[str, Any]:
    """The joint check's figures (JSON-ready) for one set of posterior-predictive draws."""
    met = met_matrix(draws, targets)
    h_ids = [t.id for t in targets.used() if t.certainty == "H"]
    n = len(met)
    all_h = met[h_ids].all(axis=1) if h_ids else pd.Series([True] * n)
    conf = conflicts(met)
    conflicting = conf[(conf["phi"] < -0.2) & (conf["met_both"] < conf["met_both_if_independent"])]
    share_h = float(all_h.mean()) if n else 0.0
    return {
        "draws": n,
        "h_targets": h_ids,
        "share_all_h_met": share_h,
        "share_all_met": float(met.all(axis=1).mean()) if n else 0.0,
        "mean_targets_met": float(met.sum(axis=1).mean()) if n else 0.0,
        "targets_used": len(met.columns),
        "share_met": {k: float(v) for k, v in met.mean().items()} if n else {},
        "conflicting_pairs": [
            {k: (v if isinstance(v, str) else float(v)) for k, v in r.items()}
            for r in conflicting.to_dict("records")
        ],
        "install_threshold": INSTALL_THRESHOLD,
        "passes": share_h >= INSTALL_THRESHOLD,
    }


def refusal(check: dict[str, Any]) -> str | None:
    """Why a calibration with this joint check must not be installed (None: it may)."""
    if check.get("passes"):
        return None
    per = check.get("share_met", {})
    h = ", ".join(f"{t} {100 * per.get(t, 0):.0f} %" for t in check.get("h_targets", []))
    return (
        f"the joint posterior-predictive check fails: {100 * check['share_all_h_met']:.0f} % "
        f"of {check['draws']} draws meet every H target at once ({h}); at least "
        f"{100 * check['install_threshold']:.0f} % are required to replace "
        f"scenarios/calibrated.toml. Nothing was installed; use --force to install anyway"
    )


def miss_correlations(met: pd.DataFrame) -> pd.DataFrame:
    """Square table of phi coefficients between the targets' misses (NaN: never missed or
    always missed)."""
    miss = (~met).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return miss.corr()
