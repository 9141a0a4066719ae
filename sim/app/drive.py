"""Drive the page in headless Chromium: a server on a free port, many sessions at once.

Used by the browser tests and by :mod:`sim.app.guide` (which regenerates the guide's
screenshots and load figures). Needs Debian's ``chromium`` and the ``playwright`` package
(a development dependency); Playwright's own browser download is never used.

Every browser wait of a load session runs inside one ``try``: a failing session saves a
screenshot, stops the others waiting for it, and the run ends with a short report naming
each session's first error and the tail of the server log.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]

# Clicks 'Stap' inside the page and resolves when the status shows the next day and the map
# has drawn that day (ECharts' 'finished' sets data-day on the map): the step plus redraw as
# the user sees it, timed by the browser.
STEP_JS = """
async ([timeout]) => {
  const map = () => document.querySelector('.buurt-map .map-chart');
  const status = () => document.querySelector('.status-day').textContent;
  const day = (s) => parseInt(s.replace(/^\\D*/, ''), 10);
  const before = day(status()), oldStamp = map().dataset.stamp;
  const t0 = performance.now();
  document.querySelector('.btn-step').click();
  while (!(day(status()) === before + 1 && map().dataset.day === String(before + 1)
           && map().dataset.stamp !== oldStamp)) {
    if (performance.now() - t0 > timeout) throw new Error('no redraw after ' + timeout + ' ms');
    await new Promise(r => requestAnimationFrame(r));
  }
  return [performance.now() - t0, day(status())];
}
"""

#: the map has drawn at least once (its drawing stamp is set)
MAP_DRAWN = ".buurt-map .map-chart[data-stamp]"

# Page coordinates of data point `index` of series `series` (id or name) of the ECharts chart at
# `selector`, and the point's resident (or, for a group outline, group) number.
POINT_JS = """
([selector, series, index]) => {
  const el = document.querySelector(selector);
  const chart = el.buurtChart;
  const option = chart.getOption();
  const s = option.series.findIndex((x) => x.id === series || x.name === series);
  const item = option.series[s].data[index];
  const at = item.coords ? [(item.coords[0][0] + item.coords[1][0]) / 2,
                            (item.coords[0][1] + item.coords[1][1]) / 2] : item;
  const p = chart.convertToPixel({ gridIndex: 0 }, [at[0], at[1]]);
  const box = el.getBoundingClientRect();
  return [box.left + p[0], box.top + p[1], item.pick === undefined ? at[3] : item.pick];
}
"""

MIN_STEPS = 3
#: pages that load at the same moment; the others wait their turn. On a loaded two-core machine
#: 25 first renders at once took longer than any fair wait (each page timed out at 'open');
#: the stepping window still has every session at once.
OPENING_AT_ONCE = 4
# console errors after which the page will never answer again (a widget the page lost)
FATAL_PAGE_ERRORS = ("widget model not found",)
SWITCHES = (
    "signs",
    "linked_professional",
    "social_channel",
    "local_problem",
    "municipal_coordination",
    "layered",
)


# --------------------------------------------------------------------------- the server


def chromium_path() -> str | None:
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 900) -> None:
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


def start_app(port: int, log: Path, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    """Start ``buurtsim app --port port`` in its own process group, output to ``log``."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "app", "--port", str(port), *extra],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    try:
        _wait_for_http(f"http://127.0.0.1:{port}/", proc, log)
    except BaseException:
        stop_app(proc)
        raise
    return proc


