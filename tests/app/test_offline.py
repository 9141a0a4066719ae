"""The page loads and works with no request leaving this computer."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _outside(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return False
    return parsed.hostname not in LOCAL_HOSTS


def test_page_loads_without_internet(page, app_server):
    app_url, log = app_server
    log_start = log.stat().st_size
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    page.goto(app_url)
    page.get_by_role("button", name="Stap").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert requests, "the browser made no requests at all"
    outside = [u for u in requests if _outside(u)]
    assert not outside, f"requests outside localhost: {outside}"
    assert any(u.startswith("ws://127.0.0.1") for u in requests), "no websocket to the server"
    # the interactive charts' library comes from this computer (solara-assets' copy)
    page.locator(".buurt-map .map-chart[data-stamp]").wait_for()
    assert any("/_solara/cdn/echarts@" in u and not _outside(u) for u in requests), requests
    # every tab, and the server itself must not try to fetch front-end files from a CDN
    for tab in ("Enquête", "Vergelijken", "Over dit model", "Model"):
        page.get_by_role("tab", name=tab, exact=True).click()
        page.wait_for_load_state("networkidle")
    outside = [u for u in requests if _outside(u)]
    assert not outside, f"requests outside localhost: {outside}"
    server_log = log.read_text()[log_start:]
    assert "Could not load URL" not in server_log, server_log[-2000:]
