"""Sweeps: same numbers serial, parallel and resumed; no run lost or stored twice when a worker
or the sweep itself is killed; bad input leaves no results folder behind.

These tests run the real engine on a tiny scenario (about 120 residents, 60 days).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiments import execute
from sim.experiments.execute import run_sweep
from sim.experiments.spec import load_experiment
from sim.experiments.store import ResultStore

ROOT = Path(__file__).resolve().parents[2]
KEY = ["point", "replication"]


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    store = ResultStore.load(out)
    runs = store.table("runs")
    outcomes = [c for c in runs.columns if c in store.manifest["outcomes"]]
    return {
        "runs": runs[[*KEY, "seed", *outcomes]],
        "weekly": store.table("weekly"),
        "survey": store.table("survey"),
    }


def _assert_same(a: Path, b: Path) -> None:
    ta, tb = _tables(a), _tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True)


def _assert_once_each(out: Path, total: int) -> None:
    runs = ResultStore.load(out).table("runs")
    assert len(runs) == total
    assert not runs.duplicated(KEY).any()
    assert ResultStore.load(out).manifest["complete"] is True


@pytest.fixture
def serial_reference(factorial_file, tmp_path) -> Path:
    out = tmp_path / "serial"
    report = run_sweep(load_experiment(factorial_file), out, workers=0)
    assert report.complete and report.stored == 18
    return out


def test_parallel_and_limited_then_resumed_match_serial(
    factorial_file, serial_reference, tmp_path, client
):
    exp = load_experiment(factorial_file)
    out = tmp_path / "parallel"
    first = run_sweep(exp, out, client=client, limit=7)
    assert (first.stored, first.complete) == (7, False)
    # --limit takes the first runs in replication-major order: every point of replication 0
    assert set(ResultStore.load(out).table("runs")["replication"]) == {0, 1}
    second = run_sweep(exp, out, client=client)
    assert (second.already, second.stored, second.complete) == (7, 11, True)
    assert len(set(ResultStore.load(out).table("runs")["worker_pid"])) == 2
    _assert_once_each(out, 18)
    _assert_same(serial_reference, out)
    # common random numbers: replication r has the same seed at every design point
    runs = ResultStore.load(out).table("runs")
    assert (runs.groupby("replication")["seed"].nunique() == 1).all()


def test_killed_worker_loses_no_run(factorial_file, serial_reference, tmp_path, client):
    exp = load_experiment(factorial_file)
    before = client.run(os.getpid)
    victim = next(iter(before.values()))
    killed: list[int] = []

    def kill_a_worker(report):
        if report.stored == 3 and not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    out = tmp_path / "killed-worker"
    report = run_sweep(exp, out, client=client, on_stored=kill_a_worker)
    assert killed and report.complete and not report.failed
    _assert_once_each(out, 18)
    _assert_same(serial_reference, out)
    assert victim not in client.run(os.getpid).values()  # the killed worker is gone


def _sweep_cmd(experiment: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sim.cli",
        "sweep",
        str(experiment),
        "--out",
        str(out),
        "--quiet",
        *extra,
    ]


def test_killed_sweep_resumes_without_duplicates(write_experiment, tmp_path, cluster):
    text = (Path(__file__).parent / "conftest.py").read_text()
    factorial = text.split('FACTORIAL = """')[1].split('"""')[0]
    experiment = write_experiment(
        factorial.replace("replications = 3", "replications = 8"), "long.toml"
    )
    out = tmp_path / "killed-sweep"
    cmd = _sweep_cmd(experiment, out, "--scheduler", cluster.scheduler_address)
    proc = subprocess.Popen(
        cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "runs").glob("*.parquet"))) < 5:
            assert proc.poll() is None, "the sweep ended before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    stored = len(list((out / "runs").glob("*.parquet")))
    assert 5 <= stored < 48
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "already stored" in rerun.stdout
    _assert_once_each(out, 48)
    reference = tmp_path / "uninterrupted"
    run_sweep(load_experiment(experiment), reference, workers=0)
    _assert_same(reference, out)


def test_half_written_files_are_detected_and_redone(serial_reference, factorial_file):
    out = serial_reference
    reference = _tables(out)
    runs_file = out / "runs" / "p000002-r0001.parquet"
    runs_file.write_bytes(runs_file.read_bytes()[:40])  # torn runs row
    weekly_file = out / "weekly" / "p000004-r0002.parquet"
    weekly_file.write_bytes(weekly_file.read_bytes()[:-30])  # torn companion
    (out / "survey" / ".tmp-abc.parquet").write_bytes(b"PAR1")  # left-over temporary
    report = run_sweep(load_experiment(factorial_file), out, workers=0)
    assert (report.already, report.stored) == (16, 2)
    assert not list(out.rglob(".tmp-*"))
    after = _tables(out)
    for name in reference:
        pd.testing.assert_frame_equal(reference[name], after[name])


def test_results_are_readable_by_pandas_polars_and_duckdb(serial_reference):
    import duckdb
    import polars as pl

    out = serial_reference
    assert len(pd.read_parquet(out / "runs")) == 18
    assert pl.read_parquet(str(out / "weekly" / "*.parquet")).height == 18 * 9
    mean_gap = duckdb.sql(
        f"""SELECT "messages.exposure" AS exposure, avg(worry_gap) AS gap, count(*) AS n
            FROM '{out}/runs/*.parquet' GROUP BY exposure ORDER BY exposure"""
    ).df()
    assert list(mean_gap["n"]) == [6, 6, 6]
    waves = duckdb.sql(f"SELECT DISTINCT wave FROM '{out}/survey/*.parquet' ORDER BY wave").df()
    assert list(waves["wave"]) == ["post", "pre"]


def test_cli_sweep_shows_progress_and_resumes(factorial_file, tmp_path, capsys):
    out = tmp_path / "cli"
    assert (
        main(["sweep", str(factorial_file), "--workers", "0", "--out", str(out), "--limit", "4"])
        == 0
    )
    captured = capsys.readouterr()
    assert "4/4 runs" in captured.err and "run/s" in captured.err and "left" in captured.err
    assert "without --limit" in captured.out
    assert main(["sweep", str(factorial_file), "--workers", "0", "--out", str(out)]) == 0
    assert "14 runs computed, 4 already stored; 18 of 18" in capsys.readouterr().out


def test_unknown_factor_creates_no_results_folder(write_experiment, tmp_path, capsys):
    bad = write_experiment("""
        name = "bad"
        scenario = "tiny.toml"
        [[factors]]
        path = "factors.polic_feedback"
        values = [0.5]
    """)
    out = tmp_path / "never"
    assert main(["sweep", str(bad), "--workers", "0", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "factors.0.path" in err and "polic_feedback" in err and "Traceback" not in err
    assert not out.exists()


def test_unreachable_scheduler_creates_no_results_folder(
    factorial_file, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(execute, "CONNECT_TIMEOUT", "1s")
    out = tmp_path / "never"
    code = main(
        ["sweep", str(factorial_file), "--scheduler", "tcp://127.0.0.1:9", "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "--scheduler" in err and "tcp://127.0.0.1:9" in err and "dask scheduler" in err
    assert not out.exists()


def test_results_folder_of_another_experiment_is_left_untouched(
    serial_reference, write_experiment, capsys
):
    other = write_experiment(
        """
        name = "other"
        scenario = "tiny.toml"
        [[factors]]
        path = "factors.signs"
    """,
        "other.toml",
    )
    before = {p: p.stat().st_mtime_ns for p in serial_reference.rglob("*")}
    assert main(["sweep", str(other), "--workers", "0", "--out", str(serial_reference)]) == 2
    assert "different experiment" in capsys.readouterr().err
    assert {p: p.stat().st_mtime_ns for p in serial_reference.rglob("*")} == before


def test_sweep_on_a_cluster_started_with_the_dask_cli(factorial_file, serial_reference, tmp_path):
    """The cluster recipe of docs/guide-researchers.md: `dask scheduler` + `dask worker`."""
    info = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    procs = [
        subprocess.Popen(
            [
                *dask,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-address",
                ":0",
                "--scheduler-file",
                str(info),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        procs.append(
            subprocess.Popen(
                [
                    *dask,
                    "worker",
                    "--scheduler-file",
                    str(info),
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        deadline = time.monotonic() + 120
        while not info.exists():
            assert time.monotonic() < deadline, "dask scheduler did not start"
            time.sleep(0.2)
        import json

        address = json.loads(info.read_text())["address"]
        out = tmp_path / "cli-cluster"
        done = subprocess.run(
            _sweep_cmd(factorial_file, out, "--scheduler", address),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        _assert_once_each(out, 18)
        _assert_same(serial_reference, out)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_failed_runs_are_reported_not_stored_and_retried_next_time(factorial_file, tmp_path):
    from .standin import standin_run

    def fails_at_high_exposure(scenario, overrides, seed, outputs):
        if overrides["messages.exposure"] == 2.0:
            raise RuntimeError("engine broke")
        return standin_run(scenario, overrides, seed, outputs)

    exp = load_experiment(factorial_file)
    out = tmp_path / "failing"
    first = run_sweep(exp, out, workers=0, run_fn=fails_at_high_exposure)
    assert (first.stored, len(first.failed), first.complete) == (12, 6, False)
    assert "engine broke" in first.failed[0][2]
    second = run_sweep(exp, out, workers=0, run_fn=standin_run)
    assert (second.already, second.stored, second.complete) == (12, 6, True)
