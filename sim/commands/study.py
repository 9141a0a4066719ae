"""``buurtsim study STUDY``: try candidate field studies on simulated neighbourhoods.

Each replication simulates the neighbourhoods (at a posterior particle, by default), the
counterfactual runs that give the model's own answer, and the survey every design would collect
at every sample size; the report says which design, at what size, can answer which question.
Runs go to a local Dask cluster (``--workers N``), an existing one (``--scheduler ADDRESS``) or
this process (``--workers 0``); running the same command again computes only what is missing.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "study",
        help="simulate candidate field studies: power, bias and coverage per design and size",
        description="Run a study file: each replication simulates the neighbourhoods, the "
        "model's counterfactual truth and every design's survey; writes a results folder and a "
        "Markdown report with power curves. A stopped study resumes where it stopped.",
    )
    p.add_argument("study", help="study file (TOML), or the name of one in scenarios/studies/")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of a local Dask cluster (default: one per core; 0 = run in "
        "this process, no Dask)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786",
    )
    p.add_argument(
        "--out", metavar="DIR", default=None, help="results folder (default: results/study-<name>)"
    )
    p.add_argument(
        "--posterior",
        metavar="FILE",
        default=None,
        help="posterior-sample file (Parquet): replication r runs at the particle drawn for r; "
        "'none' for the scenario's own values; default: the study file's 'posterior' (auto: "
        "the scenario's own sample, e.g. scenarios/calibrated_posterior.parquet)",
    )
    p.add_argument(
        "--report",
        metavar="FILE.md",
        default=None,
        help="also write the report here (figures in <stem>_img/ beside it); it is always "
        "written to <out>/report.md",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.errors import UserError
    from sim.study.execute import StudyStore, run_study
    from sim.study.report import write_report
    from sim.study.spec import load_study

    if args.workers is not None and args.workers < 0:
        raise UserError(f"argument --workers: must be 0 (no Dask) or more, got {args.workers}")
    if args.report is not None and not args.report.endswith(".md"):
        raise UserError(
            f"argument --report: must be a Markdown file name ending in .md, got {args.report!r}"
        )
    study = load_study(args.study, posterior=args.posterior)
    from sim.outdir import safe_name

    out = Path(args.out) if args.out else Path("results") / f"study-{safe_name(study.spec.name)}"
    try:
        run = run_study(
            study, out, workers=args.workers, scheduler=args.scheduler, progress=not args.quiet
        )
    except KeyboardInterrupt:
        print(
            f"\nstopped; every finished replication is stored in {out}. Run the same command "
            f"again to compute the rest.",
            file=sys.stderr,
        )
        raise
    for rep, error in run.failed[:5]:
        print(f"  replication {rep} failed: {error}", file=sys.stderr)
    store = StudyStore.load(out)
    timing = {"stored": run.stored, "seconds": run.seconds}
    report = write_report(store, out / "report.md", timing)
    if args.report:
        write_report(store, Path(args.report), timing)
    print(
        f"{study.spec.name}: {run.stored} replications computed, {run.already} already stored; "
        f"{run.already + run.stored} of {run.total} in {run.seconds:.1f} s → {report}"
        + (f" and {args.report}" if args.report else "")
    )
    if run.failed:
        print(
            f"{len(run.failed)} replications failed and were not stored; run the same command "
            f"again to retry them",
            file=sys.stderr,
        )
        return 1
    return 0
