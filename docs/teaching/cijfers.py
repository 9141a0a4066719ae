"""Compute the figures of the teacher's answer sheet and the administrators' workshop.

Every number in ``docs/teaching/antwoorden.md`` and ``docs/teaching/workshop-beheerders.md``
between ``<!-- cijfers:NAME:start -->`` and ``<!-- cijfers:NAME:end -->`` comes from this
script: the teaching presets in ``scenarios/teaching/`` run with seeds 1–10 (the sweeps of
exercise 6 with seeds 1–5), summarised over the measured period after the burn-in.

    uv run python docs/teaching/cijfers.py            # recompute and rewrite the tables
    uv run python docs/teaching/cijfers.py --check    # exit 1 if a table no longer matches
    uv run python docs/teaching/cijfers.py --workers 1

The same seed always gives the same run, so the tables only change when the model or a preset
changes; ``tests/docs/test_answer_sheet.py`` (marked slow) runs ``--check``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "scenarios" / "teaching"
TEACHING = ROOT / "docs" / "teaching"
PAGES = (TEACHING / "antwoorden.md", TEACHING / "workshop-beheerders.md")
SEEDS = tuple(range(1, 11))

# summary key → (Dutch label, scale, decimals)
METRICS: dict[str, tuple[str, float, int]] = {
    "participation": ("% bewoners lid van de groep", 100, 1),
    "members_per_group": ("leden per groep", 1, 0),
    "unsafe_members": ("% leden dat zich weleens onveilig voelt", 100, 1),
    "unsafe_nonmembers": ("% niet-leden dat zich weleens onveilig voelt", 100, 1),
    "unsafe_gap": ("verschil leden − niet-leden (procentpunt)", 100, 1),
    "unsafe_all": ("% alle bewoners dat zich weleens onveilig voelt", 100, 1),
    "burglaries_per_1000": ("inbraken per 1000 huishoudens per jaar", 1, 1),
    "crimes_per_1000": ("misdrijven per 1000 huishoudens per jaar", 1, 0),
    "reported_share": ("% misdrijven gemeld bij de politie", 100, 0),
    "reports_per_group_month": ("meldingen door leden per groep per maand", 1, 2),
    "alerts_per_group_month": ("waarschuwingen per groep per maand", 1, 1),
    "chatter_per_group_month": ("kletsberichten per groep per maand", 1, 1),
    "feedback_per_group_month": ("terugkoppelingsberichten per groep per maand", 1, 1),
    "silent_weeks_share": ("% weken zonder één waarschuwing", 100, 0),
    "stigmatising_share": ("% waarschuwingen dat stigmatiseert", 100, 1),
    "confrontations_per_year": ("confrontaties met 'verdachten' per jaar", 1, 1),
    "arrests_per_year": ("aanhoudingen per jaar", 1, 1),
    "willingness_members": ("meldingsbereidheid leden (0–1)", 1, 2),
    "proximity_members": ("ervaren nabijheid overheid, leden (0–1)", 1, 2),
    "gap_start": ("verschil leden − niet-leden, eerste maand (procentpunt)", 100, 1),
    "gap_year1": ("verschil leden − niet-leden, laatste maand aanloopjaar (procentpunt)", 100, 1),
}


@dataclass(frozen=True)
class Variant:
    """A column of a table: a preset, optionally with dotted overrides."""

    label: str
    preset: str
    overrides: tuple[tuple[str, object], ...] = ()
    base: Path = field(default=PRESETS)

    @property
    def path(self) -> Path:
        return self.base / f"{self.preset}.toml"


def _job(args: tuple[str, tuple, int]) -> dict:
    """One run: the summary plus the member gap in the first and last month of the burn-in
    and, if the scenario has survey waves, the survey changes between first and last wave."""
    from sim.engine import simulate
    from sim.scenario import load_scenario
    from sim.survey import changes

    path, overrides, seed = args
    scenario = load_scenario(path, dict(overrides) or None)
    result = simulate(scenario, seed=seed)
    out = dict(result.summary())
    d = result.daily
    gap = d["unsafe_members"] - d["unsafe_nonmembers"]
    burn = scenario.burn_in_days
    out["gap_start"] = float(gap[d["day"] < 30].mean())
    out["gap_year1"] = float(gap[(d["day"] >= burn - 30) & (d["day"] < burn)].mean())
    if len(result.survey):
        ch = changes(result.survey)
        for row in ch.itertuples():
            key = f"survey_{row.respondents}_{row.indicator}"
            out[key] = (float(row.change), float(row.ci_low), float(row.ci_high))
    return out


def run_all(variants: list[Variant], seeds: tuple[int, ...], workers: int) -> dict:
    """Results per (variant label, seed)."""
    jobs = [(str(v.path), v.overrides, s) for v in variants for s in seeds]
    keys = [(v.label, s) for v in variants for s in seeds]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_job, jobs, chunksize=2))
    else:
        results = [_job(j) for j in jobs]
    return dict(zip(keys, results, strict=True))


def fmt(value: float, key: str) -> str:
    _, scale, dec = METRICS[key]
    if value != value:
        return "—"
    text = f"{value * scale:.{dec}f}"
    return text.replace(".", ",").replace("-", "−")


def cell(values: list[float], key: str) -> str:
    """Median with the 10th–90th percentile range over the seeds, '12,3 [10,1 – 14,0]', the
    same statistics as the comparison tab of the web page (``sim.app.compare``)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return "—"
    lo, hi = np.percentile(v, 10), np.percentile(v, 90)
    return f"{fmt(float(np.median(v)), key)} [{fmt(lo, key)} – {fmt(hi, key)}]"


