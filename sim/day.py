"""The compiled twin of :meth:`sim.engine.Engine.step`: many ordinary days in one numba call.

:meth:`Engine.step <sim.engine.Engine.step>` (the rules of :mod:`sim.rules`, one Python call
each) is the readable specification; :func:`run_days` runs the same rules in the same order
with the same random draws from the same streams, day after day, and writes each day's record
(what ``Engine._record`` appends) into a row of an array. It reuses the rules' compiled
kernels and does in numba only the gathering of figures that the rules do in NumPy.
``tests/core/test_compiled_day.py`` checks that both give bit-identical outputs.

Days that need Python run as ``Engine.step``: interventions, the invitation day, survey waves,
group founding, runs with event logs (see :func:`can_run`). Where NumPy's vectorised
``log1p`` and ``**`` differ in the last bit from numba's, the compiled day takes NumPy's
results (a call back into NumPy, or a table computed by NumPy before the segment).

To add a rule: add it to ``Engine.step`` and to :func:`_day` below, at the same place in the
day and drawing the same random numbers from the same stream; the identity test fails until
both agree.
"""

from __future__ import annotations

import ctypes
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim import compiled as compiled_module
from sim import record, rules, state
from sim.compiled import compiled
from sim.record import add_group_posts, level_sums, tally
from sim.state import _update_membership

if TYPE_CHECKING:
    from sim.engine import Engine

#: The columns of a day's record, in the order of ``Engine._record``; True: a whole number.
RECORD_COLUMNS = (
    ("day", True),
    ("members", True),
    ("worry_members", False),
    ("worry_nonmembers", False),
    ("unsafe_members", False),
    ("unsafe_nonmembers", False),
    ("unsafe_all", False),
    ("willingness_members", False),
    ("willingness_nonmembers", False),
    ("proximity_members", False),
    ("proximity_nonmembers", False),
    ("efficacy_members", False),
    ("efficacy_nonmembers", False),
    ("groups_active", True),
    ("violence_victims_12m", True),
    ("unsafe_violence_victims_12m", True),
    ("non_victims_12m", True),
    ("unsafe_non_victims_12m", True),
    ("crimes", True),
    ("burglaries", True),
    ("violent_crimes", True),
    ("suspicious", True),
    ("victims", True),
    ("reports_112", True),
    ("reports_0900", True),
    ("reports_members", True),
    ("crimes_reported", True),
    ("posts_alert", True),
    ("posts_stigmatising", True),
    ("posts_chatter", True),
    ("posts_feedback", True),
    ("posts_keepalive", True),
    ("arrests", True),
    ("confrontations", True),
    ("joined", True),
    ("left", True),
    ("minutes_to_call", False),
    ("arrival_minutes_112", False),
    ("went_to_look", True),
    ("escalations", True),
    ("conflicts", True),
    ("left_after_conflict", True),
)
N_COLUMNS = len(RECORD_COLUMNS)


class Town(NamedTuple):
    """What does not change during a run (from :class:`~sim.population.Population`)."""

    n_groups: int
    street: np.ndarray
    street_start: np.ndarray
    street_size: np.ndarray
    households: np.ndarray
    multiplier: np.ndarray
    area_of_street: np.ndarray
    planned_group_of_street: np.ndarray
    group_area: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    with_groups: np.ndarray  # uint8[n], lives in an area with groups
    n_with_groups: int
    n_areas: int
    area_households: np.ndarray
    degree: np.ndarray
    group_adults: np.ndarray
    planned_start: np.ndarray
    wave_threshold: np.ndarray
    selection_mean: np.ndarray
    selection_sd: np.ndarray


class Factors(NamedTuple):
    """The success factors per group (the arrays of ``State.factors``, changed in place)."""

    active_admin: np.ndarray
    clear_purpose: np.ndarray
    police_feedback: np.ndarray
    feedback_delay_hours: np.ndarray
    linked_professional: np.ndarray
    group_rules: np.ndarray
    social_channel: np.ndarray
    saar_training: np.ndarray
    local_problem: np.ndarray
    recruitment: np.ndarray
    signs: np.ndarray
    municipal_coordination: np.ndarray
    size_cap: np.ndarray
    layered: np.ndarray
    keep_alive_days: np.ndarray
    recognition_training: np.ndarray
    vigilantism_guard: np.ndarray


class Now(NamedTuple):
    """The arrays of :class:`~sim.state.State` and the engine's group tallies, changed in place;
    ``covered`` holds the covered residents in its first ``counters[0]`` entries."""

    levels: np.ndarray
    baseline: np.ndarray
    vigilance: np.ndarray
    fatigue: np.ndarray
    member: np.ndarray
    member_u8: np.ndarray
    admin: np.ndarray
    first_joined: np.ndarray
    last_joined: np.ndarray
    group_active: np.ndarray
    group_start_day: np.ndarray
    group_end_day: np.ndarray
    group_of_street: np.ndarray
    resident_group: np.ndarray
    covered: np.ndarray
    counters: np.ndarray  # int64[1]: covered residents
    last_victim_day: np.ndarray
    last_victim_kind: np.ndarray
    victimisations: np.ndarray
    last_violence_day: np.ndarray
    street_crime_day: np.ndarray
    area_burglaries: np.ndarray
    members_per_group: np.ndarray
    member_ties: np.ndarray
    quiet_days: np.ndarray
    arrest_until: np.ndarray
    conflicts: np.ndarray
    shaken: np.ndarray
    today_alarmed: np.ndarray
    today_reassured: np.ndarray
    heard: np.ndarray
    join_multiplier: np.ndarray  # empty until invitations go out
    group_totals: np.ndarray
    week_alerts: np.ndarray
    weeks_measured: np.ndarray


class Queue(NamedTuple):
    """Feedback messages not yet delivered, in the order they were queued."""

    due: np.ndarray  # int64, day it arrives
    group: np.ndarray  # int64
    report_day: np.ndarray  # int64
    weight: np.ndarray  # float64
    count: int


