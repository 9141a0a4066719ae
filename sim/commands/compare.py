"""``buurtsim compare RESULTS``: effect of each factor, with intervals across replications."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "compare",
        help="effect of each factor on the outcomes of a finished sweep",
        description="Effect of each factor on each outcome, paired within replications "
        "(common random numbers), with 95 % intervals across replications. "
        "Writes a table, a plot and a Markdown report into RESULTS/compare/.",
    )
    p.add_argument("results", help="results folder of 'buurtsim sweep'")
    p.add_argument(
        "--outcome",
        action="append",
        metavar="NAME",
        help="outcome to compare (repeat, or separate with commas; default: all stored outcomes)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.experiments.compare import compare

    table, folder = compare(args.results, args.outcome)
    shown = table[(table["ci_low"] > 0) | (table["ci_high"] < 0)]
    with_interval = int(table["ci_low"].notna().sum())
    if with_interval == 0:
        print(
            f"{len(table)} effects, none with a 95 % interval: intervals need at least two "
            f"replications per design point (set replications ≥ 2 in the experiment file)"
        )
    else:
        unknown = len(table) - with_interval
        print(
            f"{len(shown)} of {with_interval} effects with a 95 % interval exclude zero"
            + (f" ({unknown} effects have no interval)" if unknown else "")
        )
    for row in shown.itertuples():
        print(
            f"  {row.outcome}: {row.factor} = {row.level} vs {row.reference}: "
            f"{row.effect:+.4f} [{row.ci_low:+.4f}, {row.ci_high:+.4f}]"
        )
    print(f"table, plot and report → {folder}")
    return 0
