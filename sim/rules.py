"""The daily process of DESIGN.md §2: one short function per rule, vectorised over arrays.

Order of a day (``Engine.step``): interventions → 1 :func:`incidents` and :func:`victimise`
→ 2 :func:`notice` → 3 :func:`respond` (with :func:`call_moments`) and :func:`go_and_look`
→ 6a :func:`police` (decides outcomes and queues
feedback) → 4 :func:`group_messages` and :func:`read_messages` → 5 :func:`word_of_mouth` →
7 :func:`remember`, :func:`leave_groups`, :func:`join_groups`.

Police outcomes are decided before the group reads its messages because feedback posted today
(delay 0, as in Tilburg) is read today. Every function documents what it changes; ``docs/odd.md``
describes the same rules in words, one section each.

Rules that visit every resident (or every member) each day do so in a plain loop compiled
by numba (the ``_``-prefixed function right below the rule); the rule itself gathers the
day's figures and draws the random numbers from its submodel's stream (``sim/streams.py``),
so a seed gives the same run in any process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from sim.compiled import compiled, poisson
from sim.population import Population
from sim.scenario import Scenario
from sim.state import State

BURGLARY, THEFT, VANDALISM, SUSPICIOUS, VIOLENCE = 0, 1, 2, 3, 4
KINDS = ("burglary", "theft", "vandalism", "suspicious", "violence")


@dataclass
class Events:
    """Today's incidents, one entry per incident."""

    street: np.ndarray  # int[E]
    kind: np.ndarray  # int[E], BURGLARY … VIOLENCE
    in_progress: np.ndarray  # bool[E], can be seen while it happens
    victim: np.ndarray  # int[E], resident, -1 for suspicious situations
    duration: np.ndarray | None = None  # float[E], minutes it can be seen while it happens

    def __post_init__(self) -> None:
        if self.duration is None:  # events made by hand: not timed (over at once)
            self.duration = np.zeros(len(self.kind))

    @cached_property
    def is_crime(self) -> np.ndarray:
        return self.kind != SUSPICIOUS


@dataclass
class Responses:
    """What residents did about today's incidents."""

    witness_event: np.ndarray  # int[W], event of each (event, resident) witness pair
    witness: np.ndarray  # int[W], resident
    caller_event: np.ndarray  # int[C], event of each call to the police
    caller: np.ndarray  # int[C], resident who called
    call_112: np.ndarray  # bool[C], 112 (urgent) or 0900-8844
    alerted: np.ndarray  # bool[E], posted in the street's group
    stigmatising: np.ndarray  # bool[E], the alert stigmatises
    confrontations: int = 0  # set by :func:`go_and_look`
    # Per incident (None: made by hand, filled with 'nothing happened'):
    call_minutes: np.ndarray | None = None  # float[E], minutes from the start to the first
    #                                         call (NaN: none while it happened)
    went_to_look: np.ndarray | None = None  # int[E], members who went out after the alert
    confronted: np.ndarray | None = None  # bool[E], a member who went out confronted someone
    escalated: np.ndarray | None = None  # bool[E], the confrontation escalated
    conflict: np.ndarray | None = None  # bool[E], it caused a conflict in the group
    # Filled in by :func:`police` (also for the event logs):
    police_came: np.ndarray | None = None  # bool[E]
    feedback: np.ndarray | None = None  # bool[E], the outcome is fed back to the group
    arrival_minutes: np.ndarray | None = None  # float[E], first call → arrival; NaN: none came

    def __post_init__(self) -> None:
        n = len(self.alerted)
        if self.call_minutes is None:
            self.call_minutes = np.full(n, np.nan)
        if self.went_to_look is None:
            self.went_to_look = np.zeros(n, dtype=np.int64)
        for name in ("confronted", "escalated", "conflict"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(n, dtype=bool))


# --------------------------------------------------------------------------- 1. incidents


def deterrence(pop: Population, st: State, scn: Scenario) -> np.ndarray:
    """Relative cut in crime per street by a visible group: it grows with the group's
    participation (full at ``crime.deterrence_full_share`` of adults) and street signs make
    it fully visible (without them: ``crime.deterrence_unsigned``) (§2 step 1). Only groups
    that exist today deter."""
    c = scn.crime
    g = st.group_of_street
    cut = np.zeros(pop.n_streets)
    if pop.n_groups == 0:
        return cut
    share = np.minimum(
        st.members_per_group / np.maximum(st.group_adults, 1) / c.deterrence_full_share, 1.0
    )
    unsigned = c.deterrence_unsigned
    visibility = share * (unsigned + (1 - unsigned) * st.factors["signs"])
    covered = g >= 0
    cut[covered] = c.deterrence * visibility[g[covered]]
    return cut


def crime_rate(pop: Population, st: State, scn: Scenario) -> np.ndarray:
    """Expected crimes per street today: base rate, minus deterrence, minus the effect of
    recent arrests in the area, plus crime displaced from covered to uncovered streets of the
    same area unless the municipality coordinates (covers adjacent streets too)."""
    c = scn.crime
    coordination = st.factors["municipal_coordination"] if pop.n_groups else np.zeros(1)
    return _street_rates(
        pop.households_of_street,
        pop.crime_multiplier,
        pop.area_of_street,
        st.group_of_street,
        deterrence(pop, st, scn),
        coordination,
        st.arrest_until > st.day,
        (c.burglary_rate + c.theft_rate + c.vandalism_rate) / 365.0,
        c.displacement,
        c.arrest_deterrence,
    )


@compiled
def _street_rates(
    households,
    multiplier,
    area,
    group,
    cut,
    coordination,
    arrested,
    daily_rate,
    displacement,
    arrest_deterrence,
):
    """Street by street: the base rate less what the group deters; what is deterred but not
    coordinated away moves to the area's uncovered streets, by their households."""
    rate = np.empty(len(households))
    moved = np.zeros(len(arrested))
    room = np.zeros(len(arrested))
    for s in range(len(households)):
        base = households[s] * multiplier[s] * daily_rate
        deterred = base * cut[s]
        rate[s] = base - deterred
        if group[s] >= 0:
            moved[area[s]] += deterred * (1 - coordination[group[s]]) * displacement
        else:
            room[area[s]] += households[s]
    for s in range(len(households)):
        if arrested[area[s]]:
            rate[s] *= 1 - arrest_deterrence
        if group[s] < 0 and room[area[s]] > 0:
            rate[s] += moved[area[s]] * households[s] / room[area[s]]
    return rate


class CrimeParams(NamedTuple):
    """The crime submodel's daily rates as :func:`_incident_counts` reads them."""

    burglary_share: float  # of the street's property crime (rates ÷ their total)
    theft_share: float
    vandalism_share: float
    suspicious_rate: float  # per household and year
    violence_rate: float  # per resident and year
    with_property_crime: bool  # the property crime rates are not all zero
    with_violence: bool


def _crime_params(scn: Scenario) -> CrimeParams:
    """The crime submodel's record from the scenario (shares of the property crime rates)."""
    c = scn.crime
    total = c.burglary_rate + c.theft_rate + c.vandalism_rate
    shares = (
        np.array([c.burglary_rate, c.theft_rate, c.vandalism_rate]) / total if total else [0] * 3
    )
    return CrimeParams(
        *map(float, shares), c.suspicious_rate, c.violence_rate, total > 0, c.violence_rate > 0
    )


