"""The kernels of a day's record (:meth:`sim.engine.Engine._record`): today's counts, the
posts per group and the sums behind the mean levels of members and non-members.

They are shared by the Python day (:meth:`sim.engine.Engine.step`) and the compiled day
(:mod:`sim.day`), so both record the same numbers bit for bit.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def tally(incidents, calls, posts, outcomes, n_kinds):
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
def add_group_posts(caller, member, street, group_of_street, posts, totals, week_alerts):
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
def level_sums(levels, member, with_groups, unsafe_from, violence_day, victim_day, year_ago):
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
