"""The daily process of DESIGN.md §2: one short function per rule, vectorised over arrays.

Order of a day (``Engine.step``): interventions → 1 :func:`incidents` and :func:`victimise`
→ 2 :func:`notice` → 3 :func:`respond` → 6a :func:`police` (decides outcomes and queues
feedback) → 4 :func:`group_messages` and :func:`read_messages` → 5 :func:`word_of_mouth` →
7 :func:`remember`, :func:`leave_groups`, :func:`join_groups`.

Police outcomes are decided before the group reads its messages because feedback posted today
(delay 0, as in Tilburg) is read today. Every function documents what it changes; ``docs/odd.md``
describes the same rules in words, one section each.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.population import Population
from sim.scenario import Scenario
from sim.state import State

BURGLARY, THEFT, VANDALISM, SUSPICIOUS = 0, 1, 2, 3
KINDS = ("burglary", "theft", "vandalism", "suspicious")


@dataclass
class Events:
    """Today's incidents, one entry per incident."""

    street: np.ndarray  # int[E]
    kind: np.ndarray  # int[E], BURGLARY … SUSPICIOUS
    in_progress: np.ndarray  # bool[E], can be seen while it happens
    victim: np.ndarray  # int[E], resident, -1 for suspicious situations

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
    confrontations: int


# --------------------------------------------------------------------------- 1. incidents


def deterrence(pop: Population, st: State, scn: Scenario) -> np.ndarray:
    """Relative cut in crime per street by a visible group: it grows with the group's
    participation (full at 30 % of adults) and doubles with street signs (§2 step 1)."""
    g = pop.group_of_street
    cut = np.zeros(pop.n_streets)
    if pop.n_groups == 0:
        return cut
    share = np.minimum(st.group_members() / np.maximum(st.group_adults, 1) / 0.3, 1.0)
    visibility = share * (0.5 + 0.5 * st.factors["signs"])
    covered = g >= 0
    cut[covered] = scn.crime.deterrence * visibility[g[covered]]
    return cut


def crime_rate(pop: Population, st: State, scn: Scenario) -> np.ndarray:
    """Expected crimes per street today: base rate, minus deterrence, minus the effect of
    recent arrests in the area, plus crime displaced from covered to uncovered streets of the
    same area unless the municipality coordinates (covers adjacent streets too)."""
    c = scn.crime
    base = pop.households_of_street * pop.crime_multiplier * (
        c.burglary_rate + c.theft_rate + c.vandalism_rate) / 365.0
    cut = deterrence(pop, st, scn)
    deterred = base * cut
    g = pop.group_of_street
    coordinated = np.zeros(pop.n_streets)
    if pop.n_groups:
        coordinated[g >= 0] = st.factors["municipal_coordination"][g[g >= 0]]
    moved = np.bincount(pop.area_of_street, deterred * (1 - coordinated) * c.displacement,
                        minlength=len(scn.areas))
    uncovered = (g < 0) * pop.households_of_street
    room = np.bincount(pop.area_of_street, uncovered, minlength=len(scn.areas))
    displaced = np.where(room[pop.area_of_street] > 0,
                         moved[pop.area_of_street] * uncovered
                         / np.maximum(room[pop.area_of_street], 1), 0.0)
    recent = (st.arrest_until > st.day)[pop.area_of_street]
    return (base - deterred) * np.where(recent, 1 - c.arrest_deterrence, 1.0) + displaced


def incidents(pop: Population, st: State, scn: Scenario, rng: np.random.Generator) -> Events:
    """Step 1: Poisson crimes per street and type (burglary, theft, vandalism) and ambiguous
    suspicious situations; a share of crimes can be seen while in progress."""
    c = scn.crime
    total = c.burglary_rate + c.theft_rate + c.vandalism_rate
    rate = crime_rate(pop, st, scn)
    lam = np.empty((pop.n_streets, 4))
    if total > 0:
        lam[:, :3] = rate[:, None] * (np.array([c.burglary_rate, c.theft_rate,
                                                c.vandalism_rate]) / total)
    else:
        lam[:, :3] = 0.0
    lam[:, 3] = pop.households_of_street * pop.crime_multiplier * c.suspicious_rate / 365.0
    cell = np.repeat(np.arange(4 * pop.n_streets), rng.poisson(lam).ravel())
    street, kind = np.divmod(cell, 4)
    crime = kind != SUSPICIOUS
    in_progress = ~crime | (rng.random(len(kind)) < c.in_progress_share)
    victim = np.where(crime, pop.street_start[street]
                      + (rng.random(len(kind)) * pop.street_size[street]).astype(np.int64), -1)
    return Events(street=street, kind=kind, in_progress=in_progress, victim=victim)


