"""Posterior outputs: samples (Parquet), the posterior-median scenario and per-particle
scenario overrides that ``sweep`` and ``app`` can use to show uncertainty.

Posterior-sample file (``posterior_overrides.parquet``): one row per accepted particle of the
last generation; column ``weight`` (normalised importance weight), column ``particle``, and
one column per dotted scenario path of the primary calibration scenario (e.g.
``membership.selection_worry``, ``areas.0.worry_shift``) holding the value to set with
``Scenario.with_overrides``. The file's Parquet metadata key ``buurtsim`` holds JSON with the
base scenario file and the calibration's hashes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.calibrate.priors import Priors, dotted_name
from sim.scenario import Scenario


def posterior_table(history: Any, priors: Priors | None = None, m: int = 0) -> pd.DataFrame:
    """The last generation's particles of model structure ``m``: one column per parameter
    (dotted names, natural scale) + weight (normalised within the structure). Empty if the
    structure has no particles left."""
    df, w = history.get_distribution(m=m, t=history.max_t)
    df = df.rename(columns=dotted_name).reset_index(drop=True)
    if len(df) == 0:
        cols = priors.names() if priors is not None else list(df.columns)
        return pd.DataFrame(columns=[*cols, "weight", "generation"], dtype=float)
    if priors is not None:
        for name, p in priors.parameter.items():
            if name in df:
                df[name] = [p.from_abc(v) for v in df[name]]
    df["weight"] = np.asarray(w, dtype=float) / np.sum(w)
    df["generation"] = int(history.max_t)
    return df


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """Quantile(s) ``q`` of ``x`` under weights ``w`` (inverse of the weighted CDF)."""
    order = np.argsort(x)
    x, w = np.asarray(x)[order], np.asarray(w)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / np.sum(w)
    return np.interp(q, cdf, x)


def posterior_stats(post: pd.DataFrame, priors: Priors) -> pd.DataFrame:
    """Median and 90 % credible interval per parameter, with the prior range."""
    rows = []
    for name, p in priors.parameter.items():
        lo, med, hi = weighted_quantile(
            post[name].to_numpy(), post["weight"].to_numpy(), np.array([0.05, 0.5, 0.95])
        )
        rows.append(
            {
                "parameter": name,
                "median": med,
                "q05": lo,
                "q95": hi,
                "prior_low": p.low,
                "prior_high": p.high,
                "width_vs_prior": (hi - lo) / (0.9 * (p.high - p.low)),
            }
        )
    return pd.DataFrame(rows)


def particle_overrides(
    post: pd.DataFrame, priors: Priors, base: Scenario, scenario_name: str
) -> pd.DataFrame:
    """Per particle, the dotted overrides of the primary scenario (see module docstring)."""
    rows = []
    for i, row in post.iterrows():
        values = {n: float(row[n]) for n in priors.names()}
        ov = priors.overrides(values, scenario_name, base)
        rows.append({"particle": int(i), "weight": float(row["weight"]), **ov})
    return pd.DataFrame(rows)


def write_parquet(df: pd.DataFrame, path: Path, meta: dict[str, Any] | None = None) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    if meta:
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), b"buurtsim": json.dumps(meta).encode()}
        )
    pq.write_table(table, path)


# --------------------------------------------------------------------------- TOML


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        return repr(float(round(float(v), 6)))
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _nest(overrides: dict[str, Any], base: Scenario) -> dict[str, Any]:
    """Dotted overrides as nested tables; a path into a list rewrites the whole list."""
    data = base.model_dump(mode="json", exclude_none=True)
    out: dict[str, Any] = {}
    for path, value in overrides.items():
        parts = path.split(".")
        top = parts[0]
        if isinstance(data.get(top), list):
            lst = out.setdefault(top, json.loads(json.dumps(data[top])))
            node = lst
            for p in parts[1:-1]:
                node = node[int(p)] if isinstance(node, list) else node[p]
            node[parts[-1] if not isinstance(node, list) else int(parts[-1])] = value
            continue
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return out


def calibrated_toml(
    overrides: dict[str, Any],
    base: Scenario,
    base_file: Path,
    dest: Path,
    header: str,
    description: str = "Posterior median of the calibration against the Rotterdam field research",
) -> str:
    """Text of a scenario that ``extends`` ``base_file`` with ``overrides`` (one posterior
    point)."""
    nested = _nest(overrides, base)
    base_abs, dest_dir = base_file.resolve(), dest.parent.resolve()
    try:  # relative when both live in one project folder, else absolute
        common = Path(os.path.commonpath([base_abs, dest_dir]))
    except ValueError:
        common = Path("/")
    rel = (
        os.path.relpath(base_abs, dest_dir)
        if common != Path("/") and len(common.parts) > 2
        else str(base_abs)
    )
    lines = ["# " + line if line else "#" for line in header.splitlines()]
    lines += [
        f"extends = {_toml_value(rel)}",
        f"name = {_toml_value(base.name + '_calibrated')}",
        f"description = {_toml_value(description)}",
        "",
    ]
    arrays = {k: v for k, v in nested.items() if isinstance(v, list)}
    tables = {k: v for k, v in nested.items() if isinstance(v, dict)}
    scalars = {k: v for k, v in nested.items() if k not in arrays and k not in tables}
    lines[-1:-1] = [f"{k} = {_toml_value(v)}" for k, v in scalars.items()]
    for name, table in tables.items():
        _write_table(lines, name, table)
    for name, items in arrays.items():
        for item in items:
            lines.append(f"[[{name}]]")
            for k, v in item.items():
                if v != {}:
                    lines.append(f"{k} = {_toml_value(v)}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _write_table(lines: list[str], name: str, table: dict[str, Any]) -> None:
    flat = {k: v for k, v in table.items() if not isinstance(v, dict)}
    if flat:
        lines.append(f"[{name}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in flat.items()]
        lines.append("")
    for k, v in table.items():
        if isinstance(v, dict):
            _write_table(lines, f"{name}.{k}", v)