class Params(NamedTuple):
    """The scenario's constants as the compiled day reads them; arrays marked *NumPy* are
    computed by NumPy before the segment so that they are the Python day's bits."""

    crime: rules.CrimeParams
    daily_rate: float
    displacement: float
    arrest_deterrence: float
    deterrence: float
    deterrence_full_share: float
    deterrence_unsigned: float
    in_progress_share: float
    offence_minutes: float
    victim_worry: float
    violence_worry: float
    arrest_memory_days: int
    wave_day: np.ndarray
    wave_end: np.ndarray
    wave_area: np.ndarray
    wave_multiplier: np.ndarray
    response: rules.ResponseParams
    call_minutes: float
    saar_call_speedup: float
    witnesses_pow: np.ndarray  # NumPy: n ** bystander_delay_exponent for n = 0 … max street
    look_near: float
    saar_look_boost: float
    look_far: float
    escalation_share: float
    conflict_share: float
    not_confronting: np.ndarray  # NumPy: (1 − per-looker chance) ** k per group (rows) and k
    police: rules.PoliceParams
    feedback_timeliness_hours: float
    caller_feedback: float
    unanswered_keep: float
    chatter: rules.ChatterParams
    admin_followup: float
    layered_relay: float
    alert_replies: float
    attention_half_volume: float
    quiet_fade_days: float
    stigma_weight: float
    admin_pull: float
    professional_proximity: float
    read_weight: np.ndarray  # NumPy, as ``rules.read_messages`` builds it
    read_log_keep: np.ndarray  # NumPy
    full_watch_share: float
    professional_relief: float
    admin_relief: float
    dormant_after_days: int
    end_after_dormant_days: int
    min_members: int
    opinion: bool
    retell_share: float
    tell_prob: float
    witness_signal: float
    tell_log_keep: np.ndarray  # NumPy
    opinion_rates: np.ndarray
    drift_rate: np.ndarray
    fatigue_keep: float
    conflict_leave: float
    leave_rate: float
    leave_fatigue: float
    join_rate: float
    recruitment_floor: float
    local_problem_join: float
    municipal_invitation: float
    wave_join: float
    wave_burglaries: float
    social_influence: float
    selection_beta: np.ndarray
    selection_bound: float  # NumPy: exp(Σ max z) of the thinning bound
    boost_max: float
    victim_join: float
    street_crime_join: float
    recent_days: int
    has_join_multiplier: bool
    unsafe_sometimes: float
    burn_in_days: int


class Streams(NamedTuple):
    """The submodels' generators a day draws from (:mod:`sim.streams`)."""

    incidents: np.random.Generator
    noticing: np.random.Generator
    response: np.random.Generator
    police: np.random.Generator
    messages: np.random.Generator
    leaving: np.random.Generator
    joining: np.random.Generator


# --------------------------------------------------------------------------- Python side


#: The rules and kernels as imported: a rule replaced later (instrumented by a test or a
#: study) is seen by ``Engine.step`` but not by the compiled day, so such runs stay in Python.
_RULES_AS_IMPORTED = {name: f for name, f in vars(rules).items() if callable(f)}


def can_run(engine: Engine) -> bool:
    """Whether the compiled day can stand in for ``engine.step``: no event logs, nobody
    listening to membership changes, and the rules of :mod:`sim.rules` not replaced."""
    return (
        engine.log is None
        and engine.state.on_membership is None
        and all(getattr(rules, name, None) is f for name, f in _RULES_AS_IMPORTED.items())
    )


def python_days(engine: Engine) -> set[int]:
    """Days that run as ``Engine.step``: interventions, the invitation day, survey waves."""
    scn = engine.scenario
    days = {iv.day for iv in scn.interventions} | set(engine.waves)
    if scn.membership.invited_share > 0:
        days.add(scn.membership.invitation_day)
    return days


def run_segment(engine: Engine, n_days: int) -> int:
    """Run up to ``n_days`` ordinary days of ``engine`` compiled; returns how many ran (fewer
    when a group is founded: that day is left to ``Engine.step``)."""
    pop, st = engine.pop, engine.state
    queue = _queue_from(st)
    out = np.empty((n_days, N_COLUMNS))
    covered = np.zeros(pop.n, dtype=np.int64)
    covered[: len(st.covered_residents)] = st.covered_residents
    counters = np.array([len(st.covered_residents)], dtype=np.int64)
    now = _now(engine, covered, counters)
    done, queue = run_days(
        _town(engine),
        now,
        Factors(*(st.factors[name] for name in Factors._fields)),
        params(engine),
        Streams(*(engine.streams[name] for name in Streams._fields)),
        queue,
        st.day,
        n_days,
        out,
        NUMPY_LOG1P_OF_MINUS,
    )
    st.day += done
    st.covered_residents = covered[: counters[0]].copy()
    st._members = None
    st.conflicts[:] = 0.0
    _queue_to(st, queue)
    names = [name for name, _ in RECORD_COLUMNS]
    whole = [whole for _, whole in RECORD_COLUMNS]
    for row in out[:done].tolist():
        engine.records.append(
            {name: int(v) if w else v for name, v, w in zip(names, row, whole, strict=True)}
        )
    return done


def _town(engine: Engine) -> Town:
    pop, st = engine.pop, engine.state
    return Town(
        pop.n_groups,
        pop.street,
        pop.street_start,
        pop.street_size,
        pop.households_of_street,
        pop.crime_multiplier,
        pop.area_of_street,
        pop.group_of_street,
        pop.group_area,
        pop.adjacency.indptr,
        pop.adjacency.indices,
        engine._with_groups_u8,
        engine._n_with_groups,
        len(pop.area_names),
        st.area_households,
        st.degree,
        st.group_adults,
        st.planned_start,
        st.wave_threshold,
        st.selection_mean,
        st.selection_sd,
    )


def _now(engine: Engine, covered: np.ndarray, counters: np.ndarray) -> Now:
    st = engine.state
    boost = st.join_multiplier if st.join_multiplier is not None else np.zeros(0)
    return Now(
        st.levels,
        st.baseline,
        st.vigilance,
        st.fatigue,
        st.member,
        st.member.view(np.uint8),
        st.admin,
        st.first_joined,
        st.last_joined,
        st.group_active,
        st.group_start_day,
        st.group_end_day,
        st.group_of_street,
        st.resident_group,
        covered,
        counters,
        st.last_victim_day,
        st.last_victim_kind,
        st.victimisations,
        st.last_violence_day,
        st.street_crime_day,
        st.area_burglaries,
        st.members_per_group,
        st.member_ties,
        st.quiet_days,
        st.arrest_until,
        st.conflicts,
        st.shaken,
        st.today_alarmed,
        st.today_reassured,
        st.heard,
        boost,
        engine.group_totals,
        engine._week_alerts,
        engine._weeks_measured,
    )


