"""``buurtsim sensitivity RESULTS``: Sobol' or Morris indices of a finished sweep."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sensitivity",
        help="Sobol' or Morris sensitivity indices of a finished sweep",
        description="Compute Sobol' (first and total order, with 95 % intervals) or Morris "
        "indices for each outcome of a sweep with a sobol or morris design. "
        "Replications are averaged per design point first. Writes a table, a bar "
        "chart and a Markdown report into RESULTS/sensitivity-<method>/.",
    )
    p.add_argument("results", help="results folder of 'buurtsim sweep'")
    p.add_argument(
        "--outcome",
        action="append",
        metavar="NAME",
        help="outcome to analyse (repeat, or separate with commas; default: all stored outcomes)",
    )
    p.add_argument(
        "--method",
        choices=("sobol", "morris"),
        default=None,
        help="default: the design's own method",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.experiments.sensitivity import sensitivity

    table, folder = sensitivity(args.results, args.outcome, args.method)
    key = "ST" if "ST" in table else "mu_star"
    for outcome, part in table.groupby("outcome", sort=False):
        top = part.sort_values(key, ascending=False).iloc[0]
        note = f" ({top['note']})" if top["note"] else ""
        print(f"{outcome}: most influential {top['factor']} ({key} = {top[key]:.2f}){note}")
    print(f"table, chart and report → {folder}")
    return 0
