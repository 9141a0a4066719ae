"""Interactive map and charts: ECharts options built from the engine's arrays.

The page draws with `ECharts <https://echarts.apache.org>`_, whose front-end file ships inside
the ``solara-assets`` package (``share/solara/cdn/echarts@5.4.0``) and is served by this
computer (see :mod:`sim.app_server`): the page stays offline. The browser shows values on
hover (numbers in the page's notation) and reports a click on a resident or a group area,
which the page answers with that resident's or group's state (:func:`resident_state`,
:func:`group_state`). The static PNG download still comes from matplotlib
(:class:`sim.app.drawing.ChartsFigure`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import traitlets
from matplotlib import colormaps
from solara.components.echarts import EchartsWidget

from sim.app.drawing import CHARTS, GROUP_COLOURS, SERIES_COLOURS, WORRY_CMAP, nice_ceiling
from sim.app.drawing import group_outline_segments as outline_segments
from sim.app.messages import number, t
from sim.population import Population
from sim.rules import SUSPICIOUS

# ECharts symbols for the map's markers (SVG paths in a 100 × 100 box)
STAR = "path://M50,0 L61,35 L98,35 L68,57 L79,91 L50,70 L21,91 L32,57 L2,35 L39,35 Z"
CROSS = (
    "path://M0,15 L15,0 L50,35 L85,0 L100,15 L65,50 L100,85 L85,100 L50,65 L15,100 L0,85 L35,50 Z"
)
#: digits shown in a chart's tooltip (weekly counts of the running week are scaled to 7 days)
CHART_DIGITS = {"chart_unsafe": 1, "chart_members": 0, "chart_willingness": 2}
CHART_AXIS_DIGITS = {"chart_willingness": 1}  # axis labels: whole numbers elsewhere
MAP_WIDTH_PX = 640


class EChart(EchartsWidget):
    """Solara's ECharts widget with buurtsim's template (:file:`echart.vue`): localised
    numbers, the map's tooltips, a ``pick`` callback for clicks, a drawn-stamp for tests."""

    template_file = (__file__, "echart.vue")

    kind = traitlets.Unicode("chart").tag(sync=True)  # "chart" (lines) or "map"
    stamp = traitlets.Unicode("").tag(sync=True)  # changes with every new drawing
    day = traitlets.Int(0).tag(sync=True)  # the model day the drawing shows
    decimal = traitlets.Unicode(",").tag(sync=True)
    group = traitlets.Unicode("\u202f").tag(sync=True)  # thousands separator
    digits = traitlets.Int(1).tag(sync=True)
    axisDigits = traitlets.Int(0).tag(sync=True)  # noqa: N815 - a name the template reads
    labels = traitlets.Dict({}).tag(sync=True)
    on_pick = traitlets.Callable(None, allow_none=True)

    def vue_pick(self, data):
        if self.on_pick is not None:
            self.on_pick(data)


def separators(lang: str) -> tuple[str, str]:
    """Decimal and thousands separators of ``lang``, as :func:`sim.app.messages.number` writes.

    >>> separators("nl"), separators("en")
    ((',', '\\u202f'), ('.', ','))
    """
    text = number(1234.5, lang, 1)
    return text[-2], text[1]


def chart_widget(
    option: dict,
    lang: str,
    *,
    kind: str = "chart",
    stamp: str = "",
    day: int = 0,
    digits: int = 1,
    axis_digits: int = 0,
    labels: dict | None = None,
    on_pick: Callable[[Any], None] | None = None,
    style: str = "",
    classes: str = "",
):
    """A reacton element of :class:`EChart` (use inside a Solara component)."""
    decimal, group = separators(lang)
    return EChart.element(
        option=option,
        kind=kind,
        stamp=stamp,
        day=day,
        decimal=decimal,
        group=group,
        digits=digits,
        axisDigits=axis_digits,
        labels=labels or {},
        on_pick=on_pick,
        attributes={"style": style, "class": classes},
    )


# --------------------------------------------------------------------------- charts


