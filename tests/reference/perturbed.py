"""Deliberately broken residents: one rule changed in the reference only.

The differential suite must notice each of these; if it does not, it is too weak to guard the
engine against a rule that drifts away from the ODD.
"""

from __future__ import annotations

from sim.reference import Incident, Resident


class DoubledAlertWorry(Resident):
    """Reading an alert raises worry twice as much as the ODD says (alert_worry doubled)."""

    def alarm(self, read_alerts: float) -> float:
        return 2 * super().alarm(read_alerts)


class NoBystanderEffect(Resident):
    """Witnesses call as if each were the only witness (bystander exponent 0)."""

    def call_probability(self, incident: Incident) -> float:
        alone = len(incident.witnesses) ** self.model.spec.response.bystander_exponent
        return min(super().call_probability(incident) * alone, 1.0)
