"""The virtual survey and the indicator analysis shared with real field data.

The field research measured residents by questionnaire, so the model is measured the same way:
at each wave a sample of participants (group members) and non-participants of the same areas
answers the field instruments, with response noise. Simulated and observed surveys share one
microdata schema (:data:`MICRODATA_COLUMNS`) and one analysis (:func:`indicators`,
:func:`gaps`, :func:`changes`).

>>> import pandas as pd
>>> df = pd.DataFrame({"wave": ["pre"] * 4, "respondent": range(4), "area": "A",
...     "participant": [True, True, False, False],
...     "feel_unsafe": ["often", "sometimes", "never", "never"],
...     "safety_grade": [5, 6, 8, 8], "report_willingness": [4, 4, 3, 3],
...     "gov_proximity": [2, 3, 3, 3]})
>>> ind = indicators(df)
>>> float(ind.query("respondents == 'participants' and indicator == 'pct_unsafe'").estimate.iloc[0])
100.0
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.scenario import Survey

#: The shared microdata schema: column → (dtype, allowed values or range, meaning).
MICRODATA_COLUMNS: dict[str, tuple[str, object, str]] = {
    "wave": ("string", "any label", "survey wave, e.g. 'pre' or 'post'"),
    "respondent": ("int", "≥ 0", "respondent id (unique within a wave)"),
    "area": ("string", "any label", "area (neighbourhood) of the respondent"),
    "participant": ("bool", (True, False), "member of a neighbourhood-watch app group"),
    "feel_unsafe": (
        "string",
        ("never", "sometimes", "often"),
        "feels unsafe in own neighbourhood (CBS Veiligheidsmonitor item)",
    ),
    "safety_grade": ("int", (1, 10), "safety grade of own neighbourhood, 1–10"),
    "report_willingness": ("int", (1, 5), "willingness to report to the police, 5-point Likert"),
    "gov_proximity": ("int", (1, 5), "experienced proximity of government, 5-point Likert"),
}
#: Optional in field data; always in simulated microdata.
OPTIONAL_COLUMNS: dict[str, tuple[str, object, str]] = {
    "respondent_id": (
        "int",
        "≥ 0",
        "person id, the same in every wave for the same person (panels); when absent each "
        "row is a different person",
    ),
}
UNSAFE_ANSWERS = ("never", "sometimes", "often")
INDICATORS = ("pct_unsafe", "pct_often", "safety_grade", "report_willingness", "gov_proximity")
GROUPS = {True: "participants", False: "non_participants"}


# --------------------------------------------------------------------------- virtual survey


def answer(
    worry: np.ndarray,
    willingness: np.ndarray,
    proximity: np.ndarray,
    cfg: Survey,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Map latent state to the field instruments, each item with its own normal noise."""
    n = len(worry)
    w_obs = worry + rng.normal(0, cfg.noise, n)
    unsafe = np.where(w_obs >= cfg.unsafe_often, 2, np.where(w_obs >= cfg.unsafe_sometimes, 1, 0))
    grade = cfg.grade_top - cfg.grade_slope * (worry + rng.normal(0, cfg.noise, n))
    likert = lambda x: np.clip(np.rint(1 + 4 * (x + rng.normal(0, cfg.noise, n))), 1, 5)  # noqa: E731
    return {
        "feel_unsafe": np.asarray(UNSAFE_ANSWERS, dtype=object)[unsafe],
        "safety_grade": np.clip(np.rint(grade), 1, 10).astype(int),
        "report_willingness": likert(willingness).astype(int),
        "gov_proximity": likert(proximity).astype(int),
    }


