"""The ``buurtsim bench`` command's cheap parts (default run): arguments and scaled scenarios."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from sim.commands.bench import scaled_scenario
from sim.population import build_population


@pytest.mark.parametrize("size", [1_000, 10_000])
def test_scaled_scenario_has_about_the_asked_residents_and_groups(size):
    scn = scaled_scenario(size, days=10)
    pop = build_population(scn, np.random.default_rng(1))
    assert abs(pop.n - size) / size < 0.1
    assert pop.n_groups > 0 and scn.days == 10 and not scn.survey.waves


def test_bad_sizes_give_a_clear_error_and_exit_2():
    out = subprocess.run(
        [sys.executable, "-m", "sim.cli", "bench", "--sizes", "10,abc"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "--sizes" in out.stderr and "whole numbers" in out.stderr
    assert "Traceback" not in out.stderr
