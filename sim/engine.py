"""The headless engine: builds a neighbourhood and runs the daily process of :mod:`sim.rules`.

>>> from sim.scenario import Scenario
>>> result = simulate(Scenario(days=30, burn_in_days=0), seed=3)
>>> len(result.daily), result.metadata["seed"]
(30, 3)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

from sim import __version__, rules
from sim.logs import EventLog, Extras
from sim.population import build_population
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

    def __init__(self, scenario: Scenario, rng: np.random.Generator, extras: Extras | None = None):
        self.scenario = scenario
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
        """Run ``days`` days; ``progress(done, total)`` is called every 10 days."""
        for i in range(days):
            self.step()
            if progress and (i % 10 == 9 or i == days - 1):
                progress(i + 1, days)

    # -- measurement -----------------------------------------------------------------------
    def _levels(self) -> dict[str, float]:
        """Members and the mean levels of members and non-members now."""
        st, pop = self.state, self.pop
        n_members = int(st.members_per_group.sum()) if pop.n_groups else 0
        sums, n_unsafe, victims = _sums(
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
        kinds, counts, posts = _tally(
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
            _add_group_posts(
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
            }
        )
        for name in FACTOR_NAMES:
            df[f"factor_{name}"] = st.factors[name]
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


@njit(cache=True, nogil=True)
def _tally(incidents, calls, posts, outcomes, n_kinds):
    """Today's counts for the daily record: incidents per kind; victims, 112 calls, calls by
    members and crimes reported; and the sums of the day's posts per type (alerts,
    stigmatising, chatter, feedback, keep-alive), arrests, members who went to look,
    escalations and conflicts (all whole numbers, so the order of summing does not matter)."""
    kind, victim, is_crime = incidents
    caller, caller_event, call_112, member = calls
    kinds = np.zeros(n_kinds, dtype=np.int64)
    counts = np.zeros(4, dtype=np.int64)
    for e in range(len(kind)):
        kinds[kind[e]] += 1
        counts[0] += victim[e] >= 0
    reported = np.zeros(len(kind), dtype=np.bool_)
    for k in range(len(caller)):
        counts[1] += call_112[k]
        counts[2] += member[caller[k]]
        reported[caller_event[k]] = True
    for e in range(len(kind)):
        counts[3] += reported[e] and is_crime[e]
    sums = np.zeros(9, dtype=np.int64)
    for j, x in enumerate(posts):
        total = 0.0
        for v in x:
            total += v
        sums[j] = int(total)
    keepalive, arrests, looked, escalated, conflict = outcomes
    total = 0.0
    for v in keepalive:
        total += v
    sums[4] = int(total)
    sums[5], sums[6] = arrests.sum(), looked.sum()
    sums[7], sums[8] = escalated.sum(), conflict.sum()
    return kinds, counts, sums


@njit(cache=True, nogil=True)
def _add_group_posts(caller, member, street, group_of_street, posts, totals, week_alerts):
    """Add today's alerts, chatter, feedback (columns 0–2 of ``totals``) and member reports
    (column 3, by the group covering the caller's street) per group; alerts also to the
    week's."""
    for j, x in enumerate(posts):
        for g in range(len(x)):
            totals[g, j] += x[g]
    for g in range(len(posts[0])):
        week_alerts[g] += posts[0][g]
    reports = np.zeros(totals.shape[0])
    for i in caller:
        if member[i]:
            g = group_of_street[street[i]]
            if g >= 0:
                reports[g] += 1
    for g in range(totals.shape[0]):
        totals[g, 3] += reports[g]


@njit(cache=True, nogil=True, fastmath=True)  # sums in any order: last-bit differences only
def _sums(levels, member, with_groups, unsafe_from, violence_day, victim_day, year_ago):
    """Sums of each level (rows) and of 'feels unsafe' (last row) over members (column 0) and
    non-members in areas with groups (column 1); how many residents feel unsafe; and (F4)
    the residents victimised by violence after ``year_ago`` and those not victimised at all
    since, each with how many of them feel unsafe."""
    n_rows, n = levels.shape
    sums = np.zeros((n_rows + 1, 2))
    for row in range(n_rows):
        in_members = 0.0
        in_others = 0.0
        for i in range(n):
            m = float(member[i])
            in_members += m * levels[row, i]
            in_others += (float(with_groups[i]) - m) * levels[row, i]
        sums[row, 0] = in_members
        sums[row, 1] = in_others
    n_unsafe = in_members = in_others = 0.0
    victims = np.zeros(4, dtype=np.int64)
    for i in range(n):
        afraid = levels[0, i] >= unsafe_from
        unsafe = 1.0 if afraid else 0.0
        m = float(member[i])
        n_unsafe += unsafe
        in_members += unsafe * m
        in_others += unsafe * (float(with_groups[i]) - m)
        if violence_day[i] > year_ago:
            victims[0] += 1
            victims[1] += afraid
        elif victim_day[i] <= year_ago:
            victims[2] += 1
            victims[3] += afraid
    sums[n_rows, 0] = in_members
    sums[n_rows, 1] = in_others
    return sums, int(n_unsafe), victims


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
) -> RunResult:
    """Run ``scenario`` headless for ``days`` (default: the scenario's) with ``seed``
    (default: the scenario's), recording the opt-in ``extras``. The same seed gives the same
    result in any process, with or without extras."""
    seed = scenario.seed if seed is None else seed
    engine = Engine(scenario, np.random.default_rng(seed), extras)
    engine.run(scenario.days if days is None else days, progress)
    return engine.result(seed)
