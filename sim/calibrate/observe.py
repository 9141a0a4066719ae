"""From a parameter set to the targets' observables: simulate, then measure.

:class:`Simulator` is the model pyabc samples: it sets the free parameters in each calibration
scenario, runs them, and measures every used target on the results. Survey targets go through
``sim.survey.indicators`` — the same analysis code that reads real field data
(:func:`observe_survey` is shared with ``--field-data``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.priors import Priors
from sim.calibrate.targets import Target, Targets, TargetsError
from sim.scenario import Scenario, load_scenario, resolve_scenario_path

NAN = float("nan")


def load_calibration_scenarios(
    targets: Targets, names: list[str] | None = None
) -> dict[str, Scenario]:
    """The calibration scenarios of ``targets`` (files + overrides), validated."""
    base_dir = __import__("pathlib").Path(targets.path).parent if targets.path else None
    out = {}
    for name in names or targets.needed_scenarios():
        spec = targets.scenarios[name]
        path = resolve_scenario_path(spec.file)
        if not path.exists() and base_dir is not None and (base_dir / spec.file).exists():
            path = base_dir / spec.file
        if not path.exists():
            raise TargetsError(
                f"{targets.path}: scenarios.{name}: field 'file': scenario "
                f"{spec.file!r} not found (looked in scenarios/ and next to the "
                f"targets file)"
            )
        scenario = load_scenario(path)
        overrides = dict(spec.overrides)
        if spec.without_groups:
            overrides.update({f"areas.{i}.groups": 0 for i in range(len(scenario.areas))})
        if overrides:
            scenario = scenario.with_overrides(overrides, f"{targets.path}: scenarios.{name}")
        out[name] = scenario
    return out


# --------------------------------------------------------------------------- measuring


Estimates = dict[tuple[Any, Any], dict[Any, float]]


def estimates(table: pd.DataFrame) -> Estimates:
    """An ``indicators`` table (long format) as (wave, indicator) → respondents → estimate."""
    out: Estimates = {}
    for w, i, r, v in zip(
        table["wave"], table["indicator"], table["respondents"], table["estimate"], strict=True
    ):
        out.setdefault((w, i), {})[r] = float(v)
    return out


def survey_value(target: Target, table: Estimates, participation: float = NAN) -> float:
    """A survey target's value from an ``indicators`` table's :func:`estimates`.

    ``participation`` weights participants and non-participants for ``respondents =
    "population"`` (the share of adults who are members).
    """

    def at(wave: str) -> float:
        unit = 100.0 if str(target.indicator).startswith("pct_") else 1.0  # percent → share
        est = {r: v / unit for r, v in table.get((wave, target.indicator), {}).items()}
        part, non = est.get("participants", NAN), est.get("non_participants", NAN)
        match target.respondents:
            case "participants":
                return part
            case "non_participants":
                return non
            case "gap":
                return part - non
            case _:
                if not math.isfinite(participation):
                    return NAN
                if participation <= 0:
                    return non
                return participation * part + (1 - participation) * non

    if target.change is not None:
        return at(target.change[1]) - at(target.change[0])
    values = [at(w) for w in target.waves]
    return float(np.mean(values)) if values else NAN


def observe_survey(target: Target, microdata: pd.DataFrame, participation: float = NAN) -> float:
    """Measure a survey target on respondent microdata (simulated or field)."""
    from sim.survey import indicators

    if microdata is None or len(microdata) == 0:
        return NAN
    key = (id(microdata), target.area)
    cached = _INDICATORS.get(key)
    if cached is None or cached[0] is not microdata:
        data = microdata
        if target.area is not None:
            data = data[data["area"] == target.area]
        table = estimates(indicators(data)) if len(data) else None
        if len(_INDICATORS) > 64:
            _INDICATORS.clear()
        _INDICATORS[key] = cached = (microdata, table)
    if cached[1] is None:
        return NAN
    return survey_value(target, cached[1], participation)


# one indicators table per survey (and area): several targets read the same survey
_INDICATORS: dict[tuple[int, str | None], tuple[Any, Any]] = {}


def observe(target: Target, results: Mapping[str, Any]) -> float:
    """Measure ``target`` on run results (``results[scenario]`` is a RunResult)."""
    run = results[target.scenario]
    if target.observable == "summary":
        value = _summary(run).get(target.key, NAN)  # type: ignore[arg-type]
        if target.relative_to is not None:
            ref = _summary(results[target.relative_to]).get(target.key, NAN)  # type: ignore
            value = value / ref - 1 if ref and math.isfinite(ref) else NAN
        if target.transform == "prevalence" and math.isfinite(value):
            value = 1 - math.exp(-value)
        return float(value)
    if target.observable == "daily":
        daily = run.daily
        row = daily[daily["day"] == target.day]
        if row.empty or target.column not in daily:
            return NAN
        value = float(row[target.column].iloc[0])
        if target.minus is not None:
            value -= float(row[target.minus].iloc[0])
        return value
    return observe_survey(target, run.survey, _summary(run).get("participation", NAN))


def _summary(run: Any) -> dict[str, float]:
    """``run.summary()``, computed once per run (a run's results never change)."""
    key = id(run)
    if _SUMMARIES.get(key, (None,))[0] is not run:
        if len(_SUMMARIES) > 64:
            _SUMMARIES.clear()
        _SUMMARIES[key] = (run, run.summary())
    return _SUMMARIES[key][1]


_SUMMARIES: dict[int, tuple[Any, dict[str, float]]] = {}


# --------------------------------------------------------------------------- simulator


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """The seeds of a particle's replicate runs: the first is ``seed`` itself."""
    return [(int(seed) + 1_000_003 * k) % (2**31 - 1) for k in range(max(1, replicates))]


@dataclass
class Simulator:
    """The calibration model: parameters → observables of every used target.

    Picklable (pyabc ships it to Dask workers). ``extra`` are dotted overrides applied to
    every scenario after the parameters: a model structure's switches, or the
    selection/exposure counterfactuals. With ``replicates`` > 1 every scenario is run with
    that many seeds and each observable is the mean over the replicates (the distance then
    compares replicate means with the targets, so a lucky seed cannot pass a parameter set).
    """

    targets: Targets
    priors: Priors
    scenarios: dict[str, Scenario]
    extra: dict[str, Any] = field(default_factory=dict)
    replicates: int = 1

    def with_extra(self, extra: Mapping[str, Any]) -> Simulator:
        """The same simulator with further overrides (after this one's own)."""
        return Simulator(
            self.targets, self.priors, self.scenarios, {**self.extra, **extra}, self.replicates
        )

    def runs(
        self, values: Mapping[str, float], seed: int, names: list[str] | None = None
    ) -> dict[str, Any]:
        from sim.engine import simulate

        results = {}
        for name in names or list(self.scenarios):
            scenario = self.priors.apply(self.scenarios[name], dict(values), name)
            if self.extra:
                scenario = scenario.with_overrides(self.extra, "structure / counterfactual")
            results[name] = simulate(scenario, seed=seed)  # common random numbers
        return results

    def measure(self, results: Mapping[str, Any]) -> dict[str, float]:
        return {t.id: observe(t, results) for t in self.targets.used()}

    def observe_mean(self, values: Mapping[str, float], seed: int) -> dict[str, float]:
        """Observables averaged over the replicate runs of ``seed`` (NaN only if all are)."""
        per_rep = [
            self.measure(self.runs(values, s)) for s in replicate_seeds(seed, self.replicates)
        ]
        return replicate_mean(per_rep)

    def stages(self) -> list[tuple[str, list[Target]]]:
        """The scenarios in the order the targets file lists them, each with the targets
        that can be measured once it and the scenarios before it have run."""
        order = [n for n in self.targets.scenarios if n in self.scenarios]
        order += [n for n in self.scenarios if n not in order]
        out: list[tuple[str, list[Target]]] = []
        done: set[str] = set()
        measured: set[str] = set()
        for name in order:
            done.add(name)
            ready = [
                t
                for t in self.targets.used()
                if t.id not in measured
                and t.scenario in done
                and (t.relative_to is None or t.relative_to in done)
            ]
            measured.update(t.id for t in ready)
            out.append((name, ready))
        return out

    def draw_seed(self) -> int:
        """A particle's seed, from NumPy's global generator (which pyabc seeds)."""
        return int(np.random.randint(0, 2**31 - 1))

    def __call__(self, pars: Mapping[str, float]) -> dict[str, float]:
        values = self.priors.from_abc(pars)
        seed = self.draw_seed()
        out = self.observe_mean(values, seed)
        out["_seed"] = float(seed)
        return out


def replicate_mean(per_rep: list[dict[str, float]]) -> dict[str, float]:
    """Each observable's mean over replicate runs, ignoring NaN (NaN only if all are)."""
    if len(per_rep) == 1:
        return per_rep[0]
    out = {}
    for key in per_rep[0]:
        v = np.array([r[key] for r in per_rep], dtype=float)
        out[key] = float(np.mean(v[np.isfinite(v)])) if np.isfinite(v).any() else NAN
    return out
