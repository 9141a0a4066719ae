"""The size budget of a run: how many residents for how many days, and the memory it needs.

Checked when a scenario is validated and before a run starts, so a scenario that would take
hours or exhaust the memory stops with a message instead of an ``ArrayMemoryError`` later.
``--allow-large`` lifts the budget (never the memory the machine has).

>>> from sim.scenario import Scenario
>>> size = estimate(Scenario())
>>> size.residents, size.days
(800, 730)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sim.scenario import Scenario, ScenarioError

#: Residents in one run without ``--allow-large`` (a large Dutch city district is ~100,000).
MAX_RESIDENTS = 2_000_000
#: Residents × days without ``--allow-large`` (roughly 5 to 30 minutes of one core).
MAX_RESIDENT_DAYS = 5_000_000_000
#: Memory per resident: ~0.5 kB measured at 160,000 residents, doubled for safety.
BYTES_PER_RESIDENT = 1_000
#: Memory of the program itself (libraries, compiled kernels).
BASE_BYTES = 300_000_000


@dataclass(frozen=True)
class Size:
    residents: int
    days: int
    memory_bytes: int

    @property
    def resident_days(self) -> int:
        return self.residents * self.days


def estimate(scenario: Scenario, days: int | None = None) -> Size:
    """Expected residents (households × mean adults) and memory of a run."""
    households = sum(
        a.streets * (a.households_per_street or scenario.population.households_per_street)
        for a in scenario.areas
    )
    residents = round(households * scenario.population.adults_per_household)
    return Size(
        residents=residents,
        days=scenario.days if days is None else days,
        memory_bytes=BASE_BYTES + BYTES_PER_RESIDENT * residents,
    )


def physical_memory() -> int | None:
    """Bytes of memory of this machine, if the system says."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_size(
    scenario: Scenario, origin: str, days: int | None = None, *, allow_large: bool = False
) -> Size:
    """Raise :class:`ScenarioError` if a run of ``scenario`` is over the budget."""
    size = estimate(scenario, days)
    gb = size.memory_bytes / 1e9
    what = (
        f"{origin}: this run has about {size.residents:,} residents × {size.days:,} days "
        f"= {size.resident_days:,} resident-days (estimated memory {gb:.1f} GB)"
    )
    memory = physical_memory()
    if memory is not None and size.memory_bytes > 0.8 * memory:
        raise ScenarioError(
            f"{what}, more than this machine's {memory / 1e9:.1f} GB can hold; "
            f"lower areas.streets or households_per_street"
        )
    if allow_large:
        return size
    if size.residents > MAX_RESIDENTS or size.resident_days > MAX_RESIDENT_DAYS:
        raise ScenarioError(
            f"{what}; the budget is {MAX_RESIDENTS:,} residents and "
            f"{MAX_RESIDENT_DAYS:,} resident-days. Lower areas.streets, households_per_street "
            f"or days, or add --allow-large to run it anyway"
        )
    return size
