"""Every figure and every checked claim of the teaching pages, computed from the current model.

The pages in ``docs/teaching/`` carry three kinds of markers, all filled or checked here:

``<!-- cijfers:NAME:start -->`` … ``<!-- cijfers:NAME:end -->``
    a generated table (NAME is a section below: ``oefening1`` … ``oefening6``, ``workshop``);
``<!-- cijfer: EXPR -->29<!-- /cijfer -->``
    one number in the prose; EXPR is a Python expression over the sections (below), its value
    replaces the text between the markers;
``<!-- check: EXPR -->``
    a claim made by the sentence just before it, as a Python expression that must be true,
    e.g. ``oefening4.effect("voorbeeldontwerp", "burglaries_per_1000").unclear`` next to
    "het voorbeeldontwerp verlaagt het aantal inbraken niet meer dan het toeval".

In EXPR each section is a name (``oefening4``, ``workshop`` …) with

- ``.median(variant, key)`` (also ``.mean``, ``.p10``, ``.p90``, ``.values``) over the seeds;
- ``.effect(variant, key, base=None)``: the *paired* difference variant − base over the same
  seeds (common random numbers: a factor switched on leaves the other submodels' random
  draws unchanged, see ``sim/streams.py``), with ``.mean``, ``.half`` (95 % half-width),
  ``.lower`` / ``.higher`` (the interval excludes zero on that side), ``.unclear``
  (it contains zero);
- ``.change(variant, before, after)``: key ``after`` − key ``before`` within each run;
- ``.level(variant, key)``: the values themselves as an interval (``.higher``: above zero);
- ``.value[name]``: figures a section computes itself (counts of significant tests, …);

and the helpers ``pct(x, dec=0)`` (0,293 → "29"), ``num(x, dec=1)`` ("−4,0"), ``signed(x, dec)``
("+1,4") and ``between(x, lo, hi)``.

    uv run python docs/teaching/cijfers.py            # recompute and rewrite the pages
    uv run python docs/teaching/cijfers.py --check    # exit 1 if a figure is stale or a claim false

Runs are cached in a folder outside the work tree (default: the system's temporary folder,
``--cache`` or ``BUURTSIM_CIJFERS_CACHE``), keyed by the model's source code, the resolved
scenario and the seed, so a second check after an unrelated change costs seconds; any change to
``sim/`` or a preset reruns what it affects. ``tests/docs/test_answer_sheet.py`` runs the check
in the default test tier.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import multiprocessing
import os
import re
import site
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "scenarios" / "teaching"
TEACHING = ROOT / "docs" / "teaching"
SEEDS = tuple(range(1, 11))
SWEEP_SEEDS = tuple(range(1, 6))

# summary key → (Dutch label, scale, decimals)
METRICS: dict[str, tuple[str, float, int]] = {
    "participation": ("% bewoners lid van de groep", 100, 1),
    "members_per_group": ("leden per groep", 1, 0),
    "unsafe_members": ("% leden dat zich weleens onveilig voelt", 100, 1),
    "unsafe_nonmembers": ("% niet-leden dat zich weleens onveilig voelt", 100, 1),
    "unsafe_gap": ("verschil leden − niet-leden (procentpunt)", 100, 1),
    "unsafe_all": ("% alle bewoners dat zich weleens onveilig voelt", 100, 1),
    "burglaries_per_1000": ("inbraken per 1000 huishoudens per jaar", 1, 1),
    "crimes_per_1000": ("misdrijven per 1000 huishoudens per jaar", 1, 1),
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
    "gap_month2": ("verschil leden − niet-leden, tweede maand (procentpunt)", 100, 1),
    "gap_month3": ("verschil leden − niet-leden, derde maand (procentpunt)", 100, 1),
    "gap_year1": ("verschil leden − niet-leden, laatste maand aanloopjaar (procentpunt)", 100, 1),
}


# --------------------------------------------------------------------------- runs and cache


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


@cache
def model_fingerprint() -> str:
    """A hash of the model's source code: a cached run is reused only for the same code.

    The top-level modules of ``sim/`` (engine, rules, scenario, population, survey, …); the
    sub-packages (app, calibrate, commands, experiments, study) are not used by a run."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "sim").glob("*.py")):
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _outputs(result, scenario) -> dict:
    """The summary, the member gap per month of the burn-in year and the survey changes."""
    from sim.survey import changes

    out = {k: float(v) for k, v in result.summary().items() if isinstance(v, int | float)}
    d = result.daily
    gap = d["unsafe_members"] - d["unsafe_nonmembers"]
    burn = scenario.burn_in_days
    out["gap_start"] = float(gap[d["day"] < 30].mean())
    out["gap_month2"] = float(gap[(d["day"] >= 30) & (d["day"] < 60)].mean())
    out["gap_month3"] = float(gap[(d["day"] >= 60) & (d["day"] < 90)].mean())
    out["gap_year1"] = float(gap[(d["day"] >= burn - 30) & (d["day"] < burn)].mean())
    if len(result.survey):
        for row in changes(result.survey).itertuples():
            key = f"survey_{row.respondents}_{row.indicator}"
            out[key] = [float(row.change), float(row.ci_low), float(row.ci_high)]
    return out


