"""Optional bridge to the EMA Workbench (``uv sync --extra ema``) for scenario discovery.

Two directions:

- :func:`ema_model` turns an experiment file into an ``ema_workbench.Model``: each factor
  becomes an uncertainty (real, integer, categorical or boolean parameter), each summary
  outcome a ``ScalarOutcome``; one evaluation runs :func:`~sim.experiments.runner.run_point`
  for every replication seed of the file and returns the mean outcomes.
- :func:`ema_results` reads a finished ``buurtsim sweep`` folder as ``(experiments,
  outcomes)``, the pair the workbench's analysis functions take, and :func:`discover` runs
  PRIM on it: which factor ranges make an outcome high (or low)?

EMA Workbench 3.0 fails on integer columns under pandas 3, so integer columns are handed over
as floats.

>>> from sim.experiments.spec import load_experiment                   # doctest: +SKIP
>>> box = discover("results/selection_vs_exposure", "worry_gap", 0.05)  # doctest: +SKIP
>>> box.inspect()                                                      # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.experiments.spec import LoadedExperiment


def _require():
    try:
        import ema_workbench
    except ImportError:
        raise UserError(
            "the EMA Workbench adapter needs the optional extra 'ema': uv sync --extra ema"
        ) from None
    return ema_workbench


def identifier(name: str) -> str:
    """A Python identifier for a factor name (``factors.signs`` → ``factors__signs``).

    >>> identifier("areas.*.coverage")
    'areas__all__coverage'
    """
    return re.sub(r"\W", "_", name.replace("*", "all").replace(".", "__"))


class EmaRun:
    """The workbench's model function: mean outcomes over the experiment's replication seeds."""

    def __init__(self, exp: LoadedExperiment):
        self.base = exp.base
        self.outputs = exp.spec.outputs.model_copy(update={"weekly": [], "survey": False})
        self.paths = {identifier(f.name): f.path for f in exp.spec.factors}
        self.seeds = [exp.seed_of(r) for r in range(exp.spec.replications)]

    def __call__(self, **values: Any) -> dict[str, float]:
        from sim.experiments.runner import run_point

        overrides = {self.paths[k]: _plain(v) for k, v in values.items() if k in self.paths}
        runs = [
            run_point(self.base, overrides, seed, self.outputs)["summary"] for seed in self.seeds
        ]
        return {k: float(np.nanmean([r[k] for r in runs])) for k in self.outputs.summary}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _uncertainty(ema, exp: LoadedExperiment, factor) -> Any:
    from sim.experiments.design import factor_levels

    info = exp.params[factor.name]
    kw = {"variable_name": identifier(factor.name)}
    if factor.range is not None and info.kind == "float":
        return ema.RealParameter(factor.name, *factor.range, **kw)
    if factor.range is not None:
        return ema.IntegerParameter(factor.name, int(factor.range[0]), int(factor.range[1]), **kw)
    if info.kind == "bool" and factor.values is None:
        return ema.BooleanParameter(factor.name, **kw)
    return ema.CategoricalParameter(factor.name, factor_levels(factor, info), **kw)


def ema_model(exp: LoadedExperiment, name: str | None = None) -> Any:
    """An ``ema_workbench.Model`` with the experiment's factors as uncertainties."""
    ema = _require()
    model = ema.Model(identifier(name or exp.spec.name), function=EmaRun(exp))
    model.uncertainties = [_uncertainty(ema, exp, f) for f in exp.spec.factors]
    model.outcomes = [ema.ScalarOutcome(k) for k in exp.spec.outputs.summary]
    return model


def ema_results(results: str | Path) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A finished sweep as the workbench's ``(experiments, outcomes)``, one row per point.

    Replications are averaged per design point; integer columns become floats.
    """
    from sim.experiments.analysis import read_sweep

    sweep = read_sweep(results)
    experiments = sweep.design.sort_values("point")[sweep.factors].reset_index(drop=True)
    for col in experiments.columns:
        if experiments[col].dtype.kind in "iub":
            experiments[col] = experiments[col].astype(float)
    outcomes = {k: np.nanmean(sweep.per_replication(k), axis=1) for k in sweep.manifest["outcomes"]}
    return experiments, outcomes


def discover(
    results: str | Path, outcome: str, threshold: float, *, above: bool = True, **prim_options: Any
) -> Any:
    """PRIM on a finished sweep: the factor box where ``outcome`` is above (or below)
    ``threshold``. Returns the workbench's ``PrimBox`` after ``find_box()``."""
    _require()
    from ema_workbench.analysis import prim

    experiments, outcomes = ema_results(results)
    if outcome not in outcomes:
        raise UserError(
            f"outcome {outcome!r} is not stored in {results}; allowed: {', '.join(outcomes)}"
        )
    y = outcomes[outcome] > threshold if above else outcomes[outcome] < threshold
    if not y.any():
        raise UserError(f"no design point has {outcome} {'>' if above else '<'} {threshold}")
    return prim.Prim(experiments, y, **prim_options).find_box()
