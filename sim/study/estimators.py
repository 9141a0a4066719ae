"""Estimators of a field study, applied to survey microdata — virtual or real alike.

Every estimator takes a microdata table in the shared schema (:data:`sim.survey.
MICRODATA_COLUMNS`, as :func:`sim.survey.read_field_data` loads field CSVs), the indicator and
the round labels, and returns an :class:`Estimate` on the indicator's scale (percentage points
for the shares) with a 95 % interval. Extra columns some estimators need: ``respondent_id``
(panel), ``invited`` and optionally ``street`` (encouragement: the instrument and its
randomisation unit), ``treated`` (stepped wedge).

- ``difference_in_means``: participants − non-participants at the last round (today's gap,
  :func:`sim.survey.gaps`); answers "how do members differ", not "what does membership do";
- ``before_after``: participants' change from the first to the last round
  (:func:`sim.survey.changes`), as the Rotterdam report reads it;
- ``did``: difference in differences, participants' change minus non-participants' change
  (OLS, heteroskedasticity-robust errors; statsmodels);
- ``stepped_wedge``: participants' indicator on 'own area has had the intervention' with round
  and area fixed effects (OLS, robust errors; statsmodels);
- ``panel_fe``: within-respondent effect of membership with respondent and round fixed effects
  (linearmodels ``PanelOLS``, errors clustered by respondent);
- ``iv``: two-stage least squares, membership instrumented by the random invitation of the
  respondent's street (linearmodels ``IV2SLS``, errors clustered by street).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.survey import changes, gaps, respondent_values

Z95 = 1.959964


@dataclass(frozen=True)
class Estimate:
    """One estimate with its 95 % interval (NaN when the data cannot give one)."""

    estimate: float
    ci_low: float
    ci_high: float
    n: int

    @classmethod
    def missing(cls, n: int = 0) -> Estimate:
        return cls(np.nan, np.nan, np.nan, n)

    @classmethod
    def from_se(cls, estimate: float, se: float, n: int) -> Estimate:
        if not (np.isfinite(estimate) and np.isfinite(se)):
            return cls.missing(n)
        return cls(float(estimate), float(estimate - Z95 * se), float(estimate + Z95 * se), n)


def _needs(md: pd.DataFrame, columns: tuple[str, ...], estimator: str) -> None:
    missing = [c for c in columns if c not in md.columns]
    if missing:
        raise UserError(
            f"estimator {estimator!r} needs column(s) {', '.join(missing)} in the microdata"
        )


def difference_in_means(md: pd.DataFrame, indicator: str, first: str, last: str) -> Estimate:
    """Participants − non-participants at round ``last`` (Welch/Wald interval)."""
    sub = md[md["wave"] == last]
    row = gaps(sub)
    row = row[row["indicator"] == indicator]
    if row.empty:
        return Estimate.missing(len(sub))
    r = row.iloc[0]
    return Estimate(float(r["gap"]), float(r["ci_low"]), float(r["ci_high"]), len(sub))


def before_after(md: pd.DataFrame, indicator: str, first: str, last: str) -> Estimate:
    """Participants at ``last`` minus participants at ``first`` (independent samples)."""
    sub = md[md["wave"].isin([first, last])]
    ch = changes(sub, first, last)
    row = ch[(ch["respondents"] == "participants") & (ch["indicator"] == indicator)]
    n = int(sub["participant"].sum())
    if row.empty:
        return Estimate.missing(n)
    r = row.iloc[0]
    return Estimate(float(r["change"]), float(r["ci_low"]), float(r["ci_high"]), n)


def _ols(formula: str, data: pd.DataFrame, term: str) -> Estimate:
    import statsmodels.formula.api as smf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.ols(formula, data=data).fit(cov_type="HC1")
    if term not in fit.params.index:
        return Estimate.missing(len(data))
    return Estimate.from_se(fit.params[term], fit.bse[term], len(data))


def did(md: pd.DataFrame, indicator: str, first: str, last: str) -> Estimate:
    """(Participants' change) − (non-participants' change) from ``first`` to ``last``."""
    sub = md[md["wave"].isin([first, last])]
    data = pd.DataFrame(
        {
            "y": respondent_values(sub, indicator),
            "part": sub["participant"].to_numpy(float),
            "post": (sub["wave"] == last).to_numpy(float),
        }
    )
    if data.groupby(["part", "post"]).size().min() < 2 or len(data.groupby(["part", "post"])) < 4:
        return Estimate.missing(len(data))
    return _ols("y ~ part * post", data, "part:post")


def stepped_wedge(md: pd.DataFrame, indicator: str, first: str, last: str) -> Estimate:
    """Participants' indicator on 'intervention in own area by this round', with round and area
    fixed effects."""
    _needs(md, ("treated",), "stepped_wedge")
    sub = md[md["participant"].astype(bool)]
    data = pd.DataFrame(
        {
            "y": respondent_values(sub, indicator),
            "treated": sub["treated"].to_numpy(float),
            "wave": sub["wave"].astype(str).to_numpy(),
            "area": sub["area"].astype(str).to_numpy(),
        }
    )
    if data["treated"].nunique() < 2:
        return Estimate.missing(len(data))
    return _ols("y ~ treated + C(wave) + C(area)", data, "treated")


def panel_fe(md: pd.DataFrame, indicator: str, first: str, last: str) -> Estimate:
    """Effect of membership within respondents (respondent and round fixed effects)."""
    from linearmodels.panel import PanelOLS

    _needs(md, ("respondent_id",), "panel_fe")
    order = {w: i for i, w in enumerate(dict.fromkeys(md["wave"]))}
    data = pd.DataFrame(
        {
            "id": md["respondent_id"].to_numpy(np.int64),
            "t": md["wave"].map(order).to_numpy(np.int64),
            "y": respondent_values(md, indicator),
            "member": md["participant"].to_numpy(float),
        }
    ).set_index(["id", "t"])
    switchers = data.groupby(level="id")["member"].nunique().gt(1).sum()
    if switchers < 2:
        return Estimate.missing(len(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = PanelOLS(data["y"], data[["member"]], entity_effects=True, time_effects=True).fit(
            cov_type="clustered", cluster_entity=True
        )
    return Estimate.from_se(fit.params["member"], fit.std_errors["member"], len(data))


def iv(md: pd.DataFrame, indicator: str, first: str, last: str) -> Estimate:
    """Two-stage least squares at round ``last``: membership instrumented by invitation."""
    from linearmodels.iv import IV2SLS

    _needs(md, ("invited",), "iv")
    sub = md[md["wave"] == last]
    data = pd.DataFrame(
        {
            "y": respondent_values(sub, indicator),
            "const": 1.0,
            "member": sub["participant"].to_numpy(float),
            "invited": sub["invited"].to_numpy(float),
        }
    )
    if data["invited"].nunique() < 2 or data["member"].nunique() < 2:
        return Estimate.missing(len(data))
    model = IV2SLS(data["y"], data[["const"]], data[["member"]], data[["invited"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "street" in sub.columns:
            fit = model.fit(cov_type="clustered", clusters=sub["street"].to_numpy())
        else:
            fit = model.fit(cov_type="robust")
    return Estimate.from_se(fit.params["member"], fit.std_errors["member"], len(data))


ESTIMATORS: dict[str, Callable[[pd.DataFrame, str, str, str], Estimate]] = {
    "difference_in_means": difference_in_means,
    "before_after": before_after,
    "did": did,
    "stepped_wedge": stepped_wedge,
    "panel_fe": panel_fe,
    "iv": iv,
}


def estimate(name: str, md: pd.DataFrame, indicator: str, first: str, last: str) -> Estimate:
    """Apply estimator ``name``; a fit that fails numerically gives a missing estimate."""
    try:
        return ESTIMATORS[name](md, indicator, first, last)
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError):
        return Estimate.missing(len(md))
