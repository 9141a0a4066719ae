"""Kept for imports written before the parameter paths moved to :mod:`sim.params` (core:
the posterior-sample reader needs them without the experiments package)."""

from sim.params import (  # noqa: F401
    ParamInfo,
    PathError,
    current_value,
    default_values,
    describe_path,
    expand_overrides,
    expand_path,
)
