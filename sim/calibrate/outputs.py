"""Writing a calibration's results (atomically, into ``OUT/results``)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.calibrate.decompose import gap_table
from sim.calibrate.posterior import (
    calibrated_toml,
    particle_overrides,
    posterior_stats,
    weighted_quantile,
    write_parquet,
)
from sim.outputs import atomic_dir
from sim.scenario import resolve_scenario_path


def stored_epsilon_quantile(histories: list[Any], default: float) -> float | list[float]:
    """The ε quantile the runs were sampled with, as their databases record it (``default``
    where one does not); one value if the runs agree, else one per run."""
    values = []
    for h in histories:
        try:
            values.append(float(json.loads(h.get_abc().epsilon_function)["alpha"]))
        except (AttributeError, KeyError, TypeError, ValueError):
            values.append(float(default))
    return values[0] if len(set(values)) == 1 else values


def _with_seed_records(
    rows: list[dict[str, Any]], installed: Any, validation: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Add to each missed target how often the installed particle met it in the screening
    that chose it (seeds other than the check's), where there was one, and its record over
    the validation seeds (``validation``, per target), where there were any."""
    table = installed.screening
    if table is not None and installed.particle in table.index:
        mine = table.loc[installed.particle]
        seeds = int(mine["seeds"])
        for r in rows:
            rate = mine.get(f"met_{r['target']}")
            if rate is not None and math.isfinite(float(rate)):
                r["screening"] = {"seeds": seeds, "met": round(float(rate) * seeds)}
    for r in rows:
        if r["target"] in validation:
            r["validation"] = validation[r["target"]]
    return rows


def validation_record(installed: Any, targets: Any, rules: pd.DataFrame, rule: str) -> dict:
    """The installed point over its validation seeds: every H target at once (its row of
    the rules table) and, per target, the row of
    :func:`~sim.calibrate.reliability.reliability_table` (empty without validation runs)."""
    from sim.calibrate.reliability import reliability_table

    if not installed.validation:
        return {}
    mine = rules.set_index("rule").loc[rule]
    table = reliability_table(installed.validation, installed.check, targets)
    return {
        "seeds": int(mine["validation_seeds"]),
        "all_h_met": float(mine["all_h_met"]),
        "check_pass_probability": float(mine["check_pass_probability"]),
        "targets": {
            r["target"]: {k: v for k, v in r.items() if k != "target"}
            for r in table.to_dict("records")
        },
    }


