"""Output folders and files have names Windows accepts: no ``<>:"/\\|?*``, no trailing dot or
space, no reserved device name (a scenario called "Oefening 1: de Vogelbuurt" must not give a
folder with a colon)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim import shipped
from sim.cli import main
from sim.outdir import safe_name
from sim.scenario import load_scenario
from sim.shipped import SCENARIO_DIR
from sim.tomlfile import read_toml

RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10)}


def windows_problem(name: str) -> str | None:
    """Why Windows would refuse ``name`` as a file or folder name (None if it accepts it)."""
    if bad := sorted(set(re.findall(r'[<>:"/\\|?*\x00-\x1f]', name))):
        return f"characters {bad}"
    if name.endswith((".", " ")):
        return "ends in a dot or space"
    if name.split(".")[0].upper() in RESERVED:
        return "reserved device name"
    return None


def test_the_check_knows_windows() -> None:
    assert windows_problem("Oefening 1: de Vogelbuurt-seed1") == "characters [':']"
    assert windows_problem("study-x.") == "ends in a dot or space"
    assert windows_problem("nul.csv") == "reserved device name"
    assert windows_problem("Oefening_1_de_Vogelbuurt-seed1") is None


def test_default_names_of_every_shipped_file_are_windows_safe() -> None:
    """The default output folder of each shipped scenario (run), experiment (sweep) and study."""
    scenarios = [load_scenario(shipped.resolve(n)).name for n in shipped.names()]
    names = [f"{safe_name(n)}-seed1" for n in scenarios]
    names += [
        safe_name(read_toml(shipped.resolve(n, "experiment"))["name"])
        for n in shipped.names("experiment")
    ]
    studies = sorted((SCENARIO_DIR / "studies").glob("*.toml"))
    names += [f"study-{safe_name(read_toml(p)['name'])}" for p in studies]
    assert studies and len(names) > len(scenarios) + len(studies)
    problems = {n: windows_problem(n) for n in names if windows_problem(n)}
    assert not problems, problems
    assert any(":" in n for n in scenarios), "no shipped name has a colon: the example is gone"


def test_run_of_a_scenario_named_with_a_colon_writes_windows_safe_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``buurtsim run`` with its default folder, for a scenario named like the teaching
    presets ("Oefening 1: …"), a few days long."""
    scenario = tmp_path / "les.toml"
    base = (SCENARIO_DIR / "teaching" / "oefening1_buurt.toml").as_posix()
    scenario.write_text(
        f'extends = "{base}"\nname = "Oefening 1: de Vogelbuurt / noord?"\n'
        "days = 5\nburn_in_days = 0\n[survey]\nwaves = []\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(scenario), "--no-plot"]) == 0
    written = [p.relative_to(tmp_path / "results") for p in (tmp_path / "results").rglob("*")]
    assert written[0].parts[0] == "Oefening_1_de_Vogelbuurt_noord-seed1", written
    problems = {
        str(p): windows_problem(part) for p in written for part in p.parts if windows_problem(part)
    }
    assert not problems, problems
