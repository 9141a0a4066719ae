"""The study report: Markdown with PNG figures, every number computed from the results folder.

Per design, sample size and estimator: power (share of replications whose 95 % interval
excludes zero), bias and coverage of the estimate against the model's truth of the question the
estimator answers, a power curve over sample size, and a plain-language summary in English and
Dutch generated from the same table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.figures import subplots

#: An estimator "measures the right thing" at a size when its 95 % intervals cover the model's
#: truth at least this often (nominal 95 %, less a margin for Monte Carlo error).
VALID_COVERAGE = 0.85
#: An estimator "detects" the effect at a size when it is significant this often (convention).
GOOD_POWER = 0.80

INDICATOR_TEXT = {
    "pct_unsafe": (
        "share feeling unsafe in the own neighbourhood (sometimes or often), in %-points",
        "aandeel dat zich weleens onveilig voelt in de eigen buurt, in procentpunten",
    ),
    "pct_often": (
        "share often feeling unsafe, in %-points",
        "aandeel dat zich vaak onveilig voelt, in procentpunten",
    ),
    "safety_grade": ("safety grade of the neighbourhood (1–10)", "rapportcijfer veiligheid (1–10)"),
    "report_willingness": (
        "willingness to report to the police (1–5)",
        "meldingsbereidheid (1–5)",
    ),
    "gov_proximity": (
        "experienced proximity of government (1–5)",
        "ervaren nabijheid overheid (1–5)",
    ),
}
QUESTION_TEXT = {
    "intervention": ("the intervention's effect on participants", "het effect van de interventie"),
    "exposure": (
        "the exposure effect (what membership does to members)",
        "het blootstellingseffect (wat lidmaatschap met leden doet)",
    ),
}


def _colours() -> tuple:
    """Twenty distinct line colours (matplotlib's tab20), without pyplot's global state."""
    from matplotlib import colormaps

    return colormaps["tab20"].colors


def summarise(estimates: pd.DataFrame) -> pd.DataFrame:
    """One row per design × sample size × estimator: power, bias, coverage and more."""
    rows = []
    keys = ["design", "kind", "sample_size", "estimator", "question"]
    for key, g in estimates.groupby(keys, sort=False):
        ok = g.dropna(subset=["estimate", "ci_low", "ci_high"])
        err = ok["estimate"] - ok["truth"]
        covered = (ok["ci_low"] <= ok["truth"]) & (ok["truth"] <= ok["ci_high"])
        significant = (ok["ci_low"] > 0) | (ok["ci_high"] < 0)
        right_sign = significant & (np.sign(ok["estimate"]) == np.sign(ok["truth"]))
        gap_covered = (ok["ci_low"] <= ok["truth_gap"]) & (ok["truth_gap"] <= ok["ci_high"])
        n = len(ok)
        rows.append(
            dict(
                zip(keys, key, strict=True),
                replications=len(g),
                estimated=n,
                respondents=float(ok["respondents"].mean()) if n else np.nan,
                truth=float(g["truth"].mean()),
                truth_q05=float(g["truth"].quantile(0.05)),
                truth_q95=float(g["truth"].quantile(0.95)),
                estimate=float(ok["estimate"].mean()) if n else np.nan,
                bias=float(err.mean()) if n else np.nan,
                rmse=float(np.sqrt((err**2).mean())) if n else np.nan,
                ci_width=float((ok["ci_high"] - ok["ci_low"]).mean()) if n else np.nan,
                coverage=float(covered.mean()) if n else np.nan,
                power=float(significant.mean()) if n else np.nan,
                power_right_sign=float(right_sign.mean()) if n else np.nan,
                covers_gap=float(gap_covered.mean()) if n else np.nan,
            )
        )
    return pd.DataFrame(rows)


def _size_axis(ax, sizes: pd.Series) -> None:
    """Logarithmic axis of sample sizes, labelled with the sizes themselves."""
    from matplotlib.ticker import NullFormatter

    ticks = sorted(set(int(x) for x in sizes))
    ax.set_xscale("log")
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())


def plot_power(summary: pd.DataFrame, as_run: dict[str, int | None], png: Path) -> None:
    """Power over sample size, one panel per question, one line per design × estimator."""
    questions = [q for q in ("intervention", "exposure") if q in set(summary["question"])]
    fig, axes = subplots(1, len(questions), figsize=(6 * len(questions), 4.2), squeeze=False)
    for ax, q in zip(axes.flat, questions, strict=True):
        ax.set_prop_cycle(color=_colours())
        sub = summary[summary["question"] == q]
        for (design, est), g in sub.groupby(["design", "estimator"], sort=False):
            style = "-" if (g["coverage"] >= VALID_COVERAGE).all() else ":"
            ax.plot(g["sample_size"], g["power"], style, marker="o", label=f"{design}: {est}")
            n0 = as_run.get(design)
            if n0 in set(g["sample_size"]):
                y = float(g.loc[g["sample_size"] == n0, "power"].iloc[0])
                ax.plot([n0], [y], marker="*", ms=14, color="black", zorder=5)
        ax.axhline(GOOD_POWER, color="grey", lw=1, ls="--")
        _size_axis(ax, summary["sample_size"])
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("respondents per round")
        ax.set_ylabel("power (95 % interval excludes 0)")
        ax.set_title(QUESTION_TEXT[q][0], fontsize=10)
        ax.legend(fontsize=7, loc="best")
    fig.suptitle(
        "Power curves (dotted: the estimator misses the model's truth, coverage < "
        f"{VALID_COVERAGE:.0%}; ★ the design as run)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def plot_accuracy(summary: pd.DataFrame, png: Path) -> None:
    """Bias and coverage of every estimator over sample size."""
    fig, (ax_b, ax_c) = subplots(1, 2, figsize=(12, 4.2))
    for ax in (ax_b, ax_c):
        ax.set_prop_cycle(color=_colours())
    for (design, est), g in summary.groupby(["design", "estimator"], sort=False):
        label = f"{design}: {est} ({g['question'].iloc[0]})"
        ax_b.plot(g["sample_size"], g["bias"], marker="o", label=label)
        ax_c.plot(g["sample_size"], g["coverage"], marker="o", label=label)
    ax_b.axhline(0, color="grey", lw=1)
    ax_c.axhline(0.95, color="grey", lw=1, ls="--")
    ax_c.axhline(VALID_COVERAGE, color="grey", lw=1, ls=":")
    for ax in (ax_b, ax_c):
        _size_axis(ax, summary["sample_size"])
        ax.set_xlabel("respondents per round")
    ax_b.set_ylabel("bias: mean (estimate − model truth)")
    ax_c.set_ylabel("coverage of the model truth by the 95 % interval")
    ax_c.set_ylim(-0.02, 1.02)
    ax_c.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def _fmt(x: float, digits: int = 1) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:+.{digits}f}"


def _pct(x: float) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.0f} %"


def _first_size(g: pd.DataFrame) -> int | None:
    ok = g[(g["coverage"] >= VALID_COVERAGE) & (g["power"] >= GOOD_POWER)]
    return int(ok["sample_size"].min()) if len(ok) else None


def _best_valid(g: pd.DataFrame) -> pd.Series | None:
    """The size with the most power among those that cover the truth often enough."""
    ok = g[g["coverage"] >= VALID_COVERAGE]
    return None if ok.empty else ok.loc[ok["power"].idxmax()]


def verdicts(summary: pd.DataFrame, as_run: dict[str, int | None]) -> list[dict[str, Any]]:
    """Per design × estimator: figures at the as-run size and the smallest size that answers."""
    out = []
    for (design, est), g in summary.groupby(["design", "estimator"], sort=False):
        g = g.sort_values("sample_size")
        n0 = as_run.get(design)
        at = g[g["sample_size"] == n0].iloc[0] if n0 in set(g["sample_size"]) else None
        largest = g.iloc[-1]
        out.append(
            {
                "design": design,
                "estimator": est,
                "question": g["question"].iloc[0],
                "as_run": n0,
                "at_as_run": at,
                "largest": largest,
                "answers_from": _first_size(g),
                "valid_anywhere": bool((g["coverage"] >= VALID_COVERAGE).any()),
                "best_valid": _best_valid(g),
            }
        )
    return out


def _sentence_en(v: dict[str, Any]) -> str:
    d, e, big = v["design"], v["estimator"], v["largest"]
    parts = []
    if v["at_as_run"] is not None:
        a = v["at_as_run"]
        parts.append(
            f"at the size as run ({v['as_run']} per round) it is significant in "
            f"{_pct(a['power'])} of replications and its interval covers the model's truth in "
            f"{_pct(a['coverage'])} (bias {_fmt(a['bias'])})"
        )
    if v["answers_from"] is not None:
        parts.append(f"it answers the question from {v['answers_from']} respondents per round")
    elif not v["valid_anywhere"]:
        parts.append(
            f"it does not measure this question at any size tested: at {int(big['sample_size'])} "
            f"per round its interval covers the truth in {_pct(big['coverage'])} "
            f"(bias {_fmt(big['bias'])})"
        )
    else:
        b = v["best_valid"]
        parts.append(
            f"where its interval covers the truth often enough it has too little power (at "
            f"best {_pct(b['power'])}, at {int(b['sample_size'])} per round)"
        )
    return f"**{d}**, {e}: " + "; ".join(parts) + "."


def _sentence_nl(v: dict[str, Any]) -> str:
    d, e, big = v["design"], v["estimator"], v["largest"]
    parts = []
    if v["at_as_run"] is not None:
        a = v["at_as_run"]
        parts.append(
            f"bij de omvang zoals uitgevoerd ({v['as_run']} per ronde) significant in "
            f"{_pct(a['power'])} van de herhalingen; het interval bevat de modelwaarheid in "
            f"{_pct(a['coverage'])} (vertekening {_fmt(a['bias'])})"
        )
    if v["answers_from"] is not None:
        parts.append(f"beantwoordt de vraag vanaf {v['answers_from']} respondenten per ronde")
    elif not v["valid_anywhere"]:
        parts.append(
            f"meet deze vraag bij geen enkele geteste omvang: bij {int(big['sample_size'])} per "
            f"ronde bevat het interval de waarheid in {_pct(big['coverage'])} "
            f"(vertekening {_fmt(big['bias'])})"
        )
    else:
        b = v["best_valid"]
        parts.append(
            f"waar het interval de waarheid vaak genoeg bevat, is het onderscheidend vermogen "
            f"te klein (hoogstens {_pct(b['power'])}, bij {int(b['sample_size'])} per ronde)"
        )
    return f"**{d}**, {e}: " + "; ".join(parts) + "."


def _truth_line(truth: pd.DataFrame, key: str) -> tuple[float, float, float]:
    x = truth[key].dropna()
    if x.empty:
        return (np.nan,) * 3
    return float(x.mean()), float(x.quantile(0.05)), float(x.quantile(0.95))


def plain_summary(
    summary: pd.DataFrame, truth: pd.DataFrame, as_run: dict[str, int | None], indicator: str
) -> tuple[list[str], list[str]]:
    """English and Dutch summary paragraphs, generated from the figures."""
    ind_en, ind_nl = INDICATOR_TEXT[indicator]
    en, nl = [], []
    vs = verdicts(summary, as_run)
    # the model's answers in the neighbourhoods of the first design (a design with invitations
    # runs in neighbourhoods of its own: see the table of the model's answers)
    truth = truth[truth["design"] == truth["design"].iloc[0]]
    if "intervention" in truth.columns and truth["intervention"].notna().any():
        m, lo, hi = _truth_line(truth, "intervention")
        en.append(
            f"**Intervention effect.** In the model, the intervention changes the indicator "
            f"among participants by {_fmt(m)} on average (5–95 % of replications: {_fmt(lo)} "
            f"to {_fmt(hi)})."
        )
        nl.append(
            f"**Effect van de interventie.** In het model verandert de interventie de "
            f"indicator onder deelnemers gemiddeld met {_fmt(m)} (5–95 % van de herhalingen: "
            f"{_fmt(lo)} tot {_fmt(hi)})."
        )
        for v in (v for v in vs if v["question"] == "intervention"):
            en.append(_sentence_en(v))
            nl.append(_sentence_nl(v))
    g, glo, ghi = _truth_line(truth, "gap")
    ex, exlo, exhi = _truth_line(truth, "exposure")
    se, selo, sehi = _truth_line(truth, "selection")
    en.append(
        f"**Selection or exposure.** Participants differ from non-participants by {_fmt(g)} "
        f"({_fmt(glo)} to {_fmt(ghi)}); switching exposure off removes {_fmt(ex)} of it "
        f"({_fmt(exlo)} to {_fmt(exhi)}), switching selection off {_fmt(se)} ({_fmt(selo)} "
        f"to {_fmt(sehi)}). An estimator separates the two when it covers the exposure part."
    )
    nl.append(
        f"**Selectie of blootstelling.** Deelnemers verschillen {_fmt(g)} van niet-deelnemers "
        f"({_fmt(glo)} tot {_fmt(ghi)}); zonder blootstelling verdwijnt daarvan {_fmt(ex)} "
        f"({_fmt(exlo)} tot {_fmt(exhi)}), zonder selectie {_fmt(se)} ({_fmt(selo)} tot "
        f"{_fmt(sehi)}). Een schatter scheidt beide als hij het blootstellingsdeel dekt."
    )
    for v in (v for v in vs if v["question"] == "exposure"):
        en.append(_sentence_en(v))
        nl.append(_sentence_nl(v))
    best = _best(vs)
    en.append(best[0])
    nl.append(best[1])
    return en, nl


def _best(vs: list[dict[str, Any]]) -> tuple[str, str]:
    lines_en, lines_nl = [], []
    for q in ("intervention", "exposure"):
        cands = [v for v in vs if v["question"] == q and v["answers_from"] is not None]
        if not any(v["question"] == q for v in vs):
            continue
        q_en, q_nl = QUESTION_TEXT[q]
        if cands:
            b = min(cands, key=lambda v: v["answers_from"])
            lines_en.append(
                f"{q_en}: {b['design']} with {b['estimator']}, from {b['answers_from']} "
                f"respondents per round"
            )
            lines_nl.append(
                f"{q_nl}: {b['design']} met {b['estimator']}, vanaf {b['answers_from']} "
                f"respondenten per ronde"
            )
        else:
            lines_en.append(f"{q_en}: no design and size tested")
            lines_nl.append(f"{q_nl}: geen van de geteste ontwerpen en omvangen")
    return (
        "**Smallest study that answers** (power ≥ "
        f"{GOOD_POWER:.0%}, coverage ≥ {VALID_COVERAGE:.0%}): " + "; ".join(lines_en) + ".",
        "**Kleinste onderzoek dat antwoord geeft** (onderscheidend vermogen ≥ "
        f"{GOOD_POWER:.0%}, dekking ≥ {VALID_COVERAGE:.0%}): " + "; ".join(lines_nl) + ".",
    )


def _table(summary: pd.DataFrame) -> str:
    cols = [
        ("design", "design"),
        ("estimator", "estimator"),
        ("question", "question"),
        ("sample_size", "n/round"),
        ("respondents", "used"),
        ("truth", "truth"),
        ("estimate", "estimate"),
        ("bias", "bias"),
        ("rmse", "RMSE"),
        ("coverage", "coverage"),
        ("power", "power"),
        ("estimated", "reps"),
    ]
    lines = [
        "| " + " | ".join(h for _, h in cols) + " |",
        "|" + "|".join("---" for _ in cols) + "|",
    ]
    for _, r in summary.iterrows():
        cells = []
        for c, _ in cols:
            v = r[c]
            if c in ("coverage", "power"):
                cells.append(_pct(v))
            elif c in ("truth", "estimate", "bias"):
                cells.append(_fmt(v))
            elif c == "rmse":
                cells.append("–" if not np.isfinite(v) else f"{v:.1f}")
            elif c == "respondents":
                cells.append("–" if not np.isfinite(v) else f"{v:.0f}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _truth_table(truth: pd.DataFrame, designs: list[dict]) -> str:
    keys = [
        k
        for k in (
            "truth_members",
            "truth_non_members",
            "gap",
            "exposure",
            "selection",
            "intervention",
            "intervention_non_participants",
        )
        if k in truth.columns
    ]
    lines = ["| designs | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    # designs in the same neighbourhoods (no invitations, or the same) share their answers
    shared: dict[str, list[str]] = {}
    for d in designs:
        shared.setdefault(json.dumps(d.get("invitation"), sort_keys=True), []).append(d["name"])
    for names in shared.values():
        g = truth[truth["design"] == names[0]]
        design = ", ".join(names)
        cells = []
        for k in keys:
            m, lo, hi = _truth_line(g, k)
            cells.append("–" if not np.isfinite(m) else f"{m:.1f} ({lo:.1f} – {hi:.1f})")
        lines.append(f"| {design} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _wall_seconds(store: Any) -> float | None:
    """Wall time spent computing the stored replications: summed over the study's runs, or
    (results of an older version) from the manifest's creation to the last file written."""
    import datetime as dt

    m = store.manifest
    if m.get("wall_seconds"):
        return float(m["wall_seconds"])
    files = list((store.root / "estimates").glob("r*.parquet"))
    if not files or "created" not in m:
        return None
    created = dt.datetime.fromisoformat(m["created"]).timestamp()
    return max(f.stat().st_mtime for f in files) - created


def write_report(store: Any, out_md: str | Path, timing: dict[str, float] | None = None) -> Path:
    """Write the Markdown report (and its PNGs, in ``<stem>_img/`` beside it)."""
    out_md = Path(out_md)
    est, truth = store.table("estimates"), store.table("truth")
    if est.empty:
        from sim.errors import UserError

        raise UserError(f"{store.root}: no finished replications to report on yet")
    m = store.manifest
    study = m["study"]
    as_run = {d["name"]: d.get("as_run") for d in study["designs"]}
    summary = summarise(est)
    img = out_md.parent / f"{out_md.stem}_img"
    img.mkdir(parents=True, exist_ok=True)
    plot_power(summary, as_run, img / "power.png")
    plot_accuracy(summary, img / "accuracy.png")
    summary.to_csv(img / "summary.csv", index=False)
    en, nl = plain_summary(summary, truth, as_run, study["indicator"])
    reps = est["replication"].nunique()
    per_rep = est.groupby("replication").first()
    wall = per_rep["elapsed_s"]
    cpu = per_rep.get("cpu_s", wall)
    sim_cpu = per_rep.get("simulation_cpu_s", wall)
    post = m.get("posterior")
    ind_en = INDICATOR_TEXT[study["indicator"]][0]
    lines = [
        f"# Study: {study['name']}",
        "",
        study.get("description", "").strip(),
        "",
        f"Generated by `buurtsim study {Path(m['study_file']).name}` (buurtsim {m['version']}) "
        f"from {reps} replications (seeds {study['seed']}–{study['seed'] + reps - 1}). "
        f"Neighbourhoods: scenario `{m['base_scenario']}`"
        + (
            f", each replication at a particle drawn from the posterior sample "
            f"`{Path(post['file']).name}` ({post['particles']} particles), so parameter "
            f"uncertainty is included."
            if post
            else ", one parameter set (no posterior sample)."
        ),
        f"Indicator: {ind_en} ({INDICATOR_TEXT[study['indicator']][1]}).",
        "",
        "## Summary",
        "",
        *[f"- {s}" for s in en],
        "",
        "## Samenvatting",
        "",
        *[f"- {s}" for s in nl],
        "",
        "## Designs",
        "",
    ]
    for d in study["designs"]:
        rounds = ", ".join(f"{w['label']} (day {w['day']})" for w in d["waves"])
        if d.get("before_groups"):
            rounds = "before_groups (start of the run), " + rounds
        extra = []
        if d["kind"] in ("cross_section", "stepped_wedge"):
            extra.append(f"{d['participant_share']:.0%} of each round among members")
        if d["kind"] == "panel":
            extra.append(f"attrition {d['attrition']:.0%} per round")
        if d.get("invitation"):
            inv = d["invitation"]
            extra.append(
                f"{inv['share']:.0%} of covered streets invited on day {inv['day']}, join "
                f"chance × {inv['boost']:g}"
            )
        if d.get("nonresponse") and d["nonresponse"].get("enabled"):
            nr = d["nonresponse"]
            extra.append(
                f"door-to-door nonresponse: {nr['response_rate']:.0%} of average non-members "
                f"answer; log-odds {nr['worry']:+g} per unit of worry, {nr['cohesion']:+g} per "
                f"unit of cohesion, {nr['member']:+g} for members"
            )
        if d.get("as_run"):
            extra.append(f"as run: {d['as_run']} respondents per round")
        lines += [
            f"- **{d['name']}** ({d['kind']}): rounds {rounds}; sample sizes "
            f"{', '.join(map(str, d['sample_sizes']))} per round"
            + (f"; {'; '.join(extra)}" if extra else "")
            + (f". {d['description'].strip()}" if d.get("description") else ""),
        ]
    lines += [
        "",
        "## Power",
        "",
        f"![Power curves]({img.name}/power.png)",
        "",
        "Power: the share of replications in which the estimator's 95 % interval excludes zero. "
        f"A line is dotted where the estimator covers the model's truth in fewer than "
        f"{VALID_COVERAGE:.0%} of replications: there, significance says little about the "
        f"question.",
        "",
        "## Bias and coverage",
        "",
        f"![Bias and coverage]({img.name}/accuracy.png)",
        "",
        "Truth: for intervention estimators, the effect of the intervention on participants "
        "(runs with and without it, same seed); for exposure estimators, the exposure part of "
        "the participant gap (runs with and without exposure, same seed), as "
        "`sim.calibrate.decompose` defines it. 'used' is the mean number of respondents the "
        "estimator used (fewer than asked when a group runs out of members).",
        "",
        _table(summary),
        "",
        "## The model's answers (mean and 5–95 % over replications)",
        "",
        _truth_table(truth, study["designs"]),
        "",
        "Per replication the truth differs through the posterior particle and the run's own "
        "chance (which crimes happen, who reads which alert): the intervals above include both.",
        "",
        "## Cost",
        "",
        f"Per replication (all designs and sample sizes): {wall.mean():.1f} s of wall time on "
        f"a shared machine, {cpu.mean():.1f} s of CPU time, of which {sim_cpu.mean():.1f} s "
        f"simulation (the runs and their counterfactuals) and the rest survey samples and "
        f"estimators. At that CPU time, 200 replications take about "
        f"{200 * cpu.mean() / 2 / 60:.0f} min on 2 workers of a quiet machine.",
    ]
    wall_total = _wall_seconds(store)
    if wall_total:
        workers = f"--workers {m['workers']}; " if "workers" in m else ""
        runs = m.get("runs", [])
        resumed = (
            f"in {len(runs)} runs: the study was stopped and resumed where it stopped; "
            if len(runs) > 1
            else ""
        )
        loads = [r[k] for r in runs for k in ("load_start", "load_end", "load_max") if k in r]
        load = (
            f"the machine's 1-minute load average was {min(loads):.1f}–{max(loads):.1f} on "
            f"its {runs[-1].get('cores', '?')} cores"
            if loads
            else "other jobs shared the machine"
        )
        computed = sum(r.get("stored", 0) for r in runs) or reps
        lines.append(
            f"Computing {computed} replications took {wall_total / 60:.1f} min of wall time "
            f"in all ({workers}{resumed}{load}) and {cpu.sum() / 60:.1f} min of CPU time "
            f"summed over the replications."
        )
    lines.append("")
    out_md.write_text("\n".join(lines), encoding="utf-8")
    return out_md
