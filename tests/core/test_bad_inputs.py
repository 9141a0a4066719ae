"""A careless user's inputs: every one ends with exit 2, one clear message naming the file and
the field (or flag), no traceback, nothing of the user's deleted and no partial output."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.cli import main
from tests.tiny import TINY_SCENARIO

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
FIELD_EXAMPLE = ROOT / "calibration" / "examples" / "SYNTHETIC_field_survey.csv"


def tree(folder: Path) -> dict[str, str]:
    """Every file and folder below ``folder`` with a hash of its content."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink() or not p.is_file():
            out[rel] = "folder" if p.is_dir() else "other"
        else:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def scenario(tmp: Path, text: str, name: str = "bad.toml") -> str:
    (tmp / name).write_text(text, encoding="utf-8")
    return name


def tiny(tmp: Path, extra: str = "", name: str = "bad.toml") -> str:
    """The tiny scenario plus ``extra`` lines at the top level (before its tables)."""
    return scenario(tmp, extra + "\n" + TINY_SCENARIO, name)


def a_user_folder(tmp: Path) -> str:
    (tmp / "notes").mkdir()
    (tmp / "notes" / "thesis.docx").write_text("three years of work")
    return "notes"


def field_csv(tmp: Path, transform: Callable[[str], str]) -> str:
    (tmp / "survey.csv").write_text(transform(FIELD_EXAMPLE.read_text()), encoding="utf-8")
    return "survey.csv"


def duplicate_first_respondent(text: str) -> str:
    lines = text.splitlines()
    return "\n".join([lines[0], lines[1], lines[1], *lines[2:]]) + "\n"


