"""The buurtsim daily rules written agent by agent, for reading and as a test oracle.

This is a deliberately plain Mesa 3.5 model. Every rule of ``docs/odd.md`` is written for one
agent at a time in an ordinary ``for`` loop; nothing is vectorised. It shares only the
neighbourhood builder (:func:`sim.population.build_population`) and the scenario schema with
the fast engine, never :mod:`sim.rules`. With the same seed it builds the *same* neighbourhood
as the engine, but all daily chance events come from a different random stream (Python's
``random``, the model's ``self.random``), so the two agree in distribution, not run by run.

Agent types and their one job each:

* :class:`Street` — ``step()``: today's incidents on the street (ODD step 1).
* :class:`Resident` — notices, calls, posts, reads, tells neighbours, remembers, joins or leaves
  (steps 1–5 and 7, one method per step).
* :class:`Police` — ``step()``: responds to today's reports (step 6).
* :class:`Group` — ``step()``: today's messages in the app group (step 4).

>>> from sim.scenario import Scenario
>>> model = ReferenceModel(Scenario(days=20, burn_in_days=0), seed=3)
>>> model.run_for(20)
>>> len(model.records), sorted(model.records[0])[:3]
(20, ['arrests', 'arrival_minutes_112', 'burglaries'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mesa
import pandas as pd

from sim import __version__
from sim.engine import RunResult
from sim.population import build_population
from sim.scenario import FACTOR_NAMES, Scenario
from sim.streams import spawn_streams
from sim.survey import UNSAFE_ANSWERS, empty_microdata

KINDS = ("burglary", "theft", "vandalism", "suspicious", "violence")
NEVER = 1 << 40  # "long ago": the day of an event that never happened is -NEVER


# --------------------------------------------------------------------------- small helpers


def poisson(rnd, mean: float) -> int:
    """A Poisson count with this mean (Knuth: multiply uniforms until below e^-mean)."""
    if mean <= 0:
        return 0
    if mean > 30:  # large means (big groups' chatter): split into smaller Poisson parts
        half = mean / 2
        return poisson(rnd, half) + poisson(rnd, mean - half)
    limit, count, product = math.exp(-mean), 0, rnd.random()
    while product > limit:
        count += 1
        product *= rnd.random()
    return count


def toward(x: float, rate: float, target: float = 1.0) -> float:
    """Move ``x`` a share ``rate`` of the way to ``target``."""
    return x + rate * (target - x)


def repeated(gain: float, times: float) -> float:
    """The combined share of ``times`` repeated gains of ``gain`` each: 1 − (1 − gain)^times."""
    return 1 - (1 - gain) ** times


# --------------------------------------------------------------------------- records


@dataclass
class Call:
    """One call to the police about an incident."""

    caller: Resident
    urgent: bool  # 112 (True) or 0900-8844 (False)


@dataclass
class Incident:
    """Something that happened on a street today."""

    street: Street
    kind: str  # one of KINDS
    in_progress: bool  # can be seen while it happens
    victim: Resident | None  # None for suspicious situations
    duration: float = 0.0  # minutes it can be seen while it happens
    witnesses: list[Resident] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    call_minutes: float | None = None  # minutes from its start to the first witness's call
    alerted: bool = False  # posted in the street's app group
    stigmatising: bool = False
    went_to_look: int = 0  # members who went out to look after the alert
    confrontation: bool = False
    escalated: bool = False
    conflict: bool = False
    came: bool = False  # the police came out (or followed up)
    arrival: float | None = None  # minutes from the first call to the police's arrival
    arrest: bool = False

    @property
    def is_crime(self) -> bool:
        return self.kind != "suspicious"


# --------------------------------------------------------------------------- agents


class Resident(mesa.Agent):
    """An adult resident: latent worry and traits, a street, ties, perhaps a group."""

    def __init__(self, model: ReferenceModel, index: int, street: Street, traits: dict[str, float]):
        super().__init__(model)
        self.index = index  # the resident's number in the shared population arrays
        self.street = street
        self.ties: list[Resident] = []
        self.baseline = traits
        self.worry = traits["worry"]
        self.willingness = traits["report_willingness"]
        self.efficacy = traits["efficacy"]
        self.proximity = traits["gov_proximity"]
        self.cohesion = traits["cohesion"]
        self.vigilance = traits["vigilance"]
        self.fatigue = 0.0
        self.member = False
        self.joined_day = -1  # day of the latest joining (-1: never)
        self.admin = False
        self.last_victim_day = -NEVER
        self.last_victim_kind = ""
        self.victimisations = 0
        self.last_violence_day = -NEVER
        self.new_day()

    @property
    def group(self) -> Group | None:
        return self.street.group

    def new_day(self) -> None:
        """Forget what was seen, suffered and read yesterday."""
        self.victim_today = False
        self.witnessed_today = False
        self.alarmed = 0.0  # alerts read today (attention-weighted)
        self.reassured = 0.0  # feedback read or heard today
        self.heard_fear = 0.0  # fearful stories heard from ties today (expected number)
        self.heard_calm = 0.0

    # -- step 1: victimisation --------------------------------------------------------
    def become_victim(self, kind: str) -> None:
        """Worry jumps (further after violence); the victimisation is remembered."""
        c, day = self.model.spec.crime, self.model.day
        self.worry = max(self.worry, c.violence_worry if kind == "violence" else c.victim_worry)
        self.victim_today = True
        self.last_victim_day, self.last_victim_kind = day, kind
        self.victimisations += 1
        if kind == "violence":
            self.last_violence_day = day
        self.street.last_crime_day = day

    # -- step 3: SAAR response ----------------------------------------------------------
    def call_probability(self, incident: Incident) -> float:
        """Chance to call the police as one of ``len(incident.witnesses)`` witnesses."""
        r = self.model.spec.response
        base = (
            (r.call_crime if incident.is_crime else r.call_suspicious)
            * r.willingness_factor
            * self.willingness
        )
        if self.member:
            f = self.group.factors
            base *= (
                1
                + r.saar_call_boost * f["saar_training"]
                + r.purpose_call_boost * (f["clear_purpose"] - 0.5)
            )
        return min(base, 1.0) * len(incident.witnesses) ** -r.bystander_exponent

    def post_probability(self, incident: Incident) -> float:
        """Chance that a member who witnessed ``incident`` posts an alert about it."""
        r = self.model.spec.response
        if incident.is_crime:
            worth = 1.0
        else:
            recognition = self.group.factors["recognition_training"]
            worth = r.false_alarm_share * (1 - r.recognition_false_alarm_cut * recognition)
        return r.post_propensity * worth

    # -- step 4b: reading the group -------------------------------------------------------
    def read_messages(self) -> None:
        """A member reads what reaches them of today's messages (in a layered group only the
        relayed share of alerts and chatter) with the group's attention, less when
        fatigued."""
        m, g = self.model.spec.messages, self.group
        attention = g.attention * (1 - m.fatigue_attention * self.fatigue)
        alerts = (
            g.alerts
            + (m.stigma_weight - 1) * g.stigmatising
            + (m.near_weight - 1) * g.alerts_on_street.get(self.street, 0)
        )
        read_alerts = attention * g.relay * alerts
        read_feedback = attention * g.timely_feedback  # late feedback reassures less
        read_chatter = attention * g.relay * g.chatter
        read_responses = attention * g.relay * g.responded

        # Alerts raise worry (vicarious victimisation); feedback relieves it.
        self.worry += self.alarm(read_alerts)
        self.worry -= repeated(m.feedback_relief, read_feedback) * self.worry
        self.reassure(read_responses, read_chatter, g.social)
        self.worry = min(max(self.worry, 0.0), 1.0)
        # Feedback raises efficacy, government proximity and willingness to report.
        self.efficacy = toward(self.efficacy, repeated(m.feedback_efficacy, read_feedback))
        self.proximity = toward(self.proximity, repeated(m.feedback_proximity, read_feedback))
        self.willingness = toward(self.willingness, repeated(m.feedback_willingness, read_feedback))
        # Chatter (and the social channel) build cohesion; chatter also tires.
        self.cohesion = toward(self.cohesion, repeated(m.chatter_cohesion, read_chatter + g.social))
        self.fatigue = toward(self.fatigue, repeated(m.chatter_fatigue, read_chatter))
        # An active administrator and a linked professional pull members up a little.
        admin = m.admin_pull * g.factors["active_admin"]
        self.cohesion = toward(self.cohesion, admin)
        self.efficacy = toward(self.efficacy, admin)
        self.proximity = toward(
            self.proximity, m.professional_proximity * g.factors["linked_professional"]
        )
        self.alarmed += read_alerts
        self.reassured += read_feedback

    def reassure(self, read_responses: float, read_chatter: float, social: float) -> None:
        """The reassuring side of membership: alerts that show members acted, social
        contact, the visible watch (times own cohesion: collective efficacy) and a known
        wijkagent and administrator each relieve a share of worry."""
        r, g = self.model.spec.reassurance, self.group
        watch = min(len(g.members) / max(g.adults, 1) / r.full_watch_share, 1.0)
        daily = min(
            r.watch_relief * self.cohesion * watch
            + r.professional_relief * g.factors["linked_professional"]
            + r.admin_relief * g.factors["active_admin"],
            1.0,
        )
        keep = (
            (1 - r.response_relief) ** read_responses
            * (1 - r.social_relief) ** social
            * (1 - r.chatter_relief) ** read_chatter
        )
        self.worry *= keep * (1 - daily)

    def alarm(self, read_alerts: float) -> float:
        """Worry gained from reading alerts: alert_worry per alert, times (1 − worry)."""
        m = self.model.spec.messages
        return m.exposure * m.alert_worry * read_alerts * (1 - self.worry)

    # -- step 5: word of mouth ------------------------------------------------------------
    def tell_neighbours(self) -> None:
        """Tell every tie about today's fright (what one saw or suffered; alerts read count
        ``retell_share`` as much) and relief; each story reaches a tie with ``tell_prob`` (we
        add the expected number of stories, as the ODD defines it)."""
        c = self.model.spec.contagion
        tell = c.tell_prob
        if self.witnessed_today or self.victim_today:
            fright = c.witness_signal
        else:  # news read counts less than what one saw
            fright = min(c.retell_share * self.alarmed, 1.0)
        relief = min(self.reassured, 1.0)
        if fright == 0 and relief == 0:
            return
        for friend in self.ties:
            friend.heard_fear += tell * fright
            friend.heard_calm += tell * relief

    def talk_about_fear(self, worry_before: dict[Resident, float]) -> None:
        """'opinion' contagion: talk with a random tie with chance ``tell_prob`` (we take
        the expected change) and take over a share of the difference in yesterday's worry —
        more readily from a more worried tie than from a calmer one."""
        c = self.model.spec.contagion
        if not self.ties:
            return
        mine = worry_before[self]
        change = 0.0
        for friend in self.ties:
            d = worry_before[friend] - mine
            change += (c.opinion_fear_rate if d > 0 else c.opinion_calm_rate) * d
        self.worry = min(max(mine + c.tell_prob * change / len(self.ties), 0.0), 1.0)

    def hear_stories(self) -> None:
        """Fearful stories raise worry; reassuring ones lower it (more weakly)."""
        c = self.model.spec.contagion
        self.worry += repeated(c.fear_weight, self.heard_fear) * (1 - self.worry)
        self.worry -= repeated(c.reassurance_weight, self.heard_calm) * self.worry

    # -- step 7: memory and membership ------------------------------------------------------
    def remember(self) -> None:
        """Worry and traits return towards the personal baselines; fatigue fades."""
        mem, base = self.model.spec.memory, self.baseline
        self.worry = toward(self.worry, mem.worry_decay, base["worry"])
        self.willingness = toward(self.willingness, mem.trait_drift, base["report_willingness"])
        self.efficacy = toward(self.efficacy, mem.trait_drift, base["efficacy"])
        self.proximity = toward(self.proximity, mem.trait_drift, base["gov_proximity"])
        self.cohesion = toward(self.cohesion, mem.trait_drift, base["cohesion"])
        self.fatigue *= 1 - mem.fatigue_decay

    def wants_to_leave(self) -> tuple[bool, bool]:
        """Members (not administrators) leave at a base rate plus their fatigue, more on a day
        of conflict in their group (less with guarding). Returns (leaves, only because of
        the conflict)."""
        mb, g = self.model.spec.membership, self.group
        usual = mb.leave_rate + mb.leave_fatigue * self.fatigue
        extra = (
            self.model.spec.response.conflict_leave
            * g.conflicts
            * (1 - g.factors["vigilantism_guard"])
        )
        draw = self.model.random.random()
        return draw < usual + extra, usual <= draw < usual + extra

    def selection_weight(self) -> float:
        """exp(β·z − |β|²/2) over standardised worry, efficacy and cohesion (mean 1)."""
        mb, z = self.model.spec.membership, self.model.zscore
        beta = (mb.selection_worry, mb.selection_efficacy, mb.selection_cohesion)
        score = (
            beta[0] * z("worry", self.worry)
            + beta[1] * z("efficacy", self.efficacy)
            + beta[2] * z("cohesion", self.cohesion)
        )
        return math.exp(score - sum(b * b for b in beta) / 2)

    def wants_to_join(self) -> bool:
        """A non-member on a covered street joins: recruitment × local problem × municipal
        invitation × social influence of member ties × selection weight."""
        mb, f = self.model.spec.membership, self.group.factors
        member_ties = sum(friend.member for friend in self.ties)
        share = member_ties / max(len(self.ties), 1)
        recent = self.model.day - mb.recent_days
        wave = self.model.burglaries_per_1000(self.group.area) >= mb.wave_burglaries
        p = (
            mb.join_rate
            * (mb.recruitment_floor + f["recruitment"])
            * (1 + mb.local_problem_join * f["local_problem"])
            * (1 + mb.municipal_invitation * f["municipal_coordination"])
            * (1 + mb.wave_join * wave)
            * (1 + mb.social_influence * share)
            * self.selection_weight()
            * self.street.join_boost
            * (1 + mb.victim_join * (self.last_victim_day > recent))
            * (1 + mb.street_crime_join * (self.street.last_crime_day > recent))
        )
        return self.model.random.random() < min(p, 1.0)


class Street(mesa.Agent):
    """A street: its households and residents, its area, and the group covering it."""

    def __init__(self, model: ReferenceModel, index: int, area: int, households: int):
        super().__init__(model)
        self.index = index
        self.area = area
        self.households = households
        self.residents: list[Resident] = []
        self.planned_group: Group | None = None  # the group that covers it once founded
        self.last_crime_day = -NEVER
        self.join_boost = 1.0  # randomised encouragement: invited streets join more

    @property
    def group(self) -> Group | None:
        """The group covering the street today (None before its founding and after its end)."""
        g = self.planned_group
        return g if g is not None and g.active else None

    @property
    def multiplier(self) -> float:
        return self.model.spec.areas[self.area].crime_multiplier

    def base_crime(self) -> float:
        """Expected crimes a day without deterrence."""
        c = self.model.spec.crime
        return (
            self.households
            * self.multiplier
            * (c.burglary_rate + c.theft_rate + c.vandalism_rate)
            / 365
        )

    def deterrence(self) -> float:
        """Relative cut in crime by a visible group: grows with participation (full at
        ``deterrence_full_share`` of the adults it covers); street signs make it fully
        visible (without: ``deterrence_unsigned``)."""
        if self.group is None:
            return 0.0
        g, c = self.group, self.model.spec.crime
        share = min(len(g.members) / max(g.adults, 1) / c.deterrence_full_share, 1.0)
        signs = g.factors["signs"]
        visibility = c.deterrence_unsigned + (1 - c.deterrence_unsigned) * signs
        return c.deterrence * share * visibility

    def step(self, crime_today: float) -> list[Incident]:
        """Step 1: today's incidents, Poisson per kind; crimes have a random resident of the
        street as victim, and some can be seen while they happen."""
        c, rnd = self.model.spec.crime, self.model.random
        total = c.burglary_rate + c.theft_rate + c.vandalism_rate
        expected = {
            "suspicious": self.households * self.multiplier * c.suspicious_rate / 365,
            "violence": len(self.residents) * self.multiplier * c.violence_rate / 365,
        }
        for kind, rate in zip(
            KINDS[:3], (c.burglary_rate, c.theft_rate, c.vandalism_rate), strict=True
        ):
            expected[kind] = crime_today * rate / total if total > 0 else 0.0
        for wave in c.waves:  # burglary waves in the area
            if wave.area == self.model.spec.areas[self.area].name and (
                wave.day <= self.model.day < wave.day + wave.days
            ):
                expected["burglary"] *= wave.burglary_multiplier
        incidents = []
        minutes = self.model.spec.police.offence_minutes
        for kind in KINDS:
            for _ in range(poisson(rnd, expected[kind])):
                if kind == "suspicious":
                    inc = Incident(self, kind, True, None)
                else:
                    seen = rnd.random() < c.in_progress_share
                    inc = Incident(self, kind, seen, rnd.choice(self.residents))
                inc.duration = rnd.expovariate(1 / minutes)
                incidents.append(inc)
        return incidents


class Group(mesa.Agent):
    """An app group: the streets it covers, its members and success factors, today's posts."""

    def __init__(
        self, model: ReferenceModel, index: int, name: str, area: int, factors: dict[str, float]
    ):
        super().__init__(model)
        self.index = index
        self.name = name
        self.area = area
        self.factors = factors
        self.streets: list[Street] = []
        self.members: dict[Resident, None] = {}  # an ordered set
        self.adults = 0
        self.quiet_days = 0
        self.active = False
        self.start_day: int | None = None
        self.end_day: int | None = None
        self.weeks_measured = 0
        self.feedback_queue: dict[int, list[float]] = {}  # day → weights of arriving feedback
        self.conflicts = 0  # conflicts after confrontations today
        self.totals = {"alerts": 0, "chatter": 0, "feedback": 0, "reports": 0}
        self.silent_weeks = 0
        self.alerts_this_week = 0
        self.clear_today()

    def clear_today(self) -> None:
        self.alerts = self.stigmatising = self.chatter = self.feedback = self.keepalive = 0
        self.responded = 0  # alerts about incidents a member called the police about
        self.social = self.timely_feedback = 0.0
        self.relay = 1.0
        self.alerts_on_street: dict[Street, int] = {}
        self.attention = 0.0

    def step(self, incidents: list[Incident]) -> None:
        """Step 4a: today's posts (alerts, chatter, feedback, keep-alive) and the attention
        members give them."""
        f, m, rnd = self.factors, self.model.spec.messages, self.model.random
        day = self.model.day
        self.clear_today()
        for inc in incidents:
            if inc.alerted and inc.street.group is self:
                self.alerts += 1
                self.stigmatising += inc.stigmatising
                self.responded += any(call.caller.member for call in inc.calls)
                self.alerts_on_street[inc.street] = self.alerts_on_street.get(inc.street, 0) + 1
        # Social talk, cut by moderation; rules keep part of it out of the alarm group; with
        # a social channel a share moves there, and so does what the rules keep out.
        talk = m.chatter_rate * len(self.members) * (1 - m.admin_chatter_cut * f["active_admin"])
        kept_out = m.rules_chatter_cut * f["group_rules"]
        moved = m.social_channel_share * f["social_channel"]
        self.social = talk * f["social_channel"] * (1 - (1 - kept_out) * (1 - moved))
        self.chatter = poisson(rnd, talk * (1 - kept_out) * (1 - moved))
        # Feedback due today, plus the administrator's follow-up on some alerts.
        followups = sum(
            rnd.random() < m.admin_followup * f["active_admin"] for _ in range(self.alerts)
        )
        due = self.feedback_queue.pop(day, [])
        self.feedback = len(due) + followups
        self.timely_feedback = sum(due) + followups  # late feedback weighs less
        every = int(f["keep_alive_days"])
        self.keepalive = int(every > 0 and day % every == 0)
        # A layered group relays only a share of alerts and chatter to all members.
        self.relay = 1 - (1 - m.layered_relay) * f["layered"]
        # Attention: halves at attention_half_volume messages that reach members, fades
        # during long quiet spells.
        volume = (
            self.relay * (m.alert_replies * self.alerts + self.chatter)
            + self.feedback
            + self.keepalive
        )
        fade = 1 + self.quiet_days / m.quiet_fade_days
        self.attention = 1 / (1 + volume / m.attention_half_volume) / fade
        if self.dormant():
            self.attention = 0.0
        alarm_traffic = self.alerts + self.feedback + self.keepalive  # chatter does not count
        self.quiet_days = 0 if alarm_traffic > 0 else self.quiet_days + 1

    def dormant(self) -> bool:
        """The alarm function quiet (no alert, feedback or keep-alive message) for
        ``lifecycle.dormant_after_days`` days before today: members have muted the group and
        read nothing today."""
        after = self.model.spec.lifecycle.dormant_after_days
        return after > 0 and self.quiet_days >= after

    def feedback_probability(self) -> float:
        """Chance that the outcome of a report is posted back (more with a professional)."""
        f, pol = self.factors, self.model.spec.police
        return (
            f["police_feedback"]
            + pol.professional_feedback * (1 - f["police_feedback"]) * f["linked_professional"]
        )


