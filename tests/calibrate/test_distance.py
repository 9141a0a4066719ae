"""The distance: zero inside a target, growing outside, direction-aware, weighted."""

from __future__ import annotations

import math

import pytest

from sim.calibrate.distance import MISSING_PENALTY, IntervalDistance, target_miss
from sim.calibrate.targets import Target, Targets


def _t(**kw) -> Target:
    base = dict(
        id="x",
        title="x",
        observable="summary",
        scenario="s",
        key="k",
        definition="d",
        certainty="H",
        source="s",
        scale=0.02,
    )
    return Target(**{**base, **kw})


def _targets(*ts: Target) -> Targets:
    return Targets(
        weights={"H": 1.0, "M": 0.5, "L": 0.25, "dir": 0.5},
        scenarios={"s": {"file": "baseline.toml", "primary": True}},
        target=list(ts),
    )


def test_zero_everywhere_inside_the_interval():
    t = _t(interval=(0.14, 0.18))
    assert all(target_miss(t, v) == 0 for v in (0.14, 0.15, 0.17999, 0.18))


def test_grows_linearly_outside_on_both_sides_in_scale_units():
    t = _t(interval=(0.14, 0.18))
    assert target_miss(t, 0.20) == pytest.approx(1.0)
    assert target_miss(t, 0.22) == pytest.approx(2.0)
    assert target_miss(t, 0.12) == pytest.approx(1.0)
    assert target_miss(t, 0.10) > target_miss(t, 0.12) > target_miss(t, 0.13) > 0


def test_direction_only_target_is_met_by_any_value_on_the_right_side():
    pos = _t(direction="positive", scale=0.05, certainty="dir")
    assert target_miss(pos, 0.001) == 0 and target_miss(pos, 5.0) == 0
    assert target_miss(pos, -0.05) == pytest.approx(1.0)
    assert target_miss(pos, -0.10) == pytest.approx(2.0)
    neg = _t(direction="negative", scale=0.05, certainty="dir")
    assert target_miss(neg, -3.0) == 0 and target_miss(neg, 0.1) == pytest.approx(2.0)


def test_log_targets_compare_ratios():
    t = _t(interval=(0.08, 1.5), log=True, scale=math.log(2))
    assert target_miss(t, 3.0) == pytest.approx(1.0)
    assert target_miss(t, 0.04) == pytest.approx(1.0)
    assert target_miss(t, 0.0) == pytest.approx(math.log(10) / math.log(2))  # floored


def test_a_run_that_cannot_produce_a_value_is_penalised():
    t = _t(interval=(0.14, 0.18))
    assert target_miss(t, float("nan")) == MISSING_PENALTY


def test_weights_by_certainty_and_combines_targets():
    sure = _t(id="h", interval=(0.0, 1.0), scale=1.0, certainty="H")
    weak = _t(id="l", interval=(0.0, 1.0), scale=1.0, certainty="L")
    d = IntervalDistance(_targets(sure, weak))
    assert d({"h": 0.5, "l": 0.5}) == 0
    miss_sure = d({"h": 2.0, "l": 0.5})
    miss_weak = d({"h": 0.5, "l": 2.0})
    assert miss_sure == pytest.approx(1.0) and miss_weak == pytest.approx(0.25)
    assert d({"h": 2.0, "l": 2.0}) == pytest.approx(math.hypot(1.0, 0.25))


def test_unused_targets_do_not_count():
    used = _t(id="u", interval=(0.0, 1.0), scale=1.0)
    unused = _t(id="n", interval=(0.0, 1.0), scale=1.0, use=False, why_not_used="no output")
    d = IntervalDistance(_targets(used, unused))
    assert d({"u": 0.5, "n": 99.0}) == 0
