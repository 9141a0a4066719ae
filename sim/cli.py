"""The ``buurtsim`` command: ``run``, ``validate``, ``sweep``, ``study``, ``sensitivity``,
``compare``, ``factors-table``, ``calibrate``, ``app``, ``bench``.

Each command lives in ``sim/commands/<name>.py`` with ``register(subparsers)``; heavy imports
happen inside the handler, so ``buurtsim --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sim import __version__
from sim.errors import UserError

COMMAND_MODULES = (
    "run",
    "validate",
    "sweep",
    "study",
    "sensitivity",
    "compare",
    "factors-table",
    "calibrate",
    "app",
    "bench",
)


#: Optional dependencies and the extra that installs them (``pip install "buurtsim[EXTRA]"``).
EXTRA_OF_MODULE = {
    "solara": "app",
    "ipyvue": "app",
    "ipyvuetify": "app",
    "dask": "sweep",
    "distributed": "sweep",
    "SALib": "sweep",
    "pyabc": "calibrate",
    "psutil": "bench",
    "linearmodels": "study",
    "statsmodels": "study",
    "ema_workbench": "ema",
}


def missing_extra_message(command: str, error: ModuleNotFoundError) -> str | None:
    """The message for a command whose optional dependency is not installed, or ``None``."""
    top = (error.name or "").split(".")[0]
    extra = EXTRA_OF_MODULE.get(top)
    if extra is None:
        return None
    if extra == "sweep" and command in ("calibrate", "study"):
        extra = command
    return (
        f"buurtsim {command} needs the optional dependencies '{extra}' (module {top!r} is "
        f'not installed); install them with: pip install "buurtsim[{extra}]" '
        f'(or uv pip install "buurtsim[{extra}]")'
    )


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag exits with 2 and one clear line (no usage dump of every flag)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="buurtsim", description="Simulate digital neighbourhood watch.")
    parser.add_argument("--version", action="version", version=f"buurtsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"sim.commands.{name.replace('-', '_')}")
        except ModuleNotFoundError as e:
            if e.name == f"sim.commands.{name.replace('-', '_')}":
                continue  # command not built in this checkout
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except UserError as e:
        print(f"buurtsim {args.command}: error: {e}", file=sys.stderr)
        return e.exit_code
    except ModuleNotFoundError as e:
        message = missing_extra_message(args.command, e)
        if message is None:
            raise
        print(f"buurtsim {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"buurtsim {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
