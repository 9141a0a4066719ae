"""Two remedies for thin importance weights in a calibration with model selection: every
structure's kernel draws from one mixture over the whole last population, and a run that
stops with too few effective particles refreshes its population at the same ε."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyabc
import pytest
from pyabc.weighted_statistics import effective_sample_size

from sim.calibrate.sampling import Generation, StoppingRule, box_kernel, box_kernels, run_abc_smc
from tests.calibrate.kernel_checks import assert_draws_follow, density_on_the_prior_box

pytestmark = [
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
    pytest.mark.filterwarnings("ignore::FutureWarning:pyabc"),
]


def _gens(eps: list[float], acc: list[float], ess: list[float]) -> list[Generation]:
    return [
        Generation(
            t=t,
            epsilon=e,
            accepted=200,
            simulations=int(200 / a),
            total_simulations=0,
            acceptance_rate=a,
            ess=s,
            seconds=1.0,
        )
        for t, (e, a, s) in enumerate(zip(eps, acc, ess, strict=True))
    ]


# --------------------------------------------------------------------------- refresh


def test_a_run_that_stops_with_a_thin_population_refreshes_it_at_the_same_epsilon():
    rule = StoppingRule(min_acceptance=0.02, min_ess=100, refresh_generations=2)
    stopped = _gens([1e300, 4.0, 3.0, 2.4], [1.0, 0.2, 0.05, 0.016], [200, 120, 110, 84])
    assert rule.next_step(stopped) == "refresh"
    assert not rule.assess(stopped)["converged"]

    refreshed = stopped + _gens([2.4], [0.03], [131])[:1]
    refreshed[-1].t = 4
    assert rule.next_step(refreshed) == "stop"
    verdict = rule.assess(refreshed)
    # the floor is judged on the generation that lowered ε, the ESS on the final population
    assert verdict["converged"] and verdict["refresh_generations"] == 1
    assert verdict["final_acceptance"] == 0.016 and verdict["ess_before_refresh"] == 84
    assert verdict["last_epsilon_drops_pct"] == pytest.approx([25.0, 20.0])


def test_refreshes_are_limited_and_a_still_thin_population_is_not_converged():
    rule = StoppingRule(min_acceptance=0.02, min_ess=100, refresh_generations=2)
    gens = _gens(
        [1e300, 3.0, 2.4, 2.4, 2.4], [1.0, 0.05, 0.016, 0.03, 0.03], [200, 110, 84, 90, 95]
    )
    assert rule.next_step(gens[:4]) == "refresh"
    assert rule.next_step(gens) == "stop"
    verdict = rule.assess(gens)
    assert not verdict["converged"] and verdict["refresh_generations"] == 2
    # a run whose ε still falls goes on lowering it, whatever its ESS
    assert rule.next_step(_gens([1e300, 4.0, 3.0], [1.0, 0.3, 0.2], [200, 40, 40])) == "lower"


def _two_structures():
    def reachable(p):
        return {"y": p["a"] + 0.05 * np.random.normal()}

    def shifted(p):
        return {"y": p["a"] + 0.4 + 0.05 * np.random.normal()}

    def distance(x, x0):
        return abs(x["y"] - 0.5)

    prior = pyabc.Distribution(a=pyabc.RV("uniform", 0, 1), b=pyabc.RV("uniform", 0, 1))
    return [reachable, shifted], [prior, prior], distance


def test_a_resumed_run_refreshes_at_the_stored_epsilon_and_then_stops(tmp_path):
    """The path a calibration that stopped with too few effective particles takes when it
    is started again: one more generation at the ε it stopped at, then nothing more."""
    models, priors, distance = _two_structures()
    kwargs = dict(population_size=40, budget=5000, client=None, meta={"t": "1"}, seed=7)
    db = tmp_path / "abc.db"
    first = run_abc_smc(
        models, priors, distance, {"y": 0.5}, db,
        stopping=StoppingRule(min_acceptance=1.0, min_ess=0), **kwargs,
    )  # fmt: skip
    assert first.max_t == 1  # every generation is below a floor of 100 %: stop after one
    thin = StoppingRule(min_acceptance=1.0, min_ess=1e9, refresh_generations=1)
    resumed = run_abc_smc(models, priors, distance, {"y": 0.5}, db, stopping=thin, **kwargs)
    eps = resumed.get_all_populations().set_index("t")["epsilon"]
    assert resumed.max_t == 2 and eps[2] == eps[1]
    again = run_abc_smc(models, priors, distance, {"y": 0.5}, db, stopping=thin, **kwargs)
    assert again.max_t == 2  # refreshes used up: nothing more is sampled


def test_a_fresh_run_refreshes_without_lowering_epsilon_and_with_more_particles(tmp_path):
    models, priors, distance = _two_structures()
    history = run_abc_smc(
        models, priors, distance, {"y": 0.5}, tmp_path / "abc.db",
        population_size=20, budget=5000, client=None, meta={"t": "1"}, seed=8,
        stopping=StoppingRule(min_acceptance=1.0, min_ess=1e9, refresh_generations=2),
    )  # fmt: skip
    pops = history.get_all_populations().set_index("t")
    assert history.max_t == 3 and pops.epsilon[1] == pops.epsilon[2] == pops.epsilon[3] < 1e300
    # an effective sample size of 1e9 is out of reach: the refreshes take four times the
    # population, the most they may
    assert [pops.particles[t] for t in (1, 2, 3)] == [20, 80, 80]


def test_a_refresh_is_sized_to_reach_the_effective_sample_size():
    rule = StoppingRule(min_acceptance=0.02, min_ess=100)
    lowering, acc = [1e300, 3.0, 2.4], [1.0, 0.05, 0.016]
    # stopped on the floor with 69 effective of 200 accepted: 1.25 × 100 ÷ 0.345
    assert rule.refresh_population(_gens(lowering, acc, [200, 120, 69]), 200) == 363
    assert rule.refresh_population(_gens(lowering, acc, [200, 120, 150]), 200) == 200
    assert rule.refresh_population(_gens(lowering, acc, [200, 120, 10]), 200) == 800
    # after refreshes, the median share since the stop: one heavy particle (ESS 54 of 364)
    # does not double the next population
    refreshed = _gens([*lowering, 2.4, 2.4], [*acc, 0.018, 0.019], [200, 120, 77, 69, 54])
    refreshed[-1].accepted = 364
    assert rule.refresh_population(refreshed, 200) == 363  # median share 69 / 200


# --------------------------------------------------------------------------- shared mixture


def test_structures_share_one_mixture_whose_density_is_the_draws():
    """Every structure's kernel has the same density, built from both structures'
    particles, it integrates to one over the prior box, and the draws follow it."""
    prior = pyabc.Distribution(a=pyabc.RV("uniform", 0.0, 1.0), b=pyabc.RV("uniform", -2.0, 4.0))
    rng = np.random.default_rng(3)
    left = pd.DataFrame({"a": rng.uniform(0.0, 0.2, 25), "b": rng.uniform(-2, 0, 25)})
    right = pd.DataFrame({"a": rng.uniform(0.7, 1.0, 5), "b": rng.uniform(0, 2, 5)})
    kernels = box_kernels([prior, prior])
    kernels[0].fit(left, rng.uniform(0.5, 1.5, 25))
    kernels[1].fit(right, rng.uniform(0.5, 1.5, 5))
    density, ga, gb = density_on_the_prior_box(kernels[1])
    grid = pd.DataFrame({"a": np.repeat(ga, len(gb)), "b": np.tile(gb, len(ga))})
    assert np.array_equal(density.ravel(), kernels[0].pdf(grid))
    # the second structure's 5 particles are on the right, the first one's 25 on the left:
    # the second structure's kernel, too, proposes more on the left
    centres = pd.DataFrame({"a": [0.1, 0.85], "b": [-1.0, 1.0]})
    on_left, on_right = kernels[1].pdf(centres)
    assert on_left > 2 * on_right
    assert_draws_follow(kernels[1], density, ga, gb)


def test_a_new_generation_replaces_the_mixture_and_one_structure_is_unchanged():
    prior = pyabc.Distribution(a=pyabc.RV("uniform", 0.0, 1.0))
    kernels = box_kernels([prior, prior])
    kernels[0].fit(pd.DataFrame({"a": [0.1, 0.2]}), np.ones(2))
    kernels[1].fit(pd.DataFrame({"a": [0.8, 0.9]}), np.ones(2))
    kernels[0].fit(pd.DataFrame({"a": [0.5, 0.6]}), np.ones(2))  # the next generation
    only = box_kernel(prior)
    only.fit(pd.DataFrame({"a": [0.5, 0.6]}), np.ones(2))
    x = pd.DataFrame({"a": np.linspace(0, 1, 11)})
    assert np.array_equal(kernels[0].pdf(x), only.pdf(x))


def test_a_shared_mixture_keeps_small_structures_weights_even():
    """One generation of a calibration with model selection is mimicked: five structures
    with the same posterior hold 80, 60, 30, 20 and 10 of 200 particles, weighted unevenly
    as after a few generations. Draws for the three small structures are accepted when
    inside the posterior and weighted prior ÷ their kernel's density. With one kernel per
    structure the weights of each small structure's accepted draws rest on a few of them;
    the shared mixture keeps most of them effective."""
    dims = 16
    names = [f"p{i}" for i in range(dims)]
    half = np.r_[np.full(4, 0.1), np.full(dims - 4, 0.3)]
    prior = pyabc.Distribution(**{n: pyabc.RV("uniform", 0, 1) for n in names})
    rng = np.random.default_rng(5)
    sizes = [80, 60, 30, 20, 10]
    pops = [pd.DataFrame(0.5 + half * rng.uniform(-1, 1, (n, dims)), columns=names) for n in sizes]
    weights = [rng.lognormal(0.0, 1.0, n) for n in sizes]

    def ess_share(kernel, m: int) -> float:
        np.random.seed(11 + m)
        draws = kernel.rvs(3000)
        x = draws[names].to_numpy()
        accept = np.sqrt(np.sum(((x - 0.5) / half) ** 2, axis=1)) < np.sqrt(dims / 3)
        w = 1.0 / np.asarray(kernel.pdf(draws[accept]), dtype=float)
        return effective_sample_size(w / w.sum()) / accept.sum()

    shared = box_kernels([prior] * len(sizes))
    for kernel, pop, w in zip(shared, pops, weights, strict=True):
        kernel.fit(pop, w)
    own, pooled = [], []
    for m in (2, 3, 4):
        alone = box_kernel(prior)
        alone.fit(pops[m], weights[m])
        own.append(ess_share(alone, m))
        pooled.append(ess_share(shared[m], m))
    assert min(pooled) > 0.75, pooled
    assert max(own) < min(pooled) - 0.15, (own, pooled)
