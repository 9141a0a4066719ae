"""``buurtsim app``: serve the interactive model on localhost, offline.

The page is a Solara app (:mod:`sim.app.page`). Solara runs in this process with the
browser left closed, no version check and no telemetry, and with the front-end files shipped
in ``solara-assets`` so the page works without internet.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import warnings

from sim.errors import UserError

APP_MODULE = "sim.app.page"

# Settings that keep the server offline and quiet; read by solara's pydantic settings.
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_THEME_SHOW_BANNER": "False",
    "SOLARA_THEME_TITLE": "buurtsim",
    "SOLARA_KERNEL_CULL_TIMEOUT": "10m",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "app",
        help="serve the interactive model in the browser (offline, localhost)",
        description="Serve the interactive model as a web page. Open the printed address in a "
        "browser; stop with Ctrl-C. No internet connection is needed.",
    )
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only; "
        "0.0.0.0 makes the page reachable from the network, e.g. a classroom)",
    )
    p.add_argument(
        "--diagnostics",
        action="store_true",
        help="also serve Solara's diagnostics page /resourcez (sessions, threads, memory)",
    )
    p.set_defaults(handler=handle)


def check_address(host: str, port: int) -> None:
    """Raise :class:`UserError` when ``port`` is out of range or ``host:port`` is taken."""
    if not 1 <= port <= 65535:
        raise UserError(f"argument --port: must be between 1 and 65535, got {port}")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, port))
    except socket.gaierror:
        raise UserError(
            f"argument --host: unknown address {host!r} (use e.g. 127.0.0.1 or 0.0.0.0)"
        ) from None
    except OSError as e:
        raise UserError(
            f"argument --port: cannot listen on {host}:{port} ({e.strerror}); "
            f"choose another port with --port"
        ) from None


def solara_argv(host: str, port: int) -> list[str]:
    """The ``solara run`` arguments that serve the page offline."""
    return [
        "run",
        APP_MODULE,
        "--host",
        host,
        "--port",
        str(port),
        "--no-open",
        "--no-check-version",
        "--production",
        "--log-level",
        "warning",
    ]


def handle(args: argparse.Namespace) -> int:
    check_address(args.host, args.port)
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    # Solara warns on every page load over http://127.0.0.1 that it falls back to a
    # samesite=lax cookie; that is the right cookie for a local app, so keep the log clean.
    warnings.filterwarnings(
        "ignore", message="Cookies with samesite=none require https", category=UserWarning
    )
    from solara.__main__ import cli  # heavy import, only when serving

    from sim.app_server import lock_down

    lock_down(diagnostics=args.diagnostics)

    print(
        f"buurtsim app: open http://{args.host}:{args.port} in a browser (Ctrl-C stops)", flush=True
    )
    with contextlib.suppress(KeyboardInterrupt):
        cli(solara_argv(args.host, args.port), standalone_mode=False)
    return 0