def _cache_file(path: str, overrides: tuple, seed: int, cache_dir: str):
    """The scenario and the cache file of one run: keyed by the model's code, the resolved
    scenario (its name and description left out) and the seed."""
    from sim.scenario import load_scenario

    scenario = load_scenario(path, dict(overrides) or None)
    content = scenario.model_dump(mode="json", exclude={"name", "description"})
    key = hashlib.sha256(
        json.dumps([model_fingerprint(), content, seed], sort_keys=True).encode()
    ).hexdigest()
    return scenario, Path(cache_dir) / f"{key}.json"


def _job(args: tuple[str, tuple, int, str]) -> dict:
    """One run, from the cache when the same code already ran the same scenario and seed."""
    from sim.engine import simulate

    path, overrides, seed, cache_dir = args
    scenario, file = _cache_file(path, overrides, seed, cache_dir)
    if file.is_file():
        return json.loads(file.read_text(encoding="utf-8"))
    out = _outputs(simulate(scenario, seed=seed), scenario)
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(out), encoding="utf-8")
    tmp.replace(file)
    return out


@dataclass
class Runner:
    """Runs variants over seeds, from the cache where possible; one pool of ``workers``
    processes (started with 'spawn': no fork of a threaded parent) for all sections."""

    workers: int
    cache_dir: Path
    _pool: ProcessPoolExecutor | None = None

    def run(self, variants: list[Variant], seeds: tuple[int, ...]) -> dict:
        """Results per (variant label, seed)."""
        jobs = {
            (v.label, s): (str(v.path), v.overrides, s, str(self.cache_dir))
            for v in variants
            for s in seeds
        }
        results, todo = {}, {}
        for key, job in jobs.items():
            _, file = _cache_file(*job)
            if file.is_file():
                results[key] = json.loads(file.read_text(encoding="utf-8"))
            else:
                todo[key] = job
        if todo and self.workers > 1:
            if self._pool is None:
                # the workers import this file by its module name, from its own folder
                init = functools.partial(site.addsitedir, str(Path(__file__).parent))
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=init)
            results.update(zip(todo, self._pool.map(_job, todo.values()), strict=True))
        else:
            results.update({key: _job(job) for key, job in todo.items()})
        return {key: results[key] for key in jobs}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


# --------------------------------------------------------------------------- claims


