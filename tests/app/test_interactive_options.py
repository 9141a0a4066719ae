"""The interactive map's and charts' options (no browser): what the page asks ECharts to draw."""

from __future__ import annotations

import json

import pytest

from sim.app.interactive import (
    chart_options,
    group_state,
    map_base,
    map_option,
    resident_state,
)
from sim.app.session import Session, Settings


@pytest.fixture(scope="module")
def session():
    s = Session(Settings(residents=400, seed=3))
    s.step(9)
    return s


def _series(option) -> dict:
    return {s["id"]: s for s in option["series"]}


def test_the_legend_draws_residents_as_the_map_does(session):
    option = map_option(map_base(session.engine.pop, "nl"), session.engine, "nl")
    series = _series(option)
    # the map draws residents and members as squares; the legend takes each series' symbol
    assert series["residents"]["symbol"] == series["members"]["symbol"] == "rect"
    assert series["residents"]["name"] in option["legend"]["data"]
    assert series["members"]["itemStyle"]["borderColor"] == "#000000"  # the member's ring
    n = len(series["residents"]["data"]) + len(series["members"]["data"])
    assert n == session.engine.pop.n
    assert len(series["members"]["data"]) == int(session.engine.member.sum())
    json.dumps(option)  # goes over the websocket as JSON


def test_every_chart_starts_its_axis_at_zero_and_spans_the_run(session):
    weekly = session.weekly()
    options = chart_options(weekly, "en", 105, {})
    for key, option in options.items():
        assert option["yAxis"]["min"] == 0, key
        assert option["xAxis"]["max"] == 105, key
        top = option["yAxis"]["max"]
        for line in option["series"]:
            values = [y for _, y in line["data"] if y is not None]
            assert len(line["data"]) == len(weekly)
            assert not values or max(values) <= top, (key, line["name"])


def test_a_picked_resident_and_group_read_in_the_page_language(session):
    engine = session.engine
    who = int(engine.member.nonzero()[0][0])
    rows = dict(resident_state(engine, who, "nl"))
    assert rows["in een appgroep"].startswith("ja, lid")
    assert "," in rows["gevoel van onveiligheid (0–1)"]
    rows = dict(resident_state(engine, who, "en"))
    assert "." in rows["feeling unsafe (0–1)"]
    group = int(engine.state.resident_group[who])
    rows = dict(group_state(engine, group, "en"))
    members, adults = (int(x) for x in rows["members / adults in the area"].split(" / "))
    assert members == int(engine.state.members_per_group[group]) and 0 < members <= adults
