"""Every table a run writes, with its columns and units, in one place.

``docs/outputs.md`` is generated from :data:`TABLES` (``uv run python -m sim.output_tables >
docs/outputs.md``); a test runs a scenario with every extra and checks that each written
table has exactly the columns listed here, and that the committed page is current.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from sim.logs import EXTRAS
from sim.population import TRAITS
from sim.scenario import FACTOR_NAMES


@dataclass(frozen=True)
class Table:
    """One output file: when it is written, what a row is, and its columns."""

    file: str
    written: str  # "always", "with a survey", or the --outputs name that asks for it
    row: str
    columns: dict[str, tuple[str, str]]  # name → (unit, meaning)


_LEVEL_UNITS = "level 0–1"

DAILY = {
    "day": ("day", "day of the run, 0-based"),
    "members": ("residents", "app-group members at the end of the day"),
    "worry_members": (_LEVEL_UNITS, "mean latent worry of members"),
    "worry_nonmembers": (_LEVEL_UNITS, "mean latent worry of non-members in areas with groups"),
    "unsafe_members": ("share", "members whose latent worry is at least survey.unsafe_sometimes"),
    "unsafe_nonmembers": ("share", "the same among non-members in areas with groups"),
    "unsafe_all": ("share", "the same among all residents"),
    "willingness_members": (_LEVEL_UNITS, "mean willingness to report, members"),
    "willingness_nonmembers": (_LEVEL_UNITS, "mean willingness to report, non-members"),
    "proximity_members": (_LEVEL_UNITS, "mean experienced government proximity, members"),
    "proximity_nonmembers": (_LEVEL_UNITS, "the same, non-members"),
    "efficacy_members": (_LEVEL_UNITS, "mean self-efficacy, members"),
    "efficacy_nonmembers": (_LEVEL_UNITS, "mean self-efficacy, non-members"),
    "groups_active": ("groups", "groups founded and not (yet) ended today"),
    "violence_victims_12m": ("residents", "residents victimised by violence in the last 365 days"),
    "unsafe_violence_victims_12m": ("residents", "of those, how many feel unsafe (F4)"),
    "non_victims_12m": ("residents", "residents not victimised at all in the last 365 days"),
    "unsafe_non_victims_12m": ("residents", "of those, how many feel unsafe (F4)"),
    "crimes": ("count", "crimes (burglary, theft, vandalism, violence) today"),
    "burglaries": ("count", "burglaries today"),
    "violent_crimes": ("count", "violent crimes (threats, assaults) today"),
    "suspicious": ("count", "suspicious situations today (not crimes)"),
    "victims": ("count", "residents victimised today"),
    "reports_112": ("count", "calls to 112 today"),
    "reports_0900": ("count", "calls to 0900-8844 today (incl. victims' later reports)"),
    "reports_members": ("count", "calls by app-group members today"),
    "crimes_reported": ("count", "crimes today reported to the police at least once"),
    "posts_alert": ("count", "alerts posted in app groups today"),
    "posts_stigmatising": ("count", "alerts that stigmatise (about suspicious situations)"),
    "posts_chatter": ("count", "off-topic messages in the alarm groups today"),
    "posts_feedback": ("count", "feedback messages today (police and administrators)"),
    "posts_keepalive": ("count", "keep-alive test messages today"),
    "arrests": ("count", "arrests today"),
    "confrontations": ("count", "members who confronted a suspect today"),
    "joined": ("count", "residents who joined a group today"),
    "left": ("count", "members who left today"),
    "minutes_to_call": ("minutes", "mean minutes from an incident's start to its first call"),
    "arrival_minutes_112": ("minutes", "mean minutes from a 112 call to the police's arrival"),
    "went_to_look": ("residents", "members who went out to look after alerts today"),
    "escalations": ("count", "confrontations that escalated today"),
    "conflicts": ("count", "confrontations that caused a conflict in the group today"),
    "left_after_conflict": ("count", "members who left today because of a conflict"),
}

WEEKLY = {
    "week": ("week", "day // 7"),
    **{k: v for k, v in DAILY.items() if k != "day"},
    "days": ("days", "days in the week (the last week may be partial)"),
}

GROUP_TOTALS = {
    "total_joins": ("count", "residents who joined over the run (founding members not counted)"),
    "total_leaves": ("count", "members who left over the run"),
    "total_alerts": ("count", "alerts posted"),
    "total_false_alarms": ("count", "alerts about suspicious situations that were no crime"),
    "total_stigmatising": ("count", "stigmatising alerts"),
    "total_chatter": ("count", "off-topic messages"),
    "total_admin_followups": ("count", "administrators' follow-up messages after alerts"),
    "total_police_feedback": ("count", "feedback messages on reports (police/municipality)"),
    "total_keepalive": ("count", "keep-alive test messages"),
    "total_calls_112": ("count", "members' calls to 112"),
    "total_calls_0900": ("count", "members' calls to 0900-8844"),
    "total_arrests": (
        "count",
        "arrests for incidents the group alerted about or its members called in",
    ),
    "total_confrontations": ("count", "incidents in which a member confronted a suspect"),
    "total_went_to_look": ("residents", "members who went out to look after the group's alerts"),
    "mean_feedback_delay_days": ("days", "mean days from report to feedback (NaN: none)"),
    "members_ever": ("residents", "residents who were a member at any time"),
    "weeks_with_arrest": ("weeks", "weeks with at least one of the group's arrests"),
}

GROUPS = {
    "group": ("name", "group name (area-number)"),
    "area": ("name", "area of the group"),
    "streets": ("count", "streets covered"),
    "adults": ("residents", "adults living on the covered streets"),
    "members": ("residents", "members at the end of the run"),
    "participation": ("share", "members / adults"),
    "admins": ("residents", "administrators"),
    "start_day": ("day", "day the group was founded (0: before the run; empty: never founded)"),
    "end_day": ("day", "day the group ended (empty: still active at the end)"),
    "worry_members": (_LEVEL_UNITS, "mean latent worry of the members at the end"),
    "alerts": ("count", "alerts over the run"),
    "chatter": ("count", "off-topic messages over the run"),
    "feedback": ("count", "feedback messages over the run (police and administrators)"),
    "reports": ("count", "members' calls to the police over the run"),
    "silent_weeks": ("weeks", "measured weeks without an alert"),
    "weeks_measured": ("weeks", "complete weeks after the burn-in"),
    "reports_per_month": ("per month", "reports / months run"),
    "alerts_per_month": ("per month", "alerts / months run"),
    **{f"factor_{f}": ("factor value", f"success factor {f} at the end") for f in FACTOR_NAMES},
}

GROUP_WEEKS = {
    "group": ("index", "group number (row of groups.parquet)"),
    "group_name": ("name", "group name"),
    "week": ("week", "day // 7"),
    "days": ("days", "days recorded in the week (the last week may be partial)"),
    "members": ("residents", "members at the end of the week"),
    "joins": ("count", "residents who joined"),
    "leaves": ("count", "members who left"),
    "alerts": ("count", "alerts posted"),
    "false_alarms": ("count", "alerts about suspicious situations that were no crime"),
    "stigmatising": ("count", "stigmatising alerts"),
    "chatter": ("count", "off-topic messages"),
    "admin_followups": ("count", "administrators' follow-up messages after alerts"),
    "police_feedback": ("count", "feedback messages on reports that arrived"),
    "keepalive": ("count", "keep-alive test messages"),
    "calls_112": ("count", "members' calls to 112"),
    "calls_0900": ("count", "members' calls to 0900-8844"),
    "arrests": ("count", "arrests for incidents the group alerted about or its members called in"),
    "confrontations": ("count", "incidents in which a member confronted a suspect"),
    "went_to_look": ("residents", "members who went out to look after the group's alerts"),
    "feedback_delay_days": ("days", "mean days from report to its feedback (NaN: none)"),
}

INCIDENTS = {
    "incident": ("index", "incident number in the run"),
    "day": ("day", "day it happened"),
    "street": ("index", "street"),
    "area": ("name", "area"),
    "group": ("index", "group covering the street (-1: none)"),
    "kind": ("category", "burglary, theft, vandalism or suspicious (a situation, no crime)"),
    "in_progress": ("bool", "could be seen while it happened"),
    "victim": ("index", "victimised resident (-1: none)"),
    "witnesses": ("residents", "residents who noticed it in progress"),
    "noticed": ("bool", "at least one witness"),
    "calls": ("count", "calls to the police about it (witnesses and the victim)"),
    "calls_112": ("count", "of which to 112"),
    "member_calls": ("count", "of which by app-group members"),
    "posted": ("bool", "an alert was posted in the street's group"),
    "stigmatising": ("bool", "the alert stigmatised"),
    "confrontation": ("bool", "a member confronted a suspect"),
    "police_came": ("bool", "the police responded"),
    "arrest": ("bool", "an arrest followed"),
    "feedback": ("bool", "the outcome was fed back to the group"),
    "duration_minutes": ("minutes", "how long it could be seen while it happened"),
    "minutes_to_call": ("minutes", "from its start to the first witness's call (NaN: none)"),
    "arrival_minutes": ("minutes", "from the first call to the police's arrival (NaN: none)"),
    "went_to_look": ("residents", "members who went out to look after the alert"),
    "escalated": ("bool", "the confrontation escalated"),
    "conflict": ("bool", "the confrontation caused a conflict in the group"),
}

PANEL = {
    "resident": ("index", "resident (the same as respondent_id in survey.parquet)"),
    "area": ("name", "area"),
    "street": ("index", "street"),
    "group": ("index", "group covering the resident's street (-1: none)"),
    "first_joined": ("day", "day the resident first joined (0: founding member; -1: never)"),
    "day": ("day", "observation at the end of this day"),
    "wave": ("label", "survey wave taken that day ('' for interval observations)"),
    "member": ("bool", "member of the group"),
    "role": ("label", "'administrator', 'member' or '' (none)"),
    "worry": (_LEVEL_UNITS, "latent worry"),
    "willingness": (_LEVEL_UNITS, "willingness to report"),
    "efficacy": (_LEVEL_UNITS, "self-efficacy"),
    "proximity": (_LEVEL_UNITS, "experienced government proximity"),
    "cohesion": (_LEVEL_UNITS, "social cohesion"),
    "fatigue": (_LEVEL_UNITS, "message fatigue"),
    "victimisations": ("count", "times victimised so far in the run"),
    **{f"trait_{t}": (_LEVEL_UNITS, f"baseline trait {t} (fixed)") for t in TRAITS},
}

PANEL_EVENTS = {
    "resident": ("index", "resident of the panel sample"),
    "day": ("day", "day of the event"),
    "group": ("index", "the resident's group (-1: none)"),
    "event": ("label", "founding_member (day 0), join, leave or victimised"),
    "kind": ("category", "for victimised: the crime's kind; '' otherwise"),
}

SURVEY = {
    "wave": ("label", "survey wave"),
    "respondent": ("index", "respondent (unique within a wave)"),
    "respondent_id": ("index", "person id, the same in every wave (the resident's index)"),
    "area": ("name", "area of the respondent"),
    "participant": ("bool", "member of an app group when interviewed"),
    "feel_unsafe": ("answer", "never, sometimes or often"),
    "safety_grade": ("grade 1–10", "safety grade of the own neighbourhood"),
    "report_willingness": ("Likert 1–5", "willingness to report to the police"),
    "gov_proximity": ("Likert 1–5", "experienced proximity of government"),
    "day": ("day", "day the wave was taken"),
    "joined_day": (
        "day",
        "day the respondent last joined a group (start of the current or latest membership; "
        "0: founding member; -1: never)",
    ),
    "latent_worry": (_LEVEL_UNITS, "latent worry behind the answers"),
    "latent_willingness": (_LEVEL_UNITS, "latent willingness"),
    "latent_proximity": (_LEVEL_UNITS, "latent government proximity"),
    "victim_12m": ("flag", "victimised by any crime in the 365 days before the wave"),
    "victim_violence_12m": ("flag", "victimised by violence in the 365 days before the wave"),
}

INDICATORS = {
    "wave": ("label", "survey wave"),
    "respondents": ("label", "participants or non_participants"),
    "indicator": (
        "label",
        "pct_unsafe, pct_often, safety_grade, report_willingness, gov_proximity",
    ),
    "estimate": ("% or mean", "percentage (pct_*) or mean"),
    "ci_low": ("% or mean", "95 % interval, lower end"),
    "ci_high": ("% or mean", "95 % interval, upper end"),
    "n": ("respondents", "respondents"),
}

GAPS = {
    "wave": ("label", "survey wave"),
    "indicator": ("label", "as in indicators"),
    "gap": ("points or mean", "participants minus non-participants"),
    "ci_low": ("points or mean", "95 % interval, lower end"),
    "ci_high": ("points or mean", "95 % interval, upper end"),
    "n_participants": ("respondents", "participants"),
    "n_non_participants": ("respondents", "non-participants"),
}

TABLES: dict[str, Table] = {
    "daily": Table("daily.parquet", "always", "one day", DAILY),
    "weekly": Table(
        "weekly.parquet", "always", "one week (counts summed, levels averaged)", WEEKLY
    ),
    "groups": Table("groups.parquet", "always", "one group", GROUPS),
    "group_totals": Table(
        "groups.parquet", "groups", "one group (columns added to groups.parquet)", GROUP_TOTALS
    ),
    "group_weeks": Table("group_weeks.parquet", "groups", "one group in one week", GROUP_WEEKS),
    "incidents": Table("incidents.parquet", "incidents", "one incident", INCIDENTS),
    "panel": Table("panel.parquet", "panel", "one sampled resident at one observation day", PANEL),
    "panel_events": Table(
        "panel_events.parquet",
        "panel",
        "one membership change or victimisation of a sampled resident",
        PANEL_EVENTS,
    ),
    "survey": Table("survey.parquet", "always (empty without waves)", "one respondent", SURVEY),
    "indicators": Table(
        "indicators.parquet", "with a survey", "one indicator per wave and group", INDICATORS
    ),
    "gaps": Table("gaps.parquet", "with a survey", "one indicator per wave", GAPS),
}

INTRO = """# Output reference

