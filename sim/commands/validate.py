"""``buurtsim validate SCENARIO...``: check scenario files without running them."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser(
        "validate",
        help="check scenario files",
        description="Check one or more scenario files; exit 2 if any is bad.",
    )
    p.add_argument("scenarios", nargs="+", help="scenario TOML files")
    p.set_defaults(handler=handle)


def handle(args) -> int:
    from sim.scenario import ScenarioError, load_scenario

    bad = 0
    for name in args.scenarios:
        try:
            s = load_scenario(name)
        except ScenarioError as e:
            bad += 1
            print(f"error: {e}", file=sys.stderr)
        else:
            print(f"ok: {name} ({s.name}, hash {s.content_hash()[:12]})")
    if bad:
        print(f"{bad} of {len(args.scenarios)} scenario file(s) have errors", file=sys.stderr)
    return 2 if bad else 0
