"""Model structures compared by the calibration (``calibration/structures.toml``).

A *structure* is a named set of scenario overrides applied to every calibration scenario
after the free parameters, e.g. ``contagion.model = "opinion"`` or a mechanism switched
off. ABC-SMC with model selection (pyabc) samples the structures next to the parameters,
so the posterior says how probable each structure is given the targets, and the
decomposition is reported per structure.

>>> s = load_structures("calibration/structures.toml")        # doctest: +SKIP
>>> list(s.structure)                                           # doctest: +SKIP
['reference', 'no_selection']
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sim import tomlfile
from sim.calibrate.targets import CALIBRATION_DIR, TargetsError, _describe
from sim.scenario import Scenario, ScenarioError
from sim.tomlfile import read_toml

DEFAULT_STRUCTURES = CALIBRATION_DIR / "structures.toml"


class StructuresError(TargetsError):
    """A structures file that cannot be used."""


class Structure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1)
    overrides: dict[str, Any] = Field(default_factory=dict)
    why: str = ""


class Structures(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    structure: dict[str, Structure] = Field(min_length=1)
    path: str = ""

    def names(self) -> list[str]:
        return list(self.structure)

    def select(self, names: list[str] | None) -> Structures:
        """Only the structures ``names`` (in that order); all if ``names`` is empty."""
        if not names:
            return self
        unknown = [n for n in names if n not in self.structure]
        if unknown:
            raise StructuresError(
                f"{self.path}: --structure {unknown[0]!r} is not defined; allowed: "
                f"{', '.join(self.structure)}"
            )
        out = self.model_copy(update={"structure": {n: self.structure[n] for n in names}})
        out.path = self.path
        return out

    def content_hash(self) -> str:
        blob = json.dumps(self.model_dump(mode="json", exclude={"path"}), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


def single(name: str = "reference") -> Structures:
    """One structure without overrides: a calibration without model comparison."""
    return Structures(structure={name: Structure(description="the scenarios as written")})


def load_structures(path: str | Path = DEFAULT_STRUCTURES) -> Structures:
    """Read and validate a structures file; mistakes name the file, structure and field."""
    path = Path(path)
    data = read_toml(path, StructuresError)
    structures = tomlfile.validate(
        Structures, data, path, StructuresError, lambda err: _describe(err, data)
    )
    structures.path = str(path)
    return structures


def check_structures(structures: Structures, scenarios: dict[str, Scenario]) -> None:
    """Every structure's overrides must be valid in every calibration scenario."""
    for name, s in structures.structure.items():
        for scen_name, scenario in scenarios.items():
            try:
                scenario.with_overrides(s.overrides, f"structure {name!r}")
            except ScenarioError as e:
                raise StructuresError(
                    f"{structures.path}: structure {name!r} (field 'overrides') in "
                    f"calibration scenario {scen_name!r}: {e}"
                ) from None