@dataclass(frozen=True)
class Effect:
    """Paired difference over the same seeds, with a 95 % interval (t-free, 1,96 · s/√n)."""

    diffs: tuple[float, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.diffs))

    @property
    def half(self) -> float:
        return float(1.96 * np.std(self.diffs, ddof=1) / np.sqrt(len(self.diffs)))

    @property
    def lower(self) -> bool:
        return self.mean + self.half < 0

    @property
    def higher(self) -> bool:
        return self.mean - self.half > 0

    @property
    def unclear(self) -> bool:
        return not (self.lower or self.higher)


@dataclass
class Section:
    """The runs of one section and the figures its prose may use."""

    seeds: tuple[int, ...]
    results: dict
    base: str
    value: dict = field(default_factory=dict)

    def values(self, variant: str, key: str) -> np.ndarray:
        return np.array([self.results[(variant, s)][key] for s in self.seeds], dtype=float)

    def median(self, variant: str, key: str) -> float:
        return float(np.nanmedian(self.values(variant, key)))

    def mean(self, variant: str, key: str) -> float:
        return float(np.nanmean(self.values(variant, key)))

    def p10(self, variant: str, key: str) -> float:
        return float(np.nanpercentile(self.values(variant, key), 10))

    def p90(self, variant: str, key: str) -> float:
        return float(np.nanpercentile(self.values(variant, key), 90))

    def level(self, variant: str, key: str) -> Effect:
        """The values themselves with a 95 % interval: ``.higher`` = clearly above zero
        (e.g. the member − non-member gap ``unsafe_gap``)."""
        return Effect(tuple(self.values(variant, key).tolist()))

    def change(self, variant: str, before: str, after: str) -> Effect:
        """Within each run, ``after`` − ``before`` (e.g. the gap in month 3 minus month 1)."""
        return Effect(tuple((self.values(variant, after) - self.values(variant, before)).tolist()))

    def effect(self, variant: str, key: str, base: str | None = None) -> Effect:
        b = self.values(base or self.base, key)
        return Effect(tuple((self.values(variant, key) - b).tolist()))


def num(x: float, dec: int = 1) -> str:
    text = f"{x:.{dec}f}".replace(".", ",")
    return text.replace("-", "−") if text.strip("-0,") else text.lstrip("-")


def signed(x: float, dec: int = 1) -> str:
    text = num(x, dec)
    return text if text.startswith("−") else "+" + text


def pct(x: float, dec: int = 0) -> str:
    return num(100 * x, dec)


def between(x: float, lo: float, hi: float) -> bool:
    return lo <= x <= hi


HELPERS = {
    "pct": pct,
    "num": num,
    "signed": signed,
    "between": between,
    "abs": abs,
    "min": min,
    "max": max,
    "all": all,
    "any": any,
    "sum": sum,
}


# --------------------------------------------------------------------------- tables


def fmt(value: float, key: str) -> str:
    _, scale, dec = METRICS[key]
    if value != value:
        return "—"
    return num(value * scale, dec)


