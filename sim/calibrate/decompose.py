"""Selection versus exposure: how much of the participant gap each mechanism explains.

For each posterior draw the primary scenario (Rotterdam) is run four times with the same
seeds (common random numbers): as calibrated, with selection off (``membership.selection_*
= 0`` and the event-driven joining boosts ``victim_join``, ``street_crime_join``,
``wave_join`` = 0), with exposure off (``messages.exposure = 0``) and with both off. The gap is
participants − non-participants in mean latent worry over the measured period
(``worry_gap``); a mechanism's *contribution* in a draw is the gap it removes when switched
off. :func:`contributions` gives it per draw, :func:`distribution` its 5–95 % band over the
draws and :func:`headline` the sentence the data allow — "undetermined" when the band spans
both signs. :func:`shares` (ratio of posterior means, bootstrap interval) is kept for
callers that want one number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.observe import Simulator, observe, replicate_seeds

SELECTION_OFF = {
    "membership.selection_worry": 0.0,
    "membership.selection_efficacy": 0.0,
    "membership.selection_cohesion": 0.0,
    # selection of the other sign (issue 11): recent victims and crime on the own street
    "membership.victim_join": 0.0,
    "membership.street_crime_join": 0.0,
    "membership.wave_join": 0.0,
}
EXPOSURE_OFF = {"messages.exposure": 0.0}
VARIANTS: dict[str, dict[str, float]] = {
    "calibrated": {},
    "selection_off": SELECTION_OFF,
    "exposure_off": EXPOSURE_OFF,
    "both_off": {**SELECTION_OFF, **EXPOSURE_OFF},
}
GAP_KEYS = ("worry_gap", "unsafe_gap")


def _gaps(run: Any, survey_targets: list) -> dict[str, float]:
    s = run.summary()
    out = {k: s[k] for k in GAP_KEYS}
    for t in survey_targets:
        out[t.id] = observe(t, {t.scenario: run})
    return out


def draw_task(sim: Simulator, values: Mapping[str, float], seed: int) -> dict[str, Any]:
    """One posterior draw: observables of every target (mean over ``sim.replicates`` runs,
    as in the calibration's distance), and the gaps under each variant with the same seeds.

    The counterfactuals keep ``sim.extra`` (the model structure) and add their switches.
    """
    primary = sim.targets.primary
    gap_targets = [
        t
        for t in sim.targets.used()
        if t.scenario == primary and t.observable == "survey" and t.respondents == "gap"
    ]
    seeds = replicate_seeds(seed, sim.replicates)
    observed: list[dict[str, float]] = []
    gaps: dict[str, list[dict[str, float]]] = {name: [] for name in VARIANTS}
    for s in seeds:
        results = sim.runs(values, s)
        observed.append(sim.measure(results))
        for name, extra in VARIANTS.items():
            if not extra:
                run = results[primary]
            else:
                run = sim.with_extra(extra).runs(values, s, names=[primary])[primary]
            gaps[name].append(_gaps(run, gap_targets))
    return {
        "observables": _mean(observed),
        "seed": seed,
        "values": dict(values),
        "gaps": {name: _mean(g) for name, g in gaps.items()},
    }


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    out = {}
    for key in rows[0]:
        v = np.array([r[key] for r in rows], dtype=float)
        out[key] = float(np.mean(v[np.isfinite(v)])) if np.isfinite(v).any() else float("nan")
    return out


MECHANISMS = (
    ("selection", "selection_off"),
    ("exposure", "exposure_off"),
    ("selection and exposure", "both_off"),
)


def contributions(gaps: pd.DataFrame, measure: str = "worry_gap") -> pd.DataFrame:
    """Per draw: the calibrated gap and each mechanism's contribution (gap removed) and
    share (contribution ÷ gap; NaN where the gap is within ``1e-9`` of zero)."""
    wide = gaps[gaps["measure"] == measure].pivot(index="draw", columns="variant", values="gap")
    wide = wide.dropna()
    out = pd.DataFrame({"draw": wide.index, "gap": wide["calibrated"].to_numpy()})
    for mech, variant in MECHANISMS:
        c = wide["calibrated"].to_numpy() - wide[variant].to_numpy()
        out[f"{mech}:contribution"] = c
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{mech}:share"] = np.where(np.abs(out["gap"]) > 1e-9, c / out["gap"], np.nan)
    return out.reset_index(drop=True)


def _band(x: np.ndarray) -> tuple[float, float, float]:
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return (float("nan"),) * 3
    lo, med, hi = np.quantile(x, [0.05, 0.5, 0.95])
    return float(lo), float(med), float(hi)


def distribution(gaps: pd.DataFrame, measure: str = "worry_gap") -> pd.DataFrame:
    """Per mechanism, over the posterior draws: 5 %, 50 %, 95 % of its contribution and of
    its share of the gap (draws with a positive gap only), the share of draws in which it
    widens the gap, and :func:`verdict`."""
    per = contributions(gaps, measure)
    gap = per["gap"].to_numpy()
    rows = []
    for mech, _ in MECHANISMS:
        c = per[f"{mech}:contribution"].to_numpy()
        share = per[f"{mech}:share"].to_numpy()[gap > 0]
        c05, c50, c95 = _band(c)
        s05, s50, s95 = _band(share)
        g05, g50, g95 = _band(gap)
        rows.append(
            {
                "mechanism": mech,
                "measure": measure,
                "draws": len(per),
                "gap_q05": g05,
                "gap_median": g50,
                "gap_q95": g95,
                "draws_gap_positive": float(np.mean(gap > 0)) if len(gap) else float("nan"),
                "contribution_q05": c05,
                "contribution_median": c50,
                "contribution_q95": c95,
                "draws_widening": float(np.mean(c > 0)) if len(c) else float("nan"),
                "share_q05": s05,
                "share_median": s50,
                "share_q95": s95,
                "verdict": verdict(c05, c95),
            }
        )
    return pd.DataFrame(rows)


def verdict(q05: float, q95: float) -> str:
    """What a 90 % band of a contribution allows one to say.

    >>> verdict(0.01, 0.2), verdict(-0.3, -0.02), verdict(-0.1, 0.2), verdict(0.0, 0.0)
    ('widens the gap', 'narrows the gap', 'undetermined', 'no effect')
    """
    if not (np.isfinite(q05) and np.isfinite(q95)):
        return "no value"
    if abs(q05) < 1e-12 and abs(q95) < 1e-12:
        return "no effect"  # the mechanism is off in this structure
    if q05 > 0:
        return "widens the gap"
    if q95 < 0:
        return "narrows the gap"
    return "undetermined"


def headline(dist: pd.DataFrame, structure: str | None = None) -> str:
    """One generated sentence per structure: the gap's sign and each mechanism's verdict,
    with the 5–95 % bands over the posterior draws (from :func:`distribution`)."""
    rows = dist.set_index("mechanism")
    if rows.empty:
        return "No posterior draws: nothing can be said."
    first = rows.iloc[0]
    where = f"Under structure `{structure}`, " if structure else ""
    gap_pos = first["draws_gap_positive"]
    gap_txt = (
        f"{where}members are more worried than non-members in {100 * gap_pos:.0f} % of the "
        f"posterior draws (gap 5–95 %: {first['gap_q05']:+.3f} to {first['gap_q95']:+.3f})"
    )
    parts = []
    for mech in ("selection", "exposure"):
        if mech not in rows.index:
            continue
        r = rows.loc[mech]
        band = f"{r['contribution_q05']:+.3f} to {r['contribution_q95']:+.3f}"
        if r["verdict"] == "undetermined":
            parts.append(
                f"{mech}'s contribution is **undetermined** (it widens the gap in "
                f"{100 * r['draws_widening']:.0f} % of draws; 5–95 %: {band})"
            )
        elif r["verdict"] == "no value":
            parts.append(f"{mech}'s contribution could not be measured")
        elif r["verdict"] == "no effect":
            parts.append(f"{mech} has no effect (it is off in this structure)")
        else:
            share = ""
            if np.isfinite(r["share_q05"]):
                share = (
                    f", {100 * r['share_q05']:.0f} to {100 * r['share_q95']:.0f} % of a "
                    f"positive gap"
                )
            parts.append(f"{mech} **{r['verdict']}** (5–95 %: {band}{share})")
    return gap_txt + "; " + "; ".join(parts) + "."


def gap_table(draws: list[dict[str, Any]]) -> pd.DataFrame:
    """Long table: draw, variant, measure, gap."""
    rows = [
        (i, v, k, float(x))
        for i, d in enumerate(draws)
        for v, g in d["gaps"].items()
        for k, x in g.items()
    ]
    return pd.DataFrame(rows, columns=["draw", "variant", "measure", "gap"])


def shares(
    gaps: pd.DataFrame, measure: str = "worry_gap", n_boot: int = 2000, seed: int = 0
) -> pd.DataFrame:
    """Contribution (gap removed) and share of the calibrated gap per mechanism, 90 % intervals.

    >>> g = pd.DataFrame({"draw": [0, 0, 0, 0], "variant": ["calibrated", "selection_off",
    ...     "exposure_off", "both_off"], "measure": "worry_gap", "gap": [0.1, 0.09, 0.0, 0.0]})
    >>> round(float(shares(g, n_boot=10).set_index("mechanism").loc["exposure", "share"]), 2)
    1.0
    """
    wide = gaps[gaps["measure"] == measure].pivot(index="draw", columns="variant", values="gap")
    wide = wide.dropna()
    base = wide["calibrated"].to_numpy()
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(wide), size=(n_boot, len(wide)))
    rows = []
    for mech, variant in (
        ("selection", "selection_off"),
        ("exposure", "exposure_off"),
        ("selection and exposure", "both_off"),
    ):
        contrib = base - wide[variant].to_numpy()
        share = contrib.mean() / base.mean() if base.mean() else np.nan
        boot = contrib[idx].mean(axis=1) / base[idx].mean(axis=1)
        rows.append(
            {
                "mechanism": mech,
                "measure": measure,
                "draws": len(wide),
                "gap_calibrated": base.mean(),
                "gap_calibrated_q05": np.quantile(base, 0.05),
                "gap_calibrated_q95": np.quantile(base, 0.95),
                "gap_without": wide[variant].mean(),
                "contribution": contrib.mean(),
                "contribution_q05": np.quantile(contrib, 0.05),
                "contribution_q95": np.quantile(contrib, 0.95),
                "share": share,
                "share_q05": np.nanquantile(boot, 0.05),
                "share_q95": np.nanquantile(boot, 0.95),
                "draws_gap_positive": float(np.mean(base > 0)),
            }
        )
    return pd.DataFrame(rows)
