"""Early rejection (sim/calibrate/staged.py) must change what a calibration costs, never
what it finds: same accepted particles, distances and observables, fewer simulations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyabc
import pytest

import sim.engine
from sim.calibrate.distance import IntervalDistance
from sim.calibrate.observe import Simulator, load_calibration_scenarios
from sim.calibrate.priors import load_priors
from sim.calibrate.sampling import run_abc_smc
from sim.calibrate.staged import StagedModel
from sim.calibrate.targets import load_targets

DATA = Path(__file__).parent / "data"

pytestmark = [
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
    pytest.mark.filterwarnings("ignore::FutureWarning:pyabc"),
]


@pytest.fixture(scope="module")
def problem():
    targets = load_targets(DATA / "tiny_two_scenarios.toml")
    priors = load_priors(DATA / "tiny_priors.toml")
    simulator = Simulator(targets, priors, load_calibration_scenarios(targets))
    return simulator, IntervalDistance(targets), priors


@pytest.fixture
def simulations(monkeypatch):
    """Counts the scenario simulations run (Simulator.runs looks simulate up on call)."""
    calls: list[str] = []
    real = sim.engine.simulate

    def counting(scenario, *a, **kw):
        calls.append(scenario.name)
        return real(scenario, *a, **kw)

    monkeypatch.setattr(sim.engine, "simulate", counting)
    return calls


def test_stages_follow_the_targets_file_and_measure_each_target_once(problem):
    simulator, _, _ = problem
    stages = [(name, [t.id for t in ts]) for name, ts in simulator.stages()]
    assert stages == [
        ("small", ["unsafe"]),
        ("small_without_groups", ["victims-without", "unsafe-relative"]),
    ]


def test_accepts_exactly_the_particles_the_whole_simulation_accepts(problem, simulations):
    """Per particle and ε: accepted iff the whole simulation's distance is within ε, with the
    same distance and observables; a particle rejected after the first scenario never runs
    the second."""
    simulator, distance, priors = problem
    model = StagedModel(simulator, distance)
    rng = np.random.default_rng(4)
    prior = priors.distribution()
    seen_early = 0
    for k in range(8):
        pars = pyabc.Parameter(
            {n: float(rng.uniform(*prior[n].distribution.support())) for n in prior}
        )
        np.random.seed(k)
        whole = simulator(pars)
        d = distance(whole)
        for eps in (0.5 * d, d, 2 * d + 1e-9, 1e300):
            del simulations[:]
            np.random.seed(k)
            res = model.integrated_simulate(pars, eps)
            assert res.accepted == (d <= eps)
            if res.accepted:
                assert res.distance == d and res.sum_stat == whole
            first = distance.misses({"unsafe": whole["unsafe"]}, measured_only=True)["unsafe"]
            if first > eps:
                seen_early += 1
                assert len(simulations) == 1
            else:
                assert len(simulations) == 2
    assert seen_early > 0  # the problem does reject some particles after one scenario


def test_a_seeded_calibration_stores_the_same_populations_with_fewer_simulations(
    problem, simulations, tmp_path
):
    simulator, distance, priors = problem
    kwargs = dict(
        population_size=12, budget=150, client=None, meta={"t": "1"}, max_generations=3, seed=5
    )
    whole = run_abc_smc(
        simulator, priors.distribution(), distance, {}, tmp_path / "whole.db", **kwargs
    )
    n_whole = len(simulations)
    del simulations[:]
    staged = run_abc_smc(
        StagedModel(simulator, distance),
        priors.distribution(),
        distance,
        {},
        tmp_path / "staged.db",
        **kwargs,
    )
    assert staged.max_t == whole.max_t >= 1
    assert staged.total_nr_simulations == whole.total_nr_simulations
    for t in range(whole.max_t + 1):
        a, wa = whole.get_distribution(t=t)
        b, wb = staged.get_distribution(t=t)
        assert np.array_equal(a.to_numpy(), b.to_numpy()) and np.array_equal(wa, wb)
        assert np.array_equal(
            whole.get_weighted_distances(t=t)["distance"].to_numpy(),
            staged.get_weighted_distances(t=t)["distance"].to_numpy(),
        )
    assert len(simulations) < n_whole