def victimise(st: State, ev: Events, scn: Scenario) -> None:
    """A victim's worry jumps to at least ``crime.victim_worry`` (victimisation)."""
    v = ev.victim[ev.victim >= 0]
    st.worry[v] = np.maximum(st.worry[v], scn.crime.victim_worry)
    st.today_victim[v] = True


# --------------------------------------------------------------------------- 2. noticing


def notice(pop: Population, st: State, ev: Events,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
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


def respond(pop: Population, st: State, ev: Events, witness_event: np.ndarray,
            witness: np.ndarray, scn: Scenario, rng: np.random.Generator) -> Responses:
    """Step 3 (SAAR): witnesses call the police (discounted by the number of other
    witnesses), members post alerts; trained members signal '112 is gebeld' so fellow members
    do not call again; weak rules let stigmatising posts and confrontations through.
    Victims of crimes not seen in progress report afterwards (0900-8844) and post."""
    r, f = scn.response, st.factors
    n_ev = len(ev.kind)
    g_ev = pop.group_of_street[ev.street]
    is_member = st.member[witness]
    g_w = np.where(is_member, g_ev[witness_event], 0)
    crime_w = ev.is_crime[witness_event]

    # Signaleer/Alarmeer: a call to the police with the bystander discount.
    n_witnesses = np.bincount(witness_event, minlength=n_ev)
    base = np.where(crime_w, r.call_crime, r.call_suspicious) * 2 * st.willingness[witness]
    trained = np.where(is_member, 1 + 0.5 * f["saar_training"][g_w]
                       + 0.5 * (f["clear_purpose"][g_w] - 0.5), 1.0) if pop.n_groups else 1.0
    p_call = np.minimum(base * trained, 1.0) * n_witnesses[witness_event] ** -r.bystander_exponent
    calls = rng.random(len(witness)) < p_call
    # App: "112 is gebeld" — after the first member's call, trained members hold back.
    member_calls = np.flatnonzero(calls & is_member)
    if len(member_calls) and pop.n_groups:
        order = rng.permutation(member_calls)
        _, first = np.unique(witness_event[order], return_index=True)
        is_later = np.ones(len(order), dtype=bool)
        is_later[first] = False
        later = np.sort(order[is_later])
        hold = rng.random(len(later)) < f["saar_training"][g_w[later]]
        calls[later[hold]] = False
    urgent = ev.is_crime | (rng.random(n_ev) < 0.3)
    caller_event, caller = witness_event[calls], witness[calls]

    # Victims of crimes found afterwards report on 0900-8844.
    late = np.flatnonzero(ev.is_crime & ~ev.in_progress)
    v = ev.victim[late]
    reports = rng.random(len(late)) < np.minimum(r.call_crime * 1.5 * st.willingness[v], 1.0)
    caller_event = np.concatenate([caller_event, late[reports]])
    caller = np.concatenate([caller, v[reports]])
    call_112 = np.concatenate([urgent[witness_event[calls]], np.zeros(reports.sum(), bool)])

    # App: members who noticed post; victims who are members post afterwards.
    alerted = np.zeros(n_ev, dtype=bool)
    stigma = np.zeros(n_ev, dtype=bool)
    confrontations = 0
    if pop.n_groups:
        worth = np.where(crime_w, 1.0, r.false_alarm_share
                         * (1 - 0.7 * f["recognition_training"][g_w]))
        posts = is_member & (rng.random(len(witness)) < r.post_propensity * worth)
        alerted[witness_event[posts]] = True
        victim_member = st.member[v] & (rng.random(len(late)) < r.post_propensity)
        alerted[late[victim_member]] = True
        alerted &= g_ev >= 0
        ga = np.where(alerted, g_ev, 0)
        p_stigma = r.stigma_share * (1 - f["vigilantism_guard"][ga]) * (
            1 - 0.5 * f["active_admin"][ga])
        stigma = alerted & (ev.kind == SUSPICIOUS) & (rng.random(n_ev) < p_stigma)
        p_conf = r.vigilante_share * (1 - f["vigilantism_guard"][ga]) * (
            1 - f["saar_training"][ga])
        confrontations = int((alerted & ev.in_progress & (rng.random(n_ev) < p_conf)).sum())
    return Responses(witness_event, witness, caller_event, caller, call_112, alerted, stigma,
                     confrontations)


# --------------------------------------------------------------------------- 6. police


def police(pop: Population, st: State, ev: Events, resp: Responses, scn: Scenario,
           rng: np.random.Generator) -> np.ndarray:
    """Step 6: police respond to reported incidents; a 112 call about a crime in progress can
    lead to an arrest (better descriptions after recognition training). With a feedback link
    the outcome is queued for the group after the feedback delay; reporters who hear nothing
    lose willingness and efficacy. Returns the arrests per event."""
    pol, f = scn.police, st.factors
    n_ev = len(ev.kind)
    reported = np.zeros(n_ev, dtype=bool)
    reported[resp.caller_event] = True
    by_112 = np.zeros(n_ev, dtype=bool)
    by_112[resp.caller_event[resp.call_112]] = True
    came = reported & (rng.random(n_ev) < np.where(by_112, pol.response_112, pol.response_0900))
    g = pop.group_of_street[ev.street]
    gi = np.maximum(g, 0)
    described = 1 + 0.5 * f["recognition_training"][gi] * resp.alerted if pop.n_groups else 1
    arrest = came & by_112 & ev.is_crime & ev.in_progress & (
        rng.random(n_ev) < np.minimum(pol.arrest_in_progress * described, 1.0))
    st.arrest_until[pop.area_of_street[ev.street[arrest]]] = st.day + scn.crime.arrest_memory_days

    # Feedback: to the group when the incident is on a covered street, else personal.
    fb = np.zeros(n_ev, dtype=bool)
    if pop.n_groups:
        p_fb = f["police_feedback"][gi] + pol.professional_feedback * (
            1 - f["police_feedback"][gi]) * f["linked_professional"][gi]
        fb = reported & (g >= 0) & (rng.random(n_ev) < p_fb)
        for e in np.flatnonzero(fb):
            delay = int(round(rng.exponential(f["feedback_delay_days"][g[e]])))
            st.queue_feedback(st.day + delay, int(g[e]), bool(arrest[e]))
    heard = fb[resp.caller_event] & st.member[resp.caller]
    personal = ~heard & (rng.random(len(resp.caller)) < pol.caller_feedback)
    unanswered = resp.caller[~heard & ~personal]
    pen = scn.messages.no_feedback_penalty
    np.multiply.at(st.willingness, unanswered, 1 - pen)  # once per unanswered call
    np.multiply.at(st.efficacy, unanswered, 1 - pen)
    np.add.at(st.today_reassured, resp.caller[personal], 1.0)
    return arrest


# --------------------------------------------------------------------------- 4. messages


@dataclass
class GroupTraffic:
    """Messages posted today per group, by type."""

    alerts: np.ndarray
    stigmatising: np.ndarray
    chatter: np.ndarray
    social: np.ndarray  # chatter moved to the separate social channel
    feedback: np.ndarray
    keepalive: np.ndarray
    alert_street: np.ndarray  # alerts per street (for 'close by')


def group_messages(pop: Population, st: State, ev: Events, resp: Responses, scn: Scenario,
                   rng: np.random.Generator) -> GroupTraffic:
    """Step 4a: today's posts per group — alerts, off-topic chatter (cut by rules and an
    active administrator; moved to the social channel if there is one), feedback due today
    (plus administrators' follow-up after alerts) and keep-alive test messages."""
    f, n_g = st.factors, pop.n_groups
    g_ev = np.maximum(pop.group_of_street[ev.street], 0)
    alerts = np.bincount(g_ev[resp.alerted], minlength=n_g).astype(float)
    stigma = np.bincount(g_ev[resp.stigmatising], minlength=n_g).astype(float)
    talk = scn.messages.chatter_rate * st.group_members() * (1 - 0.8 * f["group_rules"]) * (
        1 - 0.4 * f["active_admin"])
    social = talk * 0.7 * f["social_channel"]
    chatter = rng.poisson(talk - social).astype(float)
    followup = rng.binomial(alerts.astype(int), 0.5 * f["active_admin"])
    feedback = st.feedback_due(n_g) + followup
    every = f["keep_alive_days"]
    keepalive = ((every > 0) & (st.day % np.maximum(every, 1) == 0)).astype(float)
    alert_street = np.bincount(ev.street[resp.alerted], minlength=pop.n_streets)
    return GroupTraffic(alerts, stigma, chatter, social, feedback, keepalive, alert_street)


def attention(st: State, traffic: GroupTraffic, scn: Scenario) -> np.ndarray:
    """Share of today's group messages a member reads: it halves at
    ``messages.attention_half_volume`` messages a day (a layered group relays only half),
    falls with fatigue, and fades in long quiet spells unless a keep-alive message arrives."""
    volume = traffic.alerts * 3 + traffic.chatter + traffic.feedback + traffic.keepalive
    volume = volume * (1 - 0.5 * st.factors["layered"])
    group = 1 / (1 + volume / scn.messages.attention_half_volume)
    group = group / (1 + st.quiet_days / 30)
    return group


def read_messages(pop: Population, st: State, traffic: GroupTraffic, scn: Scenario) -> None:
    """Step 4b: members read with their attention. Alerts raise worry (more for the own
    street and for stigmatising posts), feedback lowers worry and raises efficacy,
    willingness and government proximity, chatter builds cohesion and fatigue; an active
    administrator and a linked professional pull efficacy and proximity up."""
    m = scn.messages
    if pop.n_groups == 0:
        return
    members = st.members()
    g = st.resident_group[members]
    att = attention(st, traffic, scn)[g] * (1 - 0.5 * st.fatigue[members])
    alerts_in_group = traffic.alerts + (m.stigma_weight - 1) * traffic.stigmatising
    read_alerts = att * (alerts_in_group[g]
                         + (m.near_weight - 1) * traffic.alert_street[pop.street[members]])
    read_fb = att * traffic.feedback[g]
    read_chat = att * traffic.chatter[g]
    x = np.take(st.levels, members, axis=1)  # worry, willingness, efficacy, proximity, cohesion
    w = x[0]
    w += m.exposure * m.alert_worry * read_alerts * (1 - w)
    fb = np.flatnonzero(read_fb > 0)  # the (few) members who read feedback today
    if len(fb):
        y, r = x[:4, fb], read_fb[fb]  # worry, willingness, efficacy, proximity
        y[0] -= (1 - (1 - m.feedback_relief) ** r) * y[0]
        gain = np.array([m.feedback_willingness, m.feedback_efficacy, m.feedback_proximity])
        y[1:] += (1 - (1 - gain[:, None]) ** r) * (1 - y[1:])
        x[:4, fb] = y
    np.clip(w, 0, 1, out=w)
    x[4] += (1 - (1 - m.chatter_cohesion) ** (read_chat + traffic.social[g])) * (1 - x[4])
    admin = 0.002 * st.factors["active_admin"][g]
    x[4] += admin * (1 - x[4])
    x[2] += admin * (1 - x[2])
    prof = m.professional_proximity * st.factors["linked_professional"][g]
    x[3] += prof * (1 - x[3])
    for level, new in zip(st.levels, x, strict=True):
        level[members] = new
    fat = st.fatigue[members]
    st.fatigue[members] = fat + (1 - (1 - m.chatter_fatigue) ** read_chat) * (1 - fat)
    st.today_alarmed[members] += read_alerts
    st.today_reassured[members] += read_fb
    posted = traffic.alerts + traffic.chatter + traffic.feedback + traffic.keepalive
    st.quiet_days = np.where(posted > 0, 0, st.quiet_days + 1)


# --------------------------------------------------------------------------- 5. word of mouth


def word_of_mouth(pop: Population, st: State, resp: Responses, scn: Scenario) -> None:
    """Step 5: residents who saw, suffered or read something today tell network neighbours
    (expected number of stories heard = tell_prob × tellers among one's ties). Fearful stories
    raise worry faster than reassuring ones lower it (asymmetric contagion); non-members are
    reached this way too, less strongly than readers of the group."""
    c = scn.contagion
    fear = c.retell_share * st.today_alarmed
    fear[resp.witness] += 1.0
    fear[st.today_victim] += 1.0
    fear = np.minimum(fear, 1.0)
    calm = np.minimum(st.today_reassured, 1.0)
    tellers = np.flatnonzero(fear + calm > 0)
    hearers, ties = pop.ties_of(tellers)
    heard_fear = c.tell_prob * np.bincount(hearers, np.repeat(fear[tellers], ties), pop.n)
    heard_calm = c.tell_prob * np.bincount(hearers, np.repeat(calm[tellers], ties), pop.n)
    w = st.worry
    told = np.flatnonzero(heard_fear > 0)  # the others heard nothing: their worry stays
    w[told] += (1 - (1 - c.fear_weight) ** heard_fear[told]) * (1 - w[told])
    told = np.flatnonzero(heard_calm > 0)
    w[told] -= (1 - (1 - c.reassurance_weight) ** heard_calm[told]) * w[told]


# --------------------------------------------------------------------------- 7. memory


def remember(st: State, scn: Scenario) -> None:
    """Step 7a: worry decays to its personal baseline (memory loss); willingness, efficacy,
    proximity and cohesion drift back to theirs; fatigue fades."""
    mem = scn.memory
    rate = np.array([mem.worry_decay] + [mem.trait_drift] * (len(st.levels) - 1))
    pull = np.subtract(st.baseline, st.levels, out=st.scratch)
    pull *= rate[:, None]
    st.levels += pull
    st.fatigue *= 1 - mem.fatigue_decay


def selection_weight(st: State, scn: Scenario, who: np.ndarray) -> np.ndarray:
    """Relative join propensity from the selection model: exp(β·z) over standardised worry,
    efficacy and cohesion, normalised to mean 1 (β = 0 switches selection off)."""
    mb = scn.membership
    beta = np.array([mb.selection_worry, mb.selection_efficacy, mb.selection_cohesion])
    z = beta[:, None] * st.zscore(who)  # rows: worry, efficacy, cohesion
    beta2 = mb.selection_worry**2 + mb.selection_efficacy**2 + mb.selection_cohesion**2
    return np.exp(z[0] + z[1] + z[2] - beta2 / 2)


def leave_groups(pop: Population, st: State, scn: Scenario, rng: np.random.Generator) -> int:
    """Step 7b: members (not administrators) leave with a base rate plus fatigue."""
    mb = scn.membership
    members = st.members()
    members = members[~st.admin[members]]
    p = mb.leave_rate + mb.leave_fatigue * st.fatigue[members]
    gone = members[rng.random(len(members)) < p]
    st.leave(gone)
    return len(gone)


def join_groups(pop: Population, st: State, scn: Scenario, rng: np.random.Generator) -> int:
    """Step 7c: non-members on covered streets join: recruitment × selection weight ×
    (1 + social influence × share of ties who are members), more with a concrete local
    problem and municipal invitations; never beyond the group's size cap."""
    if pop.n_groups == 0:
        return 0
    mb, f = scn.membership, st.factors
    g_all = st.resident_group
    cand = np.flatnonzero(~st.member & st.covered)
    g = g_all[cand]
    share = st.member_ties[cand] / st.degree_1[cand]
    per_group = (mb.join_rate * (0.5 + f["recruitment"]) * (1 + f["local_problem"])
                 * (1 + 0.5 * f["municipal_coordination"]))
    p = per_group[g] * (1 + mb.social_influence * share) * selection_weight(st, scn, cand)
    new = cand[rng.random(len(cand)) < np.minimum(p, 1.0)]
    new = cap_joins(new, g_all[new], st, rng)
    st.join(new)
    st.fatigue[new] = 0.0
    return len(new)


def cap_joins(new: np.ndarray, g: np.ndarray, st: State, rng: np.random.Generator) -> np.ndarray:
    """Keep only as many newcomers per group as its size cap allows, chosen at random."""
    room = np.maximum(st.factors["size_cap"] - st.group_members(), 0)
    order = rng.permutation(len(new))
    new, g = new[order], g[order]
    srt = np.argsort(g, kind="stable")
    new, g = new[srt], g[srt]
    rank = np.arange(len(g)) - np.searchsorted(g, g)
    return new[rank < room[g]]


# --------------------------------------------------------------------------- initialisation


def form_groups(pop: Population, st: State, scn: Scenario, rng: np.random.Generator) -> None:
    """Day 0: residents of covered streets join with the selection model, scaled so that on
    average ``membership.initial_participation`` of them are members; the size cap holds.
    Each group gets one administrator (two from 30 members): the members with the highest
    efficacy plus cohesion."""
    g_all = pop.group_of_street[pop.street]
    cand = np.flatnonzero(g_all >= 0)
    if len(cand) == 0:
        return
    weight = selection_weight(st, scn, cand)
    target = scn.membership.initial_participation
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
    st.admin[joined[rank < np.where(size[g] >= 30, 2, 1)]] = True
