"""The calibration report: Markdown with PNG figures.

Figures: posterior marginals against the prior range, pairs of the mechanism parameters,
each target observed versus simulated (posterior-predictive 90 % interval), ε per
generation, and the participant gap under the selection/exposure counterfactuals.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PAIR_PARAMETERS = (
    "membership.selection_worry",
    "membership.selection_efficacy",
    "messages.alert_worry",
    "contagion.fear_weight",
    "memory.worry_decay",
    "population.worry.mean",
)


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_marginals(post: pd.DataFrame, priors: Any, png: Path) -> None:
    plt = _plt()
    names = priors.names()
    cols = 4
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        p = priors.parameter[name]
        bins = (
            np.geomspace(p.low, p.high, 21)
            if p.distribution == "loguniform"
            else np.linspace(p.low, p.high, 21)
        )
        ax.hist(post[name], bins=bins, weights=post["weight"], density=True, color="#3b75af")
        ax.axhline(
            1 / (p.high - p.low) if p.distribution == "uniform" else np.nan,
            color="grey",
            lw=1,
            ls="--",
        )
        if p.distribution == "loguniform":
            ax.set_xscale("log")
        ax.set_xlim(p.low, p.high)
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    fig.suptitle(
        "Posterior marginals (bars) against the prior range (x-axis; dashed: "
        "uniform prior density)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def plot_pairs(post: pd.DataFrame, priors: Any, png: Path) -> None:
    plt = _plt()
    names = [n for n in PAIR_PARAMETERS if n in post.columns] or priors.names()[:5]
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(1.9 * k, 1.9 * k), squeeze=False)
    size = 4 + 60 * post["weight"] / post["weight"].max()
    for i, yi in enumerate(names):
        for j, xj in enumerate(names):
            ax = axes[i, j]
            if i == j:
                ax.hist(post[xj], bins=15, weights=post["weight"], color="#3b75af")
            elif i > j:
                ax.scatter(post[xj], post[yi], s=size, alpha=0.5, color="#3b75af", lw=0)
            else:
                ax.axis("off")
                c = np.corrcoef(post[xj], post[yi])[0, 1]
                ax.text(
                    0.5,
                    0.5,
                    f"r = {c:.2f}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    transform=ax.transAxes,
                )
            ax.tick_params(labelsize=5)
            if i == k - 1:
                ax.set_xlabel(xj.split(".")[-1], fontsize=7)
            if j == 0:
                ax.set_ylabel(yi.split(".")[-1], fontsize=7)
    fig.suptitle("Posterior pairs of the mechanism parameters", fontsize=9)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def plot_targets(pred: pd.DataFrame, draws: list[dict[str, Any]], png: Path) -> None:
    plt = _plt()
    used = pred[pred["used"]].reset_index(drop=True)
    cols = 4
    rows = math.ceil(len(used) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 1.9 * rows), squeeze=False)
    colours = {"met": "#2e8b57", "partly met": "#d9a400", "not met": "#c0392b", "no value": "grey"}
    for ax, row in zip(axes.flat, used.itertuples(), strict=False):
        sim = np.array([d["observables"].get(row.target, np.nan) for d in draws], float)
        sim = sim[np.isfinite(sim)]
        if math.isfinite(row.low):
            ax.axvspan(row.low, row.high, color="#9ccc9c", alpha=0.6, label="observed")
        else:
            ax.axvline(0, color="k", lw=1)
            side = 1 if row.direction == "positive" else -1
            ax.annotate(
                "observed side",
                xy=(0.5 + 0.3 * side, 0.85),
                xycoords="axes fraction",
                ha="center",
                fontsize=6,
                color="#2e6b2e",
            )
        if len(sim):
            ax.plot(
                sim,
                np.random.default_rng(0).uniform(0.2, 0.6, len(sim)),
                ".",
                ms=2,
                color="#555555",
                alpha=0.5,
            )
            ax.errorbar(
                [row.sim_median],
                [0.4],
                xerr=[[row.sim_median - row.sim_q05], [row.sim_q95 - row.sim_median]],
                fmt="o",
                color=colours.get(row.verdict, "k"),
                capsize=3,
                ms=4,
            )
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.set_title(
            f"{row.target} ({row.certainty}): {row.verdict}",
            fontsize=7,
            color=colours.get(row.verdict, "k"),
        )
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(used) :]:
        ax.axis("off")
    fig.suptitle(
        "Targets: observed (green band or side of 0) vs posterior predictive "
        "(median, 90 % interval; dots = draws)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def plot_epsilon(gens: pd.DataFrame, png: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.5, 3))
    ax.plot(gens["generation"], gens["epsilon"], "o-")
    ax.set_xlabel("generation")
    ax.set_ylabel("ε (acceptance threshold)")
    ax.set_yscale("symlog", linthresh=0.1)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def plot_decomposition(gaps: pd.DataFrame, png: Path) -> None:
    plt = _plt()
    order = ["calibrated", "selection_off", "exposure_off", "both_off"]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for ax, measure, label in (
        (axes[0], "worry_gap", "worry gap (latent, 0–1)"),
        (axes[1], "unsafe_gap", "gap in share feeling unsafe"),
    ):
        data = [
            gaps[(gaps["measure"] == measure) & (gaps["variant"] == v)]["gap"].dropna()
            for v in order
        ]
        ax.boxplot(
            data, tick_labels=[v.replace("_", " ") for v in order], whis=(5, 95), showfliers=False
        )
        ax.axhline(0, color="grey", lw=1)
        ax.set_ylabel(f"participants − non-participants\n{label}", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle(
        "Participant gap in the Rotterdam scenario over posterior draws "
        "(box: quartiles, whiskers: 5–95 %)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def _fmt(x: float, digits: int = 3) -> str:
    return "–" if x is None or not math.isfinite(float(x)) else f"{float(x):.{digits}g}"


def write_report(
    folder: Path, *, post, stats, gens, pred, gaps, decomposition, draws, targets, priors, meta
) -> Path:
    fig = folder / "figures"
    fig.mkdir(exist_ok=True)
    plot_marginals(post, priors, fig / "marginals.png")
    plot_pairs(post, priors, fig / "pairs.png")
    plot_targets(pred, draws, fig / "targets.png")
    plot_epsilon(gens, fig / "epsilon.png")
    plot_decomposition(gaps, fig / "selection_vs_exposure.png")
    t = meta["timing_seconds"]
    lines = [
        "# Calibration report",
        "",
        f"buurtsim {meta['buurtsim_version']}; targets `{meta['targets_file']}` "
        f"(hash {meta['targets_hash'][:12]}), priors `{meta['priors_file']}` "
        f"(hash {meta['priors_hash'][:12]})"
        + (f", field data `{meta['field_data']}`" if meta["field_data"] else "")
        + ".",
        f"ABC-SMC (pyabc, Dask, {meta['workers']} workers"
        + (f" on {meta['scheduler']}" if meta["scheduler"] else "")
        + f"): "
        f"{meta['generations']} generations, {meta['total_simulations']} simulations, "
        f"population {meta['population_size']}, in {t['abc_seconds'] / 60:.1f} min; "
        f"whole calibration {t['total_seconds'] / 60:.1f} min. Posterior predictive and "
        f"counterfactual runs: {meta['posterior_draws']} draws.",
        "",
    ]
    if meta["replaced_by_field_data"]:
        lines += [
            f"Targets replaced by figures from the field microdata: "
            f"{', '.join(meta['replaced_by_field_data'])}.",
            "",
        ]
    lines += [
        "## Posterior",
        "",
        "| parameter | median | 90 % interval | prior | interval / prior width |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in stats.itertuples():
        lines.append(
            f"| `{r.parameter}` | {_fmt(r.median)} | {_fmt(r.q05)} – {_fmt(r.q95)} "
            f"| {_fmt(r.prior_low)} – {_fmt(r.prior_high)} | "
            f"{_fmt(r.width_vs_prior, 2)} |"
        )
    lines += [
        "",
        "An interval/prior width near 1 means the targets hardly inform the parameter.",
        "",
        "![marginals](figures/marginals.png)",
        "",
        "![pairs](figures/pairs.png)",
        "",
        "![epsilon](figures/epsilon.png)",
        "",
        "## Targets: observed versus simulated",
        "",
        "| target | certainty | weight | observed | simulated median (90 %) | "
        "draws meeting it | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in pred.itertuples():
        sim = f"{_fmt(r.sim_median)} ({_fmt(r.sim_q05)} – {_fmt(r.sim_q95)})" if r.used else "–"
        met = f"{100 * r.share_met:.0f} %" if r.used and math.isfinite(r.share_met) else "–"
        lines.append(
            f"| {r.target} {r.title} | {r.certainty} | {r.weight:g} | {r.observed} "
            f"| {sim} | {met} | {r.verdict} |"
        )
    cannot = pred[pred["verdict"] == "not met"]
    partly = pred[pred["verdict"] == "partly met"]
    unused = pred[~pred["used"]]
    lines += [
        "",
        "![targets](figures/targets.png)",
        "",
        "**Targets the model cannot meet** (fewer than 10 % of posterior-predictive "
        "draws inside): " + (", ".join(cannot["target"]) or "none") + ".",
        "**Partly met** (10–50 %): " + (", ".join(partly["target"]) or "none") + ".",
        "**Not used**: "
        + (
            ", ".join(
                f"{r.target} ({targets.by_id(r.target).why_not_used})" for r in unused.itertuples()
            )
            or "none"
        )
        + ".",
        "",
    ]
    lines += [
        "## Selection versus exposure",
        "",
        "Rotterdam scenario, each posterior draw run four times with the same seed: "
        "as calibrated, selection off (`membership.selection_* = 0`), exposure off "
        "(`messages.exposure = 0`), both off. Gap = participants − non-participants "
        "over the measured year (latent state, no survey noise). Share = gap removed "
        "by switching a mechanism off / calibrated gap (ratio of posterior means, "
        "90 % bootstrap interval over draws). Contribution intervals are 5–95 % over "
        "draws.",
        "",
        "| gap measure | mechanism switched off | calibrated gap (90 %) | gap without | "
        "contribution (90 %) | share of the gap (90 %) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in decomposition.itertuples():
        lines.append(
            f"| {r.measure} | {r.mechanism} | {_fmt(r.gap_calibrated)} "
            f"({_fmt(r.gap_calibrated_q05)} – {_fmt(r.gap_calibrated_q95)}) | "
            f"{_fmt(r.gap_without)} | {_fmt(r.contribution)} ({_fmt(r.contribution_q05)} – "
            f"{_fmt(r.contribution_q95)}) | {_fmt(100 * r.share, 3)} % "
            f"({_fmt(100 * r.share_q05, 3)} – {_fmt(100 * r.share_q95, 3)} %) |"
        )
    lines += [
        "",
        "![selection vs exposure](figures/selection_vs_exposure.png)",
        "",
        "Shares need not add up to 100 %: the mechanisms interact, and other "
        "differences between members and non-members (feedback, victimisation, word "
        "of mouth) remain when both are off.",
        "",
    ]
    path = folder / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
