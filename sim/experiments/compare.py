"""Effect of each factor on the outcomes, with intervals across replications.

Common random numbers make every replication a paired comparison: replication ``r`` uses the
same seed at every design point, so the effect of a factor is computed *within* each
replication and the spread of those effects over replications gives the interval (mean ± t ×
standard error, 95 %).

- one-at-a-time designs: outcome at each changed point minus outcome at the base point;
- factorial designs: mean over the points at a level minus mean over the points at the
  factor's first listed level (main effect, averaged over the other factors);
- sampling designs (lhs, sobol, morris): slope of a linear regression on the factors' unit
  coordinates, i.e. the change from the low to the high end of each factor's range.

Writes ``RESULTS/compare/``: ``effects.csv``, ``effects.png`` and ``report.md``.

>>> effects, folder = compare("results/selection_vs_exposure")       # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiments.analysis import (
    Sweep,
    choose_outcomes,
    markdown_table,
    posterior_note,
    read_sweep,
    write_outputs,
)

COLUMNS = [
    "outcome",
    "factor",
    "level",
    "reference",
    "effect",
    "ci_low",
    "ci_high",
    "sd",
    "replications",
    "at_level",
    "at_reference",
]


def interval(samples: np.ndarray) -> tuple[float, float, float, float]:
    """Mean, 95 % t-interval and sd of per-replication effects (NaNs dropped)."""
    x = samples[~np.isnan(samples)]
    if len(x) == 0:
        return (np.nan,) * 4
    mean = float(x.mean())
    if len(x) < 2:
        return mean, np.nan, np.nan, np.nan
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.975, len(x) - 1) * sd / np.sqrt(len(x)))
    return mean, mean - half, mean + half, sd


def _row(outcome, factor, level, ref, per_rep, at_level, at_ref) -> dict:
    effect, lo, hi, sd = interval(per_rep)
    return dict(
        zip(
            COLUMNS,
            (
                outcome,
                factor,
                str(level),
                str(ref),
                effect,
                lo,
                hi,
                sd,
                int((~np.isnan(per_rep)).sum()),
                float(np.nanmean(at_level)),
                float(np.nanmean(at_ref)),
            ),
            strict=True,
        )
    )


def _levels_effects(sweep: Sweep, outcome: str) -> list[dict]:
    y = sweep.per_replication(outcome)  # points × replications
    design = sweep.design.set_index("point").sort_index()
    rows = []
    for factor in sweep.factors:
        if sweep.manifest["method"] == "oat":
            ref_mask = (design["varied"] == "").to_numpy()
            ref = design.loc[ref_mask, factor].iloc[0]
            levels = design.loc[design["varied"] == factor, factor].tolist()
            masks = [
                ((design["varied"] == factor) & (design[factor] == v)).to_numpy() for v in levels
            ]
        else:
            levels = list(dict.fromkeys(design[factor]))
            ref, levels = levels[0], levels[1:]
            ref_mask = (design[factor] == ref).to_numpy()
            masks = [(design[factor] == v).to_numpy() for v in levels]
        at_ref = np.nanmean(y[ref_mask], axis=0)
        for level, mask in zip(levels, masks, strict=True):
            at_level = np.nanmean(y[mask], axis=0)
            rows.append(_row(outcome, factor, level, ref, at_level - at_ref, at_level, at_ref))
    return rows


def _slope_effects(sweep: Sweep, outcome: str) -> list[dict]:
    y = sweep.per_replication(outcome)
    x = sweep.design.sort_values("point")[[f"unit:{f}" for f in sweep.factors]].to_numpy(float)
    design = np.column_stack([np.ones(len(x)), x])
    slopes = np.full((y.shape[1], len(sweep.factors)), np.nan)
    for r in range(y.shape[1]):
        ok = ~np.isnan(y[:, r])
        if ok.sum() > design.shape[1]:
            coef, *_ = np.linalg.lstsq(design[ok], y[ok, r], rcond=None)
            slopes[r] = coef[1:]
    mean = float(np.nanmean(y))
    return [
        _row(outcome, f, "high end", "low end", slopes[:, j], mean, mean)
        for j, f in enumerate(sweep.factors)
    ]


def effects(sweep: Sweep, outcomes: list[str]) -> pd.DataFrame:
    """The effects table for ``outcomes`` (see the module docstring for the definitions)."""
    sampled = sweep.manifest["method"] in ("lhs", "sobol", "morris")
    rows = []
    for outcome in outcomes:
        rows += _slope_effects(sweep, outcome) if sampled else _levels_effects(sweep, outcome)
    return pd.DataFrame(rows, columns=COLUMNS)


def _chart(table: pd.DataFrame):
    from matplotlib.ticker import MaxNLocator

    from sim.figures import subplots

    outcomes = list(dict.fromkeys(table["outcome"]))
    cols = min(3, len(outcomes))
    rows = -(-len(outcomes) // cols)
    per = table.groupby("outcome").size().max()
    fig, axes = subplots(
        rows, cols, figsize=(4.2 * cols, 0.3 * per * rows + 1.5), squeeze=False, sharey=True
    )
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        part = table[table["outcome"] == outcome]
        pos = np.arange(len(part))
        err = np.vstack([part["effect"] - part["ci_low"], part["ci_high"] - part["effect"]])
        ax.errorbar(part["effect"], pos, xerr=np.nan_to_num(err), fmt="o", ms=4, capsize=2)
        ax.axvline(0, color="grey", lw=0.8, ls="--")
        labels = [
            f if lv == "high end" else f"{f} = {lv} (vs {ref})"
            for f, lv, ref in zip(part["factor"], part["level"], part["reference"], strict=True)
        ]
        ax.set_yticks(pos, labels, fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.tick_params(axis="x", labelsize=8)
        ax.set_title(outcome, fontsize=10)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    axes.flat[0].invert_yaxis()
    fig.suptitle("Effect of each factor (95 % interval across replications)", fontsize=11)
    fig.tight_layout()
    return fig


def _report(sweep: Sweep, table: pd.DataFrame) -> str:
    m = sweep.manifest
    definition = {
        "oat": "outcome with the factor changed minus the base scenario",
        "factorial": "mean at the level minus mean at the factor's first level, averaged over "
        "the other factors",
    }.get(m["method"], "linear-regression change from the low to the high end of the range")
    lines = [
        f"# Factor effects: {m['experiment']['name']}",
        "",
        f"{m['method']} design, {m['points']} points × {m['replications']} replications "
        f"(common random numbers). Effect = {definition}; interval = 95 % t-interval of "
        f"the per-replication effects.",
        "",
    ]
    if posterior_note(m):
        lines += [posterior_note(m), ""]
    for outcome, part in table.groupby("outcome", sort=False):
        clear = part[(part["ci_low"] > 0) | (part["ci_high"] < 0)]
        lines += [
            f"## {outcome}",
            "",
            f"{len(clear)} of {len(part)} effects have an interval that excludes zero.",
            "",
            markdown_table(part.drop(columns=["outcome"]), digits=4),
            "",
        ]
    lines += ["![effects](effects.png)", ""]
    return "\n".join(lines)


def compare(results: str | Path, outcomes: list[str] | None = None) -> tuple[pd.DataFrame, Path]:
    """Compute, chart and report factor effects; returns the table and the output folder."""
    sweep = read_sweep(results)
    table = effects(sweep, choose_outcomes(sweep, outcomes))
    folder = Path(results) / "compare"
    write_outputs(
        folder,
        {"effects.csv": table, "effects.png": _chart(table), "report.md": _report(sweep, table)},
    )
    return table, folder
