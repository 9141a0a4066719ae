"""Engine benchmarks (issue 3), out of the default run: ``uv run pytest -m benchmark -s
tests/benchmarks/test_engine_bench.py`` or, for the printed table, ``uv run buurtsim bench``.

Only ratios measured in the same session are asserted (engine vs reference, 1M vs 100k), and
the city's peak memory; absolute times are printed, never asserted.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from sim.commands.bench import calibration_cost, measure_in_subprocess, speedup

pytestmark = pytest.mark.benchmark


def test_engine_is_at_least_50_times_faster_than_the_reference():
    s = speedup(residents=10_000, days=30)
    print(
        f"\nengine {s['engine_steps_per_s']:,.0f} agent-steps/s, reference "
        f"{s['reference_steps_per_s']:,.0f} agent-steps/s, ratio {s['ratio']:.1f}"
    )
    assert s["ratio"] >= 50


def test_compiled_day_makes_a_calibration_parameter_set_at_least_3_times_cheaper():
    c = calibration_cost()
    print(
        f"\ncalibration parameter set ({c['days']:,} days): compiled day "
        f"{c['compiled_cpu_s']:.3f} s CPU, Python rules {c['python_cpu_s']:.3f} s CPU, "
        f"ratio {c['ratio']:.1f} (load {c['load']:.1f})"
    )
    assert c["ratio"] >= 3


def test_one_year_scales_near_linearly_from_100k_to_1m():
    small, big = measure_in_subprocess("100000"), measure_in_subprocess("1000000")
    ratio = big["run_cpu_s"] / small["run_cpu_s"]
    print(
        f"\n100k: {small['run_cpu_s']:.1f} s, 1M: {big['run_cpu_s']:.1f} s (CPU), ratio "
        f"{ratio:.1f} for {big['residents'] / small['residents']:.1f}× the residents"
    )
    assert ratio <= 12


def test_rotterdam_city_year_stays_within_2_gb():
    city = measure_in_subprocess("city/rotterdam.toml")
    print(
        f"\ncity: {city['residents']:,} residents, build {city['build_cpu_s']:.1f} s, year "
        f"{city['run_cpu_s']:.1f} s CPU ({city['run_s']:.1f} s wall), "
        f"peak {city['peak_mb']:.0f} MB"
    )
    assert 600_000 <= city["residents"] <= 700_000
    assert city["peak_mb"] <= 2048


def test_bench_quick_ends_with_the_speedup_line():
    out = subprocess.run(
        [sys.executable, "-m", "sim.cli", "bench", "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    last = out.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"speedup: \d+(\.\d+)?x", last), last
