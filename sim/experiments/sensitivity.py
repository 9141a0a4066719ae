"""Global sensitivity analysis of a finished sweep: Sobol' indices or Morris screening.

Replications are averaged per design point first: the indices then describe the expected
outcome at each point. Left in, replication noise would count as variance no factor explains
and would inflate the total-order indices. The report also states how much of the run-to-run
variance was such noise.

Writes ``RESULTS/sensitivity-<method>/``: ``indices.csv``, ``indices.png`` (bar chart per
outcome) and ``report.md``.

>>> table, folder = sensitivity("results/sobol_success_factors")     # doctest: +SKIP
>>> table.sort_values("ST", ascending=False).head(3)                  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.experiments.analysis import (
    Sweep,
    choose_outcomes,
    markdown_table,
    noise_share,
    posterior_note,
    read_sweep,
    write_outputs,
)

METHODS = ("sobol", "morris")
RESAMPLES = 1000
ANALYSIS_SEED = 12345


def _problem(sweep: Sweep) -> dict:
    names = sweep.factors
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def _sobol(sweep: Sweep, y: np.ndarray) -> pd.DataFrame:
    from SALib.analyze import sobol

    s = sobol.analyze(
        _problem(sweep),
        y,
        calc_second_order=sweep.manifest["second_order"],
        num_resamples=RESAMPLES,
        conf_level=0.95,
        seed=ANALYSIS_SEED,
    )
    return pd.DataFrame(
        {
            "factor": sweep.factors,
            "S1": s["S1"],
            "S1_conf": s["S1_conf"],
            "ST": s["ST"],
            "ST_conf": s["ST_conf"],
        }
    )


def _morris(sweep: Sweep, y: np.ndarray) -> pd.DataFrame:
    from SALib.analyze import morris

    x = sweep.design[[f"unit:{f}" for f in sweep.factors]].to_numpy(dtype=float)
    s = morris.analyze(
        _problem(sweep),
        x,
        y,
        num_resamples=RESAMPLES,
        conf_level=0.95,
        num_levels=sweep.manifest["levels"],
        seed=ANALYSIS_SEED,
    )
    return pd.DataFrame(
        {
            "factor": sweep.factors,
            "mu": s["mu"],
            "mu_star": s["mu_star"],
            "mu_star_conf": s["mu_star_conf"],
            "sigma": s["sigma"],
        }
    )


def _empty(sweep: Sweep, method: str) -> pd.DataFrame:
    cols = (
        ("S1", "S1_conf", "ST", "ST_conf")
        if method == "sobol"
        else ("mu", "mu_star", "mu_star_conf", "sigma")
    )
    return pd.DataFrame({"factor": sweep.factors, **{c: 0.0 for c in cols}})


def indices(sweep: Sweep, outcome: str, method: str) -> tuple[pd.DataFrame, str]:
    """Indices of every factor for one outcome, and a note (empty if all is well)."""
    values = sweep.per_replication(outcome)
    y = np.nanmean(values, axis=1) if not np.isnan(values).all(axis=1).any() else None
    if y is None:
        return _empty(sweep, method).assign(note="undefined"), (
            "undefined at some design points (e.g. a share of zero events); not analysed"
        )
    if np.ptp(y) == 0:
        return _empty(sweep, method).assign(note="constant"), (
            "the same at every design point; no factor moves it"
        )
    table = _sobol(sweep, y) if method == "sobol" else _morris(sweep, y)
    return table.assign(note=""), ""


def check_method(sweep: Sweep, method: str | None) -> str:
    """The analysis method: the design's own, or ``method`` if the design supports it."""
    design = sweep.manifest["method"]
    method = method or (design if design in METHODS else "sobol")
    if method not in METHODS:
        raise UserError(f"argument --method: allowed values are sobol, morris; got {method!r}")
    if design != method:
        hint = "'buurtsim compare'" if design not in METHODS else f"--method {design}"
        raise UserError(
            f"argument --method: {method} indices need a {method} design, but this "
            f"sweep used a {design} design (use {hint})"
        )
    return method


