"""buurtsim: an agent-based simulation of Dutch digital neighbourhood watch."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("buurtsim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
