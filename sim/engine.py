"""The headless engine: builds a neighbourhood and runs the daily process of :mod:`sim.rules`.

>>> from sim.scenario import Scenario
>>> result = simulate(Scenario(days=30, burn_in_days=0), seed=3)
>>> len(result.daily), result.metadata["seed"]
(30, 3)
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__, rules
from sim import day as day_compiled
from sim.logs import EventLog, Extras
from sim.population import build_population
from sim.record import add_group_posts, level_sums, tally
from sim.scenario import FACTOR_NAMES, Scenario
from sim.state import State
from sim.streams import spawn_streams
from sim.survey import empty_microdata, survey_wave

#: Counts summed per week (everything else in ``daily`` is a level, averaged per week).
COUNT_COLUMNS = (
    "crimes",
    "burglaries",
    "violent_crimes",
    "suspicious",
    "victims",
    "reports_112",
    "reports_0900",
    "reports_members",
    "posts_alert",
    "posts_stigmatising",
    "posts_chatter",
    "posts_feedback",
    "posts_keepalive",
    "arrests",
    "confrontations",
    "joined",
    "left",
    "crimes_reported",
    "went_to_look",
    "escalations",
    "conflicts",
    "left_after_conflict",
)


class Engine:
    """One neighbourhood and its state; :meth:`step` advances one day.

    The public arrays (``pop`` and ``state``) are what the Mesa face and the app read.
    Each submodel draws from its own stream of ``rng`` (:mod:`sim.streams`), so runs that
    differ in one mechanism share the other submodels' random numbers. ``extras`` chooses the
    opt-in event logs (:mod:`sim.logs`); without them ``log`` is None and nothing extra is
    recorded.
    """

    def __init__(
        self,
        scenario: Scenario,
        rng: np.random.Generator,
        extras: Extras | None = None,
        compiled_day: bool = True,
    ):
        self.scenario = scenario
        #: :meth:`run` runs ordinary days with the compiled twin of :meth:`step`
        #: (:mod:`sim.day`, bit-identical); False: every day through :meth:`step`.
        self.compiled_day = compiled_day
        self.rng = rng
        self.streams = spawn_streams(rng)
        self.pop = build_population(scenario, self.streams["population"])
        self.state = State(self.pop, scenario, self.streams["population"])
        self.state.open_groups(np.flatnonzero(self.state.planned_start == 0))
        rules.form_groups(self.pop, self.state, scenario, self.streams["formation"])
        self.records: list[dict[str, float]] = []
        self.surveys: list[pd.DataFrame] = []
        self.group_totals = np.zeros((self.pop.n_groups, 5))  # alerts chatter fb reports silent
        self.today: dict[str, Any] = {}
        self._week_alerts = np.zeros(self.pop.n_groups)
        self._weeks_measured = np.zeros(self.pop.n_groups, dtype=np.int64)
        self._with_groups = (
            np.isin(self.pop.area, np.unique(self.pop.group_area))
            if self.pop.n_groups
            else np.ones(self.pop.n, dtype=bool)
        )
        self._n_with_groups = int(self._with_groups.sum())
        self._with_groups_u8 = self._with_groups.view(np.uint8)
        self.waves = {w.day: w.label for w in scenario.survey.waves}
        self.fieldwork: list[dict[str, Any]] = []  # per wave: who was asked, who answered
        self._panel_roster: np.ndarray | None = None
        self.log = EventLog(self, extras) if extras is not None and extras.any else None
        self._python_days: list[int] | None = None  # days the compiled day leaves to step
        self.days_compiled = 0  # days run by the compiled day (:mod:`sim.day`) so far

    # -- convenience views -----------------------------------------------------------------
    @property
    def day(self) -> int:
        return self.state.day

    @property
    def member(self) -> np.ndarray:
        return self.state.member

    @property
    def admin(self) -> np.ndarray:
        return self.state.admin

    @property
    def worry(self) -> np.ndarray:
        return self.state.worry

    # -- control -------------------------------------------------------------------------
    def set_factor(self, name: str, value: float, areas: list[str] | None = None) -> None:
        """Set a success factor for the groups of ``areas`` (all when None) from now on."""
        if name not in FACTOR_NAMES:
            raise KeyError(f"unknown success factor {name!r}")
        mask = np.ones(self.pop.n_groups, dtype=bool)
        if areas:
            idx = [self.pop.area_names.index(a) for a in areas]
            mask = np.isin(self.pop.group_area, idx)
        self.state.factors[name][mask] = float(value)

    def _interventions(self) -> None:
        for iv in self.scenario.interventions:
            if iv.day == self.day:
                for name, value in iv.set.model_dump(exclude_none=True).items():
                    self.set_factor(name, value, iv.areas or None)

    # -- the day ---------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one day (the order is documented in :mod:`sim.rules`)."""
        pop, st, scn, rs = self.pop, self.state, self.scenario, self.streams
        self._interventions()
        if scn.membership.invited_share > 0 and self.day == scn.membership.invitation_day:
            rules.invite_streets(pop, st, scn, rs["invitation"])
        rules.found_groups(pop, st, scn, rs["founding"])
        ev = rules.incidents(pop, st, scn, rs["incidents"])
        rules.victimise(pop, st, ev, scn)
        witness_event, witness = rules.notice(pop, st, ev, rs["noticing"])
        resp = rules.respond(pop, st, ev, witness_event, witness, scn, rs["response"])
        rules.go_and_look(pop, st, ev, resp, scn, rs["response"])
        arrests = rules.police(pop, st, ev, resp, scn, rs["police"])
        traffic = rules.group_messages(pop, st, ev, resp, scn, rs["messages"])
        rules.read_messages(pop, st, traffic, scn)
        rules.word_of_mouth(pop, st, resp, scn)
        rules.remember(st, scn)
        left = rules.leave_groups(pop, st, scn, rs["leaving"])
        joined = rules.join_groups(pop, st, scn, rs["joining"])
        rules.end_groups(pop, st, scn)
        self._record(ev, resp, traffic, arrests, joined, left)
        if self.day in self.waves:
            self._survey(self.waves[self.day])
        st.day += 1

    def run(self, days: int, progress: Callable[[int, int], None] | None = None) -> None:
        """Run ``days`` days; ``progress(done, total)`` is called every 10 days (once per
        compiled stretch of days). Ordinary days run compiled (:mod:`sim.day`) when
        ``compiled_day`` is set; days that need Python, and always the last one (so that
        ``today`` describes it), run through :meth:`step`. The results are the same."""
        done = 0
        while done < days:
            n = self._compiled_days(days - done - 1)
            if n == 0:
                self.step()
                n = 1
            before, done = done, done + n
            if progress and (done // 10 > before // 10 or done == days):
                progress(done, days)

    def _compiled_days(self, limit: int) -> int:
        """Run up to ``limit`` ordinary days compiled; how many ran (0: run a Python day)."""
        if not self.compiled_day or limit <= 0 or not day_compiled.can_run(self):
            return 0
        if "step" in vars(self) or any(  # a subclass or a test changed the Python day
            getattr(type(self), name) is not getattr(Engine, name)
            for name in ("step", "_record", "_levels", "_interventions")
        ):
            return 0
        if self._python_days is None:
            self._python_days = sorted(day_compiled.python_days(self))
        k = bisect.bisect_left(self._python_days, self.day)
        if k < len(self._python_days):
            limit = min(limit, self._python_days[k] - self.day)
        done = day_compiled.run_segment(self, limit) if limit > 0 else 0
        self.days_compiled += done
        return done

    # -- measurement -----------------------------------------------------------------------
    def _levels(self) -> dict[str, float]:
        """Members and the mean levels of members and non-members now."""
        st, pop = self.state, self.pop
        n_members = int(st.members_per_group.sum()) if pop.n_groups else 0
        sums, n_unsafe, victims = level_sums(
            st.levels,
            st.member.view(np.uint8),
            self._with_groups_u8,
            self.scenario.survey.unsafe_sometimes,
            st.last_violence_day,
            st.last_victim_day,
            st.day - 365,
        )
        counts = np.array([n_members, self._n_with_groups - n_members])
        with np.errstate(invalid="ignore", divide="ignore"):
            (
                (worry_m, worry_n),
                (will_m, will_n),
                (eff_m, eff_n),
                (prox_m, prox_n),
                _,
                (unsafe_m, unsafe_n),
            ) = (sums / counts).tolist()
        return {
            "members": n_members,
            "worry_members": worry_m,
            "worry_nonmembers": worry_n,
            "unsafe_members": unsafe_m,
            "unsafe_nonmembers": unsafe_n,
            "unsafe_all": n_unsafe / pop.n,
            "willingness_members": will_m,
            "willingness_nonmembers": will_n,
            "proximity_members": prox_m,
            "proximity_nonmembers": prox_n,
            "efficacy_members": eff_m,
            "efficacy_nonmembers": eff_n,
            "groups_active": int(st.group_active.sum()),
            "violence_victims_12m": int(victims[0]),
            "unsafe_violence_victims_12m": int(victims[1]),
            "non_victims_12m": int(victims[2]),
            "unsafe_non_victims_12m": int(victims[3]),
        }

    def start_record(self) -> dict[str, float]:
        """A record of the state before day 0 (levels now, no events yet)."""
        return {**self._levels(), **dict.fromkeys(COUNT_COLUMNS, 0)}

    def _record(self, ev, resp, traffic, arrests, joined: int, left: int) -> None:
        st, pop = self.state, self.pop
        kinds, counts, posts = tally(
            (ev.kind, ev.victim, ev.is_crime),
            (resp.caller, resp.caller_event, resp.call_112, st.member),
            (traffic.alerts, traffic.stigmatising, traffic.chatter, traffic.feedback),
            (traffic.keepalive, arrests, resp.went_to_look, resp.escalated, resp.conflict),
            len(rules.KINDS),
        )
        n_victims, n_112, n_members, n_reported = counts.tolist()
        n_alerts, n_stigma, n_chatter, n_feedback, n_keepalive = posts[:5].tolist()
        n_arrests, n_looked, n_escalated, n_conflicts = posts[5:].tolist()
        rec = {
            "day": st.day,
            **self._levels(),
            "crimes": int(len(ev.kind) - kinds[rules.SUSPICIOUS]),
            "burglaries": int(kinds[rules.BURGLARY]),
            "violent_crimes": int(kinds[rules.VIOLENCE]),
            "suspicious": int(kinds[rules.SUSPICIOUS]),
            "victims": n_victims,
            "reports_112": n_112,
            "reports_0900": len(resp.call_112) - n_112,
            "reports_members": n_members,
            "crimes_reported": n_reported,
            "posts_alert": n_alerts,
            "posts_stigmatising": n_stigma,
            "posts_chatter": n_chatter,
            "posts_feedback": n_feedback,
            "posts_keepalive": n_keepalive,
            "arrests": n_arrests,
            "confrontations": resp.confrontations,
            "joined": joined,
            "left": left,
            "minutes_to_call": _mean(resp.call_minutes),
            "arrival_minutes_112": _mean(resp.arrival_minutes[resp.caller_event[resp.call_112]]),
            "went_to_look": n_looked,
            "escalations": n_escalated,
            "conflicts": n_conflicts,
            "left_after_conflict": int(st.left_after_conflict),
        }
        self.records.append(rec)
        if pop.n_groups:
            add_group_posts(
                resp.caller,
                st.member,
                pop.street,
                st.group_of_street,
                (traffic.alerts, traffic.chatter, traffic.feedback),
                self.group_totals,
                self._week_alerts,
            )
            if st.day % 7 == 6:  # a week ends: count groups that posted no alert in it
                if st.day >= self.scenario.burn_in_days:
                    self.group_totals[:, 4] += (self._week_alerts == 0) & st.group_active
                    self._weeks_measured += st.group_active
                self._week_alerts[:] = 0
        if self.log is not None:
            self.log.day(ev, resp, traffic, arrests)
        self.today = {
            "incident_streets": ev.street,
            "incident_kinds": ev.kind,
            "alert_streets": ev.street[resp.alerted],
            "victims": ev.victim[ev.victim >= 0],
            "arrests": int(arrests.sum()),
        }

    def _survey(self, label: str) -> None:
        cfg = self.scenario.survey
        if cfg.areas:
            eligible = np.isin(self.pop.area, [self.pop.area_names.index(a) for a in cfg.areas])
        else:
            eligible = self._with_groups
        wave, self._panel_roster, fieldwork = survey_wave(
            label,
            self.day,
            self.state,
            self.pop.area_names,
            self.pop.area,
            eligible,
            cfg,
            self.streams["survey"],
            self._panel_roster,
        )
        self.surveys.append(wave)
        self.fieldwork.append(fieldwork)
        if self.log is not None and self.log.extras.panel:
            self.log.observe(label)

    def group_table(self) -> pd.DataFrame:
        """One row per group: area, size, traffic and reports so far, factors now."""
        pop, st = self.pop, self.state
        months = max(self.day, 1) / 30.4375
        members = st.members_per_group
        mem_worry = np.bincount(
            st.resident_group[st.member], st.worry[st.member], minlength=pop.n_groups
        ) / np.maximum(members, 1)
        t = self.group_totals
        df = pd.DataFrame(
            {
                "group": pop.group_names,
                "area": [pop.area_names[a] for a in pop.group_area],
                "streets": np.bincount(
                    pop.group_of_street[pop.group_of_street >= 0], minlength=pop.n_groups
                ),
                "adults": st.group_adults,
                "members": members,
                "participation": members / np.maximum(st.group_adults, 1),
                "admins": np.bincount(st.resident_group[st.admin], minlength=pop.n_groups),
                "start_day": pd.array(
                    np.where(st.group_start_day >= 0, st.group_start_day, None), dtype="Int64"
                ),
                "end_day": pd.array(
                    np.where(st.group_end_day >= 0, st.group_end_day, None), dtype="Int64"
                ),
                "worry_members": mem_worry,
                "alerts": t[:, 0],
                "chatter": t[:, 1],
                "feedback": t[:, 2],
                "reports": t[:, 3],
                "silent_weeks": t[:, 4],
                "weeks_measured": self._weeks_measured,
                "reports_per_month": t[:, 3] / months,
                "alerts_per_month": t[:, 0] / months,
                **{f"factor_{name}": st.factors[name] for name in FACTOR_NAMES},
            }
        )
        return df

    def extra_tables(self) -> dict[str, pd.DataFrame]:
        """The opt-in event logs recorded so far (empty without extras)."""
        return self.log.tables() if self.log is not None else {}

    def result(self, seed: int | None) -> RunResult:
        """Everything measured so far as a :class:`RunResult`."""
        daily = pd.DataFrame.from_records(self.records)
        survey = pd.concat(self.surveys, ignore_index=True) if self.surveys else empty_microdata()
        extras = self.extra_tables()
        groups = self.group_table()
        if "group_totals" in extras:
            groups = pd.concat([groups, extras.pop("group_totals")], axis=1)
        return RunResult(
            scenario=self.scenario,
            seed=seed,
            daily=daily,
            groups=groups,
            survey=survey,
            extras=extras,
            metadata={
                "scenario_name": self.scenario.name,
                "scenario_hash": self.scenario.content_hash(),
                "seed": seed,
                "version": __version__,
                "days": self.day,
                "burn_in_days": self.scenario.burn_in_days,
                "residents": self.pop.n,
                "households": int(self.pop.households_of_street.sum()),
                "streets": self.pop.n_streets,
                "groups": self.pop.n_groups,
                "survey_fieldwork": self.fieldwork,
                "outputs": list(self.log.extras.names) if self.log is not None else [],
            },
        )


def _mean(x: np.ndarray) -> float:
    """Mean of the values that are not NaN (NaN when there are none)."""
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else float("nan")


@dataclass
class RunResult:
    """The outputs of one run: daily series, per-group table, survey microdata, metadata, and
    the opt-in event logs in ``extras`` (``group_weeks``, ``incidents``, ``panel``,
    ``panel_events``; see :mod:`sim.output_tables`)."""

    scenario: Scenario
    seed: int | None
    daily: pd.DataFrame
    groups: pd.DataFrame
    survey: pd.DataFrame
    metadata: dict = field(default_factory=dict)
    extras: dict[str, pd.DataFrame] = field(default_factory=dict)

    def measured(self) -> pd.DataFrame:
        """Daily rows after the burn-in (all rows if the run is shorter than the burn-in)."""
        m = self.daily[self.daily["day"] >= self.scenario.burn_in_days]
        return m if len(m) else self.daily

    def weekly(self) -> pd.DataFrame:
        """Weekly series: counts summed, levels averaged; ``week`` 0 starts on day 0 and
        ``days`` says how many days a week has (the last one may be partial)."""
        d = self.daily.assign(week=self.daily["day"] // 7)
        agg = {
            c: ("sum" if c in COUNT_COLUMNS else "mean")
            for c in d.columns
            if c not in ("day", "week")
        }
        agg["days"] = ("day", "count")
        return d.groupby("week", as_index=False).agg(
            **{k: v if isinstance(v, tuple) else (k, v) for k, v in agg.items()}
        )

    def summary(self) -> dict[str, float]:
        """Scalar outcomes over the measured period (see docs/odd.md, 'Observation')."""
        m = self.measured()
        years = len(m) / 365.25
        months = len(m) / 30.4375
        n_groups = max(self.metadata["groups"], 1)
        households = self.metadata["households"]
        residents = self.metadata["residents"]
        crimes = m["crimes"].sum()
        alerts = m["posts_alert"].sum()
        g = self.groups
        has_groups = self.metadata["groups"] > 0
        out = {
            "participation": m["members"].mean() / residents,
            "members_per_group": m["members"].mean() / n_groups if has_groups else 0.0,
            "worry_members": m["worry_members"].mean(),
            "worry_nonmembers": m["worry_nonmembers"].mean(),
            "unsafe_members": m["unsafe_members"].mean(),
            "unsafe_nonmembers": m["unsafe_nonmembers"].mean(),
            "unsafe_all": m["unsafe_all"].mean(),
            "crimes_per_1000": 1000 * crimes / households / years,
            "burglaries_per_1000": 1000 * m["burglaries"].sum() / households / years,
            "victimisation_rate": m["victims"].sum() / residents / years,
            "reported_share": m["crimes_reported"].sum() / crimes if crimes else float("nan"),
            "reports_per_group_month": m["reports_members"].sum() / n_groups / months
            if has_groups
            else 0.0,
            "alerts_per_group_month": alerts / n_groups / months if has_groups else 0.0,
            "chatter_per_group_month": m["posts_chatter"].sum() / n_groups / months
            if has_groups
            else 0.0,
            "feedback_per_group_month": m["posts_feedback"].sum() / n_groups / months
            if has_groups
            else 0.0,
            "stigmatising_share": m["posts_stigmatising"].sum() / alerts if alerts else 0.0,
            "arrests_per_year": m["arrests"].sum() / years,
            "willingness_members": m["willingness_members"].mean(),
            "willingness_nonmembers": m["willingness_nonmembers"].mean(),
            "proximity_members": m["proximity_members"].mean(),
            "proximity_nonmembers": m["proximity_nonmembers"].mean(),
            "silent_weeks_share": g["silent_weeks"].sum() / g["weeks_measured"].sum()
            if has_groups and g["weeks_measured"].sum()
            else float("nan"),
            "confrontations_per_year": m["confrontations"].sum() / years,
            "victim_fear_ratio": _ratio(
                m["unsafe_violence_victims_12m"].sum() / max(m["violence_victims_12m"].sum(), 1),
                m["unsafe_non_victims_12m"].sum() / max(m["non_victims_12m"].sum(), 1),
            )
            if m["violence_victims_12m"].sum()
            else float("nan"),
            "violence_per_1000": 1000 * m["violent_crimes"].sum() / residents / years,
        }
        out["worry_gap"] = out["worry_members"] - out["worry_nonmembers"]
        out["unsafe_gap"] = out["unsafe_members"] - out["unsafe_nonmembers"]
        return {k: float(v) for k, v in out.items()}


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    days: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    extras: Extras | None = None,
    compiled_day: bool = True,
) -> RunResult:
    """Run ``scenario`` headless for ``days`` (default: the scenario's) with ``seed``
    (default: the scenario's), recording the opt-in ``extras``. The same seed gives the same
    result in any process, with or without extras, and with or without ``compiled_day``
    (False runs every day through :meth:`Engine.step`)."""
    seed = scenario.seed if seed is None else seed
    engine = Engine(scenario, np.random.default_rng(seed), extras, compiled_day)
    engine.run(scenario.days if days is None else days, progress)
    return engine.result(seed)