def chart_options(weekly: pd.DataFrame, lang: str, weeks: int, tops: dict[str, float]) -> dict:
    """One line-chart option per key of :data:`sim.app.drawing.CHARTS`: x spans the whole
    run, y starts at 0 and only grows past the expected top (honest, steady axes)."""
    out = {}
    x = weekly["week"].to_numpy(int) if not weekly.empty else np.zeros(0, int)
    for key, (top, series) in CHARTS.items():
        top = max(top, tops.get(key, 0.0))
        lines, highest = [], 0.0
        for i, (col, label, scale) in enumerate(series):
            if weekly.empty or col not in weekly:
                y = np.zeros(0)
            else:
                y = weekly[col].to_numpy(float) * scale
            finite = np.isfinite(y)
            if finite.any():
                highest = max(highest, float(np.nanmax(y)))
            data = [
                [int(w), round(float(v), 4) if f else None]
                for w, v, f in zip(x, y, finite, strict=True)
            ]
            lines.append(
                {
                    "type": "line",
                    "name": t(label, lang),
                    "data": data,
                    "showSymbol": False,
                    "color": SERIES_COLOURS[i],
                    "lineStyle": {"width": 1.5},
                }
            )
        if highest > top:
            top = nice_ceiling(highest * 1.2)
        legend_rows = -(-len(series) // 3) if len(series) > 1 else 0  # three names a line
        out[key] = {
            "title": {"text": t(key, lang), "left": "center", "textStyle": {"fontSize": 12}},
            "tooltip": {"trigger": "axis"},
            "legend": {"show": len(series) > 1, "top": 22, "textStyle": {"fontSize": 10}},
            "grid": {"left": 44, "right": 12, "top": 36 + 26 * legend_rows, "bottom": 34},
            "xAxis": {
                "type": "value",
                "min": 0,
                "max": max(weeks, 4),
                "name": t("week", lang),
                "nameLocation": "middle",
                "nameGap": 22,
            },
            "yAxis": {"type": "value", "min": 0, "max": top},
            "series": lines,
        }
    return out


# --------------------------------------------------------------------------- map


def _worry_colours(steps: int = 9) -> list[str]:
    cmap = colormaps[WORRY_CMAP]
    return [
        "#{:02x}{:02x}{:02x}".format(*(int(255 * c) for c in cmap(v)[:3]))
        for v in np.linspace(0, 1, steps)
    ]


def map_size(pop: Population) -> tuple[int, int]:
    """Pixel width and height of the map: streets keep their proportions."""
    span = np.ptp(pop.street_pos, axis=0) + 1.5
    plot_h = MAP_WIDTH_PX * float(span[1]) / max(float(span[0]), 1e-9)
    return MAP_WIDTH_PX, int(min(max(plot_h, 220), 760)) + 150


def map_base(pop: Population, lang: str) -> dict:
    """The parts of the map that stay the same during a run: axes, streets, group areas."""
    lo = pop.street_pos.min(axis=0) - 0.7
    hi = pop.street_pos.max(axis=0) + 0.7
    streets = [
        {"coords": [[float(x) - 0.45, float(y)], [float(x) + 0.45, float(y)]]}
        for x, y in pop.street_pos
    ]
    areas = []
    for g, segs in outline_segments(pop):
        colour = GROUP_COLOURS[g % len(GROUP_COLOURS)]
        for seg in segs:
            areas.append(
                {
                    "coords": seg.astype(float).round(3).tolist(),
                    "name": t("map_group", lang, name=pop.group_names[g]),
                    "pick": int(g),
                    "lineStyle": {"color": colour},
                }
            )
    return {
        "x": [float(lo[0]), float(hi[0])],
        "y": [float(lo[1]), float(hi[1])],
        "streets": streets,
        "areas": areas,
    }


def _street_points(pop: Population, streets: np.ndarray, offset: float, dy: float) -> list:
    out, seen = [], {}
    for s in np.asarray(streets, dtype=np.int64).tolist():
        k = seen.get(s, 0)
        seen[s] = k + 1
        x, y = pop.street_pos[s]
        out.append([round(float(x) - 0.3 + 0.2 * k + offset, 3), round(float(y) + dy, 3)])
    return out


def map_option(base: dict, engine, lang: str) -> dict:
    """The whole map option for the engine's state now and what happened today."""
    st, pop = engine.state, engine.pop
    xy = pop.pos.astype(float).round(3)
    worry = st.worry.round(3)
    ids = np.arange(pop.n)

    def points(mask) -> list:
        return [
            [x, y, w, int(i)] for (x, y), w, i in zip(xy[mask], worry[mask], ids[mask], strict=True)
        ]

    size = float(np.clip(300 / max(pop.n, 1) ** 0.5, 2.5, 9))
    today = engine.today or {}
    inc_streets = np.asarray(today.get("incident_streets", []), dtype=np.int64)
    kinds = np.asarray(today.get("incident_kinds", []), dtype=np.int64)
    alerts = np.asarray(today.get("alert_streets", []), dtype=np.int64)
    marker = {"type": "scatter", "z": 5}
    series = [
        {
            "id": "streets",
            "type": "lines",
            "coordinateSystem": "cartesian2d",
            "silent": True,
            "data": base["streets"],
            "lineStyle": {"color": "#dddddd", "width": 6, "opacity": 1, "cap": "round"},
            "z": 0,
        },
        {
            "id": "areas",
            "name": t("legend_group", lang),
            "type": "lines",
            "coordinateSystem": "cartesian2d",
            "data": base["areas"],
            "color": GROUP_COLOURS[0],
            "lineStyle": {"width": 2, "opacity": 1},
            "z": 1,
        },
        {
            "id": "residents",
            "name": t("legend_resident", lang),
            "type": "scatter",
            "symbol": "rect",
            "symbolSize": size,
            "color": "#fdae61",  # the legend's square; each resident's colour is its worry
            "data": points(~st.member),
            "z": 2,
        },
        {
            "id": "members",
            "name": t("legend_member", lang),
            "type": "scatter",
            "symbol": "rect",
            "symbolSize": size + 1,
            "color": "#fdae61",
            "itemStyle": {"borderColor": "#000000", "borderWidth": 1},
            "data": points(st.member),
            "z": 3,
        },
        {
            **marker,
            "id": "admins",
            "name": t("legend_admin", lang),
            "symbol": STAR,
            "symbolSize": size * 2 + 6,
            "color": "#000000",
            "data": xy[st.admin].tolist(),
            "z": 4,
        },
        {
            **marker,
            "id": "crimes",
            "name": t("legend_crime", lang),
            "symbol": CROSS,
            "symbolSize": 13,
            "color": "#b30000",
            "itemStyle": {"borderColor": "#ffffff", "borderWidth": 1},
            "data": _street_points(pop, inc_streets[kinds != SUSPICIOUS], 0.0, -0.28),
        },
        {
            **marker,
            "id": "suspicious",
            "name": t("legend_suspicious", lang),
            "symbol": "diamond",
            "symbolSize": 11,
            "color": "#ff9900",
            "itemStyle": {"borderColor": "#000000", "borderWidth": 1},
            "data": _street_points(pop, inc_streets[kinds == SUSPICIOUS], 0.1, -0.28),
        },
        {
            **marker,
            "id": "alerts",
            "name": t("legend_alert", lang),
            "symbol": "triangle",
            "symbolSize": 14,
            "color": "#0044cc",
            "itemStyle": {"color": "rgba(0,0,0,0)", "borderColor": "#0044cc", "borderWidth": 2},
            "data": _street_points(pop, alerts, 0.0, 0.28),
            "z": 6,
        },
    ]
    return {
        "title": {
            "text": t("map_title", lang, day=engine.day),
            "left": "center",
            "textStyle": {"fontSize": 13},
        },
        "tooltip": {"trigger": "item"},
        "grid": {"left": 8, "right": 8, "top": 34, "bottom": 130},
        "xAxis": {"type": "value", "min": base["x"][0], "max": base["x"][1], "show": False},
        "yAxis": {
            "type": "value",
            "min": base["y"][0],
            "max": base["y"][1],
            "inverse": True,  # the first street at the top
            "show": False,
        },
        "visualMap": {
            "type": "continuous",
            "min": 0,
            "max": 1,
            "dimension": 2,
            "seriesIndex": [2, 3],
            "inRange": {"color": _worry_colours()},
            "orient": "horizontal",
            "left": "center",
            "bottom": 70,
            "itemWidth": 12,
            "itemHeight": 300,
            "calculable": False,
            "precision": 1,
            "text": ["1", t("legend_worry", lang) + "   0"],
            "textStyle": {"fontSize": 11},
        },
        "legend": {
            "bottom": 4,
            "itemWidth": 14,
            "itemHeight": 10,
            "textStyle": {"fontSize": 11},
            "data": [s["name"] for s in series if "name" in s],
        },
        "series": series,
    }


# --------------------------------------------------------------------------- picked state


def resident_state(engine, who: int, lang: str) -> list[tuple[str, str]]:
    """What the map tells about resident ``who`` now: (label, value) rows."""
    st, pop = engine.state, engine.pop
    group = int(st.resident_group[who])
    rows = [
        (t("pick_street", lang), f"{int(pop.street[who])} ({pop.area_names[int(pop.area[who])]})"),
        (
            t("pick_member", lang),
            t("pick_member_yes" if st.member[who] else "pick_member_no", lang)
            + (f" · {t('legend_admin', lang)}" if st.admin[who] else ""),
        ),
        (
            t("pick_group", lang),
            pop.group_names[group] if group >= 0 else t("pick_no_group", lang),
        ),
        (t("pick_worry", lang), number(float(st.worry[who]), lang, 2)),
        (t("pick_willingness", lang), number(float(st.willingness[who]), lang, 2)),
        (t("pick_proximity", lang), number(float(st.proximity[who]), lang, 2)),
        (t("pick_victimisations", lang), str(int(st.victimisations[who]))),
    ]
    return rows


def group_state(engine, g: int, lang: str) -> list[tuple[str, str]]:
    """What the map tells about group ``g`` now: (label, value) rows."""
    st = engine.state
    if st.group_active[g]:
        status = t("pick_group_active", lang, day=int(st.group_start_day[g]))
    elif st.group_end_day[g] >= 0:
        status = t("pick_group_ended", lang, day=int(st.group_end_day[g]))
    else:
        status = t("pick_group_planned", lang)
    covered = st.resident_group == g
    members = int(st.members_per_group[g])
    adults = int(st.group_adults[g])
    worry = float(st.worry[covered & st.member].mean()) if members else float("nan")
    rows = [
        (t("pick_status", lang), status),
        (t("pick_members", lang), f"{members} / {adults}"),
        (t("pick_admins", lang), str(int((st.admin & covered).sum()))),
    ]
    if members:
        rows.append((t("pick_members_worry", lang), number(worry, lang, 2)))
    return rows
