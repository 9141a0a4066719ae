"""Shared Playwright helpers for the browser tests (they live in :mod:`sim.app.drive`)."""

from __future__ import annotations

from sim.app.drive import STEP_JS, describe, summarise

__all__ = ["STEP_JS", "describe", "summarise"]
