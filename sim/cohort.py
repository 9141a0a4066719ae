"""Follow the members of a group's start as a fixed cohort, from before to after the start.

The question "do members feel safer a year after their group started than before?" is about
the same people before and after, not about whoever is a member at the end. A group starts on
day 0 (:func:`sim.rules.form_groups`), on its area's ``group_start_day`` or after a burglary
wave (:func:`sim.rules.found_groups`). Its cohort is everyone who is a member of it at the end
of its first day (the founding core and that day's joiners; for a day-0 group, the members
after formation). "Before" is their mean worry at the start of that day, before the group
existed; "after" is their mean worry ``days`` days later, whether or not they are still
members. The residents of the group's streets outside the cohort give the change the
neighbourhood went through meanwhile (the wave fading, the season), for comparison.

>>> from sim.scenario import Scenario
>>> before, after = cohort_worry(Scenario(days=30, burn_in_days=0), seed=3, days=30)
>>> 0 < before < 1 and 0 < after < 1
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.engine import Engine
from sim.scenario import Scenario

#: Columns of :func:`founding_cohorts`.
COHORT_COLUMNS = (
    "group",
    "area",
    "start_day",
    "founded_by",
    "members",
    "worry_before",
    "worry_after",
    "others",
    "others_worry_before",
    "others_worry_after",
)


@dataclass
class _Cohort:
    start_day: int
    founded_by: str
    members: np.ndarray  # the cohort: members at the end of the group's first day
    others: np.ndarray  # the other adults of the group's streets
    before: tuple[float, float]  # mean worry of members and others at the start of that day
    after: tuple[float, float] = (float("nan"), float("nan"))


def _mean(worry: np.ndarray, who: np.ndarray) -> float:
    return float(worry[who].mean()) if len(who) else float("nan")


def founding_cohorts(scenario: Scenario, seed: int, days: int = 365) -> pd.DataFrame:
    """One row per group that starts within the scenario's ``days``: its cohort (members at
    the end of its first day), their mean worry at the start of that day and ``days`` days
    later, and the same for the other adults of its streets (see the module docstring).
    ``founded_by`` is ``"start"`` (day 0), ``"day"`` (``group_start_day``) or ``"wave"``.
    The run goes on until the last cohort has been followed ``days`` days."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    engine = Engine(scenario, np.random.default_rng(seed))
    pop, st = engine.pop, engine.state
    cohorts: dict[int, _Cohort] = {}

    def open_cohorts(groups: np.ndarray, worry_before: np.ndarray, how: str) -> None:
        for g in groups:
            streets = pop.group == g
            members = np.flatnonzero(streets & st.member)
            others = np.flatnonzero(streets & ~st.member)
            before = (_mean(worry_before, members), _mean(worry_before, others))
            cohorts[int(g)] = _Cohort(st.day - (how != "start"), how, members, others, before)

    open_cohorts(np.flatnonzero(st.group_active), st.worry, "start")
    while True:
        for c in cohorts.values():
            if c.start_day + days == st.day:
                c.after = (_mean(st.worry, c.members), _mean(st.worry, c.others))
        following = any(c.start_day + days > st.day for c in cohorts.values())
        if st.day >= scenario.days and not following:
            break
        pending = (st.group_start_day < 0) & (st.group_end_day < 0)
        watching = st.day < scenario.days and pending.any()
        worry_before = st.worry.copy() if watching else st.worry
        on_day = st.planned_start == st.day
        engine.step()
        if watching:
            new = np.flatnonzero(pending & (st.group_start_day >= 0))
            open_cohorts(new[on_day[new]], worry_before, "day")
            open_cohorts(new[~on_day[new]], worry_before, "wave")
    rows = [
        {
            "group": g,
            "area": pop.area_names[pop.group_area[g]],
            "start_day": c.start_day,
            "founded_by": c.founded_by,
            "members": len(c.members),
            "worry_before": c.before[0],
            "worry_after": c.after[0],
            "others": len(c.others),
            "others_worry_before": c.before[1],
            "others_worry_after": c.after[1],
        }
        for g, c in sorted(cohorts.items())
    ]
    return pd.DataFrame(rows, columns=list(COHORT_COLUMNS))


def cohort_worry(scenario: Scenario, seed: int, days: int = 365) -> tuple[float, float]:
    """Mean worry of the members of every group's start (pooled over the groups that start
    within the scenario's days, each member counted once) at the start and ``days`` days
    later; see :func:`founding_cohorts`."""
    table = founding_cohorts(scenario, seed, days)
    table = table[table["members"] > 0]
    if table.empty:
        raise ValueError(f"no group starts with members within the scenario's {scenario.days} days")
    weights = table["members"]
    before = float((table["worry_before"] * weights).sum() / weights.sum())
    after = float((table["worry_after"] * weights).sum() / weights.sum())
    return before, after
