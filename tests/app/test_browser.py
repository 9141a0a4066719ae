"""The page in a real browser (Debian's chromium via Playwright), as a policymaker uses it.

Screenshots go to the git-ignored tests/app/artefacts/ (the guide's pictures in docs/img/ are
made on purpose with ``uv run python -m sim.app.guide screenshots``); the step latency is
measured by the browser and printed (no time limit is asserted).
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from tests.app.browser_helpers import MAP_DRAWN, STEP_JS, describe, summarise
from tests.app.conftest import ARTEFACTS

pytestmark = pytest.mark.browser


def _day(page) -> int:
    text = page.locator(".status-day").inner_text()
    return int(text.split()[1])


def _open(page, app_url):
    page.goto(app_url)
    page.locator(MAP_DRAWN).wait_for()
    page.locator(".status-day").wait_for()


def test_policymaker_walkthrough(page, app_url, capsys):
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    _open(page, app_url)
    assert page.get_by_role("button", name="Stap").is_visible()
    assert _day(page) == 0
    page.screenshot(path=ARTEFACTS / "app-start.png")

    # switch a success factor on: its label says it was changed
    page.locator(".factor-signs label").click()
    page.get_by_text("Borden in de straat (gewijzigd)").wait_for()
    page.mouse.move(700, 5)  # away from the tooltip

    # 30 steps, each timed by the browser from click to decoded new map
    charts_before = page.locator(".buurt-charts").screenshot()
    latencies = []
    for expected in range(1, 31):
        ms, day = page.evaluate(STEP_JS, [30_000])
        assert day == expected
        latencies.append(ms)
    stats = summarise(latencies)
    with capsys.disabled():
        print("\n" + describe("step + redraw in chromium, 2,000 residents", stats))
    (ARTEFACTS / "step_latency.json").write_text(json.dumps(stats, indent=2))
    charts_after = page.locator(".buurt-charts").screenshot()
    (ARTEFACTS / "charts_before.png").write_bytes(charts_before)
    (ARTEFACTS / "charts_after.png").write_bytes(charts_after)
    assert charts_after != charts_before, "30 days passed but the charts did not change"
    page.screenshot(path=ARTEFACTS / "app-model.png")
    page.locator(".buurt-charts").screenshot(path=ARTEFACTS / "app-charts.png")
    page.locator(".buurt-map").screenshot(path=ARTEFACTS / "app-map.png")

    # play and pause
    page.get_by_role("button", name="Afspelen").click()
    page.wait_for_function(
        "() => parseInt(document.querySelector('.status-day').textContent"
        ".replace(/^\\D*/, ''), 10) >= 34"
    )
    page.get_by_role("button", name="Pauze").click()
    page.get_by_role("button", name="Afspelen").wait_for()
    time.sleep(0.5)  # a day already under way when pause was pressed may still arrive
    paused = _day(page)
    time.sleep(1.5)
    assert _day(page) == paused, "the model kept running after pause"

    # a bad seed: message next to the field, the model keeps its day
    seed = page.locator(".field-seed input")
    seed.fill("twaalf")
    seed.press("Enter")
    page.locator(".field-seed .error--text").first.wait_for()
    message = page.locator(".field-seed .v-messages__message")
    assert "twaalf" in message.inner_text() and "geheel getal" in message.inner_text()
    assert _day(page) == paused
    page.locator(".field-seed").screenshot(path=ARTEFACTS / "app-bad-value.png")

    # the survey panel, like a field report
    page.get_by_role("tab", name="Enquête").click()
    page.get_by_role("button", name="Enquête nu afnemen").click()
    page.locator(".survey-result img").wait_for()
    assert page.locator(".survey-result").get_by_text("niet-deelnemers").first.is_visible()
    assert "Rows per page" not in page.locator(".survey-result").inner_text()
    page.locator(".survey-result").screenshot(path=ARTEFACTS / "app-survey.png")

    # compare mode: replications run in the background while the model stays usable
    page.get_by_role("tab", name="Vergelijken").click()
    for field, value in (("replications", "3"), ("days", "200")):
        box = page.locator(f".field-{field} input")
        box.fill(value)
        box.press("Enter")
    page.get_by_role("button", name="Vergelijking starten").click()
    page.locator(".compare-status").wait_for()
    page.get_by_role("tab", name="Model", exact=True).click()
    before = _day(page)
    page.evaluate(STEP_JS, [30_000])
    assert _day(page) == before + 1, "the model did not respond while replications ran"
    page.get_by_role("tab", name="Vergelijken").click()
    page.get_by_text("Klaar: 6 runs").wait_for(timeout=240_000)
    page.locator(".compare-bands img").wait_for()
    table = page.locator(".compare-table").inner_text()
    for outcome in (
        "bereidheid te melden",
        "nabijheid van de overheid",
        "leden per groep",
        "confrontaties",
        "kletsberichten",
    ):
        assert outcome in table, f"the compare table lacks {outcome!r}"
    assert "Rows per page" not in page.content() and "1-10 of" not in page.content()
    page.screenshot(path=ARTEFACTS / "app-compare.png")
    page.locator(".compare-result").screenshot(path=ARTEFACTS / "app-compare-bands.png")

    # English at the flick of a switch
    page.get_by_role("tab", name="Model", exact=True).click()
    page.locator(".lang-switch").get_by_role("button", name="en").click()
    page.get_by_role("button", name="Step").wait_for()
    page.get_by_text("Street signs (changed)").wait_for()
    # the seed field still refuses 'twaalf', now in English
    expect(page.locator(".field-seed .v-messages__message")).to_contain_text("whole number")
    expect(page.locator(".status-day")).to_have_text(re.compile(r"^Day "))
    page.screenshot(path=ARTEFACTS / "app-english.png")


def test_factor_tooltip_names_its_source(page, app_url):
    _open(page, app_url)
    page.locator(".factor-signs").hover()
    tip = page.get_by_text("Bron: Akkermans & Vollaard 2015")
    tip.first.wait_for()
