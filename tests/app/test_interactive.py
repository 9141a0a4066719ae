"""Interactive charts and map, and the portrait tablet (issue 16, items 3 and the drawer), in a
real browser with no network: values on hover in the page's notation, a click on a resident or
a group area shows its state, and on a portrait tablet the sidebar does not cover the map."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.app.browser_helpers import MAP_DRAWN, POINT_JS, STEP_JS

pytestmark = pytest.mark.browser


def _open(page, app_url):
    page.goto(app_url)
    page.locator(MAP_DRAWN).wait_for()
    page.locator(".status-day").wait_for()


def _hover_point(page, selector: str, series: str, index: int) -> int:
    page.locator(selector).scroll_into_view_if_needed()
    x, y, ident = page.evaluate(POINT_JS, [selector, series, index])
    page.mouse.move(x, y)
    return ident


def test_charts_show_values_on_hover_in_the_page_notation(page, app_url):
    _open(page, app_url)
    for _ in range(8):
        page.evaluate(STEP_JS, [120_000])
    chart = ".buurt-charts .chart_unsafe"
    _hover_point(page, chart, "leden", 1)
    tooltip = page.locator(chart).get_by_text(re.compile(r"^Week 1"))
    expect(tooltip).to_be_visible()
    text = page.locator(chart).inner_text()
    assert re.search(r"leden: \d+,\d\b", text), text  # Dutch decimal comma
    assert re.search(r"iedereen: \d+,\d\b", text), text
    page.mouse.move(5, 5)
    page.locator(".lang-switch").get_by_role("button", name="en").click()
    page.get_by_role("button", name="Step").wait_for()
    page.locator(f"{chart}[data-stamp$='-en']").wait_for()
    _hover_point(page, chart, "members", 1)
    expect(page.locator(chart).get_by_text(re.compile(r"^Week 1"))).to_be_visible()
    text = page.locator(chart).inner_text()
    assert re.search(r"members: \d+\.\d\b", text), text  # English decimal point


def test_clicking_a_resident_shows_their_state(page, app_url):
    _open(page, app_url)
    who = _hover_point(page, ".buurt-map .map-chart", "members", 0)
    map_text = page.locator(".buurt-map .map-chart")
    expect(map_text).to_contain_text(f"Bewoner {who}")  # the tooltip names the resident
    expect(map_text).to_contain_text("gevoel van onveiligheid (0–1): 0,")
    x, y, _ = page.evaluate(POINT_JS, [".buurt-map .map-chart", "members", 0])
    page.mouse.click(x, y)
    card = page.locator(".map-pick")
    expect(card).to_contain_text(f"Bewoner {who}")
    expect(card).to_contain_text("ja, lid")
    expect(card).to_contain_text("meldingsbereidheid")
    # the card shows the state now: it stays, and follows the model, after a step
    page.evaluate(STEP_JS, [120_000])
    expect(card).to_contain_text(f"Bewoner {who}")
    card.get_by_role("button", name="Sluiten").click()
    expect(page.locator(".map-pick")).to_have_count(0)


def test_clicking_a_group_area_shows_the_group(page, app_url):
    _open(page, app_url)
    page.locator(".buurt-map .map-chart").scroll_into_view_if_needed()
    x, y, _ = page.evaluate(POINT_JS, [".buurt-map .map-chart", "areas", 0])
    page.mouse.click(x, y)
    card = page.locator(".map-pick")
    expect(card).to_contain_text("Appgroep ")
    expect(card).to_contain_text("actief sinds dag 0")
    assert re.search(r"leden / volwassenen in het gebied\s+\d+ / \d+", card.inner_text())


def test_a_portrait_tablet_sees_the_map(chromium, app_url):
    context = chromium.new_context(viewport={"width": 768, "height": 1024}, locale="nl-NL")
    page = context.new_page()
    try:
        _open(page, app_url)
        page.wait_for_function(
            "() => !document.querySelector('.v-navigation-drawer--open')", timeout=60_000
        )
        covered = page.evaluate(
            """() => {
              const box = document.querySelector('.buurt-map .map-chart').getBoundingClientRect();
              const at = document.elementFromPoint(box.left + box.width / 2, box.top + 120);
              return !at || !at.closest('.buurt-map');
            }"""
        )
        assert not covered, "the sidebar covers the map on a portrait tablet"
        # the controls are one tap away, and Stap works from there
        page.locator(".v-app-bar .v-app-bar__nav-icon, .v-app-bar button").first.click()
        page.get_by_role("button", name="Stap").wait_for()
        expect(page.locator(".v-navigation-drawer--open")).to_have_count(1)
    finally:
        context.close()
