"""The web page: ``Page`` is what ``buurtsim app`` serves (``solara run sim.app.page``).

Why own components and not Mesa's ``SolaraViz``: SolaraViz's controls, card titles and tabs
carry fixed English labels, and this page must be Dutch by default with an English switch
from one catalogue. The page drives Mesa's ``NeighbourhoodModel`` (through
:class:`sim.app.session.Session`) the way SolaraViz's controller does — step, play/pause with
speed, reset — and draws the map from the model's arrays.

Every browser session renders its own ``Page``, so the model, settings and comparison live in
that session's component state; nothing mutable is shared between sessions.

Set ``BUURTSIM_APP_TIMING=1`` to print the server-side time of each step and redraw.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import ipyvuetify
import pandas as pd
import solara
import solara.lab
import traitlets

from sim.app.compare import (
    BAND_SERIES,
    MAX_REPLICATIONS,
    Comparison,
    comparison_for,
)
from sim.app.drawing import ChartsFigure, expected_tops, png
from sim.app.interactive import (
    CHART_AXIS_DIGITS,
    CHART_DIGITS,
    chart_options,
    chart_widget,
    group_state,
    map_base,
    map_option,
    map_size,
    resident_state,
)
from sim.app.messages import LANGUAGES, factor_label, factor_tooltip, number, t
from sim.app.scenario_texts import scenario_description, scenario_name
from sim.app.session import (
    MAX_RESIDENTS,
    MAX_SEED,
    MIN_RESIDENTS,
    Session,
    Settings,
    apply_factors,
    factor_bounds,
    factor_kind,
    load_named,
    parse_int,
    playback_plan,
    posterior_file,
    scale_population,
    scenario_files,
    settings_from_query,
    settings_query,
    slider_step,
    wave_title,
)
from sim.app.takeaway import run_table, to_csv
from sim.errors import UserError
from sim.scenario import FACTOR_NAMES

MAX_SPEED = 60
TIMING = bool(os.environ.get("BUURTSIM_APP_TIMING"))
MIN_DAYS, MAX_DAYS = 30, 3650


class Live:
    """One session's mutable model plus a lock, shared by the page's components and the
    play thread of that session only."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.session = Session(settings)
        self.lock = threading.RLock()
        self.build = 0  # bumps when the model is rebuilt (new population → new map)
        self.drawn = threading.Condition()
        self.drawn_version = -1  # the last version the map and charts show
        self.view_active = False  # is the model view (map, charts) on screen?
        self.compare: dict = {}  # compare tab: chosen scenarios, sizes, the comparison

    def mark_drawn(self, version: int) -> None:
        with self.drawn:
            self.drawn_version = max(self.drawn_version, version)
            self.drawn.notify_all()

    def wait_drawn(self, version: int, timeout: float = 5.0) -> None:
        """Back-pressure for play: wait until the view shows ``version`` (if it is shown)."""
        with self.drawn:
            self.drawn.wait_for(
                lambda: not self.view_active or self.drawn_version >= version, timeout
            )

    def rebuild(self, action: Callable[[], None]) -> None:
        with self.lock:
            action()
            self.build += 1


# --------------------------------------------------------------------------- small pieces


@solara.component
def NumberField(
    label: str,
    value: int,
    lo: int,
    hi: int,
    on_value: Callable[[int], None],
    lang: str,
    help_text: str = "",
    testid: str = "",
):
    """A typed whole number; a bad value shows a message next to the field and is not
    passed on, so the model keeps its last good state."""
    text, set_text = solara.use_state(str(value))
    # the refused text and the model's message; a typing error's message follows the language
    (bad, model_error), set_bad = solara.use_state(("", ""))

    def submit(new: str):
        set_text(new)
        try:
            number = parse_int(label, new, lo, hi, value, lang)
        except UserError:
            set_bad((new, ""))
            return
        try:
            if number != value:  # leaving the field (focusout) re-sends the same value
                on_value(number)
        except UserError as e:  # the model refused it (e.g. a size a scenario cannot take)
            set_bad((new, str(e)))
            return
        set_bad(("", ""))

    error = model_error
    if bad and not model_error:
        try:
            parse_int(label, bad, lo, hi, value, lang)
        except UserError as e:
            error = str(e)
    solara.use_effect(lambda: set_text(str(value)) if not bad else None, [value])
    with solara.Div(classes=[f"field-{testid}"] if testid else []):
        solara.InputText(
            label,
            value=text,
            on_value=submit,
            error=error or False,
            message=None if error else help_text,
            continuous_update=False,
        )


