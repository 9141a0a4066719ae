"""The one-at-a-time table of success factors in ``docs/success-factors.md``.

Runs ``scenarios/experiments/success_factors_on_off.toml`` (every factor switched on alone
against all factors off, paired seeds) with the sweep machinery, computes each effect with
its 95 % interval across replications (:func:`sim.experiments.compare.effects`) and writes a
Markdown table: per factor and outcome the effect, its interval and direction, the direction
the literature claims (FIELD.md, "Success factors") and, where the model differs, why.

All effects are differences from the same reference runs (every factor off), so they share
those runs' chance error. :func:`shared_reference` measures it per outcome (stored next to the
page); where the factors' effects move together and their common shift is within that chance
error, the page says so under the table and in the affected rows, instead of reading the
shift as a mechanism.

``buurtsim factors-table`` regenerates the page; ``tests/docs/test_success_factors.py`` checks
that the page belongs to the current inputs and that its claimed directions hold.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiments.analysis import Sweep, read_sweep
from sim.experiments.compare import effects
from sim.experiments.execute import run_sweep
from sim.experiments.spec import LoadedExperiment, load_experiment
from sim.scenario import SCENARIO_DIR

EXPERIMENT = SCENARIO_DIR / "experiments" / "success_factors_on_off.toml"
PAGE = Path(__file__).resolve().parents[2] / "docs" / "success-factors.md"
TABLE = PAGE.with_suffix(".csv")  # the effects behind the page
SHARED = PAGE.with_name(PAGE.stem + "-shared.csv")  # the reference runs' shared chance error

#: An outcome's effects share a shift when their per-replication effects correlate at least
#: this much across factors and at least this share of the factors move it the same way.
SHARED_CORRELATION = 0.5
SHARED_SIGN_SHARE = 0.8
#: ... and the shift counts as the reference runs' chance error when it lies within this many
#: standard errors of the reference runs' mean.
SHARED_WITHIN_SE = 2.5
#: Before that error is measured, outcomes where at least this share of the factors point the
#: same way get a note (:func:`same_way_notes`).
SAME_WAY_SHARE = 0.85
#: Columns of :func:`shared_reference` (``success-factors-shared.csv``).
SHARED_COLUMNS = [
    "outcome",
    "reference_mean",
    "reference_se",
    "mean_effect",
    "same_sign",
    "effect_correlation",
    "pairing_correlation",
    "factors",
    "replications",
]

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


def shared_reference(sweep: Sweep, outcomes: list[str]) -> pd.DataFrame:
    """Per outcome, how much the one-at-a-time effects share the reference runs' chance error.

    Columns: ``reference_mean`` and ``reference_se`` (mean of the reference runs and its
    standard error across replications), ``mean_effect`` (mean effect over the factors),
    ``same_sign`` (share of the factors whose effect has the sign of that mean),
    ``effect_correlation`` (mean correlation across replications of the per-replication
    effects of two different factors), ``pairing_correlation`` (correlation across
    replications between the reference runs and the mean of the other arms: how much common
    random numbers pair the arms), ``factors`` and ``replications``."""
    design = sweep.design.set_index("point").sort_index()
    ref = (design["varied"] == "").to_numpy()
    rows = []
    for outcome in outcomes:
        y = sweep.per_replication(outcome)
        y_ref = y[ref][0]
        per_rep = y[~ref] - y_ref  # factors × replications
        effects = np.nanmean(per_rep, axis=1)
        corr = np.corrcoef(per_rep)
        pairs = corr[np.triu_indices(len(per_rep), k=1)]
        rows.append(
            {
                "outcome": outcome,
                "reference_mean": float(np.nanmean(y_ref)),
                "reference_se": float(np.nanstd(y_ref, ddof=1) / np.sqrt(len(y_ref))),
                "mean_effect": float(effects.mean()),
                "same_sign": float((np.sign(effects) == np.sign(effects.mean())).mean()),
                "effect_correlation": float(np.nanmean(pairs)),
                "pairing_correlation": float(
                    stats.pearsonr(y_ref, np.nanmean(y[~ref], axis=0)).statistic
                ),
                "factors": len(per_rep),
                "replications": len(y_ref),
            }
        )
    return pd.DataFrame(rows, columns=SHARED_COLUMNS)


def shared_shift(row: pd.Series) -> bool:
    """Whether an outcome's effects move together (see :data:`SHARED_CORRELATION`)."""
    return bool(row.effect_correlation >= SHARED_CORRELATION and row.same_sign >= SHARED_SIGN_SHARE)


def _scale(outcome: str) -> tuple[int, str]:
    shares = ("unsafe_members", "unsafe_nonmembers", "reported_share", "participation")
    return (100, " pt") if outcome in shares else (1, "")


