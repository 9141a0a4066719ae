"""Engine versus reference model: paired runs, key outputs and two-sample tests.

For each seed both implementations build the *same* neighbourhood (the shared population
builder, seeded alike) and then run with independent random streams. Each key output is
compared over the seeds with a paired t-test on the per-seed differences (engine − reference),
which removes the variation between neighbourhoods and keeps the Monte Carlo noise of the
dynamics only. All p-values of one comparison are corrected together with Holm's step-down
method. The suite compares ``len(SCENARIOS)`` scenarios, each at level
``ALPHA / len(SCENARIOS)`` (Bonferroni across scenarios, Holm within), so the chance that a
correct pair of implementations fails the whole suite (its family-wise false-alarm rate) is
at most ``ALPHA``.

>>> from sim.scenario import Scenario
>>> small = shrink(Scenario(), streets=4, days=40)
>>> table = compare(small, seeds=range(3))
>>> sorted(table.columns)[:3]
['diff', 'engine', 'metric']
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.engine import RunResult, simulate
from sim.reference import Resident, simulate_reference
from sim.scenario import Scenario, load_scenario
from sim.survey import indicators

ROOT = Path(__file__).resolve().parents[2]
ALPHA = 0.01  # family-wise false-alarm rate of the whole suite

#: Scenarios of the differential suite (paths relative to the repository).
SCENARIOS = (
    "baseline",
    "no_groups",
    "tilburg_style",
    "rotterdam_experiment",
    "factors/police_feedback",
    "factors/saar_training",
    "mechanisms/group_reassures",
    "mechanisms/opinion_contagion",
)

#: Summary outputs compared (RunResult.summary keys).
SUMMARY_KEYS = (
    "participation",
    "worry_members",
    "worry_nonmembers",
    "unsafe_members",
    "unsafe_nonmembers",
    "unsafe_all",
    "crimes_per_1000",
    "burglaries_per_1000",
    "victimisation_rate",
    "reported_share",
    "reports_per_group_month",
    "alerts_per_group_month",
    "chatter_per_group_month",
    "feedback_per_group_month",
    "stigmatising_share",
    "arrests_per_year",
    "willingness_members",
    "willingness_nonmembers",
    "proximity_members",
    "proximity_nonmembers",
    "silent_weeks_share",
    "confrontations_per_year",
)
#: Daily counts compared as totals over the measured period.
COUNT_KEYS = (
    "reports_112",
    "reports_0900",
    "suspicious",
    "posts_keepalive",
    "joined",
    "left",
    "went_to_look",
)


def load(name: str) -> Scenario:
    return load_scenario(ROOT / "scenarios" / f"{name}.toml")


def shrink(scn: Scenario, streets: int = 8, days: int = 240) -> Scenario:
    """A small, short copy of ``scn`` for the fast tier: at most ``streets`` streets per area
    and ``days`` days; burn-in, survey waves and interventions keep their relative timing."""
    scale = days / scn.days
    at = lambda d: min(int(d * scale), days - 1)  # noqa: E731
    data = scn.model_dump(mode="python")
    for area in data["areas"]:
        area["streets"] = min(area["streets"], streets)
    data["days"] = days
    data["burn_in_days"] = at(scn.burn_in_days)
    for wave in data["survey"]["waves"]:
        wave["day"] = at(wave["day"])
    for iv in data["interventions"]:
        iv["day"] = at(iv["day"])
    households = sum(
        a["streets"] * (a["households_per_street"] or data["population"]["households_per_street"])
        for a in data["areas"]
    )
    data["survey"]["participants"] = min(data["survey"]["participants"], households // 4)
    data["survey"]["non_participants"] = min(data["survey"]["non_participants"], households // 4)
    return Scenario.model_validate(data)


def outputs(result: RunResult) -> dict[str, float]:
    """The key outputs of one run: summary values, measured count totals, survey indicators."""
    out = {k: v for k, v in result.summary().items() if k in SUMMARY_KEYS}
    measured = result.measured()
    out.update({f"total_{k}": float(measured[k].sum()) for k in COUNT_KEYS})
    if len(result.survey):
        for row in indicators(result.survey).itertuples():
            out[f"survey_{row.wave}_{row.respondents}_{row.indicator}"] = float(row.estimate)
    return out


def run_pair(
    scn: Scenario, seed: int, resident_class: type[Resident] = Resident
) -> tuple[dict, dict]:
    """Key outputs of the engine and of the reference model for one seed."""
    return (
        outputs(simulate(scn, seed=seed)),
        outputs(simulate_reference(scn, seed=seed, resident_class=resident_class)),
    )


def process_pool(workers: int = 2) -> ProcessPoolExecutor:
    """Worker processes for :func:`run_pairs` (spawned: safe with threads in the parent)."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def run_pairs(
    scn: Scenario,
    seeds: Iterable[int],
    resident_class: type[Resident] = Resident,
    pool: ProcessPoolExecutor | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Outputs per seed (rows) for engine and reference, in ``pool`` if given."""
    seeds = list(seeds)
    args = ([scn] * len(seeds), seeds, [resident_class] * len(seeds))
    pairs = list(pool.map(run_pair, *args)) if pool else list(map(run_pair, *args))
    engine = pd.DataFrame([e for e, _ in pairs], index=seeds)
    reference = pd.DataFrame([r for _, r in pairs], index=seeds)
    return engine, reference


def paired_test(e: np.ndarray, r: np.ndarray) -> tuple[float, int]:
    """Two-sided paired t-test of mean(e − r) = 0 over the seeds where both are defined."""
    ok = ~(np.isnan(e) | np.isnan(r))
    d = e[ok] - r[ok]
    if len(d) < 3:
        return float("nan"), len(d)
    if np.allclose(d, d[0], rtol=0, atol=1e-12):
        return (1.0 if abs(d[0]) < 1e-12 else 0.0), len(d)
    return float(stats.ttest_1samp(d, 0.0).pvalue), len(d)


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values (NaN stays NaN and does not count as a test)."""
    p = np.asarray(pvalues, dtype=float)
    valid = np.flatnonzero(~np.isnan(p))
    order = valid[np.argsort(p[valid])]
    m = len(order)
    adjusted = np.full_like(p, np.nan)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted


