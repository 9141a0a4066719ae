"""The point a calibration installs: one parameter set of the installed structure's posterior.

``scenarios/calibrated.toml`` is one point; the posterior file carries the uncertainty
around it. Three rules (``buurtsim calibrate --point``) pick it:

- ``predictive`` (default): the posterior particle whose runs meet the H targets (the solid
  figures) most often, and among those meeting each in at least :data:`H_ENOUGH` of the
  seeds, the one meeting most of all targets (weighted as in the distance). Every particle
  is run with a few *screening* seeds; the better ones get more (successive halving,
  :data:`SCREEN_ROUNDS`). The screening seeds are not the point
  check's, so the check that follows is an honest test of the choice, not a replay of it.
- ``medoid``: the particle with the least weighted mean distance to the others, parameters
  scaled to their prior ranges on the sampling scale (logarithms for log-uniform priors).
- ``median``: each parameter's weighted posterior median. Not a particle: sixteen marginal
  medians together can sit where the posterior has little mass.

Each rule's point is then run with the same check seeds, and the report compares them;
then with the same validation seeds (:mod:`sim.calibrate.reliability`), which say how
reliably it meets each target without changing which point is chosen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.joint import met_matrix
from sim.calibrate.posterior import posterior_stats
from sim.calibrate.priors import Priors
from sim.calibrate.targets import Targets

POINT_RULES = ("predictive", "medoid", "median")
"""The rules ``--point`` accepts; the first is the default."""

SCREEN_ROUNDS: tuple[tuple[int, int], ...] = ((2, 16), (6, 8), (32, 1))
"""Successive halving of the ``predictive`` rule: per round, the screening seeds added to
every particle still in the race and how many particles go on (at least; a quarter of the
particles go on after the first round when that is more)."""

Evaluate = Callable[[list[dict[str, float]], list[int]], list[dict[str, float]]]
"""Runs parameter sets with seeds (pairwise) and returns their observables."""


@dataclass
class Point:
    """One candidate for the installed scenario."""

    rule: str
    parameters: dict[str, float]
    particle: int | None = None  # row of the installed structure's pooled posterior
    run: int | None = None  # independent run the particle comes from
    screening: pd.DataFrame | None = None  # predictive: per screened particle, its scores
    check: list[dict[str, float]] = field(default_factory=list)  # observables per check seed
    validation: list[dict[str, float]] = field(default_factory=list)  # per validation seed

    def describe(self, structure: str) -> str:
        """One line for the scenario file's header and the report."""
        if self.rule == "median":
            return f"the weighted posterior median of each parameter of {structure}"
        where = f"particle {self.particle} of the pooled posterior of {structure}"
        where += f" (run {self.run})" if self.run is not None else ""
        if self.rule == "medoid":
            return f"the weighted medoid, {where}"
        seeds = int(self.screening["seeds"].max()) if self.screening is not None else 0
        return (
            f"the posterior particle that met the H targets most often over {seeds} screening "
            f"seeds (past {100 * H_ENOUGH:.0f} % of the seeds for each, the most targets "
            f"overall), {where}"
        )


def median_point(post: pd.DataFrame, priors: Priors) -> Point:
    """Each parameter's weighted posterior median."""
    stats = posterior_stats(post, priors)
    return Point("median", {r.parameter: float(r.median) for r in stats.itertuples()})


def _particle(rule: str, post: pd.DataFrame, priors: Priors, i: int, **kw: Any) -> Point:
    run = int(post["run"].iloc[i]) if "run" in post else None
    values = {n: float(post[n].iloc[i]) for n in priors.names()}
    return Point(rule, values, particle=int(i), run=run, **kw)


def medoid_point(post: pd.DataFrame, priors: Priors) -> Point:
    """The particle with the least weighted mean distance to all particles, each parameter
    scaled to its prior range on the sampling scale."""
    cols = []
    for n, p in priors.parameter.items():
        lo, hi = p.to_abc(p.low), p.to_abc(p.high)
        x = post[n].to_numpy(float)
        cols.append((np.log(x) if p.distribution == "loguniform" else x) / (hi - lo))
    z = np.column_stack(cols)
    w = post["weight"].to_numpy(float)
    from scipy.spatial.distance import cdist  # n × n, not n × n × parameters

    return _particle("medoid", post, priors, int(np.argmin(cdist(z, z) @ w)))


H_ENOUGH = 0.9
"""Screening share at which a particle meets an H target often enough: particles meeting
every H target at least this often are ranked by the other targets instead (so that seed
luck above the bar does not decide)."""


def scores(
    met: pd.DataFrame, h_targets: Sequence[str], weight: pd.Series, target_weights: dict[str, float]
) -> pd.DataFrame:
    """Per particle, from one row per (particle, seed) of met / missed targets: the seeds run,
    the worst share of seeds meeting an H target (``h_min``), the share of all targets met,
    each counting with its weight in the distance (``weighted``), and the share of seeds
    meeting each target (``met_<id>``, H targets first). Best first: by ``h_min`` up to
    :data:`H_ENOUGH`, then ``weighted``, then ``h_min``, then the posterior weight."""
    targets = [c for c in met.columns if c not in ("particle", "seed")]
    h = list(h_targets) or targets
    by = met.groupby("particle")
    shares = by[targets].mean()
    out = pd.DataFrame({"seeds": by.size()})
    out["h_min"] = shares[h].min(axis=1)
    w = pd.Series({t: target_weights.get(t, 1.0) for t in targets})
    out["weighted"] = shares.mul(w).sum(axis=1) / w.sum()
    out["weight"] = weight.reindex(out.index).to_numpy(float)
    out = out.join(shares[h + [t for t in targets if t not in h]].add_prefix("met_"))
    out["_enough"] = out["h_min"].clip(upper=H_ENOUGH)
    order = ["_enough", "weighted", "h_min", "weight"]
    return out.sort_values(order, ascending=False, kind="stable").drop(columns="_enough")