def write_outputs(
    out: Path,
    histories: list[Any],
    pooled: Any,
    draws: dict[str, list[dict[str, Any]]],
    prep: Any,
    settings: Any,
    timing: dict[str, float],
    points: dict[str, Any] | None = None,
) -> Path:
    """Write every result file and the report; returns the report's path.

    The installed structure is the most probable one; its pooled posterior gives
    ``posterior.parquet`` and ``posterior_overrides.parquet``; the point of
    ``settings.point``'s rule among ``points`` (:mod:`sim.calibrate.point`; without
    ``points``, the posterior median) gives the calibrated scenario.
    """
    from sim.calibrate.chains import compare_runs
    from sim.calibrate.decompose import distribution, headline
    from sim.calibrate.joint import conflicts, joint_check, met_matrix, why_missed
    from sim.calibrate.point import median_point, rules_table
    from sim.calibrate.predictive import point_table, predictive_table
    from sim.calibrate.report import write_report
    from sim.calibrate.sampling import generations_from_history

    targets, priors, simulator = prep.targets, prep.priors, prep.simulator
    primary = targets.primary
    base = simulator.scenarios[primary]
    primary_file = resolve_scenario_path(targets.scenarios[primary].file)
    best = pooled.best()
    structure_overrides = prep.structures.structure[best].overrides
    post = pooled.posteriors[best]
    stats = posterior_stats(post, priors)
    medians = {r.parameter: float(r.median) for r in stats.itertuples()}
    points = points or {"median": median_point(post, priors)}
    rule = getattr(settings, "point", "median")
    rule = rule if rule in points else "median"
    installed = points[rule]

    gens_rows, convergence = [], []
    for run, h in enumerate(histories, start=1):
        gens = generations_from_history(h)
        convergence.append({"run": run, **settings.stopping.assess(gens)})
        for g in gens:
            gens_rows.append(
                {
                    "run": run,
                    "generation": g.t,
                    "epsilon": g.epsilon,
                    "simulations": g.simulations,
                    "acceptance_rate": g.acceptance_rate,
                    "ess": g.ess,
                    **{
                        f"p_{prep.structures.names()[m]}": p
                        for m, p in g.model_probabilities.items()
                    },
                }
            )
    gens_df = pd.DataFrame(gens_rows)

    per_structure: dict[str, dict[str, Any]] = {}
    all_gaps, all_dist, all_pred = [], [], []
    for name, d in draws.items():
        gaps = gap_table(d).assign(structure=name)
        dist = pd.concat(
            [distribution(gaps, m) for m in ("worry_gap", "unsafe_gap")], ignore_index=True
        ).assign(structure=name)
        pred = predictive_table(d, targets).assign(structure=name)
        met = met_matrix(d, targets)
        per_structure[name] = {
            "joint": joint_check(d, targets),
            "met": met,
            "conflicts": conflicts(met).assign(structure=name),
            "headline": headline(dist[dist["measure"] == "worry_gap"], name),
        }
        all_gaps.append(gaps)
        all_dist.append(dist)
        all_pred.append(pred)
    gaps_df = pd.concat(all_gaps, ignore_index=True)
    dist_df = pd.concat(all_dist, ignore_index=True)
    pred_df = pd.concat(all_pred, ignore_index=True)
    chains = compare_runs([r["posteriors"][best] for r in pooled.per_run], priors).assign(
        structure=best
    )
    rules = rules_table(points, targets, settings.seed)
    validation = validation_record(installed, targets, rules, rule)
    points = point_table(installed.check, targets)
    h_points = points[points["certainty"] == "H"]
    meta = {
        **prep.meta,
        "point": {
            "rule": rule,
            "description": installed.describe(best),
            "particle": installed.particle,
            "run": installed.run,
            "parameters": installed.parameters,
        },
        "point_rules": rules.to_dict("records"),
        "point_screening": (
            {
                int(k): int(v)
                for k, v in installed.screening["seeds"].value_counts().sort_index().items()
            }
            if installed.screening is not None
            else {}
        ),
        "point_check": {
            "seeds": int(points["seeds"].max()) if len(points) else 0,
            "h_targets_met_in_8_of_10": bool(
                len(h_points) and (h_points["seeds_met"] >= 0.8 * h_points["seeds"]).all()
            ),
            "seeds_met": {r.target: int(r.seeds_met) for r in points.itertuples()},
        },
        "point_validation": validation,
        "primary": primary,
        "primary_file": str(targets.scenarios[primary].file),
        "budget_per_run": settings.budget,
        "population_size": settings.population_size,
        "workers": settings.workers,
        "scheduler": "external" if settings.scheduler else "",
        "runs": len(histories),
        "replicates": settings.replicates,
        "total_simulations": int(sum(int(h.total_nr_simulations) for h in histories)),
        "generations": [int(h.max_t + 1) for h in histories],
        "posterior_draws_per_structure": settings.posterior_draws,
        "replaced_by_field_data": prep.replaced,
        "timing_seconds": timing,
        "report_only": bool(getattr(settings, "report_only", False)),
        "buurtsim_version": __version__,
        "seed": settings.seed,
        "stopping_rule": asdict(settings.stopping),
        "epsilon_quantile": stored_epsilon_quantile(histories, settings.epsilon_quantile),
        "convergence": convergence,
        "converged": all(c["converged"] for c in convergence),
        "structures": {
            n: {"description": s.description, "overrides": s.overrides}
            for n, s in prep.structures.structure.items()
        },
        "structure_probabilities": pooled.probabilities,
        "structure_probabilities_per_run": [r["probabilities"] for r in pooled.per_run],
        "installed_structure": best,
        "joint_check": {n: v["joint"] for n, v in per_structure.items()},
        "headlines": {n: v["headline"] for n, v in per_structure.items()},
        "why_missed": _with_seed_records(
            why_missed(
                points,
                draws.get(best, []),
                post,
                priors.names(),
                targets,
                per_structure[best]["met"],
                per_structure[best]["conflicts"],
                applies=lambda p, scenario: priors.parameter[p].applies_to(scenario),
            ),
            installed,
            validation.get("targets", {}),
        )
        if len(points) and draws.get(best)
        else [],
        "runs_agree_share": float(chains["agree"].mean()) if len(chains) else None,
        "posterior_median": medians,
    }
    with atomic_dir(out / "results", "calibration results") as tmp:
        all_post = pd.concat(
            [p.assign(structure=n) for n, p in pooled.posteriors.items()], ignore_index=True
        )
        write_parquet(all_post, tmp / "posterior.parquet", {"installed_structure": best})
        stats.to_csv(tmp / "posterior_summary.csv", index=False)
        overrides = particle_overrides(post, priors, base, primary)
        for k, v in structure_overrides.items():
            overrides[k] = v
        write_parquet(
            overrides,
            tmp / "posterior_overrides.parquet",
            {
                "base_scenario": str(targets.scenarios[primary].file),
                "structure": best,
                **prep.meta,
            },
        )
        scen_dir = tmp / "calibrated_scenarios"
        scen_dir.mkdir()
        dest = out / "results" / "calibrated_scenarios" / "calibrated.toml"
        header = (
            f"Calibrated by buurtsim {__version__} against {prep.meta['targets_file']} "
            f"({len(targets.used())} targets) with priors {prep.meta['priors_file']}.\n"
            f"Structure {best!r} (posterior probability "
            f"{pooled.probabilities[best]:.2f}) of {len(post)} particles from "
            f"{len(histories)} run(s), {meta['total_simulations']} simulations; targets hash "
            f"{prep.meta['targets_hash'][:12]}.\nPoint (--point {rule}): "
            f"{installed.describe(best)}.\nUncertainty: calibrated_posterior.parquet "
            f"(one row of overrides per particle)."
        )
        (scen_dir / "calibrated.toml").write_text(
            calibrated_toml(
                {**priors.overrides(installed.parameters, primary, base), **structure_overrides},
                base,
                primary_file,
                dest,
                header,
                description=(
                    f"Calibrated against the Rotterdam field research (structure {best}, "
                    f"--point {rule})"
                ),
            ),
            encoding="utf-8",
        )
        gens_df.to_csv(tmp / "generations.csv", index=False)
        pred_df.to_csv(tmp / "predictive.csv", index=False)
        obs = pd.DataFrame(
            [
                {
                    "structure": n,
                    "draw": i,
                    "particle": d["particle"],
                    "seed": d["seed"],
                    **d["observables"],
                }
                for n, ds in draws.items()
                for i, d in enumerate(ds)
            ]
        )
        write_parquet(obs, tmp / "predictive_draws.parquet")
        write_parquet(gaps_df, tmp / "gaps.parquet")
        dist_df.to_csv(tmp / "selection_vs_exposure.csv", index=False)
        pd.concat([v["conflicts"] for v in per_structure.values()], ignore_index=True).to_csv(
            tmp / "target_conflicts.csv", index=False
        )
        chains.to_csv(tmp / "runs_compared.csv", index=False)
        points.to_csv(tmp / "point_check.csv", index=False)
        rules.to_csv(tmp / "point_rules.csv", index=False)
        if validation:
            pd.DataFrame([{"target": k, **v} for k, v in validation["targets"].items()]).to_csv(
                tmp / "point_validation.csv", index=False
            )
        if installed.screening is not None:
            installed.screening.to_csv(tmp / "point_screening.csv", index_label="particle")
        (tmp / "calibration.json").write_text(
            json.dumps(meta, indent=2, default=_json), encoding="utf-8"
        )
        write_report(
            tmp,
            post=post,
            stats=stats,
            gens=gens_df,
            pred=pred_df,
            gaps=gaps_df,
            decomposition=dist_df,
            draws=draws,
            targets=targets,
            priors=priors,
            meta=meta,
            chains=chains,
            points=points,
            conflicts={n: v["conflicts"] for n, v in per_structure.items()},
        )
    return out / "results" / "report.md"


def _json(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return str(x)


__all__ = ["write_outputs", "weighted_quantile"]