def cell(values, key: str) -> str:
    """Median with the 10th–90th percentile range over the seeds, '12,3 [10,1 – 14,0]'."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return "—"
    lo, hi = np.percentile(v, 10), np.percentile(v, 90)
    return f"{fmt(float(np.median(v)), key)} [{fmt(lo, key)} – {fmt(hi, key)}]"


def table(sec: Section, labels: list[str], keys: list[str]) -> str:
    rows = ["| uitkomst | " + " | ".join(labels) + " |", "| --- |" + " --- |" * len(labels)]
    for k in keys:
        rows.append(
            f"| {METRICS[k][0]} | " + " | ".join(cell(sec.values(v, k), k) for v in labels) + " |"
        )
    return "\n".join(rows)


def effect_table(sec: Section, labels: list[str], keys: list[str], first: str) -> str:
    """One row per variant: paired difference with the base, mean ± 95 % half-width."""
    rows = [
        f"| {first} | " + " | ".join(METRICS[k][0] for k in keys) + " |",
        "| --- |" + " --- |" * len(keys),
    ]
    for v in labels:
        cells = []
        for k in keys:
            e = sec.effect(v, k)
            scale, dec = METRICS[k][1], METRICS[k][2]
            mark = " **\\***" if not e.unclear else ""
            cells.append(f"{signed(e.mean * scale, dec)} ± {num(e.half * scale, dec)}{mark}")
        rows.append(f"| {v} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def seed_table(sec: Section, variant: str, keys: list[str], seeds: tuple[int, ...]) -> str:
    head = "| uitkomst | " + " | ".join(f"seed {s}" for s in seeds) + " |"
    rows = [head, "| --- |" + " --- |" * len(seeds)]
    for k in keys:
        rows.append(
            f"| {METRICS[k][0]} | "
            + " | ".join(fmt(sec.results[(variant, s)][k], k) for s in seeds)
            + " |"
        )
    return "\n".join(rows)


NOTE = (
    "*Mediaan over seeds {seeds} met tussen haken het 10e–90e percentiel, gemeten na de "
    "aanloopperiode. Berekend met `uv run python docs/teaching/cijfers.py`.*"
)
EFFECT_NOTE = (
    "Verschil met {base} bij **dezelfde seeds** (gepaarde runs: elke seed geeft beide situaties "
    "dezelfde toevalsgetallen, zodat toeval in de uitgangssituatie niet als effect meetelt): "
    "gemiddelde ± de halve breedte van het 95 %-interval, procentpunten voor percentages. "
    "**\\*** = het interval bevat de nul niet; zonder **\\*** is het verschil niet van toeval "
    "te onderscheiden."
)


def seeds_text(seeds: tuple[int, ...]) -> str:
    return f"{seeds[0]}–{seeds[-1]}"


# --------------------------------------------------------------------------- sections


def exercise_1(runner: Runner) -> tuple[Section, str]:
    v = Variant("Vogelbuurt", "oefening1_buurt")
    sec = Section(SEEDS, runner.run([v], SEEDS), base="Vogelbuurt")
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
    body = "\n\n".join(
        [
            table(sec, ["Vogelbuurt"], keys),
            NOTE.format(seeds=seeds_text(SEEDS)),
            "Per seed (stap 5 tot en met 7 van de oefening):",
            seed_table(sec, "Vogelbuurt", per_seed, SEEDS[:5]),
        ]
    )
    return sec, body


def exercise_2(runner: Runner) -> tuple[Section, str]:
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
    sec = Section(SEEDS, runner.run(vs, SEEDS), base="oefening1_buurt")
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
    labels = [v.label for v in vs]
    body = "\n\n".join(
        [
            table(sec, labels, keys),
            NOTE.format(seeds=seeds_text(SEEDS)),
            EFFECT_NOTE.format(base="`oefening1_buurt`"),
            effect_table(sec, labels[1:], keys, "situatie"),
        ]
    )
    return sec, body


def exercise_3(runner: Runner) -> tuple[Section, str]:
    labels = ["oefening3_geen", "oefening3_selectie", "oefening3_blootstelling"]
    sec = Section(SEEDS, runner.run([Variant(v, v) for v in labels], SEEDS), base=labels[0])
    keys = [
        "gap_start",
        "gap_month2",
        "gap_month3",
        "gap_year1",
        "unsafe_gap",
        "unsafe_members",
        "unsafe_nonmembers",
        "participation",
    ]
    return sec, table(sec, labels, keys) + "\n\n" + NOTE.format(seeds=seeds_text(SEEDS))


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


def exercise_4(runner: Runner) -> tuple[Section, str]:
    base = Variant("uitgangssituatie", "oefening4_inbraakgolf")
    design = Variant("voorbeeldontwerp", "oefening4_voorbeeldontwerp")
    singles = [Variant(label, "oefening4_inbraakgolf", ov) for label, ov in MEASURES]
    sec = Section(SEEDS, runner.run([base, design, *singles], SEEDS), base=base.label)
    keys = [
        "burglaries_per_1000",
        "crimes_per_1000",
        "unsafe_members",
        "unsafe_nonmembers",
        "unsafe_all",
        "participation",
        "confrontations_per_year",
        "stigmatising_share",
        "arrests_per_year",
    ]
    short = [
        "burglaries_per_1000",
        "crimes_per_1000",
        "unsafe_members",
        "unsafe_nonmembers",
        "unsafe_all",
        "confrontations_per_year",
    ]
    body = "\n\n".join(
        [
            table(sec, [base.label, design.label], keys),
            NOTE.format(seeds=seeds_text(SEEDS)),
            EFFECT_NOTE.format(base="de uitgangssituatie"),
            effect_table(
                sec,
                [v.label for v in [*singles, design]],
                short,
                "maatregel (alleen deze, op de uitgangssituatie)",
            ),
        ]
    )
    return sec, body


SURVEY_LABELS = {
    "pct_unsafe": ("% voelt zich weleens onveilig", 1),
    "report_willingness": ("meldingsbereidheid (1–5)", 2),
    "gov_proximity": ("ervaren nabijheid overheid (1–5)", 2),
}


def exercise_5(runner: Runner) -> tuple[Section, str]:
    vs = [
        Variant("experiment", "rotterdam_experiment", base=ROOT / "scenarios"),
        Variant("zwakke uitvoering", "oefening5_zwakke_uitvoering"),
        Variant("zonder interventies", "oefening5_zonder_interventies"),
        Variant("groter onderzoek", "oefening5_groter_onderzoek"),
    ]
    sec = Section(SEEDS, runner.run(vs, SEEDS), base="zonder interventies")
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
                ch, lo, hi = sec.results[(v.label, s)][f"survey_participants_{ind}"]
                mark = " **\\***" if lo > 0 or hi < 0 else ""
                cells.append(f"{signed(ch, dec)} [{signed(lo, dec)}; {signed(hi, dec)}]{mark}")
            rows.append(f"| {s} | " + " | ".join(cells) + " |")
        blocks.append(
            f"**{v.label}** — verandering bij deelnemers van voor- naar nameting, "
            f"met 95 %-betrouwbaarheidsinterval (**\\*** = interval bevat de nul "
            f"niet):\n\n" + "\n".join(rows)
        )
    # 2. how often a 'study' finds a significant change, and the interval width
    rows = [
        "| | " + " | ".join(v.label for v in vs) + " |",
        "| --- |" + " --- |" * len(vs),
    ]
    for v in vs:
        sec.value[f"significant {v.label}"] = 0
    for ind, (lab, dec) in SURVEY_LABELS.items():
        for what in ("significant", "width"):
            cells = []
            for v in vs:
                triples = [sec.results[(v.label, s)][f"survey_participants_{ind}"] for s in SEEDS]
                better_low = ind == "pct_unsafe"
                good = sum(1 for _, lo, hi in triples if (hi < 0 if better_low else lo > 0))
                bad = sum(1 for _, lo, hi in triples if (lo > 0 if better_low else hi < 0))
                if what == "significant":
                    sec.value[f"significant {v.label}"] += good + bad
                    sec.value[f"better {v.label} {ind}"] = good
                    cells.append(f"{good} beter, {bad} slechter")
                else:
                    w = float(np.mean([hi - lo for _, lo, hi in triples]))
                    sec.value[f"width {v.label} {ind}"] = w
                    cells.append(num(w, dec))
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
    blocks.append(
        "Het werkelijke effect in het model (latente toestand van alle leden en niet-leden over "
        "het tweede jaar, geen steekproef):\n\n" + table(sec, shown, keys)
    )
    blocks.append(EFFECT_NOTE.format(base="'zonder interventies'"))
    blocks.append(effect_table(sec, shown[:2], keys, "effect van"))
    blocks.append(
        f"*Seeds {seeds_text(SEEDS)}; enquêtes op dag 364 en dag 729. Berekend met "
        f"`uv run python docs/teaching/cijfers.py`.*"
    )
    return sec, "\n\n".join(blocks)


SWEEPS = {
    "police_feedback": ("factors.police_feedback", [0.0, 0.25, 0.5, 0.75, 1.0], ()),
    "feedback_delay_hours": (
        "factors.feedback_delay_hours",
        [0.0, 24.0, 72.0, 168.0, 336.0],
        (("factors.police_feedback", 0.8),),
    ),
}


def exercise_6(runner: Runner) -> tuple[Section, str]:
    """The two sweeps of exercise 6, as runs of the same preset with the sweep's seeds 1–5
    (what ``buurtsim sweep`` runs for ``docs/teaching/oefening6_*.toml``)."""
    keys = ["unsafe_members", "unsafe_nonmembers", "willingness_members", "proximity_members"]
    variants, blocks = [], []
    for factor, (path, values, fixed) in SWEEPS.items():
        variants += [
            Variant(f"{factor}={x:g}", "oefening6_sweep", (*fixed, (path, x))) for x in values
        ]
    sec = Section(SWEEP_SEEDS, runner.run(variants, SWEEP_SEEDS), base="police_feedback=0")
    for factor, (_, values, _) in SWEEPS.items():
        rows = [
            f"| {factor} | " + " | ".join(METRICS[k][0] for k in keys) + " |",
            "| --- |" + " --- |" * len(keys),
        ]
        for x in values:
            label = f"{factor}={x:g}"
            sds = {k: float(np.std(sec.values(label, k), ddof=1)) for k in keys}
            cells = [f"{fmt(sec.mean(label, k), k)} ± {fmt(sds[k], k)}" for k in keys]
            rows.append(f"| {num(x, 2).rstrip('0').rstrip(',')} | " + " | ".join(cells) + " |")
        name = "terugkoppeling" if factor == "police_feedback" else "wachttijd"
        blocks.append(
            "\n".join(rows) + f"\n\n*Gemiddelde ± standaardafwijking over seeds "
            f"{seeds_text(SWEEP_SEEDS)}; `uv run buurtsim sweep "
            f"docs/teaching/oefening6_{name}.toml`.*"
        )
    # consecutive steps of the feedback sweep: paired differences against the spread
    steps = [0.0, 0.25, 0.5, 0.75, 1.0]
    rows = [
        "| stap | verschil % onveilige leden (gepaard) | standaardafwijking tussen seeds |",
        "| --- | --- | --- |",
    ]
    for a, b in zip(steps, steps[1:], strict=False):
        la, lb = f"police_feedback={a:g}", f"police_feedback={b:g}"
        e = sec.effect(lb, "unsafe_members", base=la)
        sd = float(np.std(sec.values(la, "unsafe_members"), ddof=1))
        sec.value[f"step {a:g}-{b:g}"] = e
        sec.value[f"sd {a:g}"] = sd
        mark = " **\\***" if not e.unclear else ""
        rows.append(
            f"| {num(a, 2)} → {num(b, 2)} | {signed(100 * e.mean, 1)} ± {num(100 * e.half, 1)}"
            f"{mark} | {num(100 * sd, 1)} |"
        )
    blocks.append(
        "Stap voor stap (eerste sweep): verschil tussen twee opeenvolgende standen bij dezelfde "
        "seed, gemiddelde ± halve breedte van het 95 %-interval (**\\*** = interval bevat de "
        "nul niet), naast de spreiding tussen seeds bij de lagere stand:\n\n" + "\n".join(rows)
    )
    return sec, "\n\n".join(blocks)


def workshop(runner: Runner) -> tuple[Section, str]:
    vs = [
        Variant("1 · zonder afspraken", "workshop_a_zonder_afspraken"),
        Variant("2 · regels", "workshop_b_regels"),
        Variant("3 · modereren", "workshop_c_moderatie"),
        Variant("4 · terugkoppeling", "workshop_d_terugkoppeling"),
        # single choices, each switched on or off with everything else as in its round
        Variant(
            "regels zonder aparte sociale groep",
            "workshop_b_regels",
            (("factors.social_channel", False),),
        ),
        Variant(
            "ronde 4 met testbericht elke 14 dagen",
            "workshop_d_terugkoppeling",
            (("factors.keep_alive_days", 14),),
        ),
    ]
    sec = Section(SEEDS, runner.run(vs, SEEDS), base="1 · zonder afspraken")
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
    rounds = [v.label for v in vs[:4]]
    # each round against the round before it, same seeds
    step_rows = [
        "| van → naar | " + " | ".join(METRICS[k][0] for k in keys[:2] + keys[-3:]) + " |",
        "| --- |" + " --- |" * 5,
    ]
    for a, b in zip(rounds, rounds[1:], strict=False):
        cells = []
        for k in keys[:2] + keys[-3:]:
            e = sec.effect(b, k, base=a)
            scale, dec = METRICS[k][1], METRICS[k][2]
            mark = " **\\***" if not e.unclear else ""
            cells.append(f"{signed(e.mean * scale, dec)} ± {num(e.half * scale, dec)}{mark}")
        step_rows.append(f"| {a} → {b} | " + " | ".join(cells) + " |")
    single_rows = [
        "| keuze | " + " | ".join(METRICS[k][0] for k in keys[:2]) + " |",
        "| --- | --- | --- |",
    ]
    for label, variant, base in [
        ("aparte sociale groep (bij regels)", "2 · regels", "regels zonder aparte sociale groep"),
        ("testbericht elke 14 dagen (bij ronde 4)", vs[5].label, "4 · terugkoppeling"),
    ]:
        cells = []
        for k in keys[:2]:
            e = sec.effect(variant, k, base=base)
            mark = " **\\***" if not e.unclear else ""
            cells.append(f"{signed(100 * e.mean, 1)} ± {num(100 * e.half, 1)}{mark}")
        single_rows.append(f"| {label} | " + " | ".join(cells) + " |")
    body = "\n\n".join(
        [
            table(sec, rounds, keys),
            NOTE.format(seeds=seeds_text(SEEDS)),
            "Elke ronde vergeleken met de ronde ervoor, bij dezelfde seeds (gemiddeld verschil ± "
            "halve breedte van het 95 %-interval; **\\*** = interval bevat de nul niet):",
            "\n".join(step_rows),
            "Twee losse keuzes, elk aan- of uitgezet terwijl de rest van de ronde gelijk blijft "
            "(zelfde seeds):",
            "\n".join(single_rows),
        ]
    )
    return sec, body


SECTIONS: dict[str, Callable[[Runner], tuple[Section, str]]] = {
    "oefening1": exercise_1,
    "oefening2": exercise_2,
    "oefening3": exercise_3,
    "oefening4": exercise_4,
    "oefening5": exercise_5,
    "oefening6": exercise_6,
    "workshop": workshop,
}


# --------------------------------------------------------------------------- pages

TABLE = re.compile(r"(<!-- cijfers:(\w+):start -->\n)(.*?)(<!-- cijfers:\2:end -->)", re.DOTALL)
INLINE = re.compile(r"(<!-- cijfer:(.+?)-->)(.*?)(<!-- /cijfer -->)", re.DOTALL)
CHECK = re.compile(r"<!-- check:(.+?)-->", re.DOTALL)


@dataclass
class Report:
    stale: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    checked: int = 0
    skipped: int = 0


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _names(code) -> set[str]:
    """The global names ``code`` uses, including those of its generator expressions."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names(const)
    return names


