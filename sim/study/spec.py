"""Study files: which field study to try on simulated neighbourhoods, at which sample sizes.

A study file is TOML validated against :class:`Study`; every mistake becomes a
:class:`StudyError` naming the file, the field and the allowed values. Example::

    name = "rotterdam"
    scenario = "calibrated"          # the neighbourhoods: shipped name or path (relative to file)
    posterior = "auto"               # auto: the scenario's own posterior sample if it has one;
                                     # "none"; or a posterior-sample file (relative to file)
    replications = 40                # replication r: seed + r, posterior particle r
    seed = 1
    indicator = "pct_unsafe"         # the indicator every question is asked about

    [fixed]                          # dotted scenario paths set in every run
    days = 730

    [[designs]]
    name = "as_run"
    kind = "cross_section"           # cross_section | panel | encouragement | stepped_wedge
    waves = [{ label = "pre", day = 364 }, { label = "post", day = 729 }]
    sample_sizes = [150, 300, 600]   # respondents per wave (a list gives a power curve)
    participant_share = 0.4          # cross-section: share of each wave drawn among members
    estimators = ["difference_in_means", "before_after", "did"]

>>> study = load_study("scenarios/studies/rotterdam.toml")           # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.errors import UserError
from sim.experiments.params import expand_overrides
from sim.posterior_sample import Draw, PosteriorSample, posterior_path, read_posterior
from sim.scenario import (
    Nonresponse,
    Scenario,
    ScenarioError,
    read_scenario_dict,
    read_toml,
    resolve_scenario_path,
    validate_scenario,
)
from sim.shipped import SCENARIO_DIR
from sim.survey import INDICATORS

STUDY_DIR = SCENARIO_DIR / "studies"

#: What each estimator estimates: the question it answers.
ESTIMATOR_QUESTION: dict[str, str] = {
    "difference_in_means": "exposure",
    "before_after": "intervention",
    "did": "intervention",
    "stepped_wedge": "intervention",
    "panel_fe": "exposure",
    "iv": "exposure",
}
#: Estimators each design can feed.
DESIGN_ESTIMATORS: dict[str, tuple[str, ...]] = {
    "cross_section": ("difference_in_means", "before_after", "did"),
    "panel": ("difference_in_means", "before_after", "did", "panel_fe"),
    "encouragement": ("difference_in_means", "iv"),
    "stepped_wedge": ("difference_in_means", "before_after", "stepped_wedge"),
}
#: Label of the panel wave taken before any group is active (day −1: the start of the run).
BEFORE_GROUPS = "before_groups"
#: A hard ceiling on replications × designs per study file.
MAX_REPLICATIONS = 5_000


class StudyError(UserError):
    """A study file that cannot be used; names file, field and allowed values."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WaveSpec(_Strict):
    """One survey round."""

    label: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    day: int = Field(ge=0, description="Day (0-based) at whose end the round is taken.")


class Invitation(_Strict):
    """Randomised encouragement: a random share of covered streets is invited to join."""

    share: float = Field(0.5, gt=0, lt=1, description="Share of covered streets invited.")
    boost: float = Field(
        5.0, gt=1, le=1000, description="Join chance × this on invited streets from 'day'."
    )
    day: int = Field(ge=0, description="Day the invitations go out.")


