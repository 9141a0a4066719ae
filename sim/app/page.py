"""Placeholder page (replaced by the full page once the engine lands)."""

import solara

clicks = solara.reactive(0)


@solara.component
def Page():
    solara.Title("buurtsim")
    solara.Markdown("# buurtsim")
    solara.Button(f"Stap ({clicks.value})", on_click=lambda: clicks.set(clicks.value + 1))
