"""Local Dask workers that start from an interpreter which has already imported the model.

By default Dask starts each local worker as a fresh interpreter, which then imports NumPy,
pandas, the engine, numba's cached machine code and, in a calibration, pyabc before it can run
anything: several seconds per worker, paid again by every command. Here the workers are forked
instead from multiprocessing's *forkserver*, a single-threaded process that imports those
modules once. A command calls :func:`preload` as soon as it has read its input and knows it
will start local workers, so the server's imports run beside the command's on another core;
:func:`local_cluster` then forks the workers from it (``buurtsim bench --quick`` prints the
seconds either way).

Forking from the forkserver is safe where forking the command itself would not be (the
command runs Dask's event loop in a thread); Python 3.14 makes it the default on Linux. Where
multiprocessing has no forkserver (Windows), workers start as Dask starts them by default.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from typing import Any

#: Always preloaded: Dask's worker itself, and a short run that loads the compiled engine.
BASE_MODULES = ("distributed", "sim.warm_engine")
#: What a sweep or study worker runs.
SWEEP_MODULES = ("sim.experiments.runner", "sim.study.execute")
#: What a calibration worker runs: pyabc's sampling step and the staged simulator.
CALIBRATION_MODULES = ("pyabc", "sim.calibrate.staged", "sim.calibrate.pipeline")
#: Dask's value of PYTHONHASHSEED for its workers (consistent hashing across workers).
DASK_HASH_SEED = "6640"

_started: tuple[str, ...] | None = None


def available() -> bool:
    """Whether workers can be forked from a preloaded server on this platform."""
    return "forkserver" in multiprocessing.get_all_start_methods()


def preload(modules: Iterable[str] = SWEEP_MODULES) -> bool:
    """Start the server local workers are forked from, importing ``modules`` (and
    :data:`BASE_MODULES`) in it; returns at once, the imports go on in the background.

    The first call in a process decides what the server holds; later calls do nothing.
    Returns whether workers will be forked from it.
    """
    global _started
    if _started is not None:
        return True
    if not available():
        return False
    import multiprocessing.forkserver

    wanted = tuple(dict.fromkeys((*BASE_MODULES, *modules)))
    multiprocessing.get_context("forkserver").set_forkserver_preload(list(wanted))
    # Dask sets these in a worker's environment before it starts (one thread per BLAS
    # library, memory given back to the system, the same string hashing in every worker);
    # a forked worker has the server's environment, so the server gets them.
    env = _worker_environment()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    _started = wanted
    return True


def preloaded() -> tuple[str, ...]:
    """The modules the server was started with (empty if :func:`preload` was not called)."""
    return _started or ()


def _worker_environment() -> dict[str, str]:
    import dask
    import distributed  # noqa: F401 - registers Dask's distributed configuration

    config = dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {}
    env = {k: os.environ.get(k, str(v)) for k, v in config.items() if v is not None}
    if env.get("PYTHONHASHSEED") in (None, "0"):
        env["PYTHONHASHSEED"] = DASK_HASH_SEED
    return env


@contextlib.contextmanager
def local_cluster(
    workers: int,
    modules: Iterable[str] = SWEEP_MODULES,
    config: dict[str, Any] | None = None,
    forked: bool = True,
) -> Iterator[Any]:
    """A new local Dask cluster of ``workers`` single-threaded processes, forked from the
    preloaded server (started here with ``modules`` if no :func:`preload` came first), or
    spawned as Dask does by default (``forked=False``, or where there is no forkserver).
    ``config``: further Dask settings, kept for the cluster's lifetime."""
    import dask
    from distributed import LocalCluster

    settings = dict(config or {})
    if forked and preload(modules):
        settings["distributed.worker.multiprocessing-method"] = "forkserver"
    # kept for the cluster's lifetime: a worker Dask restarts is forked from the server too
    with (
        dask.config.set(settings),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # local only: the dashboard has no login
            silence_logs=logging.ERROR,
        ) as cluster,
    ):
        yield cluster


@contextlib.contextmanager
def local_client(workers: int, **options: Any) -> Iterator[Any]:
    """A Dask client on :func:`local_cluster` (``options``: its other arguments)."""
    from distributed import Client

    with local_cluster(workers, **options) as cluster, Client(cluster) as client:
        yield client
