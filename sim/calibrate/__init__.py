"""Calibration against the field facts (``calibration/targets.toml``) with ABC-SMC.

Modules: :mod:`~sim.calibrate.targets` (the targets file), :mod:`~sim.calibrate.priors` (free
parameters), :mod:`~sim.calibrate.distance` (interval distance), :mod:`~sim.calibrate.observe`
(simulate and measure), :mod:`~sim.calibrate.field_data` (targets from survey microdata),
:mod:`~sim.calibrate.sampling` (pyabc on Dask), :mod:`~sim.calibrate.posterior` (outputs),
:mod:`~sim.calibrate.decompose` (selection vs exposure), :mod:`~sim.calibrate.report`.
"""

from sim.calibrate.distance import IntervalDistance, target_miss
from sim.calibrate.priors import Priors, load_priors
from sim.calibrate.targets import Target, Targets, TargetsError, load_targets

__all__ = [
    "IntervalDistance",
    "Priors",
    "Target",
    "Targets",
    "TargetsError",
    "load_priors",
    "load_targets",
    "target_miss",
]
