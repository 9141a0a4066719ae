"""The shipped targets and priors files: complete, sourced, and checked with clear errors."""

from __future__ import annotations

import re

import pytest

from sim.calibrate.observe import load_calibration_scenarios
from sim.calibrate.priors import PriorsError, check_against, load_priors
from sim.calibrate.targets import TargetsError, load_targets
from sim.scenario import load_scenario, resolve_scenario_path


def test_every_field_fact_F1_to_F14_is_a_target_with_source_and_certainty():
    targets = load_targets()
    facts = {re.match(r"F\d+", t.id).group(0) for t in targets.target}
    assert facts == {f"F{i}" for i in range(1, 15)}
    for t in targets.target:
        assert t.source and t.definition and t.certainty in ("H", "M", "L", "dir")
        assert t.use or t.why_not_used  # unused targets say why


def test_weights_follow_certainty_only():
    targets = load_targets()
    w = targets.weights
    assert w["H"] > w["M"] > w["L"]
    for t in targets.used():
        assert t.weight(w) == w[t.certainty]


def test_direction_only_facts_stay_directions():
    targets = load_targets()
    assert targets.by_id("F7-unsafe").direction == "positive"
    assert targets.by_id("F7-grade").direction == "negative"
    assert targets.by_id("F12-worry").direction == "negative"
    assert all(targets.by_id(i).interval is None for i in ("F7-unsafe", "F12-worry"))


def test_missing_figures_are_listed_not_invented():
    targets = load_targets()
    assert any("gap" in m.figure for m in targets.missing)
    assert any("11 interventions" in m.figure for m in targets.missing)
    assert targets.by_id("F7-unsafe").missing


def test_shipped_scenarios_and_priors_fit_together():
    targets = load_targets()
    scenarios = load_calibration_scenarios(targets)
    assert set(scenarios) == set(targets.needed_scenarios())
    priors = load_priors()
    check_against(priors, scenarios)
    # a parameter restricted to one scenario leaves the others alone
    ov = priors.overrides({"rotterdam.worry_shift": 0.1}, "national", scenarios["national"])
    assert not any(k.endswith("worry_shift") for k in ov)
    # national coverage is free and set only in the national scenario
    ov = priors.overrides({"national.coverage": 0.6}, "national", scenarios["national"])
    assert ov["areas.0.coverage"] == ov["areas.1.coverage"] == 0.6
    ov_rdam = priors.overrides(
        {"national.coverage": 0.6, "crime.deterrence": 0.4}, "rotterdam", scenarios["rotterdam"]
    )
    assert "areas.0.coverage" not in ov_rdam and ov_rdam["crime.deterrence"] == 0.4
    ov = priors.overrides({"rotterdam.worry_shift": 0.1}, "rotterdam", scenarios["rotterdam"])
    base = load_scenario(resolve_scenario_path("rotterdam_experiment"))
    assert ov["areas.0.worry_shift"] == pytest.approx(base.areas[0].worry_shift + 0.1)
    # selection may go either way: the question selection-vs-exposure stays open a priori
    sel = priors.parameter["membership.selection_worry"]
    assert sel.low < 0 < sel.high


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("interval = [0.14, 0.18]", "interval = [0.18, 0.14]", "target F1: interval: low 0.18"),
        ('certainty = "H"', 'certainty = "sure"', "allowed values"),
        (
            'scenario = "national"\nkey = "unsafe_all"',
            'scenario = "nation"\nkey = "unsafe_all"',
            "unknown scenario 'nation'",
        ),
        ('direction = "positive"\nscale = 0.05', "scale = 0.05", "exactly one of 'interval'"),
        ("H = 1.0\n", "", "missing grade(s) H"),
    ],
)
def test_bad_targets_file_names_target_and_field(tmp_path, targets_text, old, new, message):
    assert old in targets_text
    bad = tmp_path / "targets.toml"
    bad.write_text(targets_text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(TargetsError, match=re.escape(message)) as err:
        load_targets(bad)
    assert str(bad) in str(err.value)


def test_targets_file_not_found_or_bad_toml(tmp_path):
    with pytest.raises(TargetsError, match="file not found"):
        load_targets(tmp_path / "none.toml")
    (tmp_path / "x.toml").write_text("target = [", encoding="utf-8")
    with pytest.raises(TargetsError, match="bad TOML"):
        load_targets(tmp_path / "x.toml")


def test_bad_priors_are_refused_with_the_parameter_named(tmp_path, priors_text):
    bad = tmp_path / "priors.toml"
    bad.write_text(
        priors_text.replace("low = -2.0\nhigh = 2.0", "low = 2.0\nhigh = -2.0"), encoding="utf-8"
    )
    with pytest.raises(PriorsError, match=r"membership\.selection_worry.*low"):
        load_priors(bad)
    bad.write_text(
        priors_text + '\n[parameter."messages.no_such_thing"]\n'
        'distribution = "uniform"\nlow = 0\nhigh = 1\nwhy = "x"\n',
        encoding="utf-8",
    )
    priors = load_priors(bad)
    scenarios = load_calibration_scenarios(load_targets())
    with pytest.raises(PriorsError, match="messages.no_such_thing"):
        check_against(priors, scenarios)


def test_log_uniform_parameters_are_sampled_on_the_log_scale():
    import math

    priors = load_priors()
    decay = priors.parameter["messages.reassurance_scale"]
    assert decay.distribution == "loguniform"
    rv = decay.rv()
    assert rv.cdf(math.log(decay.low)) == 0 and rv.cdf(math.log(decay.high)) == 1
    natural = priors.from_abc(
        {"messages__reassurance_scale": math.log(0.2), "membership__selection_worry": -0.5}
    )
    assert natural["messages.reassurance_scale"] == pytest.approx(0.2)
    assert natural["membership.selection_worry"] == -0.5
