"""Load test: browser sessions drive their own model at the same time (three in the default
run; ten and twenty-five sessions for a minute are marked slow: ``pytest -m slow``).

Each session sets its own seed and switches on its own success factor, then steps as fast as
the page answers. At the end every session must show exactly its own day count, seed and
factor (nothing leaks between sessions), with no error in the browser or the server log. The
latency distribution of step + redraw over all sessions is printed and kept in
``tests/app/artefacts/`` (no limit asserted). A failing session saves a screenshot there and
the test ends with one short line per session plus the tail of the server log.
"""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from sim.app.drive import (
    LoadRun,
    check_run,
    chromium_path,
    describe,
    drive_sessions,
    log_tail,
    summarise,
)
from tests.app.conftest import ARTEFACTS

pytestmark = pytest.mark.browser


def _in_thread(url: str, sessions: int, seconds: float) -> LoadRun:
    """Run the async driver in its own thread (the sync Playwright of other tests may be
    active in this one)."""
    out: dict = {}

    def target():
        try:
            out["run"] = asyncio.run(drive_sessions(url, sessions, seconds, ARTEFACTS))
        except BaseException as e:  # noqa: BLE001 - reported below in the test thread
            out["error"] = f"{type(e).__name__}: {str(e).strip().splitlines()[:1]}"

    th = threading.Thread(target=target)
    th.start()
    th.join()
    if "error" in out:
        pytest.fail(f"the load driver failed: {out['error']}", pytrace=False)
    return out["run"]


@pytest.mark.parametrize(
    ("sessions", "seconds"),
    [
        (3, 20),  # default run: several sessions at once, isolation checked
        pytest.param(10, 60, marks=pytest.mark.slow),  # a class in groups
        pytest.param(25, 60, marks=pytest.mark.slow),  # a class, one laptop each
    ],
)
def test_sessions_drive_their_own_models_at_once(app_server, capsys, sessions, seconds):
    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    url, log = app_server
    log_start = log.stat().st_size
    run = _in_thread(url, sessions, seconds)
    problems = check_run(run)
    if run.sessions:
        stats = summarise(run.latencies)
        with capsys.disabled():
            print("\n" + describe(f"{sessions} concurrent sessions, step + redraw", stats))
            print("steps per session:", [r["steps"] for r in run.sessions])
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        (ARTEFACTS / f"load_latency_{sessions}x{seconds}s.json").write_text(
            json.dumps(
                {
                    "summary": stats,
                    "sessions": [
                        {k: v for k, v in r.items() if k != "latencies"} for r in run.sessions
                    ],
                },
                indent=2,
            )
        )
    server_log = log.read_text()[log_start:]
    if "Traceback" in server_log:
        problems.append("the server log shows a Traceback")
    if problems:
        pytest.fail(
            "\n".join(problems) + "\n--- server log (tail) ---\n" + log_tail(log, log_start),
            pytrace=False,
        )
