"""Design points of an experiment: full factorial, one-at-a-time, Latin hypercube, Sobol, Morris.

Sampling designs (lhs, sobol, morris) are drawn by SALib on the unit hypercube and mapped to
each factor's values through its distribution (inverse CDF), so the analysis works on the same
unit sample the design was drawn from. The design depends only on the experiment file, so it
can be rebuilt at any time (resume, analysis) and always comes out the same.

>>> from sim.experiments.spec import load_experiment                  # doctest: +SKIP
>>> d = build_design(load_experiment("selection_vs_exposure"))        # doctest: +SKIP
>>> d.points.head(2)                                                  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.params import ParamInfo, current_value, default_values

if TYPE_CHECKING:  # annotations only: spec imports this module to count design points
    from sim.experiments.spec import Factor, LoadedExperiment

SAMPLING = ("lhs", "sobol", "morris")


@dataclass
class Design:
    """The points of an experiment.

    ``points`` has one row per design point (index ``point`` 0..P-1) and one column per factor
    (named by the factor's label or path). ``unit`` is the SALib sample on [0, 1]^D for the
    sampling designs (None otherwise). For ``oat`` designs point 0 is the base scenario and
    column ``varied`` names the factor changed at each point.
    """

    method: str
    factors: list[str]
    paths: dict[str, str]
    points: pd.DataFrame
    unit: np.ndarray | None = None
    second_order: bool = False
    levels: int = 4
    problem: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.points)

    def overrides(self, point: int) -> dict[str, Any]:
        """Dotted-path overrides of the base scenario at ``point`` (plain Python values)."""
        row = self.points.iloc[point]
        names = self.factors
        if self.method == "oat":
            names = [row["varied"]] if row["varied"] else []
        return {self.paths[n]: _plain(row[n]) for n in names}


def _plain(value: Any) -> Any:
    """NumPy scalars to Python scalars (for pydantic and pickling)."""
    return value.item() if isinstance(value, np.generic) else value


def _cast(info: ParamInfo, values: list) -> list:
    """Numbers to the field's type; named values (``'on_wave'``) and switches as they are."""
    if info.kind == "int":
        return [v if info.is_named(v) else int(round(v)) for v in values]
    if info.kind == "float":
        return [v if info.is_named(v) else float(v) for v in values]
    return list(values)


def factor_levels(factor: Factor, info: ParamInfo) -> list:
    """The discrete values of a factor in factorial and oat designs."""
    if factor.values is not None:
        return _cast(info, list(factor.values))
    if factor.range is None:
        return default_values(info)
    levels = list(np.linspace(factor.range[0], factor.range[1], factor.levels))
    return list(dict.fromkeys(_cast(info, levels)))


def from_unit(factor: Factor, info: ParamInfo, u: np.ndarray) -> list:
    """Map unit-interval samples to factor values through the factor's distribution."""
    if factor.values is not None or factor.range is None:
        choices = factor_levels(factor, info)
        idx = np.minimum((u * len(choices)).astype(int), len(choices) - 1)
        return [choices[i] for i in idx]
    from scipy import stats

    low, high = factor.range
    if factor.distribution == "triangular":
        c = (factor.mode - low) / (high - low)
        x = stats.triang(c, loc=low, scale=high - low).ppf(u)
    elif factor.distribution == "normal":
        a, b = (low - factor.mean) / factor.sd, (high - factor.mean) / factor.sd
        x = stats.truncnorm(a, b, loc=factor.mean, scale=factor.sd).ppf(u)
    else:
        x = low + u * (high - low)
    return _cast(info, list(np.clip(x, low, high)))


def count_points(exp: LoadedExperiment) -> int:
    """How many design points the experiment has, without drawing them."""
    spec, d = exp.spec, len(exp.spec.factors)
    method, n = spec.design.method, spec.design.samples or 0
    if method == "lhs":
        return n
    if method == "sobol":
        return n * (2 * d + 2 if spec.design.second_order else d + 2)
    if method == "morris":
        return n * (d + 1)
    sizes = [len(factor_levels(f, exp.params[f.name])) for f in spec.factors]
    if method == "factorial":
        return math.prod(sizes)
    return 1 + sum(len(_oat_values(exp, f)) for f in spec.factors)


def _oat_values(exp: LoadedExperiment, factor: Factor) -> list:
    base = current_value(factor.path, exp.base)
    return [v for v in factor_levels(factor, exp.params[factor.name]) if v != base]


def _unit_sample(exp: LoadedExperiment, problem: dict) -> np.ndarray:
    from SALib.sample import latin, morris, sobol

    ds = exp.spec.design
    if ds.method == "lhs":
        return latin.sample(problem, ds.samples, seed=ds.seed)
    if ds.method == "sobol":
        return sobol.sample(problem, ds.samples, calc_second_order=ds.second_order, seed=ds.seed)
    return morris.sample(problem, ds.samples, num_levels=ds.levels, seed=ds.seed)


def build_design(exp: LoadedExperiment) -> Design:
    """All design points of ``exp`` (deterministic: the same file gives the same points)."""
    spec = exp.spec
    names = [f.name for f in spec.factors]
    paths = {f.name: f.path for f in spec.factors}
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    design = Design(
        spec.design.method,
        names,
        paths,
        pd.DataFrame(),
        second_order=spec.design.second_order,
        levels=spec.design.levels,
        problem=problem,
    )
    if spec.design.method in SAMPLING:
        unit = _unit_sample(exp, problem)
        columns = {
            f.name: from_unit(f, exp.params[f.name], unit[:, j]) for j, f in enumerate(spec.factors)
        }
        design.unit = unit
        design.points = pd.DataFrame(columns)
    elif spec.design.method == "factorial":
        levels = [factor_levels(f, exp.params[f.name]) for f in spec.factors]
        design.points = pd.DataFrame(list(itertools.product(*levels)), columns=names)
    else:
        design.points = _oat_points(exp)
    design.points.index.name = "point"
    return design


def _oat_points(exp: LoadedExperiment) -> pd.DataFrame:
    base = {f.name: current_value(f.path, exp.base) for f in exp.spec.factors}
    rows = [{**base, "varied": ""}]
    for f in exp.spec.factors:
        rows.extend({**base, f.name: v, "varied": f.name} for v in _oat_values(exp, f))
    return pd.DataFrame(rows)
