"""Candidate field studies: draw the survey microdata a design would collect.

Each design turns the snapshots of a simulated run (:mod:`sim.study.truth`) into respondent
microdata in the shared schema of :data:`sim.survey.MICRODATA_COLUMNS`, answered through the
virtual survey's own instrument (:func:`sim.survey.answer`), so the estimators read it exactly
as they read field data. Extra columns: ``respondent_id`` (the same resident keeps it in every
round), ``street``, ``invited`` (encouragement) and ``treated`` (the respondent's area had the
intervention by that round: stepped wedge).

- ``cross_section`` (the Rotterdam design): fresh respondents each round, a fixed share among
  members and the rest among non-members of the surveyed areas;
- ``stepped_wedge``: the same sampling, with interventions rolled out over areas;
- ``panel``: a simple random sample of residents of the surveyed areas, re-interviewed every
  round (``attrition`` lost per round), optionally first before any group is active;
- ``encouragement``: a simple random sample of residents of covered streets each round
  (invited and not invited streets alike).

Door-to-door nonresponse: the scenario's response model (``[survey.nonresponse]``, or the
design's own ``nonresponse`` table with the same fields): interviewers visit residents in random
order until the quota is met, each answering with a chance that depends on worry, cohesion and
membership (:func:`sim.survey.response_probability`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.scenario import Survey
from sim.study.spec import DesignSpec
from sim.study.truth import Frame, Simulated, Snapshot
from sim.survey import _door_to_door, answer, sample


def door_to_door(
    pool: np.ndarray, n: int, snap: Snapshot, cfg: Survey, rng: np.random.Generator
) -> np.ndarray:
    """Up to ``n`` respondents from ``pool``: a random sample, or with the response model of
    ``cfg.nonresponse`` enabled the first ``n`` who answer when visited in random order
    (the virtual survey's own door-to-door fieldwork)."""
    if not cfg.nonresponse.enabled:
        return np.sort(rng.choice(pool, size=min(n, len(pool)), replace=False))
    return _door_to_door(pool, n, snap, cfg, rng)[0]


def _answers(
    who: np.ndarray,
    label: str,
    snap: Snapshot,
    frame: Frame,
    cfg: Survey,
    rng: np.random.Generator,
) -> pd.DataFrame:
    a = answer(snap.worry[who], snap.willingness[who], snap.proximity[who], cfg, rng)
    area = frame.area[who]
    return pd.DataFrame(
        {
            "wave": label,
            "respondent": who,
            "respondent_id": who.astype(np.int64),
            "area": np.asarray(frame.area_names, dtype=object)[area],
            "participant": snap.member[who],
            **a,
            "day": snap.day,
            "street": frame.street[who],
            "invited": frame.invited[who],
            "treated": frame.treated_from[area] <= snap.day,
        }
    )


def _cross_section(d, snap, frame, cfg, n, rng) -> np.ndarray:
    k = int(round(n * d.participant_share))
    if not cfg.nonresponse.enabled:
        sub = cfg.model_copy(update={"participants": k, "non_participants": n - k})
        p, q = sample(snap.member, frame.eligible, sub, rng)
        return np.concatenate([p, q])
    members = np.flatnonzero(snap.member & frame.eligible)
    others = np.flatnonzero(~snap.member & frame.eligible)
    return np.concatenate(
        [
            door_to_door(members, k, snap, cfg, rng),
            door_to_door(others, n - k, snap, cfg, rng),
        ]
    )


def draw_microdata(
    design: DesignSpec, sim: Simulated, cfg: Survey, n: int, rng: np.random.Generator
) -> pd.DataFrame:
    """The microdata ``design`` collects with ``n`` respondents per round."""
    frame, snaps = sim.frame, sim.snapshots["designed"]
    if design.nonresponse is not None:
        cfg = cfg.model_copy(update={"nonresponse": design.nonresponse})
    rounds = []
    panel: np.ndarray | None = None
    for label, day in design.rounds:
        snap = snaps[day]
        if design.kind in ("cross_section", "stepped_wedge"):
            who = _cross_section(design, snap, frame, cfg, n, rng)
        elif design.kind == "encouragement":
            pool = np.flatnonzero(frame.eligible & frame.covered)
            who = door_to_door(pool, n, snap, cfg, rng)
        else:  # panel: the first round's sample, thinned by attrition
            if panel is None:
                panel = door_to_door(np.flatnonzero(frame.eligible), n, snap, cfg, rng)
            else:
                panel = panel[rng.random(len(panel)) >= design.attrition]
            who = panel
        rounds.append(_answers(who, label, snap, frame, cfg, rng))
    return pd.concat(rounds, ignore_index=True)
