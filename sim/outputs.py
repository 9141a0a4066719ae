"""Writing run outputs atomically: Parquet tables, metadata.json and a PNG of key series."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sim.engine import RunResult
from sim.outdir import check_out, make_ordinary, write_error
from sim.survey import gaps, indicators


@contextlib.contextmanager
def atomic_dir(path: str | Path, kind: str = "run", *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces ``path`` in one rename, on any
    error it is removed and ``path`` is left as it was.

    ``path`` is checked by :func:`sim.outdir.check_out` before and again just before the
    replacement, so a folder that holds anything buurtsim did not write is never replaced.
    A failed write (full disk, read-only folder) becomes a :class:`UserError`.
    """
    path = Path(path)
    check_out(path, kind, overwrite=overwrite)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=parent))
    except OSError as e:
        raise write_error(path, e) from None
    make_ordinary(tmp, folder=True)  # mkdtemp makes it private; results are ordinary folders
    try:
        try:
            yield tmp
        except OSError as e:
            raise write_error(path, e) from None
        check_out(path, kind, overwrite=overwrite)
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=parent))
            os.replace(path, old / path.name)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def plot_key_series(result: RunResult, png: Path) -> None:
    """Four panels of weekly series, burn-in shaded: unsafe members vs non-members, reports
    by channel, posts by type, crimes and arrests."""
    from sim.figures import subplots

    w = result.weekly()
    w = w[w["days"] == 7]  # a partial last week would look like a drop
    fig, axes = subplots(2, 2, figsize=(11, 7), sharex=True)
    panels = [
        (
            "% feeling unsafe (latent)",
            {"members": 100 * w["unsafe_members"], "non-members": 100 * w["unsafe_nonmembers"]},
        ),
        ("reports to police per week", {"112": w["reports_112"], "0900-8844": w["reports_0900"]}),
        (
            "group messages per week",
            {
                "alerts": w["posts_alert"],
                "chatter": w["posts_chatter"],
                "feedback": w["posts_feedback"],
            },
        ),
        ("crimes and arrests per week", {"crimes": w["crimes"], "arrests": w["arrests"]}),
    ]
    burn_weeks = result.scenario.burn_in_days / 7
    for ax, (title, series) in zip(axes.ravel(), panels, strict=True):
        for label, y in series.items():
            ax.plot(w["week"], y, label=label, lw=1.2)
        ax.axvspan(0, burn_weeks, color="0.9", zorder=0)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8, frameon=False)
    for ax in axes[1]:
        ax.set_xlabel("week (grey: burn-in)")
    meta = result.metadata
    fig.suptitle(
        f"{meta['scenario_name']} — seed {meta['seed']}, {meta['residents']} residents,"
        f" {meta['groups']} groups",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def write_run(
    result: RunResult, out: str | Path, *, plot: bool = True, overwrite: bool = False
) -> list[str]:
    """Write all outputs of a run to folder ``out`` (replacing an earlier run there atomically);
    returns the names of the files written."""
    out = Path(out)
    with atomic_dir(out, "run", overwrite=overwrite) as tmp:
        result.daily.to_parquet(tmp / "daily.parquet", index=False)
        result.weekly().to_parquet(tmp / "weekly.parquet", index=False)
        result.groups.to_parquet(tmp / "groups.parquet", index=False)
        result.survey.to_parquet(tmp / "survey.parquet", index=False)
        if len(result.survey):
            indicators(result.survey).to_parquet(tmp / "indicators.parquet", index=False)
            gaps(result.survey).to_parquet(tmp / "gaps.parquet", index=False)
        for name, table in result.extras.items():  # the opt-in event logs (sim.logs)
            table.to_parquet(tmp / f"{name}.parquet", index=False)
        meta = {
            **result.metadata,
            "summary": result.summary(),
            "scenario": result.scenario.model_dump(mode="json"),
        }
        (tmp / "metadata.json").write_text(json.dumps(meta, indent=2, allow_nan=True))
        if plot:
            plot_key_series(result, tmp / "key_series.png")
        written = sorted(p.name for p in tmp.iterdir())
    return written
