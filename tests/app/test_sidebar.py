"""The sidebar always shows what the model runs (issue 16, item 1), in a real browser.

Each test is a defect a policymaker met: the picker kept saying "baseline" after another
scenario was loaded, "(gewijzigd)" stayed after "Terug naar scenario", Stap and Afspelen
stayed greyed after "Opnieuw" on a finished run, and the feedback-delay slider rounded
tilburg_style's 0.01 to 0 and called it a change.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.app.browser_helpers import MAP_DRAWN, STEP_JS

pytestmark = pytest.mark.browser


def _open(page, app_url):
    page.goto(app_url)
    page.locator(MAP_DRAWN).wait_for()
    page.locator(".status-day").wait_for()


def _status(page) -> str:
    return page.locator(".status-day").inner_text()


def _choose_scenario(page, name: str) -> None:
    status = _status(page)
    page.locator(".field-scenario .v-select__slot").click()
    page.locator(".menuable__content__active .v-list-item").filter(has_text=name).first.click()
    page.wait_for_function(  # the new neighbourhood is on screen
        "(old) => document.querySelector('.status-day').textContent !== old", arg=status
    )


def test_picker_description_and_factors_follow_the_chosen_scenario(page, app_url):
    _open(page, app_url)
    assert "Uitgangssituatie" in page.locator(".field-scenario").inner_text()
    _choose_scenario(page, "Zoals in Tilburg")
    picker = page.locator(".field-scenario .v-select__selections")
    assert picker.inner_text() == "Zoals in Tilburg"
    description = page.locator(".scenario-description").inner_text()
    assert "police feedback" in description.lower() or "terugkoppeling" in description.lower()
    # tilburg_style sets police_feedback = 0.9 and feedback after about ten minutes (0.17 h)
    page.locator(".factor-police_feedback").get_by_text("0,9").wait_for()
    assert "0,17" in page.locator(".factor-feedback_delay_hours").inner_text()
    assert page.locator(".factor").filter(has_text="(gewijzigd)").count() == 0


def test_back_to_scenario_clears_changed(page, app_url):
    _open(page, app_url)
    page.locator(".factor-signs label").click()
    page.locator(".factor-signs").get_by_text("(gewijzigd)").wait_for()
    page.get_by_role("button", name="Terug naar scenario").click()
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.factor')]"
        ".some(e => e.textContent.includes('(gewijzigd)'))",
        timeout=60_000,
    )
    assert not page.locator(".factor-signs input").is_checked()
    expect(page.get_by_role("button", name="Terug naar scenario")).to_be_disabled()


def test_restart_after_a_finished_run_enables_step_and_play(page, app_url):
    _open(page, app_url)
    thumb = page.locator(".speed .v-slider__thumb-container")
    thumb.focus()
    thumb.press("End")  # fastest speed
    page.get_by_text("60 dagen per seconde").wait_for()
    page.get_by_role("button", name="Afspelen").click()
    page.locator(".run-finished").wait_for(timeout=600_000)
    assert "730 dagen" in page.locator(".run-finished").inner_text()
    assert page.locator(".btn-step").is_disabled()
    page.get_by_role("button", name="Opnieuw").click()
    expect(page.locator(".status-day")).to_have_text(re.compile(r"^Dag 0 "))
    expect(page.locator(".btn-step")).to_be_enabled()
    expect(page.locator(".btn-play")).to_be_enabled()
    # the browser applies the new status and the removed message in separate updates
    expect(page.locator(".run-finished")).to_have_count(0)
    _, day = page.evaluate(STEP_JS, [60_000])
    assert day == 1


def test_language_switch_keeps_the_controls(page, app_url):
    _open(page, app_url)
    _choose_scenario(page, "Zoals in Tilburg")
    page.locator(".factor-signs label").click()
    page.locator(".factor-signs").get_by_text("(gewijzigd)").wait_for()
    page.evaluate(STEP_JS, [60_000])
    page.locator(".lang-switch").get_by_role("button", name="en").click()
    page.get_by_role("button", name="Step").wait_for()
    picker = page.locator(".field-scenario .v-select__selections").inner_text()
    assert picker == "Tilburg style", picker
    assert _status(page).startswith("Day 1 ")
    expect(page.locator(".factor").filter(has_text="(changed)")).to_have_count(1)
    assert "0.9" in page.locator(".factor-police_feedback").inner_text()
