"""Regenerate the policymakers' guide's material from the live page, on purpose.

The tests never write into ``docs/``; these commands do, when you ask::

    uv run python -m sim.app.guide screenshots docs/img
    uv run python -m sim.app.guide load docs/guide-policymakers.md --sessions 10 25

``screenshots`` starts ``buurtsim app`` on a free port, walks through the page in headless
Chromium as the guide describes it and saves ``app-*.png`` into the folder. ``load`` drives
that many sessions at once (each its own seed and factor, stepping for a minute, then each
starting the default comparison at the same moment) and writes median and p90 step time and
the comparisons' completion times between the guide's ``load-figures`` markers.
Needs Debian's ``chromium`` and the ``playwright`` package (a development dependency).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path

from sim.app.drive import (
    CHROMIUM_ARGS,
    MAP_DRAWN,
    POINT_JS,
    STEP_JS,
    check_run,
    chromium_path,
    drive_sessions,
    free_port,
    start_app,
    stop_app,
    summarise,
)
from sim.errors import UserError

START, END = "<!-- load-figures:start -->", "<!-- load-figures:end -->"


def _browser(pw):
    exe = chromium_path()
    if exe is None:
        raise UserError("Debian's chromium is not installed (apt-get install -y chromium)")
    return pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)


def take_screenshots(url: str, out: Path) -> list[Path]:
    """The guide's pictures of the page at ``url``, saved in ``out``."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    def shot(target, name: str) -> None:
        path = out / name
        target.screenshot(path=path)
        saved.append(path)

    with sync_playwright() as pw:
        browser = _browser(pw)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nl-NL")
        page = context.new_page()
        page.set_default_timeout(600_000)  # a busy machine: slow, not broken
        page.goto(url)
        page.locator(MAP_DRAWN).wait_for()
        page.locator(".status-day").wait_for()
        page.mouse.move(700, 5)
        shot(page, "app-start.png")
        page.locator(".factor-signs label").click()
        page.locator(".factor-signs").get_by_text("(gewijzigd)").wait_for()
        page.mouse.move(700, 5)  # away from the tooltip
        for _ in range(30):
            page.evaluate(STEP_JS, [600_000])
        shot(page, "app-model.png")
        chart = ".buurt-charts .chart_unsafe"
        page.locator(chart).scroll_into_view_if_needed()
        x, y, _ = page.evaluate(POINT_JS, [chart, "leden", 3])
        page.mouse.move(x, y)  # a week's values on hover
        page.locator(chart).get_by_text(re.compile(r"^Week 3")).wait_for()
        shot(page.locator(".buurt-charts"), "app-charts.png")
        page.locator(".buurt-map .map-chart").scroll_into_view_if_needed()
        x, y, _ = page.evaluate(POINT_JS, [".buurt-map .map-chart", "members", 0])
        page.mouse.click(x, y)  # a resident's state under the map
        page.locator(".map-pick").wait_for()
        page.mouse.move(700, 5)
        shot(page.locator(".buurt-map"), "app-map.png")
        seed = page.locator(".field-seed input")
        seed.fill("twaalf")
        seed.press("Enter")
        page.locator(".field-seed .error--text").first.wait_for()
        shot(page.locator(".field-seed"), "app-bad-value.png")
        seed.fill("1")
        seed.press("Enter")
        page.get_by_role("tab", name="Enquête").click()
        page.locator(".btn-survey").click()
        page.locator(".survey-result img").wait_for()
        shot(page.locator(".survey-result"), "app-survey.png")
        page.get_by_role("tab", name="Vergelijken").click()
        for field, value in (("replications", "3"), ("days", "200")):
            box = page.locator(f".field-{field} input")
            box.fill(value)
            box.press("Enter")
        page.locator(".btn-compare").click()
        done = page.locator(".compare-status").get_by_text(re.compile(r"^Klaar:"))
        done.wait_for(timeout=600_000)
        page.locator(".compare-bands img").wait_for()
        page.mouse.move(700, 5)
        shot(page, "app-compare.png")
        page.set_viewport_size({"width": 1400, "height": 2200})  # bands and the whole table
        page.wait_for_timeout(1000)
        shot(page.locator(".compare-result"), "app-compare-bands.png")
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.get_by_role("tab", name="Model", exact=True).click()
        page.locator(".lang-switch").get_by_role("button", name="en").click()
        page.get_by_role("button", name="Step").wait_for()
        page.mouse.move(700, 5)
        shot(page, "app-english.png")
        browser.close()
    return saved