def sample(
    member: np.ndarray, eligible: np.ndarray, cfg: Survey, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw respondents without replacement: participants among members, non-participants
    among eligible non-members (all available ones when fewer than asked)."""
    members = np.flatnonzero(member & eligible)
    others = np.flatnonzero(~member & eligible)
    p = rng.choice(members, size=min(cfg.participants, len(members)), replace=False)
    q = rng.choice(others, size=min(cfg.non_participants, len(others)), replace=False)
    return np.sort(p), np.sort(q)


def response_probability(state, who: np.ndarray, cfg: Survey) -> np.ndarray:
    """Probability that each of ``who`` answers when asked (``[survey.nonresponse]``)."""
    nr = cfg.nonresponse
    if not nr.enabled:
        return np.ones(len(who))
    logit = (
        np.log(nr.response_rate / (1 - nr.response_rate))
        + nr.worry * (state.worry[who] - 0.5)
        + nr.cohesion * (state.cohesion[who] - 0.5)
        + nr.member * state.member[who]
    )
    return 1 / (1 + np.exp(-logit))


def _door_to_door(
    pool: np.ndarray, quota: int, state, cfg: Survey, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Knock on the doors of ``pool`` in random order until ``quota`` residents answered;
    returns the respondents (sorted) and how many were asked."""
    order = rng.permutation(pool)
    answers = rng.random(len(order)) < response_probability(state, order, cfg)
    took = np.flatnonzero(answers)[:quota]
    asked = int(took[-1]) + 1 if len(took) == quota and quota else len(order)
    return np.sort(order[took]), asked


def survey_wave(
    label: str,
    day: int,
    state,
    area_names: list[str],
    area: np.ndarray,
    eligible: np.ndarray,
    cfg: Survey,
    rng: np.random.Generator,
    roster: np.ndarray | None = None,
) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """One wave of respondent microdata from the model's current ``state``.

    ``roster`` holds the panel's members after the previous wave (None at the first wave or
    for cross-sections). Returns the microdata, the roster for the next wave and the
    fieldwork figures (asked, answered, kept from the panel, lost to attrition).
    """
    member = state.member
    work = {"wave": label, "day": day, "asked": 0, "answered": 0, "panel": 0, "attrition": 0}
    if cfg.panel and roster is not None:
        lost = rng.random(len(roster)) < cfg.attrition
        roster = roster[~lost]
        answers = rng.random(len(roster)) < response_probability(state, roster, cfg)
        who = roster[answers]
        work.update(asked=len(roster), panel=int(answers.sum()), attrition=int(lost.sum()))
        if cfg.refresh:
            free = eligible.copy()
            free[roster] = False
            for flag, quota in ((True, cfg.participants), (False, cfg.non_participants)):
                need = max(quota - int((member[who] == flag).sum()), 0)
                new, asked = _door_to_door(
                    np.flatnonzero(free & (member == flag)), need, state, cfg, rng
                )
                who = np.concatenate([who, new])
                work["asked"] += asked
        roster = np.union1d(roster, who)
        p, q = np.sort(who[member[who]]), np.sort(who[~member[who]])
    elif cfg.nonresponse.enabled:
        p, asked_p = _door_to_door(
            np.flatnonzero(member & eligible), cfg.participants, state, cfg, rng
        )
        q, asked_q = _door_to_door(
            np.flatnonzero(~member & eligible), cfg.non_participants, state, cfg, rng
        )
        work["asked"] = asked_p + asked_q
    else:
        p, q = sample(member, eligible, cfg, rng)
        work["asked"] = len(p) + len(q)
    who = np.concatenate([p, q]).astype(np.int64)
    work["answered"] = len(who)
    if cfg.panel and roster is None:
        roster = who.copy()
    answers = answer(state.worry[who], state.willingness[who], state.proximity[who], cfg, rng)
    df = pd.DataFrame(
        {
            "wave": label,
            "respondent": who,
            "respondent_id": who,
            "area": np.asarray(area_names, dtype=object)[area[who]],
            "participant": np.concatenate([np.ones(len(p), bool), np.zeros(len(q), bool)]),
            **answers,
            "day": day,
            "joined_day": state.last_joined[who],
            "latent_worry": state.worry[who],
            "latent_willingness": state.willingness[who],
            "latent_proximity": state.proximity[who],
        }
    )
    return df, (roster if roster is not None else np.zeros(0, np.int64)), work


def virtual_survey(
    label: str,
    day: int,
    state,
    area_names: list[str],
    area: np.ndarray,
    eligible: np.ndarray,
    cfg: Survey,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One cross-sectional wave (as :func:`survey_wave` without a panel roster)."""
    return survey_wave(label, day, state, area_names, area, eligible, cfg, rng)[0]


def empty_microdata() -> pd.DataFrame:
    """A microdata table with the shared columns and no rows."""
    cols = {**MICRODATA_COLUMNS, **OPTIONAL_COLUMNS}
    return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})


# --------------------------------------------------------------------------- analysis


def _proportion(x: np.ndarray) -> tuple[float, float, float]:
    """Share (in %) with its 95 % Wilson interval."""
    n = len(x)
    if n == 0:
        return (np.nan,) * 3
    p, z = x.mean(), 1.959964
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * p, 100 * max(centre - half, 0), 100 * min(centre + half, 1)


def _mean(x: np.ndarray) -> tuple[float, float, float]:
    """Mean with its 95 % t interval."""
    n = len(x)
    if n == 0:
        return (np.nan,) * 3
    m = float(np.mean(x))
    if n < 2:
        return m, np.nan, np.nan
    from scipy.special import stdtrit  # Student t quantile, without importing scipy.stats

    half = stdtrit(n - 1, 0.975) * np.std(x, ddof=1) / np.sqrt(n)
    return m, m - half, m + half


def _item(df: pd.DataFrame, indicator: str) -> tuple[np.ndarray, bool]:
    """The per-respondent values behind an indicator, and whether it is a proportion."""
    if indicator == "pct_unsafe":
        return (df["feel_unsafe"] != "never").to_numpy(float), True
    if indicator == "pct_often":
        return (df["feel_unsafe"] == "often").to_numpy(float), True
    return df[indicator].to_numpy(float), False


def respondent_values(microdata: pd.DataFrame, indicator: str) -> np.ndarray:
    """Each respondent's value of ``indicator`` on the scale it is reported on (0 or 100 for
    the percentages, the answer for the means): what regressions on microdata use."""
    x, is_prop = _item(microdata, indicator)
    return 100 * x if is_prop else x


def indicators(microdata: pd.DataFrame) -> pd.DataFrame:
    """Indicators per wave and respondent group with 95 % intervals (long format).

    Columns: wave, respondents, indicator, estimate, ci_low, ci_high, n. Percentages for
    pct_unsafe ('sometimes' or 'often') and pct_often; means for the other items.
    """
    rows = []
    for (wave, part), df in microdata.groupby(["wave", "participant"], sort=False):
        for ind in INDICATORS:
            x, is_prop = _item(df, ind)
            est, lo, hi = _proportion(x) if is_prop else _mean(x)
            rows.append((wave, GROUPS[bool(part)], ind, est, lo, hi, len(x)))
    return pd.DataFrame(
        rows, columns=["wave", "respondents", "indicator", "estimate", "ci_low", "ci_high", "n"]
    )


def _difference(a: np.ndarray, b: np.ndarray, is_prop: bool) -> tuple[float, float, float]:
    """a − b with a 95 % Welch (means) or Wald (shares, in points) interval."""
    if len(a) < 2 or len(b) < 2:
        return (np.nan,) * 3
    scale = 100.0 if is_prop else 1.0
    d = a.mean() - b.mean()
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return scale * d, scale * (d - 1.959964 * se), scale * (d + 1.959964 * se)


def gaps(microdata: pd.DataFrame) -> pd.DataFrame:
    """Participants minus non-participants, per wave and indicator, with 95 % intervals.

    A positive pct_unsafe gap means participants feel unsafe more often (as in Rotterdam).
    """
    rows = []
    for wave, df in microdata.groupby("wave", sort=False):
        part = df["participant"].astype(bool)
        for ind in INDICATORS:
            x, is_prop = _item(df, ind)
            d, lo, hi = _difference(x[part.to_numpy()], x[~part.to_numpy()], is_prop)
            rows.append((wave, ind, d, lo, hi, int(part.sum()), int((~part).sum())))
    return pd.DataFrame(
        rows,
        columns=[
            "wave",
            "indicator",
            "gap",
            "ci_low",
            "ci_high",
            "n_participants",
            "n_non_participants",
        ],
    )


def changes(
    microdata: pd.DataFrame, before: str | None = None, after: str | None = None
) -> pd.DataFrame:
    """Change from wave ``before`` to wave ``after`` (default: first and last) per respondent
    group and indicator, with 95 % intervals (independent samples, as in door-to-door rounds)."""
    waves = list(dict.fromkeys(microdata["wave"]))
    if len(waves) < 2:
        return pd.DataFrame(columns=["respondents", "indicator", "change", "ci_low", "ci_high"])
    before, after = before or waves[0], after or waves[-1]
    rows = []
    for part, df in microdata.groupby("participant", sort=False):
        pre, post = df[df["wave"] == before], df[df["wave"] == after]
        for ind in INDICATORS:
            (x1, is_prop), (x0, _) = _item(post, ind), _item(pre, ind)
            d, lo, hi = _difference(x1, x0, is_prop)
            rows.append((GROUPS[bool(part)], ind, d, lo, hi))
    return pd.DataFrame(rows, columns=["respondents", "indicator", "change", "ci_low", "ci_high"])


STATUS = {
    (False, True): "joined",
    (True, True): "stayed_members",
    (True, False): "left",
    (False, False): "stayed_non_participants",
}


def paired_changes(
    microdata: pd.DataFrame, before: str | None = None, after: str | None = None
) -> pd.DataFrame:
    """Within-person change from wave ``before`` to ``after`` (default: first and last) for
    respondents interviewed in both (linked by ``respondent_id``: a panel), by membership
    path — ``joined`` (non-participant before, participant after), ``stayed_members``,
    ``left``, ``stayed_non_participants`` — and ``all``; mean of the individual changes with
    a 95 % t interval (percentage points for pct_* indicators). A cross-section has no
    repeated respondents and gives ``n = 0`` rows.
    """
    cols = ["respondents", "indicator", "change", "ci_low", "ci_high", "n"]
    waves = list(dict.fromkeys(microdata["wave"]))
    if len(waves) < 2 or "respondent_id" not in microdata.columns:
        return pd.DataFrame(columns=cols)
    before, after = before or waves[0], after or waves[-1]
    pre = microdata[microdata["wave"] == before].set_index("respondent_id")
    post = microdata[microdata["wave"] == after].set_index("respondent_id")
    both = pre.index.intersection(post.index)
    pre, post = pre.loc[both], post.loc[both]
    pairs = zip(pre["participant"], post["participant"], strict=True)
    path = pd.Series([STATUS[(bool(a), bool(b))] for a, b in pairs], index=both, dtype=object)
    rows = []
    for status in ("all", *STATUS.values()):
        keep = np.ones(len(both), bool) if status == "all" else (path == status).to_numpy()
        for ind in INDICATORS:
            (x1, is_prop), (x0, _) = _item(post[keep], ind), _item(pre[keep], ind)
            d = (x1 - x0) * (100.0 if is_prop else 1.0)
            est, lo, hi = _mean(d)
            rows.append((status, ind, est, lo, hi, int(keep.sum())))
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- field data


def read_field_data(path: str | Path) -> pd.DataFrame:
    """Read and check real survey microdata (CSV in the shared schema).

    Errors name the file, row (as numbered in the file, header = row 1) and column. The
    optional column ``respondent_id`` links the waves of a panel; without it every row is a
    different person (repeated cross-sections). An id twice in one wave is an error.
    """
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: file not found")
    if not path.is_file():
        raise UserError(f"{path}: is not a file (a folder?); give the survey CSV file")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: not a readable CSV file: {e}") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read: {e.strerror or e}") from None
    missing = [c for c in MICRODATA_COLUMNS if c not in df.columns]
    if missing:
        hint = ""
        if len(df.columns) == 1 and ";" in str(df.columns[0]):
            hint = (
                "; the file seems to use ';' as separator (a Dutch spreadsheet setting): "
                "save it as comma-separated CSV"
            )
        raise UserError(
            f"{path}: missing column(s) {', '.join(missing)}; required columns: "
            f"{', '.join(MICRODATA_COLUMNS)}{hint}"
        )
    out = pd.DataFrame({"wave": df["wave"], "area": df["area"]})
    ids = ("respondent", "respondent_id")
    numbers = ("safety_grade", "report_willingness", "gov_proximity")
    for col in [c for c in ids if c in df.columns] + list(numbers):
        num = pd.to_numeric(df[col], errors="coerce")
        lo, hi = (0, np.inf) if col in ids else MICRODATA_COLUMNS[col][1]
        bad = num.isna() | (num != num.round()) | (num < lo) | (num > hi)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            allowed = "a whole number ≥ 0" if col in ids else f"whole numbers {lo}–{hi}"
            raise UserError(
                f"{path}: row {row + 2}, column {col!r}: {df[col].iloc[row]!r} is "
                f"not allowed; allowed: {allowed}"
            )
        out[col] = num.astype(np.int64)
    for col in [c for c in ids if c in out.columns]:
        dup = out.duplicated(["wave", col])
        if dup.any():
            row = int(np.flatnonzero(dup.to_numpy())[0])
            raise UserError(
                f"{path}: row {row + 2}, column {col!r}: {out[col].iloc[row]} occurs twice in "
                f"wave {out['wave'].iloc[row]!r}; each person answers a wave once (a panel "
                f"repeats an id across waves, not within one)"
            )
    if "respondent_id" not in out.columns:  # a cross-section: every row is another person
        out["respondent_id"] = np.arange(len(out), dtype=np.int64)
    truth = {
        "true": True,
        "1": True,
        "yes": True,
        "ja": True,
        "false": False,
        "0": False,
        "no": False,
        "nee": False,
    }
    part = df["participant"].str.strip().str.lower().map(truth)
    if part.isna().any():
        row = int(np.flatnonzero(part.isna().to_numpy())[0])
        raise UserError(
            f"{path}: row {row + 2}, column 'participant': "
            f"{df['participant'].iloc[row]!r} is not allowed; allowed: "
            f"true/false, 1/0, yes/no, ja/nee"
        )
    out["participant"] = part.astype(bool)
    unsafe = df["feel_unsafe"].str.strip().str.lower()
    bad = ~unsafe.isin(UNSAFE_ANSWERS)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise UserError(
            f"{path}: row {row + 2}, column 'feel_unsafe': "
            f"{df['feel_unsafe'].iloc[row]!r} is not an answer code; allowed: "
            f"{', '.join(UNSAFE_ANSWERS)}"
        )
    out["feel_unsafe"] = unsafe
    empty = df["wave"].str.strip() == ""
    if empty.any():
        row = int(np.flatnonzero(empty.to_numpy())[0])
        raise UserError(f"{path}: row {row + 2}, column 'wave': empty; every row needs a wave")
    for wave, d in out.groupby("wave", sort=False):
        for flag, name in GROUPS.items():
            if not (d["participant"] == flag).any():
                raise UserError(
                    f"{path}: wave {wave!r} has no {name.replace('_', '-')}; "
                    f"column 'participant' needs both groups in every wave"
                )
    return out[[*MICRODATA_COLUMNS, *OPTIONAL_COLUMNS]]
