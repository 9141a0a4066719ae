"""The whole calibration: ABC-SMC, posterior predictive runs, selection vs exposure, outputs.

>>> from sim.calibrate.pipeline import CalibrationSettings, calibrate    # doctest: +SKIP
>>> calibrate(CalibrationSettings(out=Path("calib"), budget=800))      # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
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
from sim.calibrate.distance import IntervalDistance, observed_data
from sim.calibrate.observe import Simulator, load_calibration_scenarios
from sim.calibrate.predictive import predictive_table  # noqa: F401 - also imported from here
from sim.calibrate.priors import DEFAULT_PRIORS, Priors, check_against, load_priors
from sim.calibrate.reliability import VALIDATION_SEEDS
from sim.calibrate.sampling import (
    KERNEL_WIDTH,
    CalibrationError,
    Generation,
    StoppingRule,
    print_progress,
)
from sim.calibrate.structures import (
    DEFAULT_STRUCTURES,
    Structures,
    check_structures,
    load_structures,
    single,
)
from sim.calibrate.targets import CALIBRATION_DIR, DEFAULT_TARGETS, Targets, load_targets
from sim.scenario import resolve_scenario_path

PROJECT_DIR = CALIBRATION_DIR.parent


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
    force: bool = False  # install even if the joint check fails
    overrides: dict[str, Any] = field(default_factory=dict)  # extra scenario overrides
    structures: Path | None = DEFAULT_STRUCTURES  # None: one structure, no model comparison
    structure_names: list[str] = field(default_factory=list)  # subset of the file's
    runs: int = 2  # independent calibrations (different seeds), compared in the report
    replicates: int = 1  # seeds per particle; the distance compares replicate means
    stopping: StoppingRule = field(default_factory=StoppingRule)
    epsilon_quantile: float = 0.3  # ε of a generation: this quantile of the last one's distances
    point: str = "predictive"  # the rule picking the installed point (sim.calibrate.point)
    validation_seeds: int = VALIDATION_SEEDS  # further seeds per point after the check (0: none)
    report_only: bool = False  # no further sampling: report on the stored generations
    only_run: int | None = None  # sample only this independent run (1…runs), no report


@dataclass
class Prepared:
    targets: Targets
    priors: Priors
    simulator: Simulator
    meta: dict[str, Any]
    replaced: list[str]
    structures: Structures = field(default_factory=single)

    def models(self) -> list[Simulator]:
        """One simulator per structure (its overrides after the parameters)."""
        return [self.simulator.with_extra(s.overrides) for s in self.structures.structure.values()]


def project_path(path: str | Path | None) -> str:
    """A path as shown in results: relative to the project folder, else the file name only
    (results carry no absolute machine paths)."""
    if not path:
        return ""
    p = Path(path)
    try:
        return p.resolve().relative_to(PROJECT_DIR).as_posix()
    except ValueError:
        return p.name


def prepare(settings: CalibrationSettings) -> Prepared:
    """Load and check targets, priors, field data and scenarios (no simulation yet)."""
    if settings.budget < 2 * settings.population_size:
        raise CalibrationError(
            f"--budget {settings.budget} is too small for a population of "
            f"{settings.population_size}; allowed: ≥ "
            f"{2 * settings.population_size}"
        )
    from sim.calibrate.point import POINT_RULES

    if settings.point not in POINT_RULES:
        raise CalibrationError(f"--point {settings.point!r}: allowed {', '.join(POINT_RULES)}")
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
    structures = (
        load_structures(settings.structures).select(settings.structure_names)
        if settings.structures is not None
        else single()
    )
    check_structures(structures, scenarios)
    scen_hash = hashlib.sha256(
        "".join(scenarios[k].content_hash() for k in sorted(scenarios)).encode()
    ).hexdigest()
    meta = {
        "targets_hash": targets.content_hash(),
        "priors_hash": priors.content_hash(),
        "scenarios_hash": scen_hash,
        "structures_hash": structures.content_hash(),
        "replicates": int(settings.replicates),
        "kernel": (
            f"truncated Gaussian per parameter, {KERNEL_WIDTH:g} × the population's variance, "
            f"one mixture over every structure's particles"
        ),
        "version": __version__,
        "targets_file": project_path(settings.targets),
        "priors_file": project_path(settings.priors),
        "structures_file": project_path(settings.structures),
        "field_data": project_path(settings.field_data),
    }
    sim = Simulator(targets, priors, scenarios, replicates=settings.replicates)
    return Prepared(targets, priors, sim, meta, replaced, structures)


def calibrate(
    settings: CalibrationSettings, progress: Callable[[Generation], None] | None = None
) -> Path:
    """Run a calibration and write its outputs to ``settings.out``; returns the report path."""
    from sim.calibrate.sampling import dask_client
    from sim.outdir import check_out

    started = time.monotonic()
    out = Path(settings.out)
    check_out(out, "calibration")
    results = out / "results"
    if settings.only_run is None and (results.exists() or results.is_symlink()):
        check_out(results, "calibration results")  # written at the end: refuse it now
    prep = prepare(settings)
    if out.is_dir():
        from sim.calibrate.sampling import has_generations

        for db_path in sorted(out.glob("abc*.db")):
            has_generations(db_path)  # a damaged database stops here, before a cluster starts
    if settings.report_only and settings.only_run is None:
        from sim.calibrate.sampling import has_generations

        missing = [
            run_db_name(k)
            for k in range(1, settings.runs + 1)
            if not (out / run_db_name(k)).exists() or not has_generations(out / run_db_name(k))
        ]
        if missing:
            raise CalibrationError(
                f"--out {out}: --report-only needs a finished generation of every run "
                f"(--runs {settings.runs}); missing: {', '.join(missing)}; sample them first "
                f"(without --report-only, or with --run K)"
            )
    progress = progress or (
        lambda g: print_progress(g, settings.budget, names=prep.structures.names())
    )
    n_used = len(prep.targets.used())
    print(
        f"calibrating {len(prep.priors.parameter)} parameters against {n_used} targets "
        f"(scenarios: {', '.join(prep.simulator.scenarios)}); budget {settings.budget} "
        f"simulations, population {settings.population_size}",
        file=sys.stderr,
        flush=True,
    )
    names = prep.structures.names()
    deadline = None if settings.time_limit_min is None else started + 60 * settings.time_limit_min
    if settings.only_run is not None:
        return _sample_one_run(settings, prep, progress, deadline)
    with dask_client(settings.workers, settings.scheduler) as client:
        out.mkdir(parents=True, exist_ok=True)
        histories = []
        for run in range(1, settings.runs + 1):
            left = None if deadline is None else deadline - time.monotonic()
            print(
                f"run {run} of {settings.runs} (structures: {', '.join(names)})",
                file=sys.stderr,
                flush=True,
            )
            histories.append(
                _abc_run(
                    prep,
                    settings,
                    len(names),
                    out,
                    run,
                    client,
                    progress,
                    max_walltime_s=None if left is None else left / (settings.runs - run + 1),
                    sample=not settings.report_only,
                )
            )
        abc_seconds = time.monotonic() - started
        if settings.report_only:  # the sampling happened earlier: its wall time is stored
            from sim.calibrate.sampling import sampling_seconds

            abc_seconds = sampling_seconds(histories)
        print(
            f"posterior predictive and selection/exposure runs ({settings.posterior_draws} "
            f"draws per structure × {len(prep.simulator.scenarios) + 3} runs × "
            f"{settings.replicates} replicate(s))",
            file=sys.stderr,
            flush=True,
        )
        pooled = pool_runs(histories, prep)
        draws = _posterior_draws(pooled, prep, settings, client)
        points = _points(pooled, prep, settings, client)
    from sim.calibrate.outputs import write_outputs

    report = write_outputs(
        out,
        histories,
        pooled,
        draws,
        prep,
        settings,
        points=points,
        timing={
            "abc_seconds": abc_seconds,
            "total_seconds": time.monotonic()
            - started
            + (abc_seconds if settings.report_only else 0.0),
        },
    )
    print(
        f"calibration done in {(time.monotonic() - started) / 60:.1f} min: {report}",
        file=sys.stderr,
        flush=True,
    )
    return report


def _sample_one_run(
    settings: CalibrationSettings,
    prep: Prepared,
    progress: Callable[[Generation], None],
    deadline: float | None,
) -> Path:
    """``--run K``: sample (or resume) independent run K only and store it in its database,
    so the runs can go side by side in separate processes; ``--report-only`` then writes the
    results. With one local worker the run goes in this process, seeded (reproducible)."""
    import contextlib

    from sim.calibrate.sampling import dask_client

    run = int(settings.only_run or 0)
    if not 1 <= run <= settings.runs:
        raise CalibrationError(f"--run {run}: allowed 1 to --runs ({settings.runs})")
    if settings.report_only:
        raise CalibrationError("--run samples one run and --report-only samples none; use one")
    out = Path(settings.out)
    out.mkdir(parents=True, exist_ok=True)
    in_process = settings.workers == 1 and not settings.scheduler
    names = prep.structures.names()
    with (
        contextlib.nullcontext(None)
        if in_process
        else dask_client(settings.workers, settings.scheduler)
    ) as client:
        print(f"run {run} of {settings.runs} (structures: {', '.join(names)})", file=sys.stderr)
        history = _abc_run(
            prep,
            settings,
            len(names),
            out,
            run,
            client,
            progress,
            max_walltime_s=None if deadline is None else deadline - time.monotonic(),
        )
    print(
        f"run {run} stored ({history.max_t + 1} generations, {history.total_nr_simulations} "
        f"simulations); when every run is stored, write the results with --report-only",
        file=sys.stderr,
        flush=True,
    )
    return out / run_db_name(run)


def _abc_run(
    prep: Prepared,
    settings: CalibrationSettings,
    n_structures: int,
    out: Path,
    run: int,
    client: Any,
    progress: Callable[[Generation], None] | None,
    *,
    max_walltime_s: float | None,
    sample: bool = True,
) -> Any:
    """Independent ABC-SMC run ``run`` of the calibration, stored in its own database."""
    from sim.calibrate.sampling import run_abc_smc
    from sim.calibrate.staged import StagedModel

    distance = IntervalDistance(prep.targets)
    return run_abc_smc(
        [
            StagedModel(m, distance, name)
            for m, name in zip(prep.models(), prep.structures.names(), strict=True)
        ],
        [prep.priors.distribution()] * n_structures,
        distance,
        observed_data(prep.targets),
        out / run_db_name(run),
        population_size=settings.population_size,
        budget=settings.budget,
        client=client,
        meta={**prep.meta, "run": str(run)},
        max_generations=settings.max_generations,
        progress=progress,
        max_walltime_s=max_walltime_s,
        stopping=settings.stopping,
        epsilon_quantile=settings.epsilon_quantile,
        seed=1000 * settings.seed + run,
        sample=sample,
    )


def run_db_name(run: int) -> str:
    """The pyabc database of independent run ``run`` (1, 2, …) in the output folder."""
    return f"abc-run{run}.db"


@dataclass
class Pooled:
    """The runs' posteriors: per structure the particles of every run (weights: within the
    structure, each run counting equally) and the mean posterior structure probability."""

    posteriors: dict[str, pd.DataFrame]
    probabilities: dict[str, float]
    per_run: list[dict[str, Any]]  # per run: {"probabilities": {...}, "posteriors": {...}}

    def best(self) -> str:
        return max(self.probabilities, key=lambda k: self.probabilities[k])


def pool_runs(histories: list[Any], prep: Prepared) -> Pooled:
    """Combine independent runs per structure (see :class:`Pooled`)."""
    from sim.calibrate.posterior import posterior_table

    names = prep.structures.names()
    per_run = []
    for h in histories:
        probs = h.get_model_probabilities(t=h.max_t)["p"]
        per_run.append(
            {
                "probabilities": {n: float(probs.get(m, 0.0)) for m, n in enumerate(names)},
                "posteriors": {n: posterior_table(h, prep.priors, m) for m, n in enumerate(names)},
            }
        )
    posteriors, probabilities = {}, {}
    for n in names:
        parts = [r["posteriors"][n].assign(run=i + 1) for i, r in enumerate(per_run)]
        parts = [p for p in parts if len(p)]
        if parts:
            df = pd.concat(parts, ignore_index=True)
            df["weight"] = df["weight"] / len(parts)
            posteriors[n] = df
        probabilities[n] = float(np.mean([r["probabilities"][n] for r in per_run]))
    return Pooled(posteriors, probabilities, per_run)


def _posterior_draws(
    pooled: Pooled, prep: Prepared, settings: CalibrationSettings, client: Any
) -> dict[str, list[dict[str, Any]]]:
    """Per structure with posterior particles: ``posterior_draws`` draws by weight, each run
    (observables + counterfactuals, common random numbers) with a seed from ``--seed``."""
    from sim.calibrate.decompose import draw_task

    rng = np.random.default_rng(settings.seed)
    names = prep.priors.names()
    jobs = []
    for structure, post in pooled.posteriors.items():
        sim = prep.simulator.with_extra(prep.structures.structure[structure].overrides)
        pick = rng.choice(
            len(post), size=settings.posterior_draws, replace=True, p=post["weight"].to_numpy()
        )
        seeds = rng.integers(0, 2**31 - 1, size=settings.posterior_draws)
        for i, seed in zip(pick, seeds, strict=True):
            jobs.append((structure, int(i), sim, {n: float(post.loc[i, n]) for n in names}, seed))
    futures = client.map(
        draw_task,
        [j[2] for j in jobs],
        [j[3] for j in jobs],
        [int(j[4]) for j in jobs],
        pure=False,
    )
    results = client.gather(futures)
    out: dict[str, list[dict[str, Any]]] = {}
    for (structure, i, *_), d in zip(jobs, results, strict=True):
        d["particle"] = i
        d["structure"] = structure
        out.setdefault(structure, []).append(d)
    return out


def _points(
    pooled: Pooled, prep: Prepared, settings: CalibrationSettings, client: Any
) -> dict[str, Any]:
    """Every ``--point`` rule's point of the most probable structure, each run with the same
    ten check seeds and the same validation seeds (:func:`sim.calibrate.point.choose_points`)."""
    from sim.calibrate.point import choose_points

    best = pooled.best()
    sim = prep.simulator.with_extra(prep.structures.structure[best].overrides)

    def evaluate(params: list[dict[str, float]], seeds: list[int]) -> list[dict[str, float]]:
        return client.gather(client.map(sim.observe_mean, params, seeds, pure=False))

    return choose_points(
        pooled.posteriors[best],
        prep.priors,
        prep.targets,
        evaluate,
        settings.seed,
        validation=settings.validation_seeds,
    )


def install(out: Path, dest_dir: Path | None = None, force: bool = False) -> list[Path]:
    """Copy a calibration's scenario and posterior file into scenarios/ (shipped result).

    Refused (nothing written) when the joint posterior-predictive check of the installed
    structure falls below :data:`~sim.calibrate.joint.INSTALL_THRESHOLD`, unless ``force``.
    """
    from sim import shipped
    from sim.calibrate.joint import refusal

    SCENARIO_DIR = shipped.SCENARIO_DIR  # noqa: N806 - read here so tests can redirect it
    if dest_dir is None and shipped.DATA_ROOT.name == "_data":
        raise CalibrationError(
            "--install writes into the scenarios/ folder of a buurtsim checkout, but this "
            "buurtsim is an installed package; copy the files from "
            f"{out / 'results'} yourself"
        )
    SCENARIO_DIR = dest_dir or SCENARIO_DIR  # noqa: N806

    res = out / "results"
    meta_file = res / "calibration.json"
    if not meta_file.exists():
        raise CalibrationError(f"{out}: no finished calibration (results/calibration.json)")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    check = meta.get("joint_check", {}).get(meta.get("installed_structure", ""), None)
    if check is None:
        reason = (
            "the calibration has no joint posterior-predictive check (made by an older version)"
        )
    else:
        reason = refusal(check)
    if reason and not force:
        raise CalibrationError(
            f"{out}: not installed: {reason}. Nothing was installed; use --force to install anyway"
        )
    if reason:
        print(f"warning: installing although {reason}", file=sys.stderr)
    dest_toml = SCENARIO_DIR / "calibrated.toml"
    text = (res / "calibrated_scenarios" / "calibrated.toml").read_text(encoding="utf-8")
    base = resolve_scenario_path(meta["primary_file"])
    rel_new = os.path.relpath(base.resolve(), Path(SCENARIO_DIR).resolve())
    text = re.sub(r'(?m)^extends = ".*"$', f'extends = "{rel_new}"', text, count=1)
    if reason:  # the file itself says that it was forced, and why
        forced = f"# Installed with --force although {reason}.\n"
        text = re.sub(r"(?m)^extends = ", lambda m: forced + m.group(0), text, count=1)
    tmp = dest_toml.with_suffix(".toml.partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(dest_toml)
    dest_post = SCENARIO_DIR / "calibrated_posterior.parquet"
    shutil.copyfile(res / "posterior_overrides.parquet", dest_post.with_suffix(".partial"))
    dest_post.with_suffix(".partial").replace(dest_post)
    return [dest_toml, dest_post]
