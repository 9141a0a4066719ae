"""ABC-SMC with pyabc on a Dask cluster, one generation at a time, resumable.

The pyabc database (``abc.db`` in the output folder) is the run's state: a calibration that
is stopped resumes from the last finished generation when started again with the same
targets, priors and output folder.
"""

from __future__ import annotations

import contextlib
import logging
import math
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import UserError


class CalibrationError(UserError):
    """A calibration that cannot start or continue (bad scheduler, mismatching database)."""


@dataclass
class Generation:
    """Progress after one finished generation."""

    t: int
    epsilon: float
    accepted: int
    simulations: int
    total_simulations: int
    acceptance_rate: float
    ess: float
    seconds: float
    model_probabilities: dict[int, float] = field(default_factory=dict)


@contextlib.contextmanager
def dask_client(workers: int = 2, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client: on ``scheduler`` if given, else on an embedded LocalCluster.

    The local cluster uses one single-threaded process per worker (the engine is NumPy code
    that holds the GIL between vectorised operations).
    """
    from dask.distributed import Client

    from sim.workers import CALIBRATION_MODULES, local_client

    if scheduler:
        try:
            client = Client(scheduler, timeout="15s")
        except (OSError, TimeoutError) as e:
            raise CalibrationError(
                f"--scheduler {scheduler}: cannot connect ({e}); start "
                f"one with 'dask scheduler' and 'dask worker ADDRESS'"
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    if workers < 1:
        raise CalibrationError(f"--workers must be ≥ 1, got {workers}")
    with local_client(workers, modules=CALIBRATION_MODULES) as client:
        yield client


def quiet_pyabc() -> None:
    """pyabc logs every step at INFO; the calibration prints its own progress."""
    for name in (
        "ABC",
        "pyabc",
        "Sampler",
        "Epsilon",
        "Distance",
        "Acceptor",
        "History",
        "Transitions",
        "Adaptation",
    ):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("ABC.History").setLevel(logging.WARNING)


def print_progress(
    g: Generation, budget: int, stream=sys.stderr, names: list[str] | None = None
) -> None:
    probs = ""
    if len(g.model_probabilities) > 1 or (names and len(names) > 1):
        probs = ", P(structure) " + " ".join(
            f"{(names[m] if names and m < len(names) else m)}={p:.2f}"
            for m, p in sorted(g.model_probabilities.items())
        )
    print(
        f"generation {g.t}: ε = {g.epsilon:.4g}, accepted {g.accepted}/{g.simulations} "
        f"({100 * g.acceptance_rate:.0f} %), ESS {g.ess:.0f}, "
        f"simulations {g.total_simulations}/{budget}, {g.seconds:.0f} s{probs}",
        file=stream,
        flush=True,
    )


KERNEL_WIDTH = 2.0  # kernel variance per parameter ÷ the population's variance


def box_kernel(prior: Any, width: float = KERNEL_WIDTH) -> Any:
    """The perturbation kernel of a calibration with one structure (see :func:`box_kernels`)."""
    return box_kernels([prior], width)[0]


def box_kernels(priors: list[Any], width: float = KERNEL_WIDTH) -> list[Any]:
    """The perturbation kernels, one per structure: each parameter of a particle is moved by a
    Gaussian step cut off at its prior bounds (a truncated normal, renormalised per
    particle), with variance ``width`` times the spread of the whole last population in that
    parameter.

    The importance weights are prior ÷ this kernel's mixture density, so these choices
    change only how efficiently the posterior is sampled, never what it is:

    - *Cut off at the bounds*: the priors are uniform boxes. A Gaussian that crosses a bound
      proposes values pyabc must draw again; with sixteen parameters nearly every draw of
      the first generations crossed one, and the density dipped towards every edge, which
      gave the particles near edges a larger weight in each of the sixteen directions.
    - *One width per parameter, from the whole population, unweighted*: pyabc's default
      covariance comes from the weighted population; a few particles gained most of the
      weight, the kernel shrank around them and the weights collapsed further (effective
      sample size 4 of 200). A diagonal width needs only each parameter's spread, which a
      structure's 20–40 particles estimate well, where a 16 × 16 covariance does not.
    - *Twice the population's variance* (Beaumont et al. 2009, Biometrika 96:983; Silverman's
      rule gives half of it with sixteen parameters): in sixteen dimensions a narrow
      kernel's density is bumpy, every weight then depends on how far a draw landed from its
      parent, and the effective sample size fell to a few. On a sixteen-parameter test
      problem twice the variance kept it at 105–149 of 200 over seven generations, once the
      variance at 7–62.
    - *One mixture for every structure*: with model selection pyabc fits one kernel per
      structure to that structure's particles. A structure holding 17–46 of 200 particles,
      unevenly weighted, then has a bumpy density, and an accepted draw that lands between
      its few parents takes most of its weight (effective sample size 3–7 in such a
      structure, 34–77 overall, in the calibration of 2 December). Here every structure's
      kernel is the same mixture over *all* the last population's particles (each
      structure's share by its number of particles, within it by weight), which is valid
      as long as the structures share their parameters and priors, because the weights
      divide by the density the draws actually follow. In a mimicked generation (the test
      ``test_a_shared_mixture_keeps_small_structures_weights_even``) the small structures
      keep most of their accepted draws effective, where their own kernels lose up to four
      fifths of them. It does not even out the weights *within* a large structure, which
      stay uneven near the end of a calibration: that is what refresh generations of the
      stopping rule are for.
    - *No share of prior draws*: a defensive prior share caps every weight, but once the
      posterior is far narrower than the prior the rare accepted prior draw gets the capped
      weight, millions of times the others' (effective sample size 7 of 200 in the first
      calibration on the compiled day).
    """
    import numpy as np
    import pandas as pd
    import pyabc
    from scipy.special import logsumexp, ndtr, ndtri

    names = list(priors[0].keys())
    if any(list(p.keys()) != names for p in priors):
        raise ValueError("structures share one kernel mixture, so they need the same parameters")
    support = np.array([priors[0][n].distribution.support() for n in names], dtype=float)
    lo, hi = support[:, 0], support[:, 1]

    class Mixture:
        """The last population of every structure, pooled. pyabc fits the kernels of the
        structures still alive, one after another, every generation; a structure fitted
        again starts a new generation (a structure that died out never returns)."""

        def __init__(self) -> None:
            self.parts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
            self.fitted: tuple[np.ndarray, ...] | None = None

        def add(self, key: int, x: np.ndarray, w: np.ndarray) -> None:
            if key in self.parts:
                self.parts = {}
            self.parts[key] = (x, w)
            self.fitted = None

        def get(self) -> tuple[np.ndarray, ...]:
            if self.fitted is None:
                n = sum(len(x) for x, _ in self.parts.values())
                xs = [x for x, _ in self.parts.values()]
                ws = [w if len(w) == n else w * (len(w) / n) for _, w in self.parts.values()]
                x = xs[0] if len(xs) == 1 else np.vstack(xs)
                w = ws[0] if len(ws) == 1 else np.concatenate(ws)
                spread = x.std(axis=0, ddof=1) if len(x) > 1 else np.zeros(len(names))
                # particles that agree in a parameter still move in it
                h = np.sqrt(width) * np.maximum(spread, 1e-3 * (hi - lo))
                a = ndtr((lo - x) / h)  # Φ at the bounds, per particle
                b = ndtr((hi - x) / h)
                log_norm = np.sum(np.log(h) + np.log(np.maximum(b - a, 1e-300)), axis=1)
                self.fitted = (x, w, h, a, b, log_norm)
            return self.fitted

    class BoxKernel(pyabc.transition.Transition):
        def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
            self.X = X
            self.w = np.asarray(w, dtype=float) / np.sum(w)
            self.mixture.add(self.key, X[names].to_numpy(dtype=float), self.w)

        def rvs_single(self) -> pyabc.Parameter:
            x, w, h, a, b, _ = self.mixture.get()
            i = np.random.choice(len(w), p=w)
            u = a[i] + np.random.uniform(size=len(names)) * (b[i] - a[i])
            z = ndtri(np.clip(u, 1e-16, 1 - 1e-16))
            draw = np.clip(x[i] + h * z, lo, hi)
            return pyabc.Parameter(dict(zip(names, draw.tolist(), strict=True)))

        def _log_pdf(self, points: np.ndarray) -> np.ndarray:
            x, w, h, _, _, log_norm = self.mixture.get()
            z = (points[:, None, :] - x[None, :, :]) / h
            inside = np.all((points >= lo) & (points <= hi), axis=1)
            per_parent = -0.5 * np.sum(z * z, axis=2) - log_norm
            log_q = logsumexp(per_parent + np.log(w), axis=1)
            log_q -= 0.5 * len(names) * np.log(2 * np.pi)
            return np.where(inside, log_q, -np.inf)

        def pdf(self, x: Any) -> Any:
            if isinstance(x, pd.DataFrame):
                return np.exp(self._log_pdf(x[names].to_numpy(dtype=float)))
            row = np.array([[float(x[n]) for n in names]])
            return float(np.exp(self._log_pdf(row))[0])

    mixture = Mixture()
    kernels = []
    for key in range(len(priors)):
        kernel = BoxKernel()
        # attributes, not closure variables: pyabc deep-copies the kernels each generation
        # and the copies must keep one shared mixture of their own
        kernel.mixture, kernel.key = mixture, key
        kernels.append(kernel)
    return kernels


@dataclass(frozen=True)
class StoppingRule:
    """When ABC-SMC has done what more generations could do, and whether it converged.

    The run stops when ε has reached a plateau — it fell by less than ``plateau_pct`` % in
    each of the last ``plateau_generations`` generations — or when acceptance fell below
    ``min_acceptance`` (a further generation would cost more than it could gain). If the
    population it stops with has an effective sample size below ``min_ess``, up to
    ``refresh_generations`` generations follow at the *same* ε: each draws a new population
    from the last one (same target, fresh particles, evened-out weights), until the
    effective sample size reaches ``min_ess``. The run has *converged* when it stopped for
    one of these reasons and its final population's effective sample size is at least
    ``min_ess``. A run stopped by its budget or time limit has not converged, whatever its ε.
    """

    plateau_pct: float = 5.0
    plateau_generations: int = 2
    min_acceptance: float = 0.02
    min_ess: float = 100.0
    refresh_generations: int = 2

    def stop_reason(self, gens: list[Generation]) -> str | None:
        """Whether ε has gone as far as it will (None: lower it further). Refresh
        generations, which keep ε, do not count."""
        lowering = lowering_generations(gens)
        if not lowering:
            return None
        if lowering[-1].t > 0 and lowering[-1].acceptance_rate < self.min_acceptance:
            return (
                f"acceptance {100 * lowering[-1].acceptance_rate:.1f} % below the floor of "
                f"{100 * self.min_acceptance:g} %"
            )
        drops = epsilon_drops(lowering)
        k = self.plateau_generations
        if len(drops) >= k and all(d < self.plateau_pct for d in drops[-k:]):
            return (
                f"ε plateau: fell less than {self.plateau_pct:g} % per generation over the "
                f"last {k} generations"
            )
        return None

    def next_step(self, gens: list[Generation]) -> str:
        """After the last of ``gens``: "lower" ε, "refresh" at the same ε, or "stop"."""
        if not self.stop_reason(gens):
            return "lower"
        if gens[-1].ess >= self.min_ess or refreshes(gens) >= self.refresh_generations:
            return "stop"
        return "refresh"

    def refresh_population(self, gens: list[Generation], population_size: int) -> int:
        """The population of a refresh generation after ``gens``: large enough for its
        effective sample size to reach ``min_ess`` at the share of effective particles seen
        since the run stopped lowering ε (the median over that generation and the refreshes
        after it, so that one heavy particle does not set the size), with a quarter to
        spare; between ``population_size`` and four times it."""
        since = [g for g in gens if g.t >= lowering_generations(gens)[-1].t]
        share = statistics.median(g.ess / max(g.accepted, 1) for g in since)
        wanted = math.ceil(1.25 * self.min_ess / max(share, 1e-9))
        return int(min(max(wanted, population_size), 4 * population_size))

    def assess(self, gens: list[Generation]) -> dict[str, Any]:
        """Convergence criteria of a finished run: each one met or not, and the verdict."""
        lowering = lowering_generations(gens)
        drops = epsilon_drops(lowering)
        k = self.plateau_generations
        last = lowering[-1] if lowering else None
        plateau = len(drops) >= k and all(d < self.plateau_pct for d in drops[-k:])
        floor = bool(last and last.t > 0 and last.acceptance_rate < self.min_acceptance)
        ess = float(gens[-1].ess) if gens else 0.0
        criteria = {
            f"ε plateau (< {self.plateau_pct:g} % per generation over {k})": plateau,
            f"or acceptance below {100 * self.min_acceptance:g} %": floor,
            f"final ESS ≥ {self.min_ess:g}": ess >= self.min_ess,
        }
        return {
            "converged": (plateau or floor) and ess >= self.min_ess,
            "criteria": criteria,
            "last_epsilon_drops_pct": drops[-k:],
            "final_ess": ess,
            "final_acceptance": float(last.acceptance_rate) if last else float("nan"),
            "generations": len(gens),
            "refresh_generations": refreshes(gens),
            "ess_before_refresh": float(last.ess) if last else 0.0,
        }


def is_refresh(previous: Generation, gen: Generation) -> bool:
    """A generation that kept the ε of the one before (see :class:`StoppingRule`)."""
    return gen.epsilon == previous.epsilon


def lowering_generations(gens: list[Generation]) -> list[Generation]:
    """The generations that lowered ε (refresh generations left out)."""
    return [g for i, g in enumerate(gens) if i == 0 or not is_refresh(gens[i - 1], g)]


def refreshes(gens: list[Generation]) -> int:
    """How many refresh generations end ``gens``."""
    n = 0
    while n + 1 < len(gens) and is_refresh(gens[-n - 2], gens[-n - 1]):
        n += 1
    return n


def epsilon_drops(gens: list[Generation]) -> list[float]:
    """Per generation after the first finite ε: how many % ε fell from the previous one."""
    import math

    out = []
    for a, b in zip(gens, gens[1:], strict=False):
        if math.isfinite(a.epsilon) and a.epsilon < 1e299 and a.epsilon > 0:
            out.append(100.0 * (a.epsilon - b.epsilon) / a.epsilon)
    return out


def generations_from_history(history: Any) -> list[Generation]:
    """The progress record of every stored generation, read back from a pyabc database."""
    import numpy as np
    from pyabc.weighted_statistics import effective_sample_size

    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].sort_values("t")
    gens = []
    total = 0
    for row in pops.itertuples():
        t = int(row.t)
        w = history.get_weighted_distances(t=t)["w"].to_numpy()
        n_sim = int(row.samples)
        total += n_sim
        probs = history.get_model_probabilities(t=t)
        gens.append(
            Generation(
                t=t,
                epsilon=float(row.epsilon),
                accepted=len(w),
                simulations=n_sim,
                total_simulations=total,
                acceptance_rate=len(w) / max(n_sim, 1),
                ess=float(effective_sample_size(w / np.sum(w))) if len(w) else 0.0,
                seconds=float("nan"),
                model_probabilities={int(m): float(p) for m, p in probs["p"].items()},
            )
        )
    return gens


def run_abc_smc(
    model: Callable | list[Callable],
    prior: Any,
    distance: Callable,
    observed: dict,
    db_path: Path,
    *,
    population_size: int,
    budget: int,
    client: Any,
    meta: dict[str, Any],
    max_generations: int = 30,
    min_epsilon: float = 0.0,
    progress: Callable[[Generation], None] | None = None,
    max_walltime_s: float | None = None,
    stopping: StoppingRule | None = None,
    epsilon_quantile: float = 0.5,
    seed: int | None = None,
    sample: bool = True,
) -> Any:
    """Run (or resume) ABC-SMC until the stopping rule, the simulation budget, ε =
    min_epsilon or the time limit.

    ``model`` and ``prior`` may be lists (one per model structure): pyabc then samples the
    structure too (model selection). ``client`` None runs in this process, one simulation
    after another; with ``seed`` the run is then reproducible.
    ``meta`` identifies the calibration (hashes of targets, priors, scenarios); a database
    made for another calibration is refused rather than silently mixed.
    ``epsilon_quantile``: each generation's ε is this weighted quantile of the previous
    generation's distances.
    ``sample=False`` only reads a stored run back (no further generation); a database
    without a finished generation is then an error.
    Returns the pyabc History.
    """
    import numpy as np
    import pyabc
    from pyabc.sampler import DaskDistributedSampler, SingleCoreSampler
    from pyabc.weighted_statistics import effective_sample_size

    quiet_pyabc()
    if seed is not None:
        np.random.seed(seed % 2**32)
    models = model if isinstance(model, list) else [model]
    priors = prior if isinstance(prior, list) else [prior] * len(models)
    sampler = (
        SingleCoreSampler()
        if client is None
        else DaskDistributedSampler(dask_client=client, batch_size=1)
    )
    db = f"sqlite:///{db_path.resolve()}"
    resumed = db_path.exists() and has_generations(db_path)
    if not sample and not resumed:
        raise CalibrationError(
            f"{db_path}: no finished generation to report on; run the calibration without "
            f"--report-only first"
        )
    # A fresh run accepts its whole first generation (ε = 1e300) instead of spending a prior
    # sample on calibrating ε; a resumed run takes ε from its last stored generation.
    eps = pyabc.epsilon.QuantileEpsilon(
        alpha=epsilon_quantile, initial_epsilon="from_sample" if resumed else 1e300
    )
    abc = pyabc.ABCSMC(
        models if len(models) > 1 else models[0],
        priors if len(models) > 1 else priors[0],
        distance,
        population_size=population_size,
        transitions=box_kernels(priors) if len(models) > 1 else box_kernel(priors[0]),
        sampler=sampler,
        eps=eps,
    )
    if resumed:
        stored = pyabc.History(db, _id=1).get_abc().json_parameters
        _check_meta(stored, meta, db_path)
        abc.load(db, abc_id=1)
        if seed is not None:  # a resumed run goes on with fresh random numbers, not the
            # ones its first generation used (reproducible: a function of the stored state)
            done_t = int(pyabc.History(db, _id=1).max_t)
            np.random.seed((seed + 7919 * (done_t + 1)) % 2**32)
    else:
        db_path.unlink(missing_ok=True)
        abc.new(db, observed, meta_info=meta)
    history = abc.history
    done = int(history.total_nr_simulations) if resumed else 0
    gens = generations_from_history(history) if resumed else []
    step = stopping.next_step(gens) if stopping else "lower"
    if not sample or done >= budget or step == "stop":
        return history
    start = time.monotonic()
    t = abc.initialize_components_before_run(
        minimum_epsilon=min_epsilon,
        max_nr_populations=max_generations,
        min_acceptance_rate=0.0,
        max_total_nr_simulations=budget,
        max_walltime=None,
        min_eps_diff=0.0,
    )
    while True:
        if step == "refresh":
            _hold_epsilon(eps, t, gens[-1].epsilon)
            abc.population_size.nr_particles = stopping.refresh_population(gens, population_size)
        t0 = time.monotonic()
        ret = abc.run_generation(t=t)
        if not ret["successful"]:
            break
        pop = history.get_weighted_distances(t=t)
        total = int(history.total_nr_simulations)
        n_sim = int(history.get_all_populations().query(f"t == {t}")["samples"].iloc[0])
        w = pop["w"].to_numpy()
        gen = Generation(
            t=t,
            epsilon=float(abc.eps(t)),
            accepted=len(pop),
            simulations=n_sim,
            total_simulations=total,
            acceptance_rate=len(pop) / max(n_sim, 1),
            ess=float(effective_sample_size(w / np.sum(w))),
            seconds=time.monotonic() - t0,
            model_probabilities={
                int(m): float(p) for m, p in history.get_model_probabilities(t=t)["p"].items()
            },
        )
        gens.append(gen)
        if progress:
            progress(gen)
        step = stopping.next_step(gens) if stopping else "lower"
        if step == "stop":
            break
        if step == "refresh":  # same ε, so the same acceptance; the population may grow
            grow = stopping.refresh_population(gens, population_size) / max(gen.accepted, 1)
            seconds_next, sims_next = 1.3 * gen.seconds * grow, n_sim * grow
        else:  # like this one in time; in simulations, more as acceptance falls
            seconds_next = 1.3 * gen.seconds
            sims_next = n_sim / max(np.sqrt(gen.acceptance_rate), 1e-3)
        # stop if the next generation would not end within the time limit, or would overrun
        # the budget by more than half
        out_of_time = (
            max_walltime_s is not None and time.monotonic() - start + seconds_next > max_walltime_s
        )
        if (
            abc.check_terminate(t=t, acceptance_rate=gen.acceptance_rate)
            or out_of_time
            or total + 0.5 * sims_next > budget
        ):
            break
        t += 1
    return history


def _hold_epsilon(eps: Any, t: int, value: float) -> None:
    """Make generation ``t`` a refresh: pyabc's QuantileEpsilon keeps ε per generation in
    ``_look_up`` (pyabc 0.13); the refresh test fails if that changes."""
    eps._look_up[t] = value


def sampling_seconds(histories: list[Any]) -> float:
    """Wall time of stored runs: from the earliest start to the end of the latest
    generation (runs that went side by side count once; pauses between a stop and a resume
    count too)."""
    import pandas as pd

    starts = [pd.Timestamp(h.get_abc().start_time) for h in histories]
    ends = [pd.Timestamp(h.get_all_populations()["population_end_time"].max()) for h in histories]
    return float((max(ends) - min(starts)).total_seconds())


def has_generations(db_path: Path) -> bool:
    """Whether the database holds a finished generation to resume from. A file that is not
    an intact pyabc database raises :class:`CalibrationError` and is left untouched."""
    import sqlite3

    import pyabc

    damaged = (
        f"{db_path}: not an intact calibration database ({{}}); it was left untouched: "
        f"move it away or choose another --out to start anew"
    )
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as con:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error as e:
        raise CalibrationError(damaged.format(e)) from None
    if "abc_smc" not in tables:
        raise CalibrationError(damaged.format("no pyabc tables"))
    try:
        return pyabc.History(f"sqlite:///{db_path.resolve()}", _id=1).max_t >= 0
    except Exception as e:  # noqa: BLE001 - pyabc/sqlalchemy raise many kinds
        raise CalibrationError(damaged.format(type(e).__name__)) from None


def _check_meta(stored: Any, meta: dict[str, Any], db_path: Path) -> None:
    import ast

    try:  # pyabc stores the options as the repr of a dict
        stored = ast.literal_eval(stored) if isinstance(stored, str) else dict(stored or {})
    except (TypeError, ValueError, SyntaxError):
        stored = {}
    for key in ("targets_hash", "priors_hash", "scenarios_hash", "structures_hash", "replicates"):
        if key in meta and str(stored.get(key)) != str(meta[key]):
            raise CalibrationError(
                f"{db_path}: this database belongs to another calibration ({key} differs); "
                f"use another --out folder or delete {db_path} to start anew"
            )