def incidents(pop: Population, st: State, scn: Scenario, rng: np.random.Generator) -> Events:
    """Step 1: Poisson crimes per street and type (burglary, theft, vandalism), ambiguous
    suspicious situations and violent crimes (per resident, not deterred); a share of crimes
    can be seen while in progress."""
    c = scn.crime
    params = _crime_params(scn)
    rate = crime_rate(pop, st, scn)
    wave = burglary_waves(pop, st, scn) if c.waves else np.ones(0)
    u = rng.random((pop.n_streets, 4))
    # Violence is drawn apart, so that without violence the stream is unchanged.
    u_violent = rng.random(pop.n_streets) if c.violence_rate > 0 else np.empty(0)
    street, kind = _incident_counts(
        rate,
        (pop.households_of_street, pop.crime_multiplier, pop.street_size),
        wave,
        params,
        u,
        u_violent,
    )
    n = len(kind)
    in_progress, victim = _incident_details(
        street,
        kind,
        pop.street_start,
        pop.street_size,
        c.in_progress_share,
        rng.random(n),
        rng.random(n),
    )
    duration = rng.exponential(scn.police.offence_minutes, n)
    return Events(
        street=street, kind=kind, in_progress=in_progress, victim=victim, duration=duration
    )


@compiled
def _incident_counts(rate, streets, wave, params, u, u_violent):
    """Today's incidents as (street, kind) entries: Poisson counts per street of each
    property crime (its share of the street's ``rate``; burglary × ``wave`` if given),
    suspicious situations (by households) and violent crimes (by residents) from the
    uniforms ``u`` (street × burglary, theft, vandalism, suspicious) and ``u_violent``."""
    households, multiplier, size = streets
    p = params
    n_streets = len(rate)
    lam = np.zeros((n_streets, 4))
    for s in range(n_streets):
        if p.with_property_crime:
            lam[s, 0] = rate[s] * p.burglary_share
            lam[s, 1] = rate[s] * p.theft_share
            lam[s, 2] = rate[s] * p.vandalism_share
        lam[s, 3] = households[s] * multiplier[s] * p.suspicious_rate / 365
        if len(wave):
            lam[s, 0] *= wave[s]
    counts = np.zeros((n_streets, len(KINDS)), dtype=np.int64)
    counts[:, :4] = poisson(lam, u)
    if p.with_violence:
        violent = np.empty(n_streets)
        for s in range(n_streets):
            violent[s] = size[s] * multiplier[s] * p.violence_rate / 365
        counts[:, VIOLENCE] = poisson(violent, u_violent)
    return _events(counts)


@compiled
def _incident_details(street, kind, street_start, street_size, in_progress_share, u_seen, u_victim):
    """Per incident: whether it can be seen in progress (suspicious situations always) and
    its victim (a resident of the street; -1 for a suspicious situation)."""
    n = len(kind)
    in_progress = np.empty(n, dtype=np.bool_)
    victim = np.full(n, -1, dtype=np.int64)
    for e in range(n):
        crime = kind[e] != SUSPICIOUS
        in_progress[e] = not crime or u_seen[e] < in_progress_share
        if crime:
            victim[e] = street_start[street[e]] + np.int64(u_victim[e] * street_size[street[e]])
    return in_progress, victim


def burglary_waves(pop: Population, st: State, scn: Scenario) -> np.ndarray:
    """Multiplier of each street's burglary rate today from the scenario's burglary waves."""
    per_area = np.ones(len(pop.area_names))
    for w in scn.crime.waves:
        if w.day <= st.day < w.day + w.days:
            per_area[pop.area_names.index(w.area)] *= w.burglary_multiplier
    return per_area[pop.area_of_street]


@compiled
def _events(counts):
    """One (street, kind) entry per incident from counts per street (rows) and kind."""
    n = counts.sum()
    street = np.empty(n, dtype=np.int64)
    kind = np.empty(n, dtype=np.int64)
    e = 0
    for s in range(counts.shape[0]):
        for k in range(counts.shape[1]):
            for _ in range(counts[s, k]):
                street[e], kind[e] = s, k
                e += 1
    return street, kind


def victimise(pop: Population, st: State, ev: Events, scn: Scenario) -> None:
    """A victim's worry jumps to at least ``crime.victim_worry``, a victim of violence's to
    at least ``crime.violence_worry``; each victim's history (day and kind of the last
    victimisation, their number, the last violent one), the street's last crime day and the
    area's burglaries of the wave window are updated."""
    crime = ev.victim >= 0
    v, kind = ev.victim[crime], ev.kind[crime]
    jump = np.where(kind == VIOLENCE, scn.crime.violence_worry, scn.crime.victim_worry)
    st.worry[v] = np.maximum(st.worry[v], jump)
    st.shaken[v] = True
    st.victims_today = v
    st.last_victim_day[v] = st.day
    st.last_victim_kind[v] = kind
    np.add.at(st.victimisations, v, 1)
    st.last_violence_day[v[kind == VIOLENCE]] = st.day
    st.street_crime_day[ev.street[crime]] = st.day
    burgled = pop.area_of_street[ev.street[ev.kind == BURGLARY]]
    st.area_burglaries[st.day % len(st.area_burglaries)] = np.bincount(
        burgled, minlength=len(pop.area_names)
    )


# --------------------------------------------------------------------------- 2. noticing


