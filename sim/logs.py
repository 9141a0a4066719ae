"""Opt-in event logs of a run: per-group weekly log, incident log and resident panel.

Chosen with :class:`Extras` (``buurtsim run --outputs groups,incidents,panel``). With no
extras the engine keeps no :class:`EventLog` and pays nothing. Every column is described
in :mod:`sim.output_tables` (and so in ``docs/outputs.md``).

>>> Extras.parse("groups,panel").names
('groups', 'panel')
>>> Extras.parse("")
Extras(groups=False, incidents=False, panel=False, panel_size=2000, panel_every=30)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim import rules
from sim.errors import UserError
from sim.population import TRAITS
from sim.state import LEVELS

if TYPE_CHECKING:
    from sim.engine import Engine

EXTRAS = ("groups", "incidents", "panel")

#: Counters of the per-group weekly log, in the order of the accumulator's columns.
GROUP_COUNTS = (
    "joins",
    "leaves",
    "alerts",
    "false_alarms",
    "stigmatising",
    "chatter",
    "admin_followups",
    "police_feedback",
    "feedback_delay_days_sum",
    "keepalive",
    "calls_112",
    "calls_0900",
    "arrests",
    "confrontations",
    "went_to_look",
)
_C = {name: k for k, name in enumerate(GROUP_COUNTS)}


@dataclass(frozen=True)
class Extras:
    """Which extra outputs a run records (all off by default)."""

    groups: bool = False
    incidents: bool = False
    panel: bool = False
    panel_size: int = 2000  # residents followed (all if fewer)
    panel_every: int = 30  # days between panel observations

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n in EXTRAS if getattr(self, n))

    @property
    def any(self) -> bool:
        return bool(self.names)

    @classmethod
    def parse(cls, text: str | None, **options: int) -> Extras:
        """``"groups,incidents,panel"`` (any subset, comma-separated; ``all``; empty = none)."""
        names = [t.strip() for t in (text or "").split(",") if t.strip()]
        if names == ["all"]:
            names = list(EXTRAS)
        unknown = [n for n in names if n not in EXTRAS]
        if unknown:
            raise UserError(
                f"--outputs: unknown output {unknown[0]!r}; allowed: {', '.join(EXTRAS)} "
                f"(comma-separated) or all"
            )
        return replace(cls(**{n: True for n in names}), **options)


class EventLog:
    """Records the chosen extras during a run; :meth:`tables` returns them as DataFrames."""

    def __init__(self, engine: Engine, extras: Extras):
        self.engine, self.extras = engine, extras
        pop, st = engine.pop, engine.state
        self.n_groups = pop.n_groups
        # groups
        self._acc = np.zeros((pop.n_groups, len(GROUP_COUNTS)))
        self._closed = np.zeros_like(self._acc)  # totals of the closed weeks
        self._weeks: list[tuple[int, int, np.ndarray, np.ndarray]] = []
        self._week_days = 0
        # incidents
        self._incidents: list[dict[str, np.ndarray]] = []
        # panel
        self.sample = np.zeros(0, dtype=np.int64)
        if extras.panel:
            size = min(extras.panel_size, pop.n)
            # a systematic sample: residents are stored street by street, so every k-th
            # resident spreads the sample over all streets (no random numbers are used)
            self.sample = (np.arange(size) * pop.n // max(size, 1)).astype(np.int64)
        self._in_sample = np.zeros(pop.n, dtype=bool)
        self._in_sample[self.sample] = True
        self._victimisations = np.zeros(pop.n, dtype=np.int64)
        self._observations: list[pd.DataFrame] = []
        self._events: list[tuple[int, int, str, str]] = []
        founders = st.members()
        for i in founders[self._in_sample[founders]]:
            self._events.append((int(i), 0, "founding_member", ""))
        if extras.groups or extras.panel:
            st.on_membership = self._membership

    # -- hooks -------------------------------------------------------------------------
    def _membership(self, who: np.ndarray, joined: bool) -> None:
        st = self.engine.state
        if self.extras.groups:
            g = st.resident_group[who]
            self._acc[:, _C["joins" if joined else "leaves"]] += np.bincount(
                g, minlength=self.n_groups
            )
        if self.extras.panel:
            event = "join" if joined else "leave"
            for i in who[self._in_sample[who]]:
                self._events.append((int(i), st.day, event, ""))

    def day(self, ev: rules.Events, resp: rules.Responses, traffic, arrests: np.ndarray) -> None:
        """Record today's events (called at the end of each day, before surveys)."""
        eng = self.engine
        pop, st = eng.pop, eng.state
        g_ev = pop.group_of_street[ev.street]
        member_call = st.member[resp.caller]
        if self.extras.groups and self.n_groups:
            self._day_groups(ev, resp, traffic, arrests, g_ev, member_call)
        if self.extras.incidents:
            self._day_incidents(ev, resp, arrests, g_ev, member_call)
        if self.extras.panel:
            v = ev.victim >= 0
            victims, kinds = ev.victim[v], ev.kind[v]
            np.add.at(self._victimisations, victims, 1)
            for i, k in zip(victims, kinds, strict=True):
                if self._in_sample[i]:
                    self._events.append((int(i), st.day, "victimised", rules.KINDS[k]))
            if st.day % self.extras.panel_every == 0 and st.day not in eng.waves:
                self.observe("")  # on a wave day the survey observes, with the wave's label

    def _day_groups(self, ev, resp, traffic, arrests, g_ev, member_call) -> None:
        st, n_g, acc = self.engine.state, self.n_groups, self._acc

        def per_group(mask: np.ndarray, weights=None) -> np.ndarray:
            return np.bincount(g_ev[mask], weights=weights, minlength=n_g)

        acc[:, _C["alerts"]] += traffic.alerts
        acc[:, _C["false_alarms"]] += per_group(resp.alerted & ~ev.is_crime)
        acc[:, _C["stigmatising"]] += traffic.stigmatising
        acc[:, _C["chatter"]] += traffic.chatter
        fb = st.feedback_today
        police_fb = np.bincount(fb[:, 0], minlength=n_g)
        acc[:, _C["police_feedback"]] += police_fb
        acc[:, _C["admin_followups"]] += traffic.feedback - police_fb
        acc[:, _C["feedback_delay_days_sum"]] += np.bincount(
            fb[:, 0], weights=st.day - fb[:, 1], minlength=n_g
        )
        acc[:, _C["keepalive"]] += traffic.keepalive
        g_call = st.resident_group[resp.caller[member_call]]
        by_112 = resp.call_112[member_call]
        acc[:, _C["calls_112"]] += np.bincount(g_call[by_112], minlength=n_g)
        acc[:, _C["calls_0900"]] += np.bincount(g_call[~by_112], minlength=n_g)
        called = np.zeros(len(ev.kind), dtype=bool)
        called[resp.caller_event[member_call]] = True
        acc[:, _C["arrests"]] += per_group(arrests & (g_ev >= 0) & (resp.alerted | called))
        acc[:, _C["confrontations"]] += per_group(resp.confronted)
        looked = resp.went_to_look > 0
        acc[:, _C["went_to_look"]] += per_group(looked, resp.went_to_look[looked])
        self._week_days += 1
        if st.day % 7 == 6:
            self._close_week()

    def _close_week(self) -> None:
        st = self.engine.state
        week = st.day // 7
        self._weeks.append((week, self._week_days, st.members_per_group.copy(), self._acc.copy()))
        self._closed += self._acc
        self._acc[:] = 0
        self._week_days = 0

    def _day_incidents(self, ev, resp, arrests, g_ev, member_call) -> None:
        st, pop = self.engine.state, self.engine.pop
        n_ev = len(ev.kind)

        def per_event(idx: np.ndarray) -> np.ndarray:
            return np.bincount(idx, minlength=n_ev)

        witnesses = per_event(resp.witness_event)
        self._incidents.append(
            {
                "day": np.full(n_ev, st.day, dtype=np.int64),
                "street": ev.street.astype(np.int64),
                "area": pop.area_of_street[ev.street].astype(np.int64),
                "group": g_ev.astype(np.int64),
                "kind": ev.kind.astype(np.int64),
                "in_progress": ev.in_progress.copy(),
                "victim": ev.victim.astype(np.int64),
                "witnesses": witnesses,
                "noticed": witnesses > 0,
                "calls": per_event(resp.caller_event),
                "calls_112": per_event(resp.caller_event[resp.call_112]),
                "member_calls": per_event(resp.caller_event[member_call]),
                "posted": resp.alerted.copy(),
                "stigmatising": resp.stigmatising.copy(),
                "confrontation": resp.confronted.copy(),
                "police_came": resp.police_came.copy(),
                "arrest": arrests.copy(),
                "feedback": resp.feedback.copy(),
                "duration_minutes": ev.duration.copy(),
                "minutes_to_call": resp.call_minutes.copy(),
                "arrival_minutes": resp.arrival_minutes.copy(),
                "went_to_look": resp.went_to_look.astype(np.int64),
                "escalated": resp.escalated.copy(),
                "conflict": resp.conflict.copy(),
            }
        )

    def observe(self, wave: str) -> None:
        """A panel observation of the sampled residents now (end of today)."""
        if len(self.sample):
            self._observations.append(self._observation(wave, self.engine.state.day))

    def _observation(self, wave: str, day: int) -> pd.DataFrame:
        st, i = self.engine.state, self.sample
        row = {
            "resident": i,
            "day": np.full(len(i), day, dtype=np.int64),
            "wave": wave,
            "member": st.member[i].copy(),
            "role": np.where(st.admin[i], "administrator", np.where(st.member[i], "member", "")),
        }
        for k, (level, _) in enumerate(LEVELS):
            row[level] = st.levels[k, i].copy()
        row["fatigue"] = st.fatigue[i].copy()
        row["victimisations"] = self._victimisations[i].copy()
        return pd.DataFrame(row)

    def running_total(self, group: int, name: str) -> int:
        """``name`` (one of :data:`GROUP_COUNTS`) of ``group`` so far."""
        k = _C[name]
        return int(self._closed[group, k] + self._acc[group, k])

    # -- tables -----------------------------------------------------------------------
    def group_weeks(self) -> pd.DataFrame:
        """One row per group per week (the current partial week included)."""
        st = self.engine.state
        weeks = list(self._weeks)
        if self._week_days:
            weeks.append(((st.day - 1) // 7, self._week_days, st.members_per_group, self._acc))
        n_g = self.n_groups
        cols: dict[str, np.ndarray] = {
            "group": np.tile(np.arange(n_g), len(weeks)),
            "week": np.repeat([w[0] for w in weeks], n_g),
            "days": np.repeat([w[1] for w in weeks], n_g),
            "members": np.concatenate([w[2] for w in weeks]) if weeks else np.zeros(0, int),
        }
        acc = np.vstack([w[3] for w in weeks]) if weeks else np.zeros((0, len(GROUP_COUNTS)))
        for name, k in _C.items():
            cols[name] = acc[:, k].astype(np.int64)
        df = pd.DataFrame(cols)
        df.insert(1, "group_name", np.asarray(self.engine.pop.group_names, dtype=object)[df.group])
        delay = df.pop("feedback_delay_days_sum")
        with np.errstate(invalid="ignore", divide="ignore"):
            df["feedback_delay_days"] = delay / df["police_feedback"].where(
                df["police_feedback"] > 0
            )
        df.attrs["delay_sum"] = delay
        return df

    def group_totals(self, weeks: pd.DataFrame) -> pd.DataFrame:
        """Per-group totals over the run (columns added to ``groups.parquet``)."""
        st = self.engine.state
        counts = [c for c in GROUP_COUNTS if c != "feedback_delay_days_sum"]
        tot = weeks.groupby("group")[counts].sum().reindex(range(self.n_groups), fill_value=0)
        delay = weeks.attrs["delay_sum"].groupby(weeks["group"]).sum()
        delay = delay.reindex(range(self.n_groups), fill_value=0)
        out = tot.rename(columns={c: f"total_{c}" for c in counts}).reset_index(drop=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            fb = out["total_police_feedback"].to_numpy(float)
            out["mean_feedback_delay_days"] = np.where(fb > 0, delay.to_numpy() / fb, np.nan)
        covered = st.resident_group >= 0
        first = st.first_joined[covered]
        out["members_ever"] = np.bincount(
            st.resident_group[covered][first >= 0], minlength=self.n_groups
        )
        out["weeks_with_arrest"] = (
            weeks.assign(a=weeks["arrests"] > 0)
            .groupby("group")["a"]
            .sum()
            .reindex(range(self.n_groups), fill_value=0)
            .to_numpy()
        )
        return out

    def incidents(self) -> pd.DataFrame:
        pop = self.engine.pop
        if self._incidents:
            cols = {k: np.concatenate([d[k] for d in self._incidents]) for k in self._incidents[0]}
        else:
            cols = {}
        df = pd.DataFrame(cols)
        if not len(df):
            return df
        df.insert(0, "incident", np.arange(len(df), dtype=np.int64))
        df["area"] = pd.Categorical.from_codes(df["area"], pop.area_names)
        df["kind"] = pd.Categorical.from_codes(df["kind"], list(rules.KINDS))
        return df

    def panel(self) -> pd.DataFrame:
        """Observations of the sampled residents, their traits repeated on each row."""
        st, pop = self.engine.state, self.engine.pop
        obs = list(self._observations)
        last = int(obs[-1]["day"].iloc[0]) if obs else -1
        if len(self.sample) and st.day - 1 > last:  # and at the end of the last day
            obs.append(self._observation("", st.day - 1))
        if not obs:
            return pd.DataFrame()
        df = pd.concat(obs, ignore_index=True)
        i = df["resident"].to_numpy()
        df.insert(1, "area", pd.Categorical.from_codes(pop.area[i], pop.area_names))
        df.insert(2, "street", pop.street[i].astype(np.int64))
        df.insert(3, "group", st.resident_group[i].astype(np.int64))
        df.insert(4, "first_joined", st.first_joined[i])
        for name in TRAITS:
            df[f"trait_{name}"] = pop.traits[name][i]
        return df

    def panel_events(self) -> pd.DataFrame:
        st = self.engine.state
        df = pd.DataFrame(self._events, columns=["resident", "day", "event", "kind"])
        df["resident"] = df["resident"].astype(np.int64)
        df["day"] = df["day"].astype(np.int64)
        df.insert(2, "group", st.resident_group[df["resident"].to_numpy()].astype(np.int64))
        return df

    def tables(self) -> dict[str, pd.DataFrame]:
        """The extra tables, by output file stem."""
        out: dict[str, pd.DataFrame] = {}
        if self.extras.groups:
            weeks = self.group_weeks()
            out["group_totals"] = self.group_totals(weeks)
            weeks.attrs.clear()
            out["group_weeks"] = weeks
        if self.extras.incidents:
            out["incidents"] = self.incidents()
        if self.extras.panel:
            out["panel"] = self.panel()
            out["panel_events"] = self.panel_events()
        return out
