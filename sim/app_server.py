"""Server side of ``buurtsim app``: Solara locked down to this computer's files.

Solara's CDN proxy (``/_solara/cdn/...``) fetches unknown front-end files from the internet and,
for a path that names a folder of its cache, deletes that folder (the front-end files of the
offline page). :func:`lock_down` replaces it, in this process, by a reader of the files already
on disk: nothing is fetched, nothing is deleted, anything else is a 404. Solara's diagnostics
page (``/resourcez``: sessions, threads, memory) answers only when asked for.

A busy page is not a dead page: Solara reads a session's websocket only between two of that
session's messages, and uvicorn stops reading the socket meanwhile, so the browser's answer to
the keep-alive ping waits behind a long first render (40 s and more with a class on two cores).
With uvicorn's default 20 s pong timeout the server then closed the connection, the messages
sent during the gap were lost and the page failed with "widget model not found" (the load test's
failure). :data:`PONG_TIMEOUT_S` gives a slow page minutes, and a dead one is still noticed.
"""

from __future__ import annotations

import os
from pathlib import Path

PING_INTERVAL_S = 20.0  # uvicorn's default: keeps idle connections open through proxies
PONG_TIMEOUT_S = 300.0  # a page busy this long is taken as gone (its slot is freed later)


class OfflineError(FileNotFoundError):
    """A front-end file that is not on this computer (the app never downloads)."""


def local_cdn_path(base_cache_dir: Path, path: str) -> Path:
    """Where the front-end file ``path`` is on disk; :class:`OfflineError` if it is not a file
    there (a folder, a missing file, or a path leading outside the cache)."""
    parts = path.replace("\\", "/").split("/")
    store = Path(path) / "__main.js" if len(parts) == 1 else Path(path)
    base = Path(os.path.normpath(base_cache_dir))
    full = Path(os.path.normpath(base / store))
    if base not in full.parents or not full.is_file():
        raise OfflineError(f"not available offline: {path}")
    return full


def no_download(url: str) -> bytes:
    """Stands in for Solara's CDN download: the app is offline."""
    raise OfflineError(f"buurtsim app works offline and does not download {url}")


def lock_down(*, diagnostics: bool = False) -> None:
    """Patch Solara's server in this process; call before ``solara run`` starts it.

    The CDN helper is patched at once (Solara's server module imports ``get_path`` from it by
    name when uvicorn loads the app); the websocket keep-alive is relaxed and the diagnostics
    route removed when uvicorn loads the app, so Solara sets itself up exactly as it would alone.
    """
    import solara.server.cdn_helper as cdn_helper
    import uvicorn

    cdn_helper.get_path = local_cdn_path
    cdn_helper.fetch_from_cdn = no_download
    original_load = uvicorn.Config.load

    def load(config: uvicorn.Config) -> None:
        config.ws_ping_interval = PING_INTERVAL_S
        config.ws_ping_timeout = PONG_TIMEOUT_S
        original_load(config)
        import solara.server.starlette as solara_starlette

        solara_starlette.get_path = local_cdn_path  # in case it was imported before
        if not diagnostics:
            _remove_diagnostics(solara_starlette.app)

    uvicorn.Config.load = load


def _remove_diagnostics(app) -> None:
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def not_found(request):
        return PlainTextResponse(
            "Not found (the diagnostics page is off; start with 'buurtsim app --diagnostics')",
            status_code=404,
        )

    routes = app.router.routes
    for i, route in enumerate(routes):
        if getattr(route, "path", None) == "/resourcez":
            routes[i] = Route("/resourcez", endpoint=not_found)
