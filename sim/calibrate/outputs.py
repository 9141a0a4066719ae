"""Writing a calibration's results (atomically, into ``OUT/results``)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.calibrate.decompose import gap_table, shares
from sim.calibrate.posterior import (
    calibrated_toml,
    particle_overrides,
    posterior_stats,
    posterior_table,
    weighted_quantile,
    write_parquet,
)
from sim.outputs import atomic_dir
from sim.scenario import resolve_scenario_path


def write_outputs(
    out: Path,
    history: Any,
    draws: list[dict[str, Any]],
    prep: Any,
    settings: Any,
    timing: dict[str, float],
) -> Path:
    """Write every result file and the report; returns the report's path."""
    from sim.calibrate.pipeline import predictive_table
    from sim.calibrate.report import write_report

    targets, priors, simulator = prep.targets, prep.priors, prep.simulator
    primary = targets.primary
    base = simulator.scenarios[primary]
    primary_file = resolve_scenario_path(targets.scenarios[primary].file)
    post = posterior_table(history, priors)
    stats = posterior_stats(post, priors)
    medians = {r.parameter: float(r.median) for r in stats.itertuples()}
    pops = history.get_all_populations()
    gens = pops[pops["t"] >= 0][["t", "epsilon", "samples", "wall_time"]].rename(
        columns={"t": "generation", "samples": "simulations"}
    )
    pred = predictive_table(draws, targets)
    gaps = gap_table(draws)
    decomposition = pd.concat(
        [shares(gaps, m, seed=settings.seed) for m in ("worry_gap", "unsafe_gap")],
        ignore_index=True,
    )
    meta = {
        **prep.meta,
        "primary": primary,
        "primary_file": str(targets.scenarios[primary].file),
        "budget": settings.budget,
        "population_size": settings.population_size,
        "workers": settings.workers,
        "scheduler": settings.scheduler or "",
        "total_simulations": int(history.total_nr_simulations),
        "generations": int(history.max_t + 1),
        "posterior_draws": len(draws),
        "replaced_by_field_data": prep.replaced,
        "timing_seconds": timing,
        "buurtsim_version": __version__,
        "seed": settings.seed,
        "posterior_median": medians,
    }
    with atomic_dir(out / "results", "calibration results") as tmp:
        write_parquet(post, tmp / "posterior.parquet", meta)
        stats.to_csv(tmp / "posterior_summary.csv", index=False)
        write_parquet(
            particle_overrides(post, priors, base, primary),
            tmp / "posterior_overrides.parquet",
            {"base_scenario": str(targets.scenarios[primary].file), **prep.meta},
        )
        scen_dir = tmp / "calibrated_scenarios"
        scen_dir.mkdir()
        dest = out / "results" / "calibrated_scenarios" / "calibrated.toml"
        header = (
            f"Calibrated by buurtsim {__version__} against {targets.path} "
            f"({len(targets.used())} targets) with priors {priors.path}.\n"
            f"Posterior median of {len(post)} particles after "
            f"{meta['total_simulations']} simulations; targets hash "
            f"{prep.meta['targets_hash'][:12]}.\nUncertainty: "
            f"calibrated_posterior.parquet (one row of overrides per particle)."
        )
        (scen_dir / "calibrated.toml").write_text(
            calibrated_toml(
                priors.overrides(medians, primary, base), base, primary_file, dest, header
            ),
            encoding="utf-8",
        )
        gens.to_csv(tmp / "generations.csv", index=False)
        pred.to_csv(tmp / "predictive.csv", index=False)
        obs = pd.DataFrame(
            [
                {"draw": i, "particle": d["particle"], "seed": d["seed"], **d["observables"]}
                for i, d in enumerate(draws)
            ]
        )
        write_parquet(obs, tmp / "predictive_draws.parquet")
        write_parquet(gaps, tmp / "gaps.parquet")
        decomposition.to_csv(tmp / "selection_vs_exposure.csv", index=False)
        (tmp / "calibration.json").write_text(
            json.dumps(meta, indent=2, default=_json), encoding="utf-8"
        )
        write_report(
            tmp,
            post=post,
            stats=stats,
            gens=gens,
            pred=pred,
            gaps=gaps,
            decomposition=decomposition,
            draws=draws,
            targets=targets,
            priors=priors,
            meta=meta,
        )
    return out / "results" / "report.md"


def _json(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return str(x)


__all__ = ["write_outputs", "weighted_quantile"]
