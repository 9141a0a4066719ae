"""Shared helpers of the analyses: reading a finished sweep, choosing outcomes, writing reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.experiments.store import ResultStore


@dataclass
class Sweep:
    """A finished sweep as read for analysis."""

    store: ResultStore
    runs: pd.DataFrame
    design: pd.DataFrame

    @property
    def manifest(self) -> dict:
        return self.store.manifest

    @property
    def factors(self) -> list[str]:
        return [f["name"] for f in self.manifest["factors"]]

    def per_replication(self, outcome: str) -> np.ndarray:
        """Outcome as a (points × replications) array (NaN where a run gave none)."""
        table = self.runs.pivot(index="point", columns="replication", values=outcome)
        return table.sort_index().to_numpy(dtype=float)


def read_sweep(results: str | Path, *, complete: bool = True) -> Sweep:
    """Open a results folder; with ``complete``, refuse one that still misses runs."""
    store = ResultStore.load(results)
    runs = store.table("runs")
    total = store.manifest["runs"]
    if complete and len(runs) < total:
        raise UserError(
            f"{results}: the sweep is not complete ({len(runs)} of {total} runs stored); run "
            f"'buurtsim sweep {store.manifest['experiment_file']} --out {results}' again to "
            f"finish it"
        )
    return Sweep(store, runs, store.design())


def choose_outcomes(sweep: Sweep, wanted: list[str] | None) -> list[str]:
    """The outcomes to analyse: ``wanted`` (checked) or every stored outcome."""
    stored = list(sweep.manifest["outcomes"])
    if not wanted:
        return stored
    names = [w.strip() for item in wanted for w in item.split(",") if w.strip()]
    bad = [n for n in names if n not in stored]
    if bad:
        raise UserError(
            f"argument --outcome: {bad[0]!r} is not stored in this sweep; allowed: "
            f"{', '.join(stored)}"
        )
    return names


def posterior_note(manifest: dict) -> str:
    """A sentence for reports when the sweep ran at posterior particles ('' otherwise)."""
    post = manifest.get("posterior")
    if not post:
        return ""
    distinct = len(set(post["particles"]))
    return (
        f"Replication r ran at the posterior particle drawn for r ({distinct} distinct "
        f"particles of {post['particles_in_file']} in `{Path(post['file']).name}`, sha256 "
        f"`{post['hash'][:12]}`), the same at every point: the spread over replications "
        f"includes the calibrated parameters' uncertainty as well as chance."
    )


def noise_share(values: np.ndarray) -> float:
    """Share of the run-to-run variance that lies between replications of the same point
    (NaN with a single replication: the noise cannot be told from the factors' effects)."""
    if values.shape[1] < 2:
        return float("nan")
    total = np.nanvar(values)
    if not total > 0:
        return float("nan")
    return float(np.nanmean(np.nanvar(values, axis=1)) / total)


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A GitHub-flavoured Markdown table of ``frame``."""

    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return "–" if np.isnan(v) else f"{v:.{digits}f}"
        return str(v)

    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([head, rule, *rows])


def write_outputs(folder: Path, files: dict[str, object]) -> Path:
    """Write a folder of outputs in one atomic step (an old folder is replaced only on success).

    ``files`` maps file names to a DataFrame (``.csv``/``.parquet``), a matplotlib figure
    (``.png``) or text (``.md``).
    """
    from sim.outputs import atomic_dir

    with atomic_dir(folder, "analysis") as tmp:
        for name, content in files.items():
            target = tmp / name
            if name.endswith(".csv"):
                content.to_csv(target, index=False)
            elif name.endswith(".parquet"):
                content.to_parquet(target, index=False)
            elif name.endswith(".png"):
                content.savefig(target, dpi=120, bbox_inches="tight")
            else:
                target.write_text(str(content), encoding="utf-8")
    return folder
