"""Fixtures of the study-designer tests: small scenario and study files in a temporary folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.study.known_answer import scenario_toml, study_toml

TINY_STUDY = """
name = "tiny_study"
scenario = "exposure.toml"
posterior = "none"
replications = 3
seed = 5

[[designs]]
name = "as_run"
kind = "cross_section"
waves = [{ label = "pre", day = 14 }, { label = "post", day = 29 }]
sample_sizes = [60, 120]
as_run = 60
participant_share = 0.5
estimators = ["difference_in_means", "before_after", "did"]
"""


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    """A folder with the known-answer scenarios; exposure.toml is a tiny one (6 streets, 30
    days) with an intervention on day 15."""
    tiny = scenario_toml("intervention", days=30, streets=6)  # intervention on day 15
    (tmp_path / "exposure.toml").write_text(tiny, encoding="utf-8")
    (tmp_path / "exposure_only.toml").write_text(scenario_toml("exposure"), encoding="utf-8")
    (tmp_path / "selection.toml").write_text(scenario_toml("selection"), encoding="utf-8")
    return tmp_path


@pytest.fixture
def write_study(study_dir: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "study.toml") -> Path:
        path = study_dir / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def tiny_study(write_study) -> Path:
    return write_study(TINY_STUDY)


@pytest.fixture
def known_answer_study(write_study) -> Callable[[str, int], Path]:
    def make(scenario: str, replications: int) -> Path:
        return write_study(study_toml(f"{scenario}.toml", replications), f"ka_{scenario}.toml")

    return make


@pytest.fixture(scope="module")
def cluster() -> Iterator:
    """A local Dask cluster of two single-threaded worker processes."""
    from sim.workers import local_cluster

    with local_cluster(2) as c:  # forked from the preloaded server, as the commands do
        yield c