class DesignSpec(_Strict):
    """One candidate field study."""

    name: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: Literal["cross_section", "panel", "encouragement", "stepped_wedge"]
    description: str = ""
    waves: list[WaveSpec] = Field(min_length=1)
    sample_sizes: list[int] = Field(
        min_length=1, description="Respondents per round; several give a power curve."
    )
    as_run: int | None = Field(
        None,
        description="The sample size the real study used (one of sample_sizes): the report "
        "reads this size's figures as 'the design as run'.",
    )
    participant_share: float = Field(
        0.4,
        gt=0,
        lt=1,
        description="cross_section / stepped_wedge: share of each round's sample drawn "
        "among members (the rest among non-members).",
    )
    before_groups: bool = Field(
        False,
        description="panel: add a first round at the start of the run, before any group is "
        "active (everyone answers as a non-member).",
    )
    attrition: float = Field(0.0, ge=0, lt=1, description="panel: share lost per round.")
    invitation: Invitation | None = None
    nonresponse: Nonresponse | None = Field(
        None,
        description="Door-to-door response model of this design (the fields of the scenario's "
        "[survey.nonresponse]); default: the scenario's own.",
    )
    estimators: list[str] | None = Field(
        None, description="Estimators to apply (default: every one the design feeds)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> DesignSpec:
        labels = [w.label for w in self.waves]
        if len(set(labels)) != len(labels):
            raise ValueError(f"waves: repeated label in {labels}")
        if BEFORE_GROUPS in labels:
            raise ValueError(f"waves: the label {BEFORE_GROUPS!r} is reserved (before_groups)")
        days = [w.day for w in self.waves]
        if days != sorted(days) or len(set(days)) != len(days):
            raise ValueError(f"waves: days must increase, got {days}")
        bad = [n for n in self.sample_sizes if not 10 <= n <= 100_000]
        if bad:
            raise ValueError(f"sample_sizes: {bad[0]} is not allowed; allowed: 10–100000")
        if self.sample_sizes != sorted(set(self.sample_sizes)):
            raise ValueError(
                f"sample_sizes: must increase without repeats, got {self.sample_sizes}"
            )
        if self.as_run is not None and self.as_run not in self.sample_sizes:
            raise ValueError(
                f"as_run: {self.as_run} must be one of sample_sizes {self.sample_sizes}"
            )
        rounds = len(self.waves) + (self.before_groups and self.kind == "panel")
        if self.kind != "encouragement" and rounds < 2:
            raise ValueError(f"a {self.kind} design needs at least 2 rounds (waves)")
        if self.kind == "encouragement" and self.invitation is None:
            raise ValueError(
                "an encouragement design needs [designs.invitation] (share, boost, day)"
            )
        if self.kind != "encouragement" and self.invitation is not None:
            raise ValueError("'invitation' belongs to an encouragement design only")
        if self.kind != "panel" and (self.before_groups or self.attrition):
            raise ValueError("'before_groups' and 'attrition' belong to a panel design only")
        if self.invitation is not None and self.invitation.day > self.waves[-1].day:
            raise ValueError("invitation.day must be on or before the last wave")
        allowed = DESIGN_ESTIMATORS[self.kind]
        for est in self.estimators or ():
            if est not in allowed:
                raise ValueError(
                    f"estimators: {est!r} is not available for a {self.kind} design; "
                    f"allowed: {', '.join(allowed)}"
                )
        if self.estimators is not None and not self.estimators:
            raise ValueError("estimators: give at least one (or leave it out for all)")
        return self

    @property
    def used_estimators(self) -> tuple[str, ...]:
        """The estimators applied to this design."""
        return tuple(self.estimators or DESIGN_ESTIMATORS[self.kind])

    @property
    def rounds(self) -> list[tuple[str, int]]:
        """(label, day) of every round in order; the before-groups round has day −1."""
        first = [(BEFORE_GROUPS, -1)] if self.kind == "panel" and self.before_groups else []
        return first + [(w.label, w.day) for w in self.waves]


class Study(_Strict):
    """A whole study file."""

    name: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    scenario: str = Field("calibrated", description="The neighbourhoods: shipped name or path.")
    posterior: str = Field(
        "auto",
        description="'auto' (the scenario's own posterior sample if it has one), 'none', or a "
        "posterior-sample file relative to this file.",
    )
    fixed: dict[str, Any] = Field(default_factory=dict)
    replications: int = Field(20, ge=2, le=MAX_REPLICATIONS)
    seed: int = Field(1, ge=0, le=2**62)
    indicator: Literal[INDICATORS] = "pct_unsafe"  # type: ignore[valid-type]
    designs: list[DesignSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Study:
        names = [d.name for d in self.designs]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"designs: repeated design name {dup[0]!r}")
        return self


class LoadedStudy:
    """A study file with its scenario resolved and checked against every design."""

    def __init__(
        self,
        spec: Study,
        base: Scenario,
        path: Path,
        posterior: PosteriorSample | None,
        fixed_paths: frozenset[str],
    ):
        self.spec, self.base, self.path = spec, base, path
        self.posterior, self.fixed_paths = posterior, fixed_paths

    def __repr__(self) -> str:
        return f"LoadedStudy({self.spec.name!r}, {len(self.spec.designs)} designs)"

    def content_hash(self) -> str:
        """SHA-256 of what determines the results (not name, description or file layout)."""
        blob = self.spec.model_dump(
            mode="json", exclude={"description", "name", "scenario", "posterior", "replications"}
        )
        for d in blob["designs"]:
            d.pop("description", None)
        blob["base_scenario_hash"] = self.base.content_hash()
        blob["posterior_hash"] = self.posterior.content_hash if self.posterior else None
        text = json.dumps(blob, sort_keys=True, ensure_ascii=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def seed_of(self, replication: int) -> int:
        """Replication ``r`` uses seed + r in every run (common random numbers)."""
        return self.spec.seed + replication

    def particle_of(self, replication: int) -> Draw | None:
        """The posterior particle of replication ``r``, or None without a posterior."""
        if self.posterior is None:
            return None
        return self.posterior.draw(replication, self.spec.seed)

    def scenario_of(self, replication: int) -> Scenario:
        """The neighbourhoods of replication ``r``: the particle's values (except ``[fixed]``
        paths) on the base scenario."""
        draw = self.particle_of(replication)
        if draw is None or not draw.overrides:
            return self.base
        kept = {k: v for k, v in draw.overrides.items() if k not in self.fixed_paths}
        return self.base.with_overrides(
            expand_overrides(kept, self.base), f"posterior particle {draw.particle}"
        )


def _describe(err: dict) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return f"field {loc!r}: unknown key (check the spelling)"
    if err["type"] == "literal_error":
        return f"field {loc!r}: allowed values are {err['ctx']['expected']}, got {err['input']!r}"
    if err["type"] == "missing":
        return f"field {loc!r}: required, missing"
    return f"field {loc!r}: {msg}" + (
        "" if err["type"] == "value_error" else f", got {err.get('input')!r}"
    )


def _base_scenario(spec: Study, path: Path) -> tuple[Scenario, Path, frozenset[str]]:
    candidate = path.parent / spec.scenario
    scen_path = candidate if candidate.is_file() else resolve_scenario_path(spec.scenario)
    if not scen_path.is_file():
        raise StudyError(
            f"{path}: field 'scenario': {spec.scenario!r} not found (looked next to the file "
            f"and among the shipped scenarios)"
        )
    try:
        base = validate_scenario(read_scenario_dict(scen_path), str(scen_path))
        concrete = expand_overrides(dict(spec.fixed), base) if spec.fixed else {}
        if concrete:
            base = base.with_overrides(concrete, f"{path}: [fixed]")
    except ScenarioError as e:
        raise StudyError(str(e)) from None
    except (KeyError, IndexError, AttributeError) as e:
        raise StudyError(f"{path}: field 'fixed': unknown path ({e})") from None
    # the study takes its own survey rounds: the scenario's waves are not drawn
    base = base.with_overrides({"survey.waves": []}, f"{path}: study rounds")
    return base, scen_path, frozenset(concrete)


def _posterior(
    spec: Study, path: Path, scen_path: Path, base: Scenario, given: str | Path | None
) -> PosteriorSample | None:
    if given is not None:
        if str(given).lower() == "none":
            return None
        where, file = "argument --posterior", Path(given)
    elif spec.posterior == "none":
        return None
    elif spec.posterior == "auto":
        file = posterior_path(scen_path)
        if not file.is_file():
            return None
        where = f"{path}: field 'posterior' (auto: {file.name} next to the scenario)"
    else:
        where, file = f"{path}: field 'posterior'", (path.parent / spec.posterior).resolve()
    if not file.is_file():
        raise StudyError(f"{where}: posterior-sample file {str(file)!r} not found")
    try:
        return read_posterior(file, base)
    except UserError as e:
        raise StudyError(f"{where}: {e}") from None


def _check_against_scenario(spec: Study, base: Scenario, path: Path) -> None:
    area_names = [a.name for a in base.areas]
    if not any(a.groups for a in base.areas):
        raise StudyError(f"{path}: field 'scenario': {base.name!r} has no app groups to study")
    for i, d in enumerate(spec.designs):
        where = f"{path}: field 'designs.{i}"
        for j, w in enumerate(d.waves):
            if w.day >= base.days:
                raise StudyError(
                    f"{where}.waves.{j}.day': day {w.day} is past the scenario's last day "
                    f"({base.days - 1})"
                )
        iv_days = sorted({iv.day for iv in base.interventions})
        needing = [e for e in d.used_estimators if ESTIMATOR_QUESTION[e] == "intervention"]
        wants_intervention = bool(needing)
        if wants_intervention and not iv_days:
            other = [e for e in DESIGN_ESTIMATORS[d.kind] if e not in needing]
            raise StudyError(
                f"{where}.estimators': {base.name!r} has no [[interventions]], which the "
                f"intervention estimators ({', '.join(needing)}) need; allowed here: "
                f"{', '.join(other)}"
            )
        if wants_intervention and not (d.rounds[0][1] < iv_days[0] <= d.rounds[-1][1]):
            raise StudyError(
                f"{where}.waves': an intervention study needs a round before the first "
                f"intervention (day {iv_days[0]}) and one after it; rounds are on days "
                f"{[day for _, day in d.rounds]}"
            )
        if d.kind == "stepped_wedge":
            steps = {tuple(iv.areas) or tuple(area_names): iv.day for iv in base.interventions}
            if len(set(steps.values())) < 2:
                raise StudyError(
                    f"{where}.kind': a stepped wedge needs interventions in different areas on "
                    f"different days; {base.name!r} has them on {iv_days}"
                )
        if d.kind == "encouragement" and base.membership.join_rate <= 0:
            raise StudyError(
                f"{where}.invitation': membership.join_rate is 0 in {base.name!r}, so an "
                f"invitation cannot change who joins; set it above 0 in [fixed]"
            )


def parse_study(data: dict, origin: str | Path, posterior: str | Path | None = None) -> LoadedStudy:
    """Validate a parsed study table; see :func:`load_study`."""
    path = Path(origin)
    try:
        spec = Study.model_validate(data)
    except ValidationError as e:
        lines = [_describe(err) for err in e.errors()]
        raise StudyError(
            f"{path}: " + ("\n  " if len(lines) > 1 else "") + "\n  ".join(lines)
        ) from None
    base, scen_path, fixed_paths = _base_scenario(spec, path)
    _check_against_scenario(spec, base, path)
    post = _posterior(spec, path, scen_path, base, posterior)
    return LoadedStudy(spec, base, path, post, fixed_paths)


def resolve_study_path(name: str | Path) -> Path:
    """A path as given, or the name of a shipped study in ``scenarios/studies``."""
    return resolve_scenario_path(name, STUDY_DIR)


def load_study(path: str | Path, posterior: str | Path | None = None) -> LoadedStudy:
    """Read and check a study file; :class:`StudyError` on any mistake.

    ``posterior`` (as given on the command line; ``"none"`` for none) replaces the file's.
    """
    path = resolve_study_path(path)
    if path.is_dir():
        raise StudyError(f"{path}: is a folder, not a study file")
    return parse_study(read_toml(path, StudyError), path, posterior)


def validate_study_file(path: str | Path) -> LoadedStudy:
    """Check a study file for ``buurtsim validate``; raises :class:`UserError` naming file and
    field (the pluggable validator of the study file kind)."""
    return load_study(path)
