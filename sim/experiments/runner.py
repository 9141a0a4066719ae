"""One run of one design point with one seed: the single function every executor calls.

:func:`run_point` is pure: the same scenario, overrides and seed give the same outcomes,
whether it runs in this process, in a local Dask worker or on another machine. It returns plain
data (dicts and small DataFrames) that pickle cheaply.

>>> from sim.scenario import load_scenario                                  # doctest: +SKIP
>>> out = run_point(load_scenario("scenarios/baseline.toml"),
...                 {"factors.police_feedback": 0.8}, seed=3)             # doctest: +SKIP
>>> sorted(out)                                                             # doctest: +SKIP
['elapsed_s', 'scenario_hash', 'seed', 'summary', 'survey', 'version', 'weekly']
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from sim.experiments.spec import Outputs
from sim.params import expand_overrides
from sim.scenario import Scenario

#: Columns of the survey indicators table (``sim.survey.indicators``).
SURVEY_COLUMNS = ("wave", "respondents", "indicator", "estimate", "ci_low", "ci_high", "n")

RunFunction = Callable[[Scenario, dict, int, Outputs], dict]


def point_scenario(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """The base scenario with a design point's overrides (``*`` paths expanded)."""
    if not overrides:
        return scenario
    return scenario.with_overrides(expand_overrides(overrides, scenario), "design point")


def _weekly(result: Any, keep: list[str]) -> pd.DataFrame:
    weekly = result.weekly()
    if "week" not in weekly.columns:
        weekly = weekly.reset_index(names="week")
    return weekly[["week", *keep]].reset_index(drop=True)


def _survey(result: Any) -> pd.DataFrame:
    if result.survey is None or len(result.survey) == 0:
        return pd.DataFrame(columns=list(SURVEY_COLUMNS))
    from sim.survey import indicators

    return indicators(result.survey)[list(SURVEY_COLUMNS)]


def run_point(
    scenario: Scenario, overrides: dict[str, Any], seed: int, outputs: Outputs | None = None
) -> dict[str, Any]:
    """Simulate ``scenario`` with ``overrides`` and ``seed``; return what the store keeps.

    Keys: ``summary`` (outcome → float), ``weekly`` (DataFrame: week + series),
    ``survey`` (survey indicators, long format), ``seed``, ``scenario_hash``, ``version``,
    ``elapsed_s``.
    """
    from sim import __version__
    from sim.engine import simulate

    outputs = outputs or Outputs()
    scen = point_scenario(scenario, overrides)
    start = time.perf_counter()
    result = simulate(scen, seed=seed)
    summary = result.summary()
    return {
        "summary": {k: float(summary[k]) for k in outputs.summary},
        "weekly": _weekly(result, outputs.weekly) if outputs.weekly else None,
        "survey": _survey(result) if outputs.survey else None,
        "seed": seed,
        "scenario_hash": scen.content_hash(),
        "version": __version__,
        "elapsed_s": time.perf_counter() - start,
    }


def run_task(
    run_fn: RunFunction,
    scenario: Scenario,
    overrides: dict,
    seed: int,
    outputs: Outputs,
    point: int,
    replication: int,
) -> dict[str, Any]:
    """Run one design point with one seed, labelled with its place in the design.

    This is what each Dask worker executes; ``run_fn`` is :func:`run_point` (or a stand-in).
    """
    result = run_fn(scenario, overrides, seed, outputs)
    result["point"], result["replication"] = point, replication
    result["worker_pid"] = os.getpid()
    return result
