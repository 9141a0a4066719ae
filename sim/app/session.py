"""One browser session's model: settings, the running model, its history and surveys.

No Solara here, so everything the page does to the model can be tested directly. Each browser
session owns one :class:`Session`; nothing is shared between sessions.

>>> s = Session(Settings(scenario="baseline", residents=300, seed=5))   # doctest: +SKIP
>>> s.step(7); s.day                                                     # doctest: +SKIP
7
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.app.messages import t
from sim.errors import UserError
from sim.scenario import (
    FACTOR_NAMES,
    SCENARIO_DIR,
    Scenario,
    SuccessFactors,
    load_scenario,
)

MIN_RESIDENTS, MAX_RESIDENTS = 50, 20_000
MAX_SEED = 2**31 - 1
DEFAULT_RESIDENTS = 2_000
NOT_SCENARIOS = ("experiments", "studies")  # folders below scenarios/ with other kinds of TOML
NOW_PREFIX = "@"  # wave label of a survey taken from the page ("@120" = on day 120)


class FieldError(UserError):
    """A value typed into a page field that cannot be used; ``field`` names the field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


# --------------------------------------------------------------------------- scenarios


def scenario_files(root: Path = SCENARIO_DIR) -> dict[str, Path]:
    """Scenario files offered in the picker, keyed by their path below ``scenarios/``.

    Top-level scenarios first, then teaching presets, then the rest (e.g. ``factors/``).
    Experiment designs (``scenarios/experiments/``) are not scenarios and are left out, and
    so are hidden or temporary files (names starting with ``.`` or ``_``).
    """
    if not root.is_dir():
        return {}
    files = [
        p
        for p in root.rglob("*.toml")
        if p.relative_to(root).parts[0] not in NOT_SCENARIOS
        and not any(part.startswith(("_", ".")) for part in p.relative_to(root).parts)
    ]

    def order(p: Path) -> tuple[int, str]:
        rel = p.relative_to(root)
        rank = 0 if len(rel.parts) == 1 else 1 if rel.parts[0] == "teaching" else 2
        return rank, str(rel)

    return {p.relative_to(root).with_suffix("").as_posix(): p for p in sorted(files, key=order)}


def default_scenario_key(files: dict[str, Path]) -> str | None:
    if "baseline" in files:
        return "baseline"
    return next(iter(files), None)


def load_named(key: str | None, files: dict[str, Path] | None = None) -> Scenario:
    """The scenario ``key`` of :func:`scenario_files` (the built-in default when None)."""
    if key is None:
        return Scenario()
    files = scenario_files() if files is None else files
    if key not in files:
        raise FieldError("scenario", f"unknown scenario {key!r}; allowed: {', '.join(files)}")
    return load_scenario(files[key])


def posterior_file(key: str | None, files: dict[str, Path] | None = None) -> Path | None:
    """The posterior-sample file of scenario ``key`` (``<stem>_posterior.parquet`` next to
    it), or None when it has none."""
    from sim.posterior_sample import posterior_path

    files = scenario_files() if files is None else files
    if key not in files:
        return None
    path = posterior_path(files[key])
    return path if path.is_file() else None


def expected_residents(scn: Scenario) -> float:
    p = scn.population
    households = sum(
        a.streets * (a.households_per_street or p.households_per_street) for a in scn.areas
    )
    return households * p.adults_per_household


