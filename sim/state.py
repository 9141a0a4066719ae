"""Residents' changing state (structure of arrays) and the groups' running bookkeeping."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.compiled import compiled
from sim.population import Population
from sim.scenario import Scenario

#: Rows of :attr:`State.levels`: the attitudes that drift back to a personal baseline, and
#: the trait each starts from.
LEVELS = (
    ("worry", "worry"),
    ("willingness", "report_willingness"),
    ("efficacy", "efficacy"),
    ("proximity", "gov_proximity"),
    ("cohesion", "cohesion"),
)


class State:
    """Everything that changes during a run; the :class:`~sim.population.Population` does not.

    Attitudes start at their personal baselines and are rows of one array, ``levels``
    (``worry``, ``willingness``, ``efficacy``, ``proximity`` and ``cohesion`` are views of
    its rows), so that memory and the daily means treat them in one operation; ``baseline``
    holds the levels memory returns to. Membership changes only through :meth:`join` and
    :meth:`leave`, which keep ``members_per_group`` and each resident's number of member
    ties (``member_ties``) up to date. ``factors`` holds the success factors per group, changed by
    interventions.
    """

    def __init__(self, pop: Population, scn: Scenario, rng: np.random.Generator):
        t = pop.traits
        self.pop = pop
        self.day = 0
        self.baseline = np.stack([t[trait] for _, trait in LEVELS])
        self.levels = self.baseline.copy()
        self.worry, self.willingness, self.efficacy, self.proximity, self.cohesion = self.levels
        self.vigilance = t["vigilance"].copy()
        self.fatigue = np.zeros(pop.n)
        self.member = np.zeros(pop.n, dtype=bool)
        self.admin = np.zeros(pop.n, dtype=bool)
        self.first_joined = np.full(pop.n, -1, dtype=np.int64)  # day of first joining, -1 never
        self.last_joined = np.full(pop.n, -1, dtype=np.int64)  # day of the latest joining
        #: Called as ``on_membership(who, joined)`` after each change (event logs; None = off).
        self.on_membership = None
        self.factors = {k: v.copy() for k, v in pop.factors.items()}
        self.resident_group = pop.group
        self.covered = self.resident_group >= 0
        self.covered_residents = np.flatnonzero(self.covered)
        self.group_adults = np.bincount(self.resident_group[self.covered], minlength=pop.n_groups)
        # ties per resident, at least 1 so that shares of ties never divide by zero
        self.degree = np.maximum(np.diff(pop.adjacency.indptr), 1).astype(float)
        self.members_per_group = np.zeros(pop.n_groups, dtype=np.int64)
        self.member_ties = np.zeros(pop.n)
        self._members: np.ndarray | None = None
        self.quiet_days = np.zeros(pop.n_groups)
        self.arrest_until = np.full(len(pop.area_names), -1)
        # The selection model weighs worry, efficacy and cohesion in sd units of the start.
        moments = [
            (float(t[k].mean()), float(t[k].std()) or 1.0)
            for k in ("worry", "efficacy", "cohesion")
        ]
        self.selection_mean, self.selection_sd = np.array(moments).T
        # day due → (group, day of the report, weight) of each feedback message
        self._feedback: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
        self.feedback_today = np.zeros((0, 2), dtype=np.int64)
        self.conflicts = np.zeros(pop.n_groups)  # conflicts after confrontations today
        self.left_after_conflict = 0  # members who left today because of a conflict
        # What residents saw, suffered and read today: set by the day's rules, used up (back
        # to zero) by word of mouth, so no whole-population array is cleared each day.
        self.shaken = np.zeros(pop.n, dtype=bool)  # witnessed an incident or was victimised
        self.victims_today = np.zeros(0, dtype=np.int64)
        self.today_alarmed = np.zeros(pop.n)
        self.today_reassured = np.zeros(pop.n)
        self.heard = np.zeros((pop.n, 2))  # fearful and calming stories heard (tallies)
        # Randomised encouragement: streets invited to join, and each resident's multiplier of
        # the join chance (None until invitations go out: no cost for runs without them).
        self.invited_street = np.zeros(pop.n_streets, dtype=bool)
        self.join_multiplier: np.ndarray | None = None

    # -- bookkeeping -------------------------------------------------------------------
    def join(self, who: np.ndarray) -> None:
        """``who`` (non-members on covered streets) become members."""
        who = np.asarray(who, dtype=np.int64)
        if self.on_membership is not None:
            who = who[~self.member[who]]
        self._set_member(who, True)
        first = who[self.first_joined[who] < 0]
        self.first_joined[first] = self.day
        self.last_joined[who] = self.day
        if self.on_membership is not None and len(who):
            self.on_membership(who, True)

    def leave(self, who: np.ndarray) -> None:
        """``who`` (members) leave their group."""
        who = np.asarray(who, dtype=np.int64)
        if self.on_membership is not None:
            who = who[self.member[who]]
        self._set_member(who, False)
        if self.on_membership is not None and len(who):
            self.on_membership(who, False)

    def members(self) -> np.ndarray:
        """Indices of today's members (sorted); do not modify."""
        if self._members is None:
            self._members = np.flatnonzero(self.member)
        return self._members

    def _set_member(self, who: np.ndarray, value: bool) -> None:
        adj = self.pop.adjacency
        if _update_membership(
            who,
            value,
            self.member,
            self.resident_group,
            self.members_per_group,
            adj.indptr,
            adj.indices,
            self.member_ties,
        ):
            self._members = None

    def queue_feedback(self, day: int, group: int, arrest: bool, weight: float = 1.0) -> None:
        """Feedback on a report (made today) reaches ``group`` on ``day``; ``weight`` (0–1) is
        how much it reassures given how late it comes."""
        self._feedback[day].append((group, self.day, weight))

    def feedback_due(self, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
        """Feedback messages that arrive in each group today, and their summed weights; their
        groups and the days of the reports they answer stay in ``feedback_today`` (int[k, 2])
        for the event logs."""
        due = self._feedback.pop(self.day, None)
        if not due:  # most days
            self.feedback_today = np.zeros((0, 2), dtype=np.int64)
            return np.zeros(n_groups), np.zeros(n_groups)
        groups = np.array([g for g, _, _ in due], dtype=np.int64)
        weights = np.array([w for _, _, w in due], dtype=float)
        self.feedback_today = np.array([(g, d) for g, d, _ in due], dtype=np.int64).reshape(-1, 2)
        return (
            np.bincount(groups, minlength=n_groups).astype(float),
            np.bincount(groups, weights, minlength=n_groups),
        )


@compiled
def _update_membership(who, value, member, group, members_per_group, indptr, indices, member_ties):
    """Set membership of ``who`` to ``value``; keep the counts per group and the number of
    member ties of everyone they know in step. Returns whether anything changed."""
    sign = 1 if value else -1
    changed = False
    for i in who:
        if member[i] == value:
            continue
        changed = True
        member[i] = value
        members_per_group[group[i]] += sign
        for k in range(indptr[i], indptr[i + 1]):
            member_ties[indices[k]] += sign
    return changed
