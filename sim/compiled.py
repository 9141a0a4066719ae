"""The decorator for the few loops that visit every resident each day.

Rules that touch every resident (or member) daily are plain loops compiled by numba: one pass
instead of dozens of whole-array operations. ``cache=True`` keeps the machine code in
``__pycache__`` next to the source, so only the first run after a change pays for compiling.
"""

import numpy as np
from numba import njit

compiled = njit(cache=True, nogil=True)


@compiled
def poisson(lam, u):
    """Poisson counts with means ``lam`` from uniform draws ``u`` (same shape), by inverting
    the distribution function: exact, and cheap when the means are small (crimes per street
    and day, posts per group and day).

    >>> import numpy as np
    >>> counts = poisson(np.full(200_000, 0.3), np.random.default_rng(1).random(200_000))
    >>> round(float(counts.mean()), 2), round(float(counts.var()), 2)
    (0.3, 0.3)
    """
    out = np.zeros(lam.shape, dtype=np.int64)
    flat_lam, flat_u, flat_out = lam.ravel(), u.ravel(), out.ravel()
    for k in range(len(flat_lam)):
        p = np.exp(-flat_lam[k])
        cdf = p
        n = 0
        while flat_u[k] > cdf and p > 0:
            n += 1
            p *= flat_lam[k] / n
            cdf += p
        flat_out[k] = n
    return out
