"""Serving a class (issue 16, item 7): the address students can open, a restart on the same
port at once, the address printed only when the server answers, a clear 'full' message."""

from __future__ import annotations

import argparse
import http.server
import re
import socket
import threading

import pytest

from sim.app.drive import MAP_DRAWN, free_port, start_app, stop_app
from sim.commands.app import announce_when_ready, check_address, classroom_env, public_urls
from sim.errors import UserError
from tests.app.conftest import ARTEFACTS


def _leave_time_wait(port: int) -> None:
    """A server on ``port`` that accepts one connection and closes it first, as a stopped
    ``buurtsim app`` does: the port is then in TIME_WAIT for about a minute."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(1)
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.close()  # the server side closes first → TIME_WAIT on the server's port
    client.recv(1)
    client.close()
    server.close()


def test_restart_on_the_same_port_works_at_once():
    port = free_port()
    _leave_time_wait(port)
    check_address("127.0.0.1", port)  # no "Address already in use"


def test_a_port_in_use_is_still_refused():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        with pytest.raises(UserError, match="cannot listen on .*--port"):
            check_address("127.0.0.1", busy.getsockname()[1])


def test_any_address_prints_the_network_address_and_a_warning(capsys):
    handler = http.server.SimpleHTTPRequestHandler
    with http.server.ThreadingHTTPServer(("0.0.0.0", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        announce_when_ready("0.0.0.0", port, timeout=30).join(40)
        server.shutdown()
    out = capsys.readouterr().out
    assert "0.0.0.0" not in out, out
    assert re.search(rf"open http://[\d.]+:{port}", out), out
    assert "WARNING: anyone on this network" in out
    assert all("0.0.0.0" not in u for u in public_urls("0.0.0.0", port))


def test_classroom_flags_are_checked():
    ns = argparse.Namespace(max_sessions=0, compare_workers=None)
    with pytest.raises(UserError, match="--max-sessions: must be at least 1, got 0"):
        classroom_env(ns)
    ns = argparse.Namespace(max_sessions=25, compare_workers=2)
    assert classroom_env(ns) == {
        "BUURTSIM_APP_MAX_SESSIONS": "25",
        "BUURTSIM_APP_WORKERS": "2",
    }


@pytest.mark.browser
def test_address_printed_when_ready_and_a_full_class_is_told_so(chromium):
    port = free_port()
    log = ARTEFACTS / "app-server-full.log"
    proc = start_app(port, log, ("--max-sessions", "1"))
    try:
        url = f"http://127.0.0.1:{port}"
        browser = chromium  # the test session's browser
        first = browser.new_context().new_page()
        first.set_default_timeout(120_000)
        first.goto(url)
        first.locator(MAP_DRAWN).wait_for()
        second_context = browser.new_context()
        second = second_context.new_page()
        second.set_default_timeout(120_000)
        second.goto(url)
        second.locator(".server-full").wait_for()
        text = second.locator(".server-full").inner_text()
        assert "Vol" in text and "Full" in text and "1" in text
        assert second.locator(".buurt-map").count() == 0
        # a tab closes: the next visitor gets the model
        first.context.close()
        third = second_context.new_page()
        third.set_default_timeout(120_000)
        for _ in range(20):
            third.goto(url)
            third.locator(".buurt-map .map-chart[data-stamp], .server-full").first.wait_for()
            if third.locator(MAP_DRAWN).count():
                break
            third.wait_for_timeout(1000)
        assert third.locator(MAP_DRAWN).count() == 1
        second_context.close()
    finally:
        stop_app(proc)
    lines = log.read_text().splitlines()
    ready = [i for i, line in enumerate(lines) if "ready, open http://127.0.0.1" in line]
    starting = [i for i, line in enumerate(lines) if "server is starting" in line]
    assert ready, lines
    assert not starting or ready[0] > starting[0], lines