def stop_app(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def log_tail(log: Path, start: int = 0, lines: int = 30) -> str:
    text = log.read_text(errors="replace")[start:] if log.is_file() else ""
    return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------- statistics


def summarise(latencies_ms: list[float]) -> dict[str, float]:
    x = np.asarray(latencies_ms, float)
    return {
        "n": int(len(x)),
        "median": float(np.median(x)),
        "p90": float(np.percentile(x, 90)),
        "p99": float(np.percentile(x, 99)),
        "max": float(x.max()),
        "mean": float(x.mean()),
    }


def describe(name: str, stats: dict[str, float]) -> str:
    return (
        f"{name}: n={stats['n']} median={stats['median']:.0f} ms p90={stats['p90']:.0f} ms "
        f"p99={stats['p99']:.0f} ms max={stats['max']:.0f} ms"
    )


# --------------------------------------------------------------------------- load sessions


@dataclass
class LoadRun:
    """What a load run measured: per session its steps, final state and errors."""

    sessions: list[dict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    browser_errors: list[str] = field(default_factory=list)
    compare_seconds: list[float] = field(default_factory=list)

    @property
    def latencies(self) -> list[float]:
        return [ms for r in self.sessions for ms in r["latencies"]]


class SessionFailed(Exception):
    """One session's first error, already reported in a short line."""


async def _one_session(
    browser,
    url: str,
    i: int,
    seconds: float,
    ready: asyncio.Barrier,
    run: LoadRun,
    shots: Path,
    wait_s: float,
    compare: bool,
    opening: asyncio.Semaphore,
) -> None:
    await asyncio.sleep(1.0 * i)  # people open the page one after another, not in the same ms
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(wait_s * 1000)
    broken = asyncio.Event()  # the page can no longer answer: stop waiting at once

    def on_error(text: str) -> None:
        run.browser_errors.append(f"session {i}: {text}")
        if any(sign in text for sign in FATAL_PAGE_ERRORS):
            broken.set()

    page.on("pageerror", lambda e: on_error(str(e)))
    page.on("console", lambda m: on_error(f"console: {m.text}") if m.type == "error" else None)
    stage = "open the page"
    watcher = asyncio.ensure_future(broken.wait())
    body = asyncio.current_task()
    watcher.add_done_callback(lambda _: body.cancel() if broken.is_set() else None)
    try:
        async with opening:  # a class comes in over a minute or two, not all in one second
            await page.goto(url, wait_until="commit")
            await page.locator(MAP_DRAWN).wait_for()
        stage = "set the seed"
        seed = 100 + i
        old_map = await page.locator(MAP_DRAWN).get_attribute("data-stamp")
        seed_box = page.locator(".field-seed input")
        await seed_box.fill(str(seed))
        await seed_box.press("Enter")
        # the server answered when the map of the new neighbourhood arrived
        await page.wait_for_function(
            "(old) => document.querySelector('.buurt-map .map-chart').dataset.stamp !== old",
            arg=old_map,
        )
        stage = "switch a success factor"
        factor = SWITCHES[i % len(SWITCHES)]
        await page.locator(f".factor-{factor} label").click()
        await page.locator(f".factor-{factor}").get_by_text("(gewijzigd)").wait_for()
        stage = "wait for the other sessions"
        # all sessions drive during the same window; no time limit of its own here: a session
        # that cannot get ready fails its own wait and aborts the barrier for everyone
        await ready.wait()
        stage = "step"
        deadline = time.monotonic() + seconds
        latencies: list[float] = []
        steps = 0
        # for `seconds`, and at least MIN_STEPS whatever the machine's load (no time limit)
        while time.monotonic() < deadline or steps < MIN_STEPS:
            ms, day = await page.evaluate(STEP_JS, [wait_s * 1000])
            steps += 1
            if day != steps:
                raise AssertionError(f"shows day {day} after {steps} own steps")
            latencies.append(ms)
        compare_s = None
        if compare:
            stage = "compare"
            compare_s = await _compare(page, wait_s)
        stage = "read the final state"
        result = {
            "session": i,
            "steps": steps,
            "status": await page.locator(".status-day").inner_text(),
            "changed": await page.locator(".factor").filter(has_text="(gewijzigd)").count(),
            "own_factor_marked": await page.locator(f".factor-{factor}")
            .get_by_text("(gewijzigd)")
            .count(),
            "seed": await seed_box.input_value(),
            "expected_seed": seed,
            "latencies": latencies,
            "compare_seconds": compare_s,
        }
        run.sessions.append(result)
    except (Exception, asyncio.CancelledError) as e:  # noqa: BLE001 - reported in one line
        if isinstance(e, asyncio.CancelledError):
            if not broken.is_set():
                raise
            asyncio.current_task().uncancel()  # we stopped it ourselves: go on reporting
            errors = [x for x in run.browser_errors if x.startswith(f"session {i}:")]
            e = RuntimeError(f"the page shows a JavaScript error ({errors[-1][:200]})")
        if not ready.broken:
            await ready.abort()  # nobody waits for a session that failed
        if isinstance(e, asyncio.BrokenBarrierError):
            message = f"session {i}: stopped because another session failed"
        else:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            message = f"session {i}: could not {stage}: {type(e).__name__}: {first[:300]}"
            shots.mkdir(parents=True, exist_ok=True)
            try:
                await page.screenshot(path=shots / f"load-failed-session-{i}.png", timeout=15_000)
                message += f" (screenshot {shots / f'load-failed-session-{i}.png'})"
            except Exception:  # noqa: BLE001 - a page that is gone has no picture
                pass
        run.failures.append(message)
    finally:
        watcher.cancel()
        with contextlib.suppress(Exception):  # the browser may already be gone
            await context.close()


COMPARE_FIELDS = {"replications": "2", "days": "90"}  # a short comparison, as in a class


async def _compare(page, wait_s: float) -> float:
    """Start a short comparison (2 replications of 90 days for A and B) on the compare tab;
    seconds until it is done."""
    await page.get_by_role("tab", name="Vergelijken").click()
    await page.locator(".btn-compare").wait_for()
    for name, value in COMPARE_FIELDS.items():
        box = page.locator(f".field-{name} input")
        await box.fill(value)
        await box.press("Enter")
    t0 = time.monotonic()
    await page.locator(".btn-compare").click()
    done = page.locator(".compare-status").get_by_text(re.compile(r"^Klaar:"))
    await done.wait_for(timeout=wait_s * 1000)
    seconds = time.monotonic() - t0
    await page.get_by_role("tab", name="Model", exact=True).click()
    return seconds


async def drive_sessions(
    url: str,
    sessions: int,
    seconds: float,
    shots: Path,
    wait_s: float = 240,
    compare: bool = False,
) -> LoadRun:
    """Open ``sessions`` pages on ``url``; each sets its own seed and factor, then steps as
    fast as its page answers for ``seconds`` (all in the same window); optionally each then
    runs the default comparison. Never raises for a session's failure: see ``failures``."""
    from playwright.async_api import async_playwright

    run = LoadRun()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        ready = asyncio.Barrier(sessions)
        opening = asyncio.Semaphore(OPENING_AT_ONCE)
        await asyncio.gather(
            *(
                _one_session(browser, url, i, seconds, ready, run, shots, wait_s, compare, opening)
                for i in range(sessions)
            )
        )
        await browser.close()
    run.sessions.sort(key=lambda r: r["session"])
    run.compare_seconds = [
        r["compare_seconds"] for r in run.sessions if r["compare_seconds"] is not None
    ]
    return run


def check_run(run: LoadRun) -> list[str]:
    """What went wrong, in short lines: failed sessions, leaks between sessions, errors."""
    problems = same_failures_once(run.failures) + run.browser_errors[:10]
    for r in run.sessions:
        if not r["status"].startswith(f"Dag {r['steps']} "):
            problems.append(f"session {r['session']} shows {r['status']!r}")
        if r["seed"] != str(r["expected_seed"]):
            problems.append(f"session {r['session']} shows seed {r['seed']}")
        if r["changed"] != 1 or r["own_factor_marked"] != 1:
            problems.append(f"session {r['session']} shows other factor changes")
    return problems


def same_failures_once(failures: list[str]) -> list[str]:
    """One line per distinct failure, naming the sessions it happened to.

    >>> same_failures_once(["session 2: could not x", "session 0: could not x", "session 1: y"])
    ['sessions 0, 2: could not x', 'session 1: y']
    """
    by_text: dict[str, list[int]] = {}
    for line in failures:
        head, _, text = line.partition(": ")
        number = head.removeprefix("session ")
        if not number.isdigit():
            by_text.setdefault(line, [])
            continue
        by_text.setdefault(text, []).append(int(number))
    out = []
    for text, sessions in by_text.items():
        if not sessions:
            out.append(text)
        elif len(sessions) == 1:
            out.append(f"session {sessions[0]}: {text}")
        else:
            out.append(f"sessions {', '.join(map(str, sorted(sessions)))}: {text}")
    return out
