"""`buurtsim run` and `buurtsim validate`: outputs, summary, and clear errors on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

BASE = Path("scenarios/baseline.toml").resolve()


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


SMALL = (
    f'extends = "{BASE}"\ndays = 60\nburn_in_days = 20\n'
    'survey = {{ waves = [{{ label = "pre", day = 30 }}] }}\n'
)


def test_run_writes_all_outputs(tmp_path, capsys):
    scn = write(tmp_path, "small.toml", SMALL.format())
    out = tmp_path / "out"
    assert main(["run", str(scn), "--seed", "4", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "daily.parquet",
        "weekly.parquet",
        "groups.parquet",
        "survey.parquet",
        "indicators.parquet",
        "metadata.json",
        "key_series.png",
    } <= names
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["seed"] == 4 and len(meta["scenario_hash"]) == 64 and meta["version"]
    assert len(pd.read_parquet(out / "daily.parquet")) == 60
    assert set(pd.read_parquet(out / "survey.parquet")["wave"]) == {"pre"}
    printed = capsys.readouterr().out
    assert "members feeling unsafe" in printed and "survey 'pre'" in printed
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_run_failure_leaves_no_partial_output(tmp_path, monkeypatch):
    import sim.outputs

    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sim.outputs, "plot_key_series", broken)
    scn = write(tmp_path, "small.toml", SMALL.format())
    with pytest.raises(RuntimeError):
        main(["run", str(scn), "--out", str(tmp_path / "out")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.toml"]


BAD = {  # file content → words the message must contain
    "typo_key": ("[factors]\npolice_fedback = 0.5\n", ["factors.police_fedback", "unknown key"]),
    "out_of_range": ("[factors]\npolice_feedback = 1.5\n", ["factors.police_feedback", "≤ 1"]),
    "negative_days": ("days = -5\n", ["'days'", "≥ 1"]),
    "wrong_type": (
        '[population]\nhouseholds_per_street = "many"\n',
        ["population.households_per_street", "whole number"],
    ),
    "bad_literal": (
        '[[areas]]\nname = "A"\nkind = "private"\n',
        ["areas.0.kind", "'independent' or 'municipal'"],
    ),
    "bad_syntax": ("[factors\nsigns = true\n", ["bad TOML syntax"]),
    "missing_extends": ('extends = "nowhere.toml"\n', ["extends", "does not exist"]),
    "extends_not_string": ("extends = 3\n", ["extends", "file name"]),
    "survey_too_large": (
        '[survey]\nwaves = [{label = "w", day = 1}]\nparticipants = 90000\n',
        ["survey", "households"],
    ),
    "trait_sd": ("[population.worry]\nmean = 0.1\nsd = 0.4\n", ["population.worry", "sd"]),
    "burn_in": ("days = 100\nburn_in_days = 100\n", ["burn_in_days", "smaller than days"]),
    "wave_late": (
        'days = 100\nburn_in_days = 10\n[survey]\nwaves = [{label = "w", day = 100}]\n',
        ["wave 'w'", "past the last day"],
    ),
    "unknown_area": (
        '[[interventions]]\nday = 3\nareas = ["Nergens"]\nset = {signs = true}\n',
        ["interventions[0].areas", "Nergens", "allowed"],
    ),
    "duplicate_area": ('[[areas]]\nname = "A"\n[[areas]]\nname = "A"\n', ["unique", "A"]),
    "bad_factor_in_intervention": (
        "[[interventions]]\nday = 3\nset = {sings = true}\n",
        ["interventions.0.set.sings", "unknown key"],
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_scenario_gets_clear_message_exit_2_no_output(tmp_path, capsys, name):
    text, words = BAD[name]
    if "extends" not in text:
        text = f'extends = "{BASE}"\n' + text
    path = write(tmp_path, f"{name}.toml", text)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    for w in words:
        assert w in err, (w, err)
    assert "Traceback" not in err
    assert not out.exists()


def test_extends_cycle_is_reported(tmp_path, capsys):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    assert main(["validate", str(tmp_path / "a.toml")]) == 2
    assert "cycle of extends: a.toml → b.toml → a.toml" in capsys.readouterr().err


def test_missing_output_parent_is_an_error(tmp_path, capsys):
    scn = write(tmp_path, "small.toml", SMALL.format())
    assert main(["run", str(scn), "--out", str(tmp_path / "no" / "such" / "out")]) == 2
    assert "parent folder" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    "argv, words",
    [
        (["run", "scenarios/baseline.toml", "--seed", "abc"], ["--seed", "not a whole number"]),
        (["run", "scenarios/baseline.toml", "--days", "0"], ["--days", "between 1 and 36500"]),
        (["run", "scenarios/nope.toml"], ["nope.toml", "file not found"]),
        (["run"], ["scenario"]),
    ],
)
def test_bad_cli_arguments(argv, words):
    proc = subprocess.run([sys.executable, "-m", "sim.cli", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    for w in words:
        assert w in proc.stderr, (w, proc.stderr)
    assert "Traceback" not in proc.stderr


def test_validate_checks_every_shipped_scenario(capsys):
    files = sorted(
        str(p) for p in Path("scenarios").rglob("*.toml") if "experiments" not in p.parts
    )
    assert main(["validate", *files]) == 0
    out = capsys.readouterr().out
    assert out.count("ok: ") == len(files)
    studies = [f for f in files if Path(f).parent.name == "studies"]
    assert studies and out.count("(study '") == len(studies)  # recognised as study files


def test_help_texts_show_percent_signs_once():
    from sim.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        text = command.format_help()
        assert "%%" not in text, name


def test_writing_figures_keeps_a_notebooks_matplotlib_backend(tmp_path):
    import tomllib

    import matplotlib

    from sim.engine import simulate
    from sim.outputs import plot_key_series
    from sim.scenario import validate_scenario
    from tests.tiny import TINY_SCENARIO

    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        result = simulate(validate_scenario(tomllib.loads(TINY_SCENARIO)), seed=1)
        plot_key_series(result, tmp_path / "k.png")
        assert matplotlib.get_backend() == "svg"
        assert (tmp_path / "k.png").read_bytes()[:4] == b"\x89PNG"
    finally:
        matplotlib.use(before)


def test_messages_agree_with_what_the_run_did(tmp_path, capsys, monkeypatch):
    from tests.tiny import TINY_SCENARIO

    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.toml").write_text(TINY_SCENARIO)
    assert main(["run", "tiny.toml", "--no-plot", "--out", "a"]) == 0
    printed = capsys.readouterr()
    assert "key_series.png" not in printed.out and "gaps.parquet" in printed.out
    assert main(["run", "tiny.toml", "--days", "10", "--out", "b", "--no-plot"]) == 2
    assert "--days 10" in capsys.readouterr().err  # its survey waves would never happen
    (tmp_path / "short.toml").write_text(
        TINY_SCENARIO.replace("day = 29", "day = 5").replace("day = 59", "day = 9")
    )
    assert main(["run", "short.toml", "--days", "15", "--out", "c", "--no-plot"]) == 0
    printed = capsys.readouterr()
    assert "summary covers all days" in printed.err
    assert "measured over all days" in printed.out and "after day" not in printed.out
