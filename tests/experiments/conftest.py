"""Fixtures for the sweep tests: a tiny scenario, experiment files, one shared local cluster.

The tiny scenario (3 streets, about 120 residents, 60 days) runs in a tenth of a second, so
real engine runs stay cheap; a Dask cluster takes seconds to start, so the tests share one.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.tiny import TINY_SCENARIO

FACTORIAL = """
name = "tiny_factorial"
scenario = "tiny.toml"
replications = 3
seed = 11
[design]
method = "factorial"
[[factors]]
path = "factors.police_feedback"
values = [0.0, 1.0]
[[factors]]
path = "messages.exposure"
range = [0.0, 2.0]
levels = 3
[outputs]
summary = ["worry_members", "worry_nonmembers", "worry_gap", "participation",
           "crimes_per_1000"]
weekly = ["members", "worry_members", "crimes"]
"""


@pytest.fixture
def write_experiment(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write the tiny scenario and an experiment file (dedented) next to it."""
    (tmp_path / "tiny.toml").write_text(TINY_SCENARIO, encoding="utf-8")

    def write(text: str, name: str = "exp.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def factorial_file(write_experiment) -> Path:
    return write_experiment(FACTORIAL)


@pytest.fixture(scope="session")
def cluster() -> Iterator:
    """A local Dask cluster of two single-threaded worker processes, shared by the tests."""
    from sim.workers import local_cluster

    with local_cluster(2) as c:  # forked from the preloaded server, as the commands do
        yield c


@pytest.fixture
def client(cluster) -> Iterator:
    from distributed import Client

    with Client(cluster) as c:
        yield c
