"""Files shipped with buurtsim: scenarios, experiments, calibration targets, priors, results.

In a checkout they are the folders ``scenarios/`` and ``calibration/`` at the top of the
repository; in an installed wheel the same folders live inside the package, under
``sim/_data/`` (``pyproject.toml`` maps them there). Short names resolve to them from any
folder: ``buurtsim run baseline`` is ``scenarios/baseline.toml``.

>>> resolve("baseline").name
'baseline.toml'
>>> resolve("selection_vs_exposure", "experiment").parent.name
'experiments'
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from sim.errors import UserError


def _root() -> Path:
    package = Path(str(files("sim")))
    inside = package / "_data"
    return inside if (inside / "scenarios").is_dir() else package.parent


#: The folder holding ``scenarios/`` and ``calibration/`` (repository root or ``sim/_data``).
DATA_ROOT = _root()
SCENARIO_DIR = DATA_ROOT / "scenarios"
EXPERIMENT_DIR = SCENARIO_DIR / "experiments"
CALIBRATION_DIR = DATA_ROOT / "calibration"

_FOLDERS = {"scenario": SCENARIO_DIR, "experiment": EXPERIMENT_DIR}


def names(kind: str = "scenario") -> list[str]:
    """Short names of the shipped files of ``kind`` (``scenario`` or ``experiment``)."""
    folder = _FOLDERS[kind]
    found = folder.rglob("*.toml") if kind == "scenario" else folder.glob("*.toml")
    return sorted(
        p.relative_to(folder).with_suffix("").as_posix()
        for p in found
        if kind != "scenario" or p.parent.name not in ("experiments", "studies")
    )


def find(name: str | Path, kind: str = "scenario") -> Path | None:
    """The file ``name`` means: a path as given, else a shipped file (``baseline``,
    ``baseline.toml``, ``city/rotterdam`` or ``scenarios/baseline.toml``), else ``None``."""
    p = Path(name)
    if p.exists():
        return p
    if p.is_absolute():
        return None
    folder = _FOLDERS[kind]
    for candidate in (folder / p, folder / f"{p}.toml", DATA_ROOT / p):
        if candidate.is_file():
            return candidate
    return None


def resolve(name: str | Path, kind: str = "scenario") -> Path:
    """Like :func:`find`, but a name that is nothing raises :class:`UserError` listing the
    shipped names."""
    found = find(name, kind)
    if found is None:
        shipped = names(kind)
        listed = ", ".join(shipped[:12]) + (", ..." if len(shipped) > 12 else "")
        raise UserError(
            f"{name}: file not found, and no shipped {kind} has that name; "
            f"shipped {kind}s: {listed}"
        )
    return found