def _evaluate(expr: str, namespace: dict, where: str, report: Report, computed: set[str]):
    """The value of ``expr``, or None (with an error noted) when it cannot be evaluated."""
    code = compile(expr.strip(), where, "eval")
    missing = {n for n in _names(code) if n in SECTIONS and n not in computed}
    if missing:
        report.skipped += 1
        return None
    try:
        return eval(code, {"__builtins__": {}, **namespace})  # noqa: S307 - our own pages
    except Exception as e:  # a typo in a marker is reported with its place, not a traceback
        report.errors.append(f"{where}: {expr.strip()} → {type(e).__name__}: {e}")
        return None


def process_page(
    text: str, name: str, bodies: dict[str, str], namespace: dict, report: Report
) -> str:
    """The page with its tables and inline figures regenerated; its claims checked."""
    computed = set(bodies)

    def table_sub(m: re.Match) -> str:
        if m.group(2) not in SECTIONS:
            report.errors.append(f"{name}:{_line(text, m.start())}: unknown table {m.group(2)}")
            return m.group(0)
        body = bodies.get(m.group(2))
        return m.group(0) if body is None else m.group(1) + body.strip() + "\n" + m.group(4)

    def inline_sub(m: re.Match) -> str:
        where = f"{name}:{_line(text, m.start())}"
        value = _evaluate(m.group(2), namespace, where, report, computed)
        return m.group(0) if value is None else m.group(1) + str(value) + m.group(4)

    new = TABLE.sub(table_sub, text)
    new = INLINE.sub(inline_sub, new)
    for m in CHECK.finditer(text):
        where = f"{name}:{_line(text, m.start())}"
        value = _evaluate(m.group(1), namespace, where, report, computed)
        if value is None:
            continue
        report.checked += 1
        if value is not True:
            sentence = text[max(0, m.start() - 160) : m.start()].split("\n\n")[-1]
            report.false.append(
                f"{where}: claim no longer holds: {m.group(1).strip()}\n"
                f"    prose: …{' '.join(sentence.split())}"
            )
    return new


def pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.md"))


def run(
    *,
    check: bool,
    workers: int,
    cache_dir: Path,
    only: list[str] | None = None,
    folder: Path = TEACHING,
) -> Report:
    runner = Runner(workers, cache_dir)
    names = only or list(SECTIONS)
    namespace: dict = dict(HELPERS)
    bodies = {}
    try:
        for name in names:
            print(f"computing {name} …", file=sys.stderr, flush=True)
            namespace[name], bodies[name] = SECTIONS[name](runner)
    finally:
        runner.close()
    report = Report()
    for page in pages(folder):
        text = page.read_text(encoding="utf-8")
        new = process_page(text, page.name, bodies, namespace, report)
        if new != text:
            report.stale.append(page.name)
            if not check:
                page.write_text(new, encoding="utf-8")
    return report


def default_cache() -> Path:
    env = os.environ.get("BUURTSIM_CIJFERS_CACHE")
    return Path(env) if env else Path(tempfile.gettempdir()) / "buurtsim-cijfers"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if a figure is out of date or a claim is false",
    )
    ap.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    ap.add_argument("--only", nargs="*", choices=sorted(SECTIONS), help="only these sections")
    ap.add_argument("--cache", type=Path, default=None, help="cache folder (outside the tree)")
    ap.add_argument(
        "--pages", type=Path, default=TEACHING, help="folder of the pages (default docs/teaching)"
    )
    args = ap.parse_args(argv)
    report = run(
        check=args.check,
        workers=args.workers,
        cache_dir=args.cache or default_cache(),
        only=args.only,
        folder=args.pages,
    )
    for line in report.errors + report.false:
        print(line, file=sys.stderr)
    summary = f"{report.checked} claims checked, {len(report.false)} false"
    if report.skipped:
        summary += f", {report.skipped} figures or claims skipped (sections not computed)"
    if report.stale:
        verb = "out of date in" if args.check else "updated"
        summary += f"; figures {verb}: {', '.join(report.stale)}"
        if args.check:
            summary += " (run `uv run python docs/teaching/cijfers.py`)"
    print(summary, file=sys.stderr)
    failed = report.false or report.errors or (args.check and report.stale)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
