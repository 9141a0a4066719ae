"""Shared check of the perturbation kernels: the density the weights divide by must be the
one the draws follow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

GRID = 401


def density_on_the_prior_box(kernel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The kernel's density on a grid over a ∈ [0, 1], b ∈ [-2, 2]; it must integrate to one."""
    ga, gb = np.linspace(0, 1, GRID), np.linspace(-2, 2, GRID)
    grid = pd.DataFrame({"a": np.repeat(ga, GRID), "b": np.tile(gb, GRID)})
    density = kernel.pdf(grid).reshape(GRID, GRID)
    assert np.trapezoid(np.trapezoid(density, gb, axis=1), ga) == pytest.approx(1.0, abs=0.01)
    return density, ga, gb


def assert_draws_follow(kernel, density: np.ndarray, ga: np.ndarray, gb: np.ndarray) -> None:
    """4,000 draws stay in the box and their histogram in a matches the density."""
    np.random.seed(4)
    draws = kernel.rvs(4000)
    assert draws["a"].between(0, 1).all() and draws["b"].between(-2, 2).all()
    counts, _ = np.histogram(draws["a"], bins=np.linspace(0, 1, 6))
    marginal = np.trapezoid(density, gb, axis=1)
    expected = [
        4000 * np.trapezoid(marginal[k * 80 : k * 80 + 81], ga[k * 80 : k * 80 + 81])
        for k in range(5)
    ]
    chi2 = float(np.sum((counts - expected) ** 2 / np.asarray(expected)))
    assert chi2 < 18.5  # 4 degrees of freedom, p = 0.001
