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


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def register(sub) -> None:
    from sim.calibrate.priors import DEFAULT_PRIORS
    from sim.calibrate.targets import DEFAULT_TARGETS

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
        type=_int_at_least(20),
        default=1000,
        metavar="N",
        help="maximum number of ABC simulations (parameter sets), default 1000",
    )
    p.add_argument(
        "--population",
        type=_int_at_least(10),
        default=100,
        metavar="N",
        help="particles per generation (default 100)",
    )
    p.add_argument(
        "--draws",
        type=_int_at_least(5),
        default=60,
        metavar="N",
        help="posterior draws for predictive checks and the selection/exposure runs (default 60)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_int_at_least(1),
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
        type=_int_at_least(1),
        metavar="MIN",
        help="stop starting new ABC generations after MIN minutes (the last "
        "finished generation is the posterior)",
    )
    p.add_argument(
        "--seed",
        type=_int_at_least(0),
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
        "--install",
        action="store_true",
        help="also write scenarios/calibrated.toml and scenarios/calibrated_posterior.parquet",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.calibrate.pipeline import CalibrationSettings, calibrate, install
    from sim.calibrate.sampling import CalibrationError

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
    )
    try:
        report = calibrate(settings)
    except OSError as e:
        from sim.outdir import write_error

        raise write_error(args.out, e) from None
    print(report)
    if args.install:
        for path in install(args.out):
            print(path)
    return 0
