"""The interactive model in the browser (``buurtsim app``), built with Solara.

Modules: :mod:`sim.app.messages` (the nl/en message catalogue), :mod:`sim.app.session`
(one browser session's model and history, no Solara), :mod:`sim.app.drawing` (map and
charts from arrays), :mod:`sim.app.compare` (replications in the background) and
:mod:`sim.app.page` (the Solara components). Only :mod:`sim.app.page` imports Solara.
"""
