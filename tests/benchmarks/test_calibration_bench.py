"""Calibration benchmark: what early rejection saves in a late generation.

Printed (run with ``uv run pytest tests/benchmarks/test_calibration_bench.py -m benchmark -s``):
seconds per proposal for the whole simulation (the four calibration scenarios, then the
distance) and for :class:`~sim.calibrate.staged.StagedModel` (stop at the first scenario that
puts the particle beyond ε), on the same proposals and seeds, and their ratio. The proposals
come from the perturbation kernel fitted to the shipped run's last generation of its most
probable structure, and ε is that generation's own ε times 0.85 (about what the next
generation is held to: ε fell 7–15 % per generation at the end). Nothing here
asserts a time; the test checks that both accept the same proposals.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.distance import IntervalDistance
from sim.calibrate.pipeline import CalibrationSettings, prepare
from sim.calibrate.priors import safe_name
from sim.calibrate.sampling import box_kernel
from sim.calibrate.staged import StagedModel
from sim.calibrate.targets import CALIBRATION_DIR

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
]

RESULTS = CALIBRATION_DIR / "results"
PROPOSALS = 60


def test_early_rejection_saves_simulations_in_a_late_generation(tmp_path):
    prep = prepare(CalibrationSettings(out=tmp_path, budget=100_000, population_size=200))
    meta = json.loads((RESULTS / "calibration.json").read_text(encoding="utf-8"))
    structure = meta["installed_structure"]
    post = pd.read_parquet(RESULTS / "posterior.parquet")
    last = post[(post["structure"] == structure) & (post["generation"] == post["generation"].max())]
    names = prep.priors.names()
    particles = pd.DataFrame(
        {safe_name(n): [prep.priors.parameter[n].to_abc(v) for v in last[n]] for n in names}
    )
    gens = pd.read_csv(RESULTS / "generations.csv")
    eps = 0.85 * float(gens["epsilon"].iloc[-1])
    kernel = box_kernel(prep.priors.distribution())
    kernel.fit(particles, last["weight"].to_numpy())
    np.random.seed(7)
    proposals = [kernel.rvs_single() for _ in range(PROPOSALS)]
    index = prep.structures.names().index(structure)
    simulator = prep.models()[index]
    distance = IntervalDistance(prep.targets)
    staged = StagedModel(simulator, distance)
    simulator(proposals[0])  # compile and warm caches before timing

    t0 = time.perf_counter()
    whole = []
    for k, p in enumerate(proposals):
        np.random.seed(k)
        whole.append(distance(simulator(p)) <= eps)
    t_whole = time.perf_counter() - t0
    t0 = time.perf_counter()
    early = []
    for k, p in enumerate(proposals):
        np.random.seed(k)
        early.append(bool(staged.integrated_simulate(p, eps).accepted))
    t_early = time.perf_counter() - t0

    assert early == whole
    print(
        f"\n{PROPOSALS} proposals at ε = {eps:.3g} ({structure}), {sum(whole)} accepted: "
        f"whole simulation {t_whole / PROPOSALS:.3f} s, early rejection "
        f"{t_early / PROPOSALS:.3f} s per proposal; ratio {t_whole / t_early:.2f}"
    )
