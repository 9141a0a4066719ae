"""Parameter recovery: data simulated from known parameters are calibrated back.

The small version (CI) recovers two parameters of a small neighbourhood; the full version
(marked slow) recovers the mechanism parameters behind the selection-versus-exposure
question on the shipped scenarios and targets; its figures are in docs/calibration.md.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import time
from pathlib import Path

import pytest

from sim.calibrate.observe import load_calibration_scenarios
from sim.calibrate.priors import Priors, load_priors
from sim.calibrate.recovery import coverage, recover
from sim.calibrate.sampling import dask_client
from sim.calibrate.targets import Targets, load_targets

pytestmark = [
    # distributed may report sockets it closes late, and pyabc's pandas use under pandas 3
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning"),
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
    pytest.mark.filterwarnings("ignore::FutureWarning:pyabc"),
    pytest.mark.timeout(1500),
]


def _small_problem() -> tuple[Targets, Priors]:
    targets = Targets.model_validate(
        {
            "weights": {"H": 1.0, "M": 0.5, "L": 0.25, "dir": 0.5},
            "scenarios": {
                "small": {
                    "file": "baseline.toml",
                    "primary": True,
                    "overrides": {
                        "areas.0.streets": 40,
                        "areas.1.streets": 40,
                        "days": 200,
                        "burn_in_days": 100,
                        "survey.waves": [],
                    },
                }
            },
            "target": [
                {
                    "id": "unsafe",
                    "title": "share unsafe",
                    "observable": "summary",
                    "scenario": "small",
                    "key": "unsafe_all",
                    "definition": "d",
                    "certainty": "H",
                    "source": "truth",
                    "scale": 0.02,
                    "interval": [0, 1],
                },
                {
                    "id": "victims",
                    "title": "victimisation",
                    "observable": "summary",
                    "scenario": "small",
                    "key": "victimisation_rate",
                    "definition": "d",
                    "certainty": "H",
                    "source": "truth",
                    "scale": 0.02,
                    "interval": [0, 1],
                },
            ],
        }
    )
    priors = Priors.model_validate(
        {
            "parameter": {
                "population.worry.mean": {
                    "distribution": "uniform",
                    "low": 0.1,
                    "high": 0.45,
                    "why": "F1",
                },
                "crime.theft_rate": {
                    "distribution": "uniform",
                    "low": 0.03,
                    "high": 0.4,
                    "why": "F5",
                },
            }
        }
    )
    for name, p in priors.parameter.items():
        p.name = name
    return targets, priors


def test_small_recovery_covers_the_truth_and_learns(tmp_path):
    targets, priors = _small_problem()
    scenarios = load_calibration_scenarios(targets)
    truth = {"population.worry.mean": 0.27, "crime.theft_rate": 0.16}
    # in this process with a fixed ABC seed: the same posterior every time (no flaky
    # statistical check in the default tier)
    df = recover(
        targets,
        priors,
        scenarios,
        truth,
        tmp_path / "abc.db",
        budget=240,
        population=40,
        client=None,
        level=0.99,
        abc_seed=7,
    )
    print(df.to_string())
    assert df["covered"].all(), df
    # ... and the data inform the parameters: worry's interval is well inside its prior
    # (about a third of the range at 95 %), the noisier theft rate's at least narrower
    width = df.set_index("parameter")["width_vs_prior"]
    assert width["population.worry.mean"] < 0.6, df
    assert width["crime.theft_rate"] < 1.0, df


@pytest.mark.slow
def test_full_recovery_of_the_mechanism_parameters(tmp_path):
    """The parameters behind the selection-versus-exposure question, on the shipped national
    and Rotterdam scenarios and all their targets, recovered from a simulated truth."""
    shipped = load_targets()
    keep = {"national", "rotterdam"}
    targets = shipped.model_copy(
        update={
            "scenarios": {k: v for k, v in shipped.scenarios.items() if k in keep},
            "target": [t for t in shipped.target if set(t.scenarios()) <= keep],
        }
    )
    targets.path = shipped.path
    all_priors = load_priors()
    names = [
        "population.worry.mean",
        "membership.selection_worry",
        "membership.selection_efficacy",
        "messages.alert_worry",
        "contagion.fear_weight",
    ]
    priors = all_priors.model_copy(
        update={"parameter": {n: all_priors.parameter[n] for n in names}}
    )
    priors.path = all_priors.path
    scenarios = load_calibration_scenarios(targets)
    truth = {
        "population.worry.mean": 0.22,
        "membership.selection_worry": -0.8,
        "membership.selection_efficacy": 0.8,
        "messages.alert_worry": 0.05,
        "contagion.fear_weight": 0.03,
    }
    with dask_client(2) as client:
        df = recover(
            targets,
            priors,
            scenarios,
            truth,
            tmp_path / "abc.db",
            budget=450,
            population=50,
            client=client,
            level=0.9,
        )
    print(df.to_string())
    print(f"coverage of the 90 % intervals: {coverage(df):.0%}")
    df.to_csv(tmp_path.parent / "full_recovery.csv", index=False)
    assert coverage(df) >= 0.8, df
    assert df["width_vs_prior"].mean() < 0.8, df


@pytest.mark.slow
@pytest.mark.timeout(7200)  # about 6,000 simulations: beyond the module's 25 minutes
def test_recovery_over_twenty_truths_reports_coverage_and_identifiability(tmp_path):
    """Twenty synthetic truths drawn from the prior of the five mechanism parameters, each
    calibrated back on the national and Rotterdam scenarios: coverage of the 90 % intervals
    per parameter, and which parameters the targets cannot pin down."""
    from sim.calibrate.recovery import recovery_study

    shipped = load_targets()
    keep = {"national", "rotterdam"}
    targets = shipped.model_copy(
        update={
            "scenarios": {k: v for k, v in shipped.scenarios.items() if k in keep},
            "target": [t for t in shipped.target if set(t.scenarios()) <= keep],
        }
    )
    targets.path = shipped.path
    all_priors = load_priors()
    names = [
        "population.worry.mean",
        "membership.selection_worry",
        "membership.selection_efficacy",
        "messages.alert_worry",
        "contagion.fear_weight",
    ]
    priors = all_priors.model_copy(
        update={"parameter": {n: all_priors.parameter[n] for n in names}}
    )
    priors.path = all_priors.path
    scenarios = load_calibration_scenarios(targets)
    started = time.monotonic()
    with dask_client(2) as client:
        per_truth, summary = recovery_study(
            targets,
            priors,
            scenarios,
            tmp_path,
            truths=20,
            budget=300,
            population=40,
            client=client,
        )
    print(summary.to_string())
    # what docs/calibration.md shows: copy this folder to calibration/recovery/, then run
    # `uv run python -m sim.calibrate.docs`
    out = tmp_path.parent / "recovery"
    out.mkdir(exist_ok=True)
    summary.to_csv(out / "recovery_twenty_truths.csv", index=False)
    per_truth.to_csv(out / "recovery_twenty_truths_per_truth.csv", index=False)
    run = {
        "budget": 300,
        "population": 40,
        "commit": _commit(),
        "date": datetime.date.today().isoformat(),
        "minutes": round((time.monotonic() - started) / 60, 1),
    }
    (out / "run.json").write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    print(f"recovery written to {out}")
    assert len(per_truth["truth_id"].unique()) == 20
    # nominal 90 %: with 20 truths, coverage below 70 % means the posterior is overconfident
    assert (summary["coverage"] >= 0.7).all(), summary
    # identifiability is said in words for every parameter
    assert summary["identifiability"].str.len().gt(0).all()


def _commit() -> str:
    """The short commit the run was made at ('unknown' outside a git checkout)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()