def comparison_table(
    engine: pd.DataFrame, reference: pd.DataFrame, alpha: float = ALPHA / len(SCENARIOS)
) -> pd.DataFrame:
    """One row per key output: means, mean difference, p-value, Holm-adjusted p-value."""
    rows = []
    for metric in sorted(set(engine.columns) | set(reference.columns)):
        if metric not in engine or metric not in reference:
            rows.append((metric, np.nan, np.nan, np.nan, 0.0, 0))  # present in one only
            continue
        e, r = engine[metric].to_numpy(float), reference[metric].to_numpy(float)
        p, n = paired_test(e, r)
        both = ~(np.isnan(e) | np.isnan(r))
        means = [float(x[both].mean()) if both.any() else np.nan for x in (e, r, e - r)]
        rows.append((metric, *means, p, n))
    table = pd.DataFrame(rows, columns=["metric", "engine", "reference", "diff", "p", "n"])
    table["p_holm"] = holm(table["p"].to_numpy())
    table["rejected"] = table["p_holm"] < alpha
    table.attrs["alpha"] = alpha
    return table


def compare(
    scn: Scenario,
    seeds: Iterable[int],
    resident_class: type[Resident] = Resident,
    pool: ProcessPoolExecutor | None = None,
    alpha: float = ALPHA / len(SCENARIOS),
) -> pd.DataFrame:
    """Run both implementations over ``seeds`` and test every key output at family-wise
    level ``alpha`` (Holm)."""
    engine, reference = run_pairs(scn, seeds, resident_class, pool)
    return comparison_table(engine, reference, alpha)


def describe(table: pd.DataFrame, name: str) -> str:
    """A readable failure message listing the outputs that differ."""
    bad = table[table["rejected"]]
    lines = [
        f"{name}: {len(bad)} of {table['p'].notna().sum()} key outputs differ "
        f"(Holm, family-wise α = {table.attrs.get('alpha', ALPHA):.2g}):"
    ]
    for row in bad.itertuples():
        lines.append(
            f"  {row.metric}: engine {row.engine:.4g}, reference {row.reference:.4g}, "
            f"p_holm = {row.p_holm:.2g}"
        )
    return "\n".join(lines)
