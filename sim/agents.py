"""Residents as Mesa agents: a thin face whose attributes read the engine's arrays."""

from __future__ import annotations

from mesa.discrete_space import FixedAgent


class Resident(FixedAgent):
    """An adult resident on the neighbourhood network.

    The agent holds only its index; every attribute is read from the engine, so Mesa's API,
    the DataCollector and SolaraViz see the same state that the vectorised rules change.
    """

    def __init__(self, model, index: int, cell) -> None:
        super().__init__(model)
        self.index = index
        self.cell = cell

    @property
    def _state(self):
        return self.model.engine.state

    @property
    def worry(self) -> float:
        return float(self._state.worry[self.index])

    @property
    def report_willingness(self) -> float:
        return float(self._state.willingness[self.index])

    @property
    def efficacy(self) -> float:
        return float(self._state.efficacy[self.index])

    @property
    def gov_proximity(self) -> float:
        return float(self._state.proximity[self.index])

    @property
    def is_member(self) -> bool:
        return bool(self._state.member[self.index])

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
