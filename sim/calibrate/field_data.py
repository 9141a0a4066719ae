"""Targets from real survey microdata (``--field-data FILE.csv``).

A researcher who has the Rotterdam survey microdata (or any survey in the shared schema of
``sim.survey.MICRODATA_COLUMNS``) loads it here. The file is checked by
``sim.survey.read_field_data`` (errors name row and column). Every survey target of the
primary calibration scenario that the data can measure — its waves and area are in the file,
and it concerns participants, non-participants or their gap — is then replaced: its value is
computed from the microdata by the same code that measures simulated surveys
(:func:`sim.calibrate.observe.observe_survey`), and its interval becomes the 95 % interval of
that estimate (``sim.survey.indicators`` / ``gaps`` / ``changes``). Direction-only targets
become intervals, since the data now give a size.

Panel data (the optional ``respondent_id`` column repeats a person across waves) load the same
way; the targets' pre/post changes then treat the waves as independent samples, which makes
their intervals conservative (``calibration/field_data.md``); ``sim.survey.paired_changes``
gives the within-person changes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate.observe import observe_survey
from sim.calibrate.targets import Target, Targets
from sim.errors import UserError


def covers(target: Target, microdata: pd.DataFrame, primary: str) -> bool:
    """Whether the field data can measure ``target``."""
    if not target.use or target.observable != "survey" or target.scenario != primary:
        return False
    if target.respondents == "population":  # needs the participation share, not in a survey
        return False
    waves = set(microdata["wave"])
    needed = set(target.change or target.waves)
    if not needed <= waves:
        return False
    return target.area is None or target.area in set(microdata["area"])


def _half_width(target: Target, data: pd.DataFrame) -> float:
    """95 % half-width of the target's estimate on ``data`` (in target units)."""
    from sim.survey import changes, gaps, indicators

    unit = 100.0 if str(target.indicator).startswith("pct_") else 1.0
    if target.change is not None:
        sub = data[data["wave"].isin(target.change)]
        ch = changes(sub, target.change[0], target.change[1])
        if target.respondents == "gap":
            raise UserError(
                f"target {target.id}: a change of the gap cannot be read from "
                f"field data; use respondents = participants or non_participants"
            )
        row = ch[(ch["respondents"] == target.respondents) & (ch["indicator"] == target.indicator)]
        return float((row["ci_high"] - row["ci_low"]).iloc[0]) / 2 / unit if len(row) else math.nan
    halves = []
    for wave in target.waves:
        sub = data[data["wave"] == wave]
        if target.respondents == "gap":
            g = gaps(sub)
            row = g[g["indicator"] == target.indicator]
        else:
            ind = indicators(sub)
            row = ind[
                (ind["respondents"] == target.respondents) & (ind["indicator"] == target.indicator)
            ]
        halves.append(
            float((row["ci_high"] - row["ci_low"]).iloc[0]) / 2 / unit if len(row) else math.nan
        )
    return float(np.sqrt(np.sum(np.square(halves)))) / len(halves)


def apply_field_data(targets: Targets, path: str | Path) -> tuple[Targets, list[str], pd.DataFrame]:
    """Targets with the ones the field data cover replaced; also the replaced ids and data."""
    from sim.survey import read_field_data

    data = read_field_data(path)
    primary = targets.primary
    replaced: list[str] = []
    new_list = []
    for t in targets.target:
        if not covers(t, data, primary):
            new_list.append(t)
            continue
        sub = data if t.area is None else data[data["area"] == t.area]
        value = observe_survey(t, sub)
        half = _half_width(t, sub)
        if not (math.isfinite(value) and math.isfinite(half)):
            raise UserError(
                f"{path}: target {t.id} cannot be computed from the field data "
                f"(too few respondents in a group of waves "
                f"{', '.join(t.change or t.waves)}); each group needs ≥ 2 "
                f"respondents per wave"
            )
        new_list.append(
            t.model_copy(
                update={
                    "interval": (value - half, value + half),
                    "direction": None,
                    "certainty": "H",
                    "source": f"field microdata {Path(path).name} (replaces: {t.source})",
                    "note": f"Observed {value:.4g} with 95 % interval ± {half:.3g}, computed by "
                    f"sim.survey from {Path(path).name}.",
                }
            )
        )
        replaced.append(t.id)
    out = targets.model_copy(update={"target": new_list})
    out.path = targets.path
    return out, replaced, data


def survey_sizes(data: pd.DataFrame) -> dict[str, int]:
    """Mean respondents per wave in each group: the virtual survey should match them."""
    per = data.groupby(["wave", "participant"]).size().groupby(level="participant").mean()
    return {
        "survey.participants": int(round(per.get(True, 0))),
        "survey.non_participants": int(round(per.get(False, 0))),
    }


SYNTHETIC_NOTE = (
    "SYNTHETIC example, not field data: simulated by buurtsim from "
    "scenarios/rotterdam_experiment.toml"
)


def synthetic_field_data(seed: int = 2024, overrides: dict | None = None) -> pd.DataFrame:
    """Survey microdata simulated from the Rotterdam scenario, in the field-data schema.

    Used for the shipped example file ``calibration/examples/SYNTHETIC_field_survey.csv``
    (never real data) and for tests.
    """
    from sim.engine import simulate
    from sim.scenario import load_scenario, resolve_scenario_path
    from sim.survey import MICRODATA_COLUMNS

    scenario = load_scenario(resolve_scenario_path("rotterdam_experiment"), overrides)
    survey = simulate(scenario, seed=seed).survey
    return survey[list(MICRODATA_COLUMNS)].reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.calibrate.field_data OUT.csv [SEED]``: write the synthetic example."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m sim.calibrate.field_data OUT.csv [SEED]", file=sys.stderr)
        return 2
    df = synthetic_field_data(int(args[1]) if len(args) > 1 else 2024)
    out = Path(args[0])
    tmp = out.with_suffix(".partial")
    df.to_csv(tmp, index=False)
    tmp.replace(out)
    print(f"{out}: {len(df)} rows ({SYNTHETIC_NOTE})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