def table(results: dict, variants: list[Variant], keys: list[str], seeds=SEEDS) -> str:
    head = "| uitkomst | " + " | ".join(v.label for v in variants) + " |"
    sep = "| --- |" + " --- |" * len(variants)
    rows = [head, sep]
    for k in keys:
        cells = [cell([results[(v.label, s)][k] for s in seeds], k) for v in variants]
        rows.append(f"| {METRICS[k][0]} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def seed_table(results: dict, variant: Variant, keys: list[str], seeds: tuple[int, ...]) -> str:
    head = "| uitkomst | " + " | ".join(f"seed {s}" for s in seeds) + " |"
    rows = [head, "| --- |" + " --- |" * len(seeds)]
    for k in keys:
        rows.append(
            f"| {METRICS[k][0]} | "
            + " | ".join(fmt(results[(variant.label, s)][k], k) for s in seeds)
            + " |"
        )
    return "\n".join(rows)


NOTE = (
    "*Mediaan over seeds {seeds} met tussen haken het 10e–90e percentiel, gemeten na de "
    "aanloopperiode — dezelfde getallen als in het tabblad Vergelijken bij seed 1 en 10 "
    "herhalingen. Berekend met `uv run python docs/teaching/cijfers.py`.*"
)


def seeds_text(seeds: tuple[int, ...]) -> str:
    return f"{seeds[0]}–{seeds[-1]}"


# --------------------------------------------------------------------------- exercises


def exercise_1(workers: int) -> str:
    v = Variant("Vogelbuurt", "oefening1_buurt")
    res = run_all([v], SEEDS, workers)
    keys = [
        "participation",
        "members_per_group",
        "unsafe_members",
        "unsafe_nonmembers",
        "unsafe_gap",
        "reports_per_group_month",
        "alerts_per_group_month",
        "chatter_per_group_month",
        "feedback_per_group_month",
        "silent_weeks_share",
        "burglaries_per_1000",
        "reported_share",
    ]
    per_seed = [
        "members_per_group",
        "unsafe_members",
        "unsafe_nonmembers",
        "reports_per_group_month",
        "alerts_per_group_month",
    ]
    return "\n\n".join(
        [
            table(res, [v], keys),
            NOTE.format(seeds=seeds_text(SEEDS)),
            "Per seed (stap 5 tot en met 7 van de oefening):",
            seed_table(res, v, per_seed, SEEDS[:5]),
        ]
    )


def exercise_2(workers: int) -> str:
    vs = [
        Variant("oefening1_buurt", "oefening1_buurt"),
        Variant("oefening2_wijkagent", "oefening2_wijkagent"),
        Variant(
            "wijkagent, wachttijd 14 dagen",
            "oefening2_wijkagent",
            (("factors.feedback_delay_hours", 336.0),),
        ),
        Variant(
            "terugkoppeling zonder wijkagent",
            "oefening2_wijkagent",
            (("factors.linked_professional", False),),
        ),
    ]
    res = run_all(vs, SEEDS, workers)
    keys = [
        "unsafe_members",
        "unsafe_nonmembers",
        "willingness_members",
        "proximity_members",
        "feedback_per_group_month",
        "reports_per_group_month",
        "burglaries_per_1000",
        "arrests_per_year",
    ]
    return table(res, vs, keys) + "\n\n" + NOTE.format(seeds=seeds_text(SEEDS))


def exercise_3(workers: int) -> str:
    vs = [
        Variant("oefening3_geen", "oefening3_geen"),
        Variant("oefening3_selectie", "oefening3_selectie"),
        Variant("oefening3_blootstelling", "oefening3_blootstelling"),
    ]
    res = run_all(vs, SEEDS, workers)
    keys = [
        "gap_start",
        "gap_year1",
        "unsafe_gap",
        "unsafe_members",
        "unsafe_nonmembers",
        "participation",
    ]
    return table(res, vs, keys) + "\n\n" + NOTE.format(seeds=seeds_text(SEEDS))


MEASURES: list[tuple[str, tuple[tuple[str, object], ...]]] = [
    ("actieve beheerder", (("areas.0.factors.active_admin", 0.9),)),
    (
        "regels en duidelijk doel",
        (("areas.0.factors.group_rules", 0.9), ("areas.0.factors.clear_purpose", 0.9)),
    ),
    ("aparte sociale groep", (("areas.0.factors.social_channel", True),)),
    ("SAAR-training", (("areas.0.factors.saar_training", 0.7),)),
    ("herkenningstraining", (("areas.0.factors.recognition_training", 0.7),)),
    (
        "wijkagent en snelle terugkoppeling",
        (
            ("areas.0.factors.linked_professional", True),
            ("areas.0.factors.police_feedback", 0.9),
            ("areas.0.factors.feedback_delay_hours", 2.4),
        ),
    ),
    ("werving", (("areas.0.factors.recruitment", 0.9),)),
    ("bordjes", (("areas.0.factors.signs", True),)),
    ("gemeentelijke regie", (("areas.0.factors.municipal_coordination", True),)),
    (
        "kleine groepen met kerngroep",
        (("areas.0.factors.size_cap", 50), ("areas.0.factors.layered", True)),
    ),
    ("testbericht elke 14 dagen", (("areas.0.factors.keep_alive_days", 14),)),
    ("waken tegen eigenrichting", (("areas.0.factors.vigilantism_guard", 0.8),)),
]


def exercise_4(workers: int) -> str:
    base = Variant("uitgangssituatie", "oefening4_inbraakgolf")
    design = Variant("voorbeeldontwerp", "oefening4_voorbeeldontwerp")
    singles = [Variant(label, "oefening4_inbraakgolf", ov) for label, ov in MEASURES]
    res = run_all([base, design, *singles], SEEDS, workers)
    keys = [
        "burglaries_per_1000",
        "unsafe_members",
        "unsafe_nonmembers",
        "unsafe_all",
        "participation",
        "confrontations_per_year",
        "stigmatising_share",
        "arrests_per_year",
    ]
    main = table(res, [base, design], keys)
    # one row per single measure: change against the starting point, same seeds
    short = [
        "burglaries_per_1000",
        "unsafe_members",
        "unsafe_nonmembers",
        "unsafe_all",
        "confrontations_per_year",
    ]
    head = (
        "| maatregel (alleen deze, op de uitgangssituatie) | "
        + " | ".join(METRICS[k][0] for k in short)
        + " |"
    )
    rows = [head, "| --- |" + " --- |" * len(short)]
    for v in [*singles, design]:
        cells = []
        for k in short:
            diff = np.array([res[(v.label, s)][k] - res[(base.label, s)][k] for s in SEEDS])
            half = 1.96 * diff.std(ddof=1) / np.sqrt(len(diff))
            text = fmt(float(diff.mean()), k)
            cells.append(f"{text if text.startswith('−') else '+' + text} ± {fmt(half, k)}")
        rows.append(f"| {v.label} | " + " | ".join(cells) + " |")
    return "\n\n".join(
        [
            main,
            NOTE.format(seeds=seeds_text(SEEDS)),
            "Verschil met de uitgangssituatie per maatregel: gemiddelde over dezelfde seeds ± de "
            "halve breedte van het 95 %-interval (procentpunten voor percentages). Een verschil "
            "dat kleiner is dan de ± is niet van toeval te onderscheiden.",
            "\n".join(rows),
        ]
    )


SURVEY_LABELS = {
    "pct_unsafe": ("% voelt zich weleens onveilig", 1),
    "report_willingness": ("meldingsbereidheid (1–5)", 2),
    "gov_proximity": ("ervaren nabijheid overheid (1–5)", 2),
}


def _num(x: float, dec: int) -> str:
    return f"{x:+.{dec}f}".replace(".", ",").replace("-", "−")


def exercise_5(workers: int) -> str:
    vs = [
        Variant("experiment", "rotterdam_experiment", base=ROOT / "scenarios"),
        Variant("zwakke uitvoering", "oefening5_zwakke_uitvoering"),
        Variant("zonder interventies", "oefening5_zonder_interventies"),
        Variant("groter onderzoek", "oefening5_groter_onderzoek"),
    ]
    res = run_all(vs, SEEDS, workers)
    blocks = []
    # 1. per seed, the participants' change pre → post with its interval
    for v in vs[:3]:
        rows = [
            "| seed | " + " | ".join(lab for lab, _ in SURVEY_LABELS.values()) + " |",
            "| --- |" + " --- |" * len(SURVEY_LABELS),
        ]
        for s in SEEDS:
            cells = []
            for ind, (_, dec) in SURVEY_LABELS.items():
                ch, lo, hi = res[(v.label, s)][f"survey_participants_{ind}"]
                mark = " **\\***" if lo > 0 or hi < 0 else ""
                cells.append(f"{_num(ch, dec)} [{_num(lo, dec)}; {_num(hi, dec)}]{mark}")
            rows.append(f"| {s} | " + " | ".join(cells) + " |")
        blocks.append(
            f"**{v.label}** — verandering bij deelnemers van voor- naar nameting, "
            f"met 95 %-betrouwbaarheidsinterval (**\\*** = interval bevat de nul "
            f"niet):\n\n" + "\n".join(rows)
        )
    # 2. how often a 'study' finds a significant change, and the interval width
    rows = ["| | " + " | ".join(v.label for v in vs) + " |", "| --- |" + " --- |" * len(vs)]
    for ind, (lab, dec) in SURVEY_LABELS.items():
        for what in ("significant", "width"):
            cells = []
            for v in vs:
                triples = [res[(v.label, s)][f"survey_participants_{ind}"] for s in SEEDS]
                if what == "significant":
                    good = sum(
                        1 for c, lo, hi in triples if (hi < 0 if ind == "pct_unsafe" else lo > 0)
                    )
                    bad = sum(
                        1 for c, lo, hi in triples if (lo > 0 if ind == "pct_unsafe" else hi < 0)
                    )
                    cells.append(f"{good} beter, {bad} slechter")
                else:
                    w = np.mean([hi - lo for _, lo, hi in triples])
                    cells.append(f"{w:.{dec}f}".replace(".", ","))
            name = (
                "significante verandering"
                if what == "significant"
                else "gemiddelde breedte interval"
            )
            rows.append(f"| {lab}: {name} (van {len(SEEDS)} seeds) | " + " | ".join(cells) + " |")
    blocks.append(
        'Hoe vaak vindt een "onderzoek" een significante verandering bij '
        "deelnemers?\n\n" + "\n".join(rows)
    )
    # 3. the model's own (latent) effect: each variant against the control, same seeds
    keys = ["unsafe_members", "unsafe_nonmembers", "willingness_members", "proximity_members"]
    shown = ["experiment", "zwakke uitvoering", "zonder interventies"]
    rows = [
        "| uitkomst (tweede jaar, alle bewoners, geen steekproef) | "
        + " | ".join(shown)
        + " | effect experiment | effect zwakke uitvoering |",
        "| --- |" + " --- |" * 5,
    ]
    for k in keys:
        vals = {lab: [res[(lab, s)][k] for s in SEEDS] for lab in shown}
        effects = []
        for lab in shown[:2]:
            d = [x - y for x, y in zip(vals[lab], vals["zonder interventies"], strict=True)]
            text = fmt(float(np.mean(d)), k)
            effects.append(text if text.startswith("−") else "+" + text)
        rows.append(
            f"| {METRICS[k][0]} | "
            + " | ".join(cell(vals[lab], k) for lab in shown)
            + " | "
            + " | ".join(effects)
            + " |"
        )
    blocks.append(
        "Het werkelijke effect in het model (latente toestand van alle leden en "
        "niet-leden over het tweede jaar; effect = gemiddeld verschil met "
        "'zonder interventies' bij dezelfde seed):\n\n" + "\n".join(rows)
    )
    blocks.append(
        f"*Seeds {seeds_text(SEEDS)}; enquêtes op dag 364 en dag 729. Berekend met "
        f"`uv run python docs/teaching/cijfers.py`.*"
    )
    return "\n\n".join(blocks)


def _sweep(experiment: Path, factor: str, keys: list[str]) -> str:
    from sim.experiments.execute import run_sweep
    from sim.experiments.spec import load_experiment

    exp = load_experiment(experiment)
    with tempfile.TemporaryDirectory() as tmp:
        run_sweep(exp, Path(tmp) / "out", workers=0)
        runs = pd.read_parquet(Path(tmp) / "out" / "runs")
    seeds = sorted(runs["seed"].unique())
    rows = [
        f"| {factor} | " + " | ".join(METRICS[k][0] for k in keys) + " |",
        "| --- |" + " --- |" * len(keys),
    ]
    for value, df in runs.groupby(factor):
        cells = [f"{fmt(df[k].mean(), k)} ± {fmt(df[k].std(), k)}" for k in keys]
        rows.append(f"| {str(value).replace('.', ',')} | " + " | ".join(cells) + " |")
    return (
        "\n".join(rows) + f"\n\n*Gemiddelde ± standaardafwijking over seeds "
        f"{seeds[0]}–{seeds[-1]}; `uv run buurtsim sweep docs/teaching/{experiment.name}`.*"
    )


def exercise_6(workers: int) -> str:
    keys = ["unsafe_members", "unsafe_nonmembers", "willingness_members", "proximity_members"]
    return "\n\n".join(
        [
            _sweep(TEACHING / "oefening6_terugkoppeling.toml", "police_feedback", keys),
            _sweep(TEACHING / "oefening6_wachttijd.toml", "feedback_delay_hours", keys),
        ]
    )


def workshop(workers: int) -> str:
    vs = [
        Variant("1 · zonder afspraken", "workshop_a_zonder_afspraken"),
        Variant("2 · regels", "workshop_b_regels"),
        Variant("3 · modereren", "workshop_c_moderatie"),
        Variant("4 · terugkoppeling", "workshop_d_terugkoppeling"),
    ]
    res = run_all(vs, SEEDS, workers)
    keys = [
        "unsafe_members",
        "unsafe_nonmembers",
        "members_per_group",
        "chatter_per_group_month",
        "alerts_per_group_month",
        "feedback_per_group_month",
        "stigmatising_share",
        "confrontations_per_year",
        "willingness_members",
        "proximity_members",
        "burglaries_per_1000",
    ]
    return table(res, vs, keys) + "\n\n" + NOTE.format(seeds=seeds_text(SEEDS))


SECTIONS = {
    "oefening1": exercise_1,
    "oefening2": exercise_2,
    "oefening3": exercise_3,
    "oefening4": exercise_4,
    "oefening5": exercise_5,
    "oefening6": exercise_6,
    "workshop": workshop,
}


# --------------------------------------------------------------------------- pages


def marker(name: str) -> re.Pattern:
    return re.compile(
        rf"(<!-- cijfers:{name}:start -->\n)(.*?)(<!-- cijfers:{name}:end -->)", re.DOTALL
    )


def fill(text: str, name: str, body: str) -> str:
    pattern = marker(name)
    if not pattern.search(text):
        raise SystemExit(f"marker <!-- cijfers:{name}:start/end --> not found")
    return pattern.sub(lambda m: m.group(1) + body.strip() + "\n" + m.group(3), text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if a page's tables differ from the model",
    )
    ap.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    ap.add_argument("--only", nargs="*", choices=sorted(SECTIONS), help="only these tables")
    args = ap.parse_args(argv)
    names = args.only or list(SECTIONS)
    bodies = {}
    for name in names:
        print(f"computing {name} …", file=sys.stderr, flush=True)
        bodies[name] = SECTIONS[name](args.workers)
    stale = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        new = text
        for name, body in bodies.items():
            if marker(name).search(text):
                new = fill(new, name, body)
        if new != text:
            stale.append(page.name)
            if not args.check:
                page.write_text(new, encoding="utf-8")
    if args.check and stale:
        print(
            f"figures out of date in: {', '.join(stale)}; run "
            f"`uv run python docs/teaching/cijfers.py`",
            file=sys.stderr,
        )
        return 1
    print("updated: " + (", ".join(stale) if stale else "nothing (figures are current)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
