"""Output folders: buurtsim replaces only what it wrote itself.

Every command that writes a folder (``run``, ``sweep``, ``calibrate``) asks
:func:`check_out` first. A folder that does not exist, is empty or holds a result of the same
kind may be written; a result of another kind needs ``--overwrite``; a file, the current folder
(or one that contains it), the home folder, and any folder holding files buurtsim did not write
are never replaced, whatever the flags.

>>> safe_name("../../x")
'x'
>>> safe_name("Rotterdam: noord/zuid")
'Rotterdam_noord_zuid'
>>> safe_name("CON")
'CON_'
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from sim.errors import UserError

#: What each kind of result folder may hold (top-level names) and the file that marks it
#: (a regular expression).
KINDS: dict[str, tuple[str, frozenset[str]]] = {
    "run": (
        r"metadata\.json",
        frozenset(
            {
                "metadata.json",
                "daily.parquet",
                "weekly.parquet",
                "groups.parquet",
                "survey.parquet",
                "indicators.parquet",
                "gaps.parquet",
                "key_series.png",
                # opt-in event logs (sim.logs)
                "group_weeks.parquet",
                "incidents.parquet",
                "panel.parquet",
                "panel_events.parquet",
            }
        ),
    ),
    "sweep": (
        r"manifest\.json",
        frozenset({"manifest.json", "design.parquet", "runs", "weekly", "survey", "compare"}),
    ),
    "analysis": (
        r"report\.md",
        frozenset({"report.md", "effects.csv", "effects.png", "indices.csv", "indices.png"}),
    ),
    "calibration": (
        r"abc(-run\d+)?\.db|results",
        frozenset({"abc.db", "abc.db-journal", "abc.db-wal", "abc.db-shm", "results"}),
    ),
    "calibration results": (
        r"calibration\.json",
        frozenset(
            {
                "calibration.json",
                "posterior.parquet",
                "posterior_summary.csv",
                "posterior_overrides.parquet",
                "calibrated_scenarios",
                "generations.csv",
                "predictive.csv",
                "predictive_draws.parquet",
                "gaps.parquet",
                "selection_vs_exposure.csv",
                "target_conflicts.csv",
                "runs_compared.csv",
                "point_check.csv",
                "point_rules.csv",
                "point_screening.csv",
                "point_validation.csv",
                "report.md",
                "figures",
            }
        ),
    ),
}

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{d}{i}" for d in ("COM", "LPT") for i in "123456789"
}


def safe_name(name: str, fallback: str = "unnamed") -> str:
    """A file-name-safe version of ``name`` (letters, digits, ``._-``) on every system."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", name.strip()).strip("._ ")[:100] or fallback
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text += "_"
    return text


def _allowed(kind: str, name: str) -> bool:
    if kind == "sweep" and name.startswith(("sensitivity-", ".tmp-")):
        return True
    if kind == "calibration" and re.fullmatch(r"abc-run\d+\.db(-journal|-wal|-shm)?", name):
        return True
    return name in KINDS[kind][1]


def output_kind(path: Path) -> str | None:
    """The kind of buurtsim result at folder ``path``, or ``None`` if it is not one (or also
    holds anything buurtsim did not write)."""
    try:
        names = [p.name for p in path.iterdir()]
    except OSError:
        return None
    for kind, (marker, _) in KINDS.items():
        if any(re.fullmatch(marker, n) for n in names) and all(_allowed(kind, n) for n in names):
            if kind == "run" and not _is_run_metadata(path / "metadata.json"):
                continue
            return kind
    return None


def _is_run_metadata(file: Path) -> bool:
    try:
        meta = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and "scenario_hash" in meta and "seed" in meta


def _protected(path: Path) -> str | None:
    """Why ``path`` may never be an output folder, or ``None``."""
    target = path.resolve()
    cwd = Path.cwd().resolve()
    if target == cwd or target in cwd.parents:
        return "is the current folder or contains it"
    if target == Path.home().resolve() or target == Path(target.anchor):
        return "is the home or the root folder"
    return None


def check_out(path: str | Path, kind: str, *, overwrite: bool = False, flag: str = "--out") -> None:
    """Raise :class:`UserError` unless ``path`` may receive a ``kind`` result.

    Allowed: a path that does not exist yet (its parent folder must exist), an empty folder,
    a result of the same kind; with ``overwrite`` also a result of another kind.
    """
    path = Path(path)
    where = f"{flag} {path}"
    why = _protected(path)
    if why:
        raise UserError(f"{where}: {why}; buurtsim never writes its results there")
    if not path.exists() and not path.is_symlink():
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise UserError(f"{where}: the parent folder {parent} does not exist")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise UserError(f"{where}: cannot write into {parent} (permission denied)")
        return
    if path.is_symlink() or not path.is_dir():
        raise UserError(f"{where}: exists and is not a folder; choose another {flag}")
    try:
        empty = not any(path.iterdir())
    except OSError as e:
        raise UserError(f"{where}: cannot read the folder ({e.strerror})") from None
    if empty:
        return
    found = output_kind(path)
    if found == kind:
        return
    if found is None:
        raise UserError(
            f"{where}: folder holds files buurtsim did not write (it is not a {kind} "
            f"result); buurtsim never replaces it, even with --overwrite; choose another {flag}"
        )
    if not overwrite:
        raise UserError(
            f"{where}: holds a buurtsim {found} result, not a {kind} result; add --overwrite "
            f"to replace it, or choose another {flag}"
        )


def make_ordinary(path: Path, *, folder: bool = False) -> None:
    """Give a file or folder made by :mod:`tempfile` (private) the usual permissions."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, (0o777 if folder else 0o666) & ~umask)


def write_error(path: Path, e: OSError) -> UserError:
    """A clear message for a failed write (full disk, read-only folder, ...)."""
    reason = e.strerror or str(e)
    return UserError(f"--out {path}: cannot write the results ({reason}); nothing was written")