<!-- generated by `uv run python -m sim.output_tables > docs/outputs.md`; do not edit -->

`buurtsim run SCENARIO --out DIR` writes the tables below as Parquet files, plus
`metadata.json` (seed, version, sizes, the resolved scenario, the summary and the survey's
fieldwork: per wave how many residents were asked and answered) and `key_series.png`.
Tables marked *groups*, *incidents* or *panel* are extras, written only when asked for with
`--outputs` (for example `--outputs groups,incidents,panel`, or `--outputs all`); without
them the run records nothing extra and costs nothing extra. The panel follows a systematic
sample of `--panel-size` residents (default 2,000; all if fewer), observed every
`--panel-every` days (default 30), at every survey wave and at the end of the run. What
the extras cost in time and disk space: [outputs-cost.md](outputs-cost.md).

In Python, `sim.engine.simulate(scenario, seed, extras=Extras.parse("all"))` returns the
same tables: `result.daily`, `result.groups`, `result.survey` and `result.extras[name]`.
Days are 0-based; a week is `day // 7`. Levels are latent states in [0, 1].
"""


def _when(written: str) -> str:
    return f"with `--outputs {written}`" if written in EXTRAS else written


def reference() -> str:
    """The Markdown page ``docs/outputs.md``."""
    parts = [INTRO]
    for name, t in TABLES.items():
        parts += [
            f"## `{t.file}`" + (" (extra columns)" if name == "group_totals" else ""),
            "",
            f"Written {_when(t.written)}. One row: {t.row}.",
            "",
            "| column | unit | meaning |",
            "| --- | --- | --- |",
        ]
        parts += [f"| `{c}` | {u} | {m} |" for c, (u, m) in t.columns.items()]
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(reference())
