"""Designs: the right points, reproducible, respecting each factor's type and distribution."""

from __future__ import annotations

import numpy as np

from sim.experiments.design import build_design
from sim.experiments.spec import load_experiment

HEAD = """
name = "d"
scenario = "tiny.toml"
"""


def test_factorial_is_every_combination(factorial_file):
    design = build_design(load_experiment(factorial_file))
    assert len(design) == 2 * 3
    combos = set(map(tuple, design.points.to_numpy().tolist()))
    assert combos == {(f, e) for f in (0.0, 1.0) for e in (0.0, 1.0, 2.0)}
    assert design.overrides(5) == {"factors.police_feedback": 1.0, "messages.exposure": 2.0}


def test_one_at_a_time_changes_one_factor_from_the_base(write_experiment):
    exp = load_experiment(
        write_experiment(
            HEAD
            + """
        [design]
        method = "oat"
        [[factors]]
        path = "factors.police_feedback"
        values = [0.2, 0.9]      # 0.2 is the base value: no extra point for it
        [[factors]]
        path = "factors.signs"
    """
        )
    )
    design = build_design(exp)
    assert design.overrides(0) == {}
    assert [design.overrides(i) for i in range(1, len(design))] == [
        {"factors.police_feedback": 0.9},
        {"factors.signs": True},
    ]


def test_latin_hypercube_fills_every_stratum_once(write_experiment):
    exp = load_experiment(
        write_experiment(
            HEAD
            + """
        [design]
        method = "lhs"
        samples = 20
        seed = 3
        [[factors]]
        path = "factors.police_feedback"
        range = [0.0, 1.0]
        [[factors]]
        path = "factors.size_cap"
        range = [10, 210]
    """
        )
    )
    design = build_design(exp)
    strata = np.floor(design.unit * 20).astype(int)
    for j in range(2):
        assert sorted(strata[:, j]) == list(range(20))
    caps = design.points["factors.size_cap"]
    assert caps.dtype.kind == "i" and caps.between(10, 210).all()
    again = build_design(load_experiment(exp.path))
    assert again.points.equals(design.points)  # same file → same points


def test_sobol_and_morris_have_the_salib_sizes(write_experiment):
    factors = """
        [[factors]]
        path = "factors.police_feedback"
        range = [0.0, 1.0]
        [[factors]]
        path = "areas.*.coverage"
        range = [0.2, 1.0]
        distribution = "triangular"
        mode = 0.4
        [[factors]]
        path = "factors.signs"
    """
    sobol = build_design(
        load_experiment(
            write_experiment(HEAD + '[design]\nmethod = "sobol"\nsamples = 16\n' + factors)
        )
    )
    assert len(sobol) == 16 * (3 + 2)
    cov = sobol.points["areas.*.coverage"]
    assert cov.between(0.2, 1.0).all() and cov.median() < 0.6  # skewed towards the mode
    assert set(sobol.points["factors.signs"]) == {False, True}
    morris = build_design(
        load_experiment(
            write_experiment(
                HEAD + '[design]\nmethod = "morris"\nsamples = 5\nlevels = 4\n' + factors, "m.toml"
            )
        )
    )
    assert len(morris) == 5 * (3 + 1)
    # Morris moves one factor per step along a trajectory
    steps = np.diff(morris.unit.reshape(5, 4, 3), axis=1)
    assert ((steps != 0).sum(axis=2) == 1).all()
