"""Headless component tests: the page's controls exist and act on the session's model.

Rendered with ``solara.render`` (no browser); widgets are found the way a user finds them,
by their visible label.
"""

from __future__ import annotations

import ipyvuetify as v
import numpy as np
import pytest
import solara

from sim.app import page as page_module
from sim.app.interactive import EChart
from sim.app.messages import factor_label


@pytest.fixture
def app(monkeypatch):
    """The rendered page and the session's model behind it."""
    lives = []

    class RecordingLive(page_module.Live):
        def __init__(self, settings=None):
            super().__init__(settings)
            lives.append(self)

    monkeypatch.setattr(page_module, "Live", RecordingLive)
    box, rc = solara.render(solara.AppLayout(children=[page_module.Page()]), handle_error=False)
    yield rc, lives[0]
    rc.close()


def _button(rc, label):
    return rc.find(v.Btn, children=[label]).widget


def _status(rc) -> str:
    return rc.find(v.Html, class_="status-day").widget.children[0]


def _type(rc, label: str, text: str):
    field = rc.find(v.TextField, label=label).widget
    field.v_model = text
    field.fire_event("keyup.enter", None)
    return field


def test_step_advances_the_model_and_redraws_the_map(app):
    rc, live = app
    chart = rc.find(EChart, kind="map").widget
    before = chart.option
    residents = {s["id"]: s for s in before["series"]}["residents"]["data"]
    assert _status(rc).startswith("Dag 0")
    _button(rc, "Stap").click()
    _button(rc, "Stap").click()
    assert live.session.day == 2
    assert _status(rc).startswith("Dag 2")
    after = rc.find(EChart, kind="map").widget.option
    assert after["title"]["text"] == "De buurt op dag 2"
    now = {s["id"]: s for s in after["series"]}["residents"]["data"]
    assert now != residents, "the residents' colours did not change after two days"


def test_clicking_a_resident_on_the_map_shows_their_state(app):
    rc, live = app
    chart = rc.find(EChart, kind="map").widget
    members = {s["id"]: s for s in chart.option["series"]}["members"]["data"]
    who = members[0][3]
    chart.vue_pick({"series": "members", "value": members[0], "name": ""})
    card = rc.find(v.Card, class_="ma-2 map-pick")
    card.assert_single()
    assert card.find(v.CardTitle, children=[f"Bewoner {who}"]).widgets
    assert "ja, lid" in card.find(solara.widgets.HTML).widget.unsafe_innerHTML
    assert live.session.engine.state.member[who]


def test_a_success_factor_switch_changes_every_group_of_the_running_model(app):
    rc, live = app
    engine = live.session.engine
    assert engine.pop.n_groups > 0
    assert not engine.state.factors["signs"].any()
    switch = rc.find(v.Switch, label=factor_label("signs", "nl")).widget
    switch.v_model = True
    assert live.session.engine is engine, "a factor change must not restart the model"
    assert np.all(engine.state.factors["signs"] == 1.0)
    assert live.session.settings.factors == {"signs": True}
    # the change survives a reset: 'Opnieuw' starts at day 0 with the current settings
    _button(rc, "Stap").click()
    _button(rc, "Opnieuw").click()
    assert live.session.day == 0
    assert np.all(live.session.engine.state.factors["signs"] == 1.0)


def test_a_factor_slider_sets_its_level(app):
    rc, live = app
    target = rc.find(v.Html, class_="factor factor-police_feedback").find(v.Slider).widget
    target.v_model = 0.9
    assert np.allclose(live.session.engine.state.factors["police_feedback"], 0.9)


def test_bad_seed_shows_a_message_next_to_the_field_and_keeps_the_model(app):
    rc, live = app
    for _ in range(3):
        _button(rc, "Stap").click()
    model = live.session.model
    field = _type(rc, "Toevalsgetal (seed)", "twaalf")
    assert field.error is True, "the field is not marked as wrong"
    message = " ".join(field.messages)
    assert "twaalf" in message and "geheel getal" in message
    assert live.session.model is model and live.session.day == 3
    field = _type(rc, "Toevalsgetal (seed)", "-5")
    assert "tussen 0 en" in " ".join(field.messages).lower()
    assert live.session.model is model
    # a good value is taken: new model at day 0 with that seed, message gone
    field = _type(rc, "Toevalsgetal (seed)", "42")
    assert live.session.settings.seed == 42 and live.session.day == 0
    assert field.error is False
    # leaving the field sends the same value again: that must not restart the model
    _button(rc, "Stap").click()
    field.fire_event("focusout", None)
    assert live.session.day == 1


