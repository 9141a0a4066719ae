"""Follow the members of a group's first day as a fixed cohort.

The question "do members feel safer a year after their group started than before?" is about
the same people before and after, not about whoever is a member at the end. Groups form on
day 0 (:func:`sim.rules.form_groups`), so the cohort is everyone who is a member after
day-0 formation; their mean worry then is "before", their mean worry after ``days`` days
(whether or not they are still members) is "after".

>>> from sim.scenario import Scenario
>>> before, after = cohort_worry(Scenario(days=30, burn_in_days=0), seed=3, days=30)
>>> 0 < before < 1 and 0 < after < 1
True
"""

from __future__ import annotations

import numpy as np

from sim.engine import Engine
from sim.scenario import Scenario


def cohort_worry(scenario: Scenario, seed: int, days: int = 365) -> tuple[float, float]:
    """Mean worry of the day-0 members when their groups start and ``days`` days later."""
    engine = Engine(scenario, np.random.default_rng(seed))
    cohort = np.flatnonzero(engine.state.member)
    if len(cohort) == 0:
        raise ValueError("the scenario forms no groups with members on day 0")
    before = float(engine.state.worry[cohort].mean())
    engine.run(days)
    return before, float(engine.state.worry[cohort].mean())