def _chart(table: pd.DataFrame, method: str):
    from matplotlib.ticker import MaxNLocator

    from sim.figures import subplots

    outcomes = list(dict.fromkeys(table["outcome"]))
    cols = min(3, len(outcomes))
    rows = -(-len(outcomes) // cols)
    n_factors = table["factor"].nunique()
    fig, axes = subplots(
        rows, cols, figsize=(4.2 * cols, 0.35 * n_factors * rows + 1.5), squeeze=False, sharey=True
    )
    bars = (
        (("S1", "S1_conf", "first order"), ("ST", "ST_conf", "total order"))
        if method == "sobol"
        else (("mu_star", "mu_star_conf", "μ*"), ("sigma", None, "σ"))
    )
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        part = table[table["outcome"] == outcome]
        pos = np.arange(len(part))
        for k, (col, err, label) in enumerate(bars):
            ax.barh(
                pos + (k - 0.5) * 0.4,
                part[col],
                height=0.4,
                label=label,
                xerr=part[err] if err else None,
                capsize=2,
            )
        ax.set_yticks(pos, part["factor"])
        ax.set_title(outcome, fontsize=10)
        ax.axvline(0, color="black", lw=0.6)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.tick_params(axis="x", labelsize=8)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, loc="lower right")
    axes.flat[0].invert_yaxis()
    fig.suptitle(
        (
            "Sobol' indices (95 % bootstrap intervals)"
            if method == "sobol"
            else "Morris screening: μ* (95 % interval) and σ"
        ),
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def _report(
    sweep: Sweep, table: pd.DataFrame, method: str, notes: dict[str, str], noise: dict[str, float]
) -> str:
    m = sweep.manifest
    lines = [
        f"# Sensitivity analysis: {m['experiment']['name']}",
        "",
        f"{'Sobol' if method == 'sobol' else 'Morris'} analysis of {m['points']} design "
        f"points × {m['replications']} replications ({m['runs']} runs), base scenario "
        f"hash `{m['base_scenario_hash'][:12]}`, buurtsim {m['version']}. Replications "
        f"were averaged per design point before the analysis.",
        "",
    ]
    if posterior_note(m):
        lines += [posterior_note(m) + " Replication noise below includes both.", ""]
    key = "ST" if method == "sobol" else "mu_star"
    for outcome, part in table.groupby("outcome", sort=False):
        lines += [f"## {outcome}", ""]
        if notes.get(outcome):
            lines += [f"Not analysed: {notes[outcome]}.", ""]
            continue
        part = part.sort_values(key, ascending=False).drop(columns=["outcome", "note"])
        top = part.iloc[0]
        share = noise[outcome]
        lines.append(
            f"Most influential: **{top['factor']}** ({key} = {top[key]:.2f}). "
            + (
                f"Replication noise was {share:.0%} of the run-to-run variance."
                if np.isfinite(share)
                else "Replication noise is unknown (one replication per "
                "point): indices above 1 or wide intervals point to noise; add replications."
            )
        )
        if method == "sobol":
            interactions = part["ST"].sum() - part["S1"].sum()
            lines.append(
                f"Sum of first-order indices {part['S1'].sum():.2f}; total minus first "
                f"order {interactions:.2f} (interactions)."
            )
        lines += ["", markdown_table(part), ""]
    lines += ["![indices](indices.png)", ""]
    return "\n".join(lines)


def sensitivity(
    results: str | Path, outcomes: list[str] | None = None, method: str | None = None
) -> tuple[pd.DataFrame, Path]:
    """Compute, chart and report the indices; returns the table and the output folder."""
    sweep = read_sweep(results)
    method = check_method(sweep, method)
    chosen = choose_outcomes(sweep, outcomes)
    parts, notes, noise = [], {}, {}
    for outcome in chosen:
        table, note = indices(sweep, outcome, method)
        parts.append(table.assign(outcome=outcome))
        notes[outcome] = note
        noise[outcome] = noise_share(sweep.per_replication(outcome))
    table = pd.concat(parts, ignore_index=True)
    table = table[["outcome", *[c for c in table.columns if c != "outcome"]]]
    folder = Path(results) / f"sensitivity-{method}"
    write_outputs(
        folder,
        {
            "indices.csv": table,
            "indices.png": _chart(table, method),
            "report.md": _report(sweep, table, method, notes, noise),
        },
    )
    return table, folder
