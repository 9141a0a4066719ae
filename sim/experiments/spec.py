"""Experiment files: what to vary, how often, and what to keep — never where it runs.

An experiment file is TOML validated against :class:`Experiment`; every mistake becomes an
:class:`ExperimentError` naming the file, the field and the allowed values. Example::

    name = "selection_vs_exposure"
    scenario = "baseline"            # a shipped scenario name or a path relative to this file
    replications = 10                # replication r uses seed + r at every design point
    seed = 1
    posterior = "../calibrated_posterior.parquet"   # optional: replication r runs at the
                                                    # posterior particle drawn for r

    [fixed]                          # dotted scenario paths set at every point
    days = 730

    [design]
    method = "factorial"             # factorial | oat | lhs | sobol | morris

    [[factors]]
    path = "membership.selection_worry"
    values = [-1.0, 0.0, 1.0]

    [[factors]]
    path = "messages.exposure"
    range = [0.0, 2.0]
    levels = 3                       # factorial with a range: evenly spaced levels

    [outputs]
    summary = ["worry_gap", "unsafe_gap"]   # default: every summary outcome
    weekly = ["members", "worry_members"]   # weekly series kept per run ([] = none)
    survey = true                            # survey indicators per wave

>>> exp = load_experiment("scenarios/experiments/selection_vs_exposure.toml")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim import tomlfile
from sim.errors import UserError
from sim.params import ParamInfo, PathError, describe_path, expand_overrides
from sim.posterior_sample import Draw, PosteriorSample, read_posterior
from sim.scenario import (
    Scenario,
    ScenarioError,
    Wave,
    read_scenario_dict,
    resolve_scenario_path,
    validate_scenario,
)
from sim.shipped import EXPERIMENT_DIR

#: Scalar outcomes of ``RunResult.summary()`` (the core model's contract).
SUMMARY_KEYS: tuple[str, ...] = (
    "participation",
    "members_per_group",
    "worry_members",
    "worry_nonmembers",
    "worry_gap",
    "unsafe_members",
    "unsafe_nonmembers",
    "unsafe_gap",
    "unsafe_all",
    "crimes_per_1000",
    "burglaries_per_1000",
    "victimisation_rate",
    "reported_share",
    "reports_per_group_month",
    "alerts_per_group_month",
    "chatter_per_group_month",
    "feedback_per_group_month",
    "stigmatising_share",
    "arrests_per_year",
    "willingness_members",
    "willingness_nonmembers",
    "proximity_members",
    "proximity_nonmembers",
    "silent_weeks_share",
    "confrontations_per_year",
)
#: Columns of ``RunResult.daily`` (besides ``day``), kept per week in the series table.
SERIES_KEYS: tuple[str, ...] = (
    "members",
    "worry_members",
    "worry_nonmembers",
    "unsafe_members",
    "unsafe_nonmembers",
    "unsafe_all",
    "willingness_members",
    "willingness_nonmembers",
    "proximity_members",
    "proximity_nonmembers",
    "efficacy_members",
    "efficacy_nonmembers",
    "crimes",
    "burglaries",
    "suspicious",
    "victims",
    "reports_112",
    "reports_0900",
    "posts_alert",
    "posts_stigmatising",
    "posts_chatter",
    "posts_feedback",
    "posts_keepalive",
    "arrests",
    "confrontations",
    "joined",
    "left",
)
DEFAULT_SERIES = (
    "members",
    "worry_members",
    "worry_nonmembers",
    "unsafe_all",
    "crimes",
    "reports_112",
    "reports_0900",
    "posts_alert",
    "posts_feedback",
)
#: Columns of the runs table that factor labels must not take.
RESERVED_COLUMNS = (
    "point",
    "replication",
    "seed",
    "scenario_hash",
    "experiment_hash",
    "version",
    "elapsed_s",
    "weekly_rows",
    "survey_rows",
    "finished",
    "worker_pid",
    "varied",
    "week",
    "wave",
    "particle",
)
#: A hard ceiling on runs per experiment file (the file's ``max_runs`` may be lower).
MAX_RUNS_CEILING = 1_000_000


class ExperimentError(UserError):
    """An experiment file that cannot be used; names file, field and allowed values."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Factor(_Strict):
    """One experimental factor: a dotted scenario path and the values it takes.

    Give either ``values`` (a list: levels for factorial/oat designs, equally likely choices
    for sampling designs) or ``range = [low, high]`` (with ``levels`` for factorial/oat and a
    ``distribution`` for sampling designs).
    """

    path: str = Field(description="Dotted scenario path, e.g. 'factors.police_feedback'.")
    label: str = Field("", description="Short name for tables and plots (default: the path).")
    values: list[float | int | bool | str] | None = Field(None, min_length=1)
    range: tuple[float, float] | None = None
    levels: int | None = Field(None, ge=2, le=1000)
    distribution: Literal["uniform", "triangular", "normal"] = "uniform"
    mode: float | None = Field(None, description="Peak of a triangular distribution.")
    mean: float | None = Field(None, description="Mean of a (truncated) normal distribution.")
    sd: float | None = Field(None, gt=0, description="Sd of a (truncated) normal distribution.")

    @model_validator(mode="after")
    def _shape(self) -> Factor:
        if self.values is not None and self.range is not None:
            raise ValueError("give either 'values' or 'range', not both")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"'range' must be [low, high] with low < high, got {list(self.range)}")
        if self.distribution == "triangular" and (
            self.range is None
            or self.mode is None
            or not self.range[0] <= self.mode <= self.range[1]
        ):
            raise ValueError("a triangular distribution needs 'range' and a 'mode' inside it")
        if self.distribution == "normal" and (
            self.mean is None or self.sd is None or self.range is None
        ):
            raise ValueError(
                "a normal distribution needs 'mean', 'sd' and a 'range' to truncate it to"
            )
        return self

    @property
    def name(self) -> str:
        """The label if given, else the path."""
        return self.label or self.path


