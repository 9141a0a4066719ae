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
import threading
import time
import urllib.request
import warnings

from sim.errors import UserError

APP_MODULE = "sim.app.page"

# Settings that keep the server offline and quiet; read by solara's pydantic settings.
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_THEME_SHOW_BANNER": "False",
    "SOLARA_THEME_TITLE": "buurtsim",
    "SOLARA_THEME_LOADER": "buurtsim",  # sim/templates/loader-buurtsim.*: Dutch and English
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
        "0.0.0.0 makes the page reachable from the network, e.g. a classroom: the network "
        "address is printed with a warning)",
    )
    p.add_argument(
        "--diagnostics",
        action="store_true",
        help="also serve Solara's diagnostics page /resourcez (sessions, threads, memory)",
    )
    add_classroom_arguments(p)
    p.set_defaults(handler=handle)


# --------------------------------------------------------------------------- classroom serving

DEFAULT_MAX_SESSIONS = 30
ANY_ADDRESS = ("0.0.0.0", "::", "")


def add_classroom_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--max-sessions",
        type=int,
        default=DEFAULT_MAX_SESSIONS,
        help=f"open pages served at once (default {DEFAULT_MAX_SESSIONS}); one more sees a "
        "'full' message and can try again once someone closes a tab",
    )
    p.add_argument(
        "--compare-workers",
        type=int,
        default=None,
        help="worker processes for the compare tab, shared fairly between pages "
        "(default: all cores but one)",
    )


def classroom_env(args: argparse.Namespace) -> dict[str, str]:
    """The page's limits, passed to the Solara process through the environment."""
    if args.max_sessions < 1:
        raise UserError(f"argument --max-sessions: must be at least 1, got {args.max_sessions}")
    env = {"BUURTSIM_APP_MAX_SESSIONS": str(args.max_sessions)}
    if args.compare_workers is not None:
        if args.compare_workers < 1:
            raise UserError(
                f"argument --compare-workers: must be at least 1, got {args.compare_workers}"
            )
        env["BUURTSIM_APP_WORKERS"] = str(args.compare_workers)
    return env


def lan_address() -> str | None:
    """This computer's address on the local network (None when it has none).

    Connecting a UDP socket sends nothing; it only asks the system which interface it
    would use for an outside address."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, no packet leaves
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def public_urls(host: str, port: int) -> list[str]:
    """The addresses to open: this computer's, and the network's when serving everyone."""
    if host in ANY_ADDRESS:
        urls = [f"http://127.0.0.1:{port}"]
        lan = lan_address()
        if lan:
            urls.append(f"http://{lan}:{port}")
        return urls
    return [f"http://{host}:{port}"]


def announce_when_ready(host: str, port: int, timeout: float = 300) -> threading.Thread:
    """Print the address once the server answers (not before): a thread that polls it."""
    probe = "127.0.0.1" if host in ANY_ADDRESS else host
    urls = public_urls(host, port)

    def wait_and_print():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://{probe}:{port}/", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            return
        print(f"buurtsim app: ready, open {urls[-1]} in a browser (Ctrl-C stops)", flush=True)
        if host in ANY_ADDRESS:
            print(
                "buurtsim app: WARNING: anyone on this network can open the page and run the "
                "model on this computer; stop the server (Ctrl-C) after the class.",
                flush=True,
            )

    thread = threading.Thread(target=wait_and_print, daemon=True, name="announce")
    thread.start()
    return thread


def check_address(host: str, port: int) -> None:
    """Raise :class:`UserError` when ``port`` is out of range or ``host:port`` is taken."""
    if not 1 <= port <= 65535:
        raise UserError(f"argument --port: must be between 1 and 65535, got {port}")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            # like the server itself: a port left in TIME_WAIT by a stopped server is free
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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
    os.environ.update(classroom_env(args))
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
    from sim.app.page import warm_up

    warm_up()  # load model, numba code and drawing once, before any session's thread does

    announce_when_ready(args.host, args.port)
    with contextlib.suppress(KeyboardInterrupt):
        cli(solara_argv(args.host, args.port), standalone_mode=False)
    return 0
