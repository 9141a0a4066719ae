"""Fully Dutch or fully English, something to take home, and an About tab (issue 16, items
4–6), in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.browser_helpers import MAP_DRAWN, STEP_JS

pytestmark = pytest.mark.browser


def _open(page, app_url):
    page.goto(app_url)
    page.locator(MAP_DRAWN).wait_for()
    page.locator(".status-day").wait_for()


def test_the_scenario_reads_in_the_page_language(page, app_url):
    _open(page, app_url)
    picker = page.locator(".field-scenario .v-select__selections")
    description = page.locator(".scenario-description")
    assert picker.inner_text() == "Uitgangssituatie"
    assert description.inner_text().startswith("Een buurt zoals in Rotterdam")
    page.locator(".lang-switch").get_by_role("button", name="en").click()
    page.get_by_role("button", name="Step").wait_for()
    assert picker.inner_text() == "Baseline"
    assert description.inner_text().startswith("A Rotterdam-like neighbourhood")
    # every name in the picker is a name, not a file path
    page.locator(".field-scenario .v-select__slot").click()
    names = page.locator(".menuable__content__active .v-list-item").all_inner_texts()
    assert len(names) > 10
    assert not [n for n in names if "/" in n or "_" in n], names


def test_the_run_downloads_as_dutch_csv_and_png(page, app_url):
    _open(page, app_url)
    for _ in range(8):
        page.evaluate(STEP_JS, [60_000])
    with page.expect_download() as info:
        page.locator(".run-downloads").get_by_text("Gegevens (CSV)").click()
    csv = Path(info.value.path()).read_text(encoding="utf-8")
    header, first = csv.splitlines()[:2]
    assert header.startswith("scenario;residents;seed;week;")
    assert first.startswith("baseline;") and "," in first.split(";")[5], first
    assert len(csv.splitlines()) == 1 + 2  # weeks 0 and 1 after 8 days
    with page.expect_download() as info:
        page.locator(".run-downloads").get_by_text("Grafieken (PNG)").click()
    assert Path(info.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_about_tab_explains_the_model(page, app_url):
    _open(page, app_url)
    page.get_by_role("tab", name="Over dit model").click()
    about = page.locator(".about")
    about.wait_for()
    text = about.inner_text()
    assert "Eén stap is één dag" in text
    assert "docs/odd.md" in text and "docs/guide-policymakers.md" in text
    page.locator(".lang-switch").get_by_role("button", name="en").click()
    page.get_by_role("tab", name="About").wait_for()
    assert "One step is one day" in page.locator(".about").inner_text()


def test_a_link_restores_the_settings(page, app_url):
    page.goto(f"{app_url}/?scenario=tilburg_style&residents=500&seed=7&lang=en&local_problem=1")
    page.locator(MAP_DRAWN).wait_for()
    assert page.locator(".field-scenario .v-select__selections").inner_text() == "Tilburg style"
    assert page.locator(".field-seed input").input_value() == "7"
    assert page.locator(".field-residents input").input_value() == "500"
    status = page.locator(".status-day").inner_text()
    residents = int(status.split(" of ")[1].split()[0])
    assert 400 < residents < 600, status  # about 500 residents
    assert page.locator(".factor-local_problem").get_by_text("(changed)").count() == 1
    # a change goes into the link, so copying it keeps the change
    page.locator(".factor-social_channel label").click()
    link = page.locator(".settings-link")
    page.wait_for_function(
        "() => document.querySelector('.settings-link').href.includes('social_channel=1')"
    )
    href = link.get_attribute("href")
    assert "seed=7" in href and "lang=en" in href and "local_problem=1" in href
    link.click()  # opening the link gives the same page
    page.wait_for_url(lambda url: "social_channel=1" in url)
    page.locator(MAP_DRAWN).wait_for()
    assert page.locator(".factor").filter(has_text="(changed)").count() == 2


def test_a_bad_link_says_what_it_ignored(page, app_url):
    page.goto(f"{app_url}/?seed=twaalf&scenario=nope")
    page.locator(MAP_DRAWN).wait_for()
    warning = page.locator(".link-problems").inner_text()
    assert "seed=twaalf" in warning and "scenario=nope" in warning and "baseline" in warning
    assert page.locator(".field-seed input").input_value() == "1"


def test_the_loading_screen_is_ours_in_both_languages(app_url):
    import urllib.request

    with urllib.request.urlopen(app_url, timeout=60) as r:
        html = r.read().decode()
    assert "Het model wordt geladen" in html and "Loading the model" in html
    assert "Made with" not in html
