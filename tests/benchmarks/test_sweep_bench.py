"""Sweep benchmark: 200 runs of a 2,000-resident year, serial against 2 local Dask workers.

Printed (run with ``uv run pytest tests/benchmarks/test_sweep_bench.py -m benchmark -s``):

- speedup: serial wall time / wall time on 2 local workers (cluster already started), and the
  same with the cluster start-up included;
- scheduling overhead per run: time between stored runs, in steady state, of 200 runs that do
  nothing, through the same executor and store (what Dask and the results store add to each
  run; the one-off start of a sweep is printed apart), and the idle worker time per run in the
  real sweep;
- memory per worker: resident memory of each worker sampled over the sweep (first and last
  quarter, and the growth between them).

Targets from the issue: speedup ≥ 1.7 on a 2-core machine, overhead < 50 ms per run, memory
per worker flat. Nothing here asserts a time; the test checks that every run is stored once and
that serial and parallel give the same numbers.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiments.execute import dask_client, run_sweep
from sim.experiments.spec import parse_experiment
from sim.experiments.store import ResultStore

pytestmark = pytest.mark.benchmark

ROOT = Path(__file__).resolve().parents[2]

# baseline.toml cut to 2 × 25 streets (about 2,000 residents) and one year
EXPERIMENT = {
    "name": "bench_sweep",
    "scenario": str(ROOT / "scenarios" / "baseline.toml"),
    "replications": 4,
    "seed": 1,
    "fixed": {
        "days": 365,
        "burn_in_days": 91,
        "areas.0.streets": 25,
        "areas.1.streets": 25,
        "survey.waves": [{"label": "pre", "day": 90}, {"label": "post", "day": 364}],
    },
    "design": {"method": "lhs", "samples": 50, "seed": 7},
    "factors": [
        {"path": "factors.police_feedback", "range": [0.0, 1.0]},
        {"path": "messages.exposure", "range": [0.0, 2.0]},
    ],
}


def noop_run(scenario, overrides, seed, outputs) -> dict:
    """A run that does nothing: the wall time per run is the executor's own cost."""
    return {
        "summary": dict.fromkeys(outputs.summary, 0.0),
        "weekly": None,
        "survey": None,
        "seed": seed,
        "scenario_hash": "-",
        "version": "-",
        "elapsed_s": 0.0,
    }


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _outcomes(out: Path) -> pd.DataFrame:
    store = ResultStore.load(out)
    runs = store.table("runs")
    return runs[["point", "replication", *store.manifest["outcomes"]]]


def test_sweep_speedup_overhead_and_memory(tmp_path):
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    exp = parse_experiment(EXPERIMENT, tmp_path / "bench.toml")
    n_runs = 200

    start = time.perf_counter()
    serial = run_sweep(exp, tmp_path / "serial", workers=0)
    t_serial = time.perf_counter() - start
    assert serial.stored == n_runs

    start = time.perf_counter()
    with dask_client(workers=2) as client:  # the local cluster of `buurtsim sweep --workers 2`
        t_startup = time.perf_counter() - start
        memory: list[dict] = []

        def sample_memory(report) -> None:
            if report.stored % 10 == 0:
                memory.append(client.run(_rss_mb))

        start = time.perf_counter()
        parallel = run_sweep(exp, tmp_path / "parallel", client=client, on_stored=sample_memory)
        t_parallel = time.perf_counter() - start
        assert parallel.stored == n_runs

        noop_exp = parse_experiment({**EXPERIMENT, "name": "bench_noop"}, tmp_path / "noop.toml")
        stamps: list[float] = []
        start = time.perf_counter()
        run_sweep(
            noop_exp,
            tmp_path / "noop",
            client=client,
            run_fn=noop_run,
            on_stored=lambda report: stamps.append(time.perf_counter()),
        )
        t_noop_setup = stamps[0] - start
        t_noop = (stamps[-1] - stamps[0]) / (len(stamps) - 1)

    pd.testing.assert_frame_equal(_outcomes(tmp_path / "serial"), _outcomes(tmp_path / "parallel"))
    runs = ResultStore.load(tmp_path / "parallel").table("runs")
    busy = runs["elapsed_s"].sum()
    per_worker = pd.DataFrame(memory)
    quarter = max(len(per_worker) // 4, 1)
    first, last = per_worker.iloc[:quarter].mean(), per_worker.iloc[-quarter:].mean()
    slope = np.polyfit(np.arange(len(per_worker)) * 10, per_worker.mean(axis=1), 1)[0]

    print(
        f"\nsweep benchmark: {n_runs} runs of a 2,000-resident year "
        f"(serial: {t_serial / n_runs * 1000:.0f} ms per run)"
    )
    print(f"  serial                     {t_serial:7.1f} s")
    print(
        f"  2 workers (cluster warm)   {t_parallel:7.1f} s   speedup "
        f"{t_serial / t_parallel:.2f}×  (target ≥ 1.7×)"
    )
    print(
        f"  2 workers + cluster start  {t_parallel + t_startup:7.1f} s   speedup "
        f"{t_serial / (t_parallel + t_startup):.2f}×  (start-up {t_startup:.1f} s)"
    )
    print(
        f"  overhead per run, no-op runs through Dask and the store: "
        f"{t_noop * 1000:.1f} ms  (target < 50 ms; plus {t_noop_setup:.1f} s once per sweep "
        f"for design, store scan and task submission)"
    )
    print(
        f"  idle worker time per run in the real sweep: "
        f"{(2 * t_parallel - busy) / n_runs * 1000:.1f} ms"
    )
    for worker in per_worker.columns:
        print(
            f"  memory {worker}: first quarter {first[worker]:.0f} MB, last quarter "
            f"{last[worker]:.0f} MB ({last[worker] - first[worker]:+.0f} MB)"
        )
    quarters = [part.mean(axis=None) for part in np.array_split(per_worker.to_numpy(), 4)]
    print(
        f"  memory trend over the sweep: {slope * 100:+.1f} MB per 100 runs per worker; "
        f"mean per quarter " + ", ".join(f"{q:.0f}" for q in quarters) + " MB (target: flat)"
    )
