"""The one-at-a-time table of success factors in ``docs/success-factors.md``.

Runs ``scenarios/experiments/success_factors_on_off.toml`` (every factor switched on alone
against all factors off, paired seeds) with the sweep machinery, computes each effect with
its 95 % interval across replications (:func:`sim.experiments.compare.effects`) and writes a
Markdown table: per factor and outcome the effect, its interval and direction, the direction
the literature claims (FIELD.md, "Success factors") and, where the model differs, why.

``buurtsim factors-table`` regenerates the page; ``tests/docs/test_success_factors.py`` checks
that the page belongs to the current inputs and that its claimed directions hold.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from sim.experiments.analysis import read_sweep
from sim.experiments.compare import effects
from sim.experiments.execute import run_sweep
from sim.experiments.spec import LoadedExperiment, load_experiment
from sim.scenario import SCENARIO_DIR

EXPERIMENT = SCENARIO_DIR / "experiments" / "success_factors_on_off.toml"
PAGE = Path(__file__).resolve().parents[2] / "docs" / "success-factors.md"
TABLE = PAGE.with_suffix(".csv")  # the effects behind the page

#: Outcomes of the table, with their column titles.
OUTCOMES = {
    "unsafe_members": "members unsafe",
    "unsafe_nonmembers": "non-members unsafe",
    "reports_per_group_month": "reports / group / month",
    "reported_share": "share of crimes reported",
    "arrests_per_year": "arrests / year",
    "crimes_per_1000": "crimes / 1,000 households",
    "participation": "participation",
}

#: Directions the sources claim (FIELD.md "Success factors"), +1 up, −1 down, per outcome.
LITERATURE: dict[str, tuple[dict[str, int], str]] = {
    "active_admin": ({"unsafe_members": -1}, "Zoutendijk (moderation, online–offline link)"),
    "clear_purpose": ({"reports_per_group_month": 1}, "Zoutendijk (members know whom to call)"),
    "police_feedback": (
        {"unsafe_members": -1, "reports_per_group_month": 1},
        "Vollaard; Mehlbaum & Van Steden; Pridmore et al. 2019",
    ),
    "linked_professional": ({"unsafe_members": -1}, "Alerte burgers; M4"),
    "group_rules": ({"participation": 1}, "Akkermans & Vollaard (chatter makes members leave)"),
    "social_channel": ({"unsafe_members": -1}, "Zoutendijk; Van Steden & Mehlbaum 2022"),
    "saar_training": ({"reports_per_group_month": 1}, "WABP rules (Alarmeer first)"),
    "local_problem": ({"participation": 1}, "Zoutendijk; press on Tilburg"),
    "recruitment": ({"participation": 1}, "Akkermans & Vollaard"),
    "signs": ({"crimes_per_1000": -1}, "Akkermans & Vollaard"),
    "municipal_coordination": (
        {"crimes_per_1000": -1, "participation": 1},
        "Akkermans & Vollaard",
    ),
    "size_cap": ({}, "police guidance (Ede): manageability, no claim on these outcomes"),
    "layered": ({}, "police guidance (Ede): fewer messages, no claim on these outcomes"),
    "keep_alive": ({}, "WABP Belgium: attention in quiet spells, no claim on these outcomes"),
    "recognition_training": ({"arrests_per_year": 1}, "police guidance (Ede)"),
    "vigilantism_guard": (
        {},
        "Lub; Mols & Pridmore 2019: fewer stigmatising posts and confrontations (not shown)",
    ),
}

#: Why the model's direction differs from the literature's or shows no significant effect
#: where the literature claims one; and notes on effects the literature does not claim.
EXPLANATIONS: dict[str, str] = {
    "police_feedback": "Members feel safer as claimed. Reports: feedback raises the "
    "willingness of the members who read it, but most calls come from witnesses' own "
    "willingness, so the rise is small against the noise of these runs.",
    "group_rules": "Members stay (as claimed) but feel less safe: an alarm-only group is "
    "read more attentively and, without a social channel, loses its social contact (ODD §6).",
    "signs": "Crime can only fall on covered streets, and part of what is deterred moves to "
    "uncovered streets; that cut is small against the noise of crime counts in 8 × 270 days "
    "of a 60-street neighbourhood.",
    "municipal_coordination": "Participation rises as claimed. Crime: coordination only "
    "stops displacement to uncovered streets, a small effect against the noise of crime "
    "counts here.",
    "layered": "Members read only the relayed share of alerts: less exposure, less worry.",
    "recognition_training": "An arrest needs a 112 call about a crime in progress; a few "
    "arrests a year are too few to show the better descriptions. Members feel safer "
    "because fewer false alarms are posted.",
    "keep_alive": "It only changes attention after quiet spells of the alarm function; "
    "no rule ties it to reporting directly.",
}


def direction(low: float, high: float) -> int:
    """+1 if the interval lies above zero, −1 below, 0 if it includes zero."""
    return 1 if low > 0 else -1 if high < 0 else 0


def verdict(factor: str, table: pd.DataFrame) -> str:
    """'agrees', 'differs' or 'not significant' (some claimed effect's interval includes 0);
    '—' when the literature claims nothing on these outcomes."""
    claims = LITERATURE[factor][0]
    if not claims:
        return "—"
    found = []
    for outcome, sign in claims.items():
        row = table[(table["factor"] == factor) & (table["outcome"] == outcome)].iloc[0]
        found.append(direction(row.ci_low, row.ci_high) * sign)
    if any(f < 0 for f in found):
        return "differs"
    return "agrees" if all(f > 0 for f in found) else "not significant"


def render(table: pd.DataFrame, exp: LoadedExperiment) -> str:
    """The Markdown page for an effects table of the on/off experiment."""
    arrow = {1: "↑", -1: "↓", 0: "·"}
    lines = [
        "# Success factors one at a time",
        "",
        "<!-- generated by `uv run buurtsim factors-table`; do not edit by hand -->",
        "",
        f"Each success factor switched on alone against the same neighbourhood with every "
        f"factor off (`{EXPERIMENT.relative_to(SCENARIO_DIR.parent)}`), "
        f"{exp.spec.replications} paired replications (replication r uses seed "
        f"{exp.spec.seed} + r in both arms), {exp.base.days - exp.base.burn_in_days} measured "
        f"days after a burn-in of {exp.base.burn_in_days}. Each cell is the mean paired "
        "effect (on − off) with its 95 % interval across replications; ↑/↓ mark intervals "
        "that exclude zero, · one that includes it. *Literature* gives the directions the "
        "sources of FIELD.md claim; *model* says whether the model's significant directions "
        "agree; where they differ, *why* explains.",
        "",
        f"Inputs: `{exp.content_hash()}` (experiment and base scenario; "
        "`tests/docs/test_success_factors.py` fails when they change and the page was not "
        "regenerated).",
        "",
        "| factor | " + " | ".join(OUTCOMES.values()) + " | literature | model | why |",
        "| --- | " + " | ".join("---" for _ in OUTCOMES) + " | --- | --- | --- |",
    ]
    for factor in exp.spec.factors:
        name = factor.name
        cells = []
        for outcome in OUTCOMES:
            r = table[(table["factor"] == name) & (table["outcome"] == outcome)].iloc[0]
            scale = 100 if outcome in ("unsafe_members", "unsafe_nonmembers") else 1
            scale = 100 if outcome in ("reported_share", "participation") else scale
            unit = " pt" if scale == 100 else ""
            cells.append(
                f"{arrow[direction(r.ci_low, r.ci_high)]} {scale * r.effect:+.2f}{unit} "
                f"[{scale * r.ci_low:+.2f}, {scale * r.ci_high:+.2f}]"
            )
        claims, source = LITERATURE[name]
        claimed = ", ".join(f"{OUTCOMES[o]} {arrow[s]}" for o, s in claims.items())
        claimed = f"{claimed} ({source})" if claimed else source
        verdict_ = verdict(name, table)
        why = EXPLANATIONS.get(name, "")
        if verdict_ in ("differs", "not significant") and not why:
            raise ValueError(f"{name}: {verdict_} and EXPLANATIONS has no why")
        lines.append(f"| `{name}` | " + " | ".join(cells) + f" | {claimed} | {verdict_} | {why} |")
    lines += [
        "",
        "Shares (members and non-members feeling unsafe, share of crimes reported, "
        "participation) are in percentage points (pt). Intervals are across replications "
        "with common random numbers, so they show Monte Carlo uncertainty, not parameter "
        "uncertainty; with this many intervals at 95 %, a few exclude zero by chance. The "
        f"effects themselves are in `{TABLE.name}` next to this page.",
        "",
    ]
    return "\n".join(lines)


def generate(
    experiment: Path = EXPERIMENT, page: Path = PAGE, workers: int = 0
) -> tuple[pd.DataFrame, Path]:
    """Run the experiment into a temporary folder, store the effects next to the page and
    write the page; returns the effects table and the page."""
    exp = load_experiment(experiment)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sweep"
        run_sweep(exp, out, workers=workers)
        table = effects(read_sweep(out), list(OUTCOMES))
    table.to_csv(page.with_suffix(".csv"), index=False, float_format="%.6g")
    return table, write_page(experiment, page)


def write_page(experiment: Path = EXPERIMENT, page: Path = PAGE) -> Path:
    """Write the page from the stored effects (after editing the explanations)."""
    page.write_text(render(stored_effects(page), load_experiment(experiment)), encoding="utf-8")
    return page


def stored_effects(page: Path = PAGE) -> pd.DataFrame:
    """The effects table stored next to ``page``."""
    return pd.read_csv(page.with_suffix(".csv"), dtype={"level": str, "reference": str})