def predictive_point(
    post: pd.DataFrame,
    priors: Priors,
    targets: Targets,
    evaluate: Evaluate,
    seeds: Sequence[int],
    rounds: Sequence[tuple[int, int]] = SCREEN_ROUNDS,
) -> Point:
    """The particle of ``post`` that meets the H targets most often over the screening
    ``seeds`` (successive halving over ``rounds``; ``seeds`` must hold their sum)."""
    used = targets.used()
    h = [t.id for t in used if t.certainty == "H"]
    if sum(n for n, _ in rounds) > len(seeds):
        raise ValueError(
            f"{len(seeds)} screening seeds; the rounds need {sum(n for n, _ in rounds)}"
        )
    alive = list(range(len(post)))
    rows: list[pd.DataFrame] = []
    first = 0
    table = pd.DataFrame()
    for k, (n_seeds, keep) in enumerate(rounds):
        round_seeds = [int(s) for s in seeds[first : first + n_seeds]]
        first += n_seeds
        jobs = [(i, s) for i in alive for s in round_seeds]
        params = [{n: float(post[n].iloc[i]) for n in priors.names()} for i, _ in jobs]
        observed = evaluate(params, [s for _, s in jobs])
        met = met_matrix([{"observables": obs} for obs in observed], targets)
        rows.append(met.assign(particle=[i for i, _ in jobs], seed=[s for _, s in jobs]))
        table = scores(
            pd.concat(rows, ignore_index=True),
            h,
            post["weight"].reset_index(drop=True),
            {t.id: t.weight(targets.weights) for t in used},
        )
        going_on = max(keep, math.ceil(len(alive) / 4)) if k == 0 else keep
        alive = [int(i) for i in table.index if i in set(alive)][:going_on]
    return _particle("predictive", post, priors, alive[0], screening=table)


def check_seeds(seed: int, n: int = 10) -> list[int]:
    """The point check's seeds (the same for every rule)."""
    return [int(x) for x in np.random.default_rng(seed + 1).integers(0, 2**31 - 1, n)]


def screening_seeds(seed: int, exclude: Sequence[int]) -> list[int]:
    """The ``predictive`` rule's screening seeds: never one of the check seeds ``exclude``."""
    need = sum(n for n, _ in SCREEN_ROUNDS)
    rng = np.random.default_rng([seed, 2])
    out: list[int] = []
    while len(out) < need:
        s = int(rng.integers(0, 2**31 - 1))
        if s not in exclude and s not in out:
            out.append(s)
    return out


def choose_points(
    post: pd.DataFrame,
    priors: Priors,
    targets: Targets,
    evaluate: Evaluate,
    seed: int,
    validation: int = 0,
) -> dict[str, Point]:
    """Every rule's point, each run with the same check seeds (:func:`check_seeds`) and the
    same ``validation`` seeds (:func:`~sim.calibrate.reliability.validation_seeds`, none a
    check or screening seed)."""
    from sim.calibrate.reliability import validation_seeds

    post = post.reset_index(drop=True)
    checks = check_seeds(seed)
    screens = screening_seeds(seed, checks)
    points = {
        "predictive": predictive_point(post, priors, targets, evaluate, screens),
        "medoid": medoid_point(post, priors),
        "median": median_point(post, priors),
    }
    further = validation_seeds(seed, checks + screens, validation)
    for p in points.values():
        p.check = evaluate([p.parameters] * len(checks), checks)
        if further:
            p.validation = evaluate([p.parameters] * len(further), further)
    return points


def rules_table(points: dict[str, Point], targets: Targets, seed: int = 0) -> pd.DataFrame:
    """Per rule: the check seeds, the least number of them meeting an H target, the mean
    number of used targets met per seed, and the seeds meeting each target (H first); with
    validation runs, also the share of them meeting every H target at once and the chance
    that a check like this one passes (:func:`~sim.calibrate.reliability.joint_reliability`,
    resampled with ``seed``)."""
    from sim.calibrate.reliability import joint_reliability

    used = targets.used()
    h = [t.id for t in used if t.certainty == "H"]
    rows = []
    for rule, p in points.items():
        met = met_matrix([{"observables": obs} for obs in p.check], targets)
        rows.append(
            {
                "rule": rule,
                "particle": p.particle,
                "seeds": len(p.check),
                "h_min": int(met[h].sum().min()) if len(met) and h else 0,
                "targets_met_per_seed": float(met.sum(axis=1).mean()) if len(met) else math.nan,
                **{
                    f"seeds_met_{t}": int(met[t].sum()) if len(met) else 0
                    for t in h + [t.id for t in used if t.id not in h]
                },
            }
        )
        if p.validation:
            joint = joint_reliability(p.validation, targets, len(p.check), seed)
            rows[-1].update(
                validation_seeds=joint["seeds"],
                all_h_met=joint["all_h_met"],
                check_pass_probability=joint["check_pass_probability"],
            )
    return pd.DataFrame(rows)