def scale_population(scn: Scenario, residents: int | None) -> Scenario:
    """``scn`` with the streets of every area scaled so it holds about ``residents`` adults.

    The number of groups scales with the streets, so a group covers about as many streets
    (and has about as many members) at any size: shares and per-member rates then do not
    drift with the size (with a fixed number of groups, bigger groups post more alerts per
    member and hit the size cap). Survey sample sizes shrink with it when the population
    gets too small to ask them all.
    """
    if residents is None:
        return scn
    factor = residents / expected_residents(scn)
    overrides: dict[str, object] = {}
    per_street = scn.population.households_per_street
    households = 0
    for i, area in enumerate(scn.areas):
        streets = max(1, round(area.streets * factor))
        if area.groups and streets != area.streets:
            groups = max(1, round(area.groups * streets / area.streets))
            if area.coverage > 0:  # every group needs a covered street of its own
                streets = max(streets, math.ceil(groups / area.coverage))
            overrides[f"areas.{i}.groups"] = groups
        overrides[f"areas.{i}.streets"] = streets
        households += streets * (area.households_per_street or per_street)
    sv = scn.survey
    if sv.participants + sv.non_participants > households // 2:
        half = max(households // 4, 1)
        overrides["survey.participants"] = min(sv.participants, half)
        overrides["survey.non_participants"] = min(sv.non_participants, half)
    return scn.with_overrides(overrides, origin="population size")


def factor_values(scn: Scenario) -> dict[str, float | bool | int]:
    """The scenario's success factors (its ``[factors]`` table)."""
    return scn.factors.model_dump()


def apply_factors(scn: Scenario, factors: dict[str, object]) -> Scenario:
    """``scn`` with ``factors`` set for every group (scenario-wide and in every area)."""
    overrides: dict[str, object] = {f"factors.{k}": v for k, v in factors.items()}
    for i, area in enumerate(scn.areas):
        for k, v in factors.items():
            if getattr(area.factors, k) is not None:
                overrides[f"areas.{i}.factors.{k}"] = v
    return scn.with_overrides(overrides, origin="success factors") if overrides else scn


# --------------------------------------------------------------------------- typed fields


def parse_int(field_name: str, text: str, lo: int, hi: int, kept: int, lang: str) -> int:
    """A whole number in [lo, hi] typed into ``field_name``; else :class:`FieldError`."""
    raw = str(text).strip().replace("\u202f", "").replace(" ", "")
    if re.fullmatch(r"-?\d{1,3}([.,]\d{3})+", raw):  # thousands separators: 2.000 or 2,000
        raw = raw.replace(".", "").replace(",", "")
    try:
        value = int(raw)
    except ValueError:
        raise FieldError(
            field_name, t("err_not_int", lang, example=kept, value=text, kept=kept)
        ) from None
    if not lo <= value <= hi:
        raise FieldError(field_name, t("err_range", lang, lo=lo, hi=hi, value=value, kept=kept))
    return value


# --------------------------------------------------------------------------- the session


@dataclass(frozen=True)
class Settings:
    """What the user chose: scenario, population size, seed and success factors."""

    scenario: str | None = None
    residents: int | None = DEFAULT_RESIDENTS
    seed: int = 1
    factors: dict[str, object] = field(default_factory=dict)  # changes from the scenario


def settings_query(settings: Settings, lang: str) -> str:
    """The query string of a link that restores ``settings`` and the language.

    >>> settings_query(Settings("tilburg_style", 2000, 7, {"signs": True}), "en")
    'scenario=tilburg_style&residents=2000&seed=7&lang=en&signs=1'
    """
    from urllib.parse import urlencode

    query: dict[str, object] = {"scenario": settings.scenario or ""}
    if settings.residents is not None:
        query["residents"] = settings.residents
    query.update(seed=settings.seed, lang=lang)
    for name, value in settings.factors.items():
        query[name] = int(value) if isinstance(value, bool) else value
    return urlencode(query)


def settings_from_query(
    search: str | None, files: dict[str, Path], languages: tuple[str, ...]
) -> tuple[Settings, str | None, list[str]]:
    """Settings and language from a link's query string; what cannot be used is listed
    (parameter, value, what is allowed) and left at its default.

    >>> s, lang, bad = settings_from_query("seed=7&lang=en&signs=1&size=3", {}, ("nl", "en"))
    >>> s.seed, s.factors, lang, bad[0].split(" (")[0]
    (7, {'signs': True}, 'en', 'size=3: unknown parameter')
    """
    from urllib.parse import parse_qsl

    settings, lang, problems = Settings(), None, []
    factors: dict[str, object] = {}
    for key, raw in parse_qsl(search or "", keep_blank_values=True):
        try:
            if key == "scenario":
                if raw not in files:
                    raise ValueError(f"unknown scenario; allowed: {', '.join(files)}")
                settings = replace(settings, scenario=raw)
            elif key in ("residents", "seed"):
                lo, hi = (MIN_RESIDENTS, MAX_RESIDENTS) if key == "residents" else (0, MAX_SEED)
                value = int(raw)
                if not lo <= value <= hi:
                    raise ValueError(f"must be a whole number from {lo} to {hi}")
                settings = replace(settings, **{key: value})
            elif key == "lang":
                if raw not in languages:
                    raise ValueError(f"allowed: {', '.join(languages)}")
                lang = raw
            elif key in FACTOR_NAMES:
                kind = factor_kind(key)
                if kind == "switch":
                    if raw not in ("0", "1"):
                        raise ValueError("must be 0 or 1")
                    factors[key] = raw == "1"
                else:
                    lo, hi, _ = factor_bounds(key)
                    value = int(raw) if kind == "int" else float(raw)
                    if not lo <= value <= hi:
                        raise ValueError(f"must be between {lo:g} and {hi:g}")
                    factors[key] = value
            else:
                raise ValueError(
                    "unknown parameter (allowed: scenario, residents, seed, lang and the "
                    "success factors)"
                )
        except ValueError as e:
            message = str(e)
            if message.startswith("invalid literal"):
                message = "not a number"
            problems.append(f"{key}={raw}: {message}")
    return replace(settings, factors=factors), lang, problems


def factor_bounds(name: str) -> tuple[float, float, float]:
    """(min, max, step) of a numeric success factor, from the schema's bounds."""
    info = SuccessFactors.model_fields[name]
    lo = hi = None
    for m in info.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    lo = 0.0 if lo is None else float(lo)
    hi = 1.0 if hi is None else float(hi)
    step = 1.0 if info.annotation is int else (0.5 if hi > 1 else 0.05)
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    step = float(extra.get("step") or step)  # e.g. feedback delay: ten minutes
    return lo, hi, step


def slider_step(name: str, value: float) -> float:
    """The slider step of a numeric factor that lands exactly on ``value``: the schema's
    step (:func:`factor_bounds`), finer when the scenario's value lies between two steps
    (``0.01`` on a 0–60 scale keeps its ``0.01``).

    >>> slider_step("police_feedback", 0.9), slider_step("police_feedback", 0.33)
    (0.05, 0.01)
    >>> slider_step("feedback_delay_hours", 0.17)
    0.01
    """
    lo, _, step = factor_bounds(name)
    for candidate in [step] + [10.0**-k for k in range(7) if 10.0**-k < step]:
        if abs(round((value - lo) / candidate) * candidate + lo - value) < 1e-9:
            return candidate
    return 1e-6


def factor_kind(name: str) -> str:
    """'switch' for on/off factors, 'int' or 'float' for levels."""
    ann = SuccessFactors.model_fields[name].annotation
    return "switch" if ann is bool else "int" if ann is int else "float"


class Session:
    """A model the page drives: build from :class:`Settings`, step, change factors, survey."""

    def __init__(self, settings: Settings | None = None):
        self.files = scenario_files()
        settings = settings or Settings()
        wanted = settings.factors  # from a link: set after the scenario is loaded
        settings = replace(settings, factors={})
        if settings.scenario is None:
            settings = replace(settings, scenario=default_scenario_key(self.files))
        self.load_error: str | None = None
        try:
            self.base = load_named(settings.scenario, self.files)
        except UserError as e:  # a broken default file must not take the page down
            self.load_error = str(e)
            settings = replace(settings, scenario=None)
            self.base = Scenario()
        self.settings = settings
        self.last_step_ms = 0.0
        if wanted:
            base = factor_values(self.base)
            changed = {
                k: v for k, v in wanted.items() if v != base.get(k) or self._area_specific(k)
            }
            self.settings = replace(settings, factors=changed)
        try:
            self.build()
        except UserError as e:  # e.g. a linked size the scenario cannot be scaled to
            self.load_error = str(e)
            self.settings = replace(self.settings, residents=DEFAULT_RESIDENTS, factors={})
            self.build()

    # -- building --------------------------------------------------------------------------
    @property
    def scenario(self) -> Scenario:
        """The scenario as run: file, population size and the user's factor changes."""
        return apply_factors(
            scale_population(self.base, self.settings.residents), self.settings.factors
        )

    def build(self) -> None:
        """(Re)start at day 0 with the current settings."""
        from sim.model import NeighbourhoodModel

        self.model = NeighbourhoodModel(self.scenario, rng=self.settings.seed, headless=True)
        self.engine = self.model.engine
        self.extra_surveys: list[pd.DataFrame] = []
        self._columns: dict[str, list] = {}
        self._seen = 0
        self._survey_rng = np.random.default_rng([self.settings.seed, 7])

    def choose_scenario(self, key: str) -> None:
        """Load scenario ``key``; the factor changes are dropped (they belong to the old one)."""
        self.base = load_named(key, self.files)
        self.settings = replace(self.settings, scenario=key, factors={})
        self.build()

    def set_residents(self, residents: int) -> None:
        old = self.settings
        self.settings = replace(old, residents=residents)
        try:
            self.build()
        except UserError:
            self.settings = old
            raise

    def set_seed(self, seed: int) -> None:
        self.settings = replace(self.settings, seed=seed)
        self.build()

    def set_factor(self, name: str, value: object) -> None:
        """Change a success factor for all groups now (and for later resets)."""
        if name not in FACTOR_NAMES:
            raise FieldError(name, f"unknown success factor {name!r}")
        kind = factor_kind(name)
        value = bool(value) if kind == "switch" else int(value) if kind == "int" else float(value)
        lo, hi, _ = factor_bounds(name)
        if kind != "switch" and not lo <= value <= hi:
            raise FieldError(name, f"{name}: must be between {lo:g} and {hi:g}, got {value}")
        factors = dict(self.settings.factors)
        if value == factor_values(self.base).get(name) and not self._area_specific(name):
            factors.pop(name, None)
        else:
            factors[name] = value
        self.settings = replace(self.settings, factors=factors)
        self.engine.set_factor(name, float(value))

    def reset_factors(self) -> None:
        self.settings = replace(self.settings, factors={})
        self.build()

    def _area_specific(self, name: str) -> bool:
        return any(getattr(a.factors, name) is not None for a in self.base.areas)

    def current_factors(self) -> dict[str, object]:
        return {**factor_values(self.base), **self.settings.factors}

    def reset(self) -> None:
        self.build()

    # -- running ---------------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        """Advance ``n`` days; the time per day is kept in ``last_step_ms``."""
        start = time.perf_counter()
        for _ in range(n):
            if not self.model.running:
                break
            self.model.step()
        self.last_step_ms = 1000 * (time.perf_counter() - start) / max(n, 1)

    @property
    def day(self) -> int:
        return self.engine.day

    @property
    def finished(self) -> bool:
        return not self.model.running

    def daily(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(self.engine.records)

    def weekly(self) -> pd.DataFrame:
        """Weekly series so far: counts summed, levels averaged, like ``RunResult.weekly``;
        the running week's counts are scaled to 7 days. Kept up to date incrementally, so a
        redraw does not re-aggregate the whole history."""
        from sim.engine import COUNT_COLUMNS

        records = self.engine.records
        cols = self._columns
        for rec in records[self._seen :]:
            for k, v in rec.items():
                cols.setdefault(k, []).append(v)
        self._seen = len(records)
        if not records:
            return pd.DataFrame()
        day = np.asarray(cols["day"])
        week = day // 7
        starts = np.flatnonzero(np.r_[True, week[1:] != week[:-1]])
        days = np.diff(np.r_[starts, len(day)])
        out = {"week": week[starts]}
        for k, values in cols.items():
            if k == "day":
                continue
            x = np.asarray(values, dtype=float)
            if k in COUNT_COLUMNS:
                total = np.add.reduceat(x, starts)
                total[-1] *= 7 / days[-1]
                out[k] = total
            else:
                ok = np.isfinite(x)
                n = np.add.reduceat(ok.astype(float), starts)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[k] = np.add.reduceat(np.where(ok, x, 0.0), starts) / n
        return pd.DataFrame(out)

    # -- survey ----------------------------------------------------------------------------
    def take_survey(self) -> None:
        """Ask a sample of residents now, like a wave of the field survey."""
        from sim.survey import virtual_survey

        eng = self.engine
        cfg = self.scenario.survey
        pop = eng.pop
        if cfg.areas:
            eligible = np.isin(pop.area, [pop.area_names.index(a) for a in cfg.areas])
        elif pop.n_groups:
            eligible = np.isin(pop.area, np.unique(pop.group_area))
        else:
            eligible = np.ones(pop.n, dtype=bool)
        label = f"{NOW_PREFIX}{eng.day}"
        labels = {str(df["wave"].iloc[0]) for df in self.surveys()}
        if label in labels:
            return
        self.extra_surveys.append(
            virtual_survey(
                label, eng.day, eng.state, pop.area_names, pop.area, eligible, cfg, self._survey_rng
            )
        )

    def surveys(self) -> list[pd.DataFrame]:
        waves = [df for df in self.engine.surveys if len(df)]
        extra = [df for df in self.extra_surveys if len(df)]
        return sorted(waves + extra, key=lambda df: int(df["day"].iloc[0]))

    def survey_indicators(self) -> pd.DataFrame:
        """Indicators per wave and respondent group with 95 % intervals."""
        from sim.survey import indicators

        waves = self.surveys()
        if not waves:
            return pd.DataFrame(
                columns=["wave", "respondents", "indicator", "estimate", "ci_low", "ci_high", "n"]
            )
        return indicators(pd.concat(waves, ignore_index=True))

    def clear_surveys(self) -> None:
        self.extra_surveys = []


def wave_title(label: str, lang: str) -> str:
    """A wave label for display: page surveys as 'day N', the shipped waves ``pre`` and
    ``post`` in the page's language, a scenario's other waves as named.

    >>> wave_title("@120", "nl"), wave_title("pre", "nl"), wave_title("pre", "en")
    ('dag 120', 'voormeting', 'pre')
    >>> wave_title("post", "nl"), wave_title("na_de_zomer", "nl")
    ('nameting', 'na_de_zomer')
    """
    if label.startswith(NOW_PREFIX) and label[1:].isdigit():
        return t("wave_now", lang, day=int(label[1:]))
    if label in ("pre", "post"):
        return t(f"wave_{label}", lang)
    return label


def playback_plan(speed: float, render_seconds: float) -> tuple[int, float]:
    """Days per tick and seconds to wait so that play runs at ``speed`` days per second
    even when one redraw takes ``render_seconds`` (then several days go per redraw).

    >>> playback_plan(5, 0.05)
    (1, 0.15)
    >>> playback_plan(50, 0.1)
    (5, 0.0)
    """
    period = 1.0 / max(speed, 1e-6)
    days = max(1, math.ceil(render_seconds / period - 1e-9))
    wait = max(0.0, days * period - render_seconds)
    return days, round(wait, 6)
