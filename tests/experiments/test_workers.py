"""Local workers are forked from a server that has imported and warmed up the engine."""

from __future__ import annotations

import os
import sys

from sim import workers


def _worker_state() -> dict:
    from sim import day

    return {
        "warmed": "sim.warm_engine" in sys.modules,
        "compiled_day_loaded": bool(day.run_days.signatures),
        "hash_seed": os.environ.get("PYTHONHASHSEED"),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "parent": os.getppid(),
    }


def test_workers_start_with_the_engine_imported_and_its_compiled_code_loaded(cluster):
    from distributed import Client

    with Client(cluster) as client:
        states = list(client.run(_worker_state).values())
    assert len(states) == 2
    if not workers.available():  # no forkserver on this platform: spawned as by default
        return
    assert workers.preloaded()[: len(workers.BASE_MODULES)] == workers.BASE_MODULES
    for state in states:
        # nothing but the server imports sim.warm_engine, which ran a short simulation
        assert state["warmed"] and state["compiled_day_loaded"]
        # Dask's worker environment, which a forked worker gets from the server
        assert state["hash_seed"] == workers.DASK_HASH_SEED
        assert state["blas_threads"] == "1"
        assert state["parent"] != os.getpid()  # forked by the server, not by this process
    assert len({s["parent"] for s in states}) == 1  # the same server


def test_preload_starts_the_server_once():
    assert workers.preload() is workers.available()
    first = workers.preloaded()
    assert workers.preload(["pyabc"]) is workers.available()
    assert workers.preloaded() == first  # the first call decided what the server holds
