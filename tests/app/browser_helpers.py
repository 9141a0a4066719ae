"""Shared Playwright helpers for the browser tests (they live in :mod:`sim.app.drive`)."""

from __future__ import annotations

from sim.app.drive import MAP_DRAWN, POINT_JS, STEP_JS, describe, summarise

__all__ = ["MAP_DRAWN", "POINT_JS", "STEP_JS", "describe", "summarise"]
