"""Importing this module runs a short simulation, which loads the engine's compiled code.

The engine's compiled loops (numba) are kept on disk and loaded the first time each runs, about
a second in all. :mod:`sim.workers` imports this module in the server that local Dask workers
are forked from, so every worker starts with the code loaded instead of loading it again in its
first run. Nothing else imports it.
"""

from __future__ import annotations

from sim.engine import simulate
from sim.scenario import SCENARIO_DIR, load_scenario

#: Days of the warm-up run: its first survey wave, and stretches of ordinary days that the
#: compiled day runs.
WARM_DAYS = 40

simulate(load_scenario(SCENARIO_DIR / "baseline.toml"), seed=0, days=WARM_DAYS)