def test_bad_population_size_keeps_the_model(app):
    rc, live = app
    model = live.session.model
    field = _type(rc, "Aantal bewoners (ongeveer)", "1000000")
    assert field.error is True and "20000" in " ".join(field.messages)
    assert live.session.model is model
    _type(rc, "Aantal bewoners (ongeveer)", "600")
    assert 450 <= live.session.engine.pop.n <= 750


def test_language_switch_translates_labels(app):
    rc, live = app
    rc.find(v.Btn, children=["Stap"]).assert_single()
    toggle = rc.find(v.BtnToggle).widget
    toggle.v_model = 1  # second language: English
    rc.find(v.Btn, children=["Step"]).assert_single()
    rc.find(v.Switch, label=factor_label("signs", "en")).assert_single()
    assert _status(rc).startswith("Day 0")


def test_each_rendered_page_has_its_own_model(monkeypatch):
    lives = []

    class RecordingLive(page_module.Live):
        def __init__(self, settings=None):
            super().__init__(settings)
            lives.append(self)

    monkeypatch.setattr(page_module, "Live", RecordingLive)
    _, rc1 = solara.render(solara.AppLayout(children=[page_module.Page()]), handle_error=False)
    _, rc2 = solara.render(solara.AppLayout(children=[page_module.Page()]), handle_error=False)
    try:
        rc1.find(v.Btn, children=["Stap"]).widget.click()
        rc1.find(v.Switch, label=factor_label("signs", "nl")).widget.v_model = True
        assert lives[0].session.day == 1 and lives[1].session.day == 0
        assert lives[1].session.settings.factors == {}
        assert not lives[1].session.engine.state.factors["signs"].any()
    finally:
        rc1.close()
        rc2.close()


def test_compare_tab_runs_replications_and_keeps_them_across_tabs(app, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from sim.app import compare

    pool = ThreadPoolExecutor(max_workers=1)
    monkeypatch.setattr(compare, "shared_pool", lambda: pool)
    rc, live = app
    tabs = rc.find(v.Tabs).widget
    tabs.v_model = 2
    _type(rc, "Herhalingen per situatie", "2")
    _type(rc, "Dagen per run", "40")
    field = _type(rc, "Dagen per run", "10")
    assert field.error is True and "30" in " ".join(field.messages)
    _button(rc, "Vergelijking starten").click()
    rc.find(v.Alert, children=["Klaar: 4 runs (seeds 1–2)."]).wait_for(timeout=120)
    assert live.compare["cmp"].days == 40
    tabs.v_model = 0
    tabs.v_model = 2
    rc.find(v.Alert, children=["Klaar: 4 runs (seeds 1–2)."]).assert_single()
    pool.shutdown()


def test_survey_axes_show_the_whole_answer_scale():
    """A 1–5 item is drawn on 1–5 (not 2.65–2.85), a share on 0–100 %."""
    import pandas as pd

    from sim.app.drawing import survey_figure
    from sim.survey import INDICATORS

    rows = []
    for ind in INDICATORS:
        for resp in ("participants", "non_participants"):
            est = 6.5 if "grade" in ind else 2.8
            rows.append(("pre", resp, ind, est, est - 0.1, est + 0.1, 100))
    frame = pd.DataFrame(
        rows, columns=["wave", "respondents", "indicator", "estimate", "ci_low", "ci_high", "n"]
    )
    fig = survey_figure(frame, "en", lambda w, lang: w)
    limits = {ax.get_title().replace("\n", " "): ax.get_ylim() for ax in fig.axes}
    assert limits["Willingness to report (1–5)"] == (1, 5)
    assert limits["Experienced proximity of government (1–5)"] == (1, 5)
    assert limits["Safety grade (1–10)"] == (1, 10)
    assert limits["% sometimes feel unsafe"] == (0, 100)


def test_compare_draws_a_and_b_in_the_same_panel():
    from sim.app.compare import BAND_SERIES, Comparison
    from sim.app.page import compare_figure
    from sim.scenario import Scenario

    scn = Scenario(days=40, burn_in_days=10)
    cmp = Comparison({"A": scn, "B": scn}, seeds=[1, 2], days=40)
    cmp.run_inline()
    fig = compare_figure(cmp, "nl")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == len(BAND_SERIES)
    for ax in panels:
        assert [line.get_label() for line in ax.get_lines()] == ["A", "B"]
        assert ax.get_xlim()[1] < 40 / 7, "the partial last week is drawn"
