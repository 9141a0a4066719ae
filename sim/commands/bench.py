"""``buurtsim bench``: how fast the engine is, against the per-agent reference and at scale.

``buurtsim bench --quick`` (under a minute) compares the vectorised engine with the plain
per-agent reference model (:mod:`sim.reference`) on the same 10,000-resident scenario in the
same process and ends with the line ``speedup: <ratio>x``. Without ``--quick`` it also runs
the scaling table (one headless year at 1,000 … 1,000,000 residents, each size in a fresh
process so that its peak memory is its own) and the Rotterdam-size city
(``scenarios/city/rotterdam.toml``).

Synthetic sizes replicate the two areas of ``scenarios/baseline.toml`` (its groups, coverage
and factors) as many times as needed, so a bigger city is more of the same neighbourhoods.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
import time
from pathlib import Path

SIZES = (1_000, 10_000, 100_000, 1_000_000)
SPEEDUP_RESIDENTS = 10_000
CITY = "city/rotterdam.toml"
TARGETS = (
    "targets: engine ≥ 50× the reference at 10k; 10k year ≤ 2 s and build ≤ 2 s; "
    "build of 100k ≤ 10 s; time(1M) ≤ 12 × time(100k); city year ≤ 120 s and ≤ 2 GB"
)


def register(sub) -> None:
    p = sub.add_parser(
        "bench",
        help="measure speed: engine vs reference, scaling, city",
        description="Measure the engine: agent-steps per second against the "
        "per-agent reference model, and one headless year at growing sizes.",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="only engine vs reference at 10,000 residents (under a minute)",
    )
    p.add_argument(
        "--sizes",
        type=_sizes,
        default=SIZES,
        metavar="N,N,...",
        help="residents per scaling row (default: 1000,10000,100000,1000000)",
    )
    p.add_argument("--no-city", action="store_true", help="skip the Rotterdam-size city run")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    p.set_defaults(handler=handle)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give whole numbers separated by commas, e.g. 1000,10000"
        ) from None
    if not sizes or min(sizes) < 100 or max(sizes) > 5_000_000:
        raise argparse.ArgumentTypeError(f"{text!r}: sizes must be between 100 and 5000000")
    return sizes


# --------------------------------------------------------------------------- scenarios


def scaled_scenario(residents: int, days: int = 365):
    """The baseline neighbourhood resized to about ``residents`` adults: its two areas are
    copied as often as needed and their streets (and groups) scaled to fit."""
    from sim.scenario import SCENARIO_DIR, load_scenario

    base = load_scenario(SCENARIO_DIR / "baseline.toml")
    per_street = base.population.households_per_street * base.population.adults_per_household
    unit = sum(a.streets for a in base.areas) * per_street  # residents of one copy
    copies = max(1, math.ceil(residents / unit))
    scale = residents / (unit * copies)
    areas = []
    for k in range(copies):
        for a in base.areas:
            streets = max(1, round(a.streets * scale))
            areas.append(
                a.model_copy(
                    update={
                        "name": f"{a.name}-{k + 1}",
                        "streets": streets,
                        "groups": min(a.groups, max(1, round(a.groups * scale))) if a.groups else 0,
                    }
                )
            )
    data = base.model_dump(mode="python")
    data.update(
        name=f"bench-{residents}",
        days=days,
        burn_in_days=0,
        interventions=[],
        areas=[a.model_dump(mode="python") for a in areas],
    )
    data["survey"]["waves"] = []
    return type(base).model_validate(data)


# --------------------------------------------------------------------------- measurements


class Clock:
    """Wall-clock and CPU time of a block. CPU time counts this process only, so it stays
    meaningful on a shared, busy machine; on an idle one the two agree."""

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def _load() -> float:
    """The machine's 1-minute load average (how busy the cores were)."""
    import os

    return os.getloadavg()[0]


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure_year(spec: str, days: int = 365) -> dict:
    """Build and run one scenario headless in *this* process (call it in a fresh one).

    ``spec`` is a number of residents (a scaled baseline) or a scenario file.
    """
    import numpy as np
    import psutil

    from sim.engine import Engine
    from sim.scenario import load_scenario, resolve_scenario_path

    scn = (
        scaled_scenario(int(spec), days)
        if spec.isdigit()
        else load_scenario(resolve_scenario_path(spec))
    )
    days = days if spec.isdigit() else scn.days
    before = psutil.Process().memory_info().rss / 2**20
    with Clock() as build:
        engine = Engine(scn, np.random.default_rng(scn.seed))
    with Clock() as run:
        engine.run(days)
    peak = _peak_rss_mb()
    n = engine.pop.n
    return {
        "scenario": scn.name,
        "residents": n,
        "groups": engine.pop.n_groups,
        "days": days,
        "build_s": build.wall,
        "run_s": run.wall,
        "build_cpu_s": build.cpu,
        "run_cpu_s": run.cpu,
        "step_ns": run.cpu / (n * days) * 1e9,
        "peak_mb": peak,
        "bytes_per_resident": (peak - before) * 2**20 / n,
        "load": _load(),
    }