def load_block(results: dict[int, dict]) -> str:
    """The guide's table of load figures (Dutch, like the guide)."""

    def num(x: float, digits: int = 0) -> str:
        return f"{x:,.{digits}f}".replace(",", "\u202f").replace(".", ",")

    lines = [
        START,
        "| sessies tegelijk | stappen gemeten | stap + nieuwe kaart: mediaan | p90 "
        "| vergelijking klaar na (mediaan) | langzaamste vergelijking |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, r in sorted(results.items()):
        cmp = r["compare_seconds"]
        lines.append(
            f"| {n} | {r['steps']} | {num(r['median'])} ms | {num(r['p90'])} ms "
            f"| {num(cmp['median'])} s | {num(cmp['max'])} s |"
        )
    lines.append("")
    lines.append(
        f"*Gemeten op {results[min(results)]['machine']} met `uv run python -m sim.app.guide "
        "load`: elke sessie 2.000 bewoners, eigen seed en succesfactor, een minuut zo snel "
        "mogelijk stappen; daarna start elke sessie tegelijk een vergelijking van "
        "2 herhalingen van "
        "90 dagen voor A en B. Alle browsers draaiden op dezelfde machine als de server (in "
        "een klas draait elke browser op de eigen laptop van een student).*"
    )
    lines.append(END)
    return "\n".join(lines)


def measure_load(url: str, sessions: int, seconds: float, shots: Path) -> dict:
    import numpy as np

    run = asyncio.run(drive_sessions(url, sessions, seconds, shots, wait_s=900, compare=True))
    problems = check_run(run)
    if problems:
        raise UserError(f"load run with {sessions} sessions failed:\n" + "\n".join(problems))
    stats = summarise(run.latencies)
    cmp = np.asarray(run.compare_seconds, float)
    return {
        "steps": stats["n"],
        "median": stats["median"],
        "p90": stats["p90"],
        "compare_seconds": {"median": float(np.median(cmp)), "max": float(cmp.max())},
    }


def write_block(guide: Path, block: str) -> None:
    text = guide.read_text()
    if START not in text or END not in text:
        raise UserError(f"{guide}: no {START} … {END} markers to write the load figures between")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    guide.write_text(pattern.sub(lambda _: block, text))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.app.guide", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    p = sub.add_parser("screenshots", help="save the guide's app-*.png pictures")
    p.add_argument("folder", type=Path)
    q = sub.add_parser("load", help="measure sessions at once and write the guide's table")
    q.add_argument("guide", type=Path)
    q.add_argument("--sessions", type=int, nargs="+", default=[10, 25])
    q.add_argument("--seconds", type=float, default=60)
    q.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="buurtsim app flags")
    args = ap.parse_args(argv)
    try:
        if args.what == "load" and not args.guide.is_file():
            raise UserError(f"{args.guide}: no such file")
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            log = Path(tmp) / "app.log"
            proc = start_app(port, log, tuple(getattr(args, "extra", [])))
            url = f"http://127.0.0.1:{port}"
            try:
                if args.what == "screenshots":
                    for path in take_screenshots(url, args.folder):
                        print(f"wrote {path}")
                    return 0
                results = {}
                for n in args.sessions:
                    t0 = time.monotonic()
                    results[n] = measure_load(url, n, args.seconds, Path(tmp))
                    results[n]["machine"] = _machine()
                    print(f"{n} sessions: {results[n]} ({time.monotonic() - t0:.0f} s)")
                    write_block(args.guide, load_block(results))  # each size as it is done
                    print(f"wrote the load figures into {args.guide}")
                return 0
            finally:
                stop_app(proc)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _machine() -> str:
    import os

    load = f"{os.getloadavg()[0]:.1f}".replace(".", ",")
    return f"een machine met {os.cpu_count()} kernen (belasting {load} bij de start)"


if __name__ == "__main__":
    raise SystemExit(main())
