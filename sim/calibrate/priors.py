"""Free parameters of the calibration (``calibration/priors.toml``) and how they set scenarios.

>>> priors = load_priors("calibration/priors.toml")              # doctest: +SKIP
>>> priors.names()[:2]                                           # doctest: +SKIP
['population.worry.mean', 'rotterdam.worry_shift']
>>> scenario = priors.apply(base, {"membership.selection_worry": -0.5},
...     "rotterdam")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim import tomlfile
from sim.calibrate.targets import CALIBRATION_DIR, TargetsError, _describe
from sim.params import PathError, describe_path
from sim.scenario import Scenario, ScenarioError
from sim.tomlfile import read_toml

DEFAULT_PRIORS = CALIBRATION_DIR / "priors.toml"


class PriorsError(TargetsError):
    """A priors file that cannot be used."""


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    distribution: Literal["uniform", "loguniform"]
    low: float
    high: float
    why: str = Field(min_length=1)
    paths: list[str] = Field(default_factory=list)
    mode: Literal["set", "add", "scale"] = "set"
    scenarios: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _bounds(self) -> Parameter:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError("loguniform needs low > 0")
        return self

    @property
    def targets(self) -> list[str]:
        """The dotted scenario fields this parameter sets."""
        return self.paths or [self.name]

    def applies_to(self, scenario_name: str) -> bool:
        return not self.scenarios or scenario_name in self.scenarios

    def rv(self):
        """The prior as a pyabc random variable, on the sampling scale (:meth:`to_abc`).

        Log-uniform parameters are sampled as uniform logarithms: pyabc's perturbation
        kernel is Gaussian on the sampling scale, and on the natural scale the 1/x prior
        density would give a few particles near the lower bound all the weight.
        """
        import pyabc

        lo, hi = self.to_abc(self.low), self.to_abc(self.high)
        return pyabc.RV("uniform", lo, hi - lo)

    def to_abc(self, value: float) -> float:
        return math.log(value) if self.distribution == "loguniform" else value

    def from_abc(self, value: float) -> float:
        return math.exp(value) if self.distribution == "loguniform" else value

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        u = rng.random(n)
        if self.distribution == "uniform":
            return self.low + u * (self.high - self.low)
        return np.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


class Fixed(BaseModel):
    """A parameter held at a value during calibration (and written into the result)."""

    model_config = ConfigDict(extra="forbid")

    value: float
    why: str = Field(min_length=1)
    paths: list[str] = Field(default_factory=list)
    scenarios: list[str] = Field(default_factory=list)

    def applies_to(self, scenario_name: str) -> bool:
        return not self.scenarios or scenario_name in self.scenarios


class Priors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    parameter: dict[str, Parameter] = Field(min_length=1)
    fixed: dict[str, Fixed] = Field(default_factory=dict)
    path: str = ""

    def names(self) -> list[str]:
        return list(self.parameter)

    def from_abc(self, pars: Any) -> dict[str, float]:
        """pyabc's parameter dict (safe names, sampling scale) → dotted names, natural scale."""
        out = {}
        for key, value in dict(pars).items():
            name = dotted_name(key)
            p = self.parameter.get(name)
            out[name] = p.from_abc(float(value)) if p is not None else float(value)
        return out

    def distribution(self):
        """A pyabc Distribution over :func:`safe_name` keys."""
        import pyabc

        return pyabc.Distribution(**{safe_name(n): p.rv() for n, p in self.parameter.items()})

    def overrides(
        self, values: dict[str, float], scenario_name: str, base: Scenario
    ) -> dict[str, Any]:
        """Dotted scenario overrides for ``values`` in calibration scenario ``scenario_name``."""
        data = None
        out: dict[str, Any] = {}
        for name, f in self.fixed.items():
            if f.applies_to(scenario_name):
                out.update({path: f.value for path in f.paths or [name]})
        for name, p in self.parameter.items():
            if name not in values or not p.applies_to(scenario_name):
                continue
            value = float(values[name])
            for path in p.targets:
                if p.mode in ("add", "scale"):
                    data = data if data is not None else base.model_dump(mode="python")
                    old = _get(data, path, self.path)
                    value_here = old + value if p.mode == "add" else old * value
                else:
                    value_here = value
                out[path] = _whole_if_int(path, value_here, base)
        return out

    def apply(
        self,
        base: Scenario,
        values: dict[str, float],
        scenario_name: str,
        origin: str = "calibration",
    ) -> Scenario:
        return base.with_overrides(self.overrides(values, scenario_name, base), origin)

    def content_hash(self) -> str:
        blob = json.dumps(self.model_dump(mode="json", exclude={"path"}), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


def safe_name(name: str) -> str:
    """pyabc-friendly key for a dotted parameter name."""
    return name.replace(".", "__")


def dotted_name(key: str) -> str:
    return key.replace("__", ".")


def _whole_if_int(path: str, value: float, base: Scenario) -> float | int:
    """A sampled value for a whole-number field (a day such as ``areas.0.group_start_day``,
    a count) rounded to the nearest whole number; other values as they are."""
    try:
        kind = describe_path(path, base).kind
    except PathError:
        return value  # the scenario's own check names the bad path
    return int(round(value)) if kind == "int" else value


def _get(data: Any, path: str, origin: str) -> float:
    node = data
    for part in path.split("."):
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise PriorsError(f"{origin}: path {path!r} does not exist in the scenario") from None
    return float(node)


def load_priors(path: str | Path = DEFAULT_PRIORS) -> Priors:
    """Read and validate a priors file."""
    path = Path(path)
    data = read_toml(path, PriorsError)
    priors = tomlfile.validate(Priors, data, path, PriorsError, lambda err: _describe(err, data))
    for name, p in priors.parameter.items():
        p.name = name
    priors.path = str(path)
    return priors


def check_against(priors: Priors, scenarios: dict[str, Scenario]) -> None:
    """Every parameter must set existing fields of the scenarios it applies to."""
    for name, f in priors.fixed.items():
        for s in (s for s in scenarios if f.applies_to(s)):
            try:
                priors.apply(scenarios[s], {}, s)
            except ScenarioError as e:
                raise PriorsError(f"{priors.path}: fixed {name!r} in scenario {s!r}: {e}") from None
    for name, p in priors.parameter.items():
        used = [s for s in scenarios if p.applies_to(s)]
        unknown = [s for s in p.scenarios if s not in scenarios]
        if unknown:
            raise PriorsError(
                f"{priors.path}: parameter {name!r}: field 'scenarios': unknown "
                f"calibration scenario {unknown[0]!r}; allowed: "
                f"{', '.join(scenarios)}"
            )
        for s in used:
            mid = {"set": (p.low + p.high) / 2, "add": 0.0, "scale": 1.0}[p.mode]
            try:
                priors.apply(scenarios[s], {name: mid}, s)
            except ScenarioError as e:
                raise PriorsError(
                    f"{priors.path}: parameter {name!r} in scenario {s!r}: {e}"
                ) from None