class DesignSpec(_Strict):
    """How design points are chosen."""

    method: Literal["factorial", "oat", "lhs", "sobol", "morris"] = "factorial"
    samples: int | None = Field(
        None,
        ge=1,
        description="lhs: points; sobol: base sample N (power of 2); morris: trajectories.",
    )
    second_order: bool = Field(False, description="sobol: also second-order indices.")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels (even).")
    seed: int = Field(0, ge=0, description="Seed of the sampler (lhs, sobol, morris).")

    @model_validator(mode="after")
    def _needs(self) -> DesignSpec:
        if self.method in ("lhs", "sobol", "morris") and self.samples is None:
            raise ValueError(f"the {self.method} design needs 'samples'")
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(
                f"'samples' of a sobol design must be a power of 2 (e.g. 64, "
                f"128, 256), got {self.samples}"
            )
        if self.method == "morris" and self.levels % 2:
            raise ValueError(f"'levels' of a morris design must be even, got {self.levels}")
        return self


class Outputs(_Strict):
    """What each run keeps."""

    summary: list[str] = Field(default_factory=lambda: list(SUMMARY_KEYS))
    weekly: list[str] = Field(default_factory=lambda: list(DEFAULT_SERIES))
    survey: bool = True

    @field_validator("summary")
    @classmethod
    def _known_summary(cls, keys: list[str]) -> list[str]:
        return _known(keys, SUMMARY_KEYS)

    @field_validator("weekly")
    @classmethod
    def _known_weekly(cls, keys: list[str]) -> list[str]:
        return _known(keys, SERIES_KEYS)


def _known(keys: list[str], allowed: tuple[str, ...]) -> list[str]:
    bad = [k for k in keys if k not in allowed]
    if bad:
        raise ValueError(f"unknown outcome {bad[0]!r}; allowed: {', '.join(allowed)}")
    return keys


class Experiment(_Strict):
    """A whole experiment file."""

    name: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    scenario: str = Field("baseline", description="Base scenario: shipped name or path.")
    posterior: str | None = Field(
        None,
        description="Posterior-sample file (Parquet), relative to this file: "
        "replication r runs at the posterior particle drawn for r.",
    )
    fixed: dict[str, Any] = Field(
        default_factory=dict, description="Dotted scenario paths set at every point."
    )
    waves: list[Wave] | None = Field(None, description="Survey waves (replace the scenario's).")
    replications: int = Field(1, ge=1, le=10_000)
    seed: int = Field(1, ge=0, le=2**62, description="Replication r uses seed + r.")
    max_runs: int = Field(
        20_000, ge=1, le=MAX_RUNS_CEILING, description="Refuse designs with more runs than this."
    )
    design: DesignSpec = DesignSpec()
    factors: list[Factor] = Field(min_length=1)
    outputs: Outputs = Outputs()

    @model_validator(mode="after")
    def _unique(self) -> Experiment:
        names = [f.name for f in self.factors]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"factors: repeated factor {dup[0]!r}")
        taken = [n for n in names if n in RESERVED_COLUMNS or n in SUMMARY_KEYS]
        if taken:
            raise ValueError(
                f"factors: label {taken[0]!r} is already a column of the results "
                f"(an outcome or run field); choose another label"
            )
        return self


