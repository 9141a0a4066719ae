"""Posterior samples of a calibration: read, check and draw particles (for sweeps and the app).

``buurtsim calibrate`` writes a posterior-sample file (``scenarios/calibrated_posterior.parquet``)
with one row per particle: ``particle`` (its id), ``weight`` and one column per dotted scenario
path whose value overrides the scenario (``crime.theft_rate``, ``areas.0.worry_shift``, as in
:meth:`sim.scenario.Scenario.with_overrides`). Running the model at particles drawn by weight
turns parameter uncertainty into spread of the outcomes.

Draw ``i`` with seed ``s`` depends on ``(s, i)`` alone, so it is the same in every process and
whether 2 or 200 draws are taken. A particle of weight 0 is never drawn.

>>> post = read_posterior("scenarios/calibrated_posterior.parquet",
...                       load_scenario("scenarios/calibrated.toml"))    # doctest: +SKIP
>>> [d.particle for d in post.draws(3, seed=1)]                          # doctest: +SKIP
[41, 7, 41]
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import UserError
from sim.params import ParamInfo, PathError, describe_path, expand_overrides
from sim.scenario import Scenario, ScenarioError

#: ``<scenario stem>`` + this, next to a scenario file, is that scenario's posterior sample.
SUFFIX = "_posterior.parquet"
ID, WEIGHT = "particle", "weight"
#: Keeps the particle draws apart from the engine's random numbers for the same seed.
_STREAM = 0x706F7374


class PosteriorError(UserError):
    """A posterior-sample file that cannot be used; names the file and the column."""


@dataclass(frozen=True)
class Draw:
    """One draw: its index, the particle drawn and that particle's scenario overrides."""

    index: int
    particle: int
    overrides: dict[str, Any]


@dataclass(frozen=True, eq=False)
class PosteriorSample:
    """The checked particles of one posterior-sample file."""

    path: Path
    particles: tuple[int, ...]
    overrides: tuple[dict[str, Any], ...]
    weights: np.ndarray = field(repr=False)
    content_hash: str = ""

    def __len__(self) -> int:
        return len(self.particles)

    def draw(self, index: int, seed: int) -> Draw:
        """Draw number ``index`` for ``seed``: a particle chosen with probability ∝ weight."""
        if index < 0 or seed < 0:
            raise ValueError(f"index and seed must be >= 0, got {index}, {seed}")
        cdf = np.cumsum(self.weights)
        u = np.random.default_rng([_STREAM, seed, index]).random() * cdf[-1]
        row = min(int(np.searchsorted(cdf, u, side="right")), len(cdf) - 1)
        while self.weights[row] <= 0:  # rounding at the top end: step back to a real particle
            row -= 1
        return Draw(index, self.particles[row], dict(self.overrides[row]))

    def draws(self, n: int, seed: int) -> list[Draw]:
        """Draws ``0 .. n-1`` for ``seed``."""
        return [self.draw(i, seed) for i in range(n)]


def apply_draw(scenario: Scenario, overrides: dict[str, Any], origin: str) -> Scenario:
    """``scenario`` with a particle's overrides (``*`` paths expanded)."""
    if not overrides:
        return scenario
    return scenario.with_overrides(expand_overrides(overrides, scenario), origin)


def posterior_path(scenario_file: str | Path) -> Path:
    """Where a scenario's posterior sample lives: ``<stem>_posterior.parquet`` next to it."""
    path = Path(scenario_file)
    return path.with_name(path.stem + SUFFIX)


def file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_posterior(path: str | Path, base: Scenario) -> PosteriorSample:
    """Read and check a posterior-sample file against ``base``; :class:`PosteriorError` if bad.

    Every parameter column must be a dotted path of ``base`` and every value within the
    schema's bounds; weights must be finite, non-negative and not all zero.
    """
    import pandas as pd
    import pyarrow as pa

    path = Path(path)
    try:
        table = pd.read_parquet(path)
    except FileNotFoundError:
        raise PosteriorError(f"{path}: posterior-sample file not found") from None
    except (OSError, ValueError, pa.ArrowException) as e:
        raise PosteriorError(f"{path}: not a readable Parquet file ({e})") from None
    ids = _particle_ids(path, table)
    weights = _weights(path, table)
    columns = [c for c in table.columns if c not in (ID, WEIGHT)]
    if not columns:
        raise PosteriorError(
            f"{path}: no parameter columns; expected one column per dotted "
            f"scenario path (e.g. 'crime.theft_rate') besides {ID!r} and "
            f"{WEIGHT!r}"
        )
    infos = {c: _column_info(path, c, base) for c in columns}
    rows = []
    for i, pid in enumerate(ids):
        ov = {c: _value(path, c, infos[c], table[c].iloc[i], pid) for c in columns}
        try:
            apply_draw(base, ov, f"{path}: particle {pid}")
        except ScenarioError as e:
            raise PosteriorError(str(e)) from None
        rows.append(ov)
    return PosteriorSample(path, tuple(ids), tuple(rows), weights, file_hash(path))


def _particle_ids(path: Path, table: Any) -> list[int]:
    if ID not in table.columns:
        return list(range(len(table)))
    values = table[ID]
    if values.isna().any() or not all(float(v).is_integer() for v in values):
        raise PosteriorError(f"{path}: column {ID!r}: particle ids must be whole numbers")
    ids = [int(v) for v in values]
    if len(set(ids)) != len(ids):
        raise PosteriorError(f"{path}: column {ID!r}: particle ids must be unique")
    return ids


def _weights(path: Path, table: Any) -> np.ndarray:
    if WEIGHT not in table.columns:
        raise PosteriorError(
            f"{path}: column {WEIGHT!r} missing; a posterior sample needs "
            f"columns {ID!r}, {WEIGHT!r} and one per dotted scenario path"
        )
    if len(table) == 0:
        raise PosteriorError(f"{path}: no particles (the file has no rows)")
    try:
        w = table[WEIGHT].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise PosteriorError(f"{path}: column {WEIGHT!r}: weights must be numbers") from None
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise PosteriorError(
            f"{path}: column {WEIGHT!r}: weight {float(w[bad][0])!r} of row "
            f"{int(np.flatnonzero(bad)[0])}; allowed: finite numbers >= 0, "
            f"not all 0"
        )
    if w.sum() <= 0:
        raise PosteriorError(
            f"{path}: column {WEIGHT!r}: all weights are 0; allowed: finite numbers >= 0, not all 0"
        )
    return w


def _column_info(path: Path, column: str, base: Scenario) -> ParamInfo:
    try:
        return describe_path(str(column), base)
    except PathError as e:
        raise PosteriorError(
            f"{path}: column {column!r} is not a scenario parameter: {e}"
        ) from None


def _value(path: Path, column: str, info: ParamInfo, raw: Any, pid: int) -> Any:
    value = raw.item() if isinstance(raw, np.generic) else raw
    if info.is_named(value):
        return value
    if info.kind == "choice":
        ok = value in info.choices
    elif info.kind == "bool":
        ok = isinstance(value, bool)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        ok = (
            math.isfinite(value)
            and info.contains(value)
            and (info.kind == "float" or float(value).is_integer())
        )
    else:
        ok = False
    if not ok:
        raise PosteriorError(
            f"{path}: column {column!r}: value {value!r} of particle {pid} "
            f"is not allowed; allowed: {info.allowed()}"
        )
    return {"int": int, "float": float}.get(info.kind, lambda v: v)(value)
