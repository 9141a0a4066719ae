"""``buurtsim run SCENARIO``: one run, outputs written atomically, a summary printed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import UserError

#: The longest run the schema allows (``Scenario.days``); flags obey it too.
MAX_DAYS = 36_500


def whole_number(low: int, high: int | None = None):
    """An argparse type: a whole number in [low, high], with a clear message otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            allowed = f"at least {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {value}")
        return value

    return parse


def register(sub) -> None:
    p = sub.add_parser(
        "run",
        help="run one scenario and write its outputs",
        description="Run one scenario headless; write Parquet series, per-group "
        "summaries, survey microdata, metadata.json and a PNG of key series.",
    )
    p.add_argument("scenario", help="scenario TOML file (or the name of a shipped scenario)")
    p.add_argument(
        "--seed", type=whole_number(0, 2**63 - 1), help="random seed (default: the scenario's seed)"
    )
    p.add_argument(
        "--days",
        type=whole_number(1, MAX_DAYS),
        help="days to simulate (default: the scenario's)",
    )
    p.add_argument("--out", type=Path, help="output folder (default: results/<name>-seed<seed>)")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace another kind of buurtsim result at --out (a folder holding anything "
        "else is never replaced)",
    )
    p.add_argument("--no-plot", action="store_true", help="skip the PNG")
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="run even if the scenario is over the size budget (residents × days)",
    )
    add_outputs_arguments(p)
    p.set_defaults(handler=handle)


def outputs_list(text: str):
    """An argparse type: ``groups,incidents,panel`` (any subset) or ``all``."""
    from sim.logs import Extras

    try:
        return Extras.parse(text).names
    except UserError as e:  # the message names the allowed values
        raise argparse.ArgumentTypeError(str(e).removeprefix("--outputs: ")) from None


def add_outputs_arguments(p) -> None:
    """``--outputs`` and the panel's options (see docs/outputs.md)."""
    p.add_argument(
        "--outputs",
        type=outputs_list,
        default=(),
        metavar="LIST",
        help="extra tables: any of groups,incidents,panel (comma-separated) or all",
    )
    p.add_argument(
        "--panel-size",
        type=whole_number(1, 1_000_000),
        help="residents followed in panel.parquet (default 2000; all if fewer)",
    )
    p.add_argument(
        "--panel-every",
        type=whole_number(1, 36_500),
        help="days between panel observations (default 30)",
    )


ROWS = [  # (summary key, label, scale, format)
    ("participation", "residents in an app group", 100, "{:.1f} %"),
    ("members_per_group", "members per group", 1, "{:.0f}"),
    ("unsafe_members", "members feeling unsafe (latent)", 100, "{:.1f} %"),
    ("unsafe_nonmembers", "non-members feeling unsafe (latent)", 100, "{:.1f} %"),
    ("unsafe_gap", "gap members − non-members", 100, "{:+.1f} points"),
    ("victimisation_rate", "victimisations per adult per year", 100, "{:.1f} %"),
    ("crimes_per_1000", "crimes per 1000 households per year", 1, "{:.0f}"),
    ("reported_share", "crimes reported to the police", 100, "{:.0f} %"),
    ("reports_per_group_month", "reports by members per group per month", 1, "{:.2f}"),
    ("alerts_per_group_month", "alerts per group per month", 1, "{:.1f}"),
    ("feedback_per_group_month", "feedback messages per group per month", 1, "{:.1f}"),
    ("arrests_per_year", "arrests per year", 1, "{:.1f}"),
    ("silent_weeks_share", "weeks without alerts (per group)", 100, "{:.0f} %"),
]


def summary_table(summary: dict[str, float]) -> str:
    """The readable summary printed after a run."""
    width = max(len(label) for _, label, _, _ in ROWS)
    lines = []
    for key, label, scale, fmt in ROWS:
        v = summary.get(key, float("nan"))
        text = "—" if v != v else fmt.format(v * scale)
        lines.append(f"  {label:<{width}}  {text}")
    return "\n".join(lines)


