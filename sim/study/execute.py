"""Run a study: every replication in this process, on a local Dask cluster or on an existing one.

A replication is one pure task (:func:`replicate`): its neighbourhoods (the posterior particle
drawn for it), one simulation per distinct scenario of the designs plus the counterfactual runs
(:func:`sim.study.truth.simulate_rounds`), then for each design and sample size one survey
sample and every estimator. It returns two small tables: ``estimates`` (one row per design ×
sample size × estimator, with the model's truth beside it) and ``truth`` (the model's answers per
design). Dask machinery (cluster, worker check) is that of sweeps
(:mod:`sim.experiments.execute`); files are written atomically as in the sweep results store
(:mod:`sim.experiments.store`).

Results folder::

    manifest.json           study, its hash, base scenario, posterior, seeds, version
    estimates/r0000.parquet one file per finished replication (the commit mark)
    truth/r0000.parquet     the model's answers of that replication

A replication counts as done when its ``estimates`` file reads back intact; a stopped study run
again computes only the missing replications.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import UserError
from sim.experiments.execute import dask_client, prepare_workers
from sim.experiments.store import TMP_PREFIX, write_atomic, write_json_atomic
from sim.scenario import Scenario
from sim.study.designs import draw_microdata
from sim.study.estimators import estimate
from sim.study.spec import ESTIMATOR_QUESTION, DesignSpec, LoadedStudy
from sim.study.truth import VARIANTS, simulate_rounds, truth

MANIFEST = "manifest.json"
#: Keeps the survey samples' random numbers apart from the engine's for the same seed.
SURVEY_STREAM = 0x7375727665
TABLES = ("estimates", "truth")


def design_scenario(base: Scenario, design: DesignSpec) -> Scenario:
    """The neighbourhoods a design runs in: the base, plus its invitations (encouragement)."""
    inv = design.invitation
    if inv is None:
        return base
    return base.with_overrides(
        {
            "membership.invited_share": inv.share,
            "membership.invitation_boost": inv.boost,
            "membership.invitation_day": inv.day,
        },
        f"design {design.name}: invitation",
    )


def _variants(designs: list[DesignSpec]) -> tuple[str, ...]:
    questions = {ESTIMATOR_QUESTION[e] for d in designs for e in d.used_estimators}
    keep = ["designed", "exposure_off", "selection_off"]
    if "intervention" in questions:
        keep.append("no_intervention")
    return tuple(v for v in VARIANTS if v in keep)


def replicate(study: LoadedStudy, replication: int) -> dict[str, Any]:
    """One replication of every design of ``study`` (pure: same inputs, same tables)."""
    start, cpu_start = time.perf_counter(), time.process_time()
    sim_cpu = 0.0
    seed = study.seed_of(replication)
    base = study.scenario_of(replication)
    spec = study.spec
    by_scenario: dict[str, tuple[Scenario, list[int]]] = {}
    for k, d in enumerate(spec.designs):
        scn = design_scenario(base, d)
        by_scenario.setdefault(scn.content_hash(), (scn, []))[1].append(k)
    rows, truths = [], []
    for scn, members in by_scenario.values():
        designs = [spec.designs[k] for k in members]
        days = sorted({day for d in designs for _, day in d.rounds})
        t0 = time.process_time()
        sim = simulate_rounds(scn, seed, days, _variants(designs))
        sim_cpu += time.process_time() - t0
        for k in members:
            d = spec.designs[k]
            first, last = d.waves[0].label, d.waves[-1].label
            t = truth(sim, d.waves[-1].day, scn.survey, spec.indicator)
            truths.append({"design": d.name, **t})
            for j, n in enumerate(d.sample_sizes):
                rng = np.random.default_rng([SURVEY_STREAM, seed, k, j])
                md = draw_microdata(d, sim, scn.survey, n, rng)
                for name in d.used_estimators:
                    e = estimate(name, md, spec.indicator, first, last)
                    question = ESTIMATOR_QUESTION[name]
                    rows.append(
                        {
                            "design": d.name,
                            "kind": d.kind,
                            "sample_size": n,
                            "estimator": name,
                            "question": question,
                            "estimate": e.estimate,
                            "ci_low": e.ci_low,
                            "ci_high": e.ci_high,
                            "respondents": e.n,
                            "truth": t.get(question, np.nan),
                            "truth_gap": t["gap"],
                        }
                    )
    draw = study.particle_of(replication)
    label = {
        "replication": replication,
        "seed": seed,
        "particle": -1 if draw is None else draw.particle,
    }
    est = pd.DataFrame(rows)
    tru = pd.DataFrame(truths)
    for frame in (est, tru):
        for key, value in reversed(label.items()):
            frame.insert(0, key, value)
    elapsed = time.perf_counter() - start
    est["elapsed_s"] = elapsed  # wall time of the whole replication
    est["cpu_s"] = time.process_time() - cpu_start  # its CPU time (what a quiet machine takes)
    est["simulation_cpu_s"] = sim_cpu
    return {
        "replication": replication,
        "estimates": est,
        "truth": tru,
        "elapsed_s": elapsed,
        "worker_pid": os.getpid(),
    }


# --------------------------------------------------------------------------- results folder


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class StudyStore:
    """A results folder of one study (see the module docstring)."""

    def __init__(self, root: Path, manifest: dict):
        self.root, self.manifest = Path(root), manifest

    @staticmethod
    def manifest_for(study: LoadedStudy) -> dict[str, Any]:
        from sim import __version__

        post = study.posterior
        return {
            "kind": "buurtsim-study",
            "study": study.spec.model_dump(mode="json"),
            "study_file": str(study.path),
            "study_hash": study.content_hash(),
            "base_scenario": study.base.name,
            "base_scenario_hash": study.base.content_hash(),
            "posterior": None
            if post is None
            else {"file": str(post.path), "hash": post.content_hash, "particles": len(post)},
            "replications": study.spec.replications,
            "seeds": [study.seed_of(r) for r in range(study.spec.replications)],
            "version": __version__,
            "created": _now(),
        }

    @classmethod
    def check(cls, root: str | Path, study: LoadedStudy) -> None:
        """Raise :class:`UserError` if ``root`` exists but is not this study's folder."""
        root = Path(root)
        if not root.exists():
            return
        if not root.is_dir():
            raise UserError(f"--out {root}: exists and is not a folder")
        if not (root / MANIFEST).exists():
            if any(root.iterdir()):
                raise UserError(
                    f"--out {root}: folder is not empty and holds no study results "
                    f"({MANIFEST} missing); choose another --out"
                )
            return
        try:
            found = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise UserError(f"--out {root}: {MANIFEST} is unreadable ({e})") from None
        if found.get("kind") != "buurtsim-study" or found.get("study_hash") != study.content_hash():
            raise UserError(
                f"--out {root}: holds results of another study (or of this one with other "
                f"designs, seed, scenario or posterior); choose another --out or remove that "
                f"folder"
            )

    @classmethod
    def open(cls, root: str | Path, study: LoadedStudy) -> StudyStore:
        """Open ``root`` for ``study``, creating it (atomically, with manifest) if missing."""
        root = Path(root)
        cls.check(root, study)
        if not (root / MANIFEST).exists():
            root.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{root.name}-", dir=root.parent))
            try:
                for name in TABLES:
                    (tmp / name).mkdir()
                write_json_atomic(cls.manifest_for(study), tmp / MANIFEST)
                if root.exists():
                    root.rmdir()
                os.replace(tmp, root)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        manifest["replications"] = study.spec.replications  # more may be asked than before
        store = cls(root, manifest)
        for path in root.rglob(f"{TMP_PREFIX}*"):
            path.unlink(missing_ok=True)
        return store

    @classmethod
    def load(cls, root: str | Path) -> StudyStore:
        """Open a finished (or partial) results folder for reporting."""
        root = Path(root)
        try:
            manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            raise UserError(f"{root}: not a study results folder ({MANIFEST} missing)") from None
        if manifest.get("kind") != "buurtsim-study":
            raise UserError(f"{root}: {MANIFEST} is not a buurtsim study manifest")
        return cls(root, manifest)

    def _path(self, table: str, replication: int) -> Path:
        return self.root / table / f"r{replication:04d}.parquet"

    def done(self) -> set[int]:
        """Replications whose files read back intact; broken ones are removed."""
        found = set()
        for path in sorted((self.root / "estimates").glob("r*.parquet")):
            rep = int(path.stem[1:])
            try:
                ok = pq.read_metadata(path).num_rows > 0 and self._path("truth", rep).exists()
                ok = ok and pq.read_metadata(self._path("truth", rep)).num_rows > 0
            except (OSError, pa.ArrowException):
                ok = False
            if ok:
                found.add(rep)
            else:
                for table in TABLES:
                    self._path(table, rep).unlink(missing_ok=True)
        return found

    def write(self, result: dict[str, Any]) -> None:
        """Store one replication (truth first, the estimates file last: the commit mark)."""
        rep = result["replication"]
        write_atomic(result["truth"], self._path("truth", rep))
        write_atomic(result["estimates"], self._path("estimates", rep))

    def mark(self, **status: Any) -> None:
        self.manifest.update(status, updated=_now())
        write_json_atomic(self.manifest, self.root / MANIFEST)

    def table(self, name: str) -> pd.DataFrame:
        """One table of the stored replications ``0 .. replications-1`` (a folder of a longer
        run of the same study may hold more; a study asked for fewer reports on its own)."""
        wanted = int(self.manifest.get("replications", 10**9))
        files = [
            f for f in sorted((self.root / name).glob("r*.parquet")) if int(f.stem[1:]) < wanted
        ]
        if not files:
            return pd.DataFrame()
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


