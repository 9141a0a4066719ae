"""Fixtures for the app tests: a `buurtsim app` server on a free port and a headless chromium.

Browser tests skip only when Debian's chromium is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMG_DIR = ROOT / "docs" / "img"
ARTEFACTS = ROOT / "tests" / "app" / "artefacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"buurtsim app exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"buurtsim app did not answer on {url} within {timeout} s")


def start_app(port: int, log: Path) -> subprocess.Popen:
    """Start ``buurtsim app --port port`` in its own process group, output to ``log``."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "app", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    _wait_for_http(f"http://127.0.0.1:{port}/", proc, log)
    return proc


def stop_app(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def app_server() -> Iterator[tuple[str, Path]]:
    """URL and log file of one `buurtsim app` for the whole test session."""
    port = free_port()
    log = ARTEFACTS / "app-server.log"
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
def page(request, chromium, app_url):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="nl-NL")
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    if request.node.stash.get(FAILED, False):  # keep what the browser showed
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=ARTEFACTS / f"failed-{request.node.name}.png", full_page=True)
    context.close()
