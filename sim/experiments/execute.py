"""Run a sweep: in this process, on a local Dask cluster, or on an existing Dask cluster.

Every executor calls the same pure run function (:func:`sim.experiments.runner.run_point`) per
(design point, replication), and only this process writes results, one run at a time as each
finishes, so a worker that dies (its runs are recomputed elsewhere by Dask) or a sweep that is
stopped never leaves a run half-stored or stored twice.

>>> from sim.experiments.spec import load_experiment                        # doctest: +SKIP
>>> report = run_sweep(load_experiment("selection_vs_exposure"), "results/sve",
...                    workers=2)                                            # doctest: +SKIP
>>> report.stored, report.total                                              # doctest: +SKIP
(90, 90)
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import UserError
from sim.experiments.design import Design, build_design
from sim.experiments.runner import RunFunction, run_point, run_task
from sim.experiments.spec import LoadedExperiment
from sim.experiments.store import ResultStore

#: How long to wait for a scheduler given with ``--scheduler`` before giving up.
CONNECT_TIMEOUT = "10s"
#: Runs queued per worker slot on the local cluster (Dask's default, 1.1, leaves workers idle
#: for a scheduler round trip between short runs).
LOCAL_SATURATION = 2.0


@dataclass
class SweepReport:
    """What a call of :func:`run_sweep` did."""

    out: Path
    total: int  # runs in the whole design
    selected: int  # runs within --limit
    already: int  # intact runs found at the start
    stored: int = 0  # runs finished and stored by this call
    failed: list[tuple[int, int, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """Every run of the design is stored."""
        return self.already + self.stored == self.total


def run_order(design: Design, replications: int) -> list[tuple[int, int]]:
    """All runs as (point, replication), replication-major: ``--limit`` tries every point."""
    return [(p, r) for r in range(replications) for p in range(len(design))]


def _worker_version() -> str:
    """Runs on each worker: import the model (so the first run does not pay for it) and
    report the buurtsim version installed there."""
    import sim.engine  # noqa: F401
    from sim import __version__

    return __version__


def prepare_workers(client: Any) -> None:
    """Import the model on every worker and check it is this buurtsim version."""
    from sim import __version__

    try:
        versions = client.run(_worker_version)
    except ImportError as e:
        raise UserError(
            f"argument --scheduler: the Dask workers cannot import buurtsim ({e}); "
            f"install the same checkout on every worker machine"
        ) from None
    other = {addr: v for addr, v in versions.items() if v != __version__}
    if other:
        addr, version = next(iter(other.items()))
        raise UserError(
            f"argument --scheduler: worker {addr} runs buurtsim {version}, this is "
            f"{__version__}; every worker needs the same version"
        )


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client: to ``scheduler`` if given, else to a new local cluster of ``workers``.

    An unreachable scheduler raises :class:`UserError` before anything else happens.
    """
    from distributed import Client

    from sim.workers import local_client

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as e:
            raise UserError(
                f"argument --scheduler: cannot reach a Dask scheduler at "
                f"{scheduler!r} ({e}); start one with 'dask scheduler' and give "
                f"its address, e.g. tcp://10.0.0.5:8786"
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    n = workers or os.cpu_count() or 1
    # keep a second run waiting on each worker, so it never idles while the scheduler replies;
    # no statistical profiler in the workers (its history grows with every second of a sweep)
    with local_client(
        n,
        config={
            "distributed.scheduler.worker-saturation": LOCAL_SATURATION,
            "distributed.worker.profile.enabled": False,
        },
    ) as client:
        yield client


def _progress(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="run",
        desc="sweep",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
        smoothing=0.1,
        bar_format="{desc}: {n_fmt}/{total_fmt} runs |{bar}| "
        "{rate_fmt} elapsed {elapsed} left {remaining}",
    )


def _store_one(
    store: ResultStore, exp: LoadedExperiment, design: Design, result: dict, report: SweepReport
) -> None:
    point, rep = result["point"], result["replication"]
    params = {name: design.points.iloc[point][name] for name in design.factors}
    store.write(
        point,
        rep,
        params,
        result,
        {"worker_pid": int(result.get("worker_pid", 0)), **exp.run_labels(rep)},
    )
    report.stored += 1


def run_overrides(exp: LoadedExperiment, design: Design, point: int, rep: int) -> dict:
    """Overrides of one run: the replication's posterior particle, then the point's factors."""
    return exp.run_overrides(design.overrides(point), rep)


def plan(
    exp: LoadedExperiment, out: str | Path, limit: int | None
) -> tuple[Design, list[tuple[int, int]]]:
    """The design and the selected runs (first ``limit`` in run order), checking ``out``."""
    if limit is not None and limit < 1:
        raise UserError(f"argument --limit: must be a positive number of runs, got {limit}")
    ResultStore.check(out, exp)
    design = build_design(exp)
    order = run_order(design, exp.spec.replications)
    return design, order[:limit] if limit else order


def run_sweep(
    exp: LoadedExperiment,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    limit: int | None = None,
    run_fn: RunFunction = run_point,
    progress: bool = False,
    on_stored: Callable[[SweepReport], None] | None = None,
) -> SweepReport:
    """Run every missing run of ``exp`` (the first ``limit`` runs only, if given) into ``out``.

    ``workers=0`` runs serially in this process; otherwise runs go to ``client``, to the
    cluster at ``scheduler``, or to a new local cluster with ``workers`` processes.
    ``on_stored`` is called after each stored run (progress hooks, tests).
    """
    start = time.perf_counter()
    design, selected = plan(exp, out, limit)
    total = len(design) * exp.spec.replications
    if workers == 0 and not (client or scheduler):
        store = ResultStore.open(out, exp, design)
        return _finish(
            store, _serial(exp, design, store, selected, run_fn, progress, on_stored, total), start
        )
    with contextlib.ExitStack() as stack:
        if client is None:
            client = stack.enter_context(dask_client(workers, scheduler))
        prepare_workers(client)
        store = ResultStore.open(out, exp, design)
        report = _distributed(
            exp, design, store, selected, run_fn, progress, on_stored, total, client
        )
    return _finish(store, report, start)


def _finish(store: ResultStore, report: SweepReport, start: float) -> SweepReport:
    report.seconds = time.perf_counter() - start
    store.mark(runs_done=report.already + report.stored, complete=report.complete)
    return report


def _todo(
    store: ResultStore, selected: list[tuple[int, int]], total: int, out: Path
) -> tuple[list[tuple[int, int]], SweepReport]:
    done = store.done()
    todo = [run for run in selected if run not in done]
    report = SweepReport(Path(out), total, len(selected), already=len(done))
    return todo, report


def _serial(exp, design, store, selected, run_fn, progress, on_stored, total) -> SweepReport:
    todo, report = _todo(store, selected, total, store.root)
    with _progress(len(selected), len(selected) - len(todo), progress) as bar:
        for point, rep in todo:
            try:
                result = run_task(
                    run_fn,
                    exp.base,
                    run_overrides(exp, design, point, rep),
                    exp.seed_of(rep),
                    exp.spec.outputs,
                    point,
                    rep,
                )
            except Exception as e:  # a failing run is reported, not stored; the rest go on
                report.failed.append((point, rep, repr(e)))
                continue
            _store_one(store, exp, design, result, report)
            bar.update()
            if on_stored:
                on_stored(report)
    return report


def _distributed(
    exp, design, store, selected, run_fn, progress, on_stored, total, client
) -> SweepReport:
    from distributed import as_completed

    todo, report = _todo(store, selected, total, store.root)
    if not todo:
        return report
    [scenario] = client.scatter([exp.base], broadcast=True)
    tag = store.manifest["experiment_hash"][:12]
    futures = [
        client.submit(
            run_task,
            run_fn,
            scenario,
            run_overrides(exp, design, p, r),
            exp.seed_of(r),
            exp.spec.outputs,
            p,
            r,
            key=f"buurtsim-{tag}-p{p}-r{r}",
        )
        for p, r in todo
    ]
    with _progress(len(selected), len(selected) - len(todo), progress) as bar:
        # results are fetched in the background as runs finish, not one round trip each
        for future, result in as_completed(futures, with_results=True, raise_errors=False):
            if future.status == "finished":
                _store_one(store, exp, design, result, report)
                bar.update()
                if on_stored:
                    on_stored(report)
            else:
                point, rep = _key_run(future.key)
                try:
                    error = repr(future.exception())
                except Exception as e:  # cancelled: the cluster went away
                    error = repr(e)
                report.failed.append((point, rep, error))
            future.release()
    return report


def _key_run(key: str) -> tuple[int, int]:
    *_, p, r = key.split("-")
    return int(p[1:]), int(r[1:])
