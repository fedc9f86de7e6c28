"""Fixtures for end-to-end tests: both simulators and a `Harness` (tests/e2e/fixtures.py)."""

from __future__ import annotations

from tests.e2e.fixtures import harness, kie, telegram

__all__ = ["harness", "kie", "telegram"]
