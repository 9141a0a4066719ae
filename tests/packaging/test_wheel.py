"""The wheel works outside the repository: `uv build`, a fresh venv with the core
dependencies only (versions from uv.lock), then `buurtsim run baseline --out x` in an empty
folder. Takes about a minute (install from the uv cache, numba compiles on the first run)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = os.environ.get("UV") or shutil.which("uv")

pytestmark = pytest.mark.skipif(UV is None, reason="needs uv")


def sh(*args, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    return proc


def ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv outside the repository with the freshly built wheel and the core only."""
    tmp = tmp_path_factory.mktemp("wheel")
    ok(sh(UV, "build", "--wheel", "-q", "-o", tmp / "dist", cwd=ROOT))
    (wheel,) = (tmp / "dist").glob("buurtsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "sim/_data/scenarios/baseline.toml",
        "sim/_data/scenarios/experiments/selection_vs_exposure.toml",
        "sim/_data/scenarios/calibrated_posterior.parquet",
        "sim/_data/calibration/targets.toml",
        "sim/_data/calibration/priors.toml",
        "sim/_data/calibration/structures.toml",
    ):
        assert shipped in names, shipped
    req = tmp / "core.txt"
    ok(
        sh(
            UV,
            "export",
            "--frozen",
            "--no-dev",
            "--no-hashes",
            "--no-emit-project",
            "-q",
            "-o",
            req,
            cwd=ROOT,
        )
    )
    venv = tmp / "venv"
    ok(sh(UV, "venv", "-q", "-p", sys._base_executable, venv, cwd=tmp))
    python = venv / "bin" / "python"
    ok(sh(UV, "pip", "install", "-q", "--python", python, "-r", req, wheel, cwd=tmp))
    return venv


def test_run_baseline_outside_the_repository(installed, tmp_path):
    buurtsim = installed / "bin" / "buurtsim"
    assert ok(sh(buurtsim, "--version", cwd=tmp_path)).startswith("buurtsim ")
    out = ok(sh(buurtsim, "run", "baseline", "--out", "x", cwd=tmp_path))
    assert "members feeling unsafe" in out
    meta = json.loads((tmp_path / "x" / "metadata.json").read_text())
    assert meta["scenario_name"] == "baseline"
    assert {"daily.parquet", "survey.parquet", "key_series.png"} <= {
        p.name for p in (tmp_path / "x").iterdir()
    }
    assert ok(sh(buurtsim, "validate", "baseline", "selection_vs_exposure", cwd=tmp_path))


def test_the_core_install_is_lean_and_names_the_missing_extra(installed, tmp_path):
    python = installed / "bin" / "python"
    for module in ("solara", "dask", "pyabc", "pytest"):
        probe = sh(python, "-c", f"import {module}", cwd=tmp_path)
        assert probe.returncode != 0, f"{module} is installed with the core"
    proc = sh(installed / "bin" / "buurtsim", "app", cwd=tmp_path)
    assert proc.returncode == 2
    assert 'pip install "buurtsim[app]"' in proc.stderr and "Traceback" not in proc.stderr
