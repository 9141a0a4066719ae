"""The whole calibration: ABC-SMC, posterior predictive runs, selection vs exposure, outputs.

>>> from sim.calibrate.pipeline import CalibrationSettings, calibrate    # doctest: +SKIP
>>> calibrate(CalibrationSettings(out=Path("calib"), budget=800))      # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.calibrate.distance import IntervalDistance, observed_data, target_miss
from sim.calibrate.observe import Simulator, load_calibration_scenarios
from sim.calibrate.priors import DEFAULT_PRIORS, Priors, check_against, load_priors
from sim.calibrate.sampling import CalibrationError, Generation, print_progress
from sim.calibrate.targets import DEFAULT_TARGETS, Targets, load_targets
from sim.scenario import resolve_scenario_path


@dataclass
class CalibrationSettings:
    """What ``buurtsim calibrate`` was asked to do."""

    out: Path
    targets: Path = DEFAULT_TARGETS
    priors: Path = DEFAULT_PRIORS
    field_data: Path | None = None
    budget: int = 1000
    population_size: int = 100
    workers: int = 2
    scheduler: str | None = None
    posterior_draws: int = 60
    max_generations: int = 20
    time_limit_min: float | None = None  # wall-clock limit of the ABC-SMC part
    seed: int = 1
    install: bool = False  # also write scenarios/calibrated.toml and its posterior
    overrides: dict[str, Any] = field(default_factory=dict)  # extra scenario overrides


@dataclass
class Prepared:
    targets: Targets
    priors: Priors
    simulator: Simulator
    meta: dict[str, Any]
    replaced: list[str]


def prepare(settings: CalibrationSettings) -> Prepared:
    """Load and check targets, priors, field data and scenarios (no simulation yet)."""
    if settings.budget < 2 * settings.population_size:
        raise CalibrationError(
            f"--budget {settings.budget} is too small for a population of "
            f"{settings.population_size}; allowed: ≥ "
            f"{2 * settings.population_size}"
        )
    targets = load_targets(settings.targets)
    priors = load_priors(settings.priors)
    replaced: list[str] = []
    survey_overrides: dict[str, int] = {}
    if settings.field_data is not None:
        from sim.calibrate.field_data import apply_field_data, survey_sizes

        targets, replaced, data = apply_field_data(targets, settings.field_data)
        if not replaced:
            raise CalibrationError(
                f"{settings.field_data}: the field data cover no target of "
                f"{targets.path} (waves present: "
                f"{', '.join(map(str, sorted(set(data['wave']))))}; "
                f"targets use the primary scenario's waves)"
            )
        survey_overrides = survey_sizes(data)
    scenarios = load_calibration_scenarios(targets)
    if survey_overrides:
        prim = targets.primary
        try:
            scenarios[prim] = scenarios[prim].with_overrides(survey_overrides, "field data")
        except Exception:  # noqa: BLE001 - too many respondents for the small neighbourhood
            print(
                "note: the field survey is larger than the simulated neighbourhood allows; "
                "the virtual survey keeps the scenario's sizes",
                file=sys.stderr,
            )
    if settings.overrides:
        scenarios = {k: v.with_overrides(settings.overrides, "--set") for k, v in scenarios.items()}
    check_against(priors, scenarios)
    scen_hash = hashlib.sha256(
        "".join(scenarios[k].content_hash() for k in sorted(scenarios)).encode()
    ).hexdigest()
    meta = {
        "targets_hash": targets.content_hash(),
        "priors_hash": priors.content_hash(),
        "scenarios_hash": scen_hash,
        "version": __version__,
        "targets_file": str(settings.targets),
        "priors_file": str(settings.priors),
        "field_data": str(settings.field_data or ""),
    }
    return Prepared(targets, priors, Simulator(targets, priors, scenarios), meta, replaced)


def calibrate(
    settings: CalibrationSettings, progress: Callable[[Generation], None] | None = None
) -> Path:
    """Run a calibration and write its outputs to ``settings.out``; returns the report path."""
    from sim.calibrate.sampling import dask_client, run_abc_smc
    from sim.outdir import check_out

    started = time.monotonic()
    out = Path(settings.out)
    check_out(out, "calibration")
    prep = prepare(settings)
    db_path = out / "abc.db"
    if db_path.exists():
        from sim.calibrate.sampling import has_generations

        has_generations(db_path)  # a damaged database stops here, before any cluster starts
    progress = progress or (lambda g: print_progress(g, settings.budget))
    n_used = len(prep.targets.used())
    print(
        f"calibrating {len(prep.priors.parameter)} parameters against {n_used} targets "
        f"(scenarios: {', '.join(prep.simulator.scenarios)}); budget {settings.budget} "
        f"simulations, population {settings.population_size}",
        file=sys.stderr,
        flush=True,
    )
    with dask_client(settings.workers, settings.scheduler) as client:
        out.mkdir(parents=True, exist_ok=True)
        history = run_abc_smc(
            prep.simulator,
            prep.priors.distribution(),
            IntervalDistance(prep.targets),
            observed_data(prep.targets),
            out / "abc.db",
            population_size=settings.population_size,
            budget=settings.budget,
            client=client,
            meta=prep.meta,
            max_generations=settings.max_generations,
            progress=progress,
            max_walltime_s=None
            if settings.time_limit_min is None
            else 60 * settings.time_limit_min,
        )
        abc_seconds = time.monotonic() - started
        print(
            f"posterior predictive and selection/exposure runs "
            f"({settings.posterior_draws} draws × {len(prep.simulator.scenarios) + 3} runs)",
            file=sys.stderr,
            flush=True,
        )
        draws = _posterior_draws(history, prep, settings, client)
    from sim.calibrate.outputs import write_outputs

    report = write_outputs(
        out,
        history,
        draws,
        prep,
        settings,
        timing={"abc_seconds": abc_seconds, "total_seconds": time.monotonic() - started},
    )
    print(
        f"calibration done in {(time.monotonic() - started) / 60:.1f} min: {report}",
        file=sys.stderr,
        flush=True,
    )
    return report


def _posterior_draws(
    history: Any, prep: Prepared, settings: CalibrationSettings, client: Any
) -> list[dict[str, Any]]:
    from sim.calibrate.decompose import draw_task
    from sim.calibrate.posterior import posterior_table

    post = posterior_table(history, prep.priors)
    rng = np.random.default_rng(settings.seed)
    pick = rng.choice(
        len(post), size=settings.posterior_draws, replace=True, p=post["weight"].to_numpy()
    )
    seeds = rng.integers(0, 2**31 - 1, size=settings.posterior_draws)
    names = prep.priors.names()
    values = [{n: float(post.loc[i, n]) for n in names} for i in pick]
    futures = client.map(
        draw_task, [prep.simulator] * len(values), values, [int(s) for s in seeds], pure=False
    )
    draws = client.gather(futures)
    for d, i in zip(draws, pick, strict=True):
        d["particle"] = int(i)
    return draws


def predictive_table(draws: list[dict[str, Any]], targets: Targets) -> pd.DataFrame:
    """Per target: observed, posterior-predictive median and 90 % interval, share met."""
    weights = targets.weights
    rows = []
    for t in targets.target:
        sim = (
            np.array([d["observables"].get(t.id, math.nan) for d in draws], dtype=float)
            if t.use
            else np.array([])
        )
        finite = sim[np.isfinite(sim)]
        met = np.mean([target_miss(t, v) == 0 for v in sim]) if len(sim) else math.nan
        q05, q50, q95 = np.quantile(finite, [0.05, 0.5, 0.95]) if len(finite) else (math.nan,) * 3
        rows.append(
            {
                "target": t.id,
                "title": t.title,
                "used": t.use,
                "certainty": t.certainty,
                "weight": t.weight(weights) if t.use else 0.0,
                "observed": (
                    f"{t.interval[0]:g} – {t.interval[1]:g}"
                    if t.interval
                    else f"{'> 0' if t.direction == 'positive' else '< 0'}"
                ),
                "low": t.interval[0] if t.interval else math.nan,
                "high": t.interval[1] if t.interval else math.nan,
                "direction": t.direction or "",
                "sim_q05": q05,
                "sim_median": q50,
                "sim_q95": q95,
                "share_met": met,
                "verdict": _verdict(met, t.use),
            }
        )
    return pd.DataFrame(rows)


def _verdict(met: float, used: bool) -> str:
    if not used:
        return "not used"
    if not math.isfinite(met):
        return "no value"
    if met >= 0.5:
        return "met"
    if met >= 0.1:
        return "partly met"
    return "not met"


def install(out: Path, dest_dir: Path | None = None) -> list[Path]:
    """Copy a calibration's scenario and posterior file into scenarios/ (shipped result)."""
    from sim.shipped import DATA_ROOT, SCENARIO_DIR

    if dest_dir is None and DATA_ROOT.name == "_data":
        raise CalibrationError(
            "--install writes into the scenarios/ folder of a buurtsim checkout, but this "
            "buurtsim is an installed package; copy the files from "
            f"{out / 'results'} yourself"
        )
    SCENARIO_DIR = dest_dir or SCENARIO_DIR  # noqa: N806

    res = out / "results"
    dest_toml = SCENARIO_DIR / "calibrated.toml"
    text = (res / "calibrated_scenarios" / "calibrated.toml").read_text(encoding="utf-8")
    meta = json.loads((res / "calibration.json").read_text(encoding="utf-8"))
    base = resolve_scenario_path(meta["primary_file"])
    rel_new = os.path.relpath(base.resolve(), Path(SCENARIO_DIR).resolve())
    text = re.sub(r'(?m)^extends = ".*"$', f'extends = "{rel_new}"', text, count=1)
    tmp = dest_toml.with_suffix(".toml.partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(dest_toml)
    dest_post = SCENARIO_DIR / "calibrated_posterior.parquet"
    shutil.copyfile(res / "posterior_overrides.parquet", dest_post.with_suffix(".partial"))
    dest_post.with_suffix(".partial").replace(dest_post)
    return [dest_toml, dest_post]