@solara.component
def FactorControl(
    name: str, value, on_value: Callable[[str, object], None], lang: str, changed: bool
):
    """One success factor: plain label (value shown), tooltip with explanation and source."""
    kind = factor_kind(name)
    shown = "" if kind == "switch" else f": {number(value, lang)}"
    label = factor_label(name, lang) + shown + (f" ({t('changed', lang)})" if changed else "")
    style = {"font-weight": "bold"} if changed else {}
    with (
        solara.Tooltip(factor_tooltip(name, lang)),
        solara.Div(classes=["factor", f"factor-{name}"], style={"margin-bottom": "4px"}),
    ):
        if kind == "switch":
            solara.Switch(label=label, value=bool(value), on_value=lambda v: on_value(name, v))
            return
        solara.Text(label, style={"font-size": "0.9em", **style})
        lo, hi, step = factor_bounds(name)
        if kind == "float":
            step = slider_step(name, float(value))  # the scenario's exact value is a stop
        if kind == "int":
            solara.SliderInt(
                "",
                value=int(value),
                min=int(lo),
                max=int(hi),
                step=int(step),
                on_value=lambda v: on_value(name, v),
            )
        else:
            solara.SliderFloat(
                "",
                value=float(value),
                min=lo,
                max=hi,
                step=step,
                on_value=lambda v: on_value(name, v),
            )


# --------------------------------------------------------------------------- sidebar


@solara.component
def ScenarioCard(
    live: Live, lang: str, build: solara.Reactive[int], on_rebuilt: Callable[[], None]
):
    s = live.session
    _ = build.value  # re-render whenever the model is rebuilt: the card shows what runs
    error, set_error = solara.use_state(s.load_error or "")
    items = [{"text": scenario_name(key, lang), "value": key} for key in s.files]

    def choose(key):
        if not key or key == s.settings.scenario:
            return
        try:
            live.rebuild(lambda: s.choose_scenario(key))
        except UserError as e:
            set_error(t("err_scenario", lang, error=e))
            return
        set_error("")
        on_rebuilt()

    def set_residents(n: int):
        live.rebuild(lambda: s.set_residents(n))
        on_rebuilt()

    def set_seed(n: int):
        live.rebuild(lambda: s.set_seed(n))
        on_rebuilt()

    with solara.Card(t("setup", lang)):
        with solara.Div(classes=["field-scenario"]):
            solara.v.Select(
                label=t("scenario", lang),
                items=items,
                v_model=s.settings.scenario,
                on_v_model=choose,
                hint=t("scenario_help", lang),
                persistent_hint=True,
                error_messages=[error] if error else [],
            )
        description = scenario_description(s.settings.scenario, s.base.description, lang)
        if description:
            solara.Text(
                description,
                classes=["scenario-description"],
                style={"font-size": "0.85em", "color": "#555"},
            )
        NumberField(
            t("residents", lang),
            s.settings.residents or s.engine.pop.n,
            MIN_RESIDENTS,
            MAX_RESIDENTS,
            set_residents,
            lang,
            t("residents_help", lang, lo=MIN_RESIDENTS, hi=MAX_RESIDENTS),
            "residents",
        )
        NumberField(
            t("seed", lang),
            s.settings.seed,
            0,
            MAX_SEED,
            set_seed,
            lang,
            t("seed_help", lang, hi=MAX_SEED),
            "seed",
        )


@solara.component
def Player(
    live: Live,
    playing: solara.Reactive[bool],
    speed: solara.Reactive[int],
    version: solara.Reactive[int],
    finished: solara.Reactive[bool],
):
    """Runs days while mounted (only while playing): never faster than the view redraws."""
    s = live.session

    def play_loop():
        render_seconds = 0.05
        while playing.value:
            days, wait = playback_plan(speed.value, render_seconds)
            start = time.perf_counter()
            with live.lock:
                s.step(days)
                done = s.finished
            version.value += 1  # asks for a redraw of the map and charts
            live.wait_drawn(version.value)  # never run ahead of what the user sees
            render_seconds = time.perf_counter() - start
            if done:
                finished.value = True
                playing.value = False
                break
            time.sleep(wait)

    solara.lab.use_task(play_loop, dependencies=[], prefer_threaded=True)