def _queue_from(st) -> Queue:
    entries = [(day, g, d, w) for day, due in st._feedback.items() for g, d, w in due]
    size = max(64, 2 * len(entries))
    due = np.zeros(size, dtype=np.int64)
    group = np.zeros(size, dtype=np.int64)
    report_day = np.zeros(size, dtype=np.int64)
    weight = np.zeros(size)
    for k, (day, g, d, w) in enumerate(entries):
        due[k], group[k], report_day[k], weight[k] = day, g, d, w
    return Queue(due, group, report_day, weight, len(entries))


def _queue_to(st, queue: Queue) -> None:
    st._feedback.clear()
    n = queue.count
    for day, g, d, w in zip(
        queue.due[:n].tolist(),
        queue.group[:n].tolist(),
        queue.report_day[:n].tolist(),
        queue.weight[:n].tolist(),
        strict=True,
    ):
        st._feedback[day].append((g, d, w))


def params(engine: Engine) -> Params:
    """The scenario's constants and the NumPy-computed tables for the next segment (the
    tables depend on the success factors, which only Python days change)."""
    pop, st, scn = engine.pop, engine.state, engine.scenario
    c, r, pol, m, rs = scn.crime, scn.response, scn.police, scn.messages, scn.reassurance
    lc, ct, mem, mb = scn.lifecycle, scn.contagion, scn.memory, scn.membership
    areas = pop.area_names
    f = st.factors
    n_g = pop.n_groups
    # Tables of the powers the Python day takes with NumPy (same dtypes, same loops).
    witnesses_pow = np.arange(int(pop.street_size.max()) + 1) ** r.bystander_delay_exponent
    if n_g:
        guard, saar = f["vigilantism_guard"], f["saar_training"]
        per_looker = r.vigilante_share * (1 - guard) * (1 - saar)
        k = int(st.group_adults.max()) + 1
        not_confronting = (np.repeat(1 - per_looker, k) ** np.tile(np.arange(k), n_g)).reshape(
            n_g, k
        )
    else:
        not_confronting = np.ones((0, 1))
    beta, mean, sd = rules._selection_model(st, scn)
    z_max = np.maximum(beta * (0 - mean) / sd, beta * (1 - mean) / sd) - beta**2 / 2
    return Params(
        crime=rules._crime_params(scn),
        daily_rate=(c.burglary_rate + c.theft_rate + c.vandalism_rate) / 365.0,
        displacement=c.displacement,
        arrest_deterrence=c.arrest_deterrence,
        deterrence=c.deterrence,
        deterrence_full_share=c.deterrence_full_share,
        deterrence_unsigned=c.deterrence_unsigned,
        in_progress_share=c.in_progress_share,
        offence_minutes=pol.offence_minutes,
        victim_worry=c.victim_worry,
        violence_worry=c.violence_worry,
        arrest_memory_days=c.arrest_memory_days,
        wave_day=np.array([w.day for w in c.waves], dtype=np.int64),
        wave_end=np.array([w.day + w.days for w in c.waves], dtype=np.int64),
        wave_area=np.array([areas.index(w.area) for w in c.waves], dtype=np.int64),
        wave_multiplier=np.array([w.burglary_multiplier for w in c.waves], dtype=float),
        response=rules._response_params(scn, n_g > 0),
        call_minutes=r.call_minutes,
        saar_call_speedup=r.saar_call_speedup,
        witnesses_pow=witnesses_pow.astype(float),
        look_near=r.look_near,
        saar_look_boost=r.saar_look_boost,
        look_far=r.look_far,
        escalation_share=r.escalation_share,
        conflict_share=r.conflict_share,
        not_confronting=not_confronting.astype(float),
        police=rules._police_params(scn, n_g > 0),
        feedback_timeliness_hours=pol.feedback_timeliness_hours,
        caller_feedback=pol.caller_feedback,
        unanswered_keep=1 - m.no_feedback_penalty,
        chatter=rules._chatter_params(scn),
        admin_followup=m.admin_followup,
        layered_relay=m.layered_relay,
        alert_replies=m.alert_replies,
        attention_half_volume=m.attention_half_volume,
        quiet_fade_days=m.quiet_fade_days,
        stigma_weight=m.stigma_weight,
        admin_pull=m.admin_pull,
        professional_proximity=m.professional_proximity,
        read_weight=np.array(
            [
                m.near_weight - 1,
                m.exposure * m.alert_worry,
                m.fatigue_attention,
                rs.watch_relief,
                np.log1p(-rs.response_relief),
                np.log1p(-rs.social_relief),
                np.log1p(-rs.chatter_relief),
            ]
        ),
        read_log_keep=np.log1p(
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
        full_watch_share=rs.full_watch_share,
        professional_relief=rs.professional_relief,
        admin_relief=rs.admin_relief,
        dormant_after_days=lc.dormant_after_days,
        end_after_dormant_days=lc.end_after_dormant_days,
        min_members=lc.min_members,
        opinion=ct.model == "opinion",
        retell_share=ct.retell_share,
        tell_prob=ct.tell_prob,
        witness_signal=ct.witness_signal,
        tell_log_keep=np.log1p(-np.array([ct.fear_weight, ct.reassurance_weight])),
        opinion_rates=np.array([ct.tell_prob, ct.opinion_fear_rate, ct.opinion_calm_rate]),
        drift_rate=np.array([mem.worry_decay] + [mem.trait_drift] * (len(st.levels) - 1)),
        fatigue_keep=1 - mem.fatigue_decay,
        conflict_leave=r.conflict_leave,
        leave_rate=mb.leave_rate,
        leave_fatigue=mb.leave_fatigue,
        join_rate=mb.join_rate,
        recruitment_floor=mb.recruitment_floor,
        local_problem_join=mb.local_problem_join,
        municipal_invitation=mb.municipal_invitation,
        wave_join=mb.wave_join,
        wave_burglaries=mb.wave_burglaries,
        social_influence=mb.social_influence,
        selection_beta=beta,
        selection_bound=float(np.exp(z_max.sum())),
        boost_max=(1 + mb.victim_join) * (1 + mb.street_crime_join),
        victim_join=mb.victim_join,
        street_crime_join=mb.street_crime_join,
        recent_days=mb.recent_days,
        has_join_multiplier=st.join_multiplier is not None,
        unsafe_sometimes=scn.survey.unsafe_sometimes,
        burn_in_days=scn.burn_in_days,
    )


# --------------------------------------------------------------------------- compiled side


@compiled
def run_days(town, now, factors, par, streams, queue, first_day, n_days, out, numpy_log1p):
    """Days ``first_day`` … ``first_day + n_days - 1`` as ``Engine.step`` runs them, each
    day's record in a row of ``out``; stops before a day on which a group is founded.
    Returns how many days ran and the feedback queue. ``numpy_log1p`` is
    :data:`NUMPY_LOG1P_OF_MINUS`."""
    for k in range(n_days):
        day = first_day + k
        if _founding_today(town, now, day):
            return k, queue
        queue = _day(town, now, factors, par, streams, queue, day, out[k], numpy_log1p)
    return n_days, queue


@compiled
def _burglaries_per_1000(town, now):
    """``State.burglaries_per_1000``."""
    n_areas = now.area_burglaries.shape[1]
    out = np.empty(n_areas)
    for a in range(n_areas):
        total = 0
        for w in range(now.area_burglaries.shape[0]):
            total += now.area_burglaries[w, a]
        out[a] = 1000 * total / max(town.area_households[a], 1)
    return out


@compiled
def _founding_today(town, now, day):
    """Whether ``rules.found_groups`` would found a group today."""
    per_1000 = _burglaries_per_1000(town, now)
    for g in range(town.n_groups):
        if now.group_start_day[g] < 0 and now.group_end_day[g] < 0:
            if town.planned_start[g] == day:
                return True
            threshold = town.wave_threshold[g]
            if threshold > 0 and per_1000[town.group_area[g]] >= threshold:
                return True
    return False


def _numpy_log1p_of_minus(src: int, dst: int, n: int) -> None:
    """``dst[:n] = np.log1p(-src[:n])`` computed by NumPy (its vectorised log1p may differ
    from libm's in the last bit); called from the compiled day through a C pointer."""
    u = np.ctypeslib.as_array((ctypes.c_double * n).from_address(src))
    out = np.ctypeslib.as_array((ctypes.c_double * n).from_address(dst))
    out[:] = np.log1p(-u)


#: The C entry point of :func:`_numpy_log1p_of_minus` (an argument of :func:`run_days`, so
#: that the compiled code does not hold its address and can be cached).
NUMPY_LOG1P_OF_MINUS = ctypes.CFUNCTYPE(None, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_int64)(
    _numpy_log1p_of_minus
)


@compiled
def _pairwise_block(a, lo, n):
    """NumPy's sum of a block of at most 128 values: eight running sums, then the rest."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r = a[lo : lo + 8].copy()
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] += a[lo + i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@compiled
def _pairwise_sum(a):
    """NumPy's pairwise summation of ``a`` (as ``np.add.reduce`` does it): blocks of at most
    128 values, halves (rounded to multiples of 8) added up the tree. The tree is walked with
    a stack, not recursion (numba cannot cache recursive functions)."""
    lo_stack = np.empty(128, dtype=np.int64)
    n_stack = np.empty(128, dtype=np.int64)
    split = np.zeros(128, dtype=np.bool_)
    values = np.empty(128)
    top = 0
    n_values = 0
    lo_stack[0], n_stack[0] = 0, len(a)
    top = 1
    while top:
        top -= 1
        lo, n = lo_stack[top], n_stack[top]
        if n <= 128:
            values[n_values] = _pairwise_block(a, lo, n)
            n_values += 1
        elif split[top]:  # both halves are summed: add them
            split[top] = False
            n_values -= 1
            values[n_values - 1] = values[n_values - 1] + values[n_values]
        else:
            n2 = n // 2
            n2 -= n2 % 8
            split[top] = True
            top += 1
            lo_stack[top], n_stack[top], split[top] = lo + n2, n - n2, False
            top += 1
            lo_stack[top], n_stack[top], split[top] = lo, n2, False
            top += 1
    return values[0]


@compiled
def _mean(x):
    """``engine._mean``: the mean of the values that are not NaN, as NumPy sums them."""
    kept = x[~np.isnan(x)]
    if len(kept) == 0:
        return np.nan
    return (0.0 + _pairwise_sum(kept)) / len(kept)


@compiled
def _ratio(a, b):
    """a / b with NumPy's answers for b = 0."""
    if b == 0:
        if a == 0 or np.isnan(a):
            return np.nan
        return np.inf if a > 0 else -np.inf
    return a / b


@compiled
def _day(town, now, factors, par, streams, queue, day, rec, numpy_log1p):
    """One day of ``Engine.step`` (without its Python-only parts); the record into ``rec``."""
    n_groups = town.n_groups
    none = np.zeros(1)  # the factors' stand-in without groups
    f = factors
    members = np.flatnonzero(now.member)

    # 1 incidents ------------------------------------------------------------------------
    rng = streams.incidents
    n_streets = len(town.households)
    cut = np.zeros(n_streets)
    if n_groups:
        for s in range(n_streets):
            g = now.group_of_street[s]
            if g >= 0:
                share = min(
                    now.members_per_group[g]
                    / max(town.group_adults[g], 1)
                    / par.deterrence_full_share,
                    1.0,
                )
                unsigned = par.deterrence_unsigned
                visibility = share * (unsigned + (1 - unsigned) * f.signs[g])
                cut[s] = par.deterrence * visibility
    coordination = f.municipal_coordination if n_groups else none
    rate = rules._street_rates(
        town.households,
        town.multiplier,
        town.area_of_street,
        now.group_of_street,
        cut,
        coordination,
        now.arrest_until > day,
        par.daily_rate,
        par.displacement,
        par.arrest_deterrence,
    )
    if len(par.wave_day):
        per_area = np.ones(town.n_areas)
        for w in range(len(par.wave_day)):
            if par.wave_day[w] <= day < par.wave_end[w]:
                per_area[par.wave_area[w]] *= par.wave_multiplier[w]
        wave = np.empty(n_streets)
        for s in range(n_streets):
            wave[s] = per_area[town.area_of_street[s]]
    else:
        wave = np.ones(0)
    u = rng.random((n_streets, 4))
    u_violent = rng.random(n_streets) if par.crime.with_violence else np.empty(0)
    street, kind = rules._incident_counts(
        rate, (town.households, town.multiplier, town.street_size), wave, par.crime, u, u_violent
    )
    n_ev = len(kind)
    u_seen = rng.random(n_ev)
    u_victim = rng.random(n_ev)
    in_progress, victim = rules._incident_details(
        street, kind, town.street_start, town.street_size, par.in_progress_share, u_seen, u_victim
    )
    duration = rng.exponential(par.offence_minutes, n_ev)
    is_crime = kind != rules.SUSPICIOUS

    # victimise --------------------------------------------------------------------------
    worry = now.levels[0]
    n_victims = 0
    for e in range(n_ev):
        n_victims += victim[e] >= 0
    victims = np.empty(n_victims, dtype=np.int64)
    jumped = np.empty(n_victims)
    j = 0
    for e in range(n_ev):
        if victim[e] >= 0:
            victims[j] = victim[e]
            jump = par.violence_worry if kind[e] == rules.VIOLENCE else par.victim_worry
            jumped[j] = max(worry[victim[e]], jump)  # from the worry before today's jumps
            j += 1
    j = 0
    for e in range(n_ev):
        if victim[e] >= 0:
            v = victim[e]
            worry[v] = jumped[j]
            now.shaken[v] = True
            now.last_victim_day[v] = day
            now.last_victim_kind[v] = kind[e]
            now.victimisations[v] += 1
            if kind[e] == rules.VIOLENCE:
                now.last_violence_day[v] = day
            now.street_crime_day[street[e]] = day
            j += 1
    row = day % now.area_burglaries.shape[0]
    now.area_burglaries[row, :] = 0
    for e in range(n_ev):
        if kind[e] == rules.BURGLARY:
            now.area_burglaries[row, town.area_of_street[street[e]]] += 1

    # 2 noticing -------------------------------------------------------------------------
    n_pairs = 0
    for e in range(n_ev):
        if in_progress[e]:
            n_pairs += town.street_size[street[e]]
    u = streams.noticing.random(n_pairs)
    witness_event = np.empty(n_pairs, dtype=np.int64)
    witness = np.empty(n_pairs, dtype=np.int64)
    n_w = 0
    k = 0
    for e in range(n_ev):
        if in_progress[e]:
            s = street[e]
            for i in range(town.street_start[s], town.street_start[s + 1]):
                if u[k] < now.vigilance[i] and i != victim[e]:
                    witness_event[n_w] = e
                    witness[n_w] = i
                    n_w += 1
                k += 1
    witness_event = witness_event[:n_w]
    witness = witness[:n_w]

    # 3 response -------------------------------------------------------------------------
    rng = streams.response
    if n_groups:
        saar, purpose, recognition = f.saar_training, f.clear_purpose, f.recognition_training
        guard, active_admin = f.vigilantism_guard, f.active_admin
    else:
        saar = purpose = recognition = guard = active_admin = none
    u_w = rng.random((4, n_w))
    # call_moments
    n_witnesses = np.zeros(n_ev, dtype=np.int64)
    for k in range(n_w):
        n_witnesses[witness_event[k]] += 1
    u_m = rng.random((2, n_w))
    if n_w:
        wait = u_m[1].copy()
        log_wait = np.empty(n_w)
        numpy_log1p(wait.ctypes.data, log_wait.ctypes.data, n_w)
        for k in range(n_w):
            e = witness_event[k]
            g = max(town.planned_group_of_street[street[e]], 0)
            trained = saar[g] if now.member[witness[k]] else 0.0
            hesitation = (
                par.call_minutes
                * par.witnesses_pow[n_witnesses[e]]
                * (1 - par.saar_call_speedup * trained)
            )
            u_w[1, k] = u_m[0, k] * duration[e] - log_wait[k] * hesitation
    u_e = rng.random((2, n_ev))
    n_late = 0
    for e in range(n_ev):
        n_late += is_crime[e] and not in_progress[e]
    u_late = rng.random((2, n_late))
    group_of_event = now.group_of_street[street]
    caller_event, caller, call_112, call_minutes, alerted, stigmatising = rules._respond(
        (witness_event, witness),
        (is_crime, in_progress, victim, kind, group_of_event),
        (now.member, now.levels[1]),
        (saar, purpose, recognition, guard, active_admin),
        par.response,
        (u_w, u_e, u_late),
    )

    # go and look ------------------------------------------------------------------------
    went_to_look = np.zeros(n_ev, dtype=np.int64)
    escalated = np.zeros(n_ev, dtype=np.bool_)
    conflict = np.zeros(n_ev, dtype=np.bool_)
    confrontations = 0
    out = np.flatnonzero(alerted & in_progress)
    n_out = len(out)
    if n_out:
        g_out = np.empty(n_out, dtype=np.int64)
        near = np.empty(n_out, dtype=np.int64)
        p_near = np.empty(n_out)
        for k in range(n_out):
            s = street[out[k]]
            g = town.planned_group_of_street[s]
            g_out[k] = g
            near[k] = 0
            for i in range(town.street_start[s], town.street_start[s + 1]):
                near[k] += now.member[i]
            p_near[k] = min(par.look_near * (1 + par.saar_look_boost * saar[g]), 1.0)
        looked = np.empty(n_out, dtype=np.int64)
        for k in range(n_out):
            looked[k] = rng.binomial(near[k], p_near[k])
        for k in range(n_out):
            far = now.members_per_group[g_out[k]] - near[k]
            looked[k] += rng.binomial(far, p_near[k] * par.look_far)
        u = rng.random((4, n_out))
        for k in range(n_out):
            e, g = out[k], g_out[k]
            confronted = u[0, k] < 1 - par.not_confronting[g, looked[k]]
            went_to_look[e] = looked[k]
            confrontations += confronted
            escalated[e] = confronted and u[1, k] < par.escalation_share
            conflict[e] = confronted and u[2, k] < par.conflict_share
            if confronted and kind[e] == rules.SUSPICIOUS:
                stigmatising[e] = True
            if conflict[e]:
                now.conflicts[g] += 1
        for k in range(n_out):
            e = out[k]
            if escalated[e]:  # a member of the street is shaken as a victim is
                s = street[e]
                lo, hi = town.street_start[s], town.street_start[s + 1]
                n_on = 0
                for i in range(lo, hi):
                    n_on += now.member[i]
                if n_on:
                    pick = int(u[3, k] * n_on)
                    for i in range(lo, hi):
                        if now.member[i]:
                            if pick == 0:
                                worry[i] = max(worry[i], par.victim_worry)
                                now.shaken[i] = True
                                break
                            pick -= 1

    # 6a police --------------------------------------------------------------------------
    rng = streams.police
    u = rng.random((2, n_ev))
    travel = rng.standard_gamma(par.police.arrival_shape, n_ev)
    u_fb = rng.random(n_ev) if n_groups else u[0].copy()
    if n_groups:
        fac = (f.recognition_training, f.police_feedback, f.linked_professional)
    else:
        fac = (none, none, none)
    came, arrest, fb = rules._police_outcomes(
        caller_event,
        call_112,
        (is_crime, in_progress, duration, call_minutes, alerted, group_of_event),
        fac,
        par.police,
        u,
        travel,
        u_fb,
    )
    arrival_minutes = np.full(n_ev, np.nan)
    for e in range(n_ev):
        if came[e]:
            arrival_minutes[e] = travel[e]
    for e in range(n_ev):
        if arrest[e]:
            now.arrest_until[town.area_of_street[street[e]]] = day + par.arrest_memory_days
    n_fb = 0
    for e in range(n_ev):
        n_fb += fb[e]
    if n_fb:
        hours = np.empty(n_fb)
        fb_groups = np.empty(n_fb, dtype=np.int64)
        j = 0
        for e in range(n_ev):
            if fb[e]:
                fb_groups[j] = group_of_event[e]
                hours[j] = rng.exponential(f.feedback_delay_hours[group_of_event[e]])
                j += 1
        clock = 24 * rng.random(n_fb)
        for j in range(n_fb):
            days = int((clock[j] + hours[j]) // 24)
            weight = 1 / (1 + hours[j] / par.feedback_timeliness_hours)
            queue = _enqueue(queue, day + days, fb_groups[j], day, weight)
    rules._answer_callers(
        caller,
        caller_event,
        fb,
        now.member,
        rng.random(len(caller)),
        par.caller_feedback,
        par.unanswered_keep,
        now.levels[1],
        now.levels[2],
        now.today_reassured,
    )

    # 4a group messages ------------------------------------------------------------------
    rng = streams.messages
    alerts, stigma, responded, social, chatter, alert_street = rules._posts(
        (street, group_of_event, alerted, stigmatising),
        (caller, caller_event, now.member),
        now.members_per_group,
        (f.active_admin, f.group_rules, f.social_channel),
        par.chatter,
        rng.random(n_groups),
        n_streets,
    )
    followup = np.zeros(n_groups)
    if np.any(alerts != 0):
        for g in range(n_groups):
            followup[g] = rng.binomial(int(alerts[g]), par.admin_followup * f.active_admin[g])
    due = np.zeros(n_groups)
    due_weight = np.zeros(n_groups)
    kept = 0
    for q in range(queue.count):
        if queue.due[q] == day:
            due[queue.group[q]] += 1.0
            due_weight[queue.group[q]] += queue.weight[q]
        else:
            queue.due[kept] = queue.due[q]
            queue.group[kept] = queue.group[q]
            queue.report_day[kept] = queue.report_day[q]
            queue.weight[kept] = queue.weight[q]
            kept += 1
    queue = Queue(queue.due, queue.group, queue.report_day, queue.weight, kept)
    feedback = np.empty(n_groups)
    timely = np.empty(n_groups)
    keepalive = np.empty(n_groups)
    relay = np.empty(n_groups)
    for g in range(n_groups):
        active = 1.0 if now.group_active[g] else 0.0
        feedback[g] = (due[g] + followup[g]) * active
        timely[g] = (due_weight[g] + followup[g]) * active
        every = f.keep_alive_days[g]
        alive = every > 0 and float(day) % max(every, 1.0) == 0 and now.group_active[g]
        keepalive[g] = 1.0 if alive else 0.0
        relay[g] = 1 - (1 - par.layered_relay) * f.layered[g]

    # 4b reading -------------------------------------------------------------------------
    if n_groups:
        attention = np.empty(n_groups)
        read_alerts = np.empty(n_groups)
        read_chatter = np.empty(n_groups)
        admin_w = np.empty(n_groups)
        prof_w = np.empty(n_groups)
        resp_w = np.empty(n_groups)
        reassure = np.empty((2, n_groups))
        after = par.dormant_after_days
        for g in range(n_groups):
            volume = (
                relay[g] * (alerts[g] * par.alert_replies + chatter[g]) + feedback[g] + keepalive[g]
            )
            a = 1 / (1 + volume / par.attention_half_volume)
            a = a / (1 + now.quiet_days[g] / par.quiet_fade_days)
            if now.group_active[g] and after > 0 and now.quiet_days[g] >= max(after, 1):
                a = 0.0
            attention[g] = a
            read_alerts[g] = relay[g] * (alerts[g] + (par.stigma_weight - 1) * stigma[g])
            read_chatter[g] = relay[g] * chatter[g]
            admin_w[g] = par.admin_pull * f.active_admin[g]
            prof_w[g] = par.professional_proximity * f.linked_professional[g]
            resp_w[g] = relay[g] * responded[g]
            reassure[0, g] = min(
                now.members_per_group[g] / max(town.group_adults[g], 1) / par.full_watch_share,
                1.0,
            )
            daily = (
                par.professional_relief * f.linked_professional[g]
                + par.admin_relief * f.active_admin[g]
            )
            reassure[1, g] = min(daily, 1.0)
        alert_street_w = np.empty(n_streets)
        for s in range(n_streets):
            alert_street_w[s] = alert_street[s] * relay[max(town.planned_group_of_street[s], 0)]
        rules._read(
            members,
            now.resident_group,
            town.street,
            attention,
            read_alerts,
            alert_street_w,
            timely,
            read_chatter,
            social,
            admin_w,
            prof_w,
            resp_w,
            reassure,
            now.levels,
            now.fatigue,
            now.today_alarmed,
            now.today_reassured,
            par.read_weight,
            par.read_log_keep,
        )
        for g in range(n_groups):
            if alerts[g] + feedback[g] + keepalive[g] > 0 or not now.group_active[g]:
                now.quiet_days[g] = 0
            else:
                now.quiet_days[g] = now.quiet_days[g] + 1

    # 5 word of mouth --------------------------------------------------------------------
    for k in range(n_w):
        now.shaken[witness[k]] = True
    if par.opinion:
        rules._opinion(town.indptr, town.indices, worry, par.opinion_rates)
        now.today_alarmed[:] = 0.0
        now.today_reassured[:] = 0.0
        now.shaken[:] = False
    else:
        tellers = np.concatenate((members, witness, caller, victims))
        rules._tell(
            tellers,
            town.indptr,
            town.indices,
            now.today_alarmed,
            now.shaken,
            now.today_reassured,
            worry,
            now.heard,
            par.retell_share,
            par.tell_prob,
            par.witness_signal,
            par.tell_log_keep,
        )

    # 7 memory, leaving, joining, ending -------------------------------------------------
    rules._drift(now.levels, now.baseline, par.drift_rate, now.fatigue, par.fatigue_keep)
    extra = np.empty(len(now.conflicts))
    for g in range(len(extra)):
        extra[g] = par.conflict_leave * now.conflicts[g]
        if n_groups:
            extra[g] = extra[g] * (1 - f.vigilantism_guard[g])
    gone, left_after_conflict = rules._leavers(
        members,
        now.admin,
        now.fatigue,
        now.resident_group,
        extra,
        par.leave_rate,
        par.leave_fatigue,
        streams.leaving.random(len(members)),
    )
    now.conflicts[:] = 0.0
    _set_member(town, now, gone, False, day)
    joined = _join(town, now, f, par, streams.joining, day) if n_groups else 0
    _end_groups(town, now, par, day)

    # the record -------------------------------------------------------------------------
    _record(
        town,
        now,
        par,
        day,
        rec,
        (kind, victim, is_crime),
        (caller, caller_event, call_112, now.member),
        (alerts, stigma, chatter, feedback),
        (keepalive, arrest, went_to_look, escalated, conflict),
        confrontations,
        joined,
        len(gone),
        left_after_conflict,
        call_minutes,
        arrival_minutes,
    )
    return queue


@compiled
def _enqueue(queue, due, group, report_day, weight):
    """Append one feedback message to the queue (growing it when full)."""
    n = queue.count
    if n == len(queue.due):
        size = 2 * n
        grown = Queue(
            np.zeros(size, dtype=np.int64),
            np.zeros(size, dtype=np.int64),
            np.zeros(size, dtype=np.int64),
            np.zeros(size),
            n,
        )
        grown.due[:n] = queue.due
        grown.group[:n] = queue.group
        grown.report_day[:n] = queue.report_day
        grown.weight[:n] = queue.weight
        queue = grown
    queue.due[n] = due
    queue.group[n] = group
    queue.report_day[n] = report_day
    queue.weight[n] = weight
    return Queue(queue.due, queue.group, queue.report_day, queue.weight, n + 1)


@compiled
def _set_member(town, now, who, value, day):
    """``State.join`` / ``State.leave`` (without listeners)."""
    _update_membership(
        who,
        value,
        now.member,
        now.resident_group,
        now.members_per_group,
        town.indptr,
        town.indices,
        now.member_ties,
    )
    if value:
        for i in who:
            if now.first_joined[i] < 0:
                now.first_joined[i] = day
            now.last_joined[i] = day


@compiled
def _join(town, now, f, par, rng, day):
    """``rules.join_groups``: returns how many joined."""
    n_groups = town.n_groups
    per_1000 = _burglaries_per_1000(town, now)
    per_group = np.empty(n_groups)
    for g in range(n_groups):
        wave = 1.0 if per_1000[town.group_area[g]] >= par.wave_burglaries else 0.0
        per_group[g] = (
            par.join_rate
            * (par.recruitment_floor + f.recruitment[g])
            * (1 + par.local_problem_join * f.local_problem[g])
            * (1 + par.municipal_invitation * f.municipal_coordination[g])
            * (1 + par.wave_join * wave)
        )
    bound = per_group.max() * (1 + par.social_influence) * par.selection_bound * par.boost_max
    covered = now.covered[: now.counters[0]]
    boost = now.join_multiplier
    if par.has_join_multiplier:
        bound *= boost.max()
    if bound < 0.2:
        n_picked = rng.binomial(len(covered), bound)
        idx = _choice_without_replacement(rng, len(covered), n_picked)
        picked = np.empty(n_picked, dtype=np.int64)
        for k in range(n_picked):
            picked[k] = covered[idx[k]]
        draws = rng.random(n_picked) * bound
    else:
        picked = covered.copy()
        draws = rng.random(len(covered))
        bound = np.inf
    if par.has_join_multiplier:
        for k in range(len(picked)):
            draws[k] = draws[k] / boost[picked[k]]
    recent = day - par.recent_days
    events = np.empty(len(picked))
    for k in range(len(picked)):
        i = picked[k]
        victim = 1.0 if now.last_victim_day[i] > recent else 0.0
        on_street = 1.0 if now.street_crime_day[town.street[i]] > recent else 0.0
        events[k] = (1 + par.victim_join * victim) * (1 + par.street_crime_join * on_street)
    new, above = rules._joiners(
        picked,
        draws,
        events,
        now.member,
        now.resident_group,
        per_group,
        now.member_ties,
        town.degree,
        par.social_influence,
        now.levels,
        (par.selection_beta, town.selection_mean, town.selection_sd),
        bound,
    )
    assert not above, "a join chance exceeded its bound: a level outside [0, 1]?"
    new = _cap_joins(now, f, rng, new)
    _set_member(town, now, new, True, day)
    for i in new:
        now.fatigue[i] = 0.0
    return len(new)


@compiled
def _choice_without_replacement(rng, n, k):
    """``rng.choice(n, k, replace=False)`` as NumPy draws it: for more than 10,000 and a
    sample above a fiftieth, the tail of a partial shuffle; else Floyd's algorithm with a
    hash set, then a shuffle."""
    if n > 10000 and k > n // 50:
        everyone = np.arange(n)
        for i in range(n - 1, max(n - k, 1) - 1, -1):
            j = rng.integers(0, i, endpoint=True)
            everyone[i], everyone[j] = everyone[j], everyone[i]
        return everyone[n - k :].copy()
    idx = np.empty(k, dtype=np.int64)
    mask = np.uint64(1.2 * k)
    for shift in (1, 2, 4, 8, 16, 32):
        mask |= mask >> np.uint64(shift)
    m = np.int64(mask)
    hash_set = np.full(m + 1, -1, dtype=np.int64)
    for j in range(n - k, n):
        val = rng.integers(0, j, endpoint=True)
        loc = val & m
        while hash_set[loc] != -1 and hash_set[loc] != val:
            loc = (loc + 1) & m
        if hash_set[loc] == -1:
            hash_set[loc] = val
            idx[j - n + k] = val
        else:
            loc = j & m
            while hash_set[loc] != -1:
                loc = (loc + 1) & m
            hash_set[loc] = j
            idx[j - n + k] = j
    for i in range(k - 1, 0, -1):
        j = rng.integers(0, i, endpoint=True)
        idx[i], idx[j] = idx[j], idx[i]
    return idx


@compiled
def _cap_joins(now, f, rng, new):
    """``rules.cap_joins``: newcomers beyond a group's size cap are dropped at random."""
    n_groups = len(now.members_per_group)
    room = np.empty(n_groups)
    for g in range(n_groups):
        room[g] = max(f.size_cap[g] - now.members_per_group[g], 0)
    per_group = np.zeros(n_groups)
    for i in new:
        per_group[now.resident_group[i]] += 1
    fits = True
    for g in range(n_groups):
        fits &= per_group[g] <= room[g]
    if fits:
        return new
    order = rng.permutation(len(new))
    kept = np.empty(len(new), dtype=np.int64)
    n_kept = 0
    for g in range(n_groups):  # grouped by group, in the shuffled order within each
        rank = 0
        for k in order:
            i = new[k]
            if now.resident_group[i] == g:
                if rank < room[g]:
                    kept[n_kept] = i
                    n_kept += 1
                rank += 1
    return kept[:n_kept]


@compiled
def _end_groups(town, now, par, day):
    """``rules.end_groups`` with ``State.close_groups``."""
    n_groups = town.n_groups
    ending = np.zeros(n_groups, dtype=np.bool_)
    any_ended = False
    for g in range(n_groups):
        too_small = now.members_per_group[g] < par.min_members
        silent = (
            par.dormant_after_days > 0
            and par.end_after_dormant_days > 0
            and now.quiet_days[g] >= par.dormant_after_days + par.end_after_dormant_days
        )
        if now.group_active[g] and (too_small or silent):
            ending[g] = True
            any_ended = True
    if not any_ended:
        return
    n = len(now.member)
    leaving = np.empty(n, dtype=np.int64)
    n_leaving = 0
    for i in range(n):
        g = now.resident_group[i]
        if g >= 0 and ending[g]:
            if now.member[i]:
                leaving[n_leaving] = i
                n_leaving += 1
            now.admin[i] = False
    _set_member(town, now, leaving[:n_leaving], False, day)
    for g in range(n_groups):
        if ending[g]:
            now.group_active[g] = False
            now.group_end_day[g] = day
    _cover(town, now)


@compiled
def _cover(town, now):
    """``State._cover``: streets and residents covered by a group that exists."""
    planned = town.planned_group_of_street
    for s in range(len(planned)):
        g = planned[s]
        now.group_of_street[s] = g if g >= 0 and now.group_active[g] else -1
    n_covered = 0
    for i in range(len(town.street)):
        now.resident_group[i] = now.group_of_street[town.street[i]]
        if now.resident_group[i] >= 0:
            now.covered[n_covered] = i
            n_covered += 1
    now.counters[0] = n_covered


@compiled
def _record(
    town,
    now,
    par,
    day,
    rec,
    incidents,
    calls,
    posts,
    outcomes,
    confrontations,
    joined,
    left,
    left_after_conflict,
    call_minutes,
    arrival_minutes,
):
    """``Engine._record`` and ``Engine._levels`` into ``rec`` (columns of ``RECORD_COLUMNS``),
    with the groups' post totals and silent weeks."""
    n_members = now.members_per_group.sum() if town.n_groups else 0
    sums, n_unsafe, victims = level_sums(
        now.levels,
        now.member_u8,
        town.with_groups,
        par.unsafe_sometimes,
        now.last_violence_day,
        now.last_victim_day,
        day - 365,
    )
    n_others = town.n_with_groups - n_members
    kind, victim, is_crime = incidents
    caller, caller_event, call_112, member = calls
    kinds, counts, sums_posts = tally(incidents, calls, posts, outcomes, len(rules.KINDS))
    rec[0] = day
    rec[1] = n_members
    rec[2] = _ratio(sums[0, 0], n_members)
    rec[3] = _ratio(sums[0, 1], n_others)
    rec[4] = _ratio(sums[5, 0], n_members)
    rec[5] = _ratio(sums[5, 1], n_others)
    rec[6] = n_unsafe / len(now.member)
    rec[7] = _ratio(sums[1, 0], n_members)
    rec[8] = _ratio(sums[1, 1], n_others)
    rec[9] = _ratio(sums[3, 0], n_members)
    rec[10] = _ratio(sums[3, 1], n_others)
    rec[11] = _ratio(sums[2, 0], n_members)
    rec[12] = _ratio(sums[2, 1], n_others)
    rec[13] = now.group_active.sum()
    rec[14:18] = victims
    rec[18] = len(kind) - kinds[rules.SUSPICIOUS]
    rec[19] = kinds[rules.BURGLARY]
    rec[20] = kinds[rules.VIOLENCE]
    rec[21] = kinds[rules.SUSPICIOUS]
    rec[22] = counts[0]
    rec[23] = counts[1]
    rec[24] = len(call_112) - counts[1]
    rec[25] = counts[2]
    rec[26] = counts[3]
    rec[27:32] = sums_posts[:5]
    rec[32] = sums_posts[5]
    rec[33] = confrontations
    rec[34] = joined
    rec[35] = left
    rec[36] = _mean(call_minutes)
    rec[37] = _mean(arrival_minutes[caller_event[call_112]])
    rec[38:41] = sums_posts[6:9]
    rec[41] = left_after_conflict
    if town.n_groups:
        alerts, _, chatter, feedback = posts
        add_group_posts(
            caller,
            member,
            town.street,
            now.group_of_street,
            (alerts, chatter, feedback),
            now.group_totals,
            now.week_alerts,
        )
        if day % 7 == 6:  # a week ends: count groups that posted no alert in it
            if day >= par.burn_in_days:
                for g in range(town.n_groups):
                    silent = now.week_alerts[g] == 0 and now.group_active[g]
                    now.group_totals[g, 4] += 1.0 if silent else 0.0
                    now.weeks_measured[g] += now.group_active[g]
            now.week_alerts[:] = 0


# --------------------------------------------------------------------------- cache


def _forget_stale_machine_code() -> None:
    """numba's cache notices changes to a function's own file only, but the compiled day
    builds in the kernels of :mod:`sim.rules`, :mod:`sim.record`, :mod:`sim.state` and
    :mod:`sim.compiled`: when any of those files changed since the day was cached, drop this
    module's cached machine code so that it is compiled afresh."""
    digest = hashlib.sha256()
    for module in (rules, record, state, compiled_module):
        digest.update(Path(module.__file__).read_bytes())
    dispatchers = [f for f in globals().values() if hasattr(f, "py_func") and hasattr(f, "_cache")]
    stamp = Path(run_days._cache.cache_path) / "day.kernels.sha256"
    try:
        if stamp.read_text() == digest.hexdigest():
            return
    except OSError:
        pass
    for f in dispatchers:
        f._cache.flush()
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest.hexdigest())
    except OSError:
        pass  # a read-only cache: numba compiles in memory anyway


_forget_stale_machine_code()