# name: (setup(tmp) -> argv, words the message must contain)
CASES: dict[str, tuple[Callable[[Path], list[str]], list[str]]] = {
    # --- scenario files
    "days = true": (
        lambda t: ["run", scenario(t, TINY_SCENARIO.replace("days = 60", "days = true"))],
        ["bad.toml", "'days'", "whole number", "true"],
    ),
    "days = 0": (
        lambda t: ["run", scenario(t, TINY_SCENARIO.replace("days = 60", "days = 0"))],
        ["bad.toml", "'days'", "≥ 1"],
    ),
    "days as text": (
        lambda t: ["run", scenario(t, TINY_SCENARIO.replace("days = 60", 'days = "long"'))],
        ["bad.toml", "'days'", "whole number"],
    ),
    "unknown key": (
        lambda t: ["run", tiny(t, "dayz = 3")],
        ["bad.toml", "'dayz'", "unknown key"],
    ),
    "5 groups on 3 streets": (
        lambda t: ["run", scenario(t, TINY_SCENARIO.replace("groups = 1", "groups = 5"))],
        ["bad.toml", "areas.0.groups", "at most 2"],
    ),
    "intervention past the end": (
        lambda t: [
            "run",
            scenario(
                t,
                TINY_SCENARIO + "[[interventions]]\nday = 400\nset = { police_feedback = 0.9 }\n",
            ),
        ],
        ["bad.toml", "interventions.0.day", "past the run's last day (59)"],
    ),
    "burn-in longer than the run": (
        lambda t: [
            "run",
            scenario(t, TINY_SCENARIO.replace("burn_in_days = 20", "burn_in_days = 90")),
        ],
        ["bad.toml", "burn_in_days", "smaller than days"],
    ),
    "survey wave past the end": (
        lambda t: ["run", scenario(t, TINY_SCENARIO.replace("day = 59", "day = 70"))],
        ["bad.toml", "survey wave 'post'", "past the last day"],
    ),
    "extends /dev/zero": (
        lambda t: ["run", scenario(t, 'extends = "/dev/zero"\n')],
        ["bad.toml", "'extends'", "/dev/zero", "not a regular file"],
    ),
    "extends a missing file": (
        lambda t: ["run", scenario(t, 'extends = "nowhere.toml"\n')],
        ["bad.toml", "'extends'", "nowhere.toml", "does not exist"],
    ),
    "extends itself": (
        lambda t: ["run", scenario(t, 'extends = "bad.toml"\n')],
        ["bad.toml", "'extends'", "cycle"],
    ),
    "100,000-deep TOML": (
        lambda t: ["run", scenario(t, "x = " + "[" * 100_000 + "]" * 100_000 + "\n")],
        ["bad.toml", "nested too deeply"],
    ),
    "bad TOML syntax": (
        lambda t: ["run", scenario(t, "days = = 3\n")],
        ["bad.toml", "bad TOML syntax"],
    ),
    "not UTF-8": (
        lambda t: [
            "run",
            (t / "bad.toml").write_bytes(b"name = '\xff\xfe'\n") and "bad.toml",
        ],
        ["bad.toml", "cannot read"],
    ),
    "a folder as scenario": (
        lambda t: ["run", a_user_folder(t)],
        ["notes", "folder"],
    ),
    "no such scenario": (
        lambda t: ["run", "no_such_scenario"],
        ["no_such_scenario", "file not found", "baseline"],
    ),
    "a population of a billion": (
        lambda t: [
            "run",
            scenario(
                t,
                'name = "huge"\n'
                + "".join(
                    f'[[areas]]\nname = "a{i}"\nstreets = 50000\nhouseholds_per_street = 500\n'
                    for i in range(20)
                ),
            ),
        ],
        ["bad.toml", "residents", "memory", "areas.streets"],
    ),
    "50,000 streets × 500 households": (
        lambda t: [
            "validate",
            scenario(
                t,
                'name = "city"\n[[areas]]\nname = "a"\nstreets = 50000\n'
                "households_per_street = 500\n",
            ),
        ],
        ["bad.toml", "40,000,000 residents", "areas.streets"],
    ),
    # --- flags of run
    "--days 100000000": (
        lambda t: ["run", tiny(t, name="ok.toml"), "--days", "100000000"],
        ["--days", "between 1 and 36500"],
    ),
    "--days 0": (lambda t: ["run", tiny(t, name="ok.toml"), "--days", "0"], ["--days"]),
    "--seed -1": (lambda t: ["run", tiny(t, name="ok.toml"), "--seed", "-1"], ["--seed"]),
    "--days shorter than an intervention": (
        lambda t: [
            "run",
            scenario(
                t,
                TINY_SCENARIO + "[[interventions]]\nday = 40\nset = { police_feedback = 0.9 }\n",
            ),
            "--days",
            "30",
        ],
        ["bad.toml", "--days 30", "interventions.0.day"],
    ),
    "--out .": (
        lambda t: ["run", tiny(t, name="ok.toml"), "--out", "."],
        ["--out .", "current folder"],
    ),
    "--out .. ": (
        lambda t: ["run", tiny(t, name="ok.toml"), "--out", ".."],
        ["--out ..", "current folder"],
    ),
    "--out a file": (
        lambda t: [
            "run",
            tiny(t, name="ok.toml"),
            "--out",
            (t / "keep.txt").write_text("mine") and "keep.txt",
        ],
        ["--out keep.txt", "not a folder"],
    ),
    "--out a user's folder": (
        lambda t: ["run", tiny(t, name="ok.toml"), "--out", a_user_folder(t)],
        ["--out notes", "did not write"],
    ),
    "--out a user's folder with --overwrite": (
        lambda t: ["run", tiny(t, name="ok.toml"), "--out", a_user_folder(t), "--overwrite"],
        ["--out notes", "even with --overwrite"],
    ),
    "--out a sweep result": (
        lambda t: [
            "run",
            tiny(t, name="ok.toml"),
            "--out",
            (t / "sweep").mkdir() or (t / "sweep" / "manifest.json").write_text("{}") and "sweep",
        ],
        ["--out sweep", "sweep result", "--overwrite"],
    ),
    "--out in a missing folder": (
        lambda t: ["run", tiny(t, name="ok.toml"), "--out", "missing/out"],
        ["--out missing/out", "does not exist"],
    ),
    "--out in a read-only folder": (
        lambda t: [
            "run",
            tiny(t, name="ok.toml"),
            "--out",
            (t / "ro").mkdir() or os.chmod(t / "ro", 0o555) or "ro/out",
        ],
        ["--out ro/out", "permission denied"],
    ),
    # --- validate
    "validate: experiment with an unknown factor": (
        lambda t: [
            "validate",
            scenario(
                t,
                f'name = "e"\nscenario = "{BASELINE}"\nreplications = 2\n'
                '[design]\nmethod = "factorial"\n'
                '[[factors]]\npath = "factors.no_such"\nvalues = [0.0, 1.0]\n',
            ),
        ],
        ["bad.toml", "factors.0.path", "no_such"],
    ),
    "validate: replications = true": (
        lambda t: [
            "validate",
            scenario(
                t,
                f'name = "e"\nscenario = "{BASELINE}"\nreplications = true\n'
                '[design]\nmethod = "factorial"\n'
                '[[factors]]\npath = "factors.police_feedback"\nvalues = [0.0, 1.0]\n',
            ),
        ],
        ["bad.toml", "'replications'", "whole number"],
    ),
    # --- sweep
    "sweep --workers -1": (
        lambda t: ["sweep", "selection_vs_exposure", "--workers", "-1"],
        ["--workers", "between 0 and 1024"],
    ),
    "sweep --limit 0": (
        lambda t: ["sweep", "selection_vs_exposure", "--limit", "0"],
        ["--limit", "at least 1"],
    ),
    "sweep --out .": (
        lambda t: ["sweep", "selection_vs_exposure", "--workers", "0", "--out", "."],
        ["--out .", "current folder"],
    ),
    "sweep --out a user's folder": (
        lambda t: ["sweep", "selection_vs_exposure", "--workers", "0", "--out", a_user_folder(t)],
        ["--out notes", "did not write"],
    ),
    "compare a folder that is no sweep": (
        lambda t: ["compare", a_user_folder(t)],
        ["notes", "not a sweep results folder"],
    ),
    # --- calibrate
    "calibrate --field-data a folder": (
        lambda t: ["calibrate", "--field-data", a_user_folder(t), "--out", "cal"],
        ["notes", "not a file"],
    ),
    "calibrate --field-data with semicolons": (
        lambda t: [
            "calibrate",
            "--field-data",
            field_csv(t, lambda s: s.replace(",", ";")),
            "--out",
            "cal",
        ],
        ["survey.csv", "';' as separator"],
    ),
    "calibrate --field-data with a repeated respondent": (
        lambda t: [
            "calibrate",
            "--field-data",
            field_csv(t, duplicate_first_respondent),
            "--out",
            "cal",
        ],
        ["survey.csv", "row 3", "'respondent'", "twice"],
    ),
    "calibrate with a damaged abc.db": (
        lambda t: [
            "calibrate",
            "--out",
            (t / "cal").mkdir() or (t / "cal" / "abc.db").write_text("not sqlite") and "cal",
        ],
        ["abc.db", "not an intact calibration database", "left untouched"],
    ),
    "calibrate --out a user's folder": (
        lambda t: ["calibrate", "--out", a_user_folder(t)],
        ["--out notes", "did not write"],
    ),
    "calibrate --targets with an unknown key": (
        lambda t: [
            "calibrate",
            "--targets",
            scenario(t, "wrong = 1\n" + (ROOT / "calibration/targets.toml").read_text()),
            "--out",
            "cal",
        ],
        ["bad.toml", "'wrong'", "unknown key"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exit_2_clear_message_nothing_touched(case, tmp_path, monkeypatch, capsys):
    if case == "--out in a read-only folder" and os.geteuid() == 0:
        pytest.skip("root may write into read-only folders")
    monkeypatch.chdir(tmp_path)
    setup, words = CASES[case]
    argv = setup(tmp_path)
    before = tree(tmp_path)
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse rejects a flag
        code = stop.code
    finally:
        for p in tmp_path.rglob("*"):
            if p.is_dir():
                os.chmod(p, 0o755)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err, err
    for w in words:
        assert w in err, (w, err)
    assert tree(tmp_path) == before, "files were created, changed or deleted"
    assert not (tmp_path / "results").exists()


def test_enough_cases():
    assert len(CASES) >= 30


def test_a_full_disk_leaves_no_partial_output(tmp_path, monkeypatch, capsys):
    import pandas as pd

    monkeypatch.chdir(tmp_path)
    name = tiny(tmp_path, name="ok.toml")
    (tmp_path / "out").mkdir()
    before = tree(tmp_path)

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    assert main(["run", name, "--out", "out", "--no-plot"]) == 2
    err = capsys.readouterr().err
    assert "--out out" in err and "No space left on device" in err and "Traceback" not in err
    assert tree(tmp_path) == before


def test_the_real_command_exits_2_without_traceback(tmp_path):
    (tmp_path / "bad.toml").write_text("days = true\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", "bad.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "bad.toml" in proc.stderr and "'days'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_a_hostile_name_stays_in_results(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    name = scenario(tmp_path, TINY_SCENARIO.replace('name = "tiny"', 'name = "../../x: y"'))
    assert main(["run", name, "--no-plot"]) == 0
    made = [p.relative_to(tmp_path).as_posix() for p in (tmp_path / "results").iterdir()]
    assert made == ["results/x_y-seed1"]
    assert ":" not in made[0]


def test_rerun_replaces_its_own_result_but_not_a_users_file_inside(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    name = tiny(tmp_path, name="ok.toml")
    assert main(["run", name, "--out", "out", "--no-plot"]) == 0
    assert main(["run", name, "--out", "out", "--no-plot", "--seed", "2"]) == 0
    (tmp_path / "out" / "my_notes.txt").write_text("keep me")
    capsys.readouterr()
    assert main(["run", name, "--out", "out", "--no-plot"]) == 2
    assert "did not write" in capsys.readouterr().err
    assert (tmp_path / "out" / "my_notes.txt").read_text() == "keep me"


def test_overwrite_replaces_another_kind_of_result(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    name = tiny(tmp_path, name="ok.toml")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "manifest.json").write_text("{}")
    assert main(["run", name, "--out", "out", "--no-plot", "--overwrite"]) == 0
    assert (tmp_path / "out" / "metadata.json").exists()
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_outputs_are_readable_like_ordinary_files(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o022)
    try:
        assert main(["run", tiny(tmp_path, name="ok.toml"), "--out", "out", "--no-plot"]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "out").iterdir()} == {0o644}


@pytest.mark.skipif(shutil.which("true") is None, reason="needs a POSIX system")
def test_allow_large_lifts_the_budget_for_validate(tmp_path, capsys):
    path = tmp_path / "city.toml"
    path.write_text(
        'name = "city"\n[[areas]]\nname = "a"\nstreets = 20000\nhouseholds_per_street = 100\n'
    )
    assert main(["validate", str(path)]) == 2
    assert "budget" in capsys.readouterr().err
    assert main(["validate", str(path), "--allow-large"]) == 0
