"""Streets, households, residents' traits, the social network and the app groups.

Everything is a NumPy array (structure of arrays) indexed by resident, street, area or group.
Residents are stored street by street and streets area by area, so a street's (or an area's)
residents form one contiguous slice: ``street_start[s]:street_start[s + 1]``.

>>> import numpy as np
>>> from sim.scenario import Scenario
>>> pop = build_population(Scenario(), np.random.default_rng(1))
>>> pop.n_streets, bool(pop.n > pop.households_of_street.sum())
(20, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from sim.scenario import FACTOR_NAMES, Scenario, Trait

TRAITS = ("worry", "report_willingness", "efficacy", "gov_proximity", "vigilance", "cohesion")


@dataclass
class Population:
    """The built neighbourhood: who lives where, who knows whom, which groups exist."""

    n: int
    area_names: list[str]
    area_of_street: np.ndarray  # int32[S]
    households_of_street: np.ndarray  # int32[S]
    street_start: np.ndarray  # int64[S + 1]
    street: np.ndarray  # int32[n]
    area: np.ndarray  # int32[n]
    household: np.ndarray  # int32[n], global household id
    pos: np.ndarray  # float32[n, 2], for drawing
    street_pos: np.ndarray  # float32[S, 2], centre of each street
    adjacency: sp.csr_matrix  # n × n, symmetric, 1.0 per tie
    traits: dict[str, np.ndarray]  # TRAITS → float64[n] (baselines)
    group_of_street: np.ndarray  # int32[S], -1 = not covered
    group_area: np.ndarray  # int32[G]
    group_names: list[str]
    factors: dict[str, np.ndarray] = field(default_factory=dict)  # factor → float64[G]
    crime_multiplier: np.ndarray | None = None  # float64[S], the area's crime multiplier

    @property
    def n_streets(self) -> int:
        return len(self.area_of_street)

    @property
    def n_groups(self) -> int:
        return len(self.group_area)

    @cached_property
    def street_size(self) -> np.ndarray:
        return np.diff(self.street_start)

    @cached_property
    def group(self) -> np.ndarray:
        """Group covering each resident's street (-1 = none)."""
        return self.group_of_street[self.street]

    def graph(self):
        """The social network as a networkx graph (small populations: drawing, analysis)."""
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        coo = sp.triu(self.adjacency, k=1).tocoo()
        g.add_edges_from(zip(coo.row.tolist(), coo.col.tolist(), strict=True))
        return g


def beta_draw(trait: Trait, size: int, rng: np.random.Generator, shift=0.0) -> np.ndarray:
    """Draw a trait in (0, 1) from a Beta with the trait's mean (plus ``shift``) and sd."""
    mean = np.clip(trait.mean + np.asarray(shift, dtype=float), 0.02, 0.98)
    if trait.sd == 0:
        return np.broadcast_to(mean, (size,)).astype(float).copy()
    sd = np.minimum(trait.sd, 0.95 * np.sqrt(mean * (1 - mean)))
    k = mean * (1 - mean) / sd**2 - 1
    return rng.beta(mean * k, (1 - mean) * k, size=size)


