"""``buurtsim factors-table``: regenerate docs/success-factors.md (each success factor on
against all off, paired seeds)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "factors-table",
        help="regenerate the one-at-a-time table of success factors in docs/",
        description="Run every success factor switched on alone against all factors off "
        "(paired seeds) and write the table of effects with 95 % intervals, the "
        "literature's directions and explanations to docs/success-factors.md.",
    )
    p.add_argument("--workers", type=int, default=0, help="parallel workers (0 = serial)")
    p.add_argument(
        "--render-only",
        action="store_true",
        help="rewrite the page from the stored effects (docs/success-factors.csv) without "
        "running anything, e.g. after editing the explanations",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.errors import UserError
    from sim.experiments.factors_table import TABLE, generate, write_page

    if args.workers < 0:
        raise UserError(f"argument --workers: must be 0 or more, got {args.workers}")
    if args.render_only:
        if not TABLE.is_file():
            raise UserError(f"{TABLE}: no stored effects; run 'buurtsim factors-table' first")
        print(f"page → {write_page()}")
        return 0
    table, page = generate(workers=args.workers)
    print(f"{len(table)} effects → {page}")
    return 0
