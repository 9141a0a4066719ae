"""``NeighbourhoodModel``: the Mesa face over the vectorised engine.

>>> model = NeighbourhoodModel("baseline", rng=42, collect=("groups",))  # doctest: +SKIP
>>> model.run_for(30)                                                    # doctest: +SKIP
>>> model.datacollector.get_model_vars_dataframe()["unsafe_members"].tail(1)  # doctest: +SKIP
>>> model.datacollector.get_agenttype_vars_dataframe(Group)             # doctest: +SKIP

The scenario is ``model.spec``; ``model.scenario`` stays Mesa's own
(:class:`mesa.experimental.scenarios.Scenario`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import Network

from sim.agents import Group, Resident
from sim.engine import Engine, RunResult
from sim.logs import GROUP_COUNTS, Extras
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


#: Per-resident series collected with ``collect=("residents",)`` (agent attributes).
RESIDENT_REPORTERS = (
    "worry",
    "report_willingness",
    "efficacy",
    "gov_proximity",
    "cohesion",
    "is_member",
    "role",
)


def _reporter(name: str):
    def report(model: NeighbourhoodModel) -> float:
        records = model.engine.records
        return records[-1][name] if records else model.start[name]

    return report


def _group_reporter(name: str):
    def report(group: Group) -> int:
        return group.total(name)

    return report


def group_reporters() -> dict[str, object]:
    """Per-group series: members now and every count of the group log so far."""
    counts = [c for c in GROUP_COUNTS if c != "feedback_delay_days_sum"]
    return {
        "group": "name",
        "members": "members",
        **{name: _group_reporter(name) for name in counts},
    }


class NeighbourhoodModel(mesa.Model):
    """A neighbourhood with app groups, stepped one day at a time.

    Args:
        scenario: a :class:`~sim.scenario.Scenario`, a path, or a shipped scenario's name.
        rng: seed or generator (Mesa's ``Model(rng=...)``); the same seed gives the same run
            as ``sim.engine.simulate(scenario, seed)``.
        headless: build no resident agents and no network space (fast; for sweeps).
        overrides: dotted-path changes to the scenario, e.g. ``{"factors.signs": True}``.
        collect: extra series for the DataCollector: ``"groups"`` (one :class:`Group`
            agent per group; its running counts, the same as ``groups.parquet``) and
            ``"residents"`` (each resident's levels and role every day; not headless).
        extras: event logs the engine records (:class:`sim.logs.Extras`); ``"groups"`` in
            ``collect`` switches the group log on.

    Data are collected at t = 0 (the state before day 0) and after every day; at the
    scenario's last day ``running`` turns False and further steps do nothing.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "baseline",
        *,
        rng: Any = None,
        headless: bool = False,
        overrides: dict[str, Any] | None = None,
        collect: tuple[str, ...] = (),
        extras: Extras | None = None,
    ) -> None:
        super().__init__(rng=rng)
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(resolve_scenario_path(scenario))
        if overrides:
            scenario = scenario.with_overrides(overrides)
        unknown = [c for c in collect if c not in ("groups", "residents")]
        if unknown:
            raise ValueError(f"collect: unknown {unknown[0]!r}; allowed: groups, residents")
        if "residents" in collect and headless:
            raise ValueError("collect=('residents',) needs resident agents: headless=False")
        self.spec = scenario
        self.seed = rng if isinstance(rng, int | np.integer) else None
        if "groups" in collect:
            extras = replace(extras or Extras(), groups=True)
        self.engine = Engine(scenario, self.rng, extras)
        self.headless = headless
        pop = self.engine.pop
        self.residents: list[Resident] | None = None
        if not headless:
            layout = {i: (float(x), float(y)) for i, (x, y) in enumerate(pop.pos)}
            self.grid = Network(pop.graph(), capacity=1, random=self.random, layout=layout)
            agents = Resident.create_agents(
                self, pop.n, list(range(pop.n)), [self.grid[i] for i in range(pop.n)]
            )
            self.residents = agents.to_list()  # residents[i] is resident i
        self.groups = (
            Group.create_agents(self, pop.n_groups, list(range(pop.n_groups)))
            if "groups" in collect
            else None
        )
        agenttype: dict[type, dict[str, object]] = {}
        if "groups" in collect:
            agenttype[Group] = group_reporters()
        if "residents" in collect:
            agenttype[Resident] = {name: name for name in RESIDENT_REPORTERS}
        self.start = self.engine.start_record()
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in REPORTERS},
            agenttype_reporters=agenttype or None,
        )
        self.datacollector.collect(self)  # t = 0: the state before the first day

    @property
    def day(self) -> int:
        return self.engine.day

    def step(self) -> None:
        """One day of the daily process; after the scenario's last day it does nothing."""
        if self.engine.day >= self.spec.days:
            self.running = False
            return
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