def measure_in_subprocess(spec: str, days: int = 365, timeout: float = 1800) -> dict:
    """:func:`measure_year` in a fresh Python process, so peak memory is this run's own."""
    code = (
        "import json, sys; from sim.commands.bench import measure_year; "
        "print(json.dumps(measure_year(sys.argv[1], int(sys.argv[2]))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, spec, str(days)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark of {spec} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def speedup(residents: int = SPEEDUP_RESIDENTS, days: int = 30, repeats: int = 3) -> dict:
    """Engine and reference on the same scenario in this process: agent-steps per second.

    The engine's run is repeated (fresh builds) and its median taken; the reference runs
    once (it is long enough to be steady). Build times are reported but not in the ratio.
    """
    import numpy as np

    from sim.engine import Engine
    from sim.reference import ReferenceModel

    scn = scaled_scenario(residents, days)
    Engine(scaled_scenario(1_000, 5), np.random.default_rng(0)).run(5)  # warm up imports
    runs, builds = [], []
    for k in range(repeats):
        with Clock() as build:
            engine = Engine(scn, np.random.default_rng(k))
        with Clock() as run:
            engine.run(days)
        runs.append(run)
        builds.append(build)
    median = lambda clocks: sorted(clocks, key=lambda c: c.cpu)[len(clocks) // 2]  # noqa: E731
    engine_run, engine_build = median(runs), median(builds)
    with Clock() as ref_build:
        ref = ReferenceModel(scn, seed=0)
    with Clock() as ref_run:
        ref.run_for(days)
    n, n_ref = engine.pop.n, len(ref.residents)
    return {
        "residents": n,
        "days": days,
        "load": _load(),
        "engine_steps_per_s": n * days / engine_run.cpu,
        "reference_steps_per_s": n_ref * days / ref_run.cpu,
        "engine_wall_steps_per_s": n * days / engine_run.wall,
        "reference_wall_steps_per_s": n_ref * days / ref_run.wall,
        "engine_build_s": engine_build.cpu,
        "reference_build_s": ref_build.cpu,
        "ratio": (ref_run.cpu / n_ref) / (engine_run.cpu / n),
        "wall_ratio": (ref_run.wall / n_ref) / (engine_run.wall / n),
    }


def calibration_cost(repeats: int = 3, seed: int = 1) -> dict:
    """CPU seconds of one parameter set of the calibration (its scenarios from
    ``calibration/targets.toml``, run as ``sim.calibrate`` runs them) with the compiled day
    (:mod:`sim.day`) and with every day through the Python rules, in this process; the
    median of ``repeats`` each, after a warm-up run that loads the compiled code."""
    from sim.calibrate.observe import load_calibration_scenarios
    from sim.calibrate.targets import load_targets
    from sim.engine import simulate

    scenarios = load_calibration_scenarios(load_targets())

    def one_set(compiled_day: bool) -> Clock:
        with Clock() as clock:
            for scn in scenarios.values():
                simulate(scn, seed=seed, compiled_day=compiled_day)
        return clock

    one_set(True)  # warm up: imports, compiled code from the cache
    median = {}
    for compiled_day in (True, False):
        clocks = sorted((one_set(compiled_day) for _ in range(repeats)), key=lambda c: c.cpu)
        median[compiled_day] = clocks[len(clocks) // 2].cpu
    return {
        "scenarios": list(scenarios),
        "days": sum(scn.days for scn in scenarios.values()),
        "compiled_cpu_s": median[True],
        "python_cpu_s": median[False],
        "ratio": median[False] / median[True],
        "repeats": repeats,
        "load": _load(),
    }


def _first_calibration_run() -> float:
    """Runs on a worker: what a calibration worker imports, then one short simulation."""
    import sim.calibrate.staged  # noqa: F401 - pyabc and the staged simulator
    from sim.calibrate.observe import load_calibration_scenarios
    from sim.calibrate.targets import load_targets
    from sim.engine import simulate

    start = time.perf_counter()
    simulate(load_calibration_scenarios(load_targets())["tilburg_without_groups"], seed=1)
    return time.perf_counter() - start


def measure_workers(forked: bool, workers: int = 2) -> dict:
    """Wall seconds, in this (fresh) process, of what the calibrate command imports itself
    and of starting ``workers`` local workers until each has run a first calibration
    simulation: forked from the preloaded server (:mod:`sim.workers`) or spawned."""
    from sim.workers import CALIBRATION_MODULES, local_client, preload

    start = time.perf_counter()
    if forked:
        preload(CALIBRATION_MODULES)
    import pyabc  # noqa: F401 - the command's own imports

    import sim.calibrate.pipeline  # noqa: F401

    imported = time.perf_counter()
    with local_client(workers, modules=CALIBRATION_MODULES, forked=forked) as client:
        first = client.run(_first_calibration_run)
    ready = time.perf_counter()
    return {
        "forked": forked,
        "workers": workers,
        "command_imports_s": imported - start,
        "workers_ready_s": ready - imported,
        "first_run_s": max(first.values()),
        "load": _load(),
    }


def worker_startup(repeats: int = 2) -> dict:
    """:func:`measure_workers` both ways, each in a fresh process, alternating; medians."""
    code = (
        "import json, sys; from sim.commands.bench import measure_workers; "
        "print(json.dumps(measure_workers(sys.argv[1] == 'forked')))"
    )
    rows: dict[str, list[dict]] = {"spawned": [], "forked": []}
    for _ in range(repeats):
        for way in rows:
            proc = subprocess.run(
                [sys.executable, "-c", code, way], capture_output=True, text=True, timeout=600
            )
            if proc.returncode != 0:
                raise RuntimeError(f"worker start-up ({way}) failed:\n{proc.stderr[-2000:]}")
            rows[way].append(json.loads(proc.stdout.strip().splitlines()[-1]))

    def median(way: str, key: str) -> float:
        values = sorted(r[key] for r in rows[way])
        return values[len(values) // 2]

    out = {
        way: {k: median(way, k) for k in ("command_imports_s", "workers_ready_s", "first_run_s")}
        for way in rows
    }
    out["ratio"] = out["spawned"]["workers_ready_s"] / out["forked"]["workers_ready_s"]
    out["repeats"] = repeats
    out["load"] = _load()
    return out


# --------------------------------------------------------------------------- printing


def _machine() -> str:
    import os

    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = psutil.virtual_memory().total / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
    )


def _print_speedup(s: dict) -> None:
    print(
        f"engine vs reference, {s['residents']:,} residents, {s['days']} days (same "
        f"scenario, same process; CPU time, wall-clock in brackets; load {s['load']:.1f})"
    )
    print(
        f"  {'model':<10} {'agent-steps/s':>15} {'ns/agent-step':>14} {'(wall)':>10} {'build s':>8}"
    )
    for name in ("engine", "reference"):
        rate, wall = s[f"{name}_steps_per_s"], s[f"{name}_wall_steps_per_s"]
        print(
            f"  {name:<10} {rate:>15,.0f} {1e9 / rate:>14,.0f} {1e9 / wall:>10,.0f} "
            f"{s[f'{name}_build_s']:>8.2f}"
        )
    print(f"  ratio {s['ratio']:.1f} (wall-clock {s['wall_ratio']:.1f})")


def _print_calibration(c: dict) -> None:
    print(
        f"\ncalibration parameter set: {', '.join(c['scenarios'])} ({c['days']:,} days; CPU "
        f"seconds, median of {c['repeats']}, same process; load {c['load']:.1f})"
    )
    print(f"  compiled day {c['compiled_cpu_s']:.3f} s, Python rules {c['python_cpu_s']:.3f} s")
    print(f"  ratio {c['ratio']:.1f}")


def _print_workers(w: dict) -> None:
    print(
        f"\nlocal workers: 2, each until its first calibration simulation (fresh process each "
        f"way; wall seconds, median of {w['repeats']}; load {w['load']:.1f})"
    )
    print(f"  {'started as':<28} {'command imports':>15} {'workers ready':>14}")
    ways = (("spawned", "spawned (Dask's default)"), ("forked", "forked from preloaded"))
    for way, label in ways:
        r = w[way]
        print(f"  {label:<28} {r['command_imports_s']:>15.2f} {r['workers_ready_s']:>14.2f}")
    print(f"  ratio {w['ratio']:.1f}")


def _print_scaling_header() -> None:
    print(
        f"  {'scenario':<16} {'residents':>10} {'groups':>6} {'build s':>8} {'year s':>8} "
        f"{'(wall)':>8} {'ns/step':>8} {'peak MB':>8} {'B/res.':>7} {'load':>5}"
    )


def _print_scaling_row(r: dict) -> None:
    print(
        f"  {r['scenario']:<16} {r['residents']:>10,} {r['groups']:>6,} "
        f"{r['build_cpu_s']:>8.2f} {r['run_cpu_s']:>8.2f} {r['run_s']:>8.1f} "
        f"{r['step_ns']:>8.0f} {r['peak_mb']:>8.0f} {r['bytes_per_resident']:>7,.0f} "
        f"{r['load']:>5.1f}",
        flush=True,
    )


def handle(args: argparse.Namespace) -> int:
    print(f"machine: {_machine()}", flush=True)
    figures: dict = {"machine": _machine()}
    s = speedup(days=30 if args.quick else 90)
    figures["speedup"] = s
    _print_speedup(s)
    figures["calibration"] = calibration_cost()
    _print_calibration(figures["calibration"])
    figures["workers"] = worker_startup()
    _print_workers(figures["workers"])
    if not args.quick:
        print(
            "\nscaling: one headless year per size, each in a fresh process "
            "(times in CPU seconds, wall-clock year in brackets)"
        )
        _print_scaling_header()
        rows = []
        for size in args.sizes:
            rows.append(measure_in_subprocess(str(size)))
            _print_scaling_row(rows[-1])
        figures["scaling"] = rows
        by_size = {r["residents"]: r for r in rows}
        big = sorted(by_size)
        if len(big) >= 2:
            a, b = by_size[big[-2]], by_size[big[-1]]
            print(
                f"  time({b['residents']:,}) / time({a['residents']:,}) = "
                f"{b['run_cpu_s'] / a['run_cpu_s']:.1f} for "
                f"{b['residents'] / a['residents']:.1f}× the residents"
            )
        if not args.no_city:
            print("\ncity: scenarios/city/rotterdam.toml")
            _print_scaling_header()
            city = measure_in_subprocess(CITY)
            figures["city"] = city
            _print_scaling_row(city)
        print(f"\n{TARGETS}")
    if args.json:
        tmp = args.json.with_name(args.json.name + ".tmp")
        tmp.write_text(json.dumps(figures, indent=2))
        tmp.replace(args.json)
    print(f"speedup: {s['ratio']:.1f}x")
    return 0
