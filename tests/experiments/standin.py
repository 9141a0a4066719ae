"""A stand-in for the engine in sweep tests: fast, deterministic, shaped like ``run_point``.

The numbers are a smooth function of the design point plus seed-driven noise, so tests can
check that results land in the right rows and that the same seed gives the same numbers.
``BUURTSIM_TEST_NOISE`` sets the sd of the noise (default 0.01).
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pandas as pd

from sim.experiments.runner import SURVEY_COLUMNS, point_scenario
from sim.experiments.spec import Outputs


def standin_run(scenario, overrides, seed, outputs: Outputs | None = None) -> dict:
    """Outcomes = a known function of police_feedback / exposure / coverage + noise(seed)."""
    outputs = outputs or Outputs()
    scen = point_scenario(scenario, overrides)
    rng = np.random.default_rng(seed)
    fb = scen.factors.police_feedback
    exposure = scen.messages.exposure
    coverage = scen.areas[0].coverage
    sd = float(os.environ.get("BUURTSIM_TEST_NOISE", "0.01"))
    # noise shared by every point of a replication (what common random numbers pair away)
    # plus noise of this point and seed alone
    # (keyed by the point's own settings, not the scenario's hash, so that new schema fields
    # do not reshuffle the noise these tests were tuned with)
    point = json.dumps(overrides, sort_keys=True, default=str).encode()
    own = np.random.default_rng([seed, int(hashlib.sha256(point).hexdigest()[:12], 16)])
    noise = 0.7 * rng.normal(0, sd, 4) + 0.7 * own.normal(0, sd, 4)
    values = {
        "worry_members": 0.3 + 0.1 * exposure - 0.2 * fb + noise[0],
        "worry_nonmembers": 0.3 + noise[1],
        "participation": 0.1 + 0.3 * coverage + noise[2],
        # a pure interaction: coverage helps with signs and hurts without them (mean 0.6)
        "crimes_per_1000": 100
        + 40 * (coverage - 0.6) * (1 if scen.factors.signs else -1)
        + noise[3],
    }
    values["worry_gap"] = values["worry_members"] - values["worry_nonmembers"]
    summary = {k: float(values.get(k, 0.0)) for k in outputs.summary}
    weeks = scen.days // 7
    weekly = pd.DataFrame({"week": np.arange(weeks)})
    for k in outputs.weekly:
        weekly[k] = rng.random(weeks)
    survey = pd.DataFrame(
        [
            {
                "wave": w.label,
                "respondents": g,
                "indicator": "pct_unsafe",
                "estimate": float(rng.random()),
                "ci_low": 0.0,
                "ci_high": 1.0,
                "n": 10,
            }
            for w in scen.survey.waves
            for g in ("participants", "non_participants")
        ],
        columns=list(SURVEY_COLUMNS),
    )
    return {
        "summary": summary,
        "weekly": weekly if outputs.weekly else None,
        "survey": survey if outputs.survey else None,
        "seed": seed,
        "scenario_hash": scen.content_hash(),
        "version": "test",
        "elapsed_s": 0.0,
    }
