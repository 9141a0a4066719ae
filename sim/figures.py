"""Figures without pyplot's global state: a researcher's notebook keeps its backend.

``subplots`` has the signature of ``matplotlib.pyplot.subplots`` but makes a standalone
:class:`matplotlib.figure.Figure` (saved with ``fig.savefig``; nothing to close).

>>> fig, ax = subplots(figsize=(2, 2))
>>> _ = ax.plot([0, 1], [1, 0])
>>> type(fig).__name__
'Figure'
"""

from __future__ import annotations

from typing import Any

_FIGURE_KEYWORDS = ("figsize", "dpi", "facecolor", "layout", "constrained_layout")


def subplots(nrows: int = 1, ncols: int = 1, **kwargs: Any):
    """A new figure and its axes, like ``pyplot.subplots``."""
    from matplotlib.figure import Figure

    figure_kw = {k: kwargs.pop(k) for k in _FIGURE_KEYWORDS if k in kwargs}
    fig = Figure(**figure_kw)
    return fig, fig.subplots(nrows, ncols, **kwargs)