def panel_options(args) -> dict[str, int]:
    """The panel options given on the command line; an error without ``--outputs panel``."""
    given = {"panel_size": args.panel_size, "panel_every": args.panel_every}
    panel = {k: v for k, v in given.items() if v is not None}
    if panel and "panel" not in args.outputs:
        flag = "--" + next(iter(panel)).replace("_", "-")
        raise UserError(f"{flag} applies to the panel only: add --outputs panel (or all)")
    return panel


def handle(args) -> int:
    panel = panel_options(args)
    from sim.budget import check_size
    from sim.outdir import check_out, safe_name
    from sim.scenario import ScenarioError, feasibility_problems, load_scenario
    from sim.shipped import resolve
    from sim.tomlfile import join

    path = resolve(args.scenario)
    scenario = load_scenario(path)
    seed = scenario.seed if args.seed is None else args.seed
    days = args.days or scenario.days
    if args.days is not None:
        problems = feasibility_problems(scenario, days)
        late = [w for w in scenario.survey.waves if w.day >= days]
        problems += [
            f"survey wave {w.label!r} on day {w.day} is past the run's last day ({days - 1})"
            for w in late
        ]
        if problems:
            raise ScenarioError(
                join(f"{path} with --days {days}", problems)
                + "\n(raise --days or use a scenario without these)"
            )
    check_size(scenario, str(path), days, allow_large=args.allow_large)
    out = args.out or Path("results") / f"{safe_name(scenario.name)}-seed{seed}"
    if args.out is not None or out.parent.is_dir():
        check_out(out, "run", overwrite=args.overwrite)
    elif out.parent.exists():
        raise UserError(f"{out.parent}: exists and is not a folder; give --out")
    if days <= scenario.burn_in_days:
        print(
            f"note: --days {days} ends within the burn-in ({scenario.burn_in_days} days); "
            "the summary covers all days",
            file=sys.stderr,
        )

    import numpy as np
    from tqdm import tqdm

    from sim.engine import Engine
    from sim.logs import Extras
    from sim.outputs import write_run

    extras = Extras(**{name: True for name in args.outputs}, **panel)
    engine = Engine(scenario, np.random.default_rng(seed), extras)
    print(
        f"{path}: {engine.pop.n} residents, {engine.pop.n_streets} streets, "
        f"{engine.pop.n_groups} groups; {days} days, seed {seed}",
        file=sys.stderr,
    )
    with tqdm(
        total=days, unit="day", file=sys.stderr, disable=None, leave=False, mininterval=0.5
    ) as bar:
        engine.run(days, lambda done, total: bar.update(done - bar.n))
    result = engine.result(seed)
    try:
        out.parent.mkdir(exist_ok=True)  # the default results/
    except OSError as e:
        raise UserError(f"cannot make the folder {out.parent} ({e.strerror}); give --out") from None
    written = write_run(result, out, plot=not args.no_plot, overwrite=args.overwrite)
    measured = (
        f"measured after the burn-in of {scenario.burn_in_days} days"
        if days > scenario.burn_in_days
        else "measured over all days: the run ends within the burn-in"
    )
    print(f"\n{scenario.name} (seed {seed}, {days} days; {measured})")
    print(summary_table(result.summary()))
    if len(result.survey):
        from sim.survey import gaps

        g = gaps(result.survey)
        g = g[g["indicator"] == "pct_unsafe"]
        for row in g.itertuples():
            if row.gap != row.gap:
                print(
                    f"  survey '{row.wave}': no gap (participants: {row.n_participants}, "
                    f"non-participants: {row.n_non_participants})"
                )
                continue
            print(
                f"  survey '{row.wave}': participants − non-participants feeling unsafe "
                f"{row.gap:+.1f} points (95 % CI {row.ci_low:+.1f} to {row.ci_high:+.1f})"
            )
    print(f"\noutputs: {out}/ ({', '.join(written)})")
    return 0
