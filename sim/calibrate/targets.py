"""Calibration targets: loading and validating ``calibration/targets.toml``.

A target is one observable of a simulated run (a run summary, a daily value or a virtual
survey indicator) with what the field observed: an interval or a direction, a certainty grade
(H, M, L, dir) from which its weight follows, and its source.

>>> targets = load_targets("calibration/targets.toml")   # doctest: +SKIP
>>> [t.id for t in targets.used()][:3]                   # doctest: +SKIP
['F1', 'F1-often', 'F2']
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim import tomlfile
from sim.errors import UserError
from sim.shipped import CALIBRATION_DIR
from sim.tomlfile import read_toml

DEFAULT_TARGETS = CALIBRATION_DIR / "targets.toml"
CERTAINTIES = ("H", "M", "L", "dir")
RESPONDENTS = ("participants", "non_participants", "gap", "population")
INDICATORS = ("pct_unsafe", "pct_often", "safety_grade", "report_willingness", "gov_proximity")


class TargetsError(UserError):
    """A targets file that cannot be used; the message names file, target and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CalibrationScenario(_Strict):
    """A scenario simulated for every parameter set."""

    file: str = Field(description="Scenario file, relative to scenarios/ or to the targets file.")
    description: str = ""
    primary: bool = Field(False, description="The scenario scenarios/calibrated.toml extends.")
    without_groups: bool = Field(False, description="Simulate with every area's groups = 0.")
    overrides: dict[str, object] = Field(
        default_factory=dict, description="Dotted overrides applied first."
    )


class Target(_Strict):
    """One field fact as an observable with its observed interval or direction."""

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    observable: Literal["summary", "daily", "survey"]
    scenario: str
    definition: str = Field(min_length=1)
    certainty: Literal["H", "M", "L", "dir"]
    source: str = Field(min_length=1)
    scale: float = Field(gt=0)
    interval: tuple[float, float] | None = None
    direction: Literal["positive", "negative"] | None = None
    log: bool = False
    use: bool = True
    why_not_used: str = ""
    note: str = ""
    missing: str = ""
    # summary
    key: str | None = None
    relative_to: str | None = None
    transform: Literal["prevalence"] | None = None
    # daily
    column: str | None = None
    minus: str | None = None
    day: int | None = Field(None, ge=0)
    # survey
    indicator: Literal[INDICATORS] | None = None  # type: ignore[valid-type]
    respondents: Literal[RESPONDENTS] | None = None  # type: ignore[valid-type]
    waves: list[str] = Field(default_factory=list)
    change: tuple[str, str] | None = None
    area: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if (self.interval is None) == (self.direction is None):
            raise ValueError("give exactly one of 'interval' or 'direction'")
        if self.interval is not None:
            lo, hi = self.interval
            if lo > hi:
                raise ValueError(f"interval: low {lo} is above high {hi}")
            if self.log and lo <= 0:
                raise ValueError("interval: log = true needs a positive interval")
        if self.use is False and not self.why_not_used:
            raise ValueError("use = false needs 'why_not_used'")
        needs = {
            "summary": ("key",),
            "daily": ("column", "day"),
            "survey": ("indicator", "respondents"),
        }[self.observable]
        for name in needs:
            if getattr(self, name) is None:
                raise ValueError(f"observable {self.observable!r} needs field {name!r}")
        if self.observable == "survey" and bool(self.waves) == (self.change is not None):
            raise ValueError("a survey target needs exactly one of 'waves' or 'change'")
        return self

    def weight(self, weights: dict[str, float]) -> float:
        """The weight that follows from the certainty grade."""
        return weights[self.certainty]

    def scenarios(self) -> list[str]:
        """Calibration scenarios this target needs."""
        return [self.scenario] + ([self.relative_to] if self.relative_to else [])


class Missing(_Strict):
    figure: str
    source: str
    consequence: str


class Targets(_Strict):
    """The whole targets file."""

    version: int = 1
    weights: dict[Literal["H", "M", "L", "dir"], float]
    scenarios: dict[str, CalibrationScenario]
    target: list[Target] = Field(min_length=1)
    missing: list[Missing] = Field(default_factory=list)
    path: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Targets:
        absent = [c for c in CERTAINTIES if c not in self.weights]
        if absent:
            raise ValueError(f"weights: missing grade(s) {', '.join(absent)}")
        if any(w <= 0 for w in self.weights.values()):
            raise ValueError("weights: every weight must be > 0")
        ids = [t.id for t in self.target]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"target ids must be unique; repeated: {', '.join(dup)}")
        for t in self.target:
            for name in t.scenarios():
                if name not in self.scenarios:
                    raise ValueError(
                        f"target {t.id}: unknown scenario {name!r}; allowed: "
                        f"{', '.join(self.scenarios)}"
                    )
        primaries = [n for n, s in self.scenarios.items() if s.primary]
        if len(primaries) != 1:
            raise ValueError(
                f"exactly one scenario must have primary = true (found {len(primaries)})"
            )
        return self

    # -- views ---------------------------------------------------------------------------
    @property
    def primary(self) -> str:
        return next(n for n, s in self.scenarios.items() if s.primary)

    def used(self) -> list[Target]:
        return [t for t in self.target if t.use]

    def needed_scenarios(self) -> list[str]:
        """Scenarios at least one used target needs, in file order."""
        needed = {s for t in self.used() for s in t.scenarios()} | {self.primary}
        return [n for n in self.scenarios if n in needed]

    def by_id(self, target_id: str) -> Target:
        for t in self.target:
            if t.id == target_id:
                return t
        raise KeyError(target_id)

    def content_hash(self) -> str:
        blob = json.dumps(self.model_dump(mode="json", exclude={"path"}), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


def _describe(err: dict, data: dict) -> str:
    loc = list(err["loc"])
    where = ".".join(str(p) for p in loc) or "(top level)"
    if len(loc) >= 2 and loc[0] == "target" and isinstance(loc[1], int):
        try:
            tid = data["target"][loc[1]].get("id", f"#{loc[1] + 1}")
        except (IndexError, AttributeError, KeyError):
            tid = f"#{loc[1] + 1}"
        rest = ".".join(str(p) for p in loc[2:])
        where = f"target {tid}" + (f", field {rest!r}" if rest else "")
    else:
        where = f"field {where!r}"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key (check the spelling)"
    elif err["type"] == "literal_error":
        msg = f"allowed values are {(err.get('ctx') or {}).get('expected')}, got {err['input']!r}"
    return f"{where}: {msg}"


def load_targets(path: str | Path = DEFAULT_TARGETS) -> Targets:
    """Read and validate a targets file; every mistake becomes one :class:`TargetsError`."""
    path = Path(path)
    data = read_toml(path, TargetsError)
    targets = tomlfile.validate(Targets, data, path, TargetsError, lambda err: _describe(err, data))
    targets.path = str(path)
    return targets
