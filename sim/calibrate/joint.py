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
from collections.abc import Callable
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
        f"scenarios/calibrated.toml"
    )


def miss_correlations(met: pd.DataFrame) -> pd.DataFrame:
    """Square table of phi coefficients between the targets' misses (NaN: never missed or
    always missed)."""
    miss = (~met).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return miss.corr()


def why_missed(
    points: pd.DataFrame,
    draws: list[dict[str, Any]],
    posterior: pd.DataFrame,
    parameters: list[str],
    targets: Targets,
    met: pd.DataFrame,
    conf: pd.DataFrame,
    required: float = 0.8,
    min_rho: float = 0.3,
    applies: Callable[[str, str], bool] | None = None,
) -> list[dict[str, Any]]:
    """For each H target the installed point meets in fewer than ``required`` of its seeds:
    which side it misses on, how often the posterior-predictive draws meet it, the target it
    conflicts with most, and the parameters (the mechanisms) through which the two are tied.

    A parameter ties a target to the installed point's miss when its posterior values are
    rank-correlated (|ρ| ≥ ``min_rho``) with the target's simulated value over the draws;
    the conflict is *through* a parameter that moves both targets. ``draws`` carry
    ``particle``, the row of ``posterior`` they were run with; ``met`` and ``conf`` are
    their :func:`met_matrix` and its :func:`conflicts`. ``applies(parameter,
    scenario)`` says whether a parameter acts in a target's scenario at all; a parameter
    that does not (a Rotterdam shift and a national figure) is never named, however it is
    correlated over the posterior with one that does.
    """
    from scipy.stats import spearmanr

    by_id = {t.id: t for t in targets.used()}
    values = pd.DataFrame([d["observables"] for d in draws])
    pars = posterior.iloc[[int(d["particle"]) for d in draws]][parameters].reset_index(drop=True)

    def movers(target_id: str) -> dict[str, float]:
        out = {}
        y = pd.to_numeric(values.get(target_id), errors="coerce")
        scenario = by_id[target_id].scenario
        for p in parameters:
            if applies is not None and not applies(p, scenario):
                continue
            ok = y.notna() & pars[p].notna()
            if ok.sum() < 5 or pars.loc[ok, p].nunique() < 3 or y[ok].nunique() < 3:
                continue
            rho = float(spearmanr(pars.loc[ok, p], y[ok]).statistic)
            if math.isfinite(rho) and abs(rho) >= min_rho:
                out[p] = rho
        return dict(sorted(out.items(), key=lambda kv: -abs(kv[1])))

    rows = []
    for r in points.itertuples():
        t = by_id.get(r.target)
        if t is None or t.certainty != "H" or r.seeds_met >= required * r.seeds:
            continue
        side = ""
        if t.interval is not None:
            lo, hi = t.interval
            side = "below" if r.median < lo else ("above" if r.median > hi else "inside")
        pairs = conf[(conf["target_a"] == t.id) | (conf["target_b"] == t.id)]
        rarer = pairs["met_both"] < pairs["met_both_if_independent"]
        pairs = pairs[(pairs["phi"] < -0.1) & rarer]
        rival = None
        if len(pairs):
            p = pairs.iloc[0]
            rival = {
                "target": p["target_b"] if p["target_a"] == t.id else p["target_a"],
                "phi": float(p["phi"]),
                "met_both": float(p["met_both"]),
                "met_both_if_independent": float(p["met_both_if_independent"]),
            }
        own = movers(t.id)
        shared = {}
        if rival is not None:
            theirs = movers(rival["target"])
            shared = {p: (own[p], theirs[p]) for p in own if p in theirs}
        rows.append(
            {
                "target": t.id,
                "seeds_met": int(r.seeds_met),
                "seeds": int(r.seeds),
                "median": float(r.median),
                "interval": list(t.interval) if t.interval is not None else None,
                "side": side,
                "draws_met": float(met[t.id].mean()) if t.id in met else math.nan,
                "moved_by": own,
                "rival": rival,
                "shared": shared,
            }
        )
    return rows