# --------------------------------------------------------------------------- running


@dataclass
class StudyRun:
    """What a call of :func:`run_study` did."""

    out: Path
    total: int
    already: int
    stored: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0
    task_seconds: list[float] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.already + self.stored == self.total


ReplicateFn = Callable[[LoadedStudy, int], dict[str, Any]]


def _progress(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="rep",
        desc="study",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
    )


def run_study(
    study: LoadedStudy,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    progress: bool = False,
    replicate_fn: ReplicateFn = replicate,
    on_stored: Callable[[StudyRun], None] | None = None,
) -> StudyRun:
    """Compute every missing replication of ``study`` into ``out``.

    ``workers=0`` runs in this process; otherwise on ``client``, the cluster at ``scheduler``,
    or a new local cluster of ``workers`` processes (as ``buurtsim sweep``).
    """
    start = time.perf_counter()
    load_start = os.getloadavg()[0]
    StudyStore.check(out, study)
    total = study.spec.replications
    with contextlib.ExitStack() as stack:
        if workers != 0 or client is not None or scheduler:
            if client is None:
                client = stack.enter_context(dask_client(workers, scheduler))
            prepare_workers(client)
        store = StudyStore.open(out, study)
        done = store.done()
        todo = [r for r in range(total) if r not in done]
        report = StudyRun(Path(out), total, already=len(done & set(range(total))))
        if todo:
            store.manifest["workers"] = (
                0 if client is None else len(client.scheduler_info().get("workers", {}))
            )
        # The manifest records, after every stored replication, the wall time spent computing
        # (summed over the runs of a resumed study, so a killed run still counts) and per run
        # the machine's 1-minute load average: on a shared machine wall time alone says little.
        earlier_wall = float(store.manifest.get("wall_seconds", 0.0))
        earlier_runs = list(store.manifest.get("runs", []))
        this_run = {"load_start": round(load_start, 2), "cores": os.cpu_count()}

        def record() -> None:
            seconds = time.perf_counter() - start
            load = round(os.getloadavg()[0], 2)
            this_run.update(
                stored=report.stored,
                seconds=round(seconds, 1),
                load_end=load,
                load_max=max(load, this_run.get("load_max", load_start)),
            )
            store.mark(
                replications_done=report.already + report.stored,
                wall_seconds=earlier_wall + seconds,
                runs=[*earlier_runs, this_run],
            )

        with _progress(total, total - len(todo), progress) as bar:

            def stored(result: dict) -> None:
                store.write(result)
                report.stored += 1
                report.task_seconds.append(float(result["elapsed_s"]))
                record()
                bar.update()
                if on_stored:
                    on_stored(report)

            if client is None:
                for r in todo:
                    try:
                        result = replicate_fn(study, r)
                    except UserError:
                        raise
                    except Exception as e:  # reported, not stored; the rest go on
                        report.failed.append((r, repr(e)))
                        continue
                    stored(result)
            else:
                _distributed(client, study, todo, replicate_fn, store, report, stored)
    report.seconds = time.perf_counter() - start
    if report.stored:
        record()
    store.mark(
        replications_done=report.already + report.stored,
        complete=report.complete,
    )
    return report


def _distributed(client, study, todo, replicate_fn, store, report, stored) -> None:
    from distributed import as_completed

    if not todo:
        return
    [remote] = client.scatter([study], broadcast=True)
    tag = store.manifest["study_hash"][:12]
    futures = {
        client.submit(replicate_fn, remote, r, key=f"buurtsim-study-{tag}-r{r}"): r for r in todo
    }
    for future, result in as_completed(futures, with_results=True, raise_errors=False):
        if future.status == "finished":
            stored(result)
        else:
            try:
                error = repr(future.exception())
            except Exception as e:  # cancelled: the cluster went away
                error = repr(e)
            report.failed.append((futures[future], error))
        future.release()