def notice(
    pop: Population, st: State, ev: Events, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Step 2: each resident of the street notices an incident in progress with their
    vigilance. Returns (event, resident) witness pairs."""
    seen = np.flatnonzero(ev.in_progress)
    size = pop.street_size[ev.street[seen]]
    pair_event = np.repeat(seen, size)
    shift = pop.street_start[ev.street[seen]] - (np.cumsum(size) - size)
    resident = np.arange(len(pair_event)) + np.repeat(shift, size)
    hit = rng.random(len(resident)) < st.vigilance[resident]
    hit &= resident != ev.victim[pair_event]
    return pair_event[hit], resident[hit]


# --------------------------------------------------------------------------- 3. response


class ResponseParams(NamedTuple):
    """The response submodel's constants, as :func:`_respond` reads them."""

    call_crime: float
    call_suspicious: float
    bystander_exponent: float
    willingness_factor: float
    saar_call_boost: float
    purpose_call_boost: float
    urgent_suspicious_share: float
    late_report_factor: float
    false_alarm_share: float
    post_propensity: float
    stigma_share: float
    recognition_false_alarm_cut: float
    admin_stigma_cut: float
    with_groups: bool


def _response_params(scn: Scenario, with_groups: bool) -> ResponseParams:
    """The response submodel's record from the scenario."""
    r = scn.response
    return ResponseParams(
        r.call_crime,
        r.call_suspicious,
        r.bystander_exponent,
        r.willingness_factor,
        r.saar_call_boost,
        r.purpose_call_boost,
        r.urgent_suspicious_share,
        r.late_report_factor,
        r.false_alarm_share,
        r.post_propensity,
        r.stigma_share,
        r.recognition_false_alarm_cut,
        r.admin_stigma_cut,
        with_groups,
    )


def respond(
    pop: Population,
    st: State,
    ev: Events,
    witness_event: np.ndarray,
    witness: np.ndarray,
    scn: Scenario,
    rng: np.random.Generator,
) -> Responses:
    """Step 3 (SAAR): witnesses call the police (discounted by the number of other
    witnesses), members post alerts; trained members signal '112 is gebeld' so fellow members
    do not call again; weak rules let stigmatising posts through. Victims of crimes not seen
    in progress report afterwards (0900-8844) and post. Each call comes some minutes after
    the incident started (:func:`call_moments`)."""
    f = st.factors
    n_ev, n_w = len(ev.kind), len(witness)
    if pop.n_groups == 0:  # no groups: no training, no app
        f = {k: np.zeros(1) for k in f}
    u_w = rng.random((4, n_w))  # per witness: call, (unused), hold back, post
    # '112 is gebeld' goes out after the earliest member's call: order calls by their minute.
    u_w[1] = call_moments(pop, st, ev, witness_event, witness, f["saar_training"], scn, rng)
    u_e = rng.random((2, n_ev))  # per event: urgent, stigmatising
    n_late = int(np.count_nonzero(ev.is_crime & ~ev.in_progress))
    u_late = rng.random((2, n_late))  # per crime found afterwards: report, post
    caller_event, caller, call_112, minutes, alerted, stigma = _respond(
        (witness_event, witness),
        (ev.is_crime, ev.in_progress, ev.victim, ev.kind, st.group_of_street[ev.street]),
        (st.member, st.willingness),
        (
            f["saar_training"],
            f["clear_purpose"],
            f["recognition_training"],
            f["vigilantism_guard"],
            f["active_admin"],
        ),
        _response_params(scn, pop.n_groups > 0),
        (u_w, u_e, u_late),
    )
    return Responses(
        witness_event,
        witness,
        caller_event,
        caller,
        call_112,
        alerted,
        stigma,
        call_minutes=minutes,
    )


@compiled
def _respond(witnesses, incident, residents, factors, params, draws):
    """The day's calls and posts: witnesses' calls (:func:`_calls`) and the moment of each
    incident's first call; late reports by victims of crimes found afterwards (0900-8844);
    members' alerts and stigmatising posts (:func:`_alerts`). ``incident`` is (is_crime,
    in_progress, victim, kind, group) per incident; ``draws`` the uniforms per witness,
    per incident and per crime found afterwards."""
    witness_event, witness = witnesses
    is_crime, in_progress, victim, kind, group = incident
    member, willingness = residents
    saar, purpose, recognition, guard, admin = factors
    u_w, u_e, u_late = draws
    p = params
    n_ev = len(is_crime)
    calls = _calls(
        witness_event,
        witness,
        is_crime,
        group,
        member,
        willingness,
        saar,
        purpose,
        np.array(
            [
                p.call_crime,
                p.call_suspicious,
                p.bystander_exponent,
                p.willingness_factor,
                p.saar_call_boost,
                p.purpose_call_boost,
            ]
        ),
        n_ev,
        u_w,
    )
    n_calls = calls.sum()
    late = np.empty(len(u_late[0]), dtype=np.int64)
    n_late = 0
    n_reports = 0
    reports = np.zeros(len(late), dtype=np.bool_)
    for e in range(n_ev):
        if is_crime[e] and not in_progress[e]:
            chance = min(p.call_crime * p.late_report_factor * willingness[victim[e]], 1.0)
            reports[n_late] = u_late[0, n_late] < chance
            n_reports += reports[n_late]
            late[n_late] = e
            n_late += 1
    caller_event = np.empty(n_calls + n_reports, dtype=np.int64)
    caller = np.empty(n_calls + n_reports, dtype=np.int64)
    call_112 = np.zeros(n_calls + n_reports, dtype=np.bool_)
    c = 0
    for k in range(len(calls)):
        if calls[k]:
            e = witness_event[k]
            caller_event[c], caller[c] = e, witness[k]
            call_112[c] = is_crime[e] or u_e[0, e] < p.urgent_suspicious_share
            c += 1
    for k in range(n_late):
        if reports[k]:
            caller_event[c], caller[c] = late[k], victim[late[k]]
            c += 1
    minutes = _first_call(witness_event, calls, u_w[1], n_ev)
    alerted = np.zeros(n_ev, dtype=np.bool_)
    stigma = np.zeros(n_ev, dtype=np.bool_)
    if p.with_groups:
        for k in range(n_late):
            if member[victim[late[k]]] and u_late[1, k] < p.post_propensity:
                alerted[late[k]] = True
        suspicious = np.empty(n_ev, dtype=np.bool_)
        for e in range(n_ev):
            suspicious[e] = kind[e] == SUSPICIOUS
        _alerts(
            witness_event,
            witness,
            is_crime,
            suspicious,
            group,
            member,
            recognition,
            guard,
            admin,
            np.array(
                [
                    p.false_alarm_share,
                    p.post_propensity,
                    p.stigma_share,
                    p.recognition_false_alarm_cut,
                    p.admin_stigma_cut,
                ]
            ),
            u_w[3],
            u_e[1],
            alerted,
            stigma,
        )
    return caller_event, caller, call_112, minutes, alerted, stigma


@compiled
def _calls(
    event, witness, is_crime, group, member, willingness, saar, purpose, params, n_events, u
):
    """Signaleer/Alarmeer: each witness calls with their willingness (trained members more),
    discounted by the number of witnesses; after the first member's call of an event (the
    earliest by its minute, ``u[1]``), trained members hold back (``u[2]``). ``params``: call chance
    for a crime and a suspicious situation, bystander exponent, willingness factor, SAAR and
    purpose boosts of members' calls."""
    call_crime, call_suspicious, bystander_exponent, will_factor, saar_boost, purpose_boost = (
        params[0],
        params[1],
        params[2],
        params[3],
        params[4],
        params[5],
    )
    n_witnesses = np.zeros(n_events)
    for k in range(len(event)):
        n_witnesses[event[k]] += 1
    calls = np.zeros(len(event), dtype=np.bool_)
    first = np.full(n_events, -1)
    for k in range(len(event)):
        e, i = event[k], witness[k]
        p = (call_crime if is_crime[e] else call_suspicious) * will_factor * willingness[i]
        if member[i]:
            g = group[e]
            p *= 1 + saar_boost * saar[g] + purpose_boost * (purpose[g] - 0.5)
        calls[k] = u[0, k] < min(p, 1.0) * n_witnesses[e] ** -bystander_exponent
        if calls[k] and member[i] and (first[e] < 0 or u[1, k] < u[1, first[e]]):
            first[e] = k
    for k in range(len(event)):  # "112 is gebeld": the other member callers may hold back
        e = event[k]
        if calls[k] and member[witness[k]] and k != first[e]:
            calls[k] = u[2, k] >= saar[group[e]]
    return calls


@compiled
def _first_call(event, calls, moment, n_events):
    """The earliest moment among the calls of each event (NaN: no call)."""
    first = np.full(n_events, np.nan)
    for k in range(len(event)):
        e = event[k]
        if calls[k] and not moment[k] >= first[e]:  # NaN compares False: the first call wins
            first[e] = moment[k]
    return first


def call_moments(
    pop: Population,
    st: State,
    ev: Events,
    witness_event: np.ndarray,
    witness: np.ndarray,
    saar: np.ndarray,
    scn: Scenario,
    rng: np.random.Generator,
) -> np.ndarray:
    """Step 3 (time inside the day): the minute, counted from an incident's start, at which
    each witness would call. A witness notices it at a uniform moment while it lasts and then
    takes an exponential time to call: ``response.call_minutes``, longer with more witnesses
    (bystanders wait for each other), shorter for SAAR-trained members. The first call of an
    incident is the earliest of those who do call."""
    r = scn.response
    n_witnesses = np.bincount(witness_event, minlength=len(ev.kind))[witness_event]
    u = rng.random((2, len(witness_event)))  # per witness: moment noticed, minutes to call
    g = np.maximum(pop.group_of_street[ev.street[witness_event]], 0)  # no groups: saar = [0]
    trained = np.where(st.member[witness], saar[g], 0.0)
    hesitation = (
        r.call_minutes
        * n_witnesses**r.bystander_delay_exponent
        * (1 - r.saar_call_speedup * trained)
    )
    return u[0] * ev.duration[witness_event] - np.log1p(-u[1]) * hesitation


@compiled
def _alerts(
    event,
    witness,
    is_crime,
    suspicious,
    group,
    member,
    recognition,
    guard,
    admin,
    params,
    u_post,
    u_stigma,
    alerted,
    stigma,
):
    """Members who noticed post (a suspicious situation less often after recognition
    training); weak rules let stigmatising posts through. Marks ``alerted`` and ``stigma``
    per event. ``params``: false-alarm share, post propensity, stigma share, cut of false
    alarms by recognition training, cut of stigmatising posts by an active administrator."""
    false_alarm_share, post_propensity, stigma_share, recognition_cut, admin_cut = (
        params[0],
        params[1],
        params[2],
        params[3],
        params[4],
    )
    for k in range(len(event)):
        e = event[k]
        if member[witness[k]]:
            worth = 1.0
            if not is_crime[e]:
                worth = false_alarm_share * (1 - recognition_cut * recognition[group[e]])
            if u_post[k] < post_propensity * worth:
                alerted[e] = True
    for e in range(len(alerted)):
        if group[e] < 0:
            alerted[e] = False
        if not alerted[e]:
            continue
        g = group[e]
        stigma[e] = suspicious[e] and u_stigma[e] < stigma_share * (1 - guard[g]) * (
            1 - admin_cut * admin[g]
        )


def go_and_look(
    pop: Population, st: State, ev: Events, resp: Responses, scn: Scenario, rng: np.random.Generator
) -> None:
    """Step 3b (SAAR: Reageer): after an alert about an incident in progress some members go
    out to look — members of the street more than members elsewhere in the group, SAAR-trained
    members more (at a safe distance). Each who goes out may confront the 'suspect' (less with
    guarding and SAAR). A confrontation can escalate (a member of the street is shaken as a
    victim is), stigmatises when the alarm was false (an ambiguous situation), and can cause
    a conflict in the group that makes some members leave (:func:`leave_groups`)."""
    r, f = scn.response, st.factors
    out = np.flatnonzero(resp.alerted & ev.in_progress)
    if len(out) == 0:
        return
    g = pop.group_of_street[ev.street[out]]
    near = _members_on(st.member, pop.street_start, ev.street[out])
    far = st.members_per_group[g] - near
    saar, guard = f["saar_training"][g], f["vigilantism_guard"][g]
    p_near = np.minimum(r.look_near * (1 + r.saar_look_boost * saar), 1.0)
    looked = rng.binomial(near, p_near) + rng.binomial(far, p_near * r.look_far)
    per_looker = r.vigilante_share * (1 - guard) * (1 - saar)
    u = rng.random((4, len(out)))  # per alert: confrontation, escalation, conflict, who
    confronted = u[0] < 1 - (1 - per_looker) ** looked
    escalated = confronted & (u[1] < r.escalation_share)
    conflict = confronted & (u[2] < r.conflict_share)
    resp.went_to_look[out] = looked
    resp.confronted[out] = confronted
    resp.escalated[out] = escalated
    resp.conflict[out] = conflict
    resp.confrontations = int(confronted.sum())
    resp.stigmatising[out] |= confronted & (ev.kind[out] == SUSPICIOUS)
    np.add.at(st.conflicts, g[conflict], 1)
    for k in np.flatnonzero(escalated):  # a member of the street is shaken as a victim is
        lo = pop.street_start[ev.street[out[k]]]
        on_street = lo + np.flatnonzero(st.member[lo : pop.street_start[ev.street[out[k]] + 1]])
        if len(on_street):
            i = on_street[int(u[3, k] * len(on_street))]
            st.worry[i] = max(st.worry[i], scn.crime.victim_worry)
            st.shaken[i] = True


@compiled
def _members_on(member, street_start, streets):
    """Members living on each of ``streets``."""
    out = np.zeros(len(streets), dtype=np.int64)
    for k in range(len(streets)):
        for i in range(street_start[streets[k]], street_start[streets[k] + 1]):
            out[k] += member[i]
    return out


# --------------------------------------------------------------------------- 6. police


class PoliceParams(NamedTuple):
    """The police submodel's constants, as :func:`_police_outcomes` reads them."""

    response_112: float
    response_0900: float
    arrival_112_minutes: float
    arrival_0900_minutes: float
    arrival_shape: float
    description_bonus: float
    timing: bool  # arrest_model == "timing" (else "probability")
    arrest_on_scene: float
    arrest_in_progress: float
    professional_feedback: float
    with_groups: bool


def _police_params(scn: Scenario, with_groups: bool) -> PoliceParams:
    """The police submodel's record from the scenario."""
    pol = scn.police
    return PoliceParams(
        pol.response_112,
        pol.response_0900,
        pol.arrival_112_minutes,
        pol.arrival_0900_minutes,
        pol.arrival_shape,
        pol.description_bonus,
        pol.arrest_model == "timing",
        pol.arrest_on_scene,
        pol.arrest_in_progress,
        pol.professional_feedback,
        with_groups,
    )


def police(
    pop: Population, st: State, ev: Events, resp: Responses, scn: Scenario, rng: np.random.Generator
) -> np.ndarray:
    """Step 6: police respond to reported incidents and arrive some minutes after the first
    call (112 fast, 0900-8844 slow). A 112 call about a crime in progress can lead to an
    arrest in the act: under ``police.arrest_model = "timing"`` when the police arrive before
    the offence ends and catch the offender, under ``"probability"`` with a fixed chance
    (both better with the description of a trained group's alert). With a feedback link the
    outcome is queued for the group after a delay in hours (late feedback weighs less);
    reporters who hear nothing lose willingness and efficacy. Sets ``resp.arrival_minutes``;
    returns the arrests per event."""
    pol, f = scn.police, st.factors
    n_ev = len(ev.kind)
    params = _police_params(scn, pop.n_groups > 0)
    u = rng.random((2, n_ev))  # per event: police come, catch
    travel = rng.standard_gamma(pol.arrival_shape, n_ev)  # × mean / shape in the kernel
    # Feedback: to the group when the incident is on a covered street, else personal.
    u_fb = rng.random(n_ev) if pop.n_groups else u[0]  # (unused without groups)
    g = st.group_of_street[ev.street]
    none = np.zeros(1)
    came, arrest, fb = _police_outcomes(
        resp.caller_event,
        resp.call_112,
        (ev.is_crime, ev.in_progress, ev.duration, resp.call_minutes, resp.alerted, g),
        (
            (f["recognition_training"], f["police_feedback"], f["linked_professional"])
            if pop.n_groups
            else (none, none, none)
        ),
        params,
        u,
        travel,
        u_fb,
    )
    resp.arrival_minutes = np.where(came, travel, np.nan)
    st.arrest_until[pop.area_of_street[ev.street[arrest]]] = st.day + scn.crime.arrest_memory_days
    if fb.any():
        hours = rng.exponential(f["feedback_delay_hours"][g[fb]])
        clock = 24 * rng.random(len(hours))  # hour of the day of the report
        days = ((clock + hours) // 24).astype(int)
        weight = 1 / (1 + hours / pol.feedback_timeliness_hours)
        for d, group, w, caught in zip(days, g[fb], weight, arrest[fb], strict=True):
            st.queue_feedback(st.day + int(d), int(group), bool(caught), float(w))
    resp.police_came, resp.feedback = came, fb
    _answer_callers(
        resp.caller,
        resp.caller_event,
        fb,
        st.member,
        rng.random(len(resp.caller)),
        pol.caller_feedback,
        1 - scn.messages.no_feedback_penalty,
        st.willingness,
        st.efficacy,
        st.today_reassured,
    )
    return arrest


@compiled
def _police_outcomes(caller_event, call_112, incident, factors, params, u, travel, u_fb):
    """Per event: whether the police came (``travel`` becomes their minutes on the way),
    made an arrest in the act, and feed the outcome back to the street's group. ``incident``
    is (is_crime, in_progress, duration, call_minutes, alerted, group) per event; ``factors``
    the groups' recognition training, police feedback and linked professional."""
    is_crime, in_progress, duration, call_minutes, alerted, group = incident
    recognition, feedback, linked = factors
    p = params
    n_ev = len(is_crime)
    reported = np.zeros(n_ev, dtype=np.bool_)
    by_112 = np.zeros(n_ev, dtype=np.bool_)
    for k in range(len(caller_event)):
        reported[caller_event[k]] = True
        if call_112[k]:
            by_112[caller_event[k]] = True
    came = np.zeros(n_ev, dtype=np.bool_)
    arrest = np.zeros(n_ev, dtype=np.bool_)
    fb = np.zeros(n_ev, dtype=np.bool_)
    for e in range(n_ev):
        came[e] = reported[e] and u[0, e] < (p.response_112 if by_112[e] else p.response_0900)
        mean = p.arrival_112_minutes if by_112[e] else p.arrival_0900_minutes
        travel[e] = mean / p.arrival_shape * travel[e]
        gi = max(group[e], 0)
        described = 1.0
        if p.with_groups:
            described = 1 + p.description_bonus * recognition[gi] * (1.0 if alerted[e] else 0.0)
        if p.timing:
            in_time = call_minutes[e] + travel[e] < duration[e]  # NaN (no call) is False
            chance = min(p.arrest_on_scene * described, 1.0) if in_time else 0.0
        else:
            chance = min(p.arrest_in_progress * described, 1.0)
        arrest[e] = came[e] and by_112[e] and is_crime[e] and in_progress[e] and u[1, e] < chance
        if p.with_groups:
            p_fb = feedback[gi] + p.professional_feedback * (1 - feedback[gi]) * linked[gi]
            fb[e] = reported[e] and group[e] >= 0 and u_fb[e] < p_fb
    return came, arrest, fb


@compiled
def _answer_callers(
    caller, caller_event, fb, member, u, caller_feedback, keep, willingness, efficacy, reassured
):
    """Callers who are members of a group that got feedback heard the outcome there; the
    others hear it personally with ``caller_feedback`` (reassured), or not at all: then
    willingness and efficacy are multiplied by ``keep`` once per unanswered call."""
    for k in range(len(caller)):
        i = caller[k]
        if fb[caller_event[k]] and member[i]:
            continue
        if u[k] < caller_feedback:
            reassured[i] += 1.0
        else:
            willingness[i] *= keep
            efficacy[i] *= keep


# --------------------------------------------------------------------------- 4. messages


@dataclass
class GroupTraffic:
    """Messages posted today per group, by type."""

    alerts: np.ndarray
    stigmatising: np.ndarray
    chatter: np.ndarray
    social: np.ndarray  # messages in the separate social channel
    feedback: np.ndarray
    keepalive: np.ndarray
    alert_street: np.ndarray  # alerts per street (for 'close by')
    responded: np.ndarray  # alerts about incidents a member called the police about
    relay: np.ndarray  # share of alerts and chatter that reaches all members (layered)
    # feedback weighted by its timeliness (what reassures); None: all of it on time
    timely_feedback: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.timely_feedback is None:
            self.timely_feedback = self.feedback


class ChatterParams(NamedTuple):
    """The messages submodel's constants for social talk, as :func:`_posts` reads them."""

    chatter_rate: float
    admin_chatter_cut: float
    rules_chatter_cut: float
    social_channel_share: float


def _chatter_params(scn: Scenario) -> ChatterParams:
    """The messages submodel's record for social talk from the scenario."""
    m = scn.messages
    return ChatterParams(
        m.chatter_rate, m.admin_chatter_cut, m.rules_chatter_cut, m.social_channel_share
    )


def group_messages(
    pop: Population, st: State, ev: Events, resp: Responses, scn: Scenario, rng: np.random.Generator
) -> GroupTraffic:
    """Step 4a: today's posts per group — alerts (and which of them show that a member
    called the police), social talk (cut by rules and an active administrator; with a
    social channel, part of it and what the rules keep out move there), feedback due today
    (plus administrators' follow-up after alerts) and keep-alive test messages."""
    f, n_g, m = st.factors, pop.n_groups, scn.messages
    alerts, stigma, responded, social, chatter, alert_street = _posts(
        (ev.street, st.group_of_street[ev.street], resp.alerted, resp.stigmatising),
        (resp.caller, resp.caller_event, st.member),
        st.members_per_group,
        (f["active_admin"], f["group_rules"], f["social_channel"]),
        _chatter_params(scn),
        rng.random(n_g),
        pop.n_streets,
    )
    followup = (
        rng.binomial(alerts.astype(int), m.admin_followup * f["active_admin"])
        if alerts.any()
        else 0
    )
    due, due_weight = st.feedback_due(n_g)
    feedback = (due + followup) * st.group_active  # lost once a group ends
    timely = (due_weight + followup) * st.group_active
    every = f["keep_alive_days"]
    keepalive = ((every > 0) & (st.day % np.maximum(every, 1) == 0) & st.group_active).astype(float)
    relay = 1 - (1 - m.layered_relay) * f["layered"]
    return GroupTraffic(
        alerts, stigma, chatter, social, feedback, keepalive, alert_street, responded, relay, timely
    )


@compiled
def _posts(incidents, calls, members_per_group, factors, params, u, n_streets):
    """Per group: alerts, stigmatising alerts, alerts about incidents a member called the
    police about, social-channel talk and in-group chatter (Poisson from the uniforms
    ``u``); and alerts per street. ``incidents`` is (street, group, alerted, stigmatising)
    per incident, ``calls`` (caller, event) per call and who is a member, ``factors`` the
    groups' active administrator, rules and social channel."""
    street, group, alerted, stigmatising = incidents
    caller, caller_event, member = calls
    active_admin, rules, social_channel = factors
    p = params
    n_g = len(members_per_group)
    alerts, stigma, responded = np.zeros(n_g), np.zeros(n_g), np.zeros(n_g)
    alert_street = np.zeros(n_streets, dtype=np.int64)
    member_called = np.zeros(len(street), dtype=np.bool_)
    for k in range(len(caller)):
        if member[caller[k]]:
            member_called[caller_event[k]] = True
    for e in range(len(street) if n_g else 0):  # without groups nothing is posted
        g = max(group[e], 0)
        if alerted[e]:
            alerts[g] += 1
            alert_street[street[e]] += 1
            if member_called[e]:
                responded[g] += 1
        if stigmatising[e]:
            stigma[g] += 1
    in_group, social = np.empty(n_g), np.empty(n_g)
    for g in range(n_g):
        talk = p.chatter_rate * members_per_group[g] * (1 - p.admin_chatter_cut * active_admin[g])
        kept_out = p.rules_chatter_cut * rules[g]
        moved = p.social_channel_share * social_channel[g]
        in_group[g] = talk * (1 - kept_out) * (1 - moved)
        social[g] = talk * social_channel[g] * (1 - (1 - kept_out) * (1 - moved))
    chatter = poisson(in_group, u).astype(np.float64)
    return alerts, stigma, responded, social, chatter, alert_street


def attention(st: State, traffic: GroupTraffic, scn: Scenario) -> np.ndarray:
    """Share of today's group messages a member reads: it halves at
    ``messages.attention_half_volume`` messages a day that reach members (in a layered
    group only the relayed share of alerts and chatter), and fades in quiet spells of the
    alarm function (days without an alert, feedback or keep-alive message; halved after
    ``messages.quiet_fade_days``) unless a keep-alive test message ends them; nothing is
    read in a dormant group (see :func:`dormant`)."""
    m = scn.messages
    volume = (
        traffic.relay * (traffic.alerts * m.alert_replies + traffic.chatter)
        + traffic.feedback
        + traffic.keepalive
    )
    group = 1 / (1 + volume / m.attention_half_volume)
    group = group / (1 + st.quiet_days / m.quiet_fade_days)
    return np.where(dormant(st, scn), 0.0, group)


def dormant(st: State, scn: Scenario) -> np.ndarray:
    """Groups that are dormant today: they exist and their alarm function has been quiet (no
    alert, feedback or keep-alive message) for ``lifecycle.dormant_after_days`` days before
    today; members have muted them and read nothing."""
    after = scn.lifecycle.dormant_after_days
    return st.group_active & (after > 0) & (st.quiet_days >= max(after, 1))


def reassurance(pop: Population, st: State, traffic: GroupTraffic, scn: Scenario) -> np.ndarray:
    """Step 4c, per group: the reassuring side of membership that does not depend on the
    member — the visible watch (participation ÷ ``reassurance.full_watch_share``, at most
    1; a member's relief from it also scales with their cohesion) and the daily relief of a
    known wijkagent and a known, active administrator. Returns rows (watch, daily relief);
    :func:`read_messages` applies them with the message-borne relief (members who acted,
    social contact)."""
    r, f = scn.reassurance, st.factors
    watch = np.minimum(
        st.members_per_group / np.maximum(st.group_adults, 1) / r.full_watch_share, 1.0
    )
    daily = r.professional_relief * f["linked_professional"] + r.admin_relief * f["active_admin"]
    return np.stack([watch, np.minimum(daily, 1.0)])


def read_messages(pop: Population, st: State, traffic: GroupTraffic, scn: Scenario) -> None:
    """Step 4b: members read with their attention what reaches them. Alerts raise worry
    (more for the own street and for stigmatising posts), feedback lowers worry and raises
    efficacy, willingness and government proximity, chatter builds cohesion and fatigue; an
    active administrator and a linked professional pull efficacy and proximity up. Then
    the reassurance pathways (:func:`reassurance`) relieve worry."""
    m, r = scn.messages, scn.reassurance
    if pop.n_groups == 0:
        return
    f = st.factors
    relay = traffic.relay
    _read(
        st.members(),
        st.resident_group,
        pop.street,
        attention(st, traffic, scn),
        relay * (traffic.alerts + (m.stigma_weight - 1) * traffic.stigmatising),
        traffic.alert_street * relay[np.maximum(pop.group_of_street, 0)],
        traffic.timely_feedback,  # late feedback reassures less
        relay * traffic.chatter,
        traffic.social,
        m.admin_pull * f["active_admin"],
        m.professional_proximity * f["linked_professional"],
        relay * traffic.responded,
        reassurance(pop, st, traffic, scn),
        st.levels,
        st.fatigue,
        st.today_alarmed,
        st.today_reassured,
        np.array(
            [
                m.near_weight - 1,
                m.exposure * m.alert_worry,
                m.fatigue_attention,
                r.watch_relief,
                np.log1p(-r.response_relief),
                np.log1p(-r.social_relief),
                np.log1p(-r.chatter_relief),
            ]
        ),
        np.log1p(
            -np.array(
                [
                    m.feedback_relief,
                    m.feedback_willingness,
                    m.feedback_efficacy,
                    m.feedback_proximity,
                    m.chatter_cohesion,
                    m.chatter_fatigue,
                ]
            )
        ),
    )
    # Only messages of the alarm function end a quiet spell; chatter does not. Groups that do
    # not exist (yet, or any more) have no quiet spell.
    alarm_traffic = traffic.alerts + traffic.feedback + traffic.keepalive
    st.quiet_days = np.where((alarm_traffic > 0) | ~st.group_active, 0, st.quiet_days + 1)


@compiled
def _read(
    members,
    group,
    street,
    attention,
    alerts,
    alert_street,
    feedback,
    chatter,
    social,
    admin,
    professional,
    responded,
    reassure,
    levels,
    fatigue,
    alarmed,
    reassured,
    weight,
    log_keep,
):
    """One member at a time: what they read today and what it does to them. ``log_keep`` is
    log(1 − gain) per message effect, so n messages keep (1 − gain)ⁿ = exp(n·log_keep).
    ``reassure`` holds per group the visible watch (row 0) and the daily relief (row 1)."""
    near_weight, alert_worry, fatigue_attention, watch_relief, log_resp, log_social, log_chat = (
        weight
    )
    for i in members:
        g = group[i]
        att = attention[g] * (1 - fatigue_attention * fatigue[i])
        read_alerts = att * (alerts[g] + near_weight * alert_street[street[i]])
        read_fb = att * feedback[g]
        read_chat = att * chatter[g]
        w = levels[0, i]
        w += alert_worry * read_alerts * (1 - w)
        if read_fb > 0:
            w -= (1 - np.exp(read_fb * log_keep[0])) * w
            for row in range(1, 4):  # willingness, efficacy, proximity
                x = levels[row, i]
                levels[row, i] = x + (1 - np.exp(read_fb * log_keep[row])) * (1 - x)
        # Reassurance: members who acted, social contact, the watch, known faces.
        keep = np.exp(att * responded[g] * log_resp + social[g] * log_social + read_chat * log_chat)
        daily = min(watch_relief * levels[4, i] * reassure[0, g] + reassure[1, g], 1.0)
        w *= keep * (1 - daily)
        levels[0, i] = min(max(w, 0.0), 1.0)
        c = levels[4, i]
        c += (1 - np.exp((read_chat + social[g]) * log_keep[4])) * (1 - c)
        levels[4, i] = c + admin[g] * (1 - c)
        levels[2, i] += admin[g] * (1 - levels[2, i])
        levels[3, i] += professional[g] * (1 - levels[3, i])
        fatigue[i] += (1 - np.exp(read_chat * log_keep[5])) * (1 - fatigue[i])
        alarmed[i] += read_alerts
        reassured[i] += read_fb


# --------------------------------------------------------------------------- 5. word of mouth


def word_of_mouth(pop: Population, st: State, resp: Responses, scn: Scenario) -> None:
    """Step 5 with ``contagion.model = "event"``: residents who saw, suffered or read
    something today tell network neighbours (expected number of stories heard = tell_prob ×
    tellers among one's ties). Fearful stories raise worry faster than reassuring ones lower
    it (asymmetric contagion); non-members are reached this way too, less strongly than
    readers of the group. With ``"opinion"`` fear spreads as a state instead
    (:func:`fear_contagion`)."""
    c = scn.contagion
    st.shaken[resp.witness] = True
    if c.model == "opinion":
        fear_contagion(pop, st, scn)
        return
    tellers = np.concatenate([st.members(), resp.witness, resp.caller, st.victims_today])
    _tell(
        tellers,
        pop.adjacency.indptr,
        pop.adjacency.indices,
        st.today_alarmed,
        st.shaken,
        st.today_reassured,
        st.worry,
        st.heard,
        c.retell_share,
        c.tell_prob,
        c.witness_signal,
        np.log1p(-np.array([c.fear_weight, c.reassurance_weight])),
    )


@compiled
def _tell(
    tellers,
    indptr,
    indices,
    alarmed,
    shaken,
    reassured,
    worry,
    heard,
    retell_share,
    tell_prob,
    witness_signal,
    log_keep,
):
    """Everyone in ``tellers`` (who may have something to tell; repeats allowed) passes one
    fearful and one calming story at most to each of their ties; then each hearer's worry
    moves by what they heard. Uses up the day's signals (``alarmed``, ``shaken``,
    ``reassured`` and the ``heard`` tallies are all zero afterwards)."""
    hearers = np.empty(len(worry), dtype=np.int64)
    n_hearers = 0
    for i in tellers:
        fear = witness_signal if shaken[i] else min(retell_share * alarmed[i], 1.0)
        calm = min(reassured[i], 1.0)
        alarmed[i] = reassured[i] = 0.0
        shaken[i] = False
        if fear > 0 or calm > 0:
            for k in range(indptr[i], indptr[i + 1]):
                j = indices[k]
                if heard[j, 0] == 0 and heard[j, 1] == 0:
                    hearers[n_hearers] = j
                    n_hearers += 1
                heard[j, 0] += fear
                heard[j, 1] += calm
    for j in hearers[:n_hearers]:
        if heard[j, 0] > 0:
            worry[j] += (1 - np.exp(tell_prob * heard[j, 0] * log_keep[0])) * (1 - worry[j])
        if heard[j, 1] > 0:
            worry[j] -= (1 - np.exp(tell_prob * heard[j, 1] * log_keep[1])) * worry[j]
        heard[j, 0] = heard[j, 1] = 0.0


def fear_contagion(pop: Population, st: State, scn: Scenario) -> None:
    """Step 5 with ``contagion.model = "opinion"``: fear as a contagious state (Prieto
    Curiel & Bishop 2017; Pulido et al. 2019). Every resident talks about safety with a
    random tie with chance ``tell_prob`` a day and takes over a share of the difference in
    worry — ``opinion_fear_rate`` from a more worried tie, ``opinion_calm_rate`` (smaller)
    from a calmer one. All residents update at once from yesterday's worry, so fear travels
    one hop a day and many hops over days; victimisation sets it high and memory
    (:func:`remember`) lets it fade. The day's event signals are used up unused."""
    c = scn.contagion
    _opinion(
        pop.adjacency.indptr,
        pop.adjacency.indices,
        st.worry,
        np.array([c.tell_prob, c.opinion_fear_rate, c.opinion_calm_rate]),
    )
    st.today_alarmed[:] = 0.0
    st.today_reassured[:] = 0.0
    st.shaken[:] = False


@compiled
def _opinion(indptr, indices, worry, rates):
    """Synchronous averaging with asymmetric rates over each resident's ties."""
    talk, up_rate, down_rate = rates
    before = worry.copy()
    for i in range(len(worry)):
        n = indptr[i + 1] - indptr[i]
        if n == 0:
            continue
        up = down = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            d = before[indices[k]] - before[i]
            if d > 0:
                up += d
            else:
                down -= d
        w = before[i] + talk * (up_rate * up - down_rate * down) / n
        worry[i] = min(max(w, 0.0), 1.0)


# --------------------------------------------------------------------------- 7. memory


def remember(st: State, scn: Scenario) -> None:
    """Step 7a: worry decays to its personal baseline (memory loss); willingness, efficacy,
    proximity and cohesion drift back to theirs; fatigue fades."""
    mem = scn.memory
    rate = np.array([mem.worry_decay] + [mem.trait_drift] * (len(st.levels) - 1))
    _drift(st.levels, st.baseline, rate, st.fatigue, 1 - mem.fatigue_decay)


@compiled
def _drift(levels, baseline, rate, fatigue, fatigue_keep):
    for row in range(levels.shape[0]):
        for i in range(levels.shape[1]):
            levels[row, i] += rate[row] * (baseline[row, i] - levels[row, i])
    for i in range(len(fatigue)):
        fatigue[i] *= fatigue_keep


def selection_weight(st: State, scn: Scenario, who: np.ndarray) -> np.ndarray:
    """Relative join propensity from the selection model: exp(β·z) over standardised worry,
    efficacy and cohesion, normalised to mean 1 (β = 0 switches selection off)."""
    return _selection_weights(st.levels, who, *_selection_model(st, scn))


def _selection_model(st: State, scn: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients β and the initial means and sds of worry, efficacy and cohesion."""
    mb = scn.membership
    beta = np.array([mb.selection_worry, mb.selection_efficacy, mb.selection_cohesion])
    return beta, st.selection_mean, st.selection_sd


@compiled
def _selection_weights(levels, who, beta, mean, sd):
    out = np.empty(len(who))
    for k, i in enumerate(who):
        out[k] = _selection(levels, i, beta, mean, sd)
    return out


@compiled
def _selection(levels, i, beta, mean, sd):
    """exp(β·z − |β|²/2) for resident ``i``; rows 0, 2, 4 of ``levels`` are worry, efficacy
    and cohesion."""
    z = 0.0
    for k in range(3):
        z += beta[k] * (levels[2 * k, i] - mean[k]) / sd[k] - beta[k] ** 2 / 2
    return np.exp(z)


def leave_groups(pop: Population, st: State, scn: Scenario, rng: np.random.Generator) -> int:
    """Step 7b: members (not administrators) leave with a base rate plus fatigue, and more on
    a day their group had a conflict after a confrontation (less with guarding)."""
    mb = scn.membership
    members = st.members()
    extra = scn.response.conflict_leave * st.conflicts
    if pop.n_groups:
        extra = extra * (1 - st.factors["vigilantism_guard"])
    gone, st.left_after_conflict = _leavers(
        members,
        st.admin,
        st.fatigue,
        st.resident_group,
        extra,
        mb.leave_rate,
        mb.leave_fatigue,
        rng.random(len(members)),
    )
    st.conflicts[:] = 0
    st.leave(gone)
    return len(gone)


@compiled
def _leavers(members, admin, fatigue, group, extra, leave_rate, leave_fatigue, draws):
    """Members whose draw is below their chance to leave; and how many of them left only
    because of a conflict (their draw fell in the conflict's extra chance)."""
    gone = np.empty(len(members), dtype=np.int64)
    n = 0
    after_conflict = 0
    for k, i in enumerate(members):
        if admin[i]:
            continue
        usual = leave_rate + leave_fatigue * fatigue[i]
        if draws[k] < usual + extra[group[i]]:
            gone[n] = i
            n += 1
            after_conflict += draws[k] >= usual
    return gone[:n], after_conflict


def join_chance_per_group(pop: Population, st: State, scn: Scenario) -> np.ndarray:
    """Daily join chance in each group at average traits, before social influence and the
    resident's own recent events: join rate × (floor + recruitment) × local problem ×
    municipal invitation × burglary wave in the group's area."""
    mb, f = scn.membership, st.factors
    wave = st.burglaries_per_1000()[pop.group_area] >= mb.wave_burglaries
    return (
        mb.join_rate
        * (mb.recruitment_floor + f["recruitment"])
        * (1 + mb.local_problem_join * f["local_problem"])
        * (1 + mb.municipal_invitation * f["municipal_coordination"])
        * (1 + mb.wave_join * wave)
    )


def recent_events_boost(pop: Population, st: State, scn: Scenario, who: np.ndarray) -> np.ndarray:
    """Join chance multiplier of residents ``who`` from their own recent events: × (1 +
    victim_join) if victimised, × (1 + street_crime_join) if a crime happened on their street,
    within the last ``membership.recent_days`` days (today included)."""
    mb = scn.membership
    recent = st.day - mb.recent_days
    victim = st.last_victim_day[who] > recent
    street = st.street_crime_day[pop.street[who]] > recent
    return (1 + mb.victim_join * victim) * (1 + mb.street_crime_join * street)


def join_groups(pop: Population, st: State, scn: Scenario, rng: np.random.Generator) -> int:
    """Step 7c: non-members on covered streets join: the group's chance
    (:func:`join_chance_per_group`) × selection weight × (1 + social influence × share of
    ties who are members) × their own recent events (:func:`recent_events_boost`); never
    beyond the group's size cap."""
    if pop.n_groups == 0:
        return 0
    mb = scn.membership
    per_group = join_chance_per_group(pop, st, scn)
    beta, mean, sd = _selection_model(st, scn)
    # Thinning: pick covered residents with a bound on anyone's join chance, then let each
    # pick join with (own chance) / bound: the same odds as drawing for everybody, at a
    # fraction of the cost (the bound takes worry, efficacy and cohesion in [0, 1] and the
    # largest boost from recent events).
    z_max = np.maximum(beta * (0 - mean) / sd, beta * (1 - mean) / sd) - beta**2 / 2
    boost_max = (1 + mb.victim_join) * (1 + mb.street_crime_join)
    bound = per_group.max() * (1 + mb.social_influence) * np.exp(z_max.sum()) * boost_max
    covered = st.covered_residents
    boost = st.join_multiplier  # invited streets (randomised encouragement); None: no one
    if boost is not None:
        bound *= boost.max()
    if bound < 0.2:
        picked = covered[rng.choice(len(covered), rng.binomial(len(covered), bound), replace=False)]
        draws = rng.random(len(picked)) * bound
    else:  # no thinning: a draw for everyone (a chance above 1 is a certain join)
        picked, draws, bound = covered, rng.random(len(covered)), np.inf
    if boost is not None:  # draw < chance × boost  ⇔  draw / boost < chance
        draws = draws / boost[picked]
    new, above = _joiners(
        picked,
        draws,
        recent_events_boost(pop, st, scn, picked),
        st.member,
        st.resident_group,
        per_group,
        st.member_ties,
        st.degree,
        mb.social_influence,
        st.levels,
        (beta, mean, sd),
        bound,
    )
    assert not above, "a join chance exceeded its bound: a level outside [0, 1]?"
    new = cap_joins(new, st.resident_group[new], st, rng)
    st.join(new)
    st.fatigue[new] = 0.0
    return len(new)


def invite_streets(pop: Population, st: State, scn: Scenario, rng: np.random.Generator) -> None:
    """Randomised encouragement (on ``membership.invitation_day``): in each area a random
    ``invited_share`` of the covered streets is invited; from now on their residents' join
    chance is multiplied by ``invitation_boost``."""
    mb = scn.membership
    covered = pop.group_of_street >= 0
    for a in range(len(pop.area_names)):
        streets = np.flatnonzero(covered & (pop.area_of_street == a))
        k = int(round(mb.invited_share * len(streets)))
        st.invited_street[rng.choice(streets, size=k, replace=False)] = True
    st.join_multiplier = np.where(st.invited_street[pop.street], mb.invitation_boost, 1.0)


@compiled
def _joiners(
    picked,
    draws,
    boost,
    member,
    group,
    per_group,
    member_ties,
    degree,
    social_influence,
    levels,
    selection,
    bound,
):
    """Non-members among ``picked`` whose draw is below their join chance; and whether any
    chance was above ``bound`` (which would bias the thinning). ``selection`` is (β, mean,
    sd) of the selection model."""
    beta, mean, sd = selection
    new = np.empty(len(picked), dtype=np.int64)
    n_new = 0
    above = False
    for k, i in enumerate(picked):
        if member[i]:
            continue
        p = (
            per_group[group[i]]
            * (1 + social_influence * member_ties[i] / degree[i])
            * _selection(levels, i, beta, mean, sd)
            * boost[k]
        )
        above |= p > bound * (1 + 1e-9)
        if draws[k] < p:
            new[n_new] = i
            n_new += 1
    return new[:n_new], above


def cap_joins(new: np.ndarray, g: np.ndarray, st: State, rng: np.random.Generator) -> np.ndarray:
    """Keep only as many newcomers per group as its size cap allows, chosen at random."""
    room = np.maximum(st.factors["size_cap"] - st.members_per_group, 0)
    if (np.bincount(g, minlength=len(room)) <= room).all():
        return new  # everybody fits
    order = rng.permutation(len(new))
    new, g = new[order], g[order]
    srt = np.argsort(g, kind="stable")
    new, g = new[srt], g[srt]
    rank = np.arange(len(g)) - np.searchsorted(g, g)
    return new[rank < room[g]]


# --------------------------------------------------------------------------- initialisation


def form_groups(
    pop: Population,
    st: State,
    scn: Scenario,
    rng: np.random.Generator,
    groups: np.ndarray | None = None,
    target: float | None = None,
) -> None:
    """Day 0 (or a group's founding day): residents of the streets of ``groups`` (default:
    all groups that exist) join with the selection model, scaled so that on average
    ``target`` of them are members (default ``membership.initial_participation``); the size
    cap holds. Each group gets one administrator (two from ``membership.admins_two_from``
    members): the members with the highest efficacy plus cohesion."""
    g_all, cand = st.resident_group, st.covered_residents
    if groups is not None:
        cand = cand[np.isin(g_all[cand], groups)]
    if len(cand) == 0:
        return
    weight = selection_weight(st, scn, cand)
    target = scn.membership.initial_participation if target is None else target
    lo, hi = 0.0, 1.0 / max(weight.min(), 1e-12)
    for _ in range(60):  # scale so that the mean join probability equals the target
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.minimum(mid * weight, 1).mean() < target else (lo, mid)
    joined = cand[rng.random(len(cand)) < np.minimum(lo * weight, 1)]
    joined = cap_joins(joined, g_all[joined], st, rng)
    st.join(joined)
    g = g_all[joined]
    order = np.lexsort((-(st.efficacy + st.cohesion)[joined], g))
    joined, g = joined[order], g[order]
    rank = np.arange(len(g)) - np.searchsorted(g, g)
    size = np.bincount(g, minlength=pop.n_groups)
    two = size[g] >= scn.membership.admins_two_from
    st.admin[joined[rank < np.where(two, 2, 1)]] = True


# --------------------------------------------------------------------------- group lifecycle


def found_groups(pop: Population, st: State, scn: Scenario, rng: np.random.Generator) -> np.ndarray:
    """Start of a day: groups not yet founded are founded on their area's
    ``group_start_day`` or, with ``found_after_burglaries``, once the area's burglaries over
    the wave window (up to yesterday) reach that many per 1000 households; a group founded by
    a burglary wave has ``local_problem`` on. A founding core of
    ``lifecycle.founding_participation`` joins (:func:`form_groups`). Returns the groups
    founded today."""
    pending = (st.group_start_day < 0) & (st.group_end_day < 0)
    if not pending.any():
        return np.zeros(0, dtype=np.int64)
    on_day = st.planned_start == st.day
    threshold = st.wave_threshold
    wave = (threshold > 0) & (st.burglaries_per_1000()[pop.group_area] >= threshold)
    founded = np.flatnonzero(pending & (on_day | wave))
    if len(founded):
        st.factors["local_problem"][founded[wave[founded] & ~on_day[founded]]] = 1.0
        st.open_groups(founded)
        form_groups(pop, st, scn, rng, founded, scn.lifecycle.founding_participation)
    return founded


def end_groups(pop: Population, st: State, scn: Scenario) -> np.ndarray:
    """End of a day: a group ends when its members fall below ``lifecycle.min_members`` or
    when it has been dormant for ``lifecycle.end_after_dormant_days`` more days; its members
    become non-members and its streets are no longer covered. Returns the groups ended."""
    lc = scn.lifecycle
    too_small = st.members_per_group < lc.min_members
    silent = (
        (lc.dormant_after_days > 0)
        & (lc.end_after_dormant_days > 0)
        & (st.quiet_days >= lc.dormant_after_days + lc.end_after_dormant_days)
    )
    ended = np.flatnonzero(st.group_active & (too_small | silent))
    if len(ended):
        st.close_groups(ended)
    return ended
