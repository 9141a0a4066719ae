"""``NeighbourhoodModel``: the Mesa face over the vectorised engine.

>>> model = NeighbourhoodModel("baseline", rng=42, headless=True)  # doctest: +SKIP
>>> model.run_for(30)                                               # doctest: +SKIP
>>> model.datacollector.get_model_vars_dataframe()["unsafe_members"].tail(1)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import Network

from sim.agents import Resident
from sim.engine import Engine, RunResult
from sim.scenario import Scenario, load_scenario, resolve_scenario_path

#: Daily series collected by the DataCollector (the engine's record names).
REPORTERS = (
    "members",
    "worry_members",
    "worry_nonmembers",
    "unsafe_members",
    "unsafe_nonmembers",
    "unsafe_all",
    "willingness_members",
    "willingness_nonmembers",
    "proximity_members",
    "proximity_nonmembers",
    "crimes",
    "burglaries",
    "suspicious",
    "reports_112",
    "reports_0900",
    "posts_alert",
    "posts_stigmatising",
    "posts_chatter",
    "posts_feedback",
    "posts_keepalive",
    "arrests",
    "confrontations",
    "joined",
    "left",
)


def _reporter(name: str):
    def report(model: NeighbourhoodModel) -> float:
        return model.engine.records[-1][name] if model.engine.records else np.nan

    return report


class NeighbourhoodModel(mesa.Model):
    """A neighbourhood with app groups, stepped one day at a time.

    Args:
        scenario: a :class:`~sim.scenario.Scenario`, a path, or a shipped scenario's name.
        rng: seed or generator (Mesa's ``Model(rng=...)``); the same seed gives the same run
            as ``sim.engine.simulate(scenario, seed)``.
        headless: build no agent objects and no network space (fast; for sweeps).
        overrides: dotted-path changes to the scenario, e.g. ``{"factors.signs": True}``.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "baseline",
        *,
        rng: Any = None,
        headless: bool = False,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(rng=rng)
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(resolve_scenario_path(scenario))
        if overrides:
            scenario = scenario.with_overrides(overrides)
        self.spec = scenario
        self.seed = rng if isinstance(rng, int | np.integer) else None
        self.engine = Engine(scenario, self.rng)
        self.headless = headless
        if not headless:
            pop = self.engine.pop
            layout = {i: (float(x), float(y)) for i, (x, y) in enumerate(pop.pos)}
            self.grid = Network(pop.graph(), capacity=1, random=self.random, layout=layout)
            cells = [self.grid._cells[i] for i in range(pop.n)]
            for i, cell in enumerate(cells):
                Resident(self, i, cell)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in REPORTERS}
        )

    @property
    def day(self) -> int:
        return self.engine.day

    def step(self) -> None:
        """One day of the daily process; stops at the scenario's last day."""
        self.engine.step()
        self.datacollector.collect(self)
        if self.engine.day >= self.spec.days:
            self.running = False

    def set_factor(self, name: str, value: float, areas: list[str] | None = None) -> None:
        """Change a success factor from today on (what an intervention does)."""
        self.engine.set_factor(name, value, areas)

    def result(self) -> RunResult:
        """Outputs so far, as from :func:`sim.engine.simulate`."""
        return self.engine.result(self.seed)
