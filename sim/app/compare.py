"""Compare mode: two scenarios, several replications each with the same seeds, run headless
in worker processes while the page stays usable.

A scenario with a posterior-sample file next to it (``calibrated_posterior.parquet`` for
``calibrated.toml``) runs each replication at a posterior particle drawn from the page's seed,
so its bands show parameter uncertainty as well as chance (:func:`comparison_for`).

One process pool serves every browser session (the machine has few cores), shared fairly: a
:class:`FairPool` hands the workers to the waiting comparisons in turn, so a class's second
comparison does not wait behind all of the first one's runs. Each session owns its
:class:`Comparison` and sees only its own runs.

>>> from sim.scenario import Scenario
>>> cmp = Comparison({"A": Scenario(days=40, burn_in_days=10),
...                   "B": Scenario(days=40, burn_in_days=10)}, seeds=[1, 2], days=40)
>>> cmp.run_inline()
>>> cmp.done, cmp.total, sorted(cmp.bands("members"))
(4, 4, ['A', 'B'])
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import CancelledError, Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario import Scenario

#: weekly series shown with bands, and the summary outcomes of the table (scale to display)
BAND_SERIES: dict[str, tuple[str, float]] = {
    "unsafe_members": ("band_unsafe_members", 100.0),
    "unsafe_nonmembers": ("band_unsafe_nonmembers", 100.0),
    "members": ("band_members", 1.0),
    "reports": ("band_reports", 1.0),
    "posts_alert": ("band_alerts", 1.0),
    "crimes": ("band_crimes", 1.0),
}
SUMMARY_OUTCOMES: dict[str, float] = {
    "unsafe_members": 100.0,
    "unsafe_nonmembers": 100.0,
    "unsafe_all": 100.0,
    "participation": 100.0,
    "burglaries_per_1000": 1.0,
    "reported_share": 100.0,
    "reports_per_group_month": 1.0,
    "alerts_per_group_month": 1.0,
    "stigmatising_share": 100.0,
    "arrests_per_year": 1.0,
    "willingness_members": 100.0,
    "willingness_nonmembers": 100.0,
    "proximity_members": 100.0,
    "proximity_nonmembers": 100.0,
    "members_per_group": 1.0,
    "confrontations_per_year": 1.0,
    "chatter_per_group_month": 1.0,
    "feedback_per_group_month": 1.0,
}
MAX_REPLICATIONS = 20


class FairPool:
    """Runs jobs on at most ``workers`` workers of an executor, taking the owners' queues in
    turn (round robin): with two comparisons waiting, each gets every other free worker.

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> pool, gate, order = FairPool(1, lambda: ThreadPoolExecutor(1)), threading.Event(), []
    >>> busy = pool.submit_for("x", gate.wait)       # the only worker is busy
    >>> jobs = [pool.submit_for(o, order.append, o + i) for o in "ab" for i in "123"]
    >>> gate.set(); _ = [f.result() for f in jobs]; pool.shutdown()
    >>> order  # a queued all its runs first, yet b gets every other worker
    ['a1', 'b1', 'a2', 'b2', 'a3', 'b3']
    """

    def __init__(self, workers: int, make_executor: Callable[[], Executor]):
        self.workers = workers
        self._make = make_executor
        self._executor: Executor | None = None
        self._queues: dict[Hashable, deque] = {}
        self._turns: deque = deque()  # owners with queued jobs, next turn first
        self._running = 0
        self._lock = threading.Lock()

    def submit_for(self, owner: Hashable, fn: Callable, *args) -> Future:
        """Queue ``fn(*args)`` for ``owner``; the returned future can be cancelled until
        the job starts."""
        future: Future = Future()
        with self._lock:
            if owner not in self._queues:
                self._queues[owner] = deque()
                self._turns.append(owner)
            self._queues[owner].append((future, fn, args))
        self._pump()
        return future

    def submit(self, fn: Callable, *args) -> Future:
        return self.submit_for(None, fn, *args)

    def waiting(self) -> int:
        """Jobs queued and not yet started (all owners)."""
        with self._lock:
            return sum(len(q) for q in self._queues.values())

    def _next_job(self):
        while self._turns:
            owner = self._turns.popleft()
            queue = self._queues[owner]
            while queue:
                job = queue.popleft()
                if job[0].set_running_or_notify_cancel():  # False: cancelled while queued
                    if queue:
                        self._turns.append(owner)  # its next job waits for its next turn
                    else:
                        del self._queues[owner]
                    return job
            del self._queues[owner]
        return None

    def _pump(self) -> None:
        while True:
            with self._lock:
                if self._running >= self.workers:
                    return
                job = self._next_job()
                if job is None:
                    return
                self._running += 1
                if self._executor is None:
                    self._executor = self._make()
                executor = self._executor
            future, fn, args = job
            try:
                inner = executor.submit(fn, *args)
            except Exception as e:  # noqa: BLE001 - a broken pool fails this job, not the page
                self._done(future, None, e)
                continue
            inner.add_done_callback(lambda f, outer=future: self._done(outer, f, None))

    def _done(self, outer: Future, inner: Future | None, error: BaseException | None) -> None:
        with self._lock:
            self._running -= 1
        if inner is not None:
            try:
                error = inner.exception()
            except CancelledError as e:
                error = e
        if error is None:
            outer.set_result(inner.result())
        else:
            outer.set_exception(error)
        self._pump()

    def shutdown(self) -> None:
        with self._lock:
            for queue in self._queues.values():
                for future, _, _ in queue:
                    future.cancel()
            self._queues.clear()
            self._turns.clear()
            executor = self._executor
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


_pool: FairPool | None = None
_pool_lock = threading.Lock()


def worker_count() -> int:
    """Worker processes for replications: ``BUURTSIM_APP_WORKERS`` or all cores but one."""
    env = os.environ.get("BUURTSIM_APP_WORKERS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, (os.cpu_count() or 2) - 1)


def shared_pool() -> FairPool:
    """The process pool shared fairly by all sessions (its processes start on first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = worker_count()
            _pool = FairPool(
                workers,
                lambda: ProcessPoolExecutor(
                    max_workers=workers, mp_context=multiprocessing.get_context("spawn")
                ),
            )
            atexit.register(_pool.shutdown)
        return _pool


def replicate(scenario: dict, seed: int, days: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """One headless run (in a worker): weekly band series and the summary outcomes."""
    from sim.engine import simulate

    scn = Scenario.model_validate(scenario)
    result = simulate(scn, seed=seed, days=days)
    weekly = result.weekly()
    if "days" in weekly:  # a last, partial week would dive like a real drop: leave it out
        weekly = weekly[weekly["days"] == 7]
    weekly = weekly.assign(reports=weekly["reports_112"] + weekly["reports_0900"])
    return weekly[["week", *BAND_SERIES]].copy(), result.summary()


@dataclass
class Comparison:
    """Runs of scenarios ``A`` and ``B`` for each seed, and their bands and differences.

    ``variants`` replaces the scenario of single runs (side, seed): a side with a posterior
    sample runs each seed at its own particle, whose id is in ``particles``.
    """

    scenarios: dict[str, Scenario]
    seeds: list[int]
    days: int
    futures: dict[tuple[str, int], Future] = field(default_factory=dict)
    cancelled: bool = False
    variants: dict[tuple[str, int], Scenario] = field(default_factory=dict)
    particles: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.scenarios) * len(self.seeds)

    @property
    def done(self) -> int:
        return sum(f.done() for f in self.futures.values())

    @property
    def finished(self) -> bool:
        return bool(self.futures) and self.done == self.total

    @property
    def with_posterior(self) -> list[str]:
        """The sides whose replications run at posterior particles."""
        return [side for side in self.scenarios if any(k[0] == side for k in self.particles)]

    def scenario_for(self, side: str, seed: int) -> dict:
        """The scenario of one run, as plain data for a worker process."""
        return self.variants.get((side, seed), self.scenarios[side]).model_dump(mode="json")

    def start(self, pool: Executor | FairPool | None = None) -> None:
        """Submit every run; returns at once."""
        pool = pool or shared_pool()
        for seed in self.seeds:  # interleave A and B so partial results stay paired
            for side in self.scenarios:
                job = (replicate, self.scenario_for(side, seed), seed, self.days)
                self.futures[(side, seed)] = (
                    pool.submit_for(id(self), *job)
                    if isinstance(pool, FairPool)
                    else pool.submit(*job)
                )

    def run_inline(self) -> None:
        """Run every replication here and now (tests, notebooks)."""
        for seed in self.seeds:
            for side in self.scenarios:
                f: Future = Future()
                f.set_result(replicate(self.scenario_for(side, seed), seed, self.days))
                self.futures[(side, seed)] = f

    def cancel(self) -> None:
        self.cancelled = True
        for f in self.futures.values():
            f.cancel()

    def errors(self) -> list[str]:
        out = []
        for f in self.futures.values():
            if f.done() and not f.cancelled() and f.exception() is not None:
                out.append(str(f.exception()))
        return out

    def _results(self, side: str) -> dict[int, tuple[pd.DataFrame, dict]]:
        out = {}
        for (s, seed), f in self.futures.items():
            if s == side and f.done() and not f.cancelled():
                try:
                    out[seed] = f.result()
                except (CancelledError, Exception):  # noqa: BLE001 - reported by errors()
                    continue
        return out

    def bands(self, column: str, lo: float = 10, hi: float = 90) -> dict[str, pd.DataFrame]:
        """Per side: week, low, median and high percentile of ``column`` over replications."""
        out = {}
        for side in self.scenarios:
            runs = self._results(side)
            if not runs:
                continue
            wide = pd.concat(
                {seed: w.set_index("week")[column] for seed, (w, _) in runs.items()}, axis=1
            )
            values = wide.to_numpy(float)
            out[side] = pd.DataFrame(
                {
                    "week": wide.index.to_numpy(),
                    "low": np.nanpercentile(values, lo, axis=1),
                    "median": np.nanmedian(values, axis=1),
                    "high": np.nanpercentile(values, hi, axis=1),
                    "runs": values.shape[1],
                }
            )
        return out

    def summary_table(self) -> pd.DataFrame:
        """Per outcome: median and 10–90 % range of A and B, and of the paired difference
        B − A over seeds that both sides finished."""
        a, b = self._results("A"), self._results("B")
        rows = []
        for key, scale in SUMMARY_OUTCOMES.items():
            if not all(key in r for _, r in [*a.values(), *b.values()]):
                continue  # an outcome this model version does not report
            va = np.array([s[key] for _, s in a.values()], float) * scale
            vb = np.array([s[key] for _, s in b.values()], float) * scale
            both = sorted(set(a) & set(b))
            d = np.array([b[s][1][key] - a[s][1][key] for s in both], float) * scale
            rows.append({"outcome": key, **_stats("A", va), **_stats("B", vb), **_stats("diff", d)})
        return pd.DataFrame(rows)


def comparison_for(
    bases: dict[str, tuple[Scenario, Path | None]],
    finish: dict[str, Callable[[Scenario], Scenario]],
    seeds: list[int],
    days: int,
) -> Comparison:
    """A comparison of the scenario files ``bases`` (side → scenario, its posterior file).

    ``finish[side]`` sets what the page adds (population size, the user's factors). A side with
    a posterior file runs replication i at the particle drawn for i from the first seed; the
    particle's overrides come first, so the page's own settings win. Two sides with the same
    posterior file get the same particle per replication, so their difference stays paired.
    """
    from sim.posterior_sample import PosteriorSample, apply_draw, read_posterior

    cmp = Comparison(
        {side: finish[side](base) for side, (base, _) in bases.items()},
        seeds=list(seeds),
        days=days,
    )
    read: dict[tuple[Path, str], PosteriorSample] = {}  # A and B often share a file
    for side, (base, post_file) in bases.items():
        if post_file is None:
            continue
        key = (Path(post_file).resolve(), base.content_hash())
        if key not in read:
            read[key] = read_posterior(post_file, base)
        post = read[key]
        for i, seed in enumerate(seeds):
            draw = post.draw(i, seeds[0])
            origin = f"{post_file}: particle {draw.particle}"
            cmp.variants[(side, seed)] = finish[side](apply_draw(base, draw.overrides, origin))
            cmp.particles[(side, seed)] = draw.particle
    return cmp


def _stats(prefix: str, x: np.ndarray) -> dict[str, float]:
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return {f"{prefix}_median": np.nan, f"{prefix}_low": np.nan, f"{prefix}_high": np.nan}
    return {
        f"{prefix}_median": float(np.median(x)),
        f"{prefix}_low": float(np.percentile(x, 10)),
        f"{prefix}_high": float(np.percentile(x, 90)),
    }
