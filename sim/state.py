"""Residents' changing state (structure of arrays) and the groups' running bookkeeping."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.population import Population
from sim.scenario import Scenario


class State:
    """Everything that changes during a run; the :class:`~sim.population.Population` does not.

    Traits start at their personal baselines; ``base`` keeps those baselines (the levels that
    memory returns to). ``factors`` holds the success factors per group, changed by
    interventions.
    """

    def __init__(self, pop: Population, scn: Scenario, rng: np.random.Generator):
        t = pop.traits
        self.pop = pop
        self.day = 0
        self.base = {k: v.copy() for k, v in t.items()}
        self.worry = t["worry"].copy()
        self.willingness = t["report_willingness"].copy()
        self.efficacy = t["efficacy"].copy()
        self.proximity = t["gov_proximity"].copy()
        self.cohesion = t["cohesion"].copy()
        self.vigilance = t["vigilance"].copy()
        self.fatigue = np.zeros(pop.n)
        self.member = np.zeros(pop.n, dtype=bool)
        self.admin = np.zeros(pop.n, dtype=bool)
        self.factors = {k: v.copy() for k, v in pop.factors.items()}
        self.resident_group = pop.group
        covered = self.resident_group >= 0
        self.group_adults = np.bincount(self.resident_group[covered], minlength=pop.n_groups)
        self.degree = np.asarray(pop.adjacency.sum(axis=1)).ravel()
        self.quiet_days = np.zeros(pop.n_groups)
        self.arrest_until = np.full(len(pop.area_names), -1)
        self._moments = {k: (float(v.mean()), float(v.std()) or 1.0) for k, v in t.items()}
        self._feedback: dict[int, list[int]] = defaultdict(list)
        self.new_day()

    # -- bookkeeping -------------------------------------------------------------------
    def new_day(self) -> None:
        """Clear what residents saw, suffered and read today."""
        self.today_victim = np.zeros(self.pop.n, dtype=bool)
        self.today_alarmed = np.zeros(self.pop.n)
        self.today_reassured = np.zeros(self.pop.n)

    def group_members(self) -> np.ndarray:
        """Members per group now."""
        return np.bincount(self.resident_group[self.member], minlength=self.pop.n_groups)

    def zscore(self, trait: str, who: np.ndarray) -> np.ndarray:
        """Current value of ``trait`` for ``who`` in sd units of the initial population."""
        arr = {"worry": self.worry, "efficacy": self.efficacy, "cohesion": self.cohesion}[trait]
        mean, sd = self._moments[trait]
        return (arr[who] - mean) / sd

    def queue_feedback(self, day: int, group: int, arrest: bool) -> None:
        """Feedback on a report reaches ``group`` on ``day``."""
        self._feedback[day].append(group)

    def feedback_due(self, n_groups: int) -> np.ndarray:
        """Feedback messages that arrive in each group today."""
        due = self._feedback.pop(self.day, [])
        return np.bincount(np.asarray(due, dtype=np.int64), minlength=n_groups).astype(float)
