"""The results store of a sweep: a folder of Parquet files that never loses a finished run.

Layout of a results folder::

    manifest.json        what was run: experiment, its hash, base scenario, design, version,
                         posterior sample (file, hash, particle per replication) if any
    design.parquet       one row per design point: factor values (and unit sample coordinates)
    runs/                one file per finished run: point, replication, seed, (particle,)
                         factors, outcomes
    weekly/              one file per run: point, replication, week, weekly series
    survey/              one file per run: survey indicators per wave and respondent group

Each folder is a Parquet dataset, read in one go by pandas (``pd.read_parquet("out/runs")``),
polars (``pl.read_parquet("out/runs/*.parquet")``) or DuckDB
(``SELECT * FROM 'out/runs/*.parquet'``). A run is written atomically as it finishes: its
weekly and survey files first, then its ``runs`` row, each to a temporary name and renamed.
The ``runs`` file is the commit mark: a run counts as done only when that file exists, reads
back intact and its companions do too; anything else is removed and computed again.

>>> store = ResultStore.open("results/demo", exp, design)   # doctest: +SKIP
>>> store.done()                                            # doctest: +SKIP
{(0, 0), (1, 0)}
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import UserError
from sim.experiments.design import Design
from sim.experiments.spec import LoadedExperiment
from sim.outdir import make_ordinary

TABLES = ("runs", "weekly", "survey")
MANIFEST = "manifest.json"
TMP_PREFIX = ".tmp-"


class StoreError(UserError):
    """A results folder that cannot be used for this experiment."""


def run_name(point: int, replication: int) -> str:
    """File stem of one run, e.g. ``p000012-r0003``."""
    return f"p{point:06d}-r{replication:04d}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write_atomic(table: pa.Table | pd.DataFrame, path: Path, durable: bool = False) -> None:
    """Write Parquet to a temporary sibling, then rename it into place.

    ``durable`` also forces the bytes to disk before the rename (survives a power cut).
    """
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".parquet", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            pq.write_table(table, fh)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        make_ordinary(Path(tmp))  # mkstemp makes it private; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(data: dict, path: Path) -> None:
    """Write JSON to a temporary sibling and rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False, default=str)
    make_ordinary(Path(tmp))
    os.replace(tmp, path)


def design_table(design: Design) -> pd.DataFrame:
    """The design points with their unit-sample coordinates (``unit:<factor>``)."""
    table = design.points.reset_index()
    if design.unit is not None:
        for j, name in enumerate(design.factors):
            table[f"unit:{name}"] = design.unit[:, j]
    return table


def manifest_for(exp: LoadedExperiment, design: Design) -> dict[str, Any]:
    """Everything needed to know what a results folder holds and to analyse it."""
    from sim import __version__

    spec = exp.spec
    return {
        "kind": "buurtsim-sweep",
        "experiment": spec.model_dump(mode="json"),
        "experiment_file": str(exp.path),
        "experiment_hash": exp.content_hash(),
        "base_scenario": exp.base.model_dump(mode="json"),
        "base_scenario_hash": exp.base.content_hash(),
        "method": design.method,
        "factors": [
            {"name": f.name, "path": f.path, "kind": exp.params[f.name].kind} for f in spec.factors
        ],
        "second_order": design.second_order,
        "levels": design.levels,
        "points": len(design),
        "replications": spec.replications,
        "runs": len(design) * spec.replications,
        "seeds": [exp.seed_of(r) for r in range(spec.replications)],
        "posterior": _posterior_entry(exp),
        "outcomes": list(spec.outputs.summary),
        "series": list(spec.outputs.weekly),
        "version": __version__,
        "created": _now(),
    }


def _posterior_entry(exp: LoadedExperiment) -> dict[str, Any] | None:
    """The posterior sample a sweep used: file, content hash, particle per replication."""
    post = exp.posterior
    if post is None:
        return None
    return {
        "file": str(post.path),
        "hash": post.content_hash,
        "particles_in_file": len(post),
        "particles": [exp.particle_of(r).particle for r in range(exp.spec.replications)],
    }


def _check_posterior(root: Path, found: dict, exp: LoadedExperiment) -> None:
    """Refuse to resume a sweep with another posterior sample (or with/without one)."""
    had = found.get("posterior") or {}
    want = exp.posterior
    if had.get("hash") == (want.content_hash if want else None):
        return
    before = (
        f"the posterior sample {had.get('file')!r} (sha256 {had['hash'][:12]})"
        if had.get("hash")
        else "no posterior sample"
    )
    now = f"{str(want.path)!r} (sha256 {want.content_hash[:12]})" if want else "no posterior sample"
    raise StoreError(
        f"--out {root}: these results were computed with {before}, this sweep "
        f"uses {now}; a resumed sweep must use the same posterior file (see "
        f"--posterior); choose another --out for a new sweep"
    )


