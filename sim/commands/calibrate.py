"""``buurtsim calibrate``: ABC-SMC against the field targets, with a report.

Examples::

    buurtsim calibrate --budget 1000 --workers 2 --out calibration-run
    buurtsim calibrate --field-data survey.csv --scheduler tcp://10.0.0.5:8786 --out run2

Started again with the same --out folder, a stopped calibration resumes from its database
(``OUT/abc.db``) after the last finished generation.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.commands.run import whole_number

POINT_RULES = ("predictive", "medoid", "median")
"""``--point``'s choices, the default first: :data:`sim.calibrate.point.POINT_RULES` (not
imported here, so the command line starts without pandas)."""

VALIDATION_SEEDS = 100
"""``--validation-seeds``' default: :data:`sim.calibrate.reliability.VALIDATION_SEEDS`."""


def _float_in(low: float, high: float):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be in [{low:g}, {high:g}], got {text}")
        return value

    return parse


def register(sub) -> None:
    # the shipped defaults, without importing the calibration code (keeps every command fast)
    from sim.shipped import CALIBRATION_DIR

    DEFAULT_PRIORS = CALIBRATION_DIR / "priors.toml"  # noqa: N806
    DEFAULT_STRUCTURES = CALIBRATION_DIR / "structures.toml"  # noqa: N806
    DEFAULT_TARGETS = CALIBRATION_DIR / "targets.toml"  # noqa: N806

    p = sub.add_parser(
        "calibrate",
        help="calibrate free parameters against the field targets (ABC-SMC)",
        description="Calibrate the free parameters (priors file) against the field targets "
        "with ABC-SMC (pyabc) on a Dask cluster; write posterior samples, a calibrated "
        "scenario, a posterior-sample file for sweep/app, and a report with the "
        "selection-versus-exposure decomposition. Resumes from OUT/abc.db.",
    )
    p.add_argument(
        "--targets",
        type=Path,
        default=DEFAULT_TARGETS,
        help="targets TOML (default: calibration/targets.toml)",
    )
    p.add_argument(
        "--priors",
        type=Path,
        default=DEFAULT_PRIORS,
        help="priors TOML (default: calibration/priors.toml)",
    )
    p.add_argument(
        "--field-data",
        type=Path,
        metavar="FILE.csv",
        help="survey microdata (schema: calibration/field_data.md); replaces the "
        "survey targets it covers",
    )
    p.add_argument(
        "--budget",
        type=whole_number(20),
        default=1000,
        metavar="N",
        help="maximum number of ABC simulations (parameter sets), default 1000",
    )
    p.add_argument(
        "--population",
        type=whole_number(10),
        default=100,
        metavar="N",
        help="particles per generation (default 100)",
    )
    p.add_argument(
        "--draws",
        type=whole_number(5),
        default=60,
        metavar="N",
        help="posterior draws for predictive checks and the selection/exposure runs (default 60)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=whole_number(1),
        default=None,
        metavar="N",
        help="local Dask worker processes (default 2)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://host:8786",
    )
    p.add_argument(
        "--time-limit",
        type=whole_number(1),
        metavar="MIN",
        help="stop starting new ABC generations after MIN minutes (the last "
        "finished generation is the posterior)",
    )
    p.add_argument(
        "--seed",
        type=whole_number(0),
        default=1,
        help="seed of the posterior draws (ABC sampling itself is not seeded)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("calibration-run"),
        help="output folder (default: calibration-run)",
    )
    p.add_argument(
        "--structures",
        type=Path,
        default=DEFAULT_STRUCTURES,
        help="model structures TOML compared by model selection "
        "(default: calibration/structures.toml)",
    )
    p.add_argument(
        "--structure",
        action="append",
        default=[],
        metavar="NAME",
        help="calibrate only this structure of the structures file (repeatable; "
        "one structure = no model comparison)",
    )
    p.add_argument(
        "--runs",
        type=whole_number(1),
        default=2,
        metavar="N",
        help="independent calibrations with different seeds, compared in the report (default 2)",
    )
    p.add_argument(
        "--replicates",
        type=whole_number(1),
        default=1,
        metavar="N",
        help="seeds per parameter set; the distance compares the replicates' mean with the "
        "targets (default 1)",
    )
    p.add_argument(
        "--plateau",
        type=_float_in(0.0, 100.0),
        default=5.0,
        metavar="PCT",
        help="stop when ε falls less than PCT %% per generation over --plateau-generations "
        "generations (default 5)",
    )
    p.add_argument(
        "--plateau-generations",
        type=whole_number(1),
        default=2,
        metavar="K",
        help="generations the ε plateau must last (default 2)",
    )
    p.add_argument(
        "--min-acceptance",
        type=_float_in(0.0, 1.0),
        default=0.02,
        metavar="RATE",
        help="stop when the acceptance rate falls below RATE (default 0.02)",
    )
    p.add_argument(
        "--epsilon-quantile",
        type=_float_in(0.05, 0.95),
        default=0.3,
        metavar="Q",
        help="each generation's ε is the Q-quantile of the previous generation's distances: "
        "lower is fewer, steeper generations (default 0.3)",
    )
    p.add_argument(
        "--min-ess",
        type=_float_in(1.0, 1e9),
        default=100.0,
        metavar="N",
        help="least final effective sample size of a converged run (default 100)",
    )
    p.add_argument(
        "--refresh-generations",
        type=whole_number(0),
        default=2,
        metavar="R",
        help="a run that stops with an ESS below --min-ess draws its population anew at the "
        "same ε, up to R times, until it reaches it (default 2)",
    )
    p.add_argument(
        "--run",
        type=whole_number(1),
        metavar="K",
        help="sample only independent run K (of --runs) and store it in OUT, without the "
        "results; start one process per run to let them go side by side (with --workers 1 "
        "each run goes in its own process, seeded), then write the results with --report-only",
    )
    p.add_argument(
        "--report-only",
        action="store_true",
        help="sample no further: write the results and report from the generations stored "
        "in OUT (e.g. after a run was stopped at its time limit)",
    )
    p.add_argument(
        "--point",
        choices=POINT_RULES,
        default=POINT_RULES[0],
        help="which point of the installed structure's posterior calibrated.toml holds: "
        "the particle meeting the H targets most often over screening seeds (predictive, "
        "default), the weighted medoid particle, or each parameter's posterior median; the "
        "report checks all three with the same ten seeds",
    )
    p.add_argument(
        "--validation-seeds",
        type=whole_number(0),
        default=VALIDATION_SEEDS,
        metavar="N",
        help="after the ten-seed check, run every --point rule's point with N further seeds "
        "and report how reliably it meets each target (default "
        f"{VALIDATION_SEEDS}; 0: no validation)",
    )
    p.add_argument(
        "--install",
        action="store_true",
        help="also write scenarios/calibrated.toml and scenarios/calibrated_posterior.parquet "
        "(refused if the joint posterior-predictive check fails)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="with --install: install even if the joint posterior-predictive check fails",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.calibrate.pipeline import CalibrationSettings, calibrate, install
    from sim.calibrate.sampling import CalibrationError, StoppingRule

    if args.budget < 2 * args.population:
        raise CalibrationError(
            f"--budget {args.budget} is too small for --population "
            f"{args.population}; allowed: ≥ {2 * args.population}"
        )
    settings = CalibrationSettings(
        out=args.out,
        targets=args.targets,
        priors=args.priors,
        field_data=args.field_data,
        budget=args.budget,
        population_size=args.population,
        workers=args.workers or 2,
        scheduler=args.scheduler,
        posterior_draws=args.draws,
        seed=args.seed,
        time_limit_min=args.time_limit,
        structures=args.structures,
        structure_names=list(args.structure),
        runs=args.runs,
        replicates=args.replicates,
        stopping=StoppingRule(
            plateau_pct=args.plateau,
            plateau_generations=args.plateau_generations,
            min_acceptance=args.min_acceptance,
            min_ess=args.min_ess,
            refresh_generations=args.refresh_generations,
        ),
        install=args.install,
        force=args.force,
        report_only=args.report_only,
        only_run=args.run,
        point=args.point,
        validation_seeds=args.validation_seeds,
        epsilon_quantile=args.epsilon_quantile,
    )
    if args.force and not args.install:
        raise CalibrationError("--force only makes sense with --install")
    if args.run is not None and (args.install or args.report_only):
        raise CalibrationError(
            "--run K samples one run and writes no results; --install and --report-only "
            "come afterwards, without --run"
        )
    if not args.scheduler and not (args.run is not None and settings.workers == 1):
        from sim.workers import CALIBRATION_MODULES, preload

        preload(CALIBRATION_MODULES)  # the workers' imports go on beside this process's own
    try:
        report = calibrate(settings)
    except OSError as e:
        from sim.outdir import write_error

        raise write_error(args.out, e) from None
    print(report)
    if args.install:
        for path in install(args.out, force=args.force):
            print(path)
    return 0
