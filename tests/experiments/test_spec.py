"""Experiment files: good files load, every mistake names file, field and allowed values."""

from __future__ import annotations

import pytest

from sim.experiments.design import build_design
from sim.experiments.spec import EXPERIMENT_DIR, ExperimentError, load_experiment
from sim.params import describe_path


def _error(write_experiment, text: str) -> str:
    path = write_experiment(text)
    with pytest.raises(ExperimentError) as e:
        load_experiment(path)
    assert str(path) in str(e.value)
    return str(e.value)


HEAD = """
name = "bad"
scenario = "tiny.toml"
"""


def test_unknown_factor_names_the_field_and_the_allowed_keys(write_experiment):
    msg = _error(
        write_experiment,
        HEAD
        + """
        [[factors]]
        path = "factors.police_feedbak"
        values = [0.1]
    """,
    )
    assert "factors.0.path" in msg and "police_feedbak" in msg
    assert "police_feedback" in msg  # the allowed names are listed


def test_range_outside_the_schema_bounds_is_refused(write_experiment):
    msg = _error(
        write_experiment,
        HEAD
        + """
        [[factors]]
        path = "factors.police_feedback"
        range = [0.0, 1.5]
        levels = 3
    """,
    )
    assert "factors.0.range.1" in msg and "[0, 1]" in msg


def test_value_of_the_wrong_type_is_refused(write_experiment):
    msg = _error(
        write_experiment,
        HEAD
        + """
        [[factors]]
        path = "factors.size_cap"
        values = [50, 12.5]
    """,
    )
    assert "factors.0.values.1" in msg and "int in [2, 256]" in msg


def test_index_beyond_the_base_scenario_areas_is_refused(write_experiment):
    msg = _error(
        write_experiment,
        HEAD
        + """
        [[factors]]
        path = "areas.3.coverage"
        values = [0.5]
    """,
    )
    assert "areas" in msg and "index 3 does not exist" in msg


def test_design_larger_than_max_runs_is_refused(write_experiment):
    msg = _error(
        write_experiment,
        HEAD
        + """
        replications = 10
        max_runs = 1000
        [design]
        method = "sobol"
        samples = 64
        [[factors]]
        path = "factors.police_feedback"
        range = [0, 1]
        [[factors]]
        path = "messages.exposure"
        range = [0, 2]
    """,
    )
    # 64 × (2 + 2) points × 10 replications = 2560 runs
    assert "2560 runs" in msg and "max_runs = 1000" in msg


def test_sobol_samples_must_be_a_power_of_two(write_experiment):
    msg = _error(
        write_experiment,
        HEAD
        + """
        [design]
        method = "sobol"
        samples = 100
        [[factors]]
        path = "factors.police_feedback"
        range = [0, 1]
    """,
    )
    assert "design" in msg and "power of 2" in msg


def test_unknown_design_method_lists_the_methods(write_experiment):
    msg = _error(
        write_experiment,
        HEAD
        + """
        [design]
        method = "halton"
        [[factors]]
        path = "factors.signs"
    """,
    )
    assert "design.method" in msg and "'factorial'" in msg and "'morris'" in msg


def test_unknown_outcome_lists_the_outcomes(write_experiment):
    msg = _error(
        write_experiment,
        HEAD
        + """
        [[factors]]
        path = "factors.signs"
        [outputs]
        summary = ["worry_gapp"]
    """,
    )
    assert "outputs.summary" in msg and "worry_gap" in msg


def test_label_that_would_clash_with_a_results_column_is_refused(write_experiment):
    msg = _error(
        write_experiment,
        HEAD
        + """
        [[factors]]
        path = "factors.signs"
        label = "worry_gap"
    """,
    )
    assert "'worry_gap'" in msg and "another label" in msg


def test_fixed_settings_are_validated_like_scenarios(write_experiment):
    msg = _error(
        write_experiment,
        HEAD
        + """
        [fixed]
        burn_in_days = 100
        [[factors]]
        path = "factors.signs"
    """,
    )
    assert "burn_in_days" in msg


def test_field_metadata_gives_bounds_and_kinds():
    assert describe_path("messages.exposure").high == 5
    assert describe_path("areas.*.factors.police_feedback").allowed() == "float in [0, 1]"
    assert describe_path("areas.0.kind").choices == ("independent", "municipal")
    assert describe_path("population.worry.mean").allowed() == "float in (0, 1)"


SHIPPED = sorted(EXPERIMENT_DIR.glob("*.toml")) + sorted(
    p
    for p in (EXPERIMENT_DIR.parents[1] / "docs").rglob("*.toml")
    if "[[factors]]" in p.read_text(encoding="utf-8")
)


def test_the_three_example_experiments_ship():
    names = {p.stem for p in SHIPPED}
    assert {"factors_one_at_a_time", "selection_vs_exposure", "sobol_success_factors"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_experiments_load_and_fit_their_budget(path):
    exp = load_experiment(path)
    design = build_design(exp)
    assert 1 < len(design) * exp.spec.replications <= exp.spec.max_runs
    assert exp.spec.replications >= 2  # averaging and intervals across replications
