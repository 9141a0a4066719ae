"""The opt-in event logs (sim.logs) against independent counts of the same run."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.engine import simulate
from sim.logs import Extras
from sim.scenario import Scenario

SCENARIO = Scenario(days=150, burn_in_days=0, seed=8).with_overrides(
    {"crime.burglary_rate": 0.08, "response.vigilante_share": 0.3, "factors.police_feedback": 0.6}
)


@pytest.fixture(scope="module")
def run():
    return simulate(SCENARIO, extras=Extras.parse("all", panel_size=10**6, panel_every=7))


def test_extras_do_not_change_the_run(run):
    plain = simulate(SCENARIO)
    pd.testing.assert_frame_equal(plain.daily, run.daily)
    pd.testing.assert_frame_equal(plain.survey, run.survey)
    assert not plain.extras and "total_alerts" not in plain.groups


def test_incident_log_adds_up_to_the_daily_series(run):
    inc, daily = run.extras["incidents"], run.daily
    assert len(inc) == daily["crimes"].sum() + daily["suspicious"].sum()
    assert inc["arrest"].sum() == daily["arrests"].sum() > 0
    assert inc["calls"].sum() == daily["reports_112"].sum() + daily["reports_0900"].sum()
    assert inc["calls_112"].sum() == daily["reports_112"].sum()
    assert inc["member_calls"].sum() == daily["reports_members"].sum()
    assert inc["posted"].sum() == daily["posts_alert"].sum()
    assert inc["confrontation"].sum() == daily["confrontations"].sum() > 0
    assert inc["stigmatising"].sum() == daily["posts_stigmatising"].sum()
    assert (inc["victim"] >= 0).sum() == daily["victims"].sum()
    per_day = inc.groupby("day").size().reindex(daily["day"], fill_value=0).to_numpy()
    assert (per_day == (daily["crimes"] + daily["suspicious"]).to_numpy()).all()
    assert not (inc["arrest"] & ~inc["police_came"]).any()


def test_group_log_adds_up_to_the_daily_series(run):
    gw, weekly = run.extras["group_weeks"], run.weekly()
    per_week = gw.groupby("week")[["alerts", "joins", "leaves", "stigmatising", "chatter"]].sum()
    assert (per_week["alerts"].to_numpy() == weekly["posts_alert"].to_numpy()).all()
    assert (per_week["joins"].to_numpy() == weekly["joined"].to_numpy()).all()
    assert (per_week["leaves"].to_numpy() == weekly["left"].to_numpy()).all()
    assert (per_week["chatter"].to_numpy() == weekly["posts_chatter"].to_numpy()).all()
    feedback = gw.groupby("week")[["police_feedback", "admin_followups"]].sum().sum(axis=1)
    assert (feedback.to_numpy() == weekly["posts_feedback"].to_numpy()).all()
    assert gw["went_to_look"].sum() == run.daily["went_to_look"].sum()
    assert gw["confrontations"].sum() == run.daily["confrontations"].sum()
    calls = gw["calls_112"].sum() + gw["calls_0900"].sum()
    assert calls == run.daily["reports_members"].sum()
    last = gw[gw["week"] == gw["week"].max()].set_index("group")["members"]
    assert (last.to_numpy() == run.groups["members"].to_numpy()).all()
    assert gw["feedback_delay_days"].dropna().ge(0).all()


def test_group_arrests_follow_its_alerts_or_members_calls(run):
    inc, groups = run.extras["incidents"], run.groups
    credited = inc[
        inc["arrest"] & (inc["group"] >= 0) & (inc["posted"] | (inc["member_calls"] > 0))
    ]
    expected = credited.groupby("group").size().reindex(range(len(groups)), fill_value=0)
    assert (groups["total_arrests"].to_numpy() == expected.to_numpy()).all()
    confront = inc[inc["confrontation"]].groupby("group").size()
    assert (
        groups["total_confrontations"].to_numpy()
        == confront.reindex(range(len(groups)), fill_value=0).to_numpy()
    ).all()
    gw = run.extras["group_weeks"].groupby("group")[["alerts", "joins"]].sum()
    assert (groups["total_alerts"].to_numpy() == gw["alerts"].to_numpy()).all()
    assert (groups["total_alerts"] == groups["alerts"]).all()  # the older total agrees


def test_panel_join_days_agree_with_the_group_log(run):
    ev, gw = run.extras["panel_events"], run.extras["group_weeks"]
    for event, column in (("join", "joins"), ("leave", "leaves")):
        mine = ev[ev["event"] == event].assign(week=lambda d: d["day"] // 7)
        counted = mine.groupby(["group", "week"]).size()
        logged = gw.set_index(["group", "week"])[column]
        assert (counted.reindex(logged.index, fill_value=0) == logged).all(), event
    founders = (ev["event"] == "founding_member").sum()
    d0 = run.daily.iloc[0]
    assert founders == d0["members"] - d0["joined"] + d0["left"] > 0


def test_panel_follows_state_and_victimisation(run):
    panel, ev, inc = run.extras["panel"], run.extras["panel_events"], run.extras["incidents"]
    last = panel[panel["day"] == panel["day"].max()].set_index("resident")
    victims = inc.loc[inc["victim"] >= 0, "victim"].value_counts()
    assert (last["victimisations"] == victims.reindex(last.index, fill_value=0)).all()
    assert (ev["event"] == "victimised").sum() == run.daily["victims"].sum()
    # membership on each observation day agrees with the event history
    changes = ev[ev["event"] != "victimised"].sort_values(["resident", "day"], kind="stable")
    changes = changes.assign(member=changes["event"] != "leave")
    for day in sorted(panel["day"].unique())[::5]:
        known = changes[changes["day"] <= day].groupby("resident")["member"].last()
        seen = panel[panel["day"] == day].set_index("resident")["member"]
        assert (known.reindex(seen.index, fill_value=False) == seen).all(), day
    first = ev[ev["event"].isin(["join", "founding_member"])].groupby("resident")["day"].min()
    fj = last["first_joined"]
    assert (fj[fj >= 0] == first.reindex(fj[fj >= 0].index)).all()
    assert set(panel["day"]) >= {0, 7, 14, run.daily["day"].max()}


def test_panel_sample_is_small_for_big_runs():
    small = simulate(
        Scenario(days=20, burn_in_days=0), extras=Extras(panel=True, panel_size=50, panel_every=10)
    )
    panel = small.extras["panel"]
    assert panel["resident"].nunique() == 50 and set(panel["day"]) == {0, 10, 19}
    assert panel["street"].nunique() > 10  # spread over the streets


def test_outputs_parse_rejects_unknown_names():
    from sim.errors import UserError

    with pytest.raises(UserError, match="unknown output 'grups'; allowed: groups, incidents"):
        Extras.parse("grups")
    assert Extras.parse(" groups , panel ").names == ("groups", "panel")
    assert Extras.parse("all").names == ("groups", "incidents", "panel")
