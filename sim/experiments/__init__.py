"""Experiments: scenario sweeps, sensitivity analysis and the results store.

An *experiment file* (TOML, :mod:`sim.experiments.spec`) says what to vary and how often; it
says nothing about where the runs execute. :mod:`~sim.experiments.design` turns it into design
points, :mod:`~sim.experiments.runner` runs one point with one seed,
:mod:`~sim.experiments.execute` spreads the runs over Dask workers (or runs them in this
process), and :mod:`~sim.experiments.store` keeps every finished run as Parquet so that a
stopped sweep resumes where it stopped. :mod:`~sim.experiments.sensitivity` and
:mod:`~sim.experiments.compare` analyse a finished store.

>>> from sim.experiments import load_experiment, build_design   # doctest: +SKIP
>>> exp = load_experiment("scenarios/experiments/selection_vs_exposure.toml")  # doctest: +SKIP
>>> len(build_design(exp).points)                                # doctest: +SKIP
9
"""

__all__ = ["Design", "Experiment", "ExperimentError", "build_design", "load_experiment"]

_WHERE = {
    "Design": "design",
    "build_design": "design",
    "Experiment": "spec",
    "ExperimentError": "spec",
    "load_experiment": "spec",
}


def __getattr__(name: str):
    """Import on first use, so Dask workers that only run simulations stay light."""
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"sim.experiments.{_WHERE[name]}"), name)
    raise AttributeError(name)
