"""``buurtsim bench``: how fast the engine is, against the per-agent reference and at scale.

``buurtsim bench --quick`` (under a minute) compares the vectorised engine with the plain
per-agent reference model (``tests/reference``) on the same 10,000-resident scenario in the
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

from sim.errors import UserError

SIZES = (1_000, 10_000, 100_000, 1_000_000)
SPEEDUP_RESIDENTS = 10_000
CITY = "city/rotterdam.toml"
TARGETS = ("targets: engine ≥ 50× the reference at 10k; 10k year ≤ 2 s and build ≤ 2 s; "
           "build of 100k ≤ 10 s; time(1M) ≤ 12 × time(100k); city year ≤ 120 s and ≤ 2 GB")


def register(sub) -> None:
    p = sub.add_parser("bench", help="measure speed: engine vs reference, scaling, city",
                       description="Measure the engine: agent-steps per second against the "
                       "per-agent reference model, and one headless year at growing sizes.")
    p.add_argument("--quick", action="store_true",
                   help="only engine vs reference at 10,000 residents (under a minute)")
    p.add_argument("--sizes", type=_sizes, default=SIZES, metavar="N,N,...",
                   help="residents per scaling row (default: 1000,10000,100000,1000000)")
    p.add_argument("--no-city", action="store_true", help="skip the Rotterdam-size city run")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    p.set_defaults(handler=handle)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give whole numbers separated by commas, "
                                         f"e.g. 1000,10000") from None
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
            areas.append(a.model_copy(update={
                "name": f"{a.name}-{k + 1}", "streets": streets,
                "groups": min(a.groups, max(1, round(a.groups * scale))) if a.groups else 0}))
    data = base.model_dump(mode="python")
    data.update(name=f"bench-{residents}", days=days, burn_in_days=0, interventions=[],
                areas=[a.model_dump(mode="python") for a in areas])
    data["survey"]["waves"] = []
    return type(base).model_validate(data)


# --------------------------------------------------------------------------- measurements


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

    scn = scaled_scenario(int(spec), days) if spec.isdigit() else \
        load_scenario(resolve_scenario_path(spec))
    days = days if spec.isdigit() else scn.days
    before = psutil.Process().memory_info().rss / 2**20
    t0 = time.perf_counter()
    engine = Engine(scn, np.random.default_rng(scn.seed))
    t1 = time.perf_counter()
    engine.run(days)
    t2 = time.perf_counter()
    peak = _peak_rss_mb()
    n = engine.pop.n
    return {"scenario": scn.name, "residents": n, "groups": engine.pop.n_groups, "days": days,
            "build_s": t1 - t0, "run_s": t2 - t1, "step_ns": (t2 - t1) / (n * days) * 1e9,
            "peak_mb": peak, "bytes_per_resident": (peak - before) * 2**20 / n}


def measure_in_subprocess(spec: str, days: int = 365, timeout: float = 1800) -> dict:
    """:func:`measure_year` in a fresh Python process, so peak memory is this run's own."""
    code = ("import json, sys; from sim.commands.bench import measure_year; "
            "print(json.dumps(measure_year(sys.argv[1], int(sys.argv[2]))))")
    proc = subprocess.run([sys.executable, "-c", code, spec, str(days)], capture_output=True,
                          text=True, timeout=timeout)
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

    try:
        from tests.reference.model import ReferenceModel
    except ImportError:
        raise UserError("the reference model lives in tests/reference/; run 'buurtsim bench' "
                        "from a source checkout of buurtsim") from None
    scn = scaled_scenario(residents, days)
    Engine(scaled_scenario(1_000, 5), np.random.default_rng(0)).run(5)  # warm up imports
    runs, builds = [], []
    for k in range(repeats):
        t0 = time.perf_counter()
        engine = Engine(scn, np.random.default_rng(k))
        t1 = time.perf_counter()
        engine.run(days)
        runs.append(time.perf_counter() - t1)
        builds.append(t1 - t0)
    n = engine.pop.n
    t0 = time.perf_counter()
    ref = ReferenceModel(scn, seed=0)
    t1 = time.perf_counter()
    ref.run_for(days)
    ref_run = time.perf_counter() - t1
    engine_run = sorted(runs)[len(runs) // 2]
    return {"residents": n, "days": days,
            "engine_steps_per_s": n * days / engine_run,
            "reference_steps_per_s": len(ref.residents) * days / ref_run,
            "engine_build_s": sorted(builds)[len(builds) // 2], "reference_build_s": t1 - t0,
            "ratio": (ref_run / len(ref.residents)) / (engine_run / n)}


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
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, Python "
            f"{platform.python_version()}, {platform.system()} {platform.release()}")


def _print_speedup(s: dict) -> None:
    print(f"engine vs reference, {s['residents']:,} residents, {s['days']} days "
          f"(same scenario, same process)")
    print(f"  {'model':<10} {'agent-steps/s':>15} {'ns/agent-step':>14} {'build s':>8}")
    for name, rate, build in (("engine", s["engine_steps_per_s"], s["engine_build_s"]),
                              ("reference", s["reference_steps_per_s"],
                               s["reference_build_s"])):
        print(f"  {name:<10} {rate:>15,.0f} {1e9 / rate:>14,.0f} {build:>8.2f}")


def _print_scaling_header() -> None:
    print(f"  {'scenario':<22} {'residents':>10} {'groups':>7} {'build s':>8} {'year s':>8} "
          f"{'ns/step':>8} {'peak MB':>8} {'B/resident':>10}")


def _print_scaling_row(r: dict) -> None:
    print(f"  {r['scenario']:<22} {r['residents']:>10,} {r['groups']:>7,} {r['build_s']:>8.2f} "
          f"{r['run_s']:>8.2f} {r['step_ns']:>8.0f} {r['peak_mb']:>8.0f} "
          f"{r['bytes_per_resident']:>10,.0f}", flush=True)


def handle(args: argparse.Namespace) -> int:
    print(f"machine: {_machine()}", flush=True)
    figures: dict = {"machine": _machine()}
    s = speedup(days=30 if args.quick else 90)
    figures["speedup"] = s
    _print_speedup(s)
    if not args.quick:
        print("\nscaling: one headless year per size, each in a fresh process")
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
            print(f"  time({b['residents']:,}) / time({a['residents']:,}) = "
                  f"{b['run_s'] / a['run_s']:.1f} for {b['residents'] / a['residents']:.1f}× "
                  f"the residents")
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