def _layout(scn: Scenario, hh_of_street: np.ndarray, area_of_street: np.ndarray) -> np.ndarray:
    """Street centres: areas side by side in a square-ish grid, streets in rows inside each."""
    n_areas = len(scn.areas)
    area_cols = int(np.ceil(np.sqrt(n_areas)))
    side = [int(np.ceil(np.sqrt(a.streets))) for a in scn.areas]
    cell = max(side) + 1.5
    centres = np.empty((len(area_of_street), 2), dtype=np.float32)
    first = np.searchsorted(area_of_street, np.arange(n_areas))
    for a, area in enumerate(scn.areas):
        k = np.arange(area.streets)
        ox, oy = (a % area_cols) * cell, (a // area_cols) * cell
        centres[first[a] : first[a] + area.streets, 0] = ox + k % side[a]
        centres[first[a] : first[a] + area.streets, 1] = oy + k // side[a]
    return centres


def _ties(
    owner_start: np.ndarray,
    owner_size: np.ndarray,
    who: np.ndarray,
    mean: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Random ties from each resident to residents of the same block (street, area or all).

    ``owner_start/owner_size`` give, per resident in ``who``, the slice it draws partners from.
    Each resident starts Poisson(mean / 2) ties, so the mean degree is about ``mean``.
    """
    if mean <= 0 or len(who) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    k = rng.poisson(mean / 2, size=len(who))
    src = np.repeat(who, k)
    partner = owner_start[np.repeat(np.arange(len(who)), k)] + (
        rng.random(k.sum()) * owner_size[np.repeat(np.arange(len(who)), k)]
    ).astype(np.int64)
    keep = partner != src
    return src[keep], partner[keep]


def build_network(
    pop_street: np.ndarray,
    street_start: np.ndarray,
    pop_area: np.ndarray,
    area_start: np.ndarray,
    household: np.ndarray,
    scn: Scenario,
    rng: np.random.Generator,
) -> sp.csr_matrix:
    """Spatial small-world network: households fully tied, most ties in the street, some in
    the area, few outside. Returned as a symmetric sparse 0/1 matrix."""
    n = len(pop_street)
    who = np.arange(n, dtype=np.int64)
    p = scn.population
    parts = [
        _ties(
            street_start[pop_street], np.diff(street_start)[pop_street], who, p.ties_in_street, rng
        ),
        _ties(area_start[pop_area], np.diff(area_start)[pop_area], who, p.ties_in_area, rng),
        _ties(np.zeros(n, np.int64), np.full(n, n, np.int64), who, p.ties_outside, rng),
    ]
    # Adults of one household know each other (consecutive residents share a household id).
    same = np.flatnonzero(household[1:] == household[:-1])
    parts.append((same, same + 1))
    src = np.concatenate([a for a, _ in parts])
    dst = np.concatenate([b for _, b in parts])
    data = np.ones(len(src), dtype=np.float32)
    a = sp.coo_matrix((data, (src, dst)), shape=(n, n)).tocsr()
    a = ((a + a.T) > 0).astype(np.float32)
    a.setdiag(0)
    a.eliminate_zeros()
    return a.tocsr()


def _groups(scn: Scenario) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Which streets each group covers: consecutive blocks of the covered share of each area."""
    group_of_street, group_area, names = [], [], []
    for a, area in enumerate(scn.areas):
        street_group = np.full(area.streets, -1, dtype=np.int32)
        covered = int(round(area.coverage * area.streets))
        n_groups = min(area.groups, covered)
        for k, block in enumerate(np.array_split(np.arange(covered), max(n_groups, 1))):
            if n_groups == 0:
                break
            street_group[block] = len(group_area)
            group_area.append(a)
            names.append(area.name if n_groups == 1 else f"{area.name}-{k + 1}")
        group_of_street.append(street_group)
    return np.concatenate(group_of_street), np.asarray(group_area, dtype=np.int32), names


def group_factor_arrays(scn: Scenario, group_area: np.ndarray) -> dict[str, np.ndarray]:
    """Success factors per group, as float arrays (booleans as 0/1)."""
    per_area = [scn.group_factors(area) for area in scn.areas]
    return {
        name: np.array([float(getattr(per_area[a], name)) for a in group_area], dtype=float)
        for name in FACTOR_NAMES
    }


def build_population(scn: Scenario, rng: np.random.Generator) -> Population:
    """Build streets, households, residents, traits, network and groups from a scenario."""
    p = scn.population
    hh_per_street = [a.households_per_street or p.households_per_street for a in scn.areas]
    area_of_street = np.repeat(
        np.arange(len(scn.areas), dtype=np.int32), [a.streets for a in scn.areas]
    )
    hh_of_street = np.repeat(
        np.asarray(hh_per_street, dtype=np.int32), [a.streets for a in scn.areas]
    )
    n_households = int(hh_of_street.sum())
    adults = 1 + np.minimum(rng.poisson(p.adults_per_household - 1, n_households), 3)
    street_of_household = np.repeat(np.arange(len(hh_of_street), dtype=np.int32), hh_of_street)
    household = np.repeat(np.arange(n_households, dtype=np.int32), adults)
    street = street_of_household[household]
    n = len(household)
    street_start = np.zeros(len(hh_of_street) + 1, dtype=np.int64)
    np.cumsum(np.bincount(street, minlength=len(hh_of_street)), out=street_start[1:])
    area = area_of_street[street]
    area_start = np.zeros(len(scn.areas) + 1, dtype=np.int64)
    np.cumsum(np.bincount(area, minlength=len(scn.areas)), out=area_start[1:])

    street_pos = _layout(scn, hh_of_street, area_of_street)
    hh_start = np.zeros(len(hh_of_street) + 1, dtype=np.int64)
    np.cumsum(hh_of_street, out=hh_start[1:])
    slot = household - hh_start[street]  # household's place along its street
    pos = np.empty((n, 2), dtype=np.float32)
    pos[:, 0] = street_pos[street, 0] + (slot + 0.5) / hh_of_street[street] * 0.85 - 0.425
    pos[:, 1] = street_pos[street, 1] + rng.uniform(-0.12, 0.12, n)

    shift = np.array([a.worry_shift for a in scn.areas])[area]
    traits = {
        name: beta_draw(getattr(p, name), n, rng, shift if name == "worry" else 0.0)
        for name in TRAITS
    }
    adjacency = build_network(street, street_start, area, area_start, household, scn, rng)
    group_of_street, group_area, names = _groups(scn)
    return Population(
        n=n,
        area_names=[a.name for a in scn.areas],
        area_of_street=area_of_street,
        households_of_street=hh_of_street,
        street_start=street_start,
        street=street,
        area=area,
        household=household,
        pos=pos,
        street_pos=street_pos,
        adjacency=adjacency,
        traits=traits,
        group_of_street=group_of_street,
        group_area=group_area,
        group_names=names,
        factors=group_factor_arrays(scn, group_area),
        crime_multiplier=np.array([a.crime_multiplier for a in scn.areas])[area_of_street],
    )