def _flat(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


class ResultStore:
    """An open results folder for one experiment."""

    def __init__(self, root: Path, manifest: dict):
        self.root, self.manifest = Path(root), manifest

    # -- opening -------------------------------------------------------------------------
    @staticmethod
    def check(root: str | Path, exp: LoadedExperiment) -> None:
        """Raise :class:`StoreError` if ``root`` exists but is not this experiment's folder.

        Reads only; safe to call before anything is created.
        """
        root = Path(root)
        if not root.exists():
            return
        if not root.is_dir():
            raise StoreError(f"--out {root}: exists and is not a folder")
        manifest = root / MANIFEST
        if not manifest.exists():
            if any(root.iterdir()):
                raise StoreError(
                    f"--out {root}: folder is not empty and holds no sweep "
                    f"results ({MANIFEST} missing); choose another --out"
                )
            return
        try:
            found = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise StoreError(f"--out {root}: {MANIFEST} is unreadable ({e})") from None
        if found.get("experiment", {}).get("name") == exp.spec.name:
            _check_posterior(root, found, exp)
        if found.get("experiment_hash") != exp.content_hash():
            raise StoreError(
                f"--out {root}: holds results of a different experiment "
                f"({found.get('experiment', {}).get('name', '?')!r}, another design, seed or "
                f"base scenario); choose another --out or remove that folder"
            )

    @classmethod
    def open(cls, root: str | Path, exp: LoadedExperiment, design: Design) -> ResultStore:
        """Open ``root`` for ``exp``, creating it (atomically, with manifest) if missing."""
        root = Path(root)
        cls.check(root, exp)
        if not (root / MANIFEST).exists():
            cls._create(root, exp, design)
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        store = cls(root, manifest)
        store._sweep_temporaries()
        return store

    @staticmethod
    def _create(root: Path, exp: LoadedExperiment, design: Design) -> None:
        root.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{root.name}-", dir=root.parent))
        make_ordinary(tmp, folder=True)
        try:
            for name in TABLES:
                (tmp / name).mkdir()
            write_atomic(design_table(design), tmp / "design.parquet")
            write_json_atomic(manifest_for(exp, design), tmp / MANIFEST)
            if root.exists():
                root.rmdir()  # an empty folder given as --out
            os.replace(tmp, root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, root: str | Path) -> ResultStore:
        """Open an existing results folder for analysis; :class:`StoreError` if it is none."""
        root = Path(root)
        try:
            manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StoreError(
                f"{root}: not a sweep results folder ({MANIFEST} not found); "
                f"give the --out folder of 'buurtsim sweep'"
            ) from None
        except (OSError, json.JSONDecodeError) as e:
            raise StoreError(f"{root}: {MANIFEST} is unreadable ({e})") from None
        if manifest.get("kind") != "buurtsim-sweep":
            raise StoreError(f"{root}: {MANIFEST} is not a buurtsim sweep manifest")
        return cls(root, manifest)

    # -- scanning ------------------------------------------------------------------------
    def _sweep_temporaries(self) -> None:
        for path in self.root.rglob(f"{TMP_PREFIX}*"):
            path.unlink(missing_ok=True)

    def _path(self, table: str, point: int, replication: int) -> Path:
        return self.root / table / f"{run_name(point, replication)}.parquet"

    def _intact(self, point: int, replication: int) -> bool:
        try:
            row = pq.read_table(self._path("runs", point, replication)).to_pylist()
            if len(row) != 1 or (row[0]["point"], row[0]["replication"]) != (point, replication):
                return False
            for table in ("weekly", "survey"):
                rows = row[0][f"{table}_rows"]
                if (
                    rows
                    and pq.read_metadata(self._path(table, point, replication)).num_rows != rows
                ):
                    return False
            return True
        except (OSError, pa.ArrowException, KeyError):
            return False

    def done(self, repair: bool = True) -> set[tuple[int, int]]:
        """(point, replication) of every intact finished run; broken runs are removed."""
        found: set[tuple[int, int]] = set()
        for path in sorted((self.root / "runs").glob("p*-r*.parquet")):
            point, replication = (int(x[1:]) for x in path.stem.split("-"))
            if self._intact(point, replication):
                found.add((point, replication))
            elif repair:
                self.discard(point, replication)
        return found

    def discard(self, point: int, replication: int) -> None:
        """Remove every file of one run (the runs row first, so it no longer counts)."""
        for table in TABLES:
            self._path(table, point, replication).unlink(missing_ok=True)

    # -- writing -------------------------------------------------------------------------
    def write(
        self,
        point: int,
        replication: int,
        params: dict[str, Any],
        result: dict[str, Any],
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Store one finished run atomically (companions first, the runs row last)."""
        key = {"point": point, "replication": replication}
        counts = {}
        for table in ("weekly", "survey"):
            frame = result.get(table)
            counts[f"{table}_rows"] = 0 if frame is None else len(frame)
            if frame is not None and len(frame):
                frame = frame.copy()
                frame.insert(0, "replication", replication)
                frame.insert(0, "point", point)
                write_atomic(frame, self._path(table, point, replication))
        row = {
            **key,
            "seed": int(result["seed"]),
            **{k: _flat(v) for k, v in params.items()},
            **{k: float(v) for k, v in result["summary"].items()},
            "scenario_hash": result["scenario_hash"],
            "experiment_hash": self.manifest["experiment_hash"],
            "version": result["version"],
            "elapsed_s": float(result["elapsed_s"]),
            **counts,
            "finished": _now(),
            **(extra or {}),
        }
        write_atomic(pa.Table.from_pylist([row]), self._path("runs", point, replication))

    def mark(self, **status: Any) -> None:
        """Record progress in the manifest (e.g. ``complete=True``)."""
        self.manifest.update(status, updated=_now())
        write_json_atomic(self.manifest, self.root / MANIFEST)

    # -- reading -------------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        """One whole table (``runs``, ``weekly`` or ``survey``), sorted by point, replication."""
        files = sorted((self.root / name).glob("p*-r*.parquet"))
        if not files:
            return pd.DataFrame()
        frame = pa.concat_tables(
            [pq.read_table(f) for f in files], promote_options="permissive"
        ).to_pandas()
        return frame.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)

    def design(self) -> pd.DataFrame:
        """The design table (one row per point)."""
        return pd.read_parquet(self.root / "design.parquet")