class Police(mesa.Agent):
    """The police: come out on reports, sometimes arrest, sometimes tell the group."""

    def step(self, incidents: list[Incident]) -> None:
        """Step 6: response and arrival minutes, arrests (heterdaadkracht), feedback to the
        group (after a delay in hours; late feedback weighs less) or the caller."""
        scn, rnd, day = self.model.spec, self.model.random, self.model.day
        pol = scn.police
        for inc in incidents:
            if not inc.calls:
                continue
            by_112 = any(call.urgent for call in inc.calls)
            inc.came = rnd.random() < (pol.response_112 if by_112 else pol.response_0900)
            mean = pol.arrival_112_minutes if by_112 else pol.arrival_0900_minutes
            travel = rnd.gammavariate(pol.arrival_shape, mean / pol.arrival_shape) if mean else 0
            group = inc.street.group
            if inc.came:
                inc.arrival = travel
            if inc.came and by_112 and inc.is_crime and inc.in_progress:
                described = 1.0
                if inc.alerted:  # a group alert gives a better description
                    described += pol.description_bonus * group.factors["recognition_training"]
                if pol.arrest_model == "timing":
                    in_time = inc.call_minutes is not None and (
                        inc.call_minutes + travel < inc.duration
                    )
                    chance = min(pol.arrest_on_scene * described, 1.0) if in_time else 0.0
                else:
                    chance = min(pol.arrest_in_progress * described, 1.0)
                if rnd.random() < chance:
                    inc.arrest = True
                    self.model.arrest_until[inc.street.area] = day + scn.crime.arrest_memory_days
            group_told = group is not None and rnd.random() < group.feedback_probability()
            if group_told:
                mean_hours = group.factors["feedback_delay_hours"]
                hours = rnd.expovariate(1 / mean_hours) if mean_hours > 0 else 0.0
                arrives = day + int((24 * rnd.random() + hours) // 24)  # reported at a random hour
                weight = 1 / (1 + hours / pol.feedback_timeliness_hours)
                group.feedback_queue.setdefault(arrives, []).append(weight)
            for call in inc.calls:
                self.answer(call.caller, heard_in_group=group_told and call.caller.member)

    def answer(self, caller: Resident, heard_in_group: bool) -> None:
        """A caller hears the outcome in the group, personally, or not at all (then loses
        some willingness and efficacy)."""
        if heard_in_group:
            return
        if self.model.random.random() < self.model.spec.police.caller_feedback:
            caller.reassured += 1.0
        else:
            penalty = self.model.spec.messages.no_feedback_penalty
            caller.willingness *= 1 - penalty
            caller.efficacy *= 1 - penalty


# --------------------------------------------------------------------------- the model


class ReferenceModel(mesa.Model):
    """The neighbourhood of ``scenario``, agent by agent.

    Args:
        scenario: a validated scenario.
        seed: the same seed as the engine's builds the same neighbourhood; the daily
            chance events use Mesa's ``self.random``, a different stream.
        resident_class: the class of residents (tests swap in a deliberately broken one).
    """

    def __init__(
        self, scenario: Scenario, seed: int = 1, resident_class: type[Resident] = Resident
    ):
        super().__init__(rng=seed)
        self.spec = scenario
        self.seed = seed
        self.day = 0
        # the engine's population stream: the same neighbourhood as the engine's
        pop = build_population(scenario, spawn_streams(self.rng, ("population",))["population"])
        self.pop = pop
        self.streets = [
            Street(self, s, int(pop.area_of_street[s]), int(pop.households_of_street[s]))
            for s in range(pop.n_streets)
        ]
        self.groups = [
            Group(
                self,
                k,
                pop.group_names[k],
                int(pop.group_area[k]),
                {f: float(v[k]) for f, v in pop.factors.items()},
            )
            for k in range(pop.n_groups)
        ]
        self.residents = [
            resident_class(
                self,
                i,
                self.streets[pop.street[i]],
                {t: float(v[i]) for t, v in pop.traits.items()},
            )
            for i in range(pop.n)
        ]
        self.police = Police(self)
        self._connect(pop)
        self.moments = {
            t: (float(pop.traits[t].mean()), float(pop.traits[t].std()) or 1.0)
            for t in ("worry", "efficacy", "cohesion")
        }
        self.arrest_until = [-1] * len(scenario.areas)
        self.area_households = [0] * len(scenario.areas)
        for s in self.streets:
            self.area_households[s.area] += s.households
        self.burglary_days: list[list[int]] = []  # burglaries per area, one list per day
        self.areas_with_groups = {g.area for g in self.groups}
        self.waves = {w.day: w.label for w in scenario.survey.waves}
        self.records: list[dict[str, float]] = []
        self.surveys: list[pd.DataFrame] = []
        starting = [g for g in self.groups if scenario.areas[g.area].group_start_day == 0]
        for g in starting:
            self.open_group(g)
        self.form_groups(starting, scenario.membership.initial_participation)

    def _connect(self, pop) -> None:
        """Put residents on their streets, streets in their groups, ties between residents."""
        for r in self.residents:
            r.street.residents.append(r)
        for s in self.streets:
            g = int(pop.group_of_street[s.index])
            if g >= 0:
                s.planned_group = self.groups[g]
                s.planned_group.streets.append(s)
                s.planned_group.adults += len(s.residents)
        adj = pop.adjacency
        for r in self.residents:
            r.ties = [
                self.residents[j]
                for j in adj.indices[adj.indptr[r.index] : adj.indptr[r.index + 1]]
            ]

    def zscore(self, trait: str, value: float) -> float:
        mean, sd = self.moments[trait]
        return (value - mean) / sd

    # -- day 0 ---------------------------------------------------------------------------
    def burglaries_per_1000(self, area: int) -> float:
        """Burglaries per 1000 households of ``area`` over the last wave window (days)."""
        window = self.burglary_days[-self.spec.lifecycle.wave_window_days :]
        return 1000 * sum(day[area] for day in window) / max(self.area_households[area], 1)

    def open_group(self, group: Group) -> None:
        group.active, group.start_day, group.quiet_days = True, self.day, 0

    def form_groups(self, groups: list[Group], target: float) -> None:
        """A group's start (day 0 or its founding day): residents of its streets join with
        the selection model, scaled so that on average ``target`` of them join; each group
        gets one administrator (two from ``admins_two_from`` members): the members with the
        highest efficacy plus cohesion."""
        candidates = [r for r in self.residents if r.group is not None and r.group in groups]
        if not candidates:
            return
        weights = [r.selection_weight() for r in candidates]
        low, high = 0.0, 1.0 / max(min(weights), 1e-12)
        for _ in range(60):  # bisection for the scale that gives the target participation
            mid = (low + high) / 2
            if sum(min(mid * w, 1.0) for w in weights) / len(weights) < target:
                low = mid
            else:
                high = mid
        joining = [
            r
            for r, w in zip(candidates, weights, strict=True)
            if self.random.random() < min(low * w, 1.0)
        ]
        self.admit(joining)
        two_from = self.spec.membership.admins_two_from
        for g in groups:
            ranked = sorted(g.members, key=lambda r: r.efficacy + r.cohesion, reverse=True)
            for r in ranked[: 2 if len(ranked) >= two_from else 1]:
                r.admin = True

    def found_groups(self) -> None:
        """Start of a day: groups not yet founded start on their area's group_start_day or
        once the area's burglaries over the wave window reach found_after_burglaries per 1000
        households (then with local_problem on); a founding core joins."""
        founded = []
        for g in self.groups:
            if g.start_day is not None or g.end_day is not None:
                continue
            area = self.spec.areas[g.area]
            threshold = area.found_after_burglaries
            if area.group_start_day == self.day:
                founded.append(g)
            elif threshold > 0 and self.burglaries_per_1000(g.area) >= threshold:
                g.factors["local_problem"] = 1.0
                founded.append(g)
        for g in founded:
            self.open_group(g)
        if founded:
            self.form_groups(founded, self.spec.lifecycle.founding_participation)

    def end_groups(self) -> None:
        """End of a day: a group with too few members, or dormant for too long, ends: its
        members become non-members and its streets are no longer covered."""
        lc = self.spec.lifecycle
        for g in self.groups:
            if not g.active:
                continue
            silent = (
                lc.dormant_after_days > 0
                and lc.end_after_dormant_days > 0
                and g.quiet_days >= lc.dormant_after_days + lc.end_after_dormant_days
            )
            if len(g.members) < lc.min_members or silent:
                for r in g.members:
                    r.member = r.admin = False
                g.members.clear()
                g.active, g.end_day = False, self.day

    def admit(self, newcomers: list[Resident]) -> list[Resident]:
        """Let newcomers in, in random order, as long as their group is below its size cap."""
        self.random.shuffle(newcomers)
        admitted = []
        for r in newcomers:
            if len(r.group.members) < r.group.factors["size_cap"]:
                r.group.members[r] = None
                r.member = True
                r.joined_day = self.day
                r.fatigue = 0.0
                admitted.append(r)
        return admitted

    # -- one day ---------------------------------------------------------------------------
    def step(self) -> None:
        """One day, in the order of the ODD."""
        self.apply_interventions()
        mb = self.spec.membership
        if mb.invited_share > 0 and self.day == mb.invitation_day:
            self.invite_streets()
        self.found_groups()
        for r in self.residents:
            r.new_day()
        incidents = self.incidents()  # 1
        self.notice(incidents)  # 2
        self.respond(incidents)  # 3
        self.police.step(incidents)  # 6 (before reading: feedback can arrive today)
        for g in self.groups:  # 4
            if g.active:
                g.step(incidents)
            else:
                g.clear_today()
                g.feedback_queue.pop(self.day, None)
        for r in self.residents:
            if r.member:
                r.read_messages()
        if self.spec.contagion.model == "opinion":  # 5: fear as a state
            before = {r: r.worry for r in self.residents}
            for r in self.residents:
                r.talk_about_fear(before)
        else:  # 5: today's events, one hop
            for r in self.residents:
                r.tell_neighbours()
            for r in self.residents:
                r.hear_stories()
        for r in self.residents:  # 7
            r.remember()
        left = self.leave()
        joined = self.join()
        self.end_groups()
        self.record(incidents, joined, left)
        if self.day in self.waves:
            self.surveys.append(self.survey(self.waves[self.day]))
        self.day += 1

    def invite_streets(self) -> None:
        """Randomised encouragement: in each area a random share of the covered streets is
        invited; their residents' join chance is multiplied from now on."""
        mb = self.spec.membership
        for a in range(len(self.spec.areas)):
            covered = [s for s in self.streets if s.area == a and s.planned_group is not None]
            for s in self.random.sample(covered, round(mb.invited_share * len(covered))):
                s.join_boost = mb.invitation_boost

    def apply_interventions(self) -> None:
        for iv in self.spec.interventions:
            if iv.day != self.day:
                continue
            areas = {k for k, a in enumerate(self.spec.areas) if not iv.areas or a.name in iv.areas}
            for g in self.groups:
                if g.area in areas:
                    for name, value in iv.set.model_dump(exclude_none=True).items():
                        g.factors[name] = float(value)

    def crime_today(self) -> dict[Street, float]:
        """Expected crimes per street today: the base rate minus deterrence, cut further
        while an arrest in the area is recent; uncoordinated deterrence displaces a share of
        the deterred crime to the uncovered streets of the area, by their households."""
        c = self.spec.crime
        moved = [0.0] * len(self.spec.areas)
        room = [0] * len(self.spec.areas)
        expected = {}
        for s in self.streets:
            deterred = s.base_crime() * s.deterrence()
            coordinated = s.group.factors["municipal_coordination"] if s.group else 0.0
            moved[s.area] += deterred * (1 - coordinated) * c.displacement
            if s.group is None:
                room[s.area] += s.households
            recent = self.arrest_until[s.area] > self.day
            expected[s] = (s.base_crime() - deterred) * (1 - c.arrest_deterrence if recent else 1.0)
        for s in self.streets:
            if s.group is None and room[s.area] > 0:
                expected[s] += moved[s.area] * s.households / room[s.area]
        return expected

    def incidents(self) -> list[Incident]:
        """Step 1: every street's incidents; victims' worry jumps."""
        expected = self.crime_today()
        incidents = []
        for s in self.streets:
            incidents += s.step(expected[s])
        for inc in incidents:
            if inc.victim is not None:
                inc.victim.become_victim(inc.kind)
        burgled = [0] * len(self.spec.areas)
        for inc in incidents:
            burgled[inc.street.area] += inc.kind == "burglary"
        self.burglary_days.append(burgled)
        return incidents

    def notice(self, incidents: list[Incident]) -> None:
        """Step 2: residents of the street (not the victim) notice an incident in progress
        with their vigilance."""
        for inc in incidents:
            if not inc.in_progress:
                continue
            for r in inc.street.residents:
                if r is not inc.victim and self.random.random() < r.vigilance:
                    inc.witnesses.append(r)
                    r.witnessed_today = True

    def respond(self, incidents: list[Incident]) -> None:
        """Step 3 (SAAR) for each incident: witnesses call (bystander discount), trained
        members hold back once a fellow member has called, members post alerts; victims of
        crimes found afterwards report on 0900-8844 and, as members, post."""
        rnd, r = self.random, self.spec.response
        for inc in incidents:
            urgent = inc.is_crime or rnd.random() < r.urgent_suspicious_share
            callers = [w for w in inc.witnesses if rnd.random() < w.call_probability(inc)]
            # each noticed it at some moment, then took a while to call
            at = {w: rnd.random() * inc.duration + self.hesitation(inc, w) for w in callers}
            member_callers = sorted((w for w in callers if w.member), key=at.__getitem__)
            for w in member_callers[1:]:  # "112 is gebeld" after the earliest: hold back
                if rnd.random() < w.group.factors["saar_training"]:
                    callers.remove(w)
            inc.calls = [Call(w, urgent) for w in callers]
            if callers:
                inc.call_minutes = min(at[w] for w in callers)
            if inc.is_crime and not inc.in_progress:
                v = inc.victim
                if rnd.random() < min(r.call_crime * r.late_report_factor * v.willingness, 1.0):
                    inc.calls.append(Call(v, urgent=False))
            if inc.street.group is None:
                continue
            for w in inc.witnesses:
                if w.member and rnd.random() < w.post_probability(inc):
                    inc.alerted = True
            victim_posts = inc.is_crime and not inc.in_progress and inc.victim.member
            if victim_posts and rnd.random() < r.post_propensity:
                inc.alerted = True
            self.moderate(inc)
            self.go_and_look(inc)

    def hesitation(self, inc: Incident, caller: Resident) -> float:
        """Minutes a witness takes to call after noticing: exponential, longer with more
        witnesses (bystanders), shorter for SAAR-trained members."""
        r = self.spec.response
        trained = caller.group.factors["saar_training"] if caller.member else 0.0
        mean = (
            r.call_minutes
            * len(inc.witnesses) ** r.bystander_delay_exponent
            * (1 - r.saar_call_speedup * trained)
        )
        return self.random.expovariate(1 / mean) if mean > 0 else 0.0

    def moderate(self, inc: Incident) -> None:
        """Without guarding and moderation, some alerts about ambiguous situations
        stigmatise."""
        if not inc.alerted:
            return
        r, f = self.spec.response, inc.street.group.factors
        if inc.kind == "suspicious":
            p = (
                r.stigma_share
                * (1 - f["vigilantism_guard"])
                * (1 - r.admin_stigma_cut * f["active_admin"])
            )
            inc.stigmatising = self.random.random() < p

    def go_and_look(self, inc: Incident) -> None:
        """Reageer: after an alert about an incident in progress each member decides to go
        out and look (members of the street more, SAAR-trained more); each who goes may
        confront; a confrontation may escalate (a member of the street is shaken), stigmatises
        on a false alarm and may cause a conflict in the group."""
        if not (inc.alerted and inc.in_progress):
            return
        r, rnd, g = self.spec.response, self.random, inc.street.group
        saar, guard = g.factors["saar_training"], g.factors["vigilantism_guard"]
        near = min(r.look_near * (1 + r.saar_look_boost * saar), 1.0)
        lookers = [
            m
            for m in g.members
            if rnd.random() < (near if m.street is inc.street else near * r.look_far)
        ]
        inc.went_to_look = len(lookers)
        per_looker = r.vigilante_share * (1 - guard) * (1 - saar)
        inc.confrontation = any(rnd.random() < per_looker for _ in lookers)
        if not inc.confrontation:
            return
        inc.stigmatising |= inc.kind == "suspicious"  # a confrontation on a false alarm
        if rnd.random() < r.escalation_share:
            inc.escalated = True
            on_street = [m for m in g.members if m.street is inc.street]
            if on_street:
                shaken = rnd.choice(on_street)
                shaken.worry = max(shaken.worry, self.spec.crime.victim_worry)
                shaken.witnessed_today = True
        if rnd.random() < r.conflict_share:
            inc.conflict = True
            g.conflicts += 1

    def leave(self) -> int:
        """Step 7b: members who are not administrators may leave."""
        leaving, self.left_after_conflict = [], 0
        for r in self.residents:
            if r.member and not r.admin:
                leaves, conflict = r.wants_to_leave()
                if leaves:
                    leaving.append(r)
                    self.left_after_conflict += conflict
        for r in leaving:
            r.member = False
            del r.group.members[r]
        for g in self.groups:
            g.conflicts = 0
        return len(leaving)

    def join(self) -> int:
        """Step 7c: everyone decides on today's membership first, then the newcomers are
        admitted up to the size cap."""
        joining = [
            r for r in self.residents if not r.member and r.group is not None and r.wants_to_join()
        ]
        return len(self.admit(joining))

    # -- measurement -----------------------------------------------------------------------
    def record(self, incidents: list[Incident], joined: int, left: int) -> None:
        """The daily record, with the engine's column names."""
        thr = self.spec.survey.unsafe_sometimes
        members = [r for r in self.residents if r.member]
        others = [
            r
            for r in self.residents
            if not r.member and (r.street.area in self.areas_with_groups or not self.groups)
        ]

        def mean(values: list[float]) -> float:
            return sum(values) / len(values) if values else float("nan")

        calls = [call for inc in incidents for call in inc.calls]
        crimes = [inc for inc in incidents if inc.is_crime]
        year_ago = self.day - 365
        violence_victims = [r for r in self.residents if r.last_violence_day > year_ago]
        non_victims = [r for r in self.residents if r.last_victim_day <= year_ago]
        self.records.append(
            {
                "day": self.day,
                "members": len(members),
                "worry_members": mean([r.worry for r in members]),
                "worry_nonmembers": mean([r.worry for r in others]),
                "unsafe_members": mean([r.worry >= thr for r in members]),
                "unsafe_nonmembers": mean([r.worry >= thr for r in others]),
                "unsafe_all": mean([r.worry >= thr for r in self.residents]),
                "willingness_members": mean([r.willingness for r in members]),
                "willingness_nonmembers": mean([r.willingness for r in others]),
                "proximity_members": mean([r.proximity for r in members]),
                "proximity_nonmembers": mean([r.proximity for r in others]),
                "efficacy_members": mean([r.efficacy for r in members]),
                "efficacy_nonmembers": mean([r.efficacy for r in others]),
                "groups_active": sum(g.active for g in self.groups),
                "violence_victims_12m": len(violence_victims),
                "unsafe_violence_victims_12m": sum(r.worry >= thr for r in violence_victims),
                "non_victims_12m": len(non_victims),
                "unsafe_non_victims_12m": sum(r.worry >= thr for r in non_victims),
                "crimes": len(crimes),
                "burglaries": sum(inc.kind == "burglary" for inc in incidents),
                "violent_crimes": sum(inc.kind == "violence" for inc in incidents),
                "suspicious": len(incidents) - len(crimes),
                "victims": len(crimes),
                "reports_112": sum(c.urgent for c in calls),
                "reports_0900": sum(not c.urgent for c in calls),
                "reports_members": sum(c.caller.member for c in calls),
                "crimes_reported": sum(bool(inc.calls) for inc in crimes),
                "posts_alert": sum(g.alerts for g in self.groups),
                "posts_stigmatising": sum(g.stigmatising for g in self.groups),
                "posts_chatter": sum(g.chatter for g in self.groups),
                "posts_feedback": sum(g.feedback for g in self.groups),
                "posts_keepalive": sum(g.keepalive for g in self.groups),
                "arrests": sum(inc.arrest for inc in incidents),
                "confrontations": sum(inc.confrontation for inc in incidents),
                "joined": joined,
                "left": left,
                "minutes_to_call": mean(
                    [inc.call_minutes for inc in incidents if inc.call_minutes is not None]
                ),
                "arrival_minutes_112": mean(
                    [inc.arrival for inc in incidents for c in inc.calls if c.urgent and inc.came]
                ),
                "went_to_look": sum(inc.went_to_look for inc in incidents),
                "escalations": sum(inc.escalated for inc in incidents),
                "conflicts": sum(inc.conflict for inc in incidents),
                "left_after_conflict": self.left_after_conflict,
            }
        )
        self.count_group_traffic(calls)

    def count_group_traffic(self, calls: list[Call]) -> None:
        """Running totals per group and, at the end of each measured week, silent weeks."""
        for g in self.groups:
            g.totals["alerts"] += g.alerts
            g.totals["chatter"] += g.chatter
            g.totals["feedback"] += g.feedback
            g.alerts_this_week += g.alerts
        for c in calls:
            if c.caller.member:
                c.caller.group.totals["reports"] += 1
        if self.day % 7 == 6:
            for g in self.groups:
                if self.day >= self.spec.burn_in_days and g.active:
                    g.silent_weeks += g.alerts_this_week == 0
                    g.weeks_measured += 1
                g.alerts_this_week = 0

    def survey(self, label: str) -> pd.DataFrame:
        """A survey wave: random participants and non-participants answer the instruments
        (worry, willingness and proximity plus normal response noise)."""
        cfg, rnd = self.spec.survey, self.random
        names = [a.name for a in self.spec.areas]
        if cfg.areas:
            eligible = [r for r in self.residents if names[r.street.area] in cfg.areas]
        else:
            eligible = [
                r
                for r in self.residents
                if r.street.area in self.areas_with_groups or not self.groups
            ]
        members = [r for r in eligible if r.member]
        others = [r for r in eligible if not r.member]
        asked = sorted(
            rnd.sample(members, min(cfg.participants, len(members))), key=lambda r: r.index
        ) + sorted(
            rnd.sample(others, min(cfg.non_participants, len(others))), key=lambda r: r.index
        )
        rows = []
        for r in asked:
            answered = r.worry + rnd.gauss(0, cfg.noise)
            unsafe = 2 if answered >= cfg.unsafe_often else int(answered >= cfg.unsafe_sometimes)
            grade = cfg.grade_top - cfg.grade_slope * (r.worry + rnd.gauss(0, cfg.noise))
            rows.append(
                {
                    "wave": label,
                    "respondent": r.index,
                    "respondent_id": r.index,
                    "area": names[r.street.area],
                    "participant": r.member,
                    "feel_unsafe": UNSAFE_ANSWERS[unsafe],
                    "safety_grade": min(max(round(grade), 1), 10),
                    "report_willingness": self.likert(r.willingness),
                    "gov_proximity": self.likert(r.proximity),
                    "day": self.day,
                    "joined_day": r.joined_day,
                    "latent_worry": r.worry,
                    "latent_willingness": r.willingness,
                    "latent_proximity": r.proximity,
                    "victim_12m": r.last_victim_day > self.day - 365,
                    "victim_violence_12m": r.last_violence_day > self.day - 365,
                }
            )
        return pd.DataFrame(rows)

    def likert(self, latent: float) -> int:
        """A 5-point answer: 1 + 4 × (latent + noise), rounded and kept within 1–5."""
        noisy = latent + self.random.gauss(0, self.spec.survey.noise)
        return min(max(round(1 + 4 * noisy), 1), 5)

    # -- results -----------------------------------------------------------------------------
    def group_table(self) -> pd.DataFrame:
        """One row per group, with the columns the engine's group table has."""
        months = max(self.day, 1) / 30.4375
        rows = []
        for g in self.groups:
            members = list(g.members)
            rows.append(
                {
                    "group": g.name,
                    "area": self.spec.areas[g.area].name,
                    "streets": len(g.streets),
                    "adults": g.adults,
                    "members": len(members),
                    "participation": len(members) / max(g.adults, 1),
                    "admins": sum(r.admin for r in members),
                    "start_day": g.start_day,
                    "end_day": g.end_day,
                    "worry_members": sum(r.worry for r in members) / max(len(members), 1),
                    "alerts": g.totals["alerts"],
                    "chatter": g.totals["chatter"],
                    "feedback": g.totals["feedback"],
                    "reports": g.totals["reports"],
                    "silent_weeks": g.silent_weeks,
                    "weeks_measured": g.weeks_measured,
                    "reports_per_month": g.totals["reports"] / months,
                    "alerts_per_month": g.totals["alerts"] / months,
                    **{f"factor_{name}": g.factors[name] for name in FACTOR_NAMES},
                }
            )
        columns = [
            "group",
            "area",
            "streets",
            "adults",
            "members",
            "participation",
            "admins",
            "start_day",
            "end_day",
            "worry_members",
            "alerts",
            "chatter",
            "feedback",
            "reports",
            "silent_weeks",
            "weeks_measured",
            "reports_per_month",
            "alerts_per_month",
            *[f"factor_{name}" for name in FACTOR_NAMES],
        ]
        table = pd.DataFrame(rows, columns=columns)
        for col in ("start_day", "end_day"):
            table[col] = table[col].astype("Int64")
        return table

    def result(self) -> RunResult:
        """The run as a :class:`sim.engine.RunResult` (same tables as the engine's)."""
        survey = pd.concat(self.surveys, ignore_index=True) if self.surveys else empty_microdata()
        scn = self.spec
        return RunResult(
            scenario=scn,
            seed=self.seed,
            daily=pd.DataFrame.from_records(self.records),
            groups=self.group_table(),
            survey=survey,
            metadata={
                "scenario_name": scn.name,
                "scenario_hash": scn.content_hash(),
                "seed": self.seed,
                "version": __version__,
                "days": self.day,
                "burn_in_days": scn.burn_in_days,
                "residents": len(self.residents),
                "households": sum(s.households for s in self.streets),
                "streets": len(self.streets),
                "groups": len(self.groups),
                "implementation": "reference",
            },
        )


def simulate_reference(
    scenario: Scenario,
    seed: int | None = None,
    days: int | None = None,
    resident_class: type[Resident] = Resident,
) -> RunResult:
    """Run the reference model like :func:`sim.engine.simulate` runs the engine."""
    seed = scenario.seed if seed is None else seed
    model = ReferenceModel(scenario, seed, resident_class)
    model.run_for(scenario.days if days is None else days)
    return model.result()


__all__ = [
    "Group",
    "Incident",
    "Police",
    "ReferenceModel",
    "Resident",
    "Street",
    "simulate_reference",
]
