"""Load test: browser sessions drive their own model at the same time (three in the default
run; the full test with ten sessions for a minute is marked slow: ``pytest -m slow``).

Each session sets its own seed and switches on its own success factor, then steps as fast as
the page answers. At the end every session must show exactly its own day count, seed and
factor (nothing leaks between sessions), with no error in the browser or the server log. The
latency distribution of step + redraw over all sessions is printed (no limit asserted).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time

import pytest

from tests.app.browser_helpers import STEP_JS, describe, summarise
from tests.app.conftest import ARTEFACTS, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

SESSIONS = 10
SWITCHES = (
    "signs",
    "linked_professional",
    "social_channel",
    "local_problem",
    "municipal_coordination",
    "layered",
)


async def _session(
    browser, url: str, i: int, seconds: float, ready: asyncio.Barrier, errors: list[str]
) -> dict:
    await asyncio.sleep(2.0 * i)  # people open the page one after another, not in the same ms
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(300_000)
    page.on("pageerror", lambda e: errors.append(f"session {i}: {e}"))
    page.on(
        "console",
        lambda m: errors.append(f"session {i} console: {m.text}") if m.type == "error" else None,
    )
    await page.goto(url)
    await page.locator(".buurt-map img").wait_for()
    try:
        return await _drive_session(page, i, seconds, ready)
    except Exception as e:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=ARTEFACTS / f"load-failed-session-{i}.png")
        mine = [x for x in errors if x.startswith(f"session {i}")]
        raise AssertionError(f"session {i} failed: {e}; browser errors: {mine}") from e
    finally:
        await context.close()


async def _drive_session(page, i: int, seconds: float, ready: asyncio.Barrier) -> dict:
    seed = 100 + i
    old_map = await page.locator(".buurt-map img").get_attribute("src")
    field = page.locator(".field-seed input")
    await field.fill(str(seed))
    await field.press("Enter")
    # the server answered when the map of the new neighbourhood arrived
    await page.wait_for_function(
        "(old) => document.querySelector('.buurt-map img').src !== old", arg=old_map
    )
    factor = SWITCHES[i % len(SWITCHES)]
    await page.locator(f".factor-{factor} label").click()
    await page.locator(f".factor-{factor}").get_by_text("(gewijzigd)").wait_for()
    await ready.wait()  # all sessions drive during the same window
    deadline = time.monotonic() + seconds
    latencies, steps = [], 0
    while time.monotonic() < deadline:
        ms, day = await page.evaluate(STEP_JS, [120_000])
        steps += 1
        assert day == steps, f"session {i}: shows day {day} after {steps} own steps"
        latencies.append(ms)
    status = await page.locator(".status-day").inner_text()
    changed = await page.locator(".factor").filter(has_text="(gewijzigd)").count()
    shown_seed = await field.input_value()
    own_factor_marked = await page.locator(f".factor-{factor}").get_by_text("(gewijzigd)").count()
    return {
        "session": i,
        "steps": steps,
        "status": status,
        "changed": changed,
        "own_factor_marked": own_factor_marked,
        "seed": shown_seed,
        "expected_seed": seed,
        "latencies": latencies,
    }


async def _drive(url: str, seconds: float, errors: list[str], sessions: int) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS, headless=True
        )
        ready = asyncio.Barrier(sessions)
        results = await asyncio.gather(
            *(_session(browser, url, i, seconds, ready, errors) for i in range(sessions))
        )
        await browser.close()
        return results


def _in_thread(url: str, seconds: float, errors: list[str], sessions: int) -> list[dict]:
    """Run the async driver in its own thread (the sync Playwright of other tests may be
    active in this one)."""
    out: dict = {}

    def target():
        try:
            out["results"] = asyncio.run(_drive(url, seconds, errors, sessions))
        except BaseException as e:  # noqa: BLE001 - re-raised below in the test thread
            out["error"] = e

    th = threading.Thread(target=target)
    th.start()
    th.join()
    if "error" in out:
        raise out["error"]
    return out["results"]


@pytest.mark.parametrize(
    ("sessions", "seconds"),
    [
        (3, 20),  # default run: several sessions at once, isolation checked
        pytest.param(SESSIONS, 60, marks=pytest.mark.slow),  # the full load test
    ],
)
def test_sessions_drive_their_own_models_at_once(app_server, capsys, sessions, seconds):
    if shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    url, log = app_server
    errors: list[str] = []
    log_start = log.stat().st_size
    results = _in_thread(url, seconds, errors, sessions)
    all_latencies = [ms for r in results for ms in r["latencies"]]
    stats = summarise(all_latencies)
    with capsys.disabled():
        print("\n" + describe(f"{sessions} concurrent sessions, step + redraw", stats))
        print("steps per session:", [r["steps"] for r in results])
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / f"load_latency_{sessions}x{seconds}s.json").write_text(
        json.dumps(
            {
                "summary": stats,
                "sessions": [{k: v for k, v in r.items() if k != "latencies"} for r in results],
            },
            indent=2,
        )
    )
    assert not errors, errors
    for r in results:
        assert r["steps"] >= 3, f"session {r['session']} hardly moved: {r['steps']} steps"
        assert r["status"].startswith(f"Dag {r['steps']} "), r
        assert r["seed"] == str(r["expected_seed"]), r
        assert r["changed"] == 1 and r["own_factor_marked"] == 1, r
    server_log = log.read_text()[log_start:]
    assert "Traceback" not in server_log, server_log[-3000:]