def shared_notes(shared: pd.DataFrame) -> list[str]:
    """Paragraphs on the outcomes whose effects share a shift (empty when none does)."""
    lines = []
    for row in shared.itertuples():
        if not shared_shift(row):
            continue
        scale, unit = _scale(row.outcome)
        within = abs(row.mean_effect) <= SHARED_WITHIN_SE * row.reference_se
        way = "lower" if row.mean_effect < 0 else "raise"
        verdict = (
            f"The shift lies within {SHARED_WITHIN_SE:g} standard errors of the reference "
            "runs' mean, so it is their chance error, not a mechanism: a factor with no rule "
            "acting on this outcome shows it as much as the others. Read single ↑/↓ marks of "
            "this column with care; more replications shrink the shift."
            if within
            else f"The shift is larger than {SHARED_WITHIN_SE:g} standard errors of the "
            "reference runs' mean, so chance alone does not explain it: look for a mechanism "
            "the factors share."
        )
        lines += [
            f"**Shared shift in *{OUTCOMES[row.outcome]}*.** {row.same_sign:.0%} of the "
            f"{row.factors} factors {way} it, by {scale * row.mean_effect:+.2f}{unit} on "
            f"average, and their per-replication effects correlate at r = "
            f"{row.effect_correlation:.2f}: every effect is a difference from the same "
            f"{row.replications} reference runs (every factor off), whose mean "
            f"({scale * row.reference_mean:.2f}{unit}) has a standard error of "
            f"{scale * row.reference_se:.2f}{unit}. Common random numbers pair the arms only "
            f"weakly here (r = {row.pairing_correlation:.2f} between the reference runs and "
            "the mean of the other arms across replications): the incidents are the same in "
            "both arms, but a factor changes who is worried, willing and a member, so who "
            "calls and the draws that follow part ways. " + verdict,
            "",
        ]
    return lines


def same_way_notes(table: pd.DataFrame) -> list[str]:
    """Before the reference runs' error has been measured (no ``success-factors-shared.csv``
    yet): name the outcomes in which nearly all factors point the same way."""
    lines = []
    for outcome, part in table.groupby("outcome", sort=False):
        mean = part["effect"].mean()
        same = (np.sign(part["effect"]) == np.sign(mean)).mean()
        if same < SAME_WAY_SHARE or outcome not in OUTCOMES:
            continue
        scale, unit = _scale(outcome)
        way = "lower" if mean < 0 else "raise"
        lines += [
            f"**Nearly all factors the same way in *{OUTCOMES[outcome]}*.** {same:.0%} of "
            f"the {len(part)} factors {way} it ({scale * mean:+.2f}{unit} on average). Every "
            "effect is a difference from the same reference runs, so their chance error "
            "shifts the whole column alike and may be part or all of what the factors share; "
            "`buurtsim factors-table` measures that error and says whether it explains the "
            "shift.",
            "",
        ]
    return lines


def shared_why(factor: str, table: pd.DataFrame, shared: pd.DataFrame) -> str:
    """A note for a row whose significant mark in an outcome without a claim of the
    literature follows a shared shift of that outcome (see :func:`shared_notes`)."""
    notes = []
    claims = LITERATURE[factor][0]
    for row in shared.itertuples():
        if row.outcome in claims or not shared_shift(row):
            continue
        if abs(row.mean_effect) > SHARED_WITHIN_SE * row.reference_se:
            continue
        r = table[(table["factor"] == factor) & (table["outcome"] == row.outcome)].iloc[0]
        if direction(r.ci_low, r.ci_high) == np.sign(row.mean_effect):
            notes.append(
                f"{OUTCOMES[row.outcome].capitalize()}: the shift all factors share (below), "
                "not an effect of this factor."
            )
    return " ".join(notes)


def render(table: pd.DataFrame, exp: LoadedExperiment, shared: pd.DataFrame | None = None) -> str:
    """The Markdown page for an effects table of the on/off experiment (``shared``: the
    reference runs' shared error per outcome, by default the one stored next to the page)."""
    shared = stored_shared() if shared is None else shared
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
            scale, unit = _scale(outcome)
            cells.append(
                f"{arrow[direction(r.ci_low, r.ci_high)]} {scale * r.effect:+.2f}{unit} "
                f"[{scale * r.ci_low:+.2f}, {scale * r.ci_high:+.2f}]"
            )
        claims, source = LITERATURE[name]
        claimed = ", ".join(f"{OUTCOMES[o]} {arrow[s]}" for o, s in claims.items())
        claimed = f"{claimed} ({source})" if claimed else source
        verdict_ = verdict(name, table)
        why = " ".join(
            w for w in (EXPLANATIONS.get(name, ""), shared_why(name, table, shared)) if w
        )
        if verdict_ in ("differs", "not significant") and not EXPLANATIONS.get(name):
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
        *(shared_notes(shared) if len(shared) else same_way_notes(table)),
    ]
    if any(shared_shift(row) for row in shared.itertuples()):
        lines += [
            f"The reference runs' error per outcome is in `{SHARED.name}` (written by the same "
            "command).",
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
        sweep = read_sweep(out)
        table = effects(sweep, list(OUTCOMES))
        shared = shared_reference(sweep, list(OUTCOMES))
    table.to_csv(page.with_suffix(".csv"), index=False, float_format="%.6g")
    shared.to_csv(_shared_path(page), index=False, float_format="%.6g")
    return table, write_page(experiment, page)


def write_page(experiment: Path = EXPERIMENT, page: Path = PAGE) -> Path:
    """Write the page from the stored effects (after editing the explanations)."""
    exp = load_experiment(experiment)
    page.write_text(render(stored_effects(page), exp, stored_shared(page)), encoding="utf-8")
    return page


def stored_effects(page: Path = PAGE) -> pd.DataFrame:
    """The effects table stored next to ``page``."""
    return pd.read_csv(page.with_suffix(".csv"), dtype={"level": str, "reference": str})


def _shared_path(page: Path) -> Path:
    """Where the shared reference error of ``page`` is stored (:data:`SHARED` for the page)."""
    return page.with_name(page.stem + "-shared.csv")


def stored_shared(page: Path = PAGE) -> pd.DataFrame:
    """The reference runs' shared error per outcome stored next to ``page`` (no rows before
    the page is first generated with it: the page then has no notes on shared shifts)."""
    path = _shared_path(page)
    return pd.read_csv(path) if path.exists() else pd.DataFrame(columns=SHARED_COLUMNS)
