"""``buurtsim sweep EXPERIMENT``: run an experiment file into a Parquet results folder.

Runs go to a local Dask cluster (``--workers N``, default: one per core), to an existing Dask
cluster (``--scheduler ADDRESS``), or run in this process (``--workers 0``). Running the same
command again computes only the runs that are missing. ``--posterior FILE`` runs replication r
of every design point at the posterior particle drawn for r (parameter uncertainty).
"""

from __future__ import annotations

import argparse
import sys

from sim.commands.run import whole_number


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sweep",
        help="run an experiment file (many scenarios × seeds) into a results folder",
        description="Run every design point × replication of an experiment file and store the "
        "results as Parquet. Stopped sweeps resume: the same command computes only "
        "what is missing.",
    )
    p.add_argument(
        "experiment", help="experiment file (TOML), or the name of one in scenarios/experiments/"
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=whole_number(0, 1024),
        default=None,
        metavar="N",
        help="worker processes of a local Dask cluster (default: one per core; "
        "0 = run in this process, no Dask)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="results folder (default: results/<experiment name>)",
    )
    p.add_argument(
        "--limit",
        type=whole_number(1),
        default=None,
        metavar="N",
        help="run only the first N runs of the design (to try a file); the same "
        "command without --limit completes the rest",
    )
    p.add_argument(
        "--posterior",
        metavar="FILE",
        default=None,
        help="posterior-sample file (Parquet, e.g. scenarios/calibrated_posterior."
        "parquet): replication r runs at the particle drawn for r; replaces "
        "the experiment file's 'posterior'",
    )
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="run even if the base scenario is over the size budget (residents × days)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.budget import check_size
    from sim.experiments.execute import run_sweep
    from sim.experiments.spec import load_experiment
    from sim.outdir import check_out, safe_name

    exp = load_experiment(args.experiment, posterior=args.posterior)
    if args.workers != 0 and not args.scheduler:
        from sim.workers import preload

        preload()  # the workers' imports go on beside this process's own
    check_size(exp.base, str(exp.path), allow_large=args.allow_large)
    out = Path(args.out) if args.out else Path("results") / safe_name(exp.spec.name)
    if args.out is not None or out.parent.is_dir():
        check_out(out, "sweep")
    try:
        report = run_sweep(
            exp,
            out,
            workers=args.workers,
            scheduler=args.scheduler,
            limit=args.limit,
            progress=not args.quiet,
        )
    except OSError as e:
        from sim.outdir import write_error

        raise write_error(out, e) from None
    except KeyboardInterrupt:
        print(
            f"\nstopped; every finished run is stored in {out}. Run the same command again "
            f"to compute the rest.",
            file=sys.stderr,
        )
        raise
    done = report.already + report.stored
    print(
        f"{exp.spec.name}: {report.stored} runs computed, {report.already} already stored; "
        f"{done} of {report.total} done in {report.seconds:.1f} s → {out}"
    )
    for point, rep, error in report.failed[:5]:
        print(f"  run failed: point {point}, replication {rep}: {error}", file=sys.stderr)
    if report.failed:
        print(
            f"{len(report.failed)} runs failed and were not stored; run the same command "
            f"again to retry them",
            file=sys.stderr,
        )
        return 1
    if not report.complete:
        print("run the same command without --limit to complete the sweep")
    return 0
