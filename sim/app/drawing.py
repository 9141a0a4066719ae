"""The map and the charts, drawn with matplotlib from the engine's arrays.

Figures are built once per session and language and then only updated (colours, offsets,
line data), which keeps a step plus redraw fast: no per-agent portrayal, no spring layout —
residents sit at the positions the population gave them.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from sim.app.messages import t
from sim.population import Population
from sim.rules import SUSPICIOUS

WORRY_CMAP = "YlOrRd"
GROUP_COLOURS = (
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
)
SERIES_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#7f7f7f")


def png(fig: Figure, dpi: int = 80) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


class BlitFigure:
    """A figure whose static parts (axes, text, legend) are drawn once and cached; each
    :meth:`image` only redraws the artists in ``dynamic`` on top of the cache (blitting) and
    encodes the result as JPEG (a few ms, where PNG takes tens). Call :meth:`invalidate`
    after changing a static part (e.g. axis limits)."""

    dpi = 80
    format = "jpeg"

    def __init__(self, fig: Figure):
        self.fig = fig
        fig.set_dpi(self.dpi)
        self.canvas = FigureCanvasAgg(fig)
        self.dynamic: list = []
        self._background = None

    def add_dynamic(self, artist):
        artist.set_animated(True)
        self.dynamic.append(artist)
        return artist

    def invalidate(self) -> None:
        self._background = None

    def _restore(self) -> None:
        if self._background is None:
            self.canvas.draw()  # lays out once, skips animated artists
            self.fig.set_layout_engine("none")  # freeze the layout: later draws are cheap
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._on_layout()
        self.canvas.restore_region(self._background)

    def _on_layout(self) -> None:
        """Hook: the layout is final (pixel positions can be computed now)."""

    def _paint(self, pixels: np.ndarray) -> None:
        """Hook: paint directly into the RGBA pixels before the dynamic artists."""

    def image(self) -> bytes:
        self._restore()
        pixels = np.asarray(self.canvas.buffer_rgba())
        self._paint(pixels)
        for artist in self.dynamic:
            self.fig.draw_artist(artist)
        rgb = Image.fromarray(np.asarray(self.canvas.buffer_rgba())[..., :3])
        buf = io.BytesIO()
        rgb.save(buf, format="JPEG", quality=90)
        return buf.getvalue()

    png = image  # older name

    def png_image(self) -> bytes:
        """The current picture as PNG (for download; :meth:`image` is the fast JPEG)."""
        from sim.app.takeaway import png_from_pixels

        self.image()
        return png_from_pixels(np.asarray(self.canvas.buffer_rgba()))


# --------------------------------------------------------------------------- map


def group_outline_segments(pop: Population) -> list[tuple[int, np.ndarray]]:
    """Boundary of each group's area as line segments: the edges of its streets' grid cells
    that do not touch another cell of the same group. Returns (group, segments[k, 2, 2])."""
    cells: dict[tuple[int, int], int] = {}
    for s, g in enumerate(pop.group_of_street):
        if g >= 0:
            x, y = pop.street_pos[s]
            cells[(round(float(x) * 2), round(float(y) * 2))] = int(g)
    out: dict[int, list] = {}
    h = 0.5
    for (x2, y2), g in cells.items():
        x, y = x2 / 2, y2 / 2
        for dx, dy, seg in (
            (1, 0, ((x + h, y - h), (x + h, y + h))),
            (-1, 0, ((x - h, y - h), (x - h, y + h))),
            (0, 1, ((x - h, y + h), (x + h, y + h))),
            (0, -1, ((x - h, y - h), (x + h, y - h))),
        ):
            if cells.get((x2 + 2 * dx, y2 + 2 * dy)) != g:
                out.setdefault(g, []).append(seg)
    return [(g, np.asarray(segs)) for g, segs in sorted(out.items())]


class MapFigure(BlitFigure):
    """The neighbourhood: residents coloured by worry, members and administrators marked,
    group areas outlined, today's incidents and alerts shown on their streets, a legend."""

    def __init__(self, pop: Population, lang: str, width: float = 7.0):
        self.pop = pop
        self.lang = lang
        span = np.ptp(pop.street_pos, axis=0) + 1.5
        height = min(max(width * span[1] / max(span[0], 1e-9), 3.0), 8.0) + 1.5
        super().__init__(Figure(figsize=(width, height), layout="constrained"))
        ax = self.ax = self.fig.add_subplot()
        ax.set_aspect("equal")
        ax.set_axis_off()
        lo = pop.street_pos.min(axis=0) - 0.7
        hi = pop.street_pos.max(axis=0) + 0.7
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(hi[1], lo[1])  # first street at the top
        streets = np.stack([pop.street_pos - [0.45, 0], pop.street_pos + [0.45, 0]], axis=1)
        ax.add_collection(
            LineCollection(streets, colors="#dddddd", linewidths=5, zorder=0, capstyle="round")
        )
        for g, segs in group_outline_segments(pop):
            ax.add_collection(
                LineCollection(
                    segs, colors=GROUP_COLOURS[g % len(GROUP_COLOURS)], linewidths=1.6, zorder=1
                )
            )
        xy = pop.pos
        size = float(np.clip(2500 / max(pop.n, 1), 3, 30))
        # residents are painted straight into the pixels (see _paint); this invisible
        # scatter only carries the colour scale for the colour bar
        self.residents = ax.scatter(
            xy[:1, 0], xy[:1, 1], c=[0.0], cmap=WORRY_CMAP, vmin=0, vmax=1, s=0
        )
        self.radius = 1 if pop.n > 300 else 2
        self.lut = (colormaps[WORRY_CMAP](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)
        self.worry = np.zeros(pop.n)
        self.member = np.zeros(pop.n, dtype=bool)
        empty = np.empty((0, 2))
        self.admins = self.add_dynamic(
            ax.scatter(empty[:, 0], empty[:, 1], marker="*", s=size * 6 + 20, c="#000000", zorder=4)
        )
        self.crimes = self.add_dynamic(
            ax.scatter(
                empty[:, 0],
                empty[:, 1],
                marker="X",
                s=90,
                c="#b30000",
                edgecolors="white",
                linewidths=0.8,
                zorder=5,
            )
        )
        self.suspicious = self.add_dynamic(
            ax.scatter(
                empty[:, 0],
                empty[:, 1],
                marker="D",
                s=55,
                c="#ff9900",
                edgecolors="black",
                linewidths=0.6,
                zorder=5,
            )
        )
        self.alerts = self.add_dynamic(
            ax.scatter(
                empty[:, 0],
                empty[:, 1],
                marker="^",
                s=110,
                facecolors="none",
                edgecolors="#0044cc",
                linewidths=1.8,
                zorder=6,
            )
        )
        self.title = self.add_dynamic(
            ax.text(0.5, 1.01, "", transform=ax.transAxes, ha="center", va="bottom", fontsize=11)
        )
        cbar = self.fig.colorbar(
            self.residents, ax=ax, orientation="horizontal", fraction=0.04, pad=0.02, aspect=40
        )
        cbar.set_label(t("legend_worry", lang), fontsize=9)
        cbar.ax.tick_params(labelsize=8)
        handles = [
            Line2D(
                [],
                [],
                ls="",
                marker="s",
                mfc="#fdae61",
                mec="none",
                label=t("legend_resident", lang),
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="s",
                mfc="#fdae61",
                mec="black",
                label=t("legend_member", lang),
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="*",
                mfc="black",
                mec="black",
                ms=10,
                label=t("legend_admin", lang),
            ),
            Line2D([], [], color=GROUP_COLOURS[0], lw=1.6, label=t("legend_group", lang)),
            Line2D(
                [],
                [],
                ls="",
                marker="X",
                mfc="#b30000",
                mec="white",
                ms=9,
                label=t("legend_crime", lang),
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="D",
                mfc="#ff9900",
                mec="black",
                ms=7,
                label=t("legend_suspicious", lang),
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="^",
                mfc="none",
                mec="#0044cc",
                mew=1.8,
                ms=10,
                label=t("legend_alert", lang),
            ),
        ]
        self.fig.legend(
            handles=handles, loc="outside lower center", ncol=3, fontsize=8, frameon=False
        )
        ax.text(0.5, 1.01, " ", transform=ax.transAxes, fontsize=11)  # room for the title

    def _on_layout(self) -> None:
        """Pixel squares of every resident (inner dot and the member ring around it)."""
        h = self.canvas.get_width_height()[1]
        xy = self.ax.transData.transform(self.pop.pos.astype(float))
        col = np.rint(xy[:, 0]).astype(np.int64)
        row = np.rint(h - xy[:, 1]).astype(np.int64)

        def square(r):
            d = np.arange(-r, r + 1)
            dy, dx = np.meshgrid(d, d, indexing="ij")
            return row[:, None] + dy.ravel(), col[:, None] + dx.ravel()

        self.dot = square(self.radius)
        self.ring = square(self.radius + 1)

    def _paint(self, pixels: np.ndarray) -> None:
        rr, cc = self.ring
        m = self.member
        pixels[rr[m], cc[m], :3] = 0  # members: a dark ring
        rows, cols = self.dot
        colour = self.lut[np.clip((self.worry * 255).astype(np.int64), 0, 255)]
        pixels[rows, cols, :3] = colour[:, None, :]

    def _street_points(self, streets: np.ndarray, offset: float) -> np.ndarray:
        if len(streets) == 0:
            return np.empty((0, 2))
        pts = self.pop.street_pos[np.asarray(streets, dtype=np.int64)].astype(float)
        # several incidents on one street: spread them along the street
        order = np.zeros(len(streets))
        seen: dict[int, int] = {}
        for i, s in enumerate(np.asarray(streets).tolist()):
            order[i] = seen.get(s, 0)
            seen[s] = seen.get(s, 0) + 1
        pts[:, 0] += -0.3 + 0.2 * order + offset
        pts[:, 1] -= 0.28
        return pts

    def update(self, engine) -> None:
        """Show the engine's state now and what happened in its last step."""
        st, pop = engine.state, self.pop
        self.worry = st.worry.copy()
        self.member = st.member.copy()
        self.admins.set_offsets(pop.pos[st.admin] if st.admin.any() else np.empty((0, 2)))
        today = engine.today or {}
        streets = np.asarray(today.get("incident_streets", []), dtype=np.int64)
        kinds = np.asarray(today.get("incident_kinds", []), dtype=np.int64)
        self.crimes.set_offsets(self._street_points(streets[kinds != SUSPICIOUS], 0.0))
        self.suspicious.set_offsets(self._street_points(streets[kinds == SUSPICIOUS], 0.1))
        self.alerts.set_offsets(
            self._street_points(np.asarray(today.get("alert_streets", []), dtype=np.int64), 0.0)
            + [0, 0.56]
        )
        self.title.set_text(t("map_title", self.lang, day=engine.day))


# --------------------------------------------------------------------------- charts

#: chart key → (initial top of the y axis, [(column, label key, scale)]), weekly series.
CHARTS: dict[str, tuple[float, list[tuple[str, str, float]]]] = {
    "chart_unsafe": (
        40.0,
        [
            ("unsafe_members", "members", 100.0),
            ("unsafe_nonmembers", "nonmembers", 100.0),
            ("unsafe_all", "everyone", 100.0),
        ],
    ),
    "chart_reports": (
        5.0,
        [("reports_112", "reports_112", 1.0), ("reports_0900", "reports_0900", 1.0)],
    ),
    "chart_messages": (
        10.0,
        [
            ("posts_alert", "posts_alert", 1.0),
            ("posts_stigmatising", "posts_stigmatising", 1.0),
            ("posts_chatter", "posts_chatter", 1.0),
            ("posts_feedback", "posts_feedback", 1.0),
            ("posts_keepalive", "posts_keepalive", 1.0),
        ],
    ),
    "chart_crime": (
        5.0,
        [("crimes", "crimes", 1.0), ("burglaries", "burglaries", 1.0), ("arrests", "arrests", 1.0)],
    ),
    "chart_members": (100.0, [("members", "members", 1.0)]),
    "chart_willingness": (
        1.0,
        [("willingness_members", "members", 1.0), ("willingness_nonmembers", "nonmembers", 1.0)],
    ),
}


def nice_ceiling(x: float) -> float:
    """The next of 1, 2, 2.5, 5 × 10^k at or above ``x``.

    >>> nice_ceiling(7), nice_ceiling(0.3), nice_ceiling(120)
    (10.0, 0.5, 200.0)
    """
    if x <= 0:
        return 1.0
    k = 10 ** np.floor(np.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if m * k >= x - 1e-12:
            return float(m * k)
    return float(10 * k)


def expected_tops(engine) -> dict[str, float]:
    """Y-axis tops that fit the expected weekly counts of this neighbourhood, so the axes
    rarely need to grow (growing means one slow full redraw)."""
    scn, pop = engine.scenario, engine.pop
    households = float(pop.households_of_street.sum())
    c = scn.crime
    crimes = (c.burglary_rate + c.theft_rate + c.vandalism_rate) * households / 52
    suspicious = c.suspicious_rate * households / 52
    members = float(engine.member.sum())
    chatter = scn.messages.chatter_rate * members * 7
    return {
        "chart_crime": nice_ceiling(2.5 * crimes + 2),
        "chart_reports": nice_ceiling(2.5 * (crimes + 0.3 * suspicious) + 2),
        "chart_messages": nice_ceiling(1.2 * (chatter + crimes + suspicious) + 5),
        "chart_members": nice_ceiling(1.5 * members + 10),
    }


class ChartsFigure(BlitFigure):
    """Six small weekly charts in one figure, updated in place. The x axis spans the whole
    run and y axes only grow, so most updates redraw just the lines."""

    def __init__(
        self, lang: str, weeks: int, width: float = 11.0, tops: dict[str, float] | None = None
    ):
        super().__init__(Figure(figsize=(width, 5.4), layout="constrained"))
        tops = tops or {}
        self.lang = lang
        axes = self.fig.subplots(2, 3)
        self.lines: dict[str, list[tuple[str, float, Line2D]]] = {}
        self.axes = {}
        self.top = {}
        for ax, (key, (top, series)) in zip(axes.ravel(), CHARTS.items(), strict=True):
            ax.set_title(t(key, lang), fontsize=10)
            ax.tick_params(labelsize=8)
            ax.set_xlabel(t("week", lang), fontsize=8)
            ax.grid(alpha=0.3)
            ax.set_xlim(0, max(weeks, 4))
            top = max(top, tops.get(key, 0.0))
            ax.set_ylim(0, top)
            self.top[key] = top
            lines = []
            for i, (col, label, scale) in enumerate(series):
                (line,) = ax.plot([], [], color=SERIES_COLOURS[i], lw=1.5, label=t(label, lang))
                lines.append((col, scale, self.add_dynamic(line)))
            if len(series) > 1:
                ax.legend(fontsize=7, loc="upper left", frameon=False)
            self.lines[key] = lines
            self.axes[key] = ax

    def update(self, weekly: pd.DataFrame) -> None:
        for key, lines in self.lines.items():
            highest = 0.0
            for col, scale, line in lines:
                if weekly.empty or col not in weekly:
                    line.set_data([], [])
                    continue
                y = weekly[col].to_numpy(float) * scale
                line.set_data(weekly["week"].to_numpy(float), y)
                if np.isfinite(y).any():
                    highest = max(highest, float(np.nanmax(y)))
            if highest > self.top[key]:
                self.top[key] = nice_ceiling(highest * 1.2)
                self.axes[key].set_ylim(0, self.top[key])
                self.invalidate()


# --------------------------------------------------------------------------- survey


#: the full answer scale of each survey indicator: axes show all of it, never a cut-out
SURVEY_SCALES: dict[str, tuple[float, float]] = {
    "pct_unsafe": (0, 100),
    "pct_often": (0, 100),
    "safety_grade": (1, 10),
    "report_willingness": (1, 5),
    "gov_proximity": (1, 5),
}


def survey_figure(ind: pd.DataFrame, lang: str, wave_title) -> Figure:
    """Field-report style: per indicator, participants vs non-participants per wave with
    95 % intervals."""
    from sim.survey import INDICATORS

    shown = [i for i in INDICATORS if i != "pct_often"]
    fig = Figure(figsize=(11, 3.0), layout="constrained")
    axes = fig.subplots(1, len(shown))
    waves = list(dict.fromkeys(ind["wave"]))
    x = np.arange(len(waves))
    import textwrap

    for ax, name in zip(axes, shown, strict=True):
        ax.set_title(textwrap.fill(t(f"ind_{name}", lang), 26), fontsize=9)
        if name in SURVEY_SCALES:
            ax.set_ylim(*SURVEY_SCALES[name])
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3, axis="y")
        for k, (resp, colour) in enumerate(
            (("participants", SERIES_COLOURS[0]), ("non_participants", SERIES_COLOURS[1]))
        ):
            sub = ind[(ind["indicator"] == name) & (ind["respondents"] == resp)]
            sub = sub.set_index("wave").reindex(waves)
            est = sub["estimate"].to_numpy(float)
            err = np.vstack(
                [est - sub["ci_low"].to_numpy(float), sub["ci_high"].to_numpy(float) - est]
            )
            ax.errorbar(
                x + (k - 0.5) * 0.18,
                est,
                yerr=np.nan_to_num(err),
                fmt="o-",
                color=colour,
                ms=5,
                capsize=3,
                lw=1.2,
                label=t(resp, lang),
            )
        ax.set_xticks(x, [wave_title(w, lang) for w in waves], fontsize=8)
        ax.set_xlim(-0.5, len(waves) - 0.5)
    axes[0].legend(fontsize=7, frameon=False)
    return fig
