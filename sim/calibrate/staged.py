"""Early rejection: simulate a particle's scenarios one at a time and stop at the first
that puts it out of reach.

The distance is the Euclidean norm of the targets' weighted misses, so the misses of the
targets measured so far already bound it from below: once their norm exceeds ε, no later
scenario can bring the particle back under it. :class:`StagedModel` stops there and rejects.
The particles it accepts, their distances and their observables are exactly those of the
whole simulation, and it draws the same random numbers, so a seeded calibration stores the
same populations either way; only the scenarios a rejected particle did not need are left
out (``tests/benchmarks/test_calibration_bench.py`` prints what that saves).
"""

from __future__ import annotations

import math
from typing import Any

import pyabc

from sim.calibrate.distance import IntervalDistance
from sim.calibrate.observe import Simulator, observe, replicate_mean, replicate_seeds


class StagedModel(pyabc.IntegratedModel):
    """A calibration structure's simulator as a pyabc model that rejects early."""

    def __init__(self, simulator: Simulator, distance: IntervalDistance, name: str = "model"):
        super().__init__(name)
        self.simulator = simulator
        self.distance = distance
        self.stages = simulator.stages()

    def sample(self, pars: pyabc.Parameter) -> dict[str, float]:
        """The whole simulation (pyabc calls this only to calibrate a first ε)."""
        return self.simulator(pars)

    def integrated_simulate(self, pars: pyabc.Parameter, eps: float) -> pyabc.ModelResult:
        sim = self.simulator
        values = sim.priors.from_abc(pars)
        seed = sim.draw_seed()
        seeds = replicate_seeds(seed, sim.replicates)
        runs: list[dict[str, Any]] = [{} for _ in seeds]
        x: dict[str, float] = {}
        squared = 0.0
        for name, targets in self.stages:
            for results, s in zip(runs, seeds, strict=True):
                results.update(sim.runs(values, s, [name]))
            part = replicate_mean([{t.id: observe(t, r) for t in targets} for r in runs])
            x.update(part)
            squared += sum(m * m for m in self.distance.misses(part, measured_only=True).values())
            if math.sqrt(squared) > eps:
                return pyabc.ModelResult(accepted=False)
        stats = {t.id: x[t.id] for t in sim.targets.used()}
        stats["_seed"] = float(seed)
        d = self.distance(stats)
        return pyabc.ModelResult(sum_stat=stats, distance=d, accepted=d <= eps)