class LoadedExperiment:
    """An experiment file with its base scenario resolved and every factor checked.

    ``posterior`` is the checked posterior sample (None without one); ``fixed_paths`` are the
    concrete paths set by ``[fixed]`` and ``waves``, which a posterior particle does not change.
    """

    def __init__(
        self,
        spec: Experiment,
        base: Scenario,
        path: Path,
        params: dict[str, ParamInfo],
        posterior: PosteriorSample | None = None,
        fixed_paths: frozenset[str] = frozenset(),
    ):
        self.spec, self.base, self.path, self.params = spec, base, path, params
        self.posterior, self.fixed_paths = posterior, fixed_paths

    def __repr__(self) -> str:
        return f"LoadedExperiment({self.spec.name!r}, {len(self.spec.factors)} factors)"

    def content_hash(self) -> str:
        """SHA-256 of what determines the results: design, seeds, outputs, base scenario and
        the posterior sample's content (if any)."""
        blob = self.spec.model_dump(
            mode="json", exclude={"description", "max_runs", "name", "scenario", "posterior"}
        )
        blob["base_scenario_hash"] = self.base.content_hash()
        if self.posterior is not None:
            blob["posterior_hash"] = self.posterior.content_hash
        text = json.dumps(blob, sort_keys=True, ensure_ascii=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def seed_of(self, replication: int) -> int:
        """Common random numbers: replication ``r`` uses the same seed at every point."""
        return self.spec.seed + replication

    def particle_of(self, replication: int) -> Draw | None:
        """The posterior particle of replication ``r`` (the same at every point), or None."""
        if self.posterior is None:
            return None
        return self.posterior.draw(replication, self.spec.seed)

    def run_overrides(self, point_overrides: dict[str, Any], replication: int) -> dict[str, Any]:
        """Overrides of one run: the replication's particle (except ``[fixed]`` paths), then
        the design point's factor values, which win where both set a path."""
        draw = self.particle_of(replication)
        if draw is None:
            return point_overrides
        kept = {k: v for k, v in draw.overrides.items() if k not in self.fixed_paths}
        return {**kept, **point_overrides}

    def run_labels(self, replication: int) -> dict[str, Any]:
        """Extra columns of a run's row: the posterior particle id, if there is a posterior."""
        draw = self.particle_of(replication)
        return {} if draw is None else {"particle": draw.particle}


def _check_value(where: str, info: ParamInfo, value: Any) -> None:
    if info.is_named(value):
        ok = True
    elif info.kind == "choice":
        ok = value in info.choices
    elif info.kind == "bool":
        ok = isinstance(value, bool)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        ok = False
    else:
        ok = info.contains(value) and (info.kind == "float" or float(value).is_integer())
    if not ok:
        raise ExperimentError(
            f"{where}: {value!r} is not allowed for {info.path!r}; allowed: {info.allowed()}"
        )


def _check_factor(origin: str, i: int, factor: Factor, info: ParamInfo, method: str) -> None:
    where = f"{origin}: field 'factors.{i}"
    if factor.values is not None:
        for j, v in enumerate(factor.values):
            _check_value(f"{where}.values.{j}'", info, v)
        return
    if factor.range is None:
        if info.kind in ("bool", "choice"):
            return  # every value of the switch / choice
        raise ExperimentError(
            f"{where}': {info.path!r} needs 'values' or 'range'; allowed: {info.allowed()}"
        )
    if info.kind in ("bool", "choice"):
        raise ExperimentError(
            f"{where}.range': {info.path!r} is a {info.kind}; give 'values' ({info.allowed()})"
        )
    for j, v in enumerate(factor.range):
        if not info.contains(v):
            raise ExperimentError(
                f"{where}.range.{j}': {v:g} is outside the bounds of "
                f"{info.path!r}; allowed: {info.allowed()}"
            )
    if method in ("factorial", "oat") and factor.levels is None:
        raise ExperimentError(
            f"{where}.levels': a {method} design needs 'levels' (how many "
            f"evenly spaced values of 'range') or a list of 'values'"
        )


def _base_scenario(spec: Experiment, path: Path) -> tuple[Scenario, frozenset[str]]:
    """The base scenario with ``[fixed]`` and ``waves`` applied, and the paths they set."""
    scen = Path(spec.scenario)
    candidate = path.parent / scen
    scen_path = candidate if candidate.exists() else resolve_scenario_path(spec.scenario)
    if not scen_path.exists():
        raise ExperimentError(
            f"{path}: field 'scenario': {spec.scenario!r} not found (looked "
            f"next to the file and among the shipped scenarios)"
        )
    data = read_scenario_dict(scen_path)
    base = validate_scenario(data, str(scen_path))
    fixed = dict(spec.fixed)
    if spec.waves is not None:
        fixed["survey.waves"] = [w.model_dump() for w in spec.waves]
    try:
        concrete = expand_overrides(fixed, base)
        return base.with_overrides(concrete, f"{path}: [fixed]"), frozenset(concrete)
    except (KeyError, IndexError, AttributeError) as e:
        raise ExperimentError(f"{path}: field 'fixed': unknown path ({e})") from None


def _posterior(
    spec: Experiment, path: Path, base: Scenario, given: str | Path | None
) -> PosteriorSample | None:
    """The posterior sample named by ``--posterior`` (``given``) or the file's ``posterior``."""
    if given is not None:
        where, file = "argument --posterior", Path(given)
    elif spec.posterior is not None:
        where, file = f"{path}: field 'posterior'", (path.parent / spec.posterior).resolve()
    else:
        return None
    if not file.is_file():
        relative = "" if given is not None else " (paths are relative to the experiment file)"
        raise ExperimentError(f"{where}: posterior-sample file {str(file)!r} not found{relative}")
    try:
        return read_posterior(file, base)
    except UserError as e:
        raise ExperimentError(f"{where}: {e}") from None


def parse_experiment(
    data: dict, origin: str | Path, posterior: str | Path | None = None
) -> LoadedExperiment:
    """Validate a parsed experiment table; see :func:`load_experiment`."""
    path = Path(origin)
    spec = tomlfile.validate(Experiment, data, path, ExperimentError)
    try:
        base, fixed_paths = _base_scenario(spec, path)
    except ScenarioError as e:
        raise ExperimentError(str(e)) from None
    params: dict[str, ParamInfo] = {}
    for i, factor in enumerate(spec.factors):
        try:
            info = describe_path(factor.path, base)
        except PathError as e:
            raise ExperimentError(
                f"{path}: field 'factors.{i}.path': unknown factor {factor.path!r}: {e}"
            ) from None
        _check_factor(str(path), i, factor, info, spec.design.method)
        params[factor.name] = info
    exp = LoadedExperiment(
        spec, base, path, params, _posterior(spec, path, base, posterior), fixed_paths
    )
    _check_size(exp)
    return exp


def _check_size(exp: LoadedExperiment) -> None:
    from sim.experiments.design import count_points

    points = count_points(exp)
    runs = points * exp.spec.replications
    limit = min(exp.spec.max_runs, MAX_RUNS_CEILING)
    if runs > limit:
        raise ExperimentError(
            f"{exp.path}: field 'design': the {exp.spec.design.method} design needs {points} "
            f"points × {exp.spec.replications} replications = {runs} runs, more than allowed "
            f"(max_runs = {limit}); lower design.samples, the number of levels or "
            f"replications, or raise max_runs (at most {MAX_RUNS_CEILING})"
        )


def resolve_experiment_path(name: str | Path) -> Path:
    """A path as given, or a name of a shipped experiment in ``scenarios/experiments``."""
    return resolve_scenario_path(name, EXPERIMENT_DIR)


def load_experiment(path: str | Path, posterior: str | Path | None = None) -> LoadedExperiment:
    """Read and check an experiment file; :class:`ExperimentError` on any mistake.

    ``posterior`` (a path, as given on the command line) replaces the file's ``posterior``.
    """
    path = resolve_experiment_path(path)
    return parse_experiment(tomlfile.read_toml(path, ExperimentError), path, posterior)
