"""The model's own answer: counterfactual runs with common random numbers.

Every replication runs the neighbourhoods as designed and, with the same seed, the variants
the questions need: without the intervention (a copy of the designed run taken on the first
intervention day, so both share everything before it), and without selection or without
exposure (the switches of :mod:`sim.calibrate.decompose`). At every survey round the residents'
state is kept (:class:`Snapshot`); the survey samples of every design and sample size are drawn
from these snapshots afterwards, so one simulation serves all sample sizes.

The truth is a population quantity, on the indicator's own scale: the expected answer of every
resident of the surveyed areas (:func:`expected_answers`, the mean of the virtual survey's
noisy instrument) averaged over members or non-members. Per replication:

- ``gap``: members − non-members at the last round;
- ``exposure`` / ``selection``: the part of that gap removed by switching exposure / selection
  off (as in :func:`sim.calibrate.decompose.shares`);
- ``intervention``: members' indicator with minus without the intervention, at the last round
  (and ``intervention_non_participants`` for non-members).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from sim.calibrate.decompose import EXPOSURE_OFF, SELECTION_OFF
from sim.scenario import Scenario, Survey

#: The variants of a replication (the designed run is "designed").
VARIANTS = ("designed", "no_intervention", "exposure_off", "selection_off")


@dataclass(frozen=True)
class Snapshot:
    """The residents' state at the end of a round's day (day −1: before the first day)."""

    day: int
    member: np.ndarray
    worry: np.ndarray
    willingness: np.ndarray
    proximity: np.ndarray
    cohesion: np.ndarray


@dataclass(frozen=True)
class Frame:
    """What does not change in a run: where residents live and who can be surveyed."""

    area_names: list[str]
    area: np.ndarray  # area index per resident
    street: np.ndarray  # street index per resident
    eligible: np.ndarray  # bool: lives in a surveyed area (areas with groups)
    covered: np.ndarray  # bool: lives on a street covered by a group
    invited: np.ndarray  # bool: lives on an invited street (encouragement)
    treated_from: np.ndarray  # per area: first intervention day (large if none)


@dataclass
class Simulated:
    """Snapshots of each variant by round day, and the frame of the designed run."""

    frame: Frame
    snapshots: dict[str, dict[int, Snapshot]]


def _snapshot(engine, day: int, before_groups: bool = False) -> Snapshot:
    st = engine.state
    member = np.zeros_like(st.member) if before_groups else st.member.copy()
    return Snapshot(
        day,
        member,
        st.worry.copy(),
        st.willingness.copy(),
        st.proximity.copy(),
        st.cohesion.copy(),
    )


def _frame(engine, scn: Scenario) -> Frame:
    pop, st = engine.pop, engine.state
    if scn.survey.areas:
        eligible = np.isin(pop.area, [pop.area_names.index(a) for a in scn.survey.areas])
    else:
        eligible = engine._with_groups.copy()
    first = np.full(len(pop.area_names), np.iinfo(np.int64).max)
    for iv in scn.interventions:
        for a in iv.areas or pop.area_names:
            k = pop.area_names.index(a)
            first[k] = min(first[k], iv.day)
    return Frame(
        list(pop.area_names),
        pop.area.copy(),
        pop.street.copy(),
        eligible,
        st.resident_group >= 0,
        st.invited_street[pop.street].copy(),
        first,
    )


def clone_engine(engine):
    """An independent copy of ``engine`` that continues exactly as the original would.

    A deep copy loses numpy views (each copied array is separate), so the state's attitude
    views are bound to the copied ``levels`` again.
    """
    other = copy.deepcopy(engine)
    st = other.state
    st.worry, st.willingness, st.efficacy, st.proximity, st.cohesion = st.levels
    other._with_groups_u8 = other._with_groups.view(np.uint8)
    return other


def _advance(engine, until: int, days: set[int], out: dict[int, Snapshot]) -> None:
    """Step ``engine`` to the start of day ``until``, keeping snapshots of ``days``."""
    while engine.day < until:
        engine.step()
        if engine.day - 1 in days:
            out[engine.day - 1] = _snapshot(engine, engine.day - 1)


def simulate_rounds(
    scenario: Scenario, seed: int, days: list[int], variants: tuple[str, ...] = VARIANTS
) -> Simulated:
    """Run ``scenario`` and the counterfactual ``variants`` with ``seed``; snapshots at ``days``
    (a day of −1 is the start, before any group is active)."""
    from sim.engine import Engine

    wanted = set(days)
    last = max(days) + 1
    snaps: dict[str, dict[int, Snapshot]] = {}
    engine = Engine(scenario, np.random.default_rng(seed))
    start = {-1: _snapshot(engine, -1, before_groups=True)} if -1 in wanted else {}
    designed: dict[int, Snapshot] = dict(start)
    iv_days = sorted(iv.day for iv in scenario.interventions)
    if "no_intervention" in variants and iv_days and iv_days[0] < last:
        _advance(engine, iv_days[0], wanted, designed)
        other = clone_engine(engine)
        other.scenario = scenario.model_copy(update={"interventions": []})
        without = dict(designed)
        _advance(other, last, wanted, without)
        snaps["no_intervention"] = without
    _advance(engine, last, wanted, designed)
    snaps["designed"] = designed
    frame = _frame(engine, scenario)  # after the run: invitations have gone out
    if "no_intervention" in variants and "no_intervention" not in snaps:
        snaps["no_intervention"] = designed  # no intervention before the last round
    for name, overrides in (("exposure_off", EXPOSURE_OFF), ("selection_off", SELECTION_OFF)):
        if name in variants:
            cf = Engine(scenario.with_overrides(overrides, name), np.random.default_rng(seed))
            out = dict(start)
            _advance(cf, last, wanted, out)
            snaps[name] = out
    return Simulated(frame, snaps)


# --------------------------------------------------------------------------- expected answers


def _expected_rounded(mu: np.ndarray, sd: float, lo: int, hi: int) -> np.ndarray:
    """E[clip(round(mu + N(0, sd)), lo, hi)]."""
    if sd <= 0:
        return np.clip(np.rint(mu), lo, hi)
    k = np.arange(lo, hi)  # P(X > k) for k = lo .. hi-1: the value is lo + Σ P(X > k)
    above = 1 - ndtr((k[None, :] + 0.5 - mu[:, None]) / sd)
    return lo + above.sum(axis=1)


def expected_answers(
    worry: np.ndarray, willingness: np.ndarray, proximity: np.ndarray, cfg: Survey
) -> dict[str, np.ndarray]:
    """Each resident's expected answer to every indicator, on the indicator's scale (percent
    for shares): the mean of :func:`sim.survey.answer` over its response noise."""
    s = max(cfg.noise, 1e-12)
    return {
        "pct_unsafe": 100 * ndtr((worry - cfg.unsafe_sometimes) / s),
        "pct_often": 100 * ndtr((worry - cfg.unsafe_often) / s),
        "safety_grade": _expected_rounded(
            cfg.grade_top - cfg.grade_slope * worry, cfg.grade_slope * cfg.noise, 1, 10
        ),
        "report_willingness": _expected_rounded(1 + 4 * willingness, 4 * cfg.noise, 1, 5),
        "gov_proximity": _expected_rounded(1 + 4 * proximity, 4 * cfg.noise, 1, 5),
    }


def group_means(snap: Snapshot, frame: Frame, cfg: Survey, indicator: str) -> tuple[float, float]:
    """Expected indicator among members and among non-members of the surveyed areas."""
    y = expected_answers(snap.worry, snap.willingness, snap.proximity, cfg)[indicator]
    m = snap.member & frame.eligible
    n = ~snap.member & frame.eligible
    return (
        float(y[m].mean()) if m.any() else np.nan,
        float(y[n].mean()) if n.any() else np.nan,
    )


def truth(sim: Simulated, day: int, cfg: Survey, indicator: str) -> dict[str, float]:
    """The model's answers at round ``day`` (see the module docstring)."""
    m, n = group_means(sim.snapshots["designed"][day], sim.frame, cfg, indicator)
    out = {"truth_members": m, "truth_non_members": n, "gap": m - n}
    for name, key in (("exposure_off", "exposure"), ("selection_off", "selection")):
        if name in sim.snapshots:
            m0, n0 = group_means(sim.snapshots[name][day], sim.frame, cfg, indicator)
            out[key] = out["gap"] - (m0 - n0)
    if "no_intervention" in sim.snapshots:
        m0, n0 = group_means(sim.snapshots["no_intervention"][day], sim.frame, cfg, indicator)
        out["intervention"] = m - m0
        out["intervention_non_participants"] = n - n0
    return out
