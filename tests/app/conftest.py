"""Fixtures for the app tests: a `buurtsim app` server on a free port and a headless chromium.

Browser tests skip only when Debian's chromium is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.app.drive import CHROMIUM_ARGS, ROOT, free_port, log_tail, start_app, stop_app

__all__ = ["ARTEFACTS", "CHROMIUM_ARGS", "free_port", "start_app", "stop_app"]

# Playwright's expect() waits 5 s by default; a shared machine under load needs longer
# (waiting costs nothing when the page is quick).
try:
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
except ImportError:  # pragma: no cover - playwright is a development dependency
    pass

ARTEFACTS = ROOT / "tests" / "app" / "artefacts"  # git-ignored: screenshots, logs, timings


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """URL and log file of one `buurtsim app` for the whole test session (the log in this
    run's temporary folder, so two test runs at once keep their own)."""
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "app-server.log"
    proc = start_app(port, log)
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        stop_app(proc)


@pytest.fixture(scope="session")
def app_url(app_server) -> str:
    return app_server[0]


@pytest.fixture(scope="session")
def chromium():
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(request, chromium, app_server):
    """A fresh browser tab; when the test fails, a screenshot in tests/app/artefacts/ and the
    tail of the server's log in the test's report."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="nl-NL")
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    if request.node.stash.get(FAILED, False):  # keep what the browser showed
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTEFACTS / f"failed-{request.node.name}.png"
        try:
            pg.screenshot(path=shot, full_page=True, timeout=30_000)
            print(f"screenshot: {shot}")
        except Exception as e:  # noqa: BLE001 - a page that is gone has no picture
            print(f"no screenshot ({type(e).__name__})")
        print("--- server log (tail) ---\n" + log_tail(app_server[1]))
    context.close()
