"""One random stream per submodel, so counterfactual runs share their random numbers.

A run's generator is split into independent child streams, one per submodel (building the
neighbourhood, incidents, noticing, …). Switching one mechanism off, or changing how many
random numbers it draws, then leaves the chance events of every other submodel of the same
seed unchanged (common random numbers): two runs that differ only in, say, police feedback
have the same incidents until feedback starts to change what residents do.

Each child is keyed by the submodel's *name* (not its position), so adding a submodel never
shifts the streams of the others, and it depends only on the seed, never on how far the
parent generator has been used.

>>> import numpy as np
>>> a = spawn_streams(np.random.default_rng(7))
>>> b = spawn_streams(np.random.default_rng(7))
>>> float(a["incidents"].random()) == float(b["incidents"].random())
True
>>> float(a["incidents"].random()) == float(a["police"].random())
False
"""

from __future__ import annotations

import zlib

import numpy as np

#: The submodels with a stream of their own, in the order of a day (see :mod:`sim.rules`).
SUBMODELS = (
    "population",  # building the neighbourhood: households, traits, ties
    "formation",  # who is a member on day 0
    "incidents",  # crimes and suspicious situations, victims
    "noticing",  # who notices an incident in progress
    "response",  # calls, posts, going out to look, confrontations, minutes to the call
    "police",  # attendance, arrival times, arrests, feedback
    "messages",  # chatter and follow-up posts
    "leaving",  # members who leave
    "joining",  # residents who join
    "invitation",  # which streets are invited to join (randomised encouragement)
    "survey",  # who is asked and their answering noise
)


def _key(name: str) -> int:
    """A stable number for a submodel's name (the same in every Python process)."""
    return zlib.crc32(name.encode("utf-8"))


def spawn_streams(
    rng: np.random.Generator, names: tuple[str, ...] = SUBMODELS
) -> dict[str, np.random.Generator]:
    """Independent child generators of ``rng``, one per name in ``names``.

    The children descend from the seed sequence ``rng`` was built with (``default_rng(seed)``
    gives the same children for the same seed, in any process). A generator without a seed
    sequence seeds one from its next draws.
    """
    seq = getattr(rng.bit_generator, "seed_seq", None)
    if not isinstance(seq, np.random.SeedSequence):
        seq = np.random.SeedSequence(rng.integers(0, 2**63, size=4).tolist())
    bit_generator = type(rng.bit_generator)
    return {
        name: np.random.Generator(
            bit_generator(
                np.random.SeedSequence(
                    seq.entropy, spawn_key=(*seq.spawn_key, _key(name)), pool_size=seq.pool_size
                )
            )
        )
        for name in names
    }
