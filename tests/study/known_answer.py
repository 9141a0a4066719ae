"""Known-answer scenarios for the study designer: a planted exposure effect without selection,
and planted selection without exposure.

Membership is fixed from day 0 except through invitations, nobody retells group news and reading
feedback relieves nothing, so members differ from non-members only by what the scenario plants:
reading alerts (exposure) or joining by worry (selection).
"""

from __future__ import annotations

COMMON = """
days = {days}
burn_in_days = 10
[population]
households_per_street = 20
[[areas]]
name = "a"
streets = {streets}
groups = 4
coverage = 1.0
[crime]
theft_rate = 0.6
suspicious_rate = 1.0
[contagion]
retell_share = 0.0
[memory]
worry_decay = {decay}
[membership]
initial_participation = 0.4
join_rate = 0.0001
leave_rate = 0.0
leave_fatigue = 0.0
selection_efficacy = 0.0
selection_cohesion = 0.0
"""

EXPOSURE_ONLY = (
    COMMON
    + """
[messages]
exposure = 1.0
alert_worry = {alert_worry}
feedback_relief = 0.0
"""
)
SELECTION_ONLY = (
    COMMON.replace("selection_efficacy = 0.0", "selection_efficacy = 0.0\nselection_worry = 2.0")
    + """
[messages]
exposure = 0.0
feedback_relief = 0.0
"""
)
#: Training that cuts false alarms, halfway: members read fewer alerts and worry less.
INTERVENTION = """
[[interventions]]
day = {intervention_day}
set = {{ recognition_training = 1.0, vigilantism_guard = 1.0 }}
"""


def scenario_toml(
    kind: str, days: int = 40, streets: int = 16, decay: float = 0.1, alert_worry: float = 0.15
) -> str:
    """``exposure``, ``selection`` or ``intervention`` (exposure plus a mid-run intervention)."""
    base = SELECTION_ONLY if kind == "selection" else EXPOSURE_ONLY
    text = base.format(days=days, streets=streets, decay=decay, alert_worry=alert_worry)
    if kind == "intervention":
        text += INTERVENTION.format(intervention_day=days // 2)
    return text


def study_toml(scenario_file: str, replications: int, days: int = 40, seed: int = 11) -> str:
    """The exposure estimators of three designs on ``scenario_file`` (rounds on the middle and
    last day)."""
    mid, last = days // 2 - 1, days - 1
    return f"""
name = "known_answer"
scenario = "{scenario_file}"
posterior = "none"
replications = {replications}
seed = {seed}

[[designs]]
name = "cross_section"
kind = "cross_section"
waves = [{{ label = "pre", day = {mid} }}, {{ label = "post", day = {last} }}]
sample_sizes = [120]
participant_share = 0.5
estimators = ["difference_in_means"]

[[designs]]
name = "panel"
kind = "panel"
before_groups = true
waves = [{{ label = "post", day = {last} }}]
sample_sizes = [150]
estimators = ["panel_fe"]

[[designs]]
name = "encouragement"
kind = "encouragement"
waves = [{{ label = "post", day = {last} }}]
invitation = {{ share = 0.5, boost = 1000, day = 0 }}
sample_sizes = [200]
"""


def intervention_study_toml(
    scenario_file: str, replications: int, days: int, seed: int = 11
) -> str:
    """The intervention estimators of a before/after cross-section on ``scenario_file``."""
    mid, last = days // 2 - 1, days - 1
    return f"""
name = "known_answer_intervention"
scenario = "{scenario_file}"
posterior = "none"
replications = {replications}
seed = {seed}

[[designs]]
name = "cross_section"
kind = "cross_section"
waves = [{{ label = "pre", day = {mid} }}, {{ label = "post", day = {last} }}]
sample_sizes = [150]
participant_share = 0.5
estimators = ["before_after", "did"]
"""
