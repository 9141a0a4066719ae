"""Residents' changing state (structure of arrays) and the groups' running bookkeeping."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.population import Population
from sim.scenario import Scenario

#: Rows of :attr:`State.levels`: the attitudes that drift back to a personal baseline, and
#: the trait each starts from.
LEVELS = (("worry", "worry"), ("willingness", "report_willingness"), ("efficacy", "efficacy"),
          ("proximity", "gov_proximity"), ("cohesion", "cohesion"))


class State:
    """Everything that changes during a run; the :class:`~sim.population.Population` does not.

    Attitudes start at their personal baselines and are rows of one array, ``levels``
    (``worry``, ``willingness``, ``efficacy``, ``proximity`` and ``cohesion`` are views of
    its rows), so that memory and the daily means treat them in one operation; ``baseline``
    holds the levels memory returns to. Membership changes only through :meth:`join` and
    :meth:`leave`, which keep the members per group and each resident's number of member
    ties up to date. ``factors`` holds the success factors per group, changed by
    interventions.
    """

    def __init__(self, pop: Population, scn: Scenario, rng: np.random.Generator):
        t = pop.traits
        self.pop = pop
        self.day = 0
        self.baseline = np.stack([t[trait] for _, trait in LEVELS])
        self.base = {trait: self.baseline[k] for k, (_, trait) in enumerate(LEVELS)}
        self.levels = self.baseline.copy()
        self.scratch = np.empty_like(self.levels)  # working space for whole-population sums
        self.worry, self.willingness, self.efficacy, self.proximity, self.cohesion = self.levels
        self.vigilance = t["vigilance"].copy()
        self.fatigue = np.zeros(pop.n)
        self.member = np.zeros(pop.n, dtype=bool)
        self.admin = np.zeros(pop.n, dtype=bool)
        self.factors = {k: v.copy() for k, v in pop.factors.items()}
        self.resident_group = pop.group
        self.covered = self.resident_group >= 0
        self.group_adults = np.bincount(self.resident_group[self.covered],
                                        minlength=pop.n_groups)
        self.degree = np.diff(pop.adjacency.indptr).astype(float)
        self.degree_1 = np.maximum(self.degree, 1)  # for shares of ties: never divide by 0
        self.members_per_group = np.zeros(pop.n_groups, dtype=np.int64)
        self.member_ties = np.zeros(pop.n)
        self._members: np.ndarray | None = None
        self.quiet_days = np.zeros(pop.n_groups)
        self.arrest_until = np.full(len(pop.area_names), -1)
        moments = [(float(t[k].mean()), float(t[k].std()) or 1.0)
                   for k in ("worry", "efficacy", "cohesion")]
        self._selection_mean, self._selection_sd = np.array(moments).T[:, :, None]
        self._selection_offset = np.array([[0], [2 * pop.n], [4 * pop.n]])  # rows in levels
        self._feedback: dict[int, list[int]] = defaultdict(list)
        self.new_day()

    # -- bookkeeping -------------------------------------------------------------------
    def new_day(self) -> None:
        """Clear what residents saw, suffered and read today."""
        self.today_victim = np.zeros(self.pop.n, dtype=bool)
        self.today_alarmed = np.zeros(self.pop.n)
        self.today_reassured = np.zeros(self.pop.n)

    def join(self, who: np.ndarray) -> None:
        """``who`` (non-members on covered streets) become members."""
        self._set_member(who, True)

    def leave(self, who: np.ndarray) -> None:
        """``who`` (members) leave their group."""
        self._set_member(who, False)

    def members(self) -> np.ndarray:
        """Indices of today's members (sorted); do not modify."""
        if self._members is None:
            self._members = np.flatnonzero(self.member)
        return self._members

    def _set_member(self, who: np.ndarray, value: bool) -> None:
        who = who[self.member[who] != value]
        if len(who) == 0:
            return
        self.member[who] = value
        self._members = None
        sign = 1 if value else -1
        np.add.at(self.members_per_group, self.resident_group[who], sign)
        ties, _ = self.pop.ties_of(who)
        np.add.at(self.member_ties, ties, float(sign))

    def group_members(self) -> np.ndarray:
        """Members per group now."""
        return self.members_per_group.copy()

    def zscore(self, who: np.ndarray) -> np.ndarray:
        """Current worry, efficacy and cohesion (rows) of ``who`` in sd units of the initial
        population: what the selection model weighs."""
        rows = self.levels.take(who + self._selection_offset)
        return (rows - self._selection_mean) / self._selection_sd

    def queue_feedback(self, day: int, group: int, arrest: bool) -> None:
        """Feedback on a report reaches ``group`` on ``day``."""
        self._feedback[day].append(group)

    def feedback_due(self, n_groups: int) -> np.ndarray:
        """Feedback messages that arrive in each group today."""
        due = self._feedback.pop(self.day, [])
        return np.bincount(np.asarray(due, dtype=np.int64), minlength=n_groups).astype(float)
