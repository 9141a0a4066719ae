"""Shared Playwright helpers for the browser tests (sync and async pages alike)."""

from __future__ import annotations

# Clicks 'Stap' inside the page and resolves when the status shows the next day and the new
# map image is decoded: the step plus redraw as the user sees it, timed by the browser.
STEP_JS = """
async ([timeout]) => {
  const img = () => document.querySelector('.buurt-map img');
  const status = () => document.querySelector('.status-day').textContent;
  const day = (s) => parseInt(s.replace(/^\\D*/, ''), 10);
  const before = day(status()), oldSrc = img().src;
  const t0 = performance.now();
  document.querySelector('.btn-step').click();
  while (!(day(status()) === before + 1 && img().src !== oldSrc)) {
    if (performance.now() - t0 > timeout) throw new Error('no redraw after ' + timeout + ' ms');
    await new Promise(r => requestAnimationFrame(r));
  }
  await img().decode();
  return [performance.now() - t0, day(status())];
}
"""


def summarise(latencies_ms: list[float]) -> dict[str, float]:
    import numpy as np

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
