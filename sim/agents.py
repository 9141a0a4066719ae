"""Residents and groups as Mesa agents: a thin face over the engine's arrays.

Reading an attribute reads the engine; setting one writes it (``agent.worry = 0.9``), so
Mesa's API, the DataCollector and SolaraViz see and change the same state that the
vectorised rules use.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent


def _level(row: int, name: str) -> property:
    """A latent level in [0, 1] (row ``row`` of the engine's ``levels``), read and written."""

    def get(self) -> float:
        return float(self._state.levels[row, self.index])

    def set(self, value: float) -> None:
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1, got {value}")
        self._state.levels[row, self.index] = value

    return property(get, set, doc=f"Latent {name} in [0, 1] (settable).")


class Resident(FixedAgent):
    """An adult resident on the neighbourhood network.

    The agent holds only its index; create them all with ``Resident.create_agents(model, n,
    indices, cells)`` as in Mesa's examples.
    """

    def __init__(self, model, index: int, cell) -> None:
        super().__init__(model)
        self.index = int(index)
        self.cell = cell

    @property
    def _state(self):
        return self.model.engine.state

    worry = _level(0, "worry")
    report_willingness = _level(1, "report_willingness")
    efficacy = _level(2, "efficacy")
    gov_proximity = _level(3, "gov_proximity")
    cohesion = _level(4, "cohesion")

    @property
    def is_member(self) -> bool:
        """Member of the street's app group; setting it joins or leaves (a resident of an
        uncovered street cannot join)."""
        return bool(self._state.member[self.index])

    @is_member.setter
    def is_member(self, value: bool) -> None:
        st, who = self._state, np.array([self.index])
        if value and st.resident_group[self.index] < 0:
            raise ValueError(f"resident {self.index} lives on a street without an app group")
        if value:
            st.join(who)
        else:
            st.admin[self.index] = False
            st.leave(who)

    @property
    def is_admin(self) -> bool:
        return bool(self._state.admin[self.index])

    @property
    def role(self) -> str:
        """'administrator', 'member' or 'none'."""
        return "administrator" if self.is_admin else "member" if self.is_member else "none"

    @property
    def street(self) -> int:
        return int(self.model.engine.pop.street[self.index])

    @property
    def area(self) -> str:
        pop = self.model.engine.pop
        return pop.area_names[pop.area[self.index]]

    @property
    def xy(self) -> tuple[float, float]:
        """Drawing position (Mesa's own ``pos`` stays with the network cell)."""
        x, y = self.model.engine.pop.pos[self.index]
        return float(x), float(y)


class Group(mesa.Agent):
    """An app group; its counts so far come from the engine's per-group event log (the same
    numbers as ``groups.parquet`` and ``group_weeks.parquet``)."""

    def __init__(self, model, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @property
    def name(self) -> str:
        return self.model.engine.pop.group_names[self.index]

    @property
    def members(self) -> int:
        return int(self.model.engine.state.members_per_group[self.index])

    @property
    def participation(self) -> float:
        st = self.model.engine.state
        return self.members / max(int(st.group_adults[self.index]), 1)

    def total(self, name: str) -> int:
        """A count so far (see :data:`sim.logs.GROUP_COUNTS`)."""
        return self.model.engine.log.running_total(self.index, name)