@solara.component
def TimeCard(
    live: Live,
    lang: str,
    playing: solara.Reactive[bool],
    speed: solara.Reactive[int],
    version: solara.Reactive[int],
    build: solara.Reactive[int],
    finished: solara.Reactive[bool],
    on_rebuilt: Callable[[], None],
):
    s = live.session
    _ = build.value  # a rebuilt model starts at day 0: the buttons follow it
    done = finished.value

    def step():
        t0 = time.perf_counter()
        with live.lock:
            s.step(1)
            finished.value = s.finished
        version.value += 1
        if TIMING:
            print(f"step handler: {1000 * (time.perf_counter() - t0):.0f} ms", flush=True)

    def reset():
        playing.value = False
        live.rebuild(s.reset)
        on_rebuilt()

    if playing.value:
        Player(live, playing, speed, version, finished)  # its thread exists only while playing

    with solara.Card(t("controls", lang)):
        with solara.Row(gap="6px"):
            with solara.Tooltip(t("step_help", lang)):
                solara.Button(
                    t("step", lang),
                    on_click=step,
                    color="primary",
                    disabled=playing.value or done,
                    classes=["btn-step"],
                )
            solara.Button(
                t("pause", lang) if playing.value else t("play", lang),
                on_click=lambda: playing.set(not playing.value),
                color="primary",
                disabled=done and not playing.value,
                classes=["btn-play"],
            )
            with solara.Tooltip(t("reset_help", lang)):
                solara.Button(
                    t("reset", lang), on_click=reset, outlined=True, classes=["btn-reset"]
                )
        with solara.Div(classes=["speed"]):
            solara.SliderInt(
                t("speed_value", lang, speed=speed.value),
                value=speed,
                min=1,
                max=MAX_SPEED,
                step=1,
                thumb_label=True,
            )


@solara.component
def FactorsCard(
    live: Live,
    lang: str,
    version: solara.Reactive[int],
    build: solara.Reactive[int],
    on_rebuilt: Callable[[], None],
    shared: solara.Reactive[int],
):
    s = live.session
    _ = build.value  # another scenario or a reset: show its factor values
    current = s.current_factors()
    _, refresh = solara.use_state(0)

    def change(name: str, value):
        with live.lock:
            s.set_factor(name, value)
        refresh(lambda n: n + 1)
        version.value += 1
        shared.value += 1  # the link in the address bar records the change

    def back():
        live.rebuild(s.reset_factors)
        on_rebuilt()

    with solara.Card(t("factors", lang)):
        solara.Text(t("factors_help", lang), style={"font-size": "0.85em", "color": "#555"})
        for name in FACTOR_NAMES:
            FactorControl(name, current[name], change, lang, name in s.settings.factors)
        solara.Button(
            t("factors_reset", lang), on_click=back, text=True, disabled=not s.settings.factors
        )


# --------------------------------------------------------------------------- model view


def PickedState(engine, picked: tuple[str, int], lang: str, close: Callable[[], None]):
    """The state of the resident or group clicked on the map, as it is now."""
    kind, index = picked
    if kind == "resident":
        title = t("pick_resident", lang, who=index)
        rows = resident_state(engine, index, lang)
    else:
        title = t("map_group", lang, name=engine.pop.group_names[index])
        rows = group_state(engine, index, lang)
    table = pd.DataFrame(rows, columns=["", " "])
    with solara.Card(title, classes=["map-pick"], style={"max-width": "460px"}):
        Table(table, "map-pick-table")
        solara.Button(t("pick_close", lang), on_click=close, text=True, classes=["btn-pick-close"])


