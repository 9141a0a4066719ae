"""Shared fixtures for the calibration tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def targets_text() -> str:
    return (ROOT / "calibration" / "targets.toml").read_text(encoding="utf-8")


@pytest.fixture
def priors_text() -> str:
    return (ROOT / "calibration" / "priors.toml").read_text(encoding="utf-8")
