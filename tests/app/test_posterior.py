"""Compare mode with a posterior sample: each background replication runs at its own drawn
particle when the scenario has ``<stem>_posterior.parquet`` next to it (no browser)."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from sim.app.page import posterior_note, start_comparison
from sim.app.session import Settings, posterior_file, scenario_files
from sim.posterior_sample import PosteriorError
from tests.tiny import TINY_SCENARIO as TINY

THEFT = {10: 0.05, 11: 0.6, 12: 1.0}


class Recorder:
    """An executor that records what would run and runs nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def submit(self, fn, *args) -> Future:
        self.calls.append(args)
        f: Future = Future()
        f.set_result(None)
        return f


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Scenario files 'tiny' (with a posterior sample) and 'plain' (without one)."""
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    (tmp_path / "plain.toml").write_text(TINY, encoding="utf-8")
    pd.DataFrame(
        {
            "particle": [10, 11, 12],
            "weight": [0.5, 0.5, 0.0],
            "crime.theft_rate": list(THEFT.values()),
            "factors.police_feedback": [0.2, 0.2, 0.2],
        }
    ).to_parquet(tmp_path / "tiny_posterior.parquet")
    return scenario_files(tmp_path)


def _page(seed: int = 4, factors: dict | None = None) -> SimpleNamespace:
    return SimpleNamespace(settings=Settings(residents=100, seed=seed, factors=factors or {}))


def _submitted(cmp) -> dict[tuple[str, int], dict]:
    pool = Recorder()
    cmp.start(pool)
    runs = {}
    for key, (scenario, seed, _days) in zip(cmp.futures, pool.calls, strict=True):
        assert key[1] == seed
        runs[key] = scenario
    return runs


def test_the_posterior_file_is_found_next_to_its_scenario(files):
    assert posterior_file("tiny", files) == files["tiny"].with_name("tiny_posterior.parquet")
    assert posterior_file("plain", files) is None
    assert posterior_file("missing", files) is None


def test_each_replication_runs_at_a_drawn_particle_paired_across_sides(files):
    page = _page(factors={"police_feedback": 0.9})
    cmp = start_comparison(page, files, {"A": "tiny", "B": "tiny"}, True, reps=6, days=30)
    runs = _submitted(cmp)
    assert len(runs) == 12 and cmp.with_posterior == ["A", "B"]
    for (side, seed), scn in runs.items():
        particle = cmp.particles[(side, seed)]
        assert particle != 12, "a particle of weight 0 is drawn"
        assert scn["crime"]["theft_rate"] == THEFT[particle]
        # the page's own settings win over the particle: B keeps the user's feedback
        assert scn["factors"]["police_feedback"] == (0.9 if side == "B" else 0.2)
        assert cmp.particles[("A", seed)] == particle, "A and B must share the particle"
    assert {cmp.particles[("A", s)] for s in cmp.seeds} == {10, 11}
    again = start_comparison(page, files, {"A": "tiny", "B": "tiny"}, True, reps=6, days=30)
    assert again.particles == cmp.particles, "the same page seed must draw the same particles"


def test_without_a_posterior_file_nothing_changes(files):
    cmp = start_comparison(_page(), files, {"A": "plain", "B": "tiny"}, False, reps=3, days=30)
    runs = _submitted(cmp)
    assert cmp.with_posterior == ["B"]
    plain = cmp.scenarios["A"].model_dump(mode="json")
    assert all(runs[("A", s)] == plain for s in cmp.seeds)
    assert not any(side == "A" for side, _ in cmp.particles)


def test_a_posterior_replication_runs_to_the_end(files):
    cmp = start_comparison(_page(), files, {"A": "tiny", "B": "plain"}, False, reps=2, days=30)
    cmp.run_inline()
    assert cmp.finished and not cmp.errors()
    assert set(cmp.bands("members")) == {"A", "B"}


def test_the_page_says_when_bands_include_parameter_uncertainty(files):
    nl = posterior_note(files, {"A": "tiny", "B": "tiny"}, "nl")
    en = posterior_note(files, {"A": "plain", "B": "tiny"}, "en")
    assert nl.startswith("Voor A en B is er een steekproef") and "tiny_posterior.parquet" in nl
    assert en.startswith("For B there is a sample") and "uncertainty" in en
    assert posterior_note(files, {"A": "plain", "B": "plain"}, "en") == ""


def test_a_broken_posterior_file_is_a_message_not_a_crash(files):
    pd.DataFrame({"particle": [1], "crime.theft_rate": [0.1]}).to_parquet(
        files["tiny"].with_name("tiny_posterior.parquet")
    )
    with pytest.raises(PosteriorError, match="column 'weight' missing"):
        start_comparison(_page(), files, {"A": "tiny", "B": "tiny"}, False, reps=2, days=30)
