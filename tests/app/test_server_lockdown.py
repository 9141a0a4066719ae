"""`buurtsim app` keeps Solara offline: its CDN proxy never deletes or downloads front-end
files, and the diagnostics page is off unless asked for (plain HTTP, no browser)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sim.app_server import OfflineError, local_cdn_path


def _cache_dir() -> Path:
    # asked in a subprocess: importing solara here would leave an event loop behind that
    # breaks the Playwright tests run later in this process
    code = "from solara.server import settings; print(settings.assets.proxy_cache_dir)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def _snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


def test_local_cdn_path_reads_only_files_in_the_cache(tmp_path):
    (tmp_path / "pkg@1.0.0").mkdir()
    (tmp_path / "pkg@1.0.0" / "a.js").write_text("x")
    assert local_cdn_path(tmp_path, "pkg@1.0.0/a.js") == tmp_path / "pkg@1.0.0" / "a.js"
    for bad in ("pkg@1.0.0", "pkg@1.0.0/", "pkg@1.0.0/missing.js", "../x", "pkg@1.0.0/../../x"):
        with pytest.raises(OfflineError):
            local_cdn_path(tmp_path, bad)
    assert (tmp_path / "pkg@1.0.0" / "a.js").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "app", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if _status(url + "/") == 200:  # the page is served once the app is loaded
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the app did not start:\n" + log.read_text()
            time.sleep(0.5)
        yield url, log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_cdn_paths_leave_the_front_end_files_intact(server):
    url, log = server
    cache = _cache_dir()
    folders = sorted(p.name for p in cache.iterdir() if p.is_dir())
    assert folders, f"no front-end files in {cache} (solara-assets missing?)"
    before = _snapshot(cache)
    some_file = next(name for name in sorted(before) if name.endswith(".js"))
    assert _status(f"{url}/_solara/cdn/{some_file}") == 200
    for folder in folders:  # a GET on a cached folder used to delete it
        assert _status(f"{url}/_solara/cdn/{folder}") == 404
        assert _status(f"{url}/_solara/cdn/{folder}/") == 404
    # an unknown file would have been downloaded from the internet
    assert _status(f"{url}/_solara/cdn/left-pad@1.3.0/index.js") == 404
    assert _snapshot(cache) == before
    assert "Could not load URL" not in log.read_text()


def test_diagnostics_page_is_off(server):
    url, _ = server
    assert _status(f"{url}/resourcez") == 404
    assert _status(f"{url}/") == 200