@solara.component
def ModelView(live: Live, lang: str, version: solara.Reactive[int], build: solara.Reactive[int]):
    """Map, status and charts; the only part of the page that re-renders on every step.

    Map and charts are ECharts drawings (:mod:`sim.app.interactive`): values on hover, and a
    click on a resident or a group area shows its state below the map."""
    s = live.session
    build, version = build.value, version.value
    base = solara.use_memo(lambda: map_base(s.engine.pop, lang), [build, lang])
    picked, set_picked = solara.use_state(None)  # ("resident" | "group", index) or None
    solara.use_effect(lambda: set_picked(None), [build])

    def draw():
        t0 = time.perf_counter()
        with live.lock:
            weekly = s.weekly()
            members = int(s.engine.member.sum())
            day = s.day
            map_opt = map_option(base, s.engine, lang)
            weeks = s.scenario.days // 7 + 1
            charts = chart_options(weekly, lang, weeks, expected_tops(s.engine))
        if TIMING:
            print(f"draw day {day}: {1000 * (time.perf_counter() - t0):.0f} ms", flush=True)
        return map_opt, charts, day, members

    map_opt, chart_opts, day, members = solara.use_memo(draw, [version, build, lang])
    stamp = f"{build}-{version}-{lang}"

    def shown():
        live.view_active = True
        live.mark_drawn(version)

    def hidden():
        live.view_active = False
        live.mark_drawn(version)

    def pick(data) -> None:
        series, value = data.get("series"), data.get("value")
        if series in ("residents", "members") and isinstance(value, list) and len(value) >= 4:
            set_picked(("resident", int(value[3])))
        elif series == "areas" and isinstance(value, int | float):
            set_picked(("group", int(value)))

    solara.use_effect(lambda: (shown(), hidden)[1], [version, build, lang])
    width, height = map_size(s.engine.pop)
    labels = {
        "resident": t("legend_resident", lang).capitalize(),
        "member": t("legend_member", lang),
        "worry": t("pick_worry", lang),
        "click": t("map_click", lang),
    }
    with solara.Column(gap="4px"):
        solara.Text(
            t("day_week", lang, day=day, week=day // 7, members=members, residents=s.engine.pop.n),
            classes=["status-day"],
        )
        if s.finished:
            solara.Success(t("run_finished", lang, day=day), classes=["run-finished"])
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            with solara.Div(classes=["buurt-map"], style={"max-width": f"{width}px"}):
                chart_widget(
                    map_opt,
                    lang,
                    kind="map",
                    stamp=stamp,
                    day=day,
                    digits=2,
                    labels=labels,
                    on_pick=pick,
                    style=f"width: {width}px; max-width: 100%; height: {height}px",
                    classes="map-chart",
                )
                solara.Text(t("map_hint", lang), style={"font-size": "0.85em", "color": "#555"})
                if picked is not None:
                    with live.lock:
                        PickedState(s.engine, picked, lang, lambda: set_picked(None))
            with solara.Div(
                classes=["buurt-charts"],
                style={"display": "flex", "flex-wrap": "wrap", "max-width": "1000px"},
            ):
                for key, option in chart_opts.items():
                    chart_widget(
                        option,
                        lang,
                        stamp=stamp,
                        day=day,
                        digits=CHART_DIGITS.get(key, 1),
                        axis_digits=CHART_AXIS_DIGITS.get(key, 0),
                        labels={"week": t("week", lang).capitalize()},
                        style="width: 330px; height: 250px",
                        classes=f"chart {key}",
                    )

    def run_data() -> pd.DataFrame:
        with live.lock:
            return run_table(s.weekly(), settings_record(s))

    def charts_picture() -> bytes:
        with live.lock:
            weekly = s.weekly()
            tops = expected_tops(s.engine)
        figure = ChartsFigure(lang, s.scenario.days // 7 + 1, tops=tops)
        figure.update(weekly)
        return figure.png_image()

    Downloads(lang, f"buurtsim-dag{day}", run_data, charts_picture, "run-downloads")


@solara.component
def Downloads(
    lang: str,
    name: str,
    table: Callable[[], pd.DataFrame],
    picture: Callable[[], bytes],
    testid: str,
):
    """Take-away buttons: the data as CSV (Dutch or international notation) and a PNG."""
    dutch, set_dutch = solara.use_state(lang == "nl")
    with solara.Row(
        classes=["downloads", testid], style={"align-items": "center", "flex-wrap": "wrap"}
    ):
        solara.FileDownload(
            lambda: to_csv(table(), dutch),
            filename=f"{name}.csv",
            label=t("download_csv", lang),
            mime_type="text/csv",
        )
        solara.FileDownload(
            picture, filename=f"{name}.png", label=t("download_png", lang), mime_type="image/png"
        )
        solara.Checkbox(label=t("csv_dutch", lang), value=dutch, on_value=set_dutch)


def settings_record(s: Session) -> dict[str, object]:
    """The settings of a run as columns of its CSV (scenario, size, seed, changed factors)."""
    record: dict[str, object] = {
        "scenario": s.settings.scenario,
        "residents": s.engine.pop.n,
        "seed": s.settings.seed,
    }
    record.update({f"factor_{k}": v for k, v in s.settings.factors.items()})
    return record


# --------------------------------------------------------------------------- survey


@solara.component
def SurveyView(live: Live, lang: str, version: solara.Reactive[int], build: solara.Reactive[int]):
    s = live.session
    _ = version.value, build.value  # a new wave can arrive with any step
    _, refresh = solara.use_state(0)

    def take():
        with live.lock:
            s.take_survey()
        refresh(lambda n: n + 1)

    def clear():
        with live.lock:
            s.clear_surveys()
        refresh(lambda n: n + 1)

    with live.lock:
        ind = s.survey_indicators()
    solara.v.Html(tag="h3", children=[t("survey_title", lang)])  # Markdown would fetch KaTeX
    solara.Text(t("survey_intro", lang))
    with solara.Row():
        solara.Button(
            t("survey_take", lang), on_click=take, color="primary", classes=["btn-survey"]
        )
        solara.Button(
            t("survey_clear", lang), on_click=clear, text=True, disabled=not s.extra_surveys
        )
    if ind.empty:
        solara.Info(t("survey_none", lang))
        return
    from sim.app.drawing import survey_figure

    fig = survey_figure(ind, lang, wave_title)
    with solara.Div(classes=["survey-result"]):
        solara.FigureMatplotlib(
            fig, format="png", dependencies=[len(ind), lang, tuple(ind["wave"].unique())]
        )
        Table(survey_table(ind, lang), "survey-table")


TABLE_STYLE = (
    "<style>.buurt-table table{border-collapse:collapse;font-size:0.9em;margin:6px 0}"
    ".buurt-table th,.buurt-table td{border-bottom:1px solid #ddd;padding:3px 10px;"
    "text-align:left}.buurt-table th{background:#f4f4f4}</style>"
)


def Table(df: pd.DataFrame, testid: str):
    """A plain table: every row at once, no pager or index column (no English chrome)."""
    html = df.to_html(index=False, border=0, escape=True)
    return solara.HTML(unsafe_innerHTML=TABLE_STYLE + html, classes=["buurt-table", testid])


def survey_table(ind: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The indicators as a field-report table: one row per indicator and wave."""
    rows = []
    for (wave, name), g in ind.groupby(["wave", "indicator"], sort=False):
        row = {
            t("wave", lang): wave_title(str(wave), lang),
            t("col_indicator", lang): t(f"ind_{name}", lang),
        }
        for _, r in g.iterrows():
            est, lo, hi = (number(r[k], lang, 1) for k in ("estimate", "ci_low", "ci_high"))
            row[t(r["respondents"], lang)] = f"{est} [{lo}–{hi}] (n={int(r['n'])})"
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- compare


def show_value(value, lang: str) -> str:
    if isinstance(value, bool):
        return t("on" if value else "off", lang)
    return f"{value:g}"


def compare_figure(cmp: Comparison, lang: str):
    """One panel per series with A and B drawn over each other: median line and 10–90 %
    band, both sides on the same axes (complete weeks only, see :func:`replicate`)."""
    from matplotlib.figure import Figure

    keys = list(BAND_SERIES)
    rows = (len(keys) + 2) // 3
    fig = Figure(figsize=(11, 2.4 * rows + 0.5), layout="constrained")
    axes = fig.subplots(rows, 3, sharex=True, squeeze=False).ravel()
    colours = {"A": "#1f77b4", "B": "#d62728"}
    for ax, key in zip(axes, keys, strict=False):
        label, scale = BAND_SERIES[key]
        bands = cmp.bands(key)
        ax.set_title(t(label, lang), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        top = 0.0
        for side in ("A", "B"):
            if side not in bands:
                continue
            b = bands[side]
            ax.fill_between(
                b["week"], b["low"] * scale, b["high"] * scale, color=colours[side], alpha=0.2, lw=0
            )
            ax.plot(b["week"], b["median"] * scale, color=colours[side], lw=1.5, label=side)
            top = max(top, float((b["high"] * scale).max()))
        ax.set_ylim(0, top * 1.1 if top > 0 else 1)
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    for ax in axes[-3:]:
        ax.set_xlabel(t("week", lang), fontsize=8)
    axes[0].legend(fontsize=8, loc="upper left")
    return fig


def compare_table(cmp: Comparison, lang: str) -> pd.DataFrame:
    table = cmp.summary_table()

    def fmt(r, p):
        values = [number(r[p + k], lang, 1) for k in ("_median", "_low", "_high")]
        return f"{values[0]} [{values[1]} – {values[2]}]"

    return pd.DataFrame(
        {
            t("outcome", lang): [t(f"sum_{k}", lang) for k in table["outcome"]],
            "A": [fmt(r, "A") for _, r in table.iterrows()],
            "B": [fmt(r, "B") for _, r in table.iterrows()],
            t("difference", lang): [fmt(r, "diff") for _, r in table.iterrows()],
        }
    )


def comparison_data(cmp: Comparison, lang: str) -> pd.DataFrame:
    """The comparison's table as numbers (for CSV): outcome, A, B and B − A with ranges."""
    table = cmp.summary_table()
    table.insert(1, "label", [t(f"sum_{k}", lang) for k in table["outcome"]])
    table.insert(2, "replications", len(cmp.seeds))
    return table


def posterior_note(files: dict, keys: dict[str, str | None], lang: str) -> str:
    """The note that sides with a posterior sample show parameter uncertainty ('' if none)."""
    found = {side: posterior_file(key, files) for side, key in keys.items()}
    found = {side: path for side, path in found.items() if path is not None}
    if not found:
        return ""
    sides = f" {t('and', lang)} ".join(found)
    names = ", ".join(sorted({path.name for path in found.values()}))
    return t("compare_posterior", lang, sides=sides, file=names)


def start_comparison(
    s: Session, files: dict, keys: dict[str, str | None], mine: bool, reps: int, days: int
) -> Comparison:
    """The comparison the page starts: sides A and B at the page's population size (B with
    the user's factors if ``mine``), posterior particles where a scenario has a sample."""
    residents, factors = s.settings.residents, s.settings.factors

    def finish_a(scn):
        return scale_population(scn, residents)

    def finish_b(scn):
        scn = scale_population(scn, residents)
        return apply_factors(scn, factors) if mine else scn

    bases = {
        side: (load_named(key, files), posterior_file(key, files)) for side, key in keys.items()
    }
    seeds = [s.settings.seed + i for i in range(reps)]
    return comparison_for(bases, {"A": finish_a, "B": finish_b}, seeds, days)


@solara.component
def Watcher(cmp: Comparison, set_progress: Callable[[int], None]):
    """Follows a running comparison and reports how many runs are done."""

    def watch():
        while not cmp.cancelled:
            done = cmp.done
            set_progress(done)
            if done >= cmp.total:
                break
            time.sleep(0.5)

    solara.lab.use_task(watch, dependencies=[], prefer_threaded=True)


@solara.component
def CompareView(live: Live, lang: str):
    s = live.session
    files = s.files
    memory = live.compare  # kept in the session, so leaving the tab loses nothing
    memory.setdefault("key_a", s.settings.scenario)
    memory.setdefault("key_b", s.settings.scenario)
    memory.setdefault("mine", True)
    memory.setdefault("reps", 5)
    memory.setdefault("days", min(s.scenario.days, 730))
    memory.setdefault("cmp", None)

    def remembered(name):
        value, set_value = solara.use_state(memory[name], key=name)  # noqa: SH104 - fixed order

        def setter(new):
            memory[name] = new
            set_value(new)

        return value, setter

    key_a, set_key_a = remembered("key_a")
    key_b, set_key_b = remembered("key_b")
    mine, set_mine = remembered("mine")
    reps, set_reps = remembered("reps")
    days, set_days = remembered("days")
    cmp, set_cmp = remembered("cmp")
    progress, set_progress = solara.use_state(cmp.done if cmp else 0)
    error, set_error = solara.use_state("")

    def start():
        try:
            new = start_comparison(s, files, {"A": key_a, "B": key_b}, mine, reps, days)
        except UserError as e:
            set_error(t("compare_failed", lang, error=e))
            return
        set_error("")
        if cmp is not None:
            cmp.cancel()
        new.start()
        set_progress(0)
        set_cmp(new)

    def stop():
        if cmp is not None:
            cmp.cancel()
            set_progress(-1)

    items = [{"text": scenario_name(k, lang), "value": k} for k in files]
    solara.Text(t("compare_intro", lang))
    with solara.Row(style={"flex-wrap": "wrap"}):
        with solara.Card(t("side_a", lang), style={"min-width": "320px"}):
            solara.v.Select(
                label=t("scenario", lang), items=items, v_model=key_a, on_v_model=set_key_a
            )
        with solara.Card(t("side_b", lang), style={"min-width": "320px"}):
            solara.v.Select(
                label=t("scenario", lang), items=items, v_model=key_b, on_v_model=set_key_b
            )
            changes = ", ".join(
                f"{factor_label(k, lang)} = {show_value(v, lang)}"
                for k, v in s.settings.factors.items()
            )
            solara.Checkbox(label=t("use_my_factors", lang), value=mine, on_value=set_mine)
            if mine and changes:
                solara.Text(changes, style={"font-size": "0.85em"})
        with solara.Card(style={"min-width": "260px"}):
            NumberField(
                t("replications", lang),
                reps,
                2,
                MAX_REPLICATIONS,
                set_reps,
                lang,
                f"2–{MAX_REPLICATIONS}",
                "replications",
            )
            NumberField(
                t("compare_days", lang),
                days,
                MIN_DAYS,
                MAX_DAYS,
                set_days,
                lang,
                f"{MIN_DAYS}–{MAX_DAYS}",
                "days",
            )
            running = cmp is not None and not cmp.finished and not cmp.cancelled
            with solara.Row():
                solara.Button(
                    t("compare_run", lang),
                    on_click=start,
                    color="primary",
                    disabled=running,
                    classes=["btn-compare"],
                )
                solara.Button(t("compare_cancel", lang), on_click=stop, disabled=not running)
    note = posterior_note(files, {"A": key_a, "B": key_b}, lang)
    if note:
        solara.Text(note, classes=["compare-posterior"], style={"font-size": "0.85em"})
    if error:
        solara.Error(error)
    if cmp is None:
        solara.Info(t("compare_none", lang))
        return
    if not cmp.cancelled and not cmp.finished:
        Watcher(cmp, set_progress)  # its thread exists only while runs are under way
    if cmp.cancelled:
        solara.Warning(t("compare_cancelled", lang))
    elif not cmp.finished:
        solara.ProgressLinear(100 * max(progress, 0) / cmp.total)
        solara.Text(
            t("compare_busy", lang, done=max(progress, 0), total=cmp.total),
            classes=["compare-status"],
        )
    else:
        errors = cmp.errors()
        if errors:
            solara.Error(t("compare_failed", lang, error=errors[0]))
            return
        solara.Success(
            t("compare_done", lang, total=cmp.total, seeds=f"{cmp.seeds[0]}–{cmp.seeds[-1]}"),
            classes=["compare-status"],
        )
    if cmp.done:
        fig = compare_figure(cmp, lang)
        with solara.Div(classes=["compare-result"]):
            with solara.Div(classes=["compare-bands"]):
                solara.FigureMatplotlib(fig, format="png", dependencies=[id(cmp), cmp.done, lang])
            solara.Text(t("median_range", lang), style={"font-size": "0.85em"})
            Table(compare_table(cmp, lang), "compare-table")
            if cmp.finished:
                Downloads(
                    lang,
                    "buurtsim-vergelijking" if lang == "nl" else "buurtsim-comparison",
                    lambda: comparison_data(cmp, lang),
                    lambda: png(compare_figure(cmp, lang), dpi=100),
                    "compare-downloads",
                )


# --------------------------------------------------------------------------- link


@solara.component
def SettingsLink(live: Live, lang: str, shared: solara.Reactive[int]):
    """A link that opens the page with these settings (relative, so it carries this
    computer's address): copy it, bookmark it, or send it to a colleague or a class."""
    _ = shared.value  # follows every change of scenario, size, seed, factor or language
    query = settings_query(live.session.settings, lang)
    solara.v.Html(
        tag="a",
        attributes={"href": f"?{query}", "title": t("settings_link_help", lang)},
        children=[t("settings_link", lang)],
        class_="settings-link",
        style_="white-space: nowrap; margin-right: 12px",
    )


# --------------------------------------------------------------------------- about


@solara.component
def AboutView(lang: str):
    """What the model is, what a step means, what the size does, where to read more."""
    with solara.Div(classes=["about"], style={"max-width": "60em"}):
        solara.v.Html(tag="h3", children=[t("about_title", lang)])
        for key in ("about_what", "about_step", "about_size", "about_more"):
            solara.v.Html(tag="p", children=[t(key, lang)])


# --------------------------------------------------------------------------- the page


def warm_up() -> None:
    """Build, step, survey and draw one small model before the first visitor comes.

    The first model built in a process loads the numba machine code and runs the lazy
    imports of model, survey and drawing. When two browser sessions did that at the same
    moment in their own threads, both could wait for each other for ever (one holding the
    import lock, the other numba's compiler lock): their pages stayed on the loading screen
    while the server sat idle — the load test's hang. After this, nothing is loaded for the
    first time inside a session's thread.
    """
    s = Session(Settings(residents=200, seed=0))
    s.step(8)
    s.weekly()
    s.take_survey()
    s.survey_indicators()
    for lang in LANGUAGES:
        map_option(map_base(s.engine.pop, lang), s.engine, lang)
        chart_options(s.weekly(), lang, 10, expected_tops(s.engine))
        resident_state(s.engine, 0, lang)
        charts = ChartsFigure(lang, 10, tops=expected_tops(s.engine))
        charts.update(s.weekly())
        charts.png_image()
    import sim.app.interactive  # noqa: F401 - the chart widget's class, before any session


class SessionSlots:
    """Open pages against the limit ``BUURTSIM_APP_MAX_SESSIONS`` (``buurtsim app
    --max-sessions``): one more page is told the class is full instead of slowing everyone."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = 0

    @staticmethod
    def limit() -> int | None:
        raw = os.environ.get("BUURTSIM_APP_MAX_SESSIONS", "")
        return int(raw) if raw.isdigit() and int(raw) > 0 else None

    def take(self) -> bool:
        with self.lock:
            limit = self.limit()
            if limit is not None and self.open >= limit:
                return False
            self.open += 1
            return True

    def give_back(self) -> None:
        with self.lock:
            self.open = max(0, self.open - 1)


SLOTS = SessionSlots()

#: below this width (px) the sidebar is a drawer over the page (Vuetify's mobile breakpoint
#: in Solara's AppLayout): there it starts closed, so a portrait tablet sees the map
NARROW_PX = 960


class ViewportProbe(ipyvuetify.VuetifyTemplate):
    """Tells the server the browser window's width once the page is shown."""

    template = traitlets.Unicode(
        "<template><span></span></template>"
        "<script>module.exports = {mounted() { this.report(window.innerWidth); }};</script>"
    ).tag(sync=True)
    on_width = traitlets.Callable(None, allow_none=True)

    def vue_report(self, width):
        if self.on_width is not None:
            self.on_width(int(width))


@solara.component
def Layout(children=[]):  # noqa: B006 - Solara's layout signature
    """Solara's app layout, with the sidebar closed at first on a narrow (portrait) screen."""
    width, set_width = solara.use_state(None)
    content = solara.Div(children=[ViewportProbe.element(on_width=set_width), *children])
    narrow = width is not None and width < NARROW_PX
    return solara.AppLayout(children=[content], sidebar_open=not narrow)


@solara.component
def Page():
    """One browser tab: the model page, or a 'full' message when the limit is reached."""
    admitted = solara.use_memo(SLOTS.take, [])
    solara.use_effect(lambda: SLOTS.give_back if admitted else None, [])
    if not admitted:
        solara.Title(t("app_title", "nl"))
        with solara.Div(classes=["server-full"], style={"padding": "2em", "max-width": "40em"}):
            for lang in LANGUAGES:
                solara.Warning(t("server_full", lang, limit=SLOTS.limit()))
        return
    ModelPage()


@solara.component
def ModelPage():
    router = solara.use_router()
    linked = solara.use_memo(
        lambda: settings_from_query(router.search, scenario_files(), LANGUAGES), []
    )
    settings, linked_lang, link_problems = linked
    live = solara.use_memo(lambda: Live(settings), [])
    lang = solara.use_reactive(linked_lang or LANGUAGES[0])
    shared = solara.use_reactive(0)  # bumps when the settings a link records change
    version = solara.use_reactive(0)
    build = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    finished = solara.use_reactive(False)
    speed = solara.use_reactive(5)
    tab = solara.use_reactive(0)

    def make_on_rebuilt():
        def on_rebuilt():
            finished.value = live.session.finished
            build.value = live.build
            version.value += 1
            shared.value += 1

        return on_rebuilt

    # one function for the page's lifetime, so a step does not re-render the sidebar
    on_rebuilt = solara.use_memo(make_on_rebuilt, [])

    solara.Title(t("app_title", lang.value))
    with solara.AppBar():
        solara.AppBarTitle(t("app_title", lang.value))
    with solara.Sidebar():
        ScenarioCard(live, lang.value, build, on_rebuilt)
        TimeCard(live, lang.value, playing, speed, version, build, finished, on_rebuilt)
        FactorsCard(live, lang.value, version, build, on_rebuilt, shared)

    if link_problems:
        solara.Warning(
            t("link_problems", lang.value, problems="; ".join(link_problems)),
            classes=["link-problems"],
        )
    with solara.Row(style={"align-items": "center", "margin-bottom": "8px"}):
        solara.Text(t("intro", lang.value), style={"flex": "1"})
        SettingsLink(live, lang.value, shared)
        with solara.Div(classes=["lang-switch"]):
            solara.Text(t("language", lang.value) + ": ")
            solara.ToggleButtonsSingle(value=lang, values=list(LANGUAGES), dense=True)
    with solara.lab.Tabs(value=tab, on_value=tab.set):
        with solara.lab.Tab(t("tab_model", lang.value), classes=["tab-model"]):
            if tab.value == 0:
                ModelView(live, lang.value, version, build)
        with solara.lab.Tab(t("tab_survey", lang.value), classes=["tab-survey"]):
            if tab.value == 1:
                SurveyView(live, lang.value, version, build)
        with solara.lab.Tab(t("tab_compare", lang.value), classes=["tab-compare"]):
            if tab.value == 2:
                CompareView(live, lang.value)
        with solara.lab.Tab(t("tab_about", lang.value), classes=["tab-about"]):
            if tab.value == 3:
                AboutView(lang.value)


__all__ = ["Layout", "Page", "Live", "replace"]
