"""Scenario files: the validated schema and TOML loading.

A scenario is a TOML file validated against :class:`Scenario`. Small variants inherit from
another file with ``extends = "other.toml"`` (tables merge key by key, lists are replaced).
Every mistake is reported as a :class:`ScenarioError` naming the file, the field path and the
allowed values.

>>> s = load_scenario("scenarios/baseline.toml")  # doctest: +SKIP
>>> s.factors.police_feedback                       # doctest: +SKIP
0.2
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from sim import tomlfile
from sim.errors import UserError
from sim.saar import SAAR
from sim.shipped import SCENARIO_DIR


class ScenarioError(UserError):
    """A scenario file that cannot be used; the message names file, field and allowed values."""


def _f(
    default: Any,
    description: str,
    *,
    unit: str = "",
    source: str = "",
    step: float | None = None,
    **bounds: Any,
):
    """A documented field: ``description``, ``unit`` and ``source`` go into docs/scenarios.md;
    ``step`` is the app's slider step where the default one would be too coarse."""
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if step is not None:
        extra["step"] = step
    return Field(default, description=description, json_schema_extra=extra, **bounds)


class Strict(BaseModel):
    """Base for every table: unknown keys are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# --------------------------------------------------------------------------- success factors

#: Renamed success factors: old key → (new key, factor that converts the old unit).
RENAMED_FACTORS = {"feedback_delay_days": ("feedback_delay_hours", 24.0)}


class FactorTable(Strict):
    """Base of the success factor tables: reads renamed keys (e.g. ``feedback_delay_days``)
    as their successors. The old key wins when both are present (a child file that still
    uses the old key overrides a parent that uses the new one)."""

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not any(k in data for k in RENAMED_FACTORS):
            return data
        data = dict(data)
        for old, (new, scale) in RENAMED_FACTORS.items():
            if old in data:
                value = data.pop(old)
                ok = isinstance(value, int | float) and not isinstance(value, bool)
                data[new] = value * scale if ok else value
        return data


class SuccessFactors(FactorTable):
    """The fifteen success factors of an app group (FIELD.md), set per group.

    Levels in [0, 1] mean "absent" (0) to "fully in place" (1).
    """

    active_admin: float = _f(
        0.3,
        "Administrator who moderates, answers and links online and offline (rings doorbells "
        "after a report): cuts chatter and stigmatising posts, builds cohesion and efficacy.",
        unit="level 0–1",
        source="Zoutendijk (Inholland) in Stadszaken",
        ge=0,
        le=1,
    )
    clear_purpose: float = _f(
        0.3,
        "Members know what the group is for and whom to call: a witness calls the police "
        "before posting, instead of only posting.",
        unit="level 0–1",
        source="Zoutendijk (Inholland) in Stadszaken",
        ge=0,
        le=1,
    )
    police_feedback: float = _f(
        0.2,
        "Probability that the outcome of a report is posted back to the group by police or "
        "municipality. Without it, reporters' trust and willingness fall.",
        unit="probability",
        source="Vollaard (Tilburg); Mehlbaum & Van Steden 2018; Pridmore et al. 2019",
        ge=0,
        le=1,
    )
    feedback_delay_hours: float = _f(
        72.0,
        "Mean delay before feedback reaches the group (Tilburg: about ten minutes, 0.17 h). "
        "Late feedback reassures less (police.feedback_timeliness_hours). The old key "
        "feedback_delay_days is still read (days × 24).",
        unit="hours",
        source="Akkermans & Vollaard 2015",
        ge=0,
        le=1440,
        step=1 / 6,
    )
    linked_professional: bool = _f(
        False,
        "A wijkagent or BOA in or next to the group: raises experienced proximity of "
        "government and the chance of feedback.",
        source="Alerte burgers (Inholland 2019); Mehlbaum & Van Steden 2018",
    )
    group_rules: float = _f(
        0.3,
        "Strictness of the rule that only crime-related messages belong in the alarm group; "
        "suppresses chatter (and, without a social channel, social contact).",
        unit="level 0–1",
        source="Akkermans & Vollaard 2015; police practice",
        ge=0,
        le=1,
    )
    social_channel: bool = _f(
        False,
        "Room for social contact in a separate channel: cohesion grows without chatter "
        "fatigue in the alarm group.",
        source="Zoutendijk; Van Steden & Mehlbaum 2022",
    )
    saar_training: float = _f(
        0.1,
        f"Share of members trained in SAAR: {SAAR['en']}.",
        unit="share 0–1",
        source="WABP rules; police (SAFAR)",
        ge=0,
        le=1,
    )
    local_problem: bool = _f(
        False,
        "The group was started for a concrete local problem (e.g. a burglary wave): "
        "more joining and a clearer purpose.",
        source="Zoutendijk; press on Tilburg",
    )
    recruitment: float = _f(
        0.3,
        "Effort to reach participation and coverage: strength of invitations to join.",
        unit="level 0–1",
        source="Akkermans & Vollaard 2015",
        ge=0,
        le=1,
    )
    signs: bool = _f(
        False,
        "Street signs and publicity that make the group visible to offenders (deterrence).",
        source="Akkermans & Vollaard 2015",
    )
    municipal_coordination: bool = _f(
        False,
        "The municipality invites members, instructs them and coordinates groups so that "
        "adjacent streets are covered too (no displacement).",
        source="Akkermans & Vollaard 2015",
    )
    size_cap: int = _f(
        256,
        "Maximum number of members (WhatsApp's cap is 256; police guidance: ≤ 50).",
        unit="members",
        source="Police guidance (Ede model); WABP",
        ge=2,
        le=256,
    )
    layered: bool = _f(
        False,
        "Layered structure: a small coordinating layer relays alerts, so fewer messages "
        "reach all members.",
        source="Police guidance (Ede model)",
    )
    keep_alive_days: int = _f(
        0,
        "Interval of a keep-alive test message (0 = none): keeps attention up in quiet spells.",
        unit="days",
        source="WABP Belgium",
        ge=0,
        le=365,
    )
    recognition_training: float = _f(
        0.0,
        "Training in recognising suspicious situations: fewer false alarms and better "
        "descriptions (more arrests).",
        unit="level 0–1",
        source="Police guidance (Ede)",
        ge=0,
        le=1,
    )
    vigilantism_guard: float = _f(
        0.0,
        "Guarding against vigilantism: fewer stigmatising posts and risky confrontations.",
        unit="level 0–1",
        source="Lub; Mehlbaum & Van Steden 2018; Mols & Pridmore 2019",
        ge=0,
        le=1,
    )


FACTOR_NAMES: tuple[str, ...] = tuple(SuccessFactors.model_fields)


def _optional(annotation: Any, metadata: list) -> Any:
    """``annotation`` with its constraints, or None."""
    return (Annotated[annotation, *metadata] if metadata else annotation) | None


# The same fields, all optional: what a single area or an intervention changes.
FactorOverrides = create_model(
    "FactorOverrides",
    __base__=FactorTable,
    **{
        name: (_optional(info.annotation, info.metadata), Field(None, description=info.description))
        for name, info in SuccessFactors.model_fields.items()
    },
)


# --------------------------------------------------------------------------- population


class Trait(Strict):
    """A resident trait in [0, 1], drawn from a Beta distribution with this mean and sd."""

    mean: float = Field(description="Mean in the population.", gt=0, lt=1)
    sd: float = Field(description="Standard deviation (0 = everyone equal).", ge=0, le=0.45)

    @model_validator(mode="after")
    def _feasible(self) -> Trait:
        if self.sd**2 >= self.mean * (1 - self.mean):
            raise ValueError(
                f"sd {self.sd} is too large for mean {self.mean}: a Beta distribution needs "
                f"sd < {(self.mean * (1 - self.mean)) ** 0.5:.3f}"
            )
        return self


class Population(Strict):
    """Streets, households and the spatial small-world network."""

    households_per_street: int = _f(25, "Households on a street.", unit="households", ge=1, le=500)
    adults_per_household: float = _f(
        1.6,
        "Mean adult residents per household (1 + Poisson extra adults, at most 4).",
        unit="adults",
        source="CBS: about 2.1 persons per household, 1.6 adults",
        ge=1,
        le=4,
    )
    ties_in_street: float = _f(
        4.0, "Mean social ties a resident makes inside the own street.", unit="ties", ge=0, le=50
    )
    ties_in_area: float = _f(
        1.5,
        "Mean ties to residents elsewhere in the own area (neighbourhood).",
        unit="ties",
        ge=0,
        le=50,
    )
    ties_outside: float = _f(
        0.3, "Mean ties to residents of other areas.", unit="ties", ge=0, le=50
    )
    worry: Trait = _f(
        Trait(mean=0.25, sd=0.12),
        "Personal baseline of perceived unsafety (latent worry).",
        source="calibrated to CBS Veiligheidsmonitor (F1, F2)",
    )
    report_willingness: Trait = _f(
        Trait(mean=0.45, sd=0.15),
        "Propensity to call the police about what one sees.",
        source="free parameter; CBS: a third of crimes reported (F6)",
    )
    efficacy: Trait = _f(
        Trait(mean=0.5, sd=0.15),
        "Belief that reporting helps (response efficacy).",
        source="Schreurs et al. 2020 (F12)",
    )
    gov_proximity: Trait = _f(
        Trait(mean=0.45, sd=0.15),
        "Experienced proximity of government and police.",
        source="free parameter",
    )
    vigilance: Trait = _f(
        Trait(mean=0.3, sd=0.1),
        "Chance to notice a noticeable situation on the own street.",
        source="free parameter",
    )
    cohesion: Trait = _f(
        Trait(mean=0.5, sd=0.15),
        "Perceived social cohesion with neighbours.",
        source="free parameter",
    )


class Area(Strict):
    """An area (neighbourhood or district) of consecutive streets, with its app groups."""

    name: str = Field(description="Unique name of the area.", min_length=1, max_length=80)
    streets: int = _f(20, "Number of streets.", unit="streets", ge=1, le=50_000)
    households_per_street: int | None = _f(
        None, "Overrides population.households_per_street here.", unit="households", ge=1, le=500
    )
    worry_shift: float = _f(
        0.0, "Added to the mean baseline worry of residents here.", ge=-0.5, le=0.5
    )
    crime_multiplier: float = _f(1.0, "Multiplies every incident rate here.", unit="×", ge=0, le=20)
    groups: int = _f(0, "Number of app groups in the area.", unit="groups", ge=0, le=5_000)
    coverage: float = _f(
        0.5,
        "Share of the area's streets covered by its groups (consecutive blocks).",
        unit="share 0–1",
        ge=0,
        le=1,
    )
    kind: Literal["independent", "municipal"] = _f(
        "independent",
        "Who runs the groups: residents themselves or the municipality. Municipal groups "
        "have municipal_coordination switched on unless this area's factors say otherwise.",
        source="Akkermans & Vollaard 2015 (municipality invites, instructs, coordinates)",
    )
    group_start_day: Annotated[int, Field(ge=0)] | Literal["on_wave"] = _f(
        0,
        "Day on which the area's groups are founded (0 = they exist before the run starts; "
        "'on_wave' = only a burglary wave founds them, see found_after_burglaries). Before it "
        "their streets are not covered: no alerts, no deterrence.",
        unit="day",
        source="assumption (scenario choice)",
    )
    found_after_burglaries: float = _f(
        0.0,
        "Found the area's groups (with local_problem on) once its burglaries over the last "
        "lifecycle.wave_window_days reach this many per 1000 households (0 = off): the "
        "'concrete local problem' that starts groups.",
        unit="burglaries/1000 households/window",
        source="Zoutendijk (Inholland) in Stadszaken; press on Tilburg",
        ge=0,
        le=1000,
    )
    factors: FactorOverrides = _f(  # type: ignore[valid-type]
        FactorOverrides(), "Success factors that differ from the scenario's [factors] here."
    )


# --------------------------------------------------------------------------- mechanisms


class CrimeWave(Strict):
    """A spell of extra burglaries in one area (e.g. a burglary gang at work)."""

    area: str = Field(description="Name of the area.", min_length=1)
    day: int = Field(description="First day of the wave.", ge=0)
    days: int = Field(30, description="Length of the wave in days.", ge=1, le=36_500)
    burglary_multiplier: float = Field(
        5.0,
        description="The area's burglary rate is multiplied by this during the wave.",
        ge=0,
        le=100,
    )


class Crime(Strict):
    """Incidents (step 1) and deterrence."""

    burglary_rate: float = _f(
        0.025,
        "Burglaries per household per year.",
        unit="1/household/year",
        source="CBS Veiligheidsmonitor (part of F5)",
        ge=0,
        le=5,
    )
    theft_rate: float = _f(
        0.15,
        "Thefts (bicycle, from car, other) per household per year.",
        unit="1/household/year",
        source="CBS Veiligheidsmonitor (part of F5)",
        ge=0,
        le=5,
    )
    vandalism_rate: float = _f(
        0.08,
        "Acts of vandalism per household per year.",
        unit="1/household/year",
        source="CBS Veiligheidsmonitor (part of F5)",
        ge=0,
        le=5,
    )
    violence_rate: float = _f(
        0.02,
        "Violent crimes (threat, assault) per adult resident per year, on the victim's street; "
        "not deterred by a group.",
        unit="1/resident/year",
        source="CBS Veiligheidsmonitor: 2–3 % of residents a victim of violence per year",
        ge=0,
        le=5,
    )
    suspicious_rate: float = _f(
        0.4,
        "Ambiguous suspicious situations per household per year.",
        unit="1/household/year",
        source="free parameter",
        ge=0,
        le=20,
    )
    in_progress_share: float = _f(
        0.3, "Share of crimes that can be seen while they happen.", unit="share", ge=0, le=1
    )
    victim_worry: float = _f(
        0.75,
        "A victim's worry jumps to at least this level.",
        unit="worry 0–1",
        source="Prieto Curiel & Bishop 2017; CBS VM 2017 (F4)",
        ge=0,
        le=1,
    )
    violence_worry: float = _f(
        0.9,
        "A victim of violence's worry jumps to at least this level (stronger than after "
        "property crime).",
        unit="worry 0–1",
        source="CBS VM 2017 (F4: victims of violence about 5 × as often afraid); calibrate",
        ge=0,
        le=1,
    )
    deterrence: float = _f(
        0.35,
        "Largest relative cut in crime on a street covered by a visible, well-filled group.",
        unit="share",
        source="Akkermans & Vollaard 2015 (F13: −40 to −50 %)",
        ge=0,
        le=0.95,
    )
    deterrence_full_share: float = _f(
        0.3,
        "Participation (members ÷ adults on the group's streets) at which a group deters "
        "fully; below it deterrence grows in proportion.",
        unit="share",
        source="assumption (F11: 15–27 % participation in working groups)",
        gt=0,
        le=1,
    )
    deterrence_unsigned: float = _f(
        0.5,
        "Visibility of a group without street signs, relative to one with signs.",
        unit="share",
        source="assumption (Akkermans & Vollaard 2015: signs make the group visible)",
        ge=0,
        le=1,
    )
    displacement: float = _f(
        0.5,
        "Share of deterred crime that moves to uncovered streets of the same area "
        "(none with municipal coordination).",
        unit="share",
        ge=0,
        le=1,
    )
    arrest_deterrence: float = _f(
        0.3,
        "Relative cut in an area's crime while an arrest there is recent.",
        unit="share",
        ge=0,
        le=0.95,
    )
    arrest_memory_days: int = _f(30, "How long an arrest deters.", unit="days", ge=0, le=365)
    waves: list[CrimeWave] = _f(
        [], "Burglary waves: spells of extra burglaries in an area (none = steady rates)."
    )


class Response(Strict):
    """Noticing (step 2) and SAAR responses (step 3)."""

    call_crime: float = _f(
        0.5,
        "Chance that a witness of a crime calls the police, times own willingness × "
        "willingness_factor (victims who find a crime afterwards: × late_report_factor).",
        unit="probability",
        source="calibrated to F6",
        ge=0,
        le=1,
    )
    call_suspicious: float = _f(
        0.25, "Same for an ambiguous situation.", unit="probability", ge=0, le=1
    )
    bystander_exponent: float = _f(
        0.6,
        "Calls per witness fall as witnesses^−exponent (bystander effect).",
        source="Gerritsen 2015",
        ge=0,
        le=3,
    )
    post_propensity: float = _f(
        0.6,
        "Chance that a member who noticed something posts it in the group.",
        unit="probability",
        ge=0,
        le=1,
    )
    false_alarm_share: float = _f(
        0.6,
        "Share of ambiguous situations members consider alarming enough to post "
        "(cut by recognition training).",
        unit="share",
        ge=0,
        le=1,
    )
    stigma_share: float = _f(
        0.2,
        "Share of alerts about ambiguous situations that stigmatise (skin colour, "
        "'foreign'), without moderation or guarding.",
        unit="share",
        source="Mols & Pridmore 2019; Lub",
        ge=0,
        le=1,
    )
    vigilante_share: float = _f(
        0.08,
        "Chance that a member who goes out to look after an alert confronts the 'suspect', "
        "without SAAR or guarding (× (1 − vigilantism_guard) × (1 − saar_training)).",
        unit="probability per member out",
        source="Lub; Mehlbaum & Van Steden 2018",
        ge=0,
        le=1,
    )
    # -- effect sizes of the call and post rules (today's constants) ------------------------
    willingness_factor: float = _f(
        2.0,
        "A witness's call chance is call_crime (or call_suspicious) × this × willingness.",
        unit="×",
        source="assumption (average willingness 0.45 gives about the base chance)",
        ge=0,
        le=10,
    )
    late_report_factor: float = _f(
        1.5,
        "A victim who finds a crime afterwards reports with call_crime × this × willingness.",
        unit="×",
        source="assumption (victims report more than witnesses; CBS F6)",
        ge=0,
        le=10,
    )
    urgent_suspicious_share: float = _f(
        0.3,
        "Share of calls about an ambiguous situation made on 112 (the rest on 0900-8844).",
        unit="share",
        source="assumption",
        ge=0,
        le=1,
    )
    saar_call_boost: float = _f(
        0.5,
        "A member's call chance × (1 + this × saar_training + purpose_call_boost × "
        "(clear_purpose − 0.5)): trained members call first (Alarmeer).",
        unit="×",
        source="assumption; SAAR (police/WABP guidance)",
        ge=0,
        le=5,
    )
    purpose_call_boost: float = _f(
        0.5,
        "How much a clear purpose adds to (or, below 0.5, takes from) a member's call chance.",
        unit="×",
        source="assumption; Zoutendijk (Inholland)",
        ge=0,
        le=2,
    )
    recognition_false_alarm_cut: float = _f(
        0.7,
        "Share of posts about ambiguous situations that full recognition training prevents.",
        unit="share",
        source="assumption; police guidance (Ede)",
        ge=0,
        le=1,
    )
    admin_stigma_cut: float = _f(
        0.5,
        "Share of stigmatising posts a fully active administrator prevents.",
        unit="share",
        source="assumption; Zoutendijk (Inholland)",
        ge=0,
        le=1,
    )
    # -- time inside a day ---------------------------------------------------------------
    call_minutes: float = _f(
        4.0,
        "Mean minutes from noticing an incident to calling, for an untrained witness alone "
        "(exponential; a witness notices at a uniform moment while the incident lasts).",
        unit="minutes",
        source="assumption",
        ge=0,
        le=240,
    )
    saar_call_speedup: float = _f(
        0.5,
        "Share of the minutes to the call that SAAR training cuts (Signaleer, Alarmeer: call "
        "112 before anything else).",
        unit="share",
        source="assumption; SAAR (police/WABP guidance)",
        ge=0,
        le=1,
    )
    bystander_delay_exponent: float = _f(
        0.3,
        "The minutes to a call grow as witnesses^exponent (bystanders wait for each other).",
        source="Gerritsen 2015 (bystander effect); assumption for the size",
        ge=0,
        le=3,
    )
    # -- Reageer: going out to look, confrontations --------------------------------------
    look_near: float = _f(
        0.1,
        "Chance that a member living on the street of an alert about an incident in "
        "progress goes out to look (× (1 + saar_look_boost × saar_training)).",
        unit="probability",
        source="assumption; SAAR 'Reageer' (police/WABP guidance)",
        ge=0,
        le=1,
    )
    look_far: float = _f(
        0.05,
        "The same for members elsewhere in the group, relative to look_near (proximity).",
        unit="×",
        source="assumption",
        ge=0,
        le=1,
    )
    saar_look_boost: float = _f(
        0.5,
        "SAAR training makes members more ready to look at a safe distance (Reageer).",
        unit="×",
        source="assumption; SAAR (police/WABP guidance)",
        ge=0,
        le=5,
    )
    escalation_share: float = _f(
        0.1,
        "Chance that a confrontation escalates (threat, violence): a member of the street "
        "is shaken as a victim is.",
        unit="probability",
        source="assumption; Lub",
        ge=0,
        le=1,
    )
    conflict_share: float = _f(
        0.3,
        "Chance that a confrontation causes a conflict in the group.",
        unit="probability",
        source="assumption; Mehlbaum & Van Steden 2018",
        ge=0,
        le=1,
    )
    conflict_leave: float = _f(
        0.03,
        "Extra chance for each member (not an administrator) to leave on the day of a "
        "conflict in the group (× (1 − vigilantism_guard)).",
        unit="probability per conflict",
        source="assumption",
        ge=0,
        le=1,
    )


class Messages(Strict):
    """Group messages (step 4): volume, attention and what reading does."""

    chatter_rate: float = _f(
        0.01,
        "Off-topic messages per member per day without rules.",
        unit="1/member/day",
        ge=0,
        le=5,
    )
    attention_half_volume: float = _f(
        8.0,
        "Messages per day at which a member's attention halves.",
        unit="messages/day",
        source="Seufert et al. 2015 (message traffic)",
        ge=0.1,
        le=1000,
    )
    exposure: float = _f(
        1.0,
        "Switch/scale of exposure effects (0 = reading has no effect on worry).",
        unit="×",
        ge=0,
        le=5,
    )
    alert_worry: float = _f(
        0.04,
        "Worry gained per alert read (times (1 − worry)); vicarious victimisation.",
        unit="worry",
        source="free parameter (F7)",
        ge=0,
        le=1,
    )
    near_weight: float = _f(
        2.0, "Alerts about the own street weigh this many times more.", unit="×", ge=1, le=10
    )
    stigma_weight: float = _f(
        1.5, "Stigmatising alerts weigh this many times more.", unit="×", ge=1, le=10
    )
    feedback_relief: float = _f(
        0.06, "Share of worry relieved per feedback message read.", unit="share", ge=0, le=1
    )
    feedback_efficacy: float = _f(
        0.04, "Efficacy gain per feedback read (times (1 − efficacy)).", ge=0, le=1
    )
    feedback_proximity: float = _f(0.04, "Government-proximity gain per feedback read.", ge=0, le=1)
    feedback_willingness: float = _f(0.03, "Willingness gain per feedback read.", ge=0, le=1)
    no_feedback_penalty: float = _f(
        0.05,
        "Loss of willingness and efficacy of a reporter who never hears back.",
        source="Mehlbaum & Van Steden 2018; Pridmore et al. 2019",
        ge=0,
        le=1,
    )
    chatter_cohesion: float = _f(0.004, "Cohesion gain per chatter message read.", ge=0, le=1)
    chatter_fatigue: float = _f(
        0.01, "Fatigue gain per chatter message read in the alarm group.", ge=0, le=1
    )
    professional_proximity: float = _f(
        0.002,
        "Daily pull of members' government proximity towards 1 with a linked professional.",
        unit="1/day",
        ge=0,
        le=1,
    )
    alert_replies: float = _f(
        3.0,
        "Messages an alert adds to the day's volume (the alert and the replies it draws).",
        unit="messages/alert",
        source="assumption (Seufert et al. 2015: messages come in bursts)",
        ge=1,
        le=50,
    )
    layered_relay: float = _f(
        0.5,
        "Share of alerts and chatter the coordinating layer of a layered group relays to all "
        "members.",
        unit="share",
        source="assumption (police guidance, Ede model: a small layer relays)",
        ge=0,
        le=1,
    )
    quiet_fade_days: float = _f(
        30.0,
        "Quiet days after which attention has halved (attention ÷ (1 + quiet days / this)).",
        unit="days",
        source="assumption (WABP Belgium: test messages keep members alert)",
        gt=0,
        le=3650,
    )
    fatigue_attention: float = _f(
        0.5,
        "Share of attention lost at full fatigue.",
        unit="share",
        source="assumption",
        ge=0,
        le=1,
    )
    rules_chatter_cut: float = _f(
        0.8,
        "Share of chatter that strict group rules (level 1) keep out of the alarm group.",
        unit="share",
        source="assumption (Akkermans & Vollaard 2015: only crime-related messages)",
        ge=0,
        le=1,
    )
    admin_chatter_cut: float = _f(
        0.4,
        "Share of chatter a fully active administrator stops.",
        unit="share",
        source="assumption (Zoutendijk: the administrator enforces the rules)",
        ge=0,
        le=1,
    )
    social_channel_share: float = _f(
        0.7,
        "Share of members' social talk that moves to a separate social channel when there "
        "is one (the talk the rules keep out of the alarm group moves there too).",
        unit="share",
        source="assumption (Zoutendijk; Van Steden & Mehlbaum 2022)",
        ge=0,
        le=1,
    )
    admin_followup: float = _f(
        0.5,
        "Chance that a fully active administrator follows an alert up with a message "
        "(counts as feedback).",
        unit="probability",
        source="assumption (Zoutendijk: rings doorbells after a report)",
        ge=0,
        le=1,
    )
    admin_pull: float = _f(
        0.002,
        "Daily pull of members' cohesion and efficacy towards 1 by a fully active administrator.",
        unit="1/day",
        source="assumption (Zoutendijk)",
        ge=0,
        le=1,
    )


class Contagion(Strict):
    """Word of mouth (step 5): fear spreads faster than reassurance."""

    model: Literal["event", "opinion"] = _f(
        "event",
        "How fear travels over the network: 'event' — whoever saw, suffered or read "
        "something today tells their ties once (one hop); 'opinion' — fear is a state that "
        "every resident passes on to ties every day (many hops), adopted more readily than "
        "reassurance.",
        source="Prieto Curiel & Bishop 2017; Pulido et al. 2019 (opinion)",
    )

    tell_prob: float = _f(
        0.25,
        "Chance to tell a network neighbour about something seen or suffered today.",
        unit="probability",
        ge=0,
        le=1,
    )
    retell_share: float = _f(
        0.2,
        "Weight of second-hand news (an alert read in the group) against something seen "
        "oneself when telling others.",
        unit="share",
        ge=0,
        le=1,
    )
    fear_weight: float = _f(
        0.03,
        "Worry gained per fearful story heard (times (1 − worry)).",
        source="Prieto Curiel & Bishop 2017",
        ge=0,
        le=1,
    )
    reassurance_weight: float = _f(
        0.01,
        "Share of worry relieved per reassuring story heard.",
        source="Prieto Curiel & Bishop 2017 (asymmetry)",
        ge=0,
        le=1,
    )
    witness_signal: float = _f(
        1.0,
        "Fear signal of a resident who saw or suffered an incident today ('event' model; "
        "the signal is capped at 1).",
        unit="stories",
        source="assumption",
        ge=0,
        le=1,
    )
    opinion_fear_rate: float = _f(
        0.1,
        "'opinion' model: share of the difference a resident takes over from a more "
        "worried tie they talk with.",
        unit="share",
        source="Prieto Curiel & Bishop 2017 (fear adopted more readily); assumption (size)",
        ge=0,
        le=1,
    )
    opinion_calm_rate: float = _f(
        0.03,
        "'opinion' model: share of the difference taken over from a calmer tie.",
        unit="share",
        source="Prieto Curiel & Bishop 2017 (reassurance adopted less readily); assumption",
        ge=0,
        le=1,
    )


class Reassurance(Strict):
    """Reassurance pathways (step 4c): what in a group makes its members feel safer."""

    watch_relief: float = _f(
        0.0005,
        "Daily share of worry relieved for a member with full cohesion in a fully visible "
        "watch (collective efficacy: trust in neighbours × seeing that they watch).",
        unit="1/day",
        source="Sampson et al. 1997; Hardyns et al. 2022 (M5); size: assumption",
        ge=0,
        le=1,
    )
    full_watch_share: float = _f(
        0.3,
        "Participation (members ÷ adults covered) at which members see the watch as "
        "complete; below it the watch term grows in proportion.",
        unit="share",
        source="assumption (F11)",
        gt=0,
        le=1,
    )
    response_relief: float = _f(
        0.01,
        "Share of worry relieved per alert read that shows members acted (a member called "
        "the police: '112 is gebeld').",
        unit="share/message",
        source="Sampson et al. 1997 (M5: neighbours act); assumption (size)",
        ge=0,
        le=1,
    )
    professional_relief: float = _f(
        0.0005,
        "Daily share of worry relieved by a known wijkagent or BOA linked to the group.",
        unit="1/day",
        source="Alerte burgers (Inholland 2019); M4 (organising lowers fear); size: assumption",
        ge=0,
        le=1,
    )
    admin_relief: float = _f(
        0.0005,
        "Daily share of worry relieved by a fully active, known administrator.",
        unit="1/day",
        source="Zoutendijk (Inholland); M4; size: assumption",
        ge=0,
        le=1,
    )
    social_relief: float = _f(
        0.01,
        "Share of worry relieved per message in the group's separate social channel (room "
        "for social contact).",
        unit="share/message",
        source="Zoutendijk; Van Steden & Mehlbaum 2022 (social contact helps safety "
        "perception); size: assumption",
        ge=0,
        le=1,
    )
    chatter_relief: float = _f(
        0.0,
        "Share of worry relieved per off-topic message read in the alarm group itself.",
        unit="share/message",
        source="assumption: 0, chatter among alerts irritates (Akkermans & Vollaard 2015: "
        "chatter makes members leave)",
        ge=0,
        le=1,
    )


class Police(Strict):
    """Police response and arrests (step 6)."""

    response_112: float = _f(
        0.9, "Chance that police come out on a 112 call.", unit="probability", ge=0, le=1
    )
    response_0900: float = _f(
        0.4, "Chance of follow-up on a 0900-8844 report.", unit="probability", ge=0, le=1
    )
    arrest_model: Literal["timing", "probability"] = _f(
        "timing",
        "How an arrest in the act happens: 'timing' — the police arrive before the offence "
        "ends (minutes to the call + arrival < duration) and then catch the offender with "
        "arrest_on_scene; 'probability' — the earlier rule, a fixed arrest_in_progress "
        "chance per attended 112 call about a crime in progress.",
        source="heterdaadkracht (Alerte burgers, Inholland 2019)",
    )
    arrest_in_progress: float = _f(
        0.12,
        "Rule 'probability': chance of an arrest when a crime in progress is called in on "
        "112 and the police come (heterdaadkracht).",
        unit="probability",
        source="Alerte burgers: no sign of more arrests (low)",
        ge=0,
        le=1,
    )
    arrest_on_scene: float = _f(
        0.55,
        "Rule 'timing': chance that police who arrive while the offence lasts catch the offender.",
        unit="probability",
        source="assumption (set so that the default gives about the arrests of rule 'probability')",
        ge=0,
        le=1,
    )
    offence_minutes: float = _f(
        15.0,
        "Mean minutes an incident can be seen while it happens (exponential).",
        unit="minutes",
        source="assumption",
        ge=0.1,
        le=600,
    )
    arrival_112_minutes: float = _f(
        9.0,
        "Mean minutes from a 112 call to the police's arrival (Gamma with arrival_shape; "
        "the defaults put 90 % within about 16 minutes).",
        unit="minutes",
        source="Dutch prio-1 norm: on the spot within 15 minutes in 90 % of calls",
        ge=0,
        le=600,
    )
    arrival_0900_minutes: float = _f(
        2880.0,
        "Mean minutes from a 0900-8844 report to the police's follow-up.",
        unit="minutes",
        source="assumption (no urgency: a day or more)",
        ge=0,
        le=100_000,
    )
    arrival_shape: float = _f(
        3.0,
        "Shape of the Gamma distribution of arrival times (1 = exponential; larger = less spread).",
        source="assumption",
        ge=0.1,
        le=100,
    )
    description_bonus: float = _f(
        0.5,
        "An alert gives a better description: the catch chance × (1 + this × "
        "recognition_training).",
        unit="×",
        source="assumption; police guidance (Ede)",
        ge=0,
        le=5,
    )
    feedback_timeliness_hours: float = _f(
        24.0,
        "Feedback reassures (relief, willingness, efficacy, proximity) with weight "
        "1 / (1 + delay / this): feedback within minutes counts fully, a day later half.",
        unit="hours",
        source="Vollaard (Tilburg: feedback within about ten minutes); assumption for the size",
        ge=0.01,
        le=10_000,
    )
    professional_feedback: float = _f(
        0.4,
        "Extra feedback probability (towards 1) with a linked professional.",
        unit="share",
        ge=0,
        le=1,
    )
    caller_feedback: float = _f(
        0.15,
        "Chance that a caller outside any group hears the outcome personally.",
        unit="probability",
        ge=0,
        le=1,
    )


class Memory(Strict):
    """Memory and drift (step 7)."""

    worry_decay: float = _f(
        0.02,
        "Daily return of worry to its baseline.",
        unit="1/day",
        source="Prieto Curiel & Bishop 2017 (memory loss)",
        ge=0,
        le=1,
    )
    trait_drift: float = _f(
        0.003,
        "Daily return of willingness, efficacy, proximity and cohesion to baseline.",
        unit="1/day",
        ge=0,
        le=1,
    )
    fatigue_decay: float = _f(0.02, "Daily decay of fatigue.", unit="1/day", ge=0, le=1)


class Membership(Strict):
    """Selection into groups, recruitment, social influence and leaving (step 7)."""

    initial_participation: float = _f(
        0.2,
        "Share of adults on covered streets who are members on day 0.",
        unit="share",
        source="F11: 15–27 %",
        ge=0,
        le=1,
    )
    selection_worry: float = _f(
        0.0,
        "Log-odds of joining per sd of worry (positive: the worried join; negative: the "
        "calm join).",
        unit="log-odds/sd",
        source="Schreurs et al. 2020 (F12: members less worried at joining)",
        ge=-5,
        le=5,
    )
    selection_efficacy: float = _f(
        0.8,
        "Log-odds of joining per sd of efficacy.",
        unit="log-odds/sd",
        source="Schreurs et al. 2020 (F12)",
        ge=-5,
        le=5,
    )
    selection_cohesion: float = _f(
        0.3, "Log-odds of joining per sd of cohesion.", unit="log-odds/sd", ge=-5, le=5
    )
    join_rate: float = _f(
        0.0005,
        "Daily chance that an invited non-member on a covered street joins, at average "
        "traits and recruitment 1.",
        unit="1/day",
        ge=0,
        le=1,
    )
    social_influence: float = _f(
        2.0,
        "Join chance multiplies by 1 + this × share of network neighbours who are members.",
        unit="×",
        ge=0,
        le=20,
    )
    leave_rate: float = _f(
        0.001, "Daily chance that a member leaves, without fatigue.", unit="1/day", ge=0, le=1
    )
    leave_fatigue: float = _f(
        0.01, "Extra daily chance to leave at full fatigue.", unit="1/day", ge=0, le=1
    )
    invited_share: float = _f(
        0.0,
        "Randomised encouragement: share of each area's covered streets whose residents "
        "are invited to join on invitation_day (drawn at random per run; 0 = no invitation).",
        unit="share",
        source="study design (randomised encouragement); assumption",
        ge=0,
        le=1,
    )
    invitation_boost: float = _f(
        1.0,
        "From invitation_day, the join chance of residents of invited streets is multiplied "
        "by this.",
        unit="×",
        source="assumption",
        ge=1,
        le=1000,
    )
    invitation_day: int = _f(
        0, "Day the invitations go out (with invited_share > 0).", unit="day", ge=0
    )
    recruitment_floor: float = _f(
        0.5,
        "Join chance scales with (this + recruitment): invitations reach some residents even "
        "without effort.",
        unit="×",
        source="assumption",
        ge=0,
        le=5,
    )
    local_problem_join: float = _f(
        1.0,
        "Join chance × (1 + this) in a group started for a concrete local problem.",
        unit="×",
        source="Zoutendijk (Inholland) in Stadszaken (assumption for the size)",
        ge=0,
        le=20,
    )
    municipal_invitation: float = _f(
        0.5,
        "Join chance × (1 + this) where the municipality invites residents "
        "(municipal_coordination).",
        unit="×",
        source="Akkermans & Vollaard 2015 (assumption for the size)",
        ge=0,
        le=20,
    )
    admins_two_from: int = _f(
        30,
        "A group of at least this many members at its start gets two administrators, "
        "otherwise one.",
        unit="members",
        source="assumption (police guidance: a small team of administrators)",
        ge=1,
        le=256,
    )
    recent_days: int = _f(
        30,
        "How long a victimisation or a crime on the own street counts as recent for joining.",
        unit="days",
        source="assumption",
        ge=1,
        le=3650,
    )
    victim_join: float = _f(
        0.0,
        "Join chance × (1 + this) for a resident victimised in the last recent_days (0 = "
        "off): selection of the worried, the opposite sign of F12's selection of the calm.",
        unit="×",
        source="assumption; Zoutendijk ('concrete local problem'); F12 reports the opposite "
        "at joining",
        ge=0,
        le=100,
    )
    street_crime_join: float = _f(
        0.0,
        "Join chance × (1 + this) after a crime on the own street in the last recent_days "
        "(0 = off).",
        unit="×",
        source="assumption; Zoutendijk ('concrete local problem')",
        ge=0,
        le=100,
    )
    wave_join: float = _f(
        0.0,
        "Join chance × (1 + this) in every group of an area during a burglary wave (0 = "
        "off): recruitment after an incident wave.",
        unit="×",
        source="assumption; M3 (groups arise where they are needed least) argues against a "
        "large value",
        ge=0,
        le=100,
    )
    wave_burglaries: float = _f(
        6.0,
        "An area is in a burglary wave while its burglaries over the last "
        "lifecycle.wave_window_days reach this many per 1000 households (about 3 × the "
        "baseline rate over 30 days).",
        unit="burglaries/1000 households/window",
        source="assumption",
        ge=0,
        le=1000,
    )


class Lifecycle(Strict):
    """Groups that start, grow, go quiet and end during a run."""

    founding_participation: float = _f(
        0.1,
        "Share of adults on its streets who join a group on the day it is founded during the "
        "run (groups that exist at day 0 start with membership.initial_participation); "
        "the group then grows by joining.",
        unit="share",
        source="assumption (a founding core that recruits)",
        ge=0,
        le=1,
    )
    wave_window_days: int = _f(
        30,
        "Window over which an area's burglaries are counted for founding "
        "(areas.found_after_burglaries) and wave recruitment (membership.wave_join).",
        unit="days",
        source="assumption",
        ge=1,
        le=365,
    )
    dormant_after_days: int = _f(
        0,
        "A group with no post for this many days is dormant: its members have muted it and "
        "read nothing; the first post wakes it from the next day (0 = never dormant).",
        unit="days",
        source="WABP Belgium (keep-alive against quiet groups); assumption",
        ge=0,
        le=3650,
    )
    end_after_dormant_days: int = _f(
        0,
        "A group dormant for this many further days ends (0 = never).",
        unit="days",
        source="assumption",
        ge=0,
        le=3650,
    )
    min_members: int = _f(
        0,
        "A group whose members fall below this number ends; its members become non-members "
        "and its streets are no longer covered (0 = never).",
        unit="members",
        source="assumption",
        ge=0,
        le=256,
    )


# --------------------------------------------------------------------------- survey


class Wave(Strict):
    """One survey wave."""

    label: str = Field(description="Name of the wave, e.g. 'pre' or 'post'.", min_length=1)
    day: int = Field(description="Day (0-based) at whose end the wave is taken.", ge=0)


class Nonresponse(Strict):
    """Who answers a door-to-door survey (off by default: everyone asked answers).

    A resident asked answers with probability p, where logit p = logit(``response_rate``)
    + ``worry`` × (worry − 0.5) + ``cohesion`` × (cohesion − 0.5) + ``member`` × [member];
    interviewers go on knocking until the wave's quota is reached (or the pool runs out), so
    the sample sizes stay but the respondents are selected.
    """

    enabled: bool = _f(False, "Apply the response model (false = everyone asked answers).")
    response_rate: float = _f(
        0.5,
        "Probability of answering for a non-member with worry and cohesion at 0.5.",
        unit="probability",
        source="assumption (door-to-door surveys in Dutch neighbourhoods reach roughly half)",
        gt=0,
        lt=1,
    )
    worry: float = _f(
        -1.0,
        "Change in the log-odds of answering per unit of worry (negative: the very worried "
        "open the door less readily).",
        unit="log-odds per unit",
        source="assumption",
        ge=-10,
        le=10,
    )
    cohesion: float = _f(
        1.5,
        "Change in the log-odds of answering per unit of social cohesion (engaged residents "
        "answer more often).",
        unit="log-odds per unit",
        source="assumption; direction as for civic engagement in Abraham, Helms & Presser "
        "2009 (AJS 114:1129)",
        ge=-10,
        le=10,
    )
    member: float = _f(
        0.0,
        "Change in the log-odds of answering for members of an app group.",
        unit="log-odds",
        source="assumption",
        ge=-10,
        le=10,
    )


class Survey(Strict):
    """The virtual survey: who is asked and how latent state maps to the field instruments.

    With ``panel = true`` every wave after the first re-interviews the previous wave's
    respondents (less ``attrition``), so the same people are measured before and after they
    join; ``respondent_id`` in the microdata links them.
    """

    waves: list[Wave] = _f([], "Survey waves; none = no survey.")
    participants: int = _f(
        150,
        "Respondents per wave among group members (all if fewer).",
        unit="respondents",
        ge=0,
        le=1_000_000,
    )
    non_participants: int = _f(
        150,
        "Respondents per wave among non-members of the same areas.",
        unit="respondents",
        ge=0,
        le=1_000_000,
    )
    areas: list[str] = _f([], "Areas sampled (empty = areas with groups, or all).")
    noise: float = _f(
        0.08, "Response noise: sd of the normal error added to latent state.", ge=0, le=1
    )
    unsafe_sometimes: float = _f(
        0.45,
        "Answered worry at or above this → feels unsafe 'sometimes'.",
        source="calibrated to F1/F2",
        ge=0,
        le=1,
    )
    unsafe_often: float = _f(
        0.75,
        "Answered worry at or above this → feels unsafe 'often'.",
        source="calibrated to F1/F2",
        ge=0,
        le=1,
    )
    grade_top: float = _f(9.0, "Safety grade (1–10) of a resident with zero worry.", ge=1, le=10)
    grade_slope: float = _f(6.0, "Grade points lost from zero to full worry.", ge=0, le=9)
    panel: bool = _f(
        False,
        "Re-interview the previous wave's respondents at each later wave (a panel) instead "
        "of drawing a fresh sample (repeated cross-sections).",
    )
    attrition: float = _f(
        0.0,
        "Panel only: share of the previous wave's respondents lost before each later wave.",
        unit="share per wave",
        source="assumption (set it to the panel's observed loss)",
        ge=0,
        le=1,
    )
    refresh: bool = _f(
        False,
        "Panel only: top up each later wave with fresh respondents to the quotas "
        "(participants, non_participants).",
    )
    nonresponse: Nonresponse = _f(
        Nonresponse(), "Who answers a door-to-door survey: see [survey.nonresponse]."
    )

    @model_validator(mode="after")
    def _panel_options(self) -> Survey:
        if not self.panel and (self.attrition > 0 or self.refresh):
            raise ValueError(
                "survey.attrition and survey.refresh apply to a panel only; set survey.panel "
                "= true or leave them out"
            )
        return self


class Intervention(Strict):
    """Success factors that change on a given day (e.g. the Rotterdam experiment)."""

    day: int = Field(description="Day on which the change takes effect.", ge=0)
    areas: list[str] = Field([], description="Areas whose groups change (empty = all).")
    set: FactorOverrides = Field(  # type: ignore[valid-type]
        description="Success factors to set from that day."
    )


# --------------------------------------------------------------------------- scenario


class Scenario(Strict):
    """A whole scenario: population, groups, success factors, mechanisms, survey."""

    name: str = Field("unnamed", description="Short name.", min_length=1)
    description: str = Field("", description="What the scenario represents.")
    days: int = _f(730, "Simulated days (one step = one day).", unit="days", ge=1, le=36_500)
    burn_in_days: int = _f(
        365, "Days before measurement starts (summaries leave them out).", unit="days", ge=0
    )
    seed: int = _f(1, "Default seed (the CLI's --seed overrides it).", ge=0, le=2**63 - 1)
    population: Population = Population()
    areas: list[Area] = Field(
        default_factory=lambda: [Area(name="buurt", streets=20, groups=2, coverage=0.6)],
        description="The areas of the neighbourhood.",
        min_length=1,
    )
    factors: SuccessFactors = SuccessFactors()
    crime: Crime = Crime()
    response: Response = Response()
    messages: Messages = Messages()
    contagion: Contagion = Contagion()
    reassurance: Reassurance = Reassurance()
    police: Police = Police()
    memory: Memory = Memory()
    membership: Membership = Membership()
    lifecycle: Lifecycle = Lifecycle()
    survey: Survey = Survey()
    interventions: list[Intervention] = Field([], description="Changes of success factors.")

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        names = [a.name for a in self.areas]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"area names must be unique; repeated: {', '.join(dup)}")
        if self.burn_in_days >= self.days:
            raise ValueError(
                f"burn_in_days ({self.burn_in_days}) must be smaller than days ({self.days})"
            )
        for i, iv in enumerate(self.interventions):
            unknown = [a for a in iv.areas if a not in names]
            if unknown:
                raise ValueError(
                    f"interventions[{i}].areas: unknown area {unknown[0]!r}; "
                    f"allowed: {', '.join(names)}"
                )
        for i, a in enumerate(self.areas):
            if a.group_start_day == "on_wave" and a.found_after_burglaries == 0:
                raise ValueError(
                    f"areas[{i}] ({a.name!r}): group_start_day = 'on_wave' needs "
                    f"found_after_burglaries > 0, else the groups are never founded"
                )
            if a.group_start_day == 0 and a.found_after_burglaries > 0:
                raise ValueError(
                    f"areas[{i}] ({a.name!r}): found_after_burglaries has no effect while "
                    f"the groups exist from day 0; set group_start_day to a later day or "
                    f"'on_wave'"
                )
        for i, w in enumerate(self.crime.waves):
            if w.area not in names:
                raise ValueError(
                    f"crime.waves[{i}].area: unknown area {w.area!r}; allowed: {', '.join(names)}"
                )
        unknown = [a for a in self.survey.areas if a not in names]
        if unknown:
            raise ValueError(
                f"survey.areas: unknown area {unknown[0]!r}; allowed: {', '.join(names)}"
            )
        for w in self.survey.waves:
            if w.day >= self.days:
                raise ValueError(
                    f"survey wave {w.label!r} on day {w.day} is past the last day ({self.days - 1})"
                )
        if self.survey.unsafe_often < self.survey.unsafe_sometimes:
            raise ValueError("survey.unsafe_often must be ≥ survey.unsafe_sometimes")
        households = sum(
            a.streets * (a.households_per_street or self.population.households_per_street)
            for a in self.areas
        )
        asked = self.survey.participants + self.survey.non_participants
        if self.survey.waves and asked > households:
            raise ValueError(
                f"the survey asks {asked} respondents per wave but the population "
                f"has only {households} households; lower survey.participants or "
                f"survey.non_participants"
            )
        return self

    # -- derived -------------------------------------------------------------------------
    def group_factors(self, area: Area) -> SuccessFactors:
        """The success factors of the groups in ``area`` at day 0: the scenario's, then what
        the area's kind implies (a municipality coordinates its groups), then the area's own."""
        update = {"municipal_coordination": True} if area.kind == "municipal" else {}
        update |= area.factors.model_dump(exclude_none=True)
        return self.factors.model_copy(update=update)

    def content_hash(self) -> str:
        """SHA-256 of the resolved content (independent of file layout and ``extends``).

        Survey options that are switched off (a panel's options without ``panel``, the
        response model without ``nonresponse.enabled``) cannot change a result and are left
        out, so scenarios that do not use them keep the hash they had before the options
        existed."""
        data = self.model_dump(mode="json")
        survey = data["survey"]
        if not survey["panel"]:
            for key in ("panel", "attrition", "refresh"):
                survey.pop(key)
        if not survey["nonresponse"]["enabled"]:
            survey.pop("nonresponse")
        blob = json.dumps(data, sort_keys=True, ensure_ascii=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def with_overrides(self, overrides: dict[str, Any], origin: str = "overrides") -> Scenario:
        """A copy with dotted-path overrides, e.g. ``{"factors.police_feedback": 0.8}``."""
        data = self.model_dump(mode="python")
        apply_overrides(data, overrides, origin)
        return validate_scenario(data, origin)


# --------------------------------------------------------------------------- loading


def apply_overrides(data: dict, overrides: dict[str, Any], origin: str) -> None:
    """Set dotted paths (``a.b.0.c``) in nested ``data``; unknown paths are errors."""
    for path, value in overrides.items():
        node: Any = data
        parts = path.split(".")
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ScenarioError(
                        f"{origin}: field {path!r}: index {part!r} does not "
                        f"exist (list has {len(node)} items)"
                    )
                key: Any = int(part)
            elif isinstance(node, dict):
                key = part
                if not last and key not in node:
                    raise ScenarioError(f"{origin}: field {path!r}: unknown key {part!r}")
            else:
                raise ScenarioError(f"{origin}: field {path!r}: {parts[depth - 1]!r} has no fields")
            if last:
                node[key] = value
            else:
                node = node[key]
                if isinstance(node, BaseModel):
                    node = node.model_dump(mode="python")


def read_toml(path: Path, error: type[UserError] = ScenarioError) -> dict:
    """Parse a TOML file; a missing, unreadable or malformed file raises ``error``."""
    return tomlfile.read_toml(path, error)


def _deep_merge(base: dict, child: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def read_scenario_dict(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict:
    """The raw TOML of ``path`` with every ``extends`` merged in (child wins)."""
    path = Path(path)
    resolved = path.resolve()
    if resolved in _chain:
        cycle = " → ".join(str(p.name) for p in (*_chain, resolved))
        raise ScenarioError(f"{path}: field 'extends': cycle of extends: {cycle}")
    data = read_toml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(
            f"{path}: field 'extends': must be a file name (string), got {parent!r}"
        )
    parent_path = path.parent / parent
    if not parent_path.is_file():
        what = "does not exist" if not parent_path.exists() else "is not a regular file"
        raise ScenarioError(f"{path}: field 'extends': file {parent_path} {what}")
    return _deep_merge(read_scenario_dict(parent_path, (*_chain, resolved)), data)


def validate_scenario(data: dict, origin: str = "scenario") -> Scenario:
    """Validate a scenario dict; errors become one :class:`ScenarioError` naming each field."""
    scenario = tomlfile.validate(Scenario, data, origin, ScenarioError)
    problems = feasibility_problems(scenario)
    if problems:
        raise ScenarioError(tomlfile.join(origin, problems))
    return scenario


def feasibility_problems(scenario: Scenario, days: int | None = None) -> list[str]:
    """Settings that validate one by one but cannot all happen in a run of ``days`` days
    (default: the scenario's): more groups than covered streets, changes after the last day."""
    days = scenario.days if days is None else days
    problems = []
    for i, area in enumerate(scenario.areas):
        covered = int(round(area.coverage * area.streets))
        if area.groups > covered:
            problems.append(
                f"field 'areas.{i}.groups': {area.groups} groups in area {area.name!r} but "
                f"only {covered} covered street(s) (coverage {area.coverage:g} × "
                f"{area.streets} streets); each group needs a street: at most {covered}"
            )
    for i, iv in enumerate(scenario.interventions):
        if iv.day >= days:
            problems.append(
                f"field 'interventions.{i}.day': day {iv.day} is past the run's last day "
                f"({days - 1}); the change would never happen"
            )
    return problems


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge ``extends``, apply dotted ``overrides`` and validate a scenario file."""
    data = read_scenario_dict(path)
    if overrides:
        apply_overrides(data, overrides, str(path))
    return validate_scenario(data, str(path))


def resolve_scenario_path(name: str | Path, folder: Path = SCENARIO_DIR) -> Path:
    """A path as given, or a name relative to a shipped folder (default ``scenarios/``)."""
    p = Path(name)
    if p.exists() or p.is_absolute():
        return p
    for candidate in (folder / p, folder / f"{p}.toml", SCENARIO_DIR.parent / p):
        if candidate.is_file():
            return candidate
    return p
